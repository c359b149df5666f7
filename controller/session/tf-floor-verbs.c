/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-session-json.h"

#include <string.h>

/* Requests: staff on cmd/<verb> (TfLab's command registry), companies on
 * in/<company>/<verb>. Every answer is {"schema":1,"ok":...}; a change is
 * committed to the store, then published, then acknowledged. */

typedef struct {
  TfFloor *f;
  TfLabRequest *lab_req; /* cmd/ */
  TfBusMessage *msg;     /* in/ */
  TfInRequest *in;
} Req;

static void
req_free (Req *r)
{
  if (r->lab_req != NULL)
    tf_lab_request_unref (r->lab_req);
  if (r->msg != NULL)
    tf_bus_message_free (r->msg);
  tf_in_request_free (r->in);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Req, req_free)

static void
in_answer (Req *r, gboolean ok, JsonNode *result, const char *error_msg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  if (error_msg != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, error_msg);
    }
  if (result != NULL && JSON_NODE_HOLDS_OBJECT (result))
    {
      JsonObjectIter it;
      const char *name;
      JsonNode *value;
      json_object_iter_init (&it, json_node_get_object (result));
      while (json_object_iter_next (&it, &name, &value))
        {
          json_builder_set_member_name (b, name);
          json_builder_add_value (b, json_node_copy (value));
        }
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  if (!tf_bus_reply (r->f->bus, r->msg, json, &error))
    g_warning ("in/%s: reply not sent: %s", r->in ? r->in->verb : "?", error->message);
}

static void
req_ok (Req *r, JsonNode *result)
{
  if (r->lab_req != NULL)
    tf_lab_request_reply (r->lab_req, result);
  else
    in_answer (r, TRUE, result, NULL);
}

static void
req_fail (Req *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
req_fail (Req *r, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (r->lab_req != NULL)
    tf_lab_request_fail (r->lab_req, "%s", msg);
  else
    {
      g_info ("in/%s/%s: refused: %s", r->in ? r->in->company : "?", r->in ? r->in->verb : "?", msg);
      in_answer (r, FALSE, NULL, msg);
    }
}

static JsonNode *
wrap (const char *member, JsonNode *value)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, member);
  json_builder_add_value (b, value);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static guint
count_done (TfFloor *f, TfSession *s, guint *total)
{
  g_autoptr (GPtrArray) cases = tf_sdb_cases (f->store, s->id, NULL);
  guint done = 0;
  *total = cases ? cases->len : 0;
  for (guint i = 0; cases != NULL && i < cases->len; i++)
    if (((TfCaseRow *) g_ptr_array_index (cases, i))->verdict != NULL)
      done++;
  return done;
}

static JsonNode *
state_of (TfFloor *f, TfSession *s)
{
  guint total, done = count_done (f, s, &total);
  return tf_session_state_json (s, done, total);
}

static TfSession *
need_session (Req *r, const char *id)
{
  TfSession *s;
  if (id == NULL)
    {
      req_fail (r, "missing \"session\"");
      return NULL;
    }
  s = tf_floor_session (r->f, id);
  if (s == NULL)
    req_fail (r, "no session '%s'", id);
  return s;
}

/* --- company requests (in/) ---------------------------------------------------- */

static void
in_verdict (Req *r, TfSession *s)
{
  TfFloor *f = r->f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCaseRow) row = NULL;
  g_autofree char *who = tf_in_request_who (r->in);

  if (g_strcmp0 (r->in->company, s->client_company) != 0)
    { req_fail (r, "only the client team (%s) enters the verdicts of session %s",
                     s->client_company, s->id); return; }
  if (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING)
    { req_fail (r, "session %s is %s: verdicts are entered while it runs or reports", s->id,
                     tf_phase_to_string (s->phase)); return; }
  if (s->signed_client)
    { req_fail (r, "the client team signed session %s's report already", s->id); return; }
  row = tf_sdb_get_case (f->store, s->id, r->in->case_id, &error);
  if (row == NULL)
    { req_fail (r, "%s", error->message); return; }
  if (!tf_sdb_begin (f->store, &error) ||
      !tf_sdb_set_verdict (f->store, s->id, r->in->case_id, r->in->verdict, r->in->note,
                           r->in->issue, who, g_get_real_time (), NULL, &error) ||
      !tf_sdb_commit (f->store, &error))
    {
      tf_sdb_rollback (f->store);
      { req_fail (r, "%s", error->message); return; }
    }
  tf_floor_publish_session (f, s);
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) res = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "session");
    json_builder_add_string_value (b, s->id);
    json_builder_set_member_name (b, "case");
    json_builder_add_int_value (b, r->in->case_id);
    json_builder_set_member_name (b, "verdict");
    json_builder_add_string_value (b, r->in->verdict);
    json_builder_end_object (b);
    res = json_builder_get_root (b);
    req_ok (r, res);
  }
}

