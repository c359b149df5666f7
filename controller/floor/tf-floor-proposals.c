/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts the lab proposes from a session's trace (tf-lwm2m-verdicts.h): kept beside the
 * verdicts (table trace_proposal), shown to staff and the session's two companies, accepted
 * by the client team (the verdict is entered with the proposal as its note and evidence) or
 * overridden by the verdict it enters itself; the proposal stays in either case, and the
 * report marks each case's proposal and what became of it. */
#define G_LOG_DOMAIN "tf-floor"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-json.h"
#include "tf-lwm2m-verdicts.h"

#include <string.h>

/* a decoded trace read for proposals: 10,000 messages are a few MiB */
#define MAX_DECODED (64 * 1024 * 1024)

static GPtrArray *
read_decoded (TfFloor *f, const char *id, GError **error)
{
  g_autofree char *path = tf_floor_trace_file (f, id, "decoded", 1);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  gsize len = 0;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return entries;
  if (!g_file_get_contents (path, &data, &len, error))
    {
      g_ptr_array_unref (entries);
      return NULL;
    }
  if (len > MAX_DECODED)
    data[MAX_DECODED] = '\0';
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      /* a blank line parses to no root at all */
      if (*lines[i] == '\0' || !json_parser_load_from_data (p, lines[i], -1, NULL)
          || json_parser_get_root (p) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
        continue;
      g_ptr_array_add (entries, json_object_ref (json_node_get_object (json_parser_get_root (p))));
    }
  return entries;
}

/* "192.0.2.1:5683" or "[2001:db8::1]:5683" names @host */
static gboolean
endpoint_is (const char *endpoint, const char *host)
{
  gsize n = strlen (host);
  if (endpoint == NULL)
    return FALSE;
  if (endpoint[0] == '[')
    return strncmp (endpoint + 1, host, n) == 0 && endpoint[n + 1] == ']';
  return strncmp (endpoint, host, n) == 0 && endpoint[n] == ':';
}

/* The exchange with the lab's own runner (its automated cases, judged by it already) is
 * not the manual exchange a proposal is about. */
static void
drop_runner_traffic (TfFloor *f, GPtrArray *entries)
{
  const char *runner = tf_lab_get_config (f->lab)->ets_address;
  if (runner == NULL)
    return;
  for (guint i = entries->len; i > 0; i--)
    {
      JsonObject *e = g_ptr_array_index (entries, i - 1);
      if (endpoint_is (tf_json_get_string (e, "src"), runner)
          || endpoint_is (tf_json_get_string (e, "dst"), runner))
        g_ptr_array_remove_index (entries, i - 1);
    }
}

/* Proposals from the trace as it is now; a decided one is left as it was decided.
 * (The table trace_proposal is the floor's: tf-session-db.c's migrations.) */
gboolean
tf_floor_proposals_refresh (TfFloor *f, const char *id, GError **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) props = NULL;

  if ((entries = read_decoded (f, id, error)) == NULL)
    return FALSE;
  drop_runner_traffic (f, entries);
  props = tf_lwm2m_propose_verdicts (entries);
  for (guint i = 0; i < props->len; i++)
    {
      TfVerdictProposal *p = g_ptr_array_index (props, i);
      g_autoptr (JsonNode) n = tf_verdict_proposal_to_json (p);
      g_autoptr (JsonGenerator) g = json_generator_new ();
      g_autofree char *frames = NULL;
      json_generator_set_root (g, json_object_get_member (json_node_get_object (n), "frames"));
      frames = json_generator_to_data (g, NULL);
      if (!tf_store_run (f->store, error,
                         "INSERT INTO trace_proposal (session, case_id, verdict, reason, frames, "
                         "proposed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session, case_id) "
                         "DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason, "
                         "frames = excluded.frames, proposed_at = excluded.proposed_at "
                         "WHERE decision IS NULL AND (verdict != excluded.verdict OR "
                         "frames != excluded.frames)",
                         "snsssi", id, p->case_id, p->pass ? "pass" : "fail", p->reason, frames,
                         g_get_real_time ()))
        return FALSE;
    }
  return TRUE;
}

static void
add_text_or_null (JsonBuilder *b, const char *name, TfStoreStmt *st, int column)
{
  json_builder_set_member_name (b, name);
  if (tf_store_stmt_is_null (st, column))
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, tf_store_stmt_text (st, column));
}

/* [{"case","verdict","reason","frames":[..],"decision","decided_by"}] of the session */
JsonNode *
tf_floor_proposals_json (TfFloor *f, const char *id, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (TfStoreStmt) st
      = tf_store_query (f->store, error,
                        "SELECT case_id, verdict, reason, frames, decision, decided_by FROM "
                        "trace_proposal WHERE session = ? ORDER BY case_id",
                        "s", id);
  if (st == NULL)
    return NULL;
  json_builder_begin_array (b);
  while (tf_store_stmt_next (st, &local))
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "case");
      json_builder_add_int_value (b, tf_store_stmt_int (st, 0));
      json_builder_set_member_name (b, "verdict");
      json_builder_add_string_value (b, tf_store_stmt_text (st, 1));
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, tf_store_stmt_text (st, 2));
      json_builder_set_member_name (b, "frames");
      if (json_parser_load_from_data (p, tf_store_stmt_text (st, 3), -1, NULL))
        json_builder_add_value (b, json_node_copy (json_parser_get_root (p)));
      else
        json_builder_add_null_value (b);
      add_text_or_null (b, "decision", st, 4);
      add_text_or_null (b, "decided_by", st, 5);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return json_builder_get_root (b);
}

