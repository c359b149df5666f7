/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-farm"

#include "tf-remote-host.h"
#include "tf-error.h"
#include "tf-json.h"

#include <string.h>

#define MAX_NAME 64

#define RECONCILE_TIMEOUT_S 30
#define RECONCILE_RETRY_S 5

typedef struct
{
  TfRemoteHosts *owner; /* not a reference: hosts live as long as the view */
  char *name;
  gboolean online;     /* its retained status says online */
  gboolean link_down;  /* its bridge's will on the central broker said 0 */
  GHashTable *boards;  /* id -> JsonNode, as the host published it (host member set) */
  GHashTable *refused; /* id -> the host that owns it */
  GHashTable *fresh;   /* ids whose state was heard since the host was last up */
  guint retry_id;      /* the next attempt to reconcile its boards */
} Host;

struct _TfRemoteHosts
{
  GObject parent_instance;
  TfBus *bus;
  TfStore *store;
  char *prefix;    /* tf/<lab>/ */
  char *self_host; /* our own name */
  char *client_id;
  char *nonce;         /* correlation data of this run */
  GHashTable *hosts;   /* name -> Host */
  GHashTable *claims;  /* board -> host name (the store's farm_board) */
  GHashTable *pending; /* correlation -> GTask */
  guint seq;
};

G_DEFINE_TYPE (TfRemoteHosts, tf_remote_hosts, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  TfRemoteHosts *self; /* not a reference: pending requests end in dispose */
  char *host;
  char *correlation;
  guint timer_id;
} Pending;

static void
pending_free (Pending *p)
{
  g_clear_handle_id (&p->timer_id, g_source_remove);
  g_free (p->host);
  g_free (p->correlation);
  g_free (p);
}

static void
host_free (Host *h)
{
  g_clear_handle_id (&h->retry_id, g_source_remove);
  g_hash_table_unref (h->fresh);
  g_hash_table_unref (h->boards);
  g_hash_table_unref (h->refused);
  g_free (h->name);
  g_free (h);
}

static Host *
host_get (TfRemoteHosts *self, const char *name)
{
  Host *h = g_hash_table_lookup (self->hosts, name);
  if (h != NULL)
    return h;
  h = g_new0 (Host, 1);
  h->owner = self;
  h->name = g_strdup (name);
  h->fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  h->boards
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_node_unref);
  h->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->hosts, h->name, h);
  return h;
}

static gboolean
host_up (Host *h)
{
  return h->online && !h->link_down;
}

/* The board as the lab sees it: a lost host's boards are unknown, never
 * faulted; after its return, until the host has confirmed their state. */
