/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-event-gen.h"
#include "tf-sched.h"
#include "tf-test-checker.h"

static TfEvent *
load (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  TfEvent *event = text != NULL ? tf_event_load_data (text, -1, "t.event", &error)
                                : tf_event_load_file (TF_SCHED_SRCDIR "/example.event", &error);
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

/* Sessions before @now are done. */
static void
mark_done (TfSchedule *schedule, guint now)
{
  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      if (e->slot < (gint)now)
        e->state = TF_ENTRY_DONE;
    }
}

/* Done and running sessions are exactly where they were. */
static void
assert_fixed_kept (const TfSchedule *before, const TfSchedule *after)
{
  g_assert_cmpuint (before->entries->len, ==, after->entries->len);
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *b = g_ptr_array_index (before->entries, k);
      TfScheduleEntry *a = tf_schedule_find (after, b->id);
      g_assert_nonnull (a);
      g_assert_cmpint (a->state, ==, b->state);
      if (b->state == TF_ENTRY_PLANNED)
        continue;
      g_assert_cmpint (a->slot, ==, b->slot);
      g_assert_cmpint (a->table, ==, b->table);
      g_assert_cmpstr (a->board, ==, b->board);
    }
}

static guint
count_moved (const TfSchedule *before, const TfSchedule *after)
{
  guint n = 0;
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *b = g_ptr_array_index (before->entries, k);
      n += tf_schedule_find (after, b->id)->slot != b->slot;
    }
  return n;
}

static TfSchedule *
replan (TfEvent *event, const TfSchedule *current, const TfReplanRequest *request,
        TfReplanReport **report)
{
  g_autoptr (GError) error = NULL;
  TfSchedule *after = tf_scheduler_replan (event, current, request, report, &error);
  g_assert_no_error (error);
  tf_test_assert_valid (event, after);
  assert_fixed_kept (current, after);
  g_assert_cmpuint ((*report)->moved, ==, count_moved (current, after));
  g_assert_cmpuint ((*report)->lines->len, ==, (*report)->moved + (*report)->reboarded);
  return after;
}

/* A client's only board fails for two slots: exactly its sessions in
 * those slots move, as there is room later. */
static void
test_board_fault (void)
{
  g_autoptr (TfEvent) event = load (NULL);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (TfReplanRequest) request = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  gint first = G_MAXINT;
  guint hit = 0;

  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      if (g_strcmp0 (e->client, "lumen-lamp") == 0)
        first = MIN (first, e->slot);
    }
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      hit += g_strcmp0 (e->board, "lumen-ctl-07") == 0 && e->slot >= first && e->slot <= first + 1;
    }
  g_assert_cmpuint (hit, >=, 1);
  mark_done (before, first);
  request = tf_replan_request_new (first);
  tf_replan_request_add (request, TF_DISRUPTION_BOARD_FAULT, "lumen-ctl-07", first, first + 1, 0);
  after = replan (event, before, request, &report);
  g_assert_cmpuint (report->moved, ==, hit);
  g_assert_cmpuint (report->reboarded, ==, 0);
  for (guint k = 0; k < after->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (after->entries, k);
      if (g_strcmp0 (e->board, "lumen-ctl-07") == 0)
        g_assert_true (e->slot < first || e->slot > first + 1);
    }
  g_assert_nonnull (strstr (g_ptr_array_index (report->lines, 0), "its board is out in slot"));
}

/* With a spare board nothing moves: the sessions change boards. */
static void
test_board_fault_spare (void)
{
  g_autoptr (TfEvent) event = load (NULL);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (TfReplanRequest) request = tf_replan_request_new (0);
  g_autoptr (TfReplanReport) report = NULL;
  guint on_board = 0;
  for (guint k = 0; k < before->entries->len; k++)
    on_board += g_strcmp0 (((TfScheduleEntry *)g_ptr_array_index (before->entries, k))->board,
                           "nrf9160-dk-01")
                == 0;
  g_assert_cmpuint (on_board, ==, 2);
  tf_replan_request_add (request, TF_DISRUPTION_BOARD_FAULT, "nrf9160-dk-01", 0, -1, 0);
  after = replan (event, before, request, &report);
  g_assert_cmpuint (report->moved, ==, 0);
  g_assert_cmpuint (report->reboarded, ==, 2);
  for (guint k = 0; k < after->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (after->entries, k);
      g_assert_cmpstr (e->board, !=, "nrf9160-dk-01");
    }
}

