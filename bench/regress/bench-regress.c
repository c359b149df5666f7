/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): the regression queue on N simulated boards
 * (default 200) under tf-simlab, a real mosquitto on loopback, J jobs of one
 * short case each (default 1000, a script that sleeps S seconds, default 3),
 * handed in as CI does (testfestctl regress submit, 100 jobs per run).
 *   - throughput: jobs per minute, against the ideal (the sum of the jobs'
 *     durations from the store, spread over N boards; target >= 0.9)
 *   - scheduling latency: a board becoming free -> its next job started
 *     (the daemon's own measure, regress-status)
 *   - daemon CPU while the queue runs
 * Usage: bench-regress [N] [J] [S] */
#include "config.h"

#include "tf-test-host.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tf-bus.h"

#define JOBS_PER_RUN 100

typedef struct
{
  char *status; /* the retained regress/status */
} Watch;

static void
on_message (TfBus *bus, const TfBusMessage *m, Watch *w)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (m->payload, &len);
  if (g_str_has_suffix (m->topic, "/regress/status"))
    {
      g_free (w->status);
      w->status = g_strndup (data, len);
    }
}

static guint64
cpu_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  char *p;
  if (g_file_get_contents (path, &stat, NULL, NULL) && (p = strrchr (stat, ')')) != NULL)
    {
      g_auto (GStrv) f = g_strsplit (p + 2, " ", -1);
      return g_ascii_strtoull (f[11], NULL, 10) + g_ascii_strtoull (f[12], NULL, 10);
    }
  return 0;
}

static gint64
json_int (const char *json, const char *key)
{
  g_autofree char *needle = g_strdup_printf ("\"%s\":", key);
  const char *p = json ? strstr (json, needle) : NULL;
  return p ? g_ascii_strtoll (p + strlen (needle), NULL, 10) : -1;
}

