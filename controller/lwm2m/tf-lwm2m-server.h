/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* One client registered at the server (what Register and Update said). */
typedef struct
{
  char *endpoint;
  char *location; /* "rd/3" */
  guint lifetime;
  char *binding;
  char *version;
  gboolean queue;
  char *links; /* the CoRE link format payload, as sent */
  char *peer;  /* "127.0.0.1:40000" */
  char *psk_identity;
  gint64 registered_us; /* wall clock */
  gint64 updated_us;
  guint updates;
} TfLwm2mRegistration;

/* An operation the server sends to a registered endpoint. */
typedef struct
{
  guint method;     /* COAP_REQUEST_CODE_GET, ... */
  char *uri_path;   /* "3/0/1", "" for the root, "bs" for Bootstrap-Finish */
  TfLwm2mPath path; /* the LwM2M path (for encoding and decoding) */
  gint accept;      /* -1: none */
  gint cf;          /* of the payload, -1: none */
  GBytes *payload;
  GStrv queries; /* Uri-Query options ("pmin=5") */
  gint observe;  /* -1 none, 0 register, 1 deregister */
  gboolean non;  /* send as NON */
} TfLwm2mRequest;

TfLwm2mRequest *
tf_lwm2m_request_new (guint method, const TfLwm2mPath *path);
void
tf_lwm2m_request_free (TfLwm2mRequest *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLwm2mRequest, tf_lwm2m_request_free)
/* Device management requests (LwM2M 1.1.1 Core 6.3, 6.4). @records are encoded as @cf. */
TfLwm2mRequest *
tf_lwm2m_request_read (const TfLwm2mPath *path, gint accept);
TfLwm2mRequest *
tf_lwm2m_request_discover (const TfLwm2mPath *path);
TfLwm2mRequest *
tf_lwm2m_request_write (const TfLwm2mPath *path, guint cf, GPtrArray *records, gboolean replace,
                        GError **error);
TfLwm2mRequest *
tf_lwm2m_request_execute (const TfLwm2mPath *path, const char *args);
TfLwm2mRequest *
tf_lwm2m_request_create (const TfLwm2mPath *path, guint cf, GPtrArray *records, GError **error);
TfLwm2mRequest *
tf_lwm2m_request_delete (const TfLwm2mPath *path);
/* @attrs: "pmin=1&pmax=10&gt=3" */
TfLwm2mRequest *
tf_lwm2m_request_write_attributes (const TfLwm2mPath *path, const char *attrs);
TfLwm2mRequest *
tf_lwm2m_request_observe (const TfLwm2mPath *path, gint accept);
/* FETCH / iPATCH on the root with a SenML list of paths / records */
TfLwm2mRequest *
tf_lwm2m_request_read_composite (const TfLwm2mPath *paths, guint n_paths, guint cf, GError **error);
/* Observe-Composite (1.1): FETCH with Observe=0 on the root */
TfLwm2mRequest *
tf_lwm2m_request_observe_composite (const TfLwm2mPath *paths, guint n_paths, guint cf,
                                    GError **error);
TfLwm2mRequest *
tf_lwm2m_request_write_composite (GPtrArray *records, guint cf, GError **error);

typedef struct
{
  guint code; /* CoAP response code */
  gint cf;    /* -1: none */
  GBytes *payload;
  GPtrArray *records;    /* decoded TLV/JSON/SenML/text/opaque payload, or NULL */
  char *text;            /* link format or diagnostic payload as text, or NULL */
  guint observation;     /* non-zero: the observation this answer started or belongs to */
  gint observe_seq;      /* the Observe option, -1 when absent */
  gboolean after_cancel; /* a notification that came after the observation was cancelled */
} TfLwm2mResponse;

void
tf_lwm2m_response_free (TfLwm2mResponse *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLwm2mResponse, tf_lwm2m_response_free)

/* One step of the bootstrap sequence configured for an endpoint. */
typedef struct
{
  guint method; /* PUT (Write), DELETE, GET (Discover; with a data format @cf, Bootstrap-Read);
                   Finish is added by the server */
  TfLwm2mPath path;
  guint cf;
  GPtrArray *records;
} TfLwm2mBootstrapStep;

