/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-lab"

#include "tf-lab-usb.h"

#include "tf-board.h"
#include "tf-console.h"
#include "tf-lab-private.h"
#include "tf-usb-context.h"

typedef struct
{
  TfLab *lab;
  TfUsbContext *usb;
  gulong added_id, removed_id;
} Watch;

static void
watch_free (Watch *w)
{
  g_signal_handler_disconnect (w->usb, w->added_id);
  g_signal_handler_disconnect (w->usb, w->removed_id);
  g_object_unref (w->usb);
  g_free (w);
}

/* The board whose console adapter @info is: by position, else by serial and the type's ids. */
static BoardCtx *
find_board (TfLab *self, const TfUsbDeviceInfo *info)
{
  GHashTableIter it;
  BoardCtx *ctx;
  if (self->boards == NULL) /* disposed: nothing to tie the device to */
    return NULL;
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&ctx))
    {
      const TfBoardConfig *cfg = tf_board_get_config (ctx->board);
      if (cfg->usb_path != NULL && g_strcmp0 (cfg->usb_path, info->port_path) == 0)
        return ctx;
      if (cfg->usb_serial != NULL && g_strcmp0 (cfg->usb_serial, info->serial) == 0
          && cfg->type->console_vid == info->vid && cfg->type->console_pid == info->pid)
        return ctx;
    }
  return NULL;
}

static void
on_added (TfUsbContext *usb, TfUsbDeviceInfo *info, Watch *w)
{
  BoardCtx *ctx = find_board (w->lab, info);
  const char *console;

  if (ctx == NULL || ctx->flashing || w->lab->shutting_down)
    return;
  console = tf_board_get_config (ctx->board)->console;
  g_debug ("board %s: console adapter back on USB at %s", tf_board_get_id (ctx->board),
           info->port_path);
  /* Usually the tty comes with it and its uevent brings the board up. When only USB said
   * the adapter had left (the tty's uevents lost, or a tty that never went), no tty uevent
   * will come: the tty is there now, so the lab's one path for a returning console runs. */
  if (tf_board_get_state (ctx->board) == TF_BOARD_STATE_UNPLUGGED
      && !tf_console_is_open (ctx->console) && tf_device_monitor_has (w->lab->monitor, console))
    {
      g_info ("board %s: console adapter back on USB (%s), %s present",
              tf_board_get_id (ctx->board), info->port_path, console);
      tf_lab_ctx_console_back (ctx, console);
    }
}

static void
on_removed (TfUsbContext *usb, TfUsbDeviceInfo *info, Watch *w)
{
  BoardCtx *ctx = find_board (w->lab, info);
  TfBoardState st;

  if (ctx == NULL || ctx->flashing || w->lab->shutting_down)
    return;
  st = tf_board_get_state (ctx->board);
  /* the tty's removal may have said it first: one event for the board */
  if (st == TF_BOARD_STATE_UNPLUGGED || st == TF_BOARD_STATE_QUARANTINED)
    return;
  /* a board-powered adapter goes with the power the lab itself switched off */
  if (ctx->op != NULL || tf_board_get_power (ctx->board) == TF_POWER_OFF)
    {
      g_debug ("board %s: console adapter left USB with the board's power",
               tf_board_get_id (ctx->board));
      return;
    }
  g_info ("board %s: console adapter left USB (%s)", tf_board_get_id (ctx->board), info->port_path);
  tf_console_close (ctx->console);
  tf_lab_ctx_cancel_op (ctx, "console adapter removed");
  tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_UNPLUGGED, "console adapter left USB", NULL);
}

void
tf_lab_usb_attach (TfLab *self)
{
  g_autoptr (GError) error = NULL;
  gboolean wanted = FALSE;
  Watch *w;

  /* again after a reload: the watch, once started, serves every board */
  if (g_object_get_data (G_OBJECT (self), "tf-lab-usb") != NULL)
    return;
  for (guint i = 0; i < self->config->boards->len; i++)
    {
      const TfBoardConfig *cfg = g_ptr_array_index (self->config->boards, i);
      wanted = wanted || cfg->usb_path != NULL || cfg->usb_serial != NULL;
    }
  if (!wanted)
    return;
  w = g_new0 (Watch, 1);
  w->lab = self;
  w->usb = tf_usb_context_get_default (&error);
  if (w->usb == NULL || !tf_usb_context_watch_hotplug (w->usb, &error))
    {
      g_warning ("USB hot-plug unavailable: %s", error->message);
      g_clear_object (&w->usb);
      g_free (w);
      return;
    }
  w->added_id = g_signal_connect (w->usb, "device-added", G_CALLBACK (on_added), w);
  w->removed_id = g_signal_connect (w->usb, "device-removed", G_CALLBACK (on_removed), w);
  g_object_set_data_full (G_OBJECT (self), "tf-lab-usb", w, (GDestroyNotify)watch_free);
}
