/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the server sends to a registered endpoint: device management requests, observations
 * (and both ways to cancel them) and the bootstrap sequence. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include "tf-error.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-server-private.h"

typedef TfLwm2mPending Pending;

void
tf_lwm2m_pending_free (Pending *p)
{
  if (p->cancel_id != 0)
    g_cancellable_disconnect (p->cancellable, p->cancel_id);
  g_clear_object (&p->cancellable);
  g_free (p->token);
  g_free (p->endpoint);
  g_free (p->uri_path);
  if (p->payload != NULL)
    g_bytes_unref (p->payload);
  if (p->sent != NULL)
    coap_delete_pdu (p->sent);
  if (p->body != NULL)
    g_byte_array_unref (p->body);
  g_free (p);
}

void
tf_lwm2m_obs_free (TfLwm2mObs *o)
{
  if (o->session != NULL)
    coap_session_release (o->session);
  g_free (o->endpoint);
  g_free (o->token);
  g_bytes_unref (o->token_bytes);
  g_free (o->uri_path);
  if (o->payload != NULL)
    g_bytes_unref (o->payload);
  g_free (o);
}

/* ---- requests ---- */

TfLwm2mRequest *
tf_lwm2m_request_new (guint method, const TfLwm2mPath *path)
{
  TfLwm2mRequest *r = g_new0 (TfLwm2mRequest, 1);
  g_autofree char *p = NULL;
  r->method = method;
  if (path != NULL)
    r->path = *path;
  p = tf_lwm2m_path_to_string (&r->path);
  r->uri_path = g_strdup (p[0] == '/' ? p + 1 : p);
  r->accept = -1;
  r->cf = -1;
  r->observe = -1;
  return r;
}

void
tf_lwm2m_request_free (TfLwm2mRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->uri_path);
  if (r->payload != NULL)
    g_bytes_unref (r->payload);
  g_strfreev (r->queries);
  g_free (r);
}

TfLwm2mRequest *
tf_lwm2m_request_copy (const TfLwm2mRequest *r)
{
  TfLwm2mRequest *c = g_new0 (TfLwm2mRequest, 1);
  *c = *r;
  c->uri_path = g_strdup (r->uri_path);
  c->payload = r->payload != NULL ? g_bytes_ref (r->payload) : NULL;
  c->queries = g_strdupv (r->queries);
  return c;
}

TfLwm2mRequest *
tf_lwm2m_request_read (const TfLwm2mPath *path, gint accept)
{
  TfLwm2mRequest *r = tf_lwm2m_request_new (COAP_REQUEST_CODE_GET, path);
  r->accept = accept;
  return r;
}

TfLwm2mRequest *
tf_lwm2m_request_discover (const TfLwm2mPath *path)
{
  return tf_lwm2m_request_read (path, TF_LWM2M_CF_LINK);
}

static TfLwm2mRequest *
with_records (guint method, const TfLwm2mPath *path, guint cf, GPtrArray *records, GError **error)
{
  g_autoptr (TfLwm2mRequest) r = tf_lwm2m_request_new (method, path);
  r->payload = tf_lwm2m_encode (cf, path, records, error);
  if (r->payload == NULL)
    return NULL;
  r->cf = (gint)cf;
  return g_steal_pointer (&r);
}

TfLwm2mRequest *
tf_lwm2m_request_write (const TfLwm2mPath *path, guint cf, GPtrArray *records, gboolean replace,
                        GError **error)
{
  /* Core 6.3.3: PUT replaces, POST updates (partial) */
  return with_records (replace ? COAP_REQUEST_CODE_PUT : COAP_REQUEST_CODE_POST, path, cf, records,
                       error);
}

TfLwm2mRequest *
tf_lwm2m_request_execute (const TfLwm2mPath *path, const char *args)
{
  TfLwm2mRequest *r = tf_lwm2m_request_new (COAP_REQUEST_CODE_POST, path);
  if (args != NULL && *args != '\0')
    {
      r->payload = g_bytes_new (args, strlen (args));
      r->cf = TF_LWM2M_CF_TEXT;
    }
  return r;
}

