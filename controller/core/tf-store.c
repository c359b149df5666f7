/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-store"

#include "tf-store.h"
#include "tf-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

struct _TfStore
{
  sqlite3 *db;
  char *path;
};

/* The store's own tables (the boards), as a module of its own: each entry
 * moves the module from version i to i+1. Never edit a shipped one. */
static const char *const store_steps[] = {
  /* 0 -> 1: boards and their history */
  "CREATE TABLE board (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL,"
  "  cause TEXT, error TEXT, power TEXT, health TEXT, faults INTEGER NOT NULL DEFAULT 0,"
  "  fw_name TEXT, fw_version TEXT, fw_sha256 TEXT);"
  "CREATE TABLE board_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, board TEXT NOT NULL,"
  "  at INTEGER NOT NULL, from_state TEXT, to_state TEXT NOT NULL, cause TEXT, error TEXT);"
  "CREATE INDEX board_history_board ON board_history (board, seq);",
};

/* PRAGMA user_version: 1..4 were one global schema (boards, then the
 * floor's tables); from 5 on, each module's version is a row of
 * schema_version and user_version only says so. An older testfestd refuses
 * a store at 5 rather than misread it. */
#define TF_STORE_PER_MODULE 5

guint
tf_store_schema_version (void)
{
  return TF_STORE_PER_MODULE;
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

gboolean
tf_store_begin (TfStore *self, GError **error)
{
  return tf_store_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
tf_store_commit (TfStore *self, GError **error)
{
  if (tf_store_exec (self, "COMMIT", error))
    return TRUE;
  tf_store_rollback (self);
  return FALSE;
}

void
tf_store_rollback (TfStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    tf_store_exec (self, "ROLLBACK", NULL);
}

/* A TfStoreStmt is a sqlite3_stmt the rest of the tree cannot see as one. */
static sqlite3_stmt *
prepare_bind (TfStore *self, GError **error, const char *sql, const char *types, va_list ap)
{
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2 (self->db, sql, -1, &s, NULL) != SQLITE_OK)
    {
      db_fail (self, error, "prepare");
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
        {
          g_assert (types[i] == 'n');
          sqlite3_bind_int (s, i + 1, va_arg (ap, int));
        }
    }
  return s;
}

TfStoreStmt *
tf_store_query (TfStore *self, GError **error, const char *sql, const char *types, ...)
{
  sqlite3_stmt *s;
  va_list ap;
  g_return_val_if_fail (self != NULL && sql != NULL && types != NULL, NULL);
  va_start (ap, types);
  s = prepare_bind (self, error, sql, types, ap);
  va_end (ap);
  return (TfStoreStmt *)s;
}

gboolean
tf_store_run (TfStore *self, GError **error, const char *sql, const char *types, ...)
{
  g_autoptr (sqlite3_stmt) s = NULL;
  va_list ap;
  g_return_val_if_fail (self != NULL && sql != NULL && types != NULL, FALSE);
  va_start (ap, types);
  s = prepare_bind (self, error, sql, types, ap);
  va_end (ap);
  if (s == NULL)
    return FALSE;
  if (sqlite3_step (s) != SQLITE_DONE)
    return db_fail (self, error, "write");
  return TRUE;
}

gboolean
tf_store_stmt_next (TfStoreStmt *stmt, GError **error)
{
  sqlite3_stmt *s = (sqlite3_stmt *)stmt;
  int rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    g_set_error (error, TF_ERROR, TF_ERROR_IO, "store: read: %s",
                 sqlite3_errmsg (sqlite3_db_handle (s)));
  return FALSE;
}

char *
tf_store_stmt_dup (TfStoreStmt *stmt, int column)
{
  const unsigned char *v = sqlite3_column_text ((sqlite3_stmt *)stmt, column);
  return v != NULL ? g_strdup ((const char *)v) : NULL;
}

const char *
tf_store_stmt_text (TfStoreStmt *stmt, int column)
{
  return (const char *)sqlite3_column_text ((sqlite3_stmt *)stmt, column);
}

gint64
tf_store_stmt_int64 (TfStoreStmt *stmt, int column)
{
  return sqlite3_column_int64 ((sqlite3_stmt *)stmt, column);
}

int
tf_store_stmt_int (TfStoreStmt *stmt, int column)
{
  return sqlite3_column_int ((sqlite3_stmt *)stmt, column);
}

gboolean
tf_store_stmt_is_null (TfStoreStmt *stmt, int column)
{
  return sqlite3_column_type ((sqlite3_stmt *)stmt, column) == SQLITE_NULL;
}

int
tf_store_stmt_columns (TfStoreStmt *stmt)
{
  return sqlite3_column_count ((sqlite3_stmt *)stmt);
}

const char *
tf_store_stmt_column_name (TfStoreStmt *stmt, int column)
{
  return sqlite3_column_name ((sqlite3_stmt *)stmt, column);
}

TfStoreKind
tf_store_stmt_kind (TfStoreStmt *stmt, int column)
{
  switch (sqlite3_column_type ((sqlite3_stmt *)stmt, column))
    {
    case SQLITE_NULL:
      return TF_STORE_KIND_NULL;
    case SQLITE_INTEGER:
      return TF_STORE_KIND_INT;
    case SQLITE_FLOAT:
      return TF_STORE_KIND_FLOAT;
    default:
      return TF_STORE_KIND_TEXT;
    }
}

gint64
tf_store_changes (TfStore *self)
{
  return sqlite3_changes (self->db);
}

void
tf_store_stmt_free (TfStoreStmt *stmt)
{
  sqlite3_finalize ((sqlite3_stmt *)stmt);
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

guint
tf_store_get_module_version (TfStore *self, const char *module)
{
  g_autoptr (sqlite3_stmt) st = NULL;
  if (sqlite3_prepare_v2 (self->db, "SELECT version FROM schema_version WHERE module = ?", -1, &st,
                          NULL)
      != SQLITE_OK)
    return 0;
  sqlite3_bind_text (st, 1, module, -1, SQLITE_TRANSIENT);
  return sqlite3_step (st) == SQLITE_ROW ? (guint)sqlite3_column_int (st, 0) : 0;
}

gboolean
tf_store_migrate (TfStore *self, const char *module, const char *const *steps, guint n_steps,
                  GError **error)
{
  guint v;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (module != NULL && steps != NULL, FALSE);
  v = tf_store_get_module_version (self, module);
  if (v > n_steps)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "%s: tables of %s at version %u, newer than this testfestd (%u)", self->path,
                   module, v, n_steps);
      return FALSE;
    }
  for (; v < n_steps; v++)
    {
      g_autofree char *sql = NULL;
      if (strchr (module, '\'') != NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "bad module name %s", module);
          return FALSE;
        }
      sql = g_strdup_printf ("BEGIN IMMEDIATE; %s INSERT INTO schema_version (module, version) "
                             "VALUES ('%s', %u) ON CONFLICT(module) DO UPDATE SET "
                             "version = excluded.version; COMMIT;",
                             steps[v], module, v + 1);
      g_info ("store %s: migrating %s %u -> %u", self->path, module, v, v + 1);
      if (!tf_store_exec (self, sql, error))
        {
          tf_store_exec (self, "ROLLBACK", NULL);
          g_prefix_error (error, "migrating %s to %u: ", module, v + 1);
          return FALSE;
        }
    }
  return TRUE;
}

