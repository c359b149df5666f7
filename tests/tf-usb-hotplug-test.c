/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USB hot-plug on its own: a board tied to a USB device (usb-path or usb-serial) whose
 * coming and going no tty announces, so that only libusb's hot-plug path of testfestd
 * can notice. The device is a bare one that tf-simlab puts on a hub port (usb-plug,
 * usb-unplug); the board's console tty stays where it is all along. Also USB devices
 * that come and go with power (a board's DFU interface), and the hub switch's teardown
 * with a transfer in flight (a slow hub). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-harness.h"

/* sim1 is powered by port 1 of an emulated hub the daemon switches; port 3 takes the
 * bare device. */
static const char *sim_text
    = "[hub hub1]\nusb-path = 1-2\nports = 4\nserial = HUB00001\n\n"
      "[board sim1]\ntype = sim-l476\ntty = ttyACM1\nusb-path = 1-2.1\nserial = SIMUSB01\n"
      "power = hub1:1\nboot-ms = 100\n";

#define LAB_SWITCH                                                                                 \
  "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
#define LAB_BOARD                                                                                  \
  "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = hub1:1\ntable = T1\n"

/* The bare device: the board type's console ids (sim-l476: 0483:374b), so that usb-serial
 * can name it too. */
#define BARE_PLUG "usb-plug hub1 3 0483:374b BARE0001"
#define BARE_UNPLUG "usb-unplug hub1 3"

static void
sim_ok (TfHarness *h, const char *request)
{
  g_autofree char *r = tf_harness_sim (h, "%s", request);
  g_assert_cmpstr (r, ==, "ok");
}

static TfHarness *
lab_up (const char *lab_body)
{
  TfHarness *h = tf_harness_new (sim_text, lab_body);
  /* present before the daemon starts, as a lab's devices are */
  sim_ok (h, BARE_PLUG);
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  return h;
}

static const char *
cause_of (TfHarness *h, const char *board, char *buf, gsize size)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, board);
  g_strlcpy (buf,
             b != NULL && json_object_has_member (b, "cause")
                 ? json_object_get_string_member (b, "cause")
                 : "",
             size);
  return buf;
}

/* The USB device leaves and comes back while the tty stays: the board goes unplugged by
 * libusb's departure alone, and is brought up again (a power cycle through the hub, the
 * banner) on its arrival. */
static void
check_unplug_replug (TfHarness *h)
{
  g_autofree char *adapter = NULL;
  char cause[128];

  sim_ok (h, BARE_UNPLUG);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "unplugged", 5000));
  g_assert_cmpstr (cause_of (h, "sim1", cause, sizeof cause), ==, "console adapter left USB");
  /* no tty went: the simulated console adapter never left */
  adapter = tf_harness_sim (h, "get sim1");
  tf_harness_assert_contains (adapter, "adapter=present");

  sim_ok (h, BARE_PLUG);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  g_assert_cmpstr (cause_of (h, "sim1", cause, sizeof cause), ==, "boot banner seen");
}

/* Matched by position. */
static void
test_departure_by_path (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD "usb-path = 1-2.3\n");
  check_unplug_replug (h);
}

/* Matched by iSerial and the board type's console ids. */
static void
test_departure_by_serial (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD "usb-serial = BARE0001\n");
  check_unplug_replug (h);
}

static gboolean
booted_again (TfHarness *h, gpointer before)
{
  return tf_harness_boots (h, "sim1") > GPOINTER_TO_INT (before);
}

/* No board names a USB device at start, so no watch runs; a reload that gives the board
 * usb-serial starts it, and the device's departure is seen. */
static void
test_reload_adds_usb_serial (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD);
  g_autofree char *lab = NULL, *patched = NULL;
  g_auto (GStrv) parts = NULL;
  int boots = tf_harness_boots (h, "sim1");

  g_assert_true (g_file_get_contents (h->lab_path, &lab, NULL, NULL));
  parts = g_strsplit (lab, "table = T1\n", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strconcat (parts[0], "table = T1\nusb-serial = BARE0001\n", parts[1], NULL);
  g_assert_true (g_file_set_contents (h->lab_path, patched, -1, NULL));
  g_subprocess_send_signal (h->daemon, SIGHUP);
  /* the changed board is brought up again: one more boot, then ready */
  g_assert_true (tf_harness_wait (h, booted_again, GINT_TO_POINTER (boots), 10000));
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));

  check_unplug_replug (h);
}

/* --- USB devices that live on their board's power ------------------------------------ */

