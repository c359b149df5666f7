/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of two lab hosts and a coordinator for the farm tests
 * (tf-farm-test.c, tf-farm-floor-test.c), all on loopback: a central
 * mosquitto; per host its own tf-simlab, its own mosquitto bridged to the
 * central one by tf-broker-config's host mode and its own testfestd (role =
 * host); one testfestd (role = coordinator, no boards) on the central broker. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-farm-util.h"
#include "tf-test-host.h"

const char *const tf_farm_host_names[2] = { "a", "b" };

const char *
src (void)
{
  return g_getenv ("TF_SOURCE_ROOT");
}

char *
exe (const char *name)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", name, NULL);
}

static void
run_tool (const char *const *argv)
{
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               tf_test_child_setup, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
}

static gboolean
port_open (TfHarness *h, gpointer data)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", GPOINTER_TO_UINT (data), NULL, NULL);
  return conn != NULL;
}

GSubprocess *
broker_start (Farm *f, const char *conf, guint16 port)
{
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                            | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", conf, NULL);
  g_assert_no_error (error);
  g_assert_true (tf_harness_wait (f->host[0], port_open, GUINT_TO_POINTER (port), 30000));
  return p;
}

void
stop (GSubprocess **p, int sig)
{
  if (*p == NULL)
    return;
  g_subprocess_send_signal (*p, sig);
  g_assert_true (g_subprocess_wait (*p, NULL, NULL));
  g_clear_object (p);
}

void
coord_start (Farm *f)
{
  g_autofree char *d = exe ("testfestd");
  g_autofree char *name = g_strdup_printf ("coordinator-%u.log", f->coord_runs++);
  g_autofree char *log = g_build_filename (f->dir, name, NULL);
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  /* no boards of its own: run as a lab host would run it, below host a's umockdev */
  g_subprocess_launcher_setenv (l, "LD_PRELOAD", f->host[0]->preload, TRUE);
  g_subprocess_launcher_setenv (l, "UMOCKDEV_DIR", f->host[0]->umockdev_dir, TRUE);
  g_subprocess_launcher_setenv (l, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, log);
  f->coord = g_subprocess_launcher_spawn (l, &error, d, "--config", f->coord_conf, NULL);
  g_assert_no_error (error);
}

static void
on_watch (TfBus *bus, const TfBusMessage *m, Farm *f)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  g_ptr_array_add (f->seen, g_strdup_printf ("%s %.*s", m->topic, (int)len, d));
  if (len == 0)
    g_hash_table_remove (f->retained, m->topic);
  else
    g_hash_table_replace (f->retained, g_strdup (m->topic), g_strndup (d, len));
}

