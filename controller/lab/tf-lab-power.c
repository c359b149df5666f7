/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-lab"

#include "config.h"

#include "tf-error.h"
#include "tf-lab-private.h"

/* Power operations: off, on, cycle (off, the switch's off-time, on), each
 * finishing only on evidence: on/cycle when the boot banner shows (the
 * console handler in tf-lab.c), faulted or unplugged at the boot timeout.
 * The newest request supersedes one in flight. */

gboolean
tf_power_action_from_string (const char *s, TfPowerAction *action)
{
  if (g_strcmp0 (s, "off") == 0)
    *action = TF_POWER_ACTION_OFF;
  else if (g_strcmp0 (s, "on") == 0)
    *action = TF_POWER_ACTION_ON;
  else if (g_strcmp0 (s, "cycle") == 0)
    *action = TF_POWER_ACTION_CYCLE;
  else
    return FALSE;
  return TRUE;
}

void
tf_lab_power_op_free (PowerOp *op)
{
  g_free (op->cause);
  g_clear_object (&op->flasher);
  g_clear_object (&op->cancellable);
  g_clear_pointer (&op->job, tf_flash_job_free);
  g_free (op);
}

static void
step_switch_on (GTask *task);

/* --- the caller's task ------------------------------------------------------------
 * A power or flash operation is a task of the lab's (ctx->op) that runs to its
 * end, so that the board's state stays what the hardware did; the caller holds
 * a task of its own, returned with the operation's result or, as soon as its
 * GCancellable fires, with G_IO_ERROR_CANCELLED. The operation is not cut
 * short: a relay sequence or a flash stopped half-way would leave the board in
 * a state nobody asked for (a half-written image faults it); a newer request
 * supersedes it instead (tf_lab_ctx_cancel_op). */
typedef struct
{
  GTask *inner; /* the lab's operation, until it completes (not a reference) */
  gulong handler;
  gboolean returned;
} CallerLink;

static void
caller_return_cancelled (GTask *caller)
{
  CallerLink *link = g_task_get_task_data (caller);
  if (link->returned)
    return;
  link->returned = TRUE;
  g_task_return_new_error (caller, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled by the caller");
}

static gboolean
on_caller_cancelled_idle (gpointer user_data)
{
  caller_return_cancelled (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *cancellable, gpointer user_data)
{
  /* never inside the canceller's call: the caller may be tearing down */
  g_idle_add_full (G_PRIORITY_DEFAULT, on_caller_cancelled_idle, g_object_ref (user_data),
                   g_object_unref);
}

static void
on_inner_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) caller = user_data;
  CallerLink *link = g_task_get_task_data (caller);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (res), &error);

  link->inner = NULL;
  if (link->handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (caller), link->handler);
  link->handler = 0;
  if (link->returned)
    return;
  link->returned = TRUE;
  if (!ok)
    g_task_return_error (caller, g_steal_pointer (&error));
  else
    g_task_return_boolean (caller, TRUE);
}

GTask *
tf_lab_op_task_new (TfLab *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data, gpointer source_tag)
{
  g_autoptr (GTask) caller = g_task_new (self, cancellable, callback, user_data);
  CallerLink *link = g_new0 (CallerLink, 1);
  GTask *inner;

  g_task_set_source_tag (caller, source_tag);
  g_task_set_check_cancellable (caller, FALSE);
  g_task_set_task_data (caller, link, g_free);
  inner = g_task_new (self, NULL, on_inner_done, g_object_ref (caller));
  g_task_set_source_tag (inner, source_tag);
  link->inner = inner;
  if (cancellable != NULL)
    link->handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                           g_object_ref (caller), g_object_unref);
  return inner;
}

gboolean
tf_lab_op_task_finish (TfLab *self, GAsyncResult *res, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (TF_IS_LAB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (res)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (res), error);
}

