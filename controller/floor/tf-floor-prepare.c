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

/* Preparing a session: power cycle the client's board, flash the image when
 * the board runs another, provision it over the console, then running. */

/* --- preparing ------------------------------------------------------------------- */

static gboolean
on_wait_timeout (gpointer user_data);
static gboolean
kick_power (gpointer user_data);

static void
running (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  TfBoard *board = s->board != NULL ? tf_lab_get_board (f->lab, s->board) : NULL;
  g_autoptr (GError) error = NULL;
  /* the report names what the client ran: as the board said at boot, by sha256 */
  if (board != NULL)
    {
      g_free (s->fw_name);
      g_free (s->fw_version);
      g_free (s->fw_sha256);
      s->fw_name = g_strdup (tf_board_get_firmware_name (board));
      s->fw_version = g_strdup (tf_board_get_firmware_version (board));
      s->fw_sha256 = g_strdup (tf_board_get_firmware_sha256 (board));
    }
  if (!tf_store_begin (f->store, &error)
      || !tf_floor_set_phase (f, s, TF_PHASE_RUNNING, "board ready and provisioned", &error)
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      tf_floor_prepare_failed (l, "store", error);
      return;
    }
  tf_floor_arm_slot_end (l, s);
  tf_floor_publish_after (f, s);
}

static void
on_provisioned (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_provision_run_finish (res, &error);
  Live *l = tf_floor_ticket_live (t);
  if (l == NULL)
    return;
  if (l->resuming)
    {
      /* the restart power cycled the board: it is provisioned again, and a
       * session that ran is never re-planned */
      g_autoptr (GError) local = NULL;
      g_autofree char *reason = NULL;
      l->resuming = FALSE;
      if (ok)
        {
          g_message ("session %s: provisioned again after the restart", t->id);
          return;
        }
      reason = g_strdup_printf ("infrastructure error: provisioning again after a restart: %s",
                                error->message);
      if (!tf_floor_abort_session (t->floor, t->id, reason, FALSE, &local))
        g_warning ("session %s: %s", t->id, local->message);
      return;
    }
  if (!ok)
    tf_floor_prepare_failed (l, "provisioning", error);
  else
    running (l);
}

/* The lab's PSK of @client in hex (provisioning scripts, the runner), or NULL. */
char *
tf_floor_psk_hex (const TfImpl *client)
{
  gsize n = 0;
  const guint8 *k;
  GString *hex;
  if (client == NULL || client->psk_key == NULL)
    return NULL;
  k = g_bytes_get_data (client->psk_key, &n);
  hex = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (hex, "%02x", k[i]);
  return g_string_free (hex, FALSE);
}

/* The client's provisioning script aimed at @server_uri: its own or the default, or for an
 * ETS set-up (@setup "bootstrap", "queue", "psk": the lab's runner needs more than a server
 * URI) the event's script for it, TF_ERROR_NOT_SUPPORTED when the event names none. */
TfProvisionScript *
tf_floor_provision_script (TfFloor *f, TfSession *s, const char *server_uri, const char *setup,
                           GError **error)
{
  const TfImpl *client = tf_floor_impl (f, s->client);
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL, *key = NULL;
  const char *path = client != NULL ? client->provision : NULL;

  if (setup != NULL && *setup != '\0')
    {
      path = client == NULL                     ? NULL
             : g_str_equal (setup, "bootstrap") ? client->provision_bootstrap
             : g_str_equal (setup, "queue")     ? client->provision_queue
             : g_str_equal (setup, "psk")       ? client->provision_psk
                                                : NULL;
      if (path == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                       "the event names no provision-%s script for %s", setup, s->client);
          return NULL;
        }
    }
  key = tf_floor_psk_hex (client);
  g_hash_table_insert (vars, "server_uri", (gpointer)server_uri);
  /* a bootstrap set-up: the URI is the bootstrap server's */
  g_hash_table_insert (vars, "bootstrap_uri",
                       (gpointer)(g_strcmp0 (setup, "bootstrap") == 0 ? server_uri : ""));
  g_hash_table_insert (vars, "psk_id", client && client->psk_identity ? client->psk_identity : "");
  g_hash_table_insert (vars, "psk_key", key != NULL ? key : "");
  g_hash_table_insert (vars, "queue_window", TF_ETS_QUEUE_WINDOW);
  g_hash_table_insert (vars, "endpoint", client && client->endpoint ? client->endpoint : s->client);
  g_hash_table_insert (vars, "session", s->id);
  g_hash_table_insert (vars, "board", s->board);
  g_hash_table_insert (vars, "client", s->client);
  g_hash_table_insert (vars, "server", s->server);
  if (path != NULL && !g_file_get_contents (path, &text, NULL, error))
    return NULL;
  return tf_provision_script_parse (text ? text : tf_provision_default_script,
                                    path != NULL ? path : "default provisioning", vars, error);
}