static void
in_verify (Req *r, TfSession *s)
{
  TfFloor *f = r->f;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCaseRow) row = NULL;
  g_autofree char *who = tf_in_request_who (r->in);

  if (g_strcmp0 (r->in->company, s->server_company) != 0)
    { req_fail (r, "only the server team (%s) verifies session %s", s->server_company, s->id); return; }
  if (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING)
    { req_fail (r, "session %s is %s: nothing to verify", s->id, tf_phase_to_string (s->phase)); return; }
  if (s->signed_server)
    { req_fail (r, "the server team signed session %s's report already", s->id); return; }
  row = tf_sdb_get_case (f->store, s->id, r->in->case_id, &error);
  if (row == NULL)
    { req_fail (r, "%s", error->message); return; }
  if (row->verdict == NULL)
    { req_fail (r, "case %d of session %s has no verdict to verify", r->in->case_id, s->id); return; }
  if (!tf_sdb_begin (f->store, &error) ||
      !tf_sdb_set_verification (f->store, s->id, r->in->case_id,
                                r->in->agree ? "agreed" : "disputed", r->in->note, who,
                                g_get_real_time (), &error) ||
      !tf_sdb_commit (f->store, &error))
    {
      tf_sdb_rollback (f->store);
      { req_fail (r, "%s", error->message); return; }
    }
  tf_floor_publish_session (f, s);
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) res = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "session");
    json_builder_add_string_value (b, s->id);
    json_builder_set_member_name (b, "case");
    json_builder_add_int_value (b, r->in->case_id);
    json_builder_set_member_name (b, "verification");
    json_builder_add_string_value (b, r->in->agree ? "agreed" : "disputed");
    json_builder_end_object (b);
    res = json_builder_get_root (b);
    req_ok (r, res);
  }
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
    { req_fail (r, "%s is not a party to session %s", r->in->company, s->id); return; }
  if (s->phase != TF_PHASE_REPORTING)
    { req_fail (r, "session %s is %s: a report is signed after the session ended", s->id,
                     tf_phase_to_string (s->phase)); return; }
  cases = tf_sdb_cases (f->store, s->id, &error);
  if (cases == NULL)
    { req_fail (r, "%s", error->message); return; }
  for (guint i = 0; i < cases->len; i++)
    {
      TfCaseRow *c = g_ptr_array_index (cases, i);
      if (client && c->verdict == NULL)
        { req_fail (r, "case %d has no verdict yet", c->id); return; }
      if (server && c->verification == NULL)
        { req_fail (r, "case %d is not verified yet", c->id); return; }
    }
  if (server && !s->signed_client)
    { req_fail (r, "the client team signs first"); return; }
  if (client)
    s->signed_client = TRUE;
  else
    s->signed_server = TRUE;
  if (!tf_sdb_begin (f->store, &error) ||
      (s->signed_client && s->signed_server
           ? !tf_floor_set_phase (f, s, TF_PHASE_VERIFIED, "signed by both teams", &error)
           : !tf_sdb_put_session (f->store, s, &error)) ||
      !tf_sdb_commit (f->store, &error))
    {
      tf_sdb_rollback (f->store);
      s->signed_client = was_c;
      s->signed_server = was_s;
      { req_fail (r, "%s", error->message); return; }
    }
  tf_floor_publish_session (f, s);
  if (s->phase == TF_PHASE_VERIFIED)
    tf_floor_publish_summary (f);
  req_ok (r, NULL);
}

static void
on_case_ran (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Req) r = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *verdict = NULL;
  if (!tf_floor_run_case_finish (res, &verdict, &error))
    { req_fail (r, "%s", error->message); return; }
  {
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) n = NULL;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "verdict");
    json_builder_add_string_value (b, verdict);
    json_builder_end_object (b);
    n = json_builder_get_root (b);
    req_ok (r, n);
  }
}

