/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testfestd's stm32-uart flasher against tf-simlab's AN3155 bootloader, the flasher driven
 * directly (as bench-flash-stm32 does) so that what it asks of the bootloader is counted:
 * blocks an image leaves blank are neither written nor read back; a bootloader whose GET
 * lists GET CHECKSUM is verified by one checksum instead of reading back; an FTDI adapter's
 * latency timer is 1 ms while flashing and back to what it was after. The test runs itself
 * inside tf-simlab ("--child SCENARIO SOCKET"). */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "flash/tf-stm32-proto.h"
#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-sim-client.h"

static const char *sim_text
    = "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM0\nusb-path = 1-1\n"
      "serial = SIM00001\npower = always\nboot-ms = 10\nadapter-latency-ms = 0\n\n"
      "[board sim2]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyUSB0\nusb-path = 1-2\n"
      "vid = 0403\npid = 6001\nserial = FT000002\npower = always\nboot-ms = 10\n"
      "get-checksum = true\n";

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  char *error;
} Run;

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  run->ok = tf_flasher_flash_finish (TF_FLASHER (source), res, &error);
  if (!run->ok)
    run->error = g_strdup (error->message);
  g_main_loop_quit (run->loop);
}

static guint64
info_field (const char *socket, const char *board, const char *name)
{
  g_autofree char *req = g_strdup_printf ("flash-info %s", board);
  g_autofree char *info = tf_sim_client_request_or_die (socket, req);
  guint64 v = 0;
  if (!tf_sim_client_field (info, name, &v))
    g_error ("no %s in '%s'", name, info);
  return v;
}

/* Flash @image to @board on @port through the flasher of sim-l476, BOOT0 held by us. */
static void
flash (const char *socket, const char *board, const char *port, GBytes *image)
{
  g_autofree char *path
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards", "sim-l476.board", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = tf_board_type_load (path, &error);
  g_autoptr (TfFlasher) flasher = NULL;
  g_autofree char *reset = g_strdup_printf ("reset %s bootloader", board);
  g_autofree char *read = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *sha = NULL;
  TfFlashJob job = { 0 };
  Run run = { g_main_loop_new (NULL, FALSE), FALSE, NULL };
  guint timer;

  g_assert_no_error (error);
  tf_flasher_register_builtin ();
  flasher = tf_flasher_new_for_type (type, &error);
  g_assert_no_error (error);
  g_free (tf_sim_client_request_or_die (socket, reset));
  job.board = (char *)board;
  job.type = type;
  job.port = (char *)port;
  job.data = image;
  job.lab_entered_bootloader = TRUE;
  tf_flasher_flash_async (flasher, &job, NULL, on_done, &run);
  timer = g_timeout_add_seconds (60, (GSourceFunc)g_main_loop_quit, run.loop);
  g_main_loop_run (run.loop);
  g_source_remove (timer);
  g_main_loop_unref (run.loop);
  if (!run.ok)
    g_error ("flashing %s failed: %s", board, run.error ? run.error : "timed out");
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, image);
  expect = g_strdup_printf ("ok sha256=%s", sha);
  read = g_strdup_printf ("flash-read %s 0x08000000 %zu", board, g_bytes_get_size (image));
  reply = tf_sim_client_request_or_die (socket, read);
  g_assert_cmpstr (reply, ==, expect);
}

/* 8 KiB of code, 16 KiB blank, 4 KiB of data and 36 odd bytes (the last block partial) */
static GBytes *
gapped_image (guint32 seed, guint *nonblank_blocks)
{
  gsize len = 28 * 1024 + 36;
  guint8 *data = g_malloc (len);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < len; i++)
    data[i] = (i >= 8192 && i < 24576) ? 0xFF : (guint8)g_rand_int (rand);
  *nonblank_blocks = 32 + 16 + 1;
  return g_bytes_new_take (data, len);
}

