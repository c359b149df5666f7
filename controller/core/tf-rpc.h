/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-bus.h"
#include "tf-store.h"

G_BEGIN_DECLS

/* Request/reply over MQTT v5, the one copy: each layer registers its verbs,
 * TfRpc reads the request (bounded, see tf-json.h), checks where the answer
 * may go, answers from the record a request it answered before, and sends
 * every answer as {"schema":1,"ok":true,...} or {"schema":1,"ok":false,
 * "error":"reason"} to the request's response topic with its correlation data.
 *
 * Staff verbs listen on tf/<lab>/cmd/<verb>, company verbs on
 * tf/<lab>/in/<company>/<verb> (the broker lets only that company write there,
 * so the topic is the identity). The response topic must be
 * tf/<lab>/reply/<account>/<client id>[/...], readable only by that account
 * connected with that client id (the broker's "pattern read
 * tf/<lab>/reply/%u/%c/#"); a company's <account> must be the company itself.
 * Any other response topic is refused: logged, counted, nothing published.
 * Requests are events: a retained one is ignored. See README-rpc.md. */

typedef enum
{
  TF_RPC_STAFF,   /* cmd/<verb> */
  TF_RPC_COMPANY, /* in/<company>/<verb> */
} TfRpcScope;

typedef struct _TfRpcRequest TfRpcRequest;
/* Answer now or later (keep a reference), exactly once. */
typedef void (*TfRpcFunc) (TfRpcRequest *req, JsonObject *args, gpointer user_data);

#define TF_TYPE_RPC (tf_rpc_get_type ())
G_DECLARE_FINAL_TYPE (TfRpc, tf_rpc, TF, RPC, GObject)

/* Subscribes to the request topics of @prefix ("tf/<lab>/") on @bus. */
TfRpc *
tf_rpc_new (TfBus *bus, const char *prefix);
/* A farm host's requests (issue 18): @host_prefix is "tf/<lab>/host/<host>/";
 * requests arrive on <host_prefix>in/<verb> (only the coordinator may write
 * there) and are answered on <host_prefix>reply/<client id>[/...]. Verbs are
 * registered with TF_RPC_STAFF. */
TfRpc *
tf_rpc_new_host (TfBus *bus, const char *host_prefix);
/* Answered requests that carry an "id" are recorded in @store (table
 * rpc_reply), so that a replay is answered from the record. */
gboolean
tf_rpc_set_store (TfRpc *self, TfStore *store, GError **error);
void
tf_rpc_add_verb (TfRpc *self, TfRpcScope scope, const char *verb, TfRpcFunc func,
                 gpointer user_data);
/* Removes the verbs (and the account check) registered with @user_data. */
void
tf_rpc_remove_verbs (TfRpc *self, gpointer user_data);
/* Whether @account is a company's: a staff request may not have its answer
 * sent into a company's reply subtree (no staff account bears a company's
 * name; tf-broker-config refuses that). Asked at each request, so it follows
 * the event as it is now. */
typedef gboolean (*TfRpcAccountFunc) (const char *account, gpointer user_data);
void
tf_rpc_set_company_check (TfRpc *self, TfRpcAccountFunc func, gpointer user_data);
/* What the bus's "message" signal calls; public for the fuzz targets. */
void
tf_rpc_handle (TfRpc *self, const TfBusMessage *msg);

typedef struct
{
  guint requests;     /* dispatched to a verb */
  guint refused;      /* answered with ok:false before or by a verb */
  guint bad_reply_to; /* response topic refused: nothing published */
  guint retained;     /* retained requests ignored */
  guint from_record;  /* replays answered from the record */
} TfRpcCounters;
const TfRpcCounters *
tf_rpc_get_counters (TfRpc *self);
/* The counters as {"requests":..,...} for status replies. */
JsonNode *
tf_rpc_counters_json (TfRpc *self);

TfRpcRequest *
tf_rpc_request_ref (TfRpcRequest *req);
void
tf_rpc_request_unref (TfRpcRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfRpcRequest, tf_rpc_request_unref)
const char *
tf_rpc_request_get_verb (TfRpcRequest *req);
/* The company of an in/ request, NULL for staff. */
const char *
tf_rpc_request_get_company (TfRpcRequest *req);
/* {"schema":1,"ok":true} plus the members of @result (an object node, or NULL). */
void
tf_rpc_request_reply (TfRpcRequest *req, JsonNode *result);
void
tf_rpc_request_fail (TfRpcRequest *req, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Response topic check, public for tests: @company NULL for staff. */
gboolean
tf_rpc_check_reply_topic (const char *prefix, const char *company, const char *topic,
                          GError **error);

G_END_DECLS
