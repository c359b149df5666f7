/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-sched.h"
#include "tf-test-checker.h"

static TfEvent *
example_event (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *data = NULL;
  TfEvent *event;
  g_assert_true (g_file_get_contents (TF_SCHED_SRCDIR "/example.event", &data, NULL, &error));
  if (name != NULL)
    {
      g_autoptr (GString) str = g_string_new (data);
      g_string_replace (str, "name=OMA LwM2M TestFest Autumn 2025", name, 1);
      g_free (data);
      data = g_string_free (g_steal_pointer (&str), FALSE);
    }
  event = tf_event_load_data (data, -1, "example.event", &error);
  g_assert_no_error (error);
  return event;
}

static TfSchedule *
solve (TfEvent *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPairings) pairings = tf_pairings_compute (event, &error);
  TfSchedule *schedule;
  g_assert_no_error (error);
  schedule = tf_scheduler_solve (event, pairings, &error);
  g_assert_no_error (error);
  return schedule;
}

static void
test_json_round_trip (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = solve (event);
  g_autoptr (TfSchedule) back = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *json = tf_schedule_to_json (schedule);
  g_autofree gchar *again = NULL;

  tf_test_assert_valid (event, schedule);
  back = tf_schedule_from_json (event, json, -1, &error);
  g_assert_no_error (error);
  problems = tf_schedule_check (event, back);
  g_assert_cmpuint (problems->len, ==, 0);
  tf_test_assert_valid (event, back);
  again = tf_schedule_to_json (back);
  g_assert_cmpstr (json, ==, again);
  g_assert_nonnull (strstr (json, "\"schema\" : \"testfest-schedule/1\""));
  g_assert_nonnull (strstr (json, "\"lower-bound\" : 8"));
}

/* A hand-made schedule breaking most rules at once: check lists them all. */
static const gchar *hand_made
    = "{\"schema\":\"testfest-schedule/1\",\"sessions\":["
      "{\"slot\":0,\"table\":1,\"client\":{\"implementation\":\"lumen-lamp\"},"
      " \"server\":{\"implementation\":\"orbis-dm\"},\"board\":\"lumen-ctl-07\"},"
      "{\"slot\":0,\"table\":1,\"client\":{\"implementation\":\"acme-tracker\",\"company\":"
      "\"kiwi\"},"
      " \"server\":{\"implementation\":\"orbis-dm\"},\"board\":\"stm32-l4-03\"},"
      "{\"slot\":0,\"table\":2,\"client\":{\"implementation\":\"nordlys-sdk\"},"
      " \"server\":{\"implementation\":\"orbis-dm\"},\"board\":\"stm32-l4-03\"},"
      "{\"slot\":1,\"table\":1,\"client\":{\"implementation\":\"kiwi-meter\"},"
      " \"server\":{\"implementation\":\"acme-cloud\"},\"board\":\"kiwi-meter-proto-a\"},"
      "{\"slot\":1,\"table\":2,\"client\":{\"implementation\":\"nordlys-sdk\"},"
      " \"server\":{\"implementation\":\"kiwi-server\"},\"board\":\"stm32-l4-03\"},"
      "{\"slot\":40,\"table\":9,\"client\":{\"implementation\":\"ghost\"},"
      " \"server\":{\"implementation\":\"acme-cloud\"},\"board\":\"x\"},"
      "{\"slot\":2,\"table\":4,\"start\":\"2025-10-14T09:00:00+02:00\","
      " \"client\":{\"implementation\":\"acme-tracker\"},"
      " \"server\":{\"implementation\":\"acme-cloud\"},\"board\":\"nrf9160-dk-01\"}"
      "]}";

static const gchar *const hand_made_problems[] = {
  "session lumen-lamp--orbis-dm: lumen-lamp is unavailable in slot 0",
  "session acme-tracker--orbis-dm: acme-tracker is of company acme, not kiwi",
  "session acme-tracker--orbis-dm: board stm32-l4-03 is not one of acme-tracker's boards",
  "session ghost--acme-cloud: unknown client implementation 'ghost'",
  "session ghost--acme-cloud: slot 40 is outside the event (0 to 14)",
  "session acme-tracker--acme-cloud: start 2025-10-14T09:00:00+02:00 is not the start of slot 2 "
  "(2025-10-14T13:30:00+02:00)",
  "session acme-tracker--acme-cloud: a start time without an end time",
  "session acme-tracker--acme-cloud: table 4 is outside 1 to 3",
  "session acme-tracker--acme-cloud: acme-tracker and acme-cloud need not meet (same company, "
  "incompatible, opted out or left out)",
  "pairing acme-tracker--kiwi-server is missing",
  "pairing kiwi-meter--orbis-dm is missing",
  "pairing lumen-lamp--kiwi-server is missing",
  "pairing lumen-lamp--acme-cloud is missing",
  "slot 0: sessions lumen-lamp--orbis-dm and acme-tracker--orbis-dm share table 1",
  "slot 0: sessions acme-tracker--orbis-dm and nordlys-sdk--orbis-dm share board stm32-l4-03",
  "slot 0: orbis-dm is in 3 sessions, more than its capacity 2",
  "slot 1: team kiwi-lab works with kiwi-meter, kiwi-server at once",
  NULL
};

