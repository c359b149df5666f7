/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-server and tf-lwm2m-client against each other on loopback: registration interface,
 * device management in every content format, observe with attributes and both cancels,
 * bootstrap, DTLS PSK, block-wise transfer, a lossy link and the declared quirks. */
#include "config.h"

#include "tf-lwm2m-net-util.h"

static void
test_register_update_deregister (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=reg-1", server, "--lifetime=4", NULL);
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) upd = NULL;
  g_autoptr (JsonObject) dereg = NULL;
  g_autoptr (JsonObject) list = NULL;

  /* the provisioning language of the lab */
  tf_test_client_send (c, "lwm2m start");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  reg = tf_test_must_wait (s, "registration", "reg-1", 0, T_REG);
  g_assert_cmpint (json_object_get_int_member (reg, "lifetime"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (reg, "binding"), ==, "U");
  g_assert_cmpstr (json_object_get_string_member (reg, "version"), ==, "1.1");
  g_assert_nonnull (strstr (json_object_get_string_member (reg, "links"), "</3/0>"));
  /* an Update at lifetime/2 */
  upd = tf_test_must_wait (s, "update", "reg-1", json_object_get_int_member (reg, "seq"), T_EVENT);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: updated", T_REG));
  /* on demand */
  tf_test_client_send (c, "lwm2m update");
  json_object_unref (
      tf_test_must_wait (s, "update", "reg-1", json_object_get_int_member (upd, "seq"), T_EVENT));
  tf_test_client_send (c, "lwm2m stop");
  dereg = tf_test_must_wait (s, "deregistration", "reg-1", 0, T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: deregistered", T_REG));
  list = tf_test_server_cmd (s, "{\"cmd\":\"list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 0);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* A client that stops talking (power cut) expires: "expiry", never "deregistration". */
static void
test_lifetime_expiry (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=exp-1", server, "--lifetime=3", "--start", NULL);
  g_autoptr (JsonObject) reg = tf_test_must_wait (s, "registration", "exp-1", 0, T_REG);
  g_autoptr (JsonObject) exp = NULL;
  g_autoptr (JsonObject) none = NULL;
  tf_test_client_kill (c);
  exp = tf_test_must_wait (s, "expiry", "exp-1", 0, T_EVENT);
  g_assert_cmpint (json_object_get_int_member (exp, "lifetime"), ==, 3);
  none = tf_test_wait_event (s, "deregistration", "exp-1", 0, 10);
  g_assert_false (json_object_get_boolean_member (none, "ok"));
  tf_test_server_stop (s);
}

static void
test_dm_operations (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=dm-1", server, "--version=2.3.4", "--start", NULL);
  const char *formats[] = { "tlv", "senml-json", "senml-cbor", "json" };
  JsonObject *r;

  json_object_unref (tf_test_must_wait (s, "registration", "dm-1", 0, T_REG));
  /* Read of an instance in every format that holds one */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      r = tf_test_read_as (s, "dm-1", "/3/0", formats[i]);
      g_test_message ("read /3/0 as %s: %s", formats[i],
                      json_object_get_string_member_with_default (r, "format", "?"));
      g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
      g_assert_cmpstr (tf_test_value (r, "/3/0/3"), ==, "2.3.4");
      g_assert_cmpstr (tf_test_value (r, "/3/0/1"), ==, "tf-lwm2m-client");
      g_assert_cmpstr (tf_test_value (r, "/3/0/7/0"), ==, "3300");
      json_object_unref (r);
    }
  /* a single resource as plain text */
  r = tf_test_read_as (s, "dm-1", "/3/0/9", "text");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (tf_test_value (r, "/3/0/9"), ==, "100");
  json_object_unref (r);

  /* Write (replace) a resource in text, TLV and SenML JSON, read back */
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
                            "14\",\"format\":\"text\",\"values\":{\"/3/0/14\":\"+01:00\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_read_as (s, "dm-1", "/3/0/14", "text");
  g_assert_cmpstr (tf_test_value (r, "/3/0/14"), ==, "+01:00");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
                            "14\",\"format\":\"tlv\",\"values\":{\"/3/0/14\":\"+02:00\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_server_ok (
      s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
         "15\",\"format\":\"senml-json\",\"values\":{\"/3/0/15\":\"Europe/Paris\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_read_as (s, "dm-1", "/3/0", "senml-json");
  g_assert_cmpstr (tf_test_value (r, "/3/0/14"), ==, "+02:00");
  g_assert_cmpstr (tf_test_value (r, "/3/0/15"), ==, "Europe/Paris");
  json_object_unref (r);
  /* a read-only resource refuses a Write */
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
                            "0\",\"format\":\"text\",\"values\":{\"/3/0/0\":\"x\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.05");
  json_object_unref (r);
  /* partial Write (POST) on an instance: the lifetime, which the client then Updates with */
  r = tf_test_server_ok (
      s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/1/"
         "0\",\"format\":\"tlv\",\"replace\":false,\"values\":{\"/1/0/1\":\"77\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_must_wait (s, "update", "dm-1", 0, T_EVENT);
  g_assert_cmpint (json_object_get_int_member (r, "lifetime"), ==, 77);
  json_object_unref (r);

  /* Execute */
  r = tf_test_server_ok (s, "{\"cmd\":\"execute\",\"ep\":\"dm-1\",\"path\":\"/3/0/4\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: executed /3/0/4", T_REG));
  r = tf_test_server_ok (s, "{\"cmd\":\"execute\",\"ep\":\"dm-1\",\"path\":\"/3/0/9\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.05");
  json_object_unref (r);

  /* Write-Attributes then Discover shows them */
  r = tf_test_server_ok (s, "{\"cmd\":\"write-attributes\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
                            "9\",\"attrs\":\"pmin=2&pmax=30\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"discover\",\"ep\":\"dm-1\",\"path\":\"/3/0\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (json_object_get_string_member (r, "format"), ==, "application/link-format");
  g_test_message ("discover: %s", json_object_get_string_member (r, "text"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "text"), "</3/0/9>;pmin=2;pmax=30"));
  json_object_unref (r);

  /* Create, read, Delete, read again */
  r = tf_test_server_ok (
      s, "{\"cmd\":\"create\",\"ep\":\"dm-1\",\"path\":\"/1\",\"format\":\"tlv\",\"values\":{\"/1/"
         "5/0\":\"5\",\"/1/5/1\":\"60\",\"/1/5/6\":false,\"/1/5/7\":\"U\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.01");
  json_object_unref (r);
  r = tf_test_read_as (s, "dm-1", "/1/5", "senml-cbor");
  g_assert_cmpstr (tf_test_value (r, "/1/5/1"), ==, "60");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"delete\",\"ep\":\"dm-1\",\"path\":\"/1/5\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.02");
  json_object_unref (r);
  r = tf_test_read_as (s, "dm-1", "/1/5", "tlv");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.04");
  json_object_unref (r);

  /* Read-Composite and Write-Composite (1.1, SenML) */
  r = tf_test_server_ok (
      s,
      "{\"cmd\":\"read-composite\",\"ep\":\"dm-1\",\"paths\":[\"/3/0/0\",\"/3/0/9\",\"/1/0/1\"]}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (tf_test_value (r, "/3/0/0"), ==, "TestFest Lab");
  g_assert_cmpstr (tf_test_value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (tf_test_value (r, "/1/0/1"), ==, "77");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"read-composite\",\"ep\":\"dm-1\",\"format\":\"senml-cbor\","
                            "\"paths\":[\"/3/0/1\",\"/1/0\"]}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (json_object_get_string_member (r, "format"), ==, "application/senml+cbor");
  g_assert_cmpstr (tf_test_value (r, "/3/0/1"), ==, "tf-lwm2m-client");
  g_assert_cmpstr (tf_test_value (r, "/1/0/1"), ==, "77");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"write-composite\",\"ep\":\"dm-1\",\"values\":{\"/3/0/"
                            "14\":\"-05:00\",\"/1/0/2\":\"3\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = tf_test_read_as (s, "dm-1", "/3/0/14", "text");
  g_assert_cmpstr (tf_test_value (r, "/3/0/14"), ==, "-05:00");
  json_object_unref (r);

  /* Send (1.1): POST /dp in SenML JSON */
  tf_test_client_send (c, "lwm2m send /3/0/9 /3/0/0");
  r = tf_test_must_wait (s, "send", "dm-1", 0, T_EVENT);
  g_assert_cmpstr (tf_test_value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (tf_test_value (r, "/3/0/0"), ==, "TestFest Lab");
  json_object_unref (r);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: send answered 2.04", T_REG));

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_observe (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=obs-1", server, "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (tf_test_must_wait (s, "registration", "obs-1", 0, T_REG));
  /* pmax: a notification without a change */
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\",\"path\":\"/3/0/9\",\"attrs\":\"pmax=2\"}"));
  obs = tf_test_observe (s, "obs-1", "/3/0/9");
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "100");
  json_object_unref (n);
  /* st=10, pmax long: a change of 5 is not notified, one of 20 is */
  json_object_unref (tf_test_server_ok (s, "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\","
                                           "\"path\":\"/3/0/9\",\"attrs\":\"pmax=600&st=10\"}"));
  /* the pmax=2 timer may have been due just before: skip what is already there */
  n = tf_test_next_notification (s, obs, &since, 100);
  g_clear_pointer (&n, json_object_unref);
  tf_test_client_send (c, "set /3/0/9 95");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  tf_test_client_send (c, "set /3/0/9 80");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "80");
  json_object_unref (n);
  /* gt=50: crossing it is notified (80 → 40), not moving below it without st (40 → 45) */
  json_object_unref (tf_test_server_ok (s, "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\","
                                           "\"path\":\"/3/0/9\",\"attrs\":\"st&gt=50\"}"));
  tf_test_client_send (c, "set /3/0/9 45");
  tf_test_client_send (c, "set /3/0/9 60");
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "45");
  json_object_unref (n);
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "60");
  json_object_unref (n);

  /* cancel with Observe=1: the change after it is not notified */
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  tf_test_client_send (c, "set /3/0/9 10");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = tf_test_next_notification (s, obs, &since, 3000);
  g_assert_null (n);

  /* cancel by RST: the next notification is refused and is the last */
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\",\"path\":\"/3/0/9\",\"attrs\":\"gt&pmax\"}"));
  obs = tf_test_observe (s, "obs-1", "/3/0/9");
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"reset\"}", obs));
  tf_test_client_send (c, "set /3/0/9 11");
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_true (json_object_get_boolean_member_with_default (n, "after_cancel", FALSE));
  json_object_unref (n);
  /* a request after the RST (same path, in order on loopback): the client has taken the RST */
  json_object_unref (tf_test_read_as (s, "obs-1", "/3/0/9", "text"));
  tf_test_client_send (c, "set /3/0/9 12");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = tf_test_next_notification (s, obs, &since, 3000);
  g_assert_null (n);

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* pmin holds notifications back: two changes inside it make one notification, of the
 * latest tf_test_value (no timing asserted: the first value is never notified). */
