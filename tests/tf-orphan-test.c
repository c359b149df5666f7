/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A test that dies mid-way (g_error, SIGTERM from meson's timeout, SIGKILL)
 * leaves no mosquitto, tf-simlab or testfestd behind. The dying test runs in a
 * child (this program run again); this process is its children's subreaper, so
 * whatever the child leaves running is reparented here and can be seen. */
#include "tf-harness.h"
#include "tf-test-host.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIM                                                                                        \
  "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"                                \
  "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM1\nusb-path = 1-1\n"             \
  "vid = 0483\npid = 374b\nserial = SIM00001\npower = relay1:1\nboot-ms = 100\n"
#define LAB                                                                                        \
  "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\n\n"                    \
  "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n"

/* the child: a whole lab, its pids written down, then the way it dies */
static void
child_world (const char *how)
{
  g_autoptr (TfHarness) h = tf_harness_new (SIM, LAB);
  const char *out = g_getenv ("TF_ORPHAN_OUT");
  g_autofree char *text = NULL;

  tf_harness_start_daemon (h);
  text = g_strdup_printf ("%s %s %s %s\n", g_subprocess_get_identifier (h->broker),
                          g_subprocess_get_identifier (h->simlab),
                          g_subprocess_get_identifier (h->daemon), h->dir);
  g_assert_true (g_file_set_contents (out, text, -1, NULL));
  if (g_strcmp0 (how, "error") == 0)
    g_error ("dying mid-test on purpose");
  else if (g_strcmp0 (how, "assert") == 0)
    g_assert_cmpint (1, ==, 2);
  else if (g_strcmp0 (how, "term") == 0)
    raise (SIGTERM);
  else
    raise (SIGKILL);
}

static const char *self;

static gboolean
alive (pid_t pid)
{
  int st;
  /* reparented to us (the subreaper): reap it if it is a zombie */
  if (waitpid (pid, &st, WNOHANG) == pid)
    return FALSE;
  return kill (pid, 0) == 0 || errno != ESRCH;
}

static void
check_dies (const char *how, gboolean dir_removed)
{
  g_autofree char *tmp = g_dir_make_tmp ("tf-orphan-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (tmp, "pids", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) f = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  const char *argv[] = { self, NULL };
  int status = 0;
  gint64 deadline;

  /* not g_test_trap_subprocess: in a GTest subprocess g_error() calls _exit()
   * instead of abort(), which is not what a failing test does */
  env = g_environ_setenv (env, "TF_ORPHAN_OUT", out, TRUE);
  env = g_environ_setenv (env, "TF_ORPHAN_CHILD", how, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **)argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  f = g_strsplit (g_strstrip (text), " ", -1);
  g_assert_cmpuint (g_strv_length (f), ==, 4);

  /* bounded generously: a loaded 2-core machine; all three are killed before
   * a failure is reported, so that a failing run leaves nothing either */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (guint i = 0; i < 3; i++)
    {
      pid_t pid = atoi (f[i]);
      g_assert_cmpint (pid, >, 1);
      while (alive (pid) && g_get_monotonic_time () < deadline)
        g_usleep (20000);
    }
  for (guint i = 0; i < 3; i++)
    if (alive (atoi (f[i])))
      kill (atoi (f[i]), SIGKILL);
  for (guint i = 0; i < 3; i++)
    if (kill (atoi (f[i]), 0) == 0)
      g_error ("%s: process %s (%s) outlived its test", how, f[i],
               i == 0   ? "mosquitto"
               : i == 1 ? "tf-simlab"
                        : "testfestd");
  if (dir_removed)
    g_assert_false (g_file_test (f[3], G_FILE_TEST_EXISTS));
  else
    tf_test_rm_rf (f[3]);
  tf_test_rm_rf (tmp);
}

static void
test_g_error (void)
{
  check_dies ("error", TRUE);
}

static void
test_assert (void)
{
  check_dies ("assert", TRUE);
}

static void
test_sigterm (void)
{
  check_dies ("term", TRUE);
}

static void
test_sigkill (void)
{
  /* nothing runs in a SIGKILLed process: PR_SET_PDEATHSIG does it all, the
   * folder stays (removed here) */
  check_dies ("kill", FALSE);
}

/* tf-floor-reload-test's libfaketime is looked up when the test runs, so a
 * build configured before the package was installed still finds it */
static void
test_faketime_at_test_time (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TF_FAKETIME_LIB"));
  g_autofree char *found = NULL;

  g_setenv ("TF_FAKETIME_LIB", "", TRUE);
  found = tf_test_faketime_lib ();
  if (saved != NULL)
    g_setenv ("TF_FAKETIME_LIB", saved, TRUE);
  /* scripts/test and scripts/demo both install Debian's faketime */
  g_assert_nonnull (found);
  g_assert_true (g_file_test (found, G_FILE_TEST_EXISTS));
  g_assert_true (g_str_has_suffix (found, "/faketime/libfaketimeMT.so.1"));
}

int
main (int argc, char **argv)
{
  if (g_getenv ("TF_ORPHAN_CHILD") != NULL)
    {
      child_world (g_getenv ("TF_ORPHAN_CHILD"));
      return 0;
    }
  self = argv[0];
  g_test_init (&argc, &argv, NULL);
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  g_test_add_func ("/tf-harness/faketime-at-test-time", test_faketime_at_test_time);
  g_test_add_func ("/tf-orphan/g-error", test_g_error);
  g_test_add_func ("/tf-orphan/assert", test_assert);
  g_test_add_func ("/tf-orphan/sigterm", test_sigterm);
  g_test_add_func ("/tf-orphan/sigkill", test_sigkill);
  return g_test_run ();
}
