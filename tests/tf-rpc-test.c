/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TfRpc without a broker: what reaches a verb, what is refused before, and
 * the record of answered request ids (a real store in a temporary directory).
 * The bus is never started, so answers are not sent; the counters and the
 * verb's calls say what happened. */
#include <glib/gstdio.h>
#include <string.h>

#include "tf-rpc.h"

typedef struct
{
  guint calls;
  TfRpcRequest *held; /* a verb that answers later */
} Verb;

static void
verb_echo (TfRpcRequest *req, JsonObject *args, gpointer data)
{
  Verb *v = data;
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  v->calls++;
  json_node_take_object (n, json_object_ref (args));
  tf_rpc_request_reply (req, n);
}

static void
verb_later (TfRpcRequest *req, JsonObject *args, gpointer data)
{
  Verb *v = data;
  v->calls++;
  v->held = tf_rpc_request_ref (req);
}

static gboolean
is_company (const char *account, gpointer data)
{
  return g_strcmp0 (account, "acme") == 0 || g_strcmp0 (account, "bolt") == 0;
}

static void
send (TfRpc *rpc, const char *topic, const char *payload, const char *reply, gboolean retain)
{
  TfBusMessage m = { 0 };
  m.topic = (char *)topic;
  m.payload = g_bytes_new (payload, strlen (payload));
  m.response_topic = (char *)reply;
  m.correlation = g_bytes_new ("c", 1);
  m.retain = retain;
  tf_rpc_handle (rpc, &m);
  g_bytes_unref (m.payload);
  g_bytes_unref (m.correlation);
}

