/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Requests to the server (Register, Update, Send) in Block1 parts (RFC 7959 2.5), each block
 * answered 2.31 Continue here, so that every block passes through the exchange log (libcoap's
 * block mode is off on the server's context). A lab server serves many clients at once: a body
 * is put together per peer (its address), Uri-Path and Request-Tag (RFC 7959 2.3/2.5, RFC 9175
 * 3.3), so that transfers from different clients, or tagged apart by one, interleave freely.
 *
 * Bounds: at most MAX_ASSEMBLIES bodies at a time and MAX_TOTAL bytes among them; a transfer
 * that would go past either is refused 5.03 Service Unavailable with Max-Age saying when the
 * oldest one expires (RFC 7252 5.9.3.4: the server is overloaded, the client may retry then;
 * 4.08 would tell the client that its own body is incomplete, which it is not). A body whose
 * next block does not come within EXCHANGE_LIFETIME (RFC 7252 4.8.2, 247 s) is dropped. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <string.h>

#include "tf-lwm2m-server-private.h"

#define MAX_ASSEMBLIES 64
#define MAX_TOTAL (4 * TF_COAP_MAX_BODY)
#define ASSEMBLY_LIFETIME 247 /* s, EXCHANGE_LIFETIME */

typedef struct
{
  TfLwm2mServer *server;
  char *key;
  TfCoapBlock1 b;
  gsize bytes;     /* counted in server->block1_bytes */
  gint64 expires;  /* monotonic µs */
  guint expiry_id; /* drops it */
} Assembly;

static void
assembly_free (Assembly *a)
{
  a->server->block1_bytes -= a->bytes;
  if (a->expiry_id != 0)
    g_source_remove (a->expiry_id);
  tf_coap_block1_clear (&a->b);
  g_free (a->key);
  g_free (a);
}

static gboolean
on_assembly_expired (gpointer data)
{
  Assembly *a = data;
  a->expiry_id = 0;
  g_message ("a Block1 body (%s) abandoned after %" G_GSIZE_FORMAT " bytes: dropped", a->key,
             a->bytes);
  g_hash_table_remove (a->server->block1s, a->key);
  return G_SOURCE_REMOVE;
}

/* Which body @request's block belongs to: the peer, the path, the Request-Tag (absent and
 * empty are different tags, RFC 9175 3.3). */
static char *
assembly_key (coap_session_t *session, const coap_pdu_t *request)
{
  g_autofree char *peer = tf_coap_session_peer (session);
  g_autofree char *uri = tf_coap_pdu_uri_path (request);
  g_autofree char *tag = NULL;
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option (request, COAP_OPTION_RTAG, &it);
  if (opt != NULL)
    tag = tf_coap_token_hex (coap_opt_value (opt), coap_opt_length (opt));
  return g_strdup_printf ("%s /%s tag %s", peer, uri, opt != NULL ? tag : "none");
}

/* Seconds until the oldest body expires and makes room. */
static guint
retry_after (TfLwm2mServer *self)
{
  GHashTableIter it;
  Assembly *a;
  gint64 first = G_MAXINT64, now = g_get_monotonic_time ();
  g_hash_table_iter_init (&it, self->block1s);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&a))
    first = MIN (first, a->expires);
  if (first == G_MAXINT64 || first <= now)
    return 1;
  return (guint)MAX ((first - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1);
}

static void
refuse_busy (TfLwm2mServer *self, coap_pdu_t *response, const char *why)
{
  coap_pdu_set_code (response, COAP_RESPONSE_CODE (503));
  tf_coap_pdu_add_uint_option (response, COAP_OPTION_MAXAGE, retry_after (self));
  coap_add_data (response, strlen (why), (const uint8_t *)why);
}

void
tf_lwm2m_server_block1_clear (TfLwm2mServer *self)
{
  g_clear_pointer (&self->block1s, g_hash_table_unref);
  g_clear_pointer (&self->block1_body, g_bytes_unref);
}

/* Takes the block into its body; TF_COAP_BLOCK1_NONE with @response the 5.03 refusal when
 * over a bound. */