static void
test_observe_pmin (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=pmin-1", server, "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (tf_test_must_wait (s, "registration", "pmin-1", 0, T_REG));
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"pmin-1\",\"path\":\"/3/0/9\",\"attrs\":\"pmin=5\"}"));
  obs = tf_test_observe (s, "pmin-1", "/3/0/9");
  tf_test_client_send (c, "set /3/0/9 70");
  tf_test_client_send (c, "set /3/0/9 71");
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "71");
  json_object_unref (n);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* Observe-Composite (1.1): one observation of several paths, notified when any changes. */
static void
test_observe_composite (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=oc-1", server, "--start", NULL);
  g_autoptr (JsonObject) r = NULL;
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (tf_test_must_wait (s, "registration", "oc-1", 0, T_REG));
  r = tf_test_server_ok (
      s, "{\"cmd\":\"observe-composite\",\"ep\":\"oc-1\",\"paths\":[\"/3/0/9\",\"/3/0/14\"]}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (tf_test_value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (tf_test_value (r, "/3/0/14"), ==, "+00:00");
  obs = json_object_get_int_member (r, "observation");
  g_assert_cmpint (obs, >, 0);
  tf_test_client_send (c, "set /3/0/9 33");
  n = tf_test_next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (tf_test_value (n, "/3/0/9"), ==, "33");
  g_assert_cmpstr (tf_test_value (n, "/3/0/14"), ==, "+00:00");
  json_object_unref (n);
  /* cancelled with Observe=1 (a FETCH again): nothing more */
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  tf_test_client_send (c, "set /3/0/9 34");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = tf_test_next_notification (s, obs, &since, 3000);
  g_assert_null (n);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* Queue mode: a request to a client that is asleep (here: at once, window 0) is sent after
 * its next Update, never before. */
static void
test_queue_mode (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, "--queue-window=0", NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=q-1", server, "--queue", "--lifetime=4", "--start", NULL);
  g_autoptr (JsonObject) reg = tf_test_must_wait (s, "registration", "q-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) upd = NULL;
  gint64 answered;

  g_assert_true (json_object_get_boolean_member (reg, "queue"));
  r = tf_test_read_as (s, "q-1", "/3/0/9", "text");
  answered = g_get_real_time ();
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  upd = tf_test_must_wait (s, "update", "q-1", json_object_get_int_member (reg, "seq"), 10);
  g_assert_cmpint (json_object_get_int_member (upd, "time_us"), <=, answered);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* A queue-mode client stops listening a while after its last exchange: a request then waits
 * until it wakes up to send its Update (the server's retransmission or the datagram itself). */
static void
test_queue_mode_client (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=qc-1", server, "--queue", "--queue-window=1",
                                          "--lifetime=6", "--start", NULL);
  g_autoptr (JsonObject) reg = tf_test_must_wait (s, "registration", "qc-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) upd = NULL;
  gint64 answered;

  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: sleeping", T_EVENT));
  r = tf_test_read_as (s, "qc-1", "/3/0/9", "text");
  answered = g_get_real_time ();
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: awake", T_REG));
  upd = tf_test_must_wait (s, "update", "qc-1", json_object_get_int_member (reg, "seq"), 10);
  g_assert_cmpint (json_object_get_int_member (upd, "time_us"), <=, answered);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_bootstrap (void)
{
  TfTestServer *s = tf_test_server_start (TRUE, FALSE, NULL);
  g_autofree char *bs = g_strdup_printf ("--bootstrap=coap://127.0.0.1:%u", s->bs_port);
  TfTestClient *c;
  g_autoptr (JsonObject) done = NULL;
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) r = NULL;

  json_object_unref (tf_test_server_ok (s,
                                        "{\"cmd\":\"bootstrap\",\"ep\":\"bs-1\",\"server_uri\":"
                                        "\"coap://127.0.0.1:%u\",\"lifetime\":45,\"short_id\":7}",
                                        s->port));
  c = tf_test_client_start ("--endpoint=bs-1", bs, "--start", NULL);
  done = tf_test_must_wait (s, "bootstrap", "bs-1", 0, T_REG);
  g_assert_false (json_object_has_member (done, "error"));
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: bootstrapped", T_REG));
  reg = tf_test_must_wait (s, "registration", "bs-1", 0, T_REG);
  /* the lifetime written to the Server object is the one registered with */
  g_assert_cmpint (json_object_get_int_member (reg, "lifetime"), ==, 45);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  r = tf_test_read_as (s, "bs-1", "/1/1", "tlv");
  g_assert_cmpstr (tf_test_value (r, "/1/1/0"), ==, "7");
  /* server-initiated: the Bootstrap-Request Trigger runs the sequence again */
  {
    g_autoptr (JsonObject) x
        = tf_test_server_ok (s, "{\"cmd\":\"execute\",\"ep\":\"bs-1\",\"path\":\"/1/1/9\"}");
    g_autoptr (JsonObject) again = NULL;
    g_autoptr (JsonObject) reg2 = NULL;
    g_assert_cmpstr (json_object_get_string_member (x, "code"), ==, "2.04");
    again = tf_test_must_wait (s, "bootstrap", "bs-1", json_object_get_int_member (done, "seq"),
                               T_REG);
    g_assert_false (json_object_has_member (again, "error"));
    reg2 = tf_test_must_wait (s, "registration", "bs-1", json_object_get_int_member (reg, "seq"),
                              T_REG);
    g_assert_cmpint (json_object_get_int_member (reg2, "lifetime"), ==, 45);
  }
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_bootstrap_unknown (void)
{
  TfTestServer *s = tf_test_server_start (TRUE, FALSE, NULL);
  g_autofree char *bs = g_strdup_printf ("--bootstrap=coap://127.0.0.1:%u", s->bs_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=bs-unknown", bs, "--start", NULL);
  const char *line = tf_test_client_expect (c, "lwm2m: error:", T_REG);
  g_assert_nonnull (line);
  g_assert_nonnull (strstr (line, "4.00"));
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/net/register-update-deregister", test_register_update_deregister);
  g_test_add_func ("/lwm2m/net/lifetime-expiry", test_lifetime_expiry);
  g_test_add_func ("/lwm2m/net/dm-operations", test_dm_operations);
  g_test_add_func ("/lwm2m/net/observe", test_observe);
  g_test_add_func ("/lwm2m/net/observe-pmin", test_observe_pmin);
  g_test_add_func ("/lwm2m/net/observe-composite", test_observe_composite);
  g_test_add_func ("/lwm2m/net/queue-mode", test_queue_mode);
  g_test_add_func ("/lwm2m/net/queue-mode-client", test_queue_mode_client);
  g_test_add_func ("/lwm2m/net/bootstrap", test_bootstrap);
  g_test_add_func ("/lwm2m/net/bootstrap-unknown", test_bootstrap_unknown);
  return g_test_run ();
}
