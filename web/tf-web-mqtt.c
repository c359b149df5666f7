/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-web"

#include "config.h"

#include "tf-web-mqtt.h"

/* MQTT over websockets, served by tf-web at /mqtt and carried to the
 * broker's plain TCP listener on this host.
 *
 * mosquitto 2.0.11's own websockets listener binds every interface whatever
 * address it is given (libwebsockets is never handed one), and it serves no
 * TLS unless the broker holds the certificate. tf-web binds where it is told
 * (--listen), serves https/wss when given a certificate, and the broker then
 * needs no websockets listener at all: its TCP listener stays on loopback.
 * The broker still authenticates every client (CONNECT carries the
 * credentials) and applies its ACL: this is a pipe, not a proxy that
 * understands MQTT. Each direction is bounded so a client that sends faster
 * than the broker reads (or the reverse) is cut off, not buffered forever. */

#define MAX_MESSAGE (1024 * 1024 + 16) /* the broker's max_packet_size, and a header */
#define MAX_PENDING (4 * 1024 * 1024)  /* bytes queued toward the broker */
#define READ_CHUNK 16384

/* Every pending operation (the connect, a read, a write) and the open
 * websocket each hold a reference. */
typedef struct
{
  SoupWebsocketConnection *ws;
  GSocketConnection *tcp;
  GCancellable *cancel;
  GQueue pending; /* GBytes toward the broker */
  gsize pending_len;
  GBytes *writing; /* the write under way */
  gboolean closed;
} Pipe;

static void
pipe_clear (Pipe *p)
{
  g_signal_handlers_disconnect_by_data (p->ws, p);
  g_queue_clear_full (&p->pending, (GDestroyNotify)g_bytes_unref);
  g_clear_pointer (&p->writing, g_bytes_unref);
  g_clear_object (&p->tcp);
  g_clear_object (&p->ws);
  g_clear_object (&p->cancel);
}

static Pipe *
pipe_ref (Pipe *p)
{
  return g_rc_box_acquire (p);
}

static void
pipe_unref (Pipe *p)
{
  g_rc_box_release_full (p, (GDestroyNotify)pipe_clear);
}

/* Both ends go, once; what is under way is cancelled. */
static void
pipe_close (Pipe *p, const char *why)
{
  if (p->closed)
    return;
  p->closed = TRUE;
  if (why != NULL)
    g_debug ("mqtt bridge closed: %s", why);
  g_cancellable_cancel (p->cancel);
  if (p->tcp != NULL)
    g_io_stream_close (G_IO_STREAM (p->tcp), NULL, NULL);
  if (soup_websocket_connection_get_state (p->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (p->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void write_next (Pipe *p);

static void
on_written (GObject *source, GAsyncResult *res, gpointer data)
{
  Pipe *p = data;
  g_autoptr (GError) error = NULL;
  g_clear_pointer (&p->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    pipe_close (p, error->message);
  else
    write_next (p);
  pipe_unref (p);
}

static void
write_next (Pipe *p)
{
  if (p->writing != NULL || p->closed || p->tcp == NULL || g_queue_is_empty (&p->pending))
    return;
  p->writing = g_queue_pop_head (&p->pending);
  p->pending_len -= g_bytes_get_size (p->writing);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (p->tcp)),
                                   g_bytes_get_data (p->writing, NULL),
                                   g_bytes_get_size (p->writing), G_PRIORITY_DEFAULT, p->cancel,
                                   on_written, pipe_ref (p));
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *message, Pipe *p)
{
  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      pipe_close (p, "a text frame: MQTT over websockets is binary");
      return;
    }
  if (p->pending_len + g_bytes_get_size (message) > MAX_PENDING)
    {
      pipe_close (p, "the client sends faster than the broker takes");
      return;
    }
  g_queue_push_tail (&p->pending, g_bytes_ref (message));
  p->pending_len += g_bytes_get_size (message);
  write_next (p);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, Pipe *p)
{
  pipe_close (p, NULL);
  g_signal_handlers_disconnect_by_data (ws, p);
  pipe_unref (p); /* the websocket's reference */
}

static void
read_next (Pipe *p);

static void
on_read (GObject *source, GAsyncResult *res, gpointer data)
{
  Pipe *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);
  if (b == NULL || g_bytes_get_size (b) == 0)
    {
      /* the broker closed, or we did (a cancelled read just ends here) */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pipe_close (p, error != NULL ? error->message : "the broker closed");
    }
  else if (!p->closed)
    {
      /* the page may be closing its end while the broker's bytes were on their way */
      if (soup_websocket_connection_get_state (p->ws) != SOUP_WEBSOCKET_STATE_OPEN)
        pipe_close (p, "the websocket is closing");
      else
        {
          soup_websocket_connection_send_message (p->ws, SOUP_WEBSOCKET_DATA_BINARY, b);
          read_next (p);
        }
    }
  pipe_unref (p);
}

static void
read_next (Pipe *p)
{
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (p->tcp)), READ_CHUNK,
                                   G_PRIORITY_DEFAULT, p->cancel, on_read, pipe_ref (p));
}

static void
on_connected (GObject *source, GAsyncResult *res, gpointer data)
{
  Pipe *p = data;
  g_autoptr (GError) error = NULL;
  p->tcp = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (p->tcp == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("mqtt bridge: the broker: %s", error->message);
      pipe_close (p, NULL);
    }
  else if (p->closed)
    g_io_stream_close (G_IO_STREAM (p->tcp), NULL, NULL);
  else
    {
      read_next (p);
      write_next (p);
    }
  pipe_unref (p);
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *ws, gpointer user_data)
{
  GSocketConnectable *broker = user_data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  Pipe *p = g_rc_box_new0 (Pipe);

  p->ws = g_object_ref (ws);
  p->cancel = g_cancellable_new ();
  g_queue_init (&p->pending);
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (ws, 30);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), p);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), p);
  g_socket_client_connect_async (client, broker, p->cancel, on_connected, pipe_ref (p));
}

void
tf_web_mqtt_add (SoupServer *server, GSocketConnectable *broker)
{
  /* the "mqtt" subprotocol, as MQTT 5.0 §6 asks of a websockets transport */
  const char *protocols[] = { "mqtt", NULL };
  soup_server_add_websocket_handler (server, "/mqtt", NULL, (char **)protocols, on_websocket,
                                     g_object_ref (broker), g_object_unref);
}
