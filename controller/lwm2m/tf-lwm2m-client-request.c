/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client's own requests (Bootstrap-Request, Register, Update, De-register, Send), whole or,
 * when the payload does not fit one message, in Block1 parts (RFC 7959 2.5) sent here one by
 * one, each CON waiting for its 2.31 Continue, so that every block and every answer pass
 * through the exchange log: libcoap 4.3.1's block mode (coap_add_data_large_request) would
 * send the later blocks and take the 2.31s inside coap_io_process, unseen. Blocks of 1024
 * bytes (TF_COAP_BLOCK_SZX), or smaller when the options leave no room for one, or when the
 * server's 2.31 asks for a smaller size; Size1 on the first block; the answer to the last
 * block (or an error code to any) is the answer to the whole request. A payload is never sent
 * empty or cut: a block that cannot be built fails the request. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"

struct _TfLwm2mClientOut
{
  TfLwm2mClientReq kind;
  guint method;
  char *uri_path;
  GPtrArray *queries; /* char *, or NULL */
  guint cf;
  GBytes *payload;
  guint szx; /* the block size now (16 << szx bytes) */
  guint num; /* the block sent last */
  GBytes *token;
};

void
tf_lwm2m_client_out_free (TfLwm2mClientOut *o)
{
  g_free (o->uri_path);
  if (o->queries != NULL)
    g_ptr_array_unref (o->queries);
  g_bytes_unref (o->payload);
  g_bytes_unref (o->token);
  g_free (o);
}

/* The request without payload nor Block1, under @token. */
static coap_pdu_t *
build (coap_session_t *session, guint method, const char *uri_path, GPtrArray *queries,
       gboolean with_cf, guint cf, GBytes *token)
{
  coap_pdu_t *pdu = coap_pdu_init (COAP_MESSAGE_CON, method, coap_new_message_id (session),
                                   coap_session_max_pdu_size (session));
  if (pdu == NULL)
    return NULL;
  coap_add_token (pdu, g_bytes_get_size (token), g_bytes_get_data (token, NULL));
  tf_coap_pdu_add_uri_path (pdu, uri_path);
  if (with_cf)
    tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_CONTENT_FORMAT, cf);
  for (guint i = 0; queries != NULL && i < queries->len; i++)
    {
      const char *q = g_ptr_array_index (queries, i);
      coap_add_option (pdu, COAP_OPTION_URI_QUERY, strlen (q), (const uint8_t *)q);
    }
  return pdu;
}

static gboolean
send_pdu (TfLwm2mClient *self, coap_session_t *session, coap_pdu_t *pdu, TfLwm2mClientReq kind,
          GBytes *token, GError **error)
{
  tf_lwm2m_client_activity (self);
  tf_lwm2m_exchange_log (session, pdu, TRUE, NULL);
  if (coap_send (session, pdu) == COAP_INVALID_MID)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot send");
      return FALSE;
    }
  g_hash_table_insert (
      self->requests,
      tf_coap_token_key (session, g_bytes_get_data (token, NULL), g_bytes_get_size (token)),
      GUINT_TO_POINTER (kind));
  tf_coap_source_wakeup (self->source);
  return TRUE;
}

/* Block o->num of the payload, at o->szx or smaller when it does not fit a message. */
static gboolean
send_block (TfLwm2mClient *self, coap_session_t *session, TfLwm2mClientOut *o, GError **error)
{
  gsize size = 0;
  const guint8 *d = g_bytes_get_data (o->payload, &size);
  for (;;)
    {
      gsize bs = (gsize)16 << o->szx, off = (gsize)o->num * bs;
      gboolean more = off + bs < size;
      coap_pdu_t *pdu;
      if (off >= size)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                       "block %u of %u bytes starts past the body of %" G_GSIZE_FORMAT " bytes",
                       o->num, (guint)bs, size);
          return FALSE;
        }
      pdu = build (session, o->method, o->uri_path, o->queries, TRUE, o->cf, o->token);
      if (pdu == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "cannot build block %u", o->num);
          return FALSE;
        }
      tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK1, o->num << 4 | (more ? 8 : 0) | o->szx);
      if (o->num == 0)
        tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_SIZE1, (guint)size);
      if (coap_add_data (pdu, MIN (bs, size - off), d + off))
        return send_pdu (self, session, pdu, o->kind, o->token, error);
      coap_delete_pdu (pdu);
      if (o->szx == 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_FAILED,
                       "not even a block of 16 bytes fits a message to /%s", o->uri_path);
          return FALSE;
        }
      /* the options leave no room for a block this size: the same bytes in smaller ones */
      o->szx--;
      o->num = (guint)(off >> (o->szx + 4));
    }
}

