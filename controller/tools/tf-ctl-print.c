/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "testfestctl"

#include "tf-ctl-print.h"
#include "tf-ctl-verbs.h"
#include "tf-report-junit.h"
#include "tf-report-pdf.h"

#include <glib/gstdio.h>

/* How testfestctl prints the daemon's answers (tables for people, JSON for
 * scripts) and writes the report files. */

const char *
tf_ctl_str_member (JsonObject *o, const char *key)
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
    fw = g_strdup_printf ("%s %s", tf_ctl_str_member (json_node_get_object (fwn), "name"),
                          tf_ctl_str_member (json_node_get_object (fwn), "version"));
  g_print ("%-14s %-10s %-16s %-6s %-12s %-7s %-8s %-22s %-26s %s\n", tf_ctl_str_member (b, "id"),
           tf_ctl_str_member (b, "host"), tf_ctl_str_member (b, "type"),
           tf_ctl_str_member (b, "table"), tf_ctl_str_member (b, "state"),
           tf_ctl_str_member (b, "power"), tf_ctl_str_member (b, "health"), fw ? fw : "-",
           tf_ctl_str_member (b, "since"),
           g_strcmp0 (tf_ctl_str_member (b, "error"), "-") != 0 ? tf_ctl_str_member (b, "error")
                                                                : tf_ctl_str_member (b, "cause"));
}

void
tf_ctl_print_answer (const TfCtlOutput *out, const char *verb, JsonObject *o)
{
  if (out->json)
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
      g_print ("%-14s %-10s %-16s %-6s %-12s %-7s %-8s %-22s %-26s %s\n", "BOARD", "HOST", "TYPE",
               "TABLE", "STATE", "POWER", "HEALTH", "FIRMWARE", "SINCE", "CAUSE/ERROR");
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
          g_print ("%-28s %-24s %-10s %9" G_GINT64_FORMAT " %s\n", tf_ctl_str_member (im, "id"),
                   tf_ctl_str_member (im, "implementation"), tf_ctl_str_member (im, "version"),
                   json_object_get_int_member_with_default (im, "size", 0),
                   tf_ctl_str_member (im, "sha256"));
        }
    }
  else if (g_strcmp0 (verb, "status") == 0)
    {
      JsonObject *st = json_object_get_object_member (o, "states");
      g_autoptr (GList) names = st ? json_object_get_members (st) : NULL;
      g_print ("lab %s, host %s, testfestd %s, up %" G_GINT64_FORMAT " s, %" G_GINT64_FORMAT
               " boards\n",
               tf_ctl_str_member (o, "lab"), tf_ctl_str_member (o, "host"),
               tf_ctl_str_member (o, "version"),
               json_object_get_int_member_with_default (o, "uptime_s", 0),
               json_object_get_int_member_with_default (o, "boards", 0));
      for (GList *l = names; l != NULL; l = l->next)
        if (json_object_get_int_member (st, l->data) > 0)
          g_print ("  %-12s %" G_GINT64_FORMAT "\n", (char *)l->data,
                   json_object_get_int_member (st, l->data));
      if (json_object_has_member (o, "role"))
        g_print ("role %s\n", tf_ctl_str_member (o, "role"));
      /* a farm coordinator: its hosts, and board ids it refused */
      if (json_object_has_member (o, "hosts")
          && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "hosts")))
        {
          JsonObject *hosts = json_object_get_object_member (o, "hosts");
          g_autoptr (GList) hn = json_object_get_members (hosts);
          for (GList *l = hn; l != NULL; l = l->next)
            {
              JsonNode *hnode = json_object_get_member (hosts, l->data);
              JsonObject *h = JSON_NODE_HOLDS_OBJECT (hnode) ? json_node_get_object (hnode) : NULL;
              JsonNode *rn = h != NULL ? json_object_get_member (h, "refused") : NULL;
              g_autoptr (GList) refused = rn != NULL && JSON_NODE_HOLDS_OBJECT (rn)
                                              ? json_object_get_members (json_node_get_object (rn))
                                              : NULL;
              g_print ("host %-10s %-8s %" G_GINT64_FORMAT " boards\n", (char *)l->data,
                       tf_ctl_str_member (h, "state"),
                       h != NULL ? json_object_get_int_member_with_default (h, "boards", 0) : 0);
              for (GList *r = refused; r != NULL; r = r->next)
                g_print ("  refused %s: %s\n", (char *)r->data,
                         tf_ctl_str_member (json_node_get_object (rn), r->data));
            }
        }
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
  g_print (
      "%-34s %4" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %-14s %-10s %-7s %s%s%s\n",
      tf_ctl_str_member (st, "id"), int_member (st, "slot"), int_member (st, "table"),
      tf_ctl_str_member (st, "board"), tf_ctl_str_member (st, "phase"), prog,
      json_object_get_boolean_member_with_default (st, "replanned", FALSE) ? "re-planned " : "",
      g_strcmp0 (tf_ctl_str_member (st, "error"), "-") != 0 ? tf_ctl_str_member (st, "error") : "",
      c && v ? "" : "");
}

