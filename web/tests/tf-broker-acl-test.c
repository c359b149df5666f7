/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The broker as tf-broker-config sets it up, tried with real clients of every
 * identity: the daemon, staff, two companies, anonymous, a wrong password.
 * "Nothing delivered" is checked without sleeping: the forbidden message is
 * followed on the same connection by an allowed marker, and MQTT keeps one
 * connection's messages in order, so once the marker is in, the other would
 * have been too. Runs in its own network namespace (the websockets listener
 * binds every interface). */
#include "config.h"

#include "tf-test-host.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tf-netns.h"

typedef struct
{
  struct mosquitto *m;
  char *name;
  int connack; /* -1 until CONNACK */
  gboolean subacked;
  int suback_qos;
  int pending_mid, acked_mid;
  GHashTable *got; /* topic -> payload */
} Client;

typedef struct
{
  char *dir, *conf_dir, *lab, *lab_path, *event_path;
  guint16 port, ws_port, tls_port;
  GSubprocess *broker;
  GHashTable *pw; /* user -> password, from the credentials file */
  gboolean anonymous;
} World;

static World *world; /* the broker with anonymous read allowed */

#define EVENT_TEXT                                                                                 \
  "[event]\nname = ACL test\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"            \
  "day-end = 12:00\ntables = 2\n%s\n"                                                              \
  "[company acme]\nname = Acme IoT GmbH\n\n[company kiwi]\nname = Kiwi Networks Ltd\n\n"           \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\ntransports = udp\n"     \
  "security = psk\nboards = b1\nentry-criteria = yes\nentry-criteria-by = staff\n\n"               \
  "[implementation kiwi-s]\ncompany = kiwi\nrole = server\nversions = 1.1\ntransports = udp\n"     \
  "security = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"

static char *
tool_path (void)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tf-broker-config", NULL);
}

