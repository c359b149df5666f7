/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-ets-transcript.h"
#include "tf-floor-private.h"
#include "tf-json.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* Automated cases for a client under test, decided by the lab's runner (the catalogue's
 * `automated = client`, runner tf-ets-run): the runner plays the ETS's server on the
 * controller's own address on the lab network ([ets] address, in [ets] netns when the lab
 * network lives in a namespace of its own), tells us where it listens; we point the board's
 * client there through the board's console (the client's provisioning script, as for the
 * session), relay what the case asks to be typed on the console, and enter the verdict the
 * runner decided from the exchange, as "automation", with the exchange as its evidence.
 * A session's cases run one after another (one client); sessions run theirs at once. */

#define CASE_TIMEOUT_S 600       /* a case the runner has not decided by then is killed */
#define RUNNER_OUT_MAX (8 << 20) /* its JSON on stdout */
#define RUNNER_CTL_LINE_MAX 4096

typedef struct
{
  TfFloor *floor; /* NULL once the floor is gone */
  char *session;
  GArray *todo; /* gint case ids, in order */
  guint next;
  JsonBuilder *results;
  GTask *task;
  /* the case running */
  gint case_id;
  GSubprocess *proc;
  GDataInputStream *ctl;
  GCancellable *cancel;
  gint64 started_at;
  guint timeout_id;
  char *why_stopped; /* the lab stopped the runner: why (Inconclusive) */
  gboolean skipped;  /* ... because the lab cannot set the case up: no verdict, a person's */
  guint waiting;     /* the runner's exit and the end of its control lines */
  GBytes *out, *err;
} Batch;

static void
run_next (Batch *b);

static void
batch_free (Batch *b)
{
  g_array_unref (b->todo);
  g_clear_object (&b->results);
  g_clear_object (&b->proc);
  g_clear_object (&b->ctl);
  g_clear_object (&b->cancel);
  g_clear_handle_id (&b->timeout_id, g_source_remove);
  g_clear_pointer (&b->out, g_bytes_unref);
  g_clear_pointer (&b->err, g_bytes_unref);
  g_free (b->why_stopped);
  g_free (b->session);
  g_free (b);
}

static void
case_done (Batch *b);

/* both the exit and the control lines' end: only then may the batch go on (or be freed) */
static void
step_done (Batch *b)
{
  if (--b->waiting == 0)
    case_done (b);
}

static void
stop_runner (Batch *b, const char *why)
{
  if (b->proc == NULL)
    return;
  if (b->why_stopped == NULL)
    b->why_stopped = g_strdup (why);
  g_info ("session %s case %d: stopping the runner: %s", b->session, b->case_id, why);
  g_subprocess_force_exit (b->proc);
}