/* A team away for two slots: exactly its sessions there move. */
static void
test_absent (void)
{
  g_autoptr (TfEvent) event = load (NULL);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (TfReplanRequest) request = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  gint team = tf_event_find_team (event, "kiwi-lab");
  gint first = G_MAXINT;
  guint hit = 0;

  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      if (tf_event_impl (event, e->c)->team == (guint)team
          || tf_event_impl (event, e->s)->team == (guint)team)
        first = MIN (first, e->slot);
    }
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      if ((tf_event_impl (event, e->c)->team == (guint)team
           || tf_event_impl (event, e->s)->team == (guint)team)
          && e->slot <= first + 1)
        hit++;
    }
  mark_done (before, first);
  request = tf_replan_request_new (first);
  tf_replan_request_add (request, TF_DISRUPTION_ABSENT, "kiwi-lab", first, first + 1, 0);
  after = replan (event, before, request, &report);
  g_assert_cmpuint (report->moved, ==, hit);
  for (guint k = 0; k < after->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (after->entries, k);
      if (tf_event_impl (event, e->c)->team == (guint)team
          || tf_event_impl (event, e->s)->team == (guint)team)
        g_assert_true (e->slot < first || e->slot > first + 1);
    }
}

static const gchar *square
    = "[event]\nname=Square\ndays=2025-10-14\nslot-minutes=60\nday-start=09:00\nday-end=15:00\n"
      "tables=2\n[company a]\n[company b]\n[company c]\n[company d]\n"
      "[implementation c1]\ncompany=a\nrole=client\nversions=1.1\ntransports=udp\nsecurity=psk\n"
      "boards=b1\nentry-criteria=yes\nentry-criteria-by=X\n"
      "[implementation c2]\ncompany=b\nrole=client\nversions=1.1\ntransports=udp\nsecurity=psk\n"
      "boards=b2\nentry-criteria=yes\nentry-criteria-by=X\n"
      "[implementation s1]\ncompany=c\nrole=server\nversions=1.1\ntransports=udp\nsecurity=psk\n"
      "entry-criteria=yes\nentry-criteria-by=X\n"
      "[implementation s2]\ncompany=d\nrole=server\nversions=1.1\ntransports=udp\nsecurity=psk\n"
      "entry-criteria=yes\nentry-criteria-by=X\n";

/* A session of c1 runs over into slot 1, where both other sessions need
 * its client or its server: exactly those two move, to slot 2. */
static void
test_overrun (void)
{
  g_autoptr (TfEvent) event = load (square);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (TfReplanRequest) request = tf_replan_request_new (1);
  g_autoptr (TfReplanReport) report = NULL;
  TfScheduleEntry *x = NULL;

  /* whichever session of c1 comes first runs over into slot 1 */
  g_assert_cmpuint (tf_schedule_makespan (before), ==, 2);
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      if (e->slot == 0)
        e->state = g_strcmp0 (e->client, "c1") == 0 ? TF_ENTRY_RUNNING : TF_ENTRY_DONE;
      if (e->slot == 0 && g_strcmp0 (e->client, "c1") == 0)
        x = e;
    }
  g_assert_nonnull (x);
  tf_replan_request_add (request, TF_DISRUPTION_OVERRUN, x->id, 0, 0, 1);
  after = replan (event, before, request, &report);
  g_assert_cmpuint (report->moved, ==, 2);
  for (guint k = 0; k < after->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (after->entries, k);
      g_assert_cmpint (e->slot, ==, e->state == TF_ENTRY_PLANNED ? 2 : 0);
    }
}

