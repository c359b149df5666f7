/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USB power switching end to end: testfestd's usb-hub backend (libusb) against hubs
 * that tf-simlab emulates at the URB level, with the simulated boards behind them. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf-dfu-io.h"
#include "tf-board-type.h"
#include "tf-harness.h"
#include "tf-sim-client.h"
#include "tf-usb-desc.h"

#define SIM_BOARD(id, n, path, power, extra)                                                       \
  "[board " id "]\ntype = sim-l476\ntty = ttyACM" #n "\nusb-path = " path "\nserial = SIMUSB0" #n  \
  "\npower = " power "\nboot-ms = 100\n" extra "\n"

static const char *sim_text
    = "[hub hub1]\nusb-path = 1-2\nports = 4\nserial = HUB00001\n\n"
      "[hub hub7]\nusb-path = 1-3\nports = 7\nvid = 05e3\npid = 0610\n\n"
      "[hub ganged]\nusb-path = 1-4\nports = 4\nswitching = ganged\nserial = HUBGANG\n\n"
      "[hub hub3]\nusb-path = 1-5\nusb3-path = 2-5\nports = 4\nserial = HUB3PAIR\n\n" SIM_BOARD (
          "sim1", 1, "1-2.1", "hub1:1", "") SIM_BOARD ("sim2", 2, "1-4.1", "ganged:1", "")
          SIM_BOARD ("sim3", 3, "1-5.2", "hub3:2", "adapter-powered-by-board = true\n")
              SIM_BOARD ("sim4", 4, "1-3.7", "hub7:7", "");

static const char *lab_body
    = "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
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

/* A power cycle through a hub port restarts the board; the port reads back. */
static void
test_hub_cycle (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL, *hub = NULL, *console = NULL;
  int before = tf_harness_boots (h, "sim1");

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 0);
  g_assert_cmpint (tf_harness_boots (h, "sim1"), ==, before + 1);
  hub = tf_harness_sim (h, "hub hub1");
  tf_harness_assert_contains (hub, "port1=on");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "board", "sim1", "--lines", "50", NULL), ==, 0);
  tf_harness_assert_contains (out, "TFSIM-BOOT v1 chip=STM32L476RG serial=SIMUSB01");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "off", "sim1", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "off", 2000));
  g_free (hub);
  hub = tf_harness_sim (h, "hub hub1");
  tf_harness_assert_contains (hub, "ok port1=off port2=on");
  console = tf_harness_sim (h, "get sim1");
  tf_harness_assert_contains (console, "power=off");
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
  b3 = tf_harness_boots (h, "sim3");
  b4 = tf_harness_boots (h, "sim4");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "off", "sim3", NULL), ==, 0);
  hub = tf_harness_sim (h, "hub hub3");
  tf_harness_assert_contains (hub, "port2=off");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "on", "sim3", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim3", "ready", 5000));
  g_assert_cmpint (tf_harness_boots (h, "sim3"), ==, b3 + 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim4", NULL), ==, 0);
  g_assert_cmpint (tf_harness_boots (h, "sim4"), ==, b4 + 1);
  hub7 = tf_harness_sim (h, "hub hub7");
  tf_harness_assert_contains (hub7, "port7=on");
}

static gboolean
board_settled (TfHarness *h, gpointer board)
{
  const char *st = tf_harness_board_state (h, board);
  return g_strcmp0 (st, "faulted") == 0 || g_strcmp0 (st, "ready") == 0;
}

