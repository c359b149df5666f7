/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "tf-event-gen.h"
#include "tf-sched.h"

/* tf-schedule: the scheduler offline, for staff.
 *
 *   tf-schedule EVENT                      readable table
 *   tf-schedule EVENT --json | --csv       machine formats on stdout
 *   tf-schedule EVENT --ics DIR            one calendar per team
 *   tf-schedule EVENT --check FILE         every broken rule of FILE
 *   tf-schedule EVENT --replan STATE.json  re-plan after a fault */

static gboolean opt_json;
static gboolean opt_csv;
static gchar *opt_ics;
static gchar *opt_check;
static gchar *opt_replan;

static gchar *opt_generate;
static gint opt_seed = 1, opt_tables;

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the schedule as JSON", NULL },
  { "csv", 0, 0, G_OPTION_ARG_NONE, &opt_csv, "Print the schedule as CSV", NULL },
  { "ics", 0, 0, G_OPTION_ARG_FILENAME, &opt_ics, "Write one iCalendar file per team", "DIR" },
  { "check", 0, 0, G_OPTION_ARG_FILENAME, &opt_check, "Check a schedule JSON file", "FILE" },
  { "replan", 0, 0, G_OPTION_ARG_FILENAME, &opt_replan, "Re-plan from a state file", "STATE" },
  { "generate", 0, 0, G_OPTION_ARG_STRING, &opt_generate,
    "Print a generated event of CLIENTS x SERVERS implementations instead (teams, capacities, "
    "absences, shared boards: as the benchmark's)",
    "CxS" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "--generate: the random seed (1)", "N" },
  { "tables", 0, 0, G_OPTION_ARG_INT, &opt_tables, "--generate: tables on the floor", "N" },
  { NULL }
};

static int
check_file (TfEvent *event, const gchar *path)
{
  g_autofree gchar *data = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfSchedule) schedule = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  schedule = tf_schedule_from_json (event, data, len, &error);
  if (schedule == NULL)
    {
      g_printerr ("%s: %s\n", path, error->message);
      return 1;
    }
  problems = tf_schedule_check (event, schedule);
  for (guint k = 0; k < problems->len; k++)
    g_print ("%s: %s\n", path, (gchar *)g_ptr_array_index (problems, k));
  if (problems->len > 0)
    {
      g_print ("%s: %u problems\n", path, problems->len);
      return 1;
    }
  g_print ("%s: valid (%u sessions, makespan %u slots)\n", path, schedule->entries->len,
           tf_schedule_makespan (schedule));
  return 0;
}

static TfSchedule *
replan (TfEvent *event, const gchar *path, GError **error)
{
  g_autofree gchar *data = NULL;
  g_autoptr (TfSchedule) current = NULL;
  g_autoptr (TfReplanRequest) request = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autofree gchar *text = NULL;
  TfSchedule *schedule;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  request = tf_replan_request_from_json (event, data, len, &current, error);
  if (request == NULL)
    return NULL;
  schedule = tf_scheduler_replan (event, current, request, &report, error);
  if (schedule == NULL)
    return NULL;
  text = tf_replan_report_to_string (report);
  g_printerr ("%s", text);
  return schedule;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("EVENT - plan a TestFest agenda");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (TfPairings) pairings = NULL;
  g_autoptr (TfSchedule) schedule = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_generate != NULL)
    {
      TfEventGenParams params;
      guint c = 0, sv = 0;
      g_autofree gchar *text = NULL;
      if (sscanf (opt_generate, "%ux%u", &c, &sv) != 2 || c == 0 || sv == 0 || c > 1000 || sv > 1000
          || opt_tables < 0 || opt_tables > 1000)
        {
          g_printerr ("--generate wants CLIENTSxSERVERS (1 to 1000 each), --tables 0 to 1000\n");
          return 2;
        }
      tf_event_gen_params_init (&params, c, sv, (guint32)opt_seed, FALSE);
      params.tables = (guint)opt_tables;
      text = tf_event_gen (&params);
      g_print ("%s", text);
      return 0;
    }
  if (argc != 2)
    {
      g_printerr ("usage: tf-schedule EVENT [--json|--csv] [--ics DIR] [--check FILE] "
                  "[--replan STATE.json]\n");
      return 2;
    }
  event = tf_event_load_file (argv[1], &error);
  if (event == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (opt_check != NULL)
    return check_file (event, opt_check);

  if (opt_replan != NULL)
    schedule = replan (event, opt_replan, &error);
  else
    {
      pairings = tf_pairings_compute (event, &error);
      if (pairings != NULL)
        {
          for (guint k = 0; k < pairings->notes->len; k++)
            g_printerr ("note: %s\n", (gchar *)g_ptr_array_index (pairings->notes, k));
          schedule = tf_scheduler_solve (event, pairings, &error);
        }
    }
  if (schedule == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (opt_ics != NULL && !tf_schedule_write_ics_dir (schedule, opt_ics, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (opt_json)
    {
      g_autofree gchar *json = tf_schedule_to_json (schedule);
      g_print ("%s\n", json);
    }
  else if (opt_csv)
    {
      g_autofree gchar *csv = tf_schedule_to_csv (schedule);
      fputs (csv, stdout);
    }
  else if (opt_ics == NULL)
    {
      g_autofree gchar *text = tf_schedule_to_text (schedule);
      g_print ("%s", text);
      g_print ("\nmakespan %u slots, lower bound %u, idle team slots %u, method: %s\n",
               tf_schedule_makespan (schedule), schedule->lower_bound, tf_schedule_idle (schedule),
               schedule->method);
    }
  return 0;
}
