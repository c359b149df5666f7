/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-ets-run --server-under-test with the server under test (the lab's tf-lwm2m-server,
 * driven by tests/ets/sut-driver.py) cut in the middle of a case: stopped (SIGSTOP: a server
 * that answers nothing) or killed (SIGKILL: the kernel answers ICMP port unreachable), once
 * the client registered or right after the driver did a step. A server gone proves nothing
 * of its conformance: Inconclusive as the infrastructure's, the server's silence named, never
 * a Fail or a Pass, and the run ends within a bound. */
#include "config.h"

#include "tf-ets-run-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "tf-test-host.h"

#define RUN_BOUND_S 240

typedef struct
{
  const char *version;
  gint id;
  const char *mode;  /* the driver's TF_DRIVER_MODE */
  const char *after; /* "registered": at the client's 2.01; else the driver's step (its verb) */
  int sig;
} Cut;

typedef struct
{
  const Cut *cut;
  GSubprocess *server;
  GPid server_pid;
  GSubprocess *runner;
  GDataInputStream *err;
  GString *err_text;
  GMemoryOutputStream *out;
  gboolean err_done, out_done, timed_out, cut_done;
} Run;

static gboolean
on_deadline (gpointer data)
{
  Run *r = data;
  r->timed_out = TRUE;
  g_subprocess_force_exit (r->runner);
  return G_SOURCE_REMOVE;
}

static void
on_err_line (GObject *source, GAsyncResult *res, gpointer data)
{
  Run *r = data;
  g_autofree char *line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  if (line == NULL)
    {
      r->err_done = TRUE;
      return;
    }
  g_string_append_printf (r->err_text, "%s\n", line);
  if (g_str_equal (r->cut->after, "registered") && !r->cut_done
      && g_str_equal (line, "tf-ets-run: client registered"))
    {
      kill (r->server_pid, r->cut->sig);
      r->cut_done = TRUE;
    }
  g_data_input_stream_read_line_async (r->err, G_PRIORITY_DEFAULT, NULL, on_err_line, r);
}

static void
on_out_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Run *r = data;
  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), res, NULL);
  r->out_done = TRUE;
}

