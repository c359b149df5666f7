/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Captured datagrams decoded into the exchange form, repeats marked. */
#define G_LOG_DOMAIN "tf-coap"

#include "config.h"

#include "tf-coap-trace.h"

#include <arpa/inet.h>

#define EXCHANGE_LIFETIME_US (247 * G_USEC_PER_SEC)
/* the tables are pruned of entries older than EXCHANGE_LIFETIME beyond this size */
#define PRUNE_ABOVE 8192
#define MAX_REMEMBERED (1024 * 1024)

typedef struct
{
  guint64 frame;
  gint64 time_us;
  gint64 answered_us; /* an ACK or RST of the peer for this MID, 0 before */
} Seen;

typedef struct
{
  TfLwm2mPath path;
  gint64 time_us;
} Request;

struct _TfCoapTrace
{
  guint64 count;
  GHashTable *seen;     /* "src dst type mid" → Seen */
  GHashTable *requests; /* "client server token" → Request: the path of a response */
  guint seen_limit;
  guint requests_limit;
  TfDtlsFlows *dtls; /* the DTLS handshakes followed, records decrypted with the keys given */
};

static guint16
be16 (const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

gboolean
tf_ip_addresses_from_frame (const guint8 *frame, gsize len, char src[48], char dst[48])
{
  gsize off = 14;
  guint16 ethertype;
  if (len < 14)
    return FALSE;
  ethertype = be16 (frame + 12);
  if (ethertype == 0x8100 && len >= 18)
    {
      ethertype = be16 (frame + 16);
      off = 18;
    }
  if (ethertype == 0x0800 && len >= off + 20 && (frame[off] >> 4) == 4)
    {
      inet_ntop (AF_INET, frame + off + 12, src, 48);
      inet_ntop (AF_INET, frame + off + 16, dst, 48);
      return TRUE;
    }
  if (ethertype == 0x86dd && len >= off + 40 && (frame[off] >> 4) == 6)
    {
      inet_ntop (AF_INET6, frame + off + 8, src, 48);
      inet_ntop (AF_INET6, frame + off + 24, dst, 48);
      return TRUE;
    }
  return FALSE;
}

gboolean
tf_udp_datagram_from_frame (const guint8 *frame, gsize len, TfUdpDatagram *out)
{
  gsize off = 14;
  guint16 ethertype;
  const guint8 *udp;
  gsize udp_len;

  if (len < 14)
    return FALSE;
  ethertype = be16 (frame + 12);
  if (ethertype == 0x8100 && len >= 18)
    {
      ethertype = be16 (frame + 16);
      off = 18;
    }
  if (ethertype == 0x0800)
    {
      const guint8 *ip = frame + off;
      gsize ihl, total;
      if (len < off + 20 || (ip[0] >> 4) != 4)
        return FALSE;
      ihl = (gsize)(ip[0] & 15) * 4;
      total = be16 (ip + 2);
      /* UDP, not a fragment (MF clear, offset 0) */
      if (ip[9] != 17 || (be16 (ip + 6) & 0x3fff) != 0 || ihl < 20 || total < ihl + 8
          || len < off + total)
        return FALSE;
      inet_ntop (AF_INET, ip + 12, out->src_ip, sizeof out->src_ip);
      inet_ntop (AF_INET, ip + 16, out->dst_ip, sizeof out->dst_ip);
      udp = ip + ihl;
      udp_len = total - ihl;
    }
  else if (ethertype == 0x86dd)
    {
      const guint8 *ip = frame + off;
      gsize payload;
      /* no extension headers: the lab's UDP has none */
      if (len < off + 40 || (ip[0] >> 4) != 6 || ip[6] != 17)
        return FALSE;
      payload = be16 (ip + 4);
      if (payload < 8 || len < off + 40 + payload)
        return FALSE;
      inet_ntop (AF_INET6, ip + 8, out->src_ip, sizeof out->src_ip);
      inet_ntop (AF_INET6, ip + 24, out->dst_ip, sizeof out->dst_ip);
      udp = ip + 40;
      udp_len = payload;
    }
  else
    return FALSE;
  if (be16 (udp + 4) < 8 || be16 (udp + 4) > udp_len)
    return FALSE;
  out->src_port = be16 (udp);
  out->dst_port = be16 (udp + 2);
  out->data = udp + 8;
  out->len = be16 (udp + 4) - 8;
  return TRUE;
}

static char *
endpoint (const char *ip, guint16 port)
{
  return strchr (ip, ':') != NULL ? g_strdup_printf ("[%s]:%u", ip, port)
                                  : g_strdup_printf ("%s:%u", ip, port);
}

/* Entries older than EXCHANGE_LIFETIME go once the table has grown past *@limit; the limit
 * then doubles from what is left (amortised: a busy exchange lifetime costs no rescan per
 * message). Beyond MAX_REMEMBERED young entries the table is emptied: repeats of messages
 * that old are not marked (said in the README). */
static void
prune (GHashTable *table, guint *limit, gsize time_offset, gint64 now)
{
  GHashTableIter it;
  gpointer value;
  if (g_hash_table_size (table) <= *limit)
    return;
  g_hash_table_iter_init (&it, table);
  while (g_hash_table_iter_next (&it, NULL, &value))
    if (now - G_STRUCT_MEMBER (gint64, value, time_offset) > EXCHANGE_LIFETIME_US)
      g_hash_table_iter_remove (&it);
  if (g_hash_table_size (table) > MAX_REMEMBERED)
    g_hash_table_remove_all (table);
  *limit = MAX (PRUNE_ABOVE, 2 * g_hash_table_size (table));
}

static void
mark_repeats (TfCoapTrace *t, TfCoapTraceEntry *e)
{
  g_autofree char *key = g_strdup_printf ("%s %s %u %u", e->src, e->dst, e->msg->type, e->msg->mid);
  Seen *seen = g_hash_table_lookup (t->seen, key);

  if (seen != NULL && e->time_us - seen->time_us <= EXCHANGE_LIFETIME_US)
    {
      e->of = seen->frame;
      e->mark = e->msg->type == COAP_MESSAGE_CON && seen->answered_us == 0
                    ? TF_COAP_TRACE_RETRANSMISSION
                    : TF_COAP_TRACE_DUPLICATE;
    }
  else
    {
      seen = g_new0 (Seen, 1);
      seen->frame = e->frame;
      seen->time_us = e->time_us;
      prune (t->seen, &t->seen_limit, G_STRUCT_OFFSET (Seen, time_us), e->time_us);
      g_hash_table_replace (t->seen, g_steal_pointer (&key), seen);
    }
  /* an ACK or RST answers the peer's CON of that MID */
  if (e->msg->type == COAP_MESSAGE_ACK || e->msg->type == COAP_MESSAGE_RST)
    {
      g_autofree char *con
          = g_strdup_printf ("%s %s %u %u", e->dst, e->src, (guint)COAP_MESSAGE_CON, e->msg->mid);
      Seen *req = g_hash_table_lookup (t->seen, con);
      if (req != NULL && req->answered_us == 0)
        req->answered_us = e->time_us;
    }
}

static char *
request_key (const char *client, const char *server, GBytes *token)
{
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (token, &n);
  g_autofree char *hex = tf_coap_token_hex (d, n);
  return g_strdup_printf ("%s %s %s", client, server, hex);
}

static void
decode_coap (TfCoapTrace *t, TfCoapTraceEntry *e, coap_pdu_t *pdu)
{
  guint code = coap_pdu_get_code (pdu);
  coap_bin_const_t tok = coap_pdu_get_token (pdu);
  g_autoptr (GBytes) token = g_bytes_new (tok.s, tok.length);
  const TfLwm2mPath *path = NULL;

  /* a response (or notification) decodes against its request's path */
  if (code >= 64 && tok.length > 0)
    {
      g_autofree char *key = request_key (e->dst, e->src, token);
      Request *r = g_hash_table_lookup (t->requests, key);
      if (r != NULL)
        path = &r->path;
    }
  e->msg = tf_coap_message_new (NULL, pdu, FALSE, path);
  g_free (e->msg->peer);
  e->msg->peer = g_strdup (e->src);
  e->msg->time_us = e->time_us;
  if (code > 0 && code < 32 && tok.length > 0)
    {
      Request *r = g_new0 (Request, 1);
      r->time_us = e->time_us;
      if (!tf_coap_pdu_lwm2m_path (pdu, &r->path))
        r->path.len = 0;
      prune (t->requests, &t->requests_limit, G_STRUCT_OFFSET (Request, time_us), e->time_us);
      g_hash_table_replace (t->requests, request_key (e->src, e->dst, token), r);
    }
  mark_repeats (t, e);
}

TfCoapTraceEntry *
tf_coap_trace_add (TfCoapTrace *t, gint64 time_us, const TfUdpDatagram *d)
{
  TfCoapTraceEntry *e = g_new0 (TfCoapTraceEntry, 1);
  e->frame = ++t->count;
  e->time_us = time_us;
  e->src = endpoint (d->src_ip, d->src_port);
  e->dst = endpoint (d->dst_ip, d->dst_port);
  g_autoptr (TfDtlsDatagram) dtls = tf_dtls_flows_add (t->dtls, e->src, e->dst, d->data, d->len);
  const guint8 *coap = d->data;
  gsize coap_len = d->len;
  if (dtls != NULL)
    {
      e->dtls = g_steal_pointer (&dtls->records);
      e->dtls_note = g_steal_pointer (&dtls->note);
      /* a decrypted application_data record is decoded as a plain datagram would be */
      coap = dtls->app_data != NULL ? g_bytes_get_data (dtls->app_data, &coap_len) : NULL;
    }
  if (coap != NULL && coap_len >= 4 && (coap[0] >> 6) == 1)
    {
      coap_pdu_t *pdu = coap_pdu_init (0, 0, 0, coap_len + 16);
      if (pdu != NULL && coap_pdu_parse (COAP_PROTO_UDP, coap, coap_len, pdu))
        decode_coap (t, e, pdu);
      if (pdu != NULL)
        coap_delete_pdu (pdu);
    }
  if (e->dtls == NULL && e->msg == NULL)
    e->other = g_strdup_printf ("UDP %" G_GSIZE_FORMAT " bytes, not CoAP", d->len);
  return e;
}

TfCoapTraceEntry *
tf_coap_trace_add_frame (TfCoapTrace *t, gint64 time_us, const guint8 *frame, gsize len)
{
  TfUdpDatagram d;
  if (!tf_udp_datagram_from_frame (frame, len, &d))
    return NULL;
  return tf_coap_trace_add (t, time_us, &d);
}

void
tf_coap_trace_set_dtls_keys (TfCoapTrace *t, TfDtlsKeys *keys)
{
  tf_dtls_flows_set_keys (t->dtls, keys);
}

guint64
tf_coap_trace_get_count (TfCoapTrace *t)
{
  return t->count;
}

TfCoapTrace *
tf_coap_trace_new (void)
{
  TfCoapTrace *t = g_new0 (TfCoapTrace, 1);
  tf_coap_init ();
  t->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->seen_limit = t->requests_limit = PRUNE_ABOVE;
  t->dtls = tf_dtls_flows_new ();
  return t;
}

void
tf_coap_trace_free (TfCoapTrace *t)
{
  if (t == NULL)
    return;
  g_hash_table_unref (t->seen);
  g_hash_table_unref (t->requests);
  tf_dtls_flows_free (t->dtls);
  g_free (t);
}

void
tf_coap_trace_entry_free (TfCoapTraceEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->src);
  g_free (e->dst);
  tf_coap_message_free (e->msg);
  g_free (e->dtls);
  g_free (e->dtls_note);
  g_free (e->other);
  g_free (e);
}

