/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <string.h>

#include "tf-grid.h"

TfGrid *
tf_grid_new (const TfEvent *event, const TfPair *pairs, guint n_sessions)
{
  TfGrid *g = g_new0 (TfGrid, 1);
  guint n_slots = event->slots->len;
  guint n_board_refs = 0;

  g->event = event;
  g->n_sessions = n_sessions;
  g->n_slots = n_slots;
  g->horizon = n_slots;
  g->n_tables = event->n_tables;
  g->n_impls = event->impls->len;
  g->n_teams = event->teams->len;
  g->n_boards = event->boards->len;

  g->client = g_new0 (guint, n_sessions);
  g->server = g_new0 (guint, n_sessions);
  g->cteam = g_new0 (guint, n_sessions);
  g->steam = g_new0 (guint, n_sessions);
  g->slot = g_new (gint, n_sessions);
  g->board = g_new (gint, n_sessions);
  g->table = g_new (gint, n_sessions);
  g->fixed = g_new0 (guint8, n_sessions);
  for (guint e = 0; e < n_sessions; e++)
    {
      g->client[e] = pairs[e].client;
      g->server[e] = pairs[e].server;
      g->cteam[e] = tf_event_impl (event, pairs[e].client)->team;
      g->steam[e] = tf_event_impl (event, pairs[e].server)->team;
      g->slot[e] = -1;
      g->board[e] = -1;
      g->table[e] = -1;
    }

  g->cap = g_new0 (guint, g->n_impls);
  g->blocked = g_new0 (guint8, (gsize)g->n_impls * n_slots);
  g->board_first = g_new0 (guint, g->n_impls + 1);
  for (guint i = 0; i < g->n_impls; i++)
    n_board_refs += tf_event_impl (event, i)->boards->len;
  g->board_list = g_new0 (guint, n_board_refs + 1);
  n_board_refs = 0;
  for (guint i = 0; i < g->n_impls; i++)
    {
      const TfImpl *impl = tf_event_impl (event, i);
      g->cap[i] = impl->capacity;
      memcpy (g->blocked + (gsize)i * n_slots, impl->unavailable, n_slots);
      g->board_first[i] = n_board_refs;
      for (guint k = 0; k < impl->boards->len; k++)
        g->board_list[n_board_refs++]
            = tf_event_find_board (event, g_ptr_array_index (impl->boards, k));
    }
  g->board_first[g->n_impls] = n_board_refs;

  g->board_blocked = g_new0 (guint8, (gsize)g->n_boards * n_slots + 1);
  g->board_user = g_new (gint, (gsize)g->n_boards * n_slots + 1);
  for (gsize k = 0; k < (gsize)g->n_boards * n_slots; k++)
    g->board_user[k] = -1;
  g->impl_load = g_new0 (guint16, (gsize)g->n_impls * n_slots);
  g->team_load = g_new0 (guint16, (gsize)g->n_teams * n_slots);
  g->team_active = g_new0 (gint, (gsize)g->n_teams * n_slots);
  g->slot_list = g_new0 (GArray *, n_slots);
  for (guint s = 0; s < n_slots; s++)
    g->slot_list[s] = g_array_sized_new (FALSE, FALSE, sizeof (gint), g->n_tables);
  g->team_busy = g_new0 (guint, g->n_teams);
  g->n_words = (n_slots + 63) / 64;
  g->team_bits = g_new0 (guint64, (gsize)g->n_teams * g->n_words + 1);
  g->team_first = g_new (gint, g->n_teams);
  g->team_last = g_new (gint, g->n_teams);
  for (guint t = 0; t < g->n_teams; t++)
    g->team_first[t] = g->team_last[t] = -1;
  g->team_open = g_new0 (guint, (gsize)g->n_teams * (n_slots + 1));
  tf_grid_seal (g);
  return g;
}

void
tf_grid_free (TfGrid *g)
{
  g_free (g->client);
  g_free (g->server);
  g_free (g->cteam);
  g_free (g->steam);
  g_free (g->slot);
  g_free (g->board);
  g_free (g->table);
  g_free (g->fixed);
  g_free (g->cap);
  g_free (g->blocked);
  g_free (g->board_first);
  g_free (g->board_list);
  g_free (g->board_blocked);
  g_free (g->board_user);
  g_free (g->impl_load);
  g_free (g->team_load);
  g_free (g->team_active);
  for (guint s = 0; s < g->n_slots; s++)
    g_array_unref (g->slot_list[s]);
  g_free (g->slot_list);
  g_free (g->team_busy);
  g_free (g->team_bits);
  g_free (g->team_first);
  g_free (g->team_last);
  g_free (g->team_open);
  g_free (g);
}

