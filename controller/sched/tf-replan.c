/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-error.h"
#include "tf-grid.h"
#include "tf-pairings.h"
#include "tf-replan.h"
#include "tf-search.h"

/* Re-planning after a fault, from the current slot on. Sessions done or
 * running never move, nor does anything before the current slot; an
 * overrunning session holds its table, board and teams for its extra slots.
 * Planned sessions stay where they are unless the fault hits them; those
 * that must go take a free place (one move each), or make room by moving
 * one other session (two moves); only when that fails does a min-conflicts
 * search run over all planned sessions. A planned session whose slot has
 * passed is taken as not run and placed again. */

void
tf_replan_report_free (TfReplanReport *report)
{
  g_ptr_array_unref (report->lines);
  g_free (report);
}

gchar *
tf_replan_report_to_string (const TfReplanReport *report)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out, "%u sessions moved, %u kept their slot on another board\n",
                          report->moved, report->reboarded);
  for (guint k = 0; k < report->lines->len; k++)
    g_string_append_printf (out, "  %s\n", (gchar *)g_ptr_array_index (report->lines, k));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  TfEvent *event;
  const TfSchedule *current;
  const TfReplanRequest *request;
  TfGrid *g;
  guint n_real;   /* sessions [0, n_real) are the schedule's entries */
  gint *origin;   /* per session: the session it extends (overrun) or -1 */
  gchar **reason; /* per real session: why it left its slot, or NULL */
  GRand *rand;
} Replanner;

static gboolean
apply_disruptions (Replanner *rp, GError **error)
{
  TfEvent *event = rp->event;
  guint last = event->slots->len - 1;
  for (guint k = 0; k < rp->request->disruptions->len; k++)
    {
      TfDisruption *d = &g_array_index (rp->request->disruptions, TfDisruption, k);
      guint to = d->to < 0 ? last : MIN ((guint)d->to, last);
      if (d->kind == TF_DISRUPTION_BOARD_FAULT)
        {
          gint b = tf_event_find_board (event, d->what);
          if (b < 0)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "unknown board '%s'",
                           d->what);
              return FALSE;
            }
          tf_grid_block_board (rp->g, b, d->from, to);
        }
      else if (d->kind == TF_DISRUPTION_ABSENT)
        {
          gint t = tf_event_find_team (event, d->what);
          gint i = tf_event_find_impl (event, d->what);
          if (t >= 0)
            {
              const TfTeam *team = tf_event_team (event, t);
              for (guint j = 0; j < team->impls->len; j++)
                tf_grid_block_impl (rp->g, g_array_index (team->impls, guint, j), d->from, to);
            }
          else if (i >= 0)
            tf_grid_block_impl (rp->g, i, d->from, to);
          else
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                           "unknown team or implementation '%s'", d->what);
              return FALSE;
            }
        }
    }
  tf_grid_seal (rp->g);
  return TRUE;
}

static const gchar *
describe_disruption (Replanner *rp, guint e, guint s)
{
  TfGrid *g = rp->g;
  const TfEvent *event = rp->event;
  guint c = g->client[e];
  gboolean board_left = FALSE;
  if (g->blocked[(gsize)c * g->n_slots + s])
    return tf_event_impl (event, c)->id;
  if (g->blocked[(gsize)g->server[e] * g->n_slots + s])
    return tf_event_impl (event, g->server[e])->id;
  for (guint k = g->board_first[c]; k < g->board_first[c + 1]; k++)
    board_left |= !g->board_blocked[(gsize)g->board_list[k] * g->n_slots + s];
  return board_left ? NULL : "board";
}

static void
note_reason (Replanner *rp, guint e, guint s)
{
  const gchar *who = describe_disruption (rp, e, s);
  g_free (rp->reason[e]);
  if (who == NULL)
    rp->reason[e] = g_strdup_printf ("its place in slot %u is taken by an overrunning session", s);
  else if (g_strcmp0 (who, "board") == 0)
    rp->reason[e] = g_strdup_printf ("its board is out in slot %u", s);
  else
    rp->reason[e] = g_strdup_printf ("%s is absent in slot %u", who, s);
}

/* The earliest free place from the current slot on, @avoid excepted. */
static gboolean
place_direct (Replanner *rp, guint e, gint avoid)
{
  TfGrid *g = rp->g;
  for (guint s = g->first; s < g->n_slots; s++)
    {
      gint board;
      if ((gint)s == avoid)
        continue;
      board = tf_grid_fit (g, e, s);
      if (board >= 0)
        {
          tf_grid_place (g, e, s, board);
          return TRUE;
        }
    }
  return FALSE;
}

/* Puts @e where exactly one planned session is in the way and that one
 * finds a free place elsewhere. */
