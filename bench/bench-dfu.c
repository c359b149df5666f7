/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): testfestd's DFU flasher writes and verifies a 256 KiB image
 * through an emulated ST DfuSe bootloader that demands a 5 ms poll timeout after every
 * page erase and block and takes 2 ms to program a block. The limit is the sum of the
 * waits the device itself demanded (it reports them); the target is within 10% of it.
 * Each run starts with BOOT0 and a reset (the part's ROM bootloader enumerates), as the
 * previous run's leave sent the part into its firmware, which has no DFU interface.
 *   bench-dfu [RUNS]      (default 3) -- runs itself inside tf-simlab */
#define G_LOG_DOMAIN "bench"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-sim-client.h"
#include "tf-usb-context.h"

#include <libusb.h>

#define IMAGE_SIZE (256 * 1024)
#define SIM                                                                                        \
  "[lab]\nnetwork = none\n\n"                                                                      \
  "[board sim1]\ntype = sim-l476\ntty = ttyACM1\nusb-path = 1-1\nserial = BENCH0001\n"             \
  "power = always\nboot-ms = 10\n\n"                                                               \
  "[dfu dfu1]\nboard = sim1\nusb-path = 1-2\nmode = dfu\npoll-ms = 5\nblock-ms = 2\n"

/* a field of tf-simlab's answer; the benchmark's answers always carry it */
static guint64
field (const char *text, const char *name)
{
  guint64 v = 0;
  if (!tf_sim_client_field (text, name, &v))
    g_error ("no %s in '%s'", name, text);
  return v;
}

/* The bootloader's arrival is seen by libusb's own hot-plug thread: look until it is there. */
static void
wait_for_bootloader (guint16 vid, guint16 pid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfUsbContext) usb = tf_usb_context_get_default (&error);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (usb == NULL)
    g_error ("%s", error->message);
  while (g_get_monotonic_time () < deadline)
    {
      libusb_device **list = NULL;
      ssize_t n = libusb_get_device_list (tf_usb_context_get_libusb (usb), &list);
      gboolean found = FALSE;
      for (ssize_t i = 0; i < n && !found; i++)
        {
          struct libusb_device_descriptor d;
          found = libusb_get_device_descriptor (list[i], &d) == 0 && d.idVendor == vid
                  && d.idProduct == pid;
        }
      if (n >= 0)
        libusb_free_device_list (list, 1);
      if (found)
        return;
      g_usleep (1000);
    }
  g_error ("no DFU-mode device %04x:%04x after dfu-enter", vid, pid);
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  char *error;
  gint64 verify_start;
} Run;

static void
on_progress (TfFlasher *f, guint64 done, guint64 total, const char *phase, Run *run)
{
  if (g_strcmp0 (phase, "verify") == 0 && run->verify_start == 0)
    run->verify_start = g_get_monotonic_time ();
}

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

static int
run_child (const char *socket, guint runs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  g_autofree char *board_path = g_build_filename (TF_TESTS_BOARDS_DIR, "sim-l476-dfu.board", NULL);
  g_autofree guint8 *image = g_malloc (IMAGE_SIZE);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < IMAGE_SIZE; i++)
    image[i] = (guint8)g_rand_int (rand);
  type = tf_board_type_load (board_path, &error);
  if (type == NULL)
    g_error ("%s", error->message);
  tf_flasher_register_builtin ();
  flasher = tf_flasher_new_for_type (type, &error);
  if (flasher == NULL)
    g_error ("%s", error->message);
  for (guint n = 0; n < runs; n++)
    {
      g_autofree char *entered = tf_sim_client_request_or_die (socket, "dfu-enter dfu1");
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      TfFlashJob job = { 0 };
      Run run = { 0 };
      gint64 t0, t1;
      double wall, limit;

      if (!g_str_equal (entered, "ok"))
        g_error ("dfu-enter: %s", entered);
      wait_for_bootloader (0x0483, 0xdf11);
      before = tf_sim_client_request_or_die (socket, "dfu dfu1");

      job.board = "sim1";
      job.type = type;
      job.data = g_bytes_new_static (image, IMAGE_SIZE);
      run.loop = g_main_loop_new (NULL, FALSE);
      g_signal_connect (flasher, "progress", G_CALLBACK (on_progress), &run);
      t0 = g_get_monotonic_time ();
      tf_flasher_flash_async (flasher, &job, NULL, on_done, &run);
      g_main_loop_run (run.loop);
      t1 = g_get_monotonic_time ();
      g_signal_handlers_disconnect_by_data (flasher, &run);
      g_bytes_unref (job.data);
      g_main_loop_unref (run.loop);
      if (!run.ok)
        {
          g_printerr ("flash failed: %s\n", run.error);
          return 1;
        }
      after = tf_sim_client_request_or_die (socket, "dfu dfu1");
      wall = (t1 - t0) / 1e3;
      limit = (double)(field (after, "demanded-ms") - field (before, "demanded-ms"));
      printf ("run %u: %u KiB erased+written+verified in %.0f ms (download %.0f ms, verify "
              "%.0f ms); the device demanded %.0f ms of waits: %.1f%% over that limit; "
              "%" G_GUINT64_FORMAT " early polls\n",
              n + 1, IMAGE_SIZE / 1024, wall, (run.verify_start - t0) / 1e3,
              (t1 - run.verify_start) / 1e3, limit, 100.0 * (wall - limit) / limit,
              field (after, "early-polls") - field (before, "early-polls"));
      g_free (run.error);
    }
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *sim = NULL, *sock = NULL, *self = NULL;
  g_autoptr (GError) error = NULL;
  const char *runs = argc > 1 ? argv[1] : "3";
  int status = 0;

  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], (guint)g_ascii_strtoull (argv[3], NULL, 10));
  dir = g_dir_make_tmp ("bench-dfu-XXXXXX", NULL);
  sim = g_build_filename (dir, "lab.sim", NULL);
  sock = g_build_filename (dir, "control", NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);
  g_file_set_contents (sim, SIM, -1, NULL);
  printf ("bench-dfu: %u KiB over emulated DfuSe, poll timeout 5 ms, 2 ms a block\n",
          IMAGE_SIZE / 1024);
  fflush (stdout);
  {
    const char *child[] = { TF_SIMLAB_PATH, "--sim",   sim,  "--control", sock, "--",
                            self,           "--child", sock, runs,        NULL };
    if (!g_spawn_sync (NULL, (char **)child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                       NULL, &status, &error))
      g_error ("%s", error->message);
  }
  g_unlink (sim);
  g_rmdir (dir);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}
