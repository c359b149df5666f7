/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USB power switching end to end: testfestd's usb-hub backend (libusb) against hubs
 * that tf-simlab emulates at the URB level, with the simulated boards behind them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tf-harness.h"

#define SIM_BOARD(id, n, path, power, extra)                                                    \
  "[board " id "]\ntype = sim-l476\ntty = ttyACM" #n "\nusb-path = " path                     \
  "\nserial = SIMUSB0" #n "\npower = " power "\nboot-ms = 100\n" extra "\n"

static const char *sim_text =
    "[hub hub1]\nusb-path = 1-2\nports = 4\nserial = HUB00001\n\n"
    "[hub hub7]\nusb-path = 1-3\nports = 7\nvid = 05e3\npid = 0610\n\n"
    "[hub ganged]\nusb-path = 1-4\nports = 4\nswitching = ganged\nserial = HUBGANG\n\n"
    "[hub hub3]\nusb-path = 1-5\nusb3-path = 2-5\nports = 4\nserial = HUB3PAIR\n\n"
    SIM_BOARD ("sim1", 1, "1-2.1", "hub1:1", "")
    SIM_BOARD ("sim2", 2, "1-4.1", "ganged:1", "")
    SIM_BOARD ("sim3", 3, "1-5.2", "hub3:2", "adapter-powered-by-board = true\n")
    SIM_BOARD ("sim4", 4, "1-3.7", "hub7:7", "");

static const char *lab_body =
    "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
    "[switch hub7]\ntype = usb-hub\nusb-id = 05e3:0610\nchannels = 7\noff-time-ms = 100\n\n"
    "[switch ganged]\ntype = usb-hub\nlocation = 1-4\nchannels = 4\noff-time-ms = 100\n\n"
    "[switch hub3]\ntype = usb-hub\nusb-id = 2109:2817\nserial = HUB3PAIR\nchannels = 4\n"
    "off-time-ms = 100\n\n"
    "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = hub1:1\ntable = T1\n"
    "usb-path = 1-2.1\n\n"
    "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = ganged:1\ntable = T2\n\n"
    "[board sim3]\ntype = sim-l476\nconsole = /dev/ttyACM3\npower = hub3:2\ntable = T3\n\n"
    "[board sim4]\ntype = sim-l476\nconsole = /dev/ttyACM4\npower = hub7:7\ntable = T4\n"
    "usb-serial = SIMUSB04\n";

static TfHarness *
lab_up (void)
{
  TfHarness *h = tf_harness_new (sim_text, lab_body);
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  return h;
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected '%s' in '%s'", needle, text ? text : "(null)");
}

static int
boots_of (TfHarness *h, const char *board)
{
  g_autofree char *get = tf_harness_sim (h, "get %s", board);
  const char *b = strstr (get, "boots=");
  g_assert_nonnull (b);
  return atoi (b + 6);
}

/* A power cycle through a hub port restarts the board; the port reads back. */
static void
test_hub_cycle (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL, *hub = NULL, *console = NULL;
  int before = boots_of (h, "sim1");

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 0);
  g_assert_cmpint (boots_of (h, "sim1"), ==, before + 1);
  hub = tf_harness_sim (h, "hub hub1");
  assert_contains (hub, "port1=on");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "board", "sim1", "--lines", "50", NULL), ==, 0);
  assert_contains (out, "TFSIM-BOOT v1 chip=STM32L476RG serial=SIMUSB01");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "off", "sim1", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "off", 2000));
  g_free (hub);
  hub = tf_harness_sim (h, "hub hub1");
  assert_contains (hub, "ok port1=off port2=on");
  console = tf_harness_sim (h, "get sim1");
  assert_contains (console, "power=off");
}

/* Both halves of a USB3 hub are switched (paired by Container ID); a 7-port hub found
 * by VID:PID switches its last port. */
