/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-farm-net"

#include "tf-farm-net.h"
#include "tf-test-host.h"
#include "tf-test-reaper.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"                \
  "day-end = 12:00\ntables = 1\n\n[company acme]\nname = Acme IoT GmbH\n\n"                        \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"
#define HOST_PORT 1883 /* every host's own loopback: the same port in each namespace */
#define MAX_HOSTS 13   /* a /28: the bridge .1, hosts .2 to .14 */

/* the namespaces' and the bridge's removal, should the test abort */
static void
catch_fatal_signals (TfFarm *f)
{
  guint n = 0;
  for (guint i = 0; i < f->hosts->len && n + 4 < G_N_ELEMENTS (f->reaper); i++)
    {
      /* the veth first: a namespace whose sockets still wait on a cut link
       * lives on after `ip netns del`, and its veth with it */
      f->reaper[n++] = tf_test_reaper_cleanup_add (
          (const char *const[]){ "ip", "link", "del", tf_farm_host (f, i)->veth, NULL });
      f->reaper[n++] = tf_test_reaper_cleanup_add (
          (const char *const[]){ "ip", "netns", "del", tf_farm_host (f, i)->netns, NULL });
    }
  f->reaper[n++]
      = tf_test_reaper_cleanup_add ((const char *const[]){ "ip", "link", "del", f->bridge, NULL });
  if (f->own_dir)
    f->reaper[n++] = tf_test_reaper_cleanup_dir (f->dir);
}

static void
release_fatal_signals (TfFarm *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->reaper); i++)
    g_clear_handle_id (&f->reaper[i], tf_test_reaper_cleanup_remove);
}

static void
run_argv (const char *const *argv, gboolean must)
{
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     tf_test_child_setup, NULL, NULL, &err, &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (must && !g_spawn_check_wait_status (status, NULL))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **)argv);
      g_error ("%s failed: %s", cmd, err);
    }
}

#define RUN(...) run_argv ((const char *const[]){ __VA_ARGS__, NULL }, TRUE)
#define TRY(...) run_argv ((const char *const[]){ __VA_ARGS__, NULL }, FALSE)

static char *
capture (const char *const *argv)
{
  char *out = NULL;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL))
    return g_strdup ("");
  return out;
}

/* A /28 of 198.51.100.0/24 that no address of this namespace is in; the
 * bridge gets its .1 before the lock is let go, so two farms never share one. */
