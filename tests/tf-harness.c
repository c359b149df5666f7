/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-harness"

#include "tf-harness.h"
#include "tf-test-host.h"
#include "tf-test-reaper.h"
#include "tf-sim-client.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *
build_root (void)
{
  const char *r = g_getenv ("TF_BUILD_ROOT");
  g_assert_nonnull (r);
  return r;
}

static const char *
source_root (void)
{
  const char *r = g_getenv ("TF_SOURCE_ROOT");
  g_assert_nonnull (r);
  return r;
}

char *
tf_harness_path (TfHarness *h, const char *name)
{
  return g_build_filename (h->dir, name, NULL);
}

static void
on_watch_message (TfBus *bus, const TfBusMessage *m, TfHarness *h)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (len == 0)
    g_hash_table_remove (h->retained, m->topic);
  else
    g_hash_table_replace (h->retained, g_strdup (m->topic), g_strndup (d, len));
}

gboolean
tf_harness_wait (TfHarness *h, TfHarnessPred pred, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (!pred (h, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* bounded: look at the deadline at least every 2 ms */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

static gboolean
never (TfHarness *h, gpointer data)
{
  return FALSE;
}

void
tf_harness_sleep (TfHarness *h, guint ms)
{
  tf_harness_wait (h, never, NULL, ms);
}

static gboolean
broker_up (TfHarness *h, gpointer data)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", h->port, NULL, NULL);
  return conn != NULL;
}

void
tf_harness_start_broker (TfHarness *h)
{
  g_autofree char *conf = tf_harness_path (h, "mosquitto.conf");
  g_autofree char *log = tf_harness_path (h, "mosquitto.log");
  g_autofree char *persist
      = h->broker_persistence
            /* as root, mosquitto would drop to its own user, who cannot
             * write into our private test directory */
            ? g_strdup_printf ("persistence true\npersistence_location %s/\n", h->dir)
            : g_strdup ("persistence false\n");
  /* as tf-broker-config writes it for a lab */
  g_autofree char *text
      = g_strdup_printf ("listener %u 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
                         "%slog_dest file %s\n"
                         /* dropping to user mosquitto would clear
                          * PR_SET_PDEATHSIG (and it could not write
                          * into our private test directory) */
                         "user root\n"
                         "log_type error\nlog_type warning\nlog_type notice\n",
                         h->port, persist, log);
  const char *argv[] = { "mosquitto", "-c", conf, NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  g_chmod (conf, 0644);
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                            | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  h->broker = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  tf_test_reaper_watch (h->broker);
  g_assert_true (tf_harness_wait (h, broker_up, NULL, 5000));
}

static void
stop_process (GSubprocess **p, int sig)
{
  if (*p == NULL)
    return;
  tf_test_reaper_forget (*p);
  g_subprocess_send_signal (*p, sig);
  g_subprocess_wait (*p, NULL, NULL);
  g_clear_object (p);
}

static gboolean
watch_gone (TfHarness *h, gpointer data)
{
  return h->watch == NULL || !tf_bus_is_connected (h->watch);
}

void
tf_harness_stop_broker (TfHarness *h)
{
  stop_process (&h->broker, SIGTERM);
  /* until our own client has noticed: a test that waits for it to be
   * connected again must not see the connection the broker took down */
  g_assert_true (tf_harness_wait (h, watch_gone, NULL, 10000));
}

static gboolean
line_read (TfHarness *h, gpointer data)
{
  return *(char **)data != NULL
         || GPOINTER_TO_INT (g_object_get_data (G_OBJECT (h->simlab), "eof"));
}

static void
on_line (GObject *src, GAsyncResult *res, gpointer user_data)
{
  char **out = user_data;
  *out = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (src), res, NULL, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

static void
start_simlab (TfHarness *h)
{
  g_autofree char *exe = g_build_filename (build_root (), "fixtures", "tf-simlab", NULL);
  g_autofree char *log = tf_harness_path (h, "simlab.log");
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  char *line = NULL;

  h->control = tf_harness_path (h, "simlab.sock");
  g_subprocess_launcher_set_stderr_file_path (l, log);
  {
    g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
    g_auto (GStrv) argv = NULL;
    g_strv_builder_add_many (b, exe, "--sim", h->sim_path, "--control", h->control, NULL);
    if (h->simlab_args != NULL)
      g_strv_builder_addv (b, (const char **)h->simlab_args);
    argv = g_strv_builder_end (b);
    h->simlab = g_subprocess_launcher_spawnv (l, (const char *const *)argv, &error);
  }
  g_assert_no_error (error);
  tf_test_reaper_watch (h->simlab);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->simlab));
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_line, &line);
  g_assert_true (tf_harness_wait (h, line_read, &line, 30000));
  g_assert_true (g_str_has_prefix (line, "UMOCKDEV_DIR="));
  h->umockdev_dir = g_strdup (line + strlen ("UMOCKDEV_DIR="));
  g_clear_pointer (&line, g_free);
  /* the lab's preloads: umockdev's and tf-simlab's own (ttys that keep their termios) */
  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_line, &line);
  g_assert_true (tf_harness_wait (h, line_read, &line, 30000));
  g_assert_true (g_str_has_prefix (line, "LD_PRELOAD="));
  h->preload = g_strdup (line + strlen ("LD_PRELOAD="));
  g_free (line);
}

