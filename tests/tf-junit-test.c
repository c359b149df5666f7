/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JUnit XML from a session report: parsed back, counted, text round-tripped;
 * an automated case's evidence in the report JSON, its JUnit and its PDF. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-error.h"
#include "tf-report-junit.h"
#include "tf-report-pdf.h"
#include "tf-session-json.h"

static const char *report_json
    = "{\"schema\":1,\"session\":\"s1\",\"ets\":\"LightweightM2M-1.1-int-1\","
      "\"client\":{\"impl\":\"cl\",\"company\":\"a\"},\"server\":{\"impl\":\"sv\",\"company\":"
      "\"b\"},"
      "\"cases\":["
      "{\"id\":101,\"name\":\"Initial "
      "Registration\",\"verdict\":\"pass\",\"entered_by\":\"automation\","
      "\"verification\":\"agreed\",\"automation\":{\"script\":\"case-101.sh\",\"exit_status\":0,"
      "\"ran_at\":\"2030-06-04T09:00:00.000000Z\",\"output\":\"registered <ep> & \\\"ok\\\"\\r\\n"
      "\\u001b[32mgreen\\u001b[0m\\ttab\\u0001\\nlast \\u00e9\\n\",\"output_bytes\":60,"
      "\"truncated\":true}},"
      "{\"id\":102,\"name\":\"Registration Update\",\"verdict\":\"fail\",\"note\":\"<lifetime> & "
      "\\\"quote\\\"\","
      "\"entered_by\":\"a/alice\",\"verification\":\"agreed\"},"
      "{\"id\":103,\"name\":\"Deregistration\",\"verdict\":\"inconclusive\","
      "\"note\":\"disputed\\u0002\\nsecond line\",\"automation\":null},"
      "{\"id\":201,\"name\":\"Read\",\"verdict\":\"not-applicable\"},"
      "{\"id\":202,\"name\":\"Write\",\"verdict\":\"out-of-time\"},"
      "{\"id\":203,\"name\":\"TLV\",\"verdict\":null}"
      "],\"signed\":{\"client\":true,\"server\":false}}";

typedef struct
{
  guint suites, cases, failures, errors, skipped, outs;
  char *suite_attrs;
  char *failure_message, *error_message;
  GPtrArray *skip_messages;
  GString *out; /* every <system-out>'s text */
  gboolean in_out;
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
      s->suite_attrs
          = g_strdup_printf ("%s|%s|%s|%s|%s", attr (names, values, "name"),
                             attr (names, values, "tests"), attr (names, values, "failures"),
                             attr (names, values, "errors"), attr (names, values, "skipped"));
    }
  else if (strcmp (el, "testcase") == 0)
    s->cases++;
  else if (strcmp (el, "failure") == 0)
    {
      s->failures++;
      s->failure_message = g_strdup (attr (names, values, "message"));
    }
  else if (strcmp (el, "error") == 0)
    {
      s->errors++;
      s->error_message = g_strdup (attr (names, values, "message"));
    }
  else if (strcmp (el, "system-out") == 0)
    {
      s->outs++;
      s->in_out = TRUE;
    }
  else if (strcmp (el, "skipped") == 0)
    {
      s->skipped++;
      g_ptr_array_add (s->skip_messages, g_strdup (attr (names, values, "message")));
    }
}

static void
on_end (GMarkupParseContext *ctx, const char *el, gpointer data, GError **error)
{
  ((Seen *)data)->in_out = FALSE;
}

static void
on_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **error)
{
  Seen *s = data;
  if (s->in_out)
    g_string_append_len (s->out, text, len);
}

/* Every character is one XML 1.0 allows (Char: tab, LF, CR, U+0020 up, no
 * U+FFFE/U+FFFF), as a byte and as a character reference. */
static void
assert_xml_1_0_chars (const char *xml)
{
  const char *r;
  g_assert_true (g_utf8_validate (xml, -1, NULL));
  for (const char *p = xml; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF)
        g_error ("character U+%04X at offset %td is not XML 1.0", c, p - xml);
    }
  for (r = strstr (xml, "&#"); r != NULL; r = strstr (r + 2, "&#"))
    {
      guint64 v
          = r[2] == 'x' ? g_ascii_strtoull (r + 3, NULL, 16) : g_ascii_strtoull (r + 2, NULL, 10);
      if (v < 0x20 && v != 9 && v != 10 && v != 13)
        g_error ("reference %.8s is not XML 1.0", r);
    }
}

