/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test sessions end to end: the real daemon under tf-simlab, a real broker,
 * verdicts entered by the two companies over MQTT and testfestctl. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tf-floor-util.h"

#define S1 "alpha-client--gamma-server"
#define S2 "alpha-client--delta-server"
#define S3 "beta-client--gamma-server"

static void
assert_ok (JsonObject *o)
{
  if (!tf_floor_ok (o))
    g_error ("refused: %s",
             o ? json_object_get_string_member_with_default (o, "error", "?") : "no answer");
  json_object_unref (o);
}

static char *
assert_refused (JsonObject *o)
{
  char *e;
  g_assert_nonnull (o);
  g_assert_false (tf_floor_ok (o));
  e = g_strdup (json_object_get_string_member (o, "error"));
  json_object_unref (o);
  return e;
}

static void
verdict (TfFloorTest *t, const char *s, int c, const char *v, const char *note, const char *issue)
{
  g_autofree char *extra = g_strdup_printf (
      "%s%s%s%s%s%s", note ? ",\"note\":\"" : "", note ? note : "", note ? "\"" : "",
      issue ? ",\"issue\":\"" : "", issue ? issue : "", issue ? "\"" : "");
  assert_ok (tf_floor_request (
      t, "alpha", "verdict",
      "{\"session\":\"%s\",\"case\":%d,\"verdict\":\"%s\",\"user\":\"alice\"%s}", s, c, v, extra));
}

static void
verify (TfFloorTest *t, const char *s, int c, gboolean agree, const char *note)
{
  g_autofree char *extra = note ? g_strdup_printf (",\"note\":\"%s\"", note) : g_strdup ("");
  assert_ok (tf_floor_request (t, "gamma", "verify",
                               "{\"session\":\"%s\",\"case\":%d,\"agree\":%s,\"user\":\"bob\"%s}",
                               s, c, agree ? "true" : "false", extra));
}

/* Every entered_at and ran_at becomes "T": the rest of the report is compared exactly. */
static char *
normalise (const char *json)
{
  g_autoptr (GRegex) re = g_regex_new (
      "\"(entered_at|started_at|ran_at|client_at|server_at|at)\":\"[0-9T:.Z-]+\"", 0, 0, NULL);
  g_autoptr (GRegex) ms = g_regex_new ("\"duration_ms\":[0-9]+", 0, 0, NULL);
  g_autofree char *t = g_regex_replace (re, json, -1, 0, "\"\\1\":\"T\"", 0, NULL);
  return g_regex_replace (ms, t, -1, 0, "\"duration_ms\":0", 0, NULL);
}

static void
check_confidential (TfFloorTest *t)
{
  g_autofree char *prefix = g_strdup_printf ("tf/%s/", t->h->lab);
  guint reports = 0, consoles = 0;
  for (guint i = 0; i < t->seen->len; i++)
    {
      TfSeen *m = g_ptr_array_index (t->seen, i);
      const char *rest = m->topic + strlen (prefix);
      /* a script's output is evidence, as private as a verdict */
      gboolean has_verdict = strstr (m->payload, "\"verdict\"") != NULL
                             || strstr (m->payload, "TLV length wrong") != NULL
                             || strstr (m->payload, "endpoint=alpha-client server=") != NULL;
      g_assert_true (g_str_has_prefix (m->topic, prefix));
      /* our own requests and their answers are not publications of the daemon */
      if (g_str_has_prefix (rest, "in/") || g_str_has_prefix (rest, "reply/")
          || g_str_has_prefix (rest, "cmd/"))
        continue;
      if (g_str_has_prefix (rest, "private/"))
        {
          /* private/<company>/session/<CLIENT--SERVER>/(report|console): in the
           * test event every implementation id starts with its company's id */
          g_auto (GStrv) p = g_strsplit (rest, "/", -1);
          g_auto (GStrv) pair = NULL;
          g_autofree char *c0 = NULL, *c1 = NULL;
          g_assert_cmpuint (g_strv_length (p), ==, 5);
          g_assert_cmpstr (p[2], ==, "session");
          pair = g_strsplit (p[3], "--", 2);
          g_assert_cmpuint (g_strv_length (pair), ==, 2);
          c0 = g_strndup (pair[0], strcspn (pair[0], "-"));
          c1 = g_strndup (pair[1], strcspn (pair[1], "-"));
          if (g_strcmp0 (p[1], c0) != 0 && g_strcmp0 (p[1], c1) != 0)
            g_error ("%s published under a third company", m->topic);
          if (g_strcmp0 (p[4], "console") == 0)
            {
              g_assert_false (has_verdict);
              consoles++;
            }
          else
            {
              g_assert_cmpstr (p[4], ==, "report");
              reports++;
            }
          continue;
        }
      if (has_verdict)
        g_error ("a verdict on public topic %s: %s", m->topic, m->payload);
    }
  g_assert_cmpuint (reports, >, 0);
  g_assert_cmpuint (consoles, >, 0);
}