/* Blocks slots from..to inclusive; call before placing anything, then seal. */
void
tf_grid_block_impl (TfGrid *g, guint impl, guint from, guint to)
{
  for (guint s = from; s <= to && s < g->n_slots; s++)
    g->blocked[(gsize)impl * g->n_slots + s] = TRUE;
}

void
tf_grid_block_board (TfGrid *g, guint board, guint from, guint to)
{
  for (guint s = from; s <= to && s < g->n_slots; s++)
    g->board_blocked[(gsize)board * g->n_slots + s] = TRUE;
}

/* Recomputes where each team may work (any of its implementations may). */
void
tf_grid_seal (TfGrid *g)
{
  for (guint t = 0; t < g->n_teams; t++)
    {
      const TfTeam *team = tf_event_team (g->event, t);
      guint *open = g->team_open + (gsize)t * (g->n_slots + 1);
      open[0] = 0;
      for (guint s = 0; s < g->n_slots; s++)
        {
          gboolean any = FALSE;
          for (guint k = 0; k < team->impls->len && !any; k++)
            any = !g->blocked[(gsize)g_array_index (team->impls, guint, k) * g->n_slots + s];
          open[s + 1] = open[s] + any;
        }
    }
}

guint
tf_grid_team_idle (const TfGrid *g, guint t)
{
  const guint *open = g->team_open + (gsize)t * (g->n_slots + 1);
  guint span;
  if (g->team_busy[t] == 0)
    return 0;
  span = open[g->team_last[t] + 1] - open[g->team_first[t]];
  return span > g->team_busy[t] ? span - g->team_busy[t] : 0;
}

/* Both implementations may work in @s (ignores what else is there). */
gboolean
tf_grid_open (const TfGrid *g, guint e, guint s)
{
  return !g->blocked[(gsize)g->client[e] * g->n_slots + s]
         && !g->blocked[(gsize)g->server[e] * g->n_slots + s];
}

static gboolean
side_fits (const TfGrid *g, guint impl, guint team, guint s)
{
  gsize ts = (gsize)team * g->n_slots + s;
  if (g->team_load[ts] == 0)
    return TRUE;
  return g->team_active[ts] == (gint)impl
         && g->impl_load[(gsize)impl * g->n_slots + s] < g->cap[impl];
}

static gint
free_board (const TfGrid *g, guint e, guint s)
{
  guint c = g->client[e];
  for (guint k = g->board_first[c]; k < g->board_first[c + 1]; k++)
    {
      gsize bs = (gsize)g->board_list[k] * g->n_slots + s;
      if (!g->board_blocked[bs] && g->board_user[bs] < 0)
        return g->board_list[k];
    }
  return -1;
}

/* The board session @e would use in slot @s, or -1 when it does not fit. */
gint
tf_grid_fit (const TfGrid *g, guint e, guint s)
{
  if (!tf_grid_open (g, e, s) || g->slot_list[s]->len >= g->n_tables)
    return -1;
  if (!side_fits (g, g->client[e], g->cteam[e], s) || !side_fits (g, g->server[e], g->steam[e], s))
    return -1;
  return free_board (g, e, s);
}

/* Keeps a team's first and last busy slot, and the idle total, as a slot
 * of the team gains or loses its last session. */
static void
team_update (TfGrid *g, guint t, guint s, gboolean added)
{
  guint before = tf_grid_team_idle (g, t);
  guint64 *bits = g->team_bits + (gsize)t * g->n_words;
  if (added)
    {
      bits[s / 64] |= G_GUINT64_CONSTANT (1) << (s % 64);
      g->team_busy[t]++;
      if (g->team_first[t] < 0 || (gint)s < g->team_first[t])
        g->team_first[t] = s;
      if ((gint)s > g->team_last[t])
        g->team_last[t] = s;
    }
  else
    {
      bits[s / 64] &= ~(G_GUINT64_CONSTANT (1) << (s % 64));
      g->team_busy[t]--;
      if (g->team_busy[t] == 0)
        g->team_first[t] = g->team_last[t] = -1;
      else
        {
          guint w;
          for (w = 0; bits[w] == 0; w++)
            ;
          g->team_first[t] = w * 64 + __builtin_ctzll (bits[w]);
          for (w = g->n_words - 1; bits[w] == 0; w--)
            ;
          g->team_last[t] = w * 64 + 63 - __builtin_clzll (bits[w]);
        }
    }
  g->idle = g->idle - before + tf_grid_team_idle (g, t);
}