static void
parse_junit (const char *xml, Seen *s)
{
  GMarkupParser mp = { .start_element = on_start, .end_element = on_end, .text = on_text };
  g_autoptr (GMarkupParseContext) ctx = g_markup_parse_context_new (&mp, 0, s, NULL);
  g_autoptr (GError) error = NULL;
  s->skip_messages = g_ptr_array_new_with_free_func (g_free);
  s->out = g_string_new (NULL);
  assert_xml_1_0_chars (xml);
  g_assert_true (g_markup_parse_context_parse (ctx, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
}

static void
seen_clear (Seen *s)
{
  g_free (s->suite_attrs);
  g_free (s->failure_message);
  g_free (s->error_message);
  g_ptr_array_unref (s->skip_messages);
  g_string_free (s->out, TRUE);
}

static void
test_junit (void)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  Seen s = { 0 };

  g_assert_true (json_parser_load_from_data (p, report_json, -1, &error));
  g_assert_no_error (error);
  xml = tf_report_junit (json_node_get_object (json_parser_get_root (p)), &error);
  g_assert_no_error (error);
  parse_junit (xml, &s);
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
  /* a control character in a note is shown, the line break kept */
  g_assert_cmpstr (s.error_message, ==, "disputed\\x02\nsecond line");
  /* the evidence of the one automated case, as its output: markup and CR
   * intact, the characters XML 1.0 cannot carry written \xHH */
  g_assert_cmpuint (s.outs, ==, 1);
  g_assert_cmpstr (s.out->str, ==,
                   "automation: case-101.sh, exit status 0, finished 2030-06-04T09:00:00.000000Z\n"
                   "[the last part of 60 bytes of output; all of it is in the store]\n"
                   "registered <ep> & \"ok\"\r\n\\x1b[32mgreen\\x1b[0m\ttab\\x01\nlast \u00e9\n");
  seen_clear (&s);
}

/* a verdict the lab proposed from the trace: taken as it was, or overridden by the team */
static void
test_lab_proposals (void)
{
  const char *json
      = "{\"session\":\"s1\",\"ets\":\"e\",\"cases\":["
        "{\"id\":101,\"name\":\"Registration\",\"verdict\":\"pass\",\"lab_proposal\":"
        "{\"case\":101,\"verdict\":\"pass\",\"reason\":\"Register <#1> answered 2.01\","
        "\"frames\":[1,2],\"decision\":\"accepted\",\"decided_by\":\"a\"}},"
        "{\"id\":203,\"name\":\"TLV\",\"verdict\":\"fail\",\"lab_proposal\":"
        "{\"case\":203,\"verdict\":\"pass\",\"reason\":\"2.05 in TLV\",\"frames\":[5,6],"
        "\"decision\":\"overridden\",\"decided_by\":\"a\"}},"
        "{\"id\":204,\"name\":\"JSON\",\"verdict\":null,\"lab_proposal\":"
        "{\"case\":204,\"verdict\":\"pass\",\"reason\":\"2.05\",\"decision\":null}},"
        "{\"id\":301,\"name\":\"Observe\",\"verdict\":\"pass\"}]}";
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_auto (GStrv) tc = NULL;
  Seen s = { 0 };

  g_assert_true (json_parser_load_from_data (p, json, -1, &error));
  xml = tf_report_junit (json_node_get_object (json_parser_get_root (p)), &error);
  g_assert_no_error (error);
  parse_junit (xml, &s);
  g_assert_cmpuint (s.cases, ==, 4);
  tc = g_strsplit (xml, "<testcase", -1);
  g_assert_cmpuint (g_strv_length (tc), ==, 5);
  g_assert_nonnull (strstr (tc[1], "<property name=\"lab_proposal\" value=\"pass\"/>"
                                   "<property name=\"lab_proposal_decision\" value=\"accepted\"/>"
                                   "<property name=\"lab_proposal_reason\" "
                                   "value=\"Register &lt;#1&gt; answered 2.01\"/>"));
  g_assert_nonnull (
      strstr (tc[2], "<property name=\"lab_proposal_decision\" value=\"overridden\"/>"));
  g_assert_nonnull (strstr (tc[3], "<property name=\"lab_proposal_decision\" value=\"pending\"/>"));
  g_assert_null (strstr (tc[4], "lab_proposal"));
  seen_clear (&s);
}

static TfCaseRow *
case_row (gint id, const char *name, const char *verdict, const char *script, gint status,
          const char *evidence)
{
  TfCaseRow *r = g_new0 (TfCaseRow, 1);
  r->id = id;
  r->name = g_strdup (name);
  r->verdict = g_strdup (verdict);
  r->entered_by = g_strdup (script ? "automation" : "a/alice");
  r->entered_at = 1906794000000000; /* 2030-06-04 09:00 UTC */
  r->run_script = g_strdup (script);
  r->run_status = status;
  r->run_at = script ? r->entered_at : 0;
  r->run_started = script ? r->entered_at - 1500000 : 0; /* it ran 1.5 s */
  r->evidence = g_strdup (evidence);
  r->run_bytes = evidence ? strlen (evidence) : 0;
  return r;
}

static JsonObject *
report_case (JsonObject *report, gint id)
{
  JsonArray *cases = json_object_get_array_member (report, "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (json_object_get_int_member (c, "id") == id)
        return c;
    }
  g_error ("no case %d in the report", id);
}

static char *
pdf_text (const char *pdf)
{
  g_autofree char *txt = g_strconcat (pdf, ".txt", NULL);
  const char *argv[] = { "pdftotext", "-layout", pdf, txt, NULL };
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_file_get_contents (txt, &text, NULL, NULL));
  g_unlink (txt);
  return text;
}

