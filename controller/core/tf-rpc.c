/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-rpc"

#include "tf-rpc.h"
#include "tf-error.h"
#include "tf-json.h"

#include <string.h>

#define MAX_REPLY_TOPIC 256
#define MAX_ACCOUNT 64
#define MAX_CLIENT_ID 128
#define MAX_REQUEST_ID 64
#define RECORD_PER_ACCOUNT 1000

typedef struct
{
  TfRpcFunc func;
  gpointer user_data;
} Verb;

struct _TfRpc
{
  GObject parent_instance;
  TfBus *bus;
  char *prefix;
  GHashTable *verbs[2];  /* by scope: verb -> Verb */
  GHashTable *in_flight; /* "account\nid" of requests being answered */
  TfStore *store;        /* not ours; NULL: no record */
  gboolean host;         /* tf_rpc_new_host: <prefix>in/<verb>, answers under <prefix>reply/ */
  TfRpcAccountFunc is_company;
  gpointer is_company_data;
  TfRpcCounters counters;
};

G_DEFINE_TYPE (TfRpc, tf_rpc, G_TYPE_OBJECT)

struct _TfRpcRequest
{
  gint ref;
  TfRpc *rpc;
  TfBusMessage *msg;
  TfRpcScope scope;
  char *verb;
  char *company;    /* in/ only */
  char *record_key; /* "account\nid" when the request has an "id" */
  char *id;
  char *digest;
  gboolean answered;
};

/* --- the record: answered requests by (account, id) ---------------------------- */

/* The record is a module of the store with its own migrations. */
static const char *const rpc_steps[] = {
  /* 0 -> 1 */
  "CREATE TABLE rpc_reply (account TEXT NOT NULL, id TEXT NOT NULL, verb TEXT NOT NULL,"
  "  digest TEXT NOT NULL, reply TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (account, id));",
};

gboolean
tf_rpc_set_store (TfRpc *self, TfStore *store, GError **error)
{
  g_return_val_if_fail (TF_IS_RPC (self), FALSE);
  if (!tf_store_migrate (store, "rpc", rpc_steps, G_N_ELEMENTS (rpc_steps), error))
    return FALSE;
  self->store = store;
  return TRUE;
}

static gboolean
record_lookup (TfRpc *self, const char *key, char **digest, char **reply)
{
  g_auto (GStrv) part = g_strsplit (key, "\n", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStoreStmt) st = tf_store_query (
      self->store, &error, "SELECT digest, reply FROM rpc_reply WHERE account = ? AND id = ?", "ss",
      part[0], part[1]);
  if (st == NULL)
    {
      g_warning ("request record: %s", error->message);
      return FALSE;
    }
  if (!tf_store_stmt_next (st, &error))
    {
      if (error != NULL)
        g_warning ("request record: %s", error->message);
      return FALSE;
    }
  *digest = tf_store_stmt_dup (st, 0);
  *reply = tf_store_stmt_dup (st, 1);
  return TRUE;
}

static void
record_put (TfRpc *self, TfRpcRequest *r, const char *reply)
{
  g_auto (GStrv) part = g_strsplit (r->record_key, "\n", 2);
  g_autoptr (GError) error = NULL;
  G_STATIC_ASSERT (RECORD_PER_ACCOUNT == 1000);
  if (!tf_store_run (self->store, &error,
                     "INSERT OR REPLACE INTO rpc_reply (account, id, verb, digest, reply, at)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     "sssssi", part[0], part[1], r->verb, r->digest, reply, g_get_real_time ())
      /* a small table: the newest answers of each account */
      || !tf_store_run (self->store, &error,
                        "DELETE FROM rpc_reply WHERE account = ?1 AND rowid NOT IN (SELECT rowid "
                        "FROM rpc_reply WHERE account = ?1 ORDER BY at DESC LIMIT 1000)",
                        "s", part[0]))
    g_warning ("request record: %s", error->message);
}

/* --- requests ------------------------------------------------------------------- */

TfRpcRequest *
tf_rpc_request_ref (TfRpcRequest *r)
{
  g_atomic_int_inc (&r->ref);
  return r;
}

void
tf_rpc_request_unref (TfRpcRequest *r)
{
  if (!g_atomic_int_dec_and_test (&r->ref))
    return;
  if (!r->answered)
    g_warning ("%s: request dropped without an answer", r->verb);
  if (r->record_key != NULL)
    g_hash_table_remove (r->rpc->in_flight, r->record_key);
  g_object_unref (r->rpc);
  tf_bus_message_free (r->msg);
  g_free (r->verb);
  g_free (r->company);
  g_free (r->record_key);
  g_free (r->id);
  g_free (r->digest);
  g_free (r);
}

const char *
tf_rpc_request_get_verb (TfRpcRequest *r)
{
  return r->verb;
}

const char *
tf_rpc_request_get_company (TfRpcRequest *r)
{
  return r->company;
}

static void
send_text (TfRpcRequest *r, const char *json, gboolean ok)
{
  g_autoptr (GError) error = NULL;
  r->answered = TRUE;
  if (!tf_bus_reply (r->rpc->bus, r->msg, json, &error))
    g_warning ("%s: reply not sent: %s", r->verb, error->message);
  if (ok && r->record_key != NULL && r->rpc->store != NULL)
    record_put (r->rpc, r, json);
}

static void
send_reply (TfRpcRequest *r, gboolean ok, JsonNode *result, const char *error_msg)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;

  g_return_if_fail (!r->answered);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  if (r->id != NULL)
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, r->id);
    }
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
  send_text (r, json, ok);
}