static const char *
mark_to_string (TfCoapTraceMark mark)
{
  return mark == TF_COAP_TRACE_RETRANSMISSION ? "retransmission"
         : mark == TF_COAP_TRACE_DUPLICATE    ? "duplicate"
                                              : NULL;
}

JsonNode *
tf_coap_trace_entry_to_json (const TfCoapTraceEntry *e)
{
  JsonNode *node;
  JsonObject *o;
  if (e->msg != NULL)
    {
      node = tf_coap_message_to_json (e->msg);
      o = json_node_get_object (node);
      json_object_remove_member (o, "dir");
      json_object_remove_member (o, "peer");
    }
  else
    {
      node = json_node_init_object (json_node_alloc (), json_object_new ());
      o = json_node_get_object (node);
    }
  json_object_set_int_member (o, "frame", (gint64)e->frame);
  json_object_set_int_member (o, "time_us", e->time_us);
  json_object_set_string_member (o, "src", e->src);
  json_object_set_string_member (o, "dst", e->dst);
  if (e->mark != TF_COAP_TRACE_FIRST)
    {
      json_object_set_string_member (o, "mark", mark_to_string (e->mark));
      json_object_set_int_member (o, "of", (gint64)e->of);
    }
  if (e->dtls != NULL)
    json_object_set_string_member (o, "dtls", e->dtls);
  if (e->dtls_note != NULL)
    json_object_set_string_member (o, "dtls_note", e->dtls_note);
  if (e->other != NULL)
    json_object_set_string_member (o, "udp", e->other);
  return node;
}

char *
tf_coap_trace_entry_to_string (const TfCoapTraceEntry *e)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "#%" G_GUINT64_FORMAT " %s -> %s ", e->frame, e->src, e->dst);
  if (e->msg != NULL)
    {
      g_autofree char *m = tf_coap_message_to_string (e->msg);
      /* without the "<- PEER " the exchange log starts with */
      const char *sp = strchr (m, ' ');
      sp = sp != NULL ? strchr (sp + 1, ' ') : NULL;
      g_string_append (s, sp != NULL ? sp + 1 : m);
    }
  else
    g_string_append (s, e->dtls != NULL ? e->dtls : e->other);
  if (e->dtls_note != NULL)
    g_string_append_printf (s, " (%s)", e->dtls_note);
  if (e->mark != TF_COAP_TRACE_FIRST)
    g_string_append_printf (s, " [%s of #%" G_GUINT64_FORMAT "]", mark_to_string (e->mark), e->of);
  return g_string_free (s, FALSE);
}
