/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the LwM2M integration tests: the real programs on loopback with free ports, every
 * wait bounded and run from the main loop (so that a relay in the test keeps forwarding). */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "tf-lwm2m-net-util.h"

guint16
tf_test_free_udp_port (void)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_assert_true (g_socket_bind (s, a, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
tf_test_run_until (gboolean *done, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &expired);
  while (!*done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return *done;
}

static const char *
tool (const char *name)
{
  static char path[4096];
  g_snprintf (path, sizeof path, "%s/controller/tools/%s", g_getenv ("TF_BUILD_ROOT"), name);
  return path;
}

/* A test that fails (g_error aborts) takes its servers and clients with it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
tf_test_spawn (GPtrArray *argv, GSubprocessFlags flags)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (flags);
  g_autoptr (GError) error = NULL;
  GSubprocess *p;
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  p = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return p;
}

static GPtrArray *
collect_args (const char *first, va_list ap)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  return a;
}

TfTestServer *
tf_test_server_start (gboolean bootstrap, gboolean psk, const char *first_arg, ...)
{
  TfTestServer *s = g_new0 (TfTestServer, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) extra = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sock = NULL;
  va_list ap;

  s->dir = g_dir_make_tmp ("tf-lwm2m-XXXXXX", &error);
  g_assert_no_error (error);
  sock = g_build_filename (s->dir, "control", NULL);
  s->log = g_build_filename (s->dir, "exchanges.jsonl", NULL);
  s->port = tf_test_free_udp_port ();
  g_ptr_array_add (argv, g_strdup (tool ("tf-lwm2m-server")));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", s->port));
  g_ptr_array_add (argv, g_strdup ("--bind=127.0.0.1"));
  g_ptr_array_add (argv, g_strdup_printf ("--control=%s", sock));
  g_ptr_array_add (argv, g_strdup_printf ("--log=%s", s->log));
  if (bootstrap)
    {
      s->bs_port = tf_test_free_udp_port ();
      g_ptr_array_add (argv, g_strdup_printf ("--bs-port=%u", s->bs_port));
    }
  if (psk)
    {
      s->psk_port = tf_test_free_udp_port ();
      g_ptr_array_add (argv, g_strdup_printf ("--psk-port=%u", s->psk_port));
    }
  va_start (ap, first_arg);
  extra = collect_args (first_arg, ap);
  va_end (ap);
  for (guint i = 0; i < extra->len; i++)
    g_ptr_array_add (argv, g_strdup (extra->pdata[i]));
  g_ptr_array_add (argv, NULL);
  s->proc = tf_test_spawn (argv, G_SUBPROCESS_FLAGS_NONE);
  /* the control socket appears once the server listens */
  for (guint i = 0; i < 200 && s->conn == NULL; i++)
    {
      g_autoptr (GSocketClient) c = g_socket_client_new ();
      g_autoptr (GSocketAddress) a = g_unix_socket_address_new (sock);
      gboolean later = FALSE;
      s->conn = g_socket_client_connect (c, G_SOCKET_CONNECTABLE (a), NULL, NULL);
      if (s->conn == NULL)
        {
          g_timeout_add (50, on_timeout, &later);
          tf_test_run_until (&later, 1000);
        }
    }
  g_assert_nonnull (s->conn);
  s->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (s->conn)));
  return s;
}

void
tf_test_server_stop (TfTestServer *s)
{
  g_autofree char *sock = g_build_filename (s->dir, "control", NULL);
  g_object_unref (s->in);
  g_object_unref (s->conn);
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_object_unref (s->proc);
  g_unlink (s->log);
  g_unlink (sock);
  g_rmdir (s->dir);
  g_free (s->log);
  g_free (s->dir);
  g_free (s);
}

typedef struct
{
  gboolean done;
  char *line;
} LineRead;

static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  LineRead *l = data;
  l->line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  l->done = TRUE;
}

