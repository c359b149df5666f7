/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config itself: its files, its refusals, the command line and TLS,
 * tried against the broker it writes (tf-broker-world.h). */
#include "tf-broker-world.h"

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
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (!world_setup ())
    return 77;
  g_test_add_func ("/broker/cli", test_cli);
  g_test_add_func ("/broker/tls", test_tls);
  g_test_add_func ("/broker/tool-files", test_tool_files);
  g_test_add_func ("/broker/tool-errors", test_tool_errors);
  rc = g_test_run ();
  world_teardown ();
  return rc;
}
