/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-lab"

#include "config.h"

#include "tf-device-monitor.h"
#include "tf-error.h"
#include "tf-lab-private.h"

/* Bringing a board up, and the tty side of hot-plug: a console adapter
 * that comes back reopens its console (or brings the board up again), one
 * that leaves makes the board unplugged unless a flash or our own power took
 * it. The USB side of the same adapters is tf-lab-usb.c. */

static void
on_bring_up_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  if (!tf_lab_power_finish (TF_LAB (source), res, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("bring-up: %s", error->message);
}

void
tf_lab_bring_up (BoardCtx *ctx, const char *cause)
{
  TfLab *self = ctx->lab;
  const TfBoardConfig *cfg = tf_board_get_config (ctx->board);
  g_autoptr (GError) error = NULL;

  if (!tf_console_is_open (ctx->console))
    {
      if (!tf_device_monitor_has (self->monitor, cfg->console))
        {
          /* with a switch, power may be what brings the adapter (a board-
           * powered adapter, a hub port): try; the boot timeout decides */
          if (ctx->power == NULL || tf_board_get_state (ctx->board) == TF_BOARD_STATE_QUARANTINED)
            {
              tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_UNPLUGGED, "console adapter not present",
                                    NULL);
              return;
            }
        }
      else if (!tf_console_open (ctx->console, &error))
        {
          tf_board_set_health (ctx->board, TF_HEALTH_UNKNOWN);
          tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_FAULTED, "infrastructure error",
                                error->message);
          return;
        }
    }
  if (tf_board_get_state (ctx->board) == TF_BOARD_STATE_QUARANTINED)
    return;
  if (ctx->power == NULL)
    {
      /* nothing to switch: an open console is all the evidence there is */
      tf_board_set_power (ctx->board, TF_POWER_UNKNOWN);
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_READY, "no power switch; console present", NULL);
      return;
    }
  tf_lab_power_async (self, cfg->id, TF_POWER_ACTION_CYCLE, cause, NULL, on_bring_up_done, NULL);
}

static BoardCtx *
find_by_console (TfLab *self, const char *devnode)
{
  GHashTableIter it;
  BoardCtx *ctx;
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&ctx))
    if (g_strcmp0 (tf_board_get_config (ctx->board)->console, devnode) == 0)
      return ctx;
  return NULL;
}

static void
reset_switches_on (TfLab *self, const char *devnode)
{
  GHashTableIter it;
  TfPowerSwitch *sw;
  g_hash_table_iter_init (&it, self->switches);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&sw))
    if (g_strcmp0 (tf_power_switch_get_config (sw)->device, devnode) == 0)
      tf_power_switch_reset (sw);
}

static void
on_device_added (TfDeviceMonitor *monitor, const char *devnode, TfLab *self)
{
  BoardCtx *ctx = find_by_console (self, devnode);

  reset_switches_on (self, devnode);
  if (ctx != NULL)
    tf_lab_ctx_console_back (ctx, devnode);
}

/* The board's console device is present again (its uevent, or USB hot-plug
 * when that was the only one to see it leave). */
void
tf_lab_ctx_console_back (BoardCtx *ctx, const char *devnode)
{
  TfBoardState st;
  g_autoptr (GError) error = NULL;

  if (tf_console_is_open (ctx->console) || ctx->flashing)
    return;
  st = tf_board_get_state (ctx->board);
  if (st == TF_BOARD_STATE_POWERING_ON || st == TF_BOARD_STATE_BOOTING)
    {
      /* our own power-on brought a board-powered adapter back */
      if (!tf_console_open (ctx->console, &error))
        g_warning ("%s", error->message);
      return;
    }
  g_info ("board %s: console %s is back", tf_board_get_id (ctx->board), devnode);
  if (st == TF_BOARD_STATE_UNPLUGGED && ctx->op != NULL)
    {
      if (!tf_console_open (ctx->console, &error))
        g_warning ("%s", error->message);
    }
  else if (st == TF_BOARD_STATE_UNPLUGGED)
    tf_lab_bring_up (ctx, "console adapter returned");
  else if (!tf_console_open (ctx->console, &error))
    g_warning ("%s", error->message);
}

static void
on_device_removed (TfDeviceMonitor *monitor, const char *devnode, TfLab *self)
{
  BoardCtx *ctx = find_by_console (self, devnode);

  reset_switches_on (self, devnode);
  if (ctx == NULL || ctx->flashing)
    return;
  tf_console_close (ctx->console);
  /* an adapter powered by the board goes with its power: expected while
   * our own power operation runs or while the board is off */
  if (ctx->op != NULL || tf_board_get_power (ctx->board) == TF_POWER_OFF)
    {
      g_info ("board %s: console %s went with the board's power", tf_board_get_id (ctx->board),
              devnode);
      return;
    }
  g_info ("board %s: console %s removed", tf_board_get_id (ctx->board), devnode);
  tf_lab_ctx_cancel_op (ctx, "console adapter removed");
  tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_UNPLUGGED, "console adapter removed", NULL);
}

void
tf_lab_hotplug_attach (TfLab *self)
{
  self->monitor = tf_device_monitor_new ();
  g_signal_connect (self->monitor, "added", G_CALLBACK (on_device_added), self);
  g_signal_connect (self->monitor, "removed", G_CALLBACK (on_device_removed), self);
}
