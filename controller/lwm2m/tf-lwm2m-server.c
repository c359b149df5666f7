/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LwM2M server object: its endpoints and PSK identities, the bootstrap server's entry
 * point, Send and the files it serves. The registration interface (Register, Update,
 * De-register, lifetime expiry) is in tf-lwm2m-server-rd.c; operations on registered endpoints,
 * observations and the bootstrap sequence in tf-lwm2m-server-ops.c. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "tf-error.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-server-private.h"

G_DEFINE_TYPE (TfLwm2mServer, tf_lwm2m_server, G_TYPE_OBJECT)

guint tf_lwm2m_server_signals[SIGNAL_LAST];

TfLwm2mServer *
tf_lwm2m_server_of (coap_session_t *session)
{
  return tf_coap_context_get_owner (coap_session_get_context (session));
}

void
tf_lwm2m_set_diagnostic (coap_pdu_t *response, guint code, const char *text)
{
  coap_pdu_set_code (response, code);
  if (text != NULL)
    coap_add_data (response, strlen (text), (const uint8_t *)text);
}

void
tf_lwm2m_server_log_answer (coap_session_t *session, const coap_pdu_t *response)
{
  tf_lwm2m_server_answered (tf_lwm2m_server_of (session), session, response);
}

/* POST /bs?ep=NAME : Bootstrap-Request (Core 6.1.3). */
static void
on_bootstrap_request (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
                      const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mServer *self = tf_lwm2m_server_of (session);
  g_autoptr (GHashTable) q = tf_coap_pdu_queries (request);
  const char *ep = g_hash_table_lookup (q, "ep");

  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  /* a repeat (its 2.04 lost) is answered 2.04 again; its sequence is under way already */
  if (tf_lwm2m_server_repeat (self, session, request, response))
    return;
  if (ep == NULL || *ep == '\0' || strlen (ep) > TF_LWM2M_MAX_ENDPOINT_LEN)
    tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (400), "missing endpoint name");
  else if (!g_hash_table_contains (self->bootstrap, ep))
    {
      g_message ("%s: bootstrap request, but nothing is configured for it", ep);
      tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (400),
                               "no bootstrap information for this endpoint");
    }
  else
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
      tf_lwm2m_server_bootstrap_start (self, session, ep);
    }
  tf_lwm2m_server_log_answer (session, response);
}

/* POST /dp : Send (LwM2M 1.1, Core 6.4.6) from a registered client, SenML JSON or CBOR. */
static void
on_send (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
         const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mServer *self = tf_lwm2m_server_of (session);
  TfLwm2mReg *reg = NULL;
  GHashTableIter it;
  TfLwm2mReg *r;
  guint cf = tf_coap_pdu_uint_option (request, COAP_OPTION_CONTENT_FORMAT, G_MAXUINT);
  size_t len = 0;
  const uint8_t *data = NULL;
  TfLwm2mPath root = { .len = 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mResponse) resp = g_new0 (TfLwm2mResponse, 1);

  tf_lwm2m_exchange_log (session, request, FALSE, &root);
  if (tf_lwm2m_server_block1 (self, session, request, response))
    return;
  g_hash_table_iter_init (&it, self->regs);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&r))
    if (r->session == session)
      reg = r;
  if (reg == NULL)
    tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (403), "not registered");
  else if (cf != TF_LWM2M_CF_SENML_JSON && cf != TF_LWM2M_CF_SENML_CBOR)
    tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (415), "Send is SenML");
  else if (!tf_lwm2m_server_request_data (self, request, &len, &data)
           || (resp->records = tf_lwm2m_decode (cf, &root, data, len, &error)) == NULL)
    tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (400),
                             error != NULL ? error->message : "empty");
  else
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
      resp->code = COAP_RESPONSE_CODE (204);
      resp->cf = (gint)cf;
      resp->observe_seq = -1;
      resp->payload = g_bytes_new (data, len);
      g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_SEND], 0, reg->pub.endpoint, resp);
    }
  tf_lwm2m_server_log_answer (session, response);
}

