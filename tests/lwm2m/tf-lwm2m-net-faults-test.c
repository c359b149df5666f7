/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-server and tf-lwm2m-client when things go wrong or get big: DTLS PSK (right key,
 * wrong key, unknown identity), block-wise transfers through a counting relay, a 20 % lossy
 * link, and the client's declared quirks as the server sees them. */
#include "config.h"

#include <glib/gstdio.h>

#include "../tf-ets-exchange-check.h"
#include "tf-lwm2m-net-block1.h"
#include "tf-lwm2m-net-client-block1.h"
#include "tf-lwm2m-net-repeat.h"
#include "tf-lwm2m-net-util.h"

/* A UDP relay between client and server that drops a share of the datagrams each way and notes
 * their sizes (a fixed seed: the same datagrams of a run are dropped). */
typedef struct
{
  GSocket *front, *back;
  GSocketAddress *client;
  GSource *front_src, *back_src;
  GRand *rand;
  guint forwarded, dropped;
  guint drop_percent;
  gsize max_len;
} Relay;

static void
relay_pass (Relay *r, GSocket *from, GSocket *to, GSocketAddress *dest, GSocketAddress **sender)
{
  gchar buf[2048];
  GSocketAddress *src = NULL;
  gssize n = g_socket_receive_from (from, &src, buf, sizeof buf, NULL, NULL);
  if (sender != NULL && src != NULL)
    {
      g_clear_object (sender);
      *sender = g_object_ref (src);
      dest = NULL;
    }
  g_clear_object (&src);
  if (n <= 0)
    return;
  if (g_rand_int_range (r->rand, 0, 100) < (gint)r->drop_percent)
    {
      r->dropped++;
      return;
    }
  r->forwarded++;
  r->max_len = MAX (r->max_len, (gsize)n);
  g_socket_send_to (to, dest, buf, (gsize)n, NULL, NULL);
}

static gboolean
on_front (GSocket *s, GIOCondition cond, gpointer data)
{
  Relay *r = data;
  relay_pass (r, r->front, r->back, NULL, &r->client);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_back (GSocket *s, GIOCondition cond, gpointer data)
{
  Relay *r = data;
  if (r->client == NULL)
    {
      gchar buf[8];
      g_socket_receive (s, buf, sizeof buf, NULL, NULL);
      return G_SOURCE_CONTINUE;
    }
  relay_pass (r, r->back, r->front, r->client, NULL);
  return G_SOURCE_CONTINUE;
}

static Relay *
relay_new (guint16 listen, guint16 server, guint drop_percent)
{
  Relay *r = g_new0 (Relay, 1);
  r->drop_percent = drop_percent;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) fa = g_inet_socket_address_new (lo, listen);
  g_autoptr (GSocketAddress) ba = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (lo, server);
  r->rand = g_rand_new_with_seed (1414);
  r->front
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  r->back
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_true (g_socket_bind (r->front, fa, TRUE, NULL));
  g_assert_true (g_socket_bind (r->back, ba, TRUE, NULL));
  g_assert_true (g_socket_connect (r->back, sa, NULL, NULL));
  g_socket_set_blocking (r->front, FALSE);
  g_socket_set_blocking (r->back, FALSE);
  r->front_src = g_socket_create_source (r->front, G_IO_IN, NULL);
  r->back_src = g_socket_create_source (r->back, G_IO_IN, NULL);
  g_source_set_callback (r->front_src, (GSourceFunc)(void (*) (void))on_front, r, NULL);
  g_source_set_callback (r->back_src, (GSourceFunc)(void (*) (void))on_back, r, NULL);
  g_source_attach (r->front_src, NULL);
  g_source_attach (r->back_src, NULL);
  return r;
}

static void
relay_free (Relay *r)
{
  g_source_destroy (r->front_src);
  g_source_destroy (r->back_src);
  g_source_unref (r->front_src);
  g_source_unref (r->back_src);
  g_object_unref (r->front);
  g_object_unref (r->back);
  g_clear_object (&r->client);
  g_rand_free (r->rand);
  g_free (r);
}