/* sim1's firmware has a DFU runtime interface (mode = runtime), sim2's none (mode = dfu:
 * only its ROM bootloader has one); both boards on ports of the hub the daemon switches. */
static const char *dfu_sim
    = "[hub hub1]\nusb-path = 1-2\nports = 4\nserial = HUB00001\n\n"
      "[board sim1]\ntype = sim-l476\ntty = ttyACM1\nusb-path = 1-2.1\nserial = SIMUSB01\n"
      "power = hub1:1\nboot-ms = 100\n\n"
      "[dfu dfu1]\nboard = sim1\nusb-path = 1-2.3\nmode = runtime\n\n"
      "[board sim2]\ntype = sim-l476\ntty = ttyACM2\nusb-path = 1-2.2\nserial = SIMUSB02\n"
      "power = hub1:2\nboot-ms = 100\n\n"
      "[dfu dfu2]\nboard = sim2\nusb-path = 1-2.4\nmode = dfu\n";

#define DFU_LAB                                                                                    \
  LAB_SWITCH LAB_BOARD                                                                             \
      "\n"                                                                                         \
      "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = hub1:2\ntable = T2\n"

/* The USB id at @usb_path in the testbed's sysfs ("0483:5740"), "none" when nothing is. */
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
    return g_strdup ("none");
  return g_strdup_printf ("%s:%s", g_strstrip (vid), g_strstrip (pid));
}

typedef struct
{
  const char *dfu, *mode, *usb_path, *usb_id;
} DfuSeen;

/* The DFU emulation reports @mode and sysfs agrees: @usb_id at @usb_path, or nothing. */
static gboolean
dfu_is (TfHarness *h, gpointer data)
{
  const DfuSeen *want = data;
  g_autofree char *r = tf_harness_sim (h, "dfu %s", want->dfu);
  g_autofree char *mode = g_strdup_printf ("mode=%s ", want->mode);
  g_autofree char *id = usb_id_at (h, want->usb_path);
  return strstr (r, mode) != NULL && g_strcmp0 (id, want->usb_id) == 0;
}

static void
expect_dfu (TfHarness *h, const char *dfu, const char *mode, const char *usb_path,
            const char *usb_id)
{
  DfuSeen want = { dfu, mode, usb_path, usb_id };
  if (!tf_harness_wait (h, dfu_is, &want, 5000))
    {
      g_autofree char *r = tf_harness_sim (h, "dfu %s", dfu);
      g_autofree char *id = usb_id_at (h, usb_path);
      g_error ("%s: expected mode=%s and %s at %s; have '%s' and %s", dfu, mode, usb_id, usb_path,
               r, id);
    }
}

static void
ctl_ok (TfHarness *h, const char *verb, const char *board)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = tf_harness_ctl (h, &out, &err, "power", verb, board, NULL);
  if (status != 0)
    g_error ("power %s %s: exit %d: %s", verb, board, status, err);
}

/* Power on with BOOT0 held: the part sits in its ROM bootloader, so the daemon, which
 * waits for the firmware's banner, rightly reports none. */
static void
ctl_on_into_bootloader (TfHarness *h, const char *board)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "on", board, NULL), ==, 1);
  tf_harness_assert_contains (err, "no boot banner");
}

/* Power off takes a board's DFU interface off USB whatever its mode; power on brings back
 * what BOOT0 selects: the firmware's runtime interface, the ROM bootloader while BOOT0 is
 * held, or nothing for firmware without DFU. */
