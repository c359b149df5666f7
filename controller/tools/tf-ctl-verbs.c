/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "testfestctl"

#include "tf-ctl-verbs.h"
#include "tf-error.h"

#include <string.h>

#define COMPANY_EXIT                                                                               \
  "Entered on the company's own topic (in/COMPANY/): connect with --user and --password-file of\n" \
  "that company's account. Exit status 0 accepted, 1 refused by testfestd or the broker.\n"

static const TfCtlVerb verbs[] = {
  { "boards", "[--json] [--state STATE]", "list the boards",
    "One line per board: type, table, state, power, health, firmware, since when and why.\n"
    "--state STATE  only boards in that state (ready, faulted, quarantined...)\n"
    "--json         the boards as JSON\n",
    0, 0 },
  { "board", "ID [--lines N]", "one board, with its console tail",
    "--lines N  console lines to show (20)\n", 1, 1 },
  { "power", "on|off|cycle ID", "switch a board and wait for the outcome",
    "Waits until the board's boot banner proves the change (on, cycle) or its power is off.\n"
    "Exit status 0 done, 1 the switch or the board failed.\n",
    2, 2 },
  { "release", "ID", "take a board out of quarantine (staff)", "", 1, 1 },
  { "flash", "ID IMAGE", "write an image and wait until it has booted",
    "IMAGE is an id of `testfestctl images`; the image is checked against the board type\n"
    "before anything is erased. Shows a progress bar; done only when the new firmware's banner\n"
    "is seen. --timeout defaults to 600 s here.\n",
    2, 2 },
  { "images", "", "the firmware images the lab knows", "", 0, 0 },
  { "status", "", "the daemon and a count of boards per state", "", 0, 0 },
  { "call", "VERB [JSON]", "any request, arguments as a JSON object; prints the answer",
    "For scripts and verbs this tool has no word for: testfestctl call power "
    "'{\"action\":\"on\",\"board\":\"sim1\"}'\n",
    1, 2 },
  { "schedule", "[--json|--csv|--ics DIR]", "the timetable (needs [lab] event = FILE)",
    "--json / --csv  the timetable as JSON or CSV\n"
    "--ics DIR       one iCalendar file per team into DIR\n"
    "--check FILE --event EVENT  offline: every rule the schedule JSON FILE breaks, then the\n"
    "                count of problems; exit status 1 when any\n",
    0, 0 },
  { "replan", "board-fault BOARD [FROM [TO]] | absent TEAM FROM [TO] | overrun SESSION SLOTS",
    "move sessions off a faulty board, an absent team or an overrun",
    "FROM and TO are slot numbers (TO inclusive); SLOTS how many slots the session overran.\n", 2,
    4 },
  { "sessions", "", "every session: slot, table, board, phase, progress", "", 0, 0 },
  { "session", "ID", "one session and its report so far", "", 1, 1 },
  { "start", "ID", "prepare and start a session now (staff)", "", 1, 1 },
  { "end", "ID", "end a running session: unrun cases become Out of Time (staff)", "", 1, 1 },
  { "close", "ID", "close a signed session (staff)", "", 1, 1 },
  { "abort", "ID --reason TEXT", "abort a session, with the reason (staff)", "", 1, 1 },
  { "verdict", "SESSION CASE pass|fail|inconclusive|not-applicable|out-of-time --company C",
    "enter a verdict as the client company",
    "--note TEXT  why (shown in the report)\n"
    "--issue URL  a specification issue the verdict refers to\n"
    "--as USER    the engineer's name, as signed in the report\n" COMPANY_EXIT,
    3, 3 },
  { "verify", "SESSION CASE agree|dispute --company C", "verify or dispute a verdict as the server",
    "--note TEXT  why (a dispute should say)\n--as USER    the engineer's name\n" COMPANY_EXIT, 3,
    3 },
  { "sign", "SESSION --company C", "sign a session's report as one of its two companies",
    "--as USER  the engineer's name\n" COMPANY_EXIT, 1, 1 },
  { "run", "SESSION CASE|--all-automated [--side server] --company C",
    "decide automated cases: the lab's runner against the session's client (or the case's script)",
    "--all-automated  every automated case of the session not yet decided (not those a person\n"
    "                 gave a verdict, nor Not Applicable ones), one after another; prints a line\n"
    "                 per case (waits up to 1800 s unless --timeout says)\n"
    "--side server    the session's server under test (asked by the server's company): the\n"
    "                 lab's client registers there, the event's ets-driver or the operator\n"
    "                 acts (its steps on the session's console; waits up to 1800 s)\n" COMPANY_EXIT,
    1, 2 },
  { "report", "ID [--pdf FILE] [--junit FILE] [--company C]", "a session's report",
    "--pdf FILE    also write the Test Session Report as PDF\n"
    "--junit FILE  also write JUnit XML; then the exit status is 1 when any case is Fail\n"
    "              (for CI to gate on), 0 otherwise\n"
    "--company C   ask as that company (in/C/report) instead of staff\n",
    1, 1 },
  { "summary", "[--pdf FILE]", "the consolidated, anonymised results",
    "--pdf FILE  also write the consolidated PDF\n", 0, 0 },
  { "release-summary", "[--min N]", "publish the anonymised results on the public topic (staff)",
    "Releases the counts over every session final by now. Refused unless, for anonymous\n"
    "watchers and for every company, the sessions it adds that do not involve that company\n"
    "number 0 or at least N (default 3, never under 2): nobody can tell one session's\n"
    "verdicts by comparing two releases.\n"
    "--min N  at least N sessions behind every figure\n",
    0, 0 },
  { "listing", "", "the product listing of the companies that consented", "", 0, 0 },
  { "leases", "", "the board leases (staff)", "", 0, 0 },
  { "trace", "SESSION [--pcap FILE] [--decoded FILE] [--company C]",
    "a session's captured traffic (its two companies and staff)",
    "--pcap FILE     the session's pcapng (every part, in order)\n"
    "--decoded FILE  its decoded CoAP/LwM2M messages, one JSON object a line\n"
    "--company C     ask as that company (in/C/trace) instead of staff\n",
    1, 1 },
  { "regress", "submit|report|runs|cancel|status|schedule|unschedule ...",
    "the board farm's regression runs (see testfestctl regress --help)", "", 1, 16 },
  { "lease-release", "BOARD", "drop a board's lease (staff)", "", 1, 1 },
};

