/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tf-event-gen.h"
#include "tf-sched.h"

/* Seeded generated events of growing size, bipartite and not: the solver's
 * makespan against the lower bound and a spreadsheet's first fit, the time
 * to compute, and the time to re-plan after a board fault and an absence.
 *
 *   bench-scheduler [SEEDS]    (default 3 seeds per size and kind) */

typedef struct
{
  guint clients;
  guint servers;
} Size;

static const Size sizes[] = { { 6, 4 }, { 12, 8 }, { 30, 15 }, { 60, 30 }, { 120, 60 } };

/* CPU time of this (single-threaded) process, so that a busy machine does
 * not inflate the figures. */
static gint64
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gdouble
ms_since (gint64 start)
{
  return (cpu_now () - start) / 1000.0;
}

/* Re-plan from a third of the way in: one board out and one team away for
 * two slots each. */
static gboolean
bench_replan (TfEvent *event, TfSchedule *schedule, guint seed, gdouble *ms, guint *moved)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (TfReplanRequest) request = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autoptr (TfSchedule) after = NULL;
  g_autoptr (GError) error = NULL;
  guint now = tf_schedule_makespan (schedule) / 3;
  TfScheduleEntry *victim = NULL;
  gint64 start;

  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      if (e->slot < (gint)now)
        e->state = TF_ENTRY_DONE;
      else if (e->slot == (gint)now && victim == NULL)
        victim = e;
    }
  if (victim == NULL)
    return FALSE;
  request = tf_replan_request_new (now);
  tf_replan_request_add (request, TF_DISRUPTION_BOARD_FAULT, victim->board, now, now + 1, 0);
  tf_replan_request_add (request, TF_DISRUPTION_ABSENT,
                         tf_event_team (event, g_rand_int_range (rand, 0, event->teams->len))->id,
                         now, now + 1, 0);
  start = cpu_now ();
  after = tf_scheduler_replan (event, schedule, request, &report, &error);
  *ms = ms_since (start);
  if (after == NULL)
    {
      g_printerr ("re-plan failed: %s\n", error->message);
      return FALSE;
    }
  *moved = report->moved;
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint n_seeds = argc > 1 ? (guint)atoi (argv[1]) : 3;
  guint bip_total = 0, bip_optimal = 0, gen_total = 0, gen_within1 = 0;
  gdouble worst_ms = 0, worst_replan = 0, worst_tight = 0;

  g_print ("%-8s %-9s %5s %6s %4s %4s %5s %7s %9s %5s %6s %9s %9s %6s\n", "size", "kind", "seed",
           "pairs", "tabl", "LB", "ours", "ratio", "cpu-ms", "idle", "greedy", "g-ratio", "replan",
           "moved");
  for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
    {
      for (guint kind = 0; kind < 3; kind++)
        {
          for (guint seed = 1; seed <= n_seeds; seed++)
            {
              TfEventGenParams params;
              g_autofree gchar *text = NULL;
              g_autofree gchar *size = NULL;
              g_autoptr (TfEvent) event = NULL;
              g_autoptr (TfPairings) pairings = NULL;
              g_autoptr (TfSchedule) schedule = NULL;
              g_autoptr (TfSchedule) greedy = NULL;
              g_autoptr (GError) error = NULL;
              g_autofree gchar *greedy_text = NULL;
              g_autofree gchar *greedy_ratio = NULL;
              gdouble ms, replan_ms = 0;
              guint moved = 0, makespan, lb;
              gint64 start;

              tf_event_gen_params_init (&params, sizes[z].clients, sizes[z].servers,
                                        seed * 1000 + z, kind == 0);
              if (kind == 2)
                {
                  /* tight: teams, capacities, absences and shared boards all
                   * more likely, and few tables for the sessions */
                  params.p_shared_team = 0.4;
                  params.p_capacity = 0.5;
                  params.p_absent = 0.4;
                  params.p_shared_board = 0.3;
                  params.tables = MAX (3, sizes[z].servers / 4);
                }
              text = tf_event_gen (&params);
              event = tf_event_load_data (text, -1, "bench.event", &error);
              if (event == NULL)
                {
                  g_printerr ("%s\n", error->message);
                  return 1;
                }
              start = cpu_now ();
              pairings = tf_pairings_compute (event, &error);
              if (pairings != NULL)
                schedule = tf_scheduler_solve (event, pairings, &error);
              ms = ms_since (start);
              if (schedule == NULL)
                {
                  g_printerr ("%ux%u seed %u: %s\n", sizes[z].clients, sizes[z].servers, seed,
                              error->message);
                  return 1;
                }
              g_clear_error (&error);
              greedy = tf_scheduler_first_fit (event, pairings, &error);
              makespan = tf_schedule_makespan (schedule);
              lb = schedule->lower_bound;
              if (greedy != NULL)
                {
                  greedy_text = g_strdup_printf ("%u", tf_schedule_makespan (greedy));
                  greedy_ratio
                      = g_strdup_printf ("%.3f", (gdouble)tf_schedule_makespan (greedy) / lb);
                }
              bench_replan (event, schedule, seed, &replan_ms, &moved);
              size = g_strdup_printf ("%ux%u", sizes[z].clients, sizes[z].servers);
              g_print ("%-8s %-9s %5u %6u %4u %4u %5u %7.3f %9.1f %5u %6s %9s %9.2f %6u\n", size,
                       kind == 0   ? "bipartite"
                       : kind == 1 ? "general"
                                   : "tight",
                       seed, pairings->pairs->len, event->n_tables, lb, makespan,
                       (gdouble)makespan / MAX (lb, 1), ms, tf_schedule_idle (schedule),
                       greedy_text != NULL ? greedy_text : "fail",
                       greedy_ratio != NULL ? greedy_ratio : "-", replan_ms, moved);
              if (kind == 0)
                {
                  bip_total++;
                  bip_optimal += makespan == lb;
                }
              else
                {
                  gen_total++;
                  gen_within1 += makespan <= lb + 1;
                }
              if (sizes[z].clients == 120)
                worst_ms = MAX (worst_ms, ms);
              if (sizes[z].clients == 120 && kind == 2)
                worst_tight = MAX (worst_tight, ms);
              worst_replan = MAX (worst_replan, replan_ms);
            }
        }
    }
  g_print ("\nbipartite optimal: %u/%u; general and tight within bound+1: %u/%u; "
           "slowest 120x60 solve %.1f ms (tight %.1f ms); slowest re-plan %.2f ms (CPU time)\n",
           bip_optimal, bip_total, gen_within1, gen_total, worst_ms, worst_tight, worst_replan);
  return 0;
}