static void
test_check_hand_made (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfSchedule) schedule = tf_schedule_from_json (event, hand_made, -1, &error);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) ours = NULL;

  g_assert_no_error (error);
  problems = tf_schedule_check (event, schedule);
  for (guint k = 0; k < problems->len; k++)
    g_test_message ("%s", (gchar *)g_ptr_array_index (problems, k));
  for (guint k = 0; hand_made_problems[k] != NULL; k++)
    {
      if (!g_ptr_array_find_with_equal_func (problems, hand_made_problems[k], g_str_equal, NULL))
        g_error ("not reported: %s", hand_made_problems[k]);
    }
  g_assert_cmpuint (problems->len, ==, g_strv_length ((gchar **)hand_made_problems));
  /* the tests' own checker agrees that it is broken */
  ours = tf_test_checker_run (event, schedule);
  g_assert_cmpuint (ours->len, >, 0);
}

static void
test_json_errors (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  struct
  {
    const gchar *json;
    const gchar *message;
  } cases[] = {
    { "{", NULL },
    { "[]", "a schedule is a JSON object" },
    { "{\"schema\":\"x\"}", "schema is not 'testfest-schedule/1'" },
    { "{\"schema\":\"testfest-schedule/1\"}", "'sessions' is missing or not an array" },
    { "{\"schema\":\"testfest-schedule/1\",\"sessions\":[{\"slot\":1}]}",
      "session 0: 'client' is not an object" },
    { "{\"schema\":\"testfest-schedule/1\",\"sessions\":[{\"client\":{\"implementation\":\"a\"},"
      "\"server\":{\"implementation\":\"b\"},\"slot\":\"x\",\"table\":1}]}",
      "session 0: 'slot' is missing or not an integer" },
    { "{\"schema\":\"testfest-schedule/1\",\"sessions\":[{\"client\":{\"implementation\":\"a\"},"
      "\"server\":{\"implementation\":\"b\"},\"slot\":1,\"table\":1,\"state\":\"lost\"}]}",
      "session 0: state 'lost' is not planned, running or done" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TfSchedule) schedule = tf_schedule_from_json (event, cases[k].json, -1, &error);
      g_assert_null (schedule);
      g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT);
      if (cases[k].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[k].message);
    }
}

static void
test_csv (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = solve (event);
  g_autofree gchar *csv = tf_schedule_to_csv (schedule);
  g_auto (GStrv) lines = g_strsplit (csv, "\r\n", -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfSchedule) odd = NULL;
  g_autofree gchar *odd_csv = NULL;

  g_assert_cmpuint (g_strv_length (lines), ==, schedule->entries->len + 2);
  g_assert_cmpstr (lines[0], ==,
                   "slot,start,end,table,client,client_company,server,"
                   "server_company,board,state");
  g_assert_cmpstr (lines[schedule->entries->len + 1], ==, "");
  for (guint k = 1; k <= schedule->entries->len; k++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[k], ",", -1);
      g_assert_null (strchr (lines[k], '\n'));
      g_assert_cmpuint (g_strv_length (fields), ==, 10);
      g_assert_cmpstr (fields[9], ==, "planned");
    }
  /* a field with a separator or a quote is quoted (RFC 4180) */
  odd = tf_schedule_from_json (event,
                               "{\"schema\":\"testfest-schedule/1\",\"sessions\":[{\"slot\":0,"
                               "\"table\":1,\"client\":{\"implementation\":\"a\"},\"server\":"
                               "{\"implementation\":\"b\"},\"board\":\"x,\\\"y\\\"\"}]}",
                               -1, &error);
  g_assert_no_error (error);
  odd_csv = tf_schedule_to_csv (odd);
  g_assert_nonnull (strstr (odd_csv, ",a,,b,,\"x,\"\"y\"\"\",planned\r\n"));
}

