/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interop with an independent LwM2M stack, lwm2m-node-lib 1.4.0 (Telefonica, Node.js, LwM2M
 * 1.0): our server registers its client, discovers and reads /3/0 and observes a resource; our
 * client registers with its server and answers its reads, writes and observation. */
#include "config.h"

#include "tf-lwm2m-net-util.h"

#define T_OP 60000

static const char *
interop_dir (void)
{
  static char dir[4096];
  g_snprintf (dir, sizeof dir, "%s/tests/lwm2m/interop", g_getenv ("TF_SOURCE_ROOT"));
  return dir;
}

static TfTestClient *
node_start (const char *ready, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *modules = g_build_filename (interop_dir (), "node_modules", NULL);
  va_list ap;
  g_ptr_array_add (argv, g_strdup ("node"));
  g_ptr_array_add (argv, g_build_filename (interop_dir (), "node-lwm2m.js", NULL));
  va_start (ap, ready);
  for (const char *s = va_arg (ap, const char *); s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (s));
  va_end (ap);
  return tf_test_peer_start (argv, modules, ready);
}

static JsonObject *
parse (const char *line)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_nonnull (line);
  g_assert_true (json_parser_load_from_data (p, line, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

/* A command to the node peer and its reply line. */
static JsonObject *
node_cmd (TfTestClient *node, const char *reply, const char *json)
{
  g_autofree char *needle = g_strdup_printf ("\"reply\":\"%s\"", reply);
  tf_test_client_send (node, json);
  return parse (tf_test_client_expect (node, needle, T_OP));
}

static const char *
value (JsonObject *result, const char *path)
{
  JsonObject *v = json_object_has_member (result, "values")
                      ? json_object_get_object_member (result, "values")
                      : NULL;
  return v != NULL ? json_object_get_string_member_with_default (v, path, NULL) : NULL;
}

/* tf-lwm2m-server ← lwm2m-node-lib's client */
static void
test_our_server_their_client (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *port = g_strdup_printf ("%u", s->port);
  TfTestClient *node
      = node_start ("\"event\":\"registered\"", "client", "127.0.0.1", port, "node-1", NULL);
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) r = NULL;
  g_autoptr (JsonObject) disc = NULL;
  g_autoptr (JsonObject) obs = NULL;
  g_autoptr (JsonObject) note = NULL;
  g_autoptr (JsonObject) set = NULL;
  g_autoptr (JsonObject) wait = NULL;
  g_auto (GStrv) links = NULL;
  guint resources = 0;

  wait = tf_test_server_cmd (
      s, "{\"cmd\":\"wait\",\"event\":\"registration\",\"ep\":\"node-1\",\"timeout_ms\":%u}", T_OP);
  g_assert_true (json_object_get_boolean_member (wait, "ok"));
  reg = json_object_ref (json_object_get_object_member (wait, "result"));
  g_assert_cmpstr (json_object_get_string_member (reg, "version"), ==, "1.0");
  g_assert_cmpstr (json_object_get_string_member (reg, "links"), ==, "</3/0>");

  /* it reads resources only: /3/0 is answered 4.04, so /3/0 is discovered and read resource
   * by resource */
  r = tf_test_server_ok (s, "{\"cmd\":\"read\",\"ep\":\"node-1\",\"path\":\"/3/0\"}");
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, "4.04");
  disc = tf_test_server_ok (s, "{\"cmd\":\"discover\",\"ep\":\"node-1\",\"path\":\"/3/0\"}");
  g_assert_cmpstr (json_object_get_string_member (disc, "code"), ==, "2.05");
  links = g_strsplit (json_object_get_string_member (disc, "text"), ",", 64);
  for (guint i = 0; links[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr (JsonObject) rr = NULL;
      if (!g_str_has_prefix (links[i], "</3/0/"))
        continue;
      path = g_strndup (links[i] + 1, strcspn (links[i] + 1, ">"));
      rr = tf_test_server_ok (s, "{\"cmd\":\"read\",\"ep\":\"node-1\",\"path\":\"%s\"}", path);
      g_assert_cmpstr (json_object_get_string_member (rr, "code"), ==, "2.05");
      g_test_message ("%s = %s", path, value (rr, path));
      if (g_str_equal (path, "/3/0/0"))
        g_assert_cmpstr (value (rr, path), ==, "Telefonica I+D");
      resources++;
    }
  g_assert_cmpuint (resources, >=, 5);

  /* observe: the first answer, then a notification when the value changes */
  obs = tf_test_server_ok (s, "{\"cmd\":\"observe\",\"ep\":\"node-1\",\"path\":\"/3/0/9\"}");
  g_assert_cmpstr (json_object_get_string_member (obs, "code"), ==, "2.05");
  g_assert_cmpstr (value (obs, "/3/0/9"), ==, "87");
  set = node_cmd (node, "set", "{\"cmd\":\"set\",\"obj\":\"/3/0\",\"res\":\"9\",\"value\":\"55\"}");
  g_assert_true (json_object_get_boolean_member (set, "ok"));
  g_clear_pointer (&wait, json_object_unref);
  wait = tf_test_server_cmd (
      s,
      "{\"cmd\":\"wait\",\"event\":\"notification\",\"observation\":%" G_GINT64_FORMAT
      ",\"timeout_ms\":%u}",
      json_object_get_int_member (obs, "observation"), T_OP);
  g_assert_true (json_object_get_boolean_member (wait, "ok"));
  note = json_object_ref (json_object_get_object_member (wait, "result"));
  g_assert_cmpstr (value (note, "/3/0/9"), ==, "55");

  tf_test_client_kill (node);
  tf_test_server_stop (s);
}

/* tf-lwm2m-client → lwm2m-node-lib's server */
static void
test_our_client_their_server (void)
{
  guint16 port = tf_test_free_udp_port ();
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_autofree char *server = g_strdup_printf ("--server=coap://127.0.0.1:%u", port);
  TfTestClient *node = node_start ("\"event\":\"listening\"", "server", port_s, NULL);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=tf-1", server, "--lwm2m=1.0", "--start", NULL);
  g_autoptr (JsonObject) reg
      = parse (tf_test_client_expect (node, "\"event\":\"registration\"", T_OP));
  JsonObject *r;

  g_assert_cmpstr (json_object_get_string_member (reg, "ep"), ==, "tf-1");
  g_assert_cmpstr (json_object_get_string_member (reg, "version"), ==, "1.0");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_OP));

  r = node_cmd (node, "read", "{\"cmd\":\"read\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0,\"res\":0}");
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_cmpstr (json_object_get_string_member (r, "value"), ==, "TestFest Lab");
  json_object_unref (r);
  r = node_cmd (node, "read", "{\"cmd\":\"read\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0,\"res\":9}");
  g_assert_cmpstr (json_object_get_string_member (r, "value"), ==, "100");
  json_object_unref (r);
  r = node_cmd (node, "discover", "{\"cmd\":\"discover\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0}");
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "value"), "</3/0/9>"));
  json_object_unref (r);
  /* it writes with LwM2M 1.0's draft number for text (1541): taken as text/plain */
  r = node_cmd (
      node, "write",
      "{\"cmd\":\"write\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0,\"res\":14,\"value\":\"+03:00\"}");
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  json_object_unref (r);
  r = node_cmd (node, "read", "{\"cmd\":\"read\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0,\"res\":14}");
  g_assert_cmpstr (json_object_get_string_member (r, "value"), ==, "+03:00");
  json_object_unref (r);
  r = node_cmd (node, "observe",
                "{\"cmd\":\"observe\",\"ep\":\"tf-1\",\"obj\":3,\"inst\":0,\"res\":9}");
  g_assert_cmpstr (json_object_get_string_member (r, "value"), ==, "100");
  json_object_unref (r);
  tf_test_client_send (c, "set /3/0/9 42");
  r = parse (tf_test_client_expect (node, "\"event\":\"notification\"", T_OP));
  g_assert_cmpstr (json_object_get_string_member (r, "value"), ==, "42");
  json_object_unref (r);

  tf_test_client_kill (c);
  tf_test_client_kill (node);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/interop/our-server-their-client", test_our_server_their_client);
  g_test_add_func ("/lwm2m/interop/our-client-their-server", test_our_client_their_server);
  return g_test_run ();
}
