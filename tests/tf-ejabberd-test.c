/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A second MQTT 5 implementation as the central broker (issue 18): ejabberd's
 * mod_mqtt, set up by tf-broker-config --ejabberd, with testfestd (unchanged)
 * under tf-simlab, testfestctl and mosquitto's command-line clients. One
 * node: the retained boards, a request and its reply, the will, and what a
 * participant may not do. Two nodes joined in an ejabberd cluster: the daemon
 * on one, staff on the other. ejabberd runs as our own unprivileged-style
 * child (never through ejabberdctl's su), with its own node name, cookie,
 * spool and an epmd of its own on a free loopback port; every process is
 * stopped and reaped at the end. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-ejabberd-world.h"
#include "tf-test-host.h"

static void
test_one_node (void)
{
  World *w = world_new (1, FALSE, NULL);
  TfHarness *h = w->h;
  g_autofree char *staff_pw = password_file (w, "staff");
  g_autofree char *out = NULL, *err = NULL;

  tf_harness_start_daemon (h);
  /* 1. the daemon's retained state, read by a subscriber that came later */
  {
    g_autofree char *t = topic (w, "board/+/state");
    g_autofree char *got = NULL;
    /* wait (bounded) for the daemon to be up before a late reader looks */
    watch_as_staff (w, h->port);
    g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 60000));
    g_assert_true (tf_harness_wait_board_state (h, "sim2", "ready", 60000));
    g_assert_true (tf_harness_wait (h, host_is, "online", 60000));
    got = mosq (w, h->port, "acme", NULL, "mosquitto_sub", "-t", t, "-v", "-W", "5", NULL);
    tf_harness_assert_contains (got, "/board/sim1/state {");
    tf_harness_assert_contains (got, "/board/sim2/state {");
  }

  /* 2. request/response: testfestctl as staff, the reply on its own topic */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "--user", "staff", "--password-file", staff_pw,
                                   "boards", NULL),
                   ==, 0);
  tf_harness_assert_contains (out, "sim1");
  tf_harness_assert_contains (out, "sim2");

  /* 3. a participant: no staff subtree, no other company's, no other's
   * replies, no request as another company; its own requests go through */
  {
    g_autofree char *staff_sub = topic (w, "private/#");
    g_autofree char *beta_sub = topic (w, "private/beta/#");
    g_autofree char *reply_sub = topic (w, "reply/staff/#");
    g_autofree char *cmd = topic (w, "cmd/boards");
    g_autofree char *as_beta = topic (w, "in/beta/boards");
    g_autofree char *as_acme = topic (w, "in/acme/boards");
    g_autofree char *reg = topic (w, "regress/#");
    g_autofree char *hosts = topic (w, "hosts");
    g_autofree char *wide = topic (w, "+/beta/#");
    g_autofree char *shared = g_strdup_printf ("$share/g/%s", beta_sub);
    const char *const denied[] = { staff_sub, beta_sub, reply_sub, reg, hosts, wide, NULL };
    for (guint i = 0; denied[i] != NULL; i++)
      {
        g_autofree char *got
            = mosq (w, h->port, "acme", NULL, "mosquitto_sub", "-t", denied[i], "-W", "3", NULL);
        tf_harness_assert_contains (got, "All subscription requests were denied");
      }
    /* staff may read the farm's host summary (the positive control for it) */
    {
      g_autofree char *got
          = mosq (w, h->port, "staff", NULL, "mosquitto_sub", "-t", hosts, "-W", "2", NULL);
      g_assert_null (strstr (got, "denied"));
    }
    /* a shared subscription: mod_mqtt 23.01 has none (DISCONNECT 0x9e) */
    {
      g_autofree char *got
          = mosq (w, h->port, "acme", NULL, "mosquitto_sub", "-t", shared, "-W", "3", NULL);
      tf_harness_assert_contains (got, "Received DISCONNECT (158)");
      g_assert_null (strstr (got, "received PUBLISH"));
    }
    {
      g_autofree char *a = mosq (w, h->port, "acme", NULL, "mosquitto_pub", "-q", "1", "-t",
                                 as_beta, "-m", "{}", NULL);
      g_autofree char *b = mosq (w, h->port, "acme", NULL, "mosquitto_pub", "-q", "1", "-t", cmd,
                                 "-m", "{}", NULL);
      g_autofree char *c = mosq (w, h->port, "acme", NULL, "mosquitto_pub", "-q", "1", "-t",
                                 as_acme, "-m", "{}", NULL);
      g_test_message ("PUBACK reason codes: in/beta %d, cmd %d, in/acme %d", puback_rc (a),
                      puback_rc (b), puback_rc (c));
      g_assert_cmpint (puback_rc (a), >=, 0x80);
      g_assert_cmpint (puback_rc (b), >=, 0x80);
      /* 0x10: accepted, "no matching subscribers" is not what ejabberd says
       * here, the daemon subscribes in/+/+ */
      g_assert_cmpint (puback_rc (c), <, 0x80);
    }
    /* the daemon's client id, taken by a participant: a session of acme's
     * own account (a resource of acme@localhost), the daemon's stays */
    {
      g_autofree char *got = mosq (w, h->port, "acme", "testfestd", "mosquitto_pub", "-q", "1",
                                   "-t", as_acme, "-m", "{}", NULL);
      g_assert_cmpint (puback_rc (got), <, 0x80);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (tf_harness_ctl (h, &out, &err, "--user", "staff", "--password-file",
                                       staff_pw, "boards", NULL),
                       ==, 0);
      g_assert_true (host_is (h, "online"));
    }
  }

  /* 4. a retained request: ejabberd cannot refuse it (our mosquitto plugin
   * does); the daemon subscribes with retain-as-published and ignores it */
  {
    g_autofree char *cmd = topic (w, "cmd/boards");
    g_autofree char *got = mosq (w, h->port, "staff", NULL, "mosquitto_pub", "-q", "1", "-r", "-t",
                                 cmd, "-m", "{}", NULL);
    g_test_message ("retained request: PUBACK reason code %d", puback_rc (got));
    g_assert_cmpint (puback_rc (got), <, 0x80);
    g_assert_true (tf_harness_wait (h, daemon_log_has, "retained request ignored", 60000));
    /* and removed, as staff would (an empty retained message) */
    g_free (
        mosq (w, h->port, "staff", NULL, "mosquitto_pub", "-q", "1", "-r", "-t", cmd, "-n", NULL));
  }

  /* 5. the will: the daemon killed, the broker says so */
  tf_harness_stop_daemon (h, SIGKILL);
  g_assert_true (tf_harness_wait (h, host_is, "offline", 60000));
  tf_harness_assert_contains (tf_harness_retained (h, "host/testhost/status"), "connection lost");
  world_free (w);
}

