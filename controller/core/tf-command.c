/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-command"

#include "tf-command.h"
#include "tf-error.h"

#include <string.h>

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

typedef struct
{
  GSubprocess *proc;
  guint timeout_id;
  gboolean timed_out;
  guint timeout_ms;
  char *name;
} RunData;

static void
run_data_free (RunData *d)
{
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  g_clear_object (&d->proc);
  g_free (d->name);
  g_free (d);
}

static gboolean
on_timeout (gpointer user_data)
{
  RunData *d = user_data;
  d->timeout_id = 0;
  d->timed_out = TRUE;
  g_subprocess_force_exit (d->proc);
  return G_SOURCE_REMOVE;
}

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RunData *d = g_task_get_task_data (task);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_handle_id (&d->timeout_id, g_source_remove);
  if (!g_subprocess_communicate_utf8_finish (d->proc, res, &out, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "output", g_strdup (out), g_free);
  if (d->timed_out)
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_TIMED_OUT, "%s: no result within %u ms",
                             d->name, d->timeout_ms);
  else if (g_subprocess_get_if_signaled (d->proc))
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_FAILED, "%s: killed by signal %d", d->name,
                             g_subprocess_get_term_sig (d->proc));
  else if (g_subprocess_get_exit_status (d->proc) != 0)
    {
      g_autofree char *last = NULL;
      g_auto (GStrv) lines = g_strsplit (g_strstrip (out ? out : (out = g_strdup (""))), "\n", -1);
      guint n = g_strv_length (lines);
      last = n > 0 ? g_strdup (lines[n - 1]) : g_strdup ("");
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_FAILED, "%s: exit status %d%s%s", d->name,
                               g_subprocess_get_exit_status (d->proc), last[0] ? ": " : "", last);
    }
  else
    g_task_return_boolean (task, TRUE);
}

void
tf_command_run_async (const char *const *argv, guint timeout_ms, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  RunData *d = g_new0 (RunData, 1);

  g_task_set_source_tag (task, tf_command_run_async);
  g_task_set_task_data (task, d, (GDestroyNotify)run_data_free);
  d->name = g_path_get_basename (argv[0]);
  d->timeout_ms = timeout_ms;
  d->proc = g_subprocess_newv (argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE
                                   | G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                               &error);
  if (d->proc == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "%s", error->message);
      return;
    }
  d->timeout_id = g_timeout_add (timeout_ms, on_timeout, d);
  g_subprocess_communicate_utf8_async (d->proc, NULL, cancellable, on_communicated,
                                       g_steal_pointer (&task));
}

gboolean
tf_command_run_finish (GAsyncResult *res, char **output, GError **error)
{
  if (output != NULL)
    *output = g_strdup (g_object_get_data (G_OBJECT (res), "output"));
  return g_task_propagate_boolean (G_TASK (res), error);
}
