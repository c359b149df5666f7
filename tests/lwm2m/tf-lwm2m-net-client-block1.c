/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reference client's own requests larger than one CoAP message (about 1.1 KB): a Register
 * and an Update of 150 Temperature instances' links and a Send of their 300 values go to
 * tf-lwm2m-server in Block1 parts (RFC 7959 2.5), every block and its 2.31 Continue in both
 * ends' exchange logs, and arrive whole. Before the client did Block1 they went out with no
 * body at all (libcoap refuses data past the PDU's size). */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>
#include <syslog.h>

#include <coap3/coap.h>

#include "../tf-ets-exchange-check.h"
#include "tf-lwm2m-net-client-block1.h"
#include "tf-lwm2m-net-util.h"

#define SENSORS 150

static guint
log_length (const char *file)
{
  g_autoptr (JsonArray) a = tf_test_log_read (file, 0);
  return json_array_get_length (a);
}

/* Every block of the one Block1 request in @file from message @from on, sent in @dir, and
 * the same number of blocks in @other (the other end's log) from @other_from, the other way. */
static guint
assert_blocks (const char *file, guint from, const char *other, guint other_from)
{
  g_autoptr (JsonArray) mine = tf_test_log_read (file, from);
  g_autoptr (JsonArray) theirs = tf_test_log_read (other, other_from);
  guint n = tf_ets_check_every_block1 (mine, "out");
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (tf_ets_check_every_block1 (theirs, "in"), ==, n);
  return n;
}

/* @links has </3303/i> for i in [@first, SENSORS), and the Device object. */
static void
assert_links (const char *links, guint first)
{
  g_auto (GStrv) l = g_strsplit (links, ",", -1);
  g_autoptr (GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; l[i] != NULL; i++)
    g_hash_table_add (set, l[i]);
  g_assert_true (g_hash_table_contains (set, "</3/0>"));
  for (guint i = 0; i < SENSORS; i++)
    {
      g_autofree char *want = g_strdup_printf ("</3303/%u>", i);
      if (g_hash_table_contains (set, want) != (i >= first))
        g_error ("%s %s in the registration's links", want, i >= first ? "missing" : "still");
    }
}

static void
test_client_block1 (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  g_autofree char *log = g_build_filename (s->dir, "client.jsonl", NULL);
  g_autofree char *log_arg = g_strdup_printf ("--log=%s", log);
  g_autofree char *sensors = g_strdup_printf ("--sensors=%u", SENSORS);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=cblk-1", server, sensors, log_arg, "--start", NULL);
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) del = NULL;
  g_autoptr (JsonObject) upd = NULL;
  g_autoptr (JsonObject) now = NULL;
  g_autoptr (JsonObject) ev = NULL;
  g_autoptr (JsonObject) list = NULL;
  JsonObject *values;
  guint c0, s0, n;

  /* Register */
  reg = tf_test_must_wait (s, "registration", "cblk-1", 0, T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  g_assert_cmpuint (strlen (json_object_get_string_member (reg, "links")), >, 1200);
  assert_links (json_object_get_string_member (reg, "links"), 0);
  n = assert_blocks (log, 0, s->log, 0);
  g_test_message ("Register: %u blocks", n);

  /* Update after a change: the server deletes /3303/0, the client updates with its links */
  c0 = log_length (log);
  s0 = log_length (s->log);
  del = tf_test_server_ok (s, "{\"cmd\":\"delete\",\"ep\":\"cblk-1\",\"path\":\"/3303/0\"}");
  g_assert_cmpstr (json_object_get_string_member (del, "code"), ==, "2.02");
  tf_test_client_send (c, "lwm2m update");
  upd = tf_test_must_wait (s, "update", "cblk-1", json_object_get_int_member (reg, "seq"), T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: updated", T_REG));
  assert_links (json_object_get_string_member (upd, "links"), 1);
  /* what the server holds now, asked afterwards */
  list = tf_test_server_cmd (s, "{\"cmd\":\"list\"}");
  {
    JsonArray *a = json_object_get_array_member (list, "result");
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    assert_links (json_object_get_string_member (json_array_get_object_element (a, 0), "links"), 1);
  }
  n = assert_blocks (log, c0, s->log, s0);
  g_test_message ("Update: %u blocks", n);

  /* Send of every temperature: 298 values, each as the client has it */
  c0 = log_length (log);
  s0 = log_length (s->log);
  tf_test_client_send (c, "lwm2m send /3303");
  ev = tf_test_must_wait (s, "send", "cblk-1", 0, T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: send answered 2.04", T_REG));
  g_assert_cmpstr (json_object_get_string_member (ev, "code"), ==, "2.04");
  g_assert_cmpint (json_object_get_int_member (ev, "payload_len"), >, 4096);
  values = json_object_get_object_member (ev, "values");
  g_assert_cmpuint (json_object_get_size (values), ==, 2 * (SENSORS - 1));
  for (guint i = 1; i < SENSORS; i++)
    {
      g_autofree char *t = g_strdup_printf ("/3303/%u/5700", i);
      g_autofree char *u = g_strdup_printf ("/3303/%u/5701", i);
      g_autofree char *uv = g_strdup_printf ("C%u", i);
      const char *tv = json_object_get_string_member (values, t);
      g_assert_nonnull (tv);
      g_assert_cmpfloat (g_ascii_strtod (tv, NULL), ==, 7.0 * i - 50);
      g_assert_cmpstr (json_object_get_string_member (values, u), ==, uv);
    }
  n = assert_blocks (log, c0, s->log, s0);
  g_test_message ("Send: %u blocks", n);

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* ---- a CoAP server of the test's own, answering what tf-lwm2m-server does not ---- */

typedef struct
{
  coap_context_t *ctx;
  GByteArray *body;   /* the Register's blocks put together by offset */
  gint64 size1;       /* the first block's Size1 */
  GString *blocks;    /* "num/size" of each Register block, in order */
  guint dp_transfers; /* Sends begun (their block 0) */
} Fake;

static void
fake_answer_block (coap_pdu_t *response, guint code, guint num, gboolean more, guint szx)
{
  guint8 buf[4];
  coap_pdu_set_code (response, code);
  coap_add_option (response, COAP_OPTION_BLOCK1,
                   coap_encode_var_safe (buf, sizeof buf, num << 4 | (more ? 8 : 0) | szx), buf);
}

/* POST /rd in blocks: 2.31 asking for 256-byte blocks (SZX 4), then 2.01 at rd/1. */
static void
on_fake_rd (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
            const coap_string_t *query, coap_pdu_t *response)
{
  Fake *f = coap_resource_get_userdata (resource);
  coap_block_t b;
  size_t len = 0;
  const uint8_t *data = NULL;
  gsize off;
  if (!coap_get_block (request, COAP_OPTION_BLOCK1, &b))
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (400)); /* it is larger than a block */
      return;
    }
  coap_get_data (request, &len, &data);
  off = (gsize)b.num << (b.szx + 4);
  g_string_append_printf (f->blocks, "%s%u/%u", f->blocks->len > 0 ? " " : "", b.num, 16u << b.szx);
  if (b.num == 0)
    {
      coap_opt_iterator_t it;
      coap_opt_t *o = coap_check_option (request, COAP_OPTION_SIZE1, &it);
      f->size1 = o != NULL ? (gint64)coap_decode_var_bytes (coap_opt_value (o), coap_opt_length (o))
                           : -1;
      g_byte_array_set_size (f->body, 0);
    }
  if (off != f->body->len)
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (408));
      return;
    }
  g_byte_array_append (f->body, data, len);
  if (b.m)
    {
      fake_answer_block (response, COAP_RESPONSE_CODE (231), b.num, TRUE, MIN (b.szx, 4u));
      return;
    }
  fake_answer_block (response, COAP_RESPONSE_CODE (201), b.num, FALSE, b.szx);
  coap_add_option (response, COAP_OPTION_LOCATION_PATH, 2, (const uint8_t *)"rd");
  coap_add_option (response, COAP_OPTION_LOCATION_PATH, 1, (const uint8_t *)"1");
}

