/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): testfestd's stm32-uart flasher writes and verifies a
 * 256 KiB image into a simulated STM32L476 through its AN3155 bootloader, with
 * the link paced at 115200 baud 8E1 and an adapter latency of 1 ms and 16 ms.
 * Prints the wall time, the payload rate against the line limit (baud/11 B/s)
 * and against the protocol's own limit: the wire time of every byte both ways
 * plus one adapter latency per round trip that AN3155 requires.
 *   bench-flash-stm32 [LATENCY_MS...]      (default: 1 16)
 * It runs itself inside tf-simlab, once per latency. */
#define G_LOG_DOMAIN "bench"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-sim-client.h"

#define BAUD 115200
#define BITS 11 /* 8E1 */
#define IMAGE_SIZE (256 * 1024)
#define BLOCK 256
#define PAGE 2048
#define ERASE_CHUNK 64 /* as the flasher sends them */

#define SIM_FMT                                                                                    \
  "[lab]\nnetwork = none\n\n"                                                                      \
  "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM1\nusb-path = 1-1\n"             \
  "serial = BENCH0001\npower = always\nboot-ms = 10\npace-bytes = true\n"                          \
  "adapter-latency-ms = %u\n"

static guint
pages_erased (const char *socket)
{
  g_autofree char *info = tf_sim_client_request_or_die (socket, "flash-info sim1");
  guint64 n = 0;
  if (!tf_sim_client_field (info, "pages-erased", &n))
    g_error ("no pages-erased in '%s'", info);
  return (guint)n;
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  char *error;
  gint64 phase_start[3]; /* erase, write, verify */
} Run;