static void
ctl (const char *build, const char *lab, const char *plan, const char *image)
{
  g_autofree char *exe = g_build_filename (build, "controller", "testfestctl", NULL);
  const char *argv[]
      = { exe, "--config", lab, "regress", "submit", "--plan", plan, "--image", image, NULL };
  g_autofree char *out = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                     &status, &error)
      || !g_spawn_check_wait_status (status, NULL))
    g_error ("regress submit failed: %s", error ? error->message : out);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? atoi (argv[1]) : 200;
  guint jobs = argc > 2 ? atoi (argv[2]) : 1000;
  double secs = argc > 3 ? g_ascii_strtod (argv[3], NULL) : 3;
  const char *build = g_getenv ("TF_BUILD_ROOT") ? g_getenv ("TF_BUILD_ROOT") : "build";
  const char *src = g_getenv ("TF_SOURCE_ROOT") ? g_getenv ("TF_SOURCE_ROOT") : ".";
  g_autofree char *dir = g_dir_make_tmp ("tf-bench-regress-XXXXXX", NULL);
  g_autofree char *sim = g_build_filename (dir, "lab.sim", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *junk = g_build_filename (dir, "generated.lab", NULL);
  g_autofree char *mconf = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *sock = g_build_filename (dir, "simlab.sock", NULL);
  g_autofree char *flashed = g_build_filename (dir, "flashed", NULL);
  g_autofree char *script = g_build_filename (dir, "job.sh", NULL);
  g_autofree char *plan = g_build_filename (dir, "bench.plan", NULL);
  g_autofree char *image = g_build_filename (dir, "fw.bin", NULL);
  g_autofree char *simlab = g_build_filename (build, "fixtures", "tf-simlab", NULL);
  g_autofree char *daemon = g_build_filename (build, "controller", "testfestd", NULL);
  g_autofree char *dlog = g_build_filename (dir, "testfestd.log", NULL);
  g_autofree char *db_path = g_build_filename (dir, "state", "testfest.db", NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) broker = NULL, lab_proc = NULL, d = NULL;
  g_autoptr (GSubprocessLauncher) l = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *line = NULL, *preload = NULL, *nstr = g_strdup_printf ("%u", n);
  g_autoptr (TfBus) bus = NULL;
  guint16 port = tf_test_free_port ();
  guint relays = (n + 7) / 8;
  Watch w = { 0 };
  TfBusOptions bo = { .host = "127.0.0.1", .port = port, .client_id = "bench", .keepalive_s = 60 };
  const char *gen_argv[]
      = { simlab, "--generate", nstr, "--sim-out", sim, "--lab-out", junk, NULL };
  guint64 tk0, tk1;
  gint64 t0, t1, deadline;
  GPid pid;

  if (!g_spawn_sync (NULL, (char **)gen_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL,
                     &error))
    g_error ("%s", error->message);
  /* boards flashed by a command (tests/boards/sim-l476-cmd.board): fast, real flashes */
  g_string_append_printf (text,
                          "[lab]\nname = bench\nhost = bench\nstate-dir = %s/state\n"
                          "boards-dir = %s/boards;%s/tests/boards\n[broker]\nport = %u\n",
                          dir, src, src, port);
  for (guint r = 1; r <= relays; r++)
    g_string_append_printf (text,
                            "[switch relay%u]\ntype = lcus-relay\ndevice = /dev/ttyUSB%u\n"
                            "channels = 8\noff-time-ms = 100\n",
                            r, r - 1);
  for (guint i = 1; i <= n; i++)
    g_string_append_printf (text,
                            "[board sim%u]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM%u\n"
                            "power = relay%u:%u\n",
                            i, i - 1, (i + 7) / 8, (i - 1) % 8 + 1);
  g_file_set_contents (lab, text->str, -1, NULL);
  g_mkdir (flashed, 0755);
  {
    g_autofree char *s = g_strdup_printf ("#!/bin/sh\nsleep %.3f\nexit 0\n", secs);
    g_autoptr (GString) p = g_string_new ("[plan]\nname = bench\nboard-types = sim-l476-cmd\n"
                                          "budget-minutes = 120\nsuites = ");
    g_file_set_contents (script, s, -1, NULL);
    g_chmod (script, 0755);
    g_file_set_contents (image, "BENCH FIRMWARE 1.0\n", -1, NULL);
    for (guint i = 1; i <= JOBS_PER_RUN; i++)
      g_string_append_printf (p, "%ss%u", i > 1 ? ";" : "", i);
    g_string_append (p, "\n");
    for (guint i = 1; i <= JOBS_PER_RUN; i++)
      g_string_append_printf (p, "[suite s%u]\nscripts = job.sh\n", i);
    g_file_set_contents (plan, p->str, -1, NULL);
  }
  {
    g_autofree char *m = g_strdup_printf ("listener %u 127.0.0.1\nallow_anonymous true\n"
                                          "persistence false\nmax_queued_messages 100000\n",
                                          port);
    g_file_set_contents (mconf, m, -1, NULL);
  }
  broker = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "mosquitto", "-c", mconf,
                             NULL);
  g_assert_no_error (error);
  g_usleep (300 * 1000);
  l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                 | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  lab_proc = g_subprocess_launcher_spawn (l, &error, simlab, "--sim", sim, "--control", sock,
                                          "--modem-lines", "preload", NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (lab_proc));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "UMOCKDEV_DIR="))
    g_error ("tf-simlab did not start");
  preload = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  if (preload == NULL || !g_str_has_prefix (preload, "LD_PRELOAD="))
    g_error ("tf-simlab printed no LD_PRELOAD line");
  bus = tf_bus_new (&bo, &error);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &w);
  tf_bus_subscribe (bus, "tf/bench/regress/status");
  tf_bus_start (bus);

  g_clear_object (&l);
  l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (l, "LD_PRELOAD", preload + strlen ("LD_PRELOAD="), TRUE);
  g_subprocess_launcher_setenv (l, "UMOCKDEV_DIR", line + strlen ("UMOCKDEV_DIR="), TRUE);
  g_subprocess_launcher_setenv (l, "TF_FLASH_OUT", flashed, TRUE);
  g_subprocess_launcher_setenv (l, "TF_SOURCE_ROOT", src, TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, dlog);
  g_subprocess_launcher_set_stderr_file_path (l, dlog);
  d = g_subprocess_launcher_spawn (l, &error, daemon, "--config", lab, NULL);
  g_assert_no_error (error);
  pid = atoi (g_subprocess_get_identifier (d));
  /* every board up (the daemon answers once its lab runs) */
  deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  while (w.status == NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  g_usleep (5 * G_USEC_PER_SEC);

  tk0 = cpu_ticks (pid);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < (jobs + JOBS_PER_RUN - 1) / JOBS_PER_RUN; i++)
    ctl (build, lab, plan, image);
  deadline = g_get_monotonic_time () + (gint64)3600 * G_USEC_PER_SEC;
  g_free (w.status);
  w.status = NULL;
  /* until nothing is queued or running */
  while (g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
      if (w.status != NULL && json_int (w.status, "queued") == 0
          && json_int (w.status, "running") == 0
          && json_int (w.status, "jobs-started") >= (gint64)jobs)
        break;
    }
  t1 = g_get_monotonic_time ();
  tk1 = cpu_ticks (pid);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double sum_s = 0, span_s = 0, busy_case_s = 0;
    gint64 done = 0, passed = 0;
    g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_prepare_v2 (db,
                        "SELECT count(*), sum(state = 'passed'), sum(ended - started) / 1e6,"
                        " (max(ended) - min(started)) / 1e6 FROM regress_job",
                        -1, &st, NULL);
    if (sqlite3_step (st) == SQLITE_ROW)
      {
        done = sqlite3_column_int64 (st, 0);
        passed = sqlite3_column_int64 (st, 1);
        sum_s = sqlite3_column_double (st, 2);
        span_s = sqlite3_column_double (st, 3);
      }
    sqlite3_finalize (st);
    sqlite3_prepare_v2 (db, "SELECT sum(ended - started) / 1e6 FROM regress_case", -1, &st, NULL);
    if (sqlite3_step (st) == SQLITE_ROW)
      busy_case_s = sqlite3_column_double (st, 0);
    sqlite3_finalize (st);
    sqlite3_close (db);
    printf ("boards                           %u (sim-l476-cmd under tf-simlab)\n", n);
    printf ("jobs                             %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
            " passed), one case of %.1f s each\n",
            done, passed, secs);
    printf ("submit -> queue empty            %.1f s\n", (t1 - t0) / 1e6);
    printf ("first start -> last end          %.1f s\n", span_s);
    printf ("ideal (sum of job durations / N) %.1f s  -> efficiency %.3f\n", sum_s / n,
            span_s > 0 ? sum_s / n / span_s : 0);
    printf ("ideal (sum of case times / N)    %.1f s  -> efficiency %.3f\n", busy_case_s / n,
            span_s > 0 ? busy_case_s / n / span_s : 0);
    printf ("jobs per minute                  %.0f (ideal by case time %.0f)\n",
            span_s > 0 ? done * 60 / span_s : 0,
            busy_case_s > 0 ? done * 60 / (busy_case_s / n) : 0);
    printf ("scheduling latency               mean %.1f ms, max %.1f ms (board free -> next job)\n",
            json_int (w.status, "latency-mean-us") / 1e3,
            json_int (w.status, "latency-max-us") / 1e3);
    printf ("daemon CPU while the queue ran   %.1f s over %.1f s (%.1f%% of one core)\n",
            (tk1 - tk0) / (double)sysconf (_SC_CLK_TCK), (t1 - t0) / 1e6,
            100.0 * (tk1 - tk0) / sysconf (_SC_CLK_TCK) / ((t1 - t0) / 1e6));
  }
  g_subprocess_send_signal (d, SIGTERM);
  g_subprocess_wait (d, NULL, NULL);
  g_subprocess_send_signal (lab_proc, SIGTERM);
  g_subprocess_wait (lab_proc, NULL, NULL);
  g_subprocess_send_signal (broker, SIGTERM);
  g_subprocess_wait (broker, NULL, NULL);
  tf_test_rm_rf (dir);
  return 0;
}