/* POST /dp in blocks: the first Send 4.13 (at most 2048 bytes, Size1), the second 4.08 at
 * its block 1. */
static void
on_fake_dp (coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
            const coap_string_t *query, coap_pdu_t *response)
{
  Fake *f = coap_resource_get_userdata (resource);
  coap_block_t b;
  guint8 buf[4];
  if (!coap_get_block (request, COAP_OPTION_BLOCK1, &b))
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (400));
      return;
    }
  if (b.num == 0)
    f->dp_transfers++;
  if (f->dp_transfers == 1)
    {
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (413));
      coap_add_option (response, COAP_OPTION_SIZE1, coap_encode_var_safe (buf, sizeof buf, 2048),
                       buf);
    }
  else if (b.num == 0)
    fake_answer_block (response, COAP_RESPONSE_CODE (231), 0, TRUE, b.szx);
  else
    coap_pdu_set_code (response, COAP_RESPONSE_CODE (408));
}

static Fake *
fake_new (guint16 port)
{
  Fake *f = g_new0 (Fake, 1);
  coap_address_t a;
  coap_resource_t *rd, *dp;
  coap_startup ();
  coap_set_log_level (LOG_WARNING);
  coap_address_init (&a);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_port = htons (port);
  a.addr.sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  a.size = sizeof (struct sockaddr_in);
  f->ctx = coap_new_context (NULL);
  g_assert_nonnull (f->ctx);
  coap_context_set_block_mode (f->ctx, 0); /* every block to the handlers */
  g_assert_nonnull (coap_new_endpoint (f->ctx, &a, COAP_PROTO_UDP));
  rd = coap_resource_init (coap_make_str_const ("rd"), 0);
  coap_register_request_handler (rd, COAP_REQUEST_POST, on_fake_rd);
  coap_resource_set_userdata (rd, f);
  coap_add_resource (f->ctx, rd);
  dp = coap_resource_init (coap_make_str_const ("dp"), 0);
  coap_register_request_handler (dp, COAP_REQUEST_POST, on_fake_dp);
  coap_resource_set_userdata (dp, f);
  coap_add_resource (f->ctx, dp);
  f->body = g_byte_array_new ();
  f->blocks = g_string_new (NULL);
  return f;
}

