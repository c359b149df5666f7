/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "tf-regress-db.h"
#include "tf-error.h"

#include <sqlite3.h>
#include <stdarg.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char *schema
    = "CREATE TABLE IF NOT EXISTS regress_run (id TEXT PRIMARY KEY, plan TEXT NOT NULL,"
      " plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, ci_path TEXT, ci_sha256 TEXT,"
      " company TEXT, priority INTEGER NOT NULL, created INTEGER NOT NULL,"
      " deadline INTEGER NOT NULL, ended INTEGER, state TEXT NOT NULL, summary TEXT);"
      "CREATE TABLE IF NOT EXISTS regress_job (id TEXT PRIMARY KEY, run TEXT NOT NULL,"
      " seq INTEGER NOT NULL, image TEXT NOT NULL, sha256 TEXT, suite TEXT NOT NULL,"
      " pinned TEXT, board_type TEXT, state TEXT NOT NULL, board TEXT,"
      " next INTEGER NOT NULL, attempts INTEGER NOT NULL, priority INTEGER NOT NULL,"
      " created INTEGER NOT NULL, started INTEGER, ended INTEGER, error TEXT);"
      "CREATE INDEX IF NOT EXISTS regress_job_run ON regress_job (run, seq);"
      "CREATE TABLE IF NOT EXISTS regress_case (job TEXT NOT NULL, step INTEGER NOT NULL,"
      " name TEXT NOT NULL, case_id INTEGER, repeat INTEGER NOT NULL, board TEXT NOT NULL,"
      " script TEXT NOT NULL, verdict TEXT NOT NULL, status INTEGER, started INTEGER NOT NULL,"
      " ended INTEGER NOT NULL, output TEXT, output_len INTEGER, PRIMARY KEY (job, step));"
      "CREATE TABLE IF NOT EXISTS regress_health (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
      " board TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, reason TEXT);"
      "CREATE TABLE IF NOT EXISTS regress_standing (name TEXT PRIMARY KEY,"
      " plan_path TEXT NOT NULL, plan_text TEXT NOT NULL, nightly INTEGER NOT NULL,"
      " last_day TEXT);";

static gboolean
fail (sqlite3 *db, GError **error, const char *what)
{
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "store: %s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* @types: 's' string (NULL binds NULL), 'i' gint64, 'n' int. */
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
col_str (sqlite3_stmt *s, int i)
{
  const unsigned char *t = sqlite3_column_text (s, i);
  return t != NULL ? g_strdup ((const char *)t) : NULL;
}

/* Every row of @s as a JSON object: text, integers and NULL as they are. */
static JsonArray *
rows_json (TfStore *st, sqlite3_stmt *s, GError **error)
{
  g_autoptr (JsonArray) a = json_array_new ();
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      JsonObject *o = json_object_new ();
      for (int i = 0; i < sqlite3_column_count (s); i++)
        {
          const char *name = sqlite3_column_name (s, i);
          switch (sqlite3_column_type (s, i))
            {
            case SQLITE_INTEGER:
              json_object_set_int_member (o, name, sqlite3_column_int64 (s, i));
              break;
            case SQLITE_NULL:
              json_object_set_null_member (o, name);
              break;
            default:
              json_object_set_string_member (o, name, (const char *)sqlite3_column_text (s, i));
            }
        }
      json_array_add_object_element (a, o);
    }
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "read");
      return NULL;
    }
  return g_steal_pointer (&a);
}

gboolean
tf_rdb_init (TfStore *st, GError **error)
{
  return tf_store_exec (st, schema, error);
}

gboolean
tf_rdb_begin (TfStore *st, GError **error)
{
  return tf_store_exec (st, "BEGIN IMMEDIATE", error);
}

void
tf_rdb_rollback (TfStore *st)
{
  if (!sqlite3_get_autocommit (tf_store_get_db (st)))
    tf_store_exec (st, "ROLLBACK", NULL);
}