/* Run tf-broker-config; returns its exit status, stderr in @err. */
static int
run_tool_event (World *w, char **err, const char *extra, gboolean event_arg)
{
  g_autofree char *tool = tool_path ();
  g_autofree char *log = g_build_filename (w->dir, "mosquitto.log", NULL);
  g_autofree char *persist = g_build_filename (w->dir, "persist", NULL);
  g_autofree char *event
      = event_arg ? g_strdup_printf ("--event %s", w->event_path) : g_strdup ("");
  g_autofree char *cmd = g_strdup_printf ("%s --lab %s %s --out %s --ws-port %u "
                                          "--bind 127.0.0.1 --log %s --persistence %s %s",
                                          tool, w->lab_path, event, w->conf_dir, w->ws_port, log,
                                          persist, extra ? extra : "");
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_assert_true (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, err,
                               &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

static int
run_tool (World *w, char **err, const char *extra)
{
  return run_tool_event (w, err, extra, TRUE);
}

static void
write_files (World *w, const char *event_extra)
{
  g_autofree char *lab_text = g_strdup_printf (
      "[lab]\nname = %s\nhost = acl-host\nstate-dir = %s/state\nboards-dir = %s/boards\n\n"
      "[broker]\nhost = 127.0.0.1\nport = %u\nuser = testfestd\npassword-file = daemon.pass\n",
      w->lab, w->dir, g_getenv ("TF_SOURCE_ROOT"), w->port);
  g_autofree char *ev = g_strdup_printf (EVENT_TEXT, event_extra);
  g_assert_true (g_file_set_contents (w->lab_path, lab_text, -1, NULL));
  g_assert_true (g_file_set_contents (w->event_path, ev, -1, NULL));
}

static void
load_credentials (World *w)
{
  g_autofree char *path = g_build_filename (w->conf_dir, "credentials", NULL);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_hash_table_remove_all (w->pw);
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      if (f[0] != NULL && f[0][0] != '#' && f[1] != NULL)
        g_hash_table_replace (w->pw, g_strdup (f[0]), g_strdup (f[1]));
    }
}

static gboolean
broker_up (World *w)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", w->port, NULL, NULL);
  return conn != NULL;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
start_broker (World *w)
{
  g_autofree char *conf = g_build_filename (w->conf_dir, "mosquitto.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = g_build_filename (w->dir, "mosquitto.out", NULL);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  /* the broker goes when the test goes, even when it aborts */
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (l, out);
  g_subprocess_launcher_set_stderr_file_path (l, out);
  w->broker = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", conf, NULL);
  g_assert_no_error (error);
  while (!broker_up (w))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static World *
world_new_full (gboolean anonymous, const char *(*extra) (World *w))
{
  World *w = g_new0 (World, 1);
  g_autofree char *err = NULL;
  w->dir = g_dir_make_tmp ("tf-acl-XXXXXX", NULL);
  g_chmod (w->dir, 0755); /* the broker drops to user mosquitto */
  w->conf_dir = g_build_filename (w->dir, "broker", NULL);
  w->lab = g_strdup_printf ("acl%08x", g_random_int ());
  w->lab_path = g_build_filename (w->dir, "lab.conf", NULL);
  w->event_path = g_build_filename (w->dir, "test.event", NULL);
  w->port = tf_test_free_port ();
  w->ws_port = tf_test_free_port ();
  w->anonymous = anonymous;
  w->pw = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->tls_port = tf_test_free_port ();
  write_files (w, anonymous ? "allow-anonymous-read = true\n" : "");
  if (run_tool (w, &err, extra ? extra (w) : NULL) != 0)
    g_error ("tf-broker-config failed: %s", err);
  load_credentials (w);
  start_broker (w);
  return w;
}

static World *
world_new (gboolean anonymous)
{
  return world_new_full (anonymous, NULL);
}

static void
world_free (World *w)
{
  if (w->broker != NULL)
    {
      g_subprocess_send_signal (w->broker, SIGTERM);
      g_subprocess_wait (w->broker, NULL, NULL);
      g_object_unref (w->broker);
    }
  if (g_getenv ("TF_KEEP_TEST_DIRS") == NULL)
    tf_test_rm_rf (w->dir);
  else
    g_printerr ("# kept %s\n", w->dir);
  g_hash_table_unref (w->pw);
  g_free (w->dir);
  g_free (w->conf_dir);
  g_free (w->lab);
  g_free (w->lab_path);
  g_free (w->event_path);
  g_free (w);
}

/* ---- clients ---- */

static void
on_connect (struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p)
{
  ((Client *)obj)->connack = rc;
}

static void
on_subscribe (struct mosquitto *m, void *obj, int mid, int n, const int *qos,
              const mosquitto_property *p)
{
  Client *c = obj;
  c->subacked = TRUE;
  c->suback_qos = n > 0 ? qos[0] : -1;
}

static void
on_publish (struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *p)
{
  ((Client *)obj)->acked_mid = mid;
}

static void
on_message (struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
            const mosquitto_property *p)
{
  Client *c = obj;
  g_hash_table_replace (c->got, g_strdup (msg->topic), g_strndup (msg->payload, msg->payloadlen));
}

static void
pump (Client *c)
{
  mosquitto_loop (c->m, 5, 1);
}

typedef gboolean (*ClientPred) (Client *c, gpointer data);

/* Loop @c (and @other, when given) until @pred holds or @ms pass. */
static gboolean
wait_for (Client *c, Client *other, ClientPred pred, gpointer data, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)ms * 1000;
  while (!pred (c, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      pump (c);
      if (other != NULL)
        pump (other);
    }
  return TRUE;
}

static gboolean
connacked (Client *c, gpointer data)
{
  return c->connack >= 0;
}

static gboolean
has_topic (Client *c, gpointer topic)
{
  return g_hash_table_contains (c->got, topic);
}

static gboolean
subacked (Client *c, gpointer data)
{
  return c->subacked;
}

static void
client_free (Client *c)
{
  mosquitto_disconnect (c->m);
  mosquitto_destroy (c->m);
  g_hash_table_unref (c->got);
  g_free (c->name);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* A v5 client as @user (NULL: anonymous) with @password (NULL: its own). */
static Client *
client_try (World *w, const char *user, const char *password, const char *client_id)
{
  Client *c = g_new0 (Client, 1);
  g_autofree char *id
      = client_id ? g_strdup (client_id)
                  : g_strdup_printf ("acl-%s-%08x", user ? user : "anon", g_random_int ());
  c->name = g_strdup (user ? user : "anonymous");
  c->connack = -1;
  c->got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  c->m = mosquitto_new (id, true, c);
  mosquitto_int_option (c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_v5_callback_set (c->m, on_connect);
  mosquitto_subscribe_v5_callback_set (c->m, on_subscribe);
  mosquitto_message_v5_callback_set (c->m, on_message);
  mosquitto_publish_v5_callback_set (c->m, on_publish);
  if (user != NULL)
    mosquitto_username_pw_set (c->m, user, password ? password : g_hash_table_lookup (w->pw, user));
  g_assert_cmpint (mosquitto_connect_bind_v5 (c->m, "127.0.0.1", w->port, 30, NULL, NULL), ==,
                   MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, connacked, NULL, 5000));
  return c;
}

static Client *
client (World *w, const char *user)
{
  Client *c = client_try (w, user, NULL, NULL);
  g_assert_cmpint (c->connack, ==, 0);
  return c;
}

static void
subscribe (Client *c, const char *lab, const char *filter)
{
  g_autofree char *f = g_strdup_printf ("tf/%s/%s", lab, filter);
  c->subacked = FALSE;
  g_assert_cmpint (mosquitto_subscribe_v5 (c->m, NULL, f, 1, 0, NULL), ==, MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, subacked, NULL, 5000));
}

static gboolean
puback (Client *c, gpointer data)
{
  return c->acked_mid == c->pending_mid;
}

/* QoS 1, and wait for the PUBACK: by then the broker has handed the message
 * to every subscriber it allows (mosquitto queues deliveries first). */
static void
publish (Client *c, const char *lab, const char *topic, const char *payload, gboolean retain)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%s", lab, topic);
  g_assert_cmpint (
      mosquitto_publish_v5 (c->m, &c->pending_mid, t, strlen (payload), payload, 1, retain, NULL),
      ==, MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, puback, NULL, 5000));
}

static gboolean
got (Client *c, const char *lab, const char *topic)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%s", lab, topic);
  return g_hash_table_contains (c->got, t);
}

