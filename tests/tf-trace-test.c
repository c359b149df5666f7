/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trace's own formats checked by an independent reader: frames written by the lab's
 * pcapng writer are read back by tshark (Wireshark's pcapng reader and CoAP/DTLS dissectors)
 * and must list the same messages our decoder lists; repeats marked; comments kept. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>

#include "tf-coap-trace.h"
#include "tf-lwm2m-verdicts.h"
#include "tf-pcapng.h"

typedef struct
{
  const char *src;
  const char *dst;
  guint16 sport;
  guint16 dport;
  GBytes *udp;
} Datagram;

/* A CoAP message (RFC 7252 3): options given in ascending number order. */
static GBytes *
coap (guint type, guint code, guint mid, const char *token_hex, const guint *opt_numbers,
      const char *const *opt_values, const char *payload)
{
  GByteArray *b = g_byte_array_new ();
  gsize tkl = strlen (token_hex) / 2;
  guint last = 0;
  guint8 hdr[4]
      = { (guint8)(0x40 | type << 4 | tkl), (guint8)code, (guint8)(mid >> 8), (guint8)mid };
  g_byte_array_append (b, hdr, 4);
  for (gsize i = 0; i < tkl; i++)
    {
      char two[3] = { token_hex[2 * i], token_hex[2 * i + 1], 0 };
      guint8 v = (guint8)strtoul (two, NULL, 16);
      g_byte_array_append (b, &v, 1);
    }
  for (guint i = 0; opt_numbers != NULL && opt_numbers[i] != 0; i++)
    {
      guint delta = opt_numbers[i] - last;
      gsize len = strlen (opt_values[i]);
      guint8 first;
      guint8 ext[2];
      guint n_ext = 0;
      /* numbers up to 268, values up to 268 bytes: one extension byte at most each */
      if (delta < 13)
        first = (guint8)(delta << 4);
      else
        {
          first = 13 << 4;
          ext[n_ext++] = (guint8)(delta - 13);
        }
      if (len < 13)
        first |= (guint8)len;
      else
        {
          first |= 13;
          ext[n_ext++] = (guint8)(len - 13);
        }
      g_byte_array_append (b, &first, 1);
      g_byte_array_append (b, ext, n_ext);
      g_byte_array_append (b, (const guint8 *)opt_values[i], (guint)len);
      last = opt_numbers[i];
    }
  if (payload != NULL)
    {
      guint8 ff = 0xff;
      g_byte_array_append (b, &ff, 1);
      g_byte_array_append (b, (const guint8 *)payload, (guint)strlen (payload));
    }
  return g_byte_array_free_to_bytes (b);
}

static guint16
csum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16)~sum;
}

/* Ethernet + IPv4 or IPv6 + UDP around @d (checksums right: tshark may check them) */
static GByteArray *
frame (const Datagram *d)
{
  GByteArray *f = g_byte_array_new ();
  gsize n = 0;
  const guint8 *payload = g_bytes_get_data (d->udp, &n);
  gboolean v6 = strchr (d->src, ':') != NULL;
  guint8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00 };
  guint8 ip[40] = { 0 };
  guint8 udp[8];
  guint32 sum = 0;
  gsize iplen = v6 ? 40 : 20;
  guint16 ulen = (guint16)(8 + n);

  g_byte_array_append (f, eth, 14);
  if (v6)
    {
      ip[0] = 0x60;
      ip[4] = ulen >> 8;
      ip[5] = ulen & 255;
      ip[6] = 17;
      ip[7] = 64;
      g_assert_cmpint (inet_pton (AF_INET6, d->src, ip + 8), ==, 1);
      g_assert_cmpint (inet_pton (AF_INET6, d->dst, ip + 24), ==, 1);
    }
  else
    {
      guint16 total = (guint16)(20 + ulen), c;
      guint32 hs = 0;
      ip[0] = 0x45;
      ip[2] = total >> 8;
      ip[3] = total & 255;
      ip[8] = 64;
      ip[9] = 17;
      g_assert_cmpint (inet_pton (AF_INET, d->src, ip + 12), ==, 1);
      g_assert_cmpint (inet_pton (AF_INET, d->dst, ip + 16), ==, 1);
      for (guint i = 0; i < 20; i += 2)
        hs += (guint32)(ip[i] << 8 | ip[i + 1]);
      c = csum_fold (hs);
      ip[10] = c >> 8;
      ip[11] = c & 255;
    }
  g_byte_array_append (f, ip, (guint)iplen);
  udp[0] = d->sport >> 8;
  udp[1] = d->sport & 255;
  udp[2] = d->dport >> 8;
  udp[3] = d->dport & 255;
  udp[4] = ulen >> 8;
  udp[5] = ulen & 255;
  udp[6] = udp[7] = 0;
  /* pseudo header, UDP header, data */
  {
    const guint8 *a = v6 ? ip + 8 : ip + 12;
    guint alen = v6 ? 32 : 8;
    guint16 c;
    for (guint i = 0; i < alen; i += 2)
      sum += (guint32)(a[i] << 8 | a[i + 1]);
    sum += 17 + ulen;
    for (guint i = 0; i < 8; i += 2)
      sum += (guint32)(udp[i] << 8 | udp[i + 1]);
    for (gsize i = 0; i < n; i++)
      sum += (i % 2 == 0) ? (guint32)payload[i] << 8 : payload[i];
    c = csum_fold (sum);
    if (c == 0)
      c = 0xffff;
    udp[6] = c >> 8;
    udp[7] = c & 255;
  }
  g_byte_array_append (f, udp, 8);
  g_byte_array_append (f, payload, (guint)n);
  return f;
}

