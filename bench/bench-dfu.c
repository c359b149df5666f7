/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): testfestd's DFU flasher against dfu-util, side by side on the
 * same emulated device (an STM32L476's ROM DfuSe bootloader, tf-simlab) and the same
 * 256 KiB image, runs alternating which goes first. Ours erases, writes, verifies by
 * UPLOAD and leaves; dfu-util does the same job with its defaults as two invocations:
 * `-a 0 -s 0x08000000 -D IMG`, then `-a 0 -s 0x08000000:262144:leave -U OUT` (OUT is
 * compared with the image afterwards, outside the timing). The device demands a 5 ms
 * poll timeout after every block and command (block-ms 2) and, for erases, 5 ms or
 * with --chip-erase the chip's page erase time (22 ms). Each run starts with BOOT0 and a
 * reset, outside the timing: the previous run's leave sent the part into its firmware.
 * Also measured: a usbfs control request through umockdev alone (raw SUBMITURB and
 * REAPURBNDELAY ioctls), against one of our flasher's UPLOADs (libusb and GLib included).
 *   bench-dfu [RUNS] [--chip-erase] [--gaps]   (default 5; --gaps: 96 KiB of code, the
 *   rest of the 256 KiB blank) -- runs itself inside tf-simlab */
#define G_LOG_DOMAIN "bench"

#include <gio/gio.h>
#define G_LOG_DOMAIN "bench"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-sim-client.h"
#include "tf-usb-context.h"

#include <libusb.h>

#define IMAGE_SIZE (256 * 1024)
#define GAPS_CODE (96 * 1024)
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

/* The bootloader's arrival is seen by libusb's own hot-plug thread: look until it is there.
 * Returns its device number. */
static guint8
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
      guint8 found = 0;
      for (ssize_t i = 0; i < n && found == 0; i++)
        {
          struct libusb_device_descriptor d;
          if (libusb_get_device_descriptor (list[i], &d) == 0 && d.idVendor == vid
              && d.idProduct == pid)
            found = libusb_get_device_address (list[i]);
        }
      if (n >= 0)
        libusb_free_device_list (list, 1);
      if (found != 0)
        return found;
      g_usleep (1000);
    }
  g_error ("no DFU-mode device %04x:%04x after dfu-enter", vid, pid);
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  char *error;
  gint64 verify_start, verify_end; /* the first and the last UPLOAD's completion */
} Run;

static void
on_progress (TfFlasher *f, guint64 done, guint64 total, const char *phase, Run *run)
{
  if (g_strcmp0 (phase, "verify") != 0)
    return;
  if (run->verify_start == 0)
    run->verify_start = g_get_monotonic_time ();
  if (done == total)
    run->verify_end = g_get_monotonic_time ();
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
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, cmp_double);
  return g_array_index (values, double, values->len / 2);
}

/* One UPLOAD of 2048 bytes (what our verify sends) through umockdev alone, in us: the raw
 * usbfs ioctls, no libusb, no main loop; the median of @n. @drain: one more reap that
 * finds nothing, as libusb does after every completion. An ABORT ends the upload. */
