/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ejabberd for the tests: see tf-ejabberd-world.h. ejabberd runs as our own
 * child (never through ejabberdctl's su), with its own node name, cookie,
 * spool and an epmd of its own on a free loopback port; every process is
 * stopped and reaped at the end, and dies with the test (PR_SET_PDEATHSIG). */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-ejabberd-world.h"
#include "tf-test-host.h"

#define START_MS 180000 /* Erlang on a loaded machine: generous */

#define SIM_BOARD(id, n)                                                                           \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = always\nfirmware-name = "             \
  "lwm2m-client-" id "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n\n"

static const char *sim_text = SIM_BOARD ("sim1", 1) SIM_BOARD ("sim2", 2);

/* after the harness's [broker] lines: the daemon's account */
#define LAB_ACCOUNT "user = testfestd\npassword-file = daemon.pw\n"
#define LAB_BOARDS                                                                                 \
  "\n[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\ntable = T1\n\n"                        \
  "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\ntable = T2\n"
static const char *lab_body = LAB_ACCOUNT LAB_BOARDS;
static const char *lab_tls_body = LAB_ACCOUNT "tls = yes\nca-file = ca.pem\n" LAB_BOARDS;

const char *const tf_ej_event_text
    = "[event]\nname = ejabberd test\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"
      "day-end = 12:00\ntables = 2\n\n[company acme]\nname = Acme IoT GmbH\n\n"
      "[company beta]\nname = Beta Ltd\n";

char *
tool (const char *name)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", name, NULL);
}

/* Where Debian puts ejabberd's Erlang applications (ejabberdctl's ERL_LIBS):
 * /usr/lib/<multiarch>/ejabberd-<version> */
static const char *
erl_libs (void)
{
  static char *found;
  g_autoptr (GDir) lib = NULL;
  const char *arch;
  if (found != NULL)
    return found;
  lib = g_dir_open ("/usr/lib", 0, NULL);
  g_assert_nonnull (lib);
  while (found == NULL && (arch = g_dir_read_name (lib)) != NULL)
    {
      g_autofree char *dir = g_build_filename ("/usr/lib", arch, NULL);
      g_autoptr (GDir) d = NULL;
      const char *e;
      if (!g_str_has_suffix (arch, "-linux-gnu") || (d = g_dir_open (dir, 0, NULL)) == NULL)
        continue;
      while (found == NULL && (e = g_dir_read_name (d)) != NULL)
        if (g_str_has_prefix (e, "ejabberd-"))
          found = g_steal_pointer (&dir);
    }
  if (found == NULL)
    g_error ("no /usr/lib/*-linux-gnu/ejabberd-*: install Debian's ejabberd (scripts/lib.sh "
             "DEB_TEST)");
  return found;
}