/* A ganged hub is refused with its reason, as an infrastructure error. */
static void
test_hub_ganged (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonObject) b = NULL;

  /* the hub powered its ports when it enumerated, so sim2 runs: the refused
   * start-up power cycle left it faulted, or its banner came after and made it
   * ready (whichever the race gave); a power cycle asked for now is refused */
  g_assert_true (tf_harness_wait (h, board_settled, "sim2", 10000));
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim2", NULL), ==, 1);
  tf_harness_assert_contains (err, "ganged");
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "faulted", 5000));
  b = tf_harness_board (h, "sim2");
  tf_harness_assert_contains (
      json_object_get_string_member (b, "error"),
      "hub 1-4 cannot switch ports one by one: its descriptor says power switching "
      "is ganged (all ports at once)");
  g_assert_cmpstr (json_object_get_string_member (b, "health"), ==, "unknown");
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
  tf_harness_assert_contains (err, "hub 1-2 port 1 still reads power on after switching it off");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  r = tf_harness_sim (h, "hub-fault hub1 stall");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  tf_harness_assert_contains (err, "hub 1-2: reading its hub descriptor: stalled");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  r = tf_harness_sim (h, "hub-fault hub1 gone");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 1);
  tf_harness_assert_contains (err, "hub 1-2");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_free (r);

  /* the daemon lives on and the hub works again once healthy */
  r = tf_harness_sim (h, "hub-fault hub1 none");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 0);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 2000));
}

/* --- hot-plug ---------------------------------------------------------------------- */

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

/* Unplug and replug of a board's console adapter are published, from the
 * udev events alone (the wait is generous: tests assert behaviour; the
 * latency is printed for whoever looks, not asserted). */
static void
test_hotplug_latency (void)
{
  g_autoptr (TfHarness) h = lab_up ();
  gint64 gone, back;

  gone = time_to_publish (h, "unplug sim1", state_is_not, "ready");
  g_assert_cmpstr (tf_harness_board_state (h, "sim1"), ==, "unplugged");
  back = time_to_publish (h, "plug sim1", state_is_not, "unplugged");
  g_test_message ("unplug seen after %" G_GINT64_FORMAT " ms, replug after %" G_GINT64_FORMAT " ms",
                  gone, back);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 5000));
}

/* --- DFU ------------------------------------------------------------------------- */

static const char *dfu_sim = "[hub hub1]\nusb-path = 1-2\nports = 4\n\n" SIM_BOARD (
    "sim5", 5, "1-2.3", "hub1:3",
    "") "[dfu dfu5]\nboard = sim5\nusb-path = 1-2.4\nmode = "
        "runtime\n\n" SIM_BOARD ("sim6", 6, "1-3", "always",
                                 "") "[dfu dfu6]\nboard = sim6\nusb-path = "
                                     "1-4\nvariant = dfu\npid = df12\nfunctional-at = config\n"
                                     "transfer-size = 1024\n";

static const char *dfu_lab
    = "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
      "[board sim5]\ntype = sim-l476-dfu\nconsole = /dev/ttyACM5\npower = hub1:3\ntable = T5\n\n"
      "[board sim6]\ntype = sim-l476-dfu11\nconsole = /dev/ttyACM6\ntable = T6\n";

static void
mkimage (TfHarness *h, const char *name, const char *version, const char *file)
{
  g_autofree char *exe
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-mkimage", NULL);
  g_autofree char *out = tf_harness_path (h, file);
  int status = 0;
  const char *argv[] = { exe, name, version, "262144", out, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &status, NULL));
  g_assert_cmpint (status, ==, 0);
}

/* A board whose firmware has no DFU interface: BOOT0 on relay1:2 and power on relay1:1. */
static const char *boot0_sim
    = "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n" SIM_BOARD (
        "sim7", 7, "1-3", "relay1:1",
        "boot-mode = relay1:2\n") "[dfu dfu7]\nboard = sim7\nusb-path = 1-4\n";

static const char *boot0_lab
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\n"
      "off-time-ms = 100\n\n"
      "[board sim7]\ntype = sim-l476-dfu-boot0\nconsole = /dev/ttyACM7\npower = relay1:1\n"
      "boot-mode = relay1:2\ntable = T7\n";

