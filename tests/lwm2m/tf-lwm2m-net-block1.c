/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Requests to tf-lwm2m-server in Block1 parts (RFC 7959 2.5), which the server answers block by
 * block itself (libcoap's block mode is off on its context): Register, Update and Send whole,
 * from libcoap's coap-client unchanged; and broken, from a CoAP peer of the test's own whose
 * every block is built here with libcoap's PDU API (a gap, blocks out of order, blocks sent
 * twice with their MID, a body past the server's bound), which coap-client never sends. */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <syslog.h>

#include <cbor.h>
#include <coap3/coap.h>

#include "../tf-ets-exchange-check.h"
#include "tf-coap-block1.h"
#include "tf-lwm2m-net-block1.h"
#include "tf-lwm2m-net-peer.h"
#include "tf-lwm2m-net-util.h"

#define CF_LINK 40
#define CF_SENML_JSON 110
#define CF_SENML_CBOR 112

/* ---- helpers ---- */

/* libcoap's coap-client (no DTLS) with @first..., dying with the test. */
static GSubprocess *
coap_client (const char *first, ...) G_GNUC_NULL_TERMINATED;

static GSubprocess *
coap_client (const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  va_list ap;
  g_ptr_array_add (argv, g_strdup ("coap-client-notls"));
  g_ptr_array_add (argv, g_strdup ("-B"));
  g_ptr_array_add (argv, g_strdup ("30"));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return tf_test_spawn (argv,
                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
}

static guint
log_length (TfTestServer *s)
{
  g_autoptr (JsonArray) a = tf_test_log_read (s->log, 0);
  return json_array_get_length (a);
}

/* The value of option @number of the logged message @m, -1 when absent. */
static gint64
log_option (JsonObject *m, guint number)
{
  JsonArray *opts = json_object_get_array_member (m, "options");
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonArray *o = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (o, 0) == number)
        return g_ascii_strtoll (json_array_get_string_element (o, 1), NULL, 10);
    }
  return -1;
}

/* The server's last answer in @log: @code, with a Block1 that has no More. */
static void
assert_last_answer (JsonArray *log, const char *code)
{
  for (guint i = json_array_get_length (log); i > 0; i--)
    {
      JsonObject *m = json_array_get_object_element (log, i - 1);
      if (!g_str_equal (json_object_get_string_member (m, "dir"), "out"))
        continue;
      g_assert_cmpstr (json_object_get_string_member (m, "code"), ==, code);
      g_assert_cmpint (log_option (m, COAP_OPTION_BLOCK1), >=, 0);
      g_assert_cmpint (log_option (m, COAP_OPTION_BLOCK1) & 8, ==, 0);
      return;
    }
  g_assert_not_reached ();
}

/* The server's registration of @ep, as its "list" command has it (owned by the caller). */
static JsonObject *
listed (TfTestServer *s, const char *ep)
{
  g_autoptr (JsonObject) o = tf_test_server_cmd (s, "{\"cmd\":\"list\"}");
  JsonArray *a = json_object_get_array_member (o, "result");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *r = json_array_get_object_element (a, i);
      if (g_str_equal (json_object_get_string_member (r, "ep"), ep))
        return json_object_ref (r);
    }
  g_error ("%s is not in the server's list", ep);
  return NULL;
}

/* Links to objects @first.. up to @len bytes or more. */
static char *
links_of (guint first, gsize len)
{
  GString *s = g_string_new ("</1/0>,</3/0>");
  for (guint i = first; s->len < len; i++)
    g_string_append_printf (s, ",</%u/0>", i);
  return g_string_free (s, FALSE);
}

/* ---- whole ---- */

/* A Register of 4 KB links in 64-byte Block1 parts (libcoap's coap-client, unchanged): the
 * server answers each 2.31 Continue itself, every block in its log, and registers the whole
 * list. */
static void
test_register_block1 (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *file = g_build_filename (s->dir, "links", NULL);
  g_autofree char *uri
      = g_strdup_printf ("coap://127.0.0.1:%u/rd?ep=big-1&lt=60&lwm2m=1.1", s->port);
  g_autoptr (GString) links = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonArray) log = NULL;
  for (guint i = 1000; i < 1400; i++)
    g_string_append_printf (links, "%s</%u/0>", i > 1000 ? "," : "", i);
  g_assert_true (g_file_set_contents (file, links->str, links->len, NULL));
  p = coap_client ("-m", "post", "-b", "64", "-f", file, uri, NULL);
  reg = tf_test_must_wait (s, "registration", "big-1", 0, T_REG);
  g_assert_cmpstr (json_object_get_string_member (reg, "links"), ==, links->str);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_no_error (error);
  log = tf_test_log_read (s->log, 0);
  g_assert_cmpuint (tf_ets_check_every_block1 (log, "in"), ==, (links->len + 63) / 64);
  assert_last_answer (log, "2.01");
  tf_test_server_stop (s);
}