static JsonNode *
sessions_json (TfFloor *f, const char *company)
{
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  g_autoptr (JsonArray) a = json_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      TfSession *s = g_ptr_array_index (all, i);
      if (company == NULL || g_strcmp0 (company, s->client_company) == 0 ||
          g_strcmp0 (company, s->server_company) == 0)
        json_array_add_element (a, state_of (f, s));
    }
  return wrap ("sessions", json_node_init_array (json_node_alloc (), a));
}

void
tf_floor_handle_in (TfFloor *f, const TfBusMessage *msg)
{
  g_autoptr (Req) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *in = g_strconcat (f->prefix, "in/", NULL);
  gsize len = 0;
  const void *data;
  TfSession *s;

  if (!g_str_has_prefix (msg->topic, in))
    return;
  if (msg->response_topic == NULL)
    {
      g_warning ("%s: request without a response topic; ignored", msg->topic);
      return;
    }
  r = g_new0 (Req, 1);
  r->f = f;
  r->msg = tf_bus_message_copy (msg);
  data = g_bytes_get_data (msg->payload, &len);
  r->in = tf_in_request_parse (f->prefix, msg->topic, data, len, &error);
  if (r->in == NULL)
    { req_fail (r, "%s", error->message); return; }
  if (g_strcmp0 (r->in->verb, "sessions") == 0)
    {
      g_autoptr (JsonNode) n = sessions_json (f, r->in->company);
      { req_ok (r, n); return; }
    }
  s = need_session (r, r->in->session);
  if (s == NULL)
    return;
  /* a third company learns nothing, not even whether the session exists */
  if (g_strcmp0 (r->in->company, s->client_company) != 0 &&
      g_strcmp0 (r->in->company, s->server_company) != 0)
    { req_fail (r, "no session '%s'", r->in->session); return; }
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
        { req_fail (r, "%s", error->message); return; }
      n = wrap ("report", g_steal_pointer (&rep));
      req_ok (r, n);
    }
  else if (g_strcmp0 (r->in->verb, "run") == 0)
    {
      if (g_strcmp0 (r->in->company, s->client_company) != 0)
        { req_fail (r, "only the client team (%s) runs cases of session %s",
                         s->client_company, s->id); return; }
      gint case_id = r->in->case_id;
      tf_floor_run_case_async (f, s->id, case_id, on_case_ran, g_steal_pointer (&r));
    }
}

/* --- staff requests (cmd/) --------------------------------------------------------- */

static Req *
staff (TfFloor *f, TfLabRequest *lr)
{
  Req *r = g_new0 (Req, 1);
  r->f = f;
  r->lab_req = tf_lab_request_ref (lr);
  return r;
}

static void
cmd_schedule (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  const char *format = tf_lab_arg_string (args, "format");
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) res = NULL;

  tf_floor_publish_schedule (f); /* entry states follow the sessions */
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schedule");
  json_builder_add_value (b, tf_schedule_to_json_node (f->schedule));
  if (g_strcmp0 (format, "text") == 0 || g_strcmp0 (format, "csv") == 0)
    {
      g_autofree char *t = g_strcmp0 (format, "text") == 0 ? tf_schedule_to_text (f->schedule)
                                                           : tf_schedule_to_csv (f->schedule);
      json_builder_set_member_name (b, format);
      json_builder_add_string_value (b, t);
    }
  else if (g_strcmp0 (format, "ics") == 0)
    {
      json_builder_set_member_name (b, "ics");
      json_builder_begin_object (b);
      for (guint i = 0; i < f->event->teams->len; i++)
        {
          const TfTeam *team = tf_event_team (f->event, i);
          g_autofree char *ics = tf_schedule_to_ics (f->schedule, i);
          json_builder_set_member_name (b, team->id);
          json_builder_add_string_value (b, ics);
        }
      json_builder_end_object (b);
    }
  else if (format != NULL && g_strcmp0 (format, "json") != 0)
    { req_fail (r, "\"format\" must be json, text, csv or ics"); return; }
  json_builder_end_object (b);
  res = json_builder_get_root (b);
  req_ok (r, res);
}