/* Script output is bounded in the report (its end, whole characters), and
 * shown in all three renderings of it. */
static void
test_evidence (void)
{
  g_autoptr (TfSession) session = tf_session_new ();
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_case_row_free);
  g_autoptr (GString) big = g_string_new (NULL), lines = g_string_new (NULL);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tf-evidence-XXXXXX", NULL);
  g_autofree char *pdf = g_build_filename (dir, "report.pdf", NULL);
  g_autofree char *xml = NULL, *text = NULL;
  JsonObject *report, *run;
  const char *out;
  Seen seen = { 0 };

  session->id = g_strdup ("cl--sv");
  session->client = g_strdup ("cl");
  session->client_company = g_strdup ("a");
  session->server = g_strdup ("sv");
  session->server_company = g_strdup ("b");
  session->ets = g_strdup ("LightweightM2M-1.1-int-test");
  /* 2500 two-byte characters, then the end: the last 4096 bytes start inside one */
  for (guint i = 0; i < 2500; i++)
    g_string_append (big, "\u00e9");
  g_string_append (big, "\nthe end\n");
  /* 100 lines, one too long for the page, a colour escape, a progress line */
  for (guint i = 0; i < 97; i++)
    g_string_append_printf (lines, "step %03u ok\n", i);
  g_string_append (lines, "\x1b[31mred\x1b[0m\n");
  g_string_append (lines, "progress 10%\rprogress 100%\n");
  for (guint i = 0; i < 138; i++)
    g_string_append_c (lines, 'x');
  g_string_append (lines, "YZbeyond the page\n");

  g_ptr_array_add (rows, case_row (101, "Initial Registration", "pass", NULL, 0, NULL));
  g_ptr_array_add (rows,
                   case_row (301, "Observation", "pass", "/srv/ets/case-301.sh", 0, big->str));
  g_ptr_array_add (rows,
                   case_row (302, "Cancel", "inconclusive", "/srv/ets/case-302.sh", -1, "hung\n"));
  g_ptr_array_add (rows,
                   case_row (303, "Cancel again", "fail", "/srv/ets/case-303.sh", 1, lines->str));
  node = tf_session_report_json (session, NULL, rows);
  report = json_node_get_object (node);

  /* JSON: no run, no automation */
  g_assert_true (json_object_get_null_member (report_case (report, 101), "automation"));
  run = json_object_get_object_member (report_case (report, 301), "automation");
  g_assert_cmpstr (json_object_get_string_member (run, "script"), ==, "case-301.sh");
  g_assert_cmpint (json_object_get_int_member (run, "exit_status"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (run, "ran_at"), ==,
                   "2030-06-04T09:00:00.000000Z");
  g_assert_cmpstr (json_object_get_string_member (run, "started_at"), ==,
                   "2030-06-04T08:59:58.500000Z");
  g_assert_cmpint (json_object_get_int_member (run, "duration_ms"), ==, 1500);
  g_assert_cmpint (json_object_get_int_member (run, "output_bytes"), ==, big->len);
  g_assert_true (json_object_get_boolean_member (run, "truncated"));
  out = json_object_get_string_member (run, "output");
  g_assert_cmpuint (strlen (out), ==, 4095); /* 4096 less the half character */
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_assert_true (g_str_has_suffix (big->str, out));
  run = json_object_get_object_member (report_case (report, 302), "automation");
  g_assert_true (json_object_get_null_member (run, "exit_status"));
  g_assert_false (json_object_get_boolean_member (run, "truncated"));
  g_assert_cmpstr (json_object_get_string_member (run, "output"), ==, "hung\n");
  /* the store kept only the end of a longer output: still truncated */
  {
    g_autoptr (JsonNode) again = NULL;
    TfCaseRow *hung = NULL;
    for (guint i = 0; i < rows->len; i++)
      if (((TfCaseRow *)g_ptr_array_index (rows, i))->id == 302)
        hung = g_ptr_array_index (rows, i);
    g_assert_nonnull (hung);
    hung->run_bytes = 200000;
    again = tf_session_report_json (session, NULL, rows);
    run = json_object_get_object_member (report_case (json_node_get_object (again), 302),
                                         "automation");
    g_assert_true (json_object_get_boolean_member (run, "truncated"));
    g_assert_cmpint (json_object_get_int_member (run, "output_bytes"), ==, 200000);
    hung->run_bytes = 5;
  }

  /* JUnit: each automated case's evidence in its <system-out> */
  xml = tf_report_junit (report, &error);
  g_assert_no_error (error);
  parse_junit (xml, &seen);
  g_assert_cmpuint (seen.outs, ==, 3);
  g_assert_nonnull (strstr (seen.out->str, "automation: case-301.sh, exit status 0, finished "
                                           "2030-06-04T09:00:00.000000Z\n[the last part of 5009 "
                                           "bytes of output; all of it is in the store]\n"));
  g_assert_nonnull (strstr (seen.out->str, "\u00e9\u00e9\nthe end\n"));
  g_assert_nonnull (strstr (seen.out->str, "case-302.sh, exit status none (it did not exit)"));
  g_assert_nonnull (strstr (seen.out->str, "\\x1b[31mred\\x1b[0m\n"));
  seen_clear (&seen);

  /* PDF: after the table, bounded, readable as text */
  g_assert_true (tf_report_pdf_session (report, pdf, &error));
  g_assert_no_error (error);
  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, "Automation evidence"));
  g_assert_nonnull (strstr (text, "case-301.sh, exit status 0"));
  g_assert_nonnull (strstr (text, "the end"));
  g_assert_nonnull (strstr (text, "case-302.sh, did not exit"));
  g_assert_nonnull (strstr (text, "hung"));
  /* the last 40 lines of 303's 100 */
  g_assert_nonnull (strstr (text, "(60 earlier lines not shown)"));
  g_assert_nonnull (strstr (text, "step 060 ok"));
  g_assert_null (strstr (text, "step 059 ok"));
  g_assert_nonnull (strstr (text, "\\x1b[31mred\\x1b[0m"));
  g_assert_nonnull (strstr (text, "progress 100%"));
  g_assert_null (strstr (text, "progress 10%"));
  /* a long line is cut at 140 characters */
  g_assert_nonnull (strstr (text, "xxYZ…"));
  g_assert_null (strstr (text, "beyond the page"));
  g_unlink (pdf);
  g_rmdir (dir);
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
  g_test_add_func ("/junit/lab-proposals", test_lab_proposals);
  g_test_add_func ("/report/evidence", test_evidence);
  return g_test_run ();
}