static void
test_cluster (void)
{
  World *w = world_new (2, FALSE, NULL);
  TfHarness *h = w->h;
  guint16 a = w->node[0].mqtt_port, b = w->node[1].mqtt_port;
  g_autofree char *staff_pw = password_file (w, "staff");
  g_autofree char *out = NULL, *err = NULL, *list = NULL, *t = topic (w, "board/+/state");

  list = ctl (w, w->node[0].name, TRUE, "list_cluster", NULL);
  tf_harness_assert_contains (list, w->node[1].name);

  /* the daemon on node B; staff on node A, subscribed before it starts */
  {
    g_autofree char *text = NULL;
    g_autofree char *from = g_strdup_printf ("port = %u\n", a);
    g_autofree char *to = g_strdup_printf ("port = %u\n", b);
    g_autoptr (GString) s = NULL;
    g_assert_true (g_file_get_contents (h->lab_path, &text, NULL, NULL));
    s = g_string_new (text);
    g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
    g_assert_true (g_file_set_contents (h->lab_path, s->str, -1, NULL));
  }
  watch_as_staff (w, a);
  tf_harness_start_daemon (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 60000));
  g_assert_true (tf_harness_wait (h, host_is, "online", 60000));

  /* a request through node A (testfestctl's lab file names A), answered
   * by the daemon on B */
  {
    g_autofree char *text = NULL;
    g_autofree char *lab_a = tf_harness_path (h, "lab-a.conf");
    g_autofree char *from = g_strdup_printf ("port = %u\n", b);
    g_autofree char *to = g_strdup_printf ("port = %u\n", a);
    g_autoptr (GString) s = NULL;
    g_autofree char *exe = tool ("testfestctl");
    g_autoptr (GError) error = NULL;
    int status = 0;
    g_assert_true (g_file_get_contents (h->lab_path, &text, NULL, NULL));
    s = g_string_new (text);
    g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
    g_assert_true (g_file_set_contents (lab_a, s->str, -1, NULL));
    {
      const char *argv[] = { exe,      "--config", lab_a, "--user", "staff", "--password-file",
                             staff_pw, "boards",   NULL };
      g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, tf_test_child_setup,
                                   NULL, &out, &err, &status, &error));
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("testfestctl boards through node A: %s%s", out, err);
      tf_harness_assert_contains (out, "sim1");
    }
  }

  /* retained state, read late: through B (where the daemon published it)
   * it is there; through A it is measured and reported (ejabberd 23.01
   * keeps its index of retained topics per node, docs/ejabberd.md) */
  {
    g_autofree char *via_b
        = mosq (w, b, "staff", NULL, "mosquitto_sub", "-t", t, "-v", "-W", "5", NULL);
    g_autofree char *via_a
        = mosq (w, a, "staff", NULL, "mosquitto_sub", "-t", t, "-v", "-W", "5", NULL);
    tf_harness_assert_contains (via_b, "/board/sim1/state {");
    g_test_message ("a late reader on node A %s the retained board states published on node B",
                    strstr (via_a, "/board/sim1/state {") != NULL ? "gets" : "does NOT get");
  }

  /* the will, published by node B, reaches the reader on A */
  tf_harness_stop_daemon (h, SIGKILL);
  g_assert_true (tf_harness_wait (h, host_is, "offline", 60000));
  world_free (w);
}