static gboolean
parse_kind (const char *s, TfDisruptionKind *k)
{
  if (g_strcmp0 (s, "board-fault") == 0)
    *k = TF_DISRUPTION_BOARD_FAULT;
  else if (g_strcmp0 (s, "absent") == 0)
    *k = TF_DISRUPTION_ABSENT;
  else if (g_strcmp0 (s, "overrun") == 0)
    *k = TF_DISRUPTION_OVERRUN;
  else
    return FALSE;
  return TRUE;
}

static void
cmd_replan (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (TfReplanRequest) req = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  const char *kind = tf_lab_arg_string (args, "kind");
  const char *what = NULL;
  gint64 now, from, to, slots;
  TfDisruptionKind k;
  guint n = tf_event_n_slots (f->event);

  if (!parse_kind (kind, &k))
    { req_fail (r, "\"kind\" must be board-fault, absent or overrun"); return; }
  what = tf_lab_arg_string (args, k == TF_DISRUPTION_BOARD_FAULT ? "board"
                                  : k == TF_DISRUPTION_OVERRUN   ? "session"
                                                                 : "team");
  if (what == NULL && k == TF_DISRUPTION_ABSENT)
    what = tf_lab_arg_string (args, "implementation");
  if (what == NULL)
    { req_fail (r, "missing \"%s\"", k == TF_DISRUPTION_BOARD_FAULT ? "board"
                                          : k == TF_DISRUPTION_OVERRUN   ? "session"
                                                                         : "team"); return; }
  if ((k == TF_DISRUPTION_BOARD_FAULT && tf_event_find_board (f->event, what) < 0) ||
      (k == TF_DISRUPTION_ABSENT && tf_event_find_team (f->event, what) < 0 &&
       tf_event_find_impl (f->event, what) < 0) ||
      (k == TF_DISRUPTION_OVERRUN && tf_floor_session (f, what) == NULL))
    { req_fail (r, "'%s' is not in the event", what); return; }
  if (!tf_lab_arg_int (args, "now", tf_floor_now (f), &now) || now < 0 || now >= n)
    { req_fail (r, "\"now\" must be a slot from 0 to %u", n - 1); return; }
  if (!tf_lab_arg_int (args, "from", now, &from) || from < 0 || from >= n)
    { req_fail (r, "\"from\" must be a slot from 0 to %u", n - 1); return; }
  if (!tf_lab_arg_int (args, "to", -1, &to) || to < -1 || to >= n || (to >= 0 && to < from))
    { req_fail (r, "\"to\" must be a slot from \"from\" to %u, or -1", n - 1); return; }
  if (!tf_lab_arg_int (args, "slots", 1, &slots) || slots < 1 || slots > n)
    { req_fail (r, "\"slots\" must be from 1 to %u", n); return; }
  req = tf_replan_request_new (now);
  tf_replan_request_add (req, k, what, from, to, slots);
  report = tf_floor_replan (f, req, &error);
  if (report == NULL)
    { req_fail (r, "%s", error->message); return; }
  res = tf_replan_report_json (report);
  req_ok (r, res);
}

static void
cmd_sessions (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  g_autoptr (Req) r = staff (data, lr);
  g_autoptr (JsonNode) n = sessions_json (data, NULL);
  req_ok (r, n);
}

static void
cmd_session (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = need_session (r, tf_lab_arg_string (args, "session"));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) res = NULL;
  JsonNode *rep;
  if (s == NULL)
    return;
  rep = tf_floor_report (f, s, &error);
  if (rep == NULL)
    { req_fail (r, "%s", error->message); return; }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_value (b, state_of (f, s));
  json_builder_set_member_name (b, "report");
  json_builder_add_value (b, rep);
  json_builder_end_object (b);
  res = json_builder_get_root (b);
  req_ok (r, res);
}

typedef gboolean (*SessionOp) (TfFloor *f, TfSession *s, JsonObject *args, GError **error);

static void
session_op (TfFloor *f, TfLabRequest *lr, JsonObject *args, SessionOp op)
{
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = need_session (r, tf_lab_arg_string (args, "session"));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  if (s == NULL)
    return;
  if (!op (f, s, args, &error))
    { req_fail (r, "%s", error->message); return; }
  res = wrap ("session", state_of (f, s));
  req_ok (r, res);
}

static gboolean
op_start (TfFloor *f, TfSession *s, JsonObject *args, GError **error)
{
  return tf_floor_start_session (f, s->id, error);
}

