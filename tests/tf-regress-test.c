/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The regression queue in the real daemon on the simulated farm: jobs spread
 * over boards and resumed after kill -9, a TestFest lease taking a board from
 * a running job, a failing health check quarantining its board, regressions,
 * fixes and flaky cases named across two runs, and what CI sees from
 * `testfestctl regress submit --wait` (exit 0, 1, 2; JUnit parsed back). */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-floor-util.h"

#define SIM_CMD_BOARD(id, n)                                                                       \
  "[board " id "]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM" #n "\npower = relay1:" #n           \
  "\ntable = T1\n\n"

static const char *lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n" SIM_CMD_BOARD ("sim1", 1) SIM_CMD_BOARD ("sim2", 2) SIM_CMD_BOARD ("sim3", 3)
          SIM_CMD_BOARD ("sim4", 4);

/* the farm: four boards flashed by a command, the floor's test event */
static TfFloorTest *
farm_new (void)
{
  TfFloorTest *t;
  tf_test_lab_body = lab_body;
  t = tf_floor_test_new (NULL);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *b = g_strdup_printf ("sim%u", i);
      g_assert_true (tf_harness_wait_board_state (t->h, b, "ready", 20000));
    }
  return t;
}

static char *
write_file (TfFloorTest *t, const char *name, const char *text, int mode)
{
  char *path = tf_harness_path (t->h, name);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_chmod (path, mode);
  return path;
}

/* The firmware "behaviour" the scripts judge: a file lists what each image breaks. */
static void
write_scripts (TfFloorTest *t)
{
  g_autofree char *dir = g_strdup (t->h->dir);
  g_autofree char *ok
      = write_file (t, "ok.sh", "#!/bin/sh\necho \"ok on $TF_BOARD\"\nexit 0\n", 0755);
  g_autofree char *slow = write_file (
      t, "slow.sh", "#!/bin/sh\necho \"case $TF_CASE on $TF_BOARD\"\nsleep 1\n", 0755);
  g_autofree char *breaks = g_strdup_printf (
      "#!/bin/sh\n# fails where the image is listed as breaking this case\n"
      "if grep -q \"$TF_IMAGE_SHA256 $(basename $0)\" %s/broken 2>/dev/null; then\n"
      "  echo \"broken by $TF_IMAGE\"; exit 1; fi\necho fine\nexit 0\n",
      dir);
  g_autofree char *flaky = g_strdup_printf (
      "#!/bin/sh\n# every other run fails, whatever the image\n"
      "n=$(cat %s/flaky.count 2>/dev/null || echo 0)\necho $((n + 1)) > %s/flaky.count\n"
      "[ $((n %% 2)) -eq 0 ] && { echo pass; exit 0; }\necho \"timing fault\"; exit 1\n",
      dir, dir);
  g_free (write_file (t, "reg.sh", breaks, 0755));
  g_free (write_file (t, "fix.sh", breaks, 0755));
  g_free (write_file (t, "flaky.sh", flaky, 0755));
}