static void
side_add (TfGrid *g, guint impl, guint team, guint s)
{
  gsize ts = (gsize)team * g->n_slots + s;
  g->impl_load[(gsize)impl * g->n_slots + s]++;
  g->team_active[ts] = impl;
  if (g->team_load[ts]++ == 0)
    team_update (g, team, s, TRUE);
}

static void
side_remove (TfGrid *g, guint impl, guint team, guint s)
{
  gsize ts = (gsize)team * g->n_slots + s;
  g->impl_load[(gsize)impl * g->n_slots + s]--;
  if (--g->team_load[ts] == 0)
    team_update (g, team, s, FALSE);
}

/* Places without checking: the solver checks first, re-planning forces
 * sessions that already happened. */
void
tf_grid_place (TfGrid *g, guint e, guint s, gint board)
{
  GArray *list = g->slot_list[s];
  g_return_if_fail (g->slot[e] < 0);
  g->sum_sq += 2 * (gint64)list->len + 1;
  g_array_append_val (list, e);
  g->slot[e] = s;
  g->board[e] = board;
  side_add (g, g->client[e], g->cteam[e], s);
  side_add (g, g->server[e], g->steam[e], s);
  if (board >= 0)
    g->board_user[(gsize)board * g->n_slots + s] = e;
}

void
tf_grid_remove (TfGrid *g, guint e)
{
  gint s = g->slot[e];
  GArray *list;
  g_return_if_fail (s >= 0);
  list = g->slot_list[s];
  for (guint k = 0; k < list->len; k++)
    {
      if (g_array_index (list, gint, k) == (gint)e)
        {
          g_array_remove_index_fast (list, k);
          break;
        }
    }
  g->sum_sq -= 2 * (gint64)list->len + 1;
  side_remove (g, g->client[e], g->cteam[e], s);
  side_remove (g, g->server[e], g->steam[e], s);
  if (g->board[e] >= 0 && g->board_user[(gsize)g->board[e] * g->n_slots + s] == (gint)e)
    g->board_user[(gsize)g->board[e] * g->n_slots + s] = -1;
  g->slot[e] = -1;
  g->board[e] = -1;
}

static gint
side_quick (const TfGrid *g, guint impl, guint team, guint s)
{
  gsize ts = (gsize)team * g->n_slots + s;
  guint load = g->team_load[ts];
  guint il;
  if (load == 0)
    return 0;
  if (g->team_active[ts] != (gint)impl)
    return load;
  il = g->impl_load[(gsize)impl * g->n_slots + s];
  return il < g->cap[impl] ? 0 : (gint)(il - g->cap[impl] + 1);
}

/* An estimate of how many sessions must leave @s for @e to fit; -1 when
 * @e can never be there. Fixed sessions are not looked at: see
 * tf_grid_conflicts(). */
gint
tf_grid_quick_conflicts (const TfGrid *g, guint e, guint s)
{
  gint n, cn, sn;
  if (!tf_grid_open (g, e, s))
    return -1;
  cn = side_quick (g, g->client[e], g->cteam[e], s);
  sn = side_quick (g, g->server[e], g->steam[e], s);
  n = cn + sn;
  if (cn == 0 && free_board (g, e, s) < 0)
    n++;
  if ((gint)g->slot_list[s]->len - n >= (gint)g->n_tables)
    n++;
  return n;
}

static void
add_unique (GArray *out, gint f)
{
  for (guint k = 0; k < out->len; k++)
    {
      if (g_array_index (out, gint, k) == f)
        return;
    }
  g_array_append_val (out, f);
}

static void
side_conflicts (const TfGrid *g, guint impl, guint team, guint s, GArray *out, GRand *rand)
{
  GArray *list = g->slot_list[s];
  gint same[64];
  guint n_same = 0;
  for (guint k = 0; k < list->len; k++)
    {
      gint f = g_array_index (list, gint, k);
      gint other;
      if (g->cteam[f] == team)
        other = g->client[f];
      else if (g->steam[f] == team)
        other = g->server[f];
      else
        continue;
      if (other != (gint)impl)
        add_unique (out, f);
      else if (n_same < G_N_ELEMENTS (same))
        same[n_same++] = f;
    }
  /* Too many of our own implementation: evict some, preferring movable ones. */
  while (n_same >= g->cap[impl])
    {
      guint pick = g_rand_int_range (rand, 0, n_same);
      for (guint k = 0; k < n_same; k++)
        {
          if (!g->fixed[same[(pick + k) % n_same]])
            {
              pick = (pick + k) % n_same;
              break;
            }
        }
      add_unique (out, same[pick]);
      same[pick] = same[--n_same];
    }
}