/* An Update (Core 6.2.2) of 3.5 KB links in 64-byte parts, its Uri-Query on each: the new
 * links and lifetime are the registration's, every block and 2.31 in the server's log. */
static void
test_update_block1 (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *file = g_build_filename (s->dir, "links", NULL);
  g_autofree char *reg_uri
      = g_strdup_printf ("coap://127.0.0.1:%u/rd?ep=upd-1&lt=120&lwm2m=1.1", s->port);
  g_autofree char *upd_uri = NULL;
  g_autofree char *links = links_of (2000, 3500);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) upd = NULL;
  g_autoptr (JsonObject) now = NULL;
  g_autoptr (JsonArray) log = NULL;
  guint before;

  p = coap_client ("-m", "post", "-t", "40", "-e", "</1/0>,</3/0>", reg_uri, NULL);
  g_assert_true (g_subprocess_wait_check (p, NULL, NULL));
  g_clear_object (&p);
  reg = tf_test_must_wait (s, "registration", "upd-1", 0, T_REG);
  g_assert_cmpstr (json_object_get_string_member (reg, "links"), ==, "</1/0>,</3/0>");
  before = log_length (s);

  g_assert_true (g_file_set_contents (file, links, -1, NULL));
  upd_uri = g_strdup_printf ("coap://127.0.0.1:%u/%s?lt=300", s->port,
                             json_object_get_string_member (reg, "location"));
  p = coap_client ("-m", "post", "-t", "40", "-b", "64", "-f", file, upd_uri, NULL);
  upd = tf_test_must_wait (s, "update", "upd-1", json_object_get_int_member (reg, "seq"), T_REG);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (upd, "links"), ==, links);
  g_assert_cmpint (json_object_get_int_member (upd, "lifetime"), ==, 300);

  /* what the server holds now, asked afterwards */
  now = listed (s, "upd-1");
  g_assert_cmpstr (json_object_get_string_member (now, "links"), ==, links);
  g_assert_cmpint (json_object_get_int_member (now, "lifetime"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (now, "updates"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (now, "location"), ==,
                   json_object_get_string_member (reg, "location"));

  log = tf_test_log_read (s->log, before);
  g_assert_cmpuint (tf_ets_check_every_block1 (log, "in"), ==, (strlen (links) + 63) / 64);
  assert_last_answer (log, "2.04");
  tf_test_server_stop (s);
}

/* SenML CBOR (RFC 8428 6) of @n temperatures: /3303/i/5700 = 7i - 50 and /3303/i/5701 = "C<i>". */
static GBytes *
senml_cbor (guint n)
{
  cbor_item_t *root = cbor_new_definite_array (2 * n);
  unsigned char *buf = NULL;
  size_t size = 0, len;
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < 2; k++)
      {
        cbor_item_t *m = cbor_new_definite_map (2);
        g_autofree char *name = g_strdup_printf ("/3303/%u/%u", i, 5700 + k);
        g_autofree char *unit = g_strdup_printf ("C%u", i);
        gint64 v = 7 * (gint64)i - 50;
        cbor_item_t *value = k == 1   ? cbor_build_string (unit)
                             : v >= 0 ? cbor_build_uint16 ((uint16_t)v)
                                      : cbor_build_negint16 ((uint16_t)(-1 - v));
        g_assert_true (
            cbor_map_add (m, (struct cbor_pair){ .key = cbor_move (cbor_build_uint8 (0)),
                                                 .value = cbor_move (cbor_build_string (name)) }));
        g_assert_true (cbor_map_add (
            m, (struct cbor_pair){ .key = cbor_move (cbor_build_uint8 (k == 1 ? 3 : 2)),
                                   .value = cbor_move (value) }));
        g_assert_true (cbor_array_push (root, cbor_move (m)));
      }
  len = cbor_serialize_alloc (root, &buf, &size);
  cbor_decref (&root);
  g_assert_cmpuint (len, >, 0);
  return g_bytes_new_with_free_func (buf, len, free, buf);
}