void
tf_rpc_request_reply (TfRpcRequest *r, JsonNode *result)
{
  send_reply (r, TRUE, result, NULL);
}

void
tf_rpc_request_fail (TfRpcRequest *r, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  r->rpc->counters.refused++;
  g_info ("%s%s%s: refused: %s", r->company ? r->company : "", r->company ? "/" : "", r->verb, msg);
  send_reply (r, FALSE, NULL, msg);
}

/* --- where an answer may go ------------------------------------------------------ */

/* The checks every response topic passes, under @prefix"reply/"; what follows "reply/" in
 * *@rest; the reason it fails, or NULL. @whose names the subtree in the reason. */
static const char *
reply_topic_basics (const char *prefix, const char *topic, const char *whose, const char **rest)
{
  g_autofree char *reply = g_strconcat (prefix, "reply/", NULL);
  if (topic == NULL)
    return "the request has no response topic";
  if (strlen (topic) > MAX_REPLY_TOPIC || !g_utf8_validate (topic, -1, NULL))
    return "the response topic is too long or not UTF-8";
  if (!g_str_has_prefix (topic, reply))
    return whose;
  if (strpbrk (topic, "+#") != NULL)
    return "the response topic holds a wildcard";
  *rest = topic + strlen (reply);
  return NULL;
}

static gboolean
reply_topic_refused (const char *why, const char *topic, GError **error)
{
  g_set_error (error, TF_ERROR, TF_ERROR_PERMISSION_DENIED, "%s (%.80s)", why,
               topic != NULL && g_utf8_validate (topic, -1, NULL) ? topic : "?");
  return FALSE;
}

gboolean
tf_rpc_check_reply_topic (const char *prefix, const char *company, const char *topic,
                          GError **error)
{
  const char *rest = NULL;
  const char *why
      = reply_topic_basics (prefix, topic, "the response topic is not under reply/", &rest);
  g_auto (GStrv) parts = NULL;

  if (why == NULL)
    {
      parts = g_strsplit (rest, "/", 3);
      if (g_strv_length (parts) < 2 || !tf_json_valid_id (parts[0], MAX_ACCOUNT)
          || !tf_json_valid_id (parts[1], MAX_CLIENT_ID)
          || (parts[2] != NULL && parts[2][0] == '\0'))
        why = "the response topic must be reply/<account>/<client id>[/...]";
      else if (company != NULL && g_strcmp0 (parts[0], company) != 0)
        why = "a company's response topic must be under its own reply/<company>/";
    }
  return why == NULL || reply_topic_refused (why, topic, error);
}

/* A farm host's answers go to <prefix>reply/<client id>[/...]: the one
 * subtree the broker lets the host write answers to (README-rpc.md). */
static gboolean
check_host_reply_topic (const char *prefix, const char *topic, GError **error)
{
  const char *rest = NULL;
  const char *why = reply_topic_basics (
      prefix, topic, "the response topic is not under this host's reply/", &rest);
  g_auto (GStrv) parts = NULL;

  if (why == NULL)
    {
      parts = g_strsplit (rest, "/", 2);
      if (!tf_json_valid_id (parts[0], MAX_CLIENT_ID) || (parts[1] != NULL && parts[1][0] == '\0'))
        why = "the response topic must be reply/<client id>[/...]";
    }
  return why == NULL || reply_topic_refused (why, topic, error);
}

/* --- dispatch ---------------------------------------------------------------------- */

/* A staff request's answer stays out of the companies' reply subtrees. */
static gboolean
staff_reply_topic (TfRpc *self, const char *topic, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (topic + strlen (self->prefix) + strlen ("reply/"), "/", 2);
  if (self->is_company == NULL || !self->is_company (parts[0], self->is_company_data))
    return TRUE;
  g_set_error (error, TF_ERROR, TF_ERROR_PERMISSION_DENIED,
               "a staff request's response topic is under company %s's reply/", parts[0]);
  return FALSE;
}