/**
 * tf_grid_conflicts:
 * @out: (out): the sessions to take out of @s so that @e fits there
 *
 * Returns: %FALSE when @e cannot go in @s without moving a fixed session
 * or into a slot where one of its implementations is absent.
 */
gboolean
tf_grid_conflicts (const TfGrid *g, guint e, guint s, GArray *out, GRand *rand)
{
  GArray *list = g->slot_list[s];
  guint c = g->client[e];
  gint board_pick = -1;
  guint in_slot;

  g_array_set_size (out, 0);
  if (!tf_grid_open (g, e, s))
    return FALSE;
  side_conflicts (g, c, g->cteam[e], s, out, rand);
  side_conflicts (g, g->server[e], g->steam[e], s, out, rand);

  /* a board: a free one, one freed above, or evict its user */
  for (guint k = g->board_first[c]; k < g->board_first[c + 1] && board_pick < 0; k++)
    {
      gsize bs = (gsize)g->board_list[k] * g->n_slots + s;
      gint user = g->board_user[bs];
      if (g->board_blocked[bs])
        continue;
      if (user < 0)
        board_pick = g->board_list[k];
      for (guint j = 0; j < out->len && board_pick < 0; j++)
        {
          if (g_array_index (out, gint, j) == user)
            board_pick = g->board_list[k];
        }
    }
  for (guint k = g->board_first[c]; k < g->board_first[c + 1] && board_pick < 0; k++)
    {
      gsize bs = (gsize)g->board_list[k] * g->n_slots + s;
      if (!g->board_blocked[bs] && !g->fixed[g->board_user[bs]])
        {
          board_pick = g->board_list[k];
          add_unique (out, g->board_user[bs]);
        }
    }
  if (board_pick < 0)
    return FALSE;

  /* a table */
  in_slot = list->len - out->len;
  if (in_slot >= g->n_tables)
    {
      guint start = g_rand_int_range (rand, 0, list->len);
      guint before = out->len;
      for (guint k = 0; k < list->len && out->len == before; k++)
        {
          gint f = g_array_index (list, gint, (start + k) % list->len);
          if (!g->fixed[f])
            add_unique (out, f);
        }
      if (out->len == before)
        return FALSE;
    }
  for (guint k = 0; k < out->len; k++)
    {
      if (g->fixed[g_array_index (out, gint, k)])
        return FALSE;
    }
  return TRUE;
}

/* Table numbers per slot: fixed sessions keep theirs, then a session keeps
 * the table it had (re-planning), then a client (and so its board) stays at
 * the table it had last, else the lowest free table. */
void
tf_grid_assign_tables (TfGrid *g)
{
  g_autofree gint *last = g_new (gint, g->n_impls);
  g_autofree guint8 *used = g_new0 (guint8, g->n_tables + 1);
  g_autofree guint8 *done = g_new0 (guint8, g->n_tables + g->n_sessions + 1);
  for (guint i = 0; i < g->n_impls; i++)
    last[i] = -1;
  for (guint s = 0; s < g->n_slots; s++)
    {
      GArray *list = g->slot_list[s];
      memset (used, 0, g->n_tables + 1);
      memset (done, 0, list->len);
      for (guint pass = 0; pass < 4; pass++)
        {
          for (guint k = 0; k < list->len; k++)
            {
              gint e = g_array_index (list, gint, k);
              gint want;
              if (done[k])
                continue;
              if (pass == 0 && !g->fixed[e])
                continue;
              if (pass <= 1)
                want = g->table[e];
              else if (pass == 2)
                want = last[g->client[e]];
              else
                for (want = 1; want < (gint)g->n_tables && used[want]; want++)
                  ; /* the last table when all are used: only a forced overflow */
              if (want < 1 || want > (gint)g->n_tables || (used[want] && pass < 3))
                continue;
              used[want] = TRUE;
              done[k] = TRUE;
              g->table[e] = want;
              last[g->client[e]] = want;
            }
        }
    }
}
