/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-command"

#include "tf-command.h"
#include "tf-error.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

GStrv
tf_command_expand (const char *tmpl, GHashTable *vars, GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  g_autoptr (GError) error_local = NULL;

  if (!g_shell_parse_argv (tmpl, NULL, &argv, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "'%s': %s", tmpl,
                   error_local->message);
      return NULL;
    }
  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      for (const char *p = argv[i]; *p;)
        {
          const char *close;
          if (*p == '{' && (close = strchr (p, '}')) != NULL)
            {
              g_autofree char *name = g_strndup (p + 1, close - p - 1);
              const char *v = g_hash_table_lookup (vars, name);
              if (v == NULL)
                {
                  g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                               "'%s': unknown placeholder {%s}", tmpl, name);
                  return NULL;
                }
              g_string_append (s, v);
              p = close + 1;
              continue;
            }
          g_string_append_c (s, *p++);
        }
      g_strv_builder_add (out, s->str);
    }
  return g_strv_builder_end (out);
}

/* The one runner of external commands (switch commands, flash tools). The
 * child leads a process group of its own, so that a timeout or a
 * cancellation ends everything it started: openocd or esptool forked by a
 * wrapper script must not keep the port. SIGTERM first, SIGKILL after a
 * grace period, and the task returns only once the child is reaped. */
#define TF_COMMAND_GRACE_MS 2000

typedef struct
{
  GSubprocess *proc;
  GPid pgid;
  GCancellable *io_cancel; /* ours: reading goes on after the caller cancels */
  GCancellable *cancellable;
  gulong cancel_id;
  guint timeout_id;
  guint kill_id;
  gboolean timed_out;
  gboolean cancelled;
  gboolean done; /* reaped: the group id may no longer be ours */
  guint timeout_ms;
  char *name;
  GBytes *out; /* what it printed (stdout and stderr) */
} RunData;

static void
run_data_free (RunData *d)
{
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  g_clear_handle_id (&d->kill_id, g_source_remove);
  if (d->cancel_id != 0)
    g_cancellable_disconnect (d->cancellable, d->cancel_id);
  g_clear_object (&d->cancellable);
  g_clear_object (&d->io_cancel);
  g_clear_object (&d->proc);
  g_clear_pointer (&d->out, g_bytes_unref);
  g_free (d->name);
  g_free (d);
}

static void
child_setup (gpointer user_data)
{
  /* in the child, before exec: a session (and process group) of its own */
  setsid ();
}

static void
signal_group (RunData *d, int sig)
{
  if (d->pgid > 1 && kill (-d->pgid, sig) < 0 && errno != ESRCH)
    g_warning ("%s: kill (-%d, %d): %s", d->name, (int)d->pgid, sig, g_strerror (errno));
}

static gboolean
on_grace_over (gpointer user_data)
{
  RunData *d = user_data;
  d->kill_id = 0;
  g_debug ("%s: still running after SIGTERM, SIGKILL to group %d", d->name, (int)d->pgid);
  signal_group (d, SIGKILL);
  return G_SOURCE_REMOVE;
}

static void
terminate (RunData *d)
{
  if (d->kill_id != 0)
    return;
  signal_group (d, SIGTERM);
  d->kill_id = g_timeout_add (TF_COMMAND_GRACE_MS, on_grace_over, d);
}

