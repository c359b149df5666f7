/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-event-gen.h"
#include "tf-sched.h"
#include "tf-test-checker.h"

static TfEvent *
gen_event (const TfEventGenParams *params)
{
  g_autofree gchar *text = tf_event_gen (params);
  g_autoptr (GError) error = NULL;
  TfEvent *event = tf_event_load_data (text, -1, "gen.event", &error);
  g_assert_no_error (error);
  return event;
}

static TfSchedule *
solve (TfEvent *event, TfPairings **pairings_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPairings) pairings = tf_pairings_compute (event, &error);
  TfSchedule *schedule;
  g_assert_no_error (error);
  schedule = tf_scheduler_solve (event, pairings, &error);
  g_assert_no_error (error);
  g_assert_nonnull (schedule);
  if (pairings_out != NULL)
    *pairings_out = g_steal_pointer (&pairings);
  return schedule;
}

/* The bound of the issue for the bipartite case, computed here from the
 * schedule's own sessions: max(largest team, ceil(sessions / tables)), a
 * server of capacity c counting ceil(sessions / c). */
static guint
bipartite_bound (const TfEvent *event, const TfSchedule *schedule)
{
  g_autoptr (GHashTable) deg = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = schedule->entries->len;
  guint bound = (n + event->n_tables - 1) / event->n_tables;
  for (guint k = 0; k < n; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      const gchar *ids[2] = { e->client, e->server };
      for (guint side = 0; side < 2; side++)
        {
          guint d = GPOINTER_TO_UINT (g_hash_table_lookup (deg, ids[side])) + 1;
          g_hash_table_insert (deg, (gpointer)ids[side], GUINT_TO_POINTER (d));
        }
    }
  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = g_ptr_array_index (event->impls, i);
      guint d = GPOINTER_TO_UINT (g_hash_table_lookup (deg, impl->id));
      bound = MAX (bound, (d + impl->capacity - 1) / impl->capacity);
    }
  return bound;
}

/* Whether ceil(sessions / tables) exceeds every team's own count. */
static gboolean
tables_bind (const TfEvent *event, const TfSchedule *schedule)
{
  guint n = schedule->entries->len;
  guint by_tables = (n + event->n_tables - 1) / event->n_tables;
  g_autoptr (TfEvent) one_table_more = tf_event_ref ((TfEvent *)event);
  guint saved = event->n_tables;
  guint by_degree;
  /* the bound with unlimited tables is the degree part alone */
  one_table_more->n_tables = 100000;
  by_degree = bipartite_bound (one_table_more, schedule);
  one_table_more->n_tables = saved;
  return by_tables > by_degree;
}

static void
test_random_bipartite (void)
{
  guint n_tables_bind = 0;
  for (guint seed = 1; seed <= 200; seed++)
    {
      TfEventGenParams params;
      g_autoptr (TfEvent) event = NULL;
      g_autoptr (TfSchedule) schedule = NULL;
      guint n_clients = 2 + seed % 11;
      guint n_servers = 1 + (seed * 7) % 8;
      tf_event_gen_params_init (&params, n_clients, n_servers, seed, TRUE);
      event = gen_event (&params);
      schedule = solve (event, NULL);
      tf_test_assert_valid (event, schedule);
      g_assert_cmpuint (tf_schedule_makespan (schedule), ==, bipartite_bound (event, schedule));
      g_assert_cmpuint (tf_schedule_makespan (schedule), ==, schedule->lower_bound);
      n_tables_bind += tables_bind (event, schedule);
    }
  /* the generator must exercise the table limit too */
  g_assert_cmpuint (n_tables_bind, >=, 20);
}

/* Fewer, larger events of both kinds: bounds are met, rules are kept. */
static void
test_random_medium (void)
{
  for (guint seed = 3000; seed < 3040; seed++)
    {
      TfEventGenParams params;
      g_autoptr (TfEvent) event = NULL;
      g_autoptr (TfSchedule) schedule = NULL;
      gboolean bipartite = seed % 2 == 0;
      tf_event_gen_params_init (&params, 20 + seed % 11, 10 + seed % 6, seed, bipartite);
      event = gen_event (&params);
      schedule = solve (event, NULL);
      tf_test_assert_valid (event, schedule);
      if (bipartite)
        g_assert_cmpuint (tf_schedule_makespan (schedule), ==, bipartite_bound (event, schedule));
      g_assert_cmpuint (tf_schedule_makespan (schedule), <=, schedule->lower_bound + 1);
    }
}

