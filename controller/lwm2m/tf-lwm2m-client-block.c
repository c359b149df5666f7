/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Block-wise requests to the client (Block1, RFC 7959 2.5): libcoap's block mode hands every
 * block to the request handler (COAP_BLOCK_SINGLE_BODY off), so that each block and its 2.31
 * Continue pass through the exchange log; they are put together here, and the handler of
 * the last one sees the whole body. And a notification's payload, whole or its first Block2
 * part. (The client's own requests in Block1 parts: tf-lwm2m-client-request.c.) */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <string.h>

#include "tf-lwm2m-client-private.h"

void
tf_lwm2m_client_block1_clear (TfLwm2mClient *self)
{
  tf_coap_block1_clear (&self->block1);
}

gboolean
tf_lwm2m_client_block1 (TfLwm2mClient *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response)
{
  coap_block_t b;
  TfCoapBlock1Step step = tf_coap_block1_add (&self->block1, session, request, FALSE, &b);
  if (step == TF_COAP_BLOCK1_NONE || step == TF_COAP_BLOCK1_LAST)
    return FALSE;
  if (step == TF_COAP_BLOCK1_MORE)
    {
      /* libcoap has put the Block1 of the answer in already */
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (231));
      return TRUE;
    }
  tf_coap_block1_refuse (step, response);
  return TRUE;
}

void
tf_lwm2m_client_request_data (TfLwm2mClient *self, const coap_pdu_t *request, size_t *len,
                              const uint8_t **data)
{
  size_t offset = 0, total = 0;
  if (self->block1.body != NULL)
    *data = g_bytes_get_data (self->block1.body, len);
  else if (!coap_get_data_large (request, len, data, &offset, &total))
    *len = 0;
}

gboolean
tf_lwm2m_client_pdu_fits (coap_session_t *session, const coap_pdu_t *pdu, gint cf, gint block2,
                          gint size2, const guint8 *data, gsize len)
{
  /* libcoap 4.3.1 cannot take an option out again: tried on a copy (options, no payload) */
  coap_bin_const_t tok = coap_pdu_get_token (pdu);
  coap_pdu_t *copy = coap_pdu_duplicate (pdu, session, tok.length, tok.s, NULL);
  gboolean ok;
  if (copy == NULL)
    return FALSE;
  if (cf >= 0)
    tf_coap_pdu_add_uint_option (copy, COAP_OPTION_CONTENT_FORMAT, (guint)cf);
  if (block2 >= 0)
    tf_coap_pdu_add_uint_option (copy, COAP_OPTION_BLOCK2, (guint)block2);
  if (size2 >= 0)
    tf_coap_pdu_add_uint_option (copy, COAP_OPTION_SIZE2, (guint)size2);
  ok = coap_add_data (copy, len, data) != 0;
  coap_delete_pdu (copy);
  return ok;
}

gboolean
tf_lwm2m_client_notify_payload (coap_session_t *session, coap_pdu_t *pdu, GBytes *payload)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  /* the same block size the Read handler answers the later GETs in (1024 bytes), or smaller
   * when the notification's options leave no room for it (the GETs then ask for that size) */
  if (len <= ((gsize)16 << TF_COAP_BLOCK_SZX)
      && tf_lwm2m_client_pdu_fits (session, pdu, -1, -1, -1, data, len))
    return coap_add_data (pdu, len, data) != 0;
  for (guint szx = TF_COAP_BLOCK_SZX;; szx--)
    {
      gsize bs = (gsize)16 << szx;
      guint opt = 0 << 4 | 8 | szx;
      if (bs < len && tf_lwm2m_client_pdu_fits (session, pdu, -1, (gint)opt, (gint)len, data, bs))
        {
          tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK2, opt);
          tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_SIZE2, (guint)len);
          return coap_add_data (pdu, bs, data) != 0;
        }
      if (szx == 0)
        return FALSE;
    }
}
