/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-farm"

#include "tf-remote-host.h"
#include "tf-remote-host-private.h"
#include "tf-error.h"
#include "tf-json.h"

#include <string.h>

#define MAX_NAME 64

G_DEFINE_TYPE (TfRemoteHosts, tf_remote_hosts, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_BOARD_CHANGED,
  SIGNAL_BOARD_CONSOLE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
host_free (TfRemoteHost *h)
{
  g_clear_handle_id (&h->retry_id, g_source_remove);
  g_hash_table_unref (h->fresh);
  g_hash_table_unref (h->boards);
  g_hash_table_unref (h->refused);
  g_free (h->started);
  g_free (h->version);
  g_free (h->reason);
  g_free (h->name);
  g_free (h);
}

static TfRemoteHost *
host_get (TfRemoteHosts *self, const char *name)
{
  TfRemoteHost *h = g_hash_table_lookup (self->hosts, name);
  if (h != NULL)
    return h;
  h = g_new0 (TfRemoteHost, 1);
  h->owner = self;
  h->name = g_strdup (name);
  h->fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  h->boards
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_node_unref);
  h->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  h->since = g_get_real_time ();
  h->link = -1;
  g_hash_table_insert (self->hosts, h->name, h);
  return h;
}

gboolean
tf_remote_host_up (TfRemoteHost *h)
{
  return h->online && !h->link_down;
}

/* The board as the lab sees it: a lost host's boards are unknown, never
 * faulted; after its return, until the host has confirmed their state. */
static JsonNode *
effective (TfRemoteHost *h, const char *id, JsonNode *board)
{
  JsonNode *n = json_node_copy (board);
  JsonObject *o = json_node_get_object (n);
  g_autofree char *cause = NULL;
  if (tf_remote_host_up (h) && g_hash_table_contains (h->fresh, id))
    return n;
  cause = tf_remote_host_up (h)
              ? g_strdup_printf ("host %s back, its state not confirmed yet", h->name)
              : g_strdup_printf ("host %s lost", h->name);
  json_object_set_string_member (o, "state", "unknown");
  json_object_set_string_member (o, "health", "unknown");
  json_object_set_string_member (o, "power", "unknown");
  json_object_set_string_member (o, "cause", cause);
  json_object_set_null_member (o, "error");
  return n;
}

/* On the floor's topic, so dashboards and staff see the farm's boards unchanged. */
static void
publish_board (TfRemoteHosts *self, TfRemoteHost *h, const char *id)
{
  g_autofree char *topic = g_strdup_printf ("%sboard/%s/state", self->prefix, id);
  g_autoptr (GError) error = NULL;
  JsonNode *board = h != NULL ? g_hash_table_lookup (h->boards, id) : NULL;
  g_autoptr (JsonNode) eff = board != NULL ? effective (h, id, board) : NULL;
  g_autofree char *json = eff != NULL ? json_to_string (eff, FALSE) : g_strdup ("");
  if (!tf_bus_publish (self->bus, topic, json, strlen (json), TRUE, &error))
    g_debug ("board %s: not published: %s", id, error->message);
  g_signal_emit (self, signals[SIGNAL_BOARD_CHANGED], 0, id);
}

static void
publish_host_boards (TfRemoteHosts *self, TfRemoteHost *h)
{
  GHashTableIter it;
  const char *id;
  g_hash_table_iter_init (&it, h->boards);
  while (g_hash_table_iter_next (&it, (gpointer *)&id, NULL))
    publish_board (self, h, id);
}

/* Something staff see changed: the lab status (the "changed" signal) and the
 * staff summary. */
static void
changed (TfRemoteHosts *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  tf_remote_hosts_summary_changed (self);
}

/* --- the claims: which host a board id belongs to --------------------------------- */

static const char *const farm_steps[] = {
  /* 0 -> 1 */
  "CREATE TABLE farm_board (board TEXT PRIMARY KEY, host TEXT NOT NULL, at INTEGER NOT NULL);",
};

static gboolean
claims_load (TfRemoteHosts *self, GError **error)
{
  g_autoptr (TfStoreStmt) st = NULL;
  if (!tf_store_migrate (self->store, "farm", farm_steps, G_N_ELEMENTS (farm_steps), error))
    return FALSE;
  st = tf_store_query (self->store, error, "SELECT board, host FROM farm_board", "");
  if (st == NULL)
    return FALSE;
  while (tf_store_stmt_next (st, error))
    g_hash_table_replace (self->claims, tf_store_stmt_dup (st, 0), tf_store_stmt_dup (st, 1));
  return error == NULL || *error == NULL;
}

