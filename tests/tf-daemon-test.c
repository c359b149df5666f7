/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testfestd end to end: the real daemon under tf-simlab (umockdev), a real
 * mosquitto on loopback, testfestctl as staff would run it. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "tf-harness.h"
#include "tf-store.h"

#define SIM_BOARD(id, n, power, extra)                                                             \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = " power                               \
  "\nfirmware-name = lwm2m-client-" id "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n" extra    \
  "\n"

static const char *sim_text
    = "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n" SIM_BOARD (
        "sim1", 1, "relay1:1", "") SIM_BOARD ("sim2", 2, "relay1:2", "fault = never-boots\n")
        SIM_BOARD ("sim3", 3, "always", "") SIM_BOARD ("sim4", 4, "relay1:3", "");

static const char *lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n"
      "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n\n"
      "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = relay1:2\ntable = T2\n\n"
      "[board sim3]\ntype = sim-l476\nconsole = /dev/ttyACM3\ntable = T3\n";

static TfHarness *
lab_up (void)
{
  TfHarness *h = tf_harness_new (sim_text, lab_body);
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 10000));
  return h;
}

static gboolean
host_is (TfHarness *h, gpointer state)
{
  const char *json = tf_harness_retained (h, "host/testhost/status");
  g_autofree char *needle = g_strdup_printf ("\"state\":\"%s\"", (char *)state);
  return json != NULL && strstr (json, needle) != NULL;
}

/* A subscriber that comes after the lab is up sees every board. */
static void
test_late_subscriber (void)
{
  g_autoptr (TfHarness) h = tf_harness_new (sim_text, lab_body);
  g_autoptr (JsonObject) b1 = NULL;
  g_autoptr (JsonObject) b2 = NULL;

  tf_harness_start_daemon (h);
  /* sim2 never boots: its fault comes after the 3 s boot timeout */
  tf_harness_sleep (h, 3800);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "faulted", 10000));
  /* retained messages arrive one by one: wait for each */
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 2000));
  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 2000));
  g_assert_true (tf_harness_wait (h, host_is, "online", 2000));
  b1 = tf_harness_board (h, "sim1");
  g_assert_cmpint (json_object_get_int_member (b1, "schema"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (b1, "power"), ==, "on");
  g_assert_cmpstr (json_object_get_string_member (b1, "table"), ==, "T1");
  g_assert_cmpstr (json_object_get_string_member (b1, "cause"), ==, "boot banner seen");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (b1, "firmware"), "version"), ==,
      "1.0.1");
  b2 = tf_harness_board (h, "sim2");
  g_assert_cmpstr (json_object_get_string_member (b2, "error"), ==,
                   "no boot banner within 3000 ms after power-on");
  g_assert_cmpstr (json_object_get_string_member (b2, "health"), ==, "bad");
}

