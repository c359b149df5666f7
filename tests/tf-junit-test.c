/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JUnit XML from a session report: parsed back, counted, text round-tripped. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-error.h"
#include "tf-report-junit.h"

static const char *report_json =
    "{\"schema\":1,\"session\":\"s1\",\"ets\":\"LightweightM2M-1.1-int-1\","
    "\"client\":{\"impl\":\"cl\",\"company\":\"a\"},\"server\":{\"impl\":\"sv\",\"company\":\"b\"},"
    "\"cases\":["
    "{\"id\":101,\"name\":\"Initial Registration\",\"verdict\":\"pass\",\"entered_by\":\"automation\","
    "\"verification\":\"agreed\"},"
    "{\"id\":102,\"name\":\"Registration Update\",\"verdict\":\"fail\",\"note\":\"<lifetime> & \\\"quote\\\"\","
    "\"entered_by\":\"a/alice\",\"verification\":\"agreed\"},"
    "{\"id\":103,\"name\":\"Deregistration\",\"verdict\":\"inconclusive\",\"note\":\"disputed\"},"
    "{\"id\":201,\"name\":\"Read\",\"verdict\":\"not-applicable\"},"
    "{\"id\":202,\"name\":\"Write\",\"verdict\":\"out-of-time\"},"
    "{\"id\":203,\"name\":\"TLV\",\"verdict\":null}"
    "],\"signed\":{\"client\":true,\"server\":false}}";

typedef struct {
  guint suites, cases, failures, errors, skipped;
  char *suite_attrs;
  char *failure_message;
  GPtrArray *skip_messages;
} Seen;

static const char *
attr (const char **names, const char **values, const char *want)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], want) == 0)
      return values[i];
  return NULL;
}

static void
on_start (GMarkupParseContext *ctx, const char *el, const char **names, const char **values,
          gpointer data, GError **error)
{
  Seen *s = data;
  if (strcmp (el, "testsuite") == 0)
    {
      s->suites++;
      s->suite_attrs = g_strdup_printf ("%s|%s|%s|%s|%s", attr (names, values, "name"),
                                        attr (names, values, "tests"),
                                        attr (names, values, "failures"),
                                        attr (names, values, "errors"),
                                        attr (names, values, "skipped"));
    }
  else if (strcmp (el, "testcase") == 0)
    s->cases++;
  else if (strcmp (el, "failure") == 0)
    {
      s->failures++;
      s->failure_message = g_strdup (attr (names, values, "message"));
    }
  else if (strcmp (el, "error") == 0)
    s->errors++;
  else if (strcmp (el, "skipped") == 0)
    {
      s->skipped++;
      g_ptr_array_add (s->skip_messages, g_strdup (attr (names, values, "message")));
    }
}

static void
test_junit (void)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  GMarkupParser mp = { .start_element = on_start };
  Seen s = { 0 };
  g_autoptr (GMarkupParseContext) ctx = NULL;

  s.skip_messages = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (json_parser_load_from_data (p, report_json, -1, NULL));
  xml = tf_report_junit (json_node_get_object (json_parser_get_root (p)), &error);
  g_assert_no_error (error);
  ctx = g_markup_parse_context_new (&mp, 0, &s, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s.suites, ==, 1);
  g_assert_cmpstr (s.suite_attrs, ==, "s1 cl vs sv|6|1|1|3");
  g_assert_cmpuint (s.cases, ==, 6);
  g_assert_cmpuint (s.failures, ==, 1);
  g_assert_cmpuint (s.errors, ==, 1);
  g_assert_cmpuint (s.skipped, ==, 3);
  /* the note comes back as written, whatever it holds */
  g_assert_cmpstr (s.failure_message, ==, "<lifetime> & \"quote\"");
  g_assert_cmpstr (g_ptr_array_index (s.skip_messages, 0), ==, "not-applicable");
  g_assert_cmpstr (g_ptr_array_index (s.skip_messages, 1), ==, "out-of-time");
  g_assert_cmpstr (g_ptr_array_index (s.skip_messages, 2), ==, "not run");
  g_assert_nonnull (strstr (xml, "<property name=\"entered_by\" value=\"automation\"/>"));
  g_free (s.suite_attrs);
  g_free (s.failure_message);
  g_ptr_array_unref (s.skip_messages);
}

static void
test_not_a_report (void)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_assert_true (json_parser_load_from_data (p, "{\"cases\":3}", -1, NULL));
  xml = tf_report_junit (json_node_get_object (json_parser_get_root (p)), &error);
  g_assert_null (xml);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/junit/report", test_junit);
  g_test_add_func ("/junit/not-a-report", test_not_a_report);
  return g_test_run ();
}