/* A planned session whose slot passed is taken as not run. */
static void
test_missed (void)
{
  g_autoptr (TfEvent) event = load (square);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (TfReplanRequest) request = tf_replan_request_new (1);
  g_autoptr (TfReplanReport) report = NULL;
  const gchar *missed = NULL;
  for (guint k = 0; k < before->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
      if (e->slot == 0 && g_strcmp0 (e->client, "c1") == 0)
        e->state = TF_ENTRY_DONE;
      else if (e->slot == 0)
        missed = e->id;
    }
  g_assert_nonnull (missed);
  after = replan (event, before, request, &report);
  g_assert_cmpuint (report->moved, ==, 1);
  g_assert_cmpint (tf_schedule_find (after, missed)->slot, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (report->lines, 0), "passed without it running"));
}

static void
test_errors (void)
{
  g_autoptr (TfEvent) event = load (square);
  g_autoptr (TfSchedule) before = solve (event);
  struct
  {
    TfDisruptionKind kind;
    const gchar *what;
    gint code;
    const gchar *message;
  } cases[] = {
    { TF_DISRUPTION_BOARD_FAULT, "b9", TF_ERROR_INVALID_ARGUMENT, "unknown board 'b9'" },
    { TF_DISRUPTION_ABSENT, "nobody", TF_ERROR_INVALID_ARGUMENT,
      "unknown team or implementation 'nobody'" },
    { TF_DISRUPTION_OVERRUN, "c9--s9", TF_ERROR_INVALID_ARGUMENT, "unknown session 'c9--s9'" },
    { TF_DISRUPTION_OVERRUN, "c1--s1", TF_ERROR_INVALID_ARGUMENT,
      "session c1--s1 cannot run over: it has not started" },
    /* c1's only board is gone for good */
    { TF_DISRUPTION_BOARD_FAULT, "b1", TF_ERROR_INFEASIBLE, NULL },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (TfReplanRequest) request = tf_replan_request_new (0);
      g_autoptr (GError) error = NULL;
      g_autoptr (TfReplanReport) report = NULL;
      g_autoptr (TfSchedule) after = NULL;
      tf_replan_request_add (request, cases[k].kind, cases[k].what, 0, -1, 1);
      after = tf_scheduler_replan (event, before, request, &report, &error);
      g_assert_null (after);
      g_assert_error (error, TF_ERROR, cases[k].code);
      if (cases[k].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[k].message);
      else
        g_assert_true (g_str_has_prefix (error->message, "infeasible: no place left from slot 0 "
                                                         "on for c1--"));
    }
}

