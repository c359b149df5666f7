/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "tf-regress-db.h"
#include "tf-error.h"

#include <stdarg.h>

/* The regression queue's tables, a module of the store: each step moves them
 * from version i to i+1. Never edit a shipped one. */
static const char *const regress_steps[] = {
  /* 0 -> 1: runs, their jobs and cases, board health, standing (nightly) plans */
  "CREATE TABLE regress_run (id TEXT PRIMARY KEY, plan TEXT NOT NULL,"
  " plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, ci_path TEXT, ci_sha256 TEXT,"
  " company TEXT, priority INTEGER NOT NULL, created INTEGER NOT NULL,"
  " deadline INTEGER NOT NULL, ended INTEGER, state TEXT NOT NULL, summary TEXT);"
  "CREATE TABLE regress_job (id TEXT PRIMARY KEY, run TEXT NOT NULL,"
  " seq INTEGER NOT NULL, image TEXT NOT NULL, sha256 TEXT, suite TEXT NOT NULL,"
  " pinned TEXT, board_type TEXT, state TEXT NOT NULL, board TEXT,"
  " next INTEGER NOT NULL, attempts INTEGER NOT NULL, priority INTEGER NOT NULL,"
  " created INTEGER NOT NULL, started INTEGER, ended INTEGER, error TEXT);"
  "CREATE INDEX regress_job_run ON regress_job (run, seq);"
  "CREATE TABLE regress_case (job TEXT NOT NULL, step INTEGER NOT NULL,"
  " name TEXT NOT NULL, case_id INTEGER, repeat INTEGER NOT NULL, board TEXT NOT NULL,"
  " script TEXT NOT NULL, verdict TEXT NOT NULL, status INTEGER, started INTEGER NOT NULL,"
  " ended INTEGER NOT NULL, output TEXT, output_len INTEGER, PRIMARY KEY (job, step));"
  "CREATE TABLE regress_health (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  " board TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, reason TEXT);"
  "CREATE TABLE regress_standing (name TEXT PRIMARY KEY,"
  " plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, nightly INTEGER NOT NULL,"
  " last_day TEXT);",
};

/* Every row of @s as a JSON object: text, integers and NULL as they are. */
static JsonArray *
rows_json (TfStore *st, TfStoreStmt *s, GError **error)
{
  g_autoptr (JsonArray) a = json_array_new ();
  g_autoptr (GError) local = NULL;
  while (tf_store_stmt_next (s, &local))
    {
      JsonObject *o = json_object_new ();
      for (int i = 0; i < tf_store_stmt_columns (s); i++)
        {
          const char *name = tf_store_stmt_column_name (s, i);
          switch (tf_store_stmt_kind (s, i))
            {
            case TF_STORE_KIND_INT:
              json_object_set_int_member (o, name, tf_store_stmt_int64 (s, i));
              break;
            case TF_STORE_KIND_NULL:
              json_object_set_null_member (o, name);
              break;
            default:
              json_object_set_string_member (o, name, tf_store_stmt_text (s, i));
            }
        }
      json_array_add_object_element (a, o);
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read: ");
      return NULL;
    }
  return g_steal_pointer (&a);
}

gboolean
tf_rdb_init (TfStore *st, GError **error)
{
  return tf_store_migrate (st, "regress", regress_steps, G_N_ELEMENTS (regress_steps), error);
}

gboolean
tf_rdb_begin (TfStore *st, GError **error)
{
  return tf_store_begin (st, error);
}

void
tf_rdb_rollback (TfStore *st)
{
  tf_store_rollback (st);
}

gboolean
tf_rdb_commit (TfStore *st, GError **error)
{
  return tf_store_commit (st, error);
}

void
tf_regress_job_free (TfRegressJob *j)
{
  if (j == NULL)
    return;
  g_free (j->id);
  g_free (j->run);
  g_free (j->image);
  g_free (j->sha256);
  g_free (j->suite);
  g_free (j->pinned);
  g_free (j->board_type);
  g_free (j->state);
  g_free (j->board);
  g_free (j->error);
  g_free (j);
}

gboolean
tf_rdb_add_run (TfStore *st, const char *id, const char *plan, const char *plan_path,
                const char *plan_text, const char *ci_path, const char *ci_sha256,
                const char *company, gint priority, gint64 created, gint64 deadline, GError **error)
{
  return tf_store_run (
      st, error,
      "INSERT INTO regress_run (id, plan, plan_path, plan_text, ci_path, ci_sha256,"
      " company, priority, created, deadline, state) VALUES (?,?,?,?,?,?,?,?,?,?,"
      "'running')",
      "sssssssnii", id, plan, plan_path, plan_text, ci_path, ci_sha256, company, priority, created,
      deadline);
}

