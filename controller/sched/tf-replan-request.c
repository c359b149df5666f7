/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-error.h"
#include "tf-json.h"
#include "tf-replan.h"

#include <string.h>

/* What happened on the floor, as the daemon reports it or as staff write it
 * in a state file for `tf-schedule --replan`:
 *
 *   { "schema": "testfest-replan/1", "now": 4,
 *     "disruptions": [
 *       { "kind": "board-fault", "board": "nrf-01", "from": 4, "to": 6 },
 *       { "kind": "absent", "team": "acme-dev", "from": 5 },
 *       { "kind": "overrun", "session": "acme-client--beta-server", "slots": 1 } ],
 *     "schedule": { ...the current schedule, states included... } }
 *
 * "from" defaults to "now", a missing "to" means to the end of the event;
 * "absent" also takes "implementation" instead of "team". */

TfReplanRequest *
tf_replan_request_new (guint now)
{
  TfReplanRequest *request = g_new0 (TfReplanRequest, 1);
  request->now = now;
  request->disruptions = g_array_new (FALSE, TRUE, sizeof (TfDisruption));
  return request;
}

void
tf_replan_request_add (TfReplanRequest *request, TfDisruptionKind kind, const gchar *what,
                       guint from, gint to, guint slots)
{
  TfDisruption d = { kind, g_strdup (what), from, to, slots };
  g_array_append_val (request->disruptions, d);
}

void
tf_replan_request_free (TfReplanRequest *request)
{
  for (guint k = 0; k < request->disruptions->len; k++)
    g_free (g_array_index (request->disruptions, TfDisruption, k).what);
  g_array_unref (request->disruptions);
  g_free (request);
}

static gboolean
read_disruption (TfReplanRequest *request, JsonNode *node, guint n, GError **error)
{
  JsonObject *obj;
  const gchar *kind;
  const gchar *what = NULL;
  TfDisruptionKind k;
  gint64 from, to, slots;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "disruption %u: not an object", n);
      return FALSE;
    }
  obj = json_node_get_object (node);
  kind = tf_json_get_string (obj, "kind");
  if (kind == NULL)
    kind = "";
  if (g_strcmp0 (kind, "board-fault") == 0)
    {
      k = TF_DISRUPTION_BOARD_FAULT;
      what = tf_json_get_string (obj, "board");
    }
  else if (g_strcmp0 (kind, "absent") == 0)
    {
      k = TF_DISRUPTION_ABSENT;
      what = tf_json_get_string (obj, "team");
      if (what == NULL)
        what = tf_json_get_string (obj, "implementation");
    }
  else if (g_strcmp0 (kind, "overrun") == 0)
    {
      k = TF_DISRUPTION_OVERRUN;
      what = tf_json_get_string (obj, "session");
    }
  else
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "disruption %u: kind '%s' is not board-fault, absent or overrun", n, kind);
      return FALSE;
    }
  if (what == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "disruption %u: says not which board, team or session", n);
      return FALSE;
    }
  from = tf_json_get_int (obj, "from", request->now);
  to = tf_json_get_int (obj, "to", -1);
  slots = tf_json_get_int (obj, "slots", 1);
  if (from < 0 || to < -1 || (to >= 0 && to < from) || slots < 1 || slots > 1000)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "disruption %u: bad from, to or slots", n);
      return FALSE;
    }
  tf_replan_request_add (request, k, what, from, to, slots);
  return TRUE;
}

/**
 * tf_replan_request_from_json:
 * @schedule: (out): the current schedule found in the state
 */
TfReplanRequest *
tf_replan_request_from_json (TfEvent *event, const gchar *data, gssize len, TfSchedule **schedule,
                             GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error_local = NULL;
  g_autoptr (TfReplanRequest) request = NULL;
  JsonObject *obj;
  JsonNode *list;
  gint64 now;

  /* a file from staff, but bounded as everything read: json-glib recurses per level */
  if (!tf_json_check (data, len < 0 ? strlen (data) : (gsize)len, 64 * 1024 * 1024,
                      TF_JSON_MAX_DEPTH, error)
      || !json_parser_load_from_data (parser, data, len, &error_local))
    {
      if (error_local != NULL)
        g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "re-plan state: %s",
                     error_local->message);
      else
        g_prefix_error (error, "re-plan state: ");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                           "re-plan state: not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (tf_json_get_string (obj, "schema"), TF_REPLAN_SCHEMA) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "re-plan state: schema is not '%s'",
                   TF_REPLAN_SCHEMA);
      return NULL;
    }
  now = tf_json_get_int (obj, "now", -1);
  if (now < 0 || now > (gint64)event->slots->len)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "re-plan state: 'now' is missing or not a slot of the event");
      return NULL;
    }
  request = tf_replan_request_new (now);
  list = json_object_get_member (obj, "disruptions");
  if (list != NULL && !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                           "re-plan state: 'disruptions' is not an array");
      return NULL;
    }
  for (guint n = 0; list != NULL && n < json_array_get_length (json_node_get_array (list)); n++)
    {
      if (!read_disruption (request, json_array_get_element (json_node_get_array (list), n), n,
                            error))
        return NULL;
    }
  *schedule = tf_schedule_from_json_node (event, json_object_get_member (obj, "schedule"), error);
  if (*schedule == NULL)
    {
      g_prefix_error (error, "re-plan state: ");
      return NULL;
    }
  return g_steal_pointer (&request);
}