static gboolean
place_with_one_move (Replanner *rp, guint e, GArray *conflicts)
{
  TfGrid *g = rp->g;
  for (guint s = g->first; s < g->n_slots; s++)
    {
      gint f, f_slot, f_board, board;
      if (!tf_grid_open (g, e, s) || !tf_grid_conflicts (g, e, s, conflicts, rp->rand)
          || conflicts->len != 1)
        continue;
      f = g_array_index (conflicts, gint, 0);
      f_slot = g->slot[f];
      f_board = g->board[f];
      tf_grid_remove (g, f);
      board = tf_grid_fit (g, e, s);
      if (board >= 0)
        {
          tf_grid_place (g, e, s, board);
          if (place_direct (rp, f, s))
            {
              const TfScheduleEntry *src = g_ptr_array_index (rp->current->entries, e);
              if ((guint)f < rp->n_real && rp->reason[f] == NULL)
                rp->reason[f] = g_strdup_printf ("made room for %s", src->id);
              return TRUE;
            }
          tf_grid_remove (g, e);
        }
      tf_grid_place (g, f, f_slot, f_board);
    }
  return FALSE;
}

static void
free_reasons (Replanner *rp)
{
  for (guint e = 0; e < rp->n_real; e++)
    g_free (rp->reason[e]);
  g_free (rp->reason);
}

static gboolean
add_phantoms (Replanner *rp, GArray *pairs, GArray *origin, GError **error)
{
  const TfSchedule *current = rp->current;
  for (guint k = 0; k < rp->request->disruptions->len; k++)
    {
      TfDisruption *d = &g_array_index (rp->request->disruptions, TfDisruption, k);
      gint idx = -1;
      TfScheduleEntry *e;
      if (d->kind != TF_DISRUPTION_OVERRUN)
        continue;
      for (guint j = 0; j < current->entries->len && idx < 0; j++)
        {
          if (g_strcmp0 (((TfScheduleEntry *)g_ptr_array_index (current->entries, j))->id, d->what)
              == 0)
            idx = j;
        }
      if (idx < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "unknown session '%s'", d->what);
          return FALSE;
        }
      e = g_ptr_array_index (current->entries, idx);
      if (e->state == TF_ENTRY_PLANNED)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "session %s cannot run over: it has not started", d->what);
          return FALSE;
        }
      for (guint j = 1; j <= d->slots; j++)
        {
          TfPair p = { e->c, e->s };
          g_array_append_val (pairs, p);
          g_array_append_val (origin, idx); /* one phantom session per extra slot */
        }
    }
  return TRUE;
}

static void
place_fixed (Replanner *rp)
{
  TfGrid *g = rp->g;
  g_autofree guint *extra = g_new0 (guint, rp->n_real + 1);
  for (guint e = 0; e < g->n_sessions; e++)
    {
      gint o = rp->origin[e];
      const TfScheduleEntry *src = g_ptr_array_index (rp->current->entries, o < 0 ? e : (guint)o);
      gint slot = src->slot;
      if (o < 0 && src->state == TF_ENTRY_PLANNED)
        continue;
      if (o >= 0)
        slot += ++extra[o];
      g->fixed[e] = TRUE;
      g->table[e] = src->table;
      if (slot >= 0 && (guint)slot < g->n_slots)
        tf_grid_place (g, e, slot, src->b);
    }
}

static gboolean
board_free (const TfGrid *g, gint board, guint e, guint s)
{
  guint c = g->client[e];
  gboolean own = FALSE;
  gsize bs;
  for (guint k = g->board_first[c]; k < g->board_first[c + 1]; k++)
    own |= (gint)g->board_list[k] == board;
  if (!own)
    return FALSE;
  bs = (gsize)board * g->n_slots + s;
  return !g->board_blocked[bs] && g->board_user[bs] < 0;
}

/* Keeps each planned session in its slot when it still fits there. */
static void
keep_planned (Replanner *rp, GArray *to_place, TfReplanReport *report)
{
  TfGrid *g = rp->g;
  for (guint e = 0; e < rp->n_real; e++)
    {
      const TfScheduleEntry *src = g_ptr_array_index (rp->current->entries, e);
      gint board;
      if (g->fixed[e])
        continue;
      if (src->slot < (gint)g->first || (guint)src->slot >= g->n_slots)
        {
          rp->reason[e] = src->slot < 0 ? g_strdup ("new in the event")
                          : src->slot < (gint)g->first
                              ? g_strdup_printf ("its slot %d passed without it running", src->slot)
                              : g_strdup_printf ("slot %d is not in the event", src->slot);
          g_array_append_val (to_place, e);
          continue;
        }
      board = tf_grid_fit (g, e, src->slot);
      if (board < 0)
        {
          note_reason (rp, e, src->slot);
          g_array_append_val (to_place, e);
          continue;
        }
      if (board != src->b && board_free (g, src->b, e, src->slot))
        board = src->b;
      g->table[e] = src->table;
      tf_grid_place (g, e, src->slot, board);
      if (board != src->b)
        {
          report->reboarded++;
          g_ptr_array_add (report->lines,
                           g_strdup_printf ("%s: stays in slot %d, board %s -> %s (%s is out)",
                                            src->id, src->slot,
                                            src->board != NULL ? src->board : "-",
                                            (gchar *)g_ptr_array_index (rp->event->boards, board),
                                            src->board != NULL ? src->board : "its board"));
        }
    }
}

