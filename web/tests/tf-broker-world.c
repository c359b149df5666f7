/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The broker world of the broker tests (tf-broker-world.h). */
#include "tf-broker-world.h"

World *world; /* the broker with anonymous read allowed */
const char *report_a = "{\"schema\":1,\"session\":\"acme-c--kiwi-s\",\"cases\":[]}";

static char *
tool_path (void)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tf-broker-config", NULL);
}

/* Run tf-broker-config; returns its exit status, stderr in @err. */
int
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

int
run_tool (World *w, char **err, const char *extra)
{
  return run_tool_event (w, err, extra, TRUE);
}

void
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

void
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

World *
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

World *
world_new (gboolean anonymous)
{
  return world_new_full (anonymous, NULL);
}

void
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

void
on_connect (struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p)
{
  ((Client *)obj)->connack = rc;
}

void
on_subscribe (struct mosquitto *m, void *obj, int mid, int n, const int *qos,
              const mosquitto_property *p)
{
  Client *c = obj;
  c->subacked = TRUE;
  c->suback_qos = n > 0 ? qos[0] : -1;
}

void
on_publish (struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *p)
{
  ((Client *)obj)->acked_mid = mid;
}

void
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

/* Loop @c (and @other, when given) until @pred holds or @ms pass. */
gboolean
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

gboolean
connacked (Client *c, gpointer data)
{
  return c->connack >= 0;
}

gboolean
has_topic (Client *c, gpointer topic)
{
  return g_hash_table_contains (c->got, topic);
}

static gboolean
subacked (Client *c, gpointer data)
{
  return c->subacked;
}

void
client_free (Client *c)
{
  mosquitto_disconnect (c->m);
  mosquitto_destroy (c->m);
  g_hash_table_unref (c->got);
  g_free (c->name);
  g_free (c);
}

/* A v5 client as @user (NULL: anonymous) with @password (NULL: its own). */
Client *
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

Client *
client (World *w, const char *user)
{
  Client *c = client_try (w, user, NULL, NULL);
  g_assert_cmpint (c->connack, ==, 0);
  return c;
}

void
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
void
publish (Client *c, const char *lab, const char *topic, const char *payload, gboolean retain)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%s", lab, topic);
  g_assert_cmpint (
      mosquitto_publish_v5 (c->m, &c->pending_mid, t, strlen (payload), payload, 1, retain, NULL),
      ==, MOSQ_ERR_SUCCESS);
  g_assert_true (wait_for (c, NULL, puback, NULL, 5000));
}

gboolean
got (Client *c, const char *lab, const char *topic)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%s", lab, topic);
  return g_hash_table_contains (c->got, t);
}

/* Markers are allowed writes: the daemon's account for what it publishes,
 * a company for its in/, staff for cmd/ (the daemon writes neither). */
Client *marker, *marker_staff, *marker_acme, *marker_kiwi;

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
gboolean
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

/* The daemon's retained private reports reach their company and staff only. */

gboolean
world_setup (void)
{
  g_autoptr (GError) error = NULL;
  if (!tf_netns_enter (&error))
    {
      g_test_message ("no network namespace here (%s): skipped", error->message);
      return FALSE;
    }
  mosquitto_lib_init ();
  world = world_new (TRUE);
  marker = client (world, "testfestd");
  marker_staff = client (world, "staff");
  marker_acme = client (world, "acme");
  marker_kiwi = client (world, "kiwi");
  return TRUE;
}

void
world_teardown (void)
{
  client_free (marker);
  client_free (marker_staff);
  client_free (marker_acme);
  client_free (marker_kiwi);
  world_free (world);
  mosquitto_lib_cleanup ();
}