static gboolean
on_timeout (gpointer user_data)
{
  RunData *d = user_data;
  d->timeout_id = 0;
  d->timed_out = TRUE;
  terminate (d);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled_task_idle (gpointer user_data)
{
  RunData *d = g_task_get_task_data (G_TASK (user_data));
  if (!d->done)
    {
      d->cancelled = TRUE;
      terminate (d);
    }
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  /* may run in another thread's cancel(): act in the main context */
  g_idle_add_full (G_PRIORITY_DEFAULT, on_cancelled_task_idle, g_object_ref (user_data),
                   g_object_unref);
}

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RunData *d = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_subprocess_communicate_finish (d->proc, res, &d->out, NULL, &error);

  g_clear_handle_id (&d->timeout_id, g_source_remove);
  g_clear_handle_id (&d->kill_id, g_source_remove);
  /* the child is reaped; whatever it left in its group goes with it */
  signal_group (d, SIGKILL);
  d->done = TRUE;
  if (d->out == NULL)
    d->out = g_bytes_new (NULL, 0);
  if (d->cancelled || g_cancellable_is_cancelled (d->cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: cancelled", d->name);
  else if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_async (const char *const *argv, const char *const *env, guint timeout_ms,
           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
           gpointer source_tag)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  const char *ident;
  RunData *d;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  /* the task ends when the child is gone, not when the caller cancels */
  g_task_set_check_cancellable (task, FALSE);
  d = g_new0 (RunData, 1);
  g_task_set_task_data (task, d, (GDestroyNotify)run_data_free);
  d->name = g_path_get_basename (argv[0]);
  d->timeout_ms = timeout_ms;
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE
                                   | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  for (guint i = 0; env != NULL && env[i] != NULL && env[i + 1] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  d->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (d->proc == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "%s", error->message);
      return;
    }
  ident = g_subprocess_get_identifier (d->proc);
  d->pgid = ident != NULL ? (GPid)g_ascii_strtoll (ident, NULL, 10) : 0;
  d->io_cancel = g_cancellable_new ();
  d->timeout_id = g_timeout_add (timeout_ms, on_timeout, d);
  if (cancellable != NULL)
    {
      d->cancellable = g_object_ref (cancellable);
      d->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), task, NULL);
    }
  g_subprocess_communicate_async (d->proc, NULL, d->io_cancel, on_communicated,
                                  g_steal_pointer (&task));
}

void
tf_command_run_async (const char *const *argv, guint timeout_ms, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (argv != NULL && argv[0] != NULL);
  g_return_if_fail (timeout_ms > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  run_async (argv, NULL, timeout_ms, cancellable, callback, user_data, tf_command_run_async);
}

gboolean
tf_command_run_finish (GAsyncResult *res, char **output, GError **error)
{
  RunData *d;
  g_autofree char *out = NULL;

  g_return_val_if_fail (g_task_is_valid (res, NULL), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (res, tf_command_run_async), FALSE);
  d = g_task_get_task_data (G_TASK (res));
  if (d->out != NULL && g_bytes_get_size (d->out) > 0)
    out = g_utf8_make_valid (g_bytes_get_data (d->out, NULL), g_bytes_get_size (d->out));
  else if (d->out != NULL)
    out = g_strdup ("");
  if (output != NULL)
    *output = g_strdup (out);
  if (!g_task_propagate_boolean (G_TASK (res), error))
    return FALSE;
  if (d->timed_out)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_TIMED_OUT, "%s: no result within %u ms", d->name,
                   d->timeout_ms);
      return FALSE;
    }
  if (g_subprocess_get_if_signaled (d->proc))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "%s: killed by signal %d", d->name,
                   g_subprocess_get_term_sig (d->proc));
      return FALSE;
    }
  if (g_subprocess_get_exit_status (d->proc) != 0)
    {
      g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
      guint n = g_strv_length (lines);
      const char *last = n > 0 ? lines[n - 1] : "";
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "%s: exit status %d%s%s", d->name,
                   g_subprocess_get_exit_status (d->proc), last[0] ? ": " : "", last);
      return FALSE;
    }
  return TRUE;
}

void
tf_command_spawn_async (const char *const *argv, const char *const *env, guint timeout_ms,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (argv != NULL && argv[0] != NULL);
  g_return_if_fail (timeout_ms > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  run_async (argv, env, timeout_ms, cancellable, callback, user_data, tf_command_spawn_async);
}

GBytes *
tf_command_spawn_finish (GAsyncResult *res, int *exit_status, GError **error)
{
  RunData *d;
  g_return_val_if_fail (g_task_is_valid (res, NULL), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (res, tf_command_spawn_async), NULL);
  d = g_task_get_task_data (G_TASK (res));
  if (!g_task_propagate_boolean (G_TASK (res), error))
    return NULL;
  if (exit_status != NULL)
    *exit_status = !d->timed_out && g_subprocess_get_if_exited (d->proc)
                       ? g_subprocess_get_exit_status (d->proc)
                       : -1;
  return g_bytes_ref (d->out);
}
