/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scheduler in the daemon: [lab] event = FILE, the retained schedule,
 * re-planning on request and on board faults, testfestctl schedule. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-floor-util.h"

static void
test_schedule_published (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (JsonObject) s = tf_floor_schedule (t);
  g_autofree char *out = NULL, *err = NULL, *ics = NULL, *file = NULL, *check = NULL;
  g_autofree char *ev = tf_harness_path (t->h, "test.event");

  g_assert_cmpstr (json_object_get_string_member (s, "schema"), ==, "testfest-schedule/1");
  g_assert_cmpint (json_object_get_int_member (s, "lower-bound"), ==, 2);
  g_assert_nonnull (json_object_get_string_member (s, "method"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (s, "sessions")), ==, 4);

  /* the readable table */
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "schedule", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "alpha-client"));
  g_assert_nonnull (strstr (out, "4 sessions in 2 slots"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* JSON: what is retained */
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "schedule", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"testfest-schedule/1\""));
  file = tf_harness_path (t->h, "schedule.json");
  g_assert_true (g_file_set_contents (file, out, -1, NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* CSV */
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "schedule", "--csv", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "slot,start,end,table,client"));
  g_assert_nonnull (strstr (out, ",beta-client,beta,gamma-server,gamma,sim2,planned"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* one calendar per team */
  ics = tf_harness_path (t->h, "ics");
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "schedule", "--ics", ics, NULL), ==, 0);
  {
    g_autofree char *alpha = g_build_filename (ics, "alpha-client.ics", NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (alpha, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "BEGIN:VCALENDAR"));
    g_assert_nonnull (strstr (text, "gamma-server"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* offline check: ours is clean; a broken one lists every rule it breaks */
  g_assert_cmpint (
      tf_harness_ctl (t->h, &out, &err, "schedule", "--check", file, "--event", ev, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    g_autofree char *text = NULL;
    g_autoptr (GRegex) slot = g_regex_new ("\"slot\" : [0-9]+", 0, 0, NULL);
    g_autofree char *broken = NULL;
    check = tf_harness_path (t->h, "broken.json");
    g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
    broken = g_regex_replace_literal (slot, text, -1, 0, "\"slot\" : 0", 0, NULL);
    g_assert_true (g_file_set_contents (check, broken, -1, NULL));
  }
  g_assert_cmpint (
      tf_harness_ctl (t->h, &out, &err, "schedule", "--check", check, "--event", ev, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "broken.json: "));
  g_assert_cmpuint (g_strv_length (g_strsplit (out, "\n", -1)), >=, 3);
  /* the last line counts the problems listed above it */
  {
    g_auto (GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
    guint n = g_strv_length (lines);
    g_autofree char *want = g_strdup_printf ("broken.json: %u problem%s", n - 1, n == 2 ? "" : "s");
    g_assert_true (g_str_has_suffix (lines[n - 1], want));
  }
}

/* A staff re-plan answers with the report and republishes; a restart with
 * the same event file keeps the stored schedule. */
static void
test_replan_and_restart (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (JsonObject) before = tf_floor_schedule (t);
  g_autoptr (JsonObject) after = NULL;
  g_autoptr (JsonObject) again = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *before_board = NULL;
  JsonObject *e;

  e = tf_floor_entry (before, "beta-client--gamma-server");
  g_assert_nonnull (e);
  before_board = g_strdup (json_object_get_string_member (e, "board"));
  g_assert_cmpstr (before_board, ==, "sim2");
  /* sim2 out for the whole event: beta's sessions move to its spare, sim4 */
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "replan", "board-fault", "sim2", "0", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "sessions moved"));
  g_assert_nonnull (strstr (out, "sim2"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr (JsonObject) now = tf_floor_schedule (t);
      if (g_strcmp0 (json_object_get_string_member (
                         tf_floor_entry (now, "beta-client--delta-server"), "board"),
                     "sim4")
          == 0)
        break;
      tf_harness_sleep (t->h, 100);
    }
  after = tf_floor_schedule (t);
  g_assert_cmpstr (
      json_object_get_string_member (tf_floor_entry (after, "beta-client--gamma-server"), "board"),
      ==, "sim4");
  g_assert_cmpstr (
      json_object_get_string_member (tf_floor_entry (after, "beta-client--delta-server"), "board"),
      ==, "sim4");
  {
    g_autoptr (JsonObject) st = tf_floor_session_state (t, "beta-client--gamma-server");
    g_assert_true (json_object_get_boolean_member (st, "replanned"));
  }
  /* a restart keeps it: the event file did not change */
  tf_floor_test_restart (t, SIGTERM);
  g_hash_table_remove_all (t->h->retained);
  tf_floor_wait_up (t);
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "schedule", "{}");
    g_assert_true (tf_floor_ok (r));
    g_assert_cmpstr (json_object_get_string_member (
                         tf_floor_entry (json_object_get_object_member (r, "schedule"),
                                         "beta-client--gamma-server"),
                         "board"),
                     ==, "sim4");
  }
  /* errors in the request are refused with the reason */
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "replan", "board-fault", "sim9", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "'sim9' is not in the event"));
}