static void
test_hub_usb3_and_7port (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL, *hub = NULL, *hub7 = NULL;
  int b3, b4;

  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 10000));
  g_assert_true (tf_harness_wait_board_state (h, "sim4", "ready", 10000));
  b3 = boots_of (h, "sim3");
  b4 = boots_of (h, "sim4");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "off", "sim3", NULL), ==, 0);
  hub = tf_harness_sim (h, "hub hub3");
  assert_contains (hub, "port2=off");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "on", "sim3", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 5000));
  g_assert_cmpint (boots_of (h, "sim3"), ==, b3 + 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim4", NULL), ==, 0);
  g_assert_cmpint (boots_of (h, "sim4"), ==, b4 + 1);
  hub7 = tf_harness_sim (h, "hub hub7");
  assert_contains (hub7, "port7=on");
}

/* A ganged hub is refused with its reason, as an infrastructure error. */
static void
test_hub_ganged (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonObject) b = NULL;

  g_assert_true (tf_harness_wait_board_state (h, "sim2", "faulted", 10000));
  b = tf_harness_board (h, "sim2");
  assert_contains (json_object_get_string_member (b, "error"),
                   "hub 1-4 cannot switch ports one by one: its descriptor says power switching "
                   "is ganged (all ports at once)");
  g_assert_cmpstr (json_object_get_string_member (b, "health"), ==, "unknown");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim2", NULL), ==, 1);
  assert_contains (err, "ganged");
}

/* Faults of the hub end in their own message, not in a crash. */
static void
test_hub_faults (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL, *r = NULL;

  r = tf_harness_sim (h, "hub-fault hub1 ignore-off");
  g_assert_cmpstr (r, ==, "ok");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  assert_contains (err, "hub 1-2 port 1 still reads power on after switching it off");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  r = tf_harness_sim (h, "hub-fault hub1 stall");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  assert_contains (err, "hub 1-2: reading its hub descriptor: stalled");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  r = tf_harness_sim (h, "hub-fault hub1 gone");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  assert_contains (err, "hub 1-2");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  /* the daemon lives on and the hub works again once healthy */
  r = tf_harness_sim (h, "hub-fault hub1 none");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 2000));
}

/* --- hot-plug ---------------------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define HOTPLUG_BOUND_MS 300 /* the 100 ms, with slack for ASan */
#else
#define HOTPLUG_BOUND_MS 100
#endif

static gboolean
state_is_not (TfHarness *h, gpointer state)
{
  const char *now = tf_harness_board_state (h, "sim1");
  return now != NULL && g_strcmp0 (now, state) != 0;
}

/* Milliseconds from just before the simulated cable change (its uevent is sent while the
 * request is handled) to the board's published state change, as a subscriber sees it. */
static gint64
time_to_publish (TfHarness *h, const char *request, TfHarnessPred pred, gpointer data)
{
  g_autofree char *r = NULL;
  gint64 t0 = g_get_monotonic_time ();
  r = tf_harness_sim (h, "%s", request);
  g_assert_cmpstr (r, ==, "ok");
  g_assert_true (tf_harness_wait (h, pred, data, 5000));
  return (g_get_monotonic_time () - t0) / 1000;
}

/* Unplug and replug of a board's console adapter are published within 100 ms. */
static void
test_hotplug_latency (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  gint64 gone, back;

  gone = time_to_publish (h, "unplug sim1", state_is_not, "ready");
  g_assert_cmpstr (tf_harness_board_state (h, "sim1"), ==, "unplugged");
  back = time_to_publish (h, "plug sim1", state_is_not, "unplugged");
  g_test_message ("unplug seen after %" G_GINT64_FORMAT " ms, replug after %" G_GINT64_FORMAT
                  " ms", gone, back);
  g_assert_cmpint (gone, <, HOTPLUG_BOUND_MS);
  g_assert_cmpint (back, <, HOTPLUG_BOUND_MS);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 5000));
}

/* --- DFU ------------------------------------------------------------------------- */