static double
raw_request_us (guint8 devnum, guint n, gboolean drain)
{
  g_autofree char *node = g_strdup_printf ("/dev/bus/usb/001/%03u", devnum);
  g_autoptr (GArray) us = g_array_new (FALSE, FALSE, sizeof (double));
  int fd = open (node, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    g_error ("%s: %s", node, g_strerror (errno));
  for (guint i = 0; i < n; i++)
    {
      guint8 buf[8 + 2048] = { 0xa1, 2, 2, 0, 0, 0, 0x00, 0x08 };
      struct usbdevfs_urb urb = { 0 }, *done = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double v;
      urb.type = USBDEVFS_URB_TYPE_CONTROL;
      urb.endpoint = 0x80;
      urb.buffer = buf;
      urb.buffer_length = sizeof buf;
      if (ioctl (fd, USBDEVFS_SUBMITURB, &urb) < 0)
        g_error ("SUBMITURB: %s", g_strerror (errno));
      while (ioctl (fd, USBDEVFS_REAPURBNDELAY, &done) < 0)
        if (errno != EAGAIN)
          g_error ("REAPURBNDELAY: %s", g_strerror (errno));
      /* libusb reaps until EAGAIN after each completion: one more round trip */
      if (drain && ioctl (fd, USBDEVFS_REAPURBNDELAY, &done) == 0)
        g_error ("REAPURBNDELAY: a second URB");
      v = (double)(g_get_monotonic_time () - t0);
      g_array_append_val (us, v);
    }
  {
    guint8 abort[8] = { 0x21, 6, 0, 0, 0, 0, 0, 0 };
    struct usbdevfs_urb urb = { 0 }, *done = NULL;
    urb.type = USBDEVFS_URB_TYPE_CONTROL;
    urb.buffer = abort;
    urb.buffer_length = sizeof abort;
    if (ioctl (fd, USBDEVFS_SUBMITURB, &urb) < 0)
      g_error ("SUBMITURB: %s", g_strerror (errno));
    while (ioctl (fd, USBDEVFS_REAPURBNDELAY, &done) < 0)
      if (errno != EAGAIN)
        g_error ("REAPURBNDELAY: %s", g_strerror (errno));
  }
  close (fd);
  return median (us);
}

/* testfestd's flasher: erase, write, verify by UPLOAD, leave. Wall ms; the verify's. */
static double
run_ours (TfFlasher *flasher, TfBoardType *type, GBytes *image, double *verify_ms)
{
  TfFlashJob job = { 0 };
  Run run = { 0 };
  gint64 t0, t1;

  job.board = "sim1";
  job.type = type;
  job.data = image;
  run.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (flasher, "progress", G_CALLBACK (on_progress), &run);
  t0 = g_get_monotonic_time ();
  tf_flasher_flash_async (flasher, &job, NULL, on_done, &run);
  g_main_loop_run (run.loop);
  t1 = g_get_monotonic_time ();
  g_signal_handlers_disconnect_by_data (flasher, &run);
  g_main_loop_unref (run.loop);
  if (!run.ok)
    g_error ("flash failed: %s", run.error);
  /* between the first UPLOAD's completion and the last's: the others, back to back */
  *verify_ms = (run.verify_end - run.verify_start) / 1e3;
  return (t1 - t0) / 1e3;
}

static void
spawn_or_die (const char *dir, const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  if (!g_spawn_sync (dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
}

/* dfu-util with its defaults: download, then upload (the same verify) with the leave. */
static double
run_dfu_util (const char *dir, GBytes *image)
{
  const char *down[] = { "dfu-util", "-a", "0", "-s", "0x08000000", "-D", "image.bin", NULL };
  const char *up[]
      = { "dfu-util", "-a", "0", "-s", "0x08000000:262144:leave", "-U", "upload.bin", NULL };
  g_autofree char *path = g_build_filename (dir, "upload.bin", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  gint64 t0, t1;

  g_unlink (path);
  t0 = g_get_monotonic_time ();
  spawn_or_die (dir, down);
  spawn_or_die (dir, up);
  t1 = g_get_monotonic_time ();
  /* the verify dfu-util leaves to its user */
  if (!g_file_get_contents (path, &data, &len, NULL) || len != g_bytes_get_size (image)
      || memcmp (data, g_bytes_get_data (image, NULL), len) != 0)
    g_error ("dfu-util's upload differs from the image");
  return (t1 - t0) / 1e3;
}

static int
run_child (const char *socket, const char *dir, guint runs, gboolean gaps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  g_autofree char *board_path = g_build_filename (TF_TESTS_BOARDS_DIR, "sim-l476-dfu.board", NULL);
  g_autofree char *image_path = g_build_filename (dir, "image.bin", NULL);
  g_autofree guint8 *data = g_malloc (IMAGE_SIZE);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (GBytes) image = NULL;
  g_autoptr (GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) theirs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) upload_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) raw_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) drain_us = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 demanded = 0;

  for (guint i = 0; i < IMAGE_SIZE; i++)
    data[i] = gaps && i >= GAPS_CODE ? 0xff : (guint8)g_rand_int (rand);
  image = g_bytes_new_take (g_steal_pointer (&data), IMAGE_SIZE);
  if (!g_file_set_contents (image_path, g_bytes_get_data (image, NULL), IMAGE_SIZE, &error))
    g_error ("%s", error->message);
  type = tf_board_type_load (board_path, &error);
  if (type == NULL)
    g_error ("%s", error->message);
  tf_flasher_register_builtin ();
  flasher = tf_flasher_new_for_type (type, &error);
  if (flasher == NULL)
    g_error ("%s", error->message);
  for (guint n = 0; n < runs; n++)
    {
      /* alternate which goes first: neither always meets a fresher machine */
      for (guint k = 0; k < 2; k++)
        {
          gboolean dfu_util = (n + k) % 2 == 1;
          g_autofree char *entered = tf_sim_client_request_or_die (socket, "dfu-enter dfu1");
          g_autofree char *before = NULL, *after = NULL;
          guint8 devnum;
          double ms, verify_ms = 0, raw;

          if (!g_str_equal (entered, "ok"))
            g_error ("dfu-enter: %s", entered);
          devnum = wait_for_bootloader (0x0483, 0xdf11);
          if (!dfu_util)
            {
              raw = raw_request_us (devnum, 200, FALSE);
              g_array_append_val (raw_us, raw);
              raw = raw_request_us (devnum, 200, TRUE);
              g_array_append_val (drain_us, raw);
            }
          before = tf_sim_client_request_or_die (socket, "dfu dfu1");
          ms = dfu_util ? run_dfu_util (dir, image) : run_ours (flasher, type, image, &verify_ms);
          after = tf_sim_client_request_or_die (socket, "dfu dfu1");
          if (strstr (after, "mode=firmware") == NULL)
            g_error ("the part did not leave for its firmware: %s", after);
          g_array_append_val (dfu_util ? theirs : ours, ms);
          printf ("run %u %-9s %7.0f ms  demanded %4" G_GUINT64_FORMAT
                  " ms  early polls %" G_GUINT64_FORMAT "%s",
                  n + 1, dfu_util ? "dfu-util" : "testfest", ms,
                  field (after, "demanded-ms") - field (before, "demanded-ms"),
                  field (after, "early-polls") - field (before, "early-polls"),
                  dfu_util ? "\n" : "");
          if (!dfu_util)
            {
              /* the verify: UPLOADs back to back, each submitted from the last's callback */
              double per = verify_ms * 1000 / (IMAGE_SIZE / 2048 - 1);
              g_array_append_val (upload_us, per);
              printf ("  (verify %.0f ms: %.0f us a transfer)\n", verify_ms, per);
              demanded = field (after, "demanded-ms") - field (before, "demanded-ms");
            }
          fflush (stdout);
        }
    }
  {
    double o = median (ours), t = median (theirs), u = median (upload_us), w = median (raw_us);
    double d = median (drain_us);
    printf ("\nmedians of %u: testfest %.0f ms (the device demanded %" G_GUINT64_FORMAT
            " ms), dfu-util %.0f ms: %.2fx\n",
            runs, o, demanded, t, o / t);
    printf ("per UPLOAD of 2 KiB: umockdev, raw SUBMITURB + REAPURBNDELAY %.0f us, with "
            "libusb's extra empty reap %.0f us; ours (libusb, GLib, the flasher, back to back) "
            "%.0f us: the host's own share %.0f us\n",
            w, d, u, u - d);
  }
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *sim = NULL, *sock = NULL, *self = NULL, *text = NULL;
  g_autoptr (GError) error = NULL;
  const char *runs = "5";
  gboolean chip_erase = FALSE, gaps = FALSE;
  int status = 0;

  if (argc == 6 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], argv[3], (guint)g_ascii_strtoull (argv[4], NULL, 10),
                      g_str_equal (argv[5], "gaps"));
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--chip-erase"))
      chip_erase = TRUE;
    else if (g_str_equal (argv[i], "--gaps"))
      gaps = TRUE;
    else
      runs = argv[i];
  dir = g_dir_make_tmp ("bench-dfu-XXXXXX", NULL);
  sim = g_build_filename (dir, "lab.sim", NULL);
  sock = g_build_filename (dir, "control", NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);
  text = g_strdup_printf ("%s%s", SIM, chip_erase ? "" : "erase-ms = 5\n");
  g_file_set_contents (sim, text, -1, NULL);
  printf ("bench-dfu: %u KiB (%s) over an emulated STM32L476 ROM DfuSe bootloader; poll "
          "timeout 5 ms, 2 ms a block, erase %s\n",
          IMAGE_SIZE / 1024, gaps ? "96 KiB of code, the rest blank" : "no blank block",
          chip_erase ? "22 ms a page (the chip's)" : "5 ms a page");
  fflush (stdout);
  {
    const char *child[] = { TF_SIMLAB_PATH,
                            "--sim",
                            sim,
                            "--control",
                            sock,
                            "--",
                            self,
                            "--child",
                            sock,
                            dir,
                            runs,
                            gaps ? "gaps" : "random",
                            NULL };
    if (!g_spawn_sync (NULL, (char **)child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                       NULL, &status, &error))
      g_error ("%s", error->message);
  }
  g_unlink (sim);
  {
    g_autofree char *img = g_build_filename (dir, "image.bin", NULL);
    g_autofree char *up = g_build_filename (dir, "upload.bin", NULL);
    g_unlink (img);
    g_unlink (up);
  }
  g_rmdir (dir);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}
