/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-edge-colour.h"
#include "tf-error.h"
#include "tf-grid.h"
#include "tf-scheduler.h"
#include "tf-search.h"

#define DEFAULT_SEED 0x7e57fe57u

static guint *
count_sessions (const TfEvent *event, const TfPairings *pairings)
{
  guint *n = g_new0 (guint, event->impls->len + 1);
  for (guint k = 0; k < pairings->pairs->len; k++)
    {
      TfPair *p = &g_array_index (pairings->pairs, TfPair, k);
      n[p->client]++;
      n[p->server]++;
    }
  return n;
}

/* A team gives each slot to one implementation, and implementation i needs
 * ceil(sessions / capacity) slots where it is present. By Hall, every group
 * of its implementations needs that many slots where one of the group is
 * present; the team ends no sooner than its most demanding group allows. */
static guint
team_bound (const TfEvent *event, const TfTeam *team, const guint *sessions)
{
  guint k = team->impls->len;
  guint bound = 0;
  if (k < 2 || k > 12)
    k = MIN (k, 1); /* alone: counted per implementation; huge teams: skipped */
  for (guint subset = 1; k > 1 && subset < (1u << k); subset++)
    {
      guint need = 0, got = 0;
      for (guint j = 0; j < k; j++)
        {
          guint i = g_array_index (team->impls, guint, j);
          guint cap = tf_event_impl (event, i)->capacity;
          if (subset & (1u << j))
            need += (sessions[i] + cap - 1) / cap;
        }
      if (need == 0)
        continue;
      for (guint s = 0; s < event->slots->len && got < need; s++)
        {
          gboolean open = FALSE;
          for (guint j = 0; j < k && !open; j++)
            open = (subset & (1u << j)) != 0
                   && tf_event_available (event, g_array_index (team->impls, guint, j), s);
          got += open;
          if (got >= need)
            bound = MAX (bound, s + 1);
        }
    }
  return bound;
}

/**
 * tf_scheduler_lower_bound:
 *
 * No timetable ends sooner than the largest of: the sessions over the
 * tables; for each implementation, the slots it needs at its capacity,
 * counted over the slots where it is present; the same for each group of
 * implementations of a team (a team works with one at a time); for each pair,
 * the first slot where both are present.
 */
guint
tf_scheduler_lower_bound (const TfEvent *event, const TfPairings *pairings)
{
  guint n_slots = event->slots->len;
  guint n = pairings->pairs->len;
  g_autofree guint *sessions = count_sessions (event, pairings);
  guint lb = (n + event->n_tables - 1) / event->n_tables;

  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = tf_event_impl (event, i);
      guint got = 0;
      for (guint s = 0; s < n_slots && got < sessions[i]; s++)
        {
          got += tf_event_available (event, i, s) ? impl->capacity : 0;
          if (got >= sessions[i])
            lb = MAX (lb, s + 1);
        }
    }
  for (guint t = 0; t < event->teams->len; t++)
    lb = MAX (lb, team_bound (event, tf_event_team (event, t), sessions));
  for (guint k = 0; k < n; k++)
    {
      TfPair *p = &g_array_index (pairings->pairs, TfPair, k);
      for (guint s = 0; s < n_slots; s++)
        {
          if (tf_event_available (event, p->client, s) && tf_event_available (event, p->server, s))
            {
              lb = MAX (lb, s + 1);
              break;
            }
        }
    }
  return lb;
}

/* Bipartite case within [0, k): each busy team is one implementation, all
 * present throughout, every client owns its boards alone. */
static gboolean
is_bipartite (const TfGrid *g, const guint *sessions, guint k)
{
  g_autofree gint *owner = g_new (gint, g->n_boards + 1);
  for (guint b = 0; b < g->n_boards; b++)
    owner[b] = -1;
  for (guint t = 0; t < g->n_teams; t++)
    {
      const TfTeam *team = tf_event_team (g->event, t);
      guint busy = 0;
      for (guint j = 0; j < team->impls->len; j++)
        busy += sessions[g_array_index (team->impls, guint, j)] > 0;
      if (busy > 1)
        return FALSE;
    }
  for (guint i = 0; i < g->n_impls; i++)
    {
      if (sessions[i] == 0)
        continue;
      for (guint s = 0; s < k; s++)
        {
          if (g->blocked[(gsize)i * g->n_slots + s])
            return FALSE;
        }
      if (tf_event_impl (g->event, i)->role == TF_ROLE_SERVER)
        continue;
      if (g->board_first[i] == g->board_first[i + 1])
        return FALSE;
      for (guint j = g->board_first[i]; j < g->board_first[i + 1]; j++)
        {
          guint b = g->board_list[j];
          if (owner[b] >= 0 && owner[b] != (gint)i)
            return FALSE;
          owner[b] = i;
        }
    }
  return TRUE;
}

