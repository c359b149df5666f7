/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-catalogue.h"
#include "tf-config.h"
#include "tf-image.h"

G_BEGIN_DECLS

/* A regression plan (NAME.plan, a key file; FILE:LINE errors):
 *
 *   [plan]
 *   name = nightly
 *   board-types = sim-l476          (and/or)  boards = sim2;sim3
 *   images = fw-1.0;fw-1.1          (the lab's images file; CI may hand a file instead)
 *   suites = smoke;registration
 *   repeat = 2                      (each case, 1..100)
 *   budget-minutes = 120            (jobs not started by then are cancelled)
 *   nightly = 02:00                 (UTC; a standing plan, see tf_regress_schedule)
 *   priority = 10                   (-100..100; higher first)
 *   health-image = known-good       (flashed by the health check)
 *   health-script = health.sh       (exit 0: healthy)
 *
 *   [suite smoke]
 *   ets = 1.1                       (with cases and groups: the catalogue's)
 *   cases = 101;102                 (automated ETS cases by id)
 *   groups = Registration           (every automated case of the group)
 *   scripts = check-led.sh          (custom, the same exit-code contract)
 *   peer = lwm2m-server             (a [peer NAME] group)
 *   timeout = 120                   (seconds per case, 1..3600)
 *
 *   [peer lwm2m-server]
 *   command = tf-lwm2m-server --port 5683   (run for the job; optional)
 *   uri = coap://127.0.0.1:5683             (TF_SERVER_URI of the cases)
 *
 * Paths are relative to the plan file. */

#define TF_REGRESS_PLAN_MAX (48 * 1024) /* inside a 64 KiB request */

typedef struct
{
  char *name;   /* "ets 1.1 101 Name" or the script's base name */
  gint case_id; /* the ETS case, -1 for a custom script */
  char *script; /* absolute */
} TfRegressCase;

typedef struct
{
  char *name;
  char *ets;
  GPtrArray *cases; /* TfRegressCase */
  char *peer;       /* nullable */
  guint timeout_s;
} TfRegressSuite;

typedef struct
{
  char *name;
  char *command; /* nullable */
  char *uri;     /* nullable */
} TfRegressPeer;

typedef struct
{
  char *path;
  char *name;
  GStrv board_types; /* may be empty */
  GStrv boards;      /* may be empty */
  GStrv images;
  GPtrArray *suites; /* TfRegressSuite */
  GPtrArray *peers;  /* TfRegressPeer */
  guint repeat;
  guint budget_min;
  gint nightly_min; /* minutes after 00:00 UTC, -1: none */
  gint priority;
  char *health_image;
  char *health_script;
} TfRegressPlan;

/* What a plan is checked against in the daemon (NULL: syntax and ranges
 * only, as testfestctl and the fuzz target do). */
typedef struct
{
  const TfLabConfig *lab;  /* boards and board types exist */
  TfImageRegistry *images; /* images exist and fit the board types */
  TfCatalogue *catalogue;  /* cases exist and have a script (NULL: no ETS cases) */
  gboolean ci_image;       /* an image is handed in: [plan] images may be empty */
  gboolean check_files;    /* scripts exist and are executable */
} TfRegressPlanContext;

/* @path names the file in messages and anchors relative paths; FILE:LINE errors. */
TfRegressPlan *
tf_regress_plan_load_data (const char *path, const char *data, gsize len,
                           const TfRegressPlanContext *ctx, GError **error);
void
tf_regress_plan_free (TfRegressPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfRegressPlan, tf_regress_plan_free)

TfRegressSuite *
tf_regress_plan_suite (TfRegressPlan *plan, const char *name);
TfRegressPeer *
tf_regress_plan_peer (TfRegressPlan *plan, const char *name);
/* Whether @board (of @type) is one the plan runs on. */
gboolean
tf_regress_plan_wants_board (TfRegressPlan *plan, const char *board, const char *type);

G_END_DECLS