/* The lab with the DFU board types (tests/boards) and two 256 KiB images; @board ready. */
static TfHarness *
dfu_lab_up_with (const char *sim, const char *lab_body, const char *board)
{
  TfHarness *h = tf_harness_new (sim, lab_body);
  g_autofree char *lab = NULL, *images = NULL, *find = NULL, *repl = NULL, *patched = NULL;
  g_autofree char *boards = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards", NULL);
  g_autofree char *tboards
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "boards", NULL);
  g_auto (GStrv) parts = NULL;

  mkimage (h, "lwm2m-client-dfu", "2.0.0", "fw2.bin");
  mkimage (h, "lwm2m-client-dfu", "3.0.0", "fw3.bin");
  mkimage (h, "lwm2m-client-dfu", "4.0.0", "fw4.bin");
  {
    /* fw4: 96 KiB of code, then blank to 256 KiB, as a linker pads a real image */
    g_autofree char *path = tf_harness_path (h, "fw4.bin");
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr (GBytes) code = NULL;
    g_autofree char *img = NULL;
    g_autofree char *cut = g_strdup_printf ("%u", 96 * 1024);
    g_autofree char *exe
        = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-mkimage", NULL);
    const char *argv[] = { exe, "lwm2m-client-dfu", "4.0.0", cut, path, NULL };
    int status = 0;
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, NULL));
    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    g_assert_cmpuint (len, ==, 96 * 1024);
    img = g_malloc (262144);
    memset (img, 0xff, 262144);
    memcpy (img, data, len);
    g_assert_true (g_file_set_contents (path, img, 262144, NULL));
  }
  images = tf_harness_path (h, "images.conf");
  g_assert_true (
      g_file_set_contents (images,
                           "[image fw2]\npath = fw2.bin\n"
                           "board-types = sim-l476-dfu;sim-l476-dfu-boot0;sim-f411-dfu-boot0\n"
                           "implementation = lwm2m-client-dfu\nversion = 2.0.0\n\n"
                           "[image fw3]\npath = fw3.bin\n"
                           "board-types = sim-l476-dfu;sim-l476-dfu11;sim-l476-dfu-boot0\n"
                           "implementation = lwm2m-client-dfu\nversion = 3.0.0\n\n"
                           "[image fw4]\npath = fw4.bin\nboard-types = sim-f411-dfu-boot0\n"
                           "implementation = lwm2m-client-dfu\nversion = 4.0.0\n",
                           -1, NULL));
  g_assert_true (g_file_get_contents (h->lab_path, &lab, NULL, NULL));
  find = g_strdup_printf ("boards-dir = %s\n", boards);
  repl = g_strdup_printf ("boards-dir = %s;%s\nimages = images.conf\nquarantine-after = 10\n",
                          boards, tboards);
  parts = g_strsplit (lab, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (h->lab_path, patched, -1, NULL));
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, board, "ready", 10000));
  return h;
}

static TfHarness *
dfu_lab_up (void)
{
  return dfu_lab_up_with (dfu_sim, dfu_lab, "sim5");
}

static char *
file_sha256 (TfHarness *h, const char *file)
{
  g_autofree char *path = tf_harness_path (h, file);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *)data, len);
}

/* @board_version: "BOARD=VERSION" */
static gboolean
board_firmware_is (TfHarness *h, gpointer board_version)
{
  g_auto (GStrv) bv = g_strsplit (board_version, "=", 2);
  g_autoptr (JsonObject) b = tf_harness_board (h, bv[0]);
  JsonObject *fw = b != NULL && json_object_has_member (b, "firmware")
                       ? json_object_get_object_member (b, "firmware")
                       : NULL;
  return fw != NULL && g_strcmp0 (json_object_get_string_member (fw, "version"), bv[1]) == 0
         && g_strcmp0 (json_object_get_string_member (b, "state"), "ready") == 0;
}

static gboolean
firmware_is (TfHarness *h, gpointer version)
{
  g_autofree char *bv = g_strdup_printf ("sim5=%s", (const char *)version);
  return board_firmware_is (h, bv);
}

