/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-session-json.h"

#include <string.h>

/* Requests: staff on cmd/<verb>, companies on in/<company>/<verb>, both
 * through core's TfRpc (tf-rpc.h), which sends every answer. A change is
 * committed to the store, then published, then acknowledged. */

Req *
tf_floor_req_new (TfFloor *f, TfRpcRequest *req)
{
  Req *r = g_new0 (Req, 1);
  r->f = f;
  r->req = tf_rpc_request_ref (req);
  return r;
}

void
tf_floor_req_free (Req *r)
{
  tf_rpc_request_unref (r->req);
  tf_in_request_free (r->in);
  g_free (r);
}

void
tf_floor_req_ok (Req *r, JsonNode *result)
{
  tf_rpc_request_reply (r->req, result);
}

void
tf_floor_req_fail (Req *r, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  tf_rpc_request_fail (r->req, "%s", msg);
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