TfLwm2mRequest *
tf_lwm2m_request_create (const TfLwm2mPath *path, guint cf, GPtrArray *records, GError **error)
{
  return with_records (COAP_REQUEST_CODE_POST, path, cf, records, error);
}

TfLwm2mRequest *
tf_lwm2m_request_delete (const TfLwm2mPath *path)
{
  return tf_lwm2m_request_new (COAP_REQUEST_CODE_DELETE, path);
}

TfLwm2mRequest *
tf_lwm2m_request_write_attributes (const TfLwm2mPath *path, const char *attrs)
{
  TfLwm2mRequest *r = tf_lwm2m_request_new (COAP_REQUEST_CODE_PUT, path);
  r->queries = g_strsplit (attrs, "&", 16);
  return r;
}

TfLwm2mRequest *
tf_lwm2m_request_observe (const TfLwm2mPath *path, gint accept)
{
  TfLwm2mRequest *r = tf_lwm2m_request_read (path, accept);
  r->observe = 0;
  return r;
}

/* Core 6.3.1.1: FETCH on the root with the paths as SenML records without values (JSON or
 * CBOR). */
TfLwm2mRequest *
tf_lwm2m_request_read_composite (const TfLwm2mPath *paths, guint n_paths, guint cf, GError **error)
{
  g_autoptr (TfLwm2mRequest) r = tf_lwm2m_request_new (COAP_REQUEST_CODE_FETCH, NULL);
  r->payload = tf_lwm2m_encode_paths (cf, paths, n_paths, error);
  if (r->payload == NULL)
    return NULL;
  r->cf = (gint)cf;
  r->accept = (gint)cf;
  return g_steal_pointer (&r);
}

TfLwm2mRequest *
tf_lwm2m_request_observe_composite (const TfLwm2mPath *paths, guint n_paths, guint cf,
                                    GError **error)
{
  TfLwm2mRequest *r = tf_lwm2m_request_read_composite (paths, n_paths, cf, error);
  if (r != NULL)
    r->observe = 0;
  return r;
}

TfLwm2mRequest *
tf_lwm2m_request_write_composite (GPtrArray *records, guint cf, GError **error)
{
  TfLwm2mPath root = { .len = 0 };
  return with_records (COAP_REQUEST_CODE_IPATCH, &root, cf, records, error);
}

void
tf_lwm2m_response_free (TfLwm2mResponse *r)
{
  if (r == NULL)
    return;
  if (r->payload != NULL)
    g_bytes_unref (r->payload);
  if (r->records != NULL)
    g_ptr_array_unref (r->records);
  g_free (r->text);
  g_free (r);
}

/* ---- sending ---- */

static gboolean
return_cancelled_idle (gpointer data)
{
  GTask *task = data;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "operation cancelled");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer data)
{
  TfLwm2mServer *self = ((Pending *)data)->server;
  g_autofree char *token = g_strdup (((Pending *)data)->token);
  GTask *task = NULL;
  if (!g_hash_table_steal_extended (self->pending, token, NULL, (gpointer *)&task))
    return;
  /* the handler may not disconnect itself: let the idle answer and free */
  ((Pending *)g_task_get_task_data (task))->cancel_id = 0;
  g_idle_add (return_cancelled_idle, task);
}

coap_pdu_t *
tf_lwm2m_server_build_pdu (coap_session_t *session, const TfLwm2mRequest *req, GBytes *token)
{
  coap_pdu_t *pdu
      = coap_pdu_init (req->non ? COAP_MESSAGE_NON : COAP_MESSAGE_CON, req->method,
                       coap_new_message_id (session), coap_session_max_pdu_size (session));
  if (pdu == NULL)
    return NULL;
  coap_add_token (pdu, g_bytes_get_size (token), g_bytes_get_data (token, NULL));
  if (req->observe >= 0)
    tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_OBSERVE, (guint)req->observe);
  tf_coap_pdu_add_uri_path (pdu, req->uri_path);
  if (req->cf >= 0)
    tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_CONTENT_FORMAT, (guint)req->cf);
  for (guint i = 0; req->queries != NULL && req->queries[i] != NULL; i++)
    if (*req->queries[i] != '\0')
      coap_add_option (pdu, COAP_OPTION_URI_QUERY, strlen (req->queries[i]),
                       (const uint8_t *)req->queries[i]);
  if (req->accept >= 0)
    tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_ACCEPT, (guint)req->accept);
  return pdu;
}

