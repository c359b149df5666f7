/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Test Session Report and the consolidated report as PDF, read back as
 * text with pdftotext (poppler-utils): totals, signers by name and role, "not
 * reported" for a missing sha256, issue links broken only between their
 * parts, no heading alone at a page's foot, no lone last row, and the
 * consolidated totals with percentages. */
#include "tf-report-pdf.h"
#include "tf-test-host.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#define URL                                                                                        \
  "https://github.com/OpenMobileAlliance/OMA_LwM2M_for_Developers/issues/4711-"                    \
  "observe-composite-attributes?context=testfest&session=acme-tracker--orbis-dm"

/* TF_KEEP_TEST_DIRS keeps the PDFs for a person to look at */
static void
done (const char *dir)
{
  if (g_getenv ("TF_KEEP_TEST_DIRS") != NULL)
    g_printerr ("# kept %s\n", dir);
  else
    tf_test_rm_rf (dir);
}

static char *
pdftotext (const char *pdf, int first, int last, gboolean raw)
{
  g_autofree char *f = g_strdup_printf ("%d", first);
  g_autofree char *l = g_strdup_printf ("%d", last);
  const char *argv[] = { "pdftotext", raw ? "-raw" : "-layout", "-f", f, "-l", l, pdf, "-", NULL };
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status = 0;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static int
pages (const char *pdf)
{
  const char *argv[] = { "pdfinfo", pdf, NULL };
  g_autofree char *out = NULL;
  const char *p;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, NULL, NULL));
  p = strstr (out, "Pages:");
  g_assert_nonnull (p);
  return atoi (p + strlen ("Pages:"));
}

static const char *const verdicts[]
    = { "pass", "fail", "pass", "not-applicable", "inconclusive", "pass", "out-of-time", NULL };

/* A report of @n cases in groups of 7, case 3 carrying the long issue link. */
static JsonObject *
report (guint n, gboolean with_sha)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
#define S(k, v)                                                                                    \
  do                                                                                               \
    {                                                                                              \
      json_builder_set_member_name (b, k);                                                         \
      json_builder_add_string_value (b, v);                                                        \
    }                                                                                              \
  while (0)
  S ("session", "acme-tracker--orbis-dm");
  S ("event", "PDF TestFest");
  S ("start", "2030-10-14T09:00:00+00:00");
  S ("end", "2030-10-14T10:30:00+00:00");
  S ("board", "sim1");
  S ("ets", "LwM2M 1.1 (lwm2m-1.1-int)");
  json_builder_set_member_name (b, "firmware");
  json_builder_begin_object (b);
  S ("name", "acme-fw");
  S ("version", "2.4.0");
  if (with_sha)
    S ("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name
          = g_strdup_printf ("Case %u of the group, a name of ordinary length", i);
      g_autofree char *group = g_strdup_printf ("Group G%u: registration and friends", i / 7);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, 100 + i);
      S ("name", name);
      S ("group", group);
      S ("verdict", verdicts[i % 7]);
      S ("verification", "agreed");
      S ("entered_by", "acme/alice");
      if (i == 3)
        {
          S ("note", "disputed once, then settled");
          S ("issue", URL);
          /* its story: entered Fail, disputed, entered again, agreed */
          json_builder_set_member_name (b, "history");
          json_builder_begin_array (b);
          {
            const char *ev[][5] = {
              { "2030-10-14T09:20:00Z", "acme/alice", "verdict", "fail", "no notification seen" },
              { "2030-10-14T09:31:00Z", "orbis/olaf", "verify", "disputed", "our log shows one" },
              { "2030-10-14T09:40:00Z", "acme/alice", "verdict", "not-applicable", "re-run" },
              { "2030-10-14T09:45:00Z", "orbis/olaf", "verify", "agreed", NULL },
            };
            for (guint e = 0; e < G_N_ELEMENTS (ev); e++)
              {
                json_builder_begin_object (b);
                S ("at", ev[e][0]);
                S ("who", ev[e][1]);
                S ("what", ev[e][2]);
                S ("value", ev[e][3]);
                if (ev[e][4] != NULL)
                  S ("note", ev[e][4]);
                json_builder_end_object (b);
              }
          }
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "signed");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "client");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "server");
  json_builder_add_boolean_value (b, TRUE);
  S ("client_by", "acme/alice");
  S ("client_at", "2030-10-14T10:31:00Z");
  S ("client_name", "Alice Martin");
  S ("client_role", "Test lead");
  S ("server_by", "orbis/olaf");
  S ("server_at", "2030-10-14T10:35:00Z");
  json_builder_end_object (b);
#undef S
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (root));
}