/* what tests/ets/case-301.sh prints for S1 */
#define CASE_301_OUTPUT                                                                            \
  "session=" S1 " endpoint=alpha-client server=coap://gamma.test:5683 board=sim1"

static const char *expected_report
    = "{\"schema\":1,\"session\":\"alpha-client--gamma-server\",\"event\":\"Test TestFest\","
      "\"number\":2,\"date\":\"2030-06-04\",\"start\":\"2030-06-04T10:00:00+00:00\","
      "\"end\":\"2030-06-04T11:00:00+00:00\",\"table\":1,\"board\":\"sim1\","
      "\"firmware\":{\"name\":\"lwm2m-client-sim1\",\"version\":\"1.0.1\",\"sha256\":"
      "\"f22e8e449e16cdd346a17dbf436b8b4788293d5295bc37513747b803bd34fc6c\"},"
      "\"client\":{\"impl\":\"alpha-client\",\"company\":\"alpha\",\"company_name\":"
      "\"Alpha Devices\",\"name\":\"alpha-client\",\"version\":\"1.0.1\"},"
      "\"server\":{\"impl\":\"gamma-server\",\"company\":\"gamma\",\"company_name\":"
      "\"Gamma Cloud\",\"name\":\"Gamma LwM2M Server\",\"version\":\"4.2\"},"
      "\"ets\":\"LightweightM2M-1.1-int-test\",\"cases\":["
      "{\"id\":0,\"name\":\"Client Initiated "
      "Bootstrap\",\"group\":\"Bootstrap\",\"verdict\":\"not-applicable\","
      "\"note\":\"client alpha-client does not support bootstrap\",\"issue\":null,"
      "\"entered_by\":\"testfestd\",\"entered_at\":\"T\",\"verification\":\"agreed\","
      "\"verify_note\":\"pre-set from the declared features\",\"automation\":null},"
      "{\"id\":101,\"name\":\"Initial "
      "Registration\",\"group\":\"Registration\",\"verdict\":\"pass\",\"note\":null,"
      "\"issue\":null,\"entered_by\":\"alpha/alice\",\"entered_at\":\"T\","
      "\"verification\":\"agreed\",\"verify_note\":null,\"automation\":null},"
      "{\"id\":102,\"name\":\"Registration "
      "Update\",\"group\":\"Registration\",\"verdict\":\"pass\","
      "\"note\":\"update seen in the server log\",\"issue\":null,\"entered_by\":\"alpha/alice\","
      "\"entered_at\":\"T\",\"verification\":\"agreed\",\"verify_note\":\"settled\","
      /* the dispute, whole: its verdicts and verifications in order */
      "\"history\":[{\"at\":\"T\",\"who\":\"alpha/alice\",\"what\":\"verdict\",\"value\":"
      "\"fail\",\"note\":\"no update seen\"},{\"at\":\"T\",\"who\":\"gamma/bob\",\"what\":"
      "\"verify\",\"value\":\"disputed\",\"note\":\"the update was sent at 10:02\"},{\"at\":"
      "\"T\",\"who\":\"alpha/alice\",\"what\":\"verdict\",\"value\":\"pass\",\"note\":"
      "\"update seen in the server log\"},{\"at\":\"T\",\"who\":\"gamma\",\"what\":\"verify\","
      "\"value\":\"agreed\",\"note\":\"settled\"}],"
      "\"automation\":null},"
      "{\"id\":203,\"name\":\"Querying basic information in TLV format\",\"group\":\"Device "
      "Management & Service Enablement\",\"verdict\":\"fail\","
      "\"note\":\"TLV length wrong\","
      "\"issue\":\"https://github.com/OpenMobileAlliance/LwM2M-for-Developers/issues/1\","
      "\"entered_by\":\"alpha/alice\",\"entered_at\":\"T\",\"verification\":\"agreed\","
      "\"verify_note\":\"confirmed\",\"automation\":null},"
      "{\"id\":204,\"name\":\"Querying basic information in JSON format\",\"group\":\"Device "
      "Management & Service Enablement\","
      "\"verdict\":\"not-applicable\",\"note\":\"client alpha-client does not support json\","
      "\"issue\":null,\"entered_by\":\"testfestd\",\"entered_at\":\"T\",\"verification\":"
      "\"agreed\","
      "\"verify_note\":\"pre-set from the declared features\",\"automation\":null},"
      "{\"id\":301,\"name\":\"Observation and Notification of parameter "
      "values\",\"group\":\"Information Reporting\","
      "\"verdict\":\"pass\",\"note\":\"automated: @SCRIPT@ exited with 0\",\"issue\":null,"
      "\"entered_by\":\"automation\",\"entered_at\":\"T\",\"verification\":\"agreed\","
      "\"verify_note\":null,\"automation\":{\"script\":\"case-301.sh\",\"side\":\"client\",\"exit_status\":0,"
      "\"started_at\":\"T\",\"ran_at\":\"T\",\"duration_ms\":0,"
      "\"output\":\"" CASE_301_OUTPUT "\\n\",\"output_bytes\":98,"
      "\"truncated\":false,\"summary\":false}},"
      "{\"id\":303,\"name\":\"Cancel observations using Observe with Cancel "
      "parameter\",\"group\":\"Information Reporting\","
      "\"verdict\":\"out-of-time\",\"note\":\"not run before the slot ended\",\"issue\":null,"
      "\"entered_by\":\"testfestd\",\"entered_at\":\"T\",\"verification\":\"agreed\","
      "\"verify_note\":null,\"automation\":null},"
      "{\"id\":770,\"name\":\"Successful Firmware Update via CoAP\",\"group\":\"Firmware "
      "Update\",\"verdict\":\"not-applicable\","
      "\"note\":\"client alpha-client does not support firmware-update\",\"issue\":null,"
      "\"entered_by\":\"testfestd\",\"entered_at\":\"T\",\"verification\":\"agreed\","
      "\"verify_note\":\"pre-set from the declared features\",\"automation\":null}],"
      "\"signed\":{\"client\":true,\"server\":true,\"client_by\":\"alpha\","
      "\"client_at\":\"T\",\"server_by\":\"gamma/gina\",\"server_at\":\"T\"}}";