static void
send_with_token (TfLwm2mServer *self, coap_session_t *session, const char *endpoint,
                 const TfLwm2mRequest *req, GBytes *token, guint cancel_of, GTask *task)
{
  Pending *p = g_new0 (Pending, 1);
  coap_pdu_t *pdu = tf_lwm2m_server_build_pdu (session, req, token);

  p->server = self;
  p->token = tf_coap_token_key (session, g_bytes_get_data (token, NULL), g_bytes_get_size (token));
  p->endpoint = g_strdup (endpoint);
  p->path = req->path;
  p->uri_path = g_strdup (req->uri_path);
  p->accept = req->accept;
  p->observe = req->observe;
  p->method = req->method;
  p->payload = req->payload != NULL ? g_bytes_ref (req->payload) : NULL;
  p->cf = req->cf;
  p->cancel_of = cancel_of;
  p->observe_seq = -1;
  if (pdu != NULL)
    p->sent = coap_pdu_duplicate (pdu, session, g_bytes_get_size (token),
                                  g_bytes_get_data (token, NULL), NULL);
  g_task_set_task_data (task, p, (GDestroyNotify)tf_lwm2m_pending_free);
  if (pdu == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_FAILED, "cannot build the request");
      g_object_unref (task);
      return;
    }
  if (req->payload != NULL && g_bytes_get_size (req->payload) > 0)
    tf_coap_pdu_add_block1 (pdu, req->payload, 0, TF_COAP_BLOCK_SZX);
  tf_lwm2m_exchange_log (session, pdu, TRUE, &req->path);
  if (coap_send (session, pdu) == COAP_INVALID_MID)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_IO, "cannot send to %s", endpoint);
      g_object_unref (task);
      return;
    }
  g_hash_table_insert (self->pending, g_strdup (p->token), task);
  if (g_task_get_cancellable (task) != NULL)
    {
      p->cancellable = g_object_ref (g_task_get_cancellable (task));
      p->cancel_id = g_cancellable_connect (p->cancellable, G_CALLBACK (on_cancelled), p, NULL);
    }
  tf_coap_source_wakeup (self->source);
}

void
tf_lwm2m_server_send_on_session (TfLwm2mServer *self, coap_session_t *session, const char *endpoint,
                                 const TfLwm2mRequest *req, GTask *task)
{
  guint8 buf[8];
  size_t len = sizeof buf;
  g_autoptr (GBytes) token = NULL;
  coap_session_new_token (session, &len, buf);
  token = g_bytes_new (buf, len);
  send_with_token (self, session, endpoint, req, token, 0, task);
}

/* ---- answers ---- */

/* body: the whole of an answer in Block2 parts, else the payload of pdu */
TfLwm2mResponse *
tf_lwm2m_response_new (const coap_pdu_t *pdu, const TfLwm2mPath *path, GByteArray *body)
{
  TfLwm2mResponse *r = g_new0 (TfLwm2mResponse, 1);
  size_t len = 0;
  const uint8_t *data = NULL;
  r->code = coap_pdu_get_code (pdu);
  r->cf = (gint)tf_coap_pdu_uint_option (pdu, COAP_OPTION_CONTENT_FORMAT, G_MAXUINT);
  r->observe_seq = (gint)tf_coap_pdu_uint_option (pdu, COAP_OPTION_OBSERVE, G_MAXUINT);
  if (r->observe_seq == (gint)G_MAXUINT)
    r->observe_seq = -1;
  if (r->cf == (gint)G_MAXUINT)
    r->cf = -1;
  if (body != NULL)
    {
      data = body->data;
      len = body->len;
    }
  else if (!coap_get_data (pdu, &len, &data))
    len = 0;
  if (len > 0)
    {
      g_autoptr (GError) error = NULL;
      r->payload = g_bytes_new (data, len);
      if (r->cf == TF_LWM2M_CF_LINK || r->cf < 0 || r->code >= 128)
        r->text = g_strndup ((const char *)data, len);
      /* a resource's value without a Content-Format (some 1.0 clients): plain text */
      if (r->cf < 0 && r->code < 128 && path->len >= 3)
        r->records = tf_lwm2m_decode (TF_LWM2M_CF_TEXT, path, data, len, NULL);
      else if (r->text != NULL)
        ;
      else if ((r->records = tf_lwm2m_decode ((guint)r->cf, path, data, len, &error)) == NULL)
        g_message ("undecodable %s answer: %s", tf_lwm2m_cf_to_string ((guint)r->cf),
                   error->message);
    }
  return r;
}

