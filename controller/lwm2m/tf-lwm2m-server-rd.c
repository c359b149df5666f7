/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The server's registration interface (Core 6.2): Register (POST /rd), Update and De-register
 * (POST and DELETE on the rd/N resource each Register creates), the lifetime's expiry, and the
 * queue-mode client's wake-up window after each. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-server-private.h"

#define DEFAULT_LIFETIME 86400
#define MAX_LIFETIME (365 * 86400)

void
tf_lwm2m_reg_free (TfLwm2mReg *r)
{
  GTask *task;
  GHashTableIter it;
  TfLwm2mObs *o;
  /* its observations end with it (a new Register starts without any) */
  g_hash_table_iter_init (&it, r->server->observations);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&o))
    if (g_strcmp0 (o->endpoint, r->pub.endpoint) == 0)
      {
        g_hash_table_remove (r->server->obs_by_id, GUINT_TO_POINTER (o->id));
        g_hash_table_iter_remove (&it);
      }
  while (r->queued != NULL && (task = g_queue_pop_head (r->queued)) != NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND,
                               "the registration ended before the client woke up");
      g_object_unref (task);
    }
  if (r->queued != NULL)
    g_queue_free (r->queued);
  if (r->expiry_id != 0)
    g_source_remove (r->expiry_id);
  if (r->resource != NULL)
    coap_delete_resource (r->server->ctx, r->resource);
  if (r->session != NULL)
    coap_session_release (r->session);
  g_free (r->pub.endpoint);
  g_free (r->pub.location);
  g_free (r->pub.binding);
  g_free (r->pub.version);
  g_free (r->pub.links);
  g_free (r->pub.peer);
  g_free (r->pub.psk_identity);
  g_free (r);
}

/* The registration is gone without a De-register: the lifetime passed. */
static gboolean
on_expired (gpointer user_data)
{
  TfLwm2mReg *r = user_data;
  TfLwm2mServer *self = r->server;
  r->expiry_id = 0;
  g_message ("%s: registration expired (lifetime %u s)", r->pub.endpoint, r->pub.lifetime);
  g_hash_table_steal (self->regs, r->pub.endpoint);
  g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_EXPIRED], 0, &r->pub);
  tf_lwm2m_reg_free (r);
  return G_SOURCE_REMOVE;
}

static void
arm_expiry (TfLwm2mReg *r)
{
  if (r->expiry_id != 0)
    g_source_remove (r->expiry_id);
  r->expiry_id
      = g_timeout_add ((guint)MIN ((guint64)r->pub.lifetime * 1000, G_MAXUINT), on_expired, r);
}

typedef struct
{
  TfLwm2mServer *server;
  char *endpoint;
} Flush;

/* The requests that waited for the client to wake up, after its Register/Update answer. */
static gboolean
flush_idle (gpointer data)
{
  Flush *f = data;
  TfLwm2mReg *r = g_hash_table_lookup (f->server->regs, f->endpoint);
  GTask *task;
  while (r != NULL && r->queued != NULL && (task = g_queue_pop_head (r->queued)) != NULL)
    {
      TfLwm2mRequest *req = g_object_get_data (G_OBJECT (task), "tf-request");
      g_message ("%s: awake, sending a queued request", r->pub.endpoint);
      tf_lwm2m_server_send_on_session (f->server, r->session, r->pub.endpoint, req, task);
    }
  g_object_unref (f->server);
  g_free (f->endpoint);
  g_free (f);
  return G_SOURCE_REMOVE;
}

/* A queue-mode client listens for a while after each Register/Update (Transport 7.2.1). */
static void
wake (TfLwm2mReg *r)
{
  Flush *f;
  r->awake_until = g_get_monotonic_time () + (gint64)r->server->queue_window * G_USEC_PER_SEC;
  if (r->queued == NULL || g_queue_is_empty (r->queued))
    return;
  f = g_new0 (Flush, 1);
  f->server = g_object_ref (r->server);
  f->endpoint = g_strdup (r->pub.endpoint);
  g_idle_add (flush_idle, f);
}