static const coap_bin_const_t *
on_psk_identity (coap_bin_const_t *identity, coap_session_t *session, void *arg)
{
  TfLwm2mServer *self = arg;
  g_autofree char *id = g_strndup ((const char *)identity->s, identity->length);
  const coap_bin_const_t *key = g_hash_table_lookup (self->psk, id);
  if (key == NULL)
    {
      g_autofree char *peer = tf_coap_session_peer (session);
      g_autofree char *msg = g_strdup_printf ("%s: unknown PSK identity '%s'", peer, id);
      g_message ("%s", msg);
      g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_DTLS_FAILURE], 0, msg);
    }
  return key;
}

static int
on_event (coap_session_t *session, const coap_event_t event)
{
  TfLwm2mServer *self = tf_lwm2m_server_of (session);
  if (self != NULL && event == COAP_EVENT_DTLS_ERROR)
    {
      g_autofree char *peer = tf_coap_session_peer (session);
      g_autofree char *msg = g_strdup_printf ("%s: DTLS handshake failed", peer);
      g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_DTLS_FAILURE], 0, msg);
    }
  return 0;
}

/* A bad PSK shows on the server only as records that do not decrypt (GnuTLS says so in a
 * warning): that warning is what the server reports. */
static void
on_dtls_message (const char *message, gpointer user_data)
{
  g_signal_emit (user_data, tf_lwm2m_server_signals[SIGNAL_DTLS_FAILURE], 0, message);
}

gboolean
tf_lwm2m_server_listen (TfLwm2mServer *self, const char *addr, guint16 port, gboolean dtls,
                        GError **error)
{
  coap_address_t a;
  coap_endpoint_t *ep;
  coap_address_init (&a);
  if (inet_pton (AF_INET6, addr, &a.addr.sin6.sin6_addr) == 1)
    {
      a.addr.sin6.sin6_family = AF_INET6;
      a.addr.sin6.sin6_port = htons (port);
      a.size = sizeof (struct sockaddr_in6);
    }
  else if (inet_pton (AF_INET, addr, &a.addr.sin.sin_addr) == 1)
    {
      a.addr.sin.sin_family = AF_INET;
      a.addr.sin.sin_port = htons (port);
      a.size = sizeof (struct sockaddr_in);
    }
  else
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "'%s' is not an IP address", addr);
      return FALSE;
    }
  ep = coap_new_endpoint (self->ctx, &a, dtls ? COAP_PROTO_DTLS : COAP_PROTO_UDP);
  if (ep == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "cannot listen on %s port %u (%s)", addr, port,
                   dtls ? "DTLS" : "UDP");
      return FALSE;
    }
  self->port = port;
  if (port == 0)
    {
      /* libcoap keeps the address bind() really got; its text is "ADDR:PORT" or "[ADDR]:PORT" */
      const char *str = coap_endpoint_str (ep);
      const char *colon = str != NULL ? strrchr (str, ':') : NULL;
      guint64 p = 0;
      g_autofree char *digits
          = colon != NULL ? g_strndup (colon + 1, strspn (colon + 1, "0123456789")) : NULL;
      if (digits != NULL && g_ascii_string_to_unsigned (digits, 10, 1, 65535, &p, NULL))
        self->port = (guint16)p;
    }
  tf_coap_source_wakeup (self->source);
  return TRUE;
}

guint16
tf_lwm2m_server_get_port (TfLwm2mServer *self)
{
  return self->port;
}

void
tf_lwm2m_server_set_psk (TfLwm2mServer *self, const char *identity, GBytes *key)
{
  if (key == NULL)
    {
      g_hash_table_remove (self->psk, identity);
      return;
    }
  g_hash_table_replace (self->psk, g_strdup (identity),
                        coap_new_bin_const (g_bytes_get_data (key, NULL), g_bytes_get_size (key)));
}

static void
steps_free (GPtrArray *steps)
{
  g_ptr_array_unref (steps);
}

void
tf_lwm2m_server_set_bootstrap (TfLwm2mServer *self, const char *endpoint, GPtrArray *steps)
{
  g_hash_table_replace (self->bootstrap, g_strdup (endpoint), g_ptr_array_ref (steps));
}

GList *
tf_lwm2m_server_list (TfLwm2mServer *self)
{
  GList *out = NULL;
  GHashTableIter it;
  TfLwm2mReg *r;
  g_hash_table_iter_init (&it, self->regs);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&r))
    out = g_list_prepend (out, &r->pub);
  return out;
}

