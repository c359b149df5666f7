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
#include "tf-error.h"
#include "tf-report-junit.h"
#include "tf-report-pdf.h"
#include "tf-sched.h"

/* testfestctl: the staff's command line, over MQTT v5 request/response.
 * Exit status: 0 done, 1 the daemon refused or the operation failed,
 * 2 usage or configuration error, 3 no broker or no answer. */

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
} Ctl;

static char *opt_config, *opt_host, *opt_lab, *opt_user, *opt_password_file;
static int opt_port = 0, opt_timeout = 60, opt_lines = 20;
static gboolean opt_json;
static char *opt_state;
static char *opt_pcap, *opt_decoded; /* trace (testfestctl-trace.c) */
/* sessions and the schedule */
static gboolean opt_csv;
static char *opt_ics, *opt_check, *opt_event, *opt_company, *opt_as, *opt_note, *opt_issue,
    *opt_pdf, *opt_reason, *opt_junit;

static void
on_connected (TfBus *bus, Ctl *c)
{
  g_autoptr (GError) error = NULL;
  if (c->sent)
    return;
  /* the subscription to our reply topic precedes this publish on the wire */
  if (!tf_bus_request (bus, c->topic, c->payload, c->reply_topic, c->correlation, &error))
    {
      c->failure = g_strdup (error->message);
      c->status = 3;
      g_main_loop_quit (c->loop);
      return;
    }
  c->sent = TRUE;
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

static const char *
str_member (JsonObject *o, const char *key)
{
  /* "-" also for a member object a report lacks (an older daemon) */
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return "-";
  return json_node_get_string (n);
}

static void
print_board_row (JsonObject *b)
{
  JsonNode *fwn = json_object_get_member (b, "firmware");
  g_autofree char *fw = NULL;
  if (fwn != NULL && JSON_NODE_HOLDS_OBJECT (fwn))
    fw = g_strdup_printf ("%s %s", str_member (json_node_get_object (fwn), "name"),
                          str_member (json_node_get_object (fwn), "version"));
  g_print ("%-14s %-16s %-6s %-12s %-7s %-8s %-22s %-26s %s\n", str_member (b, "id"),
           str_member (b, "type"), str_member (b, "table"), str_member (b, "state"),
           str_member (b, "power"), str_member (b, "health"), fw ? fw : "-",
           str_member (b, "since"),
           g_strcmp0 (str_member (b, "error"), "-") != 0 ? str_member (b, "error")
                                                         : str_member (b, "cause"));
}

static void
print_answer (const char *verb, JsonObject *o)
{
  if (opt_json)
    {
      g_autoptr (JsonGenerator) g = json_generator_new ();
      g_autofree char *s = NULL;
      json_generator_set_pretty (g, TRUE);
      const char *member = g_strcmp0 (verb, "boards") == 0   ? "boards"
                           : g_strcmp0 (verb, "board") == 0  ? "board"
                           : g_strcmp0 (verb, "images") == 0 ? "images"
                                                             : NULL;
      g_autoptr (JsonNode) whole = json_node_init_object (json_node_alloc (), o);
      json_generator_set_root (g, member != NULL && json_object_has_member (o, member)
                                      ? json_object_get_member (o, member)
                                      : whole);
      s = json_generator_to_data (g, NULL);
      g_print ("%s\n", s);
      return;
    }
  if (g_strcmp0 (verb, "boards") == 0)
    {
      JsonArray *a = json_object_get_array_member (o, "boards");
      g_print ("%-14s %-16s %-6s %-12s %-7s %-8s %-22s %-26s %s\n", "BOARD", "TYPE", "TABLE",
               "STATE", "POWER", "HEALTH", "FIRMWARE", "SINCE", "CAUSE/ERROR");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        print_board_row (json_array_get_object_element (a, i));
    }
  else if (g_strcmp0 (verb, "board") == 0 || g_strcmp0 (verb, "power") == 0
           || g_strcmp0 (verb, "release") == 0 || g_strcmp0 (verb, "flash") == 0)
    {
      JsonNode *bn = json_object_get_member (o, "board");
      JsonNode *cn = json_object_get_member (o, "console");
      if (bn != NULL && JSON_NODE_HOLDS_OBJECT (bn))
        print_board_row (json_node_get_object (bn));
      if (cn != NULL && JSON_NODE_HOLDS_ARRAY (cn))
        {
          JsonArray *a = json_node_get_array (cn);
          for (guint i = 0; i < json_array_get_length (a); i++)
            g_print ("  | %s\n", json_array_get_string_element (a, i));
        }
    }
  else if (g_strcmp0 (verb, "images") == 0)
    {
      JsonArray *a = json_object_get_array_member (o, "images");
      g_print ("%-28s %-24s %-10s %9s %s\n", "IMAGE", "IMPLEMENTATION", "VERSION", "BYTES",
               "SHA256");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          JsonObject *im = json_array_get_object_element (a, i);
          g_print ("%-28s %-24s %-10s %9" G_GINT64_FORMAT " %s\n", str_member (im, "id"),
                   str_member (im, "implementation"), str_member (im, "version"),
                   json_object_get_int_member_with_default (im, "size", 0),
                   str_member (im, "sha256"));
        }
    }
  else if (g_strcmp0 (verb, "status") == 0)
    {
      JsonObject *st = json_object_get_object_member (o, "states");
      g_autoptr (GList) names = st ? json_object_get_members (st) : NULL;
      g_print ("lab %s, host %s, testfestd %s, up %" G_GINT64_FORMAT " s, %" G_GINT64_FORMAT
               " boards\n",
               str_member (o, "lab"), str_member (o, "host"), str_member (o, "version"),
               json_object_get_int_member_with_default (o, "uptime_s", 0),
               json_object_get_int_member_with_default (o, "boards", 0));
      for (GList *l = names; l != NULL; l = l->next)
        if (json_object_get_int_member (st, l->data) > 0)
          g_print ("  %-12s %" G_GINT64_FORMAT "\n", (char *)l->data,
                   json_object_get_int_member (st, l->data));
    }
}