static void
test_rpc (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-rpc-test-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "store.db", NULL);
  TfBusOptions o = { .host = "127.0.0.1", .port = 9, .client_id = "tf-rpc-test" };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = tf_bus_new (&o, &error);
  g_autoptr (TfRpc) rpc = NULL;
  TfStore *store = tf_store_open (db, &error);
  const TfRpcCounters *c;
  Verb echo = { 0 }, later = { 0 }, verdict = { 0 };

  g_assert_no_error (error);
  rpc = tf_rpc_new (bus, "tf/l/");
  g_assert_true (tf_rpc_set_store (rpc, store, &error));
  g_assert_no_error (error);
  c = tf_rpc_get_counters (rpc);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "echo", verb_echo, &echo);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "later", verb_later, &later);
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "verdict", verb_echo, &verdict);

  /* the way in */
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/reply/staff/ctl", FALSE);
  g_assert_cmpuint (echo.calls, ==, 1);
  send (rpc, "tf/l/in/acme/verdict", "{}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 1);
  /* not ours, or not a request */
  send (rpc, "tf/other/cmd/echo", "{}", "tf/l/reply/staff/ctl", FALSE);
  send (rpc, "tf/l/in/acme/verdict/x", "{}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (echo.calls + verdict.calls, ==, 2);
  /* retained: ignored */
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/reply/staff/ctl", TRUE);
  send (rpc, "tf/l/in/acme/verdict", "{}", "tf/l/reply/acme/web", TRUE);
  g_assert_cmpuint (echo.calls + verdict.calls, ==, 2);
  g_assert_cmpuint (c->retained, ==, 2);
  /* the answer goes nowhere but the requester's own reply topic */
  send (rpc, "tf/l/in/acme/verdict", "{}", "tf/l/reply/bolt/web", FALSE);
  send (rpc, "tf/l/in/acme/verdict", "{}", "tf/l/private/bolt/session/s/report", FALSE);
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/summary", FALSE);
  send (rpc, "tf/l/cmd/echo", "{}", NULL, FALSE);
  g_assert_cmpuint (echo.calls + verdict.calls, ==, 2);
  g_assert_cmpuint (c->bad_reply_to, ==, 4);
  /* staff answers stay out of the companies' reply subtrees */
  tf_rpc_set_company_check (rpc, is_company, &verdict);
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (echo.calls, ==, 1);
  g_assert_cmpuint (c->bad_reply_to, ==, 5);
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/reply/alice/ctl", FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  /* refused with a reason before any verb: unknown, too big, too deep, NUL, dup */
  send (rpc, "tf/l/cmd/teleport", "{}", "tf/l/reply/staff/ctl", FALSE);
  {
    g_autofree char *big = g_strnfill (70000, ' ');
    g_autofree char *deep = g_strnfill (40, '[');
    send (rpc, "tf/l/cmd/echo", big, "tf/l/reply/staff/ctl", FALSE);
    send (rpc, "tf/l/cmd/echo", deep, "tf/l/reply/staff/ctl", FALSE);
  }
  send (rpc, "tf/l/cmd/echo", "{\"a\":\"\\u0000\"}", "tf/l/reply/staff/ctl", FALSE);
  send (rpc, "tf/l/cmd/echo", "{\"a\":1,\"a\":1}", "tf/l/reply/staff/ctl", FALSE);
  send (rpc, "tf/l/cmd/echo", "{\"id\":7}", "tf/l/reply/staff/ctl", FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  g_assert_cmpuint (c->refused, ==, 6);

  /* ids: executed once, then answered from the record */
  send (rpc, "tf/l/in/acme/verdict", "{\"id\":\"v1\",\"x\":1}", "tf/l/reply/acme/web", FALSE);
  send (rpc, "tf/l/in/acme/verdict", "{\"id\":\"v1\",\"x\":1}", "tf/l/reply/acme/other", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 2);
  g_assert_cmpuint (c->from_record, ==, 1);
  /* the same id with other content: refused */
  send (rpc, "tf/l/in/acme/verdict", "{\"id\":\"v1\",\"x\":2}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 2);
  g_assert_cmpuint (c->refused, ==, 7);
  /* ids are per account: another company's v1 is its own */
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "verdict", verb_echo, &verdict);
  send (rpc, "tf/l/in/bolt/verdict", "{\"id\":\"v1\",\"x\":1}", "tf/l/reply/bolt/web", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 3);
  /* a request still running is not started twice */
  send (rpc, "tf/l/cmd/later", "{\"id\":\"l1\"}", "tf/l/reply/staff/ctl", FALSE);
  send (rpc, "tf/l/cmd/later", "{\"id\":\"l1\"}", "tf/l/reply/staff/ctl", FALSE);
  g_assert_cmpuint (later.calls, ==, 1);
  tf_rpc_request_reply (later.held, NULL);
  g_clear_pointer (&later.held, tf_rpc_request_unref);
  send (rpc, "tf/l/cmd/later", "{\"id\":\"l1\"}", "tf/l/reply/staff/ctl", FALSE);
  g_assert_cmpuint (later.calls, ==, 1);
  g_assert_cmpuint (c->from_record, ==, 2);

  /* the record outlives the process: a new TfRpc on the same store */
  g_clear_object (&rpc);
  tf_store_close (store);
  store = tf_store_open (db, &error);
  g_assert_no_error (error);
  rpc = tf_rpc_new (bus, "tf/l/");
  g_assert_true (tf_rpc_set_store (rpc, store, NULL));
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "verdict", verb_echo, &verdict);
  send (rpc, "tf/l/in/acme/verdict", "{\"id\":\"v1\",\"x\":1}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 3);
  g_assert_cmpuint (tf_rpc_get_counters (rpc)->from_record, ==, 1);
  /* verbs leave with their owner */
  tf_rpc_remove_verbs (rpc, &verdict);
  send (rpc, "tf/l/in/acme/verdict", "{}", "tf/l/reply/acme/web", FALSE);
  g_assert_cmpuint (verdict.calls, ==, 3);
  g_clear_object (&rpc);
  tf_store_close (store);
  {
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (dir);
  }
}

/* A farm host's TfRpc (issue 18): requests on host/H/in/<verb>, answers only
 * under host/H/reply/<client id>; cmd/ and in/<company>/ are not its. */
static void
test_rpc_host (void)
{
  TfBusOptions o = { .host = "127.0.0.1", .port = 9, .client_id = "tf-rpc-host-test" };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = tf_bus_new (&o, &error);
  g_autoptr (TfRpc) rpc = NULL;
  const TfRpcCounters *c;
  Verb echo = { 0 };

  g_assert_no_error (error);
  rpc = tf_rpc_new_host (bus, "tf/l/host/h1/");
  c = tf_rpc_get_counters (rpc);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "echo", verb_echo, &echo);
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h1/reply/testfestd-l-coord", FALSE);
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h1/reply/coord/more", FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  /* not its topics: another host's, the one-host lab's, a deeper topic */
  send (rpc, "tf/l/host/h2/in/echo", "{}", "tf/l/host/h1/reply/coord", FALSE);
  send (rpc, "tf/l/cmd/echo", "{}", "tf/l/host/h1/reply/coord", FALSE);
  send (rpc, "tf/l/in/acme/echo", "{}", "tf/l/host/h1/reply/coord", FALSE);
  send (rpc, "tf/l/host/h1/in/echo/x", "{}", "tf/l/host/h1/reply/coord", FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  /* answers only into its own reply subtree, no wildcard, no empty level */
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/reply/staff/ctl", FALSE);
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h2/reply/coord", FALSE);
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h1/reply/+", FALSE);
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h1/reply/coord/", FALSE);
  send (rpc, "tf/l/host/h1/in/echo", "{}", NULL, FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  g_assert_cmpuint (c->bad_reply_to, ==, 5);
  /* retained requests ignored, unknown verbs refused */
  send (rpc, "tf/l/host/h1/in/echo", "{}", "tf/l/host/h1/reply/coord", TRUE);
  send (rpc, "tf/l/host/h1/in/teleport", "{}", "tf/l/host/h1/reply/coord", FALSE);
  g_assert_cmpuint (echo.calls, ==, 2);
  g_assert_cmpuint (c->retained, ==, 1);
  g_assert_cmpuint (c->refused, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* without a broker every answer is "not sent", a warning: criticals stay fatal */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/rpc/dispatch-and-record", test_rpc);
  g_test_add_func ("/rpc/farm-host", test_rpc_host);
  return g_test_run ();
}