static const char *dfu_sim =
    "[hub hub1]\nusb-path = 1-2\nports = 4\n\n"
    SIM_BOARD ("sim5", 5, "1-2.3", "hub1:3", "")
    "[dfu dfu5]\nboard = sim5\nusb-path = 1-2.4\nmode = runtime\n\n"
    SIM_BOARD ("sim6", 6, "1-3", "always", "")
    "[dfu dfu6]\nboard = sim6\nusb-path = 1-4\nvariant = dfu\npid = df12\n"
    "transfer-size = 1024\n";

static const char *dfu_lab =
    "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
    "[board sim5]\ntype = sim-l476-dfu\nconsole = /dev/ttyACM5\npower = hub1:3\ntable = T5\n\n"
    "[board sim6]\ntype = sim-l476-dfu11\nconsole = /dev/ttyACM6\ntable = T6\n";

static void
mkimage (TfHarness *h, const char *name, const char *version, const char *file)
{
  g_autofree char *exe = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-mkimage",
                                           NULL);
  g_autofree char *out = tf_harness_path (h, file);
  int status = 0;
  const char *argv[] = { exe, name, version, "262144", out, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
}

/* The lab with the DFU board type (tests/boards) and two 256 KiB images. */
static TfHarness *
dfu_lab_up (void)
{
  TfHarness *h = tf_harness_new (dfu_sim, dfu_lab);
  g_autofree char *lab = NULL, *images = NULL, *find = NULL, *repl = NULL, *patched = NULL;
  g_autofree char *boards = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards", NULL);
  g_autofree char *tboards = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "boards",
                                               NULL);
  g_auto (GStrv) parts = NULL;

  mkimage (h, "lwm2m-client-dfu", "2.0.0", "fw2.bin");
  mkimage (h, "lwm2m-client-dfu", "3.0.0", "fw3.bin");
  images = tf_harness_path (h, "images.conf");
  g_assert_true (g_file_set_contents (images,
      "[image fw2]\npath = fw2.bin\nboard-types = sim-l476-dfu\n"
      "implementation = lwm2m-client-dfu\nversion = 2.0.0\n\n"
      "[image fw3]\npath = fw3.bin\nboard-types = sim-l476-dfu;sim-l476-dfu11\n"
      "implementation = lwm2m-client-dfu\nversion = 3.0.0\n", -1, NULL));
  g_assert_true (g_file_get_contents (h->lab_path, &lab, NULL, NULL));
  find = g_strdup_printf ("boards-dir = %s\n", boards);
  repl = g_strdup_printf ("boards-dir = %s;%s\nimages = images.conf\nquarantine-after = 10\n", boards,
                          tboards);
  parts = g_strsplit (lab, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (h->lab_path, patched, -1, NULL));
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim5", "ready", 10000));
  return h;
}

static char *
file_sha256 (TfHarness *h, const char *file)
{
  g_autofree char *path = tf_harness_path (h, file);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) data, len);
}

static gboolean
firmware_is (TfHarness *h, gpointer version)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, "sim5");
  JsonObject *fw = b != NULL ? json_object_get_object_member (b, "firmware") : NULL;
  return fw != NULL && g_strcmp0 (json_object_get_string_member (fw, "version"), version) == 0;
}

/* A 256 KiB image goes over DfuSe (detach, re-enumeration by hot-plug, erase, download,
 * verify by UPLOAD, leave, reset) byte-exact into the emulated flash; the board boots it. */