/* A Send (Core 6.4.6) of 3 KB SenML CBOR in 64-byte parts from a registered client (two
 * coap-clients from the same port: the server knows a client by its address): the server's
 * Send record has every value, every block and 2.31 in its log. */
static void
test_send_block1 (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *file = g_build_filename (s->dir, "send.cbor", NULL);
  g_autofree char *port = g_strdup_printf ("%u", tf_test_free_udp_port ());
  g_autofree char *reg_uri
      = g_strdup_printf ("coap://127.0.0.1:%u/rd?ep=send-1&lt=120&lwm2m=1.1", s->port);
  g_autofree char *dp_uri = g_strdup_printf ("coap://127.0.0.1:%u/dp", s->port);
  g_autoptr (GBytes) body = senml_cbor (80);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) ev = NULL;
  g_autoptr (JsonArray) log = NULL;
  JsonObject *values;
  guint before;

  g_assert_cmpuint (g_bytes_get_size (body), >, 2000);
  p = coap_client ("-a", "127.0.0.1", "-p", port, "-m", "post", "-t", "40", "-e", "</3303/0>",
                   reg_uri, NULL);
  g_assert_true (g_subprocess_wait_check (p, NULL, NULL));
  g_clear_object (&p);
  reg = tf_test_must_wait (s, "registration", "send-1", 0, T_REG);
  before = log_length (s);

  g_assert_true (g_file_set_contents (file, g_bytes_get_data (body, NULL),
                                      (gssize)g_bytes_get_size (body), NULL));
  p = coap_client ("-a", "127.0.0.1", "-p", port, "-m", "post", "-t", "112", "-b", "64", "-f", file,
                   dp_uri, NULL);
  ev = tf_test_must_wait (s, "send", "send-1", 0, T_REG);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (ev, "code"), ==, "2.04");
  g_assert_cmpstr (json_object_get_string_member (ev, "format"), ==, "application/senml+cbor");
  g_assert_cmpint (json_object_get_int_member (ev, "payload_len"), ==, g_bytes_get_size (body));
  values = json_object_get_object_member (ev, "values");
  g_assert_cmpuint (json_object_get_size (values), ==, 160);
  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *t = g_strdup_printf ("/3303/%u/5700", i);
      g_autofree char *u = g_strdup_printf ("/3303/%u/5701", i);
      g_autofree char *tv = g_strdup_printf ("%d", 7 * (gint)i - 50);
      g_autofree char *uv = g_strdup_printf ("C%u", i);
      g_assert_cmpstr (json_object_get_string_member (values, t), ==, tv);
      g_assert_cmpstr (json_object_get_string_member (values, u), ==, uv);
    }

  log = tf_test_log_read (s->log, before);
  g_assert_cmpuint (tf_ets_check_every_block1 (log, "in"), ==, (g_bytes_get_size (body) + 63) / 64);
  assert_last_answer (log, "2.04");
  tf_test_server_stop (s);
}

/* ---- broken ---- */