static gint64
int_member (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (n);
}

static JsonObject *
obj_member (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
arr_member (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;
  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static void
print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  g_autofree char *text = NULL;
  json_generator_set_pretty (g, TRUE);
  json_generator_set_root (g, node);
  text = json_generator_to_data (g, NULL);
  g_print ("%s\n", text);
}

static void
print_session_row (JsonObject *st)
{
  JsonObject *c = obj_member (st, "client"), *v = obj_member (st, "server");
  JsonObject *p = obj_member (st, "progress");
  g_autofree char *prog = g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                                           int_member (p, "done"), int_member (p, "total"));
  g_print ("%-34s %4" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %-14s %-10s %-7s %s%s%s\n",
           str_member (st, "id"), int_member (st, "slot"), int_member (st, "table"),
           str_member (st, "board"), str_member (st, "phase"), prog,
           json_object_get_boolean_member_with_default (st, "replanned", FALSE) ? "re-planned "
                                                                                : "",
           g_strcmp0 (str_member (st, "error"), "-") != 0 ? str_member (st, "error") : "",
           c && v ? "" : "");
}

static void
print_party (const char *role, JsonObject *p)
{
  g_print ("%s: %s (%s, %s), %s %s\n", role, str_member (p, "impl"), str_member (p, "company"),
           str_member (p, "company_name"), str_member (p, "name"), str_member (p, "version"));
}