static void
test_dtls_psk (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, TRUE, "--psk=dev-1:0102030405060708", NULL);
  g_autofree char *server = g_strdup_printf ("--server=coaps://127.0.0.1:%u", s->psk_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=psk-1", server, "--psk-id=dev-1",
                                          "--psk-key=0102030405060708", "--start", NULL);
  g_autoptr (JsonObject) reg = tf_test_must_wait (s, "registration", "psk-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) fail = NULL;
  g_autoptr (JsonObject) none = NULL;
  TfTestClient *bad;

  g_assert_cmpstr (json_object_get_string_member (reg, "psk_identity"), ==, "dev-1");
  r = tf_test_read_as (s, "psk-1", "/3/0/0", "text");
  g_assert_cmpstr (tf_test_value (r, "/3/0/0"), ==, "TestFest Lab");
  tf_test_client_kill (c);

  /* the wrong key: refused, and the server says why */
  bad = tf_test_client_start ("--endpoint=psk-2", server, "--psk-id=dev-1",
                              "--psk-key=0102030405060709", "--start", NULL);
  fail = tf_test_must_wait (s, "dtls-failure", "", 0, T_EVENT);
  g_test_message ("server: %s", json_object_get_string_member (fail, "reason"));
  g_assert_nonnull (json_object_get_string_member (fail, "reason"));
  none = tf_test_wait_event (s, "registration", "psk-2", 0, 2000);
  g_assert_false (json_object_get_boolean_member (none, "ok"));
  tf_test_client_kill (bad);

  /* an unknown identity, named by the server */
  bad = tf_test_client_start ("--endpoint=psk-3", server, "--psk-id=stranger",
                              "--psk-key=0102030405060708", "--start", NULL);
  json_object_unref (fail);
  fail = NULL;
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr (JsonObject) f = tf_test_must_wait (
          s, "dtls-failure", "", i == 0 ? 0 : json_object_get_int_member (fail, "seq"), T_EVENT);
      g_clear_pointer (&fail, json_object_unref);
      fail = json_object_ref (f);
      if (strstr (json_object_get_string_member (f, "reason"), "stranger") != NULL)
        break;
    }
  g_assert_nonnull (
      strstr (json_object_get_string_member (fail, "reason"), "unknown PSK identity 'stranger'"));
  tf_test_client_kill (bad);
  tf_test_server_stop (s);
}

