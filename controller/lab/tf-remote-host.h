/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tf-bus.h"
#include "tf-store.h"

G_BEGIN_DECLS

/* A farm coordinator's view of its hosts (issue 18): every host's boards as
 * the host publishes them, retained, under tf/<lab>/host/<host>/board/<id>/state,
 * its status (host/<host>/status, with a will) and its bridge's link
 * (host/<host>/link), and requests forwarded to a host's verbs on
 * host/<host>/in/<verb>, answered on host/<host>/reply/<our client id>.
 *
 * A board id belongs to the first host that announced it (kept in the store,
 * table farm_board, so a restart decides the same way); another host
 * announcing it is refused, logged and listed, never merged. A host whose
 * status goes offline or whose link drops has all its boards "unknown",
 * cause "host <host> lost" (infrastructure), until it is back. Every board's
 * effective state is republished on the floor's tf/<lab>/board/<id>/state. */
#define TF_TYPE_REMOTE_HOSTS (tf_remote_hosts_get_type ())
G_DECLARE_FINAL_TYPE (TfRemoteHosts, tf_remote_hosts, TF, REMOTE_HOSTS, GObject)

/* @self_host: our own name (our status is not a host's); @client_id: ours on
 * the bus. Signal "changed": a host came, went, or had a board refused. */
TfRemoteHosts *
tf_remote_hosts_new (TfBus *bus, TfStore *store, const char *prefix, const char *self_host,
                     const char *client_id, GError **error);
/* Every board of every host, as it is now (lost hosts' boards unknown), sorted by id. */
GPtrArray *
tf_remote_hosts_list (TfRemoteHosts *self); /* of JsonNode, free the array */
/* The host owning @board, NULL when no host does. */
const char *
tf_remote_hosts_owner (TfRemoteHosts *self, const char *board);
/* @board's state as the lab sees it now (a lost host's: unknown, its cause
 * "host <host> lost"), NULL when no host has it. Signal "board-changed" (its
 * id) whenever that changes; "board-console" (its id, a line) for each line
 * its host publishes on host/<host>/board/<id>/console. */
JsonNode *
tf_remote_hosts_board (TfRemoteHosts *self, const char *board);
/* {"<host>":{"state":"online"|"lost","boards":N,"refused":{"<board>":"<owner>"}}} */
JsonNode *
tf_remote_hosts_to_json (TfRemoteHosts *self);

/* The staff summary, retained on tf/<lab>/hosts (staff only, the broker's
 * ACL): {"schema":1,"at":T,"coordinator":NAME,"hosts":{"<host>":{"state":
 * "online"|"lost","since":T,"reason":S,"link":"up"|"down"|"none",
 * "link-since":T,"started":T,"version":S,"boards":N,"ids":[...],
 * "refused":{...}}}}, T ISO 8601; "since" as this coordinator saw it. */
JsonNode *
tf_remote_hosts_summary_json (TfRemoteHosts *self, gint64 now_us);

/* Send @verb with @payload (a JSON object) to the host owning @board and
 * finish with its answer ({"schema":1,"ok":...}). Fails at once with
 * TF_ERROR_INFRASTRUCTURE when that host is lost, and when it is lost while
 * the request waits; with TF_ERROR_TIMED_OUT after @timeout_s. */
void
tf_remote_hosts_request_async (TfRemoteHosts *self, const char *board, const char *verb,
                               const char *payload, guint timeout_s, GAsyncReadyCallback callback,
                               gpointer user_data);
JsonObject *
tf_remote_hosts_request_finish (TfRemoteHosts *self, GAsyncResult *res, GError **error);

/* What the bus's "message" signal calls; public for a fuzz target. */
void
tf_remote_hosts_handle (TfRemoteHosts *self, const TfBusMessage *msg);

G_END_DECLS