static void
print_report (JsonObject *r)
{
  JsonObject *c = obj_member (r, "client"), *v = obj_member (r, "server");
  JsonObject *sig = obj_member (r, "signed"), *fw = obj_member (r, "firmware");
  JsonArray *cases = arr_member (r, "cases");
  const char *group = NULL;
  gboolean sc = sig && json_object_get_boolean_member_with_default (sig, "client", FALSE);
  gboolean ss = sig && json_object_get_boolean_member_with_default (sig, "server", FALSE);

  g_print ("Test Session Report %s, %s\n", str_member (r, "session"), str_member (r, "event"));
  g_print ("session %" G_GINT64_FORMAT ", %s to %s, table %" G_GINT64_FORMAT ", board %s\n",
           int_member (r, "number"), str_member (r, "start"), str_member (r, "end"),
           int_member (r, "table"), str_member (r, "board"));
  g_print ("firmware: %s %s, sha256 %s\n", str_member (fw, "name"), str_member (fw, "version"),
           str_member (fw, "sha256"));
  print_party ("client", c);
  print_party ("server", v);
  g_print ("ETS: %s\n", str_member (r, "ets"));
  {
    g_autofree char *cs = sc ? g_strdup_printf ("yes (%s, %s)", str_member (sig, "client_by"),
                                                str_member (sig, "client_at"))
                             : g_strdup ("no");
    g_autofree char *ssg = ss ? g_strdup_printf ("yes (%s, %s)", str_member (sig, "server_by"),
                                                 str_member (sig, "server_at"))
                              : g_strdup ("no");
    g_print ("signed: client %s, server %s\n", cs, ssg);
  }
  g_print ("%-5s %-50s %-15s %-9s %-18s %s\n", "CASE", "NAME", "VERDICT", "VERIFIED", "BY", "NOTE");
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonObject *k = json_array_get_object_element (cases, i);
      /* grouped as the ETS groups them */
      if (g_strcmp0 (str_member (k, "group"), group) != 0)
        {
          group = str_member (k, "group");
          g_print ("-- %s\n", group);
        }
      g_print ("%-5" G_GINT64_FORMAT " %-50.50s %-15s %-9s %-18s %s%s%s\n", int_member (k, "id"),
               str_member (k, "name"), str_member (k, "verdict"), str_member (k, "verification"),
               str_member (k, "entered_by"),
               g_strcmp0 (str_member (k, "note"), "-") ? str_member (k, "note") : "",
               g_strcmp0 (str_member (k, "verify_note"), "-") ? " / server: " : "",
               g_strcmp0 (str_member (k, "verify_note"), "-") ? str_member (k, "verify_note") : "");
    }
}

static void
print_results (JsonObject *sum)
{
  JsonArray *cases = arr_member (sum, "cases");
  g_print ("%-5s %-50s %5s %5s %6s %5s %5s\n", "CASE", "NAME", "PASS", "FAIL", "INCONC", "N/A",
           "OOT");
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonObject *k = json_array_get_object_element (cases, i);
      g_print ("%-5" G_GINT64_FORMAT " %-50.50s %5" G_GINT64_FORMAT " %5" G_GINT64_FORMAT
               " %6" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %5" G_GINT64_FORMAT "\n",
               int_member (k, "id"), str_member (k, "name"), int_member (k, "pass"),
               int_member (k, "fail"), int_member (k, "inconclusive"),
               int_member (k, "not-applicable"), int_member (k, "out-of-time"));
    }
}