/* The benchmark's "tight" 120x60 instances (teams, capacities, absences and
 * shared boards all more likely, few tables): every rule kept, every pairing
 * placed, never below the lower bound. Their speed is the benchmark's
 * (bench/sched), not a test's. */
static void
test_tight_120x60 (void)
{
  for (guint seed = 1; seed <= 2; seed++)
    {
      TfEventGenParams params;
      g_autoptr (TfEvent) event = NULL;
      g_autoptr (TfSchedule) schedule = NULL;
      g_autoptr (TfPairings) pairings = NULL;
      g_autoptr (GPtrArray) problems = NULL;
      tf_event_gen_params_init (&params, 120, 60, seed * 1000 + 4, FALSE);
      params.p_shared_team = 0.4;
      params.p_capacity = 0.5;
      params.p_absent = 0.4;
      params.p_shared_board = 0.3;
      params.tables = 15;
      event = gen_event (&params);
      schedule = solve (event, &pairings);
      tf_test_assert_valid (event, schedule);
      problems = tf_schedule_check (event, schedule);
      g_assert_cmpuint (problems->len, ==, 0);
      g_assert_cmpuint (schedule->entries->len, ==, pairings->pairs->len);
      g_assert_cmpuint (tf_schedule_makespan (schedule), >=, schedule->lower_bound);
      g_assert_cmpuint (event->n_tables, ==, 15);
    }
}

static void
test_random_general (void)
{
  guint over = 0, total = 0;
  for (guint seed = 1000; seed < 1250; seed++)
    {
      TfEventGenParams params;
      g_autoptr (TfEvent) event = NULL;
      g_autoptr (TfSchedule) schedule = NULL;
      g_autoptr (TfPairings) pairings = NULL;
      guint n_clients = 2 + seed % 13;
      guint n_servers = 1 + (seed * 5) % 9;
      tf_event_gen_params_init (&params, n_clients, n_servers, seed, FALSE);
      params.p_shared_team = 0.1 + (seed % 4) * 0.1;
      event = gen_event (&params);
      schedule = solve (event, &pairings);
      tf_test_assert_valid (event, schedule);
      g_assert_cmpuint (tf_schedule_makespan (schedule), >=, schedule->lower_bound);
      g_assert_cmpuint (schedule->lower_bound, ==, tf_scheduler_lower_bound (event, pairings));
      over += tf_schedule_makespan (schedule) - schedule->lower_bound;
      total++;
    }
  g_test_message ("general: %u slots over the bound in %u events", over, total);
}

/* An event of @n_slots one-hour slots and @tables tables, with an
 * implementation per "c:COMPANY" or "s:COMPANY" word of @impls (client cN,
 * server sN, numbered in order) plus @extra lines appended to each
 * implementation group by name ("c1:boards=b1"). */
static TfEvent *
small_event (guint n_slots, guint tables, const gchar *impls, const gchar *const *extra,
             const gchar *pairs)
{
  g_autoptr (GString) str = g_string_new (NULL);
  g_auto (GStrv) words = g_strsplit (impls, " ", -1);
  g_autoptr (GError) error = NULL;
  TfEvent *event;
  guint nc = 0, ns = 0;
  g_string_append_printf (str,
                          "[event]\nname=Small\ndays=2025-10-14\nslot-minutes=60\n"
                          "day-start=09:00\nday-end=%02u:00\ntables=%u\n",
                          9 + n_slots, tables);
  for (guint c = 0; c < 6; c++)
    g_string_append_printf (str, "[company k%u]\n", c);
  for (guint k = 0; words[k] != NULL; k++)
    {
      gboolean client = words[k][0] == 'c';
      g_autofree gchar *id = client ? g_strdup_printf ("c%u", ++nc) : g_strdup_printf ("s%u", ++ns);
      g_autofree gchar *prefix = g_strdup_printf ("%s:", id);
      gboolean has_boards = FALSE;
      g_string_append_printf (str,
                              "[implementation %s]\ncompany=k%s\nrole=%s\nversions=1.1\n"
                              "transports=udp\nsecurity=psk\nentry-criteria=yes\n"
                              "entry-criteria-by=X\n",
                              id, words[k] + 2, client ? "client" : "server");
      for (guint j = 0; extra != NULL && extra[j] != NULL; j++)
        {
          if (g_str_has_prefix (extra[j], prefix))
            {
              g_string_append_printf (str, "%s\n", extra[j] + strlen (prefix));
              has_boards |= g_str_has_prefix (extra[j] + strlen (prefix), "boards=");
            }
        }
      if (client && !has_boards)
        g_string_append_printf (str, "boards=board-%s\n", id);
    }
  if (pairs != NULL)
    g_string_append_printf (str, "[pairs]\n%s\n", pairs);
  event = tf_event_load_data (str->str, -1, "small.event", &error);
  g_assert_no_error (error);
  return event;
}

