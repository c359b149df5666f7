/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SenML JSON (RFC 8428) as LwM2M 1.1 uses it: names are paths, "bn" a path prefix. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-senml-json.h"

gboolean
tf_lwm2m_senml_resolve (const TfLwm2mPath *path, const char *bn, const char *n, guint index,
                        TfLwm2mRecord *r, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *request = tf_lwm2m_path_to_string (path);

  /* without any base name, relative names are relative to the request */
  if (bn == NULL && (n == NULL || n[0] != '/'))
    bn = request;
  if (!tf_lwm2m_codec_join_path (bn, n, &r->path, &local) || r->path.len < 3
      || !tf_lwm2m_path_is_prefix (path, &r->path))
    {
      tf_lwm2m_bad (error, "SenML record %u: name \"%.64s\" + \"%.64s\" is not a resource under %s",
                    index, bn ? bn : "", n ? n : "", request);
      return FALSE;
    }
  if (!tf_lwm2m_codec_coerce (r, error))
    {
      g_prefix_error (error, "SenML record %u: ", index);
      return FALSE;
    }
  return TRUE;
}

GBytes *
tf_lwm2m_base64url_decode (const char *s, gsize len, GError **error)
{
  g_autoptr (GString) std = g_string_sized_new (len + 4);
  guchar *raw;
  gsize n = 0;
  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (c == '=')
        break; /* tolerate padding */
      else if (!g_ascii_isalnum (c))
        {
          tf_lwm2m_bad (error, "\"vd\" is not base64url (offset %" G_GSIZE_FORMAT ")", i);
          return NULL;
        }
      g_string_append_c (std, c);
    }
  if (std->len % 4 == 1)
    {
      tf_lwm2m_bad (error, "\"vd\" is not base64url (length)");
      return NULL;
    }
  while (std->len % 4 != 0)
    g_string_append_c (std, '=');
  raw = g_base64_decode (std->str, &n);
  return g_bytes_new_take (raw, n);
}

char *
tf_lwm2m_base64url_encode (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  char *s = g_base64_encode (data, len);
  char *w = s;
  for (char *c = s; *c; c++)
    if (*c != '=')
      *w++ = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  *w = '\0';
  return s;
}

static gboolean
get_number (JsonNode *v, gdouble *out)
{
  if (!JSON_NODE_HOLDS_VALUE (v))
    return FALSE;
  if (json_node_get_value_type (v) == G_TYPE_INT64)
    *out = (gdouble)json_node_get_int (v);
  else if (json_node_get_value_type (v) == G_TYPE_DOUBLE)
    *out = json_node_get_double (v);
  else
    return FALSE;
  return TRUE;
}

static const char *
get_string (JsonNode *v)
{
  if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (v);
}