static sqlite3 *
open_store (TfFloorTest *t)
{
  g_autofree char *path = g_build_filename (t->h->state_dir, "testfest.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
count (sqlite3 *db, const char *sql, const char *arg)
{
  sqlite3_stmt *st = NULL;
  gint64 n;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (st, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

/* Submit @plan_text (as testfestctl does) with an image file; returns the run id. */
static char *
submit (TfFloorTest *t, const char *plan_name, const char *plan_text, const char *image)
{
  g_autofree char *plan = write_file (t, plan_name, plan_text, 0644);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) n = NULL;
  g_autofree char *json = NULL, *data = NULL, *sha = NULL;
  g_autoptr (JsonObject) r = NULL;
  gsize len = 0;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "plan-path");
  json_builder_add_string_value (b, plan);
  json_builder_set_member_name (b, "plan");
  json_builder_add_string_value (b, plan_text);
  if (image != NULL)
    {
      g_assert_true (g_file_get_contents (image, &data, &len, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
      json_builder_set_member_name (b, "image-path");
      json_builder_add_string_value (b, image);
      json_builder_set_member_name (b, "image-sha256");
      json_builder_add_string_value (b, sha);
    }
  json_builder_end_object (b);
  n = json_builder_get_root (b);
  json = json_to_string (n, FALSE);
  r = tf_floor_request (t, NULL, "regress-submit", "%s", json);
  if (!tf_floor_ok (r))
    g_error ("submit refused: %s", json_object_get_string_member (r, "error"));
  return g_strdup (json_object_get_string_member (r, "run"));
}

static JsonObject *
run_state (TfFloorTest *t, const char *run)
{
  g_autofree char *suffix = g_strdup_printf ("regress/run/%s", run);
  const char *json = tf_harness_retained (t->h, suffix);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static gboolean
run_ended (TfHarness *h, gpointer data)
{
  TfFloorTest *t = ((gpointer *)data)[0];
  g_autoptr (JsonObject) st = run_state (t, ((gpointer *)data)[1]);
  return st != NULL
         && g_strcmp0 (
                json_object_get_string_member (json_object_get_object_member (st, "run"), "state"),
                "running")
                != 0;
}

static void
wait_run (TfFloorTest *t, const char *run, guint timeout_ms)
{
  gpointer data[2] = { t, (gpointer)run };
  g_assert_true (tf_harness_wait (t->h, run_ended, data, timeout_ms));
}

static JsonObject *
report (TfFloorTest *t, const char *run)
{
  g_autoptr (JsonObject) r
      = tf_floor_request (t, NULL, "regress-report", "{\"run\":\"%s\",\"output\":true}", run);
  g_assert_true (tf_floor_ok (r));
  return json_object_ref (json_object_get_object_member (r, "report"));
}

typedef struct
{
  sqlite3 *db;
  const char *sql;
  const char *arg;
  gint64 at_least;
} DbWait;

static gboolean
db_reaches (TfHarness *h, gpointer data)
{
  DbWait *w = data;
  return count (w->db, w->sql, w->arg) >= w->at_least;
}

/* --- jobs spread over boards; kill -9 in the middle; resumed -------------------- */

static void
test_spread_resume (void)
{
  g_autoptr (TfFloorTest) t = farm_new ();
  g_autofree char *img = write_file (t, "fw-a.bin", "FIRMWARE A 1.0\n", 0644);
  g_autofree char *run = NULL;
  sqlite3 *db;
  gint64 resumed_at;
  g_autoptr (JsonObject) rep = NULL;
  DbWait w;

  write_scripts (t);
  run = submit (t, "spread.plan",
                "[plan]\nname = spread\nboard-types = sim-l476-cmd\n"
                "suites = s1;s2;s3;s4;s5;s6\nrepeat = 3\n"
                "[suite s1]\nscripts = slow.sh\n[suite s2]\nscripts = slow.sh\n"
                "[suite s3]\nscripts = slow.sh\n[suite s4]\nscripts = slow.sh\n"
                "[suite s5]\nscripts = slow.sh\n[suite s6]\nscripts = slow.sh\n",
                img);
  db = open_store (t);
  /* six jobs, stored before any of them started */
  g_assert_cmpint (count (db, "SELECT count(*) FROM regress_job WHERE run = ?", run), ==, 6);
  /* kill once some cases ran on more than one board */
  w = (DbWait){ db,
                "SELECT count(DISTINCT c.board) FROM regress_case c JOIN regress_job j ON j.id = "
                "c.job WHERE j.run = ?",
                run, 2 };
  g_assert_true (tf_harness_wait (t->h, db_reaches, &w, 120000));
  tf_harness_stop_daemon (t->h, SIGKILL);
  resumed_at = count (db,
                      "SELECT count(*) FROM regress_job WHERE run = ? AND state = 'running' AND "
                      "next > 0",
                      run);
  g_test_message ("killed with %" G_GINT64_FORMAT " jobs part-way", resumed_at);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_job WHERE run = ? AND state = 'running'", run), >,
      0);
  tf_floor_test_start_daemon (t);
  tf_floor_wait_up (t);
  /* twice more, each time after a few more cases (kill -9 again and again, as
   * tf-crash-test does), unless the run ends first */
  for (guint round = 0; round < 2; round++)
    {
      const char *sql = "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job "
                        "WHERE j.run = ?";
      w = (DbWait){ db, sql, run, count (db, sql, run) + 3 };
      if (count (db, sql, run) + 3 > 18 || !tf_harness_wait (t->h, db_reaches, &w, 120000))
        break;
      if (round == 0)
        {
          tf_harness_stop_daemon (t->h, SIGKILL);
        }
      else
        {
          /* a clean stop while cases run: no crash, the jobs resume at the next start */
          int status = tf_harness_stop_daemon (t->h, SIGTERM);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 0);
        }
      g_test_message ("stopped at %" G_GINT64_FORMAT " cases", count (db, sql, run));
      tf_floor_test_start_daemon (t);
      tf_floor_wait_up (t);
    }
  wait_run (t, run, 240000);
  /* every step of every job ran exactly once (the primary key), all passed */
  g_assert_cmpint (count (db,
                          "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job "
                          "WHERE j.run = ? AND c.verdict = 'pass'",
                          run),
                   ==, 18);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_job WHERE run = ? AND state = 'passed'", run), ==,
      6);
  g_assert_cmpint (count (db,
                          "SELECT count(DISTINCT c.board) FROM regress_case c JOIN regress_job j "
                          "ON j.id = c.job WHERE j.run = ?",
                          run),
                   >=, 2);
  sqlite3_close (db);
  rep = report (t, run);
  g_assert_cmpint (json_object_get_int_member (rep, "exit"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (rep, "summary"), ==,
                   "0 regressions, 0 fixed, 0 flaky");
}

/* --- a TestFest lease takes the board at the end of the current case ----------- */

typedef struct
{
  TfFloorTest *t;
  const char *board;
} OnBoard;

static gboolean
board_in_regress (TfHarness *h, gpointer data)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, data);
  const char *s = b ? json_object_get_string_member_with_default (b, "session", NULL) : NULL;
  return s != NULL && g_str_has_prefix (s, "regress:");
}

static void
test_lease_preempts (void)
{
  g_autoptr (TfFloorTest) t = farm_new ();
  g_autofree char *img = write_file (t, "fw-a.bin", "FIRMWARE A 1.0\n", 0644);
  const char *session = "alpha-client--gamma-server"; /* alpha's board is sim1 */
  g_autofree char *run = NULL;
  sqlite3 *db;
  g_autoptr (JsonObject) rep = NULL;
  gint64 before;

  write_scripts (t);
  run = submit (t, "pinned.plan",
                "[plan]\nname = pinned\nboards = sim1\nsuites = long\nrepeat = 6\n"
                "[suite long]\nscripts = slow.sh\n",
                img);
  db = open_store (t);
  g_assert_true (tf_harness_wait (t->h, board_in_regress, "sim1", 60000));
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "start", "{\"session\":\"%s\"}", session);
    g_assert_true (tf_floor_ok (r));
  }
  g_assert_true (tf_floor_wait_phase (t, session, "running", 60000));
  /* the job gave way between two cases: queued again, no case cut short */
  g_assert_cmpint (count (db,
                          "SELECT count(*) FROM regress_job WHERE run = ? AND state = 'queued' AND "
                          "error LIKE 'yielded sim1 to TestFest session %'",
                          run),
                   ==, 1);
  before = count (db,
                  "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job WHERE "
                  "j.run = ?",
                  run);
  g_assert_cmpint (before, <, 6);
  g_assert_cmpint (count (db,
                          "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job "
                          "WHERE j.run = ? AND c.verdict <> 'pass'",
                          run),
                   ==, 0);
  /* while the session runs, the job waits (its plan pins sim1) */
  tf_harness_sleep (t->h, 2500);
  g_assert_cmpint (count (db,
                          "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job "
                          "WHERE j.run = ?",
                          run),
                   ==, before);
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "end", "{\"session\":\"%s\"}", session);
    g_assert_true (tf_floor_ok (r));
  }
  /* the board is back: the job resumes where it stopped and ends */
  wait_run (t, run, 120000);
  g_assert_cmpint (count (db,
                          "SELECT count(*) FROM regress_case c JOIN regress_job j ON j.id = c.job "
                          "WHERE j.run = ? AND c.verdict = 'pass'",
                          run),
                   ==, 6);
  sqlite3_close (db);
  rep = report (t, run);
  g_assert_cmpint (json_object_get_int_member (rep, "exit"), ==, 0);
}

