/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Block-wise transfers of the server (RFC 7959) done here rather than by libcoap's block mode
 * (off on the server's context), so that every block and its answer pass through the exchange
 * log: the answer to a request the server sent (a Read, Read-Composite or Observe) or a
 * notification, asked for block by block with a GET of each next Block2. Block1 requests to
 * the server are put together in tf-lwm2m-server-block1.c. */
#define G_LOG_DOMAIN "tf-lwm2m-server"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-lwm2m-server-private.h"

/* The GET (or FETCH) of block num: the request again without its Observe (RFC 7641 3.4: the
 * later blocks are plain requests), under its token (RFC 7959 2.4 allows it). */
static gboolean
send_block (TfLwm2mServer *self, coap_session_t *session, TfLwm2mPending *p, guint num, guint szx,
            GError **error)
{
  coap_opt_filter_t drop;
  coap_bin_const_t tok = coap_pdu_get_token (p->sent);
  coap_pdu_t *pdu;
  const guint opts[] = { COAP_OPTION_OBSERVE, COAP_OPTION_BLOCK1, COAP_OPTION_BLOCK2,
                         COAP_OPTION_SIZE1, COAP_OPTION_SIZE2 };
  coap_option_filter_clear (&drop);
  for (guint i = 0; i < G_N_ELEMENTS (opts); i++)
    coap_option_filter_set (&drop, (coap_option_num_t)opts[i]);
  if ((pdu = coap_pdu_duplicate (p->sent, session, tok.length, tok.s, &drop)) == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED, "cannot build the GET of block %u", num);
      return FALSE;
    }
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK2, num << 4 | szx);
  if (p->payload != NULL && g_bytes_get_size (p->payload) > 0
      && !coap_add_data (pdu, g_bytes_get_size (p->payload), g_bytes_get_data (p->payload, NULL)))
    {
      coap_delete_pdu (pdu);
      g_set_error (error, TF_ERROR, TF_ERROR_FAILED,
                   "the request's payload does not fit the request of block %u", num);
      return FALSE;
    }
  tf_lwm2m_exchange_log (session, pdu, TRUE, &p->path);
  if (coap_send (session, pdu) == COAP_INVALID_MID)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot send the GET of block %u to %s", num,
                   p->endpoint);
      return FALSE;
    }
  tf_coap_source_wakeup (self->source);
  return TRUE;
}

TfLwm2mBlock2
tf_lwm2m_server_block2 (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *received,
                        TfLwm2mPending *p, GError **error)
{
  coap_block_t b;
  size_t len = 0;
  const uint8_t *data = NULL;
  gsize offset;
  guint code = coap_pdu_get_code (received);
  if (COAP_RESPONSE_CLASS (code) != 2 || !coap_get_block (received, COAP_OPTION_BLOCK2, &b))
    {
      if (p->body == NULL)
        return TF_LWM2M_BLOCK2_DONE;
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "block %u of /%s answered %u.%02u without Block2", (guint)(p->body->len / 1024),
                   p->uri_path, code >> 5, code & 31);
      return TF_LWM2M_BLOCK2_FAILED;
    }
  offset = (gsize)b.num << (b.szx + 4);
  if (!coap_get_data (received, &len, &data))
    len = 0;
  if (p->body == NULL)
    {
      guint seq = tf_coap_pdu_uint_option (received, COAP_OPTION_OBSERVE, G_MAXUINT);
      if (b.num != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "the answer of /%s starts at block %u",
                       p->uri_path, b.num);
          return TF_LWM2M_BLOCK2_FAILED;
        }
      p->body = g_byte_array_new ();
      p->observe_seq = seq == G_MAXUINT ? -1 : (gint)seq;
    }
  else if (offset != p->body->len)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "block %u of /%s is not the next one (byte %" G_GSIZE_FORMAT
                   " of the answer expected)",
                   b.num, p->uri_path, (gsize)p->body->len);
      return TF_LWM2M_BLOCK2_FAILED;
    }
  if (b.m && len != ((gsize)16 << b.szx))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "block %u of /%s holds %" G_GSIZE_FORMAT " bytes, not %u", b.num, p->uri_path,
                   (gsize)len, 16u << b.szx);
      return TF_LWM2M_BLOCK2_FAILED;
    }
  if (p->body->len + len > TF_COAP_MAX_BODY)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "the answer of /%s is larger than %u bytes",
                   p->uri_path, TF_COAP_MAX_BODY);
      return TF_LWM2M_BLOCK2_FAILED;
    }
  g_byte_array_append (p->body, data, len);
  if (!b.m)
    return TF_LWM2M_BLOCK2_DONE;
  if (!send_block (self, session, p, b.num + 1, b.szx, error))
    return TF_LWM2M_BLOCK2_FAILED;
  return TF_LWM2M_BLOCK2_MORE;
}

