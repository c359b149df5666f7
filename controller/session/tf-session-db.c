/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-session-db.h"
#include "tf-error.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static gboolean
fail (sqlite3 *db, GError **error, const char *what)
{
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "store: %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* Prepare @sql and bind arguments described by @types: 's' string (NULL
 * binds NULL), 'i' gint64, 'n' int, 'm' int where a negative one binds NULL
 * (a value that may be unknown, as the exit status of a killed script). */
static sqlite3_stmt *
prep (TfStore *st, GError **error, const char *sql, const char *types, va_list ap)
{
  sqlite3 *db = tf_store_get_db (st);
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &s, NULL) != SQLITE_OK)
    {
      fail (db, error, "prepare");
      return NULL;
    }
  for (int i = 0; types[i] != '\0'; i++)
    {
      if (types[i] == 's')
        {
          const char *v = va_arg (ap, const char *);
          if (v != NULL)
            sqlite3_bind_text (s, i + 1, v, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (s, i + 1);
        }
      else if (types[i] == 'i')
        sqlite3_bind_int64 (s, i + 1, va_arg (ap, gint64));
      else if (types[i] == 'm')
        {
          int v = va_arg (ap, int);
          if (v >= 0)
            sqlite3_bind_int (s, i + 1, v);
          else
            sqlite3_bind_null (s, i + 1);
        }
      else
        sqlite3_bind_int (s, i + 1, va_arg (ap, int));
    }
  return s;
}

static gboolean
run (TfStore *st, GError **error, const char *sql, const char *types, ...)
{
  g_autoptr (sqlite3_stmt) s = NULL;
  va_list ap;
  va_start (ap, types);
  s = prep (st, error, sql, types, ap);
  va_end (ap);
  if (s == NULL)
    return FALSE;
  if (sqlite3_step (s) != SQLITE_DONE)
    return fail (tf_store_get_db (st), error, "write");
  return TRUE;
}

static sqlite3_stmt *
query (TfStore *st, GError **error, const char *sql, const char *types, ...)
{
  sqlite3_stmt *s;
  va_list ap;
  va_start (ap, types);
  s = prep (st, error, sql, types, ap);
  va_end (ap);
  return s;
}

static char *
col (sqlite3_stmt *s, int i)
{
  const unsigned char *v = sqlite3_column_text (s, i);
  return v != NULL ? g_strdup ((const char *)v) : NULL;
}

gboolean
tf_sdb_begin (TfStore *st, GError **error)
{
  return tf_store_exec (st, "BEGIN IMMEDIATE", error);
}

gboolean
tf_sdb_commit (TfStore *st, GError **error)
{
  if (tf_store_exec (st, "COMMIT", error))
    return TRUE;
  tf_sdb_rollback (st);
  return FALSE;
}

void
tf_sdb_rollback (TfStore *st)
{
  if (!sqlite3_get_autocommit (tf_store_get_db (st)))
    tf_store_exec (st, "ROLLBACK", NULL);
}