/* the end of the batch: its answer, and the board's client back to the session's server */
static void
batch_done (Batch *b, GError *error)
{
  TfFloor *f = b->floor;
  GTask *task = g_steal_pointer (&b->task);
  TfSession *s = f != NULL ? tf_floor_session (f, b->session) : NULL;
  Live *l = f != NULL ? g_hash_table_lookup (f->live, b->session) : NULL;

  if (f != NULL)
    g_hash_table_remove (f->ets_runs, b->session);
  if (s != NULL && l != NULL && l->console != NULL && s->phase == TF_PHASE_RUNNING)
    {
      const TfImpl *server = tf_floor_impl (f, s->server);
      g_autoptr (GError) local = NULL;
      TfProvisionScript *script = tf_floor_provision_script (
          f, s, server && server->server_uri ? server->server_uri : "", NULL, &local);
      if (script != NULL)
        tf_provision_run_async (l->console, script, l->cancel, NULL, NULL);
      else
        g_warning ("session %s: the client back to its server: %s", b->session, local->message);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    {
      json_builder_end_array (b->results);
      g_task_return_pointer (task, json_builder_get_root (b->results),
                             (GDestroyNotify)json_node_unref);
    }
  g_object_unref (task);
  batch_free (b);
}

/* --- the runner's control lines ------------------------------------------------------ */

static void
on_provisioned (GObject *source, GAsyncResult *res, gpointer user_data)
{
  char *session = user_data;
  g_autoptr (GError) error = NULL;
  /* cancelled: the case ended before the client said it registered (the runner saw it) */
  if (!tf_provision_run_finish (res, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_info ("session %s: pointing the client at the lab's runner: %s", session, error->message);
  g_free (session);
}

static void
on_ctl_line (GObject *source, GAsyncResult *res, gpointer user_data);

static void
read_ctl (Batch *b)
{
  g_data_input_stream_read_line_async (b->ctl, G_PRIORITY_DEFAULT, b->cancel, on_ctl_line, b);
}

static void
ctl_line (Batch *b, const char *line)
{
  TfFloor *f = b->floor;
  TfSession *s = tf_floor_session (f, b->session);
  Live *l = g_hash_table_lookup (f->live, b->session);
  g_autoptr (GError) error = NULL;

  if (s == NULL || l == NULL || l->console == NULL)
    {
      stop_runner (b, "the session has no console any more");
      return;
    }
  if (g_str_has_prefix (line, "listening "))
    {
      /* "listening URI [SET-UP...]": what the client must be provisioned with besides the
       * server URI; the event's script for it, the strongest first */
      g_auto (GStrv) w = g_strsplit (line + 10, " ", -1);
      const char *setup = NULL;
      TfProvisionScript *script;
      g_info ("session %s board %s case %d: the lab's runner listens on %s", s->id, s->board,
              b->case_id, line + 10);
      for (const char *const *k = (const char *const[]){ "bootstrap", "queue", "psk", NULL };
           *k != NULL && setup == NULL; k++)
        if (w[0] != NULL && g_strv_contains ((const char *const *)w + 1, *k))
          setup = *k;
      script = w[0] != NULL ? tf_floor_provision_script (f, s, w[0], setup, &error) : NULL;
      if (script == NULL)
        {
          g_autofree char *why = g_strdup_printf (
              "left to a person: %s", error != NULL ? error->message : "the runner said no URI");
          b->skipped = error != NULL && g_error_matches (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED);
          stop_runner (b, why);
          return;
        }
      tf_provision_run_async (l->console, script, b->cancel, on_provisioned, g_strdup (s->id));
    }
  else if (g_str_has_prefix (line, "console "))
    {
      g_autofree char *data = g_strdup_printf ("%s\r\n", line + 8);
      g_info ("session %s board %s case %d: console: %s", s->id, s->board, b->case_id, line + 8);
      if (!tf_console_write (l->console, data, strlen (data), &error))
        {
          g_autofree char *why
              = g_strdup_printf ("board %s's console: %s", s->board, error->message);
          stop_runner (b, why);
        }
    }
  else
    g_warning ("session %s case %d: runner said something unknown", b->session, b->case_id);
}

static void
on_ctl_line (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Batch *b = user_data;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  g_autofree char *line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, &len, &error);
  if (line == NULL || b->floor == NULL || g_cancellable_is_cancelled (b->cancel))
    {
      /* the end (the runner exited), cancelled, or not UTF-8: the exit decides */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        stop_runner (b, error->message);
      step_done (b);
      return;
    }
  if (len > RUNNER_CTL_LINE_MAX)
    stop_runner (b, "the runner's control line is too long");
  else
    ctl_line (b, line);
  read_ctl (b);
}

/* --- one case ------------------------------------------------------------------------- */

static void
child_setns (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  /* only between fork and exec: a failure leaves the runner unable to bind its address,
   * and it says so */
  if (fd >= 0)
    (void)setns (fd, CLONE_NEWNET);
}

static char *
find_runner (TfFloor *f, const char *name)
{
  const TfLabConfig *cfg = tf_lab_get_config (f->lab);
  for (guint i = 0; cfg->ets_runner_path != NULL && cfg->ets_runner_path[i] != NULL; i++)
    {
      g_autofree char *p = g_build_filename (cfg->ets_runner_path[i], name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&p);
    }
  {
    g_autofree char *p = g_build_filename (TF_BINDIR, name, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
      return g_steal_pointer (&p);
  }
  return g_find_program_in_path (name);
}

/* one line of the batch's answer; @verdict NULL: nothing entered, a person's case */
static void
add_result (Batch *b, gint case_id, const char *verdict, const char *note)
{
  json_builder_begin_object (b->results);
  json_builder_set_member_name (b->results, "case");
  json_builder_add_int_value (b->results, case_id);
  json_builder_set_member_name (b->results, "verdict");
  if (verdict != NULL)
    json_builder_add_string_value (b->results, verdict);
  else
    json_builder_add_null_value (b->results);
  json_builder_set_member_name (b->results, "note");
  json_builder_add_string_value (b->results, note);
  json_builder_end_object (b->results);
}

static void
enter_verdict (Batch *b, GSubprocess *proc, GBytes *out, GBytes *err)
{
  TfFloor *f = b->floor;
  TfSession *s = tf_floor_session (f, b->session);
  g_autoptr (JsonObject) json = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *note = NULL;
  const char *verdict;
  gint status = -1;
  gsize len = 0;
  const char *data = out != NULL ? g_bytes_get_data (out, &len) : NULL;

  if (b->skipped)
    {
      g_info ("session %s case %d: %s", b->session, b->case_id, b->why_stopped);
      add_result (b, b->case_id, NULL, b->why_stopped);
      return;
    }
  if (g_subprocess_get_if_exited (proc))
    status = g_subprocess_get_exit_status (proc);
  if (data != NULL && len > 0 && len <= RUNNER_OUT_MAX)
    json = tf_json_parse_object (data, len, RUNNER_OUT_MAX, 64, NULL);
  verdict = b->why_stopped != NULL ? "inconclusive"
            : status == 0          ? "pass"
            : status == 1          ? "fail"
            : status == 77         ? "not-applicable"
                                   : "inconclusive";
  if (json != NULL && b->why_stopped == NULL)
    transcript = tf_ets_transcript (json);
  else
    {
      /* no verdict of the runner's: what it said on stderr is the evidence */
      gsize elen = 0;
      const char *e = err != NULL ? g_bytes_get_data (err, &elen) : NULL;
      g_autofree char *etext = g_utf8_make_valid (e != NULL ? e : "", elen);
      transcript
          = g_strdup_printf ("the runner did not decide: %s\n%s",
                             b->why_stopped != NULL ? b->why_stopped : "it gave no verdict", etext);
    }
  if (json != NULL && b->why_stopped == NULL && tf_json_get_string (json, "reason") != NULL)
    note = g_strdup_printf (
        "automated (tf-ets-run): %s%s%s: %.900s", verdict,
        tf_json_get_string (json, "criterion") ? " at criterion " : "",
        tf_json_get_string (json, "criterion") ? tf_json_get_string (json, "criterion") : "",
        tf_json_get_string (json, "reason"));
  else
    note = g_strdup_printf ("automated (tf-ets-run): %s%s%.900s", verdict,
                            b->why_stopped ? ": " : "", b->why_stopped ? b->why_stopped : "");
  if (s == NULL || s->phase != TF_PHASE_RUNNING || s->signed_client)
    {
      g_info ("session %s case %d: moved on while the runner ran; its %s is not entered",
              b->session, b->case_id, verdict);
      return;
    }
  {
    gsize tlen = strlen (transcript);
    /* the store keeps a run's last 64 KiB: the head (verdict, criteria) matters more */
    if (tlen > TF_SDB_RUN_OUTPUT_MAX)
      {
        gsize cut = TF_SDB_RUN_OUTPUT_MAX - 64;
        while (cut > 0 && ((guchar)transcript[cut] & 0xC0) == 0x80)
          cut--;
        transcript[cut] = '\0';
        g_autofree char *t = g_strconcat (transcript, "\n[the exchange goes on; cut here]\n", NULL);
        g_free (transcript);
        transcript = g_steal_pointer (&t);
      }
    TfSdbRun run
        = { "tf-ets-run", b->started_at, g_get_real_time (), status, transcript, (gint64)tlen };
    if (!tf_store_begin (f->store, &error)
        || !tf_sdb_set_verdict (f->store, b->session, b->case_id, verdict, note, NULL, "automation",
                                run.finished_at, NULL, &error)
        || !tf_sdb_add_run (f->store, b->session, b->case_id, &run, &error)
        || !tf_store_commit (f->store, &error))
      {
        tf_store_rollback (f->store);
        g_warning ("session %s case %d: %s", b->session, b->case_id, error->message);
        return;
      }
  }
  g_info ("session %s board %s case %d: %s (automated)", s->id, s->board, b->case_id, verdict);
  tf_floor_publish_session (f, s);
  add_result (b, b->case_id, verdict, note);
}

static void
on_runner_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Batch *b = user_data;
  GSubprocess *proc = G_SUBPROCESS (source);
  g_autoptr (GError) error = NULL;

  /* communicate returns once both pipes closed; the exit status comes with the wait */
  if (!g_subprocess_communicate_finish (proc, res, &b->out, &b->err, &error))
    g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
  g_clear_handle_id (&b->timeout_id, g_source_remove);
  g_cancellable_cancel (b->cancel); /* the control line reader and a provisioning under way */
  step_done (b);
}

static void
case_done (Batch *b)
{
  if (b->floor == NULL)
    {
      if (b->task != NULL)
        {
          g_task_return_new_error (b->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the floor stopped");
          g_clear_object (&b->task);
        }
      batch_free (b);
      return;
    }
  enter_verdict (b, b->proc, b->out, b->err);
  g_clear_pointer (&b->out, g_bytes_unref);
  g_clear_pointer (&b->err, g_bytes_unref);
  g_clear_object (&b->proc);
  g_clear_object (&b->ctl);
  g_clear_object (&b->cancel);
  g_clear_pointer (&b->why_stopped, g_free);
  b->skipped = FALSE;
  run_next (b);
}

static gboolean
on_case_timeout (gpointer user_data)
{
  Batch *b = user_data;
  b->timeout_id = 0;
  stop_runner (b, "the case was not decided within 600 s");
  return G_SOURCE_REMOVE;
}

static gboolean
case_needs_psk (const TfCase *c)
{
  return c->features != NULL && g_strv_contains ((const char *const *)c->features, "dtls-psk");
}

static char *
psk_hex (const TfImpl *client)
{
  gsize n = 0;
  const guint8 *k = g_bytes_get_data (client->psk_key, &n);
  GString *hex = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (hex, "%02x", k[i]);
  return g_string_free (hex, FALSE);
}

static gboolean
spawn_runner (Batch *b, TfSession *s, const TfCase *c, GError **error)
{
  TfFloor *f = b->floor;
  const TfLabConfig *cfg = tf_lab_get_config (f->lab);
  const TfImpl *client = tf_floor_impl (f, s->client);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *runner = find_runner (f, c->runner);
  g_autofree char *listen = NULL, *id = g_strdup_printf ("%d", c->id);
  g_autofree char *answer = g_strdup_printf ("%" G_GUINT64_FORMAT, cfg->ets_answer_wait_s);
  g_autofree char *reg = g_strdup_printf ("%" G_GUINT64_FORMAT, cfg->ets_register_wait_s);
  int pipe_fds[2] = { -1, -1 };
  int netns = -1;

  if (runner == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND,
                   "no runner program '%s' ([ets] runner-path)", c->runner);
      return FALSE;
    }
  listen = g_strdup_printf (strchr (cfg->ets_address, ':') ? "[%s]:0" : "%s:0", cfg->ets_address);
  if (cfg->ets_netns != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/run/netns/%s", cfg->ets_netns);
      netns = open (path, O_RDONLY | O_CLOEXEC);
      if (netns < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE,
                       "the lab network's namespace %s: %s", cfg->ets_netns, g_strerror (errno));
          return FALSE;
        }
    }
  if (!g_unix_open_pipe (pipe_fds, FD_CLOEXEC, error))
    {
      if (netns >= 0)
        close (netns);
      return FALSE;
    }
  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_fd (launcher, pipe_fds[1], 3);
  if (netns >= 0)
    g_subprocess_launcher_set_child_setup (launcher, child_setns, GINT_TO_POINTER (netns), NULL);
  {
    const char *argv[]
        = { runner, "--case", id, "--ets", s->ets_version, "--listen", listen, "--endpoint",
            client && client->endpoint ? client->endpoint : s->client, "--console-fd", "3",
            /* the queue-mode set-up's listening window, as the client's
             * script is told it ({queue_window}) */
            "--queue-window", TF_ETS_QUEUE_WINDOW, "--answer-wait", answer, "--register-wait", reg,
            NULL, NULL, NULL };
    if (case_needs_psk (c))
      {
        /* the lab's PSK for the client: the identity on the command line, the key in the
         * runner's environment (not in every user's ps) */
        g_autofree char *hex = psk_hex (client);
        argv[17] = "--psk-id";
        argv[18] = client->psk_identity;
        g_subprocess_launcher_setenv (launcher, "TF_PSK_KEY", hex, TRUE);
      }
    b->proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  }
  if (netns >= 0)
    close (netns);
  if (b->proc == NULL)
    {
      close (pipe_fds[0]);
      return FALSE;
    }
  b->cancel = g_cancellable_new ();
  {
    g_autoptr (GInputStream) raw = g_unix_input_stream_new (pipe_fds[0], TRUE);
    b->ctl = g_data_input_stream_new (raw);
  }
  b->waiting = 2;
  b->case_id = c->id;
  b->started_at = g_get_real_time ();
  b->timeout_id = g_timeout_add_seconds (CASE_TIMEOUT_S, on_case_timeout, b);
  g_info ("session %s board %s case %d: runner %s started (pid %s)", s->id, s->board, c->id, runner,
          g_subprocess_get_identifier (b->proc));
  read_ctl (b);
  g_subprocess_communicate_async (b->proc, NULL, NULL, on_runner_done, b);
  return TRUE;
}

static void
run_next (Batch *b)
{
  TfFloor *f = b->floor;
  TfSession *s = tf_floor_session (f, b->session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  g_autoptr (GError) error = NULL;

  while (b->next < b->todo->len)
    {
      gint id = g_array_index (b->todo, gint, b->next++);
      const TfCase *c = ets ? tf_ets_find_case (ets, id) : NULL;
      if (s == NULL || s->phase != TF_PHASE_RUNNING)
        {
          batch_done (b, g_error_new (TF_ERROR, TF_ERROR_BUSY, "session %s is no longer running",
                                      b->session));
          return;
        }
      if (c == NULL)
        continue;
      if (case_needs_psk (c))
        {
          const TfImpl *client = tf_floor_impl (f, s->client);
          if (client == NULL || client->psk_identity == NULL || client->psk_key == NULL)
            {
              g_autofree char *why = g_strdup_printf (
                  "left to a person: the event names no lab PSK (psk-identity, psk-key-file) "
                  "for %s",
                  s->client);
              add_result (b, id, NULL, why);
              continue;
            }
        }
      if (spawn_runner (b, s, c, &error))
        return;
      batch_done (b, g_steal_pointer (&error));
      return;
    }
  batch_done (b, NULL);
}

/* --- the verb's side ------------------------------------------------------------------ */

static gboolean
case_runs (const TfCase *c)
{
  return c != NULL && (c->automated & TF_CASE_AUTO_CLIENT) && c->runner != NULL
         && c->script == NULL;
}

/* The cases "all automated" means: the session's cases the runner decides for a client,
 * except those found Not Applicable and those a person gave a verdict (theirs stands; a
 * single case asked by its id runs again whatever it holds). */
static GArray *
all_automated (TfFloor *f, TfSession *s, const TfEts *ets, GError **error)
{
  g_autoptr (GPtrArray) rows = tf_sdb_cases (f->store, s->id, error);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint));
  if (rows == NULL)
    {
      g_array_unref (ids);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TfCaseRow *r = g_ptr_array_index (rows, i);
      if (!case_runs (tf_ets_find_case (ets, r->id)))
        continue;
      if (g_strcmp0 (r->verdict, "not-applicable") == 0
          || (r->verdict != NULL && g_strcmp0 (r->entered_by, "automation") != 0))
        continue;
      g_array_append_val (ids, r->id);
    }
  return ids;
}