/* The USB id at @usb_path in the testbed's sysfs ("0483:5740"), NULL when nothing is there. */
static char *
usb_id_at (TfHarness *h, const char *usb_path)
{
  g_autofree char *dir
      = g_build_filename (h->umockdev_dir, "sys", "bus", "usb", "devices", usb_path, NULL);
  g_autofree char *vid_path = g_build_filename (dir, "idVendor", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "idProduct", NULL);
  g_autofree char *vid = NULL, *pid = NULL;
  if (!g_file_get_contents (vid_path, &vid, NULL, NULL)
      || !g_file_get_contents (pid_path, &pid, NULL, NULL))
    return NULL;
  return g_strdup_printf ("%s:%s", g_strstrip (vid), g_strstrip (pid));
}

/* A 256 KiB image goes over DfuSe (detach, re-enumeration by hot-plug, erase, download,
 * verify by UPLOAD, leave, reset) byte-exact into the emulated flash; the board boots it,
 * and the DFU-mode device has left the bus for the firmware's runtime interface, which
 * detaches again for the next flash. */
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
  tf_harness_assert_contains (dfu, "blocks=128 erases=128");
  tf_harness_assert_contains (dfu, "early-polls=0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "board", "sim5", "--lines", "100", NULL), ==, 0);
  tf_harness_assert_contains (out, "Firmware: lwm2m-client-dfu 2.0.0");
  /* the reset after manifestation: the bootloader (0483:df11) is gone, the runtime is back */
  tf_harness_assert_contains (dfu, "mode=runtime");
  g_clear_pointer (&got, g_free);
  got = usb_id_at (h, "1-2.4");
  g_assert_cmpstr (got, ==, "0483:5740");
  /* and it is the device the next flash starts from; this time the part jumps at the
   * leave's zero-length DNLOAD and answers no GETSTATUS: gone is what the leave asked */
  g_clear_pointer (&got, g_free);
  got = tf_harness_sim (h, "dfu-fault dfu5 leave-silent");
  g_assert_cmpstr (got, ==, "ok");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim5", "fw3", NULL), ==, 0);
  g_assert_true (tf_harness_wait (h, firmware_is, "3.0.0", 3000));
  g_clear_pointer (&got, g_free);
  got = usb_id_at (h, "1-2.4");
  g_assert_cmpstr (got, ==, "0483:5740");
}

static gboolean
error_has (TfHarness *h, gpointer message)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, "sim5");
  const char *e = b != NULL && json_object_has_member (b, "error")
                      ? json_object_get_string_member (b, "error")
                      : NULL;
  return e != NULL && strstr (e, message) != NULL;
}

/* Plain DFU 1.1 (no DfuSe): blocks from the start of flash, verified after manifestation.
 * Its functional descriptor comes before the interface (libusb: the configuration's extra). */
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
  tf_harness_assert_contains (dfu, "blocks=256 erases=128");
  tf_harness_assert_contains (dfu, "early-polls=0");
  /* its firmware has no DFU interface: after the reset nothing is left at 1-4 */
  tf_harness_assert_contains (dfu, "mode=firmware");
  g_clear_pointer (&got, g_free);
  got = usb_id_at (h, "1-4");
  g_assert_null (got);
  /* until BOOT0 and a reset bring the bootloader back, and a second flash goes through */
  g_clear_pointer (&got, g_free);
  got = tf_harness_sim (h, "dfu-enter dfu6");
  g_assert_cmpstr (got, ==, "ok");
  g_clear_pointer (&got, g_free);
  got = usb_id_at (h, "1-4");
  g_assert_cmpstr (got, ==, "0483:df12");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim6", "fw3", NULL), ==, 0);
  g_clear_pointer (&got, g_free);
  got = usb_id_at (h, "1-4");
  g_assert_null (got);
}