static void
assert_infeasible (TfEvent *event, const gchar *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPairings) pairings = tf_pairings_compute (event, &error);
  g_assert_null (pairings);
  g_assert_error (error, TF_ERROR, TF_ERROR_INFEASIBLE);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_infeasible (void)
{
  {
    const gchar *extra[] = { "c1:boards=", NULL };
    g_autoptr (TfEvent) event = small_event (3, 2, "c:0 s:1 s:2", extra, NULL);
    assert_infeasible (event, "infeasible: client c1 has no board for its sessions with s1, s2");
  }
  {
    const gchar *extra[] = { "c1:unavailable=0", "s1:unavailable=1-2", NULL };
    g_autoptr (TfEvent) event = small_event (3, 2, "c:0 s:1", extra, NULL);
    assert_infeasible (event, "infeasible: c1 and s1 are never available in the same slot");
  }
  {
    g_autoptr (TfEvent) event = small_event (3, 4, "c:0 s:1 s:2 s:3 s:4", NULL, NULL);
    assert_infeasible (event, "infeasible: c1 has 4 sessions but is available in only 3 slots");
  }
  {
    const gchar *extra[] = { "s1:capacity=2", NULL };
    g_autoptr (TfEvent) event = small_event (3, 7, "s:0 c:1 c:1 c:2 c:2 c:3 c:3 c:4", extra, NULL);
    assert_infeasible (event, "infeasible: s1 has 7 sessions but is available in only 3 slots x "
                              "capacity 2 = 6");
  }
  {
    const gchar *extra[] = { "c1:team=t", "s1:team=t", NULL };
    g_autoptr (TfEvent) event = small_event (3, 4, "c:0 s:0 s:1 s:2 c:3 c:4", extra, NULL);
    assert_infeasible (event, "infeasible: team t needs 4 slots (c1: 2, s1: 2) but is available "
                              "in only 3");
  }
  {
    g_autoptr (TfEvent) event = small_event (3, 1, "c:0 c:1 s:2 s:3", NULL, NULL);
    assert_infeasible (event, "infeasible: 4 sessions do not fit in 3 slots x 1 tables = 3 places");
  }
  {
    const gchar *extra[] = { "c1:boards=shared", "c2:boards=shared", NULL };
    g_autoptr (TfEvent) event = small_event (3, 2, "c:0 c:0 s:1 s:2", extra, NULL);
    assert_infeasible (event, "infeasible: board shared is the only board of c1, c2, whose 4 "
                              "sessions do not fit in the event's 3 slots");
  }
  {
    /* two reasons at once, one line each */
    const gchar *extra[] = { "c1:boards=", NULL };
    g_autoptr (TfEvent) event = small_event (3, 1, "c:0 c:0 s:1 s:2", extra, NULL);
    assert_infeasible (event, "infeasible: client c1 has no board for its sessions with s1, s2\n"
                              "infeasible: 4 sessions do not fit in 3 slots x 1 tables = 3 places");
  }
}

/* Three teams, each a client and a server, meeting in a ring: every count
 * fits in two slots, but the three sessions conflict pairwise (an odd
 * cycle), so only the search can tell. */
static void
test_infeasible_odd_cycle (void)
{
  const gchar *extra[] = { "c1:team=ta", "s1:team=ta", "c2:team=tb", "s2:team=tb",
                           "c3:team=tc", "s3:team=tc", NULL };
  g_autoptr (TfEvent) event
      = small_event (2, 3, "c:0 s:0 c:1 s:1 c:2 s:2", extra, "opt-out=c1:s3;c2:s1;c3:s2");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPairings) pairings = tf_pairings_compute (event, &error);
  g_autoptr (TfSchedule) schedule = NULL;
  g_assert_no_error (error);
  g_assert_cmpuint (pairings->pairs->len, ==, 3);
  g_assert_cmpuint (tf_scheduler_lower_bound (event, pairings), ==, 2);
  schedule = tf_scheduler_solve (event, pairings, &error);
  g_assert_null (schedule);
  g_assert_error (error, TF_ERROR, TF_ERROR_INFEASIBLE);
  g_assert_true (g_str_has_prefix (error->message, "infeasible: no timetable found within the "
                                                   "event's 2 slots; left without a slot: "));
}

