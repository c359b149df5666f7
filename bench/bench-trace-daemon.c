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

#include "tf-harness.h"

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

/* run as the README writes it (no meson): the roots from where this program and the tree are */
static void
default_roots (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *build = bench != NULL ? g_path_get_dirname (bench) : NULL;
  g_autofree char *src = g_path_get_dirname (TF_SOURCE_BOARDSDIR);
  if (g_getenv ("TF_BUILD_ROOT") == NULL && build != NULL)
    g_setenv ("TF_BUILD_ROOT", build, TRUE);
  if (g_getenv ("TF_SOURCE_ROOT") == NULL)
    g_setenv ("TF_SOURCE_ROOT", src, TRUE);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi (argv[1]) : 50;
  guint reads = argc > 2 ? (guint)atoi (argv[2]) : 100;
  const char *build = (default_roots (), g_getenv ("TF_BUILD_ROOT"));
  g_autofree char *client = NULL, *server = NULL, *ctl = NULL, *tmp = NULL, *ifname = NULL;
  g_autoptr (GString) sim = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);
  g_autoptr (GString) ev = g_string_new (NULL);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *conf = NULL, *find = NULL, *repl = NULL, *patched = NULL, *out = NULL;
  g_auto (GStrv) parts = NULL;
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
  client = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  server = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  tmp = g_dir_make_tmp ("bench-trace-srv-XXXXXX", NULL);
  ctl = g_build_filename (tmp, "lwm2m.sock", NULL);
  ifname = g_strdup_printf ("tfb%08x", g_random_int ());
  for (guint r = 0; r < (n + 7) / 8; r++)
    {
      g_string_append_printf (sim,
                              "[relay relay%u]\ntty = ttyUSB%u\nusb-path = 3-%u.%u\n"
                              "channels = 8\n\n",
                              r, r, 1 + r / 7, 1 + r % 7);
      g_string_append_printf (lab,
                              "[switch relay%u]\ntype = lcus-relay\ndevice = /dev/ttyUSB%u\n"
                              "channels = 8\noff-time-ms = 100\n\n",
                              r, r);
    }
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (sim,
                              "[board b%02u]\ntype = sim-l476\ntty = ttyACM%u\nusb-path = 1-%u.%u\n"
                              "serial = SIM%05u\npower = relay%u:%u\nboot-ms = 100\n"
                              "address = 192.0.2.%u\nfirmware-program = %s\n"
                              "firmware-args = --version 1.0.0 --lifetime 3600\n\n",
                              i, i, 1 + i / 7, 1 + i % 7, i, i / 8, 1 + i % 8, 10 + i, client);
      g_string_append_printf (lab,
                              "[board b%02u]\ntype = sim-lwm2m\nconsole = /dev/ttyACM%u\n"
                              "power = relay%u:%u\ntable = T%u\naddress = 192.0.2.%u\n\n",
                              i, i, i / 8, 1 + i % 8, i, 10 + i);
    }
  g_string_append_printf (sim,
                          "[server srv]\nprogram = %s\nargs = --control %s\n"
                          "address = 192.0.2.2\n",
                          server, ctl);
  g_string_append_printf (lab, "[capture]\ninterface = %s\n", ifname);
  args[0] = "--mirror";
  args[1] = ifname;
  /* more than 40 ttys: the daemon joins with tf-simlab's preload (tf-sim-lines.h) */
  args[2] = "--modem-lines=preload";
  args[3] = NULL;
  h = tf_harness_new_full (sim->str, lab->str, args);
  g_string_append_printf (ev,
                          "[event]\nname = Bench\ndays = 2030-06-04\ntimezone = UTC\n"
                          "slot-minutes = 60\nday-start = 09:00\nday-end = 17:00\ntables = %u\n\n"
                          "[company srv]\nname = Server Co\n\n"
                          "[implementation srv]\ncompany = srv\nrole = server\nversions = 1.1\n"
                          "transports = udp\nsecurity = nosec\ncapacity = %u\n"
                          "server-uri = coap://192.0.2.2:5683\nentry-criteria = yes\n"
                          "entry-criteria-by = staff\n\n",
                          n, n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (ev,
                            "[company k%02u]\nname = Client %u\n\n"
                            "[implementation c%02u]\ncompany = k%02u\nrole = client\n"
                            "versions = 1.1\ntransports = udp\nsecurity = nosec\nboards = b%02u\n"
                            "endpoint = ep%02u\nprovision = provision.script\n"
                            "entry-criteria = yes\nentry-criteria-by = staff\n\n",
                            i, i, i, i, i, i);
  g_assert_true (g_file_set_contents (tf_harness_path (h, "bench.event"), ev->str, -1, NULL));
  g_assert_true (
      g_file_set_contents (tf_harness_path (h, "provision.script"),
                           "send config set endpoint {endpoint}\nexpect ^ok 10000\n"
                           "send config set server-uri {server_uri}\nexpect ^ok 10000\n"
                           "send lwm2m start\nexpect ^lwm2m: (registered|error: already) 60000\n",
                           -1, NULL));
  g_assert_true (g_file_get_contents (h->lab_path, &conf, NULL, NULL));
  find = g_strdup_printf ("boards-dir = %s/boards\nets-dir = %s/data/ets\n", src, src);
  repl = g_strdup_printf ("boards-dir = %s/boards;%s/tests/boards\nets-dir = %s/tests/ets\n"
                          "event = bench.event\n",
                          src, src, src);
  parts = g_strsplit (conf, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (h->lab_path, patched, -1, NULL));
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
  tf_harness_sleep (h, 3000);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%02u--srv", i);
      g_autofree char *o = NULL, *e = NULL;
      if (tf_harness_ctl (h, &o, &e, "start", id, NULL) != 0)
        g_printerr ("start %s: %s", id, e);
    }
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
