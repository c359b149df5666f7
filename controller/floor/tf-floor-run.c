/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-command.h"
#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-provision.h"
#include "tf-session-json.h"
#include "tf-time.h"

#include <string.h>

/* A session leaves the floor: ended (Out of Time for what was never run),
 * aborted, re-planned after a failed preparation; a restart resumes the
 * sessions; board faults re-plan the sessions ahead. */

/* --- ending --------------------------------------------------------------------- */

void
tf_floor_publish_after (TfFloor *f, TfSession *s)
{
  tf_floor_publish_session (f, s);
  tf_floor_publish_schedule (f);
}

/* Leave preparing/running: in one transaction the phase, the lease and
 * (when the slot ended) Out of Time for the cases never run. */
static gboolean
leave_live (TfFloor *f, TfSession *s, TfPhase to, const char *reason, GError **error)
{
  if (!tf_store_begin (f->store, error))
    return FALSE;
  if ((to == TF_PHASE_REPORTING && !tf_sdb_out_of_time (f->store, s->id, g_get_real_time (), error))
      || !tf_floor_set_phase (f, s, to, reason, error)
      || (s->board != NULL && !tf_sdb_lease_delete (f->store, s->board, error))
      || !tf_store_commit (f->store, error))
    {
      tf_store_rollback (f->store);
      return FALSE;
    }
  tf_floor_free_board (f, s);
  g_hash_table_remove (f->live, s->id);
  tf_floor_publish_after (f, s);
  return TRUE;
}

gboolean
tf_floor_end_session (TfFloor *f, const char *id, const char *reason, GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running", id,
                   tf_phase_to_string (s->phase));
      return FALSE;
    }
  return leave_live (f, s, TF_PHASE_REPORTING, reason, error);
}

/* Out for the rest of the event (quarantined, unplugged), not only now. A
 * farm host's board whose host is lost is out now only: hosts come back. */
static gboolean
out_for_good (TfFloor *f, TfBoard *board)
{
  TfBoardState st = tf_board_get_state (board);
  if (tf_lab_board_is_remote (f->lab, tf_board_get_id (board)) && st == TF_BOARD_STATE_UNPLUGGED)
    return FALSE;
  return st == TF_BOARD_STATE_QUARANTINED || st == TF_BOARD_STATE_UNPLUGGED;
}

void
tf_floor_replan_after_failure (TfFloor *f, TfSession *s, gboolean board_out)
{
  g_autoptr (TfReplanRequest) req = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autoptr (GError) error = NULL;
  guint now = s->slot >= 0 ? (guint)s->slot : tf_floor_now (f);
  TfBoard *board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;

  /* the aborted attempt is history; the pairing is placed again */
  if (!tf_store_begin (f->store, &error)
      || !tf_floor_set_phase (f, s, TF_PHASE_SCHEDULED, "placed again by the re-plan", &error)
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      g_warning ("session %s: not re-planned: %s", s->id, error->message);
      return;
    }
  s->replanned = TRUE;
  req = tf_replan_request_new (MAX (now, tf_floor_now (f)));
  if (board_out && board != NULL)
    {
      gboolean long_out = out_for_good (f, board);
      tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, s->board, req->now,
                             long_out ? -1 : (gint)req->now, 0);
      g_hash_table_add (f->faulted, g_strdup (s->board));
    }
  report = tf_floor_replan (f, req, &error);
  if (report == NULL)
    g_warning ("session %s: re-plan failed: %s", s->id, error->message);
  tf_sdb_put_session (f->store, s, NULL);
  tf_floor_publish_session (f, s);
}

gboolean
tf_floor_abort_session (TfFloor *f, const char *id, const char *reason, gboolean replan,
                        GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  gboolean was_live;
  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  was_live = s->phase == TF_PHASE_PREPARING || s->phase == TF_PHASE_RUNNING;
  if (was_live)
    {
      if (!leave_live (f, s, TF_PHASE_ABORTED, reason, error))
        return FALSE;
    }
  else
    {
      if (!tf_store_begin (f->store, error)
          || !tf_floor_set_phase (f, s, TF_PHASE_ABORTED, reason, error)
          || !tf_store_commit (f->store, error))
        {
          tf_store_rollback (f->store);
          return FALSE;
        }
      tf_floor_publish_after (f, s);
    }
  if (replan)
    tf_floor_replan_after_failure (f, s, TRUE);
  return TRUE;
}