/**
 * tf_scheduler_replan:
 * @report: (out) (optional): what moved and why
 *
 * Returns: (transfer full): the re-planned schedule; the sessions keep their
 * ids and states.
 */
TfSchedule *
tf_scheduler_replan (TfEvent *event, const TfSchedule *current, const TfReplanRequest *request,
                     TfReplanReport **report, GError **error)
{
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (TfPair));
  g_autoptr (GArray) origin = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GArray) to_place = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GArray) unplaced = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autoptr (GRand) rand = g_rand_new_with_seed (0x7e57fe57u);
  g_autoptr (TfGrid) g = NULL;
  g_autoptr (TfReplanReport) rep = g_new0 (TfReplanReport, 1);
  g_autoptr (TfSchedule) out = NULL;
  Replanner rp = { event, current, request, NULL, current->entries->len, NULL, NULL, rand };

  rep->lines = g_ptr_array_new_with_free_func (g_free);
  for (guint e = 0; e < rp.n_real; e++)
    {
      const TfScheduleEntry *src = g_ptr_array_index (current->entries, e);
      TfPair p = { src->c, src->s };
      gint none = -1;
      if (src->c < 0 || src->s < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "session %s: unknown implementation", src->id);
          return NULL;
        }
      g_array_append_val (pairs, p);
      g_array_append_val (origin, none);
    }
  if (!add_phantoms (&rp, pairs, origin, error))
    return NULL;
  g = tf_grid_new (event, (const TfPair *)pairs->data, pairs->len);
  rp.g = g;
  rp.origin = (gint *)origin->data;
  rp.reason = g_new0 (gchar *, rp.n_real + 1);
  if (!apply_disruptions (&rp, error))
    {
      free_reasons (&rp);
      return NULL;
    }
  g->first = MIN (request->now, g->n_slots);
  place_fixed (&rp);
  keep_planned (&rp, to_place, rep);
  for (guint k = 0; k < to_place->len; k++)
    {
      gint e = g_array_index (to_place, gint, k);
      if (!place_direct (&rp, e, -1) && !place_with_one_move (&rp, e, conflicts))
        g_array_append_val (unplaced, e);
    }
  if (unplaced->len > 0
      && !tf_grid_search (g, unplaced, 200 * (guint64)g->n_sessions + 20000, rand))
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint k = 0; k < unplaced->len; k++)
        {
          const TfScheduleEntry *src
              = g_ptr_array_index (current->entries, g_array_index (unplaced, gint, k));
          g_string_append_printf (names, "%s%s", k > 0 ? ", " : "", src->id);
        }
      g_set_error (error, TF_ERROR, TF_ERROR_INFEASIBLE,
                   "infeasible: no place left from slot %u on for %s", g->first, names->str);
      free_reasons (&rp);
      return NULL;
    }
  tf_grid_assign_tables (g);

  out = tf_schedule_copy (current);
  g_free (out->method);
  out->method = g_strdup ("re-plan");
  for (guint e = 0; e < rp.n_real; e++)
    {
      TfScheduleEntry *dst = g_ptr_array_index (out->entries, e);
      const TfScheduleEntry *src = g_ptr_array_index (current->entries, e);
      if (g->fixed[e])
        continue;
      dst->slot = g->slot[e];
      dst->table = g->table[e];
      dst->b = g->board[e];
      g_free (dst->board);
      dst->board = g_strdup (g_ptr_array_index (event->boards, g->board[e]));
      g_clear_pointer (&dst->start, g_free);
      g_clear_pointer (&dst->end, g_free);
      if (src->slot < 0)
        g_ptr_array_add (rep->lines,
                         g_strdup_printf ("%s: placed in slot %d (%s)", src->id, dst->slot,
                                          rp.reason[e] ? rp.reason[e] : "new"));
      else if (dst->slot != src->slot)
        {
          rep->moved++;
          g_ptr_array_add (rep->lines,
                           g_strdup_printf ("%s: slot %d -> %d (%s)", src->id, src->slot, dst->slot,
                                            rp.reason[e] != NULL
                                                ? rp.reason[e]
                                                : "moved by the search to make room"));
        }
    }
  free_reasons (&rp);
  tf_schedule_sort (out);
  if (report != NULL)
    *report = g_steal_pointer (&rep);
  return g_steal_pointer (&out);
}