/* Once: from the global user_version (1..4) to a version per module. */
static gboolean
migrate_global (TfStore *self, GError **error)
{
  guint v = tf_store_get_user_version (self);
  g_autofree char *sql = NULL;
  g_autofree char *floor = NULL;

  if (v > TF_STORE_PER_MODULE)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "%s: schema version %u is newer than this testfestd (%u)", self->path, v,
                   TF_STORE_PER_MODULE);
      return FALSE;
    }
  if (v == TF_STORE_PER_MODULE)
    return TRUE;
  /* 1: the boards (the store's module); 2..4: the floor's tables at 1..3 */
  if (v >= 2)
    floor = g_strdup_printf ("INSERT INTO schema_version VALUES ('floor', %u);", v - 1);
  sql = g_strdup_printf (
      "BEGIN IMMEDIATE;"
      "CREATE TABLE schema_version (module TEXT PRIMARY KEY, version INTEGER NOT NULL);"
      "%s%s PRAGMA user_version = %u; COMMIT;",
      v >= 1 ? "INSERT INTO schema_version VALUES ('store', 1);" : "", floor != NULL ? floor : "",
      TF_STORE_PER_MODULE);
  if (v > 0)
    g_info ("store %s: schema version %u kept per module from now on", self->path, v);
  if (!tf_store_exec (self, sql, error))
    {
      tf_store_exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (TfStore *self, GError **error)
{
  return migrate_global (self, error)
         && tf_store_migrate (self, "store", store_steps, G_N_ELEMENTS (store_steps), error);
}

/* @path with no more than @mode (created so when @create and missing); a wider
 * one is tightened, with a warning: the store holds accounts' verdicts. */
static gboolean
ensure_mode (const char *path, mode_t mode, gboolean create, GError **error)
{
  GStatBuf st;
  if (g_lstat (path, &st) != 0)
    {
      int fd;
      if (errno != ENOENT)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", path, g_strerror (errno));
          return FALSE;
        }
      if (!create)
        return TRUE;
      fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
      if (fd < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot create %s: %s", path,
                       g_strerror (errno));
          return FALSE;
        }
      close (fd);
      return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s is not a regular file", path);
      return FALSE;
    }
  if ((st.st_mode & 0777 & ~mode) != 0)
    {
      g_warning ("%s had mode %04o: tightened to %04o", path, st.st_mode & 0777, mode);
      if (g_chmod (path, mode) != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot chmod %s: %s", path,
                       g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tf_store_ensure_dir (const char *dir, int mode, GError **error)
{
  GStatBuf st;
  if (g_mkdir_with_parents (dir, mode) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  if (g_stat (dir, &st) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  /* created under a permissive umask, or by hand: no more than @mode */
  if ((st.st_mode & 0777 & ~mode) != 0)
    {
      g_warning ("%s had mode %04o: tightened to %04o", dir, st.st_mode & 0777, (guint)mode);
      if (g_chmod (dir, mode) != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot chmod %s: %s", dir,
                       g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

TfStore *
tf_store_open (const char *path, GError **error)
{
  g_autoptr (TfStore) self = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_new0 (TfStore, 1);
  dir = g_path_get_dirname (path);
  self->path = g_strdup (path);
  if (!tf_store_ensure_dir (dir, 0750, error))
    return NULL;
  /* created 0600 before SQLite sees it: its -wal and -shm take the same mode */
  if (!ensure_mode (path, 0600, TRUE, error))
    return NULL;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *side = g_strconcat (path, i == 0 ? "-wal" : "-shm", NULL);
      if (!ensure_mode (side, 0600, FALSE, error))
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
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (changes != NULL || n == 0, FALSE);
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
  g_return_val_if_fail (self != NULL && board != NULL && row != NULL, FALSE);
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