static void
test_dfu_follows_power (void)
{
  g_autoptr (TfHarness) h = tf_harness_new (dfu_sim, DFU_LAB);

  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "ready", 10000));
  /* the daemon powered both on with BOOT0 low: the firmware runs */
  expect_dfu (h, "dfu1", "runtime", "1-2.3", "0483:5740");
  expect_dfu (h, "dfu2", "firmware", "1-2.4", "none");

  ctl_ok (h, "off", "sim1");
  expect_dfu (h, "dfu1", "off", "1-2.3", "none");
  ctl_ok (h, "on", "sim1");
  expect_dfu (h, "dfu1", "runtime", "1-2.3", "0483:5740");
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));

  /* in the ROM bootloader (BOOT0 held through a reset, and held on: tf-simlab's reset
   * leaves it where it put it); power off and on with BOOT0 held comes back to it */
  sim_ok (h, "dfu-enter dfu1");
  expect_dfu (h, "dfu1", "dfu", "1-2.3", "0483:df11");
  ctl_ok (h, "off", "sim1");
  expect_dfu (h, "dfu1", "off", "1-2.3", "none");
  ctl_on_into_bootloader (h, "sim1");
  expect_dfu (h, "dfu1", "dfu", "1-2.3", "0483:df11");

  /* sim2's bootloader goes with the power, and BOOT0 released, its firmware brings none */
  sim_ok (h, "dfu-enter dfu2");
  expect_dfu (h, "dfu2", "dfu", "1-2.4", "0483:df11");
  ctl_ok (h, "off", "sim2");
  expect_dfu (h, "dfu2", "off", "1-2.4", "none");
  ctl_on_into_bootloader (h, "sim2");
  expect_dfu (h, "dfu2", "dfu", "1-2.4", "0483:df11");
  sim_ok (h, "reset sim2");
  expect_dfu (h, "dfu2", "firmware", "1-2.4", "none");
  ctl_ok (h, "cycle", "sim2");
  g_assert_true (tf_harness_wait_board_state (h, "sim2", "ready", 10000));
  expect_dfu (h, "dfu2", "firmware", "1-2.4", "none");
}

/* --- a slow hub ----------------------------------------------------------------------- */

static gboolean
hub_has (TfHarness *h, gpointer needle)
{
  g_autofree char *r = tf_harness_sim (h, "hub hub1");
  return strstr (r, needle) != NULL;
}

/* Each request to the hub takes 200 ms: the cycle's switch and read-back are in flight
 * together (answered in order), and the port status still reads back. */
static void
test_slow_hub_cycle (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD);
  g_autofree char *out = NULL, *err = NULL, *hub = NULL;
  int boots = tf_harness_boots (h, "sim1");

  sim_ok (h, "hub-fault hub1 slow 200");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "power", "cycle", "sim1", NULL), ==, 0);
  g_assert_cmpint (tf_harness_boots (h, "sim1"), ==, boots + 1);
  hub = tf_harness_sim (h, "hub hub1");
  tf_harness_assert_contains (hub, "port1=on");
  tf_harness_assert_contains (hub, "in-flight=0");
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 10000));
}

/* SIGTERM while the hub holds a power request (its switch and read-back both in flight):
 * the daemon ends as it always does, exit status 0 within its shutdown bound (the issue's
 * second, with slack for ASan), no crash and no sanitizer report; nothing of it is left in
 * flight. Under umockdev the daemon's loop only sees the signal once its transfers have
 * ended (the usbfs node is always ready to poll, and libusb's source outranks the signal's;
 * fixtures/README.md), here by the read-back's timeout (800 + 800 ms > 1 s): so this is
 * the shutdown right after a hub request timed out and was discarded, not one that
 * cancels transfers still out, which this emulation cannot bring about. */
static void
test_slow_hub_sigterm (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD);
  g_autofree char *exe
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestctl", NULL);
  g_autofree char *log_path = tf_harness_path (h, "daemon-0.log");
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) ctl = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0;
  int status;

  /* the daemon found the hub while bringing sim1 up: what follows is the async path only */
  sim_ok (h, "hub-fault hub1 slow 800");
  ctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, exe, "--config", h->lab_path, "power", "cycle", "sim1", NULL);
  g_assert_no_error (error);
  g_assert_true (tf_harness_wait (h, hub_has, "in-flight=2", 5000));
  t0 = g_get_monotonic_time ();
  status = tf_harness_stop_daemon (h, SIGTERM);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 3 * G_USEC_PER_SEC);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("testfestd ended with wait status 0x%x (see %s)", status, log_path);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, "Sanitizer"));
  g_assert_null (strstr (log, "runtime error"));
  g_assert_null (strstr (log, "CRITICAL"));
  /* nothing of the daemon's is left in flight at the hub */
  g_assert_true (tf_harness_wait (h, hub_has, "in-flight=0", 5000));
  g_assert_true (g_subprocess_wait (ctl, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usb-hotplug/departure-by-path", test_departure_by_path);
  g_test_add_func ("/usb-hotplug/departure-by-serial", test_departure_by_serial);
  g_test_add_func ("/usb-hotplug/reload-adds-usb-serial", test_reload_adds_usb_serial);
  g_test_add_func ("/usb-hotplug/dfu-follows-power", test_dfu_follows_power);
  g_test_add_func ("/usb-hotplug/slow-hub-cycle", test_slow_hub_cycle);
  g_test_add_func ("/usb-hotplug/slow-hub-sigterm", test_slow_hub_sigterm);
  return g_test_run ();
}