/* König: a server of capacity c becomes c vertices sharing its sessions,
 * so k = max(degree, ceil(sessions / tables)) colours suffice; balancing
 * then keeps every slot within the tables. */
static gboolean
solve_bipartite (TfGrid *g, const guint *sessions, guint k, GArray *unplaced)
{
  g_autofree guint *left = g_new0 (guint, g->n_sessions + 1);
  g_autofree guint *right = g_new0 (guint, g->n_sessions + 1);
  g_autofree guint *colour = g_new0 (guint, g->n_sessions + 1);
  g_autofree guint *base = g_new0 (guint, g->n_impls + 1);
  g_autofree guint *copies = g_new0 (guint, g->n_impls + 1);
  g_autofree guint *next = g_new0 (guint, g->n_impls + 1);
  TfBigraph graph = { 0, 0, g->n_sessions, left, right };

  for (guint i = 0; i < g->n_impls; i++)
    {
      if (sessions[i] == 0)
        continue;
      if (tf_event_impl (g->event, i)->role == TF_ROLE_CLIENT)
        base[i] = graph.n_left++;
      else
        {
          base[i] = graph.n_right;
          copies[i] = MIN (g->cap[i], sessions[i]);
          graph.n_right += copies[i];
        }
    }
  for (guint e = 0; e < g->n_sessions; e++)
    {
      guint s = g->server[e];
      left[e] = base[g->client[e]];
      right[e] = base[s] + next[s]++ % copies[s];
    }
  if (!tf_edge_colour (&graph, k, colour))
    return FALSE;
  tf_edge_colour_balance (&graph, k, colour);
  for (guint e = 0; e < g->n_sessions; e++)
    {
      gint board = tf_grid_fit (g, e, colour[e]);
      if (board < 0)
        {
          g_critical ("session %u does not fit its colour %u", e, colour[e]);
          g_array_append_val (unplaced, e);
          continue;
        }
      tf_grid_place (g, e, colour[e], board);
    }
  return unplaced->len == 0;
}

static gint
by_key_desc (gconstpointer a, gconstpointer b, gpointer data)
{
  const gdouble *key = data;
  gdouble ka = key[*(const gint *)a];
  gdouble kb = key[*(const gint *)b];
  return ka < kb ? 1 : ka > kb ? -1 : 0;
}

/* Hardest first: sessions of the teams whose sessions fill most of the
 * slots where they are present. */
static GArray *
greedy_order (const TfGrid *g, const guint *sessions)
{
  g_autofree gdouble *pressure = g_new0 (gdouble, g->n_teams + 1);
  g_autofree gdouble *key = g_new0 (gdouble, g->n_sessions + 1);
  GArray *order = g_array_new (FALSE, FALSE, sizeof (gint));
  for (guint t = 0; t < g->n_teams; t++)
    {
      const TfTeam *team = tf_event_team (g->event, t);
      guint open = g->team_open[(gsize)t * (g->n_slots + 1) + g->n_slots];
      guint need = 0;
      for (guint j = 0; j < team->impls->len; j++)
        {
          guint i = g_array_index (team->impls, guint, j);
          need += (sessions[i] + g->cap[i] - 1) / g->cap[i];
        }
      pressure[t] = open > 0 ? (gdouble)need / open : 1e9;
    }
  for (guint e = 0; e < g->n_sessions; e++)
    {
      key[e] = pressure[g->cteam[e]] + pressure[g->steam[e]];
      g_array_append_val (order, e);
    }
  g_array_sort_with_data (order, by_key_desc, key);
  return order;
}

static TfSchedule *
schedule_from_grid (TfEvent *event, TfGrid *g, guint lower_bound, const gchar *method)
{
  TfSchedule *schedule = tf_schedule_new (event);
  tf_grid_assign_tables (g);
  for (guint e = 0; e < g->n_sessions; e++)
    tf_schedule_add (schedule, g->client[e], g->server[e], g->slot[e], g->table[e], g->board[e]);
  tf_schedule_sort (schedule);
  schedule->lower_bound = lower_bound;
  schedule->method = g_strdup (method);
  return schedule;
}