/* --- a failing health check: quarantined, the jobs run elsewhere ---------------- */

static gboolean
staff_told (TfHarness *h, gpointer board)
{
  const char *st = tf_harness_retained (h, "regress/status");
  g_autofree char *needle = g_strdup_printf ("\"staff-attention\":[\"%s\"]", (char *)board);
  return st != NULL && strstr (st, needle) != NULL;
}

static void
test_health_quarantine (void)
{
  g_autoptr (TfFloorTest) t = farm_new ();
  g_autofree char *img = write_file (t, "fw-a.bin", "FIRMWARE A 1.0\n", 0644);
  g_autofree char *run = NULL;
  g_autofree char *answer = NULL;
  g_autoptr (JsonObject) board = NULL;
  sqlite3 *db;

  write_scripts (t);
  /* sim3 no longer boots: its power cycle shows no banner */
  answer = tf_harness_sim (t->h, "fault sim3 never-boots");
  g_assert_cmpstr (answer, ==, "ok");
  run = submit (t, "health.plan",
                "[plan]\nname = health\nboard-types = sim-l476-cmd\nsuites = a;b;c;d;e\n"
                "health-script = ok.sh\n"
                "[suite a]\nscripts = slow.sh\n[suite b]\nscripts = slow.sh\n"
                "[suite c]\nscripts = slow.sh\n[suite d]\nscripts = slow.sh\n"
                "[suite e]\nscripts = slow.sh\n",
                img);
  /* its check fails on the banner (the board type's boot timeout) */
  g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "quarantined", 60000));
  wait_run (t, run, 240000);
  db = open_store (t);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_health WHERE board = ? AND ok = 0", "sim3"), >=, 1);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_health WHERE board <> 'sim3' AND ok = 1", NULL), >=,
      1);
  /* nothing ran on sim3, everything ran elsewhere */
  g_assert_cmpint (count (db, "SELECT count(*) FROM regress_case WHERE board = ?", "sim3"), ==, 0);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_job WHERE run = ? AND state = 'passed'", run), ==,
      5);
  sqlite3_close (db);
  board = tf_harness_board (t->h, "sim3");
  tf_harness_assert_contains (json_object_get_string_member (board, "error"),
                              "health check failed: power cycle");
  {
    g_autoptr (JsonObject) st = tf_floor_request (t, NULL, "regress-status", "{}");
    g_autofree char *text = NULL;
    g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
    json_node_set_object (n, st);
    text = json_to_string (n, FALSE);
    tf_harness_assert_contains (text, "\"board\":\"sim3\",\"state\":\"quarantined\"");
    tf_harness_assert_contains (text, "\"staff-attention\":[]");
  }
  /* staff release it without mending it: checked again before any job, it
   * fails again, and now staff are told (the retained regress/status) */
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "release", "{\"board\":\"sim3\"}");
    g_autofree char *run2 = NULL;
    g_assert_true (tf_floor_ok (r));
    g_autoptr (JsonObject) rep = NULL;
    g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "off", 10000));
    run2 = submit (t, "health2.plan",
                   "[plan]\nname = pinned3\nboards = sim3\nsuites = a\n"
                   "[suite a]\nscripts = slow.sh\n",
                   img);
    g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "quarantined", 60000));
    g_assert_true (tf_harness_wait (t->h, staff_told, (gpointer) "sim3", 10000));
    /* its job cannot run anywhere else: staff cancel it; no verdict, exit 2 */
    r = tf_floor_request (t, NULL, "regress-cancel", "{\"id\":\"%s\"}", run2);
    g_assert_true (tf_floor_ok (r));
    wait_run (t, run2, 30000);
    rep = report (t, run2);
    g_assert_cmpint (json_object_get_int_member (rep, "exit"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (rep, "cancelled"), ==, 1);
  }
  db = open_store (t);
  g_assert_cmpint (
      count (db, "SELECT count(*) FROM regress_health WHERE board = ? AND ok = 0", "sim3"), ==, 2);
  g_assert_cmpint (count (db, "SELECT count(*) FROM regress_case WHERE board = ?", "sim3"), ==, 0);
  sqlite3_close (db);
}

