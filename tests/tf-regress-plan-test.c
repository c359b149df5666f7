/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Regression plans: what they say, and every mistake as FILE:LINE. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-regress-plan.h"

static char *dir;

static char *
write_script (const char *name, gboolean exec)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, "#!/bin/sh\nexit 0\n", -1, NULL));
  g_chmod (path, exec ? 0755 : 0644);
  return g_steal_pointer (&path);
}

static TfCatalogue *
catalogue (void)
{
  g_autofree char *ets = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", NULL);
  g_autoptr (GError) error = NULL;
  TfCatalogue *c = tf_catalogue_load_dir (ets, &error);
  g_assert_no_error (error);
  return c;
}

static const char *good = "# nightly on the farm\n"
                          "[plan]\n"
                          "name = nightly\n"
                          "board-types = sim-l476\n"
                          "boards = sim9\n"
                          "images = fw-1.0;fw-1.1\n"
                          "suites = smoke;reg\n"
                          "repeat = 3\n"
                          "budget-minutes = 90\n"
                          "nightly = 02:30\n"
                          "priority = -5\n"
                          "health-script = ok.sh\n"
                          "\n"
                          "[suite smoke]\n"
                          "scripts = ok.sh\n"
                          "peer = server\n"
                          "timeout = 30\n"
                          "\n"
                          "[suite reg]\n"
                          "ets = 1.1\n"
                          "groups = Information Reporting\n"
                          "\n"
                          "[peer server]\n"
                          "command = sleep 1000\n"
                          "uri = coap://127.0.0.1:5683\n";

static void
test_good (void)
{
  g_autofree char *path = g_build_filename (dir, "good.plan", NULL);
  g_autofree char *ok = write_script ("ok.sh", TRUE);
  g_autoptr (TfCatalogue) cat = catalogue ();
  TfRegressPlanContext ctx = { NULL, NULL, cat, FALSE, TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfRegressPlan) plan
      = tf_regress_plan_load_data (path, good, strlen (good), &ctx, &error);
  TfRegressSuite *s;
  TfRegressCase *c;
  g_assert_no_error (error);
  g_assert_cmpstr (plan->name, ==, "nightly");
  g_assert_cmpuint (g_strv_length (plan->images), ==, 2);
  g_assert_cmpuint (plan->repeat, ==, 3);
  g_assert_cmpuint (plan->budget_min, ==, 90);
  g_assert_cmpint (plan->nightly_min, ==, 150);
  g_assert_cmpint (plan->priority, ==, -5);
  g_assert_cmpstr (plan->health_script, ==, ok);
  g_assert_true (tf_regress_plan_wants_board (plan, "sim9", "other"));
  g_assert_true (tf_regress_plan_wants_board (plan, "simX", "sim-l476"));
  g_assert_false (tf_regress_plan_wants_board (plan, "simX", "esp32"));
  s = tf_regress_plan_suite (plan, "smoke");
  g_assert_cmpuint (s->cases->len, ==, 1);
  c = g_ptr_array_index (s->cases, 0);
  g_assert_cmpint (c->case_id, ==, -1);
  g_assert_cmpstr (c->script, ==, ok);
  g_assert_cmpuint (s->timeout_s, ==, 30);
  g_assert_cmpstr (tf_regress_plan_peer (plan, s->peer)->uri, ==, "coap://127.0.0.1:5683");
  /* the group's automated cases only: 301 has a script, 303 has none */
  s = tf_regress_plan_suite (plan, "reg");
  g_assert_cmpuint (s->cases->len, ==, 1);
  c = g_ptr_array_index (s->cases, 0);
  g_assert_cmpint (c->case_id, ==, 301);
  g_assert_true (g_str_has_suffix (c->script, "case-301.sh"));
  g_assert_nonnull (strstr (c->name, "Observation"));
}

