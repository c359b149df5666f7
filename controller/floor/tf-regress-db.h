/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-store.h"

G_BEGIN_DECLS

/* The store's regression tables (created IF NOT EXISTS, like the release and
 * rpc tables): runs, jobs, one row per case step, health checks. A job is
 * written before it starts and after every case, so a kill -9 loses at most
 * the case that was running, which runs again. */

typedef struct
{
  char *id;
  char *run;
  guint seq;
  char *image;  /* the image id (registry, or "ci-<sha12>") */
  char *sha256; /* of the image */
  char *suite;
  char *pinned;     /* the board the plan named, or NULL */
  char *board_type; /* the type it needs when not pinned */
  char *state;      /* queued running passed failed incomplete cancelled */
  char *board;      /* running on (NULL when queued) */
  guint next;       /* next step: case index * repeat + repeat */
  guint attempts;   /* infrastructure errors so far */
  gint priority;
  gint64 created, started, ended;
  char *error;
} TfRegressJob;

void
tf_regress_job_free (TfRegressJob *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfRegressJob, tf_regress_job_free)

typedef struct
{
  const char *job;
  guint step;
  const char *name;
  gint case_id; /* -1: custom */
  guint repeat;
  const char *board;
  const char *script;
  const char *verdict; /* pass fail skip inconclusive */
  gint status;         /* exit status, -1 killed */
  gint64 started, ended;
  const char *output; /* the end of it */
  gint64 output_len;
} TfRegressCaseRow;

gboolean
tf_rdb_init (TfStore *st, GError **error);
gboolean
tf_rdb_begin (TfStore *st, GError **error);
gboolean
tf_rdb_commit (TfStore *st, GError **error);
void
tf_rdb_rollback (TfStore *st);

gboolean
tf_rdb_add_run (TfStore *st, const char *id, const char *plan, const char *plan_path,
                const char *plan_text, const char *ci_path, const char *ci_sha256,
                const char *company, gint priority, gint64 created, gint64 deadline,
                GError **error);
gboolean
tf_rdb_set_run_state (TfStore *st, const char *id, const char *state, const char *summary,
                      gint64 ended, GError **error);
/* Runs not ended: (id, plan_path, plan_text, ci_path, ci_sha256, deadline) as a JSON array. */
JsonArray *
tf_rdb_open_runs (TfStore *st, GError **error);
gboolean
tf_rdb_put_job (TfStore *st, const TfRegressJob *j, GError **error);
/* Jobs of @run (NULL: every job not finished), by seq. */
GPtrArray *
tf_rdb_jobs (TfStore *st, const char *run, GError **error);
/* Whether a case of @job failed or was inconclusive. */
gboolean
tf_rdb_job_failed (TfStore *st, const char *job);
gboolean
tf_rdb_add_case (TfStore *st, const TfRegressCaseRow *c, GError **error);
/* The cases of @run's jobs as JSON objects, by job then step. */
JsonArray *
tf_rdb_cases (TfStore *st, const char *run, gboolean with_output, GError **error);
/* Runs as JSON objects (id, plan, state, created, ended, summary, company),
 * newest first; @plan NULL: all; at most @limit. */
JsonArray *
tf_rdb_runs (TfStore *st, const char *plan, guint limit, GError **error);
JsonObject *
tf_rdb_run (TfStore *st, const char *id, GError **error);
gboolean
tf_rdb_add_health (TfStore *st, const char *board, gint64 at, gboolean ok, const char *reason,
                   GError **error);
/* Consecutive failed checks of @board up to now, and when it last passed (0: never). */
gboolean
tf_rdb_health_of (TfStore *st, const char *board, guint *failures, gint64 *last_ok, GError **error);
JsonArray *
tf_rdb_health_log (TfStore *st, guint limit, GError **error);
/* Standing plans: run every day at @nightly_min (minutes after 00:00 UTC);
 * @last_day ("YYYY-MM-DD", UTC) the day they last ran. */
gboolean
tf_rdb_put_standing (TfStore *st, const char *name, const char *plan_path, const char *plan_text,
                     gint nightly_min, const char *last_day, GError **error);
gboolean
tf_rdb_delete_standing (TfStore *st, const char *name, gboolean *found, GError **error);
gboolean
tf_rdb_set_standing_day (TfStore *st, const char *name, const char *day, GError **error);
JsonArray *
tf_rdb_standing (TfStore *st, GError **error);
/* The owner of @board's TestFest lease, if the floor's lease table has one. */
char *
tf_rdb_lease_owner (TfStore *st, const char *board);
/* Every board with a TestFest lease (a set of board ids). */
GHashTable *
tf_rdb_leased_boards (TfStore *st);

G_END_DECLS