static void
print_party (const char *role, JsonObject *p)
{
  g_print ("%s: %s (%s, %s), %s %s\n", role, tf_ctl_str_member (p, "impl"),
           tf_ctl_str_member (p, "company"), tf_ctl_str_member (p, "company_name"),
           tf_ctl_str_member (p, "name"), tf_ctl_str_member (p, "version"));
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

  g_print ("Test Session Report %s, %s\n", tf_ctl_str_member (r, "session"),
           tf_ctl_str_member (r, "event"));
  g_print ("session %" G_GINT64_FORMAT ", %s to %s, table %" G_GINT64_FORMAT ", board %s\n",
           int_member (r, "number"), tf_ctl_str_member (r, "start"), tf_ctl_str_member (r, "end"),
           int_member (r, "table"), tf_ctl_str_member (r, "board"));
  g_print ("firmware: %s %s, sha256 %s\n", tf_ctl_str_member (fw, "name"),
           tf_ctl_str_member (fw, "version"), tf_ctl_str_member (fw, "sha256"));
  print_party ("client", c);
  print_party ("server", v);
  g_print ("ETS: %s\n", tf_ctl_str_member (r, "ets"));
  {
    g_autofree char *cs
        = sc ? g_strdup_printf ("yes (%s, %s)", tf_ctl_str_member (sig, "client_by"),
                                tf_ctl_str_member (sig, "client_at"))
             : g_strdup ("no");
    g_autofree char *ssg
        = ss ? g_strdup_printf ("yes (%s, %s)", tf_ctl_str_member (sig, "server_by"),
                                tf_ctl_str_member (sig, "server_at"))
             : g_strdup ("no");
    g_print ("signed: client %s, server %s\n", cs, ssg);
  }
  g_print ("%-5s %-50s %-15s %-9s %-18s %s\n", "CASE", "NAME", "VERDICT", "VERIFIED", "BY", "NOTE");
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonObject *k = json_array_get_object_element (cases, i);
      /* grouped as the ETS groups them */
      if (g_strcmp0 (tf_ctl_str_member (k, "group"), group) != 0)
        {
          group = tf_ctl_str_member (k, "group");
          g_print ("-- %s\n", group);
        }
      g_autofree char *name = tf_ctl_fit (tf_ctl_str_member (k, "name"), 50);
      g_print ("%-5" G_GINT64_FORMAT " %s %-15s %-9s %-18s %s%s%s\n", int_member (k, "id"), name,
               tf_ctl_str_member (k, "verdict"), tf_ctl_str_member (k, "verification"),
               tf_ctl_str_member (k, "entered_by"),
               g_strcmp0 (tf_ctl_str_member (k, "note"), "-") ? tf_ctl_str_member (k, "note") : "",
               g_strcmp0 (tf_ctl_str_member (k, "verify_note"), "-") ? " / server: " : "",
               g_strcmp0 (tf_ctl_str_member (k, "verify_note"), "-")
                   ? tf_ctl_str_member (k, "verify_note")
                   : "");
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
      g_autofree char *name = tf_ctl_fit (tf_ctl_str_member (k, "name"), 50);
      g_print ("%-5" G_GINT64_FORMAT " %s %5" G_GINT64_FORMAT " %5" G_GINT64_FORMAT
               " %6" G_GINT64_FORMAT " %5" G_GINT64_FORMAT " %5" G_GINT64_FORMAT "\n",
               int_member (k, "id"), name, int_member (k, "pass"), int_member (k, "fail"),
               int_member (k, "inconclusive"), int_member (k, "not-applicable"),
               int_member (k, "out-of-time"));
    }
}

static guint
count_fails (JsonObject *report)
{
  JsonArray *cases = arr_member (report, "cases");
  guint n = 0;
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    if (g_strcmp0 (tf_ctl_str_member (json_array_get_object_element (cases, i), "verdict"), "fail")
        == 0)
      n++;
  return n;
}

static int
print_session_answer_inner (const TfCtlOutput *out, const char *verb, JsonObject *o, guint *fails);

/* The session and schedule verbs; returns the exit status. report --junit:
 * 1 when any case is Fail, so that CI can gate on it. */
