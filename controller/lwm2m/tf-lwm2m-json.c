/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LwM2M JSON 1.0: {"bn": base name, "bt": base time, "e": [entries]}. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-json.h"

JsonNode *
tf_lwm2m_json_load (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  const char *end = NULL;

  if (!g_utf8_validate_len ((const char *)data, len, &end))
    {
      tf_lwm2m_bad (error, "JSON at byte %" G_GSIZE_FORMAT ": not UTF-8",
                    (gsize)(end - (const char *)data));
      return NULL;
    }
  if (!tf_lwm2m_codec_json_depth_ok (data, len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, (const char *)data, (gssize)len, &local))
    {
      tf_lwm2m_bad (error, "JSON: %s", local->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      tf_lwm2m_bad (error, "JSON: empty document");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
number_of (JsonNode *n, gdouble *out)
{
  GType t;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = (gdouble)json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return TRUE;
}

static gboolean
string_of (JsonNode *n, const char **out)
{
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return FALSE;
  *out = json_node_get_string (n);
  return TRUE;
}

GPtrArray *
tf_lwm2m_json_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (JsonNode) root = tf_lwm2m_json_load (data, len, error);
  g_autofree char *request = NULL;
  JsonObject *o;
  JsonArray *e;
  const char *bn = NULL;
  gdouble bt = 0;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      tf_lwm2m_bad (error, "LwM2M JSON: the document is not an object");
      return NULL;
    }
  o = json_node_get_object (root);
  if (json_object_has_member (o, "bn") && !string_of (json_object_get_member (o, "bn"), &bn))
    {
      tf_lwm2m_bad (error, "LwM2M JSON: \"bn\" is not a string");
      return NULL;
    }
  if (json_object_has_member (o, "bt") && !number_of (json_object_get_member (o, "bt"), &bt))
    {
      tf_lwm2m_bad (error, "LwM2M JSON: \"bt\" is not a number");
      return NULL;
    }
  if (!json_object_has_member (o, "e") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "e")))
    {
      tf_lwm2m_bad (error, "LwM2M JSON: no \"e\" array");
      return NULL;
    }
  request = tf_lwm2m_path_to_string (path);
  e = json_object_get_array_member (o, "e");
  if (json_array_get_length (e) > TF_LWM2M_MAX_RECORDS)
    {
      tf_lwm2m_bad (error, "LwM2M JSON: more than %u entries", TF_LWM2M_MAX_RECORDS);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (e); i++)
    {
      JsonNode *en = json_array_get_element (e, i);
      JsonObject *eo;
      JsonNode *v;
      const char *n = "";
      const char *s = NULL;
      const char *base;
      gdouble t = 0;
      TfLwm2mPath p;
      g_autoptr (TfLwm2mRecord) r = NULL;
      g_autoptr (GError) local = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (en))
        {
          tf_lwm2m_bad (error, "LwM2M JSON: entry %u is not an object", i);
          return NULL;
        }
      eo = json_node_get_object (en);
      if ((json_object_has_member (eo, "n") && !string_of (json_object_get_member (eo, "n"), &n))
          || (json_object_has_member (eo, "t")
              && !number_of (json_object_get_member (eo, "t"), &t)))
        {
          tf_lwm2m_bad (error, "LwM2M JSON: entry %u: \"n\" must be a string, \"t\" a number", i);
          return NULL;
        }
      /* without a base name, relative names are relative to the request */
      base = bn != NULL ? bn : n[0] == '/' ? "" : request;
      if (!tf_lwm2m_codec_join_path (base, n, &p, &local) || p.len < 3
          || !tf_lwm2m_path_is_prefix (path, &p))
        {
          tf_lwm2m_bad (error,
                        "LwM2M JSON: entry %u: name \"%.64s\" + \"%.64s\" is not a resource "
                        "under %s",
                        i, base, n, request);
          return NULL;
        }
      if ((v = json_object_get_member (eo, "v")) != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (v)
              || (json_node_get_value_type (v) != G_TYPE_INT64
                  && json_node_get_value_type (v) != G_TYPE_DOUBLE))
            {
              tf_lwm2m_bad (error, "LwM2M JSON: entry %u: \"v\" is not a number", i);
              return NULL;
            }
          if (json_node_get_value_type (v) == G_TYPE_INT64)
            r = tf_lwm2m_record_new_int (&p, json_node_get_int (v));
          else
            r = tf_lwm2m_record_new_float (&p, json_node_get_double (v));
        }
      else if ((v = json_object_get_member (eo, "bv")) != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_BOOLEAN)
            {
              tf_lwm2m_bad (error, "LwM2M JSON: entry %u: \"bv\" is not a boolean", i);
              return NULL;
            }
          r = tf_lwm2m_record_new_bool (&p, json_node_get_boolean (v));
        }
      else if ((v = json_object_get_member (eo, "sv")) != NULL)
        {
          if (!string_of (v, &s))
            {
              tf_lwm2m_bad (error, "LwM2M JSON: entry %u: \"sv\" is not a string", i);
              return NULL;
            }
          r = tf_lwm2m_record_new_string (&p, s);
        }
      else if ((v = json_object_get_member (eo, "ov")) != NULL)
        {
          r = tf_lwm2m_record_new (&p, TF_LWM2M_TYPE_OBJLNK);
          if (!string_of (v, &s)
              || !tf_lwm2m_record_set_from_string (r, TF_LWM2M_TYPE_OBJLNK, s, NULL))
            {
              tf_lwm2m_bad (error, "LwM2M JSON: entry %u: \"ov\" is not \"O:I\"", i);
              return NULL;
            }
        }
      else
        {
          tf_lwm2m_bad (error, "LwM2M JSON: entry %u has no value (v, bv, sv or ov)", i);
          return NULL;
        }
      r->time = bt + t;
      if (!tf_lwm2m_codec_coerce (r, error))
        {
          g_prefix_error (error, "LwM2M JSON: entry %u: ", i);
          return NULL;
        }
      g_ptr_array_add (out, g_steal_pointer (&r));
    }
  return g_steal_pointer (&out);
}