static gboolean
on_boot_timeout (gpointer user_data)
{
  BoardCtx *ctx = user_data;
  const TfBoardType *type = tf_board_get_config (ctx->board)->type;
  g_autoptr (GError) error = NULL;

  ctx->timer_id = 0;
  if (!tf_console_is_open (ctx->console))
    {
      /* no adapter, so no evidence either way: that is unplugged, not a fault */
      g_autoptr (GTask) op = g_steal_pointer (&ctx->op);
      g_set_error (&error, TF_ERROR, TF_ERROR_NOT_FOUND,
                   "console %s did not appear within %u ms after power-on",
                   tf_board_get_config (ctx->board)->console, type->boot_timeout_ms);
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_UNPLUGGED, "console adapter not present",
                            error->message);
      if (op != NULL)
        g_task_return_error (op, g_steal_pointer (&error));
      return G_SOURCE_REMOVE;
    }
  {
    PowerOp *op = ctx->op != NULL ? g_task_get_task_data (ctx->op) : NULL;
    if (op != NULL && op->flashed)
      g_set_error (&error, TF_ERROR, TF_ERROR_TIMED_OUT,
                   "image %s was written, but the new firmware did not boot: no boot banner "
                   "within %u ms",
                   op->image->id, type->boot_timeout_ms);
    else
      g_set_error (&error, TF_ERROR, TF_ERROR_TIMED_OUT,
                   "no boot banner within %u ms after power-on", type->boot_timeout_ms);
  }
  tf_lab_ctx_fault (ctx, error);
  return G_SOURCE_REMOVE;
}

/* The task may have been superseded while a switch request was queued. */
gboolean
tf_lab_op_is_current (GTask *task)
{
  PowerOp *op = g_task_get_task_data (task);
  return op->ctx != NULL && op->ctx->op == task;
}

static void
on_switched_on (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  BoardCtx *ctx = op->ctx;

  if (!tf_power_switch_set_finish (TF_POWER_SWITCH (source), res, &error))
    {
      if (tf_lab_op_is_current (task))
        tf_lab_ctx_fault (ctx, error);
      return;
    }
  if (!tf_lab_op_is_current (task))
    return;
  tf_board_set_power (ctx->board, TF_POWER_ON);
  if (!tf_console_is_open (ctx->console))
    {
      /* a board-powered adapter appears only now; hot-plug opens it */
      g_debug ("board %s: powered, console not yet present", tf_board_get_id (ctx->board));
    }
  tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_BOOTING, op->cause, NULL);
  tf_lab_ctx_arm_boot_timeout (ctx);
}

void
tf_lab_ctx_arm_boot_timeout (BoardCtx *ctx)
{
  g_clear_handle_id (&ctx->timer_id, g_source_remove);
  ctx->timer_id = g_timeout_add (tf_board_get_config (ctx->board)->type->boot_timeout_ms,
                                 on_boot_timeout, ctx);
}

static void
on_boot_line_set (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tf_power_switch_set_finish (TF_POWER_SWITCH (source), res, &error))
    {
      if (tf_lab_op_is_current (task))
        tf_lab_ctx_fault (op->ctx, error);
      return;
    }
  if (!tf_lab_op_is_current (task))
    return;
  tf_power_switch_set_async (op->ctx->power, tf_board_get_config (op->ctx->board)->power_channel,
                             TRUE, tf_board_get_id (op->ctx->board), NULL, on_switched_on,
                             g_steal_pointer (&task));
}

/* Release the boot-mode line (normal boot) before power reaches the board. */
static void
step_switch_on (GTask *task)
{
  PowerOp *op = g_task_get_task_data (task);
  BoardCtx *ctx = op->ctx;
  const TfBoardConfig *cfg = tf_board_get_config (ctx->board);

  op->on_requested = TRUE;
  if (ctx->boot != NULL)
    tf_power_switch_set_async (ctx->boot, cfg->boot_channel, FALSE, cfg->id, NULL, on_boot_line_set,
                               g_object_ref (task));
  else
    tf_power_switch_set_async (ctx->power, cfg->power_channel, TRUE, cfg->id, NULL, on_switched_on,
                               g_object_ref (task));
}

static gboolean
on_off_time_over (gpointer user_data)
{
  GTask *task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  op->ctx->timer_id = 0;
  step_switch_on (task);
  return G_SOURCE_REMOVE;
}

void
tf_lab_on_switched_off (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PowerOp *op = g_task_get_task_data (task);
  BoardCtx *ctx = op->ctx;
  g_autoptr (GError) error = NULL;

  if (!tf_power_switch_set_finish (TF_POWER_SWITCH (source), res, &error))
    {
      if (tf_lab_op_is_current (task))
        tf_lab_ctx_fault (ctx, error);
      return;
    }
  if (!tf_lab_op_is_current (task))
    return;
  tf_board_set_power (ctx->board, TF_POWER_OFF);
  if (op->action == TF_POWER_ACTION_OFF)
    {
      g_autoptr (GTask) done = g_steal_pointer (&ctx->op);
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_OFF, op->cause, NULL);
      g_task_return_boolean (done, TRUE);
      return;
    }
  /* the task's reference moves to the timer */
  ctx->timer_id
      = g_timeout_add_full (G_PRIORITY_DEFAULT, tf_power_switch_get_off_time_ms (ctx->power),
                            on_off_time_over, g_object_ref (task), g_object_unref);
}

