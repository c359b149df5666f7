/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SQLite (WAL): the only source of truth on disk. Every state change is
 * written here before it is published. */
typedef struct _TfStore TfStore;

TfStore *
tf_store_open (const char *path, GError **error);
void
tf_store_close (TfStore *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfStore, tf_store_close)

/* PRAGMA user_version this build writes: the mark that versions are kept
 * per module (1..4 were one global schema, migrated once at open). */
guint
tf_store_schema_version (void);
guint
tf_store_get_user_version (TfStore *self);

/* Each module owns its tables: @steps[i] moves them from version i to i+1,
 * each step in a transaction of its own; the version is kept per module
 * (table schema_version). A module at a version newer than @n_steps is
 * refused. The store's own module ("store": boards) runs at open. */
gboolean
tf_store_migrate (TfStore *self, const char *module, const char *const *steps, guint n_steps,
                  GError **error);
guint
tf_store_get_module_version (TfStore *self, const char *module);

/* A directory with no more than @mode (created so; a wider one is tightened
 * with a warning): the state directory. */
gboolean
tf_store_ensure_dir (const char *dir, int mode, GError **error);

typedef struct
{
  const char *board;
  const char *from_state;
  const char *to_state;
  const char *cause;
  const char *error; /* nullable */
  const char *power;
  const char *health;
  guint faults;
  const char *fw_name, *fw_version, *fw_sha256; /* nullable */
  gint64 at_us;
} TfStoreBoardChange;

/* Append each change to its board's history and update its current row, in
 * order, in one transaction (group commit). */
gboolean
tf_store_record_boards (TfStore *self, const TfStoreBoardChange *const *changes, guint n,
                        GError **error);
TfStoreBoardChange *
tf_store_board_change_copy (const TfStoreBoardChange *c);
void
tf_store_board_change_free (TfStoreBoardChange *c);

/* What the store remembers of a board (all nullable when unknown). */
typedef struct
{
  char *state;
  guint faults;
  char *fw_name, *fw_version, *fw_sha256;
} TfStoreBoardRow;
void
tf_store_board_row_clear (TfStoreBoardRow *row);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TfStoreBoardRow, tf_store_board_row_clear)
gboolean
tf_store_get_board (TfStore *self, const char *board, TfStoreBoardRow *row, GError **error);

/* For modules that own their tables: SQL, transactions and statements, with
 * no sqlite3 outside the store. */
gboolean
tf_store_exec (TfStore *self, const char *sql, GError **error);
/* BEGIN IMMEDIATE / COMMIT (a failed commit rolls back) / ROLLBACK if one is open */
gboolean
tf_store_begin (TfStore *self, GError **error);
gboolean
tf_store_commit (TfStore *self, GError **error);
void
tf_store_rollback (TfStore *self);

typedef struct _TfStoreStmt TfStoreStmt;
/* Prepare @sql and bind one argument per letter of @types: 's' string (NULL
 * binds NULL), 'i' gint64, 'n' int, 'm' int where a negative one binds NULL. */
TfStoreStmt *
tf_store_query (TfStore *self, GError **error, const char *sql, const char *types, ...);
/* The same, run to its end: a write. */
gboolean
tf_store_run (TfStore *self, GError **error, const char *sql, const char *types, ...);
/* TRUE with a row to read; FALSE at the end, or on a failure (then @error is set). */
gboolean
tf_store_stmt_next (TfStoreStmt *stmt, GError **error);
char *
tf_store_stmt_dup (TfStoreStmt *stmt, int column); /* NULL for NULL */
const char *
tf_store_stmt_text (TfStoreStmt *stmt, int column);
gint64
tf_store_stmt_int64 (TfStoreStmt *stmt, int column);
int
tf_store_stmt_int (TfStoreStmt *stmt, int column);
gboolean
tf_store_stmt_is_null (TfStoreStmt *stmt, int column);
/* What a row holds, for code that copies rows as they are (to JSON, say). */
typedef enum
{
  TF_STORE_KIND_NULL,
  TF_STORE_KIND_INT,
  TF_STORE_KIND_FLOAT,
  TF_STORE_KIND_TEXT,
} TfStoreKind;
int
tf_store_stmt_columns (TfStoreStmt *stmt);
const char *
tf_store_stmt_column_name (TfStoreStmt *stmt, int column);
TfStoreKind
tf_store_stmt_kind (TfStoreStmt *stmt, int column);
/* Rows the last write changed. */
gint64
tf_store_changes (TfStore *self);
void
tf_store_stmt_free (TfStoreStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfStoreStmt, tf_store_stmt_free)

G_END_DECLS
