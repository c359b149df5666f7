/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-ets-transcript.h"
#include "tf-json.h"

#include <string.h>

/* A message line's payload is cut here: the store's bound is per run, and one firmware
 * image's block should not push every other message out of it. */
#define PAYLOAD_MAX 512

/* CoAP option numbers (RFC 7252 §5.10, 7641, 7959, 8613 names) */
static const char *
option_name (gint64 n)
{
  switch (n)
    {
    case 1:
      return "If-Match";
    case 3:
      return "Uri-Host";
    case 4:
      return "ETag";
    case 5:
      return "If-None-Match";
    case 6:
      return "Observe";
    case 7:
      return "Uri-Port";
    case 8:
      return "Location-Path";
    case 11:
      return "Uri-Path";
    case 12:
      return "Content-Format";
    case 14:
      return "Max-Age";
    case 15:
      return "Uri-Query";
    case 17:
      return "Accept";
    case 20:
      return "Location-Query";
    case 23:
      return "Block2";
    case 27:
      return "Block1";
    case 28:
      return "Size2";
    case 35:
      return "Proxy-Uri";
    case 39:
      return "Proxy-Scheme";
    case 60:
      return "Size1";
    default:
      return NULL;
    }
}

/* printable: control characters as \xNN, so that a line stays a line */
static void
append_printable (GString *s, const char *text, gsize max)
{
  gsize n = 0;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      if (n++ >= max)
        {
          g_string_append (s, "…");
          return;
        }
      if (c == (gunichar)-1 || c == (gunichar)-2)
        return;
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_unichar (s, c);
    }
}

/* the runner's JSON is another program's output: every element's type is checked */
static JsonObject *
object_at (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gint64
int_at (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
             ? json_node_get_int (n)
             : -1;
}

static void
append_options (GString *s, JsonArray *opts)
{
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonNode *n = json_array_get_element (opts, i);
      JsonArray *o = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
      const char *name;
      if (o == NULL || json_array_get_length (o) < 2)
        continue;
      name = option_name (int_at (o, 0));
      if (name != NULL)
        g_string_append_printf (s, " %s=", name);
      else
        g_string_append_printf (s, " opt%" G_GINT64_FORMAT "=", int_at (o, 0));
      {
        JsonNode *v = json_array_get_element (o, 1);
        if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
          append_printable (s, json_node_get_string (v), 128);
        else if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64)
          g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (v));
      }
    }
}

static void
append_message (GString *s, JsonObject *m, gint64 t0, gboolean server_side)
{
  const char *dir = tf_json_get_string (m, "dir");
  const char *payload = tf_json_get_string (m, "payload");
  gint64 t = tf_json_get_int (m, "time_us", t0);
  gboolean in = g_strcmp0 (dir, "in") == 0;

  /* the lab's reference side's view: "in" came from the implementation under test */
  g_string_append_printf (s, "  %+9.3f s %s %s %s %s mid=%" G_GINT64_FORMAT " token=%s",
                          (double)(t - t0) / G_USEC_PER_SEC,
                          in ? (server_side ? "server→lab" : "client→lab")
                             : (server_side ? "lab→server" : "lab→client"),
                          tf_json_get_string (m, "peer") ? tf_json_get_string (m, "peer") : "?",
                          tf_json_get_string (m, "type") ? tf_json_get_string (m, "type") : "?",
                          tf_json_get_string (m, "code") ? tf_json_get_string (m, "code") : "?",
                          tf_json_get_int (m, "mid", -1),
                          tf_json_get_string (m, "token") && *tf_json_get_string (m, "token")
                              ? tf_json_get_string (m, "token")
                              : "-");
  append_options (s, tf_json_get_array (m, "options"));
  if (json_object_has_member (m, "payload_len"))
    g_string_append_printf (s, " payload=%" G_GINT64_FORMAT "B",
                            tf_json_get_int (m, "payload_len", 0));
  g_string_append_c (s, '\n');
  if (payload != NULL && *payload != '\0')
    {
      g_string_append (s, "             ");
      append_printable (s, payload, PAYLOAD_MAX);
      g_string_append_c (s, '\n');
    }
}

