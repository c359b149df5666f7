/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-json.h"
#include "tf-session-json.h"

#include <string.h>

/* Requests: staff on cmd/<verb> (TfLab's command registry), companies on
 * in/<company>/<verb>. Every answer is {"schema":1,"ok":...}; a change is
 * committed to the store, then published, then acknowledged. */

/* --- staff requests (cmd/) --------------------------------------------------------- */

static Req *
staff (TfFloor *f, TfRpcRequest *lr)
{
  return tf_floor_req_new (f, lr);
}

/* A string argument, or the named type error answered (FALSE). */
static gboolean
arg_string (Req *r, JsonObject *args, const char *key, gboolean required, const char **out)
{
  g_autoptr (GError) error = NULL;
  if (tf_json_read_string (args, key, required, 4096, out, &error))
    return TRUE;
  tf_floor_req_fail (r, "%s", error->message);
  return FALSE;
}

static gboolean
arg_int (Req *r, JsonObject *args, const char *key, gint64 def, gint64 *out)
{
  g_autoptr (GError) error = NULL;
  *out = def;
  if (tf_json_read_int (args, key, FALSE, G_MININT64, G_MAXINT64, out, &error))
    return TRUE;
  tf_floor_req_fail (r, "%s", error->message);
  return FALSE;
}

/* The "session" argument named and typed, then the session it names. */
static TfSession *
session_arg (Req *r, JsonObject *args)
{
  const char *id = NULL;
  if (!arg_string (r, args, "session", TRUE, &id))
    return NULL;
  return tf_floor_need_session (r, id);
}

static void
cmd_schedule (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  const char *format = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) res = NULL;

  if (!arg_string (r, args, "format", FALSE, &format))
    return;

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
    {
      tf_floor_req_fail (r, "\"format\" must be json, text, csv or ics");
      return;
    }
  json_builder_end_object (b);
  res = json_builder_get_root (b);
  tf_floor_req_ok (r, res);
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
cmd_replan (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (TfReplanRequest) req = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  const char *kind = NULL;
  const char *what = NULL;
  gint64 now, from, to, slots;
  TfDisruptionKind k;
  guint n = tf_event_n_slots (f->event);

  if (!arg_string (r, args, "kind", FALSE, &kind))
    return;
  if (!parse_kind (kind, &k))
    {
      tf_floor_req_fail (r, "\"kind\" must be board-fault, absent or overrun");
      return;
    }
  if (!arg_string (r, args,
                   k == TF_DISRUPTION_BOARD_FAULT ? "board"
                   : k == TF_DISRUPTION_OVERRUN   ? "session"
                                                  : "team",
                   FALSE, &what))
    return;
  if (what == NULL && k == TF_DISRUPTION_ABSENT
      && !arg_string (r, args, "implementation", FALSE, &what))
    return;
  if (what == NULL)
    {
      tf_floor_req_fail (r, "missing \"%s\"",
                         k == TF_DISRUPTION_BOARD_FAULT ? "board"
                         : k == TF_DISRUPTION_OVERRUN   ? "session"
                                                        : "team");
      return;
    }
  if ((k == TF_DISRUPTION_BOARD_FAULT && tf_event_find_board (f->event, what) < 0)
      || (k == TF_DISRUPTION_ABSENT && tf_event_find_team (f->event, what) < 0
          && tf_event_find_impl (f->event, what) < 0)
      || (k == TF_DISRUPTION_OVERRUN && tf_floor_session (f, what) == NULL))
    {
      tf_floor_req_fail (r, "'%s' is not in the event", what);
      return;
    }
  if (!arg_int (r, args, "now", tf_floor_now (f), &now))
    return;
  if (now < 0 || now >= n)
    {
      tf_floor_req_fail (r, "\"now\" must be a slot from 0 to %u", n - 1);
      return;
    }
  if (!arg_int (r, args, "from", now, &from))
    return;
  if (from < 0 || from >= n)
    {
      tf_floor_req_fail (r, "\"from\" must be a slot from 0 to %u", n - 1);
      return;
    }
  if (!arg_int (r, args, "to", -1, &to))
    return;
  if (to < -1 || to >= n || (to >= 0 && to < from))
    {
      tf_floor_req_fail (r, "\"to\" must be a slot from \"from\" to %u, or -1", n - 1);
      return;
    }
  if (!arg_int (r, args, "slots", 1, &slots))
    return;
  if (slots < 1 || slots > n)
    {
      tf_floor_req_fail (r, "\"slots\" must be from 1 to %u", n);
      return;
    }
  req = tf_replan_request_new (now);
  tf_replan_request_add (req, k, what, from, to, slots);
  report = tf_floor_replan (f, req, &error);
  if (report == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  res = tf_replan_report_json (report);
  tf_floor_req_ok (r, res);
}

static void
cmd_sessions (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  g_autoptr (Req) r = staff (data, lr);
  g_autoptr (JsonNode) n = tf_floor_sessions_json (data, NULL);
  tf_floor_req_ok (r, n);
}

static void
cmd_session (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = session_arg (r, args);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) res = NULL;
  JsonNode *rep;
  if (s == NULL)
    return;
  rep = tf_floor_report (f, s, &error);
  if (rep == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_value (b, tf_floor_state_of (f, s));
  json_builder_set_member_name (b, "report");
  json_builder_add_value (b, rep);
  json_builder_end_object (b);
  res = json_builder_get_root (b);
  tf_floor_req_ok (r, res);
}

typedef gboolean (*SessionOp) (TfFloor *f, TfSession *s, JsonObject *args, GError **error);

static void
session_op (TfFloor *f, TfRpcRequest *lr, JsonObject *args, SessionOp op)
{
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = session_arg (r, args);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  if (s == NULL)
    return;
  if (!op (f, s, args, &error))
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  res = tf_floor_wrap ("session", tf_floor_state_of (f, s));
  tf_floor_req_ok (r, res);
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
  const char *reason = NULL;
  g_autofree char *why = NULL;
  if (!tf_json_read_string (args, "reason", FALSE, 1024, &reason, error))
    return FALSE;
  if (reason == NULL || *reason == '\0')
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "an abort needs a \"reason\"");
      return FALSE;
    }
  why = g_strdup_printf ("aborted by staff: %s", reason);
  return tf_floor_abort_session (f, s->id, why, FALSE, error);
}

