/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-session-json.h"
#include "tf-ets-transcript.h"
#include "tf-time.h"

#include <string.h>

static void
add_str (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  if (v != NULL)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_time (JsonBuilder *b, const char *name, gint64 us)
{
  g_autofree char *t = us > 0 ? tf_time_format (us) : NULL;
  add_str (b, name, t);
}

static void
add_party (JsonBuilder *b, const char *name, const char *impl, const char *company)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_str (b, "impl", impl);
  add_str (b, "company", company);
  json_builder_end_object (b);
}

/* A party of a report: the ids the store keeps, the names and version the
 * event file gives. */
static void
add_report_party (JsonBuilder *b, const char *name, const char *impl, const char *company,
                  const char *company_name, const char *product, const char *version)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_str (b, "impl", impl);
  add_str (b, "company", company);
  add_str (b, "company_name", company_name);
  add_str (b, "name", product);
  add_str (b, "version", version);
  json_builder_end_object (b);
}

static JsonNode *
finish (JsonBuilder *b)
{
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonBuilder *
begin (void)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "schema", 1);
  return b;
}

char *
tf_json_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

JsonNode *
tf_session_state_json (const TfSession *s, guint done, guint total)
{
  g_autoptr (JsonBuilder) b = begin ();
  add_str (b, "id", s->id);
  add_int (b, "slot", s->slot);
  add_int (b, "table", s->table);
  add_str (b, "board", s->board);
  add_party (b, "client", s->client, s->client_company);
  add_party (b, "server", s->server, s->server_company);
  add_str (b, "phase", tf_phase_to_string (s->phase));
  json_builder_set_member_name (b, "progress");
  json_builder_begin_object (b);
  add_int (b, "done", done);
  add_int (b, "total", total);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "replanned");
  json_builder_add_boolean_value (b, s->replanned);
  add_time (b, "since", s->since);
  add_str (b, "error", s->error);
  if (s->replan_at > 0)
    add_time (b, "replan_at", s->replan_at);
  return finish (b);
}

/* The report carries the end of a script's output only: it is published
 * retained and rendered into PDF and JUnit, while the store keeps it whole. */
#define EVIDENCE_TAIL 4096