static void
test_power_cycle_cli (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL, *before = NULL, *after = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  int rc;

  before = tf_harness_sim (h, "get sim1");
  g_assert_true (strstr (before, "boots=1") != NULL);
  rc = tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (strstr (out, "sim1") != NULL && strstr (out, "ready") != NULL);
  after = tf_harness_sim (h, "get sim1");
  g_assert_true (strstr (after, "boots=2") != NULL);
  g_assert_true (strstr (after, "power=on") != NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* "on" for a board already on and ready: done, no reboot, no boot banner
   * awaited (a closed relay closed again does not restart the board) */
  rc = tf_harness_ctl (h, &out, &err, "power", "on", "sim1", NULL);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (strstr (out, "sim1") != NULL && strstr (out, "ready") != NULL);
  g_clear_pointer (&after, g_free);
  after = tf_harness_sim (h, "get sim1");
  g_assert_true (strstr (after, "boots=2") != NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the console tail shows the new boot */
  rc = tf_harness_ctl (h, &out, &err, "board", "sim1", "--lines", "50", NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (strstr (out, "TFSIM-BOOT v1 chip=STM32L476RG serial=SIM00001") != NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = tf_harness_ctl (h, &out, &err, "boards", "--json", NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (json_parser_load_from_data (p, out, -1, NULL));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (p))), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = tf_harness_ctl (h, &out, &err, "power", "off", "sim1", NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "off", 2000));
  g_free (after);
  after = tf_harness_sim (h, "get sim1");
  g_assert_true (strstr (after, "power=off") != NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  rc = tf_harness_ctl (h, &out, &err, "status", NULL);
  g_assert_cmpint (rc, ==, 0);
  g_assert_true (strstr (out, "3 boards") != NULL);
}

static void
expect_ctl_error (TfHarness *h, int status, const char *message, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *expected = g_strdup_printf ("testfestctl: %s\n", message);
  g_autofree char *exe
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestctl", NULL);
  const char *a;
  int wait = 0;
  va_list args;

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, "--config");
  g_ptr_array_add (argv, h->lab_path);
  va_start (args, message);
  while ((a = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *)a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &wait, NULL));
  g_assert_cmpstr (err, ==, expected);
  g_assert_cmpint (WEXITSTATUS (wait), ==, status);
}

static void
test_cli_errors (void)
{
  g_autoptr (TfHarness) h = lab_up ();

  expect_ctl_error (h, 1, "no board 'nosuch'", "power", "cycle", "nosuch", NULL);
  expect_ctl_error (h, 1, "board sim3 has no power switch", "power", "cycle", "sim3", NULL);
  /* testfestctl refuses it before connecting (exit 2); the daemon too, asked directly */
  expect_ctl_error (h, 2,
                    "power: 'explode' is not on, off or cycle\nUsage: testfestctl power "
                    "on|off|cycle ID (testfestctl power --help)",
                    "power", "explode", "sim1", NULL);
  expect_ctl_error (h, 1, "\"action\" must be on, off or cycle", "call", "power",
                    "{\"action\":\"explode\",\"board\":\"sim1\"}", NULL);
  expect_ctl_error (h, 1, "'sleeping' is not a board state", "boards", "--state", "sleeping", NULL);
  expect_ctl_error (h, 1, "board sim1 is ready, not quarantined or faulted", "release", "sim1",
                    NULL);
  /* sim2 never boots: the CLI waits for the outcome and says why */
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "faulted", 10000));
  expect_ctl_error (h, 1, "no boot banner within 3000 ms after power-on", "power", "cycle", "sim2",
                    NULL);
  /* third fault in a row: quarantined, and power requests are refused */
  expect_ctl_error (h, 1, "no boot banner within 3000 ms after power-on", "power", "cycle", "sim2",
                    NULL);
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "quarantined", 2000));
  expect_ctl_error (
      h, 1,
      "board sim2 is quarantined (3 consecutive faults; staff must release it); staff "
      "must release it first",
      "power", "on", "sim2", NULL);
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "release", "sim2", NULL), ==, 0);
    g_assert_true (tf_harness_wait_board_state (h, "sim2", "off", 2000));
  }
  expect_ctl_error (h, 2, "unknown command 'frobnicate' (testfestctl --help lists them)",
                    "frobnicate", NULL);
}

typedef struct
{
  char corr[16];
  char *reply;
} Pending;

static void
on_reply (TfBus *bus, const TfBusMessage *m, Pending *p)
{
  /* the answer to this request only: same correlation data */
  if (g_str_has_suffix (m->topic, "/reply/staff/raw") && m->correlation != NULL
      && g_bytes_get_size (m->correlation) == strlen (p->corr)
      && memcmp (g_bytes_get_data (m->correlation, NULL), p->corr, strlen (p->corr)) == 0
      && p->reply == NULL)
    p->reply = g_strndup (g_bytes_get_data (m->payload, NULL), g_bytes_get_size (m->payload));
}

static gboolean
have_reply (TfHarness *h, gpointer data)
{
  return ((Pending *)data)->reply != NULL;
}

