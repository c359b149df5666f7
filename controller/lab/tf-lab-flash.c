/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-error.h"
#include "tf-lab-private.h"

/* Flashing a board: ready|faulted|off -> flashing -> (boot-mode line on,
 * power cycle into the bootloader) -> the flasher writes and verifies ->
 * boot-mode line off, power cycle -> booting -> ready once the new firmware's
 * banner shows; faulted with the flasher's reason otherwise. */

#define PROGRESS_INTERVAL_US (250 * 1000)

static void
on_progress (TfFlasher *flasher, guint64 done, guint64 total, const char *phase, BoardCtx *ctx)
{
  gint64 now = g_get_monotonic_time ();
  tf_board_set_progress (ctx->board, done, total, phase);
  /* at most every 250 ms, and always the last step */
  if (now - ctx->last_progress < PROGRESS_INTERVAL_US && done < total)
    return;
  ctx->last_progress = now;
  tf_lab_publish_board (ctx->lab, ctx->board);
}

static void
reopen_console (BoardCtx *ctx)
{
  g_autoptr (GError) error = NULL;
  ctx->flashing = FALSE;
  if (!tf_console_is_open (ctx->console)
      && tf_device_monitor_has (ctx->lab->monitor, tf_board_get_config (ctx->board)->console)
      && !tf_console_open (ctx->console, &error))
    g_warning ("%s", error->message);
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  BoardCtx *ctx = op->ctx;
  g_autoptr (GError) error = NULL;
  const TfBoardConfig *cfg;

  if (ctx != NULL)
    g_signal_handlers_disconnect_by_data (source, ctx);
  if (!tf_flasher_flash_finish (TF_FLASHER (source), res, &error))
    {
      if (!tf_lab_op_is_current (task))
        return;
      reopen_console (ctx);
      g_prefix_error (&error, "flashing %s failed: ", op->image->id);
      tf_lab_ctx_fault (ctx, error);
      /* leave the boot-mode line released so the next power-on boots normally */
      if (ctx->boot != NULL)
        tf_power_switch_set_async (ctx->boot, tf_board_get_config (ctx->board)->boot_channel, FALSE,
                                   tf_board_get_id (ctx->board), NULL, NULL, NULL);
      return;
    }
  if (!tf_lab_op_is_current (task))
    return;
  op->flashed = TRUE;
  cfg = tf_board_get_config (ctx->board);
  g_info ("board %s: image %s written", cfg->id, op->image->id);
  reopen_console (ctx);
  if (ctx->power == NULL)
    {
      /* the flasher started the new firmware itself (GO, DTR/RTS reset) */
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_BOOTING, op->cause, NULL);
      tf_lab_ctx_arm_boot_timeout (ctx);
      return;
    }
  /* off, off-time, boot-mode line released, on, then the banner decides */
  op->action = TF_POWER_ACTION_CYCLE;
  tf_power_switch_set_async (ctx->power, cfg->power_channel, FALSE, cfg->id, NULL,
                             tf_lab_on_switched_off, g_steal_pointer (&task));
}

static void
run_flasher (GTask *task)
{
  PowerOp *op = g_task_get_task_data (task);
  BoardCtx *ctx = op->ctx;
  g_signal_connect (op->flasher, "progress", G_CALLBACK (on_progress), ctx);
  tf_flasher_flash_async (op->flasher, op->job, op->cancellable, on_flashed, g_object_ref (task));
}

static gboolean
on_settled (gpointer user_data)
{
  GTask *task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  op->ctx->timer_id = 0;
  run_flasher (task);
  return G_SOURCE_REMOVE;
}

/* Each step of the way into the bootloader: boot line on, power off, wait, power on. */
typedef enum
{
  ENTRY_BOOT_ON,
  ENTRY_POWER_OFF,
  ENTRY_POWER_ON,
  ENTRY_DONE
} EntryStep;

static void
entry_step (GTask *task, EntryStep step);

static void
on_entry_switched (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tf_power_switch_set_finish (TF_POWER_SWITCH (source), res, &error))
    {
      if (tf_lab_op_is_current (task))
        {
          reopen_console (op->ctx);
          g_prefix_error (&error, "entering the bootloader: ");
          tf_lab_ctx_fault (op->ctx, error);
        }
      return;
    }
  if (!tf_lab_op_is_current (task))
    return;
  entry_step (task, op->entry_next);
}

static gboolean
on_entry_off_time (gpointer user_data)
{
  GTask *task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  op->ctx->timer_id = 0;
  entry_step (task, ENTRY_POWER_ON);
  return G_SOURCE_REMOVE;
}