void
tf_harness_start_daemon (TfHarness *h)
{
  tf_harness_start_daemon_env (h, NULL, NULL);
}

void
tf_harness_start_daemon_env (TfHarness *h, const char *var, const char *value)
{
  g_autofree char *exe = g_build_filename (build_root (), "controller", "testfestd", NULL);
  g_autofree char *name = g_strdup_printf ("daemon-%u.log", h->daemon_runs++);
  g_autofree char *log = tf_harness_path (h, name);
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;

  /* exactly how a lab host would start it, plus umockdev below libc */
  if (h->clock != NULL)
    {
      g_autofree char *faketime = tf_test_faketime_lib ();
      g_autofree char *preload = NULL;
      if (faketime == NULL)
        g_error ("libfaketime not found (TF_FAKETIME_LIB='%s', none under /usr/lib/*/faketime): "
                 "install Debian's faketime (scripts/test and scripts/demo do)",
                 g_getenv ("TF_FAKETIME_LIB") ? g_getenv ("TF_FAKETIME_LIB") : "");
      preload = g_strdup_printf ("%s:%s", h->preload, faketime);
      g_subprocess_launcher_setenv (l, "LD_PRELOAD", preload, TRUE);
      g_subprocess_launcher_setenv (l, "FAKETIME", h->clock, TRUE);
      g_subprocess_launcher_setenv (l, "TZ", "UTC", TRUE);
      /* timeouts and poll() keep real time: only the wall clock is moved */
      g_subprocess_launcher_setenv (l, "DONT_FAKE_MONOTONIC", "1", TRUE);
    }
  else
    g_subprocess_launcher_setenv (
        l, "LD_PRELOAD", h->preload != NULL ? h->preload : "libumockdev-preload.so.0", TRUE);
  g_subprocess_launcher_setenv (l, "UMOCKDEV_DIR", h->umockdev_dir, TRUE);
  g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "all", TRUE);
  if (var != NULL)
    g_subprocess_launcher_setenv (l, var, value, TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, log);
  h->daemon = g_subprocess_launcher_spawn (l, &error, exe, "--config", h->lab_path, NULL);
  g_assert_no_error (error);
  tf_test_reaper_watch (h->daemon);
}

void
tf_harness_set_clock (TfHarness *h, const char *when)
{
  g_free (h->clock);
  h->clock = g_strdup_printf ("@%s", when);
}

int
tf_harness_stop_daemon (TfHarness *h, int sig)
{
  int status;
  g_assert_nonnull (h->daemon);
  tf_test_reaper_forget (h->daemon);
  g_subprocess_send_signal (h->daemon, sig);
  g_assert_true (g_subprocess_wait (h->daemon, NULL, NULL));
  status = g_subprocess_get_status (h->daemon);
  g_clear_object (&h->daemon);
  return status;
}

void
tf_harness_watch (TfHarness *h)
{
  g_autofree char *id = g_strdup_printf ("harness-%08x", g_random_int ());
  g_autofree char *pattern = g_strdup_printf ("tf/%s/#", h->lab);
  TfBusOptions o = { .host = "127.0.0.1", .port = h->port, .client_id = id, .keepalive_s = 30 };
  g_autoptr (GError) error = NULL;

  h->watch = tf_bus_new (&o, &error);
  g_assert_no_error (error);
  g_signal_connect (h->watch, "message", G_CALLBACK (on_watch_message), h);
  tf_bus_subscribe (h->watch, pattern);
  tf_bus_start (h->watch);
}

const char *
tf_harness_retained (TfHarness *h, const char *suffix)
{
  g_autofree char *topic = g_strdup_printf ("tf/%s/%s", h->lab, suffix);
  return g_hash_table_lookup (h->retained, topic);
}