static JsonNode *
effective (Host *h, const char *id, JsonNode *board)
{
  JsonNode *n = json_node_copy (board);
  JsonObject *o = json_node_get_object (n);
  g_autofree char *cause = NULL;
  if (host_up (h) && g_hash_table_contains (h->fresh, id))
    return n;
  cause = host_up (h) ? g_strdup_printf ("host %s back, its state not confirmed yet", h->name)
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
publish_board (TfRemoteHosts *self, Host *h, const char *id)
{
  g_autofree char *topic = g_strdup_printf ("%sboard/%s/state", self->prefix, id);
  g_autoptr (GError) error = NULL;
  JsonNode *board = h != NULL ? g_hash_table_lookup (h->boards, id) : NULL;
  g_autoptr (JsonNode) eff = board != NULL ? effective (h, id, board) : NULL;
  g_autofree char *json = eff != NULL ? json_to_string (eff, FALSE) : g_strdup ("");
  if (!tf_bus_publish (self->bus, topic, json, strlen (json), TRUE, &error))
    g_debug ("board %s: not published: %s", id, error->message);
}

static void
publish_host_boards (TfRemoteHosts *self, Host *h)
{
  GHashTableIter it;
  const char *id;
  g_hash_table_iter_init (&it, h->boards);
  while (g_hash_table_iter_next (&it, (gpointer *)&id, NULL))
    publish_board (self, h, id);
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
fail_pending (TfRemoteHosts *self, const char *host)
{
  g_autoptr (GPtrArray) lost = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter it;
  GTask *task;

  g_hash_table_iter_init (&it, self->pending);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&task))
    if (host == NULL || g_strcmp0 (((Pending *)g_task_get_task_data (task))->host, host) == 0)
      {
        g_ptr_array_add (lost, g_object_ref (task));
        g_hash_table_iter_remove (&it);
      }
  for (guint i = 0; i < lost->len; i++)
    {
      GTask *t = g_ptr_array_index (lost, i);
      Pending *p = g_task_get_task_data (t);
      if (host == NULL)
        g_task_return_new_error (t, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the lab shuts down");
      else
        g_task_return_new_error (t, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "host %s lost", p->host);
    }
}

static void
reconcile (Host *h);

static void
host_set_up (TfRemoteHosts *self, Host *h, gboolean online, gboolean link_down)
{
  gboolean was = host_up (h);
  h->online = online;
  h->link_down = link_down;
  if (was == host_up (h))
    return;
  g_hash_table_remove_all (h->fresh);
  g_clear_handle_id (&h->retry_id, g_source_remove);
  if (was)
    {
      g_warning ("host %s lost (%s): its %u boards are unknown", h->name,
                 link_down ? "its link is down" : "its status is offline",
                 g_hash_table_size (h->boards));
      fail_pending (self, h->name);
    }
  else
    {
      g_message ("host %s is up: %u boards known, asking for their state", h->name,
                 g_hash_table_size (h->boards));
      reconcile (h);
    }
  publish_host_boards (self, h);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_status (TfRemoteHosts *self, Host *h, const void *data, gsize len)
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
  host_set_up (self, h, g_strcmp0 (state, "online") == 0, h->link_down);
}

static void
apply_board (TfRemoteHosts *self, Host *h, const char *id, JsonObject *o);
static void
host_request (TfRemoteHosts *self, Host *h, GTask *task_in, const char *what, const char *verb,
              const char *payload, guint timeout_s);

static void
on_board (TfRemoteHosts *self, Host *h, const char *id, const void *data, gsize len)
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
          g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
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
  apply_board (self, h, id, o);
}

static void
on_told (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree char *what = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = g_task_propagate_pointer (G_TASK (res), &error);
  if (answer == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_info ("%s: %s", what, error->message);
}

/* The host hears which of its board ids were refused (its own status shows
 * them); told again whenever it returns. */
static void
tell_refused (TfRemoteHosts *self, Host *h, const char *id, const char *owner)
{
  g_autofree char *payload = NULL;
  GTask *task;
  if (!host_up (h))
    return;
  payload = g_strdup_printf ("{\"board\":\"%s\",\"owner\":\"%s\"}", id, owner);
  task = g_task_new (self, NULL, on_told,
                     g_strdup_printf ("host %s not told of its refused board %s", h->name, id));
  host_request (self, h, task, "its refused board", "refused", payload, RECONCILE_TIMEOUT_S);
}

/* A board's state from its host (a retained message, or its answer to "boards"). */
static void
apply_board (TfRemoteHosts *self, Host *h, const char *id, JsonObject *o)
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
          tell_refused (self, h, id, owner);
          g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
        }
      return;
    }
  if (owner == NULL)
    {
      g_message ("host %s: board %s joins the lab", h->name, id);
      claim_set (self, id, h->name);
    }
  /* the topic is the identity (the broker lets only that host write it) */
  json_object_set_string_member (o, "host", h->name);
  g_hash_table_replace (h->boards, g_strdup (id), json_node_init_object (json_node_alloc (), o));
  if (host_up (h))
    g_hash_table_add (h->fresh, g_strdup (id));
  publish_board (self, h, id);
  if (owner == NULL)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_reply (TfRemoteHosts *self, const TfBusMessage *msg)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *corr = NULL, *key = NULL;
  JsonObject *o;
  gsize len = 0;
  const void *data;

  if (msg->correlation == NULL)
    return;
  data = g_bytes_get_data (msg->correlation, &len);
  corr = g_strndup (data, len);
  if (!g_hash_table_steal_extended (self->pending, corr, (gpointer *)&key, (gpointer *)&task))
    {
      g_debug ("answer %.64s: no request waits for it", corr);
      return;
    }
  data = g_bytes_get_data (msg->payload, &len);
  o = tf_json_parse_object (data, len, TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, &error);
  if (o == NULL)
    g_task_return_new_error (task, TF_ERROR, TF_ERROR_PROTOCOL, "host %s answered: %s",
                             ((Pending *)g_task_get_task_data (task))->host, error->message);
  else
    g_task_return_pointer (task, o, (GDestroyNotify)json_object_unref);
}