void
tf_floor_prepare_provision (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  const TfImpl *server = tf_floor_impl (f, s->server);
  g_autoptr (GError) error = NULL;
  TfProvisionScript *script;

  tf_floor_take_board (f, s);
  tf_floor_live_attach_console (l);
  if (l->console == NULL)
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_NOT_FOUND, "board %s has no console", s->board);
      tf_floor_prepare_failed (l, "provisioning", error);
      return;
    }
  script = tf_floor_provision_script (f, s, server && server->server_uri ? server->server_uri : "",
                                      NULL, &error);
  if (script == NULL)
    {
      tf_floor_prepare_failed (l, "provisioning", error);
      return;
    }
  tf_provision_run_async (l->console, script, l->cancel, on_provisioned, tf_floor_ticket_new (l));
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_flash_finish (TF_LAB (source), res, &error);
  Live *l = tf_floor_ticket_live (t);
  if (l == NULL)
    return;
  if (!ok)
    tf_floor_prepare_failed (l, "flashing", error);
  else
    tf_floor_prepare_provision (l);
}

void
tf_floor_prepare_flash (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  const TfImpl *client = tf_floor_impl (f, s->client);
  TfBoard *board = tf_lab_get_board (f->lab, s->board);
  TfImage *image;

  if (client == NULL || client->image == NULL)
    {
      tf_floor_prepare_provision (l);
      return;
    }
  image = tf_image_registry_get (tf_lab_get_images (f->lab), client->image);
  if (image != NULL && board != NULL
      && g_strcmp0 (tf_board_get_firmware_sha256 (board), image->sha256) == 0)
    {
      g_info ("session %s: board %s runs %s already", s->id, s->board, image->id);
      tf_floor_prepare_provision (l);
      return;
    }
  tf_lab_flash_async (f->lab, s->board, client->image, l->cancel, on_flashed,
                      tf_floor_ticket_new (l));
}

static void
on_power_cycled (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_power_finish (TF_LAB (source), res, &error);
  Live *l = tf_floor_ticket_live (t);
  TfBoard *board;

  if (l == NULL)
    return;
  board = tf_lab_get_board (t->floor->lab, tf_floor_session (t->floor, t->id)->board);
  /* a board without a power switch is prepared as it is, if it is up */
  if (!ok && g_error_matches (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED) && board != NULL
      && tf_board_get_state (board) == TF_BOARD_STATE_READY)
    ok = TRUE;
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* A console adapter powered by the board goes with its power and the
       * lab brings the board up when it is back; if the daemon is stopping
       * instead, the store still says preparing and a restart prepares again. */
      g_info ("session %s: power cycle interrupted (%s); waiting for the board", t->id,
              error->message);
      l->waiting_boot = TRUE;
      l->wait_timer = g_timeout_add_seconds (60, on_wait_timeout, l);
      g_timeout_add_full (G_PRIORITY_DEFAULT, 500, kick_power, tf_floor_ticket_new (l),
                          (GDestroyNotify)tf_floor_ticket_free);
      return;
    }
  if (!ok)
    tf_floor_prepare_failed (l, "power cycle", error);
  else
    tf_floor_prepare_flash (l);
}

