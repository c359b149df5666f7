/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-server: the lab's reference LwM2M server and bootstrap server. Test automation
 * drives it with one JSON command per line on a unix socket (controller/lwm2m/README.md). */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "tf-coap-source.h"
#include "tf-error.h"
#include "tf-lwm2m-registry.h"
#include "tf-lwm2m-control.h"
#include "tf-lwm2m-server.h"

#define MAX_LINE 65536
#define MAX_EVENTS 10000
#define MAX_WAIT_MS (3600 * 1000)

typedef struct
{
  TfLwm2mServer *server;
  GMainLoop *loop;
  GPtrArray *events; /* JsonObject, each with "seq" */
  gint64 next_seq;
  GList *waiters;
  FILE *log;
} App;

typedef struct
{
  App *app;
  GSocketConnection *conn;
  GDataInputStream *in;
  GOutputStream *out;
  GString *outbuf;
  gboolean writing, closed;
} Conn;

typedef struct
{
  Conn *conn;
  char *event;
  char *endpoint;
  gint64 obs;
  gint64 since;
  guint timeout_id;
} Waiter;

/* ---- replies ---- */

static void
conn_read_next (Conn *c);

static void
conn_free (Conn *c)
{
  g_object_unref (c->in);
  g_object_unref (c->conn);
  g_string_free (c->outbuf, TRUE);
  g_free (c);
}

static void
on_written (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Conn *c = user_data;
  g_autoptr (GError) error = NULL;
  gsize n = 0;
  c->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, &n, &error))
    c->closed = TRUE;
  else
    g_string_erase (c->outbuf, 0, (gssize)n);
  if (c->closed)
    return;
  conn_read_next (c);
}

static void
reply (Conn *c, JsonNode *result, const char *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, error == NULL);
  if (error != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error);
    }
  else if (result != NULL)
    {
      json_builder_set_member_name (b, "result");
      json_builder_add_value (b, json_node_copy (result));
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  if (c->closed)
    return;
  g_string_append_printf (c->outbuf, "%s\n", text);
  c->writing = TRUE;
  g_output_stream_write_all_async (c->out, c->outbuf->str, c->outbuf->len, G_PRIORITY_DEFAULT, NULL,
                                   on_written, c);
}

/* ---- values ---- */

/* ---- events and waits ---- */

static gboolean
waiter_matches (Waiter *w, JsonObject *ev)
{
  if (json_object_get_int_member (ev, "seq") <= w->since)
    return FALSE;
  if (w->event != NULL && g_strcmp0 (w->event, json_object_get_string_member (ev, "event")) != 0)
    return FALSE;
  if (w->endpoint != NULL && g_strcmp0 (w->endpoint, tf_control_string (ev, "ep", "")) != 0)
    return FALSE;
  if (w->obs > 0 && tf_control_int (ev, "observation", 0) != w->obs)
    return FALSE;
  return TRUE;
}

static void
waiter_finish (App *app, Waiter *w, JsonObject *ev, const char *error)
{
  g_autoptr (JsonNode) n = NULL;
  app->waiters = g_list_remove (app->waiters, w);
  if (w->timeout_id != 0)
    g_source_remove (w->timeout_id);
  if (ev != NULL)
    {
      n = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (n, ev);
    }
  reply (w->conn, n, error);
  g_free (w->event);
  g_free (w->endpoint);
  g_free (w);
}

static void
add_event (App *app, JsonNode *node)
{
  JsonObject *ev = json_node_get_object (node);
  json_object_set_int_member (ev, "seq", ++app->next_seq);
  json_object_set_int_member (ev, "time_us", g_get_real_time ());
  g_ptr_array_add (app->events, json_object_ref (ev));
  if (app->events->len > MAX_EVENTS)
    g_ptr_array_remove_index (app->events, 0);
  for (GList *l = app->waiters; l != NULL;)
    {
      Waiter *w = l->data;
      l = l->next;
      if (waiter_matches (w, ev))
        waiter_finish (app, w, ev, NULL);
    }
}

static void
on_reg_event (TfLwm2mServer *server, const TfLwm2mRegistration *r, gpointer user_data)
{
  App *app = user_data;
  const char *name = g_object_get_data (G_OBJECT (server), "tf-current-event");
  g_autoptr (JsonNode) n = tf_control_registration_json (name, r);
  add_event (app, n);
}

#define REG_HANDLER(fn, name)                                                                      \
  static void fn (TfLwm2mServer *s, const TfLwm2mRegistration *r, gpointer d)                      \
  {                                                                                                \
    g_object_set_data (G_OBJECT (s), "tf-current-event", (gpointer)name);                          \
    on_reg_event (s, r, d);                                                                        \
  }
