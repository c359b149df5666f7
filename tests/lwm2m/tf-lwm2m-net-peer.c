/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <syslog.h>

#include "tf-lwm2m-net-peer.h"

#define T_ANSWER 30000 /* one answer on loopback, retransmissions included */

static coap_response_t
on_answer (coap_session_t *session, const coap_pdu_t *sent, const coap_pdu_t *received,
           const coap_mid_t mid)
{
  Peer *p = coap_session_get_app_data (session);
  coap_bin_const_t tok = coap_pdu_get_token (received);
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  size_t len = 0;
  const uint8_t *data = NULL;
  g_autoptr (GString) loc = g_string_new (NULL);
  if (p == NULL || p->token == NULL || tok.length != g_bytes_get_size (p->token)
      || memcmp (tok.s, g_bytes_get_data (p->token, NULL), tok.length) != 0)
    return COAP_RESPONSE_OK;
  p->answered = TRUE;
  p->code = coap_pdu_get_code (received);
  p->block1 = p->size1 = p->max_age = -1;
  coap_option_iterator_init (received, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    {
      guint v = coap_decode_var_bytes (coap_opt_value (opt), coap_opt_length (opt));
      if (it.number == COAP_OPTION_BLOCK1)
        p->block1 = v;
      else if (it.number == COAP_OPTION_SIZE1)
        p->size1 = v;
      else if (it.number == COAP_OPTION_MAXAGE)
        p->max_age = v;
      else if (it.number == COAP_OPTION_LOCATION_PATH)
        g_string_append_printf (loc, "%s%.*s", loc->len > 0 ? "/" : "", (int)coap_opt_length (opt),
                                (const char *)coap_opt_value (opt));
    }
  g_free (p->location);
  p->location = g_strdup (loc->str);
  g_free (p->text);
  p->text = coap_get_data (received, &len, &data) ? g_strndup ((const char *)data, len) : NULL;
  return COAP_RESPONSE_OK;
}

Peer *
peer_new (guint16 port)
{
  Peer *p = g_new0 (Peer, 1);
  coap_address_t dst;
  coap_startup ();
  coap_set_log_level (LOG_WARNING);
  coap_address_init (&dst);
  dst.addr.sin.sin_family = AF_INET;
  dst.addr.sin.sin_port = htons (port);
  dst.addr.sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  dst.size = sizeof (struct sockaddr_in);
  p->ctx = coap_new_context (NULL);
  g_assert_nonnull (p->ctx);
  coap_context_set_block_mode (p->ctx, 0); /* every block as built here */
  coap_register_response_handler (p->ctx, on_answer);
  p->session = coap_new_client_session (p->ctx, NULL, &dst, COAP_PROTO_UDP);
  g_assert_nonnull (p->session);
  coap_session_set_app_data (p->session, p);
  return p;
}

void
peer_free (Peer *p)
{
  coap_session_release (p->session);
  coap_free_context (p->ctx);
  g_clear_pointer (&p->token, g_bytes_unref);
  g_clear_pointer (&p->rtag, g_bytes_unref);
  g_free (p->location);
  g_free (p->text);
  g_free (p);
}

static void
add_uint (coap_pdu_t *pdu, guint number, guint value)
{
  guint8 buf[4];
  g_assert_cmpuint (
      coap_add_option (pdu, number, coap_encode_var_safe (buf, sizeof buf, value), buf), >, 0);
}

guint
peer_request (Peer *p, guint method, const char *path, const char *query, gint cf, gint64 block1,
              gint64 size1, const void *data, gsize len)
{
  coap_pdu_t *pdu;
  g_auto (GStrv) segs = g_strsplit (path, "/", -1);
  g_auto (GStrv) qs = g_strsplit (query != NULL ? query : "", "&", -1);
  guint8 tok[8];
  size_t tlen = sizeof tok;
  gint64 deadline = g_get_monotonic_time () + T_ANSWER * G_TIME_SPAN_MILLISECOND;
  if (!p->again)
    {
      p->mid = coap_new_message_id (p->session);
      coap_session_new_token (p->session, &tlen, tok);
      g_clear_pointer (&p->token, g_bytes_unref);
      p->token = g_bytes_new (tok, tlen);
    }
  pdu = coap_pdu_init (COAP_MESSAGE_CON, (coap_pdu_code_t)method, p->mid,
                       coap_session_max_pdu_size (p->session));
  g_assert_nonnull (pdu);
  g_assert_cmpint (
      coap_add_token (pdu, g_bytes_get_size (p->token), g_bytes_get_data (p->token, NULL)), !=, 0);
  for (guint i = 0; segs[i] != NULL; i++)
    coap_add_option (pdu, COAP_OPTION_URI_PATH, strlen (segs[i]), (const uint8_t *)segs[i]);
  if (cf >= 0)
    add_uint (pdu, COAP_OPTION_CONTENT_FORMAT, (guint)cf);
  for (guint i = 0; qs[i] != NULL; i++)
    if (*qs[i] != '\0')
      coap_add_option (pdu, COAP_OPTION_URI_QUERY, strlen (qs[i]), (const uint8_t *)qs[i]);
  if (block1 >= 0)
    add_uint (pdu, COAP_OPTION_BLOCK1, (guint)block1);
  if (size1 >= 0)
    add_uint (pdu, COAP_OPTION_SIZE1, (guint)size1);
  if (p->rtag != NULL)
    coap_add_option (pdu, COAP_OPTION_RTAG, g_bytes_get_size (p->rtag),
                     g_bytes_get_data (p->rtag, NULL));
  if (len > 0)
    g_assert_cmpint (coap_add_data (pdu, len, data), !=, 0);
  p->answered = FALSE;
  g_assert_cmpint (coap_send (p->session, pdu), !=, COAP_INVALID_MID);
  /* libcoap's client takes the answer to a MID it had an answer to for a duplicate, and drops
   * it: the answer to a repeat is seen in the server's log only */
  if (p->again)
    {
      p->again = FALSE;
      return 0;
    }
  while (!p->answered)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      coap_io_process (p->ctx, 1000);
    }
  return p->code;
}

guint
peer_post (Peer *p, const char *path, const char *query, guint cf, gint64 block1, gint64 size1,
           const void *data, gsize len)
{
  return peer_request (p, COAP_REQUEST_CODE_POST, path, query, (gint)cf, block1, size1, data, len);
}

guint
peer_block (Peer *p, const char *path, const char *query, guint cf, const char *body, guint num,
            guint szx)
{
  gsize bs = (gsize)16 << szx, len = strlen (body), off = (gsize)num * bs;
  gboolean more = off + bs < len;
  g_assert_cmpuint (off, <, len);
  return peer_post (p, path, query, cf, (gint64)(num << 4 | (more ? 8 : 0) | szx),
                    num == 0 ? (gint64)len : -1, body + off, MIN (bs, len - off));
}
