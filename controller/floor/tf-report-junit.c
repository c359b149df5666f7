/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-report-junit.h"
#include "tf-error.h"
#include "tf-json.h"

/* Text as XML 1.0 character data. g_markup_escape_text() is not enough: it
 * writes control characters as &#x1;, which XML 1.0 forbids even as a
 * reference, and a CI system's parser then rejects the whole file. Script
 * output holds such bytes (terminal colour escapes, for one), so they are
 * written as the visible text \xHH instead. In an attribute, tab and line
 * breaks become references so that attribute normalisation keeps them. */
static void
append_escaped (GString *s, const char *text, gboolean attr)
{
  const char *p = text != NULL ? text : "";
  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          g_string_append (s, "\xef\xbf\xbd"); /* U+FFFD for a byte that is not UTF-8 */
          p++;
          continue;
        }
      if (c == '&')
        g_string_append (s, "&amp;");
      else if (c == '<')
        g_string_append (s, "&lt;");
      else if (c == '>')
        g_string_append (s, "&gt;");
      else if (c == '"' && attr)
        g_string_append (s, "&quot;");
      else if (c == '\r')
        g_string_append (s, "&#13;"); /* a parser would turn a raw CR into LF */
      else if ((c == '\t' || c == '\n') && attr)
        g_string_append_printf (s, "&#%u;", c);
      else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0xFFFE || c == 0xFFFF)
        g_string_append_printf (s, c < 0x100 ? "\\x%02x" : "\\u%04x", c);
      else
        g_string_append_len (s, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
}

static void
append_attr (GString *s, const char *name, const char *value)
{
  g_string_append_printf (s, " %s=\"", name);
  append_escaped (s, value, TRUE);
  g_string_append_c (s, '"');
}

/* The verdict the lab proposed from the trace and what the client team made of it:
 * lab_proposal (the verdict), lab_proposal_decision (accepted, overridden or pending),
 * lab_proposal_reason (the messages that decided it). */
static void
append_proposal (GString *s, JsonObject *c)
{
  JsonObject *p = tf_json_get_object (c, "lab_proposal");
  const char *decision = tf_json_get_string (p, "decision");
  if (p == NULL || tf_json_get_string (p, "verdict") == NULL)
    return;
  g_string_append (s, "<property name=\"lab_proposal\"");
  append_attr (s, "value", tf_json_get_string (p, "verdict"));
  g_string_append (s, "/><property name=\"lab_proposal_decision\"");
  append_attr (s, "value", decision != NULL ? decision : "pending");
  g_string_append (s, "/><property name=\"lab_proposal_reason\"");
  append_attr (s, "value", tf_json_get_string (p, "reason"));
  g_string_append (s, "/>");
}

/* The evidence of an automated case: who ran what, then its output. */
static void
append_system_out (GString *s, JsonObject *run)
{
  JsonNode *st = json_object_get_member (run, "exit_status");
  g_autofree char *status
      = st != NULL && JSON_NODE_HOLDS_VALUE (st) && json_node_get_value_type (st) == G_TYPE_INT64
            ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (st))
            : g_strdup ("none (it did not exit)");
  g_autofree char *head = g_strdup_printf (
      "automation: %s, exit status %s, finished %s%s\n",
      tf_json_get_string (run, "script") ? tf_json_get_string (run, "script") : "?", status,
      tf_json_get_string (run, "ran_at") ? tf_json_get_string (run, "ran_at") : "?",
      /* the side it judged, when it was the session's server */
      g_strcmp0 (tf_json_get_string (run, "side"), "server") == 0 ? ", judged the server" : "");

  g_string_append (s, "      <system-out>");
  append_escaped (s, head, FALSE);
  if (json_object_get_boolean_member_with_default (run, "summary", FALSE))
    append_escaped (s, "[a Pass: its criteria; every message exchanged is in the store]\n", FALSE);
  else if (json_object_get_boolean_member_with_default (run, "truncated", FALSE))
    {
      g_autofree char *cut = g_strdup_printf (
          "[the last part of %" G_GINT64_FORMAT " bytes of output; all of it is in the store]\n",
          json_object_get_int_member_with_default (run, "output_bytes", 0));
      append_escaped (s, cut, FALSE);
    }
  append_escaped (s, tf_json_get_string (run, "output"), FALSE);
  g_string_append (s, "</system-out>\n");
}

