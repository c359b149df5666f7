/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Block-wise requests to the client (Block1, RFC 7959 2.5): libcoap's block mode hands every
 * block to the request handler (COAP_BLOCK_SINGLE_BODY off), so that each block and its 2.31
 * Continue pass through the exchange log; they are put together here, and the handler of
 * the last one sees the whole body. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <string.h>

#include "tf-lwm2m-client-private.h"

#define MAX_BODY (16 * 1024 * 1024)

void
tf_lwm2m_client_block1_clear (TfLwm2mClient *self)
{
  g_clear_pointer (&self->block1, g_byte_array_unref);
  g_clear_pointer (&self->block1_uri, g_free);
  g_clear_pointer (&self->block1_body, g_bytes_unref);
  self->block1_session = NULL;
}

static gboolean
answer (coap_pdu_t *response, guint code, const char *text)
{
  coap_pdu_set_code (response, code);
  coap_add_data (response, strlen (text), (const uint8_t *)text);
  return TRUE;
}

gboolean
tf_lwm2m_client_block1 (TfLwm2mClient *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response)
{
  coap_block_t b;
  size_t len = 0;
  const uint8_t *data = NULL;
  gsize offset;
  g_autofree char *uri = NULL;
  g_clear_pointer (&self->block1_body, g_bytes_unref);
  if (!coap_get_block (request, COAP_OPTION_BLOCK1, &b))
    return FALSE;
  uri = tf_coap_pdu_uri_path (request);
  offset = (gsize)b.num << (b.szx + 4);
  if (!coap_get_data (request, &len, &data))
    len = 0;
  /* a first block starts a body; another request's block, or a gap, is not this body's */
  if (b.num == 0)
    {
      tf_lwm2m_client_block1_clear (self);
      self->block1 = g_byte_array_new ();
      self->block1_uri = g_steal_pointer (&uri);
      self->block1_session = session;
    }
  else if (self->block1 == NULL || session != self->block1_session
           || g_strcmp0 (uri, self->block1_uri) != 0 || offset != self->block1->len)
    {
      tf_lwm2m_client_block1_clear (self);
      return answer (response, COAP_RESPONSE_CODE (408), "not the next block");
    }
  if (self->block1->len + len > MAX_BODY)
    {
      tf_lwm2m_client_block1_clear (self);
      return answer (response, COAP_RESPONSE_CODE (413), "too large");
    }
  g_byte_array_append (self->block1, data, len);
  if (b.m)
    {
      /* libcoap has put the Block1 of the answer in already */
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (231));
      return TRUE;
    }
  self->block1_body = g_bytes_new (self->block1->data, self->block1->len);
  g_clear_pointer (&self->block1, g_byte_array_unref);
  g_clear_pointer (&self->block1_uri, g_free);
  return FALSE;
}

void
tf_lwm2m_client_request_data (TfLwm2mClient *self, const coap_pdu_t *request, size_t *len,
                              const uint8_t **data)
{
  size_t offset = 0, total = 0;
  if (self->block1_body != NULL)
    *data = g_bytes_get_data (self->block1_body, len);
  else if (!coap_get_data_large (request, len, data, &offset, &total))
    *len = 0;
}

void
tf_lwm2m_client_notify_payload (coap_pdu_t *pdu, GBytes *payload)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  gsize bs = (gsize)16 << TF_COAP_BLOCK_SZX;
  /* the same block size the Read handler answers the later GETs in (1024 bytes) */
  if (len <= bs)
    {
      coap_add_data (pdu, len, data);
      return;
    }
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK2, 0 << 4 | 8 | TF_COAP_BLOCK_SZX);
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_SIZE2, (guint)len);
  coap_add_data (pdu, bs, data);
}