void
tf_floor_ets_run_async (TfFloor *f, const char *session, gint case_id, GAsyncReadyCallback cb,
                        gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, cb, user_data);
  TfSession *s = tf_floor_session (f, session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  g_autoptr (GError) error = NULL;
  Batch *b;

  if (s == NULL || ets == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no session %s with an ETS",
                               session);
      return;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running",
                               session, tf_phase_to_string (s->phase));
      return;
    }
  if (tf_lab_get_config (f->lab)->ets_address == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "the lab has no runner: its lab file names no [ets] address on "
                               "the lab network");
      return;
    }
  if (g_hash_table_contains (f->ets_runs, s->id))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY,
                               "session %s runs automated cases already", session);
      return;
    }
  b = g_new0 (Batch, 1);
  if (case_id >= 0)
    {
      if (!case_runs (tf_ets_find_case (ets, case_id)))
        {
          g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                                   "case %d is not automated for a client under test", case_id);
          g_free (b);
          return;
        }
      b->todo = g_array_new (FALSE, FALSE, sizeof (gint));
      g_array_append_val (b->todo, case_id);
    }
  else if ((b->todo = all_automated (f, s, ets, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_free (b);
      return;
    }
  b->floor = f;
  b->session = g_strdup (s->id);
  b->results = json_builder_new ();
  json_builder_begin_array (b->results);
  b->task = g_steal_pointer (&task);
  g_hash_table_insert (f->ets_runs, b->session, b);
  g_info ("session %s board %s: %u automated case(s) to run", s->id, s->board, b->todo->len);
  run_next (b);
}

/* An array of {case, verdict, note}, in the order run. */
JsonNode *
tf_floor_ets_run_finish (GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* The floor goes: every runner killed; their callbacks find no floor. */
void
tf_floor_ets_stop_all (TfFloor *f)
{
  GHashTableIter it;
  gpointer v;
  if (f->ets_runs == NULL)
    return;
  g_hash_table_iter_init (&it, f->ets_runs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Batch *b = v;
      b->floor = NULL;
      if (b->proc != NULL)
        g_subprocess_force_exit (b->proc);
    }
  g_hash_table_remove_all (f->ets_runs);
}