/* The registration of @ep as it was: links, no Update. */
static void
assert_not_updated (TfTestServer *s, const char *ep, const char *links)
{
  g_autoptr (JsonObject) now = listed (s, ep);
  g_assert_cmpstr (json_object_get_string_member (now, "links"), ==, links);
  g_assert_cmpint (json_object_get_int_member (now, "updates"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (now, "lifetime"), ==, 120);
}

/* An Update with a block missing, or its blocks out of order (RFC 7959 2.5): 4.08 Request
 * Entity Incomplete, the registration as it was; the server is then ready for a whole one. */
static void
test_update_block1_gap (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p = peer_new (s->port);
  const char *old = "</1/0>,</3/0>";
  g_autofree char *links = links_of (3000, 300); /* 5 blocks of 64 */
  g_autofree char *loc = NULL;
  const char *q = "lt=600";
  g_autoptr (JsonArray) log = NULL;
  guint before, refused = 0;

  g_assert_cmpuint (
      peer_post (p, "rd", "ep=gap-1&lt=120&lwm2m=1.1", CF_LINK, -1, -1, old, strlen (old)), ==,
      COAP_RESPONSE_CODE (201));
  loc = g_strdup (p->location);
  g_assert_true (g_str_has_prefix (loc, "rd/"));
  before = log_length (s);

  /* a gap: blocks 0, 1, then 3 */
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 0, 2), ==, COAP_RESPONSE_CODE (231));
  g_assert_cmpint (p->block1, ==, 0 << 4 | 8 | 2);
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 1, 2), ==, COAP_RESPONSE_CODE (231));
  g_assert_cmpint (p->block1, ==, 1 << 4 | 8 | 2);
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 3, 2), ==, COAP_RESPONSE_CODE (408));
  /* the last block after it: nothing of the body is kept */
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 4, 2), ==, COAP_RESPONSE_CODE (408));
  assert_not_updated (s, "gap-1", old);

  /* out of order: block 1 first, then 0, 2, 1 */
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 1, 2), ==, COAP_RESPONSE_CODE (408));
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 0, 2), ==, COAP_RESPONSE_CODE (231));
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 2, 2), ==, COAP_RESPONSE_CODE (408));
  g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, 1, 2), ==, COAP_RESPONSE_CODE (408));
  for (guint n = 3; n < 5; n++)
    g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, n, 2), ==, COAP_RESPONSE_CODE (408));
  assert_not_updated (s, "gap-1", old);

  /* each refusal in the server's log */
  log = tf_test_log_read (s->log, before);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *m = json_array_get_object_element (log, i);
      refused += g_str_equal (json_object_get_string_member (m, "dir"), "out")
                 && g_str_equal (json_object_get_string_member (m, "code"), "4.08");
    }
  g_assert_cmpuint (refused, ==, 7);

  /* and then the whole Update, in order, from the same client */
  for (guint n = 0; n < 5; n++)
    g_assert_cmpuint (peer_block (p, loc, q, CF_LINK, links, n, 2), ==,
                      COAP_RESPONSE_CODE (n < 4 ? 231 : 204));
  {
    g_autoptr (JsonObject) now = listed (s, "gap-1");
    g_assert_cmpstr (json_object_get_string_member (now, "links"), ==, links);
    g_assert_cmpint (json_object_get_int_member (now, "updates"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (now, "lifetime"), ==, 600);
  }
  peer_free (p);
  tf_test_server_stop (s);
}

/* The answers in @log to the requests of MID @mid: each request's code and its answer's. */
static char *
exchanges_of (JsonArray *log, gint64 mid)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *m = json_array_get_object_element (log, i);
      if (json_object_get_int_member (m, "mid") == mid)
        g_string_append_printf (s, "%s%s %s", s->len > 0 ? ", " : "",
                                json_object_get_string_member (m, "dir"),
                                json_object_get_string_member (m, "code"));
    }
  return g_string_free (s, FALSE);
}

/* An Update whose blocks come twice, as a client sends a request again, with its MID, when
 * its answer is lost (RFC 7252 4.2): block 1 (its 2.31 lost) and the last block (its 2.04
 * lost). Each copy is answered as the first was (RFC 7252 4.5), the transfer goes on, and
 * the Update is done once. */
static void
test_update_block1_repeat (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p = peer_new (s->port);
  g_autofree char *links = links_of (4000, 300); /* 5 blocks of 64 */
  g_autofree char *loc = NULL;
  g_autofree char *ex1 = NULL;
  g_autofree char *ex4 = NULL;
  g_autoptr (JsonArray) log = NULL;
  g_autoptr (JsonObject) now = NULL;
  coap_mid_t mid1 = 0, mid4 = 0;
  guint before;

  g_assert_cmpuint (peer_post (p, "rd", "ep=rep-1&lt=120&lwm2m=1.1", CF_LINK, -1, -1, "</1/0>", 6),
                    ==, COAP_RESPONSE_CODE (201));
  loc = g_strdup (p->location);
  before = log_length (s);
  for (guint n = 0; n < 5; n++)
    {
      g_assert_cmpuint (peer_block (p, loc, NULL, CF_LINK, links, n, 2), ==,
                        COAP_RESPONSE_CODE (n < 4 ? 231 : 204));
      if (n != 1 && n != 4)
        continue;
      *(n == 1 ? &mid1 : &mid4) = p->mid;
      p->again = TRUE;
      peer_block (p, loc, NULL, CF_LINK, links, n, 2);
    }
  /* a request after the last repeat: answered, so the repeat was handled before it */
  g_assert_cmpuint (peer_post (p, "nothing", NULL, CF_LINK, -1, -1, "x", 1), ==,
                    COAP_RESPONSE_CODE (404));
  log = tf_test_log_read (s->log, before);
  ex1 = exchanges_of (log, mid1);
  ex4 = exchanges_of (log, mid4);
  g_assert_cmpstr (ex1, ==, "in POST, out 2.31, in POST, out 2.31");
  g_assert_cmpstr (ex4, ==, "in POST, out 2.04, in POST, out 2.04");
  now = listed (s, "rep-1");
  g_assert_cmpstr (json_object_get_string_member (now, "links"), ==, links);
  g_assert_cmpint (json_object_get_int_member (now, "updates"), ==, 1);
  peer_free (p);
  tf_test_server_stop (s);
}