static void
fake_free (Fake *f)
{
  coap_free_context (f->ctx);
  g_byte_array_unref (f->body);
  g_string_free (f->blocks, TRUE);
  g_free (f);
}

/* The client's next console line with @needle, the fake server answering meanwhile. */
static const char *
fake_expect (Fake *f, TfTestClient *c, const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + T_REG * G_TIME_SPAN_MILLISECOND;
  for (;;)
    {
      const char *l;
      coap_io_process (f->ctx, 50);
      if ((l = tf_test_client_expect (c, needle, 50)) != NULL)
        return l;
      if (g_get_monotonic_time () > deadline)
        g_error ("the client did not say '%s'", needle);
    }
}

/* A server that asks for smaller blocks in its 2.31 (RFC 7959 2.5): the client goes on in
 * that size from where the bigger block ended, the body arrives whole. One that answers a
 * Send 4.13 (with its bound in Size1), then 4.08: each ends the Send with an error that
 * says so. */
static void
test_client_block1_server_asks (void)
{
  guint16 port = tf_test_free_udp_port ();
  Fake *f = fake_new (port);
  g_autofree char *server = tf_test_uri (port);
  g_autofree char *sensors = g_strdup_printf ("--sensors=%u", SENSORS);
  TfTestClient *c = tf_test_client_start ("--endpoint=cblk-2", server, sensors, "--start", NULL);
  g_autofree char *links = NULL;
  g_autoptr (GString) want = g_string_new ("0/1024");
  const char *l;

  fake_expect (f, c, "lwm2m: registered as /rd/1");
  g_assert_cmpint (f->size1, >, 1200);
  g_assert_cmpint (f->body->len, ==, f->size1);
  links = g_strndup ((const char *)f->body->data, f->body->len);
  assert_links (links, 0);
  /* block 0 of 1024 bytes, then 256-byte blocks from byte 1024 on: 4, 5, ... */
  for (guint n = 4; ((gsize)n << 8) < f->body->len; n++)
    g_string_append_printf (want, " %u/256", n);
  g_assert_cmpstr (f->blocks->str, ==, want->str);

  tf_test_client_send (c, "lwm2m send /3303");
  l = fake_expect (f, c, "lwm2m: error: send refused: 4.13");
  g_assert_nonnull (strstr (l, "too large"));
  g_assert_nonnull (strstr (l, "at most 2048 bytes"));
  fake_expect (f, c, "lwm2m: send answered 4.13");
  tf_test_client_send (c, "lwm2m send /3303");
  l = fake_expect (f, c, "lwm2m: error: send refused: 4.08");
  g_assert_nonnull (strstr (l, "lost the Block1 transfer at block 1"));
  fake_expect (f, c, "lwm2m: send answered 4.08");
  g_assert_cmpuint (f->dp_transfers, ==, 2);
  tf_test_client_kill (c);
  fake_free (f);
}

void
tf_faults_client_block1_add_tests (void)
{
  g_test_add_func ("/lwm2m/faults/client-block1", test_client_block1);
  g_test_add_func ("/lwm2m/faults/client-block1-server-asks", test_client_block1_server_asks);
}