static void
on_notification_fetched (GObject *source, GAsyncResult *res, gpointer data)
{
  TfLwm2mServer *self = TF_LWM2M_SERVER (source);
  guint id = GPOINTER_TO_UINT (data);
  TfLwm2mObs *obs = g_hash_table_lookup (self->obs_by_id, GUINT_TO_POINTER (id));
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mResponse) r = g_task_propagate_pointer (G_TASK (res), &error);
  if (r == NULL)
    {
      g_message ("observation %u: the rest of a notification: %s", id, error->message);
      return;
    }
  if (obs == NULL)
    return;
  r->observation = id;
  r->after_cancel = obs->cancelled;
  g_signal_emit (self, tf_lwm2m_server_signals[SIGNAL_NOTIFICATION], 0, obs->endpoint, r);
}

/* A notification in Block2 parts (RFC 7959 3.4): its later blocks asked for with GETs under a
 * token of their own, the whole notification signalled once the last one is in. */
void
tf_lwm2m_server_fetch_notification (TfLwm2mServer *self, coap_session_t *session,
                                    const coap_pdu_t *received, TfLwm2mObs *obs)
{
  GTask *task = g_task_new (self, NULL, on_notification_fetched, GUINT_TO_POINTER (obs->id));
  TfLwm2mPending *p = g_new0 (TfLwm2mPending, 1);
  g_autoptr (TfLwm2mRequest) req = tf_lwm2m_request_read (&obs->path, obs->accept);
  g_autoptr (GError) error = NULL;
  guint8 buf[8];
  size_t len = sizeof buf;
  g_autoptr (GBytes) token = NULL;
  coap_session_new_token (session, &len, buf);
  token = g_bytes_new (buf, len);
  req->method = obs->method;
  req->cf = obs->cf;
  g_free (req->uri_path);
  req->uri_path = g_strdup (obs->uri_path);
  p->server = self;
  p->token = tf_coap_token_key (session, buf, len);
  p->endpoint = g_strdup (obs->endpoint);
  p->path = obs->path;
  p->uri_path = g_strdup (obs->uri_path);
  p->accept = obs->accept;
  p->observe = -1;
  p->method = obs->method;
  p->payload = obs->payload != NULL ? g_bytes_ref (obs->payload) : NULL;
  p->cf = obs->cf;
  p->notify_of = obs->id;
  p->sent = tf_lwm2m_server_build_pdu (session, req, token);
  g_task_set_task_data (task, p, (GDestroyNotify)tf_lwm2m_pending_free);
  if (p->sent == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_FAILED, "cannot build the request");
      g_object_unref (task);
      return;
    }
  switch (tf_lwm2m_server_block2 (self, session, received, p, &error))
    {
    case TF_LWM2M_BLOCK2_MORE:
      g_hash_table_insert (self->pending, g_strdup (p->token), task);
      return;
    case TF_LWM2M_BLOCK2_FAILED:
      g_task_return_error (task, g_steal_pointer (&error));
      break;
    case TF_LWM2M_BLOCK2_DONE:
    default:
      g_task_return_pointer (task, tf_lwm2m_response_new (received, &p->path, p->body),
                             (GDestroyNotify)tf_lwm2m_response_free);
      break;
    }
  g_object_unref (task);
}
