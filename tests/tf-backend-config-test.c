/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Backend keys are checked when the lab file and the board types are read,
 * by the backend the method or type names (load_config), with FILE:LINE:
 * a board type's [flash] keys, a switch's keys; and the daemon refuses such a
 * file with exit status 2 before anything starts. No broker, no tf-simlab. */
#include "config.h"

#include "tf-test-host.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include "tf-config.h"
#include "tf-error.h"
#include "tf-flasher.h"

typedef struct
{
  char *dir;
  char *boards;
  char *type_path;
  char *lab_path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("tf-backend-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->boards = g_build_filename (f->dir, "boards", NULL);
  g_assert_cmpint (g_mkdir (f->boards, 0755), ==, 0);
  f->type_path = g_build_filename (f->boards, "kit.board", NULL);
  f->lab_path = g_build_filename (f->dir, "lab.conf", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  tf_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->boards);
  g_free (f->type_path);
  g_free (f->lab_path);
}

/* A board type whose [flash] group is @flash (it starts on line 6). */
static void
write_type (Fixture *f, const char *flash)
{
  g_autofree char *text = g_strdup_printf ("[board-type]\ndescription = a kit\n[console]\n"
                                           "banner = ^boot\n\n[flash]\n%s",
                                           flash);
  g_assert_true (g_file_set_contents (f->type_path, text, -1, NULL));
}

/* A lab using only our boards dir; @body follows [lab] (from line 4). */
static void
write_lab (Fixture *f, const char *body)
{
  g_autofree char *text
      = g_strdup_printf ("[lab]\nname = lab\nboards-dir = %s\n%s", f->boards, body);
  g_assert_true (g_file_set_contents (f->lab_path, text, -1, NULL));
}

static TfLabConfig *
load (Fixture *f, GError **error)
{
  return tf_lab_config_load (f->lab_path, error);
}

/* @flash makes the type fail with "kit.board:@suffix". */
static void
expect_type_error (Fixture *f, const char *flash, const char *suffix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = NULL;
  g_autofree char *expected = g_strdup_printf ("%s:%s", f->type_path, suffix);
  write_type (f, flash);
  write_lab (f, "");
  cfg = load (f, &error);
  g_assert_null (cfg);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_flash_method (Fixture *f, gconstpointer data)
{
  expect_type_error (f, "method = jtag\n",
                     "7: [flash] method: 'jtag' is not one of none, command, dfu, stm32-uart");
  /* none takes only the common keys */
  expect_type_error (f, "method = none\ntimeout-ms = 5\n", "8: [flash] timeout-ms: unknown key");
  expect_type_error (f, "address = 0x1z\n",
                     "7: [flash] address: '0x1z' is not a number (decimal or 0x hex) from 0 to "
                     "0xffffffff");
}

static void
test_flash_command (Fixture *f, gconstpointer data)
{
  expect_type_error (f, "method = command\ntimeout-ms = 60000\n",
                     "6: [flash]: missing key 'command'");
  expect_type_error (f, "method = command\ncommand = flash {image}\ntimeout-ms = soon\n",
                     "9: [flash] timeout-ms: 'soon' is not a whole number from 10 to 3600000");
  expect_type_error (f, "method = command\ncommand = flash {imgae}\n",
                     "8: [flash] command: unknown placeholder {imgae}");
  /* a key of another backend is not silently ignored */
  expect_type_error (f, "method = command\ncommand = flash {image}\nbootloader-baud = 9600\n",
                     "9: [flash] bootloader-baud: unknown key");
}

static void
test_flash_stm32 (Fixture *f, gconstpointer data)
{
  expect_type_error (f, "method = stm32-uart\naddress = 0x08000000\nbootloader-baud = fast\n",
                     "9: [flash] bootloader-baud: 'fast' is not a whole number from 1200 to "
                     "4000000");
  expect_type_error (f, "method = stm32-uart\naddress = 0x08000000\nboot-mode = jumper\n",
                     "9: [flash] boot-mode: 'jumper' is not relay or dtr-rts");
  expect_type_error (f, "method = stm32-uart\naddress = 0x08000000\nproduct-id = 0x10000\n",
                     "9: [flash] product-id: '0x10000' is not a number (decimal or 0x hex) from "
                     "0 to 0xffff");
  expect_type_error (f, "method = stm32-uart\naddress = 0x1000\n",
                     "8: [flash] address: 0x1000 is not in STM32 flash (0x08000000...)");
  expect_type_error (f, "method = stm32-uart\naddress = 0x08000000\ncommand = x\n",
                     "9: [flash] command: unknown key");
}

static void
test_flash_dfu (Fixture *f, gconstpointer data)
{
  expect_type_error (f, "method = dfu\n", "6: [flash]: missing key 'dfu-usb-id'");
  expect_type_error (f, "method = dfu\ndfu-usb-id = 0483df11\n",
                     "8: [flash] dfu-usb-id: '0483df11' is not a USB id VVVV:PPPP");
  expect_type_error (f, "method = dfu\ndfu-usb-id = 0483:df11\ntimeout-ms = 0\n",
                     "9: [flash] timeout-ms: '0' is not a whole number from 100 to 600000");
  expect_type_error (f, "method = dfu\ndfu-usb-id = 0483:df11\nboot-mode = dtr-rts\n",
                     "9: [flash] boot-mode: 'dtr-rts' is not relay");
}

/* What the backend read is kept with the type and handed to each flasher. */
static void
test_flash_config_kept (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  TfBoardType *type;

  write_type (f, "method = stm32-uart\naddress = 0x08000000\nboot-mode = relay\n");
  write_lab (f, "");
  cfg = load (f, &error);
  g_assert_no_error (error);
  type = g_hash_table_lookup (cfg->types, "kit");
  g_assert_nonnull (type);
  g_assert_nonnull (type->flash);
  g_assert_true (type->flash->needs_bootloader_entry);
  flasher = tf_flasher_new_for_type (type, &error);
  g_assert_no_error (error);
  g_assert_true (tf_flasher_get_config (flasher) == type->flash);
  g_assert_true (tf_flasher_needs_bootloader_entry (flasher));
  g_clear_object (&flasher);
  g_clear_pointer (&cfg, tf_lab_config_free);

  write_type (f, "method = stm32-uart\naddress = 0x08000000\nboot-mode = dtr-rts\n");
  cfg = load (f, &error);
  g_assert_no_error (error);
  type = g_hash_table_lookup (cfg->types, "kit");
  g_assert_false (type->flash->needs_bootloader_entry);
  g_clear_pointer (&cfg, tf_lab_config_free);

  write_type (f, "method = none\n");
  cfg = load (f, &error);
  g_assert_no_error (error);
  type = g_hash_table_lookup (cfg->types, "kit");
  g_assert_null (type->flash);
  flasher = tf_flasher_new_for_type (type, &error);
  g_assert_null (flasher);
  g_assert_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED);
}

/* @sw makes the lab fail with "lab.conf:@suffix" (the switch group is on line 4). */
static void
expect_switch_error (Fixture *f, const char *sw, const char *suffix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = NULL;
  g_autofree char *body = g_strdup_printf ("[switch s1]\n%s", sw);
  g_autofree char *expected = g_strdup_printf ("%s:%s", f->lab_path, suffix);
  write_type (f, "method = none\n");
  write_lab (f, body);
  cfg = load (f, &error);
  g_assert_null (cfg);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_switch_backends (Fixture *f, gconstpointer data)
{
  expect_switch_error (f, "type = pdu\n",
                       "5: [switch s1] type: 'pdu' is not one of command, lcus-relay, usb-hub");
  expect_switch_error (f, "type = lcus-relay\ndevice = /dev/ttyUSB0\non = x\n",
                       "7: [switch s1] on: unknown key");
  expect_switch_error (f, "type = lcus-relay\n", "4: [switch s1]: missing key 'device'");
  expect_switch_error (f, "type = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 9\n",
                       "7: [switch s1] channels: '9' is not a whole number from 1 to 8");
  expect_switch_error (f, "type = usb-hub\nusb-id = 2109\n",
                       "6: [switch s1] usb-id: '2109' is not a USB id VVVV:PPPP");
  expect_switch_error (f, "type = usb-hub\nlocation = 1-1\nusb-id = 2109:2817\n",
                       "6: [switch s1] location: give either location or usb-id");
  expect_switch_error (f, "type = command\non = pdu {channel} on\noff = pdu {chanel} off\n",
                       "7: [switch s1] off: unknown placeholder {chanel}");
  expect_switch_error (f, "type = command\non = a\noff = b\ntimeout-ms = 1h\n",
                       "8: [switch s1] timeout-ms: '1h' is not a whole number from 10 to 600000");
}

/* The daemon refuses a board type with a bad backend key: exit 2, FILE:LINE. */
static void
test_daemon_refuses (Fixture *f, gconstpointer data)
{
  g_autofree char *daemon
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestd", NULL);
  const char *argv[] = { daemon, "--config", f->lab_path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf (
      "testfestd: %s:9: [flash] timeout-ms: '2 minutes' is not a whole number from 10 to "
      "3600000\n",
      f->type_path);
  g_autoptr (GError) error = NULL;
  int status = 0;

  write_type (f, "method = command\ncommand = flash {image}\ntimeout-ms = 2 minutes\n");
  write_lab (f, "[board b1]\ntype = kit\nconsole = /dev/ttyACM0\n");
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_cmpstr (err, ==, expected);
}

/* A board whose type enters its bootloader by a boot-mode relay cannot be
 * flashed without one: an event that would flash an image onto it is refused
 * at load, FILE:LINE, exit 2 (the floor's check, before anything starts). */
static void
test_daemon_refuses_unflashable (Fixture *f, gconstpointer data)
{
  g_autofree char *daemon
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestd", NULL);
  g_autofree char *fw = g_build_filename (f->dir, "fw.bin", NULL);
  g_autofree char *images = g_build_filename (f->dir, "images.conf", NULL);
  g_autofree char *event = g_build_filename (f->dir, "t.event", NULL);
  g_autofree char *images_text = g_strdup_printf (
      "[image fw]\npath = %s\nboard-types = kit\nimplementation = c\nversion = 1\n", fw);
  g_autofree char *lab_body
      = g_strdup_printf ("state-dir = %s/state\nimages = %s\nevent = %s\n\n[broker]\nport = 1\n\n"
                         "[switch relay1]\ntype = lcus-relay\ndevice = /dev/null\nchannels = 4\n\n"
                         "[board b1]\ntype = kit\nconsole = /dev/ttyACM0\npower = relay1:1\n",
                         f->dir, images, event);
  const char *argv[] = { daemon, "--config", f->lab_path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf (
      "testfestd: %s:19: [implementation c1] image: board 'b1' (type kit) enters its bootloader "
      "by a boot-mode relay and a power cycle: its [board b1] needs power and boot-mode in the "
      "lab file\n",
      event);
  g_autoptr (GError) error = NULL;
  int status = 0;

  write_type (f, "method = stm32-uart\naddress = 0x08000000\nboot-mode = relay\n");
  write_lab (f, lab_body);
  g_assert_true (g_file_set_contents (fw, "firmware", -1, NULL));
  g_assert_true (g_file_set_contents (images, images_text, -1, NULL));
  g_assert_true (g_file_set_contents (
      event,
      "[event]\nname = T\ndays = 2030-01-01\nslot-minutes = 60\nday-start = 09:00\n"
      "day-end = 12:00\ntables = 1\n\n[company a]\n[company b]\n\n"
      "[implementation c1]\ncompany = a\nrole = client\nversions = 1.1\ntransports = udp\n"
      "security = nosec\nboards = b1\nimage = fw\nentry-criteria = yes\n"
      "entry-criteria-by = staff\n\n"
      "[implementation s1]\ncompany = b\nrole = server\nversions = 1.1\ntransports = udp\n"
      "security = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n",
      -1, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_cmpstr (err, ==, expected);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn)                                                                              \
  g_test_add ("/backend-config/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("flash-method", test_flash_method);
  ADD ("flash-command", test_flash_command);
  ADD ("flash-stm32", test_flash_stm32);
  ADD ("flash-dfu", test_flash_dfu);
  ADD ("flash-config-kept", test_flash_config_kept);
  ADD ("switch-backends", test_switch_backends);
  ADD ("daemon-refuses", test_daemon_refuses);
  ADD ("daemon-refuses-unflashable", test_daemon_refuses_unflashable);
  return g_test_run ();
}