static gboolean
op_close (TfFloor *f, TfSession *s, JsonObject *args, GError **error)
{
  if (!tf_store_begin (f->store, error)
      || !tf_floor_set_phase (f, s, TF_PHASE_CLOSED, "closed by staff", error)
      || !tf_store_commit (f->store, error))
    {
      tf_store_rollback (f->store);
      return FALSE;
    }
  tf_floor_publish_session (f, s);
  return TRUE;
}

#define SESSION_CMD(name, op)                                                                      \
  static void name (TfRpcRequest *lr, JsonObject *args, gpointer data)                             \
  {                                                                                                \
    session_op (data, lr, args, op);                                                               \
  }
SESSION_CMD (cmd_start, op_start)
SESSION_CMD (cmd_end, op_end)
SESSION_CMD (cmd_abort, op_abort)
SESSION_CMD (cmd_close, op_close)

static void
cmd_report (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  TfSession *s = session_arg (r, args);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  JsonNode *rep;
  if (s == NULL)
    return;
  rep = tf_floor_report (f, s, &error);
  if (rep == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  res = tf_floor_wrap ("report", rep);
  tf_floor_req_ok (r, res);
}

static void
cmd_summary (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) res = NULL;
  const char *verb = tf_rpc_request_get_verb (lr);
  gboolean consolidated = g_strcmp0 (verb, "consolidated") == 0;
  gboolean listing = g_strcmp0 (verb, "listing") == 0;
  JsonNode *n = listing        ? tf_floor_listing (f, &error)
                : consolidated ? tf_floor_consolidated (f, &error)
                               : tf_floor_summary (f, &error);
  if (n == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  res = tf_floor_wrap (listing ? "listing" : consolidated ? "consolidated" : "summary", n);
  tf_floor_req_ok (r, res);
}

static void
cmd_leases (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, &error);
  g_autoptr (JsonArray) a = json_array_new ();
  g_autoptr (JsonNode) res = NULL;
  if (leases == NULL)
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  for (guint i = 0; i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "board", l->board);
      json_object_set_string_member (o, "owner", l->owner);
      json_object_set_int_member (o, "expires_in_s",
                                  (l->expires - g_get_real_time ()) / G_USEC_PER_SEC);
      json_array_add_object_element (a, o);
    }
  res = tf_floor_wrap ("leases", json_node_init_array (json_node_alloc (), a));
  tf_floor_req_ok (r, res);
}

static void
cmd_lease_release (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (Req) r = staff (f, lr);
  g_autoptr (GError) error = NULL;
  const char *board = NULL;
  if (!arg_string (r, args, "board", TRUE, &board))
    return;
  if (!tf_floor_release_lease (f, board, &error))
    {
      tf_floor_req_fail (r, "%s", error->message);
      return;
    }
  tf_floor_req_ok (r, NULL);
}

void
tf_floor_add_verbs (TfFloor *f)
{
  TfRpc *rpc = tf_lab_get_rpc (f->lab);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "schedule", cmd_schedule, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "replan", cmd_replan, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "sessions", cmd_sessions, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "session", cmd_session, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "start", cmd_start, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "end", cmd_end, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "abort", cmd_abort, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "close", cmd_close, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "report", cmd_report, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "summary", cmd_summary, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "listing", cmd_summary, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "consolidated", cmd_summary, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "leases", cmd_leases, f);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "lease-release", cmd_lease_release, f);
}
