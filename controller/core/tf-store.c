/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-store"

#include "tf-store.h"
#include "tf-error.h"

#include <errno.h>
#include <sqlite3.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

struct _TfStore
{
  sqlite3 *db;
  char *path;
};

/* Each entry moves the schema from version i to i+1. Never edit a shipped one. */
static const char *const migrations[] = {
  /* 0 -> 1: boards and their history */
  "CREATE TABLE board (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL,"
  "  cause TEXT, error TEXT, power TEXT, health TEXT, faults INTEGER NOT NULL DEFAULT 0,"
  "  fw_name TEXT, fw_version TEXT, fw_sha256 TEXT);"
  "CREATE TABLE board_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, board TEXT NOT NULL,"
  "  at INTEGER NOT NULL, from_state TEXT, to_state TEXT NOT NULL, cause TEXT, error TEXT);"
  "CREATE INDEX board_history_board ON board_history (board, seq);",
  /* 1 -> 2: the event's schedule, test sessions, verdicts, board leases */
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
  /* 2 -> 3: each automated run as evidence of its own (script, times, exit
   * status, the end of its output), not a note that a person's verdict replaces */
  "CREATE TABLE automation_run (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  case_id INTEGER NOT NULL, script TEXT NOT NULL, started_at INTEGER NOT NULL,"
  "  finished_at INTEGER NOT NULL, exit_status INTEGER, output TEXT NOT NULL,"
  "  output_bytes INTEGER NOT NULL);"
  "CREATE INDEX automation_run_case ON automation_run (session, case_id, seq);",
  /* 3 -> 4: what the Test Session Report names besides verdicts: the firmware the
   * client's board ran and who signed, when */
  "ALTER TABLE session ADD COLUMN fw_name TEXT;"
  "ALTER TABLE session ADD COLUMN fw_version TEXT;"
  "ALTER TABLE session ADD COLUMN fw_sha256 TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE session ADD COLUMN signed_server_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_server_at INTEGER NOT NULL DEFAULT 0;",
};

