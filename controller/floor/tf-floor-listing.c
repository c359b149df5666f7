/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-floor-private.h"
#include "tf-session-db.h"

/* The product listing: per company that consented (`listing-consent = yes` in
 * its [company] group), per implementation and version, the verdicts of its
 * final reports (both sides signed: verified or closed). Nothing of a company
 * that did not consent appears, not even its name as a peer. */

typedef struct
{
  guint sessions;
  guint counts[TF_VERDICT_OUT_OF_TIME + 1];
} Tally;

static const char *const verdict_keys[]
    = { "none", "pass", "fail", "inconclusive", "not-applicable", "out-of-time" };

static void
add_session (TfFloor *f, const TfSession *s, Tally *t, GError **error)
{
  g_autoptr (GPtrArray) cases = tf_sdb_cases (f->store, s->id, error);
  if (cases == NULL)
    return;
  t->sessions++;
  for (guint i = 0; i < cases->len; i++)
    {
      TfCaseRow *c = g_ptr_array_index (cases, i);
      TfVerdict v = TF_VERDICT_NONE;
      if (c->verdict != NULL)
        tf_verdict_from_string (c->verdict, &v);
      t->counts[v]++;
    }
}

JsonNode *
tf_floor_listing (TfFloor *f, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) sessions = tf_floor_sessions_sorted (f);
  TfImageRegistry *images = tf_lab_get_images (f->lab);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, f->event->name);
  json_builder_set_member_name (b, "products");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->event->impls->len; i++)
    {
      const TfImpl *impl = tf_event_impl (f->event, i);
      const TfCompany *co = g_ptr_array_index (f->event->companies, impl->company);
      TfImage *img = impl->image != NULL ? tf_image_registry_get (images, impl->image) : NULL;
      Tally t = { 0 };

      if (!co->listing_consent)
        continue;
      for (guint k = 0; k < sessions->len; k++)
        {
          const TfSession *s = g_ptr_array_index (sessions, k);
          if (s->phase != TF_PHASE_VERIFIED && s->phase != TF_PHASE_CLOSED)
            continue;
          if (g_strcmp0 (s->client, impl->id) != 0 && g_strcmp0 (s->server, impl->id) != 0)
            continue;
          add_session (f, s, &t, error);
          if (error != NULL && *error != NULL)
            return NULL;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "company");
      json_builder_add_string_value (b, co->name);
      json_builder_set_member_name (b, "implementation");
      json_builder_add_string_value (b, impl->name);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, impl->role == TF_ROLE_CLIENT ? "client" : "server");
      /* the version the company declared, else the one of the image it brought */
      json_builder_set_member_name (b, "version");
      if (impl->version != NULL)
        json_builder_add_string_value (b, impl->version);
      else if (img != NULL)
        json_builder_add_string_value (b, img->version);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "sessions");
      json_builder_add_int_value (b, t.sessions);
      for (guint v = TF_VERDICT_PASS; v <= TF_VERDICT_OUT_OF_TIME; v++)
        {
          json_builder_set_member_name (b, verdict_keys[v]);
          json_builder_add_int_value (b, t.counts[v]);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
