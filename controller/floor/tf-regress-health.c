/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

/* Health checks as LAVA means them: before a board's first job of the night
 * and after any infrastructure error on it, power cycle (the boot banner is
 * the evidence), flash the known-good image the plan names, run the plan's
 * minimal check. A board that fails is quarantined with the reason, so its
 * jobs go elsewhere; one that keeps failing is reported to staff (the
 * retained regress/status). Staff release it with `testfestctl release`. */

gboolean
tf_regress_needs_check (TfRegress *r, TfBoard *board)
{
  guint failures = 0;
  gint64 last_ok = 0;
  if (g_hash_table_contains (r->need_check, tf_board_get_id (board)))
    return TRUE;
  if (!tf_rdb_health_of (r->store, tf_board_get_id (board), &failures, &last_ok, NULL))
    return TRUE;
  return failures > 0 || last_ok < g_get_real_time () - TF_REGRESS_HEALTH_MAX_AGE_US;
}

static void
health_end (TfRegressWork *w, const char *failed_step, const GError *error)
{
  TfRegress *r = w->r;
  TfBoard *board = tf_lab_get_board (r->lab, w->board);
  g_autofree char *reason = NULL;
  g_autoptr (GError) local = NULL;
  guint failures = 0;
  gint64 last_ok = 0;

  if (failed_step != NULL)
    reason = g_strdup_printf ("health check failed: %s: %s", failed_step, error->message);
  if (!tf_rdb_add_health (r->store, w->board, g_get_real_time (), reason == NULL, reason, &local))
    g_warning ("health of %s not stored: %s", w->board, local->message);
  if (reason == NULL)
    {
      g_message ("board %s: health check passed", w->board);
      g_hash_table_remove (r->need_check, w->board);
      g_hash_table_remove (r->reported, w->board);
      tf_regress_work_done (w);
      tf_regress_publish_status (r);
      return;
    }
  g_warning ("board %s: %s", w->board, reason);
  /* out of the queue's reach until staff release it */
  if (board != NULL && tf_board_get_state (board) != TF_BOARD_STATE_QUARANTINED)
    {
      if (tf_board_get_state (board) != TF_BOARD_STATE_FAULTED)
        tf_board_set_state (board, TF_BOARD_STATE_FAULTED, "health check", reason, NULL);
      tf_board_set_state (board, TF_BOARD_STATE_QUARANTINED, "health check", reason, NULL);
    }
  tf_rdb_health_of (r->store, w->board, &failures, &last_ok, NULL);
  if (failures >= TF_REGRESS_HEALTH_REPORT_AFTER)
    {
      g_warning ("board %s failed %u health checks in a row: staff, have a look", w->board,
                 failures);
      g_hash_table_add (r->reported, g_strdup (w->board));
    }
  tf_regress_work_done (w);
  tf_regress_publish_status (r);
}

static void
on_script_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRegressTicket) t = user_data;
  TfRegressWork *w = tf_regress_ticket_work (t);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  GSubprocess *p = G_SUBPROCESS (source);
  gboolean ok = g_subprocess_communicate_finish (p, res, &out, NULL, &error);
  if (w == NULL)
    return;
  g_clear_handle_id (&w->timer, g_source_remove);
  g_clear_object (&w->proc);
  if (!ok)
    {
      health_end (w, "check script", error);
      return;
    }
  if (!g_subprocess_get_if_exited (p) || g_subprocess_get_exit_status (p) != 0)
    {
      gsize len = 0;
      const char *d = out ? g_bytes_get_data (out, &len) : "";
      g_autofree char *tail = g_utf8_make_valid (len > 200 ? d + len - 200 : d, MIN (len, 200));
      g_autoptr (GError) e
          = g_error_new (TF_ERROR, TF_ERROR_FAILED, "exit status %d: %s",
                         g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1,
                         g_strstrip (tail));
      health_end (w, "check script", e);
      return;
    }
  health_end (w, NULL, NULL);
}