void
tf_lab_power_async (TfLab *self, const char *board_id, TfPowerAction action, const char *cause,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  BoardCtx *ctx;
  PowerOp *op;
  TfBoardState st;
  const TfBoardConfig *cfg;

  g_return_if_fail (TF_IS_LAB (self));
  g_return_if_fail (board_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  task = tf_lab_op_task_new (self, cancellable, callback, user_data, tf_lab_power_async);
  if (g_cancellable_is_cancelled (cancellable))
    {
      /* nothing is started for a caller that already gave up */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  if (tf_lab_board_is_remote (self, board_id))
    {
      /* a farm coordinator: the board's host switches it and waits for its boot */
      JsonObject *args = json_object_new ();
      json_object_set_string_member (args, "action",
                                     action == TF_POWER_ACTION_OFF  ? "off"
                                     : action == TF_POWER_ACTION_ON ? "on"
                                                                    : "cycle");
      tf_lab_remote_op (self, board_id, "power", args, TF_LAB_REMOTE_POWER_S, task);
      return;
    }
  ctx = g_hash_table_lookup (self->boards, board_id);
  if (ctx == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no board '%s'", board_id);
      return;
    }
  cfg = tf_board_get_config (ctx->board);
  st = tf_board_get_state (ctx->board);
  if (ctx->power == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "board %s has no power switch", board_id);
      return;
    }
  if (st == TF_BOARD_STATE_QUARANTINED)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY,
                               "board %s is quarantined (%s); staff must release it first",
                               board_id, tf_board_get_error (ctx->board));
      return;
    }
  if (tf_board_is_busy (ctx->board))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "board %s is %s", board_id,
                               tf_board_state_to_string (st));
      return;
    }
  /* a relay already closed does not reboot the board when it is closed again:
   * there would be no boot banner to wait for, and "on" is already true */
  if (action == TF_POWER_ACTION_ON && st == TF_BOARD_STATE_READY
      && tf_board_get_power (ctx->board) == TF_POWER_ON)
    {
      g_info ("board %s: power on: already on and ready (%s)", board_id, cause);
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* the newest request wins: an operation in flight is superseded */
  tf_lab_ctx_cancel_op (ctx, "superseded by a newer power request");
  op = g_new0 (PowerOp, 1);
  op->ctx = ctx;
  op->action = action;
  op->cause = g_strdup (cause);
  g_task_set_task_data (task, op, (GDestroyNotify)tf_lab_power_op_free);
  ctx->op = g_object_ref (task);
  g_info ("board %s: power %s (%s)", board_id,
          action == TF_POWER_ACTION_OFF  ? "off"
          : action == TF_POWER_ACTION_ON ? "on"
                                         : "cycle",
          cause);
  if (action != TF_POWER_ACTION_OFF)
    tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_POWERING_ON, cause, NULL);
  if (action == TF_POWER_ACTION_ON)
    step_switch_on (task);
  else
    tf_power_switch_set_async (ctx->power, cfg->power_channel, FALSE, board_id, NULL,
                               tf_lab_on_switched_off, g_object_ref (task));
}

gboolean
tf_lab_power_finish (TfLab *self, GAsyncResult *res, GError **error)
{
  return tf_lab_op_task_finish (self, res, tf_lab_power_async, error);
}

gboolean
tf_lab_release (TfLab *self, const char *board_id, GError **error)
{
  BoardCtx *ctx = g_hash_table_lookup (self->boards, board_id);
  if (ctx == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no board '%s'", board_id);
      return FALSE;
    }
  if (tf_board_get_state (ctx->board) != TF_BOARD_STATE_QUARANTINED
      && tf_board_get_state (ctx->board) != TF_BOARD_STATE_FAULTED)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "board %s is %s, not quarantined or faulted", board_id,
                   tf_board_state_to_string (tf_board_get_state (ctx->board)));
      return FALSE;
    }
  tf_board_reset_faults (ctx->board);
  tf_board_set_health (ctx->board, TF_HEALTH_UNKNOWN);
  return tf_board_set_state (ctx->board, TF_BOARD_STATE_OFF, "released by staff", NULL, error);
}