char *
tf_lwm2m_json_relative_name (const TfLwm2mPath *path, const TfLwm2mPath *p)
{
  GString *s = g_string_new (NULL);
  for (guint i = path->len; i < p->len; i++)
    g_string_append_printf (s, i > path->len ? "/%u" : "%u", p->ids[i]);
  return g_string_free (s, FALSE);
}

char *
tf_lwm2m_json_base_name (const TfLwm2mPath *path, GPtrArray *records)
{
  g_autofree char *ps = tf_lwm2m_path_to_string (path);
  if ((records->len == 1
       && tf_lwm2m_path_equal (&((TfLwm2mRecord *)g_ptr_array_index (records, 0))->path, path))
      || path->len == 0)
    return g_steal_pointer (&ps);
  return g_strconcat (ps, "/", NULL);
}

GBytes *
tf_lwm2m_json_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
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
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bn");
  json_builder_add_string_value (b, bn);
  json_builder_set_member_name (b, "e");
  json_builder_begin_array (b);
  for (guint i = 0; i < sorted->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (sorted, i);
      g_autofree char *n = tf_lwm2m_json_relative_name (path, &r->path);
      g_autofree char *sv = NULL;

      json_builder_begin_object (b);
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
          json_builder_set_member_name (b, "bv");
          json_builder_add_boolean_value (b, r->v.b);
          break;
        case TF_LWM2M_TYPE_OBJLNK:
          sv = tf_lwm2m_record_value_to_string (r);
          json_builder_set_member_name (b, "ov");
          json_builder_add_string_value (b, sv);
          break;
        case TF_LWM2M_TYPE_STRING:
        case TF_LWM2M_TYPE_CORELNK:
        case TF_LWM2M_TYPE_OPAQUE:
          sv = tf_lwm2m_record_value_to_string (r);
          json_builder_set_member_name (b, "sv");
          json_builder_add_string_value (b, sv);
          break;
        case TF_LWM2M_TYPE_NONE:
        default:
          g_assert_not_reached ();
        }
      if (r->time != 0)
        {
          json_builder_set_member_name (b, "t");
          json_builder_add_double_value (b, r->time);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}