/* Lifetime, binding, SMS number and queue mode from the Uri-Query of Register or Update. */
static gboolean
apply_params (TfLwm2mReg *r, GHashTable *q, GError **error)
{
  const char *lt = g_hash_table_lookup (q, "lt");
  const char *b = g_hash_table_lookup (q, "b");
  guint64 v = 0;
  if (lt != NULL)
    {
      if (!g_ascii_string_to_unsigned (lt, 10, 1, MAX_LIFETIME, &v, NULL))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, "bad lifetime '%s'", lt);
          return FALSE;
        }
      r->pub.lifetime = (guint)v;
    }
  if (b != NULL)
    {
      if (*b == '\0' || strspn (b, "UTSNQ") != strlen (b))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, "bad binding '%s'", b);
          return FALSE;
        }
      g_free (r->pub.binding);
      r->pub.binding = g_strdup (b);
      /* LwM2M 1.0 says queue mode in the binding ("UQ") */
      r->pub.queue = strchr (b, 'Q') != NULL || r->pub.queue;
    }
  if (g_hash_table_contains (q, "Q"))
    r->pub.queue = TRUE;
  return TRUE;
}

static char *
payload_text (TfLwm2mServer *self, const coap_pdu_t *pdu)
{
  size_t len = 0;
  const uint8_t *data = NULL;
  if (!tf_lwm2m_server_request_data (self, pdu, &len, &data))
    return NULL;
  return g_strndup ((const char *)data, len);
}

static gboolean
free_reg_idle (gpointer data)
{
  tf_lwm2m_reg_free (data);
  return G_SOURCE_REMOVE;
}

/* A registration's rd/N after its De-register (or a discarding 4.04): kept, without its
 * registration, for EXCHANGE_LIFETIME (RFC 7252 4.8.2), so that a repeat of the request whose
 * ACK was lost still reaches a handler and is answered as before (tf-lwm2m-server-repeat.c),
 * not 4.04 by libcoap; anything else on it is answered 4.04 by the handlers. */
#define RETIRED_LIFETIME 247

typedef struct
{
  TfLwm2mServer *server;
  coap_resource_t *resource;
  guint id;
} Retired;

static void
retired_free (Retired *x)
{
  /* at the server's end the context deletes the resource itself */
  if (x->id != 0)
    g_source_remove (x->id);
  g_free (x);
}

static gboolean
on_retired_expired (gpointer data)
{
  Retired *x = data;
  x->id = 0;
  coap_delete_resource (x->server->ctx, x->resource);
  g_hash_table_remove (x->server->retired, x->resource);
  return G_SOURCE_REMOVE;
}

/* Detaches @r's resource from it and keeps the resource a while; @r is freed later. */
static void
retire (TfLwm2mReg *r)
{
  Retired *x = g_new0 (Retired, 1);
  TfLwm2mServer *self = r->server;
  if (self->retired == NULL)
    self->retired = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)retired_free);
  coap_resource_set_userdata (r->resource, NULL);
  x->server = self;
  x->resource = g_steal_pointer (&r->resource);
  x->id = g_timeout_add_seconds (RETIRED_LIFETIME, on_retired_expired, x);
  g_hash_table_insert (self->retired, x->resource, x);
}

static void
on_update (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
           const coap_string_t *query, coap_pdu_t *response);
static void
on_deregister (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
               const coap_string_t *query, coap_pdu_t *response);

static void
on_bad_method (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
               const coap_string_t *query, coap_pdu_t *response);

