/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-search.h"

/* Local search on a complete timetable within its horizon: fewer idle team
 * slots first, then sessions spread evenly over the slots (least sum of
 * squared slot loads). Moves: one session to another slot, one session to
 * another slot swapping out what is in its way, two whole slots swapped. A
 * move that makes things worse is undone; equal ones are kept to wander
 * across plateaus. */

typedef struct
{
  gint e;
  gint slot;
  gint board;
} Undo;

typedef struct
{
  TfGrid *g;
  GArray *undo;      /* Undo */
  GArray *conflicts; /* gint */
  gint64 weight;     /* one idle slot outweighs any spread */
} Improver;

static gint64
cost (Improver *im)
{
  return im->weight * im->g->idle + im->g->sum_sq;
}

static void
take (Improver *im, gint e)
{
  Undo u = { e, im->g->slot[e], im->g->board[e] };
  g_array_append_val (im->undo, u);
  tf_grid_remove (im->g, e);
}

static void
rollback (Improver *im)
{
  /* take everything moved out first, then put it back where it was */
  for (guint k = 0; k < im->undo->len; k++)
    {
      Undo *u = &g_array_index (im->undo, Undo, k);
      if (im->g->slot[u->e] >= 0)
        tf_grid_remove (im->g, u->e);
    }
  for (guint k = 0; k < im->undo->len; k++)
    {
      Undo *u = &g_array_index (im->undo, Undo, k);
      tf_grid_place (im->g, u->e, u->slot, u->board);
    }
  g_array_set_size (im->undo, 0);
}

/* Moves @e to @b, sending back to @e's slot whatever is in the way there.
 * What is in the way at @b does not depend on @e (it is elsewhere), so
 * hopeless moves are turned down before anything is touched. */
static gboolean
try_move (Improver *im, gint e, guint b, GRand *rand)
{
  TfGrid *g = im->g;
  guint a = g->slot[e];
  gint board = tf_grid_fit (g, e, b);

  if (board < 0)
    {
      if (!tf_grid_conflicts (g, e, b, im->conflicts, rand) || im->conflicts->len > 2)
        return FALSE;
      for (guint k = 0; k < im->conflicts->len; k++)
        {
          gint f = g_array_index (im->conflicts, gint, k);
          if (!tf_grid_open (g, f, a))
            return FALSE;
        }
    }
  take (im, e);
  for (guint k = 0; k < im->conflicts->len; k++)
    take (im, g_array_index (im->conflicts, gint, k));
  board = tf_grid_fit (g, e, b);
  if (board < 0)
    return FALSE;
  tf_grid_place (g, e, b, board);
  for (guint k = 0; k < im->conflicts->len; k++)
    {
      gint f = g_array_index (im->conflicts, gint, k);
      board = tf_grid_fit (g, f, a);
      if (board < 0)
        return FALSE;
      tf_grid_place (g, f, a, board);
    }
  return TRUE;
}

static gboolean
try_swap_slots (Improver *im, guint a, guint b)
{
  TfGrid *g = im->g;
  GArray *la = g->slot_list[a];
  GArray *lb = g->slot_list[b];
  guint na = la->len;
  for (guint k = 0; k < la->len; k++)
    {
      gint e = g_array_index (la, gint, k);
      if (g->fixed[e] || !tf_grid_open (g, e, b))
        return FALSE;
    }
  for (guint k = 0; k < lb->len; k++)
    {
      gint e = g_array_index (lb, gint, k);
      if (g->fixed[e] || !tf_grid_open (g, e, a))
        return FALSE;
    }
  while (la->len > 0)
    take (im, g_array_index (la, gint, 0));
  while (lb->len > 0)
    take (im, g_array_index (lb, gint, 0));
  for (guint k = 0; k < im->undo->len; k++)
    {
      Undo *u = &g_array_index (im->undo, Undo, k);
      guint to = k < na ? b : a;
      gint board = tf_grid_fit (g, u->e, to);
      if (board < 0)
        return FALSE;
      tf_grid_place (g, u->e, to, board);
    }
  return TRUE;
}

void
tf_grid_improve (TfGrid *g, guint64 iterations, GRand *rand)
{
  Improver im = { g, NULL, NULL, 0 };
  g_autoptr (GArray) undo = g_array_new (FALSE, FALSE, sizeof (Undo));
  g_autoptr (GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GArray) movable = g_array_new (FALSE, FALSE, sizeof (gint));
  guint span = g->horizon - g->first;
  gint64 best_sq;

  im.undo = undo;
  im.conflicts = conflicts;
  im.weight = (gint64)g->n_tables * g->n_tables * g->horizon + 1;
  for (guint e = 0; e < g->n_sessions; e++)
    {
      if (!g->fixed[e] && g->slot[e] >= 0)
        g_array_append_val (movable, e);
    }
  if (movable->len == 0 || span < 2)
    return;
  /* the least sum of squares: loads as equal as the count allows */
  {
    guint n = 0, q, r;
    for (guint s = g->first; s < g->horizon; s++)
      n += g->slot_list[s]->len;
    q = n / span;
    r = n % span;
    best_sq = (gint64)r * (q + 1) * (q + 1) + (gint64)(span - r) * q * q;
  }
  for (guint64 it = 0; it < iterations && (g->idle > 0 || g->sum_sq > best_sq); it++)
    {
      gint64 before = cost (&im);
      gboolean ok;
      g_array_set_size (conflicts, 0);
      if (it % 64 == 63)
        {
          guint a = g->first + g_rand_int_range (rand, 0, span);
          guint b = g->first + g_rand_int_range (rand, 0, span);
          if (a == b)
            continue;
          ok = try_swap_slots (&im, a, b);
        }
      else
        {
          gint e = g_array_index (movable, gint, g_rand_int_range (rand, 0, movable->len));
          guint b = g->first + g_rand_int_range (rand, 0, span);
          if ((gint)b == g->slot[e] || !tf_grid_open (g, e, b))
            continue;
          ok = try_move (&im, e, b, rand);
        }
      if (!ok || cost (&im) > before)
        rollback (&im);
      g_array_set_size (undo, 0);
    }
}