static void
claim_set (TfRemoteHosts *self, const char *board, const char *host)
{
  g_autoptr (GError) error = NULL;
  if (host != NULL)
    {
      g_hash_table_replace (self->claims, g_strdup (board), g_strdup (host));
      if (!tf_store_run (self->store, &error,
                         "INSERT OR REPLACE INTO farm_board (board, host, at) VALUES (?, ?, ?)",
                         "ssi", board, host, g_get_real_time ()))
        g_warning ("board %s: its host not stored: %s", board, error->message);
      return;
    }
  g_hash_table_remove (self->claims, board);
  if (!tf_store_run (self->store, &error, "DELETE FROM farm_board WHERE board = ?", "s", board))
    g_warning ("board %s: its host not forgotten: %s", board, error->message);
}

/* --- what the hosts publish --------------------------------------------------------- */

static void
host_set_up (TfRemoteHosts *self, TfRemoteHost *h, gboolean online, gboolean link_down)
{
  gboolean was = tf_remote_host_up (h);
  h->online = online;
  h->link_down = link_down;
  tf_remote_hosts_summary_changed (self);
  if (was == tf_remote_host_up (h))
    return;
  h->since = g_get_real_time ();
  g_hash_table_remove_all (h->fresh);
  g_clear_handle_id (&h->retry_id, g_source_remove);
  if (was)
    {
      g_warning ("host %s lost (%s): its %u boards are unknown", h->name,
                 link_down ? "its link is down" : "its status is offline",
                 g_hash_table_size (h->boards));
      tf_remote_hosts_fail_pending (self, h->name);
    }
  else
    {
      g_message ("host %s is up: %u boards known, asking for their state", h->name,
                 g_hash_table_size (h->boards));
      tf_remote_host_reconcile (h);
    }
  publish_host_boards (self, h);
  changed (self);
}

/* A member of a host's status, for staff: a short string or nothing. */
static void
status_keep (char **field, JsonObject *o, const char *key)
{
  const char *v = NULL;
  g_clear_pointer (field, g_free);
  if (o != NULL && tf_json_read_string (o, key, FALSE, 200, &v, NULL))
    *field = g_strdup (v);
}

/* The bridge's notification: retained "1" while its link is up, "0" (its
 * will) when it drops; nothing: never heard (a host without a bridge). */
static void
on_link (TfRemoteHosts *self, TfRemoteHost *h, const char *data, gsize len)
{
  int link = len == 1 && (data[0] == '0' || data[0] == '1') ? data[0] - '0' : -1;
  if (link != h->link)
    {
      h->link = link;
      h->link_since = g_get_real_time ();
    }
  host_set_up (self, h, h->online, link == 0);
}

static void
on_status (TfRemoteHosts *self, TfRemoteHost *h, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = NULL;
  const char *state = NULL;

  if (len > 0)
    {
      o = tf_json_parse_object (data, len, TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, &error);
      if (o == NULL || !tf_json_read_string (o, "state", TRUE, 64, &state, &error))
        {
          g_warning ("host %s: status ignored: %s", h->name, error->message);
          return;
        }
    }
  status_keep (&h->started, o, "started");
  status_keep (&h->version, o, "version");
  status_keep (&h->reason, o, "reason");
  host_set_up (self, h, g_strcmp0 (state, "online") == 0, h->link_down);
}

static void
on_board (TfRemoteHosts *self, TfRemoteHost *h, const char *id, const void *data, gsize len)
{
  const char *owner = g_hash_table_lookup (self->claims, id);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = NULL;
  const char *said = NULL;

  if (len == 0)
    {
      /* the host removed it (reload): the id is free again */
      g_hash_table_remove (h->refused, id);
      if (g_strcmp0 (owner, h->name) == 0)
        {
          g_hash_table_remove (h->boards, id);
          claim_set (self, id, NULL);
          publish_board (self, NULL, id);
          changed (self);
        }
      return;
    }
  o = tf_json_parse_object (data, len, TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, &error);
  if (o != NULL && tf_json_read_string (o, "id", TRUE, 200, &said, &error)
      && g_strcmp0 (said, id) != 0)
    g_set_error (&error, TF_ERROR, TF_ERROR_PROTOCOL, "its id is '%.64s'", said);
  if (error != NULL)
    {
      g_warning ("host %s: board %s: state ignored: %s", h->name, id, error->message);
      return;
    }
  tf_remote_hosts_apply_board (self, h, id, o);
}

