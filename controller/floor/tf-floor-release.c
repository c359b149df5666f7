/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-json.h"
#include "tf-rpc.h"
#include "tf-floor-private.h"
#include "tf-session-json.h"

#include <string.h>

/* The anonymised results become public only when staff release them.
 *
 * A summary republished after every verified session can be inverted: the
 * difference between two consecutive ones is that session's verdicts, and
 * the public session state says which session it was. So the public
 * `summary` topic carries the last *release* only, and a release is refused
 * unless every party that could difference it against the previous one
 * learns the sum of at least @min sessions it did not take part in:
 *
 *   for the anonymous watcher, and for each company C of the event, the
 *   sessions the release adds that do not involve C number 0 or >= min.
 *
 * (A company knows its own sessions' verdicts and can subtract them; a
 * company that learns nothing new is not at risk.) Two companies pooling
 * what they know are not covered: the README says so. @min is 3 unless
 * staff ask otherwise (2 at least, for a small event). Which sessions are final is public progress (the
 * session phase) and the release does not list them. */

#define RELEASE_MIN_SESSIONS 3
/* staff may ask for more, or for 2 in a small event; never for 1 */
#define RELEASE_MIN_FLOOR 2

static gboolean
involves (const TfSession *s, const char *company)
{
  return g_strcmp0 (s->client_company, company) == 0
         || g_strcmp0 (s->server_company, company) == 0;
}

gboolean
tf_floor_release_check (const TfEvent *event, GPtrArray *added, guint min, GError **error)
{
  if (added->len == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "no session was verified since the last release");
      return FALSE;
    }
  if (added->len < min)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "%u new sessions, and a release must add at least %u: it would let anyone "
                   "tell those sessions' verdicts from the last release",
                   added->len, min);
      return FALSE;
    }
  for (guint c = 0; c < event->companies->len; c++)
    {
      const TfCompany *co = g_ptr_array_index (event->companies, c);
      guint others = 0;
      for (guint i = 0; i < added->len; i++)
        others += involves (g_ptr_array_index (added, i), co->id) ? 0 : 1;
      if (others > 0 && others < min)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "of the %u new sessions, %u do not involve company %s: it could tell "
                       "their verdicts from its own (a release needs 0 or at least %u such "
                       "sessions for every company)",
                       added->len, others, co->id, min);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
is_final (const TfSession *s)
{
  return s->phase == TF_PHASE_VERIFIED || s->phase == TF_PHASE_CLOSED;
}

/* The public form: counts only; "release" 0 while nothing was released. */
static JsonNode *
unreleased_json (TfFloor *f)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, f->event->name);
  json_builder_set_member_name (b, "release");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "cases");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
tf_floor_released_summary (TfFloor *f, GError **error)
{
  g_autofree char *summary = NULL;
  gint64 n = 0;
  if (!tf_sdb_release_last (f->store, &n, NULL, &summary, error))
    return NULL;
  if (n == 0)
    return unreleased_json (f);
  return json_from_string (summary, error);
}

/* Staff: release the results of every session final by now. */
static void
cmd_release (TfRpcRequest *lr, JsonObject *args, gpointer data)
{
  TfFloor *f = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *prev_ids = NULL;
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  g_autoptr (GHashTable) before = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (JsonNode) summary = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) res = NULL;
  g_autofree char *ids_json = NULL, *summary_json = NULL;
  gint64 n = 0, min = RELEASE_MIN_SESSIONS;
  guint clients = 0, servers = 0;

  if (!tf_json_read_int (args, "min", FALSE, RELEASE_MIN_FLOOR, 1000, &min, &error))
    {
      tf_rpc_request_fail (lr, "%s", error->message);
      return;
    }
  if (!tf_sdb_release_last (f->store, &n, &prev_ids, NULL, &error))
    {
      tf_rpc_request_fail (lr, "%s", error->message);
      return;
    }
  if (prev_ids != NULL && json_parser_load_from_data (p, prev_ids, -1, NULL)
      && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p)))
    {
      JsonArray *a = json_node_get_array (json_parser_get_root (p));
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_hash_table_add (before, (gpointer)json_array_get_string_element (a, i));
    }
  for (guint i = 0; i < all->len; i++)
    {
      TfSession *s = g_ptr_array_index (all, i);
      if (!is_final (s))
        continue;
      g_ptr_array_add (ids, s->id);
      if (!g_hash_table_contains (before, s->id))
        g_ptr_array_add (added, s);
    }
  if (!tf_floor_release_check (f->event, added, (guint)min, &error))
    {
      g_message ("summary release %" G_GINT64_FORMAT " refused: %s", n + 1, error->message);
      tf_rpc_request_fail (lr, "not released: %s", error->message);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (ids, i));
  json_builder_end_array (b);
  ids_json = json_to_string (json_builder_get_root (b), FALSE);
  results = tf_sdb_results_for (f->store, ids_json, &error);
  if (results == NULL)
    {
      tf_rpc_request_fail (lr, "%s", error->message);
      return;
    }
  tf_floor_count_impls (f, &clients, &servers);
  summary = tf_summary_json (f->event->name, clients, servers, results);
  {
    JsonObject *o = json_node_get_object (summary);
    json_object_set_int_member (o, "release", n + 1);
    json_object_set_int_member (o, "sessions", ids->len);
    json_object_set_int_member (o, "released_at", g_get_real_time () / G_USEC_PER_SEC);
  }
  summary_json = json_to_string (summary, FALSE);
  /* stored before published, as every state change */
  if (!tf_sdb_release_put (f->store, n + 1, g_get_real_time (), ids_json, summary_json, &error))
    {
      tf_rpc_request_fail (lr, "%s", error->message);
      return;
    }
  g_message ("summary release %" G_GINT64_FORMAT ": %u sessions (%u new)", n + 1, ids->len,
             added->len);
  tf_floor_publish_summary (f);
  res = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_int_member (json_node_get_object (res), "release", n + 1);
  json_object_set_int_member (json_node_get_object (res), "sessions", ids->len);
  json_object_set_int_member (json_node_get_object (res), "new", added->len);
  tf_rpc_request_reply (lr, res);
}

void
tf_floor_release_add_verb (TfFloor *f)
{
  tf_rpc_add_verb (tf_lab_get_rpc (f->lab), TF_RPC_STAFF, "release-summary", cmd_release, f);
}