int
tf_ctl_print_session_answer (const TfCtlOutput *out, const char *verb, JsonObject *o)
{
  guint fails = 0;
  int status = print_session_answer_inner (out, verb, o, &fails);
  if (status == 0 && fails > 0)
    {
      g_printerr ("testfestctl: %u case%s Fail (exit status 1: --junit gates on Fail)\n", fails,
                  fails == 1 ? "" : "s");
      return 1;
    }
  return status;
}

static int
print_session_answer_inner (const TfCtlOutput *out, const char *verb, JsonObject *o, guint *fails)
{
  g_autoptr (GError) error = NULL;
  if (g_strcmp0 (verb, "schedule") == 0)
    {
      JsonObject *sched = obj_member (o, "schedule");
      if (out->ics != NULL)
        {
          JsonObject *ics = obj_member (o, "ics");
          g_autoptr (GList) teams = ics ? json_object_get_members (ics) : NULL;
          if (g_mkdir_with_parents (out->ics, 0755) != 0)
            {
              g_printerr ("testfestctl: cannot create %s\n", out->ics);
              return 1;
            }
          for (GList *l = teams; l != NULL; l = l->next)
            {
              g_autofree char *name = g_strdup_printf ("%s.ics", (char *)l->data);
              g_autofree char *path = g_build_filename (out->ics, name, NULL);
              if (!g_file_set_contents (path, json_object_get_string_member (ics, l->data), -1,
                                        &error))
                {
                  g_printerr ("testfestctl: %s\n", error->message);
                  return 1;
                }
              g_print ("%s\n", path);
            }
        }
      else if (out->csv)
        g_print ("%s", tf_ctl_str_member (o, "csv"));
      else if (out->json && sched != NULL)
        print_json (json_object_get_member (o, "schedule"));
      else
        g_print ("%s", tf_ctl_str_member (o, "text"));
      return 0;
    }
  if (out->json)
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
  if (g_strcmp0 (verb, "report") == 0 && out->pdf != NULL)
    {
      if (!tf_report_pdf_session (obj_member (o, "report"), out->pdf, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
    }
  if (g_strcmp0 (verb, "report") == 0 && out->junit != NULL)
    {
      g_autofree char *xml = tf_report_junit (obj_member (o, "report"), &error);
      if (xml == NULL || !g_file_set_contents (out->junit, xml, -1, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
      *fails = count_fails (obj_member (o, "report"));
    }
  if (g_strcmp0 (verb, "consolidated") == 0 && out->pdf != NULL)
    {
      if (!tf_report_pdf_consolidated (obj_member (o, "consolidated"), out->pdf, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          return 1;
        }
    }
  if (out->json)
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
               tf_ctl_str_member (c, "event"), int_member (im, "clients"),
               int_member (im, "servers"));
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
                   tf_ctl_str_member (p, "company"), tf_ctl_str_member (p, "implementation"),
                   tf_ctl_str_member (p, "role"), tf_ctl_str_member (p, "version"),
                   int_member (p, "sessions"), int_member (p, "pass"), int_member (p, "fail"),
                   int_member (p, "inconclusive"), int_member (p, "not-applicable"),
                   int_member (p, "out-of-time"));
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
  else if (g_strcmp0 (verb, "release-summary") == 0)
    g_print ("release %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " sessions (%" G_GINT64_FORMAT
             " new)\n",
             int_member (o, "release"), int_member (o, "sessions"), int_member (o, "new"));
  else if (g_strcmp0 (verb, "leases") == 0)
    {
      JsonArray *a = arr_member (o, "leases");
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          JsonObject *l = json_array_get_object_element (a, i);
          g_print ("%-14s %-34s expires in %" G_GINT64_FORMAT " s\n",
                   tf_ctl_str_member (l, "board"), tf_ctl_str_member (l, "owner"),
                   int_member (l, "expires_in_s"));
        }
    }
  else if (g_strcmp0 (verb, "verdict") == 0 || g_strcmp0 (verb, "verify") == 0
           || g_strcmp0 (verb, "sign") == 0 || g_strcmp0 (verb, "run") == 0)
    {
      JsonArray *cases
          = json_object_has_member (o, "cases") ? json_object_get_array_member (o, "cases") : NULL;
      for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
        {
          JsonObject *k = json_array_get_object_element (cases, i);
          g_print ("%4" G_GINT64_FORMAT " %-15s %s\n", int_member (k, "case"),
                   tf_ctl_str_member (k, "verdict"), tf_ctl_str_member (k, "note"));
        }
      if (cases != NULL)
        ;
      else if (json_object_has_member (o, "verdict"))
        g_print ("%s\n", tf_ctl_str_member (o, "verdict"));
      else if (json_object_has_member (o, "verification"))
        g_print ("%s\n", tf_ctl_str_member (o, "verification"));
      else
        g_print ("signed\n");
    }
  return 0;
}