static void
expect_dfu_fault (TfHarness *h, const char *fault, const char *message)
{
  g_autofree char *out = NULL, *err = NULL, *r = NULL;
  g_autoptr (JsonObject) b = NULL;

  r = tf_harness_sim (h, "dfu-fault dfu5 %s", fault);
  g_assert_cmpstr (r, ==, "ok");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim5", "fw3", NULL), ==, 1);
  tf_harness_assert_contains (err, message);
  g_assert_true (tf_harness_wait (h, error_has, (gpointer)message, 5000));
  b = tf_harness_board (h, "sim5");
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "faulted");
}

/* Each injected fault ends in its own message and faulted; the daemon lives on. */
static void
test_dfu_faults (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up ();
  g_autofree char *out = NULL, *err = NULL, *r = NULL;

  expect_dfu_fault (h, "stall 5",
                    "DNLOAD of block 5 (0x08002800) stalled; device status "
                    "errSTALLEDPKT: device stalled an unexpected request");
  expect_dfu_fault (h, "error 7",
                    "DNLOAD of block 7 (0x08003800) failed: errPROG: program "
                    "memory function failed (dfuERROR)");
  expect_dfu_fault (h, "verify 3", "verify failed: flash at 0x080018");
  expect_dfu_fault (h, "vanish 9", "DNLOAD of block 9 (0x08004800)");
  /* the daemon is alive and answers */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "status", NULL), ==, 0);
  r = tf_harness_sim (h, "dfu dfu5");
  tf_harness_assert_contains (r, "mode=gone");
}

/* Firmware without a DFU interface (boot-mode = relay): the lab sets BOOT0 and power cycles,
 * the ROM bootloader enumerates, the flash goes through and the bootloader leaves again;
 * both times it was off the bus when the lab began (the firmware ran), so only BOOT0 and
 * the power cycle brought it. */
static void
test_dfu_boot0 (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up_with (boot0_sim, boot0_lab, "sim7");
  const char *images[] = { "fw3", "fw2" };

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autofree char *out = NULL, *err = NULL, *dfu = NULL, *at = NULL, *relay = NULL;
      g_autofree char *file = g_strdup_printf ("%s.bin", images[i]);
      g_autofree char *sha = file_sha256 (h, file);
      g_autofree char *want = g_strdup_printf ("ok sha256=%s", sha);
      g_autofree char *got = NULL;

      g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim7", images[i], NULL), ==, 0);
      got = tf_harness_sim (h, "flash-read sim7 0x08000000 262144");
      g_assert_cmpstr (got, ==, want);
      dfu = tf_harness_sim (h, "dfu dfu7");
      tf_harness_assert_contains (dfu, "mode=firmware");
      tf_harness_assert_contains (dfu, "early-polls=0");
      at = usb_id_at (h, "1-4");
      g_assert_null (at);
      /* BOOT0 released, power on: the new firmware runs */
      relay = tf_harness_sim (h, "relay relay1");
      tf_harness_assert_contains (relay, "ch1=1 ch2=0");
      g_assert_true (tf_harness_wait_board_state (h, "sim7", "ready", 5000));
    }
}

/* An STM32F411's ROM bootloader as the part enumerates it: four alternate settings
 * (Internal Flash, Option Bytes, OTP Memory, Device Feature) with the DFU functional
 * descriptor after the last, bmAttributes 0x0b. The flasher finds the descriptor there,
 * writes alternate setting 0 by its name, erases the sectors the layout gives (16, 64 and
 * 128 KiB, each taking its erase time), and the part jumps to the image at the leave
 * request, without a USB reset: a device gone after dfuMANIFEST is success. */
static const char *f411_sim
    = "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n" SIM_BOARD (
        "sim8", 8, "1-3", "relay1:1",
        "boot-mode = relay1:2\nchip = STM32F411CE\n") "[dfu dfu8]\nboard = sim8\nusb-path = 1-4\n";