static void
test_blockwise (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  guint16 relay_port = tf_test_free_udp_port ();
  Relay *relay = relay_new (relay_port, s->port, 0);
  g_autofree char *server = tf_test_uri (relay_port);
  g_autofree char *log = g_build_filename (s->dir, "client.jsonl", NULL);
  g_autofree char *log_arg = g_strdup_printf ("--log=%s", log);
  TfTestClient *c = tf_test_client_start ("--endpoint=blk-1", server, "--large-resource=4096",
                                          log_arg, "--start", NULL);
  g_autoptr (JsonArray) read_log = NULL;
  g_autoptr (JsonArray) write_log = NULL;
  g_autoptr (JsonArray) server_log = NULL;
  guint server_before;
  g_autoptr (JsonObject) r = NULL;
  g_autofree guchar *data = NULL;
  gsize len = 0;
  guint before;

  json_object_unref (tf_test_must_wait (s, "registration", "blk-1", 0, T_REG));
  before = relay->forwarded;
  server_before = json_array_get_length ((server_log = tf_test_log_read (s->log, 0)));
  g_clear_pointer (&server_log, json_array_unref);
  r = tf_test_read_as (s, "blk-1", "/10240/0/0", "opaque");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpint (json_object_get_int_member (r, "payload_len"), ==, 4096);
  data = g_base64_decode (tf_test_value (r, "/10240/0/0"), &len);
  g_assert_cmpuint (len, ==, 4096);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint (data[i], ==, (guint8)(i * 7 + 3));
  /* it crossed the wire in Block2 parts: several requests and answers, none holding it all */
  g_test_message ("read: %u datagrams, the largest %" G_GSIZE_FORMAT " bytes",
                  relay->forwarded - before, relay->max_len);
  g_assert_cmpuint (relay->forwarded - before, >=, 2 * (4096 / 1024));
  g_assert_cmpuint (relay->max_len, <, 4096);
  /* and the client logged every block it served: four GETs, four 2.05 */
  read_log = tf_test_log_read (log, 0);
  g_assert_cmpuint (tf_ets_check_every_block (read_log, "out"), ==, 4);
  /* and the server asked for each block itself: every GET and 2.05 in its exchange log */
  server_log = tf_test_log_read (s->log, server_before);
  g_assert_cmpuint (tf_ets_check_every_block (server_log, "in"), ==, 4);

  /* and the other way, Block1: a 3000-byte Write, read back */
  {
    g_autofree char *big = g_strnfill (3000, 'x');
    g_autoptr (JsonObject) w = NULL;
    g_autoptr (JsonObject) back = NULL;
    relay->max_len = 0;
    before = relay->forwarded;
    big[0] = 'A';
    big[2999] = 'Z';
    w = tf_test_server_ok (
        s,
        "{\"cmd\":\"write\",\"ep\":\"blk-1\",\"path\":\"/10240/0/"
        "1\",\"format\":\"text\",\"replace\":true,\"values\":{\"/10240/0/1\":\"%s\"}}",
        big);
    g_assert_cmpstr (json_object_get_string_member (w, "code"), ==, "2.04");
    g_test_message ("write: %u datagrams, the largest %" G_GSIZE_FORMAT " bytes",
                    relay->forwarded - before, relay->max_len);
    g_assert_cmpuint (relay->forwarded - before, >=, 2 * (3000 / 1024));
    g_assert_cmpuint (relay->max_len, <, 3000);
    /* every block of the Write and every 2.31 Continue in the client's log */
    write_log = tf_test_log_read (log, json_array_get_length (read_log));
    g_assert_cmpuint (tf_ets_check_every_block1 (write_log, "in"), ==, 3);
    back = tf_test_read_as (s, "blk-1", "/10240/0/1", "text");
    g_assert_cmpstr (tf_test_value (back, "/10240/0/1"), ==, big);
  }
  /* an Observe of it: the answer in Block2 parts put together by the server from GETs of its
   * own, the observation made with the first block's Observe; its cancel (the server's GET with
   * Observe=1, libcoap's block mode being off) answered in parts too. (A notification in parts
   * is /lwm2m/faults/block2-notification.) */
  {
    g_autoptr (JsonObject) o = tf_test_server_ok (
        s, "{\"cmd\":\"observe\",\"ep\":\"blk-1\",\"path\":\"/10240/0/0\",\"format\":\"opaque\"}");
    g_autoptr (JsonObject) c2 = NULL;
    g_autoptr (JsonArray) cancel_log = NULL;
    guint cancel_before;
    gint64 obs;
    g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "2.05");
    g_assert_true (json_object_has_member (o, "observe"));
    g_assert_cmpint (json_object_get_int_member (o, "payload_len"), ==, 4096);
    obs = json_object_get_int_member (o, "observation");
    cancel_before = json_array_get_length ((cancel_log = tf_test_log_read (s->log, 0)));
    g_clear_pointer (&cancel_log, json_array_unref);
    c2 = tf_test_server_ok (
        s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs);
    g_assert_cmpint (json_object_get_int_member (c2, "payload_len"), ==, 4096);
    cancel_log = tf_test_log_read (s->log, cancel_before);
    g_assert_cmpuint (tf_ets_check_every_block (cancel_log, "in"), ==, 4);
  }
  tf_test_client_kill (c);
  relay_free (relay);
  tf_test_server_stop (s);
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

static JsonObject *
write_text (TfTestServer *s, const char *ep, const char *path, const char *value)
{
  JsonObject *w = tf_test_server_ok (s,
                                     "{\"cmd\":\"write\",\"ep\":\"%s\",\"path\":\"%s\",\"format\":"
                                     "\"text\",\"replace\":true,\"values\":{\"%s\":\"%s\"}}",
                                     ep, path, path, value);
  g_assert_cmpstr (json_object_get_string_member (w, "code"), ==, "2.04");
  return w;
}

/* A notification of a 4 KiB value (RFC 7959 2.6, RFC 7641): the client sends its first block
 * with Block2 (M=1), the server GETs each later block (the client's Read answers it) and
 * signals the notification once, whole. */
