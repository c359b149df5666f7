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

/* The schema version this build writes (PRAGMA user_version). */
guint
tf_store_schema_version (void);
guint
tf_store_get_user_version (TfStore *self);

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

/* Append to the board's history and update its current row, in one transaction. */
gboolean
tf_store_record_board (TfStore *self, const TfStoreBoardChange *change, GError **error);
/* The same for many changes, in order, in one transaction (group commit). */
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
/* Number of history rows for @board (or all when NULL). */
gint64
tf_store_count_history (TfStore *self, const char *board, GError **error);

/* Low level: run SQL; for other layers (sessions, schedule) that own their tables. */
gboolean
tf_store_exec (TfStore *self, const char *sql, GError **error);
gpointer
tf_store_get_db (TfStore *self); /* sqlite3 * */

G_END_DECLS