GPtrArray *
tf_lwm2m_senml_json_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (JsonNode) root = tf_lwm2m_json_load (data, len, error);
  JsonArray *a;
  const char *bn = NULL;
  gdouble bt = 0;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      tf_lwm2m_bad (error, "SenML JSON: the document is not an array");
      return NULL;
    }
  a = json_node_get_array (root);
  if (json_array_get_length (a) > TF_LWM2M_MAX_RECORDS)
    {
      tf_lwm2m_bad (error, "SenML JSON: more than %u records", TF_LWM2M_MAX_RECORDS);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *en = json_array_get_element (a, i);
      g_autoptr (TfLwm2mRecord) r = NULL;
      g_autoptr (GList) members = NULL;
      TfLwm2mPath none = { 0 };
      const char *n = NULL;
      gdouble t = 0;
      guint values = 0;

      if (!JSON_NODE_HOLDS_OBJECT (en))
        {
          tf_lwm2m_bad (error, "SenML JSON: record %u is not an object", i);
          return NULL;
        }
      r = tf_lwm2m_record_new (&none, TF_LWM2M_TYPE_NONE);
      members = json_object_get_members (json_node_get_object (en));
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          JsonNode *v = json_object_get_member (json_node_get_object (en), key);
          const char *s = NULL;
          gboolean ok = TRUE;

          if (g_str_equal (key, "bn"))
            ok = (bn = get_string (v)) != NULL;
          else if (g_str_equal (key, "bt"))
            ok = get_number (v, &bt);
          else if (g_str_equal (key, "n"))
            ok = (n = get_string (v)) != NULL;
          else if (g_str_equal (key, "t"))
            ok = get_number (v, &t);
          else if (g_str_equal (key, "v"))
            {
              values++;
              ok = JSON_NODE_HOLDS_VALUE (v);
              if (ok && json_node_get_value_type (v) == G_TYPE_INT64)
                {
                  r->type = TF_LWM2M_TYPE_INTEGER;
                  r->v.i = json_node_get_int (v);
                }
              else if (ok && json_node_get_value_type (v) == G_TYPE_DOUBLE)
                {
                  r->type = TF_LWM2M_TYPE_FLOAT;
                  r->v.f = json_node_get_double (v);
                }
              else
                ok = FALSE;
            }
          else if (g_str_equal (key, "vb"))
            {
              values++;
              ok = JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_BOOLEAN;
              r->type = TF_LWM2M_TYPE_BOOLEAN;
              r->v.b = ok && json_node_get_boolean (v);
            }
          else if (g_str_equal (key, "vs"))
            {
              values++;
              ok = (s = get_string (v)) != NULL;
              r->type = TF_LWM2M_TYPE_STRING;
              if (ok)
                r->bytes = g_bytes_new (s, strlen (s));
            }
          else if (g_str_equal (key, "vd"))
            {
              values++;
              r->type = TF_LWM2M_TYPE_OPAQUE;
              ok = (s = get_string (v)) != NULL
                   && (r->bytes = tf_lwm2m_base64url_decode (s, strlen (s), NULL)) != NULL;
            }
          else if (g_str_equal (key, "vlo"))
            {
              values++;
              ok = (s = get_string (v)) != NULL
                   && tf_lwm2m_record_set_from_string (r, TF_LWM2M_TYPE_OBJLNK, s, NULL);
            }
          else if (g_str_has_suffix (key, "_"))
            {
              tf_lwm2m_bad (error, "SenML JSON: record %u: must-understand field \"%.32s\"", i,
                            key);
              return NULL;
            }
          if (!ok)
            {
              tf_lwm2m_bad (error, "SenML JSON: record %u: field \"%.32s\" has the wrong type", i,
                            key);
              return NULL;
            }
        }
      if (values != 1)
        {
          tf_lwm2m_bad (error, "SenML JSON: record %u has %u values (one of v, vs, vb, vd, vlo)", i,
                        values);
          return NULL;
        }
      r->time = bt + t;
      if (!tf_lwm2m_senml_resolve (path, bn, n, i, r, error))
        return NULL;
      g_ptr_array_add (out, g_steal_pointer (&r));
    }
  return g_steal_pointer (&out);
}

GBytes *
tf_lwm2m_senml_json_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *bn = tf_lwm2m_json_base_name (path, records);
  g_autoptr (GPtrArray) sorted = tf_lwm2m_codec_sorted (records);
  gsize len = 0;
  char *text;

  if (!tf_lwm2m_codec_check_values (records, error))
    return NULL;
  json_builder_begin_array (b);
  for (guint i = 0; i < sorted->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (sorted, i);
      g_autofree char *n = tf_lwm2m_json_relative_name (path, &r->path);
      g_autofree char *s = NULL;

      json_builder_begin_object (b);
      if (i == 0)
        {
          json_builder_set_member_name (b, "bn");
          json_builder_add_string_value (b, bn);
        }
      if (n[0] != '\0')
        {
          json_builder_set_member_name (b, "n");
          json_builder_add_string_value (b, n);
        }
      switch (r->type)
        {
        case TF_LWM2M_TYPE_INTEGER:
        case TF_LWM2M_TYPE_TIME:
          json_builder_set_member_name (b, "v");
          json_builder_add_int_value (b, r->v.i);
          break;
        case TF_LWM2M_TYPE_UNSIGNED:
          json_builder_set_member_name (b, "v");
          if (r->v.u <= G_MAXINT64)
            json_builder_add_int_value (b, (gint64)r->v.u);
          else
            json_builder_add_double_value (b, (gdouble)r->v.u);
          break;
        case TF_LWM2M_TYPE_FLOAT:
          json_builder_set_member_name (b, "v");
          json_builder_add_double_value (b, r->v.f);
          break;
        case TF_LWM2M_TYPE_BOOLEAN:
          json_builder_set_member_name (b, "vb");
          json_builder_add_boolean_value (b, r->v.b);
          break;
        case TF_LWM2M_TYPE_OBJLNK:
          s = tf_lwm2m_record_value_to_string (r);
          json_builder_set_member_name (b, "vlo");
          json_builder_add_string_value (b, s);
          break;
        case TF_LWM2M_TYPE_OPAQUE:
          s = tf_lwm2m_base64url_encode (r->bytes);
          json_builder_set_member_name (b, "vd");
          json_builder_add_string_value (b, s);
          break;
        case TF_LWM2M_TYPE_STRING:
        case TF_LWM2M_TYPE_CORELNK:
        default:
          s = tf_lwm2m_record_value_to_string (r);
          json_builder_set_member_name (b, "vs");
          json_builder_add_string_value (b, s);
          break;
        }
      if (r->time != 0)
        {
          json_builder_set_member_name (b, "t");
          json_builder_add_double_value (b, r->time);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}