/* Markers are allowed writes: the daemon's account for what it publishes,
 * a company for its in/, staff for cmd/ (the daemon writes neither). */
static Client *marker, *marker_staff, *marker_acme, *marker_kiwi;

static Client *
marker_for (const char *topic)
{
  if (g_str_has_prefix (topic, "cmd/"))
    return marker_staff;
  if (g_str_has_prefix (topic, "in/acme/"))
    return marker_acme;
  if (g_str_has_prefix (topic, "in/kiwi/"))
    return marker_kiwi;
  return marker;
}

/* @writer publishes @topic (allowed or not) and has its PUBACK; then the
 * marker client publishes @marker_topic, which @reader may read. Deliveries
 * to one client keep the broker's order: once the marker is in, @topic
 * would have come before it. Returns whether it did. */
static gboolean
delivered (Client *writer, Client *reader, const char *topic, const char *marker_topic)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%s", world->lab, marker_topic);
  g_autofree char *m = g_strdup_printf ("%08x", g_random_int ());
  g_hash_table_remove (reader->got, t);
  {
    g_autofree char *forbidden = g_strdup_printf ("tf/%s/%s", world->lab, topic);
    g_hash_table_remove (reader->got, forbidden);
  }
  publish (writer, world->lab, topic, "{\"schema\":1}", FALSE);
  publish (marker_for (marker_topic), world->lab, marker_topic, m, FALSE);
  g_assert_true (wait_for (reader, writer, has_topic, t, 5000));
  return got (reader, world->lab, topic);
}

/* ---- tests ---- */

static const char *report_a = "{\"schema\":1,\"session\":\"acme-c--kiwi-s\",\"cases\":[]}";

/* The daemon's retained private reports reach their company and staff only. */
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
                           (gpointer)g_strdup_printf ("tf/%s/cmd/retain-marker", world->lab), 5000));
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