static void
test_dfu_flash (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up ();
  g_autofree char *out = NULL, *err = NULL, *sha = file_sha256 (h, "fw2.bin");
  g_autofree char *want = g_strdup_printf ("ok sha256=%s", sha);
  g_autofree char *got = NULL, *dfu = NULL, *fw = NULL;
  g_autoptr (JsonObject) b = NULL;

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim5", "fw2", NULL), ==, 0);
  got = tf_harness_sim (h, "flash-read sim5 0x08000000 262144");
  g_assert_cmpstr (got, ==, want);
  g_assert_true (tf_harness_wait (h, firmware_is, "2.0.0", 3000));
  b = tf_harness_board (h, "sim5");
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "ready");
  dfu = tf_harness_sim (h, "dfu dfu5");
  /* all 128 blocks and 128 page erases; it was never polled too early */
  assert_contains (dfu, "blocks=128 erases=128");
  assert_contains (dfu, "early-polls=0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "board", "sim5", "--lines", "100", NULL), ==, 0);
  assert_contains (out, "Firmware: lwm2m-client-dfu 2.0.0");
}

static gboolean
error_has (TfHarness *h, gpointer message)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, "sim5");
  const char *e = b != NULL && json_object_has_member (b, "error")
                      ? json_object_get_string_member (b, "error") : NULL;
  return e != NULL && strstr (e, message) != NULL;
}

/* Plain DFU 1.1 (no DfuSe): blocks from the start of flash, verified after manifestation. */
static void
test_dfu11_flash (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up ();
  g_autofree char *out = NULL, *err = NULL, *sha = file_sha256 (h, "fw3.bin");
  g_autofree char *want = g_strdup_printf ("ok sha256=%s", sha);
  g_autofree char *got = NULL, *dfu = NULL;

  g_assert_true (tf_harness_wait_board_state (h, "sim6", "ready", 10000));
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim6", "fw3", NULL), ==, 0);
  got = tf_harness_sim (h, "flash-read sim6 0x08000000 262144");
  g_assert_cmpstr (got, ==, want);
  dfu = tf_harness_sim (h, "dfu dfu6");
  assert_contains (dfu, "blocks=256 erases=128");
  assert_contains (dfu, "early-polls=0");
}

static void
expect_dfu_fault (TfHarness *h, const char *fault, const char *message)
{
  g_autofree char *out = NULL, *err = NULL, *r = NULL;
  g_autoptr (JsonObject) b = NULL;

  r = tf_harness_sim (h, "dfu-fault dfu5 %s", fault);
  g_assert_cmpstr (r, ==, "ok");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim5", "fw3", NULL), ==, 1);
  assert_contains (err, message);
  g_assert_true (tf_harness_wait (h, error_has, (gpointer) message, 5000));
  b = tf_harness_board (h, "sim5");
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "faulted");
}

/* Each injected fault ends in its own message and faulted; the daemon lives on. */
static void
test_dfu_faults (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up ();
  g_autofree char *out = NULL, *err = NULL, *r = NULL;

  expect_dfu_fault (h, "stall 5", "DNLOAD of block 5 (0x08002800) stalled; device status "
                                  "errSTALLEDPKT: device stalled an unexpected request");
  expect_dfu_fault (h, "error 7", "DNLOAD of block 7 (0x08003800) failed: errPROG: program "
                                  "memory function failed (dfuERROR)");
  expect_dfu_fault (h, "verify 3", "verify failed: flash at 0x080018");
  expect_dfu_fault (h, "vanish 9", "DNLOAD of block 9 (0x08004800)");
  /* the daemon is alive and answers */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "status", NULL), ==, 0);
  r = tf_harness_sim (h, "dfu dfu5");
  assert_contains (r, "mode=gone");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usb/hub-cycle", test_hub_cycle);
  g_test_add_func ("/usb/hub-usb3-and-7port", test_hub_usb3_and_7port);
  g_test_add_func ("/usb/hub-ganged", test_hub_ganged);
  g_test_add_func ("/usb/hub-faults", test_hub_faults);
  g_test_add_func ("/usb/hotplug-latency", test_hotplug_latency);
  g_test_add_func ("/usb/dfu-flash", test_dfu_flash);
  g_test_add_func ("/usb/dfu-faults", test_dfu_faults);
  g_test_add_func ("/usb/dfu11-flash", test_dfu11_flash);
  return g_test_run ();
}
