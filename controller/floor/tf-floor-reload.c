/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"

#include <string.h>

/* The floor after a lab reload (SIGHUP): staff edit the event file during a
 * TestFest (a late team, a new spare board, an implementation that left) and
 * the lab file (boards added or removed). What ran stays where it ran;
 * planned sessions stay where they still fit; the rest is placed again from
 * the current slot, as after a board fault. */

static gboolean
is_paired (const TfPairings *p, gint c, gint s)
{
  for (guint i = 0; i < p->pairs->len; i++)
    {
      const TfPair *pair = &g_array_index (p->pairs, TfPair, i);
      if ((gint)pair->client == c && (gint)pair->server == s)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_scheduled (const TfSchedule *sched, guint c, guint s)
{
  for (guint i = 0; i < sched->entries->len; i++)
    {
      const TfScheduleEntry *e = g_ptr_array_index (sched->entries, i);
      if (e->c == (gint)c && e->s == (gint)s)
        return TRUE;
    }
  return FALSE;
}

/* Boards out of play from the current slot: gone from the lab, or down. */
static void
add_board_disruptions (TfFloor *f, TfEvent *event, TfReplanRequest *req)
{
  for (guint b = 0; b < event->boards->len; b++)
    {
      const char *id = g_ptr_array_index (event->boards, b);
      TfBoard *board = tf_lab_get_board (f->lab, id);
      TfBoardState st = board != NULL ? tf_board_get_state (board) : TF_BOARD_STATE_UNPLUGGED;
      if (board == NULL || st == TF_BOARD_STATE_QUARANTINED || st == TF_BOARD_STATE_UNPLUGGED)
        tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, id, req->now, -1, 0);
      else if (st == TF_BOARD_STATE_FAULTED)
        tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, id, req->now, req->now, 0);
    }
}

/**
 * tf_floor_carry_over:
 * @next: the edited event
 * @old_json: the schedule made for the previous event file
 *
 * Sessions that started keep their slot, table and board (their
 * implementations must still be in @next); planned ones whose pairing @next
 * no longer makes are dropped; pairings new in @next are added; then a
 * re-plan from the current slot places what no longer fits.
 */
TfSchedule *
tf_floor_carry_over (TfFloor *f, TfEvent *next, const char *old_json, TfReplanReport **report,
                     GError **error)
{
  g_autoptr (TfPairings) pairings = tf_pairings_compute (next, error);
  g_autoptr (TfSchedule) carried = NULL;
  g_autoptr (TfReplanRequest) req = NULL;
  g_autoptr (GError) local = NULL;
  TfSchedule *out;

  if (pairings == NULL)
    return NULL;
  carried = tf_schedule_from_json (next, old_json, -1, error);
  if (carried == NULL)
    return NULL;
  for (guint i = carried->entries->len; i-- > 0;)
    {
      TfScheduleEntry *e = g_ptr_array_index (carried->entries, i);
      TfSession *s = tf_floor_session (f, e->id);
      if (s != NULL)
        e->state = tf_floor_entry_state (s); /* the store knows better than the old schedule */
      if (e->state != TF_ENTRY_PLANNED)
        {
          if (e->c < 0 || e->s < 0)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                           "implementation '%s' is gone from the event, but session %s has "
                           "started (for a team that left, re-plan it as absent)",
                           e->c < 0 ? e->client : e->server, e->id);
              return NULL;
            }
          continue;
        }
      if (e->c < 0 || e->s < 0 || !is_paired (pairings, e->c, e->s))
        {
          g_message ("session %s: the event no longer pairs them; dropped", e->id);
          g_ptr_array_remove_index (carried->entries, i);
        }
    }
  for (guint i = 0; i < pairings->pairs->len; i++)
    {
      const TfPair *p = &g_array_index (pairings->pairs, TfPair, i);
      if (!is_scheduled (carried, p->client, p->server))
        {
          TfScheduleEntry *e = tf_schedule_add (carried, p->client, p->server, -1, 0, -1);
          g_message ("session %s: new in the event", e->id);
        }
    }
  req = tf_replan_request_new (tf_floor_now_in (f, next));
  add_board_disruptions (f, next, req);
  out = tf_scheduler_replan (next, carried, req, report, &local);
  if (out == NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "re-planning the event: ");
  return out;
}

static void
on_board_added (TfLab *lab, TfBoard *board, TfFloor *f)
{
  g_signal_connect (board, "changed", G_CALLBACK (tf_floor_on_board_changed), f);
}