static const char *f411_lab
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\n"
      "off-time-ms = 100\n\n"
      "[board sim8]\ntype = sim-f411-dfu-boot0\nconsole = /dev/ttyACM8\npower = relay1:1\n"
      "boot-mode = relay1:2\ntable = T8\n";

static void
test_dfu_f411_rom (void)
{
  g_autoptr (TfHarness) h = dfu_lab_up_with (f411_sim, f411_lab, "sim8");
  g_autofree char *out = NULL, *err = NULL, *sha = file_sha256 (h, "fw2.bin");
  g_autofree char *want = g_strdup_printf ("ok sha256=%s", sha);
  g_autofree char *got = NULL, *dfu = NULL, *at = NULL;
  guint64 demanded = 0;
  int boots = tf_harness_boots (h, "sim8");

  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim8", "fw2", NULL), ==, 0);
  got = tf_harness_sim (h, "flash-read sim8 0x08000000 262144");
  g_assert_cmpstr (got, ==, want);
  dfu = tf_harness_sim (h, "dfu dfu8");
  /* 256 KiB: sectors 0-5 (4 x 16, 64, 128 KiB), 128 blocks of the ROM's 2048 bytes */
  tf_harness_assert_contains (dfu, "blocks=128 erases=6");
  tf_harness_assert_contains (dfu, "early-polls=0");
  /* the waits it demanded include the sectors' erase times: 4 x 250 + 550 + 1000 ms */
  g_assert_true (tf_sim_client_field (dfu, "demanded-ms", &demanded));
  g_assert_cmpuint (demanded, >=, 2550);
  /* it jumped to the image (no DFU interface in it), and the lab's power cycle booted it */
  tf_harness_assert_contains (dfu, "mode=firmware");
  at = usb_id_at (h, "1-4");
  g_assert_null (at);
  g_assert_true (tf_harness_wait (h, board_firmware_is, "sim8=2.0.0", 10000));
  /* the leave booted the image once, the lab's power cycle once more */
  g_assert_cmpint (tf_harness_boots (h, "sim8"), >=, boots + 1);

  /* an image with a blank tail: its blank blocks need no DNLOAD after the erase (80 of 128
   * blocks here), the whole 256 KiB still ends as the file says */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&sha, g_free);
  g_clear_pointer (&want, g_free);
  g_clear_pointer (&got, g_free);
  g_clear_pointer (&dfu, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "flash", "sim8", "fw4", NULL), ==, 0);
  sha = file_sha256 (h, "fw4.bin");
  want = g_strdup_printf ("ok sha256=%s", sha);
  got = tf_harness_sim (h, "flash-read sim8 0x08000000 262144");
  g_assert_cmpstr (got, ==, want);
  dfu = tf_harness_sim (h, "dfu dfu8");
  /* counted since start: 128 of the first flash, 48 of this one (96 KiB) */
  tf_harness_assert_contains (dfu, "blocks=176 erases=12");
  g_assert_true (tf_harness_wait (h, board_firmware_is, "sim8=4.0.0", 10000));
}

/* The shipped DfuSe board type: the lab enters the ROM bootloader (BOOT0 relay, power
 * cycle), and the part's layout is the F411's sectors, which erasing follows. */
