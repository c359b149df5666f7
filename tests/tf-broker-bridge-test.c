/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm's broker topology (issue 18): a central mosquitto and two lab hosts'
 * own mosquittos, each set up by tf-broker-config and bridged by mosquitto's
 * own bridge, real processes on free loopback ports. A host's subtree reaches
 * the central broker; a host's bridge cannot write another host's subtree or
 * the floor's topics there; the coordinator's requests reach the host they
 * name only; what a host publishes while its link is down arrives, in order,
 * once the central broker is back. "Never arrives" is checked without
 * sleeping: a marker follows the forbidden messages on the same bridge
 * connection, which keeps their order. The event has a company 'host': the
 * bridges' client ids (host-a, host-b) are still theirs (tf-broker-plugin
 * gives an id to the longest account name it starts with). */
#include "tf-test-host.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define WAIT_MS 90000 /* the bridge retries with a backoff capped at 30 s */

typedef struct
{
  char *name; /* a, b, or central */
  char *conf, *log;
  guint16 port;
  GSubprocess *proc;
} Broker;

typedef struct
{
  char *dir, *lab;
  Broker central, host[2];
  GHashTable *pw; /* central account -> password */
  char *host_pw[2];
} World;

typedef struct
{
  struct mosquitto *m;
  int connack; /* -1 until CONNACK */
  gboolean subacked;
  int pending_mid, acked_mid, acked_rc;
  GPtrArray *got; /* "topic payload", in arrival order */
} Client;

static const char *const host_names[] = { "a", "b" };

#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm test\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"           \
  "day-end = 12:00\ntables = 1\n\n[company acme]\nname = Acme IoT GmbH\n\n"                        \
  "[company host]\nname = Host Ltd\n\n"                                                            \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"

static char *
tool (void)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tf-broker-config", NULL);
}

static void
run_tool (const char *const *argv)
{
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tf-broker-config failed: %s", err);
}

static gboolean
port_open (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

static void
broker_start (Broker *b)
{
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                            | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  b->proc = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", b->conf, NULL);
  g_assert_no_error (error);
  while (!port_open (b->port))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("broker %s did not start (see %s)", b->name, b->log);
      g_usleep (10000);
    }
}

static void
broker_stop (Broker *b)
{
  if (b->proc == NULL)
    return;
  g_subprocess_send_signal (b->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (b->proc, NULL, NULL));
  g_clear_object (&b->proc);
}

