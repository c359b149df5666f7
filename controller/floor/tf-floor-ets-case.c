/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-ets-transcript.h"
#include "tf-floor-ets-private.h"
#include "tf-json.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* One automated case: the lab's runner as a process in the lab network, its control lines
 * (where it listens and for which set-up; what to type on the board's console), its end
 * (the verdict entered, with the runner's exchange as the evidence). */

#define CASE_TIMEOUT_S 600       /* a case the runner has not decided by then is killed */
#define RUNNER_OUT_MAX (8 << 20) /* its JSON on stdout */
#define RUNNER_CTL_LINE_MAX 4096

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

  if (b->server_side)
    {
      /* the server under test: what its operator does next, shown to both companies */
      if (s != NULL && g_str_has_prefix (line, "operator "))
        tf_floor_ets_tell_operator (b, s, line + 9);
      else if (s != NULL)
        g_warning ("session %s case %d: runner said something unknown", b->session, b->case_id);
      return;
    }
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
  /* the note says which implementation was judged */
  g_autofree char *who = b->server_side && s != NULL
                             ? g_strdup_printf ("tf-ets-run, server under test %s", s->server)
                             : g_strdup ("tf-ets-run");

  if (b->skipped)
    {
      g_info ("session %s case %d: %s", b->session, b->case_id, b->why_stopped);
      tf_floor_ets_add_result (b, b->case_id, NULL, b->why_stopped);
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
        "automated (%s): %s%s%s: %.900s", who, verdict,
        tf_json_get_string (json, "criterion") ? " at criterion " : "",
        tf_json_get_string (json, "criterion") ? tf_json_get_string (json, "criterion") : "",
        tf_json_get_string (json, "reason"));
  else
    note = g_strdup_printf ("automated (%s): %s%s%.900s", who, verdict, b->why_stopped ? ": " : "",
                            b->why_stopped ? b->why_stopped : "");
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
    TfSdbRun run = { "tf-ets-run",
                     b->started_at,
                     g_get_real_time (),
                     status,
                     transcript,
                     (gint64)tlen,
                     b->server_side ? "server" : "client" };
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
  g_info ("session %s case %d: %s (automated, %s under test)", s->id, b->case_id, verdict,
          b->server_side ? s->server : s->client);
  tf_floor_publish_session (f, s);
  tf_floor_ets_add_result (b, b->case_id, verdict, note);
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
      tf_floor_ets_batch_free (b);
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
  tf_floor_ets_run_next (b);
}

static gboolean
on_case_timeout (gpointer user_data)
{
  Batch *b = user_data;
  b->timeout_id = 0;
  stop_runner (b, "the case was not decided in time (600 s, and a server's operator's waits)");
  return G_SOURCE_REMOVE;
}

gboolean
tf_floor_ets_case_needs_psk (const TfCase *c)
{
  return c->features != NULL && g_strv_contains ((const char *const *)c->features, "dtls-psk");
}

gboolean
tf_floor_ets_spawn (Batch *b, TfSession *s, const TfCase *c, GError **error)
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
  if (b->server_side)
    {
      g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (argv, g_strdup (runner));
      tf_floor_ets_sut_args (b, s, c, argv);
      g_ptr_array_add (argv, NULL);
      b->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, error);
    }
  else
    {
      const char *argv[]
          = { runner, "--case", id, "--ets", s->ets_version, "--listen", listen, "--endpoint",
              client && client->endpoint ? client->endpoint : s->client, "--console-fd", "3",
              /* the queue-mode set-up's listening window, as the client's
               * script is told it ({queue_window}) */
              "--queue-window", TF_ETS_QUEUE_WINDOW, "--answer-wait", answer, "--register-wait",
              reg, NULL, NULL, NULL };
      if (tf_floor_ets_case_needs_psk (c))
        {
          /* the lab's PSK for the client: the identity on the command line, the key in the
           * runner's environment (not in every user's ps) */
          g_autofree char *hex = tf_floor_psk_hex (client);
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
  /* a server's case waits for its operator at each step: the bound grows with their wait */
  b->timeout_id = g_timeout_add_seconds (
      CASE_TIMEOUT_S + (b->server_side ? 10 * (guint)MIN (cfg->ets_operator_wait_s, 3600) : 0),
      on_case_timeout, b);
  g_info ("session %s case %d: runner %s started for the %s (pid %s)", s->id, c->id, runner,
          b->server_side ? "server" : "client", g_subprocess_get_identifier (b->proc));
  read_ctl (b);
  g_subprocess_communicate_async (b->proc, NULL, NULL, on_runner_done, b);
  return TRUE;
}