/* Each mistake, and the FILE:LINE (and words) it must be reported with. */
static const struct
{
  const char *text;
  const char *expect;
} bad[] = {
  { "[plan]\nboard-types = a\nimages = x\nsuites = s\n[suite s]\nscripts = ok.sh\n",
    "bad.plan:1: [plan]: missing key 'name'" },
  { "[plan]\nname = n\nimages = x\nsuites = s\n[suite s]\nscripts = ok.sh\n",
    "bad.plan:1: [plan]: needs 'board-types' or 'boards'" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n",
    "bad.plan:5: [plan] suites: no [suite s] group" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\nrepeat = 0\n[suite s]\nscripts = "
    "ok.sh\n",
    "bad.plan:6: [plan] repeat" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\nnightly = 25:00\n[suite s]\nscripts = "
    "ok.sh\n",
    "bad.plan:6: [plan] nightly: '25:00' is not HH:MM (UTC)" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\npriority = 500\n[suite s]\nscripts = "
    "ok.sh\n",
    "bad.plan:6: [plan] priority" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\ncolour = red\n[suite s]\nscripts = "
    "ok.sh\n",
    "bad.plan:6: [plan] colour" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nscripts = missing.sh\n",
    "bad.plan:8: [suite s] scripts:" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nscripts = noexec.sh\n",
    "is not an executable file" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\ncases = 101\n",
    "bad.plan:7: [suite s]: 'cases' and 'groups' need 'ets'" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nets = 1.1\ncases = 101\n",
    "bad.plan:9: [suite s] cases: case 101 is not automated" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nets = 1.1\ncases = 9999\n",
    "bad.plan:9: [suite s] cases: ETS 1.1 has no case 9999" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nets = 7.0\ncases = 301\n",
    "bad.plan:8: [suite s] ets: no ETS catalogue for version '7.0'" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nets = 1.1\ngroups = "
    "Bootstrap\n",
    "bad.plan:9: [suite s] groups: ETS 1.1 has no automated case in group 'Bootstrap'" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nscripts = ok.sh\npeer = "
    "p\n",
    "bad.plan:9: [suite s] peer: no [peer p] group" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n\n[suite s]\nscripts = ok.sh\n\n"
    "[peer p]\n",
    "bad.plan:10: [peer p]: needs 'command' or 'uri'" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n[suite s]\nscripts = ok.sh\n[thing]\n",
    "bad.plan:8: [thing]: unknown group" },
  { "[plan]\nname = n\nboards = a;a\nimages = x\nsuites = s\n[suite s]\nscripts = ok.sh\n",
    "bad.plan:3: [plan] boards: 'a' named twice" },
  { "[plan]\nname = bad name!\nboards = a\n", "bad.plan:2: [plan] name" },
  { "[plan]\nname = n\nname = m\n", "bad.plan:3" },
  { "[plan]\nname = n\nboards = a\nsuites = s\n[suite s]\nscripts = ok.sh\n",
    "bad.plan:1: [plan] images: no images" },
  { "[suite s]\nscripts = ok.sh\n", "bad.plan:1: [plan]: no [plan] group" },
  { "[plan]\nname = n\nboards = a\nimages = x\nsuites = s\n[suite s]\n",
    "bad.plan:6: [suite s]: no cases, groups or scripts" },
};

static void
test_bad (void)
{
  g_autofree char *path = g_build_filename (dir, "bad.plan", NULL);
  g_autofree char *ok = write_script ("ok.sh", TRUE);
  g_autofree char *noexec = write_script ("noexec.sh", FALSE);
  g_autoptr (TfCatalogue) cat = catalogue ();
  TfRegressPlanContext ctx = { NULL, NULL, cat, FALSE, TRUE };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TfRegressPlan) plan
          = tf_regress_plan_load_data (path, bad[i].text, strlen (bad[i].text), &ctx, &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (plan);
      g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
      if (strstr (error->message, bad[i].expect) == NULL)
        g_error ("case %u: '%s' does not say '%s'", i, error->message, bad[i].expect);
    }
}

/* Not text, or too big: refused before the key file parser sees it. */
static void
test_bounds (void)
{
  g_autoptr (GError) e1 = NULL, e2 = NULL;
  g_autofree char *big = g_malloc (TF_REGRESS_PLAN_MAX + 2);
  memset (big, '#', TF_REGRESS_PLAN_MAX + 1);
  g_assert_null (tf_regress_plan_load_data ("x.plan", big, TF_REGRESS_PLAN_MAX + 1, NULL, &e1));
  g_assert_nonnull (strstr (e1->message, "larger than"));
  g_assert_null (tf_regress_plan_load_data ("x.plan", "[plan]\n\0name", 12, NULL, &e2));
  g_assert_nonnull (strstr (e2->message, "not UTF-8 text"));
}

int
main (int argc, char **argv)
{
  int rc;
  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("tf-regress-plan-XXXXXX", NULL);
  g_test_add_func ("/regress/plan/good", test_good);
  g_test_add_func ("/regress/plan/bad", test_bad);
  g_test_add_func ("/regress/plan/bounds", test_bounds);
  rc = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    (void)!system (cmd);
  }
  return rc;
}