gboolean
tf_rdb_commit (TfStore *st, GError **error)
{
  if (tf_store_exec (st, "COMMIT", error))
    return TRUE;
  tf_rdb_rollback (st);
  return FALSE;
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
  return run (st, error,
              "INSERT INTO regress_run (id, plan, plan_path, plan_text, ci_path, ci_sha256,"
              " company, priority, created, deadline, state) VALUES (?,?,?,?,?,?,?,?,?,?,"
              "'running')",
              "sssssssnii", id, plan, plan_path, plan_text, ci_path, ci_sha256, company, priority,
              created, deadline);
}

gboolean
tf_rdb_set_run_state (TfStore *st, const char *id, const char *state, const char *summary,
                      gint64 ended, GError **error)
{
  return run (st, error, "UPDATE regress_run SET state = ?, summary = ?, ended = ? WHERE id = ?",
              "ssis", state, summary, ended, id);
}

JsonArray *
tf_rdb_open_runs (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
               "SELECT id, plan, plan_path, plan_text, ci_path, ci_sha256, deadline, created FROM"
               " regress_run WHERE state = 'running' ORDER BY created",
               "");
  return s != NULL ? rows_json (st, s, error) : NULL;
}

gboolean
tf_rdb_put_job (TfStore *st, const TfRegressJob *j, GError **error)
{
  return run (st, error,
              "INSERT OR REPLACE INTO regress_job (id, run, seq, image, sha256, suite, pinned,"
              " board_type, state, board, next, attempts, priority, created, started, ended,"
              " error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
              "ssnsssssssnnniiis", j->id, j->run, j->seq, j->image, j->sha256, j->suite, j->pinned,
              j->board_type, j->state, j->board, j->next, j->attempts, j->priority, j->created,
              j->started, j->ended, j->error);
}

GPtrArray *
tf_rdb_jobs (TfStore *st, const char *run_id, GError **error)
{
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_regress_job_free);
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
               "SELECT id, run, seq, image, sha256, suite, pinned, board_type, state, board, next,"
               " attempts, priority, created, started, ended, error FROM regress_job WHERE"
               " (?1 IS NULL AND state IN ('queued','running')) OR run = ?1 ORDER BY created, seq",
               "s", run_id);
  int rc;
  if (s == NULL)
    return NULL;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TfRegressJob *j = g_new0 (TfRegressJob, 1);
      j->id = col_str (s, 0);
      j->run = col_str (s, 1);
      j->seq = sqlite3_column_int (s, 2);
      j->image = col_str (s, 3);
      j->sha256 = col_str (s, 4);
      j->suite = col_str (s, 5);
      j->pinned = col_str (s, 6);
      j->board_type = col_str (s, 7);
      j->state = col_str (s, 8);
      j->board = col_str (s, 9);
      j->next = sqlite3_column_int (s, 10);
      j->attempts = sqlite3_column_int (s, 11);
      j->priority = sqlite3_column_int (s, 12);
      j->created = sqlite3_column_int64 (s, 13);
      j->started = sqlite3_column_int64 (s, 14);
      j->ended = sqlite3_column_int64 (s, 15);
      j->error = col_str (s, 16);
      g_ptr_array_add (jobs, j);
    }
  if (rc != SQLITE_DONE)
    {
      fail (tf_store_get_db (st), error, "read");
      return NULL;
    }
  return g_steal_pointer (&jobs);
}

gboolean
tf_rdb_add_case (TfStore *st, const TfRegressCaseRow *c, GError **error)
{
  /* OR REPLACE: a case cut short by a kill runs again under the same step */
  return run (st, error,
              "INSERT OR REPLACE INTO regress_case (job, step, name, case_id, repeat, board,"
              " script, verdict, status, started, ended, output, output_len) VALUES"
              " (?,?,?,?,?,?,?,?,?,?,?,?,?)",
              "snsnnsssniisi", c->job, c->step, c->name, c->case_id, c->repeat, c->board, c->script,
              c->verdict, c->status, c->started, c->ended, c->output, c->output_len);
}