GPtrArray *
tf_sdb_load_sessions (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
               "SELECT id, slot, tbl, board, client, client_company, server, server_company, ets, "
               "ets_version, phase, since, error, replanned, signed_client, signed_server, "
               "signed_client_by, signed_client_at, signed_server_by, signed_server_at, fw_name, "
               "fw_version, fw_sha256 FROM session ORDER BY slot, tbl, id",
               "");
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_session_free);
  int rc;
  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfSession *x = tf_session_new ();
      g_autofree char *phase = NULL;
      x->id = col (s, 0);
      x->slot = sqlite3_column_int (s, 1);
      x->table = sqlite3_column_int (s, 2);
      x->board = col (s, 3);
      x->client = col (s, 4);
      x->client_company = col (s, 5);
      x->server = col (s, 6);
      x->server_company = col (s, 7);
      x->ets = col (s, 8);
      x->ets_version = col (s, 9);
      phase = col (s, 10);
      if (!tf_phase_from_string (phase, &x->phase))
        x->phase = TF_PHASE_ABORTED;
      x->since = sqlite3_column_int64 (s, 11);
      x->error = col (s, 12);
      x->replanned = sqlite3_column_int (s, 13);
      x->signed_client = sqlite3_column_int (s, 14);
      x->signed_server = sqlite3_column_int (s, 15);
      x->signed_client_by = col (s, 16);
      x->signed_client_at = sqlite3_column_int64 (s, 17);
      x->signed_server_by = col (s, 18);
      x->signed_server_at = sqlite3_column_int64 (s, 19);
      x->fw_name = col (s, 20);
      x->fw_version = col (s, 21);
      x->fw_sha256 = col (s, 22);
      g_ptr_array_add (out, x);
    }
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "read sessions");
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
tf_sdb_put_session (TfStore *st, const TfSession *x, GError **error)
{
  return run (
      st, error,
      "INSERT INTO session (id, slot, tbl, board, client, client_company, server, "
      "server_company, ets, ets_version, phase, since, error, replanned, signed_client, "
      "signed_server, signed_client_by, signed_client_at, signed_server_by, signed_server_at, "
      "fw_name, fw_version, fw_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(id) DO UPDATE SET "
      "slot=excluded.slot, tbl=excluded.tbl, board=excluded.board, ets=excluded.ets, "
      "ets_version=excluded.ets_version, phase=excluded.phase, since=excluded.since, "
      "error=excluded.error, replanned=excluded.replanned, signed_client=excluded.signed_client, "
      "signed_server=excluded.signed_server, signed_client_by=excluded.signed_client_by, "
      "signed_client_at=excluded.signed_client_at, signed_server_by=excluded.signed_server_by, "
      "signed_server_at=excluded.signed_server_at, fw_name=excluded.fw_name, "
      "fw_version=excluded.fw_version, fw_sha256=excluded.fw_sha256",
      "snnssssssssisnnnsisisss", x->id, x->slot, x->table, x->board, x->client, x->client_company,
      x->server, x->server_company, x->ets, x->ets_version, tf_phase_to_string (x->phase), x->since,
      x->error, (int)x->replanned, (int)x->signed_client, (int)x->signed_server,
      x->signed_client_by, x->signed_client_at, x->signed_server_by, x->signed_server_at,
      x->fw_name, x->fw_version, x->fw_sha256);
}

gboolean
tf_sdb_delete_session (TfStore *st, const char *id, GError **error)
{
  return run (st, error, "DELETE FROM verdict WHERE session = ?", "s", id)
         && run (st, error, "DELETE FROM session WHERE id = ?", "s", id);
}

gboolean
tf_sdb_add_history (TfStore *st, const char *id, const char *from, const char *to,
                    const char *reason, gint64 at, GError **error)
{
  return run (st, error,
              "INSERT INTO session_history (session, at, from_phase, to_phase, reason) "
              "VALUES (?,?,?,?,?)",
              "sisss", id, at, from, to, reason);
}

gint64
tf_sdb_count_history (TfStore *st, const char *id, const char *to_phase)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, NULL, "SELECT count(*) FROM session_history WHERE session = ? AND to_phase = ?",
               "ss", id, to_phase);
  if (s == NULL || sqlite3_step (s) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (s, 0);
}

void
tf_case_row_free (TfCaseRow *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->verdict);
  g_free (r->note);
  g_free (r->issue);
  g_free (r->entered_by);
  g_free (r->verification);
  g_free (r->verify_note);
  g_free (r->verified_by);
  g_free (r->evidence);
  g_free (r->run_script);
  g_free (r->group);
  if (r->history != NULL)
    g_ptr_array_unref (r->history);
  g_free (r);
}

static void
sdb_event_free (TfSdbEvent *e)
{
  g_free (e->who);
  g_free (e->what);
  g_free (e->value);
  g_free (e->note);
  g_free (e);
}

/* The history of the session's disputed cases, onto their rows (by id). */
static gboolean
add_disputes (TfStore *st, const char *session, GPtrArray *rows, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (
      st, error,
      "SELECT case_id, at, who, what, value, note FROM verdict_history WHERE session = ? AND "
      "case_id IN (SELECT case_id FROM verdict_history WHERE session = ? AND what = 'verify' "
      "AND value = 'disputed') ORDER BY seq",
      "ss", session, session);
  int rc;
  if (s == NULL)
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint id = sqlite3_column_int (s, 0);
      TfSdbEvent *e = g_new0 (TfSdbEvent, 1);
      TfCaseRow *row = NULL;
      e->at = sqlite3_column_int64 (s, 1);
      e->who = col (s, 2);
      e->what = col (s, 3);
      e->value = col (s, 4);
      e->note = col (s, 5);
      for (guint i = 0; row == NULL && i < rows->len; i++)
        if (((TfCaseRow *)g_ptr_array_index (rows, i))->id == id)
          row = g_ptr_array_index (rows, i);
      if (row == NULL)
        {
          sdb_event_free (e);
          continue;
        }
      if (row->history == NULL)
        row->history = g_ptr_array_new_with_free_func ((GDestroyNotify)sdb_event_free);
      g_ptr_array_add (row->history, e);
    }
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "read verdict history");
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_sdb_add_case (TfStore *st, const char *session, gint id, const char *name, const char *verdict,
                 const char *note, const char *by, gint64 at, GError **error)
{
  return run (st, error,
              "INSERT OR IGNORE INTO verdict (session, case_id, name, verdict, note, entered_by, "
              "entered_at, verification, verify_note, verified_by, verified_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
              "snssssisssi", session, id, name, verdict, note, by, verdict ? at : (gint64)0,
              verdict ? "agreed" : NULL, verdict ? "pre-set from the declared features" : NULL,
              verdict ? by : NULL, verdict ? at : (gint64)0);
}