static void
child_gaps (const char *socket)
{
  guint blocks;
  g_autoptr (GBytes) image = gapped_image (1, &blocks);
  guint64 written = info_field (socket, "sim1", "blocks-written");
  guint64 read = info_field (socket, "sim1", "blocks-read");

  flash (socket, "sim1", "/dev/ttyACM0", image);
  /* no GET CHECKSUM on an L476: read back, but only what was written */
  g_assert_cmpuint (info_field (socket, "sim1", "blocks-written") - written, ==, blocks);
  g_assert_cmpuint (info_field (socket, "sim1", "blocks-read") - read, ==, blocks);
  g_assert_cmpuint (info_field (socket, "sim1", "checksums"), ==, 0);
  /* the blank pages were erased: what was there before is gone (flash checked above) */
  g_assert_cmpuint (info_field (socket, "sim1", "pages-erased"), >=, 15);
}

static char *
latency_timer (void)
{
  char *value = NULL;
  g_assert_true (
      g_file_get_contents ("/sys/class/tty/ttyUSB0/device/latency_timer", &value, NULL, NULL));
  return value;
}

static void
child_checksum_ftdi (const char *socket)
{
  guint blocks;
  g_autoptr (GBytes) image = gapped_image (2, &blocks);
  g_autoptr (GBytes) again = gapped_image (3, &blocks);
  g_autofree char *before = latency_timer ();
  g_autofree char *after = NULL;
  guint64 read = info_field (socket, "sim2", "blocks-read");

  /* the FT232R's default, as ftdi_sio leaves it after enumeration */
  g_assert_cmpstr (before, ==, "16\n");
  flash (socket, "sim2", "/dev/ttyUSB0", image);
  g_assert_cmpuint (info_field (socket, "sim2", "checksums"), ==, 1);
  g_assert_cmpuint (info_field (socket, "sim2", "blocks-read"), ==, read);
  /* the bootloader's replies waited 1 ms while the flasher ran, the timer is back after */
  g_assert_cmpuint (info_field (socket, "sim2", "link-latency-us"), ==, 1000);
  after = latency_timer ();
  g_assert_cmpstr (after, ==, "16\n");
  /* over a different image: the checksum covers what is in flash now */
  flash (socket, "sim2", "/dev/ttyUSB0", again);
  g_assert_cmpuint (info_field (socket, "sim2", "checksums"), ==, 2);
}

static void
run_scenario (gconstpointer data)
{
  const char *scenario = data;
  g_autofree char *dir = g_dir_make_tmp ("tf-flash-stm32-XXXXXX", NULL);
  g_autofree char *sim = g_build_filename (dir, "lab.sim", NULL);
  g_autofree char *sock = g_build_filename (dir, "control", NULL);
  g_autofree char *simlab
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-simlab", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[]
      = { simlab, "--sim", sim, "--control", sock, "--", self, "--child", scenario, sock, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;

  g_assert_true (g_file_set_contents (sim, sim_text, -1, NULL));
  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  /* the child bounds its own waits (60 s a flash) */
  g_subprocess_wait (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_unlink (sim);
  g_rmdir (dir);
}

/* The STM32 CRC unit's result for the one word 0x12345678 (bytes 78 56 34 12 in memory)
 * from its reset value 0xFFFFFFFF: 0xDF8A8A2B, the commonly quoted check value of that unit
 * (and what a bit-by-bit CRC-32/MPEG-2 over the word gives). */
static void
test_crc32 (void)
{
  static const guint8 word[] = { 0x78, 0x56, 0x34, 0x12 };
  g_assert_cmphex (tf_stm32_crc32 (0xFFFFFFFFu, word, 4), ==, 0xDF8A8A2Bu);
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--child"))
    {
      if (g_str_equal (argv[2], "gaps"))
        child_gaps (argv[3]);
      else if (g_str_equal (argv[2], "checksum-ftdi"))
        child_checksum_ftdi (argv[3]);
      else
        g_error ("no scenario %s", argv[2]);
      return 0;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flash/stm32-uart/crc32", test_crc32);
  g_test_add_data_func ("/flash/stm32-uart/blank-gaps", "gaps", run_scenario);
  g_test_add_data_func ("/flash/stm32-uart/checksum-ftdi", "checksum-ftdi", run_scenario);
  return g_test_run ();
}