static void
make_bridge (TfFarm *f)
{
  int fd = open ("/run/tf-farm.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_autofree char *addrs = NULL;
  gboolean used[16] = { FALSE };
  g_autofree char *cidr = NULL;
  int block = -1;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  addrs = capture ((const char *const[]){ "ip", "-4", "-o", "addr", NULL });
  for (const char *p = addrs; (p = strstr (p, "inet 198.51.100.")) != NULL;)
    {
      p += strlen ("inet 198.51.100.");
      used[MIN (atoi (p), 255) / 16] = TRUE;
    }
  for (int b = 0; b < 16 && block < 0; b++)
    if (!used[b])
      block = b;
  if (block < 0)
    g_error ("no free /28 left in 198.51.100.0/24 (other farms running?)");
  f->gateway = g_strdup_printf ("198.51.100.%d", block * 16 + 1);
  cidr = g_strdup_printf ("%s/28", f->gateway);
  RUN ("ip", "link", "add", f->bridge, "type", "bridge");
  RUN ("ip", "addr", "add", cidr, "dev", f->bridge);
  RUN ("ip", "link", "set", f->bridge, "up");
  close (fd); /* the lock with it */
}

static void
make_host_net (TfFarm *f, TfFarmHost *h, guint i)
{
  guint base = (guint)atoi (strrchr (f->gateway, '.') + 1) - 1;
  g_autofree char *cidr = NULL;
  h->address = g_strdup_printf ("198.51.100.%u", base + 2 + i);
  cidr = g_strdup_printf ("%s/28", h->address);
  RUN ("ip", "netns", "add", h->netns);
  RUN ("ip", "link", "add", h->veth, "type", "veth", "peer", "name", "eth0", "netns", h->netns);
  RUN ("ip", "link", "set", h->veth, "master", f->bridge, "up");
  RUN ("ip", "-n", h->netns, "link", "set", "lo", "up");
  RUN ("ip", "-n", h->netns, "addr", "add", cidr, "dev", "eth0");
  RUN ("ip", "-n", h->netns, "link", "set", "eth0", "up");
}

char *
tf_farm_board_id (TfFarm *f, guint i, guint j)
{
  return g_strdup_printf ("%sb%u", tf_farm_host (f, i)->name, j);
}

void
tf_farm_set_event (TfFarm *f, const char *event_text)
{
  g_autofree char *event = g_build_filename (f->dir, "run.event", NULL);
  g_autofree char *conf = NULL, *line = NULL;
  g_auto (GStrv) parts = NULL;
  g_assert_true (g_file_set_contents (event, event_text, -1, NULL));
  g_assert_true (g_file_get_contents (f->coord_conf, &conf, NULL, NULL));
  g_assert_null (strstr (conf, "\nevent = "));
  line
      = g_strdup_printf ("role = coordinator\nets-dir = %s/tests/ets\nevent = %s\n", f->src, event);
  parts = g_strsplit (conf, "role = coordinator\n", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_free (conf);
  conf = g_strjoin (line, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (f->coord_conf, conf, -1, NULL));
}

/* tf-simlab --generate's sim and lab files, board simN renamed <host>bN */
static void
write_host_lab (TfFarm *f, TfFarmHost *h)
{
  g_autofree char *simlab = g_build_filename (f->build, "fixtures", "tf-simlab", NULL);
  g_autofree char *gen = g_build_filename (h->dir, "generated.lab", NULL);
  g_autofree char *n = g_strdup_printf ("%u", f->n_boards);
  g_autofree char *sim = NULL, *lab = NULL, *boards = g_build_filename (f->src, "boards", NULL);
  g_autofree char *board = g_strdup_printf ("[board %sb", h->name);
  g_autoptr (GString) text = g_string_new (NULL);
  g_auto (GStrv) sim_parts = NULL, lab_lines = NULL;
  gboolean body = FALSE;

  RUN (simlab, "--generate", n, "--sim-out", h->sim_path, "--lab-out", gen);
  g_assert_true (g_file_get_contents (h->sim_path, &sim, NULL, NULL));
  sim_parts = g_strsplit (sim, "[board sim", -1);
  g_free (sim);
  sim = g_strjoinv (board, sim_parts);
  g_assert_true (g_file_set_contents (h->sim_path, sim, -1, NULL));

  g_string_append_printf (text,
                          "[lab]\nname = %s\nhost = %s\nrole = host\nstate-dir = %s/state\n"
                          "boards-dir = %s\n\n[broker]\nhost = 127.0.0.1\nport = %u\n"
                          "user = testfestd\npassword-file = daemon.pw\nkeepalive-s = 5\n\n",
                          f->lab, h->name, h->dir, boards, HOST_PORT);
  g_assert_true (g_file_get_contents (gen, &lab, NULL, NULL));
  lab_lines = g_strsplit (lab, "\n", -1);
  for (guint k = 0; lab_lines[k] != NULL; k++)
    {
      const char *l = lab_lines[k];
      body = body || g_str_has_prefix (l, "[switch ");
      if (!body || g_str_has_prefix (l, "table = "))
        continue;
      if (g_str_has_prefix (l, "[board sim"))
        g_string_append_printf (text, "%s%s\n", board, l + strlen ("[board sim"));
      else
        g_string_append_printf (text, "%s\n", l);
    }
  g_assert_true (g_file_set_contents (h->lab_path, text->str, -1, NULL));
}

TfFarm *
tf_farm_new (const char *build_root, const char *src_root, const char *dir, guint n_hosts,
             guint n_boards)
{
  TfFarm *f = g_new0 (TfFarm, 1);
  g_autofree char *tool = g_build_filename (build_root, "controller", "tf-broker-config", NULL);
  g_autofree char *event = NULL, *central = NULL, *persist = NULL, *log = NULL, *conf = NULL;
  g_autofree char *creds = NULL, *text = NULL, *to = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpuint (n_hosts, >=, 1);
  if (n_hosts > MAX_HOSTS)
    g_error ("a farm network holds at most %u hosts", MAX_HOSTS);
  tf_farm_clean_stale ();
  f->build = g_strdup (build_root);
  f->src = g_strdup (src_root);
  f->n_boards = n_boards;
  if (dir != NULL)
    {
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      f->dir = g_canonicalize_filename (dir, NULL);
    }
  else
    {
      f->dir = g_dir_make_tmp ("tf-farm-net-XXXXXX", NULL);
      f->own_dir = TRUE;
    }
  g_assert_nonnull (f->dir);
  g_chmod (f->dir, 0755);
  f->lab = g_strdup_printf ("farm%08x", g_random_int ());
  f->bridge = g_strdup_printf ("tff%dbr", (int)getpid ());
  f->hosts = g_ptr_array_new ();
  make_bridge (f);

  for (guint i = 0; i < n_hosts; i++)
    {
      TfFarmHost *h = g_new0 (TfFarmHost, 1);
      h->name = g_strdup_printf ("h%u", i + 1);
      h->netns = g_strdup_printf ("tff%d-%s", (int)getpid (), h->name);
      h->veth = g_strdup_printf ("tff%d%s", (int)getpid (), h->name);
      h->dir = g_build_filename (f->dir, h->name, NULL);
      g_assert_cmpint (g_mkdir_with_parents (h->dir, 0755), ==, 0);
      h->lab_path = g_build_filename (h->dir, "lab.conf", NULL);
      h->sim_path = g_build_filename (h->dir, "lab.sim", NULL);
      h->control = g_build_filename (h->dir, "simlab.sock", NULL);
      h->broker_conf = g_build_filename (h->dir, "broker", "mosquitto.conf", NULL);
      g_ptr_array_add (f->hosts, h);
      make_host_net (f, h, i);
      write_host_lab (f, h);
    }

  catch_fatal_signals (f);

  /* the central broker (per-host accounts and ACLs) and the coordinator's lab file */
  event = g_build_filename (f->dir, "farm.event", NULL);
  g_assert_true (g_file_set_contents (event, EVENT_TEXT, -1, NULL));
  f->central_port = tf_test_free_port ();
  f->coord_conf = g_build_filename (f->dir, "coordinator.conf", NULL);
  text = g_strdup_printf ("[lab]\nname = %s\nhost = coord\nrole = coordinator\nstate-dir = "
                          "%s/coord-state\nboards-dir = %s/boards\n\n[broker]\nhost = %s\nport = "
                          "%u\nuser = testfestd\npassword-file = coord.pw\nkeepalive-s = 5\n",
                          f->lab, f->dir, f->src, f->gateway, f->central_port);
  g_assert_true (g_file_set_contents (f->coord_conf, text, -1, NULL));
  central = g_build_filename (f->dir, "central", NULL);
  persist = g_build_filename (f->dir, "central-data", NULL);
  log = g_build_filename (f->dir, "central.log", NULL);
  for (const char *const *a
       = (const char *const[]){ tool, "--lab", f->coord_conf, "--event", event, "--out", central,
                                "--bind", f->gateway, "--persistence", persist, "--log", log,
                                "--broker-user", "root", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  for (guint i = 0; i < n_hosts; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--host"));
      g_ptr_array_add (argv, g_strdup (tf_farm_host (f, i)->name));
    }
  g_ptr_array_add (argv, NULL);
  run_argv ((const char *const *)argv->pdata, TRUE);
  conf = g_build_filename (central, "mosquitto.conf", NULL);
  /* stay root: PR_SET_PDEATHSIG holds */
  tf_test_append (conf, "user root\n");
  creds = g_build_filename (central, "credentials", NULL);
  f->staff_pw = tf_test_credential (creds, "staff");
  f->staff_pw_file = g_build_filename (f->dir, "staff.pw", NULL);
  g_assert_true (g_file_set_contents (f->staff_pw_file, f->staff_pw, -1, NULL));
  g_chmod (f->staff_pw_file, 0600);

  /* each host's own broker, bridged to the central one over the farm network */
  to = g_strdup_printf ("%s:%u", f->gateway, f->central_port);
  for (guint i = 0; i < n_hosts; i++)
    {
      TfFarmHost *h = tf_farm_host (f, i);
      g_autofree char *out = g_build_filename (h->dir, "broker", NULL);
      g_autofree char *data = g_build_filename (h->dir, "broker-data", NULL);
      g_autofree char *hlog = g_build_filename (h->dir, "broker.log", NULL);
      g_autofree char *hcreds = g_strdup_printf ("%s/hosts/%s.credentials", central, h->name);
      RUN (tool, "--lab", h->lab_path, "--out", out, "--bridge-to", to, "--bridge-credentials",
           hcreds, "--persistence", data, "--log", hlog, "--broker-user", "root");
      tf_test_append (h->broker_conf, "user root\n");
    }
  return f;
}

TfFarmHost *
tf_farm_host (TfFarm *f, guint i)
{
  g_assert_cmpuint (i, <, f->hosts->len);
  return f->hosts->pdata[i];
}

static GSubprocess *
spawn_logged (const char *log, GSubprocessFlags flags, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (flags);
  g_autoptr (GError) error = NULL;
  GSubprocess *p;
  if (log != NULL)
    {
      g_subprocess_launcher_set_stdout_file_path (l, log);
      g_subprocess_launcher_set_stderr_file_path (l, log);
    }
  p = g_subprocess_launcher_spawnv (l, argv, &error);
  if (p == NULL)
    g_error ("%s: %s", argv[0], error->message);
  tf_test_reaper_watch (p);
  return p;
}

static gboolean
central_open (TfFarm *f)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, f->gateway, f->central_port, NULL, NULL);
  return conn != NULL;
}

void
tf_farm_start_brokers (TfFarm *f)
{
  g_autofree char *conf = g_build_filename (f->dir, "central", "mosquitto.conf", NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  if (f->central == NULL)
    f->central
        = spawn_logged (NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        (const char *const[]){ "mosquitto", "-c", conf, NULL });
  while (!central_open (f))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the central broker did not start (%s/central.log)", f->dir);
      g_usleep (20000);
    }
  for (guint i = 0; i < f->hosts->len; i++)
    {
      TfFarmHost *h = tf_farm_host (f, i);
      if (h->broker == NULL)
        h->broker = spawn_logged (
            NULL, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
            (const char *const[]){ "ip", "netns", "exec", h->netns, "mosquitto", "-c",
                                   h->broker_conf, NULL });
    }
}

static void
start_simlab (TfFarm *f, TfFarmHost *h)
{
  g_autofree char *simlab = g_build_filename (f->build, "fixtures", "tf-simlab", NULL);
  g_autofree char *log = g_build_filename (h->dir, "simlab.log", NULL);
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir_line = NULL, *preload_line = NULL;

  g_subprocess_launcher_set_stderr_file_path (l, log);
  /* past umockdev's 50 open devices per process tf-simlab answers the modem
   * lines from its own preload */
  h->simlab = g_subprocess_launcher_spawnv (
      l,
      (const char *const[]){ "ip", "netns", "exec", h->netns, simlab, "--sim", h->sim_path,
                             "--control", h->control, "--modem-lines", "preload", NULL },
      &error);
  g_assert_no_error (error);
  tf_test_reaper_watch (h->simlab);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->simlab));
  dir_line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
  preload_line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
  if (dir_line == NULL || !g_str_has_prefix (dir_line, "UMOCKDEV_DIR=") || preload_line == NULL
      || !g_str_has_prefix (preload_line, "LD_PRELOAD="))
    g_error ("host %s: tf-simlab did not start (%s)", h->name, log);
  h->umockdev_dir = g_strdup (dir_line + strlen ("UMOCKDEV_DIR="));
  h->preload = g_strdup (preload_line + strlen ("LD_PRELOAD="));
}

