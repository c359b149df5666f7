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

void
tf_floor_req_free (Req *r)
{
  if (r->lab_req != NULL)
    tf_lab_request_unref (r->lab_req);
  if (r->msg != NULL)
    tf_bus_message_free (r->msg);
  tf_in_request_free (r->in);
  g_free (r);
}

static void
tf_floor_in_answer (Req *r, gboolean ok, JsonNode *result, const char *error_msg)
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

void
tf_floor_req_ok (Req *r, JsonNode *result)
{
  if (r->lab_req != NULL)
    tf_lab_request_reply (r->lab_req, result);
  else
    tf_floor_in_answer (r, TRUE, result, NULL);
}

void
tf_floor_req_fail (Req *r, const char *fmt, ...)
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
      g_info ("in/%s/%s: refused: %s", r->in ? r->in->company : "?", r->in ? r->in->verb : "?",
              msg);
      tf_floor_in_answer (r, FALSE, NULL, msg);
    }
}

JsonNode *
tf_floor_wrap (const char *member, JsonNode *value)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, member);
  json_builder_add_value (b, value);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static guint
tf_floor_count_done (TfFloor *f, TfSession *s, guint *total)
{
  g_autoptr (GPtrArray) cases = tf_sdb_cases (f->store, s->id, NULL);
  return tf_floor_progress (cases, total);
}

JsonNode *
tf_floor_state_of (TfFloor *f, TfSession *s)
{
  guint total, done = tf_floor_count_done (f, s, &total);
  return tf_session_state_json (s, done, total);
}

TfSession *
tf_floor_need_session (Req *r, const char *id)
{
  TfSession *s;
  if (id == NULL)
    {
      tf_floor_req_fail (r, "missing \"session\"");
      return NULL;
    }
  s = tf_floor_session (r->f, id);
  if (s == NULL)
    tf_floor_req_fail (r, "no session '%s'", id);
  return s;
}

JsonNode *
tf_floor_sessions_json (TfFloor *f, const char *company)
{
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  g_autoptr (JsonArray) a = json_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      TfSession *s = g_ptr_array_index (all, i);
      if (company == NULL || g_strcmp0 (company, s->client_company) == 0
          || g_strcmp0 (company, s->server_company) == 0)
        json_array_add_element (a, tf_floor_state_of (f, s));
    }
  return tf_floor_wrap ("sessions", json_node_init_array (json_node_alloc (), a));
}