void
tf_remote_hosts_handle (TfRemoteHosts *self, const TfBusMessage *msg)
{
  g_autofree char *hosts = g_strconcat (self->prefix, "host/", NULL);
  g_auto (GStrv) part = NULL;
  gsize len = 0;
  const void *data = g_bytes_get_data (msg->payload, &len);
  guint n;
  Host *h;

  if (!g_str_has_prefix (msg->topic, hosts))
    return;
  part = g_strsplit (msg->topic + strlen (hosts), "/", 5);
  n = g_strv_length (part);
  if (n < 2 || !tf_json_valid_id (part[0], MAX_NAME) || g_strcmp0 (part[0], self->self_host) == 0)
    return;
  if (n == 3 && g_strcmp0 (part[1], "reply") == 0 && g_strcmp0 (part[2], self->client_id) == 0)
    {
      on_reply (self, msg);
      return;
    }
  h = host_get (self, part[0]);
  if (n == 2 && g_strcmp0 (part[1], "status") == 0)
    on_status (self, h, data, len);
  else if (n == 2 && g_strcmp0 (part[1], "link") == 0)
    host_set_up (self, h, h->online, len == 1 && ((const char *)data)[0] == '0');
  else if (n == 4 && g_strcmp0 (part[1], "board") == 0 && g_strcmp0 (part[3], "state") == 0
           && tf_json_valid_id (part[2], 200))
    on_board (self, h, part[2], data, len);
}

static void
on_message (TfBus *bus, const TfBusMessage *msg, TfRemoteHosts *self)
{
  tf_remote_hosts_handle (self, msg);
}

/* --- requests to a host --------------------------------------------------------------- */

static gboolean
on_request_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Pending *p = g_task_get_task_data (task);
  TfRemoteHosts *self = p->self;
  g_autoptr (GTask) owned = NULL;
  g_autofree char *key = NULL;

  p->timer_id = 0;
  if (!g_hash_table_steal_extended (self->pending, p->correlation, (gpointer *)&key,
                                    (gpointer *)&owned))
    return G_SOURCE_REMOVE;
  g_task_return_new_error (owned, TF_ERROR, TF_ERROR_TIMED_OUT, "host %s did not answer", p->host);
  return G_SOURCE_REMOVE;
}

/* Send @verb to @h; @task returns the host's answer. @what names it in errors. */
static void
host_request (TfRemoteHosts *self, Host *h, GTask *task_in, const char *what, const char *verb,
              const char *payload, guint timeout_s)
{
  g_autoptr (GTask) task = task_in;
  g_autoptr (GError) error = NULL;
  g_autofree char *topic = NULL, *reply_to = NULL;
  Pending *p;

  if (self->bus == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the lab shuts down");
      return;
    }
  if (!host_up (h))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s: host %s lost", what,
                               h->name);
      return;
    }
  p = g_new0 (Pending, 1);
  p->self = self;
  p->host = g_strdup (h->name);
  p->correlation = g_strdup_printf ("%s-%u", self->nonce, ++self->seq);
  g_task_set_task_data (task, p, (GDestroyNotify)pending_free);
  topic = g_strdup_printf ("%shost/%s/in/%s", self->prefix, h->name, verb);
  reply_to = g_strdup_printf ("%shost/%s/reply/%s", self->prefix, h->name, self->client_id);
  if (!tf_bus_request (self->bus, topic, payload, reply_to, p->correlation, &error))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE,
                               "%s: request to host %s not sent: %s", what, h->name,
                               error->message);
      return;
    }
  p->timer_id = g_timeout_add_seconds (timeout_s, on_request_timeout, task);
  g_hash_table_insert (self->pending, g_strdup (p->correlation), g_steal_pointer (&task));
}