static void
add_automation (JsonBuilder *b, const TfCaseRow *c)
{
  const char *out = c->evidence != NULL ? c->evidence : "";
  gboolean runner = g_strcmp0 (c->run_script, "tf-ets-run") == 0;
  g_autofree char *summary = NULL;
  gsize len, start;
  g_autofree char *tail = NULL;

  /* the lab's runner's transcript: a Pass as its head (verdict, criteria), a Fail or an
   * Inconclusive with every message exchanged, as stored */
  if (runner && g_strcmp0 (c->verdict, "pass") == 0)
    out = summary = tf_ets_transcript_summary (out);
  len = strlen (out);
  start = runner || len <= EVIDENCE_TAIL ? 0 : len - EVIDENCE_TAIL;

  json_builder_set_member_name (b, "automation");
  if (c->run_at <= 0 && c->evidence == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  /* never cut a character in two */
  while (start < len && ((guchar)out[start] & 0xC0) == 0x80)
    start++;
  tail = g_utf8_make_valid (out + start, -1);
  json_builder_begin_object (b);
  if (c->run_script != NULL)
    {
      g_autofree char *base = g_path_get_basename (c->run_script);
      add_str (b, "script", base);
    }
  else
    add_str (b, "script", NULL);
  /* which implementation the run judged: the report says which side was decided */
  add_str (b, "side", c->run_side != NULL ? c->run_side : "client");
  json_builder_set_member_name (b, "exit_status");
  if (c->run_status >= 0)
    json_builder_add_int_value (b, c->run_status);
  else
    json_builder_add_null_value (b);
  add_time (b, "started_at", c->run_started);
  add_time (b, "ran_at", c->run_at);
  json_builder_set_member_name (b, "duration_ms");
  if (c->run_started > 0 && c->run_at >= c->run_started)
    json_builder_add_int_value (b, (c->run_at - c->run_started) / 1000);
  else
    json_builder_add_null_value (b);
  add_str (b, "output", tail);
  /* the whole output's length: the store kept its end, the report less */
  add_int (b, "output_bytes", MAX ((gint64)len, c->run_bytes));
  json_builder_set_member_name (b, "truncated");
  json_builder_add_boolean_value (b, start > 0 || (summary == NULL && c->run_bytes > (gint64)len));
  json_builder_set_member_name (b, "summary");
  json_builder_add_boolean_value (b, summary != NULL);
  json_builder_end_object (b);
}

JsonNode *
tf_session_report_json (const TfSession *s, const TfReportFacts *facts, GPtrArray *cases)
{
  static const TfReportFacts none = { 0 };
  g_autoptr (JsonBuilder) b = begin ();
  g_autofree char *date = NULL;

  if (facts == NULL)
    facts = &none;
  if (facts->start != NULL && strlen (facts->start) >= 10)
    date = g_strndup (facts->start, 10);
  add_str (b, "session", s->id);
  add_str (b, "event", facts->event);
  json_builder_set_member_name (b, "number");
  if (s->slot >= 0)
    json_builder_add_int_value (b, s->slot + 1);
  else
    json_builder_add_null_value (b);
  add_str (b, "date", date);
  add_str (b, "start", facts->start);
  add_str (b, "end", facts->end);
  add_int (b, "table", s->table);
  add_str (b, "board", s->board);
  json_builder_set_member_name (b, "firmware");
  json_builder_begin_object (b);
  add_str (b, "name", s->fw_name);
  add_str (b, "version", s->fw_version);
  add_str (b, "sha256", s->fw_sha256);
  json_builder_end_object (b);
  add_report_party (b, "client", s->client, s->client_company, facts->client_company_name,
                    facts->client_name, facts->client_version);
  add_report_party (b, "server", s->server, s->server_company, facts->server_company_name,
                    facts->server_name, facts->server_version);
  add_str (b, "ets", s->ets);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < cases->len; i++)
    {
      TfCaseRow *c = g_ptr_array_index (cases, i);
      json_builder_begin_object (b);
      add_int (b, "id", c->id);
      add_str (b, "name", c->name);
      add_str (b, "group", c->group);
      add_str (b, "verdict", c->verdict);
      add_str (b, "note", c->note);
      add_str (b, "issue", c->issue);
      add_str (b, "entered_by", c->entered_by);
      add_time (b, "entered_at", c->entered_at);
      add_str (b, "verification", c->verification);
      add_str (b, "verify_note", c->verify_note);
      if (c->history != NULL)
        {
          /* a disputed case keeps its whole story: the report names every
           * verdict and verification, not only the last */
          json_builder_set_member_name (b, "history");
          json_builder_begin_array (b);
          for (guint k = 0; k < c->history->len; k++)
            {
              const TfSdbEvent *e = g_ptr_array_index (c->history, k);
              json_builder_begin_object (b);
              add_time (b, "at", e->at);
              add_str (b, "who", e->who);
              add_str (b, "what", e->what);
              add_str (b, "value", e->value);
              add_str (b, "note", e->note);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
        }
      add_automation (b, c);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "signed");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "client");
  json_builder_add_boolean_value (b, s->signed_client);
  json_builder_set_member_name (b, "server");
  json_builder_add_boolean_value (b, s->signed_server);
  add_str (b, "client_by", s->signed_client ? s->signed_client_by : NULL);
  add_time (b, "client_at", s->signed_client ? s->signed_client_at : 0);
  add_str (b, "server_by", s->signed_server ? s->signed_server_by : NULL);
  add_time (b, "server_at", s->signed_server ? s->signed_server_at : 0);
  if (s->signed_client && facts->client_signer_name != NULL)
    {
      add_str (b, "client_name", facts->client_signer_name);
      add_str (b, "client_role", facts->client_signer_role);
    }
  if (s->signed_server && facts->server_signer_name != NULL)
    {
      add_str (b, "server_name", facts->server_signer_name);
      add_str (b, "server_role", facts->server_signer_role);
    }
  json_builder_end_object (b);
  return finish (b);
}