static char *
run_tshark (const char *path, const char *const *fields)
{
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_strv_builder_add_many (argv, "tshark", "-n", "-r", path, "-d", "udp.port==5683,coap", "-d",
                           "udp.port==5684,dtls", "-T", "fields", "-E", "separator=|", NULL);
  for (guint i = 0; fields[i] != NULL; i++)
    g_strv_builder_add_many (argv, "-e", fields[i], NULL);
  args = g_strv_builder_end (argv);
  g_assert_true (g_spawn_sync (NULL, args, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

static const char *
type_number (guint type)
{
  static const char *n[] = { "0", "1", "2", "3" };
  return n[type];
}

/* "/3/0/0" from our options */
static char *
uri_path (const TfCoapMessage *m)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < m->options->len; i++)
    {
      TfCoapOption *o = g_ptr_array_index (m->options, i);
      if (o->number == 11)
        g_string_append_printf (s, "/%s", o->value);
    }
  return g_string_free (s, FALSE);
}

static void
test_tshark_agrees (void)
{
  static const guint get_opts[] = { 11, 11, 11, 17, 0 };
  static const char *const get_vals[] = { "3", "0", "0", "\x00", NULL };
  static const guint content_opts[] = { 12, 0 };
  static const char *const content_vals[] = { "", NULL };
  static const guint notify_opts[] = { 6, 12, 0 };
  static const char *const notify_vals[] = { "\x05", "", NULL };
  static const guint reg_opts[] = { 11, 15, 15, 0 };
  static const char *const reg_vals[] = { "rd", "ep=node-1", "lt=300", NULL };
  static const guint8 dtls_hello[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4 };
  const char *A = "192.0.2.10", *S = "192.0.2.2";
  g_autoptr (GBytes) get = coap (0, 1, 100, "a1", get_opts, get_vals, NULL);
  g_autoptr (GBytes) content = coap (2, 69, 100, "a1", content_opts, content_vals, "ACME Corp");
  g_autoptr (GBytes) notify = coap (1, 69, 7, "b2", notify_opts, notify_vals, "42");
  g_autoptr (GBytes) reg = coap (0, 2, 300, "c3c3", reg_opts, reg_vals, "</3/0>");
  g_autoptr (GBytes) dtls = g_bytes_new_static (dtls_hello, sizeof dtls_hello);
  g_autoptr (GBytes) junk = g_bytes_new_static ("\x01junk", 5);
  Datagram ds[] = {
    { A, S, 40000, 5683, get },                          /* 1 */
    { A, S, 40000, 5683, get },                          /* 2 retransmission of 1 (no ACK yet) */
    { S, A, 5683, 40000, content },                      /* 3 */
    { S, A, 5683, 40000, content },                      /* 4 duplicate of 3 */
    { A, S, 40000, 5683, get },                          /* 5 duplicate of 1 (its ACK went by) */
    { S, A, 5683, 40000, notify },                       /* 6 NON notification */
    { A, S, 40001, 5684, dtls },                         /* 7 DTLS */
    { "2001:db8::10", "2001:db8::2", 40002, 5683, reg }, /* 8 over IPv6 */
    { A, S, 40003, 9999, junk },                         /* 9 not CoAP */
  };
  g_autofree char *dir = g_dir_make_tmp ("tf-trace-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "s.pcapng", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPcapng) w = tf_pcapng_create (
      path, "session 7: board sim1, acme-client 1.0 / beta-server 2.1", "tfsim-mon", 65535, &error);
  g_autoptr (TfCoapTrace) trace = tf_coap_trace_new ();
  g_autoptr (GPtrArray) entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_coap_trace_entry_free);
  const char *const fields[] = { "frame.number",
                                 "coap.type",
                                 "coap.code",
                                 "coap.mid",
                                 "coap.token",
                                 "coap.opt.uri_path_recon",
                                 "dtls.record.content_type",
                                 "frame.comment",
                                 NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (ds); i++)
    {
      g_autoptr (GByteArray) f = frame (&ds[i]);
      gint64 t = 1700000000000000 + i * 1000;
      TfCoapTraceEntry *e = tf_coap_trace_add_frame (trace, t, f->data, f->len);
      g_assert_nonnull (e);
      g_ptr_array_add (entries, e);
      g_assert_true (tf_pcapng_write_packet (w, t, f->data, f->len, f->len,
                                             i == 0 ? "first after a gap" : NULL, &error));
    }
  g_assert_true (tf_pcapng_close (g_steal_pointer (&w), 9, 0, "no loss", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  /* our marks */
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[0])->mark, ==, TF_COAP_TRACE_FIRST);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[1])->mark, ==, TF_COAP_TRACE_RETRANSMISSION);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[1])->of, ==, 1);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[3])->mark, ==, TF_COAP_TRACE_DUPLICATE);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[3])->of, ==, 3);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[4])->mark, ==, TF_COAP_TRACE_DUPLICATE);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[4])->of, ==, 1);
  g_assert_cmpint (((TfCoapTraceEntry *)entries->pdata[5])->mark, ==, TF_COAP_TRACE_FIRST);
  /* the response decoded against its request's path: /3/0/0 as text */
  g_assert_cmpstr (((TfCoapTraceEntry *)entries->pdata[2])->msg->decoded, ==, "ACME Corp");
  g_assert_nonnull (((TfCoapTraceEntry *)entries->pdata[6])->dtls);
  g_assert_nonnull (strstr (((TfCoapTraceEntry *)entries->pdata[6])->dtls, "handshake"));
  g_assert_cmpstr (((TfCoapTraceEntry *)entries->pdata[7])->src, ==, "[2001:db8::10]:40002");
  g_assert_null (((TfCoapTraceEntry *)entries->pdata[8])->msg);
  g_assert_nonnull (((TfCoapTraceEntry *)entries->pdata[8])->other);

  /* tshark's reading, frame by frame */
  out = run_tshark (path, fields);
  lines = g_strsplit (g_strchomp (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (ds));
  for (guint i = 0; i < G_N_ELEMENTS (ds); i++)
    {
      TfCoapTraceEntry *e = entries->pdata[i];
      g_auto (GStrv) f = g_strsplit (lines[i], "|", -1);
      g_test_message ("tshark: %s", lines[i]);
      g_assert_cmpuint (g_strv_length (f), ==, 8);
      if (e->msg != NULL)
        {
          g_autofree char *mid = g_strdup_printf ("%u", e->msg->mid);
          g_autofree char *code = g_strdup_printf ("%u", e->msg->code);
          g_autofree char *tok = tf_coap_token_hex (g_bytes_get_data (e->msg->token, NULL),
                                                    g_bytes_get_size (e->msg->token));
          g_autofree char *p = uri_path (e->msg);
          g_assert_cmpstr (f[1], ==, type_number (e->msg->type));
          g_assert_cmpstr (f[2], ==, code);
          g_assert_cmpstr (f[3], ==, mid);
          g_assert_cmpstr (f[4], ==, tok);
          if (*p != '\0')
            g_assert_cmpstr (f[5], ==, p);
        }
      else
        g_assert_cmpstr (f[1], ==, "");
      /* a DTLS record for both, or for neither */
      g_assert_cmpint (e->dtls != NULL, ==, *f[6] != '\0');
    }
  {
    g_auto (GStrv) first = g_strsplit (lines[0], "|", -1);
    g_assert_cmpstr (first[7], ==, "first after a gap");
  }
  {
    /* the section's comment (session, board, implementations) */
    g_autofree char *argv_out = NULL;
    const char *argv[] = { "capinfos", path, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &argv_out, NULL, NULL, &error));
    g_assert_nonnull (strstr (argv_out, "acme-client 1.0 / beta-server 2.1"));
  }
  g_unlink (path);
  g_rmdir (dir);
}