gboolean
tf_rdb_set_run_state (TfStore *st, const char *id, const char *state, const char *summary,
                      gint64 ended, GError **error)
{
  return tf_store_run (st, error,
                       "UPDATE regress_run SET state = ?, summary = ?, ended = ? WHERE id = ?",
                       "ssis", state, summary, ended, id);
}

JsonArray *
tf_rdb_open_runs (TfStore *st, GError **error)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error,
      "SELECT id, plan, plan_path, plan_text, ci_path, ci_sha256, deadline, created FROM"
      " regress_run WHERE state = 'running' ORDER BY created",
      "");
  return s != NULL ? rows_json (st, s, error) : NULL;
}

gboolean
tf_rdb_put_job (TfStore *st, const TfRegressJob *j, GError **error)
{
  return tf_store_run (
      st, error,
      "INSERT OR REPLACE INTO regress_job (id, run, seq, image, sha256, suite, pinned,"
      " board_type, state, board, next, attempts, priority, created, started, ended,"
      " error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      "ssnsssssssnnniiis", j->id, j->run, j->seq, j->image, j->sha256, j->suite, j->pinned,
      j->board_type, j->state, j->board, j->next, j->attempts, j->priority, j->created, j->started,
      j->ended, j->error);
}

GPtrArray *
tf_rdb_jobs (TfStore *st, const char *run_id, GError **error)
{
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_regress_job_free);
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error,
      "SELECT id, run, seq, image, sha256, suite, pinned, board_type, state, board, next,"
      " attempts, priority, created, started, ended, error FROM regress_job WHERE"
      " (?1 IS NULL AND state IN ('queued','running')) OR run = ?1 ORDER BY created, seq",
      "s", run_id);
  g_autoptr (GError) local = NULL;
  if (s == NULL)
    return NULL;
  while (tf_store_stmt_next (s, &local))
    {
      TfRegressJob *j = g_new0 (TfRegressJob, 1);
      j->id = tf_store_stmt_dup (s, 0);
      j->run = tf_store_stmt_dup (s, 1);
      j->seq = tf_store_stmt_int (s, 2);
      j->image = tf_store_stmt_dup (s, 3);
      j->sha256 = tf_store_stmt_dup (s, 4);
      j->suite = tf_store_stmt_dup (s, 5);
      j->pinned = tf_store_stmt_dup (s, 6);
      j->board_type = tf_store_stmt_dup (s, 7);
      j->state = tf_store_stmt_dup (s, 8);
      j->board = tf_store_stmt_dup (s, 9);
      j->next = tf_store_stmt_int (s, 10);
      j->attempts = tf_store_stmt_int (s, 11);
      j->priority = tf_store_stmt_int (s, 12);
      j->created = tf_store_stmt_int64 (s, 13);
      j->started = tf_store_stmt_int64 (s, 14);
      j->ended = tf_store_stmt_int64 (s, 15);
      j->error = tf_store_stmt_dup (s, 16);
      g_ptr_array_add (jobs, j);
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read: ");
      return NULL;
    }
  return g_steal_pointer (&jobs);
}

gboolean
tf_rdb_add_case (TfStore *st, const TfRegressCaseRow *c, GError **error)
{
  /* OR REPLACE: a case cut short by a kill runs again under the same step */
  return tf_store_run (
      st, error,
      "INSERT OR REPLACE INTO regress_case (job, step, name, case_id, repeat, board,"
      " script, verdict, status, started, ended, output, output_len) VALUES"
      " (?,?,?,?,?,?,?,?,?,?,?,?,?)",
      "snsnnsssniisi", c->job, c->step, c->name, c->case_id, c->repeat, c->board, c->script,
      c->verdict, c->status, c->started, c->ended, c->output, c->output_len);
}

JsonArray *
tf_rdb_cases (TfStore *st, const char *run_id, gboolean with_output, GError **error)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error,
      with_output
          ? "SELECT c.job, j.image, j.sha256, j.suite, c.step, c.name, c.case_id, c.repeat,"
            " c.board, c.script, c.verdict, c.status, c.started, c.ended, c.output, c.output_len"
            " FROM regress_case c JOIN regress_job j ON j.id = c.job WHERE j.run = ?"
            " ORDER BY j.seq, c.step"
          : "SELECT c.job, j.image, j.sha256, j.suite, c.step, c.name, c.case_id, c.repeat,"
            " c.board, c.verdict, c.status, c.started, c.ended FROM regress_case c JOIN"
            " regress_job j ON j.id = c.job WHERE j.run = ? ORDER BY j.seq, c.step",
      "s", run_id);
  return s != NULL ? rows_json (st, s, error) : NULL;
}

JsonArray *
tf_rdb_runs (TfStore *st, const char *plan, guint limit, GError **error)
{
  g_autoptr (TfStoreStmt) s
      = tf_store_query (st, error,
                        "SELECT id, plan, state, created, ended, summary, company, ci_sha256 FROM"
                        " regress_run WHERE ?1 IS NULL OR plan = ?1 ORDER BY created DESC, id DESC"
                        " LIMIT ?2",
                        "sn", plan, (int)limit);
  return s != NULL ? rows_json (st, s, error) : NULL;
}