/* Preparation failed: an infrastructure error, never a Fail; re-plan it. */
void
tf_floor_prepare_failed (Live *l, const char *step, const GError *error)
{
  TfFloor *f = l->floor;
  g_autofree char *id = g_strdup (l->id);
  g_autofree char *reason = g_strdup_printf ("infrastructure error: %s: %s", step, error->message);
  g_autoptr (GError) local = NULL;
  TfSession *s = tf_floor_session (f, id);
  gboolean board_out
      = s != NULL && s->board != NULL && tf_lab_get_board (f->lab, s->board) != NULL
        && tf_board_get_state (tf_lab_get_board (f->lab, s->board)) >= TF_BOARD_STATE_FAULTED;
  gboolean ran = l->resuming;
  g_warning ("session %s: %s", id, reason);
  if (!tf_floor_abort_session (f, id, reason, FALSE, &local))
    {
      g_warning ("session %s: %s", id, local->message);
      return;
    }
  if (ran) /* a session that ran is never placed again */
    return;
  tf_floor_replan_after_failure (f, tf_floor_session (f, id),
                                 board_out || g_str_has_prefix (step, "power"));
}

/* --- slot end -------------------------------------------------------------------- */

static gboolean
on_slot_end (gpointer user_data)
{
  Live *l = user_data;
  g_autoptr (GError) error = NULL;
  l->slot_timer = 0;
  if (!tf_floor_end_session (l->floor, l->id, "the slot ended", &error))
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

void
tf_floor_arm_slot_end (Live *l, TfSession *s)
{
  g_autoptr (GDateTime) end = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan left;
  if (s->slot < 0)
    return;
  end = tf_event_slot_end (l->floor->event, s->slot);
  left = g_date_time_difference (end, now);
  /* only while the event is on: a session started outside its slot ends by hand */
  if (left > 0 && left < 12 * G_TIME_SPAN_HOUR)
    l->slot_timer = g_timeout_add_seconds (left / G_USEC_PER_SEC + 1, on_slot_end, l);
}

/* --- restart ----------------------------------------------------------------------- */

static gboolean
resume_idle (gpointer user_data)
{
  TfFloor *f = user_data;
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  for (guint i = 0; i < all->len; i++)
    {
      TfSession *s = g_ptr_array_index (all, i);
      Live *l;
      if (s->phase == TF_PHASE_PREPARING)
        {
          /* preparation is idempotent: do it again from the power cycle */
          g_message ("session %s: preparation interrupted by a restart; preparing again", s->id);
          tf_floor_prepare (tf_floor_live_new (f, s));
        }
      else if (s->phase == TF_PHASE_RUNNING)
        {
          TfBoard *board = tf_lab_get_board (f->lab, s->board);
          g_message ("session %s: resumed after a restart", s->id);
          l = tf_floor_live_new (f, s);
          tf_floor_arm_slot_end (l, s);
          if (board != NULL && tf_board_get_state (board) == TF_BOARD_STATE_READY)
            {
              l->resuming = TRUE;
              tf_floor_prepare_provision (l);
            }
          else
            l->waiting_ready = TRUE;
        }
    }
  return G_SOURCE_REMOVE;
}

void
tf_floor_resume (TfFloor *f)
{
  f->lease_timer = g_timeout_add_seconds (TF_LEASE_REFRESH_S, tf_floor_refresh_leases, f);
  g_idle_add (resume_idle, f);
}

/* --- host loss under a running session ------------------------------------------------ */

/* A running session whose board's host is lost keeps it for [farm]
 * host-loss-grace-s (a blip changes nothing); then, the host still lost, it
 * is ended as an infrastructure error and re-planned as staff's abort with
 * re-plan does: its verdicts kept, its lease revoked here (the host's record
 * is released when it returns), the old session never resumed. */
static gboolean
on_grace_end (gpointer user_data)
{
  Live *l = user_data;
  TfFloor *f = l->floor;
  g_autofree char *id = g_strdup (l->id);
  TfSession *s = tf_floor_session (f, id);
  TfBoard *board = s != NULL && s->board != NULL ? tf_lab_get_board (f->lab, s->board) : NULL;
  g_autofree char *reason = NULL;
  g_autoptr (GError) error = NULL;

  l->grace_timer = 0;
  if (s != NULL)
    s->replan_at = 0;
  if (board == NULL || tf_board_get_state (board) != TF_BOARD_STATE_UNPLUGGED)
    return G_SOURCE_REMOVE;
  reason
      = g_strdup_printf ("infrastructure error: %s",
                         tf_board_get_cause (board) ? tf_board_get_cause (board) : "its host lost");
  g_warning ("session %s: %s for over %" G_GUINT64_FORMAT " s: ended and re-planned", id, reason,
             tf_lab_get_config (f->lab)->host_loss_grace_s);
  /* frees @l */
  if (!tf_floor_abort_session (f, id, reason, TRUE, &error))
    g_warning ("session %s: %s", id, error->message);
  return G_SOURCE_REMOVE;
}

/* @board changed under @l's session: arm or disarm its grace. */
static void
host_loss_check (TfFloor *f, Live *l, TfBoard *board)
{
  TfSession *s = tf_floor_session (f, l->id);
  guint64 grace = tf_lab_get_config (f->lab)->host_loss_grace_s;
  gboolean lost = tf_lab_board_is_remote (f->lab, tf_board_get_id (board))
                  && tf_board_get_state (board) == TF_BOARD_STATE_UNPLUGGED;

  if (!lost || s == NULL || s->phase != TF_PHASE_RUNNING)
    {
      if (l->grace_timer != 0)
        g_message ("session %s: board %s is back within the grace; the session goes on", l->id,
                   tf_board_get_id (board));
      g_clear_handle_id (&l->grace_timer, g_source_remove);
      if (s != NULL && s->replan_at != 0)
        {
          s->replan_at = 0;
          tf_floor_publish_session (f, s);
        }
      return;
    }
  if (l->grace_timer != 0)
    return;
  g_message ("session %s: board %s lost (%s); re-planned in %" G_GUINT64_FORMAT
             " s unless it returns",
             l->id, tf_board_get_id (board),
             tf_board_get_cause (board) ? tf_board_get_cause (board) : "?", grace);
  /* from an idle, not from inside the board's signal, even with no grace */
  /* g_timeout_add_seconds() may fire up to a second early: the grace is a promise */
  l->grace_timer = grace == 0 ? g_idle_add (on_grace_end, l)
                              : g_timeout_add ((guint)grace * 1000, on_grace_end, l);
  /* the floor's topic shows it: "host lost, re-planned at ... unless it returns" */
  s->replan_at = g_get_real_time () + (gint64)grace * G_USEC_PER_SEC;
  tf_floor_publish_session (f, s);
}

/* --- board faults ------------------------------------------------------------------- */

void
tf_floor_on_board_changed (TfBoard *board, TfFloor *f)
{
  const char *id = tf_board_get_id (board);
  TfBoardState st = tf_board_get_state (board);
  gboolean out = st == TF_BOARD_STATE_FAULTED || st == TF_BOARD_STATE_QUARANTINED
                 || st == TF_BOARD_STATE_UNPLUGGED;
  GHashTableIter it;
  TfSession *s;
  Live *l;
  gboolean future = FALSE;

  /* a running session resumed after a restart takes its board back when up;
   * a preparation whose board went with its power goes on when it is back */
  g_hash_table_iter_init (&it, f->live);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    {
      if (g_strcmp0 (tf_floor_session (f, l->id)->board, id) != 0)
        continue;
      host_loss_check (f, l, board);
      if (l->waiting_regress && st == TF_BOARD_STATE_READY && tf_board_get_session (board) == NULL)
        {
          l->waiting_regress = FALSE;
          tf_floor_prepare (l);
          return;
        }
      if (l->waiting_regress && out)
        {
          /* the board came back broken (a flash that failed): as a failed preparation */
          g_autoptr (GError) error
              = g_error_new (TF_ERROR, TF_ERROR_INFRASTRUCTURE, "board %s is %s", id,
                             tf_board_state_to_string (st));
          l->waiting_regress = FALSE;
          tf_floor_prepare_failed (l, "waiting for the board", error);
          return;
        }
      if (l->waiting_ready && st == TF_BOARD_STATE_READY)
        {
          l->waiting_ready = FALSE;
          l->resuming = TRUE;
          tf_floor_prepare_provision (l); /* takes the board */
          return;
        }
      if (l->waiting_boot
          && (st == TF_BOARD_STATE_READY || st == TF_BOARD_STATE_FAULTED
              || st == TF_BOARD_STATE_QUARANTINED))
        {
          l->waiting_boot = FALSE;
          g_clear_handle_id (&l->wait_timer, g_source_remove);
          if (st == TF_BOARD_STATE_READY)
            tf_floor_prepare_flash (l);
          else
            {
              g_autoptr (GError) error = g_error_new (
                  TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s",
                  tf_board_get_error (board) ? tf_board_get_error (board) : "board faulted");
              tf_floor_prepare_failed (l, "power cycle", error);
            }
          return;
        }
    }
  if (!out)
    {
      g_hash_table_remove (f->faulted, id);
      return;
    }
  if (g_hash_table_contains (f->faulted, id) || tf_floor_lease_holder (f, id) != NULL)
    return;
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&s))
    if (s->phase == TF_PHASE_SCHEDULED && g_strcmp0 (s->board, id) == 0)
      future = TRUE;
  g_hash_table_add (f->faulted, g_strdup (id));
  if (future)
    {
      g_autoptr (TfReplanRequest) req = tf_replan_request_new (tf_floor_now (f));
      g_autoptr (TfReplanReport) report = NULL;
      g_autoptr (GError) error = NULL;
      tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, id, req->now,
                             out_for_good (f, board) ? -1 : (gint)req->now, 0);
      g_message ("board %s is %s with sessions ahead: re-planning", id,
                 tf_board_state_to_string (st));
      report = tf_floor_replan (f, req, &error);
      if (report == NULL)
        g_warning ("board %s: re-plan failed: %s", id, error->message);
    }
}