JsonObject *
tf_harness_board (TfHarness *h, const char *board)
{
  g_autofree char *suffix = g_strdup_printf ("board/%s/state", board);
  const char *json = tf_harness_retained (h, suffix);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

const char *
tf_harness_board_state (TfHarness *h, const char *board)
{
  g_autoptr (JsonObject) o = tf_harness_board (h, board);
  static char buf[64];
  if (o == NULL)
    return NULL;
  g_strlcpy (buf, json_object_get_string_member (o, "state"), sizeof (buf));
  return buf;
}

typedef struct
{
  const char *board, *state;
} BoardState;

static gboolean
board_in_state (TfHarness *h, gpointer data)
{
  BoardState *bs = data;
  return g_strcmp0 (tf_harness_board_state (h, bs->board), bs->state) == 0;
}

gboolean
tf_harness_wait_board_state (TfHarness *h, const char *board, const char *state, guint timeout_ms)
{
  BoardState bs = { board, state };
  return tf_harness_wait (h, board_in_state, &bs, timeout_ms);
}

char *
tf_harness_sim (TfHarness *h, const char *fmt, ...)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cmd = NULL;
  char *answer;
  va_list args;

  va_start (args, fmt);
  cmd = g_strdup_vprintf (fmt, args);
  va_end (args);
  answer = tf_sim_client_request (h->control, cmd, 60, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

int
tf_harness_ctl (TfHarness *h, char **out, char **err, ...)
{
  g_autofree char *exe = g_build_filename (build_root (), "controller", "testfestctl", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  int status = 0;
  va_list args;

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "--config");
  g_ptr_array_add (argv, h->lab_path);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *)arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
                               tf_test_child_setup, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

TfHarness *
tf_harness_new (const char *sim, const char *lab_body)
{
  return tf_harness_new_full (sim, lab_body, NULL);
}

TfHarness *
tf_harness_new_full (const char *sim, const char *lab_body, const char *const *simlab_args)
{
  TfHarness *h = g_new0 (TfHarness, 1);
  h->simlab_args = g_strdupv ((char **)simlab_args);
  g_autofree char *lab_text = NULL;
  g_autofree char *boards = g_build_filename (source_root (), "boards", NULL);

  h->dir = g_dir_make_tmp ("tf-it-XXXXXX", NULL);
  g_assert_nonnull (h->dir);
  h->reaper_dir = tf_test_reaper_cleanup_dir (h->dir);
  /* the broker drops to user mosquitto and must read its files */
  g_chmod (h->dir, 0755);
  h->retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  h->lab = g_strdup_printf ("it%08x", g_random_int ());
  h->port = tf_test_free_port ();
  h->sim_path = tf_harness_path (h, "lab.sim");
  h->lab_path = tf_harness_path (h, "lab.conf");
  h->state_dir = tf_harness_path (h, "state");
  g_assert_true (g_file_set_contents (h->sim_path, sim, -1, NULL));
  lab_text
      = g_strdup_printf ("[lab]\nname = %s\nhost = testhost\nstate-dir = %s\n"
                         "boards-dir = %s\nets-dir = %s/data/ets\n\n[broker]\nhost = 127.0.0.1\n"
                         "port = %u\nkeepalive-s = 10\n\n%s",
                         h->lab, h->state_dir, boards, source_root (), h->port, lab_body);
  g_assert_true (g_file_set_contents (h->lab_path, lab_text, -1, NULL));
  tf_harness_start_broker (h);
  start_simlab (h);
  return h;
}

void
tf_harness_free (TfHarness *h)
{
  if (h == NULL)
    return;
  if (h->daemon != NULL)
    tf_harness_stop_daemon (h, SIGKILL);
  if (h->watch != NULL)
    {
      tf_bus_shutdown (h->watch, NULL, NULL, 100);
      g_clear_object (&h->watch);
    }
  stop_process (&h->simlab, SIGTERM);
  tf_harness_stop_broker (h);
  tf_test_reaper_cleanup_remove (h->reaper_dir);
  /* keep the logs of a failed run for whoever reads the test log */
  if (g_getenv ("TF_KEEP_TEST_DIRS") == NULL)
    tf_test_rm_rf (h->dir);
  else
    g_printerr ("# kept %s\n", h->dir);
  g_hash_table_unref (h->retained);
  g_free (h->clock);
  g_strfreev (h->simlab_args);
  g_free (h->dir);
  g_free (h->lab);
  g_free (h->umockdev_dir);
  g_free (h->preload);
  g_free (h->control);
  g_free (h->lab_path);
  g_free (h->sim_path);
  g_free (h->state_dir);
  g_free (h);
}

int
tf_harness_boots (TfHarness *h, const char *board)
{
  g_autofree char *get = tf_harness_sim (h, "get %s", board);
  guint64 boots = 0;
  if (!tf_sim_client_field (get, "boots", &boots))
    g_error ("no boots= in '%s'", get);
  return (int)boots;
}

void
tf_harness_assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected '%s' in '%s'", needle, text ? text : "(null)");
}