/* A Send whose blocks add up to more than the server puts together (TF_COAP_MAX_BODY, 16 MiB,
 * sent in full in 1024-byte blocks without Size1): the block past it answered 4.13 with the
 * bound in Size1 (RFC 7959 2.9.3), nothing of it recorded; a small Send after it is. */
static void
test_send_block1_too_large (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p = peer_new (s->port);
  const char *small = "[{\"n\":\"/3/0/15\",\"vs\":\"after\"}]";
  g_autofree char *block = g_strnfill (1024, ' ');
  g_autoptr (JsonObject) ev = NULL;
  const guint blocks = TF_COAP_MAX_BODY / 1024;
  gint64 t0;

  g_assert_cmpuint (peer_post (p, "rd", "ep=huge-1&lt=120&lwm2m=1.1", CF_LINK, -1, -1, "</3/0>", 6),
                    ==, COAP_RESPONSE_CODE (201));
  t0 = g_get_monotonic_time ();
  for (guint n = 0; n < blocks; n++)
    if (peer_post (p, "dp", NULL, CF_SENML_JSON, n << 4 | 8 | 6, -1, block, 1024)
        != COAP_RESPONSE_CODE (231))
      g_error ("block %u of the Send answered %u.%02u", n, p->code >> 5, p->code & 31);
  g_test_message ("%u blocks of 1024 in %.1f s", blocks,
                  (g_get_monotonic_time () - t0) / (double)G_USEC_PER_SEC);
  g_assert_cmpuint (peer_post (p, "dp", NULL, CF_SENML_JSON, blocks << 4 | 6, -1, "]", 1), ==,
                    COAP_RESPONSE_CODE (413));
  g_assert_cmpint (p->size1, ==, TF_COAP_MAX_BODY);
  g_assert_cmpstr (p->text, ==, "too large");
  /* nothing kept: a further block is not the next of anything */
  g_assert_cmpuint (peer_post (p, "dp", NULL, CF_SENML_JSON, (blocks + 1) << 4 | 6, -1, "]", 1), ==,
                    COAP_RESPONSE_CODE (408));

  /* the first Send the server records is the small one after it */
  g_assert_cmpuint (peer_post (p, "dp", NULL, CF_SENML_JSON, -1, -1, small, strlen (small)), ==,
                    COAP_RESPONSE_CODE (204));
  ev = tf_test_must_wait (s, "send", "huge-1", 0, T_EVENT);
  g_assert_cmpint (json_object_get_int_member (ev, "payload_len"), ==, strlen (small));
  g_assert_cmpstr (tf_test_value (ev, "/3/0/15"), ==, "after");
  peer_free (p);
  tf_test_server_stop (s);
}

/* Two clients (two sessions on two local ports) Update their registrations in Block1 parts at
 * the same time, block by block in turn: the server keeps a body per peer and request (RFC
 * 7959 2.3/2.5), both Updates complete, and each registration holds its own links. */