/* --- two runs: a regression, a fix, a flaky case; CI's exit codes; JUnit -------- */

typedef struct
{
  guint suites, cases, failures, errors;
  gboolean in_case;
} Junit;

static void
junit_start (GMarkupParseContext *ctx, const char *el, const char **names, const char **values,
             gpointer data, GError **error)
{
  Junit *j = data;
  if (g_str_equal (el, "testsuite"))
    j->suites++;
  else if (g_str_equal (el, "testcase"))
    j->cases++;
  else if (g_str_equal (el, "failure"))
    j->failures++;
  else if (g_str_equal (el, "error"))
    j->errors++;
}

static Junit
parse_junit (const char *path)
{
  static const GMarkupParser parser = { junit_start, NULL, NULL, NULL, NULL };
  Junit j = { 0 };
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, &j, NULL);
  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  g_assert_true (g_markup_parse_context_parse (ctx, xml, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  return j;
}

static gboolean
has_retained (TfHarness *h, gpointer suffix)
{
  return tf_harness_retained (h, suffix) != NULL;
}

static const char *history_plan
    = "[plan]\nname = history\nboard-types = sim-l476-cmd\nsuites = ok;reg;fix;flaky\nrepeat = 2\n"
      "[suite ok]\nscripts = ok.sh\n[suite reg]\nscripts = reg.sh\n[suite fix]\nscripts = fix.sh\n"
      "[suite flaky]\nscripts = flaky.sh\n";

static void
test_history_ci (void)
{
  g_autoptr (TfFloorTest) t = farm_new ();
  g_autofree char *fw_a = write_file (t, "fw-a.bin", "FIRMWARE 1.0\n", 0644);
  g_autofree char *fw_b = write_file (t, "fw-b.bin", "FIRMWARE 1.1 (new scheduler)\n", 0644);
  g_autofree char *plan = write_file (t, "history.plan", history_plan, 0644);
  g_autofree char *plan_ok
      = write_file (t, "ok.plan",
                    "[plan]\nname = smoke\nboard-types = sim-l476-cmd\nsuites = ok\n"
                    "[suite ok]\nscripts = ok.sh\n",
                    0644);
  g_autofree char *plan_infra
      = write_file (t, "infra.plan",
                    "[plan]\nname = infra\nboards = sim2\nsuites = ok\n"
                    "[suite ok]\nscripts = ok.sh\npeer = gone\n"
                    "[peer gone]\ncommand = /nonexistent/lwm2m-server\nuri = coap://127.0.0.1\n",
                    0644);
  g_autofree char *junit1 = tf_harness_path (t->h, "run1.xml");
  g_autofree char *junit2 = tf_harness_path (t->h, "run2.xml");
  g_autofree char *json2 = tf_harness_path (t->h, "run2.json");
  g_autofree char *broken = NULL, *sha_a = NULL, *sha_b = NULL;
  g_autofree char *out = NULL, *err = NULL;
  Junit j;
  int rc;

  write_scripts (t);
  {
    g_autofree char *a = NULL, *b = NULL;
    g_assert_true (g_file_get_contents (fw_a, &a, NULL, NULL));
    g_assert_true (g_file_get_contents (fw_b, &b, NULL, NULL));
    sha_a = g_compute_checksum_for_string (G_CHECKSUM_SHA256, a, -1);
    sha_b = g_compute_checksum_for_string (G_CHECKSUM_SHA256, b, -1);
  }
  /* 1.0 has a bug the fix suite sees; 1.1 fixes it and breaks reg */
  broken = g_strdup_printf ("%s fix.sh\n%s reg.sh\n", sha_a, sha_b);
  g_free (write_file (t, "broken", broken, 0644));

  /* everything passes: 0 */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan_ok, "--image", fw_a,
                       "--wait", NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "0 regressions, 0 fixed, 0 flaky");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* night 1 (1.0): fix fails, flaky flips between its repeats: 1 */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan, "--image", fw_a,
                       "--wait", "--junit", junit1, NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 1);
  tf_harness_assert_contains (err, "jobs done");
  tf_harness_assert_contains (out, "0 regressions, 0 fixed, 1 flaky");
  j = parse_junit (junit1);
  g_assert_cmpuint (j.suites, ==, 4);
  g_assert_cmpuint (j.cases, ==, 8);
  g_assert_cmpuint (j.failures, ==, 3); /* fix twice, flaky once */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* night 2 (1.1): reg regressed, fix fixed, flaky still flaky */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan, "--image", fw_b,
                       "--wait", "--junit", junit2, "--json", json2, NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 1);
  tf_harness_assert_contains (out, "1 regression, 1 fixed, 1 flaky");
  tf_harness_assert_contains (out, "regressions: reg / reg.sh");
  tf_harness_assert_contains (out, "fixed: fix / fix.sh");
  j = parse_junit (junit2);
  g_assert_cmpuint (j.cases, ==, 8);
  g_assert_cmpuint (j.failures, ==, 3); /* reg twice, flaky once */
  {
    g_autoptr (JsonParser) p = json_parser_new ();
    JsonObject *rep;
    g_assert_true (json_parser_load_from_file (p, json2, NULL));
    rep = json_node_get_object (json_parser_get_root (p));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rep, "regressions")), ==,
                      1);
    g_assert_nonnull (json_object_get_string_member (rep, "previous-run"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the same image again: reg fails again (no regression: nothing new), flaky flips */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan, "--image", fw_b,
                       "--wait", NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 1);
  tf_harness_assert_contains (out, "0 regressions, 0 fixed, 1 flaky");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the peer cannot start: no verdict can be reached, whatever the board: 2 */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan_infra, "--image", fw_a,
                       "--wait", "--junit", junit1, NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (rc, ==, 2);
  tf_harness_assert_contains (out, "1 job without a verdict (infrastructure)");
  j = parse_junit (junit1);
  g_assert_cmpuint (j.errors, ==, 1);
  g_assert_cmpuint (j.failures, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* an image that is not the one handed in is refused before anything is flashed */
  {
    g_autoptr (JsonObject) r = tf_floor_request (
        t, NULL, "regress-submit",
        "{\"plan-path\":\"%s\",\"plan\":\"[plan]\\nname = x\\nboards = sim1\\nsuites = ok\\n"
        "[suite ok]\\nscripts = ok.sh\\n\",\"image-path\":\"%s\",\"image-sha256\":\"%s\"}",
        plan_ok, fw_a, sha_b);
    g_assert_false (tf_floor_ok (r));
    tf_harness_assert_contains (json_object_get_string_member (r, "error"), "not the");
  }
  /* a company sees only the runs of its own builds: none of staff's ... */
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, "alpha", "regress-runs", "{}");
    g_assert_true (tf_floor_ok (r));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "runs")), ==, 0);
    g_clear_pointer (&r, json_object_unref);
    r = tf_floor_request (t, NULL, "regress-runs", "{}");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "runs")), ==, 5);
    /* ... and companies cannot submit (a plan names files on the lab host) */
    g_clear_pointer (&r, json_object_unref);
    r = tf_floor_request (t, "alpha", "regress-submit", "{\"plan-path\":\"/x\",\"plan\":\"\"}");
    g_assert_false (tf_floor_ok (r));
  }
  /* staff hand in alpha's build for it: alpha sees that run, gamma does not */
  rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", plan_ok, "--image", fw_a,
                       "--for-company", "alpha", "--wait", NULL);
  g_assert_cmpint (rc, ==, 0);
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, "alpha", "regress-runs", "{}");
    JsonArray *runs = json_object_get_array_member (r, "runs");
    g_autofree char *id = NULL, *topic = NULL;
    g_assert_cmpuint (json_array_get_length (runs), ==, 1);
    id = g_strdup (json_object_get_string_member (json_array_get_object_element (runs, 0), "id"));
    g_clear_pointer (&r, json_object_unref);
    r = tf_floor_request (t, "alpha", "regress-report", "{\"run\":\"%s\"}", id);
    g_assert_true (tf_floor_ok (r));
    g_clear_pointer (&r, json_object_unref);
    r = tf_floor_request (t, "gamma", "regress-report", "{\"run\":\"%s\"}", id);
    g_assert_false (tf_floor_ok (r));
    /* and its progress where only alpha (and staff) can read */
    topic = g_strdup_printf ("private/alpha/regress/run/%s", id);
    g_assert_true (tf_harness_wait (t->h, has_retained, topic, 10000));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* and a plan error comes back as FILE:LINE, exit 2 */
  {
    g_autofree char *bad = write_file (t, "bad.plan",
                                       "[plan]\nname = b\nboards = sim9\n"
                                       "suites = ok\n[suite ok]\nscripts = ok.sh\n",
                                       0644);
    rc = tf_harness_ctl (t->h, &out, &err, "regress", "submit", "--plan", bad, "--image", fw_a,
                         NULL);
    g_assert_cmpint (rc, ==, 2);
    tf_harness_assert_contains (err, "bad.plan:3: [plan] boards: no board 'sim9' in the lab");
  }
}

