/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-report-junit.h"
#include "tf-error.h"

static const char *
str (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static JsonObject *
obj (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static void
append_attr (GString *s, const char *name, const char *value)
{
  g_autofree char *esc = g_markup_escape_text (value != NULL ? value : "", -1);
  g_string_append_printf (s, " %s=\"%s\"", name, esc);
}

char *
tf_report_junit (JsonObject *report, GError **error)
{
  g_autoptr (GString) cases = g_string_new (NULL);
  g_autoptr (GString) out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  JsonNode *cn = json_object_get_member (report, "cases");
  JsonObject *client = obj (report, "client"), *server = obj (report, "server");
  g_autofree char *suite = NULL;
  guint tests = 0, failures = 0, errors = 0, skipped = 0;

  if (cn == NULL || !JSON_NODE_HOLDS_ARRAY (cn) || str (report, "session") == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "not a session report (needs \"session\" and \"cases\")");
      return NULL;
    }
  suite = g_strdup_printf ("%s %s vs %s", str (report, "session"),
                           client ? str (client, "impl") : "?", server ? str (server, "impl") : "?");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (cn)); i++)
    {
      JsonNode *en = json_array_get_element (json_node_get_array (cn), i);
      JsonObject *c;
      const char *verdict, *note;
      g_autofree char *name = NULL;
      if (!JSON_NODE_HOLDS_OBJECT (en))
        continue;
      c = json_node_get_object (en);
      verdict = str (c, "verdict");
      note = str (c, "note");
      name = g_strdup_printf ("%" G_GINT64_FORMAT " %s",
                              json_object_get_int_member_with_default (c, "id", -1),
                              str (c, "name") ? str (c, "name") : "");
      tests++;
      g_string_append (cases, "    <testcase");
      append_attr (cases, "classname", str (report, "ets"));
      append_attr (cases, "name", name);
      g_string_append (cases, ">\n      <properties>");
      g_string_append (cases, "<property name=\"entered_by\"");
      append_attr (cases, "value", str (c, "entered_by"));
      g_string_append (cases, "/><property name=\"verification\"");
      append_attr (cases, "value", str (c, "verification"));
      g_string_append (cases, "/></properties>\n");
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
      g_string_append (cases, "    </testcase>\n");
    }
  g_string_append (out, "<testsuites>\n  <testsuite");
  append_attr (out, "name", suite);
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n",
                          tests, failures, errors, skipped);
  g_string_append (out, cases->str);
  g_string_append (out, "  </testsuite>\n</testsuites>\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