/* The session and schedule verbs; returns an exit status or -1 when printed. */
static int
print_session_answer (const char *verb, JsonObject *o)
{
  g_autoptr (GError) error = NULL;
  if (g_strcmp0 (verb, "schedule") == 0)
    {
      JsonObject *sched = obj_member (o, "schedule");
      if (opt_ics != NULL)
        {
          JsonObject *ics = obj_member (o, "ics");
          g_autoptr (GList) teams = ics ? json_object_get_members (ics) : NULL;
          if (g_mkdir_with_parents (opt_ics, 0755) != 0)
            {
              g_printerr ("testfestctl: cannot create %s\n", opt_ics);
              return 1;
            }
          for (GList *l = teams; l != NULL; l = l->next)
            {
              g_autofree char *name = g_strdup_printf ("%s.ics", (char *)l->data);
              g_autofree char *path = g_build_filename (opt_ics, name, NULL);
              if (!g_file_set_contents (path, json_object_get_string_member (ics, l->data), -1,
                                        &error))
                {
                  g_printerr ("testfestctl: %s\n", error->message);
                  return 1;
                }
              g_print ("%s\n", path);
            }
        }
      else if (opt_csv)
        g_print ("%s", str_member (o, "csv"));
      else if (opt_json && sched != NULL)
        print_json (json_object_get_member (o, "schedule"));
      else
        g_print ("%s", str_member (o, "text"));
      return 0;
    }
  if (opt_json)
    {
      g_autoptr (JsonNode) whole = json_node_init_object (json_node_alloc (), o);
      const char *m = g_strcmp0 (verb, "report") == 0         ? "report"
                      : g_strcmp0 (verb, "consolidated") == 0 ? "consolidated"
                      : g_strcmp0 (verb, "listing") == 0      ? "listing"
                      : g_strcmp0 (verb, "sessions") == 0     ? "sessions"
                                                              : NULL;
      print_json (m != NULL && json_object_has_member (o, m) ? json_object_get_member (o, m)
                                                             : whole);
    }
  if (g_strcmp0 (verb, "report") == 0 && opt_pdf != NULL)
    {
      if (!tf_report_pdf_session (obj_member (o, "report"), opt_pdf, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
    }
  if (g_strcmp0 (verb, "report") == 0 && opt_junit != NULL)
    {
      g_autofree char *xml = tf_report_junit (obj_member (o, "report"), &error);
      if (xml == NULL || !g_file_set_contents (opt_junit, xml, -1, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
    }
  if (g_strcmp0 (verb, "consolidated") == 0 && opt_pdf != NULL)
    {
      if (!tf_report_pdf_consolidated (obj_member (o, "consolidated"), opt_pdf, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
    }
  if (opt_json)
    return 0;
  if (g_strcmp0 (verb, "sessions") == 0)
    {
      JsonArray *a = arr_member (o, "sessions");
      g_print ("%-34s %4s %5s %-14s %-10s %-7s %s\n", "SESSION", "SLOT", "TABLE", "BOARD", "PHASE",
               "DONE", "NOTE");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        print_session_row (json_array_get_object_element (a, i));
    }
  else if (g_strcmp0 (verb, "session") == 0)
    {
      print_session_row (obj_member (o, "session"));
      print_report (obj_member (o, "report"));
    }
  else if (g_strcmp0 (verb, "report") == 0)
    print_report (obj_member (o, "report"));
  else if (g_strcmp0 (verb, "consolidated") == 0)
    {
      JsonObject *c = obj_member (o, "consolidated");
      JsonObject *im = obj_member (c, "implementations");
      g_print ("%s: %" G_GINT64_FORMAT " clients, %" G_GINT64_FORMAT " servers\n",
               str_member (c, "event"), int_member (im, "clients"), int_member (im, "servers"));
      print_results (c);
    }
  else if (g_strcmp0 (verb, "listing") == 0)
    {
      JsonObject *l = obj_member (o, "listing");
      JsonArray *a = arr_member (l, "products");
      g_print ("%-28s %-20s %-7s %-9s %8s %5s %5s %7s %5s %5s\n", "COMPANY", "IMPLEMENTATION",
               "ROLE", "VERSION", "SESSIONS", "PASS", "FAIL", "INCONC", "N/A", "OOT");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          JsonObject *p = json_array_get_object_element (a, i);
          g_print ("%-28s %-20s %-7s %-9s %8" G_GINT64_FORMAT " %5" G_GINT64_FORMAT
                   " %5" G_GINT64_FORMAT " %7" G_GINT64_FORMAT " %5" G_GINT64_FORMAT
                   " %5" G_GINT64_FORMAT "\n",
                   str_member (p, "company"), str_member (p, "implementation"),
                   str_member (p, "role"), str_member (p, "version"), int_member (p, "sessions"),
                   int_member (p, "pass"), int_member (p, "fail"), int_member (p, "inconclusive"),
                   int_member (p, "not-applicable"), int_member (p, "out-of-time"));
        }
    }
  else if (g_strcmp0 (verb, "replan") == 0)
    {
      JsonArray *a = arr_member (o, "changes");
      g_print ("%" G_GINT64_FORMAT " sessions moved, %" G_GINT64_FORMAT " on another board\n",
               int_member (o, "moved"), int_member (o, "reboarded"));
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        g_print ("  %s\n", json_array_get_string_element (a, i));
    }
  else if (g_strcmp0 (verb, "start") == 0 || g_strcmp0 (verb, "end") == 0
           || g_strcmp0 (verb, "abort") == 0 || g_strcmp0 (verb, "close") == 0)
    print_session_row (obj_member (o, "session"));
  else if (g_strcmp0 (verb, "leases") == 0)
    {
      JsonArray *a = arr_member (o, "leases");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          JsonObject *l = json_array_get_object_element (a, i);
          g_print ("%-14s %-34s expires in %" G_GINT64_FORMAT " s\n", str_member (l, "board"),
                   str_member (l, "owner"), int_member (l, "expires_in_s"));
        }
    }
  else if (g_strcmp0 (verb, "verdict") == 0 || g_strcmp0 (verb, "verify") == 0
           || g_strcmp0 (verb, "sign") == 0 || g_strcmp0 (verb, "run") == 0)
    {
      if (json_object_has_member (o, "verdict"))
        g_print ("%s\n", str_member (o, "verdict"));
      else if (json_object_has_member (o, "verification"))
        g_print ("%s\n", str_member (o, "verification"));
      else
        g_print ("signed\n");
    }
  return 0;
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
  if (problems->len == 0)
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
  else if (g_strcmp0 (v, "run") == 0 && argc == 4)
    {
      add_s (b, "session", argv[2]);
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
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &opt_pcap, "trace: the session's pcapng", "FILE" },
    { "decoded", 0, 0, G_OPTION_ARG_FILENAME, &opt_decoded, "trace: its decoded messages",
      "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "COMMAND [ARGS] - talk to testfestd\n\n"
      "Commands:\n"
      "  boards                   list the boards\n"
      "  board ID                 one board, with its console tail\n"
      "  power on|off|cycle ID    switch a board and wait for the outcome\n"
      "  release ID               take a board out of quarantine (staff)\n"
      "  flash ID IMAGE           write an image and wait until it has booted\n"
      "  images                   the firmware images the lab knows\n"
      "  status                   the daemon and a count of boards per state\n"
      "  call VERB [JSON]         any request, arguments as a JSON object; prints the answer\n"
      "\nTestFest (needs [lab] event = FILE):\n"
      "  schedule [--json|--csv|--ics DIR]   the timetable\n"
      "  schedule --check FILE --event EVENT every rule a schedule JSON breaks (offline)\n"
      "  replan board-fault BOARD [FROM [TO]] | absent TEAM FROM [TO] | overrun SESSION SLOTS\n"
      "  sessions | session ID | start ID | end ID | close ID | abort ID --reason TEXT\n"
      "  verdict SESSION CASE pass|fail|inconclusive|not-applicable|out-of-time --company C "
      "[--note] [--issue URL] [--as USER]\n"
      "  verify SESSION CASE agree|dispute --company C [--note TEXT]\n"
      "  sign SESSION --company C     run SESSION CASE --company C (the case's script)\n"
      "  report ID [--pdf FILE] [--junit FILE] [--company C]   summary [--pdf FILE] (consolidated, "
      "anonymised)\n"
      "  listing                  the product listing of the companies that consented\n"
      "  leases | lease-release BOARD (staff)\n"
      "  trace SESSION [--pcap FILE] [--decoded FILE] [--company C]   the session's capture");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) req = NULL;
  g_autofree char *lab = NULL;
  g_autofree char *client_id = NULL;
  g_autoptr (TfBus) bus = NULL;
  TfBusOptions bo = { 0 };
  const char *verb;
  Ctl c = { 0 };
  JsonObject *ans;
  gboolean in_request = FALSE, session_verb = FALSE;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  if (argc < 2)
    return usage (ctx);
  verb = argv[1];
  if (g_strcmp0 (verb, "schedule") == 0 && opt_check != NULL)
    return argc == 2 ? check_schedule () : usage (ctx);
  if (g_strcmp0 (verb, "trace") == 0)
    {
      if (argc != 3 || !load_settings (&bo, &lab, &error))
        {
          g_printerr ("testfestctl: %s\n", error ? error->message : "trace SESSION --pcap FILE");
          return 2;
        }
      return testfestctl_trace (&bo, lab, opt_company, argv[2], opt_pcap, opt_decoded,
                                opt_timeout);
    }
  json_builder_begin_object (b);
  if (g_strv_contains ((const char *const[]){ "schedule", "sessions", "session", "start", "end",
                                              "close", "abort", "report", "summary", "listing",
                                              "replan", "verdict", "verify", "sign", "run",
                                              "leases", "lease-release", NULL },
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
  g_signal_connect (bus, "connected", G_CALLBACK (on_connected), &c);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &c);
  g_timeout_add_seconds (opt_timeout, on_timeout, &c);
  tf_bus_start (bus);
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
  if (!json_object_get_boolean_member_with_default (ans, "ok", FALSE))
    {
      g_printerr ("testfestctl: %s\n", str_member (ans, "error"));
      if (opt_json)
        print_answer (verb, ans);
      return 1;
    }
  if (session_verb)
    return print_session_answer (verb, ans);
  print_answer (verb, ans);
  return 0;
}
