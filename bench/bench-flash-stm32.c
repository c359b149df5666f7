/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): testfestd's stm32-uart flasher against stm32flash (-w IMG -v) on
 * the same emulated link: a simulated STM32L476's AN3155 bootloader behind an FT232R
 * (ftdi_sio, latency timer 16 ms after enumeration, which stm32flash leaves alone), paced
 * at 115200 baud 8E1. The image is a realistic one: 64 KiB of code, 64 KiB blank, 32 KiB
 * of data, blank to the end of a 256 KiB span. Runs alternate (ours, stm32flash, ...);
 * each is checked against the emulated flash; medians and their ratio are printed.
 *   bench-flash-stm32 [ROUNDS [cp210x]]      (default 3, ft232r)
 * cp210x: a CP2102 instead (no latency timer; 1 ms a reply for both tools), which leaves
 * only what the protocol use costs. It runs itself inside tf-simlab. */
#define G_LOG_DOMAIN "bench"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-sim-client.h"

#define BAUD "115200"
#define SPAN (256 * 1024)

static const char *sim_ft232r
    = "[lab]\nnetwork = none\n\n"
      "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyUSB0\nusb-path = 1-1\n"
      "vid = 0403\npid = 6001\nserial = BENCH0001\npower = always\nboot-ms = 10\n"
      "pace-bytes = true\n";
static const char *sim_cp210x
    = "[lab]\nnetwork = none\n\n"
      "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyUSB0\nusb-path = 1-1\n"
      "vid = 10c4\npid = ea60\nserial = BENCH0001\npower = always\nboot-ms = 10\n"
      "pace-bytes = true\nadapter-latency-ms = 1\n";

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

static GBytes *
make_image (void)
{
  guint8 *data = g_malloc (SPAN);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  memset (data, 0xFF, SPAN);
  for (guint i = 0; i < 64 * 1024; i++)
    data[i] = (guint8)g_rand_int (rand);
  for (guint i = 128 * 1024; i < 160 * 1024; i++)
    data[i] = (guint8)g_rand_int (rand);
  return g_bytes_new_take (data, SPAN);
}

static void
check_flash (const char *socket, GBytes *image)
{
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, image);
  g_autofree char *expect = g_strdup_printf ("ok sha256=%s", sha);
  g_autofree char *req = g_strdup_printf ("flash-read sim1 0x08000000 %u", SPAN);
  g_autofree char *reply = tf_sim_client_request_or_die (socket, req);
  if (!g_str_equal (reply, expect))
    g_error ("the flash does not hold the image: %s", reply);
  /* the next run starts from other contents: nothing is skipped for being there already */
  g_free (tf_sim_client_request_or_die (socket, "flash-erase sim1"));
}

static double
run_ours (const char *socket, TfBoardType *type, GBytes *image)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfFlasher) flasher = tf_flasher_new_for_type (type, &error);
  TfFlashJob job = { 0 };
  Run run = { g_main_loop_new (NULL, FALSE), FALSE, NULL };
  gint64 t0;

  if (flasher == NULL)
    g_error ("%s", error->message);
  g_free (tf_sim_client_request_or_die (socket, "reset sim1 bootloader"));
  job.board = "sim1";
  job.type = type;
  job.port = "/dev/ttyUSB0";
  job.data = image;
  job.lab_entered_bootloader = TRUE;
  t0 = g_get_monotonic_time ();
  tf_flasher_flash_async (flasher, &job, NULL, on_done, &run);
  g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);
  if (!run.ok)
    g_error ("flash failed: %s", run.error);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static double
run_stm32flash (const char *socket, const char *path)
{
  const char *argv[] = { "stm32flash", "-b", BAUD, "-w", path, "-v", "/dev/ttyUSB0", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;
  gint64 t0;

  g_free (tf_sim_client_request_or_die (socket, "reset sim1 bootloader"));
  t0 = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, &error))
    g_error ("%s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("stm32flash: %s\n%s", error->message, out);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *a)
{
  g_array_sort (a, cmp_double);
  if (a->len % 2 == 1)
    return g_array_index (a, double, a->len / 2);
  return (g_array_index (a, double, a->len / 2 - 1) + g_array_index (a, double, a->len / 2)) / 2;
}

static int
run_child (const char *socket, guint rounds, const char *dir, const char *adapter)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *board_path = g_build_filename (TF_BOARDS_DIR, "sim-l476.board", NULL);
  g_autofree char *path = g_build_filename (dir, "image.bin", NULL);
  g_autoptr (TfBoardType) type = tf_board_type_load (board_path, &error);
  g_autoptr (GBytes) image = make_image ();
  g_autoptr (GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) theirs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *version = NULL;
  double m_ours, m_theirs;

  if (type == NULL)
    g_error ("%s", error->message);
  tf_flasher_register_builtin ();
  if (!g_file_set_contents (path, g_bytes_get_data (image, NULL), SPAN, &error))
    g_error ("%s", error->message);
  {
    const char *query[] = { "dpkg-query", "-W", "-f=${Version}", "stm32flash", NULL };
    g_spawn_sync (NULL, (char **)query, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, &version, NULL, NULL, NULL);
  }
  printf ("image: 64 KiB code, 64 KiB blank, 32 KiB data, blank to %u KiB; " BAUD
          " 8E1 paced; %s; stm32flash %s\n",
          SPAN / 1024,
          g_str_equal (adapter, "cp210x") ? "CP2102 (1 ms a reply)"
                                          : "FT232R (latency timer 16 ms)",
          version != NULL && *version ? version : "(version unknown)");
  for (guint i = 0; i < rounds; i++)
    {
      double a = run_ours (socket, type, image), b;
      check_flash (socket, image);
      b = run_stm32flash (socket, path);
      check_flash (socket, image);
      g_array_append_val (ours, a);
      g_array_append_val (theirs, b);
      printf ("round %u: stm32-uart %.2f s, stm32flash %.2f s (%.2fx)\n", i + 1, a, b, a / b);
      fflush (stdout);
    }
  m_ours = median (ours);
  m_theirs = median (theirs);
  printf ("median of %u: stm32-uart %.2f s, stm32flash -w -v %.2f s: %.2fx\n", rounds, m_ours,
          m_theirs, m_ours / m_theirs);
  g_unlink (path);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *sim = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *self = NULL;
  g_autofree char *rounds = NULL;
  const char *adapter;
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (argc == 6 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], (guint)g_ascii_strtoull (argv[3], NULL, 10), argv[4], argv[5]);
  rounds = g_strdup (argc > 1 ? argv[1] : "3");
  adapter = argc > 2 && g_str_equal (argv[2], "cp210x") ? "cp210x" : "ft232r";
  dir = g_dir_make_tmp ("bench-flash-XXXXXX", NULL);
  sim = g_build_filename (dir, "lab.sim", NULL);
  sock = g_build_filename (dir, "control", NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);
  g_file_set_contents (sim, g_str_equal (adapter, "cp210x") ? sim_cp210x : sim_ft232r, -1, NULL);
  {
    /* --modem-lines preload: the emulation's cost per tty read and write is lowest */
    const char *child[] = { TF_SIMLAB_PATH, "--modem-lines", "preload", "--sim", sim, "--control",
                            sock, "--", self, "--child", sock, rounds, dir, adapter, NULL };
    fflush (stdout);
    if (!g_spawn_sync (NULL, (char **)child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                       NULL, &status, &error))
      g_error ("%s", error->message);
  }
  g_unlink (sim);
  g_rmdir (dir);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}
