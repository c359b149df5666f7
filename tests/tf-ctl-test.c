/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testfestctl as a new user meets it: per-verb help, usage errors (exit 2)
 * before any connection, and failing fast with the reason against a real
 * mosquitto set up by tf-broker-config: a wrong password or an unknown user
 * (CONNACK, exit 3), a closed port (exit 3), a staff verb called by a company
 * (the PUBACK's reason code, exit 1), each long before --timeout. */
#include "tf-test-host.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

typedef struct
{
  char *dir, *lab, *event;
  guint16 port;
  GSubprocess *broker;
} World;

static const char *
build_root (void)
{
  return g_getenv ("TF_BUILD_ROOT");
}

/* testfestctl ARGS...; returns the exit status */
static int
ctl (char **out, char **err, ...)
{
  g_autofree char *exe = g_build_filename (build_root (), "controller", "testfestctl", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  int status = 0;
  va_list args;

  g_ptr_array_add (argv, exe);
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *)arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT,
                               tf_test_child_setup, NULL, out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected '%s' in '%s'", needle, text ? text : "(null)");
}

static void
test_verb_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *out2 = NULL, *err2 = NULL;

  g_assert_cmpint (ctl (&out, &err, "flash", "--help", NULL), ==, 0);
  assert_contains (out, "Usage: testfestctl [--config FILE] flash ID IMAGE");
  g_assert_null (strstr (out, "Commands"));
  g_assert_cmpint (ctl (&out2, &err2, "help", "report", NULL), ==, 0);
  assert_contains (out2, "report ID");
  assert_contains (out2, "--junit FILE");
  assert_contains (out2, "exit status is 1 when any case is Fail");
}

/* one verb per line, every verb listed */
static void
test_global_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto (GStrv) lines = NULL;
  const char *verbs[]
      = { "boards",  "board",           "power",   "release",  "flash",         "images", "status",
          "call",    "schedule",        "replan",  "sessions", "session",       "start",  "end",
          "close",   "abort",           "verdict", "verify",   "sign",          "run",    "report",
          "summary", "release-summary", "listing", "leases",   "lease-release", "trace",  "regress",
          NULL };
  gboolean in_commands = FALSE;
  guint listed = 0;

  g_assert_cmpint (ctl (&out, &err, "--help", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = NULL;
      if (g_str_has_prefix (lines[i], "Commands"))
        {
          in_commands = TRUE;
          continue;
        }
      if (!in_commands || *lines[i] == '\0')
        continue;
      words = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_assert_true (g_strv_contains (verbs, words[0]));
      /* no second verb's synopsis on the line */
      for (guint w = 1; words[w] != NULL; w++)
        g_assert_false (g_strcmp0 (words[w], "SESSION") == 0 || g_strcmp0 (words[w], "ID") == 0);
      listed++;
    }
  g_assert_cmpuint (listed, ==, g_strv_length ((char **)verbs));
}

/* usage errors: exit 2 with the verb's usage, before connecting (the port
 * here has nothing behind it: a connection attempt would say so, exit 3) */