/* decoded-trace lines: C client 192.0.2.10:40000, S server 192.0.2.2:5683 */
#define C "\"src\":\"192.0.2.10:40000\",\"dst\":\"192.0.2.2:5683\""
#define SV "\"src\":\"192.0.2.2:5683\",\"dst\":\"192.0.2.10:40000\""

static GPtrArray *
proposals_of (const char *const *lines)
{
  g_autoptr (GPtrArray) entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      g_autofree char *line = g_strdup_printf ("{\"frame\":%u,%s}", i + 1, lines[i]);
      g_assert_true (json_parser_load_from_data (p, line, -1, NULL));
      g_ptr_array_add (entries, json_object_ref (json_node_get_object (json_parser_get_root (p))));
    }
  return tf_lwm2m_propose_verdicts (entries);
}

/* "101:pass 102:fail ..." */
static char *
summary (GPtrArray *props)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < props->len; i++)
    {
      TfVerdictProposal *p = g_ptr_array_index (props, i);
      g_string_append_printf (s, "%s%d:%s", i ? " " : "", p->case_id, p->pass ? "pass" : "fail");
    }
  return g_string_free (s, FALSE);
}

static void
test_proposals (void)
{
  const char *const clean[] = {
    C ",\"type\":\"CON\",\"code\":\"POST\",\"mid\":1,\"token\":\"01\",\"options\":[[11,\"rd\"]]",
    SV ",\"type\":\"ACK\",\"code\":\"2.01\",\"mid\":1,\"token\":\"01\",\"options\":[[8,\"rd\"],[8,"
       "\"5\"]]",
    /* the same Register again: a retransmission, not a second registration */
    C ",\"type\":\"CON\",\"code\":\"POST\",\"mid\":1,\"token\":\"01\",\"options\":[[11,\"rd\"]],"
      "\"mark\":\"duplicate\",\"of\":1",
    SV ",\"type\":\"CON\",\"code\":\"GET\",\"mid\":7,\"token\":\"0a\",\"options\":[[11,\"3\"],[11,"
       "\"0\"],[11,\"0\"],[17,\"0\"]]",
    C ",\"type\":\"ACK\",\"code\":\"2.05\",\"mid\":7,\"token\":\"0a\",\"options\":[[12,\"0\"]],"
      "\"cf\":0,\"payload\":\"TestFest Lab\"",
    SV ",\"type\":\"CON\",\"code\":\"POST\",\"mid\":8,\"token\":\"0b\",\"options\":[[11,\"3\"],[11,"
       "\"0\"],[11,\"4\"]]",
    C ",\"type\":\"ACK\",\"code\":\"2.04\",\"mid\":8,\"token\":\"0b\",\"options\":[]",
    SV ",\"type\":\"CON\",\"code\":\"GET\",\"mid\":9,\"token\":\"0c\",\"options\":[[6,\"0\"],[11,"
       "\"3\"],[11,\"0\"],[11,\"13\"]]",
    C ",\"type\":\"ACK\",\"code\":\"2.05\",\"mid\":9,\"token\":\"0c\",\"options\":[[6,\"2\"]]",
    C ",\"type\":\"CON\",\"code\":\"2.05\",\"mid\":2,\"token\":\"0c\",\"options\":[[6,\"3\"]]",
    SV ",\"type\":\"RST\",\"code\":\"EMPTY\",\"mid\":2,\"token\":\"\",\"options\":[]",
    C ",\"type\":\"CON\",\"code\":\"POST\",\"mid\":3,\"token\":\"02\",\"options\":[[11,\"rd\"],[11,"
      "\"5\"]]",
    SV ",\"type\":\"ACK\",\"code\":\"2.04\",\"mid\":3,\"token\":\"02\",\"options\":[]",
    C ",\"type\":\"CON\",\"code\":\"DELETE\",\"mid\":4,\"token\":\"03\",\"options\":[[11,\"rd\"],["
      "11,\"5\"]]",
    SV ",\"type\":\"ACK\",\"code\":\"2.02\",\"mid\":4,\"token\":\"03\",\"options\":[]",
    NULL,
  };
  /* the quirks: an Update by PUT, a cancel (Observe=1) still notified, a Reset ignored */
  const char *const quirky[] = {
    C ",\"type\":\"CON\",\"code\":\"PUT\",\"mid\":3,\"token\":\"02\",\"options\":[[11,\"rd\"],[11,"
      "\"5\"]]",
    SV ",\"type\":\"ACK\",\"code\":\"4.05\",\"mid\":3,\"token\":\"02\",\"options\":[]",
    SV ",\"type\":\"CON\",\"code\":\"GET\",\"mid\":9,\"token\":\"0c\",\"options\":[[6,\"0\"],[11,"
       "\"3\"],[11,\"0\"],[11,\"13\"]]",
    C ",\"type\":\"ACK\",\"code\":\"2.05\",\"mid\":9,\"token\":\"0c\",\"options\":[[6,\"2\"]]",
    C ",\"type\":\"CON\",\"code\":\"2.05\",\"mid\":2,\"token\":\"0c\",\"options\":[[6,\"3\"]]",
    SV ",\"type\":\"RST\",\"code\":\"EMPTY\",\"mid\":2,\"token\":\"\",\"options\":[]",
    C ",\"type\":\"NON\",\"code\":\"2.05\",\"mid\":5,\"token\":\"0c\",\"options\":[[6,\"4\"]]",
    SV ",\"type\":\"CON\",\"code\":\"GET\",\"mid\":10,\"token\":\"0c\",\"options\":[[6,\"1\"],[11,"
       "\"3\"],[11,\"0\"],[11,\"13\"]]",
    C ",\"type\":\"ACK\",\"code\":\"2.05\",\"mid\":10,\"token\":\"0c\",\"options\":[]",
    C ",\"type\":\"NON\",\"code\":\"2.05\",\"mid\":6,\"token\":\"0c\",\"options\":[[6,\"5\"]]",
    NULL,
  };
  /* a read of a resource the client has not, a write of a read-only one: no evidence */
  const char *const misfit[] = {
    SV ",\"type\":\"CON\",\"code\":\"GET\",\"mid\":7,\"token\":\"0a\",\"options\":[[11,\"3\"],[11,"
       "\"0\"],[11,\"99\"]]",
    C ",\"type\":\"ACK\",\"code\":\"4.04\",\"mid\":7,\"token\":\"0a\",\"options\":[]",
    SV ",\"type\":\"CON\",\"code\":\"PUT\",\"mid\":8,\"token\":\"0b\",\"options\":[[11,\"1\"],[11,"
       "\"0\"],[11,\"0\"],[12,\"0\"]],\"cf\":0,\"payload\":\"5\"",
    C ",\"type\":\"ACK\",\"code\":\"4.05\",\"mid\":8,\"token\":\"0b\",\"options\":[]",
    NULL,
  };
  g_autoptr (GPtrArray) m = proposals_of (misfit);
  g_autoptr (GPtrArray) a = proposals_of (clean);
  g_autoptr (GPtrArray) b = proposals_of (quirky);
  g_autofree char *sa = summary (a);
  g_autofree char *sb = summary (b);
  g_assert_cmpstr (sa, ==, "101:pass 102:pass 103:pass 201:pass 241:pass 301:pass 302:pass");
  g_assert_cmpstr (sb, ==, "102:fail 301:pass 302:fail 303:fail");
  g_assert_cmpuint (m->len, ==, 0);
  /* the deciding frames: Register and its 2.01 */
  g_assert_cmpuint (((TfVerdictProposal *)a->pdata[0])->frames->len, ==, 2);
  g_assert_cmpuint (g_array_index (((TfVerdictProposal *)a->pdata[0])->frames, guint64, 1), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace/proposals", test_proposals);
  g_test_add_func ("/trace/tshark-agrees", test_tshark_agrees);
  return g_test_run ();
}
