/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-bus"

#include "tf-bus.h"
#include "tf-error.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

static void
property_free (mosquitto_property *props)
{
  mosquitto_property_free_all (&props);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (mosquitto_property, property_free)

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000

typedef struct
{
  GSource source;
  TfBus *bus;
  gpointer tag;
  GIOCondition events; /* what the fd is watched for now */
} MosqSource;

struct _TfBus
{
  GObject parent_instance;
  TfBusOptions opts;
  struct mosquitto *mosq;
  GSource *io; /* MosqSource on the socket while connected/connecting */
  guint reconnect_id;
  guint misc_id;
  guint backoff_ms;
  gboolean connected;
  gboolean started;
  gboolean shutting_down;
  guint reconnects;
  GPtrArray *subscriptions;
  GArray *sub_options; /* int per subscription: MQTT v5 subscription options */
  int waiting_mid;     /* shutdown waits for this PUBACK */
  gboolean waiting_done;
};

G_DEFINE_TYPE (TfBus, tf_bus, G_TYPE_OBJECT)

enum
{
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_MESSAGE,
  SIGNAL_CONNECT_FAILED,
  SIGNAL_PUBLISHED,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static void
schedule_reconnect (TfBus *self);

gboolean
tf_bus_set_mosquitto_error (GError **error, int rc, const char *what)
{
  int code;
  switch (rc)
    {
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_CONN_REFUSED:
      code = TF_ERROR_INFRASTRUCTURE;
      break;
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_MALFORMED_UTF8:
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
    case MOSQ_ERR_OVERSIZE_PACKET:
      code = TF_ERROR_INVALID_ARGUMENT;
      break;
    case MOSQ_ERR_NOMEM:
      code = TF_ERROR_FAILED;
      break;
    case MOSQ_ERR_PROTOCOL:
    case MOSQ_ERR_MALFORMED_PACKET:
      code = TF_ERROR_PROTOCOL;
      break;
    case MOSQ_ERR_AUTH:
    case MOSQ_ERR_ACL_DENIED:
      code = TF_ERROR_PERMISSION_DENIED;
      break;
    case MOSQ_ERR_ERRNO:
      code = TF_ERROR_IO;
      g_set_error (error, TF_ERROR, code, "%s: %s", what, g_strerror (errno));
      return FALSE;
    default:
      code = TF_ERROR_FAILED;
      break;
    }
  g_set_error (error, TF_ERROR, code, "%s: %s", what, mosquitto_strerror (rc));
  return FALSE;
}

TfBusMessage *
tf_bus_message_copy (const TfBusMessage *m)
{
  TfBusMessage *c = g_new0 (TfBusMessage, 1);
  c->topic = g_strdup (m->topic);
  c->payload = m->payload != NULL ? g_bytes_ref (m->payload) : NULL;
  c->response_topic = g_strdup (m->response_topic);
  c->correlation = m->correlation != NULL ? g_bytes_ref (m->correlation) : NULL;
  c->retain = m->retain;
  return c;
}

void
tf_bus_message_free (TfBusMessage *m)
{
  if (m == NULL)
    return;
  g_free (m->topic);
  g_clear_pointer (&m->payload, g_bytes_unref);
  g_free (m->response_topic);
  g_clear_pointer (&m->correlation, g_bytes_unref);
  g_free (m);
}

/* --- the socket in the main loop ------------------------------------------ */

static gboolean
mosq_source_prepare (GSource *source, gint *timeout)
{
  MosqSource *ms = (MosqSource *)source;
  GIOCondition want = G_IO_IN | G_IO_ERR | G_IO_HUP;
  /* arm writing only while libmosquitto has bytes queued */
  if (mosquitto_want_write (ms->bus->mosq))
    want |= G_IO_OUT;
  /* g_source_modify_unix_fd() wakes the context: call it only on a change,
   * or the loop never sleeps */
  if (want != ms->events)
    {
      g_source_modify_unix_fd (source, ms->tag, want);
      ms->events = want;
    }
  *timeout = -1;
  return FALSE;
}

static gboolean
mosq_source_dispatch (GSource *source, GSourceFunc cb, gpointer user_data)
{
  MosqSource *ms = (MosqSource *)source;
  TfBus *self = ms->bus;
  GIOCondition rev = g_source_query_unix_fd (source, ms->tag);
  int rc = MOSQ_ERR_SUCCESS;

  if (rev & (G_IO_IN | G_IO_HUP | G_IO_ERR))
    rc = mosquitto_loop_read (self->mosq, 1);
  if (rc == MOSQ_ERR_SUCCESS && (rev & G_IO_OUT))
    rc = mosquitto_loop_write (self->mosq, 1);
  if (rc != MOSQ_ERR_SUCCESS)
    {
      g_autoptr (GError) error = NULL;
      tf_bus_set_mosquitto_error (&error, rc, "broker connection");
      g_info ("bus: %s", error->message);
      if (self->connected)
        {
          self->connected = FALSE;
          g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
        }
      else
        g_signal_emit (self, signals[SIGNAL_CONNECT_FAILED], 0, error);
      schedule_reconnect (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs mosq_source_funcs = {
  .prepare = mosq_source_prepare,
  .dispatch = mosq_source_dispatch,
};

static void
watch_socket (TfBus *self)
{
  int fd = mosquitto_socket (self->mosq);
  MosqSource *ms;
  if (self->io != NULL)
    {
      g_source_destroy (self->io);
      g_source_unref (self->io);
      self->io = NULL;
    }
  if (fd < 0)
    return;
  self->io = g_source_new (&mosq_source_funcs, sizeof (MosqSource));
  ms = (MosqSource *)self->io;
  ms->bus = self;
  ms->events = G_IO_IN | G_IO_OUT | G_IO_ERR | G_IO_HUP;
  ms->tag = g_source_add_unix_fd (self->io, fd, ms->events);
  g_source_set_name (self->io, "mosquitto");
  g_source_attach (self->io, NULL);
}

static void
drop_socket (TfBus *self)
{
  if (self->io != NULL)
    {
      g_source_destroy (self->io);
      g_source_unref (self->io);
      self->io = NULL;
    }
}

/* MQTT keepalive is the one timer we need: libmosquitto sends PINGREQ from
 * loop_misc. It runs at half the keepalive, never more often. */
static gboolean
misc_cb (gpointer user_data)
{
  TfBus *self = user_data;
  mosquitto_loop_misc (self->mosq);
  return G_SOURCE_CONTINUE;
}

static gboolean
reconnect_cb (gpointer user_data)
{
  TfBus *self = user_data;
  int rc;

  self->reconnect_id = 0;
  drop_socket (self);
  rc = mosquitto_connect_bind_async (self->mosq, self->opts.host, self->opts.port,
                                     self->opts.keepalive_s, NULL);
  if (rc != MOSQ_ERR_SUCCESS)
    {
      g_autoptr (GError) error = NULL;
      tf_bus_set_mosquitto_error (&error, rc, "connect");
      g_debug ("bus: %s:%u: %s", self->opts.host, self->opts.port, error->message);
      g_signal_emit (self, signals[SIGNAL_CONNECT_FAILED], 0, error);
      schedule_reconnect (self);
      return G_SOURCE_REMOVE;
    }
  watch_socket (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (TfBus *self)
{
  if (self->shutting_down || self->reconnect_id != 0)
    return;
  drop_socket (self);
  g_debug ("bus: reconnecting in %u ms", self->backoff_ms);
  self->reconnect_id = g_timeout_add (self->backoff_ms, reconnect_cb, self);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
}

/* --- libmosquitto callbacks (called from loop_read/write) ----------------- */

static void
on_connect (struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
  TfBus *self = obj;
  if (rc != 0)
    {
      g_autoptr (GError) error = g_error_new (
          TF_ERROR, TF_ERROR_PERMISSION_DENIED, "broker %s:%u refused the connection: %s",
          self->opts.host, self->opts.port, mosquitto_reason_string (rc));
      g_warning ("bus: %s", error->message);
      g_object_set_data (G_OBJECT (self), "connack-reason", GINT_TO_POINTER (rc));
      g_signal_emit (self, signals[SIGNAL_CONNECT_FAILED], 0, error);
      return; /* the disconnect that follows schedules the retry */
    }
  g_info ("bus: connected to %s:%u", self->opts.host, self->opts.port);
  if (self->reconnects > 0 || self->connected)
    g_debug ("bus: reconnect %u", self->reconnects);
  self->connected = TRUE;
  self->backoff_ms = BACKOFF_MIN_MS;
  for (guint i = 0; i < self->subscriptions->len; i++)
    mosquitto_subscribe_v5 (mosq, NULL, g_ptr_array_index (self->subscriptions, i), 1,
                            g_array_index (self->sub_options, int, i), NULL);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
  self->reconnects++;
}

static void
on_disconnect (struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
  TfBus *self = obj;
  gboolean was = self->connected;
  self->connected = FALSE;
  if (was)
    {
      g_info ("bus: disconnected (%s)", mosquitto_reason_string (rc));
      g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
    }
  if (!self->shutting_down)
    schedule_reconnect (self);
}

static void
on_publish (struct mosquitto *mosq, void *obj, int mid, int rc, const mosquitto_property *props)
{
  TfBus *self = obj;
  if (mid == self->waiting_mid)
    self->waiting_done = TRUE;
  g_signal_emit (self, signals[SIGNAL_PUBLISHED], 0, mid, rc);
}

static void
on_message (struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
            const mosquitto_property *props)
{
  TfBus *self = obj;
  TfBusMessage m = { 0 };
  char *rt = NULL;
  void *corr = NULL;
  uint16_t corr_len = 0;

  m.topic = msg->topic;
  m.retain = msg->retain;
  m.payload = g_bytes_new (msg->payload, msg->payloadlen);
  if (mosquitto_property_read_string (props, MQTT_PROP_RESPONSE_TOPIC, &rt, false) != NULL)
    m.response_topic = rt;
  if (mosquitto_property_read_binary (props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false)
      != NULL)
    m.correlation = g_bytes_new_take (corr, corr_len);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, &m);
  g_bytes_unref (m.payload);
  g_clear_pointer (&m.correlation, g_bytes_unref);
  free (rt);
}

/* --- object ---------------------------------------------------------------- */

static void
tf_bus_finalize (GObject *object)
{
  TfBus *self = TF_BUS (object);
  drop_socket (self);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->misc_id, g_source_remove);
  if (self->mosq != NULL)
    mosquitto_destroy (self->mosq);
  g_free (self->opts.host);
  g_free (self->opts.ca_file);
  g_free (self->opts.user);
  g_free (self->opts.password);
  g_free (self->opts.client_id);
  g_free (self->opts.will_topic);
  g_free (self->opts.will_payload);
  g_ptr_array_unref (self->subscriptions);
  g_array_unref (self->sub_options);
  G_OBJECT_CLASS (tf_bus_parent_class)->finalize (object);
}

static void
tf_bus_class_init (TfBusClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_bus_finalize;
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DISCONNECTED]
      = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* the broker refused us (CONNACK reason) or could not be reached; the bus
   * goes on retrying: one-shot clients give up here */
  signals[SIGNAL_CONNECT_FAILED]
      = g_signal_new ("connect-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* PUBACK of a QoS 1 publish: message id, MQTT v5 reason code (>= 0x80: refused) */
  signals[SIGNAL_PUBLISHED]
      = g_signal_new ("published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
tf_bus_init (TfBus *self)
{
  self->subscriptions = g_ptr_array_new_with_free_func (g_free);
  self->sub_options = g_array_new (FALSE, FALSE, sizeof (int));
  self->backoff_ms = BACKOFF_MIN_MS;
  self->waiting_mid = -1;
}

TfBus *
tf_bus_new (const TfBusOptions *o, GError **error)
{
  static gsize lib_init = 0;
  g_autoptr (TfBus) self = g_object_new (TF_TYPE_BUS, NULL);
  int rc;

  if (g_once_init_enter (&lib_init))
    {
      mosquitto_lib_init ();
      g_once_init_leave (&lib_init, 1);
    }
  self->opts.host = g_strdup (o->host);
  self->opts.port = o->port;
  self->opts.tls = o->tls;
  self->opts.ca_file = g_strdup (o->ca_file);
  self->opts.user = g_strdup (o->user);
  self->opts.password = g_strdup (o->password);
  self->opts.client_id = g_strdup (o->client_id);
  self->opts.keepalive_s = o->keepalive_s > 0 ? o->keepalive_s : 60;
  self->opts.will_topic = g_strdup (o->will_topic);
  self->opts.will_payload = g_strdup (o->will_payload);

  self->mosq = mosquitto_new (o->client_id, true, self);
  if (self->mosq == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "mosquitto_new: %s", g_strerror (errno));
      return NULL;
    }
  mosquitto_int_option (self->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  /* a request and its answer are small packets: without TCP_NODELAY each
   * waits on Nagle behind the peer's delayed ACK (about 40 ms a hop) */
  mosquitto_int_option (self->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_v5_callback_set (self->mosq, on_connect);
  mosquitto_disconnect_v5_callback_set (self->mosq, on_disconnect);
  mosquitto_message_v5_callback_set (self->mosq, on_message);
  mosquitto_publish_v5_callback_set (self->mosq, on_publish);
  if (o->user != NULL)
    {
      rc = mosquitto_username_pw_set (self->mosq, o->user, o->password);
      if (rc != MOSQ_ERR_SUCCESS)
        {
          tf_bus_set_mosquitto_error (error, rc, "broker user");
          return NULL;
        }
    }
  if (o->tls)
    {
      rc = mosquitto_tls_set (self->mosq, o->ca_file, o->ca_file ? NULL : "/etc/ssl/certs", NULL,
                              NULL, NULL);
      if (rc != MOSQ_ERR_SUCCESS)
        {
          tf_bus_set_mosquitto_error (error, rc, "broker TLS");
          return NULL;
        }
    }
  if (o->will_topic != NULL)
    {
      rc = mosquitto_will_set_v5 (self->mosq, o->will_topic, strlen (o->will_payload),
                                  o->will_payload, 1, true, NULL);
      if (rc != MOSQ_ERR_SUCCESS)
        {
          tf_bus_set_mosquitto_error (error, rc, "broker will");
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

void
tf_bus_start (TfBus *self)
{
  if (self->started)
    return;
  self->started = TRUE;
  self->misc_id = g_timeout_add_seconds (MAX (1, self->opts.keepalive_s / 2), misc_cb, self);
  reconnect_cb (self);
}

gboolean
tf_bus_is_connected (TfBus *self)
{
  return self->connected;
}

guint
tf_bus_get_reconnects (TfBus *self)
{
  return self->reconnects;
}

void
tf_bus_subscribe_full (TfBus *self, const char *pattern, TfBusSubscribeFlags flags)
{
  int options = 0;
  if (flags & TF_BUS_SUBSCRIBE_EVENTS)
    options = MQTT_SUB_OPT_SEND_RETAIN_NEVER | MQTT_SUB_OPT_RETAIN_AS_PUBLISHED;
  g_ptr_array_add (self->subscriptions, g_strdup (pattern));
  g_array_append_val (self->sub_options, options);
  if (self->connected)
    mosquitto_subscribe_v5 (self->mosq, NULL, pattern, 1, options, NULL);
}

void
tf_bus_subscribe (TfBus *self, const char *pattern)
{
  tf_bus_subscribe_full (self, pattern, TF_BUS_SUBSCRIBE_NONE);
}

gboolean
tf_bus_publish (TfBus *self, const char *topic, const void *payload, gsize len, gboolean retain,
                GError **error)
{
  int rc;
  if (!self->connected)
    {
      /* retained state is republished in full after reconnecting */
      g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "not connected to the broker");
      return FALSE;
    }
  rc = mosquitto_publish_v5 (self->mosq, NULL, topic, len, payload, 1, retain, NULL);
  if (rc != MOSQ_ERR_SUCCESS)
    return tf_bus_set_mosquitto_error (error, rc, topic);
  return TRUE;
}

gboolean
tf_bus_request (TfBus *self, const char *topic, const char *payload, const char *response_topic,
                const char *correlation, GError **error)
{
  return tf_bus_request_mid (self, topic, payload, response_topic, correlation, NULL, error);
}

gboolean
tf_bus_request_mid (TfBus *self, const char *topic, const char *payload, const char *response_topic,
                    const char *correlation, int *mid, GError **error)
{
  g_autoptr (mosquitto_property) props = NULL;
  int rc;

  if (!self->connected)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "not connected to the broker");
      return FALSE;
    }
  mosquitto_property_add_string (&props, MQTT_PROP_RESPONSE_TOPIC, response_topic);
  mosquitto_property_add_binary (&props, MQTT_PROP_CORRELATION_DATA, correlation,
                                 strlen (correlation));
  mosquitto_property_add_string (&props, MQTT_PROP_CONTENT_TYPE, "application/json");
  rc = mosquitto_publish_v5 (self->mosq, mid, topic, strlen (payload), payload, 1, false, props);
  if (rc != MOSQ_ERR_SUCCESS)
    return tf_bus_set_mosquitto_error (error, rc, topic);
  return TRUE;
}

gboolean
tf_bus_reply (TfBus *self, const TfBusMessage *req, const char *payload, GError **error)
{
  g_autoptr (mosquitto_property) props = NULL;
  int rc;

  if (req->response_topic == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "%s: request without response topic",
                   req->topic);
      return FALSE;
    }
  if (req->correlation != NULL)
    {
      gsize n = 0;
      const void *d = g_bytes_get_data (req->correlation, &n);
      mosquitto_property_add_binary (&props, MQTT_PROP_CORRELATION_DATA, d, n);
    }
  mosquitto_property_add_string (&props, MQTT_PROP_CONTENT_TYPE, "application/json");
  if (!self->connected)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "not connected to the broker");
      return FALSE;
    }
  rc = mosquitto_publish_v5 (self->mosq, NULL, req->response_topic, strlen (payload), payload, 1,
                             false, props);
  if (rc != MOSQ_ERR_SUCCESS)
    return tf_bus_set_mosquitto_error (error, rc, req->response_topic);
  return TRUE;
}

void
tf_bus_shutdown (TfBus *self, const char *topic, const char *payload, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  self->shutting_down = TRUE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->misc_id, g_source_remove);
  drop_socket (self);
  if (!self->connected)
    return;
  if (topic != NULL
      && mosquitto_publish_v5 (self->mosq, &self->waiting_mid, topic, strlen (payload), payload, 1,
                               true, NULL)
             == MOSQ_ERR_SUCCESS)
    {
      /* a bounded wait for PUBACK, so the offline status is on the broker;
       * poll(), not mosquitto_loop(): its select() fails past fd 1024 */
      while (!self->waiting_done && g_get_monotonic_time () < deadline)
        {
          struct pollfd pfd = { mosquitto_socket (self->mosq), POLLIN, 0 };
          if (mosquitto_want_write (self->mosq))
            pfd.events |= POLLOUT;
          if (pfd.fd < 0 || poll (&pfd, 1, 20) < 0)
            break;
          if ((pfd.revents & POLLOUT) && mosquitto_loop_write (self->mosq, 1) != MOSQ_ERR_SUCCESS)
            break;
          if ((pfd.revents & (POLLIN | POLLHUP | POLLERR))
              && mosquitto_loop_read (self->mosq, 1) != MOSQ_ERR_SUCCESS)
            break;
        }
    }
  mosquitto_disconnect_v5 (self->mosq, 0, NULL);
  while (mosquitto_want_write (self->mosq) && g_get_monotonic_time () < deadline)
    if (mosquitto_loop_write (self->mosq, 1) != MOSQ_ERR_SUCCESS)
      break;
  self->connected = FALSE;
}
