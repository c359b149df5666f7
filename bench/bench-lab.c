/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (not a test): one testfestd with N simulated boards (default 1000)
 * under tf-simlab and a real mosquitto on loopback.
 *   - time from start until every board's state is retained on the broker as ready
 *   - resident memory
 *   - CPU use and wake-ups (context switches of all its threads) over 10 idle s
 * Usage: bench-lab [N] [IDLE_SECONDS] */
#include "config.h"

#include "tf-test-host.h"

#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tf-bus.h"

typedef struct
{
  GHashTable *ready; /* board -> 1 once its retained state says ready */
  guint seen;
  GHashTable *any;
} Watch;

static void
on_message (TfBus *bus, const TfBusMessage *m, Watch *w)
{
  const char *id;
  gsize len = 0;
  const char *data = g_bytes_get_data (m->payload, &len);
  g_auto (GStrv) parts = g_strsplit (m->topic, "/", -1);
  if (g_strv_length (parts) != 5 || g_strcmp0 (parts[2], "board") != 0)
    return;
  id = parts[3];
  g_hash_table_add (w->any, g_strdup (id));
  if (g_strstr_len (data, len, "\"state\":\"ready\"") != NULL)
    g_hash_table_add (w->ready, g_strdup (id));
  else
    g_hash_table_remove (w->ready, id);
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* utime+stime (clock ticks) and context switches of every thread of @pid */
static void
proc_sample (GPid pid, guint64 *ticks, guint64 *switches, guint64 *rss_kb, guint64 *hwm_kb)
{
  g_autofree char *stat = NULL, *taskdir = g_strdup_printf ("/proc/%d/task", pid);
  g_autofree char *statpath = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *statuspath = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  g_autoptr (GDir) d = g_dir_open (taskdir, 0, NULL);
  const char *t;
  char *p;

  *ticks = *switches = 0;
  if (g_file_get_contents (statpath, &stat, NULL, NULL) && (p = strrchr (stat, ')')) != NULL)
    {
      g_auto (GStrv) f = g_strsplit (p + 2, " ", -1);
      *ticks = g_ascii_strtoull (f[11], NULL, 10) + g_ascii_strtoull (f[12], NULL, 10);
    }
  if (g_file_get_contents (statuspath, &status, NULL, NULL))
    {
      char *r = strstr (status, "VmRSS:"), *h = strstr (status, "VmHWM:");
      *rss_kb = r ? g_ascii_strtoull (r + 6, NULL, 10) : 0;
      *hwm_kb = h ? g_ascii_strtoull (h + 6, NULL, 10) : 0;
    }
  while (d != NULL && (t = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sp = g_strdup_printf ("%s/%s/status", taskdir, t);
      g_autofree char *s = NULL;
      if (!g_file_get_contents (sp, &s, NULL, NULL))
        continue;
      for (const char *key = "voluntary_ctxt_switches:"; key != NULL;
           key
           = g_str_equal (key, "voluntary_ctxt_switches:") ? "nonvoluntary_ctxt_switches:" : NULL)
        {
          char *v = strstr (s, key);
          /* "voluntary" is also inside "nonvoluntary": take the line start */
          while (v != NULL && v != s && v[-1] != '\n')
            v = strstr (v + 1, key);
          if (v != NULL)
            *switches += g_ascii_strtoull (v + strlen (key), NULL, 10);
        }
    }
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? atoi (argv[1]) : 1000;
  guint idle_s = argc > 2 ? atoi (argv[2]) : 10;
  /* absolute: the lab file's relative paths resolve against its own folder */
  const char *build = g_getenv ("TF_BUILD_ROOT") ? g_getenv ("TF_BUILD_ROOT") : TF_BENCH_BUILD_ROOT;
  const char *src
      = g_getenv ("TF_SOURCE_ROOT") ? g_getenv ("TF_SOURCE_ROOT") : TF_BENCH_SOURCE_ROOT;
  g_autofree char *dir = g_dir_make_tmp ("tf-bench-XXXXXX", NULL);
  g_autofree char *sim = g_build_filename (dir, "lab.sim", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *junk = g_build_filename (dir, "generated.lab", NULL);
  g_autofree char *mconf = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *sock = g_build_filename (dir, "simlab.sock", NULL);
  g_autofree char *simlab = g_build_filename (build, "fixtures", "tf-simlab", NULL);
  g_autofree char *daemon = g_build_filename (build, "controller", "testfestd", NULL);
  g_autofree char *boards = g_build_filename (src, "boards", NULL);
  g_autofree char *dlog = g_build_filename (dir, "testfestd.log", NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) broker = NULL, lab_proc = NULL, d = NULL;
  g_autoptr (GSubprocessLauncher) l = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *preload = NULL;
  g_autoptr (TfBus) bus = NULL;
  guint16 port = tf_test_free_port ();
  guint relays = (n + 7) / 8;
  Watch w = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0,
              g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  TfBusOptions bo = { .host = "127.0.0.1", .port = port, .client_id = "bench", .keepalive_s = 60 };
  gint64 t0, t_all_seen = 0, t_all_ready = 0, deadline;
  guint64 tk0, sw0, tk1, sw1, rss, hwm;
  const char *gen_argv[]
      = { simlab, "--generate", NULL, "--sim-out", sim, "--lab-out", junk, NULL };
  g_autofree char *nstr = g_strdup_printf ("%u", n);

  gen_argv[2] = nstr;
  if (!g_path_is_absolute (build) || !g_path_is_absolute (src))
    g_error ("TF_BUILD_ROOT and TF_SOURCE_ROOT must be absolute paths");
  if (!g_spawn_sync (NULL, (char **)gen_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL,
                     &error))
    g_error ("%s", error->message);
  /* the lab file for the same numbering: board i on ttyACM(i-1), relay ceil(i/8) */
  g_string_append_printf (text,
                          "[lab]\nname = bench\nhost = bench\nstate-dir = %s/state\n"
                          "boards-dir = %s\n[broker]\nport = %u\n",
                          dir, boards, port);
  for (guint r = 1; r <= relays; r++)
    g_string_append_printf (text,
                            "[switch relay%u]\ntype = lcus-relay\ndevice = /dev/ttyUSB%u\n"
                            "channels = 8\noff-time-ms = 100\n",
                            r, r - 1);
  for (guint i = 1; i <= n; i++)
    g_string_append_printf (text,
                            "[board sim%u]\ntype = sim-l476\nconsole = /dev/ttyACM%u\n"
                            "power = relay%u:%u\n",
                            i, i - 1, (i + 7) / 8, (i - 1) % 8 + 1);
  g_file_set_contents (lab, text->str, -1, NULL);
  {
    /* user root: dropping privileges would clear PR_SET_PDEATHSIG */
    g_autofree char *m = g_strdup_printf ("listener %u 127.0.0.1\nallow_anonymous true\n"
                                          "persistence false\nmax_queued_messages 100000\n"
                                          "user root\n",
                                          port);
    g_file_set_contents (mconf, m, -1, NULL);
  }
  /* every child dies with the benchmark (PR_SET_PDEATHSIG) and the
   * benchmark stops as soon as one of them dies */
  l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  broker = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", mconf, NULL);
  g_assert_no_error (error);
  tf_test_watch_child (broker, "mosquitto", NULL);
  g_clear_object (&l);
  g_usleep (300 * 1000);

  l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* past umockdev's 50 open devices per process, tf-simlab answers the modem
   * lines from its own preload; it prints the LD_PRELOAD to join with */
  lab_proc = g_subprocess_launcher_spawn (l, &error, simlab, "--sim", sim, "--control", sock,
                                          "--modem-lines", "preload", NULL);
  g_assert_no_error (error);
  tf_test_watch_child (lab_proc, "tf-simlab", NULL);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (lab_proc));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "UMOCKDEV_DIR="))
    g_error ("tf-simlab did not start: %s", error ? error->message : line);

  preload = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  if (preload == NULL || !g_str_has_prefix (preload, "LD_PRELOAD="))
    g_error ("tf-simlab printed no LD_PRELOAD line");
  bus = tf_bus_new (&bo, &error);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &w);
  tf_bus_subscribe (bus, "tf/bench/board/+/state");
  tf_bus_start (bus);
  iterate_for (300);

  g_clear_object (&l);
  l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (l, "LD_PRELOAD", preload + strlen ("LD_PRELOAD="), TRUE);
  g_subprocess_launcher_setenv (l, "UMOCKDEV_DIR", line + strlen ("UMOCKDEV_DIR="), TRUE);
  g_subprocess_launcher_set_stdout_file_path (l, dlog);
  g_subprocess_launcher_set_stderr_file_path (l, dlog);
  t0 = g_get_monotonic_time ();
  d = g_subprocess_launcher_spawn (l, &error, daemon, "--config", lab, NULL);
  g_assert_no_error (error);
  tf_test_watch_child (d, "testfestd", dlog);
  deadline = t0 + 300 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && t_all_ready == 0)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
      if (t_all_seen == 0 && g_hash_table_size (w.any) == n)
        t_all_seen = g_get_monotonic_time ();
      if (g_hash_table_size (w.ready) == n)
        t_all_ready = g_get_monotonic_time ();
    }
  if (t_all_ready == 0)
    g_error ("only %u of %u boards ready after 300 s (log: %s)", g_hash_table_size (w.ready), n,
             dlog);

  iterate_for (2000); /* let the last publishes drain */
  {
    GPid pid = atoi (g_subprocess_get_identifier (d));
    proc_sample (pid, &tk0, &sw0, &rss, &hwm);
    g_usleep (idle_s * G_USEC_PER_SEC);
    proc_sample (pid, &tk1, &sw1, &rss, &hwm);
  }
  printf ("boards                          %u (%u relays), tf-simlab under umockdev\n", n, relays);
  printf ("start -> every state retained  %.2f s\n", (t_all_seen - t0) / 1e6);
  printf ("start -> every board ready     %.2f s   (%.2f ms per board; includes 100 ms off-time)\n",
          (t_all_ready - t0) / 1e6, (t_all_ready - t0) / 1e3 / n);
  printf ("resident memory                %.1f MiB (peak %.1f MiB, %.1f KiB per board)\n",
          rss / 1024.0, hwm / 1024.0, rss / (double)n);
  printf ("CPU over %u idle s              %.3f s (%.2f%% of one core)\n", idle_s,
          (tk1 - tk0) / (double)sysconf (_SC_CLK_TCK),
          100.0 * (tk1 - tk0) / sysconf (_SC_CLK_TCK) / idle_s);
  printf ("wake-ups over %u idle s         %" G_GUINT64_FORMAT
          " (context switches of all threads; target 0)\n",
          idle_s, sw1 - sw0);
  tf_test_children_stopping ();
  g_subprocess_send_signal (d, SIGTERM);
  g_subprocess_wait (d, NULL, NULL);
  g_subprocess_send_signal (lab_proc, SIGTERM);
  g_subprocess_wait (lab_proc, NULL, NULL);
  g_subprocess_send_signal (broker, SIGTERM);
  g_subprocess_wait (broker, NULL, NULL);
  return 0;
}
