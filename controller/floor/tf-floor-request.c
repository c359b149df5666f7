/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-floor-request.h"
#include "tf-error.h"
#include "tf-session.h"

#include <string.h>

#define MAX_TEXT 4096

void
tf_in_request_free (TfInRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->company);
  g_free (r->verb);
  g_free (r->user);
  g_free (r->session);
  g_free (r->verdict);
  g_free (r->note);
  g_free (r->issue);
  g_free (r);
}

gboolean
tf_floor_valid_id (const char *s)
{
  gsize n = 0;
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return n <= 200;
}

char *
tf_in_request_who (const TfInRequest *r)
{
  return r->user != NULL ? g_strdup_printf ("%s/%s", r->company, r->user) : g_strdup (r->company);
}

static gboolean
bad (GError **error, const char *msg)
{
  g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

/* A string member: absent is fine unless @required; a wrong type or a
 * string that is too long or not UTF-8 is not. */
static gboolean
get_text (JsonObject *o, const char *key, gboolean required, char **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  const char *v;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    {
      if (required)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "missing \"%s\"", key);
          return FALSE;
        }
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "\"%s\" must be a string", key);
      return FALSE;
    }
  v = json_node_get_string (n);
  if (strlen (v) > MAX_TEXT || !g_utf8_validate (v, -1, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "\"%s\" must be UTF-8 of at most %d bytes", key, MAX_TEXT);
      return FALSE;
    }
  *out = g_strdup (v);
  return TRUE;
}

TfInRequest *
tf_in_request_parse (const char *prefix, const char *topic, const void *payload, gsize len,
                     GError **error)
{
  static const char *const verbs[]
      = { "verdict", "verify", "sign", "report", "sessions", "run", NULL };
  g_autoptr (TfInRequest) r = g_new0 (TfInRequest, 1);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (GStrv) parts = NULL;
  g_autofree char *in = g_strconcat (prefix, "in/", NULL);
  JsonNode *root, *n;
  JsonObject *o;

  r->case_id = -1;
  if (topic == NULL || !g_str_has_prefix (topic, in))
    return bad (error, "not a request topic"), NULL;
  parts = g_strsplit (topic + strlen (in), "/", -1);
  if (g_strv_length (parts) != 2 || !tf_floor_valid_id (parts[0]))
    return bad (error, "the topic must be in/<company>/<verb>"), NULL;
  if (!g_strv_contains (verbs, parts[1]))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "unknown request '%.64s'",
                   g_utf8_validate (parts[1], -1, NULL) ? parts[1] : "?");
      return NULL;
    }
  r->company = g_strdup (parts[0]);
  r->verb = g_strdup (parts[1]);
  if (len == 0)
    payload = "{}", len = 2;
  if (len > 64 * 1024)
    return bad (error, "payload larger than 64 KiB"), NULL;
  {
    g_autoptr (GError) local = NULL;
    if (!json_parser_load_from_data (parser, payload, len, &local))
      {
        g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "payload is not JSON: %s",
                     local->message);
        return NULL;
      }
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, "payload is not a JSON object"), NULL;
  o = json_node_get_object (root);
  if (!get_text (o, "user", FALSE, &r->user, error))
    return NULL;
  if (r->user != NULL && (!tf_floor_valid_id (r->user) || strlen (r->user) > 64))
    return bad (error, "\"user\" may hold only letters, digits, '.', '_' and '-' (64 at most)"),
           NULL;
  if (g_strcmp0 (r->verb, "sessions") == 0)
    return g_steal_pointer (&r);
  if (!get_text (o, "session", TRUE, &r->session, error))
    return NULL;
  if (!tf_floor_valid_id (r->session))
    return bad (error, "\"session\" is not a session id"), NULL;
  if (g_strcmp0 (r->verb, "sign") == 0 || g_strcmp0 (r->verb, "report") == 0)
    return g_steal_pointer (&r);
  n = json_object_get_member (o, "case");
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
      || json_node_get_int (n) < 0 || json_node_get_int (n) > 9999)
    return bad (error, "\"case\" must be a test case number (0-9999)"), NULL;
  r->case_id = json_node_get_int (n);
  if (!get_text (o, "note", FALSE, &r->note, error))
    return NULL;
  if (g_strcmp0 (r->verb, "verdict") == 0)
    {
      TfVerdict v;
      if (!get_text (o, "verdict", TRUE, &r->verdict, error))
        return NULL;
      if (!tf_verdict_from_string (r->verdict, &v))
        return bad (error, "\"verdict\" must be pass, fail, inconclusive, not-applicable or "
                           "out-of-time"),
               NULL;
      if (!get_text (o, "issue", FALSE, &r->issue, error))
        return NULL;
      if (r->issue != NULL && !g_str_has_prefix (r->issue, "https://")
          && !g_str_has_prefix (r->issue, "http://"))
        return bad (error, "\"issue\" must be an http(s) link to the spec issue"), NULL;
    }
  else if (g_strcmp0 (r->verb, "verify") == 0)
    {
      n = json_object_get_member (o, "agree");
      if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        return bad (error, "\"agree\" must be true or false"), NULL;
      r->agree = json_node_get_boolean (n);
      if (!r->agree && (r->note == NULL || *r->note == '\0'))
        return bad (error, "a dispute needs a \"note\" saying why"), NULL;
    }
  return g_steal_pointer (&r);
}