static JsonObject *
cmd_v (TfTestServer *s, const char *fmt, va_list ap)
{
  g_autofree char *cmd = g_strdup_vprintf (fmt, ap);
  g_autofree char *line = g_strconcat (cmd, "\n", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  LineRead l = { 0 };
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (s->conn)), line,
                             strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_data_input_stream_read_line_async (s->in, G_PRIORITY_DEFAULT, NULL, on_line, &l);
  /* every command answers; a wait answers by its own timeout */
  g_assert_true (tf_test_run_until (&l.done, 180000));
  g_assert_nonnull (l.line);
  json_parser_load_from_data (p, l.line, -1, &error);
  g_assert_no_error (error);
  g_free (l.line);
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

JsonObject *
tf_test_server_cmd (TfTestServer *s, const char *fmt, ...)
{
  va_list ap;
  JsonObject *o;
  va_start (ap, fmt);
  o = cmd_v (s, fmt, ap);
  va_end (ap);
  return o;
}

JsonObject *
tf_test_server_ok (TfTestServer *s, const char *fmt, ...)
{
  va_list ap;
  JsonObject *o, *r;
  va_start (ap, fmt);
  o = cmd_v (s, fmt, ap);
  va_end (ap);
  if (!json_object_get_boolean_member (o, "ok"))
    g_error ("command %s failed: %s", fmt,
             json_object_get_string_member_with_default (o, "error", "?"));
  r = json_object_has_member (o, "result")
              && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "result"))
          ? json_object_ref (json_object_get_object_member (o, "result"))
          : json_object_new ();
  json_object_unref (o);
  return r;
}

static void
on_client_line (GObject *source, GAsyncResult *res, gpointer data)
{
  TfTestClient *c = data;
  char *line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  if (line == NULL)
    {
      c->reading = FALSE;
      return;
    }
  g_strchomp (line);
  g_test_message ("client: %s", line);
  g_ptr_array_add (c->lines, line);
  g_data_input_stream_read_line_async (c->out, G_PRIORITY_DEFAULT, NULL, on_client_line, c);
}

TfTestClient *
tf_test_peer_start (GPtrArray *argv, const char *node_path, const char *ready)
{
  TfTestClient *c = g_new0 (TfTestClient, 1);
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  if (node_path != NULL)
    g_subprocess_launcher_setenv (l, "NODE_PATH", node_path, TRUE);
  c->proc = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  c->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->proc));
  g_data_input_stream_set_newline_type (c->out, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  c->in = g_subprocess_get_stdin_pipe (c->proc);
  c->lines = g_ptr_array_new_with_free_func (g_free);
  c->reading = TRUE;
  g_data_input_stream_read_line_async (c->out, G_PRIORITY_DEFAULT, NULL, on_client_line, c);
  if (ready != NULL && tf_test_client_expect (c, ready, 60000) == NULL)
    g_error ("%s did not say '%s'", (char *)argv->pdata[0], ready);
  return c;
}

TfTestClient *
tf_test_client_start (const char *first_arg, ...)
{
  g_autoptr (GPtrArray) argv = NULL;
  va_list ap;
  va_start (ap, first_arg);
  argv = collect_args (first_arg, ap);
  va_end (ap);
  g_ptr_array_insert (argv, 0, g_strdup (tool ("tf-lwm2m-client")));
  return tf_test_peer_start (argv, NULL, "tf-lwm2m-client ");
}

void
tf_test_client_send (TfTestClient *c, const char *line)
{
  g_autofree char *l = g_strconcat (line, "\r\n", NULL);
  g_output_stream_write_all (c->in, l, strlen (l), NULL, NULL, NULL);
}

