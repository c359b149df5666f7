/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-json.h"
#include "tf-session-json.h"

#include <string.h>

/* Company requests on in/<company>/<verb>, through core's TfRpc. A change is
 * committed to the store, then published, then acknowledged. */

/* --- company requests (in/) ---------------------------------------------------- */

/* A case's change is committed: publish the session, then acknowledge with
 * {"session","case", KEY: VALUE}. */
static void
committed (Req *r, TfSession *s, const char *key, const char *value)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) res = NULL;

  tf_floor_publish_session (r->f, s);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, s->id);
  json_builder_set_member_name (b, "case");
  json_builder_add_int_value (b, r->in->case_id);
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
  res = json_builder_get_root (b);
  tf_floor_req_ok (r, res);
}

static void
in_verdict (Req *r, TfSession *s)
{
  TfFloor *f = r->f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCaseRow) row = NULL;
  g_autofree char *who = tf_in_request_who (r->in);

  if (g_strcmp0 (r->in->company, s->client_company) != 0)
    {
      tf_floor_req_fail (r, "only the client team (%s) enters the verdicts of session %s",
                         s->client_company, s->id);
      return;
    }
  if (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING)
    {
      tf_floor_req_fail (r, "session %s is %s: verdicts are entered while it runs or reports",
                         s->id, tf_phase_to_string (s->phase));
      return;
    }
  if (s->signed_client)
    {
      tf_floor_req_fail (r, "the client team signed session %s's report already", s->id);
      return;
    }
  row = tf_sdb_get_case (f->store, s->id, r->in->case_id, &error);
  if (row == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  /* a person may override what the lab decided from the exchange, saying why */
  if (g_strcmp0 (row->entered_by, "automation") == 0 && row->verdict != NULL
      && g_strcmp0 (row->verdict, r->in->verdict) != 0
      && (r->in->note == NULL || *r->in->note == '\0'))
    {
      tf_floor_req_fail (r,
                         "case %d's %s was decided by the lab's runner: overriding it needs a note",
                         r->in->case_id, row->verdict);
      return;
    }
  if (!tf_store_begin (f->store, &error)
      || !tf_sdb_set_verdict (f->store, s->id, r->in->case_id, r->in->verdict, r->in->note,
                              r->in->issue, who, g_get_real_time (), NULL, &error)
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  tf_floor_proposals_decided (f, s->id, r->in->case_id, r->in->verdict, r->in->company);
  committed (r, s, "verdict", r->in->verdict);
}

static void
in_verify (Req *r, TfSession *s)
{
  TfFloor *f = r->f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCaseRow) row = NULL;
  g_autofree char *who = tf_in_request_who (r->in);

  const char *verifier;

  if (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING)
    {
      tf_floor_req_fail (r, "session %s is %s: nothing to verify", s->id,
                         tf_phase_to_string (s->phase));
      return;
    }
  if (s->signed_server)
    {
      tf_floor_req_fail (r, "the server team signed session %s's report already", s->id);
      return;
    }
  row = tf_sdb_get_case (f->store, s->id, r->in->case_id, &error);
  if (row == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  /* the other company verifies: the server team a verdict on the client (the ETS's rule),
   * the client team one the lab's runner decided on the server */
  verifier
      = g_strcmp0 (row->entered_by, "automation") == 0 && g_strcmp0 (row->run_side, "server") == 0
            ? s->client_company
            : s->server_company;
  if (g_strcmp0 (r->in->company, verifier) != 0)
    {
      tf_floor_req_fail (r, "only the %s team (%s) verifies case %d of session %s",
                         verifier == s->client_company ? "client" : "server", verifier,
                         r->in->case_id, s->id);
      return;
    }
  if (row->verdict == NULL)
    {
      tf_floor_req_fail (r, "case %d of session %s has no verdict to verify", r->in->case_id,
                         s->id);
      return;
    }
  if (!tf_store_begin (f->store, &error)
      || !tf_sdb_set_verification (f->store, s->id, r->in->case_id,
                                   r->in->agree ? "agreed" : "disputed", r->in->note, who,
                                   g_get_real_time (), &error)
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  committed (r, s, "verification", r->in->agree ? "agreed" : "disputed");
}

static void
in_sign (Req *r, TfSession *s)
{
  TfFloor *f = r->f;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cases = NULL;
  gboolean client = g_strcmp0 (r->in->company, s->client_company) == 0;
  gboolean server = g_strcmp0 (r->in->company, s->server_company) == 0;
  gboolean was_c = s->signed_client, was_s = s->signed_server;

  if (!client && !server)
    {
      tf_floor_req_fail (r, "%s is not a party to session %s", r->in->company, s->id);
      return;
    }
  if (s->phase != TF_PHASE_REPORTING)
    {
      tf_floor_req_fail (r, "session %s is %s: a report is signed after the session ended", s->id,
                         tf_phase_to_string (s->phase));
      return;
    }
  cases = tf_sdb_cases (f->store, s->id, &error);
  if (cases == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  for (guint i = 0; i < cases->len; i++)
    {
      TfCaseRow *c = g_ptr_array_index (cases, i);
      if (client && c->verdict == NULL)
        {
          tf_floor_req_fail (r, "case %d has no verdict yet", c->id);
          return;
        }
      if (server && c->verification == NULL)
        {
          tf_floor_req_fail (r, "case %d is not verified yet", c->id);
          return;
        }
    }
  if (server && !s->signed_client)
    {
      tf_floor_req_fail (r, "the client team signs first");
      return;
    }
  if (client)
    {
      s->signed_client = TRUE;
      g_free (s->signed_client_by);
      s->signed_client_by = tf_in_request_who (r->in);
      s->signed_client_at = g_get_real_time ();
    }
  else
    {
      s->signed_server = TRUE;
      g_free (s->signed_server_by);
      s->signed_server_by = tf_in_request_who (r->in);
      s->signed_server_at = g_get_real_time ();
    }
  if (!tf_store_begin (f->store, &error)
      || (s->signed_client && s->signed_server
              ? !tf_floor_set_phase (f, s, TF_PHASE_VERIFIED, "signed by both teams", &error)
              : !tf_sdb_put_session (f->store, s, &error))
      || !tf_store_commit (f->store, &error))
    {
      tf_store_rollback (f->store);
      s->signed_client = was_c;
      s->signed_server = was_s;
      {
        tf_floor_req_fail (r, "%s", error->message);
        return;
      }
    }
  /* the public summary changes only when staff release results */
  tf_floor_publish_session (f, s);
  tf_floor_req_ok (r, NULL);
}

static void
on_case_ran (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Req) r = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *verdict = NULL;
  if (!tf_floor_run_case_finish (res, &verdict, &error))
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) n = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "verdict");
    json_builder_add_string_value (b, verdict);
    json_builder_end_object (b);
    n = json_builder_get_root (b);
    tf_floor_req_ok (r, n);
  }
}

