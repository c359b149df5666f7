/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-search.h"

/**
 * tf_grid_search:
 * @unplaced: (inout): sessions without a slot; empty on success
 * @budget: iterations at most
 *
 * Min-conflicts search with a short tabu: each step takes an unplaced
 * session, puts it in the slot (within the horizon) that needs the fewest
 * evictions, and makes the evicted sessions unplaced; an evicted session
 * may not return to the slot it left for a few steps, which stops cycling.
 *
 * Returns: %TRUE when every session is placed.
 */
gboolean
tf_grid_search (TfGrid *g, GArray *unplaced, guint64 budget, GRand *rand)
{
  g_autofree gint *tabu_slot = g_new (gint, g->n_sessions);
  g_autofree guint64 *tabu_until = g_new0 (guint64, g->n_sessions);
  g_autoptr (GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (gint));

  for (guint e = 0; e < g->n_sessions; e++)
    tabu_slot[e] = -1;
  for (guint64 it = 0; unplaced->len > 0 && it < budget; it++)
    {
      guint pick = g_rand_int_range (rand, 0, unplaced->len);
      gint e = g_array_index (unplaced, gint, pick);
      gint best = -1;
      guint best_score = G_MAXUINT;
      gint board;

      for (guint s = g->first; s < g->horizon; s++)
        {
          gint q = tf_grid_quick_conflicts (g, e, s);
          guint score;
          if (q < 0)
            continue;
          if (q > 0 && tabu_slot[e] == (gint)s && tabu_until[e] > it)
            continue;
          score = (guint)q * 1024 + g_rand_int_range (rand, 0, 1024);
          if (score < best_score)
            {
              best_score = score;
              best = s;
            }
        }
      if (best < 0)
        continue;
      if (!tf_grid_conflicts (g, e, best, conflicts, rand))
        {
          /* a fixed session is in the way: try elsewhere next time */
          tabu_slot[e] = best;
          tabu_until[e] = it + 8;
          continue;
        }
      g_array_remove_index_fast (unplaced, pick);
      for (guint k = 0; k < conflicts->len; k++)
        {
          gint f = g_array_index (conflicts, gint, k);
          tf_grid_remove (g, f);
          tabu_slot[f] = best;
          tabu_until[f] = it + 5 + g_rand_int_range (rand, 0, 10);
          g_array_append_val (unplaced, f);
        }
      board = tf_grid_fit (g, e, best);
      if (board < 0)
        {
          g_critical ("session %d does not fit slot %d after evictions", e, best);
          g_array_append_val (unplaced, e);
          continue;
        }
      tf_grid_place (g, e, best, board);
    }
  return unplaced->len == 0;
}