static void
test_ics (void)
{
  g_autoptr (TfEvent) event = example_event ("name=Tëst Fèst d'automne à Paris: "
                                             "l'interopérabilité LwM2M, édition très longue");
  g_autoptr (TfSchedule) schedule = solve (event);
  guint n_events = 0;

  for (guint t = 0; t < event->teams->len; t++)
    {
      g_autofree gchar *ics = tf_schedule_to_ics (schedule, t);
      g_autoptr (GString) unfolded = g_string_new (NULL);
      g_auto (GStrv) lines = NULL;
      guint folded = 0, vevents = 0, expected = 0;
      const gchar *p;

      /* every line ends in CRLF: no bare CR or LF */
      for (p = ics; *p != '\0'; p++)
        {
          if (*p == '\n')
            g_assert_true (p > ics && p[-1] == '\r');
          if (*p == '\r')
            g_assert_true (p[1] == '\n');
        }
      g_assert_true (g_str_has_suffix (ics, "END:VCALENDAR\r\n"));
      lines = g_strsplit (ics, "\r\n", -1);
      for (guint k = 0; lines[k] != NULL && lines[k][0] != '\0'; k++)
        {
          g_assert_cmpuint (strlen (lines[k]), <=, 75);
          g_assert_true (g_utf8_validate (lines[k], -1, NULL));
          if (lines[k][0] == ' ')
            {
              folded++;
              g_string_append (unfolded, lines[k] + 1);
            }
          else
            {
              if (k > 0)
                g_string_append_c (unfolded, '\n');
              g_string_append (unfolded, lines[k]);
            }
          vevents += g_strcmp0 (lines[k], "BEGIN:VEVENT") == 0;
        }
      g_assert_cmpuint (folded, >, 0);
      g_assert_true (g_str_has_prefix (unfolded->str, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:"));
      g_assert_nonnull (strstr (unfolded->str,
                                "X-WR-CALNAME:Tëst Fèst d'automne à Paris: l'interopérabilité "
                                "LwM2M\\, édition très longue - team "));
      for (guint k = 0; k < schedule->entries->len; k++)
        {
          TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
          if (tf_event_impl (event, e->c)->team == t || tf_event_impl (event, e->s)->team == t)
            {
              g_autofree gchar *uid = g_strdup_printf ("\nUID:%s@testfest\n", e->id);
              g_assert_nonnull (strstr (unfolded->str, uid));
              expected++;
            }
        }
      g_assert_cmpuint (vevents, ==, expected);
      n_events += vevents;
    }
  /* each session is in its client's and its server's calendar */
  g_assert_cmpuint (n_events, ==, 2 * schedule->entries->len);
}

static void
test_ics_times (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = tf_schedule_new (event);
  g_autofree gchar *ics = NULL;
  gint c = tf_event_find_impl (event, "acme-tracker");
  gint s = tf_event_find_impl (event, "orbis-dm");
  tf_schedule_add (schedule, c, s, 2, 1, tf_event_find_board (event, "nrf9160-dk-01"));
  ics = tf_schedule_to_ics (schedule, tf_event_impl (event, c)->team);
  /* 13:30 in Paris in October is 11:30 UTC */
  g_assert_nonnull (strstr (ics, "\r\nDTSTART:20251014T113000Z\r\nDTEND:20251014T130000Z\r\n"));
}

static void
test_text (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = solve (event);
  g_autofree gchar *text = tf_schedule_to_text (schedule);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (text, "OMA LwM2M TestFest Autumn 2025: 9 sessions in 8 slots "
                                         "(lower bound 8), 3 tables\n"));
  g_assert_true (g_str_has_prefix (lines[2], "slot  time"));
  g_assert_nonnull (strstr (lines[2], "table 3"));
  g_assert_true (g_str_has_prefix (lines[3], "0     Tue 2025-10-14 09:00-10:30"));
  g_assert_true (g_str_has_prefix (lines[10], "7     Wed 2025-10-15 13:30-15:00"));
  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      g_autofree gchar *cell = g_strdup_printf ("%s / %s (%s)", e->client, e->server, e->board);
      g_assert_nonnull (strstr (lines[3 + e->slot], cell));
    }
}