/* env(1) after ip netns exec: the preload is the daemon's, not ip's */
static GSubprocess *
spawn_daemon (TfFarm *f, const char *netns, TfFarmHost *under, const char *conf, const char *log)
{
  g_autofree char *d = g_build_filename (f->build, "controller", "testfestd", NULL);
  g_autofree char *pre = g_strdup_printf ("LD_PRELOAD=%s", under->preload);
  g_autofree char *umd = g_strdup_printf ("UMOCKDEV_DIR=%s", under->umockdev_dir);
  if (netns != NULL)
    return spawn_logged (log, G_SUBPROCESS_FLAGS_NONE,
                         (const char *const[]){ "ip", "netns", "exec", netns, "env", pre, umd,
                                                "G_MESSAGES_DEBUG=all", d, "--config", conf,
                                                NULL });
  return spawn_logged (
      log, G_SUBPROCESS_FLAGS_NONE,
      (const char *const[]){ "env", pre, umd, "G_MESSAGES_DEBUG=all", d, "--config", conf, NULL });
}

void
tf_farm_start_host (TfFarm *f, guint i)
{
  TfFarmHost *h = tf_farm_host (f, i);
  g_autofree char *name = NULL, *log = NULL;
  if (h->simlab == NULL)
    start_simlab (f, h);
  g_assert_null (h->daemon);
  name = g_strdup_printf ("testfestd-%u.log", h->daemon_runs++);
  log = g_build_filename (h->dir, name, NULL);
  h->daemon = spawn_daemon (f, h->netns, h, h->lab_path, log);
}

