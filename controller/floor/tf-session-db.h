/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-session.h"
#include "tf-store.h"

G_BEGIN_DECLS

/* The floor's tables in the store (module "floor", migrated by
 * tf_sdb_migrate() when the floor starts). Callers group writes in
 * tf_store_begin()/tf_store_commit() so that one acknowledged change is one
 * transaction. */
gboolean
tf_sdb_migrate (TfStore *st, GError **error);
/* The floor module's version this build writes. */
guint
tf_sdb_schema_version (void);

GPtrArray *
tf_sdb_load_sessions (TfStore *st, GError **error); /* TfSession */
gboolean
tf_sdb_put_session (TfStore *st, const TfSession *s, GError **error);
gboolean
tf_sdb_delete_session (TfStore *st, const char *id, GError **error);
gboolean
tf_sdb_add_history (TfStore *st, const char *id, const char *from, const char *to,
                    const char *reason, gint64 at, GError **error);

typedef struct
{
  gint id;
  char *name;
  char *group; /* the case's ETS group: from the catalogue, not the store (NULL: unknown) */
  char *verdict, *note, *issue, *entered_by;
  gint64 entered_at;
  char *verification, *verify_note, *verified_by;
  gint64 verified_at;
  /* The latest automated run of the case (a verdict a person entered later
   * does not replace it); run_at is 0 when no script ran. */
  char *evidence;   /* the end of its output, as stored (TF_SDB_RUN_OUTPUT_MAX) */
  gint64 run_bytes; /* the whole output's length */
  char *run_script;
  gint run_status; /* its exit status; -1: it did not exit (killed, timed out) */
  gint64 run_started;
  gint64 run_at; /* when it finished and its verdict was entered */
  char *run_side; /* the side it judged: "client" or "server" (NULL: no run) */
  /* a disputed case's every verdict and verification, in order (TfSdbEvent;
   * NULL when the case was never disputed) */
  GPtrArray *history;
} TfCaseRow;

typedef struct
{
  gint64 at;
  char *who, *what, *value, *note; /* what: "verdict" or "verify" */
} TfSdbEvent;
void
tf_case_row_free (TfCaseRow *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCaseRow, tf_case_row_free)

/* Adds the case unless the session has it already. */
gboolean
tf_sdb_add_case (TfStore *st, const char *session, gint id, const char *name, const char *verdict,
                 const char *note, const char *by, gint64 at, GError **error);
GPtrArray *
tf_sdb_cases (TfStore *st, const char *session, GError **error); /* TfCaseRow, by id */
TfCaseRow *
tf_sdb_get_case (TfStore *st, const char *session, gint id, GError **error);
/* A new verdict clears the verification: the server team checks it again. */
gboolean
tf_sdb_set_verdict (TfStore *st, const char *session, gint id, const char *verdict,
                    const char *note, const char *issue, const char *by, gint64 at,
                    const char *evidence, GError **error);
gboolean
tf_sdb_set_verification (TfStore *st, const char *session, gint id, const char *verification,
                         const char *note, const char *by, gint64 at, GError **error);
/* The store keeps the last 64 KiB of a script's output. */
#define TF_SDB_RUN_OUTPUT_MAX (64 * 1024)
typedef struct
{
  const char *script;
  gint64 started_at, finished_at;
  gint exit_status;   /* -1: it did not exit */
  const char *output; /* UTF-8, at most TF_SDB_RUN_OUTPUT_MAX bytes */
  gint64 output_bytes;
  const char *side; /* the implementation judged: "client" (NULL) or "server" */
} TfSdbRun;
gboolean
tf_sdb_add_run (TfStore *st, const char *session, gint id, const TfSdbRun *run, GError **error);
/* Cases without a verdict become Out of Time. */
gboolean
tf_sdb_out_of_time (TfStore *st, const char *session, gint64 at, GError **error);

gboolean
tf_sdb_get_event_state (TfStore *st, char **sha256, char **schedule, GError **error);
gboolean
tf_sdb_put_event_state (TfStore *st, const char *sha256, const char *schedule, GError **error);

typedef struct
{
  char *board, *owner;
  gint64 acquired, expires;
} TfLease;
void
tf_lease_free (TfLease *l);
GPtrArray *
tf_sdb_leases (TfStore *st, GError **error); /* TfLease */
gboolean
tf_sdb_lease_put (TfStore *st, const char *board, const char *owner, gint64 acquired,
                  gint64 expires, GError **error);
/* What the periodic refresh does with a stored lease whose owner (a session,
 * or NULL when none by that id) is @owner, at @now (wall clock, µs). */
typedef enum
{
  TF_LEASE_KEEP,  /* held until it expires */
  TF_LEASE_RENEW, /* its session lives: a new expiry */
  TF_LEASE_DROP,  /* expired */
} TfLeaseAction;
TfLeaseAction
tf_lease_action (const TfLease *l, const TfSession *owner, gint64 now);
gboolean
tf_sdb_lease_delete (TfStore *st, const char *board, GError **error);

G_END_DECLS

G_BEGIN_DECLS
/* Results by test case over final sessions (verified or closed); a disputed
 * case counts as Inconclusive. */
typedef struct
{
  char *ets;
  gint id;
  char *name;
  guint counts[6]; /* by TfVerdict; [0] unused */
} TfCaseResult;
void
tf_case_result_free (TfCaseResult *r);
GPtrArray *
tf_sdb_results (TfStore *st, GError **error);
/* The same over the sessions of @ids_json (a JSON array of session ids). */
GPtrArray *
tf_sdb_results_for (TfStore *st, const char *ids_json, GError **error);
/* Summary releases: the last one (n 0: none yet); @ids and @summary may be NULL. */
gboolean
tf_sdb_release_last (TfStore *st, gint64 *n, char **ids, char **summary, GError **error);
gboolean
tf_sdb_release_put (TfStore *st, gint64 n, gint64 at, const char *ids, const char *summary,
                    GError **error);
/* The spec issues linked from final sessions' verdicts, sorted (gchar *). */
GPtrArray *
tf_sdb_issues (TfStore *st, GError **error);
G_END_DECLS