/* POST /rd?ep=NAME&lt=S&lwm2m=V&b=U : Register (Core 6.2.1). */
void
tf_lwm2m_server_on_register (coap_resource_t *resource, coap_session_t *session,
                             const coap_pdu_t *request, const coap_string_t *query,
                             coap_pdu_t *response)
{
  TfLwm2mServer *self = tf_lwm2m_server_of (session);
  g_autoptr (GHashTable) q = tf_coap_pdu_queries (request);
  g_autoptr (GError) error = NULL;
  const char *ep = g_hash_table_lookup (q, "ep");
  const coap_bin_const_t *id = coap_session_get_psk_identity (session);
  g_autofree char *loc = NULL;
  TfLwm2mReg *r;
  TfLwm2mReg *old;

  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  if (tf_lwm2m_server_block1 (self, session, request, response))
    return;
  if (ep == NULL || *ep == '\0' || strlen (ep) > TF_LWM2M_MAX_ENDPOINT_LEN
      || !g_utf8_validate (ep, -1, NULL))
    {
      tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (400), "missing or bad endpoint name");
      tf_lwm2m_server_log_answer (session, response);
      return;
    }
  r = g_new0 (TfLwm2mReg, 1);
  r->server = self;
  r->pub.endpoint = g_strdup (ep);
  r->pub.lifetime = DEFAULT_LIFETIME;
  r->pub.binding = g_strdup ("U");
  r->pub.version = g_strdup (
      g_hash_table_contains (q, "lwm2m") ? (char *)g_hash_table_lookup (q, "lwm2m") : "1.0");
  if (!apply_params (r, q, &error))
    {
      tf_lwm2m_set_diagnostic (response, tf_lwm2m_error_to_coap (error), error->message);
      tf_lwm2m_server_log_answer (session, response);
      r->server = self;
      tf_lwm2m_reg_free (r);
      return;
    }
  r->pub.links = payload_text (self, request);
  r->pub.peer = tf_coap_session_peer (session);
  if (id != NULL)
    r->pub.psk_identity = g_strndup ((const char *)id->s, id->length);
  r->pub.registered_us = r->pub.updated_us = g_get_real_time ();
  r->session = coap_session_reference (session);
  loc = g_strdup_printf ("%u", ++self->next_location);
  r->pub.location = g_strdup_printf ("rd/%s", loc);
  r->resource = coap_resource_init (
      coap_new_str_const ((const uint8_t *)r->pub.location, strlen (r->pub.location)),
      COAP_RESOURCE_FLAGS_RELEASE_URI);
  coap_register_request_handler (r->resource, COAP_REQUEST_POST, on_update);
  coap_register_request_handler (r->resource, COAP_REQUEST_DELETE, on_deregister);
  coap_register_request_handler (r->resource, COAP_REQUEST_PUT, on_bad_method);
  coap_register_request_handler (r->resource, COAP_REQUEST_GET, on_bad_method);
  coap_resource_set_userdata (r->resource, r);
  coap_add_resource (self->ctx, r->resource);

  /* a new Register replaces the endpoint's previous registration (Core 6.2.1) */
  old = g_hash_table_lookup (self->regs, ep);
  if (old != NULL)
    {
      g_message ("%s: registers again, replacing %s", ep, old->pub.location);
      g_hash_table_steal (self->regs, ep);
      coap_resource_set_userdata (old->resource, NULL);
      tf_lwm2m_reg_free (old);
    }
  g_hash_table_insert (self->regs, r->pub.endpoint, r);
  arm_expiry (r);
  wake (r);

  coap_pdu_set_code (response, COAP_RESPONSE_CODE (201));
  coap_add_option (response, COAP_OPTION_LOCATION_PATH, 2, (const uint8_t *)"rd");
  coap_add_option (response, COAP_OPTION_LOCATION_PATH, strlen (loc), (const uint8_t *)loc);
  tf_lwm2m_server_log_answer (session, response);
  g_message ("%s: registered at %s from %s, lifetime %u, binding %s, lwm2m %s", ep, r->pub.location,
             r->pub.peer, r->pub.lifetime, r->pub.binding, r->pub.version);
  g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_REGISTERED], 0, &r->pub);
}