/* Hostile payloads get a reason, never silence, never a crash. */
static void
test_bad_requests (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *topic = g_strdup_printf ("tf/%s/cmd/power", h->lab);
  g_autofree char *reply_topic = g_strdup_printf ("tf/%s/reply/staff/raw", h->lab);
  g_autofree char *board_topic = g_strdup_printf ("tf/%s/cmd/board", h->lab);
  g_autofree char *teleport = g_strdup_printf ("tf/%s/cmd/teleport", h->lab);
  const struct
  {
    const char *topic, *payload, *expected;
  } cases[] = {
    { topic, "not json", "\"ok\":false,\"error\":\"payload is not JSON: " },
    { topic, "[1,2]", "\"error\":\"payload is not a JSON object\"" },
    { topic, "{\"board\":7,\"action\":\"on\"}",
      "\"error\":\"board: expected a string, got a number\"" },
    { topic, "{\"board\":{\"x\":1},\"action\":[]}",
      "\"error\":\"board: expected a string, got an object\"" },
    { topic, "{}", "\"error\":\"missing \\\"board\\\"\"" },
    { board_topic, "{\"board\":\"sim1\",\"lines\":\"many\"}",
      "lines: expected a whole number, got a string" },
    { teleport, "{}", "unknown command 'teleport'" },
  };
  Pending p = { { 0 }, NULL };

  /* the watcher's tf/<lab>/# covers the reply topic */
  g_signal_connect (h->watch, "message", G_CALLBACK (on_reply), &p);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_clear_pointer (&p.reply, g_free);
      g_snprintf (p.corr, sizeof (p.corr), "c%u", i);
      g_assert_true (
          tf_bus_request (h->watch, cases[i].topic, cases[i].payload, reply_topic, p.corr, &error));
      g_assert_true (tf_harness_wait (h, have_reply, &p, 5000));
      if (strstr (p.reply, cases[i].expected) == NULL)
        g_error ("payload %s: reply %s lacks %s", cases[i].payload, p.reply, cases[i].expected);
    }
  g_free (p.reply);
  g_signal_handlers_disconnect_by_data (h->watch, &p);
  /* and the daemon is still there and answering */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "status", NULL), ==, 0);
  }
}

static void
test_kill9_will (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_assert_true (tf_harness_wait (h, host_is, "online", 5000));
  tf_harness_stop_daemon (h, SIGKILL);
  g_assert_true (tf_harness_wait (h, host_is, "offline", 5000));
  g_assert_true (strstr (tf_harness_retained (h, "host/testhost/status"), "connection lost")
                 != NULL);
}

static void
test_sigterm_clean (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  gint64 t0;
  int status;
  g_autofree char *db = g_build_filename (h->state_dir, "testfest.db", NULL);
  g_autofree char *wal = g_strdup_printf ("%s-wal", db);
  sqlite3 *s = NULL;
  sqlite3_stmt *st = NULL;

  g_assert_true (tf_harness_wait (h, host_is, "online", 5000));
  t0 = g_get_monotonic_time ();
  status = tf_harness_stop_daemon (h, SIGTERM);
  /* the issue asks for a clean shutdown within a second: a behaviour, with slack for ASan */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 3 * G_USEC_PER_SEC);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_true (tf_harness_wait (h, host_is, "offline", 2000));
  g_assert_true (strstr (tf_harness_retained (h, "host/testhost/status"), "\"reason\":\"shutdown\"")
                 != NULL);
  /* store flushed: the WAL was folded back, the history is there */
  {
    /* TRUNCATE checkpoint at close leaves an empty WAL, or none */
    GStatBuf st;
    g_assert_true (g_stat (wal, &st) != 0 || st.st_size == 0);
  }
  g_assert_cmpint (sqlite3_open_v2 (db, &s, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (s,
                                       "SELECT count(*) FROM board_history WHERE board='sim1' "
                                       "AND to_state='ready'",
                                       -1, &st, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (st, 0), >=, 1);
  sqlite3_finalize (st);
  g_assert_cmpint (sqlite3_prepare_v2 (s, "PRAGMA user_version", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (st, 0), ==, tf_store_schema_version ());
  sqlite3_finalize (st);
  sqlite3_close (s);
}

static gboolean
board_gone (TfHarness *h, gpointer id)
{
  return tf_harness_board_state (h, id) == NULL;
}

static void
test_broker_restart (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  tf_harness_stop_broker (h);
  g_hash_table_remove_all (h->retained);
  tf_harness_sleep (h, 500);
  tf_harness_start_broker (h);
  /* the broker kept nothing (no persistence): all of it comes from the daemon again */
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 40000));
  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 5000));
  g_assert_true (tf_harness_wait (h, host_is, "online", 5000));
  g_assert_false (board_gone (h, "sim2"));
}

static void
test_unplug_replug (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *r1 = tf_harness_sim (h, "unplug sim1");
  g_autofree char *r2 = NULL;
  g_assert_true (g_str_has_prefix (r1, "ok"));
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "unplugged", 3000));
  r2 = tf_harness_sim (h, "plug sim1");
  g_assert_true (g_str_has_prefix (r2, "ok"));
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  {
    g_autoptr (JsonObject) b = tf_harness_board (h, "sim1");
    g_assert_cmpstr (json_object_get_string_member (b, "cause"), ==, "boot banner seen");
  }
}