/* A 2.31 Continue to a block of a request's payload: its next block, on a copy of the request
 * with the same token (the same pending request), in the size the client asked for when it
 * asked for smaller ones (RFC 7959 2.5). */
static gboolean
next_block (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *sent,
            const coap_pdu_t *received, Pending *p)
{
  coap_block_t b, s;
  coap_opt_filter_t drop;
  coap_bin_const_t tok = coap_pdu_get_token (received);
  coap_pdu_t *pdu;
  gsize offset;
  if (p->payload == NULL || sent == NULL || !coap_get_block (received, COAP_OPTION_BLOCK1, &b)
      || !coap_get_block (sent, COAP_OPTION_BLOCK1, &s) || !s.m)
    return FALSE;
  coap_option_filter_clear (&drop);
  coap_option_filter_set (&drop, COAP_OPTION_BLOCK1);
  coap_option_filter_set (&drop, COAP_OPTION_SIZE1);
  if ((pdu = coap_pdu_duplicate (sent, session, tok.length, tok.s, &drop)) == NULL)
    return FALSE;
  tf_lwm2m_exchange_log (session, received, FALSE, &p->path);
  offset = (gsize)(s.num + 1) << (s.szx + 4);
  b.szx = MIN (b.szx, s.szx);
  tf_coap_pdu_add_block1 (pdu, p->payload, (guint)(offset >> (b.szx + 4)), b.szx);
  tf_lwm2m_exchange_log (session, pdu, TRUE, &p->path);
  if (coap_send (session, pdu) == COAP_INVALID_MID)
    g_message ("%s: the next block of /%s could not be sent", p->endpoint, p->uri_path);
  tf_coap_source_wakeup (self->source);
  return TRUE;
}