static void
cut_run (const Cut *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *server_exe = tf_ets_tool ("tf-lwm2m-server");
  g_autofree char *runner_exe = tf_ets_tool ("tf-ets-run");
  g_autofree char *py
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", "sut-driver.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("tf-ets-sut-cut-XXXXXX", &error);
  g_autofree char *control = g_build_filename (dir, "control", NULL);
  g_autofree char *state = g_build_filename (dir, "observation", NULL);
  g_autofree char *port = g_strdup_printf ("%u", tf_ets_free_udp_port ());
  g_autofree char *uri = g_strdup_printf ("coap://127.0.0.1:%s", port);
  g_autofree char *case_s = g_strdup_printf ("%d", c->id);
  g_autofree char *ep = g_strdup_printf ("cut-%s-%d", c->version, c->id);
  g_autofree char *driver = NULL, *line = NULL, *json = NULL;
  g_autoptr (GSubprocessLauncher) sl = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocessLauncher) rl
      = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GDataInputStream) sin = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o;
  JsonArray *criteria;
  Run r = { .cut = c };
  gint64 start = g_get_monotonic_time (), took_s;
  guint deadline;
  const char *verdict, *reason;
  g_assert_no_error (error);
  r.server = g_subprocess_launcher_spawn (sl, &error, server_exe, "--port", port, "--bind",
                                          "127.0.0.1", "--control", control, NULL);
  g_assert_no_error (error);
  r.server_pid = (GPid)g_ascii_strtoll (g_subprocess_get_identifier (r.server), NULL, 10);
  sin = g_data_input_stream_new (g_subprocess_get_stdout_pipe (r.server));
  line = g_data_input_stream_read_line_utf8 (sin, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  /* the driver does its step, then (at the step named) the server is cut: what the step did
   * may have reached the client or not, the steps after it find no server */
  driver = g_strdup_printf ("sh -c 'python3 %s \"$@\"; r=$?; if [ \"$1\" = %s ]; then kill -%d "
                            "%d; fi; exit $r' driver",
                            py, c->after, c->sig, (int)r.server_pid);
  g_subprocess_launcher_setenv (rl, "TF_CONTROL", control, TRUE);
  g_subprocess_launcher_setenv (rl, "TF_DRIVER_STATE", state, TRUE);
  g_subprocess_launcher_setenv (rl, "TF_DRIVER_MODE", c->mode, TRUE);
  r.runner = g_subprocess_launcher_spawn (rl, &error, runner_exe, "--server-under-test", "--ets",
                                          c->version, "--case", case_s, "--server", uri,
                                          "--endpoint", ep, "--answer-wait", "5", "--operator-wait",
                                          "20", "--driver", driver, NULL);
  g_assert_no_error (error);
  r.err_text = g_string_new (NULL);
  r.err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (r.runner));
  r.out = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  g_data_input_stream_read_line_async (r.err, G_PRIORITY_DEFAULT, NULL, on_err_line, &r);
  g_output_stream_splice_async (G_OUTPUT_STREAM (r.out), g_subprocess_get_stdout_pipe (r.runner),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
                                    | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_out_done, &r);
  deadline = g_timeout_add_seconds (RUN_BOUND_S, on_deadline, &r);
  while (!r.err_done || !r.out_done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (r.runner, NULL, NULL);
  if (!r.timed_out)
    g_source_remove (deadline);
  took_s = (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  /* the server: woken if stopped, then ended */
  kill (r.server_pid, SIGCONT);
  g_subprocess_force_exit (r.server);
  g_subprocess_wait (r.server, NULL, NULL);
  g_unlink (control);
  g_unlink (state);
  g_rmdir (dir);
  json = g_strndup (g_memory_output_stream_get_data (r.out),
                    g_memory_output_stream_get_data_size (r.out));
  g_test_message ("%s %d cut (signal %d) after %s: %ld s: %s", c->version, c->id, c->sig, c->after,
                  (long)took_s, json);
  if (r.timed_out)
    g_error ("%s %d: the run did not end within %d s\n%s", c->version, c->id, RUN_BOUND_S,
             r.err_text->str);
  root = json_from_string (json, &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    g_error ("%s %d: no verdict\n%s", c->version, c->id, r.err_text->str);
  o = json_node_get_object (root);
  verdict = json_object_get_string_member_with_default (o, "verdict", "");
  reason = json_object_get_string_member_with_default (o, "reason", "");
  /* the server was cut, and the case was under way when it was */
  g_assert_true (g_subprocess_get_if_signaled (r.server) || c->sig == SIGSTOP);
  g_assert_nonnull (strstr (r.err_text->str, "tf-ets-run: client registered\n"));
  if (g_strcmp0 (verdict, "inconclusive") != 0 || strstr (reason, "stopped answering") == NULL
      || strstr (reason, "answers no CoAP ping") == NULL || json_object_has_member (o, "criterion"))
    g_error ("%s %d cut after %s (signal %d): expected Inconclusive, the server having stopped "
             "answering; got %s: %s\n%s",
             c->version, c->id, c->after, c->sig, verdict, reason, r.err_text->str);
  g_assert_cmpint (g_subprocess_get_exit_status (r.runner), ==, 2);
  /* no criterion failed on the way either */
  criteria = json_object_get_array_member (o, "criteria");
  for (guint i = 0; i < json_array_get_length (criteria); i++)
    g_assert_true (
        json_object_get_boolean_member (json_array_get_object_element (criteria, i), "ok"));
  g_object_unref (r.err);
  g_object_unref (r.out);
  g_object_unref (r.runner);
  g_object_unref (r.server);
  g_string_free (r.err_text, TRUE);
}

/* A Read, an observation (its notifications to a server gone; its Reset cancel), a Write and
 * an Execute, the firmware package pulled from a server gone: each cut both ways. */
static void
test_server_cut (void)
{
  static const Cut cuts[] = {
    { "1.1", 201, "good", "registered", SIGSTOP },
    { "1.1", 201, "good", "registered", SIGKILL },
    { "1.1", 301, "good", "observe", SIGSTOP },
    { "1.1", 301, "good", "observe", SIGKILL },
    { "1.0", 302, "good", "write-attributes", SIGSTOP },
    { "1.1", 205, "good", "write", SIGKILL },
    { "1.1", 241, "good", "execute", SIGSTOP },
    { "1.1", 770, "pull", "write-package", SIGSTOP },
    { "1.1", 770, "pull", "write-package", SIGKILL },
  };
  const char *only = g_getenv ("TF_CUT_ONLY"); /* "1.1-301": one of them, by hand */
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%d", cuts[i].version, cuts[i].id);
      if (only == NULL || g_str_equal (only, name))
        cut_run (&cuts[i]);
    }
}

/* The port the lab's client is to take (--listen, as the floor gives it) held by another
 * process: the runner says so in an Inconclusive (it crashed on a NULL error before). */
static void
test_port_held (void)
{
  g_autofree char *runner = tf_ets_tool ("tf-ets-run");
  g_autoptr (GSocket) held
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *listen = NULL, *uri = NULL, *out = NULL, *err = NULL;
  JsonObject *o;
  g_assert_true (g_socket_bind (held, any, FALSE, NULL));
  bound = g_socket_get_local_address (held, NULL);
  listen = g_strdup_printf ("127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  uri = g_strdup_printf ("coap://127.0.0.1:%u", tf_ets_free_udp_port ());
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                        runner, "--server-under-test", "--ets", "1.1", "--case", "201", "--server",
                        uri, "--endpoint", "held", "--listen", listen, "--answer-wait", "2",
                        "--operator-wait", "2", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 2);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "verdict"), ==, "inconclusive");
  g_assert_nonnull (
      strstr (json_object_get_string_member (o, "reason"),
              "the lab's client could not start (registration failed: cannot open a session to"));
  g_assert_nonnull (strstr (json_object_get_string_member (o, "reason"), listen));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-sut/server-cut", test_server_cut);
  g_test_add_func ("/ets-sut/port-held", test_port_held);
  return g_test_run ();
}
