/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-power"

#include "tf-power-command.h"
#include "tf-command.h"
#include "tf-error.h"

#include <string.h>

struct _TfPowerCommand
{
  TfPowerSwitch parent_instance;
};

G_DEFINE_TYPE (TfPowerCommand, tf_power_command, TF_TYPE_POWER_SWITCH)

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autofree char *output = NULL;
  g_autoptr (GError) error = NULL;
  const char *id = tf_power_switch_get_id (TF_POWER_SWITCH (g_task_get_source_object (task)));

  if (!tf_command_run_finish (res, &output, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (output != NULL && output[0] != '\0')
        g_message ("switch %s: command output: %s", id, g_strstrip (output));
      /* a failing switch command means the switch is unreachable */
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s", error->message);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
command_set_async (TfPowerSwitch *sw, guint channel, gboolean on, const char *board,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  const TfSwitchConfig *cfg = tf_power_switch_get_config (sw);
  g_autoptr (GTask) task = g_task_new (sw, cancellable, callback, user_data);
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;

  g_hash_table_insert (vars, "switch", g_strdup (cfg->id));
  g_hash_table_insert (vars, "channel", g_strdup_printf ("%u", channel));
  g_hash_table_insert (vars, "board", g_strdup (board ? board : ""));
  g_hash_table_insert (vars, "state", g_strdup (on ? "on" : "off"));
  argv = tf_command_expand (on ? cfg->on_command : cfg->off_command, vars, &error);
  if (argv == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tf_command_run_async ((const char *const *)argv, cfg->timeout_ms, cancellable, on_done,
                        g_steal_pointer (&task));
}

static gboolean
command_set_finish (TfPowerSwitch *sw, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

/* [switch ID] type = command: on/off templates, expanded once now with dummy
 * values so that a typo fails at load, not at 3 a.m. */
static gboolean
command_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *s, GError **error)
{
  static const char *const keys[]
      = { "type", "on", "off", "channels", "off-time-ms", "timeout-ms", NULL };
  guint64 n = 0;

  if (!tf_key_file_check_keys (kf, group, keys, error)
      || !tf_key_file_get_string (kf, group, "on", TRUE, NULL, &s->on_command, error)
      || !tf_key_file_get_string (kf, group, "off", TRUE, NULL, &s->off_command, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
      g_auto (GStrv) argv = NULL;
      g_autoptr (GError) error_local = NULL;
      const char *key = i == 0 ? "on" : "off";
      const char *tmpl = i == 0 ? s->on_command : s->off_command;
      g_hash_table_insert (vars, "switch", "s");
      g_hash_table_insert (vars, "channel", "1");
      g_hash_table_insert (vars, "board", "b");
      g_hash_table_insert (vars, "state", "on");
      argv = tf_command_expand (tmpl, vars, &error_local);
      if (argv == NULL)
        /* drop the "'TEMPLATE': " prefix: the line already shows it */
        return tf_key_file_fail (kf, error, group, key, "%s",
                                 error_local->message + strlen (tmpl) + 4);
    }
  if (!tf_key_file_get_uint (kf, group, "channels", FALSE, 1, 1, 64, &n, error))
    return FALSE;
  s->channels = n;
  if (!tf_key_file_get_uint (kf, group, "off-time-ms", FALSE, 2000, 0, 600000, &n, error))
    return FALSE;
  s->off_time_ms = n;
  if (!tf_key_file_get_uint (kf, group, "timeout-ms", FALSE, 10000, 10, 600000, &n, error))
    return FALSE;
  s->timeout_ms = n;
  return TRUE;
}

static void
tf_power_command_class_init (TfPowerCommandClass *klass)
{
  TfPowerSwitchClass *sw = TF_POWER_SWITCH_CLASS (klass);
  sw->set_async = command_set_async;
  sw->set_finish = command_set_finish;
  sw->load_config = command_load_config;
}

static void
tf_power_command_init (TfPowerCommand *self)
{
}