static void
on_ets_ran (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Req) r = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) results = tf_floor_ets_run_finish (res, &error);
  JsonArray *a;
  if (results == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  a = json_node_get_array (results);
  if (!r->in->all_automated)
    {
      /* one case: its verdict, as a script's (none: the session moved on meanwhile) */
      JsonObject *o = json_array_get_length (a) > 0 ? json_array_get_object_element (a, 0) : NULL;
      g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
      if (o == NULL)
        {
          tf_floor_req_fail (r, "session %s moved on while the case ran", r->in->session);
          return;
        }
      if (tf_json_get_string (o, "verdict") == NULL)
        {
          /* the lab could not set the case up: nothing entered */
          tf_floor_req_fail (r, "case %d: %s", r->in->case_id, tf_json_get_string (o, "note"));
          return;
        }
      json_node_set_object (n, o);
      tf_floor_req_ok (r, n);
      return;
    }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) n = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "cases");
    json_builder_add_value (b, g_steal_pointer (&results));
    json_builder_end_object (b);
    n = json_builder_get_root (b);
    tf_floor_req_ok (r, n);
  }
}

/* Every company verb: TfRpc has read the payload and checked the topic and
 * where the answer goes; the company in the topic is the identity. */
static void
in_request (TfRpcRequest *req, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = tf_floor_req_new (f, req);
  g_autoptr (GError) error = NULL;
  TfSession *s;

  r->in = tf_in_request_from_args (tf_rpc_request_get_company (req), tf_rpc_request_get_verb (req),
                                   args, &error);
  if (r->in == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  if (g_strcmp0 (r->in->verb, "sessions") == 0)
    {
      g_autoptr (JsonNode) n = tf_floor_sessions_json (f, r->in->company);
      tf_floor_req_ok (r, n);
      return;
    }
  s = tf_floor_need_session (r, r->in->session);
  if (s == NULL)
    return;
  /* a third company learns nothing, not even whether the session exists */
  if (g_strcmp0 (r->in->company, s->client_company) != 0
      && g_strcmp0 (r->in->company, s->server_company) != 0)
    {
      tf_floor_req_fail (r, "no session '%s'", r->in->session);
      return;
    }
  if (g_strcmp0 (r->in->verb, "verdict") == 0)
    in_verdict (r, s);
  else if (g_strcmp0 (r->in->verb, "verify") == 0)
    in_verify (r, s);
  else if (g_strcmp0 (r->in->verb, "sign") == 0)
    in_sign (r, s);
  else if (g_strcmp0 (r->in->verb, "report") == 0)
    {
      g_autoptr (JsonNode) rep = tf_floor_report (f, s, &error);
      g_autoptr (JsonNode) n = NULL;
      if (rep == NULL)
        {
          tf_floor_req_fail (r, "%s", error->message);
          return;
        }
      n = tf_floor_wrap ("report", g_steal_pointer (&rep));
      tf_floor_req_ok (r, n);
    }
  else if (g_strcmp0 (r->in->verb, "run") == 0)
    {
      gint case_id = r->in->case_id;
      /* each side's team asks for its own implementation's cases: the lab judges, their
       * operator acts (a server's operator triggers what the lab's client expects) */
      if (r->in->server_side)
        {
          gint which = r->in->all_automated ? -1 : case_id;
          if (g_strcmp0 (r->in->company, s->server_company) != 0)
            {
              tf_floor_req_fail (r, "only the server team (%s) runs the server side of session %s",
                                 s->server_company, s->id);
              return;
            }
          tf_floor_ets_run_async (f, s->id, which, TRUE, on_ets_ran, g_steal_pointer (&r));
          return;
        }
      if (g_strcmp0 (r->in->company, s->client_company) != 0)
        {
          tf_floor_req_fail (r, "only the client team (%s) runs cases of session %s",
                             s->client_company, s->id);
          return;
        }
      {
        const TfEts *ets = s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
        const TfCase *c = ets != NULL && case_id >= 0 ? tf_ets_find_case (ets, case_id) : NULL;
        /* a case with a script of the event's own runs it; the others go to the lab's runner */
        if (c != NULL && c->script != NULL)
          tf_floor_run_case_async (f, s->id, case_id, on_case_ran, g_steal_pointer (&r));
        else
          {
            gint which = r->in->all_automated ? -1 : case_id;
            tf_floor_ets_run_async (f, s->id, which, FALSE, on_ets_ran, g_steal_pointer (&r));
          }
      }
    }
}

static gboolean
is_company (const char *account, gpointer data)
{
  TfFloor *f = data;
  return f->event != NULL && tf_event_find_company (f->event, account) >= 0;
}

void
tf_floor_add_in_verbs (TfFloor *f)
{
  TfRpc *rpc = tf_lab_get_rpc (f->lab);
  tf_rpc_set_company_check (rpc, is_company, f);
  for (guint i = 0; tf_in_request_verbs[i] != NULL; i++)
    tf_rpc_add_verb (rpc, TF_RPC_COMPANY, tf_in_request_verbs[i], in_request, f);
}