/* A board's state from its host (a retained message, or its answer to "boards"). */
void
tf_remote_hosts_apply_board (TfRemoteHosts *self, TfRemoteHost *h, const char *id, JsonObject *o)
{
  const char *owner = g_hash_table_lookup (self->claims, id);

  if (owner != NULL && g_strcmp0 (owner, h->name) != 0)
    {
      /* board ids are unique lab-wide: the first host keeps it */
      if (!g_hash_table_contains (h->refused, id))
        {
          g_warning ("host %s announces board %s, which is host %s's: refused (board ids are "
                     "unique in a lab; rename one)",
                     h->name, id, owner);
          g_hash_table_insert (h->refused, g_strdup (id), g_strdup (owner));
          tf_remote_hosts_tell_refused (self, h, id, owner);
          changed (self);
        }
      return;
    }
  /* bounded: a host taken over cannot grow the coordinator without end */
  if (!g_hash_table_contains (h->boards, id)
      && g_hash_table_size (h->boards) >= TF_REMOTE_HOST_MAX_BOARDS)
    {
      if (!h->too_many)
        g_warning ("host %s: more than %u boards; board %s and any further ones ignored", h->name,
                   TF_REMOTE_HOST_MAX_BOARDS, id);
      h->too_many = TRUE;
      return;
    }
  if (owner == NULL)
    {
      g_message ("host %s: board %s joins the lab", h->name, id);
      claim_set (self, id, h->name);
    }
  /* a board claimed in an earlier run joins its host's list without a
   * "changed": the staff summary lists it all the same */
  if (owner != NULL && !g_hash_table_contains (h->boards, id))
    tf_remote_hosts_summary_changed (self);
  /* the topic is the identity (the broker lets only that host write it) */
  json_object_set_string_member (o, "host", h->name);
  g_hash_table_replace (h->boards, g_strdup (id), json_node_init_object (json_node_alloc (), o));
  if (tf_remote_host_up (h))
    g_hash_table_add (h->fresh, g_strdup (id));
  publish_board (self, h, id);
  if (owner == NULL)
    changed (self);
}

void
tf_remote_hosts_handle (TfRemoteHosts *self, const TfBusMessage *msg)
{
  g_autofree char *hosts = g_strconcat (self->prefix, "host/", NULL);
  g_auto (GStrv) part = NULL;
  gsize len = 0;
  const void *data = g_bytes_get_data (msg->payload, &len);
  guint n;
  TfRemoteHost *h;

  if (!g_str_has_prefix (msg->topic, hosts))
    return;
  part = g_strsplit (msg->topic + strlen (hosts), "/", 5);
  n = g_strv_length (part);
  if (n < 2 || !tf_json_valid_id (part[0], MAX_NAME) || g_strcmp0 (part[0], self->self_host) == 0)
    return;
  if (n == 3 && g_strcmp0 (part[1], "reply") == 0 && g_strcmp0 (part[2], self->client_id) == 0)
    {
      tf_remote_hosts_on_reply (self, msg);
      return;
    }
  h = host_get (self, part[0]);
  if (n == 2 && g_strcmp0 (part[1], "status") == 0)
    on_status (self, h, data, len);
  else if (n == 2 && g_strcmp0 (part[1], "link") == 0)
    on_link (self, h, data, len);
  else if (n == 4 && g_strcmp0 (part[1], "board") == 0 && g_strcmp0 (part[3], "state") == 0
           && tf_json_valid_id (part[2], 200))
    on_board (self, h, part[2], data, len);
  else if (n == 4 && g_strcmp0 (part[1], "board") == 0 && g_strcmp0 (part[3], "console") == 0
           && g_strcmp0 (g_hash_table_lookup (self->claims, part[2]), h->name) == 0
           && len <= TF_REMOTE_HOST_MAX_LINE)
    {
      /* a line of its board's console: only the owner's count */
      g_autofree char *line = g_strndup (len > 0 ? data : "", len); /* a blank line: empty */
      g_signal_emit (self, signals[SIGNAL_BOARD_CONSOLE], 0, part[2], line);
    }
}

static void
on_message (TfBus *bus, const TfBusMessage *msg, TfRemoteHosts *self)
{
  tf_remote_hosts_handle (self, msg);
}

/* --- the view -------------------------------------------------------------------------- */

const char *
tf_remote_hosts_owner (TfRemoteHosts *self, const char *board)
{
  const char *owner = g_hash_table_lookup (self->claims, board);
  TfRemoteHost *h = owner != NULL ? g_hash_table_lookup (self->hosts, owner) : NULL;
  /* a claim from an earlier run counts once its host has announced the board again */
  return h != NULL && g_hash_table_contains (h->boards, board) ? owner : NULL;
}

static gint
cmp_id (gconstpointer a, gconstpointer b)
{
  JsonObject *x = json_node_get_object (*(JsonNode **)a);
  JsonObject *y = json_node_get_object (*(JsonNode **)b);
  return g_strcmp0 (json_object_get_string_member (x, "id"),
                    json_object_get_string_member (y, "id"));
}

JsonNode *
tf_remote_hosts_board (TfRemoteHosts *self, const char *board)
{
  const char *owner = tf_remote_hosts_owner (self, board);
  TfRemoteHost *h = owner != NULL ? g_hash_table_lookup (self->hosts, owner) : NULL;
  return h != NULL ? effective (h, board, g_hash_table_lookup (h->boards, board)) : NULL;
}