static void
entry_step (GTask *task, EntryStep step)
{
  PowerOp *op = g_task_get_task_data (task);
  BoardCtx *ctx = op->ctx;
  const TfBoardConfig *cfg = tf_board_get_config (ctx->board);

  switch (step)
    {
    case ENTRY_BOOT_ON:
      op->entry_next = ENTRY_POWER_OFF;
      tf_power_switch_set_async (ctx->boot, cfg->boot_channel, TRUE, cfg->id, NULL,
                                 on_entry_switched, g_object_ref (task));
      break;
    case ENTRY_POWER_OFF:
      op->entry_next = ENTRY_POWER_ON;
      tf_board_set_power (ctx->board, TF_POWER_OFF);
      tf_power_switch_set_async (ctx->power, cfg->power_channel, FALSE, cfg->id, NULL,
                                 on_entry_switched, g_object_ref (task));
      break;
    case ENTRY_POWER_ON:
      if (!op->entry_waited)
        {
          op->entry_waited = TRUE;
          ctx->timer_id = g_timeout_add_full (
              G_PRIORITY_DEFAULT, tf_power_switch_get_off_time_ms (ctx->power), on_entry_off_time,
              g_object_ref (task), g_object_unref);
          break;
        }
      op->entry_next = ENTRY_DONE;
      tf_power_switch_set_async (ctx->power, cfg->power_channel, TRUE, cfg->id, NULL,
                                 on_entry_switched, g_object_ref (task));
      break;
    case ENTRY_DONE:
      tf_board_set_power (ctx->board, TF_POWER_ON);
      /* the bootloader needs a moment after power-on before it listens */
      ctx->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, MAX (cfg->type->settle_ms, 50),
                                          on_settled, g_object_ref (task), g_object_unref);
      break;
    }
}

void
tf_lab_flash_async (TfLab *self, const char *board_id, const char *image_id,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  BoardCtx *ctx;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  g_autoptr (GBytes) data = NULL;
  const TfBoardConfig *cfg;
  TfImage *image;
  TfBoardState st;
  PowerOp *op;

  g_return_if_fail (TF_IS_LAB (self));
  g_return_if_fail (board_id != NULL && image_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  task = tf_lab_op_task_new (self, cancellable, callback, user_data, tf_lab_flash_async);
  if (g_cancellable_is_cancelled (cancellable))
    {
      /* nothing is started for a caller that already gave up */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  if (tf_lab_board_is_remote (self, board_id))
    {
      /* a farm coordinator: the board's host has the image and the flasher */
      JsonObject *args = json_object_new ();
      json_object_set_string_member (args, "image", image_id);
      tf_lab_remote_op (self, board_id, "flash", args, TF_LAB_REMOTE_FLASH_S, task);
      return;
    }
  ctx = tf_lab_lookup (self, board_id);
  if (ctx == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no board '%s'", board_id);
      return;
    }
  cfg = tf_board_get_config (ctx->board);
  image = tf_image_registry_get (self->images, image_id);
  if (image == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no image '%s'", image_id);
      return;
    }
  st = tf_board_get_state (ctx->board);
  if (st == TF_BOARD_STATE_QUARANTINED || st == TF_BOARD_STATE_UNPLUGGED
      || tf_board_is_busy (ctx->board) || st == TF_BOARD_STATE_POWERING_ON
      || st == TF_BOARD_STATE_BOOTING)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "board %s is %s", board_id,
                               tf_board_state_to_string (st));
      return;
    }
  /* everything is checked before anything is erased */
  if (!tf_image_check_fits (image, cfg->type, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  flasher = tf_flasher_new_for_type (cfg->type, &error);
  if (flasher == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (tf_flasher_needs_bootloader_entry (flasher) && (ctx->boot == NULL || ctx->power == NULL))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "board %s: flashing by %s needs a boot-mode line and a power switch",
                               board_id, cfg->type->flash_method);
      return;
    }
  data = tf_image_read (image, &error);
  if (data == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  tf_lab_ctx_cancel_op (ctx, "superseded by flashing");
  op = g_new0 (PowerOp, 1);
  op->ctx = ctx;
  op->action = TF_POWER_ACTION_CYCLE;
  op->cause = g_strdup_printf ("flashed %s", image->id);
  op->image = image;
  op->cancellable = g_cancellable_new ();
  op->flasher = g_steal_pointer (&flasher);
  op->job = g_new0 (TfFlashJob, 1);
  op->job->board = g_strdup (board_id);
  op->job->type = cfg->type;
  op->job->port = g_strdup (cfg->console);
  /* lets a USB flasher tell two boards of one type apart */
  op->job->usb_serial = g_strdup (cfg->usb_serial);
  op->job->image = image;
  op->job->data = g_steal_pointer (&data);
  op->job->lab_entered_bootloader = tf_flasher_needs_bootloader_entry (op->flasher);
  op->job->log_path = g_strdup_printf ("%s/console/%s.flash.log", self->state_dir, board_id);
  g_task_set_task_data (task, op, (GDestroyNotify)tf_lab_power_op_free);
  ctx->op = g_object_ref (task);
  ctx->last_progress = 0;

  g_info ("board %s: flashing %s (%s, %zu bytes, sha256 %s)", board_id, image->id,
          cfg->type->flash_method, image->size, image->sha256);
  {
    g_autofree char *cause = g_strdup_printf ("flashing %s", image->id);
    tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_FLASHING, cause, NULL);
  }
  /* the flasher owns the port until it is done */
  ctx->flashing = TRUE;
  tf_console_close (ctx->console);
  if (op->job->lab_entered_bootloader)
    entry_step (task, ENTRY_BOOT_ON);
  else
    run_flasher (task);
}

gboolean
tf_lab_flash_finish (TfLab *self, GAsyncResult *res, GError **error)
{
  return tf_lab_op_task_finish (self, res, tf_lab_flash_async, error);
}

TfImageRegistry *
tf_lab_get_images (TfLab *self)
{
  return self->images;
}
