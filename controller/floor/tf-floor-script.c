/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-command.h"
#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-provision.h"
#include "tf-session-json.h"
#include "tf-time.h"

#include <string.h>

/* Automated cases: a script run with the session's facts in its environment. */

/* --- automation ------------------------------------------------------------------- */

typedef struct
{
  TfFloor *floor;
  char *session;
  gint case_id;
  char *script;
  gint64 started_at;
} CaseRun;

static void
case_run_free (CaseRun *r)
{
  g_free (r->session);
  g_free (r->script);
  g_free (r);
}

static void
on_script_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CaseRun *r = g_task_get_task_data (task);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  TfFloor *f = r->floor;
  TfSession *s = tf_floor_session (f, r->session);
  const char *verdict;
  int status = -1;

  /* bytes, not UTF-8: a script that prints binary still gets its verdict */
  out = tf_command_spawn_finish (res, &status, &error);
  if (out == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  verdict = status == 0    ? "pass"
            : status == 1  ? "fail"
            : status == 77 ? "not-applicable"
                           : "inconclusive";
  if (s == NULL || (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING)
      || s->signed_client)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY,
                               "session %s moved on while the script ran", r->session);
      return;
    }
  {
    g_autofree char *note = g_strdup_printf ("automated: %s exited with %d", r->script, status);
    gsize len = 0;
    const char *data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
    /* the end of the output is where a failing test says why */
    gsize start = len > TF_SDB_RUN_OUTPUT_MAX ? len - TF_SDB_RUN_OUTPUT_MAX : 0;
    g_autofree char *tail = g_utf8_make_valid (data != NULL ? data + start : "", len - start);
    TfSdbRun run = { r->script, r->started_at, g_get_real_time (), status, tail, (gint64)len };
    /* g_utf8_make_valid may grow it (U+FFFD for bad bytes): keep the bound */
    if (strlen (tail) > TF_SDB_RUN_OUTPUT_MAX)
      {
        gsize cut = strlen (tail) - TF_SDB_RUN_OUTPUT_MAX;
        while (cut < strlen (tail) && ((guchar)tail[cut] & 0xC0) == 0x80)
          cut++;
        run.output = tail + cut;
      }
    if (!tf_store_begin (f->store, &error)
        || !tf_sdb_set_verdict (f->store, r->session, r->case_id, verdict, note, NULL, "automation",
                                run.finished_at, NULL, &error)
        || !tf_sdb_add_run (f->store, r->session, r->case_id, &run, &error)
        || !tf_store_commit (f->store, &error))
      {
        tf_store_rollback (f->store);
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
  }
  tf_floor_publish_session (f, s);
  g_task_return_pointer (task, g_strdup (verdict), g_free);
}

void
tf_floor_run_case_async (TfFloor *f, const char *session, gint case_id, GAsyncReadyCallback cb,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, cb, user_data);
  TfSession *s = tf_floor_session (f, session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  const TfCase *c = ets ? tf_ets_find_case (ets, case_id) : NULL;
  const TfImpl *server = s ? tf_floor_impl (f, s->server) : NULL;
  const TfImpl *client = s ? tf_floor_impl (f, s->client) : NULL;
  g_autofree char *log = NULL;
  g_autofree char *n = NULL;
  CaseRun *r;

  if (s == NULL || c == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no case %d in session %s",
                               case_id, session);
      return;
    }
  if (c->script == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "case %d has no automation script", case_id);
      return;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running",
                               session, tf_phase_to_string (s->phase));
      return;
    }
  log = g_strdup_printf ("%s/console/%s.log", tf_lab_get_config (f->lab)->state_dir, s->board);
  n = g_strdup_printf ("%d", case_id);
  {
    const char *env[] = { "TF_SESSION",
                          s->id,
                          "TF_CASE",
                          c->name,
                          "TF_CLIENT",
                          s->client,
                          "TF_SERVER",
                          s->server,
                          "TF_ENDPOINT",
                          client && client->endpoint ? client->endpoint : s->client,
                          "TF_SERVER_URI",
                          server && server->server_uri ? server->server_uri : "",
                          "TF_BOARD",
                          s->board,
                          "TF_CONSOLE_LOG",
                          log,
                          "TF_CASE_ID",
                          n,
                          NULL };
    const char *argv[] = { c->script, NULL };
    r = g_new0 (CaseRun, 1);
    r->floor = f;
    r->session = g_strdup (session);
    r->case_id = case_id;
    r->script = g_strdup (c->script);
    r->started_at = g_get_real_time ();
    g_task_set_task_data (task, r, (GDestroyNotify)case_run_free);
    /* bounded: a script that hangs is killed (with what it started) and judged Inconclusive */
    tf_command_spawn_async (argv, env, 120000, NULL, on_script_done, g_steal_pointer (&task));
  }
}

gboolean
tf_floor_run_case_finish (GAsyncResult *res, char **verdict, GError **error)
{
  char *v = g_task_propagate_pointer (G_TASK (res), error);
  if (v == NULL)
    return FALSE;
  *verdict = v;
  return TRUE;
}