GPtrArray *
tf_remote_hosts_list (TfRemoteHosts *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  GHashTableIter it, bit;
  TfRemoteHost *h;
  JsonNode *board;
  const char *id;

  g_hash_table_iter_init (&it, self->hosts);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&h))
    {
      g_hash_table_iter_init (&bit, h->boards);
      while (g_hash_table_iter_next (&bit, (gpointer *)&id, (gpointer *)&board))
        g_ptr_array_add (out, effective (h, id, board));
    }
  g_ptr_array_sort (out, cmp_id);
  return out;
}

JsonNode *
tf_remote_hosts_to_json (TfRemoteHosts *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GList) names
      = g_list_sort (g_hash_table_get_keys (self->hosts), (GCompareFunc)g_strcmp0);
  json_builder_begin_object (b);
  for (GList *l = names; l != NULL; l = l->next)
    {
      TfRemoteHost *h = g_hash_table_lookup (self->hosts, l->data);
      GHashTableIter it;
      const char *id, *owner;
      json_builder_set_member_name (b, h->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, tf_remote_host_up (h) ? "online" : "lost");
      json_builder_set_member_name (b, "boards");
      json_builder_add_int_value (b, g_hash_table_size (h->boards));
      json_builder_set_member_name (b, "refused");
      json_builder_begin_object (b);
      g_hash_table_iter_init (&it, h->refused);
      while (g_hash_table_iter_next (&it, (gpointer *)&id, (gpointer *)&owner))
        {
          g_autofree char *why = g_strdup_printf ("board id already host %s's", owner);
          json_builder_set_member_name (b, id);
          json_builder_add_string_value (b, why);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* --- object ----------------------------------------------------------------------------- */

static void
tf_remote_hosts_dispose (GObject *object)
{
  TfRemoteHosts *self = TF_REMOTE_HOSTS (object);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  if (self->hosts != NULL)
    {
      GHashTableIter it;
      TfRemoteHost *h;
      g_hash_table_iter_init (&it, self->hosts);
      while (g_hash_table_iter_next (&it, NULL, (gpointer *)&h))
        g_clear_handle_id (&h->retry_id, g_source_remove);
    }
  g_clear_handle_id (&self->summary_id, g_source_remove);
  g_clear_object (&self->bus); /* before the pending requests end: nothing new is sent */
  if (self->pending != NULL)
    tf_remote_hosts_fail_pending (self, NULL);
  G_OBJECT_CLASS (tf_remote_hosts_parent_class)->dispose (object);
}

static void
tf_remote_hosts_finalize (GObject *object)
{
  TfRemoteHosts *self = TF_REMOTE_HOSTS (object);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->claims);
  g_free (self->prefix);
  g_free (self->self_host);
  g_free (self->client_id);
  g_free (self->nonce);
  G_OBJECT_CLASS (tf_remote_hosts_parent_class)->finalize (object);
}

static void
tf_remote_hosts_class_init (TfRemoteHostsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_remote_hosts_dispose;
  G_OBJECT_CLASS (klass)->finalize = tf_remote_hosts_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_BOARD_CHANGED]
      = g_signal_new ("board-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_BOARD_CONSOLE]
      = g_signal_new ("board-console", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tf_remote_hosts_init (TfRemoteHosts *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)host_free);
  self->claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

TfRemoteHosts *
tf_remote_hosts_new (TfBus *bus, TfStore *store, const char *prefix, const char *self_host,
                     const char *client_id, GError **error)
{
  g_autoptr (TfRemoteHosts) self = g_object_new (TF_TYPE_REMOTE_HOSTS, NULL);
  const char *const topics[] = { "status", "link", "board/+/state", "board/+/console" };

  self->store = store;
  self->prefix = g_strdup (prefix);
  self->self_host = g_strdup (self_host);
  self->client_id = g_strdup (client_id);
  self->nonce = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  if (!claims_load (self, error))
    return NULL;
  self->bus = g_object_ref (bus);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), self);
  /* the broker may have lost the retained summary: publish it again */
  g_signal_connect_swapped (bus, "connected", G_CALLBACK (tf_remote_hosts_summary_publish), self);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *t = g_strdup_printf ("%shost/+/%s", prefix, topics[i]);
      tf_bus_subscribe (bus, t);
    }
  {
    /* answers are events: no retained replay */
    g_autofree char *t = g_strdup_printf ("%shost/+/reply/%s", prefix, client_id);
    tf_bus_subscribe_full (bus, t, TF_BUS_SUBSCRIBE_EVENTS);
  }
  tf_remote_hosts_summary_changed (self);
  return g_steal_pointer (&self);
}
