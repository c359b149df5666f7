/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-json"

#include "tf-json.h"
#include "tf-error.h"

#include <string.h>

static gboolean
fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

static gint
hex4 (const guchar *p, gsize left)
{
  gint v = 0;
  if (left < 4)
    return -1;
  for (guint i = 0; i < 4; i++)
    {
      gint d = g_ascii_xdigit_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* One pass, no allocation, no recursion: json-glib recurses once per level
 * and an 8 MB "[[[[..." overflows the stack long before it says no. */
gboolean
tf_json_check (const void *data, gsize len, gsize max_size, guint max_depth, GError **error)
{
  const guchar *p = data;
  guint depth = 0;

  if (len > max_size)
    {
      if (max_size % 1024 == 0)
        return fail (error,
                     "payload of %" G_GSIZE_FORMAT " bytes is larger than %" G_GSIZE_FORMAT " KiB",
                     len, max_size / 1024);
      return fail (error,
                   "payload of %" G_GSIZE_FORMAT " bytes is larger than %" G_GSIZE_FORMAT " bytes",
                   len, max_size);
    }
  if (len > 0 && memchr (p, '\0', len) != NULL)
    return fail (error, "payload holds a NUL byte");
  if (!g_utf8_validate_len ((const char *)p, len, NULL))
    return fail (error, "payload is not valid UTF-8");
  for (gsize i = 0; i < len; i++)
    {
      guchar c = p[i];
      if (c == '"')
        {
          for (i++; i < len && p[i] != '"'; i++)
            {
              gint v, lo;
              if (p[i] != '\\')
                continue;
              if (++i >= len || p[i] != 'u')
                continue;
              v = hex4 (p + i + 1, len - i - 1);
              if (v < 0)
                continue; /* json-glib names the bad escape */
              i += 4;
              if (v == 0)
                return fail (error, "a string holds an escaped NUL (\\u0000)");
              if (v >= 0xDC00 && v <= 0xDFFF)
                return fail (error, "a string holds a lone surrogate (\\u%04X)", (guint)v);
              if (v >= 0xD800 && v <= 0xDBFF)
                {
                  lo = i + 6 < len && p[i + 1] == '\\' && p[i + 2] == 'u'
                           ? hex4 (p + i + 3, len - i - 3)
                           : -1;
                  if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail (error, "a string holds a lone surrogate (\\u%04X)", (guint)v);
                  i += 6;
                }
            }
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return fail (error, "payload is nested deeper than %u levels", max_depth);
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* json-glib keeps the last of two equal keys; a request that says one thing
 * to one reader and another to the next is refused instead. */
typedef struct
{
  GHashTable *objects; /* JsonObject * -> set of names */
  char *dup;
} Keys;

static void
on_member (JsonParser *parser, JsonObject *object, const char *name, gpointer user_data)
{
  Keys *k = user_data;
  GHashTable *seen;
  if (k->dup != NULL)
    return;
  seen = g_hash_table_lookup (k->objects, object);
  if (seen == NULL)
    {
      seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (k->objects, object, seen);
    }
  if (!g_hash_table_add (seen, g_strdup (name)))
    k->dup = g_strdup (name);
}

JsonObject *
tf_json_parse_object (const void *data, gsize len, gsize max_size, guint max_depth, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  Keys k = { g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref), NULL };
  JsonNode *root;
  gboolean ok;

  if (len == 0)
    data = "{}", len = 2;
  if (!tf_json_check (data, len, max_size, max_depth, error))
    {
      g_hash_table_unref (k.objects);
      return NULL;
    }
  g_signal_connect (parser, "object-member", G_CALLBACK (on_member), &k);
  ok = json_parser_load_from_data (parser, data, len, &local);
  g_hash_table_unref (k.objects);
  if (!ok)
    {
      g_free (k.dup);
      fail (error, "payload is not JSON: %s", local->message);
      return NULL;
    }
  if (k.dup != NULL)
    {
      g_autofree char *dup = k.dup;
      fail (error, "%.64s: the key appears twice", g_utf8_validate (dup, -1, NULL) ? dup : "?");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, "payload is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

const char *
tf_json_node_kind (JsonNode *n)
{
  if (n == NULL)
    return "nothing";
  switch (json_node_get_node_type (n))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      break;
    }
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return "a number";
    case G_TYPE_DOUBLE:
      return "a fractional number";
    default:
      return "a value";
    }
}

static JsonNode *
member (JsonObject *o, const char *key)
{
  return o != NULL ? json_object_get_member (o, key) : NULL;
}

static gboolean
holds (JsonNode *n, GType type)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type;
}

const char *
tf_json_get_string (JsonObject *o, const char *key)
{
  JsonNode *n = member (o, key);
  return holds (n, G_TYPE_STRING) ? json_node_get_string (n) : NULL;
}

gint64
tf_json_get_int (JsonObject *o, const char *key, gint64 def)
{
  JsonNode *n = member (o, key);
  return holds (n, G_TYPE_INT64) ? json_node_get_int (n) : def;
}

gboolean
tf_json_get_bool (JsonObject *o, const char *key, gboolean def)
{
  JsonNode *n = member (o, key);
  return holds (n, G_TYPE_BOOLEAN) ? json_node_get_boolean (n) : def;
}

JsonObject *
tf_json_get_object (JsonObject *o, const char *key)
{
  JsonNode *n = member (o, key);
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
tf_json_get_array (JsonObject *o, const char *key)
{
  JsonNode *n = member (o, key);
  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* absent (or null): TRUE with *present FALSE, or the "missing" error */
static gboolean
lookup (JsonObject *o, const char *key, gboolean required, GType type, const char *want,
        JsonNode **out, GError **error)
{
  JsonNode *n = member (o, key);
  *out = NULL;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return required ? fail (error, "missing \"%s\"", key) : TRUE;
  if (!holds (n, type))
    return fail (error, "%s: expected %s, got %s", key, want, tf_json_node_kind (n));
  *out = n;
  return TRUE;
}

gboolean
tf_json_read_string (JsonObject *o, const char *key, gboolean required, gsize max_len,
                     const char **out, GError **error)
{
  JsonNode *n;
  const char *v;
  if (!lookup (o, key, required, G_TYPE_STRING, "a string", &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  v = json_node_get_string (n);
  if (strlen (v) > max_len)
    return fail (error, "%s: longer than %" G_GSIZE_FORMAT " bytes", key, max_len);
  if (!g_utf8_validate (v, -1, NULL)) /* the scanner saw to it; a caller may not have */
    return fail (error, "%s: not valid UTF-8", key);
  *out = v;
  return TRUE;
}

gboolean
tf_json_valid_id (const char *s, gsize max_len)
{
  gsize n = 0;
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return n <= max_len;
}

gboolean
tf_json_read_id (JsonObject *o, const char *key, gboolean required, gsize max_len, const char **out,
                 GError **error)
{
  const char *v = NULL;
  if (!tf_json_read_string (o, key, required, max_len, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  if (!tf_json_valid_id (v, max_len))
    return fail (error, "%s: only letters, digits, '.', '_' and '-' (1 to %" G_GSIZE_FORMAT ")",
                 key, max_len);
  *out = v;
  return TRUE;
}

gboolean
tf_json_read_int (JsonObject *o, const char *key, gboolean required, gint64 min, gint64 max,
                  gint64 *out, GError **error)
{
  JsonNode *n;
  gint64 v;
  if (!lookup (o, key, required, G_TYPE_INT64, "a whole number", &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  v = json_node_get_int (n);
  if (v < min || v > max)
    return fail (error,
                 "%s: %" G_GINT64_FORMAT " is not from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                 key, v, min, max);
  *out = v;
  return TRUE;
}

gboolean
tf_json_read_bool (JsonObject *o, const char *key, gboolean required, gboolean *out, GError **error)
{
  JsonNode *n;
  if (!lookup (o, key, required, G_TYPE_BOOLEAN, "true or false", &n, error))
    return FALSE;
  if (n != NULL)
    *out = json_node_get_boolean (n);
  return TRUE;
}