static void
on_kicked (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_power_finish (TF_LAB (source), res, &error);
  Live *l = tf_floor_ticket_live (t);
  if (l == NULL || !l->waiting_boot)
    return;
  if (ok)
    {
      l->waiting_boot = FALSE;
      g_clear_handle_id (&l->wait_timer, g_source_remove);
      tf_floor_prepare_flash (l);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      l->waiting_boot = FALSE;
      g_clear_handle_id (&l->wait_timer, g_source_remove);
      tf_floor_prepare_failed (l, "power on", error);
    }
}

/* The board is still off after its console went away: switch it on. */
static gboolean
kick_power (gpointer user_data)
{
  Ticket *t = user_data;
  Live *l = tf_floor_ticket_live (t);
  TfBoard *board;
  TfBoardState st;
  if (l == NULL || !l->waiting_boot)
    return G_SOURCE_REMOVE;
  board = tf_lab_get_board (l->floor->lab, tf_floor_session (l->floor, l->id)->board);
  st = board ? tf_board_get_state (board) : TF_BOARD_STATE_OFF;
  if (st == TF_BOARD_STATE_UNPLUGGED || st == TF_BOARD_STATE_OFF)
    {
      g_autofree char *cause = g_strdup_printf ("preparing session %s", l->id);
      tf_lab_power_async (l->floor->lab, tf_board_get_id (board), TF_POWER_ACTION_ON, cause,
                          l->cancel, on_kicked, tf_floor_ticket_new (l));
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  Live *l = user_data;
  g_autoptr (GError) error
      = g_error_new (TF_ERROR, TF_ERROR_TIMED_OUT, "board %s did not come back within 60 s",
                     tf_floor_session (l->floor, l->id)->board);
  l->wait_timer = 0;
  l->waiting_boot = FALSE;
  tf_floor_prepare_failed (l, "power cycle", error);
  return G_SOURCE_REMOVE;
}

void
tf_floor_prepare (Live *l)
{
  TfSession *s = tf_floor_session (l->floor, l->id);
  g_autofree char *cause = g_strdup_printf ("preparing session %s", s->id);
  tf_lab_power_async (l->floor->lab, s->board, TF_POWER_ACTION_CYCLE, cause, l->cancel,
                      on_power_cycled, tf_floor_ticket_new (l));
}

gboolean
tf_floor_start_session (TfFloor *f, const char *id, GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  TfSession *holder;
  TfBoard *board;
  gint64 now = g_get_real_time ();
  gboolean regress;
  Live *l;

  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  if (s->phase != TF_PHASE_SCHEDULED)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "session %s is %s: a session runs once", id,
                   tf_phase_to_string (s->phase));
      return FALSE;
    }
  board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;
  if (board == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "session %s has no board in this lab", id);
      return FALSE;
    }
  if ((holder = tf_floor_lease_holder (f, s->board)) != NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "board %s is leased to session %s", s->board,
                   holder->id);
      return FALSE;
    }
  /* a regression job gives way: it sees the lease at the end of its case
   * (or of the flash it started); the session waits for the board */
  regress = g_str_has_prefix (tf_board_get_session (board) ? tf_board_get_session (board) : "",
                              "regress:")
            || (tf_board_get_session (board) == NULL
                && tf_board_get_state (board) == TF_BOARD_STATE_FLASHING);
  if (tf_board_get_session (board) != NULL && !regress)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "board %s is busy", s->board);
      return FALSE;
    }
  if (!tf_store_begin (f->store, error))
    return FALSE;
  if (!tf_sdb_lease_put (f->store, s->board, s->id, now, now + TF_LEASE_TTL_US, error)
      || !tf_floor_set_phase (f, s, TF_PHASE_PREPARING, "started by staff", error)
      || !tf_store_commit (f->store, error))
    {
      tf_store_rollback (f->store);
      return FALSE;
    }
  tf_floor_publish_after (f, s);
  l = tf_floor_live_new (f, s);
  if (regress)
    l->waiting_regress = TRUE; /* prepared once the board is back (tf_floor_on_board_changed) */
  else
    tf_floor_prepare (l);
  return TRUE;
}
