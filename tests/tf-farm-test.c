/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of two lab hosts and a coordinator (issue 18, first piece), all on
 * loopback: a central mosquitto; per host its own tf-simlab, its own
 * mosquitto bridged to the central one by tf-broker-config's host mode and
 * its own testfestd (role = host); one testfestd (role = coordinator, no
 * boards) on the central broker. Staff use testfestctl against the
 * coordinator only. No network namespaces here: every process listens on
 * 127.0.0.1 (the issue's per-host namespaces are a later piece). */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-harness.h"
#include "tf-test-host.h"

#define WAIT_MS 90000 /* a bridge retries with a back-off capped at 30 s */

#define SIM_BOARD(id, n, power)                                                                    \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = " power "\nfirmware-name = fw-" id    \
  "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n\n"
#define SIM_RELAY "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
#define LAB_RELAY                                                                                  \
  "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = 100\n\n"

/* host a: a1 on a relay, a2 always powered; host b: b1, and an a2 of its own */
static const char *sim_text[]
    = { SIM_RELAY SIM_BOARD ("a1", 1, "relay1:1") SIM_BOARD ("a2", 2, "always"),
        SIM_RELAY SIM_BOARD ("b1", 1, "relay1:1") SIM_BOARD ("a2", 2, "always") };
static const char *lab_body[]
    = { LAB_RELAY "[board a1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n\n"
                  "[board a2]\ntype = sim-l476\nconsole = /dev/ttyACM2\n",
        LAB_RELAY "[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n\n"
                  "[board a2]\ntype = sim-l476\nconsole = /dev/ttyACM2\n" };
static const char *const host_names[] = { "a", "b" };

#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"                \
  "day-end = 12:00\ntables = 1\n\n[company acme]\nname = Acme IoT GmbH\n\n"                        \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"

typedef struct
{
  char *dir, *lab;
  guint16 central_port;
  GSubprocess *central, *coord, *host_broker[2];
  guint coord_runs;
  char *coord_conf, *staff_pw;
  TfHarness *host[2]; /* each: its tf-simlab and its testfestd */
  TfBus *watch;       /* staff on the central broker */
  GHashTable *retained;
} Farm;

static const char *
src (void)
{
  return g_getenv ("TF_SOURCE_ROOT");
}

static char *
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

static void
append (const char *path, const char *text)
{
  g_autofree char *data = NULL, *more = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  more = g_strconcat (data, text, NULL);
  g_assert_true (g_file_set_contents (path, more, -1, NULL));
}

static gboolean
port_open (TfHarness *h, gpointer data)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", GPOINTER_TO_UINT (data), NULL, NULL);
  return conn != NULL;
}

static GSubprocess *
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

static void
stop (GSubprocess **p, int sig)
{
  if (*p == NULL)
    return;
  g_subprocess_send_signal (*p, sig);
  g_assert_true (g_subprocess_wait (*p, NULL, NULL));
  g_clear_object (p);
}

static char *
first_word_after (const char *path, const char *user)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) w = g_strsplit (lines[i], " ", 3);
      if (g_strcmp0 (w[0], user) == 0 && w[1] != NULL)
        return g_strdup (w[1]);
    }
  g_error ("no %s in %s", user, path);
  return NULL;
}

static void
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
  if (len == 0)
    g_hash_table_remove (f->retained, m->topic);
  else
    g_hash_table_replace (f->retained, g_strdup (m->topic), g_strndup (d, len));
}