/* A self-signed certificate for 127.0.0.1, made with openssl. */
static const char *
tls_args (World *w)
{
  static char args[1024];
  g_autofree char *cert = g_build_filename (w->dir, "broker.crt", NULL);
  g_autofree char *key = g_build_filename (w->dir, "broker.key", NULL);
  g_autofree char *cmd = g_strdup_printf (
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s",
      key, cert);
  int status = -1;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_chmod (key, 0644); /* the broker (user mosquitto) reads it */
  g_snprintf (args, sizeof (args), "--cert %s --key %s --tls-port %u", cert, key, w->tls_port);
  return args;
}

/* With a certificate: MQTT over TLS beside plain TCP, the same accounts. */
static void
test_tls (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *cert = NULL;
  World *w;
  Client *c;
  if (openssl == NULL)
    {
      g_test_skip ("no openssl to make a certificate");
      return;
    }
  w = world_new_full (FALSE, tls_args);
  cert = g_build_filename (w->dir, "broker.crt", NULL);
  c = g_new0 (Client, 1);
  c->connack = -1;
  c->got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  c->name = g_strdup ("acme");
  c->m = mosquitto_new ("acl-tls", true, c);
  mosquitto_int_option (c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_v5_callback_set (c->m, on_connect);
  mosquitto_subscribe_v5_callback_set (c->m, on_subscribe);
  mosquitto_message_v5_callback_set (c->m, on_message);
  mosquitto_publish_v5_callback_set (c->m, on_publish);
  mosquitto_username_pw_set (c->m, "acme", g_hash_table_lookup (w->pw, "acme"));
  g_assert_cmpint (mosquitto_tls_set (c->m, cert, NULL, NULL, NULL, NULL), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_connect_bind_v5 (c->m, "127.0.0.1", w->tls_port, 30, NULL, NULL), ==,
                   MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, connacked, NULL, 5000));
  g_assert_cmpint (c->connack, ==, 0);
  {
    /* the ACL holds over TLS as well: acme writes its in/, the daemon reads it */
    g_autoptr (Client) daemon = client (w, "testfestd");
    g_autofree char *t = g_strdup_printf ("tf/%s/in/acme/tls", w->lab);
    subscribe (daemon, w->lab, "in/#");
    publish (c, w->lab, "in/acme/tls", "{}", FALSE);
    g_assert_true (wait_for (daemon, NULL, has_topic, t, 5000));
  }
  client_free (c);
  {
    /* with a certificate nothing in clear leaves the host: the plain MQTT
     * listener is on loopback, and no websockets listener of mosquitto's
     * (it would bind every interface) unless one was asked for */
    g_autofree char *conf = NULL;
    g_autofree char *path = g_build_filename (w->conf_dir, "mosquitto.conf", NULL);
    g_autofree char *plain = g_strdup_printf ("\nlistener %u 127.0.0.1\n", w->port);
    g_assert_true (g_file_get_contents (path, &conf, NULL, NULL));
    g_assert_nonnull (strstr (conf, plain));
    g_assert_null (strstr (conf, "protocol websockets"));
  }
  world_free (w);
}

/* mosquitto_pub, as a person would use it: it exits 0 although the broker
 * refused the message, so delivery is what is checked. */
static void
test_cli (void)
{
  g_autofree char *port = g_strdup_printf ("%u", world->port);
  g_autofree char *topic = g_strdup_printf ("tf/%s/in/acme/verdict", world->lab);
  g_autofree char *marker = g_strdup_printf ("tf/%s/in/kiwi/cli", world->lab);
  g_autoptr (Client) daemon = client (world, "testfestd");
  const char *pw = g_hash_table_lookup (world->pw, "kiwi");
  int status = -1;

  subscribe (daemon, world->lab, "in/#");
  for (const char *t = topic;; t = marker)
    {
      const char *argv[]
          = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", "5",  "-q", "1", "-u",
              "kiwi",          "-P", pw,          "-t", t,    "-m", "{}", NULL };
      g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                   NULL, &status, NULL));
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
      if (t == marker)
        break;
    }
  g_assert_true (wait_for (daemon, NULL, has_topic, marker, 5000));
  g_assert_false (g_hash_table_contains (daemon->got, topic));
  {
    /* a wrong password is refused: mosquitto_sub exits non-zero */
    const char *argv[] = { "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "5", "-u",
                           "kiwi",          "-P", "wrong",     "-t", "#",  "-W", "3", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                                 NULL, &status, NULL));
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 0);
  }
}

