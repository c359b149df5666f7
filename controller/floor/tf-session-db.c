/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-session-db.h"
#include "tf-error.h"

#include <stdarg.h>
#include <string.h>

/* The floor's tables, a module of the store: each step moves them from
 * version i to i+1. Steps 1..3 were the store's global versions 2..4, which
 * the store maps to these once. Never edit a shipped one. */
static const char *const floor_steps[] = {
  /* 0 -> 1: the event's schedule, test sessions, verdicts, board leases */
  "CREATE TABLE event_state (id INTEGER PRIMARY KEY CHECK (id = 1), sha256 TEXT NOT NULL,"
  "  schedule TEXT NOT NULL, updated INTEGER NOT NULL);"
  "CREATE TABLE session (id TEXT PRIMARY KEY, slot INTEGER NOT NULL, tbl INTEGER NOT NULL,"
  "  board TEXT, client TEXT NOT NULL, client_company TEXT NOT NULL, server TEXT NOT NULL,"
  "  server_company TEXT NOT NULL, ets TEXT, ets_version TEXT, phase TEXT NOT NULL,"
  "  since INTEGER NOT NULL, error TEXT, replanned INTEGER NOT NULL DEFAULT 0,"
  "  signed_client INTEGER NOT NULL DEFAULT 0, signed_server INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE session_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  at INTEGER NOT NULL, from_phase TEXT, to_phase TEXT NOT NULL, reason TEXT);"
  "CREATE INDEX session_history_session ON session_history (session, seq);"
  "CREATE TABLE verdict (session TEXT NOT NULL, case_id INTEGER NOT NULL, name TEXT NOT NULL,"
  "  verdict TEXT, note TEXT, issue TEXT, entered_by TEXT, entered_at INTEGER,"
  "  verification TEXT, verify_note TEXT, verified_by TEXT, verified_at INTEGER, evidence TEXT,"
  "  PRIMARY KEY (session, case_id));"
  "CREATE TABLE verdict_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  case_id INTEGER NOT NULL, at INTEGER NOT NULL, who TEXT, what TEXT NOT NULL, value TEXT,"
  "  note TEXT);"
  "CREATE TABLE lease (board TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired INTEGER NOT NULL,"
  "  expires INTEGER NOT NULL);",
  /* 1 -> 2: each automated run as evidence of its own (script, times, exit
   * status, the end of its output), not a note that a person's verdict replaces */
  "CREATE TABLE automation_run (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  case_id INTEGER NOT NULL, script TEXT NOT NULL, started_at INTEGER NOT NULL,"
  "  finished_at INTEGER NOT NULL, exit_status INTEGER, output TEXT NOT NULL,"
  "  output_bytes INTEGER NOT NULL);"
  "CREATE INDEX automation_run_case ON automation_run (session, case_id, seq);",
  /* 2 -> 3: what the Test Session Report names besides verdicts: the firmware the
   * client's board ran and who signed, when */
  "ALTER TABLE session ADD COLUMN fw_name TEXT;"
  "ALTER TABLE session ADD COLUMN fw_version TEXT;"
  "ALTER TABLE session ADD COLUMN fw_sha256 TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE session ADD COLUMN signed_server_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_server_at INTEGER NOT NULL DEFAULT 0;",
  /* 3 -> 4: the anonymised results staff released (tf-floor-release.c): the
   * public summary is the last of them, never the live counts */
  "CREATE TABLE summary_release (n INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
  "  sessions TEXT NOT NULL, summary TEXT NOT NULL);",
  /* 4 -> 5: verdicts the lab proposes from a session's trace (tf-floor-proposals.c), with
   * what the client team decided of them */
  "CREATE TABLE trace_proposal (session TEXT NOT NULL, case_id INTEGER NOT NULL,"
  "  verdict TEXT NOT NULL, reason TEXT NOT NULL, frames TEXT NOT NULL,"
  "  proposed_at INTEGER NOT NULL, decision TEXT, decided_by TEXT, decided_at INTEGER,"
  "  PRIMARY KEY (session, case_id));",
  /* 5 -> 6: which side of the session an automated run judged: the client (the lab's
   * server played the ETS's server) or the server (the lab's client played the client) */
  "ALTER TABLE automation_run ADD COLUMN side TEXT NOT NULL DEFAULT 'client';",
};

gboolean
tf_sdb_migrate (TfStore *st, GError **error)
{
  return tf_store_migrate (st, "floor", floor_steps, G_N_ELEMENTS (floor_steps), error);
}

guint
tf_sdb_schema_version (void)
{
  return G_N_ELEMENTS (floor_steps);
}

#define run tf_store_run
#define query tf_store_query