REG_HANDLER (on_registered, "registration")
REG_HANDLER (on_updated, "update")
REG_HANDLER (on_deregistered, "deregistration")
REG_HANDLER (on_expired, "expiry")

static void
on_notification (TfLwm2mServer *server, const char *ep, const TfLwm2mResponse *r,
                 gpointer user_data)
{
  g_autoptr (JsonNode) n = tf_control_response_to_json (r, ep);
  json_object_set_string_member (json_node_get_object (n), "event", "notification");
  add_event (user_data, n);
}

static void
on_send (TfLwm2mServer *server, const char *ep, const TfLwm2mResponse *r, gpointer user_data)
{
  g_autoptr (JsonNode) n = tf_control_response_to_json (r, ep);
  json_object_set_string_member (json_node_get_object (n), "event", "send");
  add_event (user_data, n);
}

static void
on_bootstrap_finished (TfLwm2mServer *server, const char *ep, const GError *error,
                       gpointer user_data)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "event", "bootstrap");
  json_object_set_string_member (o, "ep", ep);
  if (error != NULL)
    json_object_set_string_member (o, "error", error->message);
  json_node_take_object (n, o);
  add_event (user_data, n);
}

static void
on_dtls_failure (TfLwm2mServer *server, const char *why, gpointer user_data)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  g_message ("DTLS: %s", why);
  json_object_set_string_member (o, "event", "dtls-failure");
  json_object_set_string_member (o, "reason", why);
  json_node_take_object (n, o);
  add_event (user_data, n);
}

static void
on_rejected (TfLwm2mServer *server, const char *ep, const char *why, gpointer user_data)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "event", "rejected");
  json_object_set_string_member (o, "ep", ep);
  json_object_set_string_member (o, "reason", why);
  json_node_take_object (n, o);
  add_event (user_data, n);
}

static gboolean
on_wait_timeout (gpointer data)
{
  Waiter *w = data;
  w->timeout_id = 0;
  waiter_finish (w->conn->app, w, NULL, "timeout");
  return G_SOURCE_REMOVE;
}

/* ---- commands ---- */

typedef struct
{
  Conn *conn;
  char *endpoint;
} Op;

static void
on_op_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Op *op = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mResponse) r
      = tf_lwm2m_server_request_finish (TF_LWM2M_SERVER (source), res, &error);
  if (r == NULL)
    reply (op->conn, NULL, error->message);
  else
    {
      g_autoptr (JsonNode) n = tf_control_response_to_json (r, op->endpoint);
      reply (op->conn, n, NULL);
    }
  g_free (op->endpoint);
  g_free (op);
}

static void
on_cancel_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Op *op = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mResponse) r
      = tf_lwm2m_server_cancel_observe_finish (TF_LWM2M_SERVER (source), res, &error);
  if (r == NULL)
    reply (op->conn, NULL, error->message);
  else
    {
      g_autoptr (JsonNode) n = tf_control_response_to_json (r, op->endpoint);
      reply (op->conn, n, NULL);
    }
  g_free (op->endpoint);
  g_free (op);
}

