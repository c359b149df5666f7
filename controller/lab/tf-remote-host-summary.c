/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The farm as staff see it on the dashboard's Hosts view: one retained
 * message, tf/<lab>/hosts, with every host's health (online or lost, since
 * when, why), its bridge's link, its daemon and the ids of its boards. Only
 * staff may read it (tf-broker-config's ACL): it names every host and board
 * of the lab, nothing of a company's results, but participants have no use
 * for it. The boards' states stay on the public board/<id>/state topics the
 * page already reads; this topic changes only when a host does. */
#define G_LOG_DOMAIN "tf-farm"

#include "tf-remote-host.h"
#include "tf-remote-host-private.h"
#include "tf-time.h"

#include <string.h>

static void
add_time (JsonBuilder *b, const char *member, gint64 us)
{
  g_autoptr (GDateTime) dt = tf_time_from_usec (us);
  g_autofree char *iso = g_date_time_format_iso8601 (dt);
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, iso);
}

static void
add_string (JsonBuilder *b, const char *member, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_host (JsonBuilder *b, TfRemoteHost *h)
{
  static const char *const links[] = { "none", "down", "up" };
  gboolean up = tf_remote_host_up (h);
  g_autoptr (GList) ids = g_list_sort (g_hash_table_get_keys (h->boards), (GCompareFunc)g_strcmp0);
  g_autoptr (GList) refused
      = g_list_sort (g_hash_table_get_keys (h->refused), (GCompareFunc)g_strcmp0);

  json_builder_set_member_name (b, h->name);
  json_builder_begin_object (b);
  add_string (b, "state", up ? "online" : "lost");
  add_time (b, "since", h->since);
  if (!up)
    add_string (b, "reason",
                h->link == 0        ? "its link to the central broker is down"
                : h->online         ? NULL
                : h->reason != NULL ? h->reason
                                    : "its status is offline");
  add_string (b, "link", links[CLAMP (h->link, -1, 1) + 1]);
  if (h->link >= 0)
    add_time (b, "link-since", h->link_since);
  add_string (b, "started", h->started);
  add_string (b, "version", h->version);
  json_builder_set_member_name (b, "boards");
  json_builder_add_int_value (b, g_hash_table_size (h->boards));
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (GList *l = ids; l != NULL; l = l->next)
    json_builder_add_string_value (b, l->data);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "refused");
  json_builder_begin_object (b);
  for (GList *l = refused; l != NULL; l = l->next)
    {
      json_builder_set_member_name (b, l->data);
      json_builder_add_string_value (b, g_hash_table_lookup (h->refused, l->data));
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

JsonNode *
tf_remote_hosts_summary_json (TfRemoteHosts *self, gint64 now_us)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GList) names
      = g_list_sort (g_hash_table_get_keys (self->hosts), (GCompareFunc)g_strcmp0);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  add_time (b, "at", now_us);
  add_string (b, "coordinator", self->self_host);
  json_builder_set_member_name (b, "hosts");
  json_builder_begin_object (b);
  for (GList *l = names; l != NULL; l = l->next)
    add_host (b, g_hash_table_lookup (self->hosts, l->data));
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
tf_remote_hosts_summary_publish (TfRemoteHosts *self)
{
  g_autofree char *topic = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_handle_id (&self->summary_id, g_source_remove);
  if (self->bus == NULL)
    return;
  topic = g_strdup_printf ("%shosts", self->prefix);
  root = tf_remote_hosts_summary_json (self, g_get_real_time ());
  json = json_to_string (root, FALSE);
  /* not connected: the "connected" signal publishes it again */
  if (!tf_bus_publish (self->bus, topic, json, strlen (json), TRUE, &error))
    g_debug ("%s: not published: %s", topic, error->message);
}

static gboolean
summary_idle (gpointer data)
{
  TfRemoteHosts *self = data;
  self->summary_id = 0;
  tf_remote_hosts_summary_publish (self);
  return G_SOURCE_REMOVE;
}

/* A host joining with a hundred boards is a hundred changes: one message. */
void
tf_remote_hosts_summary_changed (TfRemoteHosts *self)
{
  if (self->summary_id == 0 && self->bus != NULL)
    self->summary_id = g_idle_add (summary_idle, self);
}
