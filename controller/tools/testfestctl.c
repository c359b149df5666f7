/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "testfestctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testfestctl-trace.h"
#include "tf-bus.h"
#include "tf-ctl-print.h"
#include "tf-ctl-verbs.h"
#include "tf-error.h"
#include "tf-sched.h"
#include "testfestctl-regress.h"

/* testfestctl: the staff's command line, over MQTT v5 request/response.
 * Exit status: 0 done, 1 refused (by testfestd, or by the broker's ACL as the
 * PUBACK says) or the operation failed, 2 usage or configuration error (found
 * before connecting), 3 no broker, not authorised by it, or no answer. */

typedef struct
{
  GMainLoop *loop;
  TfBus *bus;
  char *topic;
  char *payload;
  char *reply_topic;
  char *correlation;
  JsonNode *answer;
  gboolean sent;
  int status;
  char *failure;
  char *progress_topic; /* flash: the board's state, for the progress bar */
  int last_percent;
  int mid; /* the request's message id, for its PUBACK */
  const char *user;
  char *broker; /* host:port, for messages */
} Ctl;

static char *opt_config, *opt_host, *opt_lab, *opt_user, *opt_password_file;
static int opt_port = 0, opt_timeout = 60, opt_lines = 20;
static gboolean opt_all_automated = FALSE;
static char *opt_side = NULL; /* run: client (default) or server */
static gboolean opt_json, opt_help;
static char *opt_state;
static char *opt_pcap, *opt_decoded; /* trace (testfestctl-trace.c) */
/* sessions and the schedule */
static gboolean opt_csv;
static char *opt_ics, *opt_check, *opt_event, *opt_company, *opt_as, *opt_note, *opt_issue,
    *opt_pdf, *opt_reason, *opt_junit;
static gint opt_min;

static void
on_connected (TfBus *bus, Ctl *c)
{
  g_autoptr (GError) error = NULL;
  if (c->sent)
    return;
  /* the subscription to our reply topic precedes this publish on the wire */
  if (!tf_bus_request_mid (bus, c->topic, c->payload, c->reply_topic, c->correlation, &c->mid,
                           &error))
    {
      c->failure = g_strdup (error->message);
      c->status = 3;
      g_main_loop_quit (c->loop);
      return;
    }
  c->sent = TRUE;
}

/* Fail fast: the broker refused our CONNECT, or nothing listens there. */
static void
on_connect_failed (TfBus *bus, GError *error, Ctl *c)
{
  if (c->failure != NULL)
    return;
  if (g_error_matches (error, TF_ERROR, TF_ERROR_PERMISSION_DENIED))
    c->failure = g_strdup_printf (
        "not authorised as %s by the broker at %s (%s): check --user and --password-file",
        c->user != NULL ? c->user : "an anonymous client", c->broker,
        strrchr (error->message, ':') != NULL ? strrchr (error->message, ':') + 2 : error->message);
  else
    {
      g_autofree char *low = g_ascii_strdown (error->message, -1);
      c->failure = g_strdup_printf ("cannot reach the broker at %s: %s", c->broker, low);
    }
  c->status = 3;
  g_main_loop_quit (c->loop);
}

/* The broker's PUBACK for our request: a reason code >= 0x80 is a refusal
 * (typically not authorised: a company calling a staff verb) that no answer
 * will ever follow. */
static void
on_published (TfBus *bus, int mid, int reason, Ctl *c)
{
  if (!c->sent || mid != c->mid || reason < 0x80 || c->failure != NULL)
    return;
  c->failure
      = g_strdup_printf ("the broker refused the request on %s%s%s (reason 0x%02x%s)", c->topic,
                         c->user != NULL ? " for " : "", c->user != NULL ? c->user : "", reason,
                         reason == 0x87 ? ", not authorised" : "");
  c->status = 1;
  g_main_loop_quit (c->loop);
}