const TfLwm2mRegistration *
tf_lwm2m_server_lookup (TfLwm2mServer *self, const char *endpoint)
{
  TfLwm2mReg *r = g_hash_table_lookup (self->regs, endpoint);
  return r != NULL ? &r->pub : NULL;
}

void
tf_lwm2m_server_request_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mRequest *req,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  TfLwm2mReg *r = g_hash_table_lookup (self->regs, endpoint);
  g_task_set_source_tag (task, tf_lwm2m_server_request_async);
  if (r == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "'%s' is not registered",
                               endpoint);
      return;
    }
  if (r->pub.queue && g_get_monotonic_time () > r->awake_until)
    {
      /* asleep: it goes with the next Update */
      g_object_set_data_full (G_OBJECT (task), "tf-request", tf_lwm2m_request_copy (req),
                              (GDestroyNotify)tf_lwm2m_request_free);
      if (r->queued == NULL)
        r->queued = g_queue_new ();
      g_queue_push_tail (r->queued, g_steal_pointer (&task));
      g_message ("%s: in queue mode and asleep: the request waits for its next Update", endpoint);
      return;
    }
  tf_lwm2m_server_send_on_session (self, r->session, endpoint, req, g_steal_pointer (&task));
}

void
tf_lwm2m_server_set_queue_window (TfLwm2mServer *self, guint seconds)
{
  self->queue_window = seconds;
}

gboolean
tf_lwm2m_server_discard (TfLwm2mServer *self, const char *endpoint)
{
  TfLwm2mReg *r = g_hash_table_lookup (self->regs, endpoint);
  if (r == NULL)
    return FALSE;
  g_message ("%s: registration %s to be discarded at its next Update", endpoint, r->pub.location);
  r->discard = TRUE;
  return TRUE;
}

static void
on_file (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
         const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mServer *self = tf_lwm2m_server_of (session);
  GBytes *body = NULL;
  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  if (self != NULL)
    {
      g_autofree char *path = tf_coap_pdu_uri_path (request);
      body = g_hash_table_lookup (self->files, path);
    }
  if (body == NULL)
    tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (404), NULL);
  else
    {
      /* block by block here, not from libcoap's cache (coap_add_data_large_response): each
       * GET of a block and its answer pass through this handler, into the exchange log */
      coap_add_data_blocked_response (request, response, COAP_MEDIATYPE_APPLICATION_OCTET_STREAM,
                                      -1, g_bytes_get_size (body), g_bytes_get_data (body, NULL));
    }
  tf_lwm2m_server_log_answer (session, response);
}

void
tf_lwm2m_server_serve (TfLwm2mServer *self, const char *path, GBytes *body)
{
  coap_resource_t *r = coap_get_resource_from_uri_path (self->ctx, coap_make_str_const (path));
  if (r == NULL)
    {
      r = coap_resource_init (coap_new_str_const ((const uint8_t *)path, strlen (path)),
                              COAP_RESOURCE_FLAGS_RELEASE_URI);
      coap_register_request_handler (r, COAP_REQUEST_GET, on_file);
      coap_add_resource (self->ctx, r);
    }
  if (body != NULL)
    g_hash_table_insert (self->files, g_strdup (path), g_bytes_ref (body));
  else
    g_hash_table_remove (self->files, path);
}