/* --- bad hardware, not bad firmware: a suspect board ------------------------------ */

static void
test_suspect_board (void)
{
  g_autoptr (TfFloorTest) t = farm_new ();
  g_autofree char *img = write_file (t, "fw-a.bin", "FIRMWARE A 1.0\n", 0644);
  g_autofree char *run = NULL;
  g_autoptr (JsonObject) rep = NULL;
  JsonArray *sus;

  write_scripts (t);
  /* sim4's radio is broken: whatever the firmware, its cases fail there */
  g_free (write_file (
      t, "hw.sh", "#!/bin/sh\n[ \"$TF_BOARD\" = sim4 ] && { echo 'no network'; exit 1; }\nexit 0\n",
      0755));
  run = submit (t, "hw.plan",
                "[plan]\nname = hw\nboards = sim1;sim2;sim3;sim4\nsuites = net\nrepeat = 2\n"
                "[suite net]\nscripts = hw.sh\n",
                img);
  wait_run (t, run, 120000);
  rep = report (t, run);
  g_assert_cmpstr (json_object_get_string_member (rep, "summary"), ==,
                   "0 regressions, 0 fixed, 0 flaky, board sim4 suspect");
  sus = json_object_get_array_member (rep, "suspect-boards");
  g_assert_cmpuint (json_array_get_length (sus), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (sus, 0),
                                               "failed-where-others-pass"),
                   ==, 2);
  /* the run still failed: CI sees it (the board's fault is named, not hidden) */
  g_assert_cmpint (json_object_get_int_member (rep, "exit"), ==, 1);
}

