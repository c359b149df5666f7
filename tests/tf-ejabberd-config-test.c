/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config --ejabberd's command line: what it does not write is
 * refused (exit 2, a reason), and nothing is written. No ejabberd needed. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-test-host.h"

static const char *event_text
    = "[event]\nname = ejabberd test\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"
      "day-end = 12:00\ntables = 2\n\n[company acme]\nname = Acme IoT GmbH\n";

static char *
tool (const char *name)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", name, NULL);
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected '%s' in '%s'", needle, text ? text : "(null)");
}

/* What --ejabberd does not write is refused with a reason, not half-written. */
static void
test_config_refusals (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-ej-cfg-XXXXXX", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *event = g_build_filename (dir, "event.conf", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *exe = tool ("tf-broker-config");
  g_autofree char *lab_text = g_strdup_printf (
      "[lab]\nname = cfg\nhost = h\nstate-dir = %s/state\n\n[broker]\nhost = 127.0.0.1\n"
      "port = 1883\nuser = testfestd\npassword-file = daemon.pw\n",
      dir);
  const struct
  {
    const char *a, *b, *c, *needle;
  } cases[] = {
    { "--ejabberd", "localhost", "--persistence=p", "--persistence or --log" },
    { "--ejabberd", "localhost", "--log=x.log", "--persistence or --log" },
    { "--ejabberd", "lab@example", NULL, "not a domain name" },
    { "--ejabberd", "", NULL, "not a domain name" },
  };

  g_assert_nonnull (dir);
  g_assert_true (g_file_set_contents (lab, lab_text, -1, NULL));
  g_assert_true (g_file_set_contents (event, event_text, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[] = { exe, "--lab",    lab,        "--event",  event, "--out",
                             out, cases[i].a, cases[i].b, cases[i].c, NULL };
      g_autofree char *err = NULL;
      g_autoptr (GError) error = NULL;
      int status = 0;
      g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                   NULL, NULL, &err, &status, &error));
      g_assert_no_error (error);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 2);
      assert_contains (err, cases[i].needle);
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
  tf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ejabberd/config-refusals", test_config_refusals);
  return g_test_run ();
}
