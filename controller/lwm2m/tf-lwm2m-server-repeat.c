/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A confirmable request the server has answered, seen again because its ACK was lost: answered
 * again with the same answer and not processed twice (RFC 7252 4.5). libcoap 4.3.1 as a server
 * hands every copy to the handler, so that a lost 2.31 Continue ended a Block1 transfer in
 * 4.08 (the block again is not the next one), and a lost 2.01 or 2.04 registered or recorded
 * a Send twice; a lost 2.02 had the De-register answered 4.04 (the registration gone), a lost
 * 2.04 to a Bootstrap-Request started a second bootstrap sequence. Register, Update, Send
 * (through tf_lwm2m_server_block1), De-register and Bootstrap-Request ask here first. The last
 * answer of each session is kept. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <string.h>

#include "tf-lwm2m-server-private.h"

#define MAX_ANSWERS 4096 /* sessions remembered; past it all are forgotten */

typedef struct
{
  coap_mid_t mid;
  GBytes *token;
  guint code;
  GArray *numbers;   /* option numbers, in order */
  GPtrArray *values; /* GBytes, one per number */
  GBytes *payload;   /* NULL: none */
} Answer;

static void
answer_free (Answer *a)
{
  g_bytes_unref (a->token);
  g_array_unref (a->numbers);
  g_ptr_array_unref (a->values);
  if (a->payload != NULL)
    g_bytes_unref (a->payload);
  g_free (a);
}

void
tf_lwm2m_server_answered (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *response)
{
  Answer *a;
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  coap_bin_const_t tok = coap_pdu_get_token (response);
  size_t len = 0;
  const uint8_t *data = NULL;
  tf_lwm2m_exchange_log (session, response, TRUE, NULL);
  if (self == NULL || coap_pdu_get_type (response) != COAP_MESSAGE_ACK)
    return;
  if (self->answers == NULL || g_hash_table_size (self->answers) >= MAX_ANSWERS)
    {
      g_clear_pointer (&self->answers, g_hash_table_unref);
      self->answers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)answer_free);
    }
  a = g_new0 (Answer, 1);
  a->mid = coap_pdu_get_mid (response);
  a->token = g_bytes_new (tok.s, tok.length);
  a->code = coap_pdu_get_code (response);
  a->numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  a->values = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  coap_option_iterator_init (response, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    {
      guint n = it.number;
      g_array_append_val (a->numbers, n);
      g_ptr_array_add (a->values, g_bytes_new (coap_opt_value (opt), coap_opt_length (opt)));
    }
  if (coap_get_data (response, &len, &data) && len > 0)
    a->payload = g_bytes_new (data, len);
  g_hash_table_replace (self->answers, session, a);
}

gboolean
tf_lwm2m_server_repeat (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response)
{
  Answer *a = self->answers != NULL ? g_hash_table_lookup (self->answers, session) : NULL;
  coap_bin_const_t tok = coap_pdu_get_token (request);
  gsize len = 0;
  if (a == NULL || coap_pdu_get_type (request) != COAP_MESSAGE_CON
      || coap_pdu_get_mid (request) != a->mid || tok.length != g_bytes_get_size (a->token)
      || (tok.length > 0 && memcmp (tok.s, g_bytes_get_data (a->token, NULL), tok.length) != 0))
    return FALSE;
  g_debug ("a repeat of request %d: answered as before", (gint)a->mid);
  coap_pdu_set_code (response, a->code);
  for (guint i = 0; i < a->numbers->len; i++)
    {
      GBytes *v = g_ptr_array_index (a->values, i);
      const guint8 *d = g_bytes_get_data (v, &len);
      coap_add_option (response, g_array_index (a->numbers, guint, i), len, d);
    }
  if (a->payload != NULL)
    {
      const guint8 *d = g_bytes_get_data (a->payload, &len);
      coap_add_data (response, len, d);
    }
  tf_lwm2m_exchange_log (session, response, TRUE, NULL);
  return TRUE;
}