static char *
digest_of (const char *verb, GBytes *payload)
{
  g_autoptr (GChecksum) c = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 0;
  const guchar *data = g_bytes_get_data (payload, &len);
  g_checksum_update (c, (const guchar *)verb, strlen (verb) + 1);
  if (len > 0)
    g_checksum_update (c, data, len);
  return g_strdup (g_checksum_get_string (c));
}

/* TRUE when the request was answered here (refused, or from the record). */
static gboolean
take_id (TfRpc *self, TfRpcRequest *r, JsonObject *args, GBytes *payload)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *digest = NULL, *reply = NULL;
  g_auto (GStrv) rparts = NULL;
  const char *id = NULL;
  const char *account;

  if (!tf_json_read_id (args, "id", FALSE, MAX_REQUEST_ID, &id, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return TRUE;
    }
  if (id == NULL)
    return FALSE;
  r->id = g_strdup (id);
  /* staff's ids by the account in their reply topic; a company's by its own */
  rparts = g_strsplit (r->msg->response_topic + strlen (self->prefix) + strlen ("reply/"), "/", 2);
  account = r->company != NULL ? r->company : rparts[0];
  r->record_key = g_strdup_printf ("%s%s\n%s",
                                   r->company != NULL ? "in:"
                                   : self->host       ? "host:"
                                                      : "cmd:",
                                   account, id);
  r->digest = digest_of (r->verb, payload);
  if (!g_hash_table_add (self->in_flight, g_strdup (r->record_key)))
    {
      g_clear_pointer (&r->record_key, g_free); /* not ours to remove */
      tf_rpc_request_fail (r, "request '%s' is being answered already", id);
      return TRUE;
    }
  if (self->store == NULL || !record_lookup (self, r->record_key, &digest, &reply))
    return FALSE;
  if (g_strcmp0 (digest, r->digest) != 0)
    {
      tf_rpc_request_fail (r, "id '%s' was used for another request", id);
      return TRUE;
    }
  g_info ("%s: request '%s' answered from the record", r->verb, id);
  self->counters.from_record++;
  r->answered = TRUE;
  {
    g_autoptr (GError) local = NULL;
    if (!tf_bus_reply (self->bus, r->msg, reply, &local))
      g_warning ("%s: reply not sent: %s", r->verb, local->message);
  }
  return TRUE;
}

void
tf_rpc_handle (TfRpc *self, const TfBusMessage *msg)
{
  g_autofree char *cmd = g_strconcat (self->prefix, "cmd/", NULL);
  g_autofree char *in = g_strconcat (self->prefix, "in/", NULL);
  g_autoptr (TfRpcRequest) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) args = NULL;
  g_auto (GStrv) parts = NULL;
  TfRpcScope scope;
  const char *company = NULL, *verb;
  gsize len = 0;
  const void *data;
  Verb *v;

  if (self->host)
    {
      /* a farm host: <prefix>in/<verb>, from the coordinator only (the broker's ACL) */
      if (!g_str_has_prefix (msg->topic, in) || strchr (msg->topic + strlen (in), '/') != NULL)
        return;
      scope = TF_RPC_STAFF;
      verb = msg->topic + strlen (in);
    }
  else if (g_str_has_prefix (msg->topic, cmd))
    {
      scope = TF_RPC_STAFF;
      verb = msg->topic + strlen (cmd);
    }
  else if (g_str_has_prefix (msg->topic, in))
    {
      scope = TF_RPC_COMPANY;
      parts = g_strsplit (msg->topic + strlen (in), "/", 3);
      if (g_strv_length (parts) != 2 || !tf_json_valid_id (parts[0], 200))
        {
          g_warning ("%.200s: not in/<company>/<verb>; ignored", msg->topic);
          return;
        }
      company = parts[0];
      verb = parts[1];
    }
  else
    return;
  /* a retained request would be executed again at every reconnection */
  if (msg->retain)
    {
      self->counters.retained++;
      g_warning ("%.200s: retained request ignored: requests are events", msg->topic);
      return;
    }
  if (self->host ? !check_host_reply_topic (self->prefix, msg->response_topic, &error)
                 : (!tf_rpc_check_reply_topic (self->prefix, company, msg->response_topic, &error)
                    || (company == NULL && !staff_reply_topic (self, msg->response_topic, &error))))
    {
      self->counters.bad_reply_to++;
      g_warning ("%.200s: nothing answered: %s", msg->topic, error->message);
      return;
    }
  r = g_new0 (TfRpcRequest, 1);
  r->ref = 1;
  r->rpc = g_object_ref (self);
  r->msg = tf_bus_message_copy (msg);
  r->scope = scope;
  r->verb = g_strdup (g_utf8_validate (verb, -1, NULL) ? verb : "?");
  r->company = g_strdup (company);
  v = g_hash_table_lookup (self->verbs[scope], verb);
  if (v == NULL)
    {
      tf_rpc_request_fail (r, "unknown %s '%.64s'", scope == TF_RPC_STAFF ? "command" : "request",
                           r->verb);
      return;
    }
  data = g_bytes_get_data (msg->payload, &len);
  args = tf_json_parse_object (data, len, TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, &error);
  if (args == NULL)
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  if (take_id (self, r, args, msg->payload))
    return;
  self->counters.requests++;
  v->func (r, args, v->user_data);
}