TfLwm2mResponse *
tf_lwm2m_server_request_finish (TfLwm2mServer *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
key_free (gpointer p)
{
  coap_delete_bin_const (p);
}

static void
tf_lwm2m_server_init (TfLwm2mServer *self)
{
  coap_dtls_spsk_t spsk = { 0 };
  tf_coap_init ();
  self->ctx = coap_new_context (NULL);
  tf_coap_context_set_owner (self->ctx, self);
  coap_context_set_block_mode (self->ctx, 0);
  coap_register_response_handler (self->ctx, tf_lwm2m_server_on_response);
  coap_register_nack_handler (self->ctx, tf_lwm2m_server_on_nack);
  coap_register_event_handler (self->ctx, on_event);
  self->queue_window = 93; /* MAX_TRANSMIT_WAIT (RFC 7252 4.8.2) */
  self->regs
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_lwm2m_reg_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->observations
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_lwm2m_obs_free);
  self->obs_by_id = g_hash_table_new (NULL, NULL);
  self->psk = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, key_free);
  self->bootstrap
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)steps_free);
  self->files
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);

  spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
  spsk.validate_id_call_back = on_psk_identity;
  spsk.id_call_back_arg = self;
  spsk.psk_info.hint.s = (const uint8_t *)"testfest";
  spsk.psk_info.hint.length = 8;
  if (coap_dtls_is_supported ())
    coap_context_set_psk2 (self->ctx, &spsk);
  tf_coap_set_dtls_func (on_dtls_message, self);

  {
    coap_resource_t *rd = coap_resource_init (coap_make_str_const ("rd"), 0);
    coap_resource_t *bs = coap_resource_init (coap_make_str_const ("bs"), 0);
    coap_resource_t *dp = coap_resource_init (coap_make_str_const ("dp"), 0);
    coap_register_request_handler (dp, COAP_REQUEST_POST, on_send);
    coap_add_resource (self->ctx, dp);
    coap_register_request_handler (rd, COAP_REQUEST_POST, tf_lwm2m_server_on_register);
    coap_register_request_handler (bs, COAP_REQUEST_POST, on_bootstrap_request);
    coap_add_resource (self->ctx, rd);
    coap_add_resource (self->ctx, bs);
  }
  self->source = tf_coap_source_new (self->ctx);
}

static void
tf_lwm2m_server_finalize (GObject *object)
{
  TfLwm2mServer *self = TF_LWM2M_SERVER (object);
  tf_coap_set_dtls_func (NULL, NULL);
  g_hash_table_remove_all (self->pending);
  g_hash_table_remove_all (self->observations);
  g_hash_table_unref (self->regs); /* releases sessions and rd/N resources */
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->observations);
  g_hash_table_unref (self->obs_by_id);
  g_hash_table_unref (self->psk);
  g_hash_table_unref (self->bootstrap);
  g_hash_table_unref (self->files);
  tf_lwm2m_server_block1_clear (self);
  g_clear_pointer (&self->answers, g_hash_table_unref);
  g_clear_pointer (&self->retired, g_hash_table_unref);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  tf_coap_context_set_owner (self->ctx, NULL);
  coap_free_context (self->ctx);
  G_OBJECT_CLASS (tf_lwm2m_server_parent_class)->finalize (object);
}

static void
tf_lwm2m_server_class_init (TfLwm2mServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = tf_lwm2m_server_finalize;
  /* (TfLwm2mRegistration *) */
  tf_lwm2m_server_signals[SIGNAL_REGISTERED]
      = g_signal_new ("registered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  tf_lwm2m_server_signals[SIGNAL_UPDATED]
      = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, G_TYPE_POINTER);
  tf_lwm2m_server_signals[SIGNAL_DEREGISTERED]
      = g_signal_new ("deregistered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* the lifetime passed without an Update: distinct from a De-register */
  tf_lwm2m_server_signals[SIGNAL_EXPIRED]
      = g_signal_new ("expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* (const char *endpoint, const TfLwm2mResponse *) */
  tf_lwm2m_server_signals[SIGNAL_NOTIFICATION]
      = g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  /* (const char *endpoint, const GError *error or NULL: finished). The error's code says whose
   * side failed: TF_ERROR_PROTOCOL a step the client refused, TF_ERROR_TIMED_OUT no answer,
   * TF_ERROR_INFRASTRUCTURE the lab's DTLS session broke under a step. */
  tf_lwm2m_server_signals[SIGNAL_BOOTSTRAP_FINISHED]
      = g_signal_new ("bootstrap-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
  /* (const char *endpoint, const char *why): a request of a registered client refused */
  tf_lwm2m_server_signals[SIGNAL_SEND]
      = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  /* (const char *endpoint, const char *why): a request of a registered client refused */
  tf_lwm2m_server_signals[SIGNAL_REJECTED]
      = g_signal_new ("rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* (const char *why) */
  tf_lwm2m_server_signals[SIGNAL_DTLS_FAILURE]
      = g_signal_new ("dtls-failure", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

TfLwm2mServer *
tf_lwm2m_server_new (void)
{
  return g_object_new (TF_TYPE_LWM2M_SERVER, NULL);
}