coap_response_t
tf_lwm2m_server_on_response (coap_session_t *session, const coap_pdu_t *sent,
                             const coap_pdu_t *received, const coap_mid_t mid)
{
  TfLwm2mServer *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_bin_const_t tok = coap_pdu_get_token (received);
  g_autofree char *token = tf_coap_token_key (session, tok.s, tok.length);
  GTask *task = NULL;
  TfLwm2mObs *obs;

  if (self == NULL)
    return COAP_RESPONSE_FAIL;
  if (coap_pdu_get_code (received) == COAP_RESPONSE_CODE (231)
      && (task = g_hash_table_lookup (self->pending, token)) != NULL
      && next_block (self, session, sent, received, g_task_get_task_data (task)))
    return COAP_RESPONSE_OK;
  if ((task = g_hash_table_lookup (self->pending, token)) != NULL)
    {
      Pending *p = g_task_get_task_data (task);
      TfLwm2mResponse *r;
      g_autoptr (GError) error = NULL;
      g_autofree char *key = NULL;
      TfLwm2mBlock2 b2;
      tf_lwm2m_exchange_log (session, received, FALSE, &p->path);
      if ((b2 = tf_lwm2m_server_block2 (self, session, received, p, &error))
          == TF_LWM2M_BLOCK2_MORE)
        return COAP_RESPONSE_OK;
      g_hash_table_steal_extended (self->pending, token, (gpointer *)&key, NULL);
      if (b2 == TF_LWM2M_BLOCK2_FAILED)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return COAP_RESPONSE_OK;
        }
      r = tf_lwm2m_response_new (received, &p->path, p->body);
      if (p->body != NULL)
        r->observe_seq = p->observe_seq;
      if (p->observe == 0 && r->code < 128 && r->observe_seq >= 0)
        {
          TfLwm2mObs *o = g_new0 (TfLwm2mObs, 1);
          o->id = ++self->next_obs;
          o->endpoint = g_strdup (p->endpoint);
          o->token = g_strdup (token);
          o->token_bytes = g_bytes_new (tok.s, tok.length);
          o->path = p->path;
          o->uri_path = g_strdup (p->uri_path);
          o->accept = p->accept;
          o->method = p->method;
          o->payload = p->payload != NULL ? g_bytes_ref (p->payload) : NULL;
          o->cf = p->cf;
          o->session = coap_session_reference (session);
          g_hash_table_replace (self->observations, o->token, o);
          g_hash_table_insert (self->obs_by_id, GUINT_TO_POINTER (o->id), o);
          r->observation = o->id;
        }
      if (p->cancel_of != 0)
        r->observation = p->cancel_of;
      g_task_return_pointer (task, r, (GDestroyNotify)tf_lwm2m_response_free);
      g_object_unref (task);
      return COAP_RESPONSE_OK;
    }
  obs = g_hash_table_lookup (self->observations, token);
  if (obs != NULL)
    {
      g_autoptr (TfLwm2mResponse) r = NULL;
      coap_block_t b;
      tf_lwm2m_exchange_log (session, received, FALSE, &obs->path);
      if (!obs->cancelled && coap_get_block (received, COAP_OPTION_BLOCK2, &b) && b.m)
        {
          tf_lwm2m_server_fetch_notification (self, session, received, obs);
          return COAP_RESPONSE_OK;
        }
      r = tf_lwm2m_response_new (received, &obs->path, NULL);
      r->observation = obs->id;
      r->after_cancel = obs->cancelled;
      if (obs->cancelled)
        g_message ("%s: notification for cancelled observation %u of /%s: refused with RST",
                   obs->endpoint, obs->id, obs->uri_path);
      g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_NOTIFICATION], 0, obs->endpoint, r);
      /* RFC 7641 3.6: an unwanted notification is rejected with RST */
      return obs->cancelled ? COAP_RESPONSE_FAIL : COAP_RESPONSE_OK;
    }
  tf_lwm2m_exchange_log (session, received, FALSE, NULL);
  g_debug ("answer with unknown token %s: RST", token);
  return COAP_RESPONSE_FAIL;
}

void
tf_lwm2m_server_on_nack (coap_session_t *session, const coap_pdu_t *sent,
                         const coap_nack_reason_t reason, const coap_mid_t mid)
{
  TfLwm2mServer *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_bin_const_t tok;
  g_autofree char *token = NULL;
  GTask *task = NULL;
  if (self == NULL || sent == NULL)
    return;
  tok = coap_pdu_get_token (sent);
  token = tf_coap_token_key (session, tok.s, tok.length);
  if (!g_hash_table_steal_extended (self->pending, token, NULL, (gpointer *)&task))
    return;
  if (reason == COAP_NACK_TOO_MANY_RETRIES)
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_TIMED_OUT,
                             "no answer (CoAP retransmissions exhausted)");
  else if (reason == COAP_NACK_RST)
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_PROTOCOL, "the endpoint answered RST");
  else if (reason == COAP_NACK_TLS_FAILED)
    {
      /* our DTLS session broke under the request (an alert, a new handshake from the peer's
       * address, a session torn down): the lab's side of the exchange, not an answer of the
       * peer's; whether the peer is to blame is the caller's to judge */
      g_autofree char *peer = tf_coap_session_peer (session);
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE,
                               "not delivered: the lab's DTLS session with %s failed (libcoap "
                               "NACK TLS_FAILED)",
                               peer);
    }
  else
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_IO, "not delivered (libcoap reason %d)",
                             reason);
  g_object_unref (task);
}