static void
on_progress (TfFlasher *f, guint64 done, guint64 total, const char *phase, Run *run)
{
  static const char *const phases[] = { "erase", "write", "verify" };
  for (guint i = 0; i < 3; i++)
    if (g_strcmp0 (phase, phases[i]) == 0 && run->phase_start[i] == 0)
      run->phase_start[i] = g_get_monotonic_time ();
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

/* AN3155 at this latency: every byte's wire time both ways, one latency per round trip. */
static double
protocol_limit_s (guint latency_ms, guint *round_trips)
{
  guint blocks = IMAGE_SIZE / BLOCK, pages = IMAGE_SIZE / PAGE;
  guint chunks = (pages + ERASE_CHUNK - 1) / ERASE_CHUNK;
  guint64 bytes = 0;
  guint rt = 0;

  bytes += 1 + 1, rt += 1;           /* 0x7F, ACK */
  bytes += 2 + 15, rt += 1;          /* GET: ACK N v 11 commands ACK */
  bytes += 2 + 5, rt += 1;           /* GET ID */
  for (guint c = 0; c < chunks; c++) /* EXTENDED ERASE: command; N, pages, checksum */
    {
      guint n = MIN (ERASE_CHUNK, pages - c * ERASE_CHUNK);
      bytes += 2 + 1 + 2 + 2 * n + 1 + 1, rt += 2;
    }
  bytes += (guint64)blocks * (2 + 1 + 5 + 1 + 1 + BLOCK + 1 + 1), rt += 3 * blocks; /* WRITE */
  bytes += (guint64)blocks * (2 + 1 + 5 + 1 + 2 + 1 + BLOCK), rt += 3 * blocks;     /* READ */
  *round_trips = rt;
  return (double)bytes * BITS / BAUD + rt * latency_ms / 1000.0;
}

static int
run_child (const char *socket, guint latency_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  g_autofree char *board_path = g_build_filename (TF_BOARDS_DIR, "sim-l476.board", NULL);
  g_autofree guint8 *image = g_malloc (IMAGE_SIZE);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  TfFlashJob job = { 0 };
  Run run = { 0 };
  guint before, after, rt;
  gint64 t0, t1;
  double wall, limit, line_rate = (double)BAUD / BITS;

  for (guint i = 0; i < IMAGE_SIZE; i++)
    image[i] = (guint8)g_rand_int (rand);
  type = tf_board_type_load (board_path, &error);
  if (type == NULL)
    g_error ("%s", error->message);
  tf_flasher_register_builtin ();
  flasher = tf_flasher_new_for_type (type, &error);
  if (flasher == NULL)
    g_error ("%s", error->message);
  g_free (tf_sim_client_request_or_die (socket, "reset sim1 bootloader"));
  before = pages_erased (socket);

  job.board = "sim1";
  job.type = type;
  job.port = "/dev/ttyACM1";
  job.data = g_bytes_new_static (image, IMAGE_SIZE);
  job.lab_entered_bootloader = TRUE;
  run.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (flasher, "progress", G_CALLBACK (on_progress), &run);
  t0 = g_get_monotonic_time ();
  tf_flasher_flash_async (flasher, &job, NULL, on_done, &run);
  g_main_loop_run (run.loop);
  t1 = g_get_monotonic_time ();
  g_bytes_unref (job.data);
  g_main_loop_unref (run.loop);
  if (!run.ok)
    {
      g_printerr ("flash failed: %s\n", run.error);
      return 1;
    }
  after = pages_erased (socket);
  wall = (t1 - t0) / 1e6;
  limit = protocol_limit_s (latency_ms, &rt);
  printf ("latency %2u ms: %u KiB written+verified in %.2f s (erase %.2f s, write %.2f s, verify "
          "%.2f s), %u pages erased\n",
          latency_ms, IMAGE_SIZE / 1024, wall, (run.phase_start[1] - t0) / 1e6,
          (run.phase_start[2] - run.phase_start[1]) / 1e6, (t1 - run.phase_start[2]) / 1e6,
          after - before);
  printf ("  payload %.0f B/s = %.1f%% of the 8E1 line limit (%.0f B/s)\n", IMAGE_SIZE / wall,
          100.0 * IMAGE_SIZE / wall / line_rate, line_rate);
  printf ("  protocol limit %.2f s (%u round trips): achieved %.1f%% of it\n", limit, rt,
          100.0 * limit / wall);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  int rc = 0;

  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], (guint)g_ascii_strtoull (argv[3], NULL, 10));

  if (argc == 1)
    {
      static char *defaults[] = { NULL, "1", "16" };
      argv = defaults;
      argc = 3;
    }
  dir = g_dir_make_tmp ("bench-flash-XXXXXX", NULL);
  printf ("bench-flash-stm32: %u KiB at %u baud 8E1, byte pacing on\n", IMAGE_SIZE / 1024, BAUD);
  for (int i = 1; i < argc; i++)
    {
      guint latency = (guint)g_ascii_strtoull (argv[i], NULL, 10);
      g_autofree char *sim = g_strdup_printf ("%s/lab-%u.sim", dir, latency);
      g_autofree char *sock = g_strdup_printf ("%s/control-%u", dir, latency);
      g_autofree char *text = g_strdup_printf (SIM_FMT, latency);
      g_autofree char *lat = g_strdup_printf ("%u", latency);
      /* --modem-lines preload: with umockdev's ioctl handler on the tty, umockdev also
       * forwards every read and write through its socket (~0.3 ms a round trip here),
       * which is the emulation's cost, not the link's */
      const char *child[]
          = { TF_SIMLAB_PATH, "--modem-lines",  "preload", "--sim", sim, "--control", sock,
              "--",           "/proc/self/exe", "--child", sock,    lat, NULL };
      g_autoptr (GError) error = NULL;
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      int status = 0;

      child[8] = self;
      g_file_set_contents (sim, text, -1, NULL);
      fflush (stdout);
      if (!g_spawn_sync (NULL, (char **)child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                         NULL, &status, &error))
        g_error ("%s", error->message);
      if (!g_spawn_check_wait_status (status, NULL))
        rc = 1;
      g_unlink (sim);
    }
  g_rmdir (dir);
  return rc;
}
