/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-server and tf-lwm2m-client against each other on loopback: registration interface,
 * device management in every content format, observe with attributes and both cancels,
 * bootstrap, DTLS PSK, block-wise transfer, a lossy link and the declared quirks. */
#include "config.h"

#include "tf-lwm2m-net-util.h"

#define T_REG 30000   /* a registration on loopback, generous for a loaded machine */
#define T_EVENT 60000 /* an event that needs lifetimes or pmax to pass */

static char *
uri (guint16 port)
{
  return g_strdup_printf ("--server=coap://127.0.0.1:%u", port);
}

static JsonObject *
wait_event (TfTestServer *s, const char *event, const char *ep, gint64 since, guint timeout_ms)
{
  return tf_test_server_cmd (
      s,
      "{\"cmd\":\"wait\",\"event\":\"%s\",\"ep\":\"%s\",\"since\":%" G_GINT64_FORMAT
      ",\"timeout_ms\":%u}",
      event, ep, since, timeout_ms);
}

/* The event of a wait that must come. */
static JsonObject *
must_wait (TfTestServer *s, const char *event, const char *ep, gint64 since, guint timeout_ms)
{
  g_autoptr (JsonObject) r = wait_event (s, event, ep, since, timeout_ms);
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("no %s event for %s: %s", event, ep,
             json_object_get_string_member_with_default (r, "error", "?"));
  return json_object_ref (json_object_get_object_member (r, "result"));
}

static const char *
value (JsonObject *result, const char *path)
{
  JsonObject *v = json_object_get_object_member (result, "values");
  g_assert_nonnull (v);
  return json_object_get_string_member_with_default (v, path, NULL);
}

static void
test_register_update_deregister (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=reg-1", server, "--lifetime=4", NULL);
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) upd = NULL;
  g_autoptr (JsonObject) dereg = NULL;
  g_autoptr (JsonObject) list = NULL;

  /* the provisioning language of the lab */
  tf_test_client_send (c, "lwm2m start");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  reg = must_wait (s, "registration", "reg-1", 0, T_REG);
  g_assert_cmpint (json_object_get_int_member (reg, "lifetime"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (reg, "binding"), ==, "U");
  g_assert_cmpstr (json_object_get_string_member (reg, "version"), ==, "1.1");
  g_assert_nonnull (strstr (json_object_get_string_member (reg, "links"), "</3/0>"));
  /* an Update at lifetime/2 */
  upd = must_wait (s, "update", "reg-1", json_object_get_int_member (reg, "seq"), T_EVENT);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: updated", T_REG));
  /* on demand */
  tf_test_client_send (c, "lwm2m update");
  json_object_unref (
      must_wait (s, "update", "reg-1", json_object_get_int_member (upd, "seq"), T_EVENT));
  tf_test_client_send (c, "lwm2m stop");
  dereg = must_wait (s, "deregistration", "reg-1", 0, T_REG);
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
  g_autofree char *server = uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=exp-1", server, "--lifetime=3", "--start", NULL);
  g_autoptr (JsonObject) reg = must_wait (s, "registration", "exp-1", 0, T_REG);
  g_autoptr (JsonObject) exp = NULL;
  g_autoptr (JsonObject) none = NULL;
  tf_test_client_kill (c);
  exp = must_wait (s, "expiry", "exp-1", 0, T_EVENT);
  g_assert_cmpint (json_object_get_int_member (exp, "lifetime"), ==, 3);
  none = wait_event (s, "deregistration", "exp-1", 0, 10);
  g_assert_false (json_object_get_boolean_member (none, "ok"));
  tf_test_server_stop (s);
}

static JsonObject *
read_as (TfTestServer *s, const char *ep, const char *path, const char *format)
{
  return tf_test_server_ok (s, "{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"%s\",\"format\":\"%s\"}",
                            ep, path, format);
}