char *
tf_report_junit (JsonObject *report, GError **error)
{
  g_autoptr (GString) cases = g_string_new (NULL);
  g_autoptr (GString) out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  JsonNode *cn = json_object_get_member (report, "cases");
  JsonObject *client = tf_json_get_object (report, "client"),
             *server = tf_json_get_object (report, "server");
  g_autofree char *suite = NULL;
  guint tests = 0, failures = 0, errors = 0, skipped = 0;

  if (cn == NULL || !JSON_NODE_HOLDS_ARRAY (cn) || tf_json_get_string (report, "session") == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "not a session report (needs \"session\" and \"cases\")");
      return NULL;
    }
  suite = g_strdup_printf ("%s %s vs %s", tf_json_get_string (report, "session"),
                           client ? tf_json_get_string (client, "impl") : "?",
                           server ? tf_json_get_string (server, "impl") : "?");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (cn)); i++)
    {
      JsonNode *en = json_array_get_element (json_node_get_array (cn), i);
      JsonObject *c, *run;
      const char *verdict, *note;
      g_autofree char *name = NULL;
      if (!JSON_NODE_HOLDS_OBJECT (en))
        continue;
      c = json_node_get_object (en);
      verdict = tf_json_get_string (c, "verdict");
      note = tf_json_get_string (c, "note");
      name = g_strdup_printf ("%" G_GINT64_FORMAT " %s",
                              json_object_get_int_member_with_default (c, "id", -1),
                              tf_json_get_string (c, "name") ? tf_json_get_string (c, "name") : "");
      tests++;
      g_string_append (cases, "    <testcase");
      append_attr (cases, "classname", tf_json_get_string (report, "ets"));
      append_attr (cases, "name", name);
      g_string_append (cases, ">\n      <properties>");
      g_string_append (cases, "<property name=\"entered_by\"");
      append_attr (cases, "value", tf_json_get_string (c, "entered_by"));
      g_string_append (cases, "/><property name=\"verification\"");
      append_attr (cases, "value", tf_json_get_string (c, "verification"));
      g_string_append (cases, "/>");
      append_proposal (cases, c);
      g_string_append (cases, "</properties>\n");
      if (g_strcmp0 (verdict, "fail") == 0)
        {
          failures++;
          g_string_append (cases, "      <failure type=\"fail\"");
          append_attr (cases, "message", note);
          g_string_append (cases, "/>\n");
        }
      else if (g_strcmp0 (verdict, "inconclusive") == 0)
        {
          errors++;
          g_string_append (cases, "      <error type=\"inconclusive\"");
          append_attr (cases, "message", note);
          g_string_append (cases, "/>\n");
        }
      else if (g_strcmp0 (verdict, "pass") != 0)
        {
          skipped++;
          g_string_append (cases, "      <skipped");
          append_attr (cases, "message", verdict != NULL ? verdict : "not run");
          g_string_append (cases, "/>\n");
        }
      if ((run = tf_json_get_object (c, "automation")) != NULL)
        append_system_out (cases, run);
      g_string_append (cases, "    </testcase>\n");
    }
  g_string_append (out, "<testsuites>\n  <testsuite");
  append_attr (out, "name", suite);
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n",
                          tests, failures, errors, skipped);
  /* what a CI system needs to tell runs apart: where and on which firmware */
  {
    JsonObject *fw = tf_json_get_object (report, "firmware");
    const char *props[][2] = {
      { "event", tf_json_get_string (report, "event") },
      { "start", tf_json_get_string (report, "start") },
      { "board", tf_json_get_string (report, "board") },
      { "firmware_version", fw ? tf_json_get_string (fw, "version") : NULL },
      { "firmware_sha256", fw ? tf_json_get_string (fw, "sha256") : NULL },
      { "client_version", client ? tf_json_get_string (client, "version") : NULL },
      { "server_version", server ? tf_json_get_string (server, "version") : NULL },
    };
    gboolean any = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (props); i++)
      {
        if (props[i][1] == NULL)
          continue;
        g_string_append (out, any ? "<property" : "    <properties><property");
        any = TRUE;
        append_attr (out, "name", props[i][0]);
        append_attr (out, "value", props[i][1]);
        g_string_append (out, "/>");
      }
    if (any)
      g_string_append (out, "</properties>\n");
  }
  g_string_append (out, cases->str);
  g_string_append (out, "  </testsuite>\n</testsuites>\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
