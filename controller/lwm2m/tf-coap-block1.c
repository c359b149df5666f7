/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tf-coap-block1.h"
#include "tf-coap-source.h"

void
tf_coap_block1_clear (TfCoapBlock1 *b)
{
  g_clear_pointer (&b->parts, g_byte_array_unref);
  g_clear_pointer (&b->uri, g_free);
  g_clear_pointer (&b->body, g_bytes_unref);
  b->session = NULL;
}

TfCoapBlock1Step
tf_coap_block1_add (TfCoapBlock1 *b, coap_session_t *session, const coap_pdu_t *request,
                    gboolean full, coap_block_t *block)
{
  size_t len = 0;
  const uint8_t *data = NULL;
  gsize offset;
  g_autofree char *uri = NULL;
  TfCoapBlock1Step refused = TF_COAP_BLOCK1_NONE;
  g_clear_pointer (&b->body, g_bytes_unref);
  if (!coap_get_block (request, COAP_OPTION_BLOCK1, block))
    return TF_COAP_BLOCK1_NONE;
  uri = tf_coap_pdu_uri_path (request);
  offset = (gsize)block->num << (block->szx + 4);
  if (!coap_get_data (request, &len, &data))
    len = 0;
  /* a first block starts a body; another request's block, or a gap, is not this body's */
  if (block->num == 0)
    {
      tf_coap_block1_clear (b);
      b->parts = g_byte_array_new ();
      b->uri = g_steal_pointer (&uri);
      b->session = session;
    }
  else if (b->parts == NULL || session != b->session || g_strcmp0 (uri, b->uri) != 0
           || offset != b->parts->len)
    refused = TF_COAP_BLOCK1_NOT_NEXT;
  if (refused == TF_COAP_BLOCK1_NONE && full && block->m && len != ((gsize)16 << block->szx))
    refused = TF_COAP_BLOCK1_NOT_FULL;
  if (refused == TF_COAP_BLOCK1_NONE && b->parts->len + len > TF_COAP_MAX_BODY)
    refused = TF_COAP_BLOCK1_TOO_LARGE;
  if (refused != TF_COAP_BLOCK1_NONE)
    {
      tf_coap_block1_clear (b);
      return refused;
    }
  g_byte_array_append (b->parts, data, len);
  if (block->m)
    return TF_COAP_BLOCK1_MORE;
  b->body = g_byte_array_free_to_bytes (g_steal_pointer (&b->parts));
  g_clear_pointer (&b->uri, g_free);
  return TF_COAP_BLOCK1_LAST;
}

void
tf_coap_block1_refuse (TfCoapBlock1Step step, coap_pdu_t *response)
{
  const char *text;
  switch (step)
    {
    case TF_COAP_BLOCK1_NOT_FULL:
      text = "block not full";
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (400));
      break;
    case TF_COAP_BLOCK1_TOO_LARGE:
      text = "too large";
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (413));
      /* how large a body may be, so that the client need not guess (RFC 7959 2.9.3) */
      tf_coap_pdu_add_uint_option (response, COAP_OPTION_SIZE1, TF_COAP_MAX_BODY);
      break;
    case TF_COAP_BLOCK1_NOT_NEXT:
    default:
      text = "not the next block";
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (408));
      break;
    }
  coap_add_data (response, strlen (text), (const uint8_t *)text);
}