static gboolean
port_open (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

static gboolean
node_up (TfHarness *h, gpointer data)
{
  Node *n = data;
  return n->exited || port_open (n->mqtt_port);
}

static void
on_node_exit (GObject *src, GAsyncResult *res, gpointer data)
{
  ((Node *)data)->exited = TRUE;
}

static void
set_erl_env (World *w, GSubprocessLauncher *l)
{
  g_autofree char *port = g_strdup_printf ("%u", w->epmd_port);
  g_subprocess_launcher_setenv (l, "ERL_EPMD_PORT", port, TRUE);
  g_subprocess_launcher_setenv (l, "ERL_EPMD_ADDRESS", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (l, "ERL_LIBS", erl_libs (), TRUE);
  g_subprocess_launcher_setenv (l, "HOME", w->ej_dir, TRUE);
}

static void
node_start (World *w, Node *n)
{
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *mnesia = g_strdup_printf ("\"%s\"", n->spool);
  g_autofree char *out = g_strdup_printf ("%s.out", n->log);
  g_autofree char *dump = g_strdup_printf ("%s.crash", n->log);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (n->spool, 0700), ==, 0);
  set_erl_env (w, l);
  g_subprocess_launcher_setenv (l, "EJABBERD_CONFIG_PATH", n->yml, TRUE);
  g_subprocess_launcher_setenv (l, "EJABBERD_LOG_PATH", n->log, TRUE);
  g_subprocess_launcher_setenv (l, "ERL_CRASH_DUMP", dump, TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, out);
  g_subprocess_launcher_set_cwd (l, w->ej_dir);
  /* erl execs beam.smp: the pid (and PR_SET_PDEATHSIG) stays ours */
  n->proc = g_subprocess_launcher_spawn (l, &error, "erl", "-sname", n->name, "-noinput",
                                         "-setcookie", w->cookie, "-start_epmd", "false", "-kernel",
                                         "inet_dist_use_interface", "{127,0,0,1}", "-mnesia", "dir",
                                         mnesia, "-s", "ejabberd", NULL);
  g_assert_no_error (error);
  n->exited = FALSE;
  g_subprocess_wait_async (n->proc, NULL, on_node_exit, n);
  g_assert_true (tf_harness_wait (w->h, node_up, n, START_MS));
  if (n->exited)
    g_error ("ejabberd node %s exited at start (see %s and %s)", n->name, n->log, out);
}

static gboolean
node_gone (TfHarness *h, gpointer data)
{
  return ((Node *)data)->exited;
}

static void
node_stop (Node *n, TfHarness *h)
{
  if (n->proc == NULL)
    return;
  /* SIGTERM: the Erlang VM stops its applications and exits */
  g_subprocess_send_signal (n->proc, SIGTERM);
  if (!tf_harness_wait (h, node_gone, n, 60000))
    {
      g_subprocess_force_exit (n->proc);
      g_assert_true (tf_harness_wait (h, node_gone, n, 10000));
    }
  g_clear_object (&n->proc);
}

/* ejabberdctl's work without ejabberdctl (which would su to user ejabberd
 * and use the system's node): a hidden node of ours that asks @node. */
char *
ctl (World *w, const char *node, gboolean must, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) envp = g_get_environ ();
  const char *arg;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, g_strdup (w->ctl));
  g_ptr_array_add (argv, g_strdup (node));
  va_start (ap, must);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT,
                               tf_test_child_setup, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (must && !g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s: %s%s", w->ctl, node, out, err);
  return g_strconcat (out, err, NULL);
}

static void
load_passwords (World *w)
{
  g_autofree char *path = g_build_filename (w->ej_dir, "credentials", NULL);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      if (f[0] != NULL && f[0][0] != '#' && f[1] != NULL)
        g_hash_table_replace (w->pw, g_strdup (f[0]), g_strdup (f[1]));
    }
  g_assert_nonnull (g_hash_table_lookup (w->pw, "staff"));
}

/* A node's configuration: the generated one, on other ports for node B */
static void
write_node (World *w, Node *n, const char *name, guint16 port, guint16 ws, const char *yml_text)
{
  g_autofree char *from = g_strdup_printf ("    port: %u\n", w->h->port);
  g_autofree char *to = g_strdup_printf ("    port: %u\n", port);
  g_autofree char *ws_from = g_strdup_printf ("    port: %u\n", w->ws_port);
  g_autofree char *ws_to = g_strdup_printf ("    port: %u\n", ws);
  g_autoptr (GString) s = g_string_new (yml_text);
  n->name = g_strdup_printf ("%s-%s@localhost", name, w->cookie);
  n->mqtt_port = port;
  n->yml = g_strdup_printf ("%s/%s.yml", w->ej_dir, name);
  n->spool = g_strdup_printf ("%s/%s-spool", w->ej_dir, name);
  n->log = g_strdup_printf ("%s/%s.log", w->ej_dir, name);
  if (port != w->h->port)
    {
      g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
      g_assert_cmpuint (g_string_replace (s, ws_from, ws_to, 1), ==, 1);
    }
  g_assert_true (g_file_set_contents (n->yml, s->str, -1, NULL));
}