static void
add_results (JsonBuilder *b, GPtrArray *results)
{
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      TfCaseResult *r = g_ptr_array_index (results, i);
      json_builder_begin_object (b);
      add_str (b, "ets", r->ets);
      add_int (b, "id", r->id);
      add_str (b, "name", r->name);
      for (guint v = TF_VERDICT_PASS; v <= TF_VERDICT_OUT_OF_TIME; v++)
        add_int (b, tf_verdict_to_string (v), r->counts[v]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

JsonNode *
tf_summary_json (const char *event, guint clients, guint servers, GPtrArray *results)
{
  g_autoptr (JsonBuilder) b = begin ();
  add_str (b, "event", event);
  add_int (b, "clients", clients);
  add_int (b, "servers", servers);
  add_results (b, results);
  return finish (b);
}

static gint
str_ptr_cmp (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

static gboolean
is_final (const TfSession *s)
{
  return s->phase == TF_PHASE_VERIFIED || s->phase == TF_PHASE_CLOSED;
}

JsonNode *
tf_consolidated_json (const TfEvent *event, GPtrArray *sessions, GPtrArray *results,
                      GPtrArray *issues)
{
  g_autoptr (JsonBuilder) b = begin ();
  g_autoptr (GHashTable) clients = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) servers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) companies = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) ets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) per_slot = g_array_new (FALSE, TRUE, sizeof (guint));
  g_autoptr (GList) names = NULL;
  guint n_slots = tf_event_n_slots (event);

  g_array_set_size (per_slot, n_slots);
  for (guint i = 0; i < sessions->len; i++)
    {
      TfSession *s = g_ptr_array_index (sessions, i);
      if (!is_final (s))
        continue;
      g_hash_table_add (clients, s->client);
      g_hash_table_add (servers, s->server);
      g_hash_table_add (companies, s->client_company);
      g_hash_table_add (companies, s->server_company);
      if (s->ets != NULL)
        g_hash_table_add (ets, s->ets);
      if (s->slot >= 0 && (guint)s->slot < n_slots)
        g_array_index (per_slot, guint, s->slot)++;
    }
  add_str (b, "event", event->name);
  json_builder_set_member_name (b, "implementations");
  json_builder_begin_object (b);
  add_int (b, "clients", g_hash_table_size (clients));
  add_int (b, "servers", g_hash_table_size (servers));
  json_builder_end_object (b);
  /* companies by display name, sorted; no link to what they did */
  json_builder_set_member_name (b, "companies");
  json_builder_begin_array (b);
  {
    g_autoptr (GPtrArray) cn = g_ptr_array_new ();
    for (guint i = 0; i < event->companies->len; i++)
      {
        TfCompany *c = g_ptr_array_index (event->companies, i);
        if (g_hash_table_contains (companies, c->id))
          g_ptr_array_add (cn, c->name ? c->name : c->id);
      }
    g_ptr_array_sort (cn, str_ptr_cmp);
    for (guint i = 0; i < cn->len; i++)
      json_builder_add_string_value (b, g_ptr_array_index (cn, i));
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ets");
  json_builder_begin_array (b);
  names = g_list_sort (g_hash_table_get_keys (ets), (GCompareFunc)g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    json_builder_add_string_value (b, l->data);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_slots; i++)
    {
      g_autofree char *start = tf_event_slot_iso (event, i, FALSE);
      if (g_array_index (per_slot, guint, i) == 0)
        continue;
      json_builder_begin_object (b);
      add_int (b, "session", i + 1);
      add_str (b, "start", start);
      add_int (b, "submissions", g_array_index (per_slot, guint, i));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* the spec issues raised, as links only */
  json_builder_set_member_name (b, "issues");
  json_builder_begin_array (b);
  for (guint i = 0; issues != NULL && i < issues->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (issues, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "legend");
  json_builder_begin_object (b);
  add_str (b, "pass", "both teams agreed the pass criteria were met");
  add_str (b, "fail", "both teams agreed the pass criteria were not met");
  add_str (b, "inconclusive", "the teams disagree, or a prerequisite failed");
  add_str (b, "not-applicable", "one implementation lacks the required feature");
  add_str (b, "out-of-time", "not run for lack of time");
  json_builder_end_object (b);
  add_results (b, results);
  return finish (b);
}