static void
test_update_block1_interleaved (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p[2] = { peer_new (s->port), peer_new (s->port) };
  const char *eps[2] = { "conc-a", "conc-b" };
  char *links[2] = { links_of (5000, 300), links_of (6000, 300) }; /* 5 blocks of 64 */
  char *loc[2];

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *q = g_strdup_printf ("ep=%s&lt=120&lwm2m=1.1", eps[i]);
      g_assert_cmpuint (peer_post (p[i], "rd", q, CF_LINK, -1, -1, "</1/0>", 6), ==,
                        COAP_RESPONSE_CODE (201));
      loc[i] = g_strdup (p[i]->location);
    }
  g_assert_cmpstr (loc[0], !=, loc[1]);
  for (guint n = 0; n < 5; n++)
    for (guint i = 0; i < 2; i++)
      {
        guint code = peer_block (p[i], loc[i], NULL, CF_LINK, links[i], n, 2);
        if (code != COAP_RESPONSE_CODE (n < 4 ? 231 : 204))
          g_error ("%s: block %u answered %u.%02u (%s)", eps[i], n, code >> 5, code & 31,
                   p[i]->text != NULL ? p[i]->text : "");
      }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (JsonObject) now = listed (s, eps[i]);
      g_assert_cmpstr (json_object_get_string_member (now, "links"), ==, links[i]);
      g_assert_cmpint (json_object_get_int_member (now, "updates"), ==, 1);
      peer_free (p[i]);
      g_free (links[i]);
      g_free (loc[i]);
    }
  tf_test_server_stop (s);
}

/* Bodies kept apart by their Request-Tag (RFC 9175 3.3) from one client, up to the server's
 * bound of 64 at a time: the 65th new one is refused 5.03 with Max-Age (when to try again,
 * RFC 7252 5.9.3.4), the others go on; once one is whole there is room again. */
static void
test_send_block1_bound (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p = peer_new (s->port);
  g_autoptr (JsonObject) ev = NULL;
  char *bodies[65];
  guint8 tag;

  g_assert_cmpuint (peer_post (p, "rd", "ep=tags-1&lt=120&lwm2m=1.1", CF_LINK, -1, -1, "</3/0>", 6),
                    ==, COAP_RESPONSE_CODE (201));
  for (guint i = 0; i < 65; i++)
    {
      bodies[i] = g_strdup_printf ("[{\"n\":\"/3/0/15\",\"vs\":\"tag-%02u-body\"}]", i);
      g_assert_cmpuint (strlen (bodies[i]), >, 32); /* 3 blocks of 16 */
      tag = (guint8)i;
      g_clear_pointer (&p->rtag, g_bytes_unref);
      p->rtag = g_bytes_new (&tag, 1);
      g_assert_cmpuint (peer_block (p, "dp", NULL, CF_SENML_JSON, bodies[i], 0, 0), ==,
                        COAP_RESPONSE_CODE (i < 64 ? 231 : 503));
    }
  g_assert_cmpint (p->max_age, >, 0);
  g_assert_cmpint (p->max_age, <=, 247);

  /* tag 7's body is put together apart from the others */
  tag = 7;
  g_clear_pointer (&p->rtag, g_bytes_unref);
  p->rtag = g_bytes_new (&tag, 1);
  g_assert_cmpuint (peer_block (p, "dp", NULL, CF_SENML_JSON, bodies[7], 1, 0), ==,
                    COAP_RESPONSE_CODE (231));
  g_assert_cmpuint (peer_block (p, "dp", NULL, CF_SENML_JSON, bodies[7], 2, 0), ==,
                    COAP_RESPONSE_CODE (204));
  ev = tf_test_must_wait (s, "send", "tags-1", 0, T_EVENT);
  g_assert_cmpstr (tf_test_value (ev, "/3/0/15"), ==, "tag-07-body");

  /* room for one more now */
  tag = 64;
  g_clear_pointer (&p->rtag, g_bytes_unref);
  p->rtag = g_bytes_new (&tag, 1);
  g_assert_cmpuint (peer_block (p, "dp", NULL, CF_SENML_JSON, bodies[64], 0, 0), ==,
                    COAP_RESPONSE_CODE (231));
  for (guint i = 0; i < 65; i++)
    g_free (bodies[i]);
  peer_free (p);
  tf_test_server_stop (s);
}

void
tf_faults_block1_add_tests (void)
{
  g_test_add_func ("/lwm2m/faults/register-block1", test_register_block1);
  g_test_add_func ("/lwm2m/faults/update-block1", test_update_block1);
  g_test_add_func ("/lwm2m/faults/update-block1-gap", test_update_block1_gap);
  g_test_add_func ("/lwm2m/faults/update-block1-repeat", test_update_block1_repeat);
  g_test_add_func ("/lwm2m/faults/update-block1-interleaved", test_update_block1_interleaved);
  g_test_add_func ("/lwm2m/faults/send-block1-bound", test_send_block1_bound);
  g_test_add_func ("/lwm2m/faults/send-block1", test_send_block1);
  g_test_add_func ("/lwm2m/faults/send-block1-too-large", test_send_block1_too_large);
}
