/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The broker as tf-broker-config sets it up, tried with real clients of every
 * identity: the daemon, staff, two companies, anonymous, a wrong password.
 * "Nothing delivered" is checked without sleeping: the forbidden message is
 * followed on the same connection by an allowed marker, and MQTT keeps one
 * connection's messages in order, so once the marker is in, the other would
 * have been too. Runs in its own network namespace (the websockets listener
 * binds every interface). */
#include "tf-broker-world.h"

static void
test_private_read (void)
{
  const char *lab = world->lab;
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) a = NULL, b = NULL, staff = NULL, anon = NULL;

  publish (daemon, lab, "private/acme/session/s1/report", report_a, TRUE);
  publish (daemon, lab, "private/kiwi/session/s1/report", report_a, TRUE);
  publish (daemon, lab, "board/b1/state", "{\"schema\":1,\"id\":\"b1\"}", TRUE);
  /* a farm coordinator's summary of its hosts (issue 18): staff only */
  publish (daemon, lab, "hosts", "{\"schema\":1,\"hosts\":{}}", TRUE);
  publish (daemon, lab, "summary", "{\"schema\":1}", TRUE);

  a = client (world, "acme");
  b = client (world, "kiwi");
  staff = client (world, "staff");
  anon = client (world, NULL);
  for (Client **c = (Client *[]){ a, b, staff, anon, NULL }; *c; c++)
    {
      /* subscribing to everything is allowed; delivery is what the ACL filters */
      subscribe (*c, lab, "#");
      /* retained messages come in publication order: summary was the last */
      g_assert_true (
          wait_for (*c, NULL, has_topic, (gpointer)g_strdup_printf ("tf/%s/summary", lab), 5000));
      g_assert_true (got (*c, lab, "board/b1/state"));
    }
  g_assert_true (got (a, lab, "private/acme/session/s1/report"));
  g_assert_false (got (a, lab, "private/kiwi/session/s1/report"));
  g_assert_true (got (b, lab, "private/kiwi/session/s1/report"));
  g_assert_false (got (b, lab, "private/acme/session/s1/report"));
  g_assert_true (got (staff, lab, "private/acme/session/s1/report"));
  g_assert_true (got (staff, lab, "private/kiwi/session/s1/report"));
  g_assert_false (got (anon, lab, "private/acme/session/s1/report"));
  g_assert_false (got (anon, lab, "private/kiwi/session/s1/report"));
  g_assert_true (got (staff, lab, "hosts"));
  g_assert_false (got (a, lab, "hosts"));
  g_assert_false (got (b, lab, "hosts"));
  g_assert_false (got (anon, lab, "hosts"));

  /* live console lines: to acme and staff, not to kiwi or anonymous, even
   * when kiwi subscribes to acme's subtree by name */
  subscribe (b, lab, "private/acme/#");
  g_assert_true (delivered (daemon, a, "private/acme/session/s1/console", "summary"));
  g_assert_true (wait_for (staff, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/private/acme/session/s1/console", lab),
                           5000));
  g_assert_true (
      wait_for (b, NULL, has_topic, (gpointer)g_strdup_printf ("tf/%s/summary", lab), 5000));
  g_hash_table_remove_all (b->got);
  g_assert_false (delivered (daemon, b, "private/acme/session/s2/console", "session/s2/state"));
  g_hash_table_remove_all (anon->got);
  g_assert_false (delivered (daemon, anon, "private/acme/session/s3/console", "session/s3/state"));

  /* a session's live trace (issue 17): the daemon may write it, acme and staff read it, kiwi
   * (a third company here) and anonymous do not */
  g_assert_true (delivered (daemon, a, "private/acme/session/s4/trace", "summary"));
  g_assert_true (wait_for (staff, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/private/acme/session/s4/trace", lab),
                           5000));
  g_hash_table_remove_all (b->got);
  g_assert_false (delivered (daemon, b, "private/acme/session/s5/trace", "session/s5/state"));
  g_hash_table_remove_all (anon->got);
  g_assert_false (delivered (daemon, anon, "private/acme/session/s6/trace", "session/s6/state"));

  /* clean the retained messages for the other tests */
  publish (daemon, lab, "private/acme/session/s1/report", "", TRUE);
  publish (daemon, lab, "private/kiwi/session/s1/report", "", TRUE);
  publish (daemon, lab, "hosts", "", TRUE);
}