static char *
pdf_text (TfFloorTest *t, const char *pdf)
{
  g_autofree char *txt = g_strconcat (pdf, ".txt", NULL);
  const char *argv[] = { "pdftotext", "-layout", pdf, txt, NULL };
  char *text = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_file_get_contents (txt, &text, NULL, NULL));
  return text;
}

/* The whole life of a session, and a second one on the same board. */
static void
test_whole_session (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  TfHarness *h = t->h;
  g_autofree char *out = NULL, *err = NULL, *e = NULL, *pdf = NULL, *text = NULL;
  g_autofree char *script
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", "case-301.sh", NULL);
  g_autoptr (JsonObject) rep = NULL;
  g_autoptr (JsonObject) st = NULL;

  /* the schedule has every pairing */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "sessions", NULL), ==, 0);
  g_assert_nonnull (strstr (out, S1));
  g_assert_nonnull (strstr (out, S2));
  g_assert_nonnull (strstr (out, S3));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* verdicts before the session runs are refused */
  e = assert_refused (tf_floor_request (
      t, "alpha", "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\"}"));
  g_assert_nonnull (strstr (e, "scheduled"));
  g_clear_pointer (&e, g_free);

  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 15000));
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "start", S1, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, S1, "running", 30000));
  g_assert_cmpint (tf_floor_flash_count (t, "sim1"), ==, 1);
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "in-session", 5000));
  /* a session runs once */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "start", S1, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "runs once"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the server team cannot enter verdicts; a third company sees nothing */
  e = assert_refused (tf_floor_request (
      t, "gamma", "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\"}"));
  g_assert_nonnull (strstr (e, "only the client team"));
  g_clear_pointer (&e, g_free);
  e = assert_refused (tf_floor_request (t, "beta", "report", "{\"session\":\"" S1 "\"}"));
  g_assert_cmpstr (e, ==, "no session '" S1 "'");
  g_clear_pointer (&e, g_free);

  verdict (t, S1, 101, "pass", NULL, NULL);
  verdict (t, S1, 102, "fail", "no update seen", NULL);
  /* through testfestctl as well */
  g_assert_cmpint (
      tf_harness_ctl (h, &out, &err, "verdict", S1, "203", "fail", "--company", "alpha", "--as",
                      "alice", "--note", "TLV length wrong", "--issue",
                      "https://github.com/OpenMobileAlliance/LwM2M-for-Developers/issues/1", NULL),
      ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* case 301 is automated */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "run", S1, "301", "--company", "alpha", NULL), ==,
                   0);
  g_assert_cmpstr (out, ==, "pass\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the slot ends: 303 was never run */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "end", S1, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, S1, "reporting", 10000));
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 5000));

  /* the server team verifies; 102 is disputed, then settled */
  verify (t, S1, 101, TRUE, NULL);
  verify (t, S1, 102, FALSE, "the update was sent at 10:02");
  verify (t, S1, 203, TRUE, "confirmed");
  verify (t, S1, 301, TRUE, NULL);
  verify (t, S1, 303, TRUE, NULL);
  e = assert_refused (tf_floor_request (t, "gamma", "sign", "{\"session\":\"" S1 "\"}"));
  g_assert_nonnull (strstr (e, "client team signs first"));
  g_clear_pointer (&e, g_free);
  verdict (t, S1, 102, "pass", "update seen in the server log", NULL);
  e = assert_refused (tf_floor_request (t, "gamma", "sign", "{\"session\":\"" S1 "\"}"));
  g_assert_nonnull (strstr (e, "case 102 is not verified"));
  g_clear_pointer (&e, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "verify", S1, "102", "agree", "--company",
                                   "gamma", "--note", "settled", NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  assert_ok (tf_floor_request (t, "alpha", "sign", "{\"session\":\"" S1 "\"}"));
  e = assert_refused (tf_floor_request (
      t, "alpha", "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"fail\"}"));
  g_assert_nonnull (strstr (e, "signed"));
  g_clear_pointer (&e, g_free);
  g_assert_cmpint (
      tf_harness_ctl (h, &out, &err, "sign", S1, "--company", "gamma", "--as", "gina", NULL), ==,
      0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, S1, "verified", 10000));

  /* the report, exactly */
  rep = tf_floor_request (t, NULL, "report", "{\"session\":\"" S1 "\"}");
  g_assert_true (tf_floor_ok (rep));
  {
    g_autoptr (JsonNode) n
        = json_node_init_object (json_node_alloc (), json_object_get_object_member (rep, "report"));
    g_autofree char *json = json_to_string (n, FALSE);
    g_autofree char *norm = normalise (json);
    g_auto (GStrv) parts = g_strsplit (expected_report, "@SCRIPT@", 2);
    g_autofree char *want = g_strjoin (script, parts[0], parts[1], NULL);
    g_assert_cmpstr (norm, ==, want);
  }
  /* the same report is retained under both companies, and only there */
  {
    const char *a = tf_harness_retained (h, "private/alpha/session/" S1 "/report");
    const char *g = tf_harness_retained (h, "private/gamma/session/" S1 "/report");
    g_assert_nonnull (a);
    g_assert_cmpstr (a, ==, g);
    g_assert_null (tf_harness_retained (h, "private/beta/session/" S1 "/report"));
    g_assert_null (tf_harness_retained (h, "private/delta/session/" S1 "/report"));
  }
  /* the product listing: alpha consented, gamma (its peer) did not */
  {
    g_autoptr (JsonParser) lp = json_parser_new ();
    JsonArray *products;
    JsonObject *p;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "listing", "--json", NULL), ==, 0);
    g_assert_true (json_parser_load_from_data (lp, out, -1, NULL));
    products = json_object_get_array_member (json_node_get_object (json_parser_get_root (lp)),
                                             "products");
    g_assert_cmpuint (json_array_get_length (products), ==, 1);
    p = json_array_get_object_element (products, 0);
    g_assert_cmpstr (json_object_get_string_member (p, "company"), ==, "Alpha Devices");
    g_assert_cmpstr (json_object_get_string_member (p, "version"), ==, "1.0.1");
    g_assert_cmpint (json_object_get_int_member (p, "sessions"), ==, 1);
    g_assert_cmpint (
        json_object_get_int_member (p, "pass") + json_object_get_int_member (p, "fail"), >, 0);
    g_assert_null (strstr (out, "Gamma"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* the PDF has the verdict rows */
  pdf = tf_harness_path (h, "s1.pdf");
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "report", S1, "--pdf", pdf, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* and as JUnit XML, for a CI system reading automated runs */
  {
    g_autofree char *junit = tf_harness_path (h, "s1.xml");
    g_autofree char *xml = NULL;
    /* case 203 is Fail: with --junit the exit status gates CI (the file is written) */
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "report", S1, "--junit", junit, NULL), ==, 1);
    tf_harness_assert_contains (err, "1 case Fail (exit status 1: --junit gates on Fail)");
    g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
    g_assert_nonnull (strstr (xml, "<testsuite name=\"" S1 " "));
    g_assert_nonnull (strstr (xml, "<property name=\"entered_by\" value=\"automation\"/>"));
    /* the automated case's evidence is its output */
    g_assert_nonnull (
        strstr (xml, "<system-out>automation: case-301.sh, exit status 0, finished "));
    g_assert_nonnull (strstr (xml, CASE_301_OUTPUT "\n</system-out>"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  text = pdf_text (t, pdf);
  {
    g_autoptr (GRegex) r1
        = g_regex_new ("101\\s+Initial Registration\\s+Pass\\s+agreed\\s+alpha/alice", 0, 0, NULL);
    g_autoptr (GRegex) r2
        = g_regex_new ("203\\s+Querying basic information in TLV.*Fail", 0, 0, NULL);
    g_autoptr (GRegex) r3
        = g_regex_new ("303\\s+Cancel observations using.*Out of Time", 0, 0, NULL);
    g_autoptr (GRegex) r4
        = g_regex_new ("770\\s+Successful Firmware Update.*Not Applicable", 0, 0, NULL);
    if (!g_regex_match (r1, text, 0, NULL) || !g_regex_match (r2, text, 0, NULL)
        || !g_regex_match (r3, text, 0, NULL) || !g_regex_match (r4, text, 0, NULL))
      g_error ("PDF text lacks a verdict row:\n%s", text);
    /* and the evidence of case 301 after them */
    if (strstr (text, "Automation evidence") == NULL
        || strstr (text, "case-301.sh, exit status 0, finished ") == NULL
        || strstr (text, CASE_301_OUTPUT) == NULL)
      g_error ("PDF text lacks the automation evidence:\n%s", text);
  }
  /* what a Test Session Report names besides the verdicts, and its groups */
  {
    static const char *const heads[]
        = { "Test TestFest — session 2, 2030-06-04, 2030-06-04T10:00:00+00:00 to",
            "Table 1, board sim1, firmware lwm2m-client-sim1 1.0.1, sha256 f22e8e449e16cdd3",
            "Client: Alpha Devices (alpha) — alpha-client 1.0.1 [alpha-client]",
            "Server: Gamma Cloud (gamma) — Gamma LwM2M Server 4.2 [gamma-server]",
            "Client team: signed by alpha (no name in the event file) at 20",
            "Server team: signed by gamma/gina (no name in the event file) at 20",
            "(final)",
            "Dispute history",
            "gamma/bob verified: disputed — the update was sent at 10:02",
            "alpha/alice entered Pass — update seen in the server log" };
    g_autoptr (GRegex) grouped = g_regex_new (
        "Registration\\s*\\n\\s*101\\s+Initial Registration[^\\n]*\\n\\s*102\\s+Registration "
        "Update",
        0, 0, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (heads); i++)
      if (strstr (text, heads[i]) == NULL)
        g_error ("PDF text lacks '%s':\n%s", heads[i], text);
    if (!g_regex_match (grouped, text, 0, NULL))
      g_error ("PDF text does not group the cases by ETS group:\n%s", text);
  }
  /* testfestctl says the same */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "report", S1, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "session 2, 2030-06-04T10:00:00+00:00 to "
                                 "2030-06-04T11:00:00+00:00, table 1, board sim1\n"));
  g_assert_nonnull (
      strstr (out, "server: gamma-server (gamma, Gamma Cloud), Gamma LwM2M Server 4.2\n"));
  g_assert_nonnull (strstr (out, "\n-- Information Reporting\n301 "));
  g_assert_nonnull (strstr (out, "signed: client yes (alpha, "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the public summary does not move with one verified session: it would
   * be that session's verdicts (tf-release-test releases results) */
  {
    const char *sum = tf_harness_retained (h, "summary");
    g_assert_nonnull (sum);
    g_assert_nonnull (strstr (sum, "\"release\":0,\"cases\":[]"));
    g_assert_null (strstr (sum, "alpha"));
  }
  /* staff still see the live counts (cmd/summary), anonymised */
  {
    g_autoptr (JsonObject) sr = tf_floor_request (t, NULL, "summary", "{}");
    g_autoptr (JsonNode) sn = NULL;
    g_autofree char *sum = NULL;
    g_assert_true (tf_floor_ok (sr));
    sn = json_node_init_object (json_node_alloc (), sr);
    sum = json_to_string (sn, FALSE);
    g_assert_nonnull (strstr (sum, "{\"ets\":\"LightweightM2M-1.1-int-test\",\"id\":203,"
                                   "\"name\":\"Querying basic information in TLV format\","
                                   "\"pass\":0,\"fail\":1,\"inconclusive\":0,"
                                   "\"not-applicable\":0,\"out-of-time\":0}"));
    g_assert_null (strstr (sum, "alpha"));
  }

  /* the consolidated report: anonymised, as JSON and PDF */
  {
    g_autofree char *cpdf = tf_harness_path (h, "consolidated.pdf");
    g_autofree char *ctext = NULL;
    g_assert_cmpint (tf_harness_ctl (h, &out, &err, "summary", "--json", "--pdf", cpdf, NULL), ==,
                     0);
    g_assert_nonnull (
        strstr (out, "\"companies\" : [\n    \"Alpha Devices\",\n    \"Gamma Cloud\"\n  ]"));
    g_assert_nonnull (strstr (out, "\"submissions\" : 1"));
    g_assert_nonnull (strstr (
        out, "\"issues\" : [\n    "
             "\"https://github.com/OpenMobileAlliance/LwM2M-for-Developers/issues/1\"\n  ]"));
    g_assert_null (strstr (out, "alpha-client"));
    g_assert_null (strstr (out, "TLV length wrong"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    ctext = pdf_text (t, cpdf);
    g_assert_nonnull (strstr (ctext, "Implementations tested: 1 servers, 1 clients"));
    g_assert_nonnull (strstr (ctext, "Results by Test Case"));
    g_assert_nonnull (strstr (ctext, "Spec issues raised"));
    g_assert_nonnull (strstr (ctext, "Alpha Devices, Gamma Cloud"));
    g_assert_null (strstr (ctext, "alpha-client"));
  }

  /* the second session on the same board: the image is there already */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "start", S2, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, S2, "running", 30000));
  g_assert_cmpint (tf_floor_flash_count (t, "sim1"), ==, 1);
  st = tf_floor_session_state (t, S2);
  /* 8 cases, 3 of them Not Applicable from the event file before the
   * session: progress counts the 5 to run, none run yet ("0/5", not "3/8") */
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (st, "progress"), "total"), ==, 5);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (st, "progress"), "done"), ==, 0);
  /* staff take the board back: the session that held it is aborted with the reason */
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "leases", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "sim1"));
  g_assert_nonnull (strstr (out, S2));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "lease-release", "sim1", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, S2, "aborted", 10000));
  {
    g_autoptr (JsonObject) a = tf_floor_session_state (t, S2);
    g_assert_cmpstr (json_object_get_string_member (a, "error"), ==,
                     "board lease force-released by staff");
  }
  g_assert_true (tf_harness_wait_board_state (h, "sim1", "ready", 5000));

  check_confidential (t);
}

