/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One incoming MQTT message, with what a v5 request carries for its answer. */
typedef struct
{
  char *topic;
  GBytes *payload;
  char *response_topic; /* nullable */
  GBytes *correlation;  /* nullable */
  gboolean retain;      /* as published (TF_BUS_SUBSCRIBE_EVENTS) or a retained replay */
} TfBusMessage;

TfBusMessage *
tf_bus_message_copy (const TfBusMessage *m);
void
tf_bus_message_free (TfBusMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfBusMessage, tf_bus_message_free)

typedef struct
{
  char *host;
  guint port;
  gboolean tls;
  char *ca_file;
  char *user;
  char *password;
  char *client_id;
  guint keepalive_s;
  /* the retained will: published by the broker if we vanish */
  char *will_topic;
  char *will_payload;
} TfBusOptions;

#define TF_TYPE_BUS (tf_bus_get_type ())
G_DECLARE_FINAL_TYPE (TfBus, tf_bus, TF, BUS, GObject)

/* Signals: "connected" (after CONNACK; re-subscription is done already),
 * "disconnected", "message" (TfBusMessage *), "connect-failed" (GError *:
 * refused by CONNACK or unreachable; the bus retries), "published" (int mid,
 * int v5 reason code: the broker's PUBACK). */
TfBus *
tf_bus_new (const TfBusOptions *options, GError **error);
/* Start connecting; the bus keeps reconnecting with capped exponential back-off. */
void
tf_bus_start (TfBus *self);
gboolean
tf_bus_is_connected (TfBus *self);
/* Subscriptions are remembered and renewed after every reconnect. */
void
tf_bus_subscribe (TfBus *self, const char *pattern);
typedef enum
{
  TF_BUS_SUBSCRIBE_NONE = 0,
  /* Requests are events: no retained replay at (re)subscription, and the
   * retain flag as the sender set it, so that a retained request is seen. */
  TF_BUS_SUBSCRIBE_EVENTS = 1 << 0,
} TfBusSubscribeFlags;
void
tf_bus_subscribe_full (TfBus *self, const char *pattern, TfBusSubscribeFlags flags);
gboolean
tf_bus_publish (TfBus *self, const char *topic, const void *payload, gsize len, gboolean retain,
                GError **error);
/* Send a v5 request: @response_topic and @correlation ride along. */
gboolean
tf_bus_request (TfBus *self, const char *topic, const char *payload, const char *response_topic,
                const char *correlation, GError **error);
/* The same; *@mid is the message id the "published" signal will carry. */
gboolean
tf_bus_request_mid (TfBus *self, const char *topic, const char *payload, const char *response_topic,
                    const char *correlation, int *mid, GError **error);
/* Answer a v5 request on its response topic with its correlation data. */
gboolean
tf_bus_reply (TfBus *self, const TfBusMessage *request, const char *payload, GError **error);
/* Publish @topic=@payload (retained, QoS 1), wait up to @timeout_ms for the
 * broker to acknowledge it, then disconnect cleanly. */
void
tf_bus_shutdown (TfBus *self, const char *topic, const char *payload, guint timeout_ms);
guint
tf_bus_get_reconnects (TfBus *self);

/* The one mapping of libmosquitto error codes. */
gboolean
tf_bus_set_mosquitto_error (GError **error, int rc, const char *what);

G_END_DECLS
