/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bounded JSON reader (tf-json) and the response-topic rule (tf-rpc):
 * no broker, no daemon. */
#include <string.h>

#include "tf-error.h"
#include "tf-json.h"
#include "tf-rpc.h"

static char *
refused (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o
      = tf_json_parse_object (text, strlen (text), TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, &error);
  if (o != NULL)
    return NULL;
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT);
  return g_strdup (error->message);
}

static void
assert_refused (const char *text, const char *reason)
{
  g_autofree char *msg = refused (text);
  if (msg == NULL)
    g_error ("accepted: %.80s", text);
  if (strstr (msg, reason) == NULL)
    g_error ("%.80s: '%s' lacks '%s'", text, msg, reason);
}

static void
test_accepted (void)
{
  const char *ok[] = {
    "{}",
    "",
    "{\"a\":[1,2,{\"b\":\"\\u00e9\\\\u0000\"}],\"c\":{\"a\":1}}", /* \\u0000 is text */
    "{\"smile\":\"\\ud83d\\ude00\"}",
    "{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", /* brackets in a string */
  };
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autofree char *msg = refused (ok[i]);
      if (msg != NULL)
        g_error ("%s refused: %s", ok[i], msg);
    }
}

static void
test_refused (void)
{
  g_autoptr (GString) deep = g_string_new ("{\"a\":");
  g_autoptr (GString) ok_deep = g_string_new ("{\"a\":");
  g_autofree char *big = NULL;
  g_autoptr (GError) error = NULL;

  assert_refused ("{\"note\":\"a\\u0000b\"}", "escaped NUL");
  assert_refused ("{\"board\":\"sim1\\u0000x\"}", "escaped NUL");
  assert_refused ("{\"a\":\"\\udc00\"}", "lone surrogate");
  assert_refused ("{\"a\":\"\\ud800x\"}", "lone surrogate");
  assert_refused ("{\"a\":\"\xff\"}", "not valid UTF-8");
  assert_refused ("{\"a\":1,\"a\":2}", "a: the key appears twice");
  assert_refused ("{\"o\":{\"k\":1,\"k\":1}}", "k: the key appears twice");
  assert_refused ("[1]", "not a JSON object");
  assert_refused ("{", "not JSON");
  {
    const char nul[] = "{\"a\":\"x\0\"}";
    g_autoptr (JsonObject) o = tf_json_parse_object (nul, sizeof (nul) - 1, 1024, 32, &error);
    g_assert_null (o);
    g_assert_nonnull (strstr (error->message, "NUL byte"));
    g_clear_error (&error);
  }
  for (guint i = 0; i < 31; i++)
    g_string_append_c (ok_deep, '[');
  for (guint i = 0; i < 31; i++)
    g_string_append_c (ok_deep, ']');
  g_string_append_c (ok_deep, '}');
  g_assert_null (refused (ok_deep->str));
  /* 100,000 levels: refused by the scanner, json-glib never sees them */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (tf_json_check (deep->str, deep->len, G_MAXSIZE, 32, &error));
  g_assert_nonnull (strstr (error->message, "nested deeper than 32 levels"));
  g_clear_error (&error);
  big = g_malloc (8 * 1024 * 1024);
  memset (big, '[', 8 * 1024 * 1024);
  g_assert_null (tf_json_parse_object (big, 8 * 1024 * 1024, TF_JSON_MAX_SIZE, 32, &error));
  g_assert_nonnull (strstr (error->message, "larger than 64 KiB"));
}

static void
test_typed (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "{\"session\":5,\"lines\":\"many\",\"ok\":true,\"n\":7,\"f\":1.5}";
  g_autoptr (JsonObject) o = tf_json_parse_object (text, strlen (text), 1024, 32, &error);
  const char *s = NULL;
  gint64 n = -1;
  gboolean b = FALSE;

  g_assert_no_error (error);
  g_assert_false (tf_json_read_string (o, "session", TRUE, 64, &s, &error));
  g_assert_cmpstr (error->message, ==, "session: expected a string, got a number");
  g_clear_error (&error);
  g_assert_false (tf_json_read_int (o, "lines", FALSE, 0, 10, &n, &error));
  g_assert_cmpstr (error->message, ==, "lines: expected a whole number, got a string");
  g_clear_error (&error);
  g_assert_false (tf_json_read_int (o, "f", FALSE, 0, 10, &n, &error));
  g_assert_cmpstr (error->message, ==, "f: expected a whole number, got a fractional number");
  g_clear_error (&error);
  g_assert_false (tf_json_read_int (o, "n", FALSE, 0, 5, &n, &error));
  g_clear_error (&error);
  g_assert_true (tf_json_read_int (o, "n", FALSE, 0, 10, &n, &error));
  g_assert_cmpint (n, ==, 7);
  g_assert_false (tf_json_read_string (o, "absent", TRUE, 64, &s, &error));
  g_assert_cmpstr (error->message, ==, "missing \"absent\"");
  g_clear_error (&error);
  g_assert_true (tf_json_read_bool (o, "ok", TRUE, &b, &error));
  g_assert_true (b);
  /* the null-safe getters */
  g_assert_null (tf_json_get_string (NULL, "x"));
  g_assert_null (tf_json_get_string (o, "session"));
  g_assert_cmpint (tf_json_get_int (o, "session", 3), ==, 5);
  g_assert_cmpint (tf_json_get_int (o, "lines", 3), ==, 3);
  g_assert_null (tf_json_get_object (o, "n"));
  g_assert_null (tf_json_get_array (NULL, "n"));
}

static void
test_reply_topic (void)
{
  const struct
  {
    const char *company, *topic;
    gboolean ok;
  } cases[] = {
    { NULL, "tf/l/reply/staff/ctl-1", TRUE },
    { NULL, "tf/l/reply/staff/ctl-1/x/y", TRUE },
    { "acme", "tf/l/reply/acme/acme-web", TRUE },
    { "acme", "tf/l/reply/bolt/bolt-web", FALSE }, /* another company's client */
    { "acme", "tf/l/private/bolt/session/s1/report", FALSE },
    { "acme", "tf/l/schedule", FALSE },
    { "acme", "tf/l/board/sim1/state", FALSE },
    { "acme", "tf/l/summary", FALSE },
    { "acme", "tf/l/session/s1/state", FALSE },
    { "acme", "tf/l/in/bolt/verdict", FALSE },
    { NULL, "tf/l/cmd/power", FALSE },
    { NULL, "tf/other/reply/staff/c", FALSE },
    { NULL, "tf/l/reply/staff", FALSE },
    { NULL, "tf/l/reply/staff/", FALSE },
    { NULL, "tf/l/reply/staff/c/", FALSE },
    { NULL, "tf/l/reply/+/c", FALSE },
    { NULL, "tf/l/reply/staff/#", FALSE },
    { NULL, "tf/l/reply/../c", TRUE }, /* an account named ".." reads it, nobody else */
    { NULL, NULL, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = tf_rpc_check_reply_topic ("tf/l/", cases[i].company, cases[i].topic, &error);
      if (ok != cases[i].ok)
        g_error ("%s for %s: %s", cases[i].topic, cases[i].company ? cases[i].company : "staff",
                 error ? error->message : "accepted");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/accepted", test_accepted);
  g_test_add_func ("/json/refused", test_refused);
  g_test_add_func ("/json/typed", test_typed);
  g_test_add_func ("/rpc/reply-topic", test_reply_topic);
  return g_test_run ();
}