/* Hostile payloads on in/ and cmd/ get a reason; the daemon stays up. */
static void
test_hostile (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  static const char *const in[][2] = {
    { "verdict", "" },
    { "verdict", "not json" },
    { "verdict", "[1,2]" },
    { "verdict", "{\"session\":42}" },
    { "verdict", "{\"session\":\"../x\",\"case\":1}" },
    { "verdict", "{\"session\":\"" S1 "\",\"case\":-1,\"verdict\":\"pass\"}" },
    { "verdict", "{\"session\":\"" S1 "\",\"case\":1e99,\"verdict\":\"pass\"}" },
    { "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"great\"}" },
    { "verdict",
      "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\",\"issue\":\"javascript:x\"}" },
    { "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":null}" },
    { "verify", "{\"session\":\"" S1 "\",\"case\":101,\"agree\":\"yes\"}" },
    { "verify", "{\"session\":\"" S1 "\",\"case\":101,\"agree\":false}" },
    { "sign", "{\"session\":\"nope\"}" },
    { "explode", "{}" },
    { "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\",\"user\":{\"a\":1}}" },
  };
  static const char *const cmd[][2] = {
    { "start", "{}" },
    { "start", "{\"session\":7}" },
    { "replan", "{\"kind\":\"meteor\"}" },
    { "replan", "{\"kind\":\"board-fault\",\"board\":\"sim1\",\"from\":999}" },
    { "replan", "{\"kind\":\"absent\",\"team\":\"nobody\"}" },
    { "abort", "{\"session\":\"" S1 "\"}" },
    { "schedule", "{\"format\":\"pdf\"}" },
    { "lease-release", "{\"board\":[]}" },
    { "report", "{\"session\":\"\\u0000\"}" },
    { "end", "{\"session\":\"" S1 "\"}" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    {
      g_autofree char *e = assert_refused (tf_floor_request (t, "alpha", in[i][0], "%s", in[i][1]));
      g_assert_cmpstr (e, !=, "");
    }
  for (guint i = 0; i < G_N_ELEMENTS (cmd); i++)
    {
      g_autofree char *e = assert_refused (tf_floor_request (t, NULL, cmd[i][0], "%s", cmd[i][1]));
      g_assert_cmpstr (e, !=, "");
    }
  assert_ok (tf_floor_request (t, NULL, "status", "{}"));
}

/* A board that never boots: an infrastructure error, never a Fail, and the
 * session is placed again on the client's spare board. */
static void
test_preparation_failure (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autofree char *answer = NULL;
  g_autoptr (JsonObject) st = NULL;
  gboolean aborted = FALSE;
  g_autofree char *topic = g_strdup_printf ("tf/%s/session/" S3 "/state", t->h->lab);

  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 15000));
  answer = tf_harness_sim (t->h, "fault sim2 never-boots");
  g_assert_cmpstr (answer, ==, "ok");
  assert_ok (tf_floor_request (t, NULL, "start", "{\"session\":\"" S3 "\"}"));
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (JsonObject) now = tf_floor_session_state (t, S3);
      if (now != NULL && json_object_get_boolean_member (now, "replanned")
          && g_strcmp0 (json_object_get_string_member (now, "phase"), "scheduled") == 0)
        break;
      tf_harness_sleep (t->h, 100);
    }
  for (guint i = 0; i < t->seen->len; i++)
    {
      TfSeen *m = g_ptr_array_index (t->seen, i);
      if (g_strcmp0 (m->topic, topic) == 0 && strstr (m->payload, "\"phase\":\"aborted\"")
          && strstr (m->payload, "infrastructure error: power cycle"))
        aborted = TRUE;
      if (g_strcmp0 (m->topic, topic) == 0)
        g_assert_null (strstr (m->payload, "\"fail\""));
    }
  g_assert_true (aborted);
  st = tf_floor_session_state (t, S3);
  g_assert_true (json_object_get_boolean_member (st, "replanned"));
  g_assert_cmpstr (json_object_get_string_member (st, "board"), ==, "sim4");
  g_assert_nonnull (strstr (json_object_get_string_member (st, "error"), "infrastructure error"));
  /* the lease went with the session */
  {
    g_autoptr (JsonObject) l = tf_floor_request (t, NULL, "leases", "{}");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (l, "leases")), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/whole", test_whole_session);
  g_test_add_func ("/session/hostile", test_hostile);
  g_test_add_func ("/session/preparation-failure", test_preparation_failure);
  return g_test_run ();
}