const char *
tf_test_client_expect (TfTestClient *c, const char *needle, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  for (;;)
    {
      gboolean tick = FALSE;
      guint id;
      for (; c->consumed < c->lines->len; c->consumed++)
        if (strstr (c->lines->pdata[c->consumed], needle) != NULL)
          return c->lines->pdata[c->consumed++];
      if (g_get_monotonic_time () >= deadline || !c->reading)
        return NULL;
      /* wake at least every 100 ms to look at the deadline */
      id = g_timeout_add (100, on_timeout, &tick);
      g_main_context_iteration (NULL, TRUE);
      if (!tick)
        g_source_remove (id);
    }
}

void
tf_test_client_kill (TfTestClient *c)
{
  gboolean done = FALSE;
  g_subprocess_force_exit (c->proc);
  g_subprocess_wait (c->proc, NULL, NULL);
  /* the pending read ends with the pipe */
  while (c->reading && !done)
    {
      guint id = g_timeout_add (5000, on_timeout, &done);
      g_main_context_iteration (NULL, TRUE);
      if (!done)
        g_source_remove (id);
    }
  g_object_unref (c->out);
  g_object_unref (c->proc);
  g_ptr_array_unref (c->lines);
  g_free (c);
}

/* ---- what the tests ask of tf-lwm2m-server ---- */

char *
tf_test_uri (guint16 port)
{
  return g_strdup_printf ("--server=coap://127.0.0.1:%u", port);
}

JsonObject *
tf_test_wait_event (TfTestServer *s, const char *event, const char *ep, gint64 since,
                    guint timeout_ms)
{
  return tf_test_server_cmd (
      s,
      "{\"cmd\":\"wait\",\"event\":\"%s\",\"ep\":\"%s\",\"since\":%" G_GINT64_FORMAT
      ",\"timeout_ms\":%u}",
      event, ep, since, timeout_ms);
}

/* The event of a wait that must come. */
JsonObject *
tf_test_must_wait (TfTestServer *s, const char *event, const char *ep, gint64 since,
                   guint timeout_ms)
{
  g_autoptr (JsonObject) r = tf_test_wait_event (s, event, ep, since, timeout_ms);
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("no %s event for %s: %s", event, ep,
             json_object_get_string_member_with_default (r, "error", "?"));
  return json_object_ref (json_object_get_object_member (r, "result"));
}

JsonArray *
tf_test_log_read (const char *file, guint from)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  JsonArray *a = json_array_new ();
  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = from, n = g_strv_length (lines); i < n; i++)
    if (*lines[i] != '\0')
      json_array_add_element (a, json_from_string (lines[i], NULL));
  return a;
}

const char *
tf_test_value (JsonObject *result, const char *path)
{
  JsonObject *v = json_object_get_object_member (result, "values");
  g_assert_nonnull (v);
  return json_object_get_string_member_with_default (v, path, NULL);
}

JsonObject *
tf_test_read_as (TfTestServer *s, const char *ep, const char *path, const char *format)
{
  return tf_test_server_ok (s, "{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"%s\",\"format\":\"%s\"}",
                            ep, path, format);
}

gint64
tf_test_observe (TfTestServer *s, const char *ep, const char *path)
{
  g_autoptr (JsonObject) r = tf_test_server_ok (
      s, "{\"cmd\":\"observe\",\"ep\":\"%s\",\"path\":\"%s\",\"format\":\"text\"}", ep, path);
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_true (json_object_has_member (r, "observe"));
  return json_object_get_int_member (r, "observation");
}

JsonObject *
tf_test_next_notification (TfTestServer *s, gint64 obs, gint64 *since, guint timeout_ms)
{
  g_autoptr (JsonObject) r = tf_test_server_cmd (
      s,
      "{\"cmd\":\"wait\",\"event\":\"notification\",\"observation\":%" G_GINT64_FORMAT
      ",\"since\":%" G_GINT64_FORMAT ",\"timeout_ms\":%u}",
      obs, *since, timeout_ms);
  JsonObject *ev;
  if (!json_object_get_boolean_member (r, "ok"))
    return NULL;
  ev = json_object_ref (json_object_get_object_member (r, "result"));
  *since = json_object_get_int_member (ev, "seq");
  return ev;
}