static void
test_dead_relay (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *r = tf_harness_sim (h, "relay-fault relay1 dead");
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (g_str_has_prefix (r, "ok"));
  /* the write succeeds; only the missing banner shows that nothing happened */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "testfestctl: no boot banner within 3000 ms after power-on\n");
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "faulted", 2000));
}

typedef struct
{
  char *path;
  goffset size;
} FileSize;

static gboolean
file_reaches (TfHarness *h, gpointer data)
{
  FileSize *fs = data;
  GStatBuf st;
  return g_stat (fs->path, &st) == 0 && st.st_size >= fs->size;
}

/* 10 MiB at full pty speed through the console lands byte-exact in the raw log. */
static void
test_console_flood (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *raw = g_build_filename (h->state_dir, "console", "sim3.raw", NULL);
  g_autofree char *reply = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sum = NULL;
  gsize len = 0;
  GStatBuf st;
  const gsize n = 10 * 1024 * 1024;
  FileSize fs;

  g_assert_cmpint (g_stat (raw, &st), ==, 0);
  fs.path = raw;
  fs.size = st.st_size + n;
  reply = tf_harness_sim (h, "flood sim3 %zu 42", n);
  g_assert_true (g_str_has_prefix (reply, "ok sha256="));
  g_assert_true (tf_harness_wait (h, file_reaches, &fs, 60000));
  g_assert_true (g_file_get_contents (raw, &data, &len, NULL));
  g_assert_cmpuint (len, ==, (gsize)fs.size);
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)data + st.st_size, n);
  g_assert_cmpstr (sum, ==, reply + strlen ("ok sha256="));
}

static void
test_reload (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *text = NULL;
  g_autofree char *boards = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards", NULL);

  /* sim3 leaves, sim4 arrives, sim1 and sim2 stay as they are */
  g_assert_true (g_file_get_contents (h->lab_path, &text, NULL, NULL));
  *strstr (text, "[board sim3]") = '\0';
  {
    g_autofree char *n
        = g_strdup_printf ("%s[board sim4]\ntype = sim-l476\nconsole = /dev/ttyACM4\n"
                           "power = relay1:3\n",
                           text);
    g_assert_true (g_file_set_contents (h->lab_path, n, -1, NULL));
  }
  g_subprocess_send_signal (h->daemon, SIGHUP);
  g_assert_true (tf_harness_wait_board_state (h, "sim4", "ready", 10000));
  g_assert_true (tf_harness_wait (h, board_gone, "sim3", 5000));
  g_assert_cmpstr (tf_harness_board_state (h, "sim1"), ==, "ready");
  {
    /* sim1 was not touched: still its first boot */
    g_autofree char *r = tf_harness_sim (h, "get sim1");
    g_assert_true (strstr (r, "boots=1") != NULL);
  }
  /* a broken file is refused and the lab goes on */
  {
    g_autofree char *good = NULL;
    g_autoptr (GString) bad = NULL;
    g_assert_true (g_file_get_contents (h->lab_path, &good, NULL, NULL));
    bad = g_string_new (good);
    g_string_replace (bad, "[board sim1]\n", "[board sim1]\nbogus = 1\n", 1);
    g_assert_true (g_file_set_contents (h->lab_path, bad->str, -1, NULL));
  }
  g_subprocess_send_signal (h->daemon, SIGHUP);
  tf_harness_sleep (h, 300);
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "status", NULL), ==, 0);
  }
  g_assert_cmpstr (tf_harness_board_state (h, "sim4"), ==, "ready");
}

/* A power switch that is an external command: the daemon runs it (under the
 * same preload, as any child would be), and it drives the emulated relay. */