static void
test_state_json (void)
{
  g_autoptr (TfEvent) event = load (square);
  g_autoptr (TfSchedule) before = solve (event);
  g_autoptr (TfSchedule) current = NULL;
  g_autoptr (TfReplanRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *state = NULL;
  TfDisruption *d;

  tf_schedule_find (before, "c1--s1")->state = TF_ENTRY_RUNNING;
  json = tf_schedule_to_json (before);
  state = g_strdup_printf ("{\"schema\":\"testfest-replan/1\",\"now\":1,\"disruptions\":["
                           "{\"kind\":\"board-fault\",\"board\":\"b2\",\"to\":3},"
                           "{\"kind\":\"absent\",\"implementation\":\"s2\",\"from\":2},"
                           "{\"kind\":\"overrun\",\"session\":\"c1--s1\"}],\"schedule\":%s}",
                           json);
  request = tf_replan_request_from_json (event, state, -1, &current, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (request->now, ==, 1);
  g_assert_cmpuint (request->disruptions->len, ==, 3);
  d = &g_array_index (request->disruptions, TfDisruption, 0);
  g_assert_cmpint (d->kind, ==, TF_DISRUPTION_BOARD_FAULT);
  g_assert_cmpuint (d->from, ==, 1);
  g_assert_cmpint (d->to, ==, 3);
  d = &g_array_index (request->disruptions, TfDisruption, 1);
  g_assert_cmpstr (d->what, ==, "s2");
  g_assert_cmpint (d->to, ==, -1);
  d = &g_array_index (request->disruptions, TfDisruption, 2);
  g_assert_cmpuint (d->slots, ==, 1);
  g_assert_cmpint (tf_schedule_find (current, "c1--s1")->state, ==, TF_ENTRY_RUNNING);
}

/* Many random events and faults: whatever happens, what ran stays, the
 * result is valid and the faults are respected. */
static void
test_random (void)
{
  guint done = 0, refused = 0, moved = 0;
  for (guint seed = 500; seed < 620; seed++)
    {
      TfEventGenParams params;
      g_autofree gchar *text = NULL;
      g_autoptr (TfEvent) event = NULL;
      g_autoptr (TfSchedule) before = NULL;
      g_autoptr (TfSchedule) after = NULL;
      g_autoptr (TfReplanRequest) request = NULL;
      g_autoptr (TfReplanReport) report = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
      TfScheduleEntry *over = NULL;
      const gchar *board;
      guint now, team;

      tf_event_gen_params_init (&params, 3 + seed % 9, 2 + seed % 6, seed, seed % 3 == 0);
      text = tf_event_gen (&params);
      event = load (text);
      before = solve (event);
      if (before->entries->len == 0)
        continue;
      now = g_rand_int_range (rand, 0, tf_schedule_makespan (before));
      mark_done (before, now);
      for (guint k = 0; k < before->entries->len; k++)
        {
          TfScheduleEntry *e = g_ptr_array_index (before->entries, k);
          if (e->slot == (gint)now && g_rand_boolean (rand))
            {
              e->state = TF_ENTRY_RUNNING;
              over = e;
            }
        }
      request = tf_replan_request_new (over != NULL ? now + 1 : now);
      board = g_ptr_array_index (event->boards, g_rand_int_range (rand, 0, event->boards->len));
      tf_replan_request_add (request, TF_DISRUPTION_BOARD_FAULT, board, request->now,
                             request->now + 2, 0);
      team = g_rand_int_range (rand, 0, event->teams->len);
      tf_replan_request_add (request, TF_DISRUPTION_ABSENT, tf_event_team (event, team)->id,
                             request->now + 1, request->now + 3, 0);
      if (over != NULL)
        tf_replan_request_add (request, TF_DISRUPTION_OVERRUN, over->id, 0, 0, 1);
      after = tf_scheduler_replan (event, before, request, &report, &error);
      if (after == NULL)
        {
          g_assert_error (error, TF_ERROR, TF_ERROR_INFEASIBLE);
          refused++;
          continue;
        }
      tf_test_assert_valid (event, after);
      assert_fixed_kept (before, after);
      g_assert_cmpuint (report->moved, ==, count_moved (before, after));
      for (guint k = 0; k < after->entries->len; k++)
        {
          TfScheduleEntry *e = g_ptr_array_index (after->entries, k);
          if (e->state != TF_ENTRY_PLANNED)
            continue;
          g_assert_cmpint (e->slot, >=, (gint)request->now);
          if (e->slot <= (gint)request->now + 2)
            g_assert_cmpstr (e->board, !=, board);
          if (e->slot >= (gint)request->now + 1 && e->slot <= (gint)request->now + 3)
            {
              g_assert_cmpuint (tf_event_impl (event, e->c)->team, !=, team);
              g_assert_cmpuint (tf_event_impl (event, e->s)->team, !=, team);
            }
          if (over != NULL && e->slot == over->slot + 1)
            {
              const TfImpl *oc = tf_event_impl (event, over->c);
              const TfImpl *os = tf_event_impl (event, over->s);
              g_assert_cmpuint (tf_event_impl (event, e->c)->team, !=, oc->team);
              g_assert_cmpstr (e->board, !=, over->board);
              if (tf_event_impl (event, e->s)->team == os->team)
                g_assert_cmpint (e->s, ==, over->s);
            }
        }
      done++;
      moved += report->moved;
    }
  g_test_message ("random re-plans: %u done (%u sessions moved), %u refused", done, moved, refused);
  g_assert_cmpuint (done, >, 80);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched/replan/board-fault", test_board_fault);
  g_test_add_func ("/sched/replan/board-fault-spare", test_board_fault_spare);
  g_test_add_func ("/sched/replan/absent", test_absent);
  g_test_add_func ("/sched/replan/overrun", test_overrun);
  g_test_add_func ("/sched/replan/missed", test_missed);
  g_test_add_func ("/sched/replan/errors", test_errors);
  g_test_add_func ("/sched/replan/state-json", test_state_json);
  g_test_add_func ("/sched/replan/random", test_random);
  return g_test_run ();
}