static Farm *
farm_new (void)
{
  Farm *f = g_new0 (Farm, 1);
  g_autofree char *tool = exe ("tf-broker-config");
  g_autofree char *boards = g_build_filename (src (), "boards", NULL);
  g_autofree char *event = NULL, *out = NULL, *persist = NULL, *text = NULL, *log = NULL;
  g_autofree char *creds = NULL, *conf = NULL, *port = NULL;

  for (guint i = 0; i < 2; i++)
    {
      f->host[i] = tf_harness_new (sim_text[i], "");
      /* tf-broker-config writes the host's own broker below */
      tf_harness_stop_broker (f->host[i]);
    }
  f->dir = g_dir_make_tmp ("tf-farm-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  g_chmod (f->dir, 0755);
  f->lab = g_strdup_printf ("farm%08x", g_random_int ());
  f->retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  event = g_build_filename (f->dir, "farm.event", NULL);
  g_assert_true (g_file_set_contents (event, EVENT_TEXT, -1, NULL));

  /* the central broker and the coordinator's lab file */
  f->central_port = tf_test_free_port ();
  f->coord_conf = g_build_filename (f->dir, "coordinator.conf", NULL);
  text = g_strdup_printf ("[lab]\nname = %s\nhost = coord\nrole = coordinator\nstate-dir = "
                          "%s/coord-state\nboards-dir = %s\n\n[broker]\nhost = 127.0.0.1\nport = "
                          "%u\nuser = testfestd\npassword-file = coord.pw\nkeepalive-s = 5\n",
                          f->lab, f->dir, boards, f->central_port);
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
  append (conf, "user root\n");
  creds = g_build_filename (out, "credentials", NULL);
  f->staff_pw = first_word_after (creds, "staff");

  /* each host: its lab file (role = host), its own broker bridged to the central one */
  port = g_strdup_printf ("127.0.0.1:%u", f->central_port);
  for (guint i = 0; i < 2; i++)
    {
      TfHarness *h = f->host[i];
      g_autofree char *hout = tf_harness_path (h, "broker");
      g_autofree char *hdata = tf_harness_path (h, "broker-data");
      g_autofree char *hlog = tf_harness_path (h, "broker.log");
      g_autofree char *hcreds = g_strdup_printf ("%s/hosts/%s.credentials", out, host_names[i]);
      g_autofree char *htext = NULL, *hconf = NULL;
      h->port = tf_test_free_port ();
      htext = g_strdup_printf ("[lab]\nname = %s\nhost = %s\nrole = host\nstate-dir = %s\n"
                               "boards-dir = %s\n\n[broker]\nhost = 127.0.0.1\nport = %u\n"
                               "user = testfestd\npassword-file = daemon.pw\nkeepalive-s = 5\n\n%s",
                               f->lab, host_names[i], h->state_dir, boards, h->port, lab_body[i]);
      g_assert_true (g_file_set_contents (h->lab_path, htext, -1, NULL));
      {
        const char *argv[] = { tool,   "--lab",         h->lab_path, "--out",
                               hout,   "--bridge-to",   port,        "--bridge-credentials",
                               hcreds, "--persistence", hdata,       "--log",
                               hlog,   "--broker-user", "root",      NULL };
        run_tool (argv);
      }
      hconf = g_build_filename (hout, "mosquitto.conf", NULL);
      append (hconf, "user root\n");
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

static void
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
  g_free (f->coord_conf);
  g_free (f->staff_pw);
  g_free (f->dir);
  g_free (f->lab);
  g_free (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Farm, farm_free)

/* ---- what staff see ---- */

/* The coordinator's board as it republishes it on tf/<lab>/board/<id>/state. */
static JsonObject *
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

static void
wait_board (Farm *f, const char *board, const char *state, const char *cause)
{
  Want w = { f, board, state, cause };
  if (!tf_harness_wait (f->host[0], board_is, &w, WAIT_MS))
    g_error ("board %s never %s (%s) at the coordinator (kept in %s)", board, state,
             cause ? cause : "any cause", f->dir);
}

/* The coordinator shows board data[1] exactly as host a's daemon last published it. */
static gboolean
as_host_says (TfHarness *h, gpointer data)
{
  Farm *f = ((gpointer *)data)[0];
  const char *id = ((gpointer *)data)[1];
  g_autoptr (JsonObject) own = board_of (f, "host/a/", id);
  g_autoptr (JsonObject) seen = board_of (f, "", id);
  return own != NULL && seen != NULL
         && g_strcmp0 (json_object_get_string_member (own, "state"),
                       json_object_get_string_member (seen, "state"))
                == 0
         && g_strcmp0 (json_object_get_string_member (own, "since"),
                       json_object_get_string_member (seen, "since"))
                == 0;
}

/* testfestctl as staff, against the coordinator on the central broker */
static int
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

/* `testfestctl boards --json`: id -> host, state ("id=host:state;" sorted) */
static char *
listing (Farm *f)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GString) s = g_string_new ("");
  JsonArray *a;
  /* a request sent before the daemon has subscribed is lost: ask again soon */
  if (ctl (f, &out, &err, (const char *[]){ "boards", "--json", "--timeout", "5", NULL }) != 0
      || !json_parser_load_from_data (p, out, -1, NULL))
    return g_strdup_printf ("(testfestctl: %s)", err);
  a = json_node_get_array (json_parser_get_root (p));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_string_append_printf (s, "%s=%s:%s;", json_object_get_string_member (o, "id"),
                              json_object_get_string_member (o, "host"),
                              json_object_get_string_member (o, "state"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

typedef struct
{
  Farm *f;
  const char *want;
  char *last;
} Listing;

static gboolean
listing_is (TfHarness *h, gpointer data)
{
  Listing *l = data;
  g_free (l->last);
  l->last = listing (l->f);
  if (g_strcmp0 (l->last, l->want) == 0)
    return TRUE;
  tf_harness_sleep (h, 300); /* one testfestctl run at a time, not a busy loop */
  return FALSE;
}

static void
wait_listing (Farm *f, const char *want)
{
  Listing l = { f, want, NULL };
  if (!tf_harness_wait (f->host[0], listing_is, &l, WAIT_MS))
    g_error ("testfestctl boards: '%s', expected '%s'", l.last, want);
  g_free (l.last);
}

/* the coordinator's own retained status says host b's a2 was refused */
static gboolean
a2_refused (TfHarness *h, gpointer data)
{
  Farm *f = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/host/coord/status", f->lab);
  const char *json = g_hash_table_lookup (f->retained, t);
  return json != NULL && strstr (json, "\"b\":{") != NULL
         && strstr (json, "\"refused\":{\"a2\":\"board id already host a's\"}") != NULL;
}

static gboolean
b_told (TfHarness *h, gpointer data)
{
  Farm *f = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/host/b/status", f->lab);
  const char *json = g_hash_table_lookup (f->retained, t);
  return json != NULL
         && strstr (json, "\"refused\":{\"a2\":\"board id already host a's\"}") != NULL;
}

static char *
sim_power (Farm *f, guint host, const char *board)
{
  g_autofree char *get = tf_harness_sim (f->host[host], "get %s", board);
  g_auto (GStrv) w = g_strsplit (get, " ", -1);
  for (guint i = 0; w[i] != NULL; i++)
    if (g_str_has_prefix (w[i], "power="))
      return g_strdup (w[i] + strlen ("power="));
  g_error ("no power= in '%s'", get);
  return NULL;
}

/* ---- the test ---- */

static void
test_farm (void)
{
  g_autoptr (Farm) f = farm_new ();
  g_autofree char *out = NULL, *err = NULL, *pw = NULL;
  g_autoptr (JsonObject) b1_before = NULL, b1_after = NULL;
  int rc;

  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  /* host a's boards reach the coordinator through a's broker, its bridge and the central one */
  wait_board (f, "a1", "ready", NULL);
  wait_board (f, "a2", "ready", NULL);
  /* host b joins: b1 is taken, its a2 is refused (a's since it joined first), never merged */
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "b1", "ready", NULL);
  g_assert_true (tf_harness_wait (f->host[0], a2_refused, f, WAIT_MS));
  /* and host b hears it: its own retained status says so */
  g_assert_true (tf_harness_wait (f->host[0], b_told, f, WAIT_MS));
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");
  rc = ctl (f, &out, &err, (const char *[]){ "boards", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "HOST");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* staff see the hosts and the refused id in the coordinator's status */
  rc = ctl (f, &out, &err, (const char *[]){ "status", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "role coordinator");
  tf_harness_assert_contains (out, "refused a2: board id already host a's");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* staff power a remote board through the coordinator: host a's relay switches it */
  rc = ctl (f, &out, &err, (const char *[]){ "power", "off", "a1", NULL });
  if (rc != 0)
    g_error ("power off a1: %s%s", out, err);
  tf_harness_assert_contains (out, "a1");
  pw = sim_power (f, 0, "a1");
  g_assert_cmpstr (pw, ==, "off");
  wait_board (f, "a1", "off", NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a host's console tail and its refusals reach staff through the coordinator */
  rc = ctl (f, &out, &err, (const char *[]){ "board", "b1", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "  | ");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = ctl (f, &out, &err, (const char *[]){ "release", "b1", NULL });
  g_assert_cmpint (rc, !=, 0);
  tf_harness_assert_contains (err, "board b1 is ready, not quarantined or faulted");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* b's own a2 stays b's: nothing of it reaches a's a2 */
  g_clear_pointer (&pw, g_free);
  pw = sim_power (f, 1, "b1");
  g_assert_cmpstr (pw, ==, "on");

  /* host a's daemon killed: its will makes its boards unknown (infrastructure), b untouched */
  b1_before = board_of (f, "", "b1");
  tf_harness_stop_daemon (f->host[0], SIGKILL);
  wait_board (f, "a1", "unknown", "host a lost");
  wait_board (f, "a2", "unknown", "host a lost");
  b1_after = board_of (f, "", "b1");
  g_assert_cmpstr (json_object_get_string_member (b1_after, "state"), ==, "ready");
  g_assert_cmpstr (json_object_get_string_member (b1_after, "since"), ==,
                   json_object_get_string_member (b1_before, "since"));
  wait_listing (f, "a1=a:unknown;a2=a:unknown;b1=b:ready;");
  /* a request for a lost host's board fails at once, as an infrastructure error */
  rc = ctl (f, &out, &err, (const char *[]){ "power", "on", "a1", NULL });
  g_assert_cmpint (rc, !=, 0);
  tf_harness_assert_contains (err, "host a lost");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* host a back: its boards come back with the state its daemon reports */
  tf_harness_start_daemon (f->host[0]);
  wait_board (f, "a2", "ready", NULL);
  wait_board (f, "a1", "ready", NULL);
  g_assert_true (tf_harness_wait (f->host[0], as_host_says, (gpointer[]){ f, "a1" }, WAIT_MS));
  g_assert_true (tf_harness_wait (f->host[0], as_host_says, (gpointer[]){ f, "a2" }, WAIT_MS));
  g_clear_pointer (&pw, g_free);
  pw = sim_power (f, 0, "a1");
  g_assert_cmpstr (pw, ==, "on");

  /* the coordinator killed and restarted: it learns every board again from
   * the retained states, and refuses b's a2 again (the store remembers whose it is) */
  stop (&f->coord, SIGKILL);
  {
    g_autofree char *t = g_strdup_printf ("tf/%s/host/coord/status", f->lab);
    g_hash_table_remove (f->retained, t);
  }
  coord_start (f);
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");
  g_assert_true (tf_harness_wait (f->host[0], a2_refused, f, WAIT_MS));
  rc = ctl (f, &out, &err, (const char *[]){ "power", "cycle", "b1", NULL });
  if (rc != 0)
    g_error ("power cycle b1: %s%s", out, err);
  g_assert_cmpint (tf_harness_boots (f->host[1], "b1"), >=, 2);

  /* host b's link cut (its broker dies; its bridge's will on the central
   * broker says so): b's boards unknown, a's untouched; back when it returns */
  stop (&f->host_broker[1], SIGKILL);
  wait_board (f, "b1", "unknown", "host b lost");
  wait_board (f, "a1", "ready", NULL);
  {
    g_autofree char *hconf = tf_harness_path (f->host[1], "broker/mosquitto.conf");
    f->host_broker[1] = broker_start (f, hconf, f->host[1]->port);
  }
  wait_board (f, "b1", "ready", NULL);
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");

  /* host b's daemon silent (stopped, its connection open): its will fires
   * when the keepalive (5 s) runs out; back when it wakes up */
  {
    pid_t pid = atoi (g_subprocess_get_identifier (f->host[1]->daemon));
    gint64 t0 = g_get_monotonic_time ();
    kill (pid, SIGSTOP);
    wait_board (f, "b1", "unknown", "host b lost");
    g_test_message ("host b silent: lost after %.1f s (keepalive 5 s)",
                    (g_get_monotonic_time () - t0) / 1e6);
    wait_board (f, "a1", "ready", NULL);
    kill (pid, SIGCONT);
    wait_board (f, "b1", "ready", NULL);
  }
}

/* The roles are checked when the lab file is read, with FILE:LINE. */
static void
test_role_config (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-farm-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *d = exe ("testfestd");
  g_autofree char *boards = g_build_filename (src (), "boards", NULL);
  const struct
  {
    const char *body, *error;
  } cases[] = {
    { "role = coordinator\n\n[board x1]\ntype = sim-l476\nconsole = /dev/ttyACM1\n",
      "lab.conf:8: [board x1]: a coordinator owns no boards" },
    { "role = hosts\n", "lab.conf:6: [lab] role: 'hosts' is not host, coordinator or both" },
    { "role = host\nevent = some.event\n", "[lab] event: a host runs no event" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text
          = g_strdup_printf ("[lab]\nname = l\nhost = h\nstate-dir = %s\nboards-dir = %s\n%s", dir,
                             boards, cases[i].body);
      g_autofree char *out = NULL, *err = NULL;
      int status = 0;
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      g_assert_true (g_spawn_sync (NULL, (char *[]){ d, "--config", path, NULL }, NULL,
                                   G_SPAWN_DEFAULT, tf_test_child_setup, NULL, &out, &err, &status,
                                   NULL));
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 2);
      tf_harness_assert_contains (err, cases[i].error);
    }
  tf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/farm/role-config", test_role_config);
  g_test_add_func ("/farm/hosts-and-coordinator", test_farm);
  return g_test_run ();
}