/* ---- the tool itself ---- */

static mode_t
mode_of (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  GStatBuf st;
  g_assert_cmpint (g_stat (p, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_tool_files (void)
{
  g_autofree char *err = NULL;
  g_autofree char *acme = g_strdup (g_hash_table_lookup (world->pw, "acme"));
  g_autofree char *daemon_pw = NULL;
  g_autofree char *pass_path = g_build_filename (world->dir, "daemon.pass", NULL);

  g_assert_cmpint (mode_of (world->conf_dir, "credentials"), ==, 0600);
  g_assert_cmpint (mode_of (world->conf_dir, "passwd"), ==, 0640);
  g_assert_cmpint (mode_of (world->conf_dir, "acl"), ==, 0640);
  g_assert_cmpint (mode_of (world->conf_dir, "mosquitto.conf"), ==, 0644);
  /* the broker's log and persistence: not readable by anyone on the host */
  g_assert_cmpint (mode_of (world->dir, "mosquitto.log"), ==, 0640);
  g_assert_cmpint (mode_of (world->dir, "persist"), ==, 0750);
  /* the daemon's password file named in the lab file holds its password */
  g_assert_true (g_file_get_contents (pass_path, &daemon_pw, NULL, NULL));
  g_strchomp (daemon_pw);
  g_assert_cmpstr (daemon_pw, ==, g_hash_table_lookup (world->pw, "testfestd"));
  g_assert_cmpuint (strlen (acme), ==, 20);
  g_assert_cmpstr (acme, !=, g_hash_table_lookup (world->pw, "kiwi"));

  /* a second run keeps every password (--renew makes new ones), and fixes
   * a log someone left readable by everyone */
  {
    g_autofree char *log = g_build_filename (world->dir, "mosquitto.log", NULL);
    g_assert_cmpint (g_chmod (log, 0644), ==, 0);
  }
  g_assert_cmpint (run_tool (world, &err, NULL), ==, 0);
  g_assert_cmpint (mode_of (world->dir, "mosquitto.log"), ==, 0640);
  load_credentials (world);
  g_assert_cmpstr (g_hash_table_lookup (world->pw, "acme"), ==, acme);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_tool (world, &err, "--renew"), ==, 0);
  load_credentials (world);
  g_assert_cmpstr (g_hash_table_lookup (world->pw, "acme"), !=, acme);
  /* SIGHUP: the broker takes the new accounts */
  g_subprocess_send_signal (world->broker, SIGHUP);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    for (;;)
      {
        g_autoptr (Client) c = client_try (world, "acme", NULL, NULL);
        if (c->connack == 0)
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (20000);
      }
  }
}

static void
test_tool_errors (void)
{
  World w = { 0 };
  g_autofree char *err = NULL;
  g_autofree char *data = NULL;

  w.dir = g_dir_make_tmp ("tf-acl-XXXXXX", NULL);
  w.conf_dir = g_build_filename (w.dir, "broker", NULL);
  w.lab = g_strdup ("errlab");
  w.lab_path = g_build_filename (w.dir, "lab.conf", NULL);
  w.event_path = g_build_filename (w.dir, "test.event", NULL);
  w.port = 1883;
  w.ws_port = 9001;

  /* a company named like the staff account: FILE:LINE of its group */
  write_files (&w, "");
  g_assert_true (g_file_get_contents (w.event_path, &data, NULL, NULL));
  {
    g_autofree char *bad = g_strconcat (data, "\n[company staff]\nname = Staff Inc\n", NULL);
    g_assert_true (g_file_set_contents (w.event_path, bad, -1, NULL));
  }
  g_assert_cmpint (run_tool (&w, &err, NULL), ==, 2);
  {
    /* the group stands on the line after the original text and an empty line */
    guint line = 2;
    for (const char *p = data; *p; p++)
      line += *p == '\n';
    g_autofree char *want = g_strdup_printf ("%s:%u: [company staff]", w.event_path, line);
    g_assert_nonnull (strstr (err, want));
  }
  g_clear_pointer (&err, g_free);

  /* a bad allow-anonymous-read value: FILE:LINE of its key */
  write_files (&w, "allow-anonymous-read = perhaps\n");
  g_assert_cmpint (run_tool (&w, &err, NULL), ==, 2);
  {
    g_autofree char *want = g_strdup_printf ("%s:8: [event] allow-anonymous-read", w.event_path);
    g_assert_nonnull (strstr (err, want));
  }
  g_clear_pointer (&err, g_free);

  /* no --event: the lab file's [lab] event, or a clear refusal */
  write_files (&w, "");
  g_assert_cmpint (run_tool_event (&w, &err, NULL, FALSE), ==, 2);
  g_assert_nonnull (strstr (err, "names no event file"));
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *lab = NULL;
    g_autofree char *with_event = NULL;
    g_assert_true (g_file_get_contents (w.lab_path, &lab, NULL, NULL));
    with_event = g_strdup_printf ("[lab]\nevent = %s\n%s", w.event_path, lab + strlen ("[lab]\n"));
    g_assert_true (g_file_set_contents (w.lab_path, with_event, -1, NULL));
  }
  g_assert_cmpint (run_tool_event (&w, &err, NULL, FALSE), ==, 0);
  g_clear_pointer (&err, g_free);

  /* a TLS lab without a certificate */
  write_files (&w, "");
  {
    g_autofree char *lab = NULL;
    g_autofree char *tls = NULL;
    g_assert_true (g_file_get_contents (w.lab_path, &lab, NULL, NULL));
    tls = g_strconcat (lab, "tls = true\n", NULL);
    g_assert_true (g_file_set_contents (w.lab_path, tls, -1, NULL));
  }
  g_assert_cmpint (run_tool (&w, &err, NULL), ==, 2);
  {
    g_autofree char *want = g_strdup_printf ("%s:12: [broker] tls", w.lab_path);
    g_assert_nonnull (strstr (err, want));
  }
  g_clear_pointer (&err, g_free);
  /* ... and with one: a TLS listener on the lab's port; mosquitto's wss
   * only when asked for, and its plain ws never */
  {
    g_autofree char *cert = g_build_filename (w.dir, "x.pem", NULL);
    g_autofree char *key = g_build_filename (w.dir, "x.key", NULL);
    g_autofree char *args = g_strdup_printf ("--cert %s --key %s --wss-port 9443", cert, key);
    g_assert_cmpint (run_tool (&w, &err, args), ==, 2);
    g_assert_nonnull (strstr (err, "x.pem"));
    g_clear_pointer (&err, g_free);
    g_assert_true (g_file_set_contents (cert, "", -1, NULL));
    g_assert_true (g_file_set_contents (key, "", -1, NULL));
    g_assert_cmpint (run_tool (&w, &err, args), ==, 0);
  }
  {
    g_autofree char *conf = g_build_filename (w.conf_dir, "mosquitto.conf", NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (conf, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "listener 1883 127.0.0.1\ncertfile "));
    g_assert_nonnull (strstr (text, "listener 9443\nprotocol websockets\ncertfile"));
    g_assert_null (strstr (text, "protocol websockets\n\n"));
    g_assert_nonnull (strstr (text, "allow_anonymous false\n"));
  }
  tf_test_rm_rf (w.dir);
  g_free (w.dir);
  g_free (w.conf_dir);
  g_free (w.lab);
  g_free (w.lab_path);
  g_free (w.event_path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (!tf_netns_enter (&error))
    {
      g_test_message ("no network namespace here (%s): skipped", error->message);
      return 77;
    }
  mosquitto_lib_init ();
  world = world_new (TRUE);
  marker = client (world, "testfestd");
  marker_staff = client (world, "staff");
  marker_acme = client (world, "acme");
  marker_kiwi = client (world, "kiwi");
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
  g_test_add_func ("/broker/cli", test_cli);
  g_test_add_func ("/broker/tls", test_tls);
  g_test_add_func ("/broker/tool-files", test_tool_files);
  g_test_add_func ("/broker/tool-errors", test_tool_errors);
  rc = g_test_run ();
  client_free (marker);
  client_free (marker_staff);
  client_free (marker_acme);
  client_free (marker_kiwi);
  world_free (world);
  mosquitto_lib_cleanup ();
  return rc;
}