/* Each case with its latest automated run, if any. */
#define CASE_SELECT                                                                                \
  "SELECT v.case_id, v.name, v.verdict, v.note, v.issue, v.entered_by, v.entered_at, "             \
  "v.verification, v.verify_note, v.verified_by, v.verified_at, r.output, r.output_bytes, "        \
  "r.script, r.exit_status, r.started_at, r.finished_at FROM verdict v "                           \
  "LEFT JOIN automation_run r ON r.seq = (SELECT max(a.seq) FROM automation_run a "                \
  "WHERE a.session = v.session AND a.case_id = v.case_id) "

static TfCaseRow *
case_row (sqlite3_stmt *s)
{
  TfCaseRow *r = g_new0 (TfCaseRow, 1);
  r->id = sqlite3_column_int (s, 0);
  r->name = col (s, 1);
  r->verdict = col (s, 2);
  r->note = col (s, 3);
  r->issue = col (s, 4);
  r->entered_by = col (s, 5);
  r->entered_at = sqlite3_column_int64 (s, 6);
  r->verification = col (s, 7);
  r->verify_note = col (s, 8);
  r->verified_by = col (s, 9);
  r->verified_at = sqlite3_column_int64 (s, 10);
  r->evidence = col (s, 11);
  r->run_bytes = sqlite3_column_int64 (s, 12);
  r->run_script = col (s, 13);
  r->run_status = sqlite3_column_type (s, 14) == SQLITE_NULL ? -1 : sqlite3_column_int (s, 14);
  r->run_started = sqlite3_column_int64 (s, 15);
  r->run_at = sqlite3_column_int64 (s, 16);
  return r;
}

GPtrArray *
tf_sdb_cases (TfStore *st, const char *session, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error, CASE_SELECT "WHERE v.session = ? ORDER BY v.case_id", "s", session);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_case_row_free);
  int rc;
  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (out, case_row (s));
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "read cases");
      return NULL;
    }
  if (!add_disputes (st, session, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

TfCaseRow *
tf_sdb_get_case (TfStore *st, const char *session, gint id, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error, CASE_SELECT "WHERE v.session = ? AND v.case_id = ?", "sn", session, id);
  if (s == NULL)
    return NULL;
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "session %s has no case %d", session, id);
      return NULL;
    }
  return case_row (s);
}

gboolean
tf_sdb_set_verdict (TfStore *st, const char *session, gint id, const char *verdict,
                    const char *note, const char *issue, const char *by, gint64 at,
                    const char *evidence, GError **error)
{
  return run (st, error,
              "UPDATE verdict SET verdict=?, note=?, issue=?, entered_by=?, entered_at=?, "
              "evidence=coalesce(?, evidence), verification=NULL, verify_note=NULL, "
              "verified_by=NULL, verified_at=NULL WHERE session=? AND case_id=?",
              "ssssissn", verdict, note, issue, by, at, evidence, session, id)
         && run (st, error,
                 "INSERT INTO verdict_history (session, case_id, at, who, what, value, note) "
                 "VALUES (?,?,?,?,'verdict',?,?)",
                 "snisss", session, id, at, by, verdict, note);
}

gboolean
tf_sdb_add_run (TfStore *st, const char *session, gint id, const TfSdbRun *r, GError **error)
{
  return run (st, error,
              "INSERT INTO automation_run (session, case_id, script, started_at, finished_at, "
              "exit_status, output, output_bytes) VALUES (?,?,?,?,?,?,?,?)",
              "snsiimsi", session, id, r->script, r->started_at, r->finished_at, r->exit_status,
              r->output, r->output_bytes);
}