GPtrArray *
tf_sdb_load_sessions (TfStore *st, GError **error)
{
  g_autoptr (TfStoreStmt) s
      = query (st, error,
               "SELECT id, slot, tbl, board, client, client_company, server, server_company, ets, "
               "ets_version, phase, since, error, replanned, signed_client, signed_server, "
               "signed_client_by, signed_client_at, signed_server_by, signed_server_at, fw_name, "
               "fw_version, fw_sha256 FROM session ORDER BY slot, tbl, id",
               "");
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_session_free);
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return NULL;
  while (tf_store_stmt_next (s, &local))
    {
      TfSession *x = tf_session_new ();
      g_autofree char *phase = NULL;
      x->id = tf_store_stmt_dup (s, 0);
      x->slot = tf_store_stmt_int (s, 1);
      x->table = tf_store_stmt_int (s, 2);
      x->board = tf_store_stmt_dup (s, 3);
      x->client = tf_store_stmt_dup (s, 4);
      x->client_company = tf_store_stmt_dup (s, 5);
      x->server = tf_store_stmt_dup (s, 6);
      x->server_company = tf_store_stmt_dup (s, 7);
      x->ets = tf_store_stmt_dup (s, 8);
      x->ets_version = tf_store_stmt_dup (s, 9);
      phase = tf_store_stmt_dup (s, 10);
      if (!tf_phase_from_string (phase, &x->phase))
        x->phase = TF_PHASE_ABORTED;
      x->since = tf_store_stmt_int64 (s, 11);
      x->error = tf_store_stmt_dup (s, 12);
      x->replanned = tf_store_stmt_int (s, 13);
      x->signed_client = tf_store_stmt_int (s, 14);
      x->signed_server = tf_store_stmt_int (s, 15);
      x->signed_client_by = tf_store_stmt_dup (s, 16);
      x->signed_client_at = tf_store_stmt_int64 (s, 17);
      x->signed_server_by = tf_store_stmt_dup (s, 18);
      x->signed_server_at = tf_store_stmt_int64 (s, 19);
      x->fw_name = tf_store_stmt_dup (s, 20);
      x->fw_version = tf_store_stmt_dup (s, 21);
      x->fw_sha256 = tf_store_stmt_dup (s, 22);
      g_ptr_array_add (out, x);
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read sessions: ");
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
  g_free (r->run_side);
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
  g_autoptr (TfStoreStmt) s = query (
      st, error,
      "SELECT case_id, at, who, what, value, note FROM verdict_history WHERE session = ? AND "
      "case_id IN (SELECT case_id FROM verdict_history WHERE session = ? AND what = 'verify' "
      "AND value = 'disputed') ORDER BY seq",
      "ss", session, session);
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return FALSE;
  while (tf_store_stmt_next (s, &local))
    {
      gint id = tf_store_stmt_int (s, 0);
      TfSdbEvent *e = g_new0 (TfSdbEvent, 1);
      TfCaseRow *row = NULL;
      e->at = tf_store_stmt_int64 (s, 1);
      e->who = tf_store_stmt_dup (s, 2);
      e->what = tf_store_stmt_dup (s, 3);
      e->value = tf_store_stmt_dup (s, 4);
      e->note = tf_store_stmt_dup (s, 5);
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
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read verdict history: ");
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
  "r.script, r.exit_status, r.started_at, r.finished_at, r.side FROM verdict v "                   \
  "LEFT JOIN automation_run r ON r.seq = (SELECT max(a.seq) FROM automation_run a "                \
  "WHERE a.session = v.session AND a.case_id = v.case_id) "

static TfCaseRow *
case_row (TfStoreStmt *s)
{
  TfCaseRow *r = g_new0 (TfCaseRow, 1);
  r->id = tf_store_stmt_int (s, 0);
  r->name = tf_store_stmt_dup (s, 1);
  r->verdict = tf_store_stmt_dup (s, 2);
  r->note = tf_store_stmt_dup (s, 3);
  r->issue = tf_store_stmt_dup (s, 4);
  r->entered_by = tf_store_stmt_dup (s, 5);
  r->entered_at = tf_store_stmt_int64 (s, 6);
  r->verification = tf_store_stmt_dup (s, 7);
  r->verify_note = tf_store_stmt_dup (s, 8);
  r->verified_by = tf_store_stmt_dup (s, 9);
  r->verified_at = tf_store_stmt_int64 (s, 10);
  r->evidence = tf_store_stmt_dup (s, 11);
  r->run_bytes = tf_store_stmt_int64 (s, 12);
  r->run_script = tf_store_stmt_dup (s, 13);
  r->run_status = tf_store_stmt_is_null (s, 14) ? -1 : tf_store_stmt_int (s, 14);
  r->run_started = tf_store_stmt_int64 (s, 15);
  r->run_at = tf_store_stmt_int64 (s, 16);
  r->run_side = tf_store_stmt_dup (s, 17);
  return r;
}

GPtrArray *
tf_sdb_cases (TfStore *st, const char *session, GError **error)
{
  g_autoptr (TfStoreStmt) s
      = query (st, error, CASE_SELECT "WHERE v.session = ? ORDER BY v.case_id", "s", session);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_case_row_free);
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return NULL;
  while (tf_store_stmt_next (s, &local))
    g_ptr_array_add (out, case_row (s));
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read cases: ");
      return NULL;
    }
  if (!add_disputes (st, session, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

TfCaseRow *
tf_sdb_get_case (TfStore *st, const char *session, gint id, GError **error)
{
  g_autoptr (TfStoreStmt) s
      = query (st, error, CASE_SELECT "WHERE v.session = ? AND v.case_id = ?", "sn", session, id);
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return NULL;
  if (!tf_store_stmt_next (s, &local))
    {
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
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
              "exit_status, output, output_bytes, side) VALUES (?,?,?,?,?,?,?,?,?)",
              "snsiimsis", session, id, r->script, r->started_at, r->finished_at, r->exit_status,
              r->output, r->output_bytes, r->side != NULL ? r->side : "client");
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
  g_autoptr (TfStoreStmt) s
      = query (st, error, "SELECT sha256, schedule FROM event_state WHERE id = 1", "");
  g_autoptr (GError) local = NULL;
  *sha256 = *schedule = NULL;
  if (s == NULL)
    return FALSE;
  if (tf_store_stmt_next (s, &local))
    {
      *sha256 = tf_store_stmt_dup (s, 0);
      *schedule = tf_store_stmt_dup (s, 1);
    }
  else if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
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
  g_autoptr (TfStoreStmt) s
      = query (st, error, "SELECT board, owner, acquired, expires FROM lease ORDER BY board", "");
  GPtrArray *out;
  if (s == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lease_free);
  while (tf_store_stmt_next (s, NULL))
    {
      TfLease *l = g_new0 (TfLease, 1);
      l->board = tf_store_stmt_dup (s, 0);
      l->owner = tf_store_stmt_dup (s, 1);
      l->acquired = tf_store_stmt_int64 (s, 2);
      l->expires = tf_store_stmt_int64 (s, 3);
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

static GPtrArray *
results (TfStore *st, const char *ids_json, GError **error)
{
  /* every final session, or those named in @ids_json */
  g_autoptr (TfStoreStmt) s = query (
      st, error,
      "SELECT s.ets, v.case_id, v.name, CASE WHEN v.verification = 'disputed' THEN "
      "'inconclusive' ELSE v.verdict END AS eff, count(*) FROM verdict v JOIN session s ON "
      "s.id = v.session WHERE s.phase IN ('verified', 'closed') AND (?1 IS NULL OR s.id IN "
      "(SELECT value FROM json_each(?1))) GROUP BY s.ets, v.case_id, eff "
      "ORDER BY s.ets, v.case_id",
      "s", ids_json);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_case_result_free);
  TfCaseResult *cur = NULL;
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return NULL;
  while (tf_store_stmt_next (s, &local))
    {
      const char *ets = tf_store_stmt_text (s, 0);
      gint id = tf_store_stmt_int (s, 1);
      TfVerdict v;
      if (cur == NULL || cur->id != id || g_strcmp0 (cur->ets, ets) != 0)
        {
          cur = g_new0 (TfCaseResult, 1);
          cur->ets = g_strdup (ets);
          cur->id = id;
          cur->name = tf_store_stmt_dup (s, 2);
          g_ptr_array_add (out, cur);
        }
      if (tf_verdict_from_string (tf_store_stmt_text (s, 3), &v))
        cur->counts[v] += tf_store_stmt_int (s, 4);
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "results: ");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GPtrArray *
tf_sdb_results (TfStore *st, GError **error)
{
  return results (st, NULL, error);
}

GPtrArray *
tf_sdb_results_for (TfStore *st, const char *ids_json, GError **error)
{
  return results (st, ids_json, error);
}

gboolean
tf_sdb_release_last (TfStore *st, gint64 *n, char **ids, char **summary, GError **error)
{
  g_autoptr (TfStoreStmt) s = NULL;
  g_autoptr (GError) local = NULL;
  *n = 0;
  s = query (st, error, "SELECT n, sessions, summary FROM summary_release ORDER BY n DESC LIMIT 1",
             "");
  if (s == NULL)
    return FALSE;
  if (tf_store_stmt_next (s, &local))
    {
      *n = tf_store_stmt_int64 (s, 0);
      if (ids != NULL)
        *ids = tf_store_stmt_dup (s, 1);
      if (summary != NULL)
        *summary = tf_store_stmt_dup (s, 2);
      return TRUE;
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "summary release: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_sdb_release_put (TfStore *st, gint64 n, gint64 at, const char *ids, const char *summary,
                    GError **error)
{
  return run (st, error,
              "INSERT INTO summary_release (n, at, sessions, summary) VALUES (?, ?, ?, ?)", "iiss",
              n, at, ids, summary);
}

GPtrArray *
tf_sdb_issues (TfStore *st, GError **error)
{
  g_autoptr (TfStoreStmt) s = query (st, error,
                                     "SELECT DISTINCT v.issue FROM verdict v JOIN session s ON "
                                     "s.id = v.session WHERE s.phase IN ('verified', 'closed') "
                                     "AND v.issue IS NOT NULL ORDER BY v.issue",
                                     "");
  GPtrArray *out;
  if (s == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_free);
  while (tf_store_stmt_next (s, NULL))
    g_ptr_array_add (out, tf_store_stmt_dup (s, 0));
  return out;
}