static void
on_message (TfBus *bus, const TfBusMessage *msg, TfRpc *self)
{
  tf_rpc_handle (self, msg);
}

void
tf_rpc_add_verb (TfRpc *self, TfRpcScope scope, const char *verb, TfRpcFunc func,
                 gpointer user_data)
{
  Verb *v = g_new0 (Verb, 1);
  g_return_if_fail (TF_IS_RPC (self));
  g_return_if_fail (scope == TF_RPC_STAFF || scope == TF_RPC_COMPANY);
  v->func = func;
  v->user_data = user_data;
  g_hash_table_replace (self->verbs[scope], g_strdup (verb), v);
}

static gboolean
verb_of (gpointer key, gpointer value, gpointer user_data)
{
  return ((Verb *)value)->user_data == user_data;
}

void
tf_rpc_set_company_check (TfRpc *self, TfRpcAccountFunc func, gpointer user_data)
{
  g_return_if_fail (TF_IS_RPC (self));
  self->is_company = func;
  self->is_company_data = user_data;
}

void
tf_rpc_remove_verbs (TfRpc *self, gpointer user_data)
{
  if (self->is_company_data == user_data)
    tf_rpc_set_company_check (self, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (self->verbs); i++)
    g_hash_table_foreach_remove (self->verbs[i], verb_of, user_data);
}

const TfRpcCounters *
tf_rpc_get_counters (TfRpc *self)
{
  return &self->counters;
}

JsonNode *
tf_rpc_counters_json (TfRpc *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "requests");
  json_builder_add_int_value (b, self->counters.requests);
  json_builder_set_member_name (b, "refused");
  json_builder_add_int_value (b, self->counters.refused);
  json_builder_set_member_name (b, "bad_reply_to");
  json_builder_add_int_value (b, self->counters.bad_reply_to);
  json_builder_set_member_name (b, "retained_ignored");
  json_builder_add_int_value (b, self->counters.retained);
  json_builder_set_member_name (b, "from_record");
  json_builder_add_int_value (b, self->counters.from_record);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
tf_rpc_dispose (GObject *object)
{
  TfRpc *self = TF_RPC (object);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (tf_rpc_parent_class)->dispose (object);
}

static void
tf_rpc_finalize (GObject *object)
{
  TfRpc *self = TF_RPC (object);
  for (guint i = 0; i < G_N_ELEMENTS (self->verbs); i++)
    g_hash_table_unref (self->verbs[i]);
  g_hash_table_unref (self->in_flight);
  g_free (self->prefix);
  G_OBJECT_CLASS (tf_rpc_parent_class)->finalize (object);
}

static void
tf_rpc_class_init (TfRpcClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_rpc_dispose;
  G_OBJECT_CLASS (klass)->finalize = tf_rpc_finalize;
}

static void
tf_rpc_init (TfRpc *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->verbs); i++)
    self->verbs[i] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TfRpc *
tf_rpc_new (TfBus *bus, const char *prefix)
{
  TfRpc *self = g_object_new (TF_TYPE_RPC, NULL);
  g_autofree char *cmd = g_strdup_printf ("%scmd/+", prefix);
  g_autofree char *in = g_strdup_printf ("%sin/+/+", prefix);
  self->bus = g_object_ref (bus);
  self->prefix = g_strdup (prefix);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), self);
  tf_bus_subscribe_full (bus, cmd, TF_BUS_SUBSCRIBE_EVENTS);
  tf_bus_subscribe_full (bus, in, TF_BUS_SUBSCRIBE_EVENTS);
  return self;
}

TfRpc *
tf_rpc_new_host (TfBus *bus, const char *host_prefix)
{
  TfRpc *self = g_object_new (TF_TYPE_RPC, NULL);
  g_autofree char *in = g_strdup_printf ("%sin/+", host_prefix);
  self->bus = g_object_ref (bus);
  self->prefix = g_strdup (host_prefix);
  self->host = TRUE;
  g_signal_connect (bus, "message", G_CALLBACK (on_message), self);
  tf_bus_subscribe_full (bus, in, TF_BUS_SUBSCRIBE_EVENTS);
  return self;
}