static gboolean
on_script_timeout (gpointer user_data)
{
  TfRegressWork *w = user_data;
  w->timer = 0;
  if (w->proc != NULL)
    g_subprocess_force_exit (w->proc);
  return G_SOURCE_REMOVE;
}

static void
run_script (TfRegressWork *w)
{
  g_autoptr (GSubprocessLauncher) l = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  if (w->health_script == NULL)
    {
      health_end (w, NULL, NULL);
      return;
    }
  log = g_strdup_printf ("%s/console/%s.log", tf_lab_get_config (w->r->lab)->state_dir, w->board);
  l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (l, "TF_BOARD", w->board, TRUE);
  g_subprocess_launcher_setenv (l, "TF_CONSOLE_LOG", log, TRUE);
  g_subprocess_launcher_setenv (l, "TF_IMAGE", w->health_image ? w->health_image : "", TRUE);
  w->proc = g_subprocess_launcher_spawn (l, &error, w->health_script, NULL);
  if (w->proc == NULL)
    {
      health_end (w, "check script", error);
      return;
    }
  w->timer = g_timeout_add_seconds (120, on_script_timeout, w);
  g_subprocess_communicate_async (w->proc, NULL, w->cancel, on_script_done,
                                  tf_regress_ticket_new (w));
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRegressTicket) t = user_data;
  TfRegressWork *w = tf_regress_ticket_work (t);
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_flash_finish (TF_LAB (source), res, &error);
  if (w == NULL)
    return;
  if (!ok)
    health_end (w, "flashing the known-good image", error);
  else
    run_script (w);
}

static void
on_power_cycled (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRegressTicket) t = user_data;
  TfRegressWork *w = tf_regress_ticket_work (t);
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_power_finish (TF_LAB (source), res, &error);
  if (w == NULL)
    return;
  if (!ok)
    {
      health_end (w, "power cycle and boot banner", error);
      return;
    }
  if (w->health_image == NULL)
    {
      run_script (w);
      return;
    }
  tf_lab_flash_async (w->r->lab, w->board, w->health_image, w->cancel, on_flashed,
                      tf_regress_ticket_new (w));
}

void
tf_regress_health_start (TfRegress *r, TfBoard *board, TfRegressRun *run, const char *for_job)
{
  const char *id = tf_board_get_id (board);
  TfRegressWork *w = tf_regress_work_new (r, id, NULL);
  w->for_job = g_strdup (for_job);
  if (run != NULL && run->plan != NULL)
    {
      w->health_image = g_strdup (run->plan->health_image);
      w->health_script = g_strdup (run->plan->health_script);
    }
  g_message ("board %s: health check", id);
  tf_lab_power_async (r->lab, id, TF_POWER_ACTION_CYCLE, "health check", w->cancel, on_power_cycled,
                      tf_regress_ticket_new (w));
}

JsonNode *
tf_regress_health_json (TfRegress *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (r->lab);
  json_builder_begin_array (b);
  for (guint i = 0; i < boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (boards, i);
      const char *id = tf_board_get_id (board);
      guint failures = 0;
      gint64 last_ok = 0;
      TfRegressWork *w = g_hash_table_lookup (r->work, id);
      tf_rdb_health_of (r->store, id, &failures, &last_ok, NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "board");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, tf_board_state_to_string (tf_board_get_state (board)));
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, tf_board_get_error (board));
      json_builder_set_member_name (b, "last-ok");
      json_builder_add_int_value (b, last_ok);
      json_builder_set_member_name (b, "failures");
      json_builder_add_int_value (b, failures);
      json_builder_set_member_name (b, "reported");
      json_builder_add_boolean_value (b, g_hash_table_contains (r->reported, id));
      json_builder_set_member_name (b, "job");
      json_builder_add_string_value (b, w && w->job ? w->job->id : w ? "(health check)" : NULL);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
