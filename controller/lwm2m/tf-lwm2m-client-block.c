/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Block-wise requests to the client (Block1, RFC 7959 2.5): libcoap's block mode hands every
 * block to the request handler (COAP_BLOCK_SINGLE_BODY off), so that each block and its 2.31
 * Continue pass through the exchange log; they are put together here, and the handler of
 * the last one sees the whole body. */
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