/* ---- cancelling observations ---- */

void
tf_lwm2m_server_cancel_observe_async (TfLwm2mServer *self, guint id, gboolean reset,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  TfLwm2mObs *o = g_hash_table_lookup (self->obs_by_id, GUINT_TO_POINTER (id));
  g_autoptr (TfLwm2mRequest) req = NULL;
  if (o == NULL || o->cancelled)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no observation %u", id);
      g_object_unref (task);
      return;
    }
  o->cancelled = TRUE;
  if (reset)
    {
      /* the next notification gets the RST */
      TfLwm2mResponse *r = g_new0 (TfLwm2mResponse, 1);
      r->observation = id;
      r->cf = -1;
      r->observe_seq = -1;
      g_task_return_pointer (task, r, (GDestroyNotify)tf_lwm2m_response_free);
      g_object_unref (task);
      return;
    }
  /* RFC 7641 3.6: a GET with Observe=1 and the observation's token */
  req = tf_lwm2m_request_read (&o->path, o->accept);
  req->observe = 1;
  req->method = o->method;
  req->cf = o->cf;
  req->payload = o->payload != NULL ? g_bytes_ref (o->payload) : NULL;
  g_free (req->uri_path);
  req->uri_path = g_strdup (o->uri_path);
  /* under the observation's token, which the pending table keys for its answer */
  send_with_token (self, o->session, o->endpoint, req, o->token_bytes, id, task);
}

TfLwm2mResponse *
tf_lwm2m_server_cancel_observe_finish (TfLwm2mServer *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- the bootstrap sequence ---- */

typedef struct
{
  TfLwm2mServer *server;
  coap_session_t *session;
  char *endpoint;
  GPtrArray *steps;
  guint next;
} BsRun;

static void
bs_run_free (BsRun *b)
{
  coap_session_release (b->session);
  g_free (b->endpoint);
  g_ptr_array_unref (b->steps);
  g_object_unref (b->server);
  g_free (b);
}

static void
bs_next (BsRun *b);

/* takes @error (NULL: the sequence finished) */
static void
bs_done (BsRun *b, GError *error)
{
  if (error != NULL)
    g_message ("%s: bootstrap failed: %s", b->endpoint, error->message);
  else
    g_message ("%s: bootstrap finished", b->endpoint);
  g_signal_emit (b->server, tf_lwm2m_server_signals[SIGNAL_BOOTSTRAP_FINISHED], 0, b->endpoint,
                 error);
  g_clear_error (&error);
  bs_run_free (b);
}

static void
on_bs_answer (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BsRun *b = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mResponse) r
      = tf_lwm2m_server_request_finish (TF_LWM2M_SERVER (source), res, &error);
  if (r == NULL)
    {
      /* the request's own error (its domain and code say whose side failed) */
      g_prefix_error (&error, "step %u: ", b->next);
      bs_done (b, g_steal_pointer (&error));
      return;
    }
  if (r->code >= 128)
    {
      g_autofree char *code = tf_coap_code_to_string (r->code);
      bs_done (b, g_error_new (TF_ERROR, TF_ERROR_PROTOCOL, "step %u answered %s", b->next, code));
      return;
    }
  if (b->next > b->steps->len)
    {
      bs_done (b, NULL);
      return;
    }
  bs_next (b);
}

static void
bs_next (BsRun *b)
{
  g_autoptr (TfLwm2mRequest) req = NULL;
  g_autoptr (GError) error = NULL;
  GTask *task = g_task_new (b->server, NULL, on_bs_answer, b);
  if (b->next < b->steps->len)
    {
      TfLwm2mBootstrapStep *s = g_ptr_array_index (b->steps, b->next);
      if (s->method == COAP_REQUEST_CODE_PUT)
        req = tf_lwm2m_request_write (&s->path, s->cf, s->records, TRUE, &error);
      else if (s->method == COAP_REQUEST_CODE_GET && s->cf != 0 && s->cf != TF_LWM2M_CF_LINK)
        req = tf_lwm2m_request_read (&s->path, (gint)s->cf); /* Bootstrap-Read (1.1) */
      else if (s->method == COAP_REQUEST_CODE_GET)
        req = tf_lwm2m_request_discover (&s->path);
      else
        req = tf_lwm2m_request_delete (&s->path);
    }
  else
    {
      /* Bootstrap-Finish: POST /bs */
      req = tf_lwm2m_request_new (COAP_REQUEST_CODE_POST, NULL);
      g_free (req->uri_path);
      req->uri_path = g_strdup ("bs");
    }
  b->next++;
  if (req == NULL)
    {
      g_object_unref (task);
      bs_done (b, g_steal_pointer (&error));
      return;
    }
  tf_lwm2m_server_send_on_session (b->server, b->session, b->endpoint, req, task);
}

