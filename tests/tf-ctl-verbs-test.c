/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testfestctl's verb table and its column fitting. */
#include "tf-ctl-verbs.h"

#include <string.h>

static void
test_fit (void)
{
  const char *long_name = "Client registers, updates and deregisters with the server over DTLS";
  g_autofree char *cut = tf_ctl_fit (long_name, 50);
  g_autofree char *short_ = tf_ctl_fit ("Register", 10);
  g_autofree char *exact = tf_ctl_fit ("0123456789", 10);
  g_autofree char *utf8 = tf_ctl_fit ("Lumière Ørsted Ünïcode names that go on and on", 20);

  /* cut names end in an ellipsis, and take 50 characters exactly */
  g_assert_cmpint (g_utf8_strlen (cut, -1), ==, 50);
  g_assert_true (g_str_has_suffix (cut, "…"));
  g_assert_true (strncmp (cut, long_name, 49) == 0);
  g_assert_cmpstr (short_, ==, "Register  ");
  g_assert_cmpstr (exact, ==, "0123456789");
  g_assert_cmpint (g_utf8_strlen (utf8, -1), ==, 20);
  g_assert_true (g_utf8_validate (utf8, -1, NULL));
  g_assert_true (g_str_has_suffix (utf8, "…"));
}

static void
test_check (void)
{
  char *ok_power[] = { "power", "cycle", "sim1", NULL };
  char *bad_power[] = { "power", "blink", "sim1", NULL };
  char *ok_replan[] = { "replan", "absent", "kiwi", "2", "3", NULL };
  char *bad_replan[] = { "replan", "overrun", "s1", "two", NULL };
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;

  g_assert_true (tf_ctl_verb_check (3, ok_power, NULL));
  g_assert_false (tf_ctl_verb_check (3, bad_power, &e1));
  g_assert_nonnull (strstr (e1->message, "blink"));
  g_assert_true (tf_ctl_verb_check (5, ok_replan, NULL));
  g_assert_false (tf_ctl_verb_check (4, bad_replan, &e2));
  {
    /* run SESSION CASE, or run SESSION (with --all-automated, which testfestctl checks) */
    char *run_one[] = { "run", "a--b", "101", NULL };
    char *run_all[] = { "run", "a--b", NULL };
    char *run_bad[] = { "run", "a--b", "all", NULL };
    g_autoptr (GError) e3 = NULL;
    g_assert_true (tf_ctl_verb_check (3, run_one, NULL));
    g_assert_true (tf_ctl_verb_check (2, run_all, NULL));
    g_assert_false (tf_ctl_verb_check (3, run_bad, &e3));
    g_assert_nonnull (strstr (e3->message, "not a case number"));
  }
}

static void
test_help (void)
{
  g_autofree char *all = tf_ctl_verbs_summary ();
  g_autofree char *one = tf_ctl_verb_help (tf_ctl_verb_lookup ("sign"));
  g_auto (GStrv) lines = g_strsplit (all, "\n", -1);

  /* one verb per line: no line names two synopses */
  for (guint i = 1; lines[i] != NULL; i++)
    g_assert_null (strstr (lines[i], "run SESSION"));
  g_assert_nonnull (strstr (one, "sign SESSION --company C"));
  g_assert_null (strstr (one, "run SESSION"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ctl-verbs/fit", test_fit);
  g_test_add_func ("/ctl-verbs/check", test_check);
  g_test_add_func ("/ctl-verbs/help", test_help);
  return g_test_run ();
}