static TfCoapBlock1Step
add_block (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *request,
           coap_pdu_t *response, coap_block_t *b)
{
  g_autofree char *key = assembly_key (session, request);
  Assembly *a;
  TfCoapBlock1Step step;
  size_t len = 0;
  const uint8_t *data = NULL;
  if (self->block1s == NULL)
    self->block1s
        = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)assembly_free);
  a = g_hash_table_lookup (self->block1s, key);
  if (!coap_get_data (request, &len, &data))
    len = 0;
  if (b->num == 0 && a == NULL)
    {
      if (g_hash_table_size (self->block1s) >= MAX_ASSEMBLIES)
        {
          refuse_busy (self, response, "too many block-wise requests at once");
          return TF_COAP_BLOCK1_NONE;
        }
      a = g_new0 (Assembly, 1);
      a->server = self;
      a->key = g_steal_pointer (&key);
      g_hash_table_insert (self->block1s, a->key, a);
    }
  else if (a == NULL)
    return TF_COAP_BLOCK1_NOT_NEXT; /* no body of it here: a gap, or expired */
  /* the block 0 of a body restarts it: its bytes go before the check */
  if (self->block1_bytes - (b->num == 0 ? a->bytes : 0) + len > MAX_TOTAL)
    {
      g_hash_table_remove (self->block1s, a->key);
      refuse_busy (self, response, "too many block-wise bytes at once");
      return TF_COAP_BLOCK1_NONE;
    }
  step = tf_coap_block1_add (&a->b, session, request, TRUE, b);
  self->block1_bytes -= a->bytes;
  a->bytes = a->b.parts != NULL ? a->b.parts->len : 0;
  self->block1_bytes += a->bytes;
  if (step == TF_COAP_BLOCK1_LAST)
    self->block1_body = g_steal_pointer (&a->b.body);
  if (step != TF_COAP_BLOCK1_MORE)
    {
      g_hash_table_remove (self->block1s, a->key);
      return step;
    }
  a->expires = g_get_monotonic_time () + ASSEMBLY_LIFETIME * G_USEC_PER_SEC;
  if (a->expiry_id != 0)
    g_source_remove (a->expiry_id);
  a->expiry_id = g_timeout_add_seconds (ASSEMBLY_LIFETIME, on_assembly_expired, a);
  return step;
}

/* TRUE: the request is answered here (a repeat of the last one answered, its answer again;
 * 2.31 Continue to a block before the last; or an error; logged); FALSE: the handler goes on, with
 * the whole body from tf_lwm2m_server_request_data. The caller has logged the request. */
gboolean
tf_lwm2m_server_block1 (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response)
{
  coap_block_t b;
  TfCoapBlock1Step step;
  g_clear_pointer (&self->block1_body, g_bytes_unref);
  if (tf_lwm2m_server_repeat (self, session, request, response))
    return TRUE;
  if (!coap_get_block (request, COAP_OPTION_BLOCK1, &b))
    return FALSE;
  step = add_block (self, session, request, response, &b);
  switch (step)
    {
    case TF_COAP_BLOCK1_NONE:
      break; /* refused 5.03 */
    case TF_COAP_BLOCK1_LAST:
      /* the handler's answer to the last block says which one it answers */
      tf_coap_pdu_add_uint_option (response, COAP_OPTION_BLOCK1, b.num << 4 | b.szx);
      return FALSE;
    case TF_COAP_BLOCK1_MORE:
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (231));
      tf_coap_pdu_add_uint_option (response, COAP_OPTION_BLOCK1, b.num << 4 | 8 | b.szx);
      break;
    default:
      tf_coap_block1_refuse (step, response);
      break;
    }
  tf_lwm2m_server_answered (self, session, response);
  return TRUE;
}

gboolean
tf_lwm2m_server_request_data (TfLwm2mServer *self, const coap_pdu_t *request, size_t *len,
                              const uint8_t **data)
{
  if (self->block1_body != NULL)
    *data = g_bytes_get_data (self->block1_body, len);
  else if (!coap_get_data (request, len, data))
    *len = 0;
  return *len > 0;
}