static void
on_board_removed (TfLab *lab, const char *id, TfFloor *f)
{
  TfBoard *board = tf_lab_get_board (lab, id);
  if (board != NULL)
    g_signal_handlers_disconnect_by_data (board, f);
}

/* Every board of the lab reports to the floor: those there at start now,
 * those a reload adds through the lab's "board-added". */
void
tf_floor_watch_boards (TfFloor *f)
{
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (f->lab);
  for (guint i = 0; i < boards->len; i++)
    on_board_added (f->lab, g_ptr_array_index (boards, i), f);
  g_signal_connect (f->lab, "board-added", G_CALLBACK (on_board_added), f);
  g_signal_connect (f->lab, "board-removed", G_CALLBACK (on_board_removed), f);
}

void
tf_floor_unwatch_boards (TfFloor *f)
{
  g_autoptr (GPtrArray) boards = NULL;
  if (f->lab == NULL)
    return;
  boards = tf_lab_get_boards (f->lab);
  for (guint i = 0; i < boards->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (boards, i), f);
}

/* The event file did not change: boards the reload removed are out for the
 * rest of the event; boards it brought back are usable again. */
static gboolean
replan_for_boards (TfFloor *f, GError **error)
{
  g_autoptr (TfReplanRequest) req = tf_replan_request_new (tf_floor_now (f));
  g_autoptr (TfReplanReport) report = NULL;
  gboolean needed = FALSE;

  for (guint b = 0; b < f->event->boards->len; b++)
    {
      const char *id = g_ptr_array_index (f->event->boards, b);
      if (tf_lab_get_board (f->lab, id) != NULL)
        continue;
      if (!g_hash_table_contains (f->faulted, id))
        {
          for (guint i = 0; i < f->schedule->entries->len && !needed; i++)
            {
              TfScheduleEntry *e = g_ptr_array_index (f->schedule->entries, i);
              TfSession *s = tf_floor_session (f, e->id);
              needed
                  = g_strcmp0 (e->board, id) == 0 && (s == NULL || s->phase == TF_PHASE_SCHEDULED);
            }
          g_hash_table_add (f->faulted, g_strdup (id));
          g_message ("board %s: removed from the lab by a reload", id);
        }
      tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, id, req->now, -1, 0);
    }
  /* a board the reload brought back: its new object reports when it is out */
  {
    GHashTableIter it;
    const char *id;
    g_hash_table_iter_init (&it, f->faulted);
    while (g_hash_table_iter_next (&it, (gpointer *)&id, NULL))
      {
        TfBoard *board = tf_lab_get_board (f->lab, id);
        if (board != NULL && tf_board_get_state (board) < TF_BOARD_STATE_FAULTED)
          {
            g_message ("board %s: back in the lab", id);
            g_hash_table_iter_remove (&it);
          }
      }
  }
  if (!needed)
    return TRUE;
  g_message ("boards removed with sessions ahead: re-planning");
  report = tf_floor_replan (f, req, error);
  return report != NULL;
}

static gboolean
reload_event (TfFloor *f, const char *path, GError **error)
{
  g_autofree char *json = NULL;
  g_autoptr (TfEvent) next = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  TfSchedule *schedule;
  const char *sha;

  /* one read: the sha256 compared and stored is of the bytes parsed */
  next = tf_event_load_file (path, error);
  if (next == NULL)
    return FALSE;
  sha = next->sha256;
  if (g_strcmp0 (sha, f->event_sha) == 0)
    return replan_for_boards (f, error);
  if (!tf_floor_check_boards (f, next, error))
    return FALSE;
  tf_floor_sync_entry_states (f);
  json = tf_schedule_to_json (f->schedule);
  schedule = tf_floor_carry_over (f, next, json, &report, error);
  if (schedule == NULL || !tf_floor_take_schedule (f, schedule, next, sha, error))
    return FALSE;
  g_message ("event %s re-read from %s (sha256 %s): %u sessions, %u moved, %u on another board",
             next->name, path, sha, schedule->entries->len, report->moved, report->reboarded);
  for (guint i = 0; i < report->lines->len; i++)
    g_message ("  %s", (const char *)g_ptr_array_index (report->lines, i));
  return TRUE;
}

gboolean
tf_floor_reload (TfFloor *f, GError **error)
{
  const char *path = tf_lab_get_config (f->lab)->event;

  if (path == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "%s: [lab] event: the event's sessions and leases stay until a restart",
                   tf_lab_get_config (f->lab)->path);
      return FALSE;
    }
  return reload_event (f, path, error);
}
