/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-event.h"

G_BEGIN_DECLS

/* The working timetable of the solver: who occupies what in each slot.
 *
 * Team rule: in a slot a team works with one of its implementations only,
 * and that implementation takes part in at most its capacity of sessions
 * (a client: 1). Tables are a count per slot here; numbers come last. */
typedef struct
{
  const TfEvent *event;
  guint n_sessions;
  guint n_slots;
  guint first; /* movable sessions go in [first, horizon) */
  guint horizon;
  guint n_tables;
  guint n_impls;
  guint n_teams;
  guint n_boards;
  /* per session */
  guint *client;
  guint *server;
  guint *cteam;
  guint *steam;
  gint *slot;
  gint *board;
  gint *table;
  guint8 *fixed;
  /* per implementation */
  guint *cap;
  guint8 *blocked;    /* impl x slot */
  guint *board_first; /* client's boards: board_list[board_first[i] .. board_first[i+1]) */
  guint *board_list;
  /* per board */
  guint8 *board_blocked; /* board x slot */
  gint *board_user;      /* board x slot: session or -1 */
  /* occupancy */
  guint16 *impl_load; /* impl x slot */
  guint16 *team_load; /* team x slot */
  gint *team_active;  /* team x slot: the implementation at work, valid when loaded */
  GArray **slot_list; /* per slot: gint sessions */
  /* per team, kept up to date for the idle count */
  guint *team_busy;   /* slots with load */
  guint64 *team_bits; /* team x words: bit set for each slot with load */
  guint n_words;
  gint *team_first;
  gint *team_last;
  guint *team_open; /* team x (slot + 1): prefix count of slots where it may work */
  gint64 sum_sq;    /* sum over slots of load^2 */
  guint idle;       /* sum of tf_grid_team_idle() */
} TfGrid;

TfGrid *
tf_grid_new (const TfEvent *event, const TfPair *pairs, guint n_sessions);
void
tf_grid_free (TfGrid *grid);
void
tf_grid_block_impl (TfGrid *grid, guint impl, guint from, guint to);
void
tf_grid_block_board (TfGrid *grid, guint board, guint from, guint to);
void
tf_grid_seal (TfGrid *grid);

gboolean
tf_grid_open (const TfGrid *grid, guint e, guint s);
gint
tf_grid_fit (const TfGrid *grid, guint e, guint s);
void
tf_grid_place (TfGrid *grid, guint e, guint s, gint board);
void
tf_grid_remove (TfGrid *grid, guint e);
gint
tf_grid_quick_conflicts (const TfGrid *grid, guint e, guint s);
gboolean
tf_grid_conflicts (const TfGrid *grid, guint e, guint s, GArray *out, GRand *rand);
guint
tf_grid_team_idle (const TfGrid *grid, guint team);
void
tf_grid_assign_tables (TfGrid *grid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfGrid, tf_grid_free)

G_END_DECLS