static void
show_progress (Ctl *c, JsonObject *board)
{
  JsonNode *pn = json_object_get_member (board, "progress");
  JsonObject *p;
  gint64 pct;
  const char *phase;

  if (pn == NULL || !JSON_NODE_HOLDS_OBJECT (pn))
    return;
  p = json_node_get_object (pn);
  pct = json_object_get_int_member_with_default (p, "percent", 0);
  phase = json_object_get_string_member_with_default (p, "phase", "");
  if (isatty (STDERR_FILENO))
    {
      char bar[41];
      for (int i = 0; i < 40; i++)
        bar[i] = i < pct * 40 / 100 ? '#' : '-';
      bar[40] = '\0';
      g_printerr ("\r[%s] %3" G_GINT64_FORMAT "%% %-12s", bar, pct, phase);
    }
  else if (pct / 10 != c->last_percent / 10 || c->last_percent < 0)
    g_printerr ("%" G_GINT64_FORMAT "%% %s\n", pct, phase);
  c->last_percent = pct;
}

static void
on_message (TfBus *bus, const TfBusMessage *m, Ctl *c)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (m->payload, &len);

  if (c->progress_topic != NULL && g_strcmp0 (m->topic, c->progress_topic) == 0)
    {
      if (json_parser_load_from_data (p, data, len, NULL)
          && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
        show_progress (c, json_node_get_object (json_parser_get_root (p)));
      return;
    }

  if (g_strcmp0 (m->topic, c->reply_topic) != 0 || m->correlation == NULL
      || g_bytes_get_size (m->correlation) != strlen (c->correlation)
      || memcmp (g_bytes_get_data (m->correlation, NULL), c->correlation, strlen (c->correlation))
             != 0)
    return;
  if (!json_parser_load_from_data (p, data, len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    {
      c->failure = g_strdup ("testfestd answered something that is not a JSON object");
      c->status = 1;
    }
  else
    c->answer = json_node_copy (json_parser_get_root (p));
  g_main_loop_quit (c->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Ctl *c = user_data;
  c->failure = g_strdup_printf (c->sent ? "no answer from testfestd within %d s (is it running?)"
                                        : "cannot reach the broker within %d s",
                                opt_timeout);
  c->status = 3;
  g_main_loop_quit (c->loop);
  return G_SOURCE_REMOVE;
}

/* Lab name and broker from the lab file, overridable by options. */
static gboolean
load_settings (TfBusOptions *bo, char **lab, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  const char *path = opt_config != NULL ? opt_config : TF_SYSCONFDIR "/lab.conf";
  g_autofree char *pwf = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS) || opt_config != NULL)
    {
      if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
    }
  *lab = opt_lab != NULL ? g_strdup (opt_lab) : g_key_file_get_string (kf, "lab", "name", NULL);
  if (*lab == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "no lab name: give --config LAB.conf or --lab NAME");
      return FALSE;
    }
  bo->host
      = opt_host != NULL ? g_strdup (opt_host) : g_key_file_get_string (kf, "broker", "host", NULL);
  if (bo->host == NULL)
    bo->host = g_strdup ("127.0.0.1");
  bo->port = opt_port > 0 ? opt_port : g_key_file_get_integer (kf, "broker", "port", NULL);
  if (bo->port == 0)
    bo->port = 1883;
  bo->user = opt_user != NULL ? g_strdup (opt_user) : NULL;
  pwf = g_strdup (opt_password_file);
  if (bo->user != NULL && pwf == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "--user needs --password-file");
      return FALSE;
    }
  if (pwf != NULL)
    {
      char *nl;
      if (!g_file_get_contents (pwf, &bo->password, NULL, error))
        return FALSE;
      if ((nl = strchr (bo->password, '\n')) != NULL)
        *nl = '\0';
    }
  bo->keepalive_s = 30;
  return TRUE;
}

