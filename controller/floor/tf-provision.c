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
  GCancellable *cancel; /* while a step waits: its cancellation ends the script */
  gulong cancel_id;
  guint cancel_idle;
} Run;

/* One script at a time on a console: the scripts asked for it, the running one first. Two at
 * once interleave their lines on the board (an ETS case's set-up begun while the end of the
 * previous case still put the client back to its server: the set-up's bootstrap URI, then the
 * other script's "lwm2m start" bootstrapping, then the set-up's own start restarting the
 * client in the middle of its bootstrap), and either script's "expect ^ok" takes the other's
 * answer. */
#define QUEUE_KEY "tf-provision-queue"

static GQueue *
console_queue (TfConsole *console)
{
  GQueue *q = g_object_get_data (G_OBJECT (console), QUEUE_KEY);
  if (q == NULL)
    {
      q = g_queue_new ();
      g_object_set_data_full (G_OBJECT (console), QUEUE_KEY, q, (GDestroyNotify)g_queue_free);
    }
  return q;
}

static void
run_stop (Run *r)
{
  if (r->line_id != 0)
    g_signal_handler_disconnect (r->console, r->line_id);
  r->line_id = 0;
  if (r->cancel != NULL)
    g_cancellable_disconnect (r->cancel, r->cancel_id);
  r->cancel = NULL;
  r->cancel_id = 0;
  g_clear_handle_id (&r->cancel_idle, g_source_remove);
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

/* @task's end (@error NULL: done): its answer, and the console to the next script waiting */
static void
run_end (GTask *task, GError *error)
{
  Run *r = g_task_get_task_data (task);
  g_autoptr (TfConsole) console = g_object_ref (r->console);
  GQueue *q = console_queue (console);
  gboolean was_head = g_queue_peek_head (q) == task;
  run_stop (r);
  g_queue_remove (q, task);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  if (was_head && !g_queue_is_empty (q))
    advance (g_queue_peek_head (q));
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Run *r = g_task_get_task_data (task);
  Step *s = g_ptr_array_index (r->script->steps, r->next);
  g_autoptr (GError) error = NULL;
  r->timer = 0;
  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    g_set_error (&error, TF_ERROR, TF_ERROR_TIMED_OUT,
                 "%s:%u: no console line matching '%s' within %u ms", r->script->origin, s->line,
                 s->pattern, s->timeout_ms);
  run_end (task, g_steal_pointer (&error));
  return G_SOURCE_REMOVE;
}

/* a step waited and its script was cancelled: the console to the next script at once (the
 * session it was for is over; a late answer of the board's to this one is what a board that
 * was cut short says, the next script expects its own) */
static gboolean
on_cancel_idle (gpointer user_data)
{
  GTask *task = user_data;
  Run *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  r->cancel_idle = 0;
  g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
  run_end (task, g_steal_pointer (&error));
  return G_SOURCE_REMOVE;
}

/* from the "cancelled" signal: ends the script from the main loop, outside the signal */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  Run *r = g_task_get_task_data (task);
  if (r->cancel_idle == 0)
    r->cancel_idle = g_idle_add (on_cancel_idle, task);
}

/* The console's queue holds one reference to @task until its end. A cancelled script ends
 * before its next step, or at once while a step waits. */
static void
advance (GTask *task)
{
  Run *r = g_task_get_task_data (task);
  while (r->next < r->script->steps->len)
    {
      Step *s = g_ptr_array_index (r->script->steps, r->next);
      g_autoptr (GError) error = NULL;
      if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
        {
          run_end (task, g_steal_pointer (&error));
          return;
        }
      if (!s->send)
        {
          r->line_id = g_signal_connect (r->console, "line", G_CALLBACK (on_line), task);
          r->timer = g_timeout_add (s->timeout_ms, on_timeout, task);
          if ((r->cancel = g_task_get_cancellable (task)) != NULL)
            r->cancel_id = g_cancellable_connect (r->cancel, G_CALLBACK (on_cancelled), task, NULL);
          return;
        }
      {
        g_autofree char *data = g_strdup_printf ("%s\r\n", s->text);
        if (!tf_console_write (r->console, data, strlen (data), &error))
          {
            g_prefix_error (&error, "%s:%u: ", r->script->origin, s->line);
            run_end (task, g_steal_pointer (&error));
            return;
          }
      }
      r->next++;
    }
  run_end (task, NULL);
}

/* Runs @script once the console's earlier scripts ended (cancelled ones end then). */
void
tf_provision_run_async (TfConsole *console, TfProvisionScript *script, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GQueue *q = console_queue (console);
  Run *r = g_new0 (Run, 1);
  r->console = g_object_ref (console);
  r->script = script;
  g_task_set_task_data (task, r, (GDestroyNotify)run_free);
  g_queue_push_tail (q, task);
  if (g_queue_peek_head (q) == task)
    advance (task);
  else
    g_debug ("%s waits for %u script(s) before it on the console", script->origin,
             g_queue_get_length (q) - 1);
}

gboolean
tf_provision_run_finish (GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}