const TfCtlVerb *
tf_ctl_verb_lookup (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (verbs); i++)
    if (g_strcmp0 (verbs[i].name, name) == 0)
      return &verbs[i];
  return NULL;
}

char *
tf_ctl_verbs_summary (void)
{
  GString *s = g_string_new ("Commands (testfestctl COMMAND --help for one):\n");
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    g_string_append_printf (s, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
  return g_string_free (s, FALSE);
}

char *
tf_ctl_verb_help (const TfCtlVerb *v)
{
  return g_strdup_printf ("Usage: testfestctl [--config FILE] %s %s\n\n%s.\n%s%s", v->name, v->args,
                          v->summary, *v->detail != '\0' ? "\n" : "", v->detail);
}

static gboolean
is_case (const char *text)
{
  char *end = NULL;
  gint64 n = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0' && n >= 0 && n <= 9999;
}

static gboolean
one_of (const char *what, const char *const *allowed)
{
  return g_strv_contains (allowed, what);
}

gboolean
tf_ctl_verb_check (int argc, char **argv, GError **error)
{
  const TfCtlVerb *v = tf_ctl_verb_lookup (argv[0]);
  int n = argc - 1;

  if (v == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "unknown command '%s'", argv[0]);
      return FALSE;
    }
  if (n < v->min_args || n > v->max_args)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "%s: %s", v->name,
                   n < v->min_args ? "missing arguments" : "too many arguments");
      return FALSE;
    }
  if (g_strcmp0 (v->name, "power") == 0
      && !one_of (argv[1], (const char *const[]){ "on", "off", "cycle", NULL }))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "power: '%s' is not on, off or cycle", argv[1]);
      return FALSE;
    }
  if ((g_strcmp0 (v->name, "verdict") == 0 || g_strcmp0 (v->name, "verify") == 0
       || (g_strcmp0 (v->name, "run") == 0 && n == 2))
      && !is_case (argv[2]))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "%s: '%s' is not a case number (0-9999)", v->name, argv[2]);
      return FALSE;
    }
  if (g_strcmp0 (v->name, "verdict") == 0
      && !one_of (argv[3], (const char *const[]){ "pass", "fail", "inconclusive", "not-applicable",
                                                  "out-of-time", NULL }))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "verdict: '%s' is not pass, fail, inconclusive, not-applicable or out-of-time",
                   argv[3]);
      return FALSE;
    }
  if (g_strcmp0 (v->name, "verify") == 0
      && !one_of (argv[3], (const char *const[]){ "agree", "dispute", NULL }))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "verify: '%s' is not agree or dispute", argv[3]);
      return FALSE;
    }
  if (g_strcmp0 (v->name, "replan") == 0)
    {
      const char *kind = argv[1];
      gboolean ok;
      if (g_strcmp0 (kind, "overrun") == 0)
        ok = n == 3 && is_case (argv[3]);
      else if (g_strcmp0 (kind, "absent") == 0)
        ok = n >= 3 && is_case (argv[3]) && (n < 4 || is_case (argv[4]));
      else if (g_strcmp0 (kind, "board-fault") == 0)
        ok = (n < 3 || is_case (argv[3])) && (n < 4 || is_case (argv[4]));
      else
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "replan: '%s' is not board-fault, absent or overrun", kind);
          return FALSE;
        }
      if (!ok)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "replan %s: wrong arguments (slot numbers are whole numbers)", kind);
          return FALSE;
        }
    }
  return TRUE;
}

char *
tf_ctl_fit (const char *text, guint width)
{
  GString *s = g_string_new (NULL);
  glong len = g_utf8_validate (text, -1, NULL) ? g_utf8_strlen (text, -1) : -1;

  if (len < 0)
    {
      /* not UTF-8: as bytes, never cut inside a character we cannot see */
      g_string_append_len (s, text, MIN (strlen (text), width));
      len = s->len;
    }
  else if ((guint)len > width)
    {
      const char *end = g_utf8_offset_to_pointer (text, width - 1);
      g_string_append_len (s, text, end - text);
      g_string_append (s, "…");
      len = width;
    }
  else
    g_string_append (s, text);
  for (glong i = len; i < (glong)width; i++)
    g_string_append_c (s, ' ');
  return g_string_free (s, FALSE);
}