static void
test_dm_operations (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=dm-1", server, "--version=2.3.4", "--start", NULL);
  const char *formats[] = { "tlv", "senml-json", "senml-cbor", "json" };
  JsonObject *r;

  json_object_unref (must_wait (s, "registration", "dm-1", 0, T_REG));
  /* Read of an instance in every format that holds one */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      r = read_as (s, "dm-1", "/3/0", formats[i]);
      g_test_message ("read /3/0 as %s: %s", formats[i],
                      json_object_get_string_member_with_default (r, "format", "?"));
      g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
      g_assert_cmpstr (value (r, "/3/0/3"), ==, "2.3.4");
      g_assert_cmpstr (value (r, "/3/0/1"), ==, "tf-lwm2m-client");
      g_assert_cmpstr (value (r, "/3/0/7/0"), ==, "3300");
      json_object_unref (r);
    }
  /* a single resource as plain text */
  r = read_as (s, "dm-1", "/3/0/9", "text");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (value (r, "/3/0/9"), ==, "100");
  json_object_unref (r);

  /* Write (replace) a resource in text, TLV and SenML JSON, read back */
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"dm-1\",\"path\":\"/3/0/"
                            "14\",\"format\":\"text\",\"values\":{\"/3/0/14\":\"+01:00\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = read_as (s, "dm-1", "/3/0/14", "text");
  g_assert_cmpstr (value (r, "/3/0/14"), ==, "+01:00");
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
  r = read_as (s, "dm-1", "/3/0", "senml-json");
  g_assert_cmpstr (value (r, "/3/0/14"), ==, "+02:00");
  g_assert_cmpstr (value (r, "/3/0/15"), ==, "Europe/Paris");
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
  r = must_wait (s, "update", "dm-1", 0, T_EVENT);
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
  r = read_as (s, "dm-1", "/1/5", "senml-cbor");
  g_assert_cmpstr (value (r, "/1/5/1"), ==, "60");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"delete\",\"ep\":\"dm-1\",\"path\":\"/1/5\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.02");
  json_object_unref (r);
  r = read_as (s, "dm-1", "/1/5", "tlv");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.04");
  json_object_unref (r);

  /* Read-Composite and Write-Composite (1.1, SenML) */
  r = tf_test_server_ok (
      s,
      "{\"cmd\":\"read-composite\",\"ep\":\"dm-1\",\"paths\":[\"/3/0/0\",\"/3/0/9\",\"/1/0/1\"]}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (value (r, "/3/0/0"), ==, "TestFest Lab");
  g_assert_cmpstr (value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (value (r, "/1/0/1"), ==, "77");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"write-composite\",\"ep\":\"dm-1\",\"values\":{\"/3/0/"
                            "14\":\"-05:00\",\"/1/0/2\":\"3\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.04");
  json_object_unref (r);
  r = read_as (s, "dm-1", "/3/0/14", "text");
  g_assert_cmpstr (value (r, "/3/0/14"), ==, "-05:00");
  json_object_unref (r);

  /* Send (1.1): POST /dp in SenML JSON */
  tf_test_client_send (c, "lwm2m send /3/0/9 /3/0/0");
  r = must_wait (s, "send", "dm-1", 0, T_EVENT);
  g_assert_cmpstr (value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (value (r, "/3/0/0"), ==, "TestFest Lab");
  json_object_unref (r);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: send answered 2.04", T_REG));

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static gint64
observe (TfTestServer *s, const char *ep, const char *path)
{
  g_autoptr (JsonObject) r = tf_test_server_ok (
      s, "{\"cmd\":\"observe\",\"ep\":\"%s\",\"path\":\"%s\",\"format\":\"text\"}", ep, path);
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_true (json_object_has_member (r, "observe"));
  return json_object_get_int_member (r, "observation");
}

static JsonObject *
next_notification (TfTestServer *s, gint64 obs, gint64 *since, guint timeout_ms)
{
  g_autoptr (JsonObject) r = tf_test_server_cmd (
      s,
      "{\"cmd\":\"wait\",\"event\":\"notification\",\"observation\":%" G_GINT64_FORMAT
      ",\"since\":%" G_GINT64_FORMAT ",\"timeout_ms\":%u}",
      obs, *since, timeout_ms);
  JsonObject *ev;
  if (!json_object_get_boolean_member (r, "ok"))
    return NULL;
  ev = json_object_ref (json_object_get_object_member (r, "result"));
  *since = json_object_get_int_member (ev, "seq");
  return ev;
}

static void
test_observe (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=obs-1", server, "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (must_wait (s, "registration", "obs-1", 0, T_REG));
  /* pmax: a notification without a change */
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\",\"path\":\"/3/0/9\",\"attrs\":\"pmax=2\"}"));
  obs = observe (s, "obs-1", "/3/0/9");
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "100");
  json_object_unref (n);
  /* st=10, pmax long: a change of 5 is not notified, one of 20 is */
  json_object_unref (tf_test_server_ok (s, "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\","
                                           "\"path\":\"/3/0/9\",\"attrs\":\"pmax=600&st=10\"}"));
  /* the pmax=2 timer may have been due just before: skip what is already there */
  n = next_notification (s, obs, &since, 100);
  g_clear_pointer (&n, json_object_unref);
  tf_test_client_send (c, "set /3/0/9 95");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  tf_test_client_send (c, "set /3/0/9 80");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "80");
  json_object_unref (n);
  /* gt=50: crossing it is notified (80 → 40), not moving below it without st (40 → 45) */
  json_object_unref (tf_test_server_ok (s, "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\","
                                           "\"path\":\"/3/0/9\",\"attrs\":\"st&gt=50\"}"));
  tf_test_client_send (c, "set /3/0/9 45");
  tf_test_client_send (c, "set /3/0/9 60");
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "45");
  json_object_unref (n);
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "60");
  json_object_unref (n);

  /* cancel with Observe=1: the change after it is not notified */
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  tf_test_client_send (c, "set /3/0/9 10");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = next_notification (s, obs, &since, 3000);
  g_assert_null (n);

  /* cancel by RST: the next notification is refused and is the last */
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"obs-1\",\"path\":\"/3/0/9\",\"attrs\":\"gt&pmax\"}"));
  obs = observe (s, "obs-1", "/3/0/9");
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"reset\"}", obs));
  tf_test_client_send (c, "set /3/0/9 11");
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_true (json_object_get_boolean_member_with_default (n, "after_cancel", FALSE));
  json_object_unref (n);
  tf_test_client_send (c, "set /3/0/9 12");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = next_notification (s, obs, &since, 3000);
  g_assert_null (n);

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* pmin holds notifications back: two changes inside it make one notification, of the
 * latest value (no timing asserted: the first value is never notified). */