static void
test_command_switch (void)
{
  g_autofree char *script
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "lcus-switch.sh", NULL);
  g_autofree char *body = g_strdup_printf (
      "[switch pdu]\ntype = command\non = %s /dev/ttyUSB0 {channel} on\n"
      "off = %s /dev/ttyUSB0 {channel} {state}\nchannels = 4\noff-time-ms = 100\n\n"
      "[switch broken]\ntype = command\non = /bin/false\noff = /bin/false\n\n"
      "[switch slow]\ntype = command\non = sleep 5\noff = sleep 5\ntimeout-ms = 300\n\n"
      "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = pdu:1\n\n"
      "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = broken:1\n\n"
      "[board sim4]\ntype = sim-l476\nconsole = /dev/ttyACM4\npower = slow:1\n",
      script, script);
  g_autoptr (TfHarness) h = tf_harness_new (sim_text, body);
  g_autofree char *r = NULL;
  g_autoptr (JsonObject) b2 = NULL;
  g_autoptr (JsonObject) b4 = NULL;

  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  r = tf_harness_sim (h, "get sim1");
  g_assert_true (strstr (r, "power=on") != NULL);
  /* a switch command that fails or hangs is the lab's fault, never the board's */
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "faulted", 5000));
  g_assert_true (tf_harness_wait_board_state (h, "sim4", "faulted", 5000));
  b2 = tf_harness_board (h, "sim2");
  g_assert_cmpstr (json_object_get_string_member (b2, "cause"), ==, "infrastructure error");
  g_assert_cmpstr (json_object_get_string_member (b2, "health"), ==, "unknown");
  g_assert_cmpstr (json_object_get_string_member (b2, "error"), ==,
                   "switch broken channel 1: false: exit status 1");
  b4 = tf_harness_board (h, "sim4");
  g_assert_cmpstr (json_object_get_string_member (b4, "error"), ==,
                   "switch slow channel 1: sleep: no result within 300 ms");
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "off", "sim1", NULL), ==, 0);
    g_clear_pointer (&r, g_free);
    r = tf_harness_sim (h, "get sim1");
    g_assert_true (strstr (r, "power=off") != NULL);
  }
}

typedef struct
{
  GSocket *sock;
  GString *got;
} Notify;

static gboolean
notify_has (TfHarness *h, gpointer data)
{
  Notify *n = data;
  char buf[256];
  gssize len;
  while ((len = g_socket_receive (n->sock, buf, sizeof (buf), NULL, NULL)) > 0)
    g_string_append_len (n->got, buf, len), g_string_append_c (n->got, '\n');
  return strstr (n->got->str, "READY=1") != NULL;
}

/* Type=notify in the unit: the daemon says READY=1 once the lab is up, STOPPING=1 at the end. */
static void
test_sd_notify (void)
{
  g_autoptr (TfHarness) h = tf_harness_new (sim_text, lab_body);
  g_autofree char *path = tf_harness_path (h, "notify.sock");
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  Notify n = { g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, NULL),
               g_string_new (NULL) };

  g_assert_true (g_socket_bind (n.sock, addr, TRUE, NULL));
  g_socket_set_blocking (n.sock, FALSE);
  tf_harness_start_daemon_env (h, "NOTIFY_SOCKET", path);
  g_assert_true (tf_harness_wait (h, notify_has, &n, 10000));
  tf_harness_stop_daemon (h, SIGTERM);
  notify_has (h, &n);
  g_assert_true (strstr (n.got->str, "STOPPING=1") != NULL);
  g_object_unref (n.sock);
  g_string_free (n.got, TRUE);
}

static void
test_no_daemon (void)
{
  g_autoptr (TfHarness) h = tf_harness_new (sim_text, lab_body);
  expect_ctl_error (h, 3, "no answer from testfestd within 1 s (is it running?)", "--timeout", "1",
                    "status", NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/late-subscriber", test_late_subscriber);
  g_test_add_func ("/daemon/power-cycle-cli", test_power_cycle_cli);
  g_test_add_func ("/daemon/cli-errors", test_cli_errors);
  g_test_add_func ("/daemon/bad-requests", test_bad_requests);
  g_test_add_func ("/daemon/kill9-will", test_kill9_will);
  g_test_add_func ("/daemon/sigterm-clean", test_sigterm_clean);
  g_test_add_func ("/daemon/broker-restart", test_broker_restart);
  g_test_add_func ("/daemon/unplug-replug", test_unplug_replug);
  g_test_add_func ("/daemon/dead-relay", test_dead_relay);
  g_test_add_func ("/daemon/console-flood", test_console_flood);
  g_test_add_func ("/daemon/reload", test_reload);
  g_test_add_func ("/daemon/no-daemon", test_no_daemon);
  g_test_add_func ("/daemon/sd-notify", test_sd_notify);
  g_test_add_func ("/daemon/command-switch", test_command_switch);
  return g_test_run ();
}