static void
test_block2_notification (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=blkn-1", server, "--large-resource=4096",
                                          "--start", NULL);
  g_autofree char *v1 = g_strnfill (4096, 'a');
  g_autofree char *v2 = g_strnfill (4096, 'b');
  g_autoptr (JsonObject) o = NULL;
  g_autoptr (JsonArray) ex = NULL;
  JsonObject *n;
  gint64 since = 0, obs;
  guint before, i, next = 0, sum = 0;
  gint64 mid = -1;

  json_object_unref (tf_test_must_wait (s, "registration", "blkn-1", 0, T_REG));
  /* a 4096-byte string (written by the server: the console takes lines up to 4 KiB),
   * observed as text/plain: the observation's answer in Block2 parts */
  json_object_unref (write_text (s, "blkn-1", "/10240/0/0", v1));
  o = tf_test_server_ok (
      s, "{\"cmd\":\"observe\",\"ep\":\"blkn-1\",\"path\":\"/10240/0/0\",\"format\":\"text\"}");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "2.05");
  g_assert_cmpint (json_object_get_int_member (o, "payload_len"), ==, 4096);
  obs = json_object_get_int_member (o, "observation");
  before = json_array_get_length ((ex = tf_test_log_read (s->log, 0)));
  g_clear_pointer (&ex, json_array_unref);

  /* the change: one notification, whole */
  json_object_unref (write_text (s, "blkn-1", "/10240/0/0", v2));
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_true (json_object_has_member (n, "payload_len")); /* not an empty notification */
  g_assert_cmpint (json_object_get_int_member (n, "payload_len"), ==, 4096);
  g_assert_cmpstr (tf_test_value (n, "/10240/0/0"), ==, v2);
  json_object_unref (n);

  /* in the server's log: the notification's first block (Observe, Block2 0/M/1024, Size2),
   * then for blocks 1..3 the server's GET and the client's 2.05, in order */
  ex = tf_test_log_read (s->log, before);
  for (i = 0; i < json_array_get_length (ex); i++)
    {
      JsonObject *m = json_array_get_object_element (ex, i);
      const char *dir = json_object_get_string_member (m, "dir");
      const char *code = json_object_get_string_member (m, "code");
      gint64 b2 = log_option (m, 23);
      if (next == 0)
        {
          if (g_str_equal (dir, "in") && g_str_equal (code, "2.05") && log_option (m, 6) >= 0)
            {
              g_assert_cmpint (b2, ==, 0 << 4 | 8 | 6);
              g_assert_cmpint (log_option (m, 28), ==, 4096);
              g_assert_cmpint (json_object_get_int_member (m, "payload_len"), ==, 1024);
              sum += 1024;
              next = 1;
            }
          continue;
        }
      if (g_str_equal (dir, "out") && g_str_equal (code, "GET"))
        {
          g_assert_cmpint (mid, ==, -1);
          g_assert_cmpint (log_option (m, 6), ==, -1); /* a plain GET (RFC 7959 2.6) */
          g_assert_cmpint (b2 >> 4, ==, next);
          mid = json_object_get_int_member (m, "mid");
        }
      else if (g_str_equal (dir, "in") && g_str_equal (code, "2.05") && mid >= 0)
        {
          g_assert_cmpint (json_object_get_int_member (m, "mid"), ==, mid);
          g_assert_cmpint (b2 >> 4, ==, next);
          g_assert_cmpint ((b2 & 8) != 0, ==, next < 3);
          sum += json_object_get_int_member (m, "payload_len");
          mid = -1;
          next++;
        }
    }
  g_assert_cmpuint (next, ==, 4);
  g_assert_cmpuint (sum, ==, 4096);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_lossy_link (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  guint16 relay_port = tf_test_free_udp_port ();
  Relay *relay = relay_new (relay_port, s->port, 20);
  g_autofree char *server = tf_test_uri (relay_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=lossy-1", server, "--start", NULL);

  /* CoAP retransmission (RFC 7252 4.2) carries Register and every Read through the loss */
  json_object_unref (tf_test_must_wait (s, "registration", "lossy-1", 0, 120000));
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr (JsonObject) r = tf_test_read_as (s, "lossy-1", "/3/0", "tlv");
      g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
      g_assert_cmpstr (tf_test_value (r, "/3/0/1"), ==, "tf-lwm2m-client");
    }
  g_test_message ("relay: %u forwarded, %u dropped", relay->forwarded, relay->dropped);
  g_assert_cmpuint (relay->dropped, >, 0);
  /* carried by retransmission within one exchange's span (RFC 7252 4.8.2), never given up
   * and started over by the client */
  g_assert_null (tf_test_client_expect (c, "lwm2m: error", 0));
  tf_test_client_kill (c);
  relay_free (relay);
  tf_test_server_stop (s);
}