/* A board that goes away with sessions ahead re-plans them by itself. */
static void
test_board_fault_replans (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autofree char *answer = NULL;
  gboolean moved = FALSE;
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 15000));
  answer = tf_harness_sim (t->h, "unplug sim2");
  g_assert_cmpstr (answer, ==, "ok");
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "unplugged", 10000));
  for (guint i = 0; i < 100 && !moved; i++)
    {
      g_autoptr (JsonObject) s = tf_floor_schedule (t);
      moved = g_strcmp0 (json_object_get_string_member (
                             tf_floor_entry (s, "beta-client--gamma-server"), "board"),
                         "sim4")
                  == 0
              && g_strcmp0 (json_object_get_string_member (
                                tf_floor_entry (s, "beta-client--delta-server"), "board"),
                            "sim4")
                     == 0;
      tf_harness_sleep (t->h, 100);
    }
  g_assert_true (moved);
}

/* The event's mistakes are the lab's: FILE:LINE, exit 2. */
static void
test_event_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-ev-XXXXXX", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *ev = g_build_filename (dir, "e.event", NULL);
  g_autofree char *exe
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestd", NULL);
  g_autofree char *boards = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "boards", NULL);
  g_autofree char *lab_text = g_strdup_printf (
      "[lab]\nname = t\nhost = h\nstate-dir = %s/state\nboards-dir = %s\nevent = e.event\n\n"
      "[broker]\nport = 1\n\n[board sim1]\ntype = sim-l476\nconsole = /dev/null\n",
      dir, boards);
  g_autofree char *bad_board = g_strdup (tf_test_event);
  const char *argv[] = { exe, "--config", lab, NULL };
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_file_set_contents (lab, lab_text, -1, NULL));
  /* the test event names sim2 and sim4, which this lab lacks, and an image it has not */
  g_assert_true (g_file_set_contents (ev, tf_test_event, -1, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, NULL));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "e.event:"));
  g_assert_nonnull (strstr (err, "[implementation alpha-client] image: no image 'alpha-fw'")
                            || strstr (err, "boards: no board")
                        ? err
                        : NULL);
  g_clear_pointer (&err, g_free);
  /* a syntax error in the event file */
  g_assert_true (g_file_set_contents (ev, "[event]\nname = x\ntables = many\n", -1, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, NULL));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "e.event:"));
  (void)bad_board;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schedule-daemon/published", test_schedule_published);
  g_test_add_func ("/schedule-daemon/replan-and-restart", test_replan_and_restart);
  g_test_add_func ("/schedule-daemon/board-fault", test_board_fault_replans);
  g_test_add_func ("/schedule-daemon/event-errors", test_event_errors);
  return g_test_run ();
}