Farm *
farm_new (const FarmSetup *setup)
{
  Farm *f = g_new0 (Farm, 1);
  g_autofree char *tool = exe ("tf-broker-config");
  /* tests/boards too: sim-l476-cmd, flashed by tests/flash-to-file.sh */
  g_autofree char *boards = g_strdup_printf ("%s/boards;%s/tests/boards", src (), src ());
  g_autofree char *images = NULL, *run_event = NULL;
  g_autofree char *event = NULL, *out = NULL, *persist = NULL, *text = NULL, *log = NULL;
  g_autofree char *creds = NULL, *conf = NULL, *port = NULL;

  for (guint i = 0; i < 2; i++)
    {
      f->host[i] = tf_harness_new (setup->sim_text[i], "");
      /* tf-broker-config writes the host's own broker below */
      tf_harness_stop_broker (f->host[i]);
    }
  f->dir = g_dir_make_tmp ("tf-farm-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  g_chmod (f->dir, 0755);
  f->lab = g_strdup_printf ("farm%08x", g_random_int ());
  f->retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  event = g_build_filename (f->dir, "farm.event", NULL);
  g_assert_true (g_file_set_contents (event, setup->event_text, -1, NULL));

  /* the central broker and the coordinator's lab file */
  f->central_port = tf_test_free_port ();
  f->coord_conf = g_build_filename (f->dir, "coordinator.conf", NULL);
  if (setup->images_text != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, "images.conf", NULL);
      g_assert_true (g_file_set_contents (path, setup->images_text, -1, NULL));
      images = g_strdup_printf ("images = %s\n", path);
    }
  else
    images = g_strdup ("");
  if (setup->coordinator_event)
    run_event = g_strdup_printf ("ets-dir = %s/tests/ets\nevent = %s\n", src (), event);
  else
    run_event = g_strdup ("");
  /* with the event, the coordinator runs the floor on its hosts' boards */
  text = g_strdup_printf (
      "[lab]\nname = %s\nhost = coord\nrole = coordinator\nstate-dir = "
      "%s/coord-state\nboards-dir = %s\n%s%s\n[broker]\nhost = 127.0.0.1\nport = "
      "%u\nuser = testfestd\npassword-file = coord.pw\nkeepalive-s = 5\n",
      f->lab, f->dir, boards, run_event, images, f->central_port);
  g_assert_true (g_file_set_contents (f->coord_conf, text, -1, NULL));
  out = g_build_filename (f->dir, "central", NULL);
  persist = g_build_filename (f->dir, "central-data", NULL);
  log = g_build_filename (f->dir, "central.log", NULL);
  {
    const char *argv[] = { tool,        "--lab",         f->coord_conf, "--event",
                           event,       "--out",         out,           "--host",
                           "a",         "--host",        "b",           "--bind",
                           "127.0.0.1", "--persistence", persist,       "--log",
                           log,         "--broker-user", "root",        NULL };
    run_tool (argv);
  }
  conf = g_build_filename (out, "mosquitto.conf", NULL);
  tf_test_append (conf, "user root\n");
  creds = g_build_filename (out, "credentials", NULL);
  f->staff_pw = tf_test_credential (creds, "staff");

  /* each host: its lab file (role = host), its own broker bridged to the central one */
  port = g_strdup_printf ("127.0.0.1:%u", f->central_port);
  for (guint i = 0; i < 2; i++)
    {
      TfHarness *h = f->host[i];
      g_autofree char *hout = tf_harness_path (h, "broker");
      g_autofree char *hdata = tf_harness_path (h, "broker-data");
      g_autofree char *hlog = tf_harness_path (h, "broker.log");
      g_autofree char *hcreds
          = g_strdup_printf ("%s/hosts/%s.credentials", out, tf_farm_host_names[i]);
      g_autofree char *htext = NULL, *hconf = NULL;
      h->port = tf_test_free_port ();
      htext = g_strdup_printf ("[lab]\nname = %s\nhost = %s\nrole = host\nstate-dir = %s\n"
                               "boards-dir = %s\n%s\n[broker]\nhost = 127.0.0.1\n"
                               "port = %u\nuser = testfestd\npassword-file = daemon.pw\n"
                               "keepalive-s = 5\n\n%s",
                               f->lab, tf_farm_host_names[i], h->state_dir, boards, images, h->port,
                               setup->lab_body[i]);
      g_assert_true (g_file_set_contents (h->lab_path, htext, -1, NULL));
      {
        const char *argv[] = { tool,   "--lab",         h->lab_path, "--out",
                               hout,   "--bridge-to",   port,        "--bridge-credentials",
                               hcreds, "--persistence", hdata,       "--log",
                               hlog,   "--broker-user", "root",      NULL };
        run_tool (argv);
      }
      hconf = g_build_filename (hout, "mosquitto.conf", NULL);
      tf_test_append (hconf, "user root\n");
    }
  f->central = broker_start (f, conf, f->central_port);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *hconf = tf_harness_path (f->host[i], "broker/mosquitto.conf");
      f->host_broker[i] = broker_start (f, hconf, f->host[i]->port);
    }

  /* staff's view of the central broker */
  {
    g_autofree char *id = g_strdup_printf ("staff-watch-%08x", g_random_int ());
    g_autofree char *all = g_strdup_printf ("tf/%s/#", f->lab);
    g_autofree char *pwf = g_build_filename (f->dir, "staff.pw", NULL);
    g_autofree char *staff_conf = g_build_filename (f->dir, "staff.conf", NULL);
    TfBusOptions o = { .host = "127.0.0.1",
                       .port = f->central_port,
                       .user = "staff",
                       .password = f->staff_pw,
                       .client_id = id,
                       .keepalive_s = 30 };
    g_autoptr (GError) error = NULL;
    g_assert_true (g_file_set_contents (pwf, f->staff_pw, -1, NULL));
    f->watch = tf_bus_new (&o, &error);
    g_assert_no_error (error);
    g_signal_connect (f->watch, "message", G_CALLBACK (on_watch), f);
    tf_bus_subscribe (f->watch, all);
    tf_bus_start (f->watch);
  }
  return f;
}