/* Only a company writes its in/ subtree; only staff write cmd/. */
static void
test_writes (void)
{
  const char *lab = world->lab;
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) a = client (world, "acme");
  g_autoptr (Client) b = client (world, "kiwi");
  g_autoptr (Client) staff = client (world, "staff");
  g_autoptr (Client) anon = client (world, NULL);

  subscribe (daemon, lab, "in/#");
  subscribe (daemon, lab, "cmd/#");
  /* positive controls: the marker of each check is an allowed write */
  g_assert_true (delivered (a, daemon, "in/acme/verdict", "in/acme/m1"));
  g_assert_true (delivered (staff, daemon, "cmd/status", "cmd/m1"));
  /* kiwi writes neither acme's in/ nor cmd/ */
  g_assert_false (delivered (b, daemon, "in/acme/verdict", "in/kiwi/m2"));
  g_assert_false (delivered (b, daemon, "cmd/power", "in/kiwi/m3"));
  /* acme does not write cmd/, staff do not enter verdicts for a company */
  g_assert_false (delivered (a, daemon, "cmd/release", "in/acme/m4"));
  g_assert_false (delivered (staff, daemon, "in/acme/verdict2", "cmd/m5"));
}

/* The daemon publishes state; it never writes a request into a company's
 * in/ or a staff cmd/ (a daemon bug or a forged reply topic cannot act in
 * anyone's name). */
static void
test_daemon_writes_no_requests (void)
{
  const char *lab = world->lab;
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) watch = client (world, "testfestd");

  subscribe (watch, lab, "in/#");
  subscribe (watch, lab, "cmd/#");
  g_assert_false (delivered (daemon, watch, "in/acme/verdict", "in/kiwi/d1"));
  g_assert_false (delivered (daemon, watch, "cmd/power", "cmd/d2"));
}

/* MQTT session takeover: a client id that names an account is usable by
 * that account alone (tf-broker-plugin); its holder stays connected. */