/* A lab whose broker speaks TLS: ejabberd's listener with the certificate
 * given to tf-broker-config, the daemon as the lab file says (tls = yes,
 * ca-file); a client in clear gets nothing. (testfestctl has no TLS of its
 * own yet, whatever the broker.) */
static void
test_tls (void)
{
  World *w = world_new (1, TRUE, NULL);
  TfHarness *h = w->h;
  g_autofree char *t = topic (w, "board/+/state");

  tf_harness_start_daemon (h);
  watch_as_staff (w, h->port);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 60000));
  g_assert_true (tf_harness_wait (h, host_is, "online", 60000));
  {
    g_autofree char *clear = NULL;
    w->tls = FALSE;
    clear = mosq (w, h->port, "staff", NULL, "mosquitto_sub", "-t", t, "-v", "-W", "5", NULL);
    w->tls = TRUE;
    g_assert_null (strstr (clear, "received CONNACK"));
    g_assert_null (strstr (clear, "/board/sim1/state"));
  }
  /* the will, over TLS too */
  tf_harness_stop_daemon (h, SIGKILL);
  g_assert_true (tf_harness_wait (h, host_is, "offline", 60000));
  world_free (w);
}

static gboolean
proc_gone (TfHarness *h, gpointer data)
{
  return *(gboolean *)data;
}

static void
on_proc_exit (GObject *src, GAsyncResult *res, gpointer data)
{
  *(gboolean *)data = TRUE;
}

/* A farm's central broker on ejabberd (--host a --host b): host a's own
 * mosquitto, written by tf-broker-config --bridge-to with the credentials
 * the ejabberd set-up wrote, bridged to ejabberd with MQTT 5. Its subtree
 * reaches staff on ejabberd, the coordinator's requests reach it, and its
 * account can write nothing of host b's nor the floor. */