static void
test_ics_dir (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = solve (event);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("tf-ics-XXXXXX", &error);
  g_autofree gchar *path = NULL;
  g_assert_no_error (error);
  g_assert_true (tf_schedule_write_ics_dir (schedule, dir, &error));
  g_assert_no_error (error);
  for (guint t = 0; t < event->teams->len; t++)
    {
      g_autofree gchar *name = g_strdup_printf ("%s.ics", tf_event_team (event, t)->id);
      g_autofree gchar *file = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
      g_assert_cmpint (g_unlink (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A day ending at 24:00 (accepted as documented): its last slot ends at the
 * next day's 00:00 in every output, and check finds nothing wrong. Criticals
 * are fatal in the tests (G_DEBUG=fatal-criticals), as GDateTime's for hour 24 were. */
static void
test_day_end_midnight (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *data = NULL;
  g_autoptr (GString) str = NULL;
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (TfSchedule) schedule = NULL;
  g_autoptr (TfSchedule) back = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) ours = NULL;
  g_autofree gchar *json = NULL, *csv = NULL, *text = NULL;
  gboolean late = FALSE;
  guint last;

  g_assert_true (g_file_get_contents (TF_SCHED_SRCDIR "/example.event", &data, NULL, &error));
  str = g_string_new (data);
  /* 16:00-24:00, no break: slots 16:00, 17:30, 19:00, 20:30, 22:00 (22:30-24:00 is the last) */
  g_assert_cmpuint (g_string_replace (str, "day-start=09:00", "day-start=16:30", 1), ==, 1);
  g_assert_cmpuint (g_string_replace (str, "day-end=18:00", "day-end=24:00", 1), ==, 1);
  g_assert_cmpuint (g_string_replace (str, "breaks=12:30-13:30", "", 1), ==, 1);
  event = tf_event_load_data (str->str, -1, "midnight.event", &error);
  if (event == NULL)
    g_error ("%s", error->message);
  last = 0;
  while (last + 1 < event->slots->len && g_array_index (event->slots, TfSlot, last + 1).day == 0)
    last++;
  g_assert_cmpuint (g_array_index (event->slots, TfSlot, last).end_min, ==, 24 * 60);
  {
    g_autofree gchar *end = tf_event_slot_iso (event, last, TRUE);
    g_autoptr (GDateTime) e = tf_event_slot_end (event, last);
    g_assert_nonnull (e);
    /* Europe/Paris in October: +02:00 */
    g_assert_cmpstr (end, ==, "2025-10-15T00:00:00+02:00");
  }
  schedule = solve (event);
  json = tf_schedule_to_json (schedule);
  g_assert_null (strstr (json, "null"));
  g_assert_nonnull (strstr (json, "\"end\" : \"2025-10-15T00:00:00+02:00\""));
  csv = tf_schedule_to_csv (schedule);
  g_assert_null (strstr (csv, ",,"));
  text = tf_schedule_to_text (schedule);
  g_assert_nonnull (text);
  for (guint t = 0; t < event->teams->len; t++)
    {
      g_autofree gchar *ics = tf_schedule_to_ics (schedule, t);
      g_assert_null (strstr (ics, "(null)"));
      g_assert_null (strstr (ics, "DTEND:\r\n"));
      /* 00:00 Paris is 22:00 UTC the day before */
      if (strstr (ics, "DTEND:20251014T220000Z\r\n") != NULL)
        late = TRUE;
    }
  g_assert_true (late);
  problems = tf_schedule_check (event, schedule);
  for (guint k = 0; k < problems->len; k++)
    g_test_message ("%s", (gchar *)g_ptr_array_index (problems, k));
  g_assert_cmpuint (problems->len, ==, 0);
  ours = tf_test_checker_run (event, schedule);
  g_assert_cmpuint (ours->len, ==, 0);
  /* and what it wrote reads back as the same schedule */
  back = tf_schedule_from_json (event, json, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&problems, g_ptr_array_unref);
  problems = tf_schedule_check (event, back);
  g_assert_cmpuint (problems->len, ==, 0);
}

/* an export that lost an end (as "end": null did) is a problem for check */
static void
test_check_half_time (void)
{
  g_autoptr (TfEvent) event = example_event (NULL);
  g_autoptr (TfSchedule) schedule = solve (event);
  g_autofree gchar *json = tf_schedule_to_json (schedule);
  g_autoptr (GRegex) re = g_regex_new ("\"end\" : \"[^\"]*\"", 0, 0, NULL);
  g_autofree gchar *broken = g_regex_replace_literal (re, json, -1, 0, "\"end\" : null", 0, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfSchedule) back = tf_schedule_from_json (event, broken, -1, &error);
  g_autoptr (GPtrArray) problems = NULL;

  g_assert_no_error (error);
  problems = tf_schedule_check (event, back);
  g_assert_cmpuint (problems->len, ==, schedule->entries->len);
  g_assert_nonnull (strstr (g_ptr_array_index (problems, 0), "a start time without an end time"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched/output/json-round-trip", test_json_round_trip);
  g_test_add_func ("/sched/output/json-errors", test_json_errors);
  g_test_add_func ("/sched/output/check-hand-made", test_check_hand_made);
  g_test_add_func ("/sched/output/csv", test_csv);
  g_test_add_func ("/sched/output/ics", test_ics);
  g_test_add_func ("/sched/output/ics-times", test_ics_times);
  g_test_add_func ("/sched/output/ics-dir", test_ics_dir);
  g_test_add_func ("/sched/output/text", test_text);
  g_test_add_func ("/sched/output/day-end-24-00", test_day_end_midnight);
  g_test_add_func ("/sched/output/check-half-time", test_check_half_time);
  return g_test_run ();
}
