/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-provision.h"
#include "tf-error.h"

#include <stdlib.h>
#include <string.h>

const char tf_provision_default_script[] = "send config set server-uri {server_uri}\n"
                                           "expect ^ok$ 3000\n"
                                           "send config set endpoint {endpoint}\n"
                                           "expect ^ok$ 3000\n"
                                           "send lwm2m start\n"
                                           "expect ^lwm2m: registered 20000\n";

typedef struct
{
  gboolean send;
  char *text;    /* what to send */
  GRegex *regex; /* what to expect */
  char *pattern;
  guint timeout_ms;
  guint line;
} Step;

struct _TfProvisionScript
{
  GPtrArray *steps;
  char *origin;
};

static void
step_free (Step *s)
{
  g_free (s->text);
  g_free (s->pattern);
  g_clear_pointer (&s->regex, g_regex_unref);
  g_free (s);
}

void
tf_provision_script_free (TfProvisionScript *script)
{
  if (script == NULL)
    return;
  g_ptr_array_unref (script->steps);
  g_free (script->origin);
  g_free (script);
}

guint
tf_provision_script_len (TfProvisionScript *script)
{
  return script->steps->len;
}

static char *
expand (const char *in, GHashTable *vars, const char *origin, guint line, GError **error)
{
  GString *out = g_string_new (NULL);
  for (const char *p = in; *p != '\0'; p++)
    {
      const char *end;
      g_autofree char *name = NULL;
      const char *v;
      if (*p != '{' || (end = strchr (p, '}')) == NULL)
        {
          g_string_append_c (out, *p);
          continue;
        }
      name = g_strndup (p + 1, end - p - 1);
      v = vars != NULL ? g_hash_table_lookup (vars, name) : NULL;
      if (v == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: unknown placeholder {%s}",
                       origin, line, name);
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append (out, v);
      p = end;
    }
  return g_string_free (out, FALSE);
}

TfProvisionScript *
tf_provision_script_parse (const char *text, const char *origin, GHashTable *vars, GError **error)
{
  g_autoptr (TfProvisionScript) script = g_new0 (TfProvisionScript, 1);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  script->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  script->origin = g_strdup (origin);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *l = g_strstrip (lines[i]);
      g_autofree char *arg = NULL;
      Step *s;
      if (*l == '\0' || *l == '#')
        continue;
      s = g_new0 (Step, 1);
      s->line = i + 1;
      s->timeout_ms = 5000;
      g_ptr_array_add (script->steps, s);
      if (g_str_has_prefix (l, "send ") || strcmp (l, "send") == 0)
        {
          s->send = TRUE;
          s->text = expand (l + 4 + (l[4] != '\0'), vars, origin, i + 1, error);
          if (s->text == NULL)
            return NULL;
        }
      else if (g_str_has_prefix (l, "expect "))
        {
          char *pat = g_strstrip (l + 7);
          char *sp = strrchr (pat, ' ');
          g_autoptr (GError) local = NULL;
          if (sp != NULL && sp[1] != '\0' && strspn (sp + 1, "0123456789") == strlen (sp + 1))
            {
              s->timeout_ms = MAX (1, atoi (sp + 1));
              *sp = '\0';
              g_strchomp (pat);
            }
          s->pattern = expand (pat, vars, origin, i + 1, error);
          if (s->pattern == NULL)
            return NULL;
          s->regex = g_regex_new (s->pattern, G_REGEX_OPTIMIZE, 0, &local);
          if (s->regex == NULL)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: %s", origin, i + 1,
                           local->message);
              return NULL;
            }
        }
      else
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: a step is 'send TEXT' or 'expect REGEX [TIMEOUT_MS]'", origin,
                       i + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&script);
}

typedef struct
{
  TfConsole *console;
  TfProvisionScript *script;
  guint next;
  gulong line_id;
  guint timer;
  gulong cancel_id;
} Run;

static void
run_stop (Run *r)
{
  if (r->line_id != 0)
    g_signal_handler_disconnect (r->console, r->line_id);
  r->line_id = 0;
  g_clear_handle_id (&r->timer, g_source_remove);
}

static void
run_free (Run *r)
{
  run_stop (r);
  g_object_unref (r->console);
  tf_provision_script_free (r->script);
  g_free (r);
}

static void
advance (GTask *task);

static void
on_line (TfConsole *console, const char *line, gint64 at, GTask *task)
{
  Run *r = g_task_get_task_data (task);
  Step *s = g_ptr_array_index (r->script->steps, r->next);
  if (!g_regex_match (s->regex, line, 0, NULL))
    return;
  run_stop (r);
  r->next++;
  advance (task);
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Run *r = g_task_get_task_data (task);
  Step *s = g_ptr_array_index (r->script->steps, r->next);
  r->timer = 0;
  run_stop (r);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }
  g_task_return_new_error (task, TF_ERROR, TF_ERROR_TIMED_OUT,
                           "%s:%u: no console line matching '%s' within %u ms", r->script->origin,
                           s->line, s->pattern, s->timeout_ms);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Holds one reference to @task while a step waits. */
static void
advance (GTask *task)
{
  Run *r = g_task_get_task_data (task);
  while (r->next < r->script->steps->len)
    {
      Step *s = g_ptr_array_index (r->script->steps, r->next);
      g_autoptr (GError) error = NULL;
      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          return;
        }
      if (!s->send)
        {
          r->line_id = g_signal_connect (r->console, "line", G_CALLBACK (on_line), task);
          r->timer = g_timeout_add (s->timeout_ms, on_timeout, task);
          return;
        }
      {
        g_autofree char *data = g_strdup_printf ("%s\r\n", s->text);
        if (!tf_console_write (r->console, data, strlen (data), &error))
          {
            g_prefix_error (&error, "%s:%u: ", r->script->origin, s->line);
            g_task_return_error (task, g_steal_pointer (&error));
            g_object_unref (task);
            return;
          }
      }
      r->next++;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
tf_provision_run_async (TfConsole *console, TfProvisionScript *script, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Run *r = g_new0 (Run, 1);
  r->console = g_object_ref (console);
  r->script = script;
  g_task_set_task_data (task, r, (GDestroyNotify)run_free);
  advance (task);
}

gboolean
tf_provision_run_finish (GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}