guint
tf_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
db_fail (TfStore *self, GError **error, const char *what)
{
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s: %s", self->path, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

gboolean
tf_store_exec (TfStore *self, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", self->path, msg);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

gpointer
tf_store_get_db (TfStore *self)
{
  return self->db;
}

guint
tf_store_get_user_version (TfStore *self)
{
  g_autoptr (sqlite3_stmt) st = NULL;
  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK
      || sqlite3_step (st) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int (st, 0);
}

static gboolean
migrate (TfStore *self, GError **error)
{
  guint v = tf_store_get_user_version (self);
  if (v > G_N_ELEMENTS (migrations))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "%s: schema version %u is newer than this testfestd (%u)", self->path, v,
                   (guint)G_N_ELEMENTS (migrations));
      return FALSE;
    }
  for (; v < G_N_ELEMENTS (migrations); v++)
    {
      g_autofree char *sql = g_strdup_printf (
          "BEGIN IMMEDIATE; %s PRAGMA user_version = %u; COMMIT;", migrations[v], v + 1);
      g_info ("store %s: migrating schema %u -> %u", self->path, v, v + 1);
      if (!tf_store_exec (self, sql, error))
        {
          tf_store_exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }
  return TRUE;
}

TfStore *
tf_store_open (const char *path, GError **error)
{
  g_autoptr (TfStore) self = g_new0 (TfStore, 1);
  g_autofree char *dir = g_path_get_dirname (path);

  self->path = g_strdup (path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      db_fail (self, error, "cannot open");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  /* WAL: readers never block the daemon; synchronous=FULL so that an
   * acknowledged change survives power loss, not only a crash. */
  if (!tf_store_exec (self,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "PRAGMA foreign_keys=ON;",
                      error))
    return NULL;
  if (!migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
tf_store_close (TfStore *self)
{
  if (self == NULL)
    return;
  if (self->db != NULL)
    {
      /* fold the WAL back so the file is complete on its own */
      sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
      sqlite3_close_v2 (self->db);
    }
  g_free (self->path);
  g_free (self);
}

static void
bind_text (sqlite3_stmt *st, int i, const char *v)
{
  if (v != NULL)
    sqlite3_bind_text (st, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, i);
}

/* Inside a transaction: one history row (on a state change) and the current row. */
static gboolean
record_one (TfStore *self, const TfStoreBoardChange *c, GError **error)
{
  g_autoptr (sqlite3_stmt) hist = NULL;
  g_autoptr (sqlite3_stmt) cur = NULL;

  if (g_strcmp0 (c->from_state, c->to_state) != 0)
    {
      if (sqlite3_prepare_v2 (self->db,
                              "INSERT INTO board_history (board, at, from_state, to_state, cause, "
                              "error) VALUES (?,?,?,?,?,?)",
                              -1, &hist, NULL)
          != SQLITE_OK)
        return db_fail (self, error, "prepare history");
      bind_text (hist, 1, c->board);
      sqlite3_bind_int64 (hist, 2, c->at_us);
      bind_text (hist, 3, c->from_state);
      bind_text (hist, 4, c->to_state);
      bind_text (hist, 5, c->cause);
      bind_text (hist, 6, c->error);
      if (sqlite3_step (hist) != SQLITE_DONE)
        return db_fail (self, error, "insert history");
    }
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO board (id, state, since, cause, error, power, health, "
                          "faults, fw_name, fw_version, fw_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                          "ON CONFLICT(id) DO UPDATE SET state=excluded.state, "
                          "since=excluded.since, cause=excluded.cause, error=excluded.error, "
                          "power=excluded.power, health=excluded.health, faults=excluded.faults, "
                          "fw_name=excluded.fw_name, fw_version=excluded.fw_version, "
                          "fw_sha256=excluded.fw_sha256",
                          -1, &cur, NULL)
      != SQLITE_OK)
    return db_fail (self, error, "prepare board");
  bind_text (cur, 1, c->board);
  bind_text (cur, 2, c->to_state);
  sqlite3_bind_int64 (cur, 3, c->at_us);
  bind_text (cur, 4, c->cause);
  bind_text (cur, 5, c->error);
  bind_text (cur, 6, c->power);
  bind_text (cur, 7, c->health);
  sqlite3_bind_int (cur, 8, c->faults);
  bind_text (cur, 9, c->fw_name);
  bind_text (cur, 10, c->fw_version);
  bind_text (cur, 11, c->fw_sha256);
  if (sqlite3_step (cur) != SQLITE_DONE)
    return db_fail (self, error, "update board");
  return TRUE;
}

gboolean
tf_store_record_boards (TfStore *self, const TfStoreBoardChange *const *changes, guint n,
                        GError **error)
{
  if (!tf_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!record_one (self, changes[i], error))
      {
        tf_store_exec (self, "ROLLBACK", NULL);
        return FALSE;
      }
  return tf_store_exec (self, "COMMIT", error);
}

gboolean
tf_store_record_board (TfStore *self, const TfStoreBoardChange *c, GError **error)
{
  return tf_store_record_boards (self, &c, 1, error);
}

TfStoreBoardChange *
tf_store_board_change_copy (const TfStoreBoardChange *c)
{
  TfStoreBoardChange *n = g_new0 (TfStoreBoardChange, 1);
  n->board = g_strdup (c->board);
  n->from_state = g_strdup (c->from_state);
  n->to_state = g_strdup (c->to_state);
  n->cause = g_strdup (c->cause);
  n->error = g_strdup (c->error);
  n->power = g_strdup (c->power);
  n->health = g_strdup (c->health);
  n->faults = c->faults;
  n->fw_name = g_strdup (c->fw_name);
  n->fw_version = g_strdup (c->fw_version);
  n->fw_sha256 = g_strdup (c->fw_sha256);
  n->at_us = c->at_us;
  return n;
}

void
tf_store_board_change_free (TfStoreBoardChange *c)
{
  g_free ((char *)c->board);
  g_free ((char *)c->from_state);
  g_free ((char *)c->to_state);
  g_free ((char *)c->cause);
  g_free ((char *)c->error);
  g_free ((char *)c->power);
  g_free ((char *)c->health);
  g_free ((char *)c->fw_name);
  g_free ((char *)c->fw_version);
  g_free ((char *)c->fw_sha256);
  g_free (c);
}

void
tf_store_board_row_clear (TfStoreBoardRow *row)
{
  g_clear_pointer (&row->state, g_free);
  g_clear_pointer (&row->fw_name, g_free);
  g_clear_pointer (&row->fw_version, g_free);
  g_clear_pointer (&row->fw_sha256, g_free);
}

static char *
col_dup (sqlite3_stmt *st, int i)
{
  const unsigned char *v = sqlite3_column_text (st, i);
  return v != NULL ? g_strdup ((const char *)v) : NULL;
}

gboolean
tf_store_get_board (TfStore *self, const char *board, TfStoreBoardRow *row, GError **error)
{
  g_autoptr (sqlite3_stmt) st = NULL;
  int rc;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT state, faults, fw_name, fw_version, fw_sha256 FROM board "
                          "WHERE id = ?",
                          -1, &st, NULL)
      != SQLITE_OK)
    return db_fail (self, error, "prepare");
  bind_text (st, 1, board);
  rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return db_fail (self, error, "select board");
  row->state = col_dup (st, 0);
  row->faults = sqlite3_column_int (st, 1);
  row->fw_name = col_dup (st, 2);
  row->fw_version = col_dup (st, 3);
  row->fw_sha256 = col_dup (st, 4);
  return TRUE;
}

gint64
tf_store_count_history (TfStore *self, const char *board, GError **error)
{
  g_autoptr (sqlite3_stmt) st = NULL;
  if (sqlite3_prepare_v2 (self->db,
                          board != NULL ? "SELECT count(*) FROM board_history WHERE board = ?"
                                        : "SELECT count(*) FROM board_history",
                          -1, &st, NULL)
      != SQLITE_OK)
    {
      db_fail (self, error, "prepare");
      return -1;
    }
  if (board != NULL)
    bind_text (st, 1, board);
  if (sqlite3_step (st) != SQLITE_ROW)
    {
      db_fail (self, error, "count");
      return -1;
    }
  return sqlite3_column_int64 (st, 0);
}