static void
test_quirk_no_tlv (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=q-tlv", server, "--quirk=no-tlv", "--start", NULL);
  JsonObject *r;
  json_object_unref (tf_test_must_wait (s, "registration", "q-tlv", 0, T_REG));
  r = tf_test_read_as (s, "q-tlv", "/3/0", "tlv");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.06");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"q-tlv\",\"path\":\"/3/0/"
                            "14\",\"format\":\"tlv\",\"values\":{\"/3/0/14\":\"+02:00\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.15");
  json_object_unref (r);
  r = tf_test_read_as (s, "q-tlv", "/3/0", "senml-json");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  json_object_unref (r);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_wrong_update_code (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-upd", server, "--lifetime=4",
                                          "--quirk=wrong-update-code", "--start", NULL);
  g_autoptr (JsonObject) rej = NULL;
  g_autoptr (JsonObject) exp = NULL;
  json_object_unref (tf_test_must_wait (s, "registration", "q-upd", 0, T_REG));
  rej = tf_test_must_wait (s, "rejected", "q-upd", 0, T_EVENT);
  g_assert_nonnull (strstr (json_object_get_string_member (rej, "reason"), "PUT"));
  g_assert_nonnull (tf_test_client_expect (c, "update refused: 4.05", T_REG));
  /* never updated: the registration expires although the client runs */
  exp = tf_test_must_wait (s, "expiry", "q-upd", 0, T_EVENT);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_lifetime_ignored (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-lt", server, "--lifetime=3",
                                          "--quirk=lifetime-ignored", "--start", NULL);
  g_autoptr (JsonObject) exp = NULL;
  g_autoptr (JsonObject) upd = NULL;
  json_object_unref (tf_test_must_wait (s, "registration", "q-lt", 0, T_REG));
  exp = tf_test_must_wait (s, "expiry", "q-lt", 0, T_EVENT);
  upd = tf_test_wait_event (s, "update", "q-lt", 0, 10);
  g_assert_false (json_object_get_boolean_member (upd, "ok"));
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_observe_cancel_ignored (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-obs", server,
                                          "--quirk=observe-cancel-ignored", "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;
  json_object_unref (tf_test_must_wait (s, "registration", "q-obs", 0, T_REG));
  obs = tf_test_observe (s, "q-obs", "/3/0/9");
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *cmd = g_strdup_printf ("set /3/0/9 %u", 50 + i);
      tf_test_client_send (c, cmd);
      n = tf_test_next_notification (s, obs, &since, T_EVENT);
      g_assert_nonnull (n);
      g_assert_true (json_object_get_boolean_member (n, "after_cancel"));
      json_object_unref (n);
    }
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/faults/dtls-psk", test_dtls_psk);
  g_test_add_func ("/lwm2m/faults/blockwise", test_blockwise);
  g_test_add_func ("/lwm2m/faults/block2-notification", test_block2_notification);
  tf_faults_block1_add_tests ();
  tf_faults_repeat_add_tests ();
  tf_faults_client_block1_add_tests ();
  g_test_add_func ("/lwm2m/faults/lossy-link", test_lossy_link);
  g_test_add_func ("/lwm2m/faults/quirk-no-tlv", test_quirk_no_tlv);
  g_test_add_func ("/lwm2m/faults/quirk-wrong-update-code", test_quirk_wrong_update_code);
  g_test_add_func ("/lwm2m/faults/quirk-lifetime-ignored", test_quirk_lifetime_ignored);
  g_test_add_func ("/lwm2m/faults/quirk-observe-cancel-ignored", test_quirk_observe_cancel_ignored);
  return g_test_run ();
}
