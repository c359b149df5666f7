/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the regression queue: shared by tf-regress*.c only. */
#include "tf-catalogue.h"
#include "tf-regress-db.h"
#include "tf-regress-plan.h"
#include "tf-regress.h"

G_BEGIN_DECLS

/* A job yields its board to a TestFest session: the floor waits for boards
 * whose session is named so (tf_floor_start_session). */
#define TF_REGRESS_SESSION_PREFIX "regress:"
/* Infrastructure errors a job survives (it moves to another board) */
#define TF_REGRESS_MAX_ATTEMPTS 3
/* A board is checked again when its last good check is older */
#define TF_REGRESS_HEALTH_MAX_AGE_US ((gint64)12 * 3600 * G_USEC_PER_SEC)
/* Consecutive failed checks after which staff are told */
#define TF_REGRESS_HEALTH_REPORT_AFTER 2
#define TF_REGRESS_OUTPUT_MAX (64 * 1024)

typedef struct
{
  char *id;
  TfRegressPlan *plan;
  char *ci_image; /* the image id registered for a file handed in, or NULL */
  char *ci_path, *ci_sha256;
  gint64 created, deadline;
} TfRegressRun;

/* What a board is doing for the queue: a job, or a health check. */
typedef struct _TfRegressWork TfRegressWork;
struct _TfRegressWork
{
  struct _TfRegress *r;
  char *board;
  TfRegressJob *job; /* NULL: a health check (tf-regress-health.c) */
  GCancellable *cancel;
  GSubprocess *peer;
  GSubprocess *proc;
  guint timer;
  gint64 step_started;
  gboolean holding;                   /* the board is marked as ours (session "regress:JOB") */
  guint serial;                       /* callbacks of an older work on this board are ignored */
  char *health_image, *health_script; /* a health check's known-good image and check */
  char *for_job;                      /* a health check: the job that asked for it */
};

/* A callback's ticket: valid while the same work holds the board. */
typedef struct
{
  struct _TfRegress *r;
  char *board;
  guint serial;
} TfRegressTicket;

TfRegressTicket *
tf_regress_ticket_new (TfRegressWork *w);
void
tf_regress_ticket_free (TfRegressTicket *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfRegressTicket, tf_regress_ticket_free)
/* The work the ticket was made for, or NULL when it is gone. */
TfRegressWork *
tf_regress_ticket_work (TfRegressTicket *t);

struct _TfRegress
{
  TfLab *lab;
  TfStore *store;
  TfBus *bus;
  TfRpc *rpc;
  char *prefix;
  TfCatalogue *catalogue; /* NULL: no ETS cases */
  GHashTable *runs;       /* id -> TfRegressRun */
  GPtrArray *queue;       /* TfRegressJob, queued or running */
  GHashTable *work;       /* board id -> TfRegressWork */
  GHashTable *need_check; /* board ids checked again before their next job */
  GHashTable *reported;   /* boards staff were told about */
  guint dispatch_id;
  guint publish_id;
  guint nightly_timer;
  GHashTable *dirty_runs; /* run ids to publish */
  gboolean shutting_down;
  /* measurements for the benchmark (status verb) */
  guint64 jobs_started;
  gint64 latency_sum_us, latency_max_us; /* board free -> next job started */
  GHashTable *free_since;                /* board id -> gint64 * */
};

/* tf-regress.c */
gboolean
tf_regress_alive (TfRegress *r);
TfRegressRun *
tf_regress_run (TfRegress *r, const char *id);
TfImage *
tf_regress_image (TfRegress *r, TfRegressRun *run, const char *image_id);
/* tf-regress-dispatch.c */
void
tf_regress_dispatch_soon (TfRegress *r);
gboolean
tf_regress_board_free (TfRegress *r, TfBoard *board, GHashTable *leased);
/* The job's row written (a transaction of its own); FALSE logged. */
gboolean
tf_regress_store_job (TfRegress *r, TfRegressJob *j);
/* A job ended (or went back to the queue): the run may be complete. */
void
tf_regress_job_settled (TfRegress *r, TfRegressJob *j);
gboolean
tf_regress_submit (TfRegress *r, const char *plan_path, const char *plan_text, const char *ci_path,
                   const char *ci_sha256, const char *company, char **run_id, GError **error);
gboolean
tf_regress_cancel (TfRegress *r, const char *id, GError **error);

/* tf-regress-job.c: a job on a board */
void
tf_regress_job_claim (TfRegress *r, TfRegressJob *j, TfBoard *board);
void
tf_regress_job_start (TfRegress *r, TfRegressJob *j, TfBoard *board);
guint
tf_regress_job_steps (TfRegress *r, TfRegressJob *j);
/* Stop the work on @board at once (cancel, shutdown). */
void
tf_regress_work_abort (TfRegressWork *w);
void
tf_regress_work_free (TfRegressWork *w);
TfRegressWork *
tf_regress_work_new (TfRegress *r, const char *board, TfRegressJob *job);
/* The work is over: the board is free again, a job settled (stored by the caller). */
void
tf_regress_work_done (TfRegressWork *w);
void
tf_regress_job_cancelled (TfRegress *r, TfRegressJob *j, const char *why);

/* tf-regress-health.c */
gboolean
tf_regress_needs_check (TfRegress *r, TfBoard *board);
void
tf_regress_health_start (TfRegress *r, TfBoard *board, TfRegressRun *run, const char *for_job);
JsonNode *
tf_regress_health_json (TfRegress *r);

/* tf-regress-history.c: a run's report, compared with what ran before */
/* @history: compared with the earlier runs (FALSE: counts and jobs only, for progress) */
JsonObject *
tf_regress_report (TfStore *store, const char *run_id, gboolean with_output, gboolean history,
                   GError **error);
char *
tf_regress_junit (JsonObject *report);

/* tf-regress-nightly.c: standing plans */
void
tf_regress_nightly_start (TfRegress *r);
gboolean
tf_regress_schedule (TfRegress *r, const char *plan_path, const char *plan_text, char **name,
                     GError **error);
gboolean
tf_regress_unschedule (TfRegress *r, const char *name, GError **error);

/* tf-regress-cmd.c: verbs and retained state */
void
tf_regress_add_verbs (TfRegress *r);
void
tf_regress_publish_soon (TfRegress *r, const char *run_id);
void
tf_regress_publish_status (TfRegress *r);

G_END_DECLS