gboolean
tf_lwm2m_client_send_request (TfLwm2mClient *self, coap_session_t *session, TfLwm2mClientReq kind,
                              guint method, const char *uri_path, GPtrArray *queries, guint cf,
                              GBytes *payload, GError **error)
{
  guint8 tok[8];
  size_t len = sizeof tok;
  g_autoptr (GBytes) token = NULL;
  coap_pdu_t *pdu;
  TfLwm2mClientOut *o;
  coap_session_new_token (session, &len, tok);
  token = g_bytes_new (tok, len);
  pdu = build (session, method, uri_path, queries, payload != NULL, cf, token);
  if (pdu == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "cannot build the request");
      return FALSE;
    }
  if (payload == NULL || g_bytes_get_size (payload) == 0
      || coap_add_data (pdu, g_bytes_get_size (payload), g_bytes_get_data (payload, NULL)))
    return send_pdu (self, session, pdu, kind, token, error);

  /* larger than one message: Block1 parts */
  coap_delete_pdu (pdu);
  o = g_new0 (TfLwm2mClientOut, 1);
  o->kind = kind;
  o->method = method;
  o->uri_path = g_strdup (uri_path);
  if (queries != NULL)
    {
      o->queries = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < queries->len; i++)
        g_ptr_array_add (o->queries, g_strdup (g_ptr_array_index (queries, i)));
    }
  o->cf = cf;
  o->payload = g_bytes_ref (payload);
  o->szx = TF_COAP_BLOCK_SZX;
  o->token = g_bytes_ref (token);
  g_message ("%s: %" G_GSIZE_FORMAT " bytes to /%s in Block1 parts", self->endpoint,
             g_bytes_get_size (payload), uri_path);
  if (!send_block (self, session, o, error))
    {
      tf_lwm2m_client_out_free (o);
      return FALSE;
    }
  g_hash_table_insert (self->block1_out, tf_coap_token_key (session, tok, len), o);
  return TRUE;
}

TfLwm2mClientBlock1
tf_lwm2m_client_block1_answer (TfLwm2mClient *self, coap_session_t *session, const char *token,
                               const coap_pdu_t *received, char **why)
{
  TfLwm2mClientOut *o = g_hash_table_lookup (self->block1_out, token);
  guint code = coap_pdu_get_code (received);
  gsize size = 0, done;
  coap_block_t b = { 0 };
  g_autoptr (GError) error = NULL;
  if (o == NULL)
    return TF_LWM2M_CLIENT_BLOCK1_NONE;
  size = g_bytes_get_size (o->payload);
  done = MIN (((gsize)o->num + 1) << (o->szx + 4), size);
  if (code != COAP_RESPONSE_CODE (231))
    {
      guint limit = tf_coap_pdu_uint_option (received, COAP_OPTION_SIZE1, 0);
      g_autofree char *at_most = limit > 0 ? g_strdup_printf (", at most %u bytes", limit) : NULL;
      if (code == COAP_RESPONSE_CODE (413))
        *why = g_strdup_printf ("the body of %" G_GSIZE_FORMAT " bytes, sent in Block1 parts, is "
                                "too large for the server (4.13 Request Entity Too Large%s)",
                                size, at_most != NULL ? at_most : "");
      else if (code == COAP_RESPONSE_CODE (408))
        *why = g_strdup_printf ("the server lost the Block1 transfer at block %u (4.08 Request "
                                "Entity Incomplete)",
                                o->num);
      else if (done < size)
        *why = g_strdup_printf ("answered at block %u of the Block1 transfer, %" G_GSIZE_FORMAT
                                " of %" G_GSIZE_FORMAT " bytes sent",
                                o->num, done, size);
      g_hash_table_remove (self->block1_out, token);
      return TF_LWM2M_CLIENT_BLOCK1_DONE;
    }
  /* 2.31 Continue: to the block sent, which was not the last; in the size it asks for */
  if (!coap_get_block (received, COAP_OPTION_BLOCK1, &b))
    g_set_error (&error, TF_ERROR, TF_ERROR_PROTOCOL, "2.31 without Block1 to block %u", o->num);
  else if (b.num != o->num && !(b.szx < o->szx && b.num == (done >> (b.szx + 4)) - 1))
    g_set_error (&error, TF_ERROR, TF_ERROR_PROTOCOL, "2.31 to block %u, block %u was sent", b.num,
                 o->num);
  else if (done >= size)
    g_set_error (&error, TF_ERROR, TF_ERROR_PROTOCOL, "2.31 to the last block");
  else
    {
      if (b.szx < o->szx)
        {
          g_message ("%s: the server asks for blocks of %u bytes", self->endpoint, 16u << b.szx);
          o->szx = b.szx;
        }
      o->num = (guint)(done >> (o->szx + 4));
      if (send_block (self, session, o, &error))
        return TF_LWM2M_CLIENT_BLOCK1_MORE;
    }
  *why = g_strdup_printf ("Block1 transfer ended: %s", error->message);
  g_hash_table_remove (self->block1_out, token);
  return TF_LWM2M_CLIENT_BLOCK1_DONE;
}

void
tf_lwm2m_client_block1_forget (TfLwm2mClient *self, const char *token)
{
  g_hash_table_remove (self->block1_out, token);
}