/* testfestctl schedule --check FILE --event EVENT: offline, every violated rule. */
static int
check_schedule (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (TfSchedule) sched = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;

  if (opt_event == NULL)
    {
      g_printerr ("testfestctl: schedule --check FILE needs --event EVENT\n");
      return 2;
    }
  event = tf_event_load_file (opt_event, &error);
  if (event == NULL)
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  if (!g_file_get_contents (opt_check, &data, &len, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  sched = tf_schedule_from_json (event, data, len, &error);
  if (sched == NULL)
    {
      g_printerr ("testfestctl: %s: %s\n", opt_check, error->message);
      return 1;
    }
  problems = tf_schedule_check (event, sched);
  for (guint i = 0; i < problems->len; i++)
    g_print ("%s: %s\n", opt_check, (char *)g_ptr_array_index (problems, i));
  /* the count last, as tf-schedule --check prints it */
  if (problems->len > 0)
    g_print ("%s: %u problem%s\n", opt_check, problems->len, problems->len == 1 ? "" : "s");
  else
    g_print ("%s: no rule broken (%u sessions)\n", opt_check, sched->entries->len);
  return problems->len > 0 ? 1 : 0;
}

static void
add_s (JsonBuilder *b, const char *k, const char *v)
{
  if (v == NULL)
    return;
  json_builder_set_member_name (b, k);
  json_builder_add_string_value (b, v);
}

static gboolean
parse_case (const char *text, gint64 *out)
{
  char *end = NULL;
  *out = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0' && *out >= 0 && *out <= 9999;
}

/* Builds the request of a session verb into @b; returns FALSE on wrong arguments.
 * *@in is set when the request goes on in/<company>/ rather than cmd/. */
static gboolean
session_request (int argc, char **argv, JsonBuilder *b, const char **verb, gboolean *in)
{
  const char *v = argv[1];
  gint64 n;
  *in = FALSE;
  if (g_strcmp0 (v, "schedule") == 0 && argc == 2)
    add_s (b, "format", opt_ics ? "ics" : opt_csv ? "csv" : opt_json ? "json" : "text");
  else if ((g_strcmp0 (v, "sessions") == 0 || g_strcmp0 (v, "leases") == 0) && argc == 2)
    ;
  else if (g_strcmp0 (v, "summary") == 0 && argc == 2)
    *verb = "consolidated";
  else if (g_strcmp0 (v, "listing") == 0 && argc == 2)
    ;
  else if (g_strcmp0 (v, "release-summary") == 0 && argc == 2)
    {
      if (opt_min > 0)
        {
          json_builder_set_member_name (b, "min");
          json_builder_add_int_value (b, opt_min);
        }
    }
  else if ((g_strcmp0 (v, "session") == 0 || g_strcmp0 (v, "start") == 0
            || g_strcmp0 (v, "end") == 0 || g_strcmp0 (v, "close") == 0
            || g_strcmp0 (v, "report") == 0 || g_strcmp0 (v, "abort") == 0)
           && argc == 3)
    {
      add_s (b, "session", argv[2]);
      if (g_strcmp0 (v, "abort") == 0)
        add_s (b, "reason", opt_reason);
      if (g_strcmp0 (v, "report") == 0 && opt_company != NULL)
        *in = TRUE;
    }
  else if (g_strcmp0 (v, "lease-release") == 0 && argc == 3)
    add_s (b, "board", argv[2]);
  else if (g_strcmp0 (v, "replan") == 0 && argc >= 4 && argc <= 6)
    {
      const char *kind = argv[2];
      add_s (b, "kind", kind);
      add_s (b,
             g_strcmp0 (kind, "board-fault") == 0 ? "board"
             : g_strcmp0 (kind, "overrun") == 0   ? "session"
                                                  : "team",
             argv[3]);
      if (g_strcmp0 (kind, "overrun") == 0)
        {
          if (argc != 5 || !parse_case (argv[4], &n))
            return FALSE;
          json_builder_set_member_name (b, "slots");
          json_builder_add_int_value (b, n);
        }
      else
        for (int i = 4; i < argc; i++)
          {
            if (!parse_case (argv[i], &n))
              return FALSE;
            json_builder_set_member_name (b, i == 4 ? "from" : "to");
            json_builder_add_int_value (b, n);
          }
    }
  else if ((g_strcmp0 (v, "verdict") == 0 || g_strcmp0 (v, "verify") == 0) && argc == 5)
    {
      add_s (b, "session", argv[2]);
      if (!parse_case (argv[3], &n))
        return FALSE;
      json_builder_set_member_name (b, "case");
      json_builder_add_int_value (b, n);
      if (g_strcmp0 (v, "verdict") == 0)
        {
          add_s (b, "verdict", argv[4]);
          add_s (b, "issue", opt_issue);
        }
      else
        {
          if (g_strcmp0 (argv[4], "agree") != 0 && g_strcmp0 (argv[4], "dispute") != 0)
            return FALSE;
          json_builder_set_member_name (b, "agree");
          json_builder_add_boolean_value (b, g_strcmp0 (argv[4], "agree") == 0);
        }
      add_s (b, "note", opt_note);
      add_s (b, "user", opt_as);
      *in = TRUE;
    }
  else if (g_strcmp0 (v, "run") == 0 && argc == 3 && opt_all_automated)
    {
      add_s (b, "session", argv[2]);
      add_s (b, "side", opt_side);
      json_builder_set_member_name (b, "all-automated");
      json_builder_add_boolean_value (b, TRUE);
      *in = TRUE;
    }
  else if (g_strcmp0 (v, "run") == 0 && argc == 4 && !opt_all_automated)
    {
      add_s (b, "session", argv[2]);
      add_s (b, "side", opt_side);
      if (!parse_case (argv[3], &n))
        return FALSE;
      json_builder_set_member_name (b, "case");
      json_builder_add_int_value (b, n);
      *in = TRUE;
    }
  else if (g_strcmp0 (v, "sign") == 0 && argc == 3)
    {
      add_s (b, "session", argv[2]);
      add_s (b, "user", opt_as);
      *in = TRUE;
    }
  else
    return FALSE;
  if (*in && opt_company == NULL)
    {
      g_printerr ("testfestctl: %s is entered as a company: give --company ID\n", v);
      return FALSE;
    }
  return TRUE;
}

static void
quiet_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

static int
usage (GOptionContext *ctx)
{
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_printerr ("%s", help);
  return 2;
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, "Lab file (lab name and broker)",
      "FILE" },
    { "lab", 0, 0, G_OPTION_ARG_STRING, &opt_lab, "Lab name", "NAME" },
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &opt_host, "Broker host", "HOST" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "Broker port", "PORT" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &opt_user, "Broker user", "USER" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "File holding the password",
      "FILE" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON", NULL },
    { "state", 0, 0, G_OPTION_ARG_STRING, &opt_state, "boards: only boards in this state",
      "STATE" },
    { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_lines, "board: console lines to show (20)", "N" },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds to wait for the answer (60)",
      "S" },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &opt_csv, "schedule: CSV", NULL },
    { "ics", 0, 0, G_OPTION_ARG_FILENAME, &opt_ics, "schedule: one .ics calendar per team into DIR",
      "DIR" },
    { "check", 0, 0, G_OPTION_ARG_FILENAME, &opt_check,
      "schedule: check a schedule JSON offline (with --event)", "FILE" },
    { "event", 0, 0, G_OPTION_ARG_FILENAME, &opt_event, "schedule --check: the event file",
      "EVENT" },
    { "company", 0, 0, G_OPTION_ARG_STRING, &opt_company,
      "verdict/verify/sign/run/report: act as this company", "ID" },
    { "as", 0, 0, G_OPTION_ARG_STRING, &opt_as, "verdict/verify/sign: the engineer's name",
      "USER" },
    { "note", 0, 0, G_OPTION_ARG_STRING, &opt_note, "verdict/verify: a note", "TEXT" },
    { "issue", 0, 0, G_OPTION_ARG_STRING, &opt_issue, "verdict: link to a spec issue", "URL" },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &opt_pdf, "report/summary: also write a PDF", "FILE" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &opt_junit, "report: also write JUnit XML (for CI)",
      "FILE" },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &opt_reason, "abort: why", "TEXT" },
    { "min", 0, 0, G_OPTION_ARG_INT, &opt_min, "release-summary: sessions behind every figure",
      "N" },
    { "all-automated", 0, 0, G_OPTION_ARG_NONE, &opt_all_automated,
      "run: every automated case still to decide", NULL },
    { "side", 0, 0, G_OPTION_ARG_STRING, &opt_side,
      "run: the side under test, client (default) or server", "SIDE" },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &opt_pcap, "trace: the session's pcapng", "FILE" },
    { "decoded", 0, 0, G_OPTION_ARG_FILENAME, &opt_decoded, "trace: its decoded messages", "FILE" },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &opt_help, "Show help (after a COMMAND: that command's)",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [ARGS] - talk to testfestd");
  g_autofree char *summary = tf_ctl_verbs_summary ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) req = NULL;
  g_autofree char *lab = NULL;
  g_autofree char *client_id = NULL;
  g_autoptr (TfBus) bus = NULL;
  TfBusOptions bo = { 0 };
  const char *verb;
  Ctl c = { 0 };
  TfCtlOutput out;
  JsonObject *ans;
  gboolean in_request = FALSE, session_verb = FALSE;

  setlocale (LC_ALL, "");
  /* the bus's own warnings are for the daemon's journal: here every failure
   * is reported once, by the signals below, with what to do */
  g_log_set_handler ("tf-bus", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, quiet_log, NULL);
  if (tf_ctl_is_regress (argc, argv))
    return tf_ctl_regress (argc, argv); /* testfestctl-regress.c, its own options */
  g_option_context_add_main_entries (ctx, entries, NULL);
  /* our own --help, so that "testfestctl flash --help" shows flash's */
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_set_description (ctx, summary);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  if (argc >= 2 && g_strcmp0 (argv[1], "help") == 0)
    {
      opt_help = TRUE;
      argv++;
      argc--;
    }
  if (opt_help)
    {
      const TfCtlVerb *v = argc >= 2 ? tf_ctl_verb_lookup (argv[1]) : NULL;
      g_autofree char *help
          = v != NULL ? tf_ctl_verb_help (v) : g_option_context_get_help (ctx, TRUE, NULL);
      if (argc >= 2 && v == NULL)
        {
          g_printerr ("testfestctl: unknown command '%s'\n\n%s", argv[1], help);
          return 2;
        }
      g_print ("%s", help);
      return 0;
    }
  if (argc < 2)
    return usage (ctx);
  verb = argv[1];
  if (g_strcmp0 (verb, "schedule") == 0 && opt_check != NULL)
    return argc == 2 ? check_schedule () : usage (ctx);
  /* every usage error before connecting */
  if (!tf_ctl_verb_check (argc - 1, argv + 1, &error))
    {
      const TfCtlVerb *v = tf_ctl_verb_lookup (verb);
      if (v != NULL)
        g_printerr ("testfestctl: %s\nUsage: testfestctl %s %s (testfestctl %s --help)\n",
                    error->message, v->name, v->args, v->name);
      else
        g_printerr ("testfestctl: %s (testfestctl --help lists them)\n", error->message);
      return 2;
    }
  if (g_strcmp0 (verb, "trace") == 0) /* testfestctl-trace.c: a download, not one request */
    {
      if (!load_settings (&bo, &lab, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 2;
        }
      return testfestctl_trace (&bo, lab, opt_company, argv[2], opt_pcap, opt_decoded, opt_timeout);
    }
  json_builder_begin_object (b);
  if (g_strv_contains ((const char *const[]){ "schedule", "sessions", "session", "start", "end",
                                              "close", "abort", "report", "summary", "listing",
                                              "release-summary", "replan", "verdict", "verify",
                                              "sign", "run", "leases", "lease-release", NULL },
                       verb))
    {
      session_verb = TRUE;
      if (!session_request (argc, argv, b, &verb, &in_request))
        {
          g_printerr ("testfestctl: wrong arguments for %s (see --help)\n", argv[1]);
          return 2;
        }
    }
  else if (g_strcmp0 (verb, "boards") == 0 && argc == 2)
    {
      if (opt_state != NULL)
        {
          json_builder_set_member_name (b, "state");
          json_builder_add_string_value (b, opt_state);
        }
    }
  else if ((g_strcmp0 (verb, "board") == 0 || g_strcmp0 (verb, "release") == 0) && argc == 3)
    {
      json_builder_set_member_name (b, "board");
      json_builder_add_string_value (b, argv[2]);
      json_builder_set_member_name (b, "lines");
      json_builder_add_int_value (b, opt_lines);
    }
  else if (g_strcmp0 (verb, "power") == 0 && argc == 4)
    {
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, argv[2]);
      json_builder_set_member_name (b, "board");
      json_builder_add_string_value (b, argv[3]);
    }
  else if (g_strcmp0 (verb, "flash") == 0 && argc == 4)
    {
      json_builder_set_member_name (b, "board");
      json_builder_add_string_value (b, argv[2]);
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, argv[3]);
    }
  else if ((g_strcmp0 (verb, "status") == 0 || g_strcmp0 (verb, "images") == 0) && argc == 2)
    ;
  else if (g_strcmp0 (verb, "call") == 0 && (argc == 3 || argc == 4))
    {
      /* any verb, arguments as a JSON object: for scripts and new verbs */
      g_autoptr (JsonParser) p = json_parser_new ();
      if (argc == 4
          && (!json_parser_load_from_data (p, argv[3], -1, NULL)
              || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))))
        {
          g_printerr ("testfestctl: call: '%s' is not a JSON object\n", argv[3]);
          return 2;
        }
      verb = argv[2];
      opt_json = TRUE;
      if (argc == 4)
        {
          JsonObjectIter it;
          const char *name;
          JsonNode *value;
          json_object_iter_init (&it, json_node_get_object (json_parser_get_root (p)));
          while (json_object_iter_next (&it, &name, &value))
            {
              json_builder_set_member_name (b, name);
              json_builder_add_value (b, json_node_copy (value));
            }
        }
    }
  else
    {
      g_printerr ("testfestctl: unknown command or wrong arguments: %s (see --help)\n", verb);
      return 2;
    }
  json_builder_end_object (b);
  req = json_builder_get_root (b);

  if (!load_settings (&bo, &lab, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  client_id = g_strdup_printf ("testfestctl-%d-%08x", getpid (), g_random_int ());
  bo.client_id = client_id;
  bus = tf_bus_new (&bo, &error);
  if (bus == NULL)
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 3;
    }
  c.loop = g_main_loop_new (NULL, FALSE);
  c.bus = bus;
  c.topic = in_request ? g_strdup_printf ("tf/%s/in/%s/%s", lab, opt_company, verb)
                       : g_strdup_printf ("tf/%s/cmd/%s", lab, verb);
  c.payload = json_to_string (req, FALSE);
  /* replies come only to reply/<account>/<client id>: the broker lets only
   * this account with this client id read there; a company's account is the
   * company (see controller/core/README-rpc.md) */
  c.reply_topic = g_strdup_printf ("tf/%s/reply/%s/%s", lab,
                                   in_request ? opt_company
                                   : bo.user  ? bo.user
                                              : "staff",
                                   client_id);
  c.correlation = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  tf_bus_subscribe (bus, c.reply_topic);
  c.last_percent = -1;
  if (g_strcmp0 (verb, "flash") == 0)
    {
      c.progress_topic = g_strdup_printf ("tf/%s/board/%s/state", lab, argv[2]);
      tf_bus_subscribe (bus, c.progress_topic);
      if (opt_timeout == 60)
        opt_timeout = 600; /* a flash at 115200 baud takes minutes */
    }
  /* a suite: its cases one after another; a server's case: its operator's steps */
  if (g_strcmp0 (verb, "run") == 0 && (opt_all_automated || g_strcmp0 (opt_side, "server") == 0)
      && opt_timeout == 60)
    opt_timeout = 1800;
  c.user = bo.user;
  c.broker = g_strdup_printf ("%s:%u", bo.host, bo.port);
  g_signal_connect (bus, "connected", G_CALLBACK (on_connected), &c);
  g_signal_connect (bus, "connect-failed", G_CALLBACK (on_connect_failed), &c);
  g_signal_connect (bus, "published", G_CALLBACK (on_published), &c);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &c);
  g_timeout_add_seconds (opt_timeout, on_timeout, &c);
  tf_bus_start (bus);
  /* the first connect may fail at once, before the loop runs */
  if (c.failure == NULL)
    g_main_loop_run (c.loop);
  tf_bus_shutdown (bus, NULL, NULL, 200);
  if (c.progress_topic != NULL && c.last_percent >= 0 && isatty (STDERR_FILENO))
    g_printerr ("\n");

  if (c.answer == NULL)
    {
      g_printerr ("testfestctl: %s\n", c.failure ? c.failure : "no answer");
      return c.status ? c.status : 3;
    }
  ans = json_node_get_object (c.answer);
  out = (TfCtlOutput){ opt_json, opt_csv, opt_ics, opt_pdf, opt_junit };
  if (!json_object_get_boolean_member_with_default (ans, "ok", FALSE))
    {
      g_printerr ("testfestctl: %s\n", tf_ctl_str_member (ans, "error"));
      if (opt_json)
        tf_ctl_print_answer (&out, verb, ans);
      return 1;
    }
  if (session_verb)
    return tf_ctl_print_session_answer (&out, verb, ans);
  tf_ctl_print_answer (&out, verb, ans);
  return 0;
}