void
tf_remote_hosts_request_async (TfRemoteHosts *self, const char *board, const char *verb,
                               const char *payload, guint timeout_s, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  const char *owner = tf_remote_hosts_owner (self, board);
  Host *h = owner != NULL ? g_hash_table_lookup (self->hosts, owner) : NULL;
  g_autofree char *what = g_strdup_printf ("board %s", board);

  g_task_set_source_tag (task, tf_remote_hosts_request_async);
  if (h == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no board '%s'", board);
      g_object_unref (task);
      return;
    }
  host_request (self, h, task, what, verb, payload, timeout_s);
}

/* --- a host's return: its boards' state as it is now ----------------------------------- */

static gboolean
on_reconcile_retry (gpointer user_data)
{
  Host *h = user_data;
  h->retry_id = 0;
  reconcile (h);
  return G_SOURCE_REMOVE;
}

static void
on_reconciled (GObject *source, GAsyncResult *res, gpointer user_data)
{
  TfRemoteHosts *self = TF_REMOTE_HOSTS (source);
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = g_task_propagate_pointer (G_TASK (res), &error);
  Host *h = self->hosts != NULL ? g_hash_table_lookup (self->hosts, name) : NULL;
  JsonNode *list = answer != NULL ? json_object_get_member (answer, "boards") : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || h == NULL || !host_up (h))
    return; /* shutting down, or lost again: its next return asks again */
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      /* its boards stay unknown ("not confirmed") until it answers */
      g_warning ("host %s: its boards not confirmed (%s); asking again in %u s", h->name,
                 error != NULL ? error->message : "no boards in its answer", RECONCILE_RETRY_S);
      g_clear_handle_id (&h->retry_id, g_source_remove);
      h->retry_id = g_timeout_add_seconds (RECONCILE_RETRY_S, on_reconcile_retry, h);
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (list), i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *id = NULL;
      g_autoptr (GError) bad = NULL;
      if (o == NULL || !tf_json_read_string (o, "id", TRUE, 200, &id, &bad)
          || !tf_json_valid_id (id, 200))
        continue;
      apply_board (self, h, id, o);
    }
  g_message ("host %s: %u boards confirmed", h->name, g_hash_table_size (h->fresh));
  {
    GHashTableIter it;
    const char *id, *owner;
    g_hash_table_iter_init (&it, h->refused);
    while (g_hash_table_iter_next (&it, (gpointer *)&id, (gpointer *)&owner))
      tell_refused (self, h, id, owner);
  }
}

static void
reconcile (Host *h)
{
  GTask *task = g_task_new (h->owner, NULL, on_reconciled, g_strdup (h->name));
  host_request (h->owner, h, task, "its boards", "boards", "{}", RECONCILE_TIMEOUT_S);
}

JsonObject *
tf_remote_hosts_request_finish (TfRemoteHosts *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* --- the view -------------------------------------------------------------------------- */

const char *
tf_remote_hosts_owner (TfRemoteHosts *self, const char *board)
{
  const char *owner = g_hash_table_lookup (self->claims, board);
  Host *h = owner != NULL ? g_hash_table_lookup (self->hosts, owner) : NULL;
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

GPtrArray *
tf_remote_hosts_list (TfRemoteHosts *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  GHashTableIter it, bit;
  Host *h;
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
      Host *h = g_hash_table_lookup (self->hosts, l->data);
      GHashTableIter it;
      const char *id, *owner;
      json_builder_set_member_name (b, h->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, host_up (h) ? "online" : "lost");
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
      Host *h;
      g_hash_table_iter_init (&it, self->hosts);
      while (g_hash_table_iter_next (&it, NULL, (gpointer *)&h))
        g_clear_handle_id (&h->retry_id, g_source_remove);
    }
  g_clear_object (&self->bus); /* before the pending requests end: nothing new is sent */
  if (self->pending != NULL)
    fail_pending (self, NULL);
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
  const char *const topics[] = { "status", "link", "board/+/state" };

  self->store = store;
  self->prefix = g_strdup (prefix);
  self->self_host = g_strdup (self_host);
  self->client_id = g_strdup (client_id);
  self->nonce = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  if (!claims_load (self, error))
    return NULL;
  self->bus = g_object_ref (bus);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), self);
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
  return g_steal_pointer (&self);
}