gboolean
tf_sdb_set_verification (TfStore *st, const char *session, gint id, const char *verification,
                         const char *note, const char *by, gint64 at, GError **error)
{
  return run (st, error,
              "UPDATE verdict SET verification=?, verify_note=?, verified_by=?, verified_at=? "
              "WHERE session=? AND case_id=?",
              "sssisn", verification, note, by, at, session, id)
         && run (st, error,
                 "INSERT INTO verdict_history (session, case_id, at, who, what, value, note) "
                 "VALUES (?,?,?,?,'verify',?,?)",
                 "snisss", session, id, at, by, verification, note);
}

gboolean
tf_sdb_out_of_time (TfStore *st, const char *session, gint64 at, GError **error)
{
  return run (st, error,
              "UPDATE verdict SET verdict='out-of-time', note='not run before the slot ended', "
              "entered_by='testfestd', entered_at=? WHERE session=? AND verdict IS NULL",
              "is", at, session);
}

gboolean
tf_sdb_get_event_state (TfStore *st, char **sha256, char **schedule, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error, "SELECT sha256, schedule FROM event_state WHERE id = 1", "");
  *sha256 = *schedule = NULL;
  if (s == NULL)
    return FALSE;
  if (sqlite3_step (s) == SQLITE_ROW)
    {
      *sha256 = col (s, 0);
      *schedule = col (s, 1);
    }
  return TRUE;
}

gboolean
tf_sdb_put_event_state (TfStore *st, const char *sha256, const char *schedule, GError **error)
{
  return run (st, error,
              "INSERT OR REPLACE INTO event_state (id, sha256, schedule, updated) VALUES (1,?,?,?)",
              "ssi", sha256, schedule, g_get_real_time ());
}

void
tf_lease_free (TfLease *l)
{
  if (l == NULL)
    return;
  g_free (l->board);
  g_free (l->owner);
  g_free (l);
}

GPtrArray *
tf_sdb_leases (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error, "SELECT board, owner, acquired, expires FROM lease ORDER BY board", "");
  GPtrArray *out;
  if (s == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lease_free);
  while (sqlite3_step (s) == SQLITE_ROW)
    {
      TfLease *l = g_new0 (TfLease, 1);
      l->board = col (s, 0);
      l->owner = col (s, 1);
      l->acquired = sqlite3_column_int64 (s, 2);
      l->expires = sqlite3_column_int64 (s, 3);
      g_ptr_array_add (out, l);
    }
  return out;
}

gboolean
tf_sdb_lease_put (TfStore *st, const char *board, const char *owner, gint64 acquired,
                  gint64 expires, GError **error)
{
  return run (st, error,
              "INSERT OR REPLACE INTO lease (board, owner, acquired, expires) VALUES (?,?,?,?)",
              "ssii", board, owner, acquired, expires);
}

gboolean
tf_sdb_lease_delete (TfStore *st, const char *board, GError **error)
{
  return run (st, error, "DELETE FROM lease WHERE board = ?", "s", board);
}

void
tf_case_result_free (TfCaseResult *r)
{
  if (r == NULL)
    return;
  g_free (r->ets);
  g_free (r->name);
  g_free (r);
}

GPtrArray *
tf_sdb_results (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (
      st, error,
      "SELECT s.ets, v.case_id, v.name, CASE WHEN v.verification = 'disputed' THEN "
      "'inconclusive' ELSE v.verdict END AS eff, count(*) FROM verdict v JOIN session s ON "
      "s.id = v.session WHERE s.phase IN ('verified', 'closed') GROUP BY s.ets, v.case_id, eff "
      "ORDER BY s.ets, v.case_id",
      "");
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_case_result_free);
  TfCaseResult *cur = NULL;
  int rc;
  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      const char *ets = (const char *)sqlite3_column_text (s, 0);
      gint id = sqlite3_column_int (s, 1);
      TfVerdict v;
      if (cur == NULL || cur->id != id || g_strcmp0 (cur->ets, ets) != 0)
        {
          cur = g_new0 (TfCaseResult, 1);
          cur->ets = g_strdup (ets);
          cur->id = id;
          cur->name = col (s, 2);
          g_ptr_array_add (out, cur);
        }
      if (tf_verdict_from_string ((const char *)sqlite3_column_text (s, 3), &v))
        cur->counts[v] += sqlite3_column_int (s, 4);
    }
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "results");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
tf_sdb_issues (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (st, error,
                                      "SELECT DISTINCT v.issue FROM verdict v JOIN session s ON "
                                      "s.id = v.session WHERE s.phase IN ('verified', 'closed') "
                                      "AND v.issue IS NOT NULL ORDER BY v.issue",
                                      "");
  GPtrArray *out;
  if (s == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (s) == SQLITE_ROW)
    g_ptr_array_add (out, col (s, 0));
  return out;
}