static void
test_farm_bridge (void)
{
  const char *const hosts[] = { "a", "b", NULL };
  World *w = world_new (1, FALSE, hosts);
  TfHarness *h = w->h;
  guint16 central = h->port, port_a = tf_test_free_port ();
  g_autofree char *hlab = tf_harness_path (h, "host-a.conf");
  g_autofree char *hout = tf_harness_path (h, "host-a");
  g_autofree char *hdata = tf_harness_path (h, "host-a-data");
  g_autofree char *hlog = tf_harness_path (h, "host-a.log");
  g_autofree char *hcreds = g_build_filename (w->ej_dir, "hosts", "a.credentials", NULL);
  g_autofree char *to = g_strdup_printf ("127.0.0.1:%u", central);
  g_autofree char *exe = tool ("tf-broker-config");
  g_autofree char *conf = g_build_filename (hout, "mosquitto.conf", NULL);
  g_autofree char *link = topic (w, "host/a/link"), *status = topic (w, "host/a/status");
  g_autofree char *req = topic (w, "host/a/in/boards"), *b_status = topic (w, "host/b/status");
  g_autofree char *b_in = topic (w, "host/b/in/#"), *floor = topic (w, "board/sim1/state");
  g_autoptr (GSubprocess) broker = NULL;
  gboolean broker_gone = FALSE;

  /* host a's lab file: the same daemon account (and password file) */
  {
    g_autofree char *text = g_strdup_printf (
        "[lab]\nname = %s\nhost = a\nstate-dir = %s/state-a\n\n[broker]\nhost = 127.0.0.1\n"
        "port = %u\nuser = testfestd\npassword-file = daemon.pw\n",
        h->lab, h->dir, port_a);
    const char *argv[] = { exe,    "--lab",         hlab,   "--out",
                           hout,   "--bridge-to",   to,     "--bridge-credentials",
                           hcreds, "--persistence", hdata,  "--log",
                           hlog,   "--broker-user", "root", NULL };
    g_autofree char *err = NULL, *data = NULL, *more = NULL;
    g_autoptr (GError) error = NULL;
    int st = 0;
    g_assert_true (g_file_set_contents (hlab, text, -1, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, &err, &st, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (st, NULL))
      g_error ("tf-broker-config --bridge-to: %s", err);
    /* stay root: PR_SET_PDEATHSIG holds */
    g_assert_true (g_file_get_contents (conf, &data, NULL, NULL));
    more = g_strconcat (data, "user root\n", NULL);
    g_assert_true (g_file_set_contents (conf, more, -1, NULL));
  }
  {
    g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                              | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_autoptr (GError) error = NULL;
    broker = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", conf, NULL);
    g_assert_no_error (error);
    g_subprocess_wait_async (broker, NULL, on_proc_exit, &broker_gone);
  }
  /* the bridge is up: its retained "1" on ejabberd (bounded: the bridge retries) */
  {
    g_autofree char *got = mosq (w, central, "staff", NULL, "mosquitto_sub", "-t", link, "-v", "-C",
                                 "1", "-W", "60", NULL);
    tf_harness_assert_contains (got, "/host/a/link 1");
  }
  /* host a's subtree reaches ejabberd */
  g_free (mosq (w, port_a, "testfestd", NULL, "mosquitto_pub", "-q", "1", "-r", "-t", status, "-m",
                "{\"state\":\"online\"}", NULL));
  {
    g_autofree char *got = mosq (w, central, "staff", NULL, "mosquitto_sub", "-t", status, "-v",
                                 "-C", "1", "-W", "60", NULL);
    tf_harness_assert_contains (got, "/host/a/status {\"state\":\"online\"}");
  }
  /* a coordinator's request on ejabberd reaches host a's broker: published
   * until the subscriber there has it (bounded) */
  {
    g_autofree char *out_path = tf_harness_path (h, "host-a-in.txt");
    g_autofree char *got = NULL, *pw = g_strdup (g_hash_table_lookup (w->pw, "testfestd"));
    g_autofree char *port = g_strdup_printf ("%u", port_a);
    g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_autoptr (GSubprocess) sub = NULL;
    g_autoptr (GError) error = NULL;
    gboolean sub_gone = FALSE;
    g_subprocess_launcher_set_stdout_file_path (l, out_path);
    sub = g_subprocess_launcher_spawn (l, &error, "mosquitto_sub", "-V", "mqttv5", "-h",
                                       "127.0.0.1", "-p", port, "-u", "testfestd", "-P", pw, "-t",
                                       req, "-v", "-C", "1", "-W", "60", NULL);
    g_assert_no_error (error);
    g_subprocess_wait_async (sub, NULL, on_proc_exit, &sub_gone);
    for (guint i = 0; i < 60 && !sub_gone; i++)
      {
        g_free (mosq (w, central, "testfestd", NULL, "mosquitto_pub", "-q", "1", "-t", req, "-m",
                      "{\"from\":\"coordinator\"}", NULL));
        tf_harness_wait (h, proc_gone, &sub_gone, 1000);
      }
    g_assert_true (tf_harness_wait (h, proc_gone, &sub_gone, 60000));
    g_assert_true (g_file_get_contents (out_path, &got, NULL, NULL));
    tf_harness_assert_contains (got, "/host/a/in/boards {\"from\":\"coordinator\"}");
  }
  /* host a's account on ejabberd: nothing of host b's, nothing of the floor */
  {
    const char *user = "host-a";
    g_autofree char *pb = mosq (w, central, user, NULL, "mosquitto_pub", "-q", "1", "-t", b_status,
                                "-m", "{}", NULL);
    g_autofree char *pf
        = mosq (w, central, user, NULL, "mosquitto_pub", "-q", "1", "-t", floor, "-m", "{}", NULL);
    g_autofree char *sb
        = mosq (w, central, user, NULL, "mosquitto_sub", "-t", b_in, "-W", "3", NULL);
    g_assert_cmpint (puback_rc (pb), >=, 0x80);
    g_assert_cmpint (puback_rc (pf), >=, 0x80);
    tf_harness_assert_contains (sb, "All subscription requests were denied");
  }
  g_subprocess_send_signal (broker, SIGTERM);
  g_assert_true (tf_harness_wait (h, proc_gone, &broker_gone, 30000));
  world_free (w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *erl = g_find_program_in_path ("erl");
    g_autofree char *epmd = g_find_program_in_path ("epmd");
    if (erl == NULL || epmd == NULL)
      g_error ("ejabberd (erl, epmd) is not installed: scripts/lib.sh DEB_TEST installs it");
  }
  g_test_add_func ("/ejabberd/one-node", test_one_node);
  g_test_add_func ("/ejabberd/tls", test_tls);
  g_test_add_func ("/ejabberd/cluster", test_cluster);
  g_test_add_func ("/ejabberd/farm-bridge", test_farm_bridge);
  return g_test_run ();
}