char *
tf_ets_transcript (JsonObject *run)
{
  g_autoptr (GString) s = g_string_new (NULL);
  JsonArray *criteria = tf_json_get_array (run, "criteria");
  JsonArray *exchange = tf_json_get_array (run, "exchange");
  JsonObject *broke = tf_json_get_object (run, "message");
  gint64 t0 = tf_json_get_int (run, "started_us", 0);
  guint n = exchange != NULL ? json_array_get_length (exchange) : 0;
  /* tf-ets-run --server-under-test: the lab's client judged a server */
  gboolean server_side = g_strcmp0 (tf_json_get_string (run, "side"), "server") == 0;
  JsonArray *steps = tf_json_get_array (run, "steps");

  if (server_side)
    {
      g_string_append (s, "server under test ");
      append_printable (
          s, tf_json_get_string (run, "server_uri") ? tf_json_get_string (run, "server_uri") : "?",
          256);
      g_string_append (s, ", the lab's client: ");
    }
  g_string_append_printf (
      s, "ETS %s case %" G_GINT64_FORMAT " %s, endpoint %s: %s",
      tf_json_get_string (run, "ets") ? tf_json_get_string (run, "ets") : "?",
      tf_json_get_int (run, "case", -1),
      tf_json_get_string (run, "name") ? tf_json_get_string (run, "name") : "",
      tf_json_get_string (run, "endpoint") ? tf_json_get_string (run, "endpoint") : "?",
      tf_json_get_string (run, "verdict") ? tf_json_get_string (run, "verdict") : "?");
  if (tf_json_get_string (run, "criterion") != NULL)
    g_string_append_printf (s, " at criterion %s", tf_json_get_string (run, "criterion"));
  g_string_append_printf (s, " (%" G_GINT64_FORMAT " ms)\n",
                          tf_json_get_int (run, "duration_ms", 0));
  if (tf_json_get_string (run, "reason") != NULL)
    {
      g_string_append (s, "reason: ");
      append_printable (s, tf_json_get_string (run, "reason"), 1024);
      g_string_append_c (s, '\n');
    }
  if (broke != NULL)
    {
      g_string_append (s, "the message that broke it:\n");
      append_message (s, broke, t0 > 0 ? t0 : tf_json_get_int (broke, "time_us", 0), server_side);
    }
  g_string_append (s, "criteria:\n");
  for (guint i = 0; criteria != NULL && i < json_array_get_length (criteria); i++)
    {
      JsonObject *c = object_at (criteria, i);
      if (c == NULL)
        continue;
      g_string_append_printf (s, "  [%s] %s ",
                              json_object_get_boolean_member_with_default (c, "ok", FALSE) ? "ok"
                                                                                           : "NO",
                              tf_json_get_string (c, "id") ? tf_json_get_string (c, "id") : "?");
      append_printable (s, tf_json_get_string (c, "what") ? tf_json_get_string (c, "what") : "",
                        512);
      g_string_append_c (s, '\n');
    }
  /* what the operator (or the company's driver) was asked to do, and what the driver said */
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *st = object_at (steps, i);
      if (st == NULL)
        continue;
      g_string_append (s, i == 0 ? "operator steps:\n  " : "  ");
      append_printable (
          s, tf_json_get_string (st, "operator") ? tf_json_get_string (st, "operator") : "?", 512);
      if (json_object_has_member (st, "driver_exit"))
        g_string_append_printf (s, " (driver exit %" G_GINT64_FORMAT ")",
                                tf_json_get_int (st, "driver_exit", -1));
      g_string_append_c (s, '\n');
    }
  g_string_append_printf (s, "exchange: %u CoAP messages", n);
  if (tf_json_get_int (run, "exchange_dropped", 0) > 0)
    g_string_append_printf (s, ", %" G_GINT64_FORMAT " more not recorded (over the bound)",
                            tf_json_get_int (run, "exchange_dropped", 0));
  g_string_append_c (s, '\n');
  for (guint i = 0; i < n; i++)
    {
      JsonObject *m = object_at (exchange, i);
      if (m != NULL)
        append_message (s, m, t0 > 0 ? t0 : tf_json_get_int (m, "time_us", 0), server_side);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
tf_ets_transcript_summary (const char *transcript)
{
  const char *ex = strstr (transcript, "\nexchange: ");
  const char *end;
  if (ex == NULL)
    return g_strdup (transcript);
  end = strchr (ex + 1, '\n');
  return g_strndup (transcript, end != NULL ? (gsize)(end - transcript + 1) : strlen (transcript));
}