static World *
world_new (gboolean tamper_a)
{
  World *w = g_new0 (World, 1);
  g_autofree char *exe = tool ();
  g_autofree char *event = NULL, *lab_path = NULL, *out = NULL, *persist = NULL, *text = NULL;
  g_autofree char *creds = NULL;

  w->dir = g_dir_make_tmp ("tf-bridge-XXXXXX", NULL);
  g_assert_nonnull (w->dir);
  w->lab = g_strdup_printf ("farm%08x", g_random_int ());
  w->pw = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  event = g_build_filename (w->dir, "farm.event", NULL);
  g_assert_true (g_file_set_contents (event, EVENT_TEXT, -1, NULL));

  /* the central broker: the coordinator's lab file, both hosts */
  w->central.name = g_strdup ("central");
  w->central.port = tf_test_free_port ();
  lab_path = g_build_filename (w->dir, "central.conf", NULL);
  text = g_strdup_printf ("[lab]\nname = %s\nhost = coord\nstate-dir = %s/state\n\n[broker]\n"
                          "host = 127.0.0.1\nport = %u\nuser = testfestd\npassword-file = "
                          "coord.pw\n",
                          w->lab, w->dir, w->central.port);
  g_assert_true (g_file_set_contents (lab_path, text, -1, NULL));
  out = g_build_filename (w->dir, "central", NULL);
  persist = g_build_filename (w->dir, "central-data", NULL);
  w->central.log = g_build_filename (w->dir, "central.log", NULL);
  w->central.conf = g_build_filename (out, "mosquitto.conf", NULL);
  {
    const char *argv[] = { exe,
                           "--lab",
                           lab_path,
                           "--event",
                           event,
                           "--out",
                           out,
                           "--host",
                           "a",
                           "--host",
                           "b",
                           "--bind",
                           "127.0.0.1",
                           "--persistence",
                           persist,
                           "--log",
                           w->central.log,
                           "--broker-user",
                           "root",
                           NULL };
    run_tool (argv);
  }
  /* stay root: PR_SET_PDEATHSIG holds, and the test's folders are writable */
  tf_test_append (w->central.conf, "user root\n");
  creds = g_build_filename (out, "credentials", NULL);
  for (const char *const *u = (const char *[]){ "staff", "testfestd", "acme", NULL }; *u; u++)
    g_hash_table_insert (w->pw, g_strdup (*u), tf_test_credential (creds, *u));

  /* each host: its own lab file, its credentials file from the central set-up */
  for (guint i = 0; i < 2; i++)
    {
      Broker *b = &w->host[i];
      g_autofree char *hlab = g_strdup_printf ("%s/host-%s.conf", w->dir, host_names[i]);
      g_autofree char *hout = g_strdup_printf ("%s/host-%s", w->dir, host_names[i]);
      g_autofree char *hdata = g_strdup_printf ("%s/host-%s-data", w->dir, host_names[i]);
      g_autofree char *hcreds = g_strdup_printf ("%s/hosts/%s.credentials", out, host_names[i]);
      g_autofree char *to = g_strdup_printf ("127.0.0.1:%u", w->central.port);
      g_autofree char *pwfile = g_strdup_printf ("%s/%s.pw", w->dir, host_names[i]);
      g_autofree char *htext = NULL, *pw = NULL;
      b->name = g_strdup (host_names[i]);
      b->port = tf_test_free_port ();
      b->log = g_strdup_printf ("%s/host-%s.log", w->dir, host_names[i]);
      b->conf = g_build_filename (hout, "mosquitto.conf", NULL);
      htext
          = g_strdup_printf ("[lab]\nname = %s\nhost = %s\nstate-dir = %s/state-%s\n\n"
                             "[broker]\nhost = 127.0.0.1\nport = %u\nuser = testfestd\n"
                             "password-file = %s.pw\n",
                             w->lab, host_names[i], w->dir, host_names[i], b->port, host_names[i]);
      g_assert_true (g_file_set_contents (hlab, htext, -1, NULL));
      {
        const char *argv[] = { exe,    "--lab",         hlab,   "--out",
                               hout,   "--bridge-to",   to,     "--bridge-credentials",
                               hcreds, "--persistence", hdata,  "--log",
                               b->log, "--broker-user", "root", NULL };
        run_tool (argv);
      }
      tf_test_append (b->conf, "user root\n");
      g_assert_true (g_file_get_contents (pwfile, &pw, NULL, NULL));
      w->host_pw[i] = g_strdup (g_strstrip (pw));
    }
  if (tamper_a)
    {
      /* host a taken over: its daemon may write anything locally, and its
       * bridge carries the whole lab's tree to the central broker */
      g_autofree char *acl = g_strdup_printf ("%s/host-a/acl", w->dir);
      g_autofree char *more = g_strdup_printf ("topic tf/%s/# out 1\n", w->lab);
      tf_test_append (acl, "topic write tf/#\n");
      tf_test_append (w->host[0].conf, more);
    }
  broker_start (&w->central);
  broker_start (&w->host[0]);
  broker_start (&w->host[1]);
  return w;
}

