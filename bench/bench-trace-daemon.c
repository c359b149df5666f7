/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-trace-daemon: the daemon's CPU while N sessions (default 50) are captured at once.
 * A simulated lab of N boards running tf-lwm2m-client, one tf-lwm2m-server namespace, the
 * mirror port; an event of N clients against one server of capacity N, all in the first slot;
 * every session started and running (registered), then R reads (/3/0/0, text) per session
 * through the server's control socket, N sessions interleaved. Prints the daemon's CPU seconds
 * (/proc/PID/stat) and wall time for the reads, messages captured and dropped.
 *   bench-trace-daemon [SESSIONS [READS]]   (root, /dev/net/tun; run from the build dir with
 *   TF_SOURCE_ROOT and TF_BUILD_ROOT set, as meson test sets them) */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "bench-floor.h"

static double
daemon_cpu (TfHarness *h)
{
  g_autofree char *path
      = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (h->daemon));
  g_autofree char *stat = NULL;
  g_auto (GStrv) f = NULL;
  const char *after;
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after = strrchr (stat, ')')) == NULL)
    return 0;
  f = g_strsplit (after + 2, " ", -1);
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

static guint
count_lines (TfHarness *h, guint n, const char *needle)
{
  guint total = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/trace/c%02u--srv/decoded.jsonl", h->state_dir, i);
      g_autofree char *data = NULL;
      if (!g_file_get_contents (p, &data, NULL, NULL))
        continue;
      for (const char *c = data; (c = strstr (c, needle)) != NULL; c++)
        total++;
    }
  return total;
}

/* every session running and its registration captured: its decoded trace holds the 2.01 (the
 * retained session states may lag behind under this load: the trace is what counts here) */
static gboolean
all_registered (TfHarness *h, gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/trace/c%02u--srv/decoded.jsonl", h->state_dir, i);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (p, &text, NULL, NULL) || strstr (text, "\"code\":\"2.01\"") == NULL)
        return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi (argv[1]) : 50;
  guint reads = argc > 2 ? (guint)atoi (argv[2]) : 100;
  const char *build = (bench_floor_roots (), g_getenv ("TF_BUILD_ROOT"));
  g_autofree char *ctl = NULL, *tmp = NULL, *ifname = NULL, *srv_args = NULL, *tail = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  const char *args[4];
  TfHarness *h;
  double cpu0, cpu1;
  gint64 t0, t1;
  guint before;

  if (geteuid () != 0 || build == NULL || src == NULL || n < 1 || n > 99)
    {
      g_printerr ("bench-trace-daemon [SESSIONS (1-99) [READS]]: root, TF_SOURCE_ROOT and "
                  "TF_BUILD_ROOT\n");
      return 2;
    }
  tmp = g_dir_make_tmp ("bench-trace-srv-XXXXXX", NULL);
  ctl = g_build_filename (tmp, "lwm2m.sock", NULL);
  ifname = g_strdup_printf ("tfb%08x", g_random_int ());
  srv_args = g_strdup_printf ("--control %s", ctl);
  tail = g_strdup_printf ("[capture]\ninterface = %s\n", ifname);
  args[0] = "--mirror";
  args[1] = ifname;
  /* more than 40 ttys: the daemon joins with tf-simlab's preload (tf-sim-lines.h) */
  args[2] = "--modem-lines=preload";
  args[3] = NULL;
  h = bench_floor_harness_new (n, srv_args, tail, args);
  bench_floor_start (h, n, "",
                     "send config set endpoint {endpoint}\nexpect ^ok 10000\n"
                     "send config set server-uri {server_uri}\nexpect ^ok 10000\n"
                     "send lwm2m start\nexpect ^lwm2m: (registered|error: already) 60000\n",
                     TRUE);
  if (!tf_harness_wait (h, all_registered, GUINT_TO_POINTER (n), 300000))
    {
      g_printerr ("not every session is running after 5 minutes:\n");
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *suffix = g_strdup_printf ("session/c%02u--srv/state", i);
          const char *json = tf_harness_retained (h, suffix);
          g_printerr ("  %s\n", json ? json : "(no state)");
        }
      tf_harness_free (h);
      return 1;
    }
  {
    g_autoptr (GSocketClient) c = g_socket_client_new ();
    g_autoptr (GSocketAddress) a = g_unix_socket_address_new (ctl);
    conn = g_socket_client_connect (c, G_SOCKET_CONNECTABLE (a), NULL, &error);
    g_assert_no_error (error);
    in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  }
  before = count_lines (h, n, "\"type\":");
  cpu0 = daemon_cpu (h);
  t0 = g_get_monotonic_time ();
  for (guint k = 0; k < reads; k++)
    for (guint i = 0; i < n; i++)
      {
        g_autofree char *cmd
            = g_strdup_printf ("{\"cmd\":\"read\",\"ep\":\"ep%02u\",\"path\":\"/3/0/0\"}\n", i);
        g_autofree char *answer = NULL;
        g_assert_true (
            g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), cmd,
                                       strlen (cmd), NULL, NULL, &error));
        answer = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
        g_assert_nonnull (answer);
      }
  t1 = g_get_monotonic_time ();
  /* until the daemon has stored them all (bounded) */
  for (guint w = 0; w < 600 && count_lines (h, n, "\"type\":") < before + 2 * n * reads; w++)
    tf_harness_sleep (h, 100);
  cpu1 = daemon_cpu (h);
  g_print ("%u sessions captured at once, %u messages in %.1f s (%.0f messages/s): daemon CPU "
           "%.2f s (%.0f%% of one core, %.0f us a message); %u of %u stored\n",
           n, 2 * n * reads, (t1 - t0) / 1e6, 2.0 * n * reads / ((t1 - t0) / 1e6), cpu1 - cpu0,
           100 * (cpu1 - cpu0) / ((t1 - t0) / 1e6), (cpu1 - cpu0) * 1e6 / (2.0 * n * reads),
           count_lines (h, n, "\"type\":") - before, 2 * n * reads);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%02u--srv", i);
      g_autofree char *o = NULL, *e = NULL;
      tf_harness_ctl (h, &o, &e, "end", id, NULL);
    }
  tf_harness_sleep (h, 2000);
  g_print ("kernel drops reported at close: %u sessions with dropped=0 of %u\n",
           count_lines (h, n, "dropped=0 "), n);
  tf_harness_free (h);
  g_unlink (ctl);
  g_rmdir (tmp);
  return 0;
}