static void
test_observe_pmin (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=pmin-1", server, "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (must_wait (s, "registration", "pmin-1", 0, T_REG));
  json_object_unref (tf_test_server_ok (
      s,
      "{\"cmd\":\"write-attributes\",\"ep\":\"pmin-1\",\"path\":\"/3/0/9\",\"attrs\":\"pmin=5\"}"));
  obs = observe (s, "pmin-1", "/3/0/9");
  tf_test_client_send (c, "set /3/0/9 70");
  tf_test_client_send (c, "set /3/0/9 71");
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "71");
  json_object_unref (n);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* Observe-Composite (1.1): one observation of several paths, notified when any changes. */
static void
test_observe_composite (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=oc-1", server, "--start", NULL);
  g_autoptr (JsonObject) r = NULL;
  gint64 since = 0, obs;
  JsonObject *n;

  json_object_unref (must_wait (s, "registration", "oc-1", 0, T_REG));
  r = tf_test_server_ok (
      s, "{\"cmd\":\"observe-composite\",\"ep\":\"oc-1\",\"paths\":[\"/3/0/9\",\"/3/0/14\"]}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpstr (value (r, "/3/0/9"), ==, "100");
  g_assert_cmpstr (value (r, "/3/0/14"), ==, "+00:00");
  obs = json_object_get_int_member (r, "observation");
  g_assert_cmpint (obs, >, 0);
  tf_test_client_send (c, "set /3/0/9 33");
  n = next_notification (s, obs, &since, T_EVENT);
  g_assert_nonnull (n);
  g_assert_cmpstr (value (n, "/3/0/9"), ==, "33");
  g_assert_cmpstr (value (n, "/3/0/14"), ==, "+00:00");
  json_object_unref (n);
  /* cancelled with Observe=1 (a FETCH again): nothing more */
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  tf_test_client_send (c, "set /3/0/9 34");
  g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
  n = next_notification (s, obs, &since, 3000);
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
  g_autofree char *server = uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=q-1", server, "--queue", "--lifetime=4", "--start", NULL);
  g_autoptr (JsonObject) reg = must_wait (s, "registration", "q-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) upd = NULL;
  gint64 answered;

  g_assert_true (json_object_get_boolean_member (reg, "queue"));
  r = read_as (s, "q-1", "/3/0/9", "text");
  answered = g_get_real_time ();
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  upd = must_wait (s, "update", "q-1", json_object_get_int_member (reg, "seq"), 10);
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
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=qc-1", server, "--queue", "--queue-window=1",
                                          "--lifetime=6", "--start", NULL);
  g_autoptr (JsonObject) reg = must_wait (s, "registration", "qc-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) upd = NULL;
  gint64 answered;

  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: sleeping", T_EVENT));
  r = read_as (s, "qc-1", "/3/0/9", "text");
  answered = g_get_real_time ();
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: awake", T_REG));
  upd = must_wait (s, "update", "qc-1", json_object_get_int_member (reg, "seq"), 10);
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
  done = must_wait (s, "bootstrap", "bs-1", 0, T_REG);
  g_assert_false (json_object_has_member (done, "error"));
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: bootstrapped", T_REG));
  reg = must_wait (s, "registration", "bs-1", 0, T_REG);
  /* the lifetime written to the Server object is the one registered with */
  g_assert_cmpint (json_object_get_int_member (reg, "lifetime"), ==, 45);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  r = read_as (s, "bs-1", "/1/1", "tlv");
  g_assert_cmpstr (value (r, "/1/1/0"), ==, "7");
  /* server-initiated: the Bootstrap-Request Trigger runs the sequence again */
  {
    g_autoptr (JsonObject) x
        = tf_test_server_ok (s, "{\"cmd\":\"execute\",\"ep\":\"bs-1\",\"path\":\"/1/1/9\"}");
    g_autoptr (JsonObject) again = NULL;
    g_autoptr (JsonObject) reg2 = NULL;
    g_assert_cmpstr (json_object_get_string_member (x, "code"), ==, "2.04");
    again = must_wait (s, "bootstrap", "bs-1", json_object_get_int_member (done, "seq"), T_REG);
    g_assert_false (json_object_has_member (again, "error"));
    reg2 = must_wait (s, "registration", "bs-1", json_object_get_int_member (reg, "seq"), T_REG);
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

static void
test_dtls_psk (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, TRUE, "--psk=dev-1:0102030405060708", NULL);
  g_autofree char *server = g_strdup_printf ("--server=coaps://127.0.0.1:%u", s->psk_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=psk-1", server, "--psk-id=dev-1",
                                          "--psk-key=0102030405060708", "--start", NULL);
  g_autoptr (JsonObject) reg = must_wait (s, "registration", "psk-1", 0, T_REG);
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) fail = NULL;
  g_autoptr (JsonObject) none = NULL;
  TfTestClient *bad;

  g_assert_cmpstr (json_object_get_string_member (reg, "psk_identity"), ==, "dev-1");
  r = read_as (s, "psk-1", "/3/0/0", "text");
  g_assert_cmpstr (value (r, "/3/0/0"), ==, "TestFest Lab");
  tf_test_client_kill (c);

  /* the wrong key: refused, and the server says why */
  bad = tf_test_client_start ("--endpoint=psk-2", server, "--psk-id=dev-1",
                              "--psk-key=0102030405060709", "--start", NULL);
  fail = must_wait (s, "dtls-failure", "", 0, T_EVENT);
  g_test_message ("server: %s", json_object_get_string_member (fail, "reason"));
  g_assert_nonnull (json_object_get_string_member (fail, "reason"));
  none = wait_event (s, "registration", "psk-2", 0, 2000);
  g_assert_false (json_object_get_boolean_member (none, "ok"));
  tf_test_client_kill (bad);

  /* an unknown identity, named by the server */
  bad = tf_test_client_start ("--endpoint=psk-3", server, "--psk-id=stranger",
                              "--psk-key=0102030405060708", "--start", NULL);
  json_object_unref (fail);
  fail = NULL;
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr (JsonObject) f = must_wait (
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
test_blockwise (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  guint16 relay_port = tf_test_free_udp_port ();
  Relay *relay = relay_new (relay_port, s->port, 0);
  g_autofree char *server = uri (relay_port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=blk-1", server, "--large-resource=4096", "--start", NULL);
  g_autoptr (JsonObject) r = NULL;
  g_autofree guchar *data = NULL;
  gsize len = 0;
  guint before;

  json_object_unref (must_wait (s, "registration", "blk-1", 0, T_REG));
  before = relay->forwarded;
  r = read_as (s, "blk-1", "/10240/0/0", "opaque");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  g_assert_cmpint (json_object_get_int_member (r, "payload_len"), ==, 4096);
  data = g_base64_decode (value (r, "/10240/0/0"), &len);
  g_assert_cmpuint (len, ==, 4096);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint (data[i], ==, (guint8)(i * 7 + 3));
  /* it crossed the wire in Block2 parts: several requests and answers, none holding it all */
  g_test_message ("read: %u datagrams, the largest %" G_GSIZE_FORMAT " bytes",
                  relay->forwarded - before, relay->max_len);
  g_assert_cmpuint (relay->forwarded - before, >=, 2 * (4096 / 1024));
  g_assert_cmpuint (relay->max_len, <, 4096);

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
    back = read_as (s, "blk-1", "/10240/0/1", "text");
    g_assert_cmpstr (value (back, "/10240/0/1"), ==, big);
  }
  tf_test_client_kill (c);
  relay_free (relay);
  tf_test_server_stop (s);
}

static void
test_lossy_link (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  guint16 relay_port = tf_test_free_udp_port ();
  Relay *relay = relay_new (relay_port, s->port, 20);
  g_autofree char *server = uri (relay_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=lossy-1", server, "--start", NULL);

  /* CoAP retransmission (RFC 7252 4.2) carries Register and every Read through the loss */
  json_object_unref (must_wait (s, "registration", "lossy-1", 0, 120000));
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr (JsonObject) r = read_as (s, "lossy-1", "/3/0", "tlv");
      g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
      g_assert_cmpstr (value (r, "/3/0/1"), ==, "tf-lwm2m-client");
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
  g_autofree char *server = uri (s->port);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=q-tlv", server, "--quirk=no-tlv", "--start", NULL);
  JsonObject *r;
  json_object_unref (must_wait (s, "registration", "q-tlv", 0, T_REG));
  r = read_as (s, "q-tlv", "/3/0", "tlv");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.06");
  json_object_unref (r);
  r = tf_test_server_ok (s, "{\"cmd\":\"write\",\"ep\":\"q-tlv\",\"path\":\"/3/0/"
                            "14\",\"format\":\"tlv\",\"values\":{\"/3/0/14\":\"+02:00\"}}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.15");
  json_object_unref (r);
  r = read_as (s, "q-tlv", "/3/0", "senml-json");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "2.05");
  json_object_unref (r);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_wrong_update_code (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-upd", server, "--lifetime=4",
                                          "--quirk=wrong-update-code", "--start", NULL);
  g_autoptr (JsonObject) rej = NULL;
  g_autoptr (JsonObject) exp = NULL;
  json_object_unref (must_wait (s, "registration", "q-upd", 0, T_REG));
  rej = must_wait (s, "rejected", "q-upd", 0, T_EVENT);
  g_assert_nonnull (strstr (json_object_get_string_member (rej, "reason"), "PUT"));
  g_assert_nonnull (tf_test_client_expect (c, "update refused: 4.05", T_REG));
  /* never updated: the registration expires although the client runs */
  exp = must_wait (s, "expiry", "q-upd", 0, T_EVENT);
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_lifetime_ignored (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-lt", server, "--lifetime=3",
                                          "--quirk=lifetime-ignored", "--start", NULL);
  g_autoptr (JsonObject) exp = NULL;
  g_autoptr (JsonObject) upd = NULL;
  json_object_unref (must_wait (s, "registration", "q-lt", 0, T_REG));
  exp = must_wait (s, "expiry", "q-lt", 0, T_EVENT);
  upd = wait_event (s, "update", "q-lt", 0, 10);
  g_assert_false (json_object_get_boolean_member (upd, "ok"));
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_quirk_observe_cancel_ignored (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=q-obs", server,
                                          "--quirk=observe-cancel-ignored", "--start", NULL);
  gint64 since = 0, obs;
  JsonObject *n;
  json_object_unref (must_wait (s, "registration", "q-obs", 0, T_REG));
  obs = observe (s, "q-obs", "/3/0/9");
  json_object_unref (tf_test_server_ok (
      s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *cmd = g_strdup_printf ("set /3/0/9 %u", 50 + i);
      tf_test_client_send (c, cmd);
      n = next_notification (s, obs, &since, T_EVENT);
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
  g_test_add_func ("/lwm2m/net/dtls-psk", test_dtls_psk);
  g_test_add_func ("/lwm2m/net/blockwise", test_blockwise);
  g_test_add_func ("/lwm2m/net/lossy-link", test_lossy_link);
  g_test_add_func ("/lwm2m/net/quirk-no-tlv", test_quirk_no_tlv);
  g_test_add_func ("/lwm2m/net/quirk-wrong-update-code", test_quirk_wrong_update_code);
  g_test_add_func ("/lwm2m/net/quirk-lifetime-ignored", test_quirk_lifetime_ignored);
  g_test_add_func ("/lwm2m/net/quirk-observe-cancel-ignored", test_quirk_observe_cancel_ignored);
  return g_test_run ();
}