static void
world_free (World *w)
{
  broker_stop (&w->host[0]);
  broker_stop (&w->host[1]);
  broker_stop (&w->central);
  if (g_getenv ("TF_KEEP_TEST_DIRS") == NULL)
    tf_test_rm_rf (w->dir);
  else
    g_printerr ("# kept %s\n", w->dir);
  for (guint i = 0; i < 2; i++)
    {
      g_free (w->host[i].name);
      g_free (w->host[i].conf);
      g_free (w->host[i].log);
      g_free (w->host_pw[i]);
    }
  g_free (w->central.name);
  g_free (w->central.conf);
  g_free (w->central.log);
  g_hash_table_unref (w->pw);
  g_free (w->dir);
  g_free (w->lab);
  g_free (w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

/* ---- clients (libmosquitto, MQTT v5, looped by hand) ---- */

static void
on_connect (struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p)
{
  ((Client *)obj)->connack = rc;
}

static void
on_subscribe (struct mosquitto *m, void *obj, int mid, int n, const int *qos,
              const mosquitto_property *p)
{
  ((Client *)obj)->subacked = TRUE;
}

static void
on_publish (struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *p)
{
  ((Client *)obj)->acked_mid = mid;
  ((Client *)obj)->acked_rc = rc;
}

static void
on_message (struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
            const mosquitto_property *p)
{
  Client *c = obj;
  g_ptr_array_add (
      c->got, g_strdup_printf ("%s %.*s", msg->topic, msg->payloadlen, (const char *)msg->payload));
}

typedef gboolean (*Pred) (Client *c, gconstpointer data);

/* Loop @c (and every client of @also) until @pred holds or @ms pass. */
static gboolean
wait_for (Client *c, Client **also, Pred pred, gconstpointer data, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)ms * 1000;
  while (!pred (c, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      mosquitto_loop (c->m, 5, 1);
      for (guint i = 0; also != NULL && also[i] != NULL; i++)
        mosquitto_loop (also[i]->m, 0, 1);
    }
  return TRUE;
}

static gboolean
connacked (Client *c, gconstpointer data)
{
  return c->connack >= 0;
}

static gboolean
subacked (Client *c, gconstpointer data)
{
  return c->subacked;
}

static gboolean
pubacked (Client *c, gconstpointer data)
{
  return c->acked_mid == c->pending_mid;
}

/* "topic payload" among what @c got */
static gboolean
has (Client *c, gconstpointer line)
{
  for (guint i = 0; i < c->got->len; i++)
    if (g_strcmp0 (c->got->pdata[i], line) == 0)
      return TRUE;
  return FALSE;
}

/* something on a topic starting with @prefix */
static gboolean
has_prefix (Client *c, const char *prefix)
{
  for (guint i = 0; i < c->got->len; i++)
    if (g_str_has_prefix (c->got->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

static void
client_free (Client *c)
{
  mosquitto_disconnect (c->m);
  mosquitto_destroy (c->m);
  g_ptr_array_unref (c->got);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
client_connect (Client *c, guint16 port, guint32 session_expiry)
{
  mosquitto_property *props = NULL;
  if (session_expiry > 0)
    mosquitto_property_add_int32 (&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, session_expiry);
  c->connack = -1;
  g_assert_cmpint (mosquitto_connect_bind_v5 (c->m, "127.0.0.1", port, 30, NULL, props), ==,
                   MOSQ_ERR_SUCCESS);
  mosquitto_property_free_all (&props);
  g_assert_true (wait_for (c, NULL, connacked, NULL, 10000));
  g_assert_cmpint (c->connack, ==, 0);
}

/* @id NULL: a fresh id and a clean session; else a persistent session */
static Client *
client_new (guint16 port, const char *user, const char *password, const char *id)
{
  Client *c = g_new0 (Client, 1);
  g_autofree char *fresh = g_strdup_printf ("bridge-test-%08x", g_random_int ());
  c->got = g_ptr_array_new_with_free_func (g_free);
  c->m = mosquitto_new (id ? id : fresh, id == NULL, c);
  mosquitto_int_option (c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_v5_callback_set (c->m, on_connect);
  mosquitto_subscribe_v5_callback_set (c->m, on_subscribe);
  mosquitto_message_v5_callback_set (c->m, on_message);
  mosquitto_publish_v5_callback_set (c->m, on_publish);
  mosquitto_username_pw_set (c->m, user, password);
  client_connect (c, port, id ? 3600 : 0);
  return c;
}

static Client *
central_client (World *w, const char *user, const char *id)
{
  return client_new (w->central.port, user, g_hash_table_lookup (w->pw, user), id);
}

/* the daemon's account on host @i's own broker */
static Client *
host_client (World *w, guint i)
{
  return client_new (w->host[i].port, "testfestd", w->host_pw[i], NULL);
}

static void
subscribe (Client *c, const char *filter)
{
  c->subacked = FALSE;
  g_assert_cmpint (mosquitto_subscribe_v5 (c->m, NULL, filter, 1, 0, NULL), ==, MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, subacked, NULL, 10000));
}

/* QoS 1; returns the PUBACK's reason code */
static int
publish (Client *c, const char *topic, const char *payload, gboolean retain)
{
  g_assert_cmpint (mosquitto_publish_v5 (c->m, &c->pending_mid, topic, strlen (payload), payload, 1,
                                         retain, NULL),
                   ==, MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, pubacked, NULL, 10000));
  return c->acked_rc;
}

static char *
topic (World *w, const char *suffix)
{
  return g_strdup_printf ("tf/%s/%s", w->lab, suffix);
}

/* A message on host @i's broker under its subtree, until it is seen at the
 * central broker by @watch: the bridge is up and passes it. */
static void
wait_bridge_out (World *w, Client *local, Client *watch, const char *what)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/host/a/board/probe/state", w->lab);
  g_autofree char *line = g_strdup_printf ("%s %s", t, what);
  g_assert_cmpint (publish (local, t, what, FALSE), ==, 0);
  g_assert_true (wait_for (watch, (Client *[]){ local, NULL }, has, line, WAIT_MS));
}

/* ---- tests ---- */

/* What host a publishes under its subtree reaches the central broker, where
 * staff and the coordinator read it; the bridge's link state is there too. */
static void
test_out (void)
{
  g_autoptr (World) w = world_new (FALSE);
  g_autoptr (Client) staff = central_client (w, "staff", NULL);
  g_autoptr (Client) coord = central_client (w, "testfestd", NULL);
  g_autoptr (Client) acme = central_client (w, "acme", NULL);
  g_autoptr (Client) a = host_client (w, 0);
  g_autofree char *status = topic (w, "host/a/status");
  g_autofree char *link = g_strdup_printf ("tf/%s/host/a/link 1", w->lab);
  g_autofree char *st_line = NULL, *board_line = NULL;
  g_autofree char *board = topic (w, "host/a/board/b1/state");
  g_autofree char *all = topic (w, "#");

  for (Client **c = (Client *[]){ staff, coord, acme, NULL }; *c; c++)
    subscribe (*c, all);
  /* a retained status (the public host topic) and a board's state */
  g_assert_cmpint (publish (a, status, "{\"schema\":1,\"state\":\"online\"}", TRUE), ==, 0);
  g_assert_cmpint (publish (a, board, "{\"schema\":1,\"id\":\"b1\"}", FALSE), ==, 0);
  st_line = g_strdup_printf ("%s {\"schema\":1,\"state\":\"online\"}", status);
  board_line = g_strdup_printf ("%s {\"schema\":1,\"id\":\"b1\"}", board);
  g_assert_true (wait_for (staff, (Client *[]){ a, coord, acme, NULL }, has, board_line, WAIT_MS));
  g_assert_true (has (staff, st_line));
  g_assert_true (wait_for (coord, NULL, has, board_line, 10000));
  g_assert_true (wait_for (staff, NULL, has, link, 10000));
  /* a company reads the public status, not a host's boards (which carry consoles) */
  g_assert_true (wait_for (acme, NULL, has, st_line, 10000));
  {
    g_autofree char *host_prefix = g_strdup_printf ("tf/%s/host/a/board/", w->lab);
    g_autofree char *marker = topic (w, "host/a/status");
    /* the retained status again: acme has it, so the board before it would be there too */
    g_assert_cmpint (publish (a, marker, "{\"schema\":1,\"state\":\"again\"}", TRUE), ==, 0);
    g_autofree char *again = g_strdup_printf ("%s {\"schema\":1,\"state\":\"again\"}", marker);
    g_assert_true (wait_for (acme, (Client *[]){ a, NULL }, has, again, WAIT_MS));
    g_assert_false (has_prefix (acme, host_prefix));
  }
  /* host a's daemon cannot write b's subtree on its own broker either */
  {
    g_autofree char *b_status = topic (w, "host/b/status");
    g_assert_cmpint (publish (a, b_status, "forged", FALSE), ==, MQTT_RC_NOT_AUTHORIZED);
  }
}

/* Host a's bridge made to carry the whole lab tree: the central broker takes
 * only a's own subtree from it. Every forbidden publish is accepted by a's
 * own broker (reason 0), so the bridge sends it; the marker after them
 * arrives, they never do. */
static void
test_foreign_refused (void)
{
  g_autoptr (World) w = world_new (TRUE);
  g_autoptr (Client) staff = central_client (w, "staff", NULL);
  g_autoptr (Client) coord = central_client (w, "testfestd", NULL);
  g_autoptr (Client) b = host_client (w, 1);
  g_autoptr (Client) a = host_client (w, 0);
  g_autofree char *all = topic (w, "#");
  g_autofree char *b_in = topic (w, "host/b/in/#");
  const char *forbidden[] = { "host/b/status",
                              "host/b/board/b9/state",
                              "host/b/reply/x",
                              "host/b/in/power",
                              "host/a/in/power",
                              "board/b1/state",
                              "summary",
                              "schedule",
                              "in/acme/verdict",
                              "cmd/power",
                              "private/acme/session/s1/report",
                              NULL };
  g_autofree char *marker = topic (w, "host/a/status");
  g_autofree char *marker_line = NULL;

  subscribe (staff, all);
  subscribe (coord, all);
  subscribe (b, b_in);
  wait_bridge_out (w, a, staff, "up");
  for (guint i = 0; forbidden[i] != NULL; i++)
    {
      g_autofree char *t = topic (w, forbidden[i]);
      g_assert_cmpint (publish (a, t, "forged", FALSE), ==, 0);
    }
  g_assert_cmpint (publish (a, marker, "marker", FALSE), ==, 0);
  marker_line = g_strdup_printf ("%s marker", marker);
  g_assert_true (wait_for (staff, (Client *[]){ a, coord, b, NULL }, has, marker_line, WAIT_MS));
  g_assert_true (wait_for (coord, (Client *[]){ staff, b, NULL }, has, marker_line, 10000));
  for (guint i = 0; forbidden[i] != NULL; i++)
    {
      g_autofree char *t = topic (w, forbidden[i]);
      g_autofree char *line = g_strdup_printf ("%s forged", t);
      if (has (staff, line) || has (coord, line) || has (b, line))
        g_error ("host a's bridge wrote %s at the central broker", t);
    }
}

/* The coordinator's request for host a arrives at a's broker, not at b's;
 * a retained request is refused (the plugin) and arrives nowhere. */
static void
test_request_in (void)
{
  g_autoptr (World) w = world_new (FALSE);
  g_autoptr (Client) coord = central_client (w, "testfestd", NULL);
  g_autoptr (Client) staff = central_client (w, "staff", NULL);
  g_autoptr (Client) a = host_client (w, 0);
  g_autoptr (Client) b = host_client (w, 1);
  g_autofree char *a_in = topic (w, "host/a/in/#");
  g_autofree char *all = topic (w, "#");
  g_autofree char *power = topic (w, "host/a/in/power");
  g_autofree char *b_ping = topic (w, "host/b/in/ping");
  g_autofree char *line = g_strdup_printf ("%s {\"board\":\"b1\",\"to\":\"on\"}", power);
  g_autofree char *b_line = g_strdup_printf ("%s {}", b_ping);
  gint64 deadline = g_get_monotonic_time () + (gint64)WAIT_MS * 1000;
  guint probes = 0;

  subscribe (a, a_in);
  subscribe (b, all); /* b's daemon may read only its own in/ */
  /* the bridge subscribes on the central broker after it connects: probe
   * until one request has come through */
  for (gboolean in = FALSE; !in; probes++)
    {
      g_autofree char *t = g_strdup_printf ("tf/%s/host/a/in/probe", w->lab);
      g_autofree char *p = g_strdup_printf ("%u", probes);
      g_autofree char *want = g_strdup_printf ("%s %u", t, probes);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_cmpint (publish (coord, t, p, FALSE), ==, 0);
      in = wait_for (a, (Client *[]){ coord, b, NULL }, has, want, 2000);
    }
  g_assert_cmpint (publish (coord, power, "{\"board\":\"b1\",\"to\":\"on\"}", FALSE), ==, 0);
  g_assert_true (wait_for (a, (Client *[]){ coord, b, NULL }, has, line, WAIT_MS));

  /* b's bridge is subscribed too once a request of its own comes through;
   * a's request came before the last of them on the coordinator's connection */
  {
    gboolean in = FALSE;
    for (guint n = 0; !in; n++)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_assert_cmpint (publish (coord, b_ping, "{}", FALSE), ==, 0);
        in = wait_for (b, (Client *[]){ coord, a, NULL }, has, b_line, 2000);
      }
    g_assert_false (has (b, line));
  }

  /* staff cannot send a host a request; a retained request is refused */
  subscribe (staff, all);
  g_assert_cmpint (publish (staff, power, "from staff", FALSE), ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (publish (coord, power, "retained", TRUE), ==, MQTT_RC_NOT_AUTHORIZED);
  g_assert_cmpint (publish (coord, power, "after", FALSE), ==, 0);
  {
    g_autofree char *after = g_strdup_printf ("%s after", power);
    g_autofree char *retained = g_strdup_printf ("%s retained", power);
    g_autofree char *from_staff = g_strdup_printf ("%s from staff", power);
    g_assert_true (wait_for (a, (Client *[]){ coord, staff, NULL }, has, after, WAIT_MS));
    g_assert_false (has (a, retained));
    g_assert_false (has (a, from_staff));
  }
}

static gboolean
link_down (Client *c, gconstpointer line)
{
  return c->got->len > 0 && g_strcmp0 (c->got->pdata[c->got->len - 1], line) == 0;
}

/* Every line (of @prefix) got, in first-arrival order, as numbers. */
static gboolean
all_in_order (Client *c, gconstpointer n_ptr)
{
  guint n = GPOINTER_TO_UINT (n_ptr), next = 0;
  for (guint i = 0; i < c->got->len; i++)
    {
      const char *sp = strrchr (c->got->pdata[i], ' ');
      guint64 v = 0;
      if (!strstr (c->got->pdata[i], "/console ")
          || !g_ascii_string_to_unsigned (sp + 1, 10, 0, G_MAXUINT, &v, NULL))
        continue;
      if (v == next)
        next++;
      else
        g_assert_cmpuint (v, <, next); /* a QoS 1 resend of one already seen, never a skip */
    }
  return next == n;
}

/* The central broker stops: host a's own broker keeps what its daemon
 * publishes, and the central broker gets all of it, in order, once it is
 * back (a watcher with a persistent session there). */
static void
test_link_down (void)
{
  const guint n = 200;
  g_autoptr (World) w = world_new (FALSE);
  g_autofree char *watch_id = g_strdup_printf ("staff-watch-%08x", g_random_int ());
  g_autoptr (Client) watch = central_client (w, "staff", watch_id);
  g_autoptr (Client) a = host_client (w, 0);
  g_autofree char *boards = topic (w, "host/a/board/#");
  g_autofree char *link = topic (w, "host/a/link");
  g_autofree char *console = topic (w, "host/a/board/b1/console");
  g_autofree char *down = g_strdup_printf ("%s 0", link);

  subscribe (watch, boards);
  subscribe (a, link);
  wait_bridge_out (w, a, watch, "before");
  mosquitto_disconnect (watch->m);
  mosquitto_loop (watch->m, 0, 1);

  broker_stop (&w->central);
  /* the bridge's own notification on a's broker: the link is down */
  g_assert_true (wait_for (a, NULL, link_down, down, WAIT_MS));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("%u", i);
      g_assert_cmpint (publish (a, console, p, FALSE), ==, 0);
    }
  g_ptr_array_set_size (watch->got, 0);
  broker_start (&w->central);
  client_connect (watch, w->central.port, 3600);
  if (!wait_for (watch, (Client *[]){ a, NULL }, all_in_order, GUINT_TO_POINTER (n), WAIT_MS))
    g_error ("%u of %u console lines arrived after the link came back", watch->got->len, n);
  g_test_message ("%u messages for %u lines (QoS 1 resends)", watch->got->len, n);
}

/* Bad input to the host side: FILE:LINE for the credentials file, no
 * config written for another host's file or a malformed address. */
static void
test_bad_input (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-bridge-bad-XXXXXX", NULL);
  g_autofree char *exe = tool ();
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *creds = g_build_filename (dir, "x.credentials", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *text = g_strdup_printf ("[lab]\nname = farm\nhost = a\nstate-dir = %s/s\n\n"
                                           "[broker]\nport = 1883\n",
                                           dir);
  struct
  {
    const char *creds, *to, *says;
  } cases[] = {
    { "# c\nhost-a pw host a\n", "127.0.0.1:1", "x.credentials:2: expected 'USER PASSWORD host" },
    { "host-a p;w host a farm\n", "127.0.0.1:1", "x.credentials:1: the password" },
    { "host-b pw host b farm\n", "127.0.0.1:1", "no account for host 'a' of lab 'farm'" },
    { "host-x pw host a farm\n", "127.0.0.1:1", "host 'a' has the account 'host-a', not 'host-x'" },
    { "host-a pw host a farm\n", "127.0.0.1", "expected ADDR:PORT" },
    { "host-a pw host a farm\n", "h:1\nx", "expected ADDR:PORT" },
    { "host-a pw host a farm\n", "h:99999", "'99999' is not a port" },
  };
  g_assert_true (g_file_set_contents (lab, text, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[] = { exe,   "--lab",         lab,         "--out",
                             out,   "--bridge-to",   cases[i].to, "--bridge-credentials",
                             creds, "--broker-user", "root",      NULL };
      g_autofree char *err = NULL, *conf = g_build_filename (out, "mosquitto.conf", NULL);
      int status = 0;
      g_assert_true (g_file_set_contents (creds, cases[i].creds, -1, NULL));
      g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                   NULL, NULL, &err, &status, NULL));
      g_assert_false (g_spawn_check_wait_status (status, NULL));
      if (strstr (err, cases[i].says) == NULL)
        g_error ("case %u: expected '%s' in '%s'", i, cases[i].says, err);
      g_assert_false (g_file_test (conf, G_FILE_TEST_EXISTS));
    }
  /* host names on the central side: the rules of other ids */
  {
    g_autofree char *ev = g_build_filename (dir, "e.event", NULL);
    const char *argv[] = { exe, "--lab",  lab,   "--event",       ev,     "--out",
                           out, "--host", "a/b", "--broker-user", "root", NULL };
    g_autofree char *err = NULL;
    int status = 0;
    g_assert_true (g_file_set_contents (ev, EVENT_TEXT, -1, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &err, &status, NULL));
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    if (strstr (err, "--host 'a/b': a host's name may hold only") == NULL)
      g_error ("expected the host name refused, got '%s'", err);
  }
  tf_test_rm_rf (dir);
}

/* A second run of the central set-up keeps the hosts' passwords (the
 * bridges stay connected); --renew makes new ones. */
static void
test_rerun (void)
{
  g_autoptr (World) w = world_new (FALSE);
  g_autofree char *exe = tool ();
  g_autofree char *lab = g_build_filename (w->dir, "central.conf", NULL);
  g_autofree char *event = g_build_filename (w->dir, "farm.event", NULL);
  g_autofree char *out = g_build_filename (w->dir, "central", NULL);
  g_autofree char *persist = g_build_filename (w->dir, "central-data", NULL);
  g_autofree char *creds = g_build_filename (out, "hosts", "a.credentials", NULL);
  g_autofree char *before = NULL, *again = NULL, *renewed = NULL;
  const char *argv[] = { exe,     "--lab",         lab,    "--event", event, "--out",
                         out,     "--host",        "a",    "--host",  "b",   "--persistence",
                         persist, "--broker-user", "root", NULL,      NULL };
  g_assert_true (g_file_get_contents (creds, &before, NULL, NULL));
  run_tool (argv);
  g_assert_true (g_file_get_contents (creds, &again, NULL, NULL));
  g_assert_cmpstr (before, ==, again);
  argv[G_N_ELEMENTS (argv) - 2] = "--renew";
  run_tool (argv);
  g_assert_true (g_file_get_contents (creds, &renewed, NULL, NULL));
  g_assert_cmpstr (before, !=, renewed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();
  g_test_add_func ("/bridge/bad-input", test_bad_input);
  g_test_add_func ("/bridge/host-subtree-out", test_out);
  g_test_add_func ("/bridge/foreign-subtree-refused", test_foreign_refused);
  g_test_add_func ("/bridge/request-in", test_request_in);
  g_test_add_func ("/bridge/link-down-queue", test_link_down);
  g_test_add_func ("/bridge/rerun-keeps-passwords", test_rerun);
  return g_test_run ();
}