/* tf-broker-config --ejabberd on the harness's lab, the harness's mosquitto
 * stopped, and @nodes ejabberd nodes started (the second joined to the first). */
/* A self-signed certificate for 127.0.0.1 and localhost (the XMPP host),
 * its own CA: DIR/ca.pem and DIR/key.pem */
static void
make_certificate (TfHarness *h)
{
  g_autofree char *cert = tf_harness_path (h, "ca.pem");
  g_autofree char *key = tf_harness_path (h, "key.pem");
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *argv[] = { "openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:P-256",
                         "-nodes",
                         "-keyout",
                         key,
                         "-out",
                         cert,
                         "-days",
                         "2",
                         "-subj",
                         "/CN=127.0.0.1",
                         "-addext",
                         "subjectAltName=IP:127.0.0.1,DNS:localhost",
                         NULL };
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl req: %s", err);
}

World *
world_new (guint nodes, gboolean tls, const char *const *hosts)
{
  World *w = g_new0 (World, 1);
  g_autofree char *event = NULL, *exe = tool ("tf-broker-config"), *err = NULL;
  g_autofree char *ws = NULL, *yml_text = NULL, *yml = NULL, *ctl_text = NULL, *epmd_port = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_autofree char *cert = NULL, *key = NULL;
  w->tls = tls;
  w->h = tf_harness_new (sim_text, tls ? lab_tls_body : lab_body);
  cert = tf_harness_path (w->h, "ca.pem");
  key = tf_harness_path (w->h, "key.pem");
  if (tls)
    make_certificate (w->h);
  w->pw = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->cookie = g_strdup_printf ("tf%08x", g_random_int ());
  w->ej_dir = tf_harness_path (w->h, "ejabberd");
  event = tf_harness_path (w->h, "event.conf");
  g_assert_true (g_file_set_contents (event, tf_ej_event_text, -1, NULL));
  w->ws_port = tf_test_free_port ();
  ws = g_strdup_printf ("%u", w->ws_port);
  {
    g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
    const char *const fixed[]
        = { exe,          "--lab",     w->h->lab_path, "--event",   event,       "--out", w->ej_dir,
            "--ejabberd", "localhost", "--bind",       "127.0.0.1", "--ws-port", ws,      NULL };
    for (guint i = 0; fixed[i] != NULL; i++)
      g_ptr_array_add (argv, g_strdup (fixed[i]));
    if (tls)
      {
        g_ptr_array_add (argv, g_strconcat ("--cert=", cert, NULL));
        g_ptr_array_add (argv, g_strconcat ("--key=", key, NULL));
      }
    for (guint i = 0; hosts != NULL && hosts[i] != NULL; i++)
      g_ptr_array_add (argv, g_strconcat ("--host=", hosts[i], NULL));
    g_ptr_array_add (argv, NULL);
    g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, &err, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("tf-broker-config --ejabberd failed: %s", err);
  }
  load_passwords (w);
  yml = g_build_filename (w->ej_dir, "ejabberd.yml", NULL);
  g_assert_true (g_file_get_contents (yml, &yml_text, NULL, NULL));

  /* the central broker's port is ejabberd's now */
  tf_harness_stop_broker (w->h);

  w->epmd_port = tf_test_free_port ();
  epmd_port = g_strdup_printf ("%u", w->epmd_port);
  {
    g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                              | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    w->epmd = g_subprocess_launcher_spawn (l, &error, "epmd", "-port", epmd_port, "-address",
                                           "127.0.0.1", NULL);
    g_assert_no_error (error);
  }
  w->ctl = g_build_filename (w->ej_dir, "ctl", NULL);
  ctl_text = g_strdup_printf (
      "#!/bin/sh\n# ejabberdctl's command, from a hidden node of this test\nnode=$1; shift\n"
      "ERL_EPMD_PORT=%u ERL_EPMD_ADDRESS=127.0.0.1 ERL_LIBS='%s' "
      "HOME='%s' exec timeout 120 erl -sname ctl$$-%s@localhost -hidden -noinput -setcookie %s "
      "-start_epmd false -kernel inet_dist_use_interface '{127,0,0,1}' -s ejabberd_ctl -extra "
      "\"$node\" \"$@\"\n",
      w->epmd_port, erl_libs (), w->ej_dir, w->cookie, w->cookie);
  g_assert_true (g_file_set_contents (w->ctl, ctl_text, -1, NULL));
  g_assert_cmpint (g_chmod (w->ctl, 0700), ==, 0);

  write_node (w, &w->node[0], "tfa", w->h->port, w->ws_port, yml_text);
  node_start (w, &w->node[0]);
  if (nodes > 1)
    {
      guint16 port = tf_test_free_port (), ws = tf_test_free_port ();
      write_node (w, &w->node[1], "tfb", port, ws, yml_text);
      node_start (w, &w->node[1]);
      g_free (ctl (w, w->node[1].name, TRUE, "join_cluster", w->node[0].name, NULL));
      /* joining restarts ejabberd's applications on B: wait for its MQTT port again */
      g_assert_true (tf_harness_wait (w->h, node_up, &w->node[1], START_MS));
    }
  /* the MQTT port opens before ejabberd has loaded every module (its
   * admin commands among them): the accounts wait for "status: started" */
  for (guint i = 0; i < nodes; i++)
    {
      gboolean started = FALSE;
      for (guint t = 0; !started && t < START_MS / 250; t++)
        {
          g_autofree char *st = ctl (w, w->node[i].name, FALSE, "status", NULL);
          started = strstr (st, "status: started") != NULL;
          if (!started)
            g_usleep (250 * 1000);
        }
      if (!started)
        g_error ("ejabberd node %s never said it was started", w->node[i].name);
    }
  /* the accounts, as the set-up's own script creates them (on A: replicated) */
  {
    g_autofree char *script = g_build_filename (w->ej_dir, "ejabberd-accounts", NULL);
    g_autofree char *one = g_strdup_printf ("%s %s", w->ctl, w->node[0].name);
    const char *argv[] = { script, NULL };
    g_auto (GStrv) envp = g_environ_setenv (g_get_environ (), "EJABBERDCTL", one, TRUE);
    g_autofree char *out = NULL;
    g_clear_pointer (&err, g_free);
    g_assert_true (g_spawn_sync (NULL, (char **)argv, envp, G_SPAWN_DEFAULT, tf_test_child_setup,
                                 NULL, &out, &err, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("ejabberd-accounts failed: %s%s", out, err);
  }
  return w;
}

void
world_free (World *w)
{
  TfHarness *h = w->h;
  if (h->daemon != NULL)
    tf_harness_stop_daemon (h, SIGKILL);
  if (h->watch != NULL)
    {
      tf_bus_shutdown (h->watch, NULL, NULL, 100);
      g_clear_object (&h->watch);
    }
  for (int i = 1; i >= 0; i--)
    node_stop (&w->node[i], h);
  if (w->epmd != NULL)
    {
      g_subprocess_send_signal (w->epmd, SIGTERM);
      g_assert_true (g_subprocess_wait (w->epmd, NULL, NULL));
      g_clear_object (&w->epmd);
    }
  tf_harness_free (h);
  for (guint i = 0; i < 2; i++)
    {
      g_free (w->node[i].name);
      g_free (w->node[i].yml);
      g_free (w->node[i].spool);
      g_free (w->node[i].log);
    }
  g_hash_table_unref (w->pw);
  g_free (w->cookie);
  g_free (w->ej_dir);
  g_free (w->ctl);
  g_free (w);
}

static void
on_watch_message (TfBus *bus, const TfBusMessage *m, TfHarness *h)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (len == 0)
    g_hash_table_remove (h->retained, m->topic);
  else
    g_hash_table_replace (h->retained, g_strdup (m->topic), g_strndup (d, len));
}

static gboolean
bus_connected (TfHarness *h, gpointer bus)
{
  return tf_bus_is_connected (bus);
}

/* Staff's view of the floor through node @port (mod_mqtt allows only the
 * filters staff may read: no tf/LAB/#). */
void
watch_as_staff (World *w, guint16 port)
{
  TfHarness *h = w->h;
  g_autofree char *ca = tf_harness_path (h, "ca.pem");
  g_autofree char *id = g_strdup_printf ("staff-watch-%08x", g_random_int ());
  TfBusOptions o = { .host = "127.0.0.1",
                     .port = port,
                     .client_id = id,
                     .keepalive_s = 30,
                     .user = "staff",
                     .password = g_hash_table_lookup (w->pw, "staff"),
                     .tls = w->tls,
                     .ca_file = w->tls ? ca : NULL };
  const char *const subs[] = { "board/+/state", "host/+/status", NULL };
  g_autoptr (GError) error = NULL;

  h->watch = tf_bus_new (&o, &error);
  g_assert_no_error (error);
  g_signal_connect (h->watch, "message", G_CALLBACK (on_watch_message), h);
  for (guint i = 0; subs[i] != NULL; i++)
    {
      g_autofree char *t = g_strdup_printf ("tf/%s/%s", h->lab, subs[i]);
      tf_bus_subscribe (h->watch, t);
    }
  tf_bus_start (h->watch);
  g_assert_true (tf_harness_wait (h, bus_connected, h->watch, 30000));
}

gboolean
host_is (TfHarness *h, gpointer state)
{
  const char *json = tf_harness_retained (h, "host/testhost/status");
  g_autofree char *needle = g_strdup_printf ("\"state\":\"%s\"", (char *)state);
  return json != NULL && strstr (json, needle) != NULL;
}

/* mosquitto_sub or mosquitto_pub (MQTT 5, debug output) as @user on @port;
 * every run is bounded (-W, or timeout(1)). Returns stdout and stderr. */
char *
mosq (World *w, guint16 port, const char *user, const char *client_id, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *arg;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup ("60"));
  va_start (ap, client_id);
  arg = va_arg (ap, const char *); /* the program */
  g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, g_strdup ("-V"));
  g_ptr_array_add (argv, g_strdup ("mqttv5"));
  g_ptr_array_add (argv, g_strdup ("-h"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  g_ptr_array_add (argv, g_strdup ("-u"));
  g_ptr_array_add (argv, g_strdup (user));
  g_ptr_array_add (argv, g_strdup ("-P"));
  g_ptr_array_add (argv, g_strdup (g_hash_table_lookup (w->pw, user)));
  g_ptr_array_add (argv, g_strdup ("-d"));
  if (w->tls)
    {
      g_ptr_array_add (argv, g_strdup ("--cafile"));
      g_ptr_array_add (argv, tf_harness_path (w->h, "ca.pem"));
    }
  if (client_id != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-i"));
      g_ptr_array_add (argv, g_strdup (client_id));
    }
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
                               tf_test_child_setup, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  return g_strconcat (out, err, NULL);
}

char *
topic (World *w, const char *suffix)
{
  return g_strdup_printf ("tf/%s/%s", w->h->lab, suffix);
}

/* the reason code of mosquitto_pub's PUBACK, or -1 */
int
puback_rc (const char *out)
{
  const char *p = strstr (out, "received PUBACK");
  const char *rc = p != NULL ? strstr (p, "RC:") : NULL;
  return rc != NULL ? atoi (rc + 3) : -1;
}

gboolean
daemon_log_has (TfHarness *h, gpointer needle)
{
  g_autofree char *log = tf_harness_path (h, "daemon-0.log");
  g_autofree char *text = NULL;
  return g_file_get_contents (log, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

char *
password_file (World *w, const char *user)
{
  g_autofree char *name = g_strdup_printf ("%s.pw", user);
  char *path = tf_harness_path (w->h, name);
  g_assert_true (g_file_set_contents (path, g_hash_table_lookup (w->pw, user), -1, NULL));
  return path;
}