static void
stop (GSubprocess **p, int sig)
{
  if (*p == NULL)
    return;
  tf_test_reaper_forget (*p);
  g_subprocess_send_signal (*p, sig);
  g_subprocess_wait (*p, NULL, NULL);
  g_clear_object (p);
}

void
tf_farm_stop_host (TfFarm *f, guint i, int sig)
{
  stop (&tf_farm_host (f, i)->daemon, sig);
}

/* No boards of its own; below host 1's umockdev as a host would run it (the
 * machine's real devices are never looked at). */
void
tf_farm_start_coordinator (TfFarm *f)
{
  TfFarmHost *h = tf_farm_host (f, 0);
  g_autofree char *name = g_strdup_printf ("coordinator-%u.log", f->coord_runs++);
  g_autofree char *log = g_build_filename (f->dir, name, NULL);
  if (h->simlab == NULL)
    start_simlab (f, h);
  g_assert_null (f->coord);
  f->coord = spawn_daemon (f, NULL, h, f->coord_conf, log);
}

void
tf_farm_stop_coordinator (TfFarm *f, int sig)
{
  stop (&f->coord, sig);
}

void
tf_farm_set_link (TfFarm *f, guint i, gboolean up)
{
  RUN ("ip", "link", "set", tf_farm_host (f, i)->veth, up ? "up" : "down");
}