#define TF_TYPE_LWM2M_SERVER (tf_lwm2m_server_get_type ())
G_DECLARE_FINAL_TYPE (TfLwm2mServer, tf_lwm2m_server, TF, LWM2M_SERVER, GObject)

TfLwm2mServer *
tf_lwm2m_server_new (void);
/* Listens on @addr:@port for CoAP (UDP) or CoAP over DTLS (PSK). */
gboolean
tf_lwm2m_server_listen (TfLwm2mServer *self, const char *addr, guint16 port, gboolean dtls,
                        GError **error);
/* The port the last listen bound: the one asked for, or the kernel's choice for port 0. */
guint16
tf_lwm2m_server_get_port (TfLwm2mServer *self);
/* The key for a PSK identity (NULL @key forgets it). */
void
tf_lwm2m_server_set_psk (TfLwm2mServer *self, const char *identity, GBytes *key);
/* The bootstrap sequence for @endpoint: Delete /, the steps, then Bootstrap-Finish. */
void
tf_lwm2m_server_set_bootstrap (TfLwm2mServer *self, const char *endpoint, GPtrArray *steps);

/* Discards @endpoint's registration at its next Update (a server that lost its state): that
 * Update is answered 4.04 and the client must register again (Core 6.2.2); until then the
 * server still reaches the client. FALSE when there is none. */
gboolean
tf_lwm2m_server_discard (TfLwm2mServer *self, const char *endpoint);

/* Serves @body (NULL: nothing, 4.04) at GET /@path (one segment or more, "fw/package"),
 * block-wise as the client asks: the package a client pulls through Firmware Update's Package
 * URI. */
void
tf_lwm2m_server_serve (TfLwm2mServer *self, const char *path, GBytes *body);

/* How long a queue-mode client listens after its Register or Update (LwM2M 1.1 Transport
 * 7.2.1 suggests MAX_TRANSMIT_WAIT, 93 s, the default): requests to it after that wait for its
 * next Update. */
void
tf_lwm2m_server_set_queue_window (TfLwm2mServer *self, guint seconds);

/* The registrations (TfLwm2mRegistration, borrowed), by endpoint name. */
GList *
tf_lwm2m_server_list (TfLwm2mServer *self);
const TfLwm2mRegistration *
tf_lwm2m_server_lookup (TfLwm2mServer *self, const char *endpoint);

/* Sends @req to the registered @endpoint; finishes with the answer (any code). */
void
tf_lwm2m_server_request_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mRequest *req,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
TfLwm2mResponse *
tf_lwm2m_server_request_finish (TfLwm2mServer *self, GAsyncResult *res, GError **error);
/* The operations one by one, all finished with tf_lwm2m_server_request_finish (the answer's
 * code says whether the endpoint did it). @format -1: the endpoint's choice. */
void
tf_lwm2m_server_read_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                            gint format, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
void
tf_lwm2m_server_discover_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
void
tf_lwm2m_server_write_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                             guint format, GPtrArray *records, gboolean replace,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
void
tf_lwm2m_server_execute_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                               const char *args, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
void
tf_lwm2m_server_create_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                              guint format, GPtrArray *records, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
void
tf_lwm2m_server_delete_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
void
tf_lwm2m_server_write_attributes_async (TfLwm2mServer *self, const char *endpoint,
                                        const TfLwm2mPath *path, const char *attrs,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
/* The answer's "observation" names it for notifications and cancel. */
void
tf_lwm2m_server_observe_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                               gint format, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
void
tf_lwm2m_server_read_composite_async (TfLwm2mServer *self, const char *endpoint,
                                      const TfLwm2mPath *paths, guint n_paths,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);

/* Cancels observation @id: @reset answers its next notification with RST (RFC 7641 3.6),
 * otherwise a GET with Observe=1 is sent (and finishes with its answer). */
void
tf_lwm2m_server_cancel_observe_async (TfLwm2mServer *self, guint id, gboolean reset,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
TfLwm2mResponse *
tf_lwm2m_server_cancel_observe_finish (TfLwm2mServer *self, GAsyncResult *res, GError **error);

G_END_DECLS