/* --- the nightly run needs no person --------------------------------------------- */

static gint64
runs_of (TfFloorTest *t, const char *plan)
{
  sqlite3 *db = open_store (t);
  gint64 n = count (db, "SELECT count(*) FROM regress_run WHERE plan = ?", plan);
  sqlite3_close (db);
  return n;
}

static gboolean
has_runs (TfHarness *h, gpointer data)
{
  return runs_of (((gpointer *)data)[0], "nightly") >= GPOINTER_TO_INT (((gpointer *)data)[1]);
}

static void
test_nightly (void)
{
  g_autoptr (TfFloorTest) t = NULL;
  g_autofree char *plan = NULL, *out = NULL, *err = NULL;
  gpointer data[2];

  tf_test_lab_body = lab_body;
  t = tf_floor_test_new_at (NULL, "2030-06-04 01:59:50");
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 20000));
  write_scripts (t);
  {
    /* the plan runs the lab's own image (from the images file) */
    plan = write_file (t, "nightly.plan",
                       "[plan]\nname = nightly\nboard-types = sim-l476-cmd\nimages = alpha-fw\n"
                       "suites = ok\nnightly = 02:00\n[suite ok]\nscripts = ok.sh\n",
                       0644);
  }
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "regress", "schedule", "--plan", plan, NULL),
                   ==, 0);
  tf_harness_assert_contains (out, "plan nightly runs every night");
  g_assert_cmpint (runs_of (t, "nightly"), ==, 0);
  /* 02:00 comes: it runs by itself */
  data[0] = t;
  data[1] = GINT_TO_POINTER (1);
  g_assert_true (tf_harness_wait (t->h, has_runs, data, 60000));
  /* restarted later that night: it does not run twice */
  tf_harness_stop_daemon (t->h, SIGTERM);
  tf_harness_set_clock (t->h, "2030-06-04 03:00:00");
  tf_floor_test_start_daemon (t);
  tf_floor_wait_up (t);
  tf_harness_sleep (t->h, 2000);
  g_assert_cmpint (runs_of (t, "nightly"), ==, 1);
  /* the host was down at 02:00 the next night: the missed night runs when it is back */
  tf_harness_stop_daemon (t->h, SIGTERM);
  tf_harness_set_clock (t->h, "2030-06-05 04:00:00");
  tf_floor_test_start_daemon (t);
  tf_floor_wait_up (t);
  data[1] = GINT_TO_POINTER (2);
  g_assert_true (tf_harness_wait (t->h, has_runs, data, 30000));
  tf_harness_sleep (t->h, 1000);
  g_assert_cmpint (runs_of (t, "nightly"), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tf_harness_ctl (t->h, &out, NULL, "regress", "unschedule", "nightly", NULL), ==,
                   0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/regress/history-ci", test_history_ci);
  g_test_add_func ("/regress/spread-resume", test_spread_resume);
  g_test_add_func ("/regress/lease-preempts", test_lease_preempts);
  g_test_add_func ("/regress/health-quarantine", test_health_quarantine);
  g_test_add_func ("/regress/nightly", test_nightly);
  g_test_add_func ("/regress/suspect-board", test_suspect_board);
  return g_test_run ();
}
