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

/* Board leases: an owner (the session), an expiry refreshed while it lives,
 * released at its end; staff may force-release; stored, so they survive a restart. */

/* --- leases --------------------------------------------------------------------- */

TfLeaseAction
tf_lease_action (const TfLease *l, const TfSession *owner, gint64 now)
{
  g_return_val_if_fail (l != NULL, TF_LEASE_KEEP);
  /* a live session keeps its board: the expiry moves on */
  if (owner != NULL && (owner->phase == TF_PHASE_PREPARING || owner->phase == TF_PHASE_RUNNING))
    return TF_LEASE_RENEW;
  /* anything else holds it only until it expires (a restart in between keeps it) */
  return l->expires < now ? TF_LEASE_DROP : TF_LEASE_KEEP;
}

gboolean
tf_floor_refresh_leases (gpointer user_data)
{
  TfFloor *f = user_data;
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, NULL);
  gint64 now = g_get_real_time ();
  for (guint i = 0; leases != NULL && i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      switch (tf_lease_action (l, tf_floor_session (f, l->owner), now))
        {
        case TF_LEASE_RENEW:
          tf_sdb_lease_put (f->store, l->board, l->owner, l->acquired, now + TF_LEASE_TTL_US, NULL);
          break;
        case TF_LEASE_DROP:
          tf_sdb_lease_delete (f->store, l->board, NULL);
          break;
        case TF_LEASE_KEEP:
          break;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* The live session holding @board's lease, if any. */
TfSession *
tf_floor_lease_holder (TfFloor *f, const char *board)
{
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, NULL);
  for (guint i = 0; leases != NULL && i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      TfSession *s;
      if (g_strcmp0 (l->board, board) != 0)
        continue;
      s = tf_floor_session (f, l->owner);
      if (s != NULL && (s->phase == TF_PHASE_PREPARING || s->phase == TF_PHASE_RUNNING))
        return s;
      if (l->expires > g_get_real_time () && s == NULL)
        return NULL;
    }
  return NULL;
}

/* Give the board back: out of the session, ready for the next one. */
void
tf_floor_free_board (TfFloor *f, TfSession *s)
{
  TfBoard *board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;
  if (board == NULL || g_strcmp0 (tf_board_get_session (board), s->id) != 0)
    return;
  tf_board_set_session (board, NULL);
  if (tf_board_get_state (board) == TF_BOARD_STATE_IN_SESSION)
    tf_board_set_state (board, TF_BOARD_STATE_READY, "session ended", NULL, NULL);
}

void
tf_floor_take_board (TfFloor *f, TfSession *s)
{
  TfBoard *board = tf_lab_get_board (f->lab, s->board);
  g_autofree char *cause = g_strdup_printf ("session %s", s->id);
  if (board == NULL)
    return;
  tf_board_set_session (board, s->id);
  if (tf_board_get_state (board) == TF_BOARD_STATE_READY)
    tf_board_set_state (board, TF_BOARD_STATE_IN_SESSION, cause, NULL, NULL);
}

gboolean
tf_floor_release_lease (TfFloor *f, const char *board, GError **error)
{
  TfSession *holder = tf_floor_lease_holder (f, board);
  if (holder != NULL)
    return tf_floor_abort_session (f, holder->id, "board lease force-released by staff", FALSE,
                                   error);
  return tf_sdb_lease_delete (f->store, board, error);
}