/* POST /rd/N : Update (Core 6.2.2); the client may come from a new address. */
static void
on_update (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
           const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mReg *r = coap_resource_get_userdata (resource);
  g_autoptr (GHashTable) q = tf_coap_pdu_queries (request);
  g_autoptr (GError) error = NULL;
  g_autofree char *links = NULL;

  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  if (r != NULL && !r->discard && tf_lwm2m_server_block1 (r->server, session, request, response))
    return;
  if (r == NULL || r->discard)
    {
      tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (404), NULL);
      tf_lwm2m_server_log_answer (session, response);
      if (r != NULL)
        {
          TfLwm2mServer *self = r->server;
          g_message ("%s: Update on %s discarded (4.04)", r->pub.endpoint, r->pub.location);
          g_hash_table_steal (self->regs, r->pub.endpoint);
          retire (r); /* libcoap still holds it for this request */
          tf_lwm2m_reg_free (r);
        }
      return;
    }
  if (!apply_params (r, q, &error))
    {
      tf_lwm2m_set_diagnostic (response, tf_lwm2m_error_to_coap (error), error->message);
      tf_lwm2m_server_log_answer (session, response);
      return;
    }
  links = payload_text (r->server, request);
  if (links != NULL)
    {
      g_free (r->pub.links);
      r->pub.links = g_steal_pointer (&links);
    }
  if (r->session != session)
    {
      coap_session_release (r->session);
      r->session = coap_session_reference (session);
      g_free (r->pub.peer);
      r->pub.peer = tf_coap_session_peer (session);
    }
  r->pub.updated_us = g_get_real_time ();
  r->pub.updates++;
  arm_expiry (r);
  wake (r);
  coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
  tf_lwm2m_server_log_answer (session, response);
  g_message ("%s: updated (lifetime %u)", r->pub.endpoint, r->pub.lifetime);
  g_signal_emit (r->server, tf_lwm2m_server_signals[SIGNAL_UPDATED], 0, &r->pub);
}

/* Any other method on rd/N: 4.05, and said, as a client sending its Update with the wrong
 * code is what the lab wants to see. */
static void
on_bad_method (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
               const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mReg *r = coap_resource_get_userdata (resource);
  g_autofree char *method = tf_coap_code_to_string (coap_pdu_get_code (request));
  g_autofree char *why = g_strdup_printf ("%s on its registration %s: an Update is a POST (4.05)",
                                          method, r != NULL ? r->pub.location : "?");
  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (405), "Update is POST");
  tf_lwm2m_server_log_answer (session, response);
  if (r == NULL)
    return;
  g_message ("%s: %s", r->pub.endpoint, why);
  g_signal_emit (r->server, tf_lwm2m_server_signals[SIGNAL_REJECTED], 0, r->pub.endpoint, why);
}

/* DELETE /rd/N : De-register (Core 6.2.3). */
static void
on_deregister (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
               const coap_string_t *query, coap_pdu_t *response)
{
  TfLwm2mReg *r = coap_resource_get_userdata (resource);
  tf_lwm2m_exchange_log (session, request, FALSE, NULL);
  /* a repeat (its 2.02 lost) is answered 2.02 again, not 4.04: the registration is gone */
  if (tf_lwm2m_server_repeat (tf_lwm2m_server_of (session), session, request, response))
    return;
  if (r == NULL)
    {
      tf_lwm2m_set_diagnostic (response, COAP_RESPONSE_CODE (404), NULL);
      tf_lwm2m_server_log_answer (session, response);
      return;
    }
  coap_pdu_set_code (response, COAP_RESPONSE_CODE (202));
  tf_lwm2m_server_log_answer (session, response);
  g_message ("%s: de-registered", r->pub.endpoint);
  g_hash_table_steal (r->server->regs, r->pub.endpoint);
  retire (r);
  if (r->expiry_id != 0)
    g_source_remove (r->expiry_id);
  r->expiry_id = 0;
  g_signal_emit (r->server, tf_lwm2m_server_signals[SIGNAL_DEREGISTERED], 0, &r->pub);
  g_idle_add (free_reg_idle, r);
}