JsonArray *
tf_rdb_cases (TfStore *st, const char *run_id, gboolean with_output, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (
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
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
               "SELECT id, plan, state, created, ended, summary, company, ci_sha256 FROM"
               " regress_run WHERE ?1 IS NULL OR plan = ?1 ORDER BY created DESC, id DESC"
               " LIMIT ?2",
               "sn", plan, (int)limit);
  return s != NULL ? rows_json (st, s, error) : NULL;
}

JsonObject *
tf_rdb_run (TfStore *st, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
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
  return run (st, error, "INSERT INTO regress_health (board, at, ok, reason) VALUES (?,?,?,?)",
              "sins", board, at, ok ? 1 : 0, reason);
}

gboolean
tf_rdb_health_of (TfStore *st, const char *board, guint *failures, gint64 *last_ok, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (
      st, error, "SELECT ok, at FROM regress_health WHERE board = ? ORDER BY seq DESC", "s", board);
  int rc;
  gboolean counting = TRUE;
  *failures = 0;
  *last_ok = 0;
  if (s == NULL)
    return FALSE;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      if (sqlite3_column_int (s, 0))
        {
          *last_ok = sqlite3_column_int64 (s, 1);
          break;
        }
      if (counting)
        (*failures)++;
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return fail (tf_store_get_db (st), error, "read");
  return TRUE;
}

JsonArray *
tf_rdb_health_log (TfStore *st, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) s = query (
      st, error, "SELECT board, at, ok, reason FROM regress_health ORDER BY seq DESC LIMIT ?", "n",
      (int)limit);
  return s != NULL ? rows_json (st, s, error) : NULL;
}

char *
tf_rdb_lease_owner (TfStore *st, const char *board)
{
  /* the floor's table; absent while no event was ever loaded */
  g_autoptr (sqlite3_stmt) s
      = query (st, NULL, "SELECT owner FROM lease WHERE board = ?", "s", board);
  if (s == NULL || sqlite3_step (s) != SQLITE_ROW)
    return NULL;
  return col_str (s, 0);
}

gboolean
tf_rdb_put_standing (TfStore *st, const char *name, const char *plan_path, const char *plan_text,
                     gint nightly_min, const char *last_day, GError **error)
{
  return run (st, error,
              "INSERT OR REPLACE INTO regress_standing (name, plan_path, plan_text, nightly,"
              " last_day) VALUES (?,?,?,?,?)",
              "sssns", name, plan_path, plan_text, nightly_min, last_day);
}

gboolean
tf_rdb_delete_standing (TfStore *st, const char *name, gboolean *found, GError **error)
{
  if (!run (st, error, "DELETE FROM regress_standing WHERE name = ?", "s", name))
    return FALSE;
  *found = sqlite3_changes (tf_store_get_db (st)) > 0;
  return TRUE;
}

gboolean
tf_rdb_set_standing_day (TfStore *st, const char *name, const char *day, GError **error)
{
  return run (st, error, "UPDATE regress_standing SET last_day = ? WHERE name = ?", "ss", day,
              name);
}

JsonArray *
tf_rdb_standing (TfStore *st, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = query (st, error,
               "SELECT name, plan_path, plan_text, nightly, last_day FROM regress_standing"
               " ORDER BY name",
               "");
  return s != NULL ? rows_json (st, s, error) : NULL;
}

gboolean
tf_rdb_job_failed (TfStore *st, const char *job)
{
  g_autoptr (sqlite3_stmt) s = query (st, NULL,
                                      "SELECT count(*) FROM regress_case WHERE job = ? AND"
                                      " verdict IN ('fail', 'inconclusive')",
                                      "s", job);
  return s != NULL && sqlite3_step (s) == SQLITE_ROW && sqlite3_column_int (s, 0) > 0;
}

GHashTable *
tf_rdb_leased_boards (TfStore *st)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (sqlite3_stmt) s = query (st, NULL, "SELECT board FROM lease", "");
  while (s != NULL && sqlite3_step (s) == SQLITE_ROW)
    g_hash_table_add (set, col_str (s, 0));
  return set;
}
