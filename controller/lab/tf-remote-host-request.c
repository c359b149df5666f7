/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-farm"

#include "tf-remote-host.h"
#include "tf-remote-host-private.h"
#include "tf-error.h"
#include "tf-json.h"

#include <string.h>

/* A coordinator's requests to its hosts (TfRemoteHosts, tf-remote-host.c):
 * staff's board verbs forwarded, a returning host's boards confirmed, a host
 * told of its refused board ids. Each waits on its correlation data until the
 * host answers on host/<host>/reply/<our client id>, the host is lost, or its
 * time is up. */

typedef struct
{
  TfRemoteHosts *self; /* not a reference: pending requests end in dispose */
  char *host;
  char *correlation;
  guint timer_id;
} Pending;

static void
host_request (TfRemoteHosts *self, TfRemoteHost *h, GTask *task_in, const char *what,
              const char *verb, const char *payload, guint timeout_s);

static void
pending_free (Pending *p)
{
  g_clear_handle_id (&p->timer_id, g_source_remove);
  g_free (p->host);
  g_free (p->correlation);
  g_free (p);
}

void
tf_remote_hosts_fail_pending (TfRemoteHosts *self, const char *host)
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

void
tf_remote_hosts_on_reply (TfRemoteHosts *self, const TfBusMessage *msg)
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
void
tf_remote_hosts_tell_refused (TfRemoteHosts *self, TfRemoteHost *h, const char *id,
                              const char *owner)
{
  g_autofree char *payload = NULL;
  GTask *task;
  if (!tf_remote_host_up (h))
    return;
  payload = g_strdup_printf ("{\"board\":\"%s\",\"owner\":\"%s\"}", id, owner);
  task = g_task_new (self, NULL, on_told,
                     g_strdup_printf ("host %s not told of its refused board %s", h->name, id));
  host_request (self, h, task, "its refused board", "refused", payload, RECONCILE_TIMEOUT_S);
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
host_request (TfRemoteHosts *self, TfRemoteHost *h, GTask *task_in, const char *what,
              const char *verb, const char *payload, guint timeout_s)
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
  if (!tf_remote_host_up (h))
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
  TfRemoteHost *h = owner != NULL ? g_hash_table_lookup (self->hosts, owner) : NULL;
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
  TfRemoteHost *h = user_data;
  h->retry_id = 0;
  tf_remote_host_reconcile (h);
  return G_SOURCE_REMOVE;
}

static void
on_reconciled (GObject *source, GAsyncResult *res, gpointer user_data)
{
  TfRemoteHosts *self = TF_REMOTE_HOSTS (source);
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer = g_task_propagate_pointer (G_TASK (res), &error);
  TfRemoteHost *h = self->hosts != NULL ? g_hash_table_lookup (self->hosts, name) : NULL;
  JsonNode *list = answer != NULL ? json_object_get_member (answer, "boards") : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || h == NULL
      || !tf_remote_host_up (h))
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
      tf_remote_hosts_apply_board (self, h, id, o);
    }
  g_message ("host %s: %u boards confirmed", h->name, g_hash_table_size (h->fresh));
  {
    GHashTableIter it;
    const char *id, *owner;
    g_hash_table_iter_init (&it, h->refused);
    while (g_hash_table_iter_next (&it, (gpointer *)&id, (gpointer *)&owner))
      tf_remote_hosts_tell_refused (self, h, id, owner);
  }
}

void
tf_remote_host_reconcile (TfRemoteHost *h)
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