/* The same ring with a third slot: one over the bound, and valid. */
static void
test_odd_cycle (void)
{
  const gchar *extra[] = { "c1:team=ta", "s1:team=ta", "c2:team=tb", "s2:team=tb",
                           "c3:team=tc", "s3:team=tc", NULL };
  g_autoptr (TfEvent) event
      = small_event (3, 3, "c:0 s:0 c:1 s:1 c:2 s:2", extra, "opt-out=c1:s3;c2:s1;c3:s2");
  g_autoptr (TfSchedule) schedule = solve (event, NULL);
  tf_test_assert_valid (event, schedule);
  g_assert_cmpuint (tf_schedule_makespan (schedule), ==, 3);
  g_assert_cmpuint (schedule->lower_bound, ==, 2);
}

/* Capacity: a server of capacity 3 meets 6 clients in 2 slots. */
static void
test_capacity (void)
{
  const gchar *extra[] = { "s1:capacity=3", NULL };
  g_autoptr (TfEvent) event = small_event (4, 3, "s:0 c:1 c:1 c:2 c:2 c:3 c:3", extra, NULL);
  g_autoptr (TfSchedule) schedule = solve (event, NULL);
  tf_test_assert_valid (event, schedule);
  g_assert_cmpuint (tf_schedule_makespan (schedule), ==, 2);
  g_assert_cmpuint (schedule->lower_bound, ==, 2);
}

/* Shared team: c1 and s1 share engineers, so their 2 + 2 sessions need 4
 * slots although each alone needs 2. */
static void
test_shared_team (void)
{
  const gchar *extra[] = { "c1:team=t", "s1:team=t", NULL };
  g_autoptr (TfEvent) event = small_event (6, 4, "c:0 s:0 s:1 s:2 c:3 c:4", extra, NULL);
  g_autoptr (TfSchedule) schedule = solve (event, NULL);
  tf_test_assert_valid (event, schedule);
  g_assert_cmpuint (schedule->lower_bound, ==, 4);
  g_assert_cmpuint (tf_schedule_makespan (schedule), ==, 4);
}

/* The table limit binds: 9 sessions, 2 tables, 5 slots. */
static void
test_tables (void)
{
  g_autoptr (TfEvent) event = small_event (6, 2, "c:0 c:1 c:2 s:3 s:4 s:5", NULL, NULL);
  g_autoptr (TfSchedule) schedule = solve (event, NULL);
  tf_test_assert_valid (event, schedule);
  g_assert_cmpuint (schedule->entries->len, ==, 9);
  g_assert_cmpuint (tf_schedule_makespan (schedule), ==, 5);
}

/* The bound needs exactness, not luck: a complete 12 x 12 with
 * 12 tables is a Latin square, 12 slots, no slack anywhere. */
static void
test_latin_square (void)
{
  g_autoptr (GString) impls = g_string_new (NULL);
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (TfSchedule) schedule = NULL;
  for (guint k = 0; k < 12; k++)
    g_string_append_printf (impls, "%sc:0 s:1", k > 0 ? " " : "");
  event = small_event (12, 12, impls->str, NULL, NULL);
  schedule = solve (event, NULL);
  tf_test_assert_valid (event, schedule);
  g_assert_cmpuint (tf_schedule_makespan (schedule), ==, 12);
  g_assert_cmpuint (tf_schedule_idle (schedule), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched/scheduler/random-bipartite", test_random_bipartite);
  g_test_add_func ("/sched/scheduler/random-general", test_random_general);
  g_test_add_func ("/sched/scheduler/random-medium", test_random_medium);
  g_test_add_func ("/sched/scheduler/tight-120x60", test_tight_120x60);
  g_test_add_func ("/sched/scheduler/infeasible", test_infeasible);
  g_test_add_func ("/sched/scheduler/infeasible-odd-cycle", test_infeasible_odd_cycle);
  g_test_add_func ("/sched/scheduler/odd-cycle", test_odd_cycle);
  g_test_add_func ("/sched/scheduler/capacity", test_capacity);
  g_test_add_func ("/sched/scheduler/shared-team", test_shared_team);
  g_test_add_func ("/sched/scheduler/tables", test_tables);
  g_test_add_func ("/sched/scheduler/latin-square", test_latin_square);
  return g_test_run ();
}