/* The client team entered @verdict for @case_id: the lab's proposal, if undecided, is accepted
 * (same verdict) or overridden. */
void
tf_floor_proposals_decided (TfFloor *f, const char *id, gint case_id, const char *verdict,
                            const char *by)
{
  g_autoptr (GError) error = NULL;
  if (!tf_store_run (f->store, &error,
                     "UPDATE trace_proposal SET decision = CASE WHEN verdict = ? THEN "
                     "'accepted' ELSE 'overridden' END, decided_by = ?, decided_at = ? "
                     "WHERE session = ? AND case_id = ? AND decision IS NULL",
                     "ssisn", verdict, by, g_get_real_time (), id, case_id))
    g_warning ("proposal of %s case %d: %s", id, case_id, error->message);
}

/* Each case of @report ({"cases":[{"id":N,...}]}) gets "lab_proposal" when there is one. */
void
tf_floor_proposals_annotate (TfFloor *f, const char *id, JsonNode *report)
{
  g_autoptr (JsonNode) props = tf_floor_proposals_json (f, id, NULL);
  JsonObject *o
      = report != NULL && JSON_NODE_HOLDS_OBJECT (report) ? json_node_get_object (report) : NULL;
  JsonArray *cases = o != NULL ? tf_json_get_array (o, "cases") : NULL;
  if (props == NULL || cases == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonArray *pa = json_node_get_array (props);
      for (guint k = 0; c != NULL && k < json_array_get_length (pa); k++)
        {
          JsonObject *p = json_array_get_object_element (pa, k);
          if (json_object_get_int_member (p, "case") == tf_json_get_int (c, "id", -1))
            json_object_set_object_member (c, "lab_proposal", json_object_ref (p));
        }
    }
}

/* --- verbs -------------------------------------------------------------------------------- */

static TfSession *
session_of (TfFloor *f, TfRpcRequest *req, JsonObject *args)
{
  const char *company = tf_rpc_request_get_company (req);
  const char *id = NULL;
  g_autoptr (GError) error = NULL;
  TfSession *s;
  if (!tf_json_read_id (args, "session", TRUE, 256, &id, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return NULL;
    }
  s = tf_floor_session (f, id);
  if (s == NULL
      || (company != NULL && g_strcmp0 (company, s->client_company) != 0
          && g_strcmp0 (company, s->server_company) != 0))
    {
      tf_rpc_request_fail (req, "no session %s of yours", id);
      return NULL;
    }
  return s;
}

/* {"session"} → {"proposals":[...]} */
static void
cmd_proposals (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfFloor *f = user_data;
  TfSession *s = session_of (f, req, args);
  g_autoptr (GError) error = NULL;
  JsonNode *list;
  JsonNode *res;
  if (s == NULL)
    return;
  if (!tf_floor_proposals_refresh (f, s->id, &error)
      || (list = tf_floor_proposals_json (f, s->id, &error)) == NULL)
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  res = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_string_member (json_node_get_object (res), "session", s->id);
  json_object_set_member (json_node_get_object (res), "proposals", list);
  tf_rpc_request_reply (req, res);
}

/* {"session","case"}: the client team takes the lab's proposal as its verdict */
static void
cmd_accept (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfFloor *f = user_data;
  const char *company = tf_rpc_request_get_company (req);
  TfSession *s = session_of (f, req, args);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *note = NULL, *by = NULL;
  JsonObject *p = NULL;
  JsonArray *a;
  gint64 case_id = 0;
  if (s == NULL)
    return;
  if (company == NULL || g_strcmp0 (company, s->client_company) != 0)
    {
      tf_rpc_request_fail (req, "only the client team (%s) accepts a proposal", s->client_company);
      return;
    }
  if (!tf_json_read_int (args, "case", TRUE, 1, 100000, &case_id, &error)
      || (list = tf_floor_proposals_json (f, s->id, &error)) == NULL)
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  a = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (json_object_get_int_member (json_array_get_object_element (a, i), "case") == case_id)
      p = json_array_get_object_element (a, i);
  if (p == NULL || (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING))
    {
      tf_rpc_request_fail (req, "no proposal for case %" G_GINT64_FORMAT " of session %s to take",
                           case_id, s->id);
      return;
    }
  note = g_strdup_printf ("proposed by the lab from the trace: %s",
                          json_object_get_string_member (p, "reason"));
  by = g_strdup_printf ("%s (the lab's proposal)", company);
  if (!tf_store_begin (f->store, &error)
      || !tf_sdb_set_verdict (f->store, s->id, (gint)case_id,
                              json_object_get_string_member (p, "verdict"), note, NULL, by,
                              g_get_real_time (), note, &error)
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  tf_floor_proposals_decided (f, s->id, (gint)case_id, json_object_get_string_member (p, "verdict"),
                              company);
  tf_floor_publish_session (f, s);
  tf_rpc_request_reply (req, NULL);
}

void
tf_floor_proposals_add_verbs (TfFloor *f)
{
  TfRpc *rpc = tf_lab_get_rpc (f->lab);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "proposals", cmd_proposals, f);
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "proposals", cmd_proposals, f);
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "accept", cmd_accept, f);
}