static void
test_dfu_board_type (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards",
                                            "weact-blackpill-f411.board", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = tf_board_type_load (path, &error);
  g_autoptr (TfFlasher) flasher = NULL;
  g_autoptr (GArray) sectors = NULL;
  static const guint32 kib[] = { 16, 16, 16, 16, 64, 128, 128, 128 };
  static const char *const bad[] = { "Internal Flash  /0x08000000/04*016Kg",
                                     "@Flash",
                                     "@Flash /0x08000000/",
                                     "@Flash /0x08000000/04*016Kz",
                                     "@Flash /0x08000000/04*016Kg;",
                                     "@Flash /0xFFFFF000/02*004Kg",
                                     "@Flash /0x08000000/99999999*001Kg",
                                     NULL };
  guint32 addr = 0x08000000;

  g_assert_no_error (error);
  tf_flasher_register_builtin ();
  flasher = tf_flasher_new_for_type (type, &error);
  g_assert_no_error (error);
  g_assert_true (tf_flasher_needs_bootloader_entry (flasher));
  sectors = tf_dfuse_layout_parse (TF_FLASH_DFU (flasher)->layout, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sectors->len, ==, G_N_ELEMENTS (kib));
  for (guint i = 0; i < sectors->len; i++)
    {
      const TfDfuSector *sec = &g_array_index (sectors, TfDfuSector, i);
      g_assert_cmphex (sec->start, ==, addr);
      g_assert_cmpuint (sec->size, ==, kib[i] * 1024);
      addr += sec->size;
    }
  g_assert_cmphex (addr, ==, type->flash_address + type->flash_size);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GArray) none = tf_dfuse_layout_parse (bad[i], &e);
      g_assert_null (none);
      g_assert_error (e, TF_ERROR, TF_ERROR_PROTOCOL);
    }
}

/* [flash] alt-name: the alternate setting by the name its layout string gives it, as the
 * name or the whole string's head; anything else is refused at load with FILE:LINE. */
static void
test_dfu_alt_name (void)
{
  static const struct
  {
    const char *value;
    const char *name; /* NULL: refused */
  } cases[] = {
    { "Internal Flash", "Internal Flash" },
    { "@Internal Flash  ", "Internal Flash" },
    { "@Option Bytes", "Option Bytes" },
    { "@Internal Flash  /0x08000000/04*016Kg", NULL },
    { "@", NULL },
    { "Flash\\tMemory", NULL }, /* a TAB once the key file unescapes it */
    { "A name far longer than any alternate setting of a real part would ever have it", NULL },
  };
  g_autofree char *dir = g_dir_make_tmp ("tf-alt-name-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "alt.board", NULL);

  tf_flasher_register_builtin ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TfBoardType) type = NULL;
      g_autofree char *text = g_strdup_printf (
          "[board-type]\ndescription = alt-name %u\n\n[console]\nbanner = ^ready$\n\n"
          "[flash]\nmethod = dfu\ndfu-usb-id = 0483:df11\naddress = 0x08000000\n"
          "alt-name = %s\n",
          i, cases[i].value);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      type = tf_board_type_load (path, &error);
      if (cases[i].name == NULL)
        {
          g_autofree char *where = g_strdup_printf ("%s:11: [flash] alt-name: ", path);
          g_assert_null (type);
          g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
          tf_harness_assert_contains (error->message, where);
        }
      else
        {
          g_autoptr (TfFlasher) flasher = NULL;
          g_assert_no_error (error);
          flasher = tf_flasher_new_for_type (type, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (TF_FLASH_DFU (flasher)->alt_name, ==, cases[i].name);
        }
    }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usb/hub-cycle", test_hub_cycle);
  g_test_add_func ("/usb/hub-usb3-and-7port", test_hub_usb3_and_7port);
  g_test_add_func ("/usb/hub-ganged", test_hub_ganged);
  g_test_add_func ("/usb/hub-faults", test_hub_faults);
  g_test_add_func ("/usb/hotplug-published", test_hotplug_latency);
  g_test_add_func ("/usb/dfu-flash", test_dfu_flash);
  g_test_add_func ("/usb/dfu-faults", test_dfu_faults);
  g_test_add_func ("/usb/dfu11-flash", test_dfu11_flash);
  g_test_add_func ("/usb/dfu-boot0", test_dfu_boot0);
  g_test_add_func ("/usb/dfu-board-type", test_dfu_board_type);
  g_test_add_func ("/usb/dfu-f411-rom", test_dfu_f411_rom);
  g_test_add_func ("/usb/dfu-alt-name", test_dfu_alt_name);
  return g_test_run ();
}