void
farm_free (Farm *f)
{
  if (f->watch != NULL)
    {
      tf_bus_shutdown (f->watch, NULL, NULL, 100);
      g_clear_object (&f->watch);
    }
  stop (&f->coord, SIGKILL);
  for (guint i = 0; i < 2; i++)
    {
      if (f->host[i]->daemon != NULL)
        tf_harness_stop_daemon (f->host[i], SIGKILL);
      stop (&f->host_broker[i], SIGTERM);
    }
  stop (&f->central, SIGTERM);
  for (guint i = 0; i < 2; i++)
    tf_harness_free (f->host[i]);
  if (g_getenv ("TF_KEEP_TEST_DIRS") == NULL)
    tf_test_rm_rf (f->dir);
  else
    g_printerr ("# kept %s\n", f->dir);
  g_hash_table_unref (f->retained);
  g_ptr_array_unref (f->seen);
  g_free (f->coord_conf);
  g_free (f->staff_pw);
  g_free (f->dir);
  g_free (f->lab);
  g_free (f);
}

/* ---- what staff see ---- */

/* The coordinator's board as it republishes it on tf/<lab>/board/<id>/state. */
JsonObject *
board_of (Farm *f, const char *prefix, const char *id)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%sboard/%s/state", f->lab, prefix, id);
  const char *json = g_hash_table_lookup (f->retained, t);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

typedef struct
{
  Farm *f;
  const char *board, *state, *cause;
} Want;

static gboolean
board_is (TfHarness *h, gpointer data)
{
  Want *w = data;
  g_autoptr (JsonObject) o = board_of (w->f, "", w->board);
  return o != NULL && g_strcmp0 (json_object_get_string_member (o, "state"), w->state) == 0
         && (w->cause == NULL
             || g_strcmp0 (json_object_get_string_member (o, "cause"), w->cause) == 0);
}

void
wait_board (Farm *f, const char *board, const char *state, const char *cause)
{
  Want w = { f, board, state, cause };
  if (!tf_harness_wait (f->host[0], board_is, &w, WAIT_MS))
    g_error ("board %s never %s (%s) at the coordinator (kept in %s)", board, state,
             cause ? cause : "any cause", f->dir);
}

/* testfestctl as staff, against the coordinator on the central broker */
int
ctl (Farm *f, char **out, char **err, const char *const *args)
{
  g_autofree char *c = exe ("testfestctl");
  g_autofree char *pwf = g_build_filename (f->dir, "staff.pw", NULL);
  g_autofree char *port = g_strdup_printf ("%u", f->central_port);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = 0;
  for (const char *const *a
       = (const char *const[]){ c, "--lab", f->lab, "--broker", "127.0.0.1", "--port", port,
                                "--user", "staff", "--password-file", pwf, NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (char *)*a);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
                               tf_test_child_setup, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