static void
test_client_id_takeover (void)
{
  g_autofree char *daemon_id = g_strdup_printf ("testfestd-%s-acl-host", world->lab);
  g_autoptr (Client) daemon = client_try (world, "testfestd", NULL, daemon_id);
  g_autoptr (Client) anon = NULL, a = NULL, own = NULL, other = NULL, plain = NULL;
  g_autoptr (Client) watch = client (world, "staff");

  g_assert_cmpint (daemon->connack, ==, 0);
  anon = client_try (world, NULL, NULL, daemon_id);
  a = client_try (world, "acme", NULL, daemon_id);
  g_assert_cmpint (anon->connack, ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (a->connack, ==, MQTT_RC_NOT_AUTHORIZED);
  /* a company's ids are its own too; ids that name no account are free */
  own = client_try (world, "acme", NULL, "acme-ctl-1");
  other = client_try (world, "kiwi", NULL, "acme-ctl-2");
  plain = client_try (world, "kiwi", NULL, "dashboard-7f3a");
  g_assert_cmpint (own->connack, ==, 0);
  g_assert_cmpint (other->connack, ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (plain->connack, ==, 0);
  /* the daemon's connection survived every attempt: it still publishes */
  subscribe (watch, world->lab, "board/#");
  publish (daemon, world->lab, "board/takeover/state", "{\"schema\":1}", FALSE);
  g_assert_true (wait_for (watch, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/board/takeover/state", world->lab),
                           5000));
}

/* Requests are events: the broker refuses a retained one on in/ and cmd/,
 * so no stale request waits for the daemon's next connection. */
static void
test_retained_request (void)
{
  g_autoptr (Client) a = client (world, "acme");
  g_autoptr (Client) staff = client (world, "staff");
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) late = NULL;

  subscribe (daemon, world->lab, "in/#");
  subscribe (daemon, world->lab, "cmd/#");
  publish (a, world->lab, "in/acme/verdict", "{\"retained\":1}", TRUE);
  publish (staff, world->lab, "cmd/power", "{\"retained\":1}", TRUE);
  /* the same, not retained, goes through: the markers prove the order */
  publish (a, world->lab, "in/acme/retain-marker", "{}", FALSE);
  publish (staff, world->lab, "cmd/retain-marker", "{}", FALSE);
  g_assert_true (wait_for (daemon, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/cmd/retain-marker", world->lab),
                           5000));
  g_assert_true (wait_for (daemon, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/in/acme/retain-marker", world->lab),
                           5000));
  g_assert_false (got (daemon, world->lab, "in/acme/verdict"));
  g_assert_false (got (daemon, world->lab, "cmd/power"));
  /* and nothing was kept for a later subscriber */
  late = client (world, "testfestd");
  subscribe (late, world->lab, "in/#");
  subscribe (late, world->lab, "cmd/#");
  publish (staff, world->lab, "cmd/late-marker", "{}", FALSE);
  g_assert_true (wait_for (late, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/cmd/late-marker", world->lab), 5000));
  g_assert_false (got (late, world->lab, "in/acme/verdict"));
  g_assert_false (got (late, world->lab, "cmd/power"));
}

/* The broker refuses a packet over its max_packet_size before anyone parses it. */
static void
test_packet_size (void)
{
  g_autoptr (Client) staff = client (world, "staff");
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autofree char *big = g_malloc (2 * 1024 * 1024 + 1);
  g_autofree char *t = g_strdup_printf ("tf/%s/cmd/status", world->lab);
  int rc;

  memset (big, '[', 2 * 1024 * 1024);
  big[2 * 1024 * 1024] = '\0';
  subscribe (daemon, world->lab, "cmd/#");
  /* libmosquitto knows the broker's maximum from the CONNACK and refuses
   * to send; a client that ignored it would be disconnected */
  rc = mosquitto_publish_v5 (staff->m, NULL, t, strlen (big), big, 1, FALSE, NULL);
  g_assert_cmpint (rc, ==, MOSQ_ERR_OVERSIZE_PACKET);
  /* the connection still works, and nothing of the big one arrived */
  publish (staff, world->lab, "cmd/size-marker", "{}", FALSE);
  g_assert_true (wait_for (daemon, NULL, has_topic,
                           (gpointer)g_strdup_printf ("tf/%s/cmd/size-marker", world->lab), 5000));
  g_assert_false (g_hash_table_contains (daemon->got, t));
}

/* Nobody but the daemon writes the published state; anonymous writes nothing. */
static void
test_no_spoofing (void)
{
  const char *lab = world->lab;
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) staff = client (world, "staff");
  g_autoptr (Client) watch = client (world, "testfestd");
  g_autoptr (Client) a = client (world, "acme");
  g_autoptr (Client) anon = client (world, NULL);
  g_autofree char *state_topic = g_strdup_printf ("tf/%s/board/b9/state", lab);
  const char *const topics[] = { "board/b9/state",
                                 "schedule",
                                 "summary",
                                 "session/s9/state",
                                 "host/h/status",
                                 "in/acme/verdict",
                                 "cmd/power",
                                 "private/acme/session/s9/report",
                                 NULL };

  subscribe (staff, lab, "#");
  subscribe (watch, lab, "in/#");
  subscribe (watch, lab, "cmd/#");
  publish (daemon, lab, "board/b9/state", "{\"schema\":1,\"state\":\"ready\"}", TRUE);
  g_assert_true (wait_for (staff, NULL, has_topic, state_topic, 5000));
  /* anonymous writes nothing at all; staff sees the floor, the daemon in/ and cmd/ */
  for (guint i = 0; topics[i] != NULL; i++)
    {
      g_hash_table_remove_all (staff->got);
      g_hash_table_remove_all (watch->got);
      g_assert_false (delivered (anon, staff, topics[i], "session/marker/state"));
      g_assert_false (delivered (anon, watch, topics[i], "in/kiwi/marker"));
    }
  /* a company cannot forge the floor or a report, its own or another's */
  for (guint i = 0; i < 5; i++)
    {
      g_hash_table_remove_all (staff->got);
      g_assert_false (delivered (a, staff, topics[i], "session/marker/state"));
    }
  g_assert_false (delivered (a, staff, "private/acme/session/s9/report", "summary"));
  g_assert_false (delivered (a, staff, "private/kiwi/session/s9/report", "summary"));
  /* the retained state is the daemon's still */
  {
    g_autoptr (Client) late = client (world, "staff");
    subscribe (late, lab, "board/b9/state");
    g_assert_true (wait_for (late, NULL, has_topic, state_topic, 5000));
    g_assert_cmpstr (g_hash_table_lookup (late->got, state_topic), ==,
                     "{\"schema\":1,\"state\":\"ready\"}");
  }
  publish (daemon, lab, "board/b9/state", "", TRUE);
}

/* A client reads the replies to its own client id, and no one else's. */
static void
test_replies (void)
{
  const char *lab = world->lab;
  g_autoptr (Client) daemon = client (world, "testfestd");
  g_autoptr (Client) staff = client_try (world, "staff", NULL, "ctl-1234");
  g_autoptr (Client) a = client_try (world, "acme", NULL, "acme-web-1");
  g_autoptr (Client) anon = client_try (world, NULL, NULL, "ctl-9999");
  g_autoptr (Client) staff2 = client_try (world, "staff", NULL, "ctl-5678");

  subscribe (staff, lab, "reply/#");
  subscribe (a, lab, "reply/#");
  subscribe (anon, lab, "reply/#");
  subscribe (anon, lab, "summary");
  subscribe (staff2, lab, "reply/#");
  /* replies live under tf/LAB/reply/<account>/<client id>: both must match */
  g_assert_false (delivered (daemon, staff, "reply/staff/ctl-5678", "reply/staff/ctl-1234"));
  g_assert_false (delivered (daemon, a, "reply/staff/ctl-1234", "reply/acme/acme-web-1"));
  g_assert_true (got (staff2, lab, "reply/staff/ctl-5678")
                 || wait_for (staff2, NULL, has_topic,
                              (gpointer)g_strdup_printf ("tf/%s/reply/staff/ctl-5678", lab), 5000));
  g_assert_false (delivered (daemon, staff2, "reply/staff/ctl-1234", "reply/staff/ctl-5678"));
  /* the right client id under another account's name is not enough */
  g_assert_false (delivered (daemon, staff, "reply/acme/ctl-1234", "reply/staff/ctl-1234"));
  g_assert_true (delivered (daemon, a, "reply/acme/acme-web-1/x", "reply/acme/acme-web-1"));
  g_assert_false (delivered (daemon, anon, "reply/anonymous/ctl-9999", "summary"));
}

/* Wrong passwords, unknown users and (where the event says so) anonymous
 * clients are refused at CONNECT. */
static void
test_refused (void)
{
  g_autoptr (Client) bad = client_try (world, "acme", "not-the-password", NULL);
  g_autoptr (Client) nobody = client_try (world, "mallory", "secret", NULL);
  g_autoptr (Client) swapped
      = client_try (world, "kiwi", g_hash_table_lookup (world->pw, "acme"), NULL);
  g_assert_cmpint (bad->connack, ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (nobody->connack, ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (swapped->connack, ==, MQTT_RC_NOT_AUTHORIZED);
}

static void
test_no_anonymous (void)
{
  World *w = world_new (FALSE);
  {
    g_autoptr (Client) anon = client_try (w, NULL, NULL, NULL);
    g_autoptr (Client) a = client (w, "acme");
    g_assert_cmpint (anon->connack, !=, 0);
  }
  world_free (w);
}

/* With a certificate: MQTT over TLS beside plain TCP, the same accounts. */
int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (!world_setup ())
    return 77;
  g_test_add_func ("/broker/private-read", test_private_read);
  g_test_add_func ("/broker/writes", test_writes);
  g_test_add_func ("/broker/no-spoofing", test_no_spoofing);
  g_test_add_func ("/broker/daemon-writes-no-requests", test_daemon_writes_no_requests);
  g_test_add_func ("/broker/client-id-takeover", test_client_id_takeover);
  g_test_add_func ("/broker/packet-size", test_packet_size);
  g_test_add_func ("/broker/retained-request", test_retained_request);
  g_test_add_func ("/broker/replies", test_replies);
  g_test_add_func ("/broker/refused", test_refused);
  g_test_add_func ("/broker/no-anonymous", test_no_anonymous);
  rc = g_test_run ();
  world_teardown ();
  return rc;
}
