/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "tf-floor-request.h"
#include "tf-error.h"
#include "tf-json.h"
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

const char *const tf_in_request_verbs[]
    = { "verdict", "verify", "sign", "report", "sessions", "run", NULL };

gboolean
tf_floor_valid_id (const char *s)
{
  return tf_json_valid_id (s, 200);
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

/* A text member, absent unless @required: typed, bounded, UTF-8 (the parser
 * refused NUL already); copied into *@out. */
static gboolean
get_text (JsonObject *o, const char *key, gboolean required, char **out, GError **error)
{
  const char *v = NULL;
  if (!tf_json_read_string (o, key, required, MAX_TEXT, &v, error))
    return FALSE;
  *out = g_strdup (v);
  return TRUE;
}

TfInRequest *
tf_in_request_parse (const char *prefix, const char *topic, const void *payload, gsize len,
                     GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *in = g_strconcat (prefix, "in/", NULL);
  g_autoptr (JsonObject) o = NULL;

  if (topic == NULL || !g_str_has_prefix (topic, in))
    return bad (error, "not a request topic"), NULL;
  parts = g_strsplit (topic + strlen (in), "/", -1);
  if (g_strv_length (parts) != 2 || !tf_floor_valid_id (parts[0]))
    return bad (error, "the topic must be in/<company>/<verb>"), NULL;
  o = tf_json_parse_object (payload, len, TF_JSON_MAX_SIZE, TF_JSON_MAX_DEPTH, error);
  if (o == NULL)
    return NULL;
  return tf_in_request_from_args (parts[0], parts[1], o, error);
}

TfInRequest *
tf_in_request_from_args (const char *company, const char *verb, JsonObject *o, GError **error)
{
  g_autoptr (TfInRequest) r = g_new0 (TfInRequest, 1);
  gint64 case_id = -1;

  r->case_id = -1;
  if (!tf_floor_valid_id (company))
    return bad (error, "the topic must be in/<company>/<verb>"), NULL;
  if (!g_strv_contains (tf_in_request_verbs, verb))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "unknown request '%.64s'",
                   g_utf8_validate (verb, -1, NULL) ? verb : "?");
      return NULL;
    }
  r->company = g_strdup (company);
  r->verb = g_strdup (verb);
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
  if (g_strcmp0 (r->verb, "run") == 0)
    {
      g_autofree char *side = NULL;
      if (!tf_json_read_bool (o, "all-automated", FALSE, &r->all_automated, error)
          || !get_text (o, "side", FALSE, &side, error))
        return NULL;
      if (side != NULL && g_strcmp0 (side, "client") != 0 && g_strcmp0 (side, "server") != 0)
        return bad (error, "\"side\" is \"client\" or \"server\""), NULL;
      r->server_side = g_strcmp0 (side, "server") == 0;
    }
  if (!tf_json_read_int (o, "case", !r->all_automated, 0, 9999, &case_id, error))
    return NULL;
  if (r->all_automated && case_id >= 0)
    return bad (error, "\"case\" or \"all-automated\", not both"), NULL;
  r->case_id = case_id;
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
      if (!tf_json_read_bool (o, "agree", TRUE, &r->agree, error))
        return NULL;
      if (!r->agree && (r->note == NULL || *r->note == '\0'))
        return bad (error, "a dispute needs a \"note\" saying why"), NULL;
    }
  return g_steal_pointer (&r);
}