static char *
write_pdf (JsonObject *r, const char *dir, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("r%u.pdf", n);
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (tf_report_pdf_session (r, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_header (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-pdf-XXXXXX", NULL);
  g_autoptr (JsonObject) r = report (14, FALSE);
  g_autofree char *pdf = write_pdf (r, dir, 14);
  char *text = pdftotext (pdf, 1, 1, FALSE);

  /* 14 cases: pass x6 (0,2,5,7,9,12), fail x2, n/a x2, inconclusive x2, out of time x2 */
  g_assert_nonnull (strstr (text, "Totals: Pass 6 · Fail 2 · Inconclusive 2 · Not Applicable 2 · "
                                  "Out of Time 2 · no verdict yet 0 (of 14 cases)"));
  g_assert_nonnull (strstr (text, "sha256 not reported"));
  g_assert_null (strstr (text, "unknown"));
  g_assert_nonnull (strstr (text, "signed by Alice Martin, Test lead (acme/alice) at"));
  g_assert_nonnull (strstr (text, "signed by orbis/olaf (no name in the event file) at"));
  /* the dispute's whole story, not only its last note */
  g_free (text);
  text = pdftotext (pdf, 1, pages (pdf), FALSE);
  g_assert_nonnull (strstr (text, "Dispute history"));
  g_assert_nonnull (
      strstr (text, "2030-10-14T09:20:00Z acme/alice entered Fail — no notification seen"));
  g_assert_nonnull (
      strstr (text, "2030-10-14T09:31:00Z orbis/olaf verified: disputed — our log shows one"));
  g_assert_nonnull (
      strstr (text, "2030-10-14T09:40:00Z acme/alice entered Not Applicable — re-run"));
  g_assert_nonnull (strstr (text, "2030-10-14T09:45:00Z orbis/olaf verified: agreed"));
  g_free (text);
  done (dir);
}

/* lab proposal of case @i of @r: @verdict, and what the client team decided */
static void
propose (JsonObject *r, guint i, const char *verdict, const char *decision)
{
  JsonObject *k = json_array_get_object_element (json_object_get_array_member (r, "cases"), i);
  JsonObject *p = json_object_new ();
  json_object_set_int_member (p, "case", json_object_get_int_member (k, "id"));
  json_object_set_string_member (p, "verdict", verdict);
  json_object_set_string_member (p, "reason", "frames 3-4: Read /3/0 answered 2.05 in TLV");
  if (decision != NULL)
    {
      json_object_set_string_member (p, "decision", decision);
      json_object_set_string_member (p, "decided_by", "acme");
    }
  else
    json_object_set_null_member (p, "decision");
  json_object_set_object_member (k, "lab_proposal", p);
}

/* the verdicts the lab proposed from the trace: marked in the table, each told below it */
static void
test_lab_proposals (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-pdf-XXXXXX", NULL);
  g_autoptr (JsonObject) r = report (7, FALSE);
  g_autofree char *pdf = NULL, *plain_pdf = NULL;
  g_autofree char *text = NULL, *plain = NULL;
  propose (r, 0, "pass", "accepted");   /* case 100, Pass */
  propose (r, 1, "pass", "overridden"); /* case 101, entered Fail */
  propose (r, 2, "pass", NULL);         /* case 102, Pass, not decided */
  pdf = write_pdf (r, dir, 7);
  text = pdftotext (pdf, 1, pages (pdf), FALSE);
  g_assert_nonnull (strstr (text, "Pass*"));
  g_assert_nonnull (strstr (text, "Fail†"));
  g_assert_nonnull (strstr (text, "Verdicts proposed by the lab from the trace"));
  g_assert_nonnull (strstr (text,
                            "100 Case 0 of the group, a name of ordinary length: lab proposed "
                            "Pass — proposed by the lab from the trace, accepted by acme; "
                            "trace: frames 3-4: Read /3/0 answered 2.05 in TLV"));
  g_assert_nonnull (strstr (text,
                            "101 Case 1 of the group, a name of ordinary length: lab proposed "
                            "Pass — the team overrode the lab's proposal by acme: entered "
                            "Fail"));
  g_assert_nonnull (strstr (text,
                            "102 Case 2 of the group, a name of ordinary length: lab proposed "
                            "Pass — proposed by the lab from the trace, not decided yet"));
  /* one mark per proposal, none elsewhere */
  g_assert_null (strstr (text, "Pass†"));
  /* a report without proposals has neither the marks nor the section */
  {
    g_autoptr (JsonObject) none = report (7, FALSE);
    plain_pdf = write_pdf (none, dir, 8);
    plain = pdftotext (plain_pdf, 1, pages (plain_pdf), FALSE);
    g_assert_null (strstr (plain, "proposed by the lab"));
    g_assert_null (strstr (plain, "Pass*"));
  }
  done (dir);
}

/* the link's lines end only where the link may break: after / ? & # = . - _ */
static void
test_url_breaks (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-pdf-XXXXXX", NULL);
  g_autoptr (JsonObject) r = report (14, TRUE);
  g_autofree char *pdf = write_pdf (r, dir, 14);
  g_autofree char *text = pdftotext (pdf, 1, 1, TRUE);
  const char *p = strstr (text, "https://");
  guint matched = 0, breaks = 0;

  g_assert_nonnull (p);
  while (matched < strlen (URL) && *p != '\0')
    {
      if (*p == '\n')
        {
          g_assert_nonnull (strchr ("/?&#=.-_", URL[matched - 1]));
          breaks++;
        }
      else
        {
          if (*p != URL[matched])
            g_error ("the link reads differently at %u: '%.30s'", matched, p);
          matched++;
        }
      p++;
    }
  g_assert_cmpuint (matched, ==, strlen (URL));
  /* it is longer than its column: it was broken, at least once */
  g_assert_cmpuint (breaks, >, 0);
  done (dir);
}

static gboolean
is_case_row (const char *line)
{
  g_autofree char *t = g_strstrip (g_strdup (line));
  return g_ascii_isdigit (t[0]) && strstr (t, "Case ") != NULL;
}

/* For tables of 10 to 70 rows (page breaks everywhere): no page ends with a
 * group heading, and the last page of the table holds at least two rows. */
static void
test_page_breaks (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-pdf-XXXXXX", NULL);
  guint multi = 0;

  for (guint n = 10; n <= 70; n++)
    {
      g_autoptr (JsonObject) r = report (n, TRUE);
      g_autofree char *pdf = write_pdf (r, dir, n);
      int np = pages (pdf);
      for (int pg = 1; pg <= np; pg++)
        {
          g_autofree char *text = pdftotext (pdf, pg, pg, FALSE);
          g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
          const char *last = NULL;
          guint rows = 0;
          for (guint i = 0; lines[i] != NULL; i++)
            {
              if (is_case_row (lines[i]))
                rows++;
              if (*g_strstrip (lines[i]) != '\0' && strstr (lines[i], "CONFIDENTIAL") == NULL
                  && strchr (lines[i], '\f') == NULL)
                last = lines[i];
            }
          g_assert_nonnull (last);
          if (g_str_has_prefix (last, "Group G"))
            g_error ("%u cases: page %d ends with the heading '%s'", n, pg, last);
          /* the page that ends the table (its last case; the dispute
           * history may follow on further pages) */
          {
            g_autofree char *last_id = g_strdup_printf ("%u ", 100 + n - 1);
            gboolean ends = FALSE;
            for (guint i = 0; lines[i] != NULL; i++)
              ends |= is_case_row (lines[i]) && g_str_has_prefix (g_strchug (lines[i]), last_id);
            if (ends && pg > 1)
              {
                multi++;
                if (rows < 2)
                  g_error ("%u cases: the table's last page holds %u row(s)", n, rows);
              }
          }
        }
    }
  /* the sizes did cross page boundaries */
  g_assert_cmpuint (multi, >, 20);
  done (dir);
}

static void
test_consolidated (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-pdf-XXXXXX", NULL);
  g_autofree char *pdf = g_build_filename (dir, "c.pdf", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *json
      = "{\"event\":\"PDF TestFest\",\"implementations\":{\"clients\":4,\"servers\":3},"
        "\"companies\":[\"Acme\",\"Orbis\"],\"ets\":[\"LwM2M 1.1\"],\"sessions\":[],"
        "\"cases\":["
        "{\"id\":101,\"name\":\"Initial Registration\",\"pass\":6,\"fail\":1,\"inconclusive\":0,"
        "\"not-applicable\":1,\"out-of-time\":0},"
        "{\"id\":102,\"name\":\"Update\",\"pass\":2,\"fail\":0,\"inconclusive\":1,"
        "\"not-applicable\":0,\"out-of-time\":1}]}";

  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  g_assert_true (
      tf_report_pdf_consolidated (json_node_get_object (json_parser_get_root (p)), pdf, &error));
  g_assert_no_error (error);
  text = pdftotext (pdf, 1, 1, FALSE);
  {
    g_autoptr (GRegex) total
        = g_regex_new ("Total \\(all cases, all sessions\\)\\s+8\\s+1\\s+1\\s+1\\s+1", 0, 0, NULL);
    g_autoptr (GRegex) share = g_regex_new (
        "Share of all verdicts\\s+66\\.7 %\\s+8\\.3 %\\s+8\\.3 %\\s+8\\.3 %\\s+8\\.3 %", 0, 0,
        NULL);
    if (!g_regex_match (total, text, 0, NULL) || !g_regex_match (share, text, 0, NULL))
      g_error ("no totals or percentages in:\n%s", text);
  }
  done (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report-pdf/header", test_header);
  g_test_add_func ("/report-pdf/lab-proposals", test_lab_proposals);
  g_test_add_func ("/report-pdf/url-breaks", test_url_breaks);
  g_test_add_func ("/report-pdf/page-breaks", test_page_breaks);
  g_test_add_func ("/report-pdf/consolidated", test_consolidated);
  return g_test_run ();
}