static gboolean
op_end (TfFloor *f, TfSession *s, JsonObject *args, GError **error)
{
  return tf_floor_end_session (f, s->id, "ended by staff", error);
}

static gboolean
op_abort (TfFloor *f, TfSession *s, JsonObject *args, GError **error)
{
  const char *reason = tf_lab_arg_string (args, "reason");
  g_autofree char *why = g_strdup_printf ("aborted by staff: %s", reason ? reason : "no reason given");
  if (reason == NULL || strlen (reason) > 1024)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "an abort needs a \"reason\"");
      return FALSE;
    }
  return tf_floor_abort_session (f, s->id, why, FALSE, error);
}

static gboolean
op_close (TfFloor *f, TfSession *s, JsonObject *args, GError **error)
{
  if (!tf_sdb_begin (f->store, error) ||
      !tf_floor_set_phase (f, s, TF_PHASE_CLOSED, "closed by staff", error) ||
      !tf_sdb_commit (f->store, error))
    {
      tf_sdb_rollback (f->store);
      return FALSE;
    }
  tf_floor_publish_session (f, s);
  return TRUE;
}

#define SESSION_CMD(name, op)                                                                   \
  static void name (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)              \
  {                                                                                             \
    session_op (data, lr, args, op);                                                            \
  }
SESSION_CMD (cmd_start, op_start)
SESSION_CMD (cmd_end, op_end)
SESSION_CMD (cmd_abort, op_abort)
SESSION_CMD (cmd_close, op_close)

static void
cmd_report (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = need_session (r, tf_lab_arg_string (args, "session"));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  JsonNode *rep;
  if (s == NULL)
    return;
  rep = tf_floor_report (f, s, &error);
  if (rep == NULL)
    { req_fail (r, "%s", error->message); return; }
  res = wrap ("report", rep);
  req_ok (r, res);
}

static void
cmd_summary (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  gboolean consolidated = g_strcmp0 (tf_lab_request_get_verb (lr), "consolidated") == 0;
  JsonNode *n = consolidated ? tf_floor_consolidated (f, &error) : tf_floor_summary (f, &error);
  if (n == NULL)
    { req_fail (r, "%s", error->message); return; }
  res = wrap (consolidated ? "consolidated" : "summary", n);
  req_ok (r, res);
}

static void
cmd_leases (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, &error);
  g_autoptr (JsonArray) a = json_array_new ();
  g_autoptr (JsonNode) res = NULL;
  if (leases == NULL)
    { req_fail (r, "%s", error->message); return; }
  for (guint i = 0; i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "board", l->board);
      json_object_set_string_member (o, "owner", l->owner);
      json_object_set_int_member (o, "expires_in_s", (l->expires - g_get_real_time ()) / G_USEC_PER_SEC);
      json_array_add_object_element (a, o);
    }
  res = wrap ("leases", json_node_init_array (json_node_alloc (), a));
  req_ok (r, res);
}

static void
cmd_lease_release (TfLab *lab, TfLabRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  const char *board = tf_lab_arg_string (args, "board");
  if (board == NULL)
    { req_fail (r, "missing \"board\""); return; }
  if (!tf_floor_release_lease (f, board, &error))
    { req_fail (r, "%s", error->message); return; }
  req_ok (r, NULL);
}

void
tf_floor_add_verbs (TfFloor *f)
{
  tf_lab_add_command (f->lab, "schedule", cmd_schedule, f);
  tf_lab_add_command (f->lab, "replan", cmd_replan, f);
  tf_lab_add_command (f->lab, "sessions", cmd_sessions, f);
  tf_lab_add_command (f->lab, "session", cmd_session, f);
  tf_lab_add_command (f->lab, "start", cmd_start, f);
  tf_lab_add_command (f->lab, "end", cmd_end, f);
  tf_lab_add_command (f->lab, "abort", cmd_abort, f);
  tf_lab_add_command (f->lab, "close", cmd_close, f);
  tf_lab_add_command (f->lab, "report", cmd_report, f);
  tf_lab_add_command (f->lab, "summary", cmd_summary, f);
  tf_lab_add_command (f->lab, "consolidated", cmd_summary, f);
  tf_lab_add_command (f->lab, "leases", cmd_leases, f);
  tf_lab_add_command (f->lab, "lease-release", cmd_lease_release, f);
}