int
tf_farm_ctl (TfFarm *f, char **out, char **err, const char *const *args)
{
  g_autofree char *c = g_build_filename (f->build, "controller", "testfestctl", NULL);
  g_autofree char *port = g_strdup_printf ("%u", f->central_port);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = 0;
  for (const char *const *a
       = (const char *const[]){ c, "--lab", f->lab, "--broker", f->gateway, "--port", port,
                                "--user", "staff", "--password-file", f->staff_pw_file, NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, (char *)*a);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, tf_test_child_setup, NULL,
                     out, err, &status, &error))
    g_error ("testfestctl: %s", error->message);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static void
remove_netns (const char *netns)
{
  g_autofree char *pids = capture ((const char *const[]){ "ip", "netns", "pids", netns, NULL });
  g_auto (GStrv) w = g_strsplit (pids, "\n", -1);
  for (guint i = 0; w[i] != NULL; i++)
    if (atoi (w[i]) > 1)
      kill (atoi (w[i]), SIGKILL);
  TRY ("ip", "netns", "del", netns);
}

/* tff<pid>-... namespaces and tff<pid>br bridges of a process that is gone */
void
tf_farm_clean_stale (void)
{
  g_autofree char *ns = capture ((const char *const[]){ "ip", "netns", "list", NULL });
  g_autofree char *links = capture ((const char *const[]){ "ip", "-o", "link", "show", NULL });
  g_auto (GStrv) lines = g_strsplit (ns, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      int pid = 0;
      char name[64];
      if (sscanf (lines[i], "tff%d-%63s", &pid, name) == 2 && pid > 1 && kill (pid, 0) != 0)
        {
          g_auto (GStrv) w = g_strsplit (lines[i], " ", 2);
          remove_netns (w[0]);
        }
    }
  for (const char *p = links; (p = strstr (p, ": tff")) != NULL; p++)
    {
      int pid = 0;
      char name[32] = "";
      /* tff<pid>br, tff<pid>h<n>@...: */
      if (sscanf (p, ": %31[a-z0-9]", name) == 1 && sscanf (name, "tff%d", &pid) == 1 && pid > 1
          && kill (pid, 0) != 0)
        TRY ("ip", "link", "del", name);
    }
}

void
tf_farm_free (TfFarm *f)
{
  stop (&f->coord, SIGKILL);
  for (guint i = 0; i < f->hosts->len; i++)
    {
      TfFarmHost *h = tf_farm_host (f, i);
      stop (&h->daemon, SIGKILL);
      stop (&h->simlab, SIGTERM); /* it removes its umockdev folder */
      stop (&h->broker, SIGTERM);
    }
  stop (&f->central, SIGTERM);
  for (guint i = 0; i < f->hosts->len; i++)
    {
      TfFarmHost *h = tf_farm_host (f, i);
      TRY ("ip", "link", "del", h->veth); /* see catch_fatal_signals() */
      remove_netns (h->netns);
      g_free (h->name);
      g_free (h->netns);
      g_free (h->veth);
      g_free (h->address);
      g_free (h->dir);
      g_free (h->lab_path);
      g_free (h->sim_path);
      g_free (h->broker_conf);
      g_free (h->control);
      g_free (h->umockdev_dir);
      g_free (h->preload);
      g_free (h);
    }
  TRY ("ip", "link", "del", f->bridge);
  release_fatal_signals (f);
  if (f->own_dir && g_getenv ("TF_KEEP_TEST_DIRS") == NULL)
    tf_test_rm_rf (f->dir);
  else
    g_printerr ("# farm files kept in %s\n", f->dir);
  g_ptr_array_unref (f->hosts);
  g_free (f->dir);
  g_free (f->lab);
  g_free (f->build);
  g_free (f->src);
  g_free (f->bridge);
  g_free (f->gateway);
  g_free (f->coord_conf);
  g_free (f->staff_pw);
  g_free (f->staff_pw_file);
  g_free (f);
}