static GError *
unplaced_error (const TfEvent *event, TfGrid *g, GArray *unplaced)
{
  g_autoptr (GString) names = g_string_new (NULL);
  for (guint k = 0; k < unplaced->len && k < 10; k++)
    {
      gint e = g_array_index (unplaced, gint, k);
      g_autofree gchar *id = tf_pairing_id (event, g->client[e], g->server[e]);
      g_string_append_printf (names, "%s%s", k > 0 ? ", " : "", id);
    }
  if (unplaced->len > 10)
    g_string_append_printf (names, " and %u more", unplaced->len - 10);
  return g_error_new (TF_ERROR, TF_ERROR_INFEASIBLE,
                      "infeasible: no timetable found within the event's %u slots; "
                      "left without a slot: %s",
                      g->n_slots, names->str);
}

/**
 * tf_scheduler_solve_seeded:
 *
 * Gives every pairing a slot, a table and a board. In the bipartite case the
 * timetable is optimal (makespan = lower bound) by edge colouring; otherwise
 * a greedy start is repaired by min-conflicts search at the lower bound, and
 * one slot more at a time when that fails. Then a local search removes idle
 * team slots and evens out the slots, keeping the makespan.
 */
TfSchedule *
tf_scheduler_solve_seeded (TfEvent *event, const TfPairings *pairings, guint32 seed, GError **error)
{
  guint n = pairings->pairs->len;
  g_autofree guint *sessions = count_sessions (event, pairings);
  g_autoptr (TfGrid) g = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GArray) unplaced = g_array_new (FALSE, FALSE, sizeof (gint));
  guint lb, k;
  const gchar *method = "bipartite edge colouring";

  if (!tf_pairings_check_feasible (event, pairings, error))
    return NULL;
  lb = tf_scheduler_lower_bound (event, pairings);
  g = tf_grid_new (event, (const TfPair *)pairings->pairs->data, n);
  k = MAX (lb, 1);
  g->horizon = MIN (k, g->n_slots);
  if (!is_bipartite (g, sessions, k) || !solve_bipartite (g, sessions, k, unplaced))
    {
      g_autoptr (GArray) order = greedy_order (g, sessions);
      method = "min-conflicts search";
      for (guint e = 0; e < g->n_sessions; e++)
        {
          if (g->slot[e] >= 0)
            tf_grid_remove (g, e);
        }
      g_array_set_size (unplaced, 0);
      for (guint j = 0; j < order->len; j++)
        {
          gint e = g_array_index (order, gint, j);
          gboolean placed = FALSE;
          for (guint s = 0; s < g->horizon && !placed; s++)
            {
              gint board = tf_grid_fit (g, e, s);
              if (board >= 0)
                {
                  tf_grid_place (g, e, s, board);
                  placed = TRUE;
                }
            }
          if (!placed)
            g_array_append_val (unplaced, e);
        }
      while (!tf_grid_search (g, unplaced, 40 * (guint64)n + 4000, rand))
        {
          if (g->horizon >= g->n_slots)
            {
              g_propagate_error (error, unplaced_error (event, g, unplaced));
              return NULL;
            }
          g->horizon++;
        }
    }
  g->horizon = 0;
  for (guint e = 0; e < g->n_sessions; e++)
    g->horizon = MAX (g->horizon, (guint)g->slot[e] + 1);
  /* bounded so that 120 x 60 stays near 100 ms; more only trims idle slots */
  tf_grid_improve (g, MIN (40 * (guint64)n + 2000, 80000), rand);
  return schedule_from_grid (event, g, lb, method);
}

TfSchedule *
tf_scheduler_solve (TfEvent *event, const TfPairings *pairings, GError **error)
{
  return tf_scheduler_solve_seeded (event, pairings, DEFAULT_SEED, error);
}

/**
 * tf_scheduler_first_fit:
 *
 * The baseline a spreadsheet gives: sessions in pairing order, each into the
 * earliest slot where it fits.
 */
TfSchedule *
tf_scheduler_first_fit (TfEvent *event, const TfPairings *pairings, GError **error)
{
  guint n = pairings->pairs->len;
  g_autoptr (TfGrid) g = tf_grid_new (event, (const TfPair *)pairings->pairs->data, n);
  g_autoptr (GArray) unplaced = g_array_new (FALSE, FALSE, sizeof (gint));
  for (guint e = 0; e < n; e++)
    {
      gboolean placed = FALSE;
      for (guint s = 0; s < g->n_slots && !placed; s++)
        {
          gint board = tf_grid_fit (g, e, s);
          if (board >= 0)
            {
              tf_grid_place (g, e, s, board);
              placed = TRUE;
            }
        }
      if (!placed)
        g_array_append_val (unplaced, e);
    }
  if (unplaced->len > 0)
    {
      g_propagate_error (error, unplaced_error (event, g, unplaced));
      return NULL;
    }
  return schedule_from_grid (event, g, tf_scheduler_lower_bound (event, pairings), "first fit");
}