JsonObject *
tf_rdb_run (TfStore *st, const char *id, GError **error)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error,
      "SELECT id, plan, plan_path, state, created, deadline, ended, summary, company,"
      " ci_path, ci_sha256, priority FROM regress_run WHERE id = ?",
      "s", id);
  g_autoptr (JsonArray) a = s != NULL ? rows_json (st, s, error) : NULL;
  if (a == NULL)
    return NULL;
  if (json_array_get_length (a) == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no run '%s'", id);
      return NULL;
    }
  return json_object_ref (json_array_get_object_element (a, 0));
}

gboolean
tf_rdb_add_health (TfStore *st, const char *board, gint64 at, gboolean ok, const char *reason,
                   GError **error)
{
  return tf_store_run (st, error,
                       "INSERT INTO regress_health (board, at, ok, reason) VALUES (?,?,?,?)",
                       "sins", board, at, ok ? 1 : 0, reason);
}

gboolean
tf_rdb_health_of (TfStore *st, const char *board, guint *failures, gint64 *last_ok, GError **error)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error, "SELECT ok, at FROM regress_health WHERE board = ? ORDER BY seq DESC", "s", board);
  g_autoptr (GError) local = NULL;
  gboolean counting = TRUE;
  *failures = 0;
  *last_ok = 0;
  if (s == NULL)
    return FALSE;
  while (tf_store_stmt_next (s, &local))
    {
      if (tf_store_stmt_int (s, 0))
        {
          *last_ok = tf_store_stmt_int64 (s, 1);
          break;
        }
      if (counting)
        (*failures)++;
    }
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "read: ");
      return FALSE;
    }
  return TRUE;
}

JsonArray *
tf_rdb_health_log (TfStore *st, guint limit, GError **error)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (
      st, error, "SELECT board, at, ok, reason FROM regress_health ORDER BY seq DESC LIMIT ?", "n",
      (int)limit);
  return s != NULL ? rows_json (st, s, error) : NULL;
}

char *
tf_rdb_lease_owner (TfStore *st, const char *board)
{
  /* the floor's table; absent while no event was ever loaded */
  g_autoptr (TfStoreStmt) s
      = tf_store_query (st, NULL, "SELECT owner FROM lease WHERE board = ?", "s", board);
  if (s == NULL || !tf_store_stmt_next (s, NULL))
    return NULL;
  return tf_store_stmt_dup (s, 0);
}

gboolean
tf_rdb_put_standing (TfStore *st, const char *name, const char *plan_path, const char *plan_text,
                     gint nightly_min, const char *last_day, GError **error)
{
  return tf_store_run (
      st, error,
      "INSERT OR REPLACE INTO regress_standing (name, plan_path, plan_text, nightly,"
      " last_day) VALUES (?,?,?,?,?)",
      "sssns", name, plan_path, plan_text, nightly_min, last_day);
}

gboolean
tf_rdb_delete_standing (TfStore *st, const char *name, gboolean *found, GError **error)
{
  if (!tf_store_run (st, error, "DELETE FROM regress_standing WHERE name = ?", "s", name))
    return FALSE;
  *found = tf_store_changes (st) > 0;
  return TRUE;
}

gboolean
tf_rdb_set_standing_day (TfStore *st, const char *name, const char *day, GError **error)
{
  return tf_store_run (st, error, "UPDATE regress_standing SET last_day = ? WHERE name = ?", "ss",
                       day, name);
}

JsonArray *
tf_rdb_standing (TfStore *st, GError **error)
{
  g_autoptr (TfStoreStmt) s
      = tf_store_query (st, error,
                        "SELECT name, plan_path, plan_text, nightly, last_day FROM regress_standing"
                        " ORDER BY name",
                        "");
  return s != NULL ? rows_json (st, s, error) : NULL;
}

gboolean
tf_rdb_job_failed (TfStore *st, const char *job)
{
  g_autoptr (TfStoreStmt) s = tf_store_query (st, NULL,
                                              "SELECT count(*) FROM regress_case WHERE job = ? AND"
                                              " verdict IN ('fail', 'inconclusive')",
                                              "s", job);
  return s != NULL && tf_store_stmt_next (s, NULL) && tf_store_stmt_int (s, 0) > 0;
}

GHashTable *
tf_rdb_leased_boards (TfStore *st)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (TfStoreStmt) s = tf_store_query (st, NULL, "SELECT board FROM lease", "");
  while (s != NULL && tf_store_stmt_next (s, NULL))
    g_hash_table_add (set, tf_store_stmt_dup (s, 0));
  return set;
}
