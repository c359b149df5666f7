/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* USB hot-plug on its own: a board tied to a USB device (usb-path or usb-serial) whose
 * coming and going no tty announces, so that only libusb's hot-plug path of testfestd
 * can notice. The device is a bare one that tf-simlab puts on a hub port (usb-plug,
 * usb-unplug); the board's console tty stays where it is all along. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tf-harness.h"

/* sim1 is powered by port 1 of an emulated hub the daemon switches; port 3 takes the
 * bare device. */
static const char *sim_text =
    "[hub hub1]\nusb-path = 1-2\nports = 4\nserial = HUB00001\n\n"
    "[board sim1]\ntype = sim-l476\ntty = ttyACM1\nusb-path = 1-2.1\nserial = SIMUSB01\n"
    "power = hub1:1\nboot-ms = 100\n";

#define LAB_SWITCH "[switch hub1]\ntype = usb-hub\nlocation = 1-2\nchannels = 4\noff-time-ms = 100\n\n"
#define LAB_BOARD "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = hub1:1\ntable = T1\n"

/* The bare device: the board type's console ids (sim-l476: 0483:374b), so that usb-serial
 * can name it too. */
#define BARE_PLUG "usb-plug hub1 3 0483:374b BARE0001"
#define BARE_UNPLUG "usb-unplug hub1 3"

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected '%s' in '%s'", needle, text ? text : "(null)");
}

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
  g_strlcpy (buf, b != NULL && json_object_has_member (b, "cause")
                      ? json_object_get_string_member (b, "cause") : "", size);
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
  assert_contains (adapter, "adapter=present");

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

static int
boots_of (TfHarness *h, const char *board)
{
  g_autofree char *get = tf_harness_sim (h, "get %s", board);
  const char *b = strstr (get, "boots=");
  g_assert_nonnull (b);
  return atoi (b + 6);
}

static gboolean
booted_again (TfHarness *h, gpointer before)
{
  return boots_of (h, "sim1") > GPOINTER_TO_INT (before);
}

/* No board names a USB device at start, so no watch runs; a reload that gives the board
 * usb-serial starts it, and the device's departure is seen. */
static void
test_reload_adds_usb_serial (void)
{
  g_autoptr (TfHarness) h = lab_up (LAB_SWITCH LAB_BOARD);
  g_autofree char *lab = NULL, *patched = NULL;
  g_auto (GStrv) parts = NULL;
  int boots = boots_of (h, "sim1");

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usb-hotplug/departure-by-path", test_departure_by_path);
  g_test_add_func ("/usb-hotplug/departure-by-serial", test_departure_by_serial);
  g_test_add_func ("/usb-hotplug/reload-adds-usb-serial", test_reload_adds_usb_serial);
  return g_test_run ();
}