static void
handle (Conn *c, JsonObject *o)
{
  App *app = c->app;
  const char *cmd = tf_control_string (o, "cmd", "");
  const char *ep = tf_control_string (o, "ep", NULL);
  const char *path_s = tf_control_string (o, "path", "/");
  gint format = tf_control_format_from_string (tf_control_string (o, "format", NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mRequest) req = NULL;
  TfLwm2mPath path = { .len = 0 };
  Op *op;

  if (g_str_equal (cmd, "list"))
    {
      g_autoptr (GList) regs = tf_lwm2m_server_list (app->server);
      g_autoptr (JsonNode) n = json_node_new (JSON_NODE_ARRAY);
      JsonArray *a = json_array_new ();
      for (GList *l = regs; l != NULL; l = l->next)
        json_array_add_element (a, tf_control_registration_json (NULL, l->data));
      json_node_take_array (n, a);
      reply (c, n, NULL);
      return;
    }
  if (g_str_equal (cmd, "psk"))
    {
      const char *id = tf_control_string (o, "identity", NULL);
      g_autoptr (GBytes) key
          = tf_control_bytes_from_hex (tf_control_string (o, "key", NULL), &error);
      if (id == NULL || key == NULL)
        reply (c, NULL, error != NULL ? error->message : "psk needs identity and key");
      else
        {
          tf_lwm2m_server_set_psk (app->server, id, key);
          reply (c, NULL, NULL);
        }
      return;
    }
  if (g_str_equal (cmd, "wait"))
    {
      Waiter *w = g_new0 (Waiter, 1);
      gint64 timeout = tf_control_int (o, "timeout_ms", 30000);
      w->conn = c;
      w->event = g_strdup (tf_control_string (o, "event", NULL));
      w->endpoint = g_strdup (ep);
      w->obs = tf_control_int (o, "observation", 0);
      w->since = tf_control_int (o, "since", 0);
      app->waiters = g_list_prepend (app->waiters, w);
      for (guint i = 0; i < app->events->len; i++)
        if (waiter_matches (w, g_ptr_array_index (app->events, i)))
          {
            waiter_finish (app, w, g_ptr_array_index (app->events, i), NULL);
            return;
          }
      w->timeout_id = g_timeout_add ((guint)CLAMP (timeout, 0, MAX_WAIT_MS), on_wait_timeout, w);
      return;
    }
  if (g_str_equal (cmd, "serve"))
    {
      /* a resource of the server's own for clients to GET: a firmware package's URI */
      const char *rpath = tf_control_string (o, "path", "");
      const char *b64 = tf_control_string (o, "body", "");
      gsize n = 0;
      g_autofree guchar *raw = NULL;
      g_autoptr (GBytes) body = NULL;
      gboolean ok = *rpath != '\0' && *rpath != '/' && strlen (b64) % 4 == 0;
      for (const char *p = b64; ok && *p; p++)
        ok = g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=';
      if (!ok)
        {
          reply (c, NULL, "serve needs path (\"fw/package\", no leading /) and body (base64)");
          return;
        }
      raw = g_base64_decode (b64, &n);
      body = g_bytes_new (raw, n);
      tf_lwm2m_server_serve (app->server, rpath, body);
      reply (c, NULL, NULL);
      return;
    }
  if (g_str_equal (cmd, "bootstrap"))
    {
      g_autoptr (GPtrArray) steps = NULL;
      if (ep == NULL)
        reply (c, NULL, "bootstrap needs ep");
      else if ((steps = tf_control_bootstrap_steps (o, &error)) == NULL)
        reply (c, NULL, error->message);
      else
        {
          tf_lwm2m_server_set_bootstrap (app->server, ep, steps);
          reply (c, NULL, NULL);
        }
      return;
    }
  if (g_str_equal (cmd, "cancel"))
    {
      gint64 id = tf_control_int (o, "observation", 0);
      const char *mode = tf_control_string (o, "mode", "observe");
      op = g_new0 (Op, 1);
      op->conn = c;
      tf_lwm2m_server_cancel_observe_async (app->server, (guint)id, g_str_equal (mode, "reset"),
                                            NULL, on_cancel_done, op);
      return;
    }

  /* the rest are operations on a registered endpoint */
  if (ep == NULL)
    {
      reply (c, NULL, "missing ep");
      return;
    }
  if (format == -2)
    {
      reply (c, NULL, "unknown format");
      return;
    }
  if (!tf_lwm2m_path_parse (path_s, &path, &error))
    {
      reply (c, NULL, error->message);
      return;
    }
  op = g_new0 (Op, 1);
  op->conn = c;
  op->endpoint = g_strdup (ep);
  /* the one-call operations of TfLwm2mServer where there is one */
  if (g_str_equal (cmd, "read"))
    tf_lwm2m_server_read_async (app->server, ep, &path, format, NULL, on_op_done, op);
  else if (g_str_equal (cmd, "observe"))
    tf_lwm2m_server_observe_async (app->server, ep, &path, format, NULL, on_op_done, op);
  else if (g_str_equal (cmd, "discover"))
    tf_lwm2m_server_discover_async (app->server, ep, &path, NULL, on_op_done, op);
  else if (g_str_equal (cmd, "delete"))
    tf_lwm2m_server_delete_async (app->server, ep, &path, NULL, on_op_done, op);
  else if (g_str_equal (cmd, "execute"))
    tf_lwm2m_server_execute_async (app->server, ep, &path, tf_control_string (o, "args", NULL),
                                   NULL, on_op_done, op);
  else if (g_str_equal (cmd, "write-attributes"))
    tf_lwm2m_server_write_attributes_async (
        app->server, ep, &path, tf_control_string (o, "attrs", ""), NULL, on_op_done, op);
  else
    {
      g_free (op->endpoint);
      g_free (op);
      op = NULL;
    }
  if (op != NULL)
    return;
  if (g_str_equal (cmd, "write") || g_str_equal (cmd, "create")
      || g_str_equal (cmd, "write-composite"))
    {
      g_autoptr (GPtrArray) recs = NULL;
      JsonObject *values = tf_control_object_member (o, "values");
      if (values == NULL)
        {
          reply (c, NULL, "missing values");
          return;
        }
      if ((recs = tf_control_records_from_json (values, &error)) == NULL)
        {
          reply (c, NULL, error->message);
          return;
        }
      if (g_str_equal (cmd, "write"))
        req = tf_lwm2m_request_write (&path, format >= 0 ? (guint)format : TF_LWM2M_CF_TLV, recs,
                                      tf_control_bool (o, "replace", TRUE), &error);
      else if (g_str_equal (cmd, "create"))
        req = tf_lwm2m_request_create (&path, format >= 0 ? (guint)format : TF_LWM2M_CF_TLV, recs,
                                       &error);
      else
        req = tf_lwm2m_request_write_composite (
            recs, format >= 0 ? (guint)format : TF_LWM2M_CF_SENML_JSON, &error);
    }
  else if (g_str_equal (cmd, "read-composite") || g_str_equal (cmd, "observe-composite"))
    {
      JsonArray *a = tf_control_array_member (o, "paths");
      g_autofree TfLwm2mPath *paths = NULL;
      guint n = a != NULL ? MIN (json_array_get_length (a), 64) : 0;
      paths = g_new0 (TfLwm2mPath, n + 1);
      for (guint i = 0; i < n; i++)
        if (!JSON_NODE_HOLDS_VALUE (json_array_get_element (a, i))
            || !tf_lwm2m_path_parse (json_node_get_string (json_array_get_element (a, i)) != NULL
                                         ? json_node_get_string (json_array_get_element (a, i))
                                         : "",
                                     &paths[i], &error))
          {
            reply (c, NULL, error != NULL ? error->message : "paths are LwM2M paths");
            return;
          }
      req = (g_str_equal (cmd, "observe-composite") ? tf_lwm2m_request_observe_composite
                                                    : tf_lwm2m_request_read_composite) (
          paths, n, format >= 0 ? (guint)format : TF_LWM2M_CF_SENML_JSON, &error);
    }
  else
    {
      g_autofree char *msg = g_strdup_printf ("unknown command '%s'", cmd);
      reply (c, NULL, msg);
      return;
    }
  if (req == NULL)
    {
      reply (c, NULL, error->message);
      return;
    }
  op = g_new0 (Op, 1);
  op->conn = c;
  op->endpoint = g_strdup (ep);
  tf_lwm2m_server_request_async (app->server, ep, req, NULL, on_op_done, op);
}

static void
on_line (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Conn *c = user_data;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (c->in, res, &len, &error);
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (line == NULL)
    {
      /* closed: the waits of this connection go with it */
      c->closed = TRUE;
      for (GList *l = c->app->waiters; l != NULL;)
        {
          Waiter *w = l->data;
          l = l->next;
          if (w->conn == c)
            waiter_finish (c->app, w, NULL, "closed");
        }
      conn_free (c);
      return;
    }
  if (len > MAX_LINE)
    reply (c, NULL, "line too long");
  else if (*g_strstrip (line) == '\0')
    conn_read_next (c);
  else if (!json_parser_load_from_data (parser, line, -1, &error))
    reply (c, NULL, error->message);
  else if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    reply (c, NULL, "a command is a JSON object");
  else
    handle (c, json_node_get_object (json_parser_get_root (parser)));
}

/* One command at a time per connection: the next line is read once the reply is written. */
static void
conn_read_next (Conn *c)
{
  g_data_input_stream_read_line_async (c->in, G_PRIORITY_DEFAULT, NULL, on_line, c);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  Conn *c = g_new0 (Conn, 1);
  c->app = user_data;
  c->conn = g_object_ref (connection);
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  c->out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  c->outbuf = g_string_new (NULL);
  conn_read_next (c);
  return TRUE;
}

static void
on_exchange (const TfCoapMessage *m, gpointer user_data)
{
  App *app = user_data;
  g_autoptr (JsonNode) n = tf_coap_message_to_json (m);
  g_autofree char *s = json_to_string (n, FALSE);
  fprintf (app->log, "%s\n", s);
  fflush (app->log);
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (((App *)data)->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  gint port = 5683, bs_port = 0, psk_port = 0, queue_window = 93;
  g_autofree char *bind = NULL;
  g_autofree char *control = NULL;
  g_autofree char *log_file = NULL;
  g_auto (GStrv) psks = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) octx = g_option_context_new ("- the lab's reference LwM2M server");
  g_autoptr (GSocketService) service = NULL;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "CoAP (UDP) port, 0 for none (5683)", "PORT" },
    { "bs-port", 0, 0, G_OPTION_ARG_INT, &bs_port, "bootstrap server port (none)", "PORT" },
    { "psk-port", 0, 0, G_OPTION_ARG_INT, &psk_port, "CoAP over DTLS (PSK) port (none)", "PORT" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "address to listen on (0.0.0.0)", "ADDR" },
    { "psk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &psks, "a PSK identity and its key", "ID:HEXKEY" },
    { "control", 0, 0, G_OPTION_ARG_FILENAME, &control, "control socket (JSON lines)", "PATH" },
    { "queue-window", 0, 0, G_OPTION_ARG_INT, &queue_window,
      "seconds a queue-mode client listens after Register/Update (93)", "S" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "decoded exchanges, one JSON per line",
      "FILE" },
    { NULL },
  };
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      g_printerr ("tf-lwm2m-server: %s\n", error->message);
      return 2;
    }
  if (bind == NULL)
    bind = g_strdup ("0.0.0.0");
  app.loop = g_main_loop_new (NULL, FALSE);
  app.events = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  app.server = tf_lwm2m_server_new ();
  tf_lwm2m_server_set_queue_window (app.server, (guint)CLAMP (queue_window, 0, 86400));
  g_signal_connect (app.server, "registered", G_CALLBACK (on_registered), &app);
  g_signal_connect (app.server, "updated", G_CALLBACK (on_updated), &app);
  g_signal_connect (app.server, "deregistered", G_CALLBACK (on_deregistered), &app);
  g_signal_connect (app.server, "expired", G_CALLBACK (on_expired), &app);
  g_signal_connect (app.server, "notification", G_CALLBACK (on_notification), &app);
  g_signal_connect (app.server, "bootstrap-finished", G_CALLBACK (on_bootstrap_finished), &app);
  g_signal_connect (app.server, "dtls-failure", G_CALLBACK (on_dtls_failure), &app);
  g_signal_connect (app.server, "rejected", G_CALLBACK (on_rejected), &app);
  g_signal_connect (app.server, "send", G_CALLBACK (on_send), &app);
  if (log_file != NULL)
    {
      app.log = fopen (log_file, "a");
      if (app.log == NULL)
        {
          g_printerr ("tf-lwm2m-server: cannot open %s: %s\n", log_file, g_strerror (errno));
          return 1;
        }
      tf_coap_set_exchange_func (on_exchange, &app);
    }
  for (guint i = 0; psks != NULL && psks[i] != NULL; i++)
    {
      char *colon = strrchr (psks[i], ':');
      g_autoptr (GBytes) key = NULL;
      if (colon == NULL || (key = tf_control_bytes_from_hex (colon + 1, &error)) == NULL)
        {
          g_printerr ("tf-lwm2m-server: --psk %s: %s\n", psks[i],
                      error != NULL ? error->message : "ID:HEXKEY");
          return 2;
        }
      *colon = '\0';
      tf_lwm2m_server_set_psk (app.server, psks[i], key);
    }
  if ((port > 0 && !tf_lwm2m_server_listen (app.server, bind, (guint16)port, FALSE, &error))
      || (bs_port > 0
          && !tf_lwm2m_server_listen (app.server, bind, (guint16)bs_port, FALSE, &error))
      || (psk_port > 0
          && !tf_lwm2m_server_listen (app.server, bind, (guint16)psk_port, TRUE, &error)))
    {
      g_printerr ("tf-lwm2m-server: %s\n", error->message);
      return 1;
    }
  if (control != NULL)
    {
      g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (control);
      service = g_socket_service_new ();
      g_unlink (control);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), addr, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error))
        {
          g_printerr ("tf-lwm2m-server: control socket %s: %s\n", control, error->message);
          return 1;
        }
      g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), &app);
      g_socket_service_start (service);
    }
  /* a console or control peer that went away is no reason to die */
  signal (SIGPIPE, SIG_IGN);
  g_unix_signal_add (SIGTERM, on_signal, &app);
  g_unix_signal_add (SIGINT, on_signal, &app);
  g_print ("tf-lwm2m-server %s: CoAP %d, bootstrap %d, DTLS %d on %s\n", TF_VERSION, port, bs_port,
           psk_port, bind);
  g_main_loop_run (app.loop);
  if (control != NULL)
    g_unlink (control);
  tf_coap_set_exchange_func (NULL, NULL);
  g_object_unref (app.server);
  if (app.log != NULL)
    fclose (app.log);
  g_ptr_array_unref (app.events);
  g_main_loop_unref (app.loop);
  return 0;
}