static void
test_usage_errors (void)
{
  g_autofree char *port = g_strdup_printf ("%u", tf_test_free_port ());
  struct
  {
    const char *argv[6];
    const char *says;
  } cases[] = {
    { { "power", "blink", "sim1" }, "power: 'blink' is not on, off or cycle" },
    { { "flash" }, "flash: missing arguments" },
    { { "flash", "sim1" }, "Usage: testfestctl flash ID IMAGE" },
    { { "board", "a", "b" }, "board: too many arguments" },
    { { "verdict", "s1", "x", "pass" }, "verdict: 'x' is not a case number" },
    { { "verdict", "s1", "3", "passed" }, "is not pass, fail" },
    { { "verify", "s1", "3", "maybe" }, "verify: 'maybe' is not agree or dispute" },
    { { "replan", "sideways", "x" }, "replan: 'sideways' is not" },
    { { "frobnicate" }, "unknown command 'frobnicate'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char **a = cases[i].argv;
      int rc = ctl (&out, &err, "--lab", "x", "--port", port, "--timeout", "300", a[0], a[1], a[2],
                    a[3], a[4], NULL);
      g_assert_cmpint (rc, ==, 2);
      assert_contains (err, cases[i].says);
      g_assert_null (strstr (err, "broker"));
    }
}

static void
world_free (World *w)
{
  if (w->broker != NULL)
    {
      g_subprocess_send_signal (w->broker, SIGTERM);
      g_subprocess_wait (w->broker, NULL, NULL);
      g_object_unref (w->broker);
    }
  tf_test_rm_rf (w->dir);
  g_free (w->dir);
  g_free (w->lab);
  g_free (w->event);
  g_free (w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

static gboolean
port_open (guint16 port)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

/* a broker exactly as tf-broker-config writes it for the demo event */
static World *
world_new (void)
{
  World *w = g_new0 (World, 1);
  g_autofree char *text = NULL, *conf = NULL, *out = NULL, *ws = NULL, *data = NULL, *log = NULL;
  g_autofree char *exe = g_build_filename (build_root (), "controller", "tf-broker-config", NULL);
  g_autofree char *src
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "fixtures", "demo.event", NULL);
  g_autofree char *ev = NULL;
  g_autoptr (GSubprocessLauncher) l = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *conf_text = NULL;
  int status = 0;
  gint64 deadline;

  w->dir = g_dir_make_tmp ("tf-ctl-XXXXXX", NULL);
  g_chmod (w->dir, 0755);
  w->port = tf_test_free_port ();
  w->lab = g_build_filename (w->dir, "lab.conf", NULL);
  w->event = g_build_filename (w->dir, "demo.event", NULL);
  g_assert_true (g_file_get_contents (src, &ev, NULL, NULL));
  g_assert_true (g_file_set_contents (w->event, ev, -1, NULL));
  {
    /* the lab's PSK the demo event names, private as the loader wants it */
    g_autofree char *key = NULL;
    g_autofree char *ksrc
        = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "fixtures", "acme-tracker.psk", NULL);
    g_autofree char *kdst = g_build_filename (w->dir, "acme-tracker.psk", NULL);
    g_assert_true (g_file_get_contents (ksrc, &key, NULL, NULL));
    g_assert_true (g_file_set_contents (kdst, key, -1, NULL));
    g_assert_cmpint (g_chmod (kdst, 0600), ==, 0);
  }
  text = g_strdup_printf ("[lab]\nname = ctltest\nhost = h\nstate-dir = %s/state\n\n[broker]\n"
                          "host = 127.0.0.1\nport = %u\nuser = testfestd\npassword-file = "
                          "%s/testfestd.pw\n",
                          w->dir, w->port, w->dir);
  g_assert_true (g_file_set_contents (w->lab, text, -1, NULL));
  out = g_build_filename (w->dir, "broker", NULL);
  ws = g_strdup_printf ("%u", tf_test_free_port ());
  data = g_build_filename (w->dir, "data", NULL);
  log = g_build_filename (w->dir, "mosquitto.log", NULL);
  {
    const char *argv[] = { exe,  "--lab",  w->lab,      "--event",       w->event, "--out",
                           out,  "--bind", "127.0.0.1", "--ws-port",     ws,       "--persistence",
                           data, "--log",  log,         "--broker-user", "root",   NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  conf = g_build_filename (out, "mosquitto.conf", NULL);
  g_assert_true (g_file_get_contents (conf, &conf_text, NULL, NULL));
  {
    /* stay root so that PR_SET_PDEATHSIG holds (a dying test takes the broker along) */
    g_autofree char *more = g_strdup_printf ("%suser root\n", conf_text);
    g_assert_true (g_file_set_contents (conf, more, -1, NULL));
  }
  l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  w->broker = g_subprocess_launcher_spawn (l, &error, "mosquitto", "-c", conf, NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!port_open (w->port) && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_true (port_open (w->port));
  return w;
}

/* the password of @user from tf-broker-config's credentials, into a file */
static char *
password_file (World *w, const char *user, const char *override)
{
  g_autofree char *creds = g_build_filename (w->dir, "broker", "credentials", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *name = g_strdup_printf ("%s.pw", user);
  char *path = g_build_filename (w->dir, name, NULL);

  g_assert_true (g_file_get_contents (creds, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; override == NULL && lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      if (g_strcmp0 (f[0], user) == 0 && f[1] != NULL)
        {
          g_autofree char *pw = g_strdup_printf ("%s\n", f[1]);
          g_assert_true (g_file_set_contents (path, pw, -1, NULL));
          return path;
        }
    }
  g_assert_nonnull (override);
  g_assert_true (g_file_set_contents (path, override, -1, NULL));
  return path;
}

static void
test_fail_fast (void)
{
  g_autoptr (World) w = world_new ();
  g_autofree char *bad = password_file (w, "acme-wrong", "not-the-password\n");
  g_autofree char *acme = password_file (w, "acme", NULL);
  g_autofree char *closed = g_strdup_printf ("%u", tf_test_free_port ());

  /* wrong password: the CONNACK says so; --timeout 300 is never waited out
   * (meson's own timeout for this test is shorter) */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ctl (&out, &err, "--config", w->lab, "--user", "acme", "--password-file", bad,
                          "--timeout", "300", "status", NULL),
                     ==, 3);
    assert_contains (err, "not authorised as acme");
  }
  /* unknown user */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ctl (&out, &err, "--config", w->lab, "--user", "mallory", "--password-file",
                          bad, "--timeout", "300", "status", NULL),
                     ==, 3);
    assert_contains (err, "not authorised as mallory");
  }
  /* nothing listens on the port */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (
        ctl (&out, &err, "--config", w->lab, "--port", closed, "--timeout", "300", "status", NULL),
        ==, 3);
    assert_contains (err, "connection refused");
  }
  /* a company calling a staff verb: the broker's ACL refuses the publish,
   * the PUBACK's reason code says so (no daemon runs here: waiting for an
   * answer would take the whole --timeout) */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ctl (&out, &err, "--config", w->lab, "--user", "acme", "--password-file", acme,
                          "--timeout", "300", "status", NULL),
                     ==, 1);
    assert_contains (err, "the broker refused the request on tf/ctltest/cmd/status for acme");
    assert_contains (err, "not authorised");
  }
  /* a company on another company's topic */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ctl (&out, &err, "--config", w->lab, "--user", "acme", "--password-file", acme,
                          "--company", "kiwi", "--timeout", "300", "sign", "s1", NULL),
                     ==, 1);
    assert_contains (err, "refused the request on tf/ctltest/in/kiwi/sign");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/testfestctl/verb-help", test_verb_help);
  g_test_add_func ("/testfestctl/global-help", test_global_help);
  g_test_add_func ("/testfestctl/usage-errors", test_usage_errors);
  g_test_add_func ("/testfestctl/fail-fast", test_fail_fast);
  return g_test_run ();
}