static gboolean
bs_start_idle (gpointer data)
{
  bs_next (data);
  return G_SOURCE_REMOVE;
}

void
tf_lwm2m_server_bootstrap_start (TfLwm2mServer *self, coap_session_t *session, const char *endpoint)
{
  BsRun *b = g_new0 (BsRun, 1);
  b->server = g_object_ref (self);
  b->session = coap_session_reference (session);
  b->endpoint = g_strdup (endpoint);
  b->steps = g_ptr_array_ref (g_hash_table_lookup (self->bootstrap, endpoint));
  g_message ("%s: bootstrap request from %s: %u steps then Finish", endpoint,
             coap_session_get_type (session) == COAP_SESSION_TYPE_SERVER ? "client" : "?",
             b->steps->len);
  /* after the 2.04 to the Bootstrap-Request has gone */
  g_idle_add (bs_start_idle, b);
}

/* ---- one call per operation ---- */

static void
send_built (TfLwm2mServer *self, const char *endpoint, TfLwm2mRequest *req, GError *error,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (TfLwm2mRequest) owned = req;
  if (req == NULL)
    {
      g_task_report_error (self, callback, user_data, tf_lwm2m_server_request_async, error);
      return;
    }
  tf_lwm2m_server_request_async (self, endpoint, req, cancellable, callback, user_data);
}

void
tf_lwm2m_server_read_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                            gint format, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_read (path, format), NULL, cancellable, callback,
              user_data);
}

void
tf_lwm2m_server_discover_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_discover (path), NULL, cancellable, callback,
              user_data);
}

void
tf_lwm2m_server_write_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                             guint format, GPtrArray *records, gboolean replace,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GError *error = NULL;
  TfLwm2mRequest *req = tf_lwm2m_request_write (path, format, records, replace, &error);
  send_built (self, endpoint, req, error, cancellable, callback, user_data);
}

void
tf_lwm2m_server_execute_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                               const char *args, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_execute (path, args), NULL, cancellable, callback,
              user_data);
}

void
tf_lwm2m_server_create_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                              guint format, GPtrArray *records, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  TfLwm2mRequest *req = tf_lwm2m_request_create (path, format, records, &error);
  send_built (self, endpoint, req, error, cancellable, callback, user_data);
}

void
tf_lwm2m_server_delete_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_delete (path), NULL, cancellable, callback,
              user_data);
}

void
tf_lwm2m_server_write_attributes_async (TfLwm2mServer *self, const char *endpoint,
                                        const TfLwm2mPath *path, const char *attrs,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_write_attributes (path, attrs), NULL, cancellable,
              callback, user_data);
}

void
tf_lwm2m_server_observe_async (TfLwm2mServer *self, const char *endpoint, const TfLwm2mPath *path,
                               gint format, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  send_built (self, endpoint, tf_lwm2m_request_observe (path, format), NULL, cancellable, callback,
              user_data);
}

void
tf_lwm2m_server_read_composite_async (TfLwm2mServer *self, const char *endpoint,
                                      const TfLwm2mPath *paths, guint n_paths,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GError *error = NULL;
  TfLwm2mRequest *req
      = tf_lwm2m_request_read_composite (paths, n_paths, TF_LWM2M_CF_SENML_JSON, &error);
  send_built (self, endpoint, req, error, cancellable, callback, user_data);
}
