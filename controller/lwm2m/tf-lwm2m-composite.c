/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Path lists of Read-Composite and Observe-Composite (LwM2M 1.1.1 Core §6.3.1.1, §6.4.1.1):
 * SenML records that carry names only, e.g. [{"bn":"/3/0/","n":"0"},{"n":"/1/0"}]. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tf-lwm2m-cbor-private.h"
#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-codec.h"

static gboolean
add_path (GArray *paths, const char *bn, const char *n, guint index, GError **error)
{
  g_autofree char *full = g_strconcat (bn != NULL ? bn : "", n != NULL ? n : "", NULL);
  TfLwm2mPath p;

  if (!tf_lwm2m_path_parse (full, &p, NULL))
    {
      tf_lwm2m_bad (error, "SenML record %u: \"%.64s\" is not a path", index, full);
      return FALSE;
    }
  if (paths->len >= TF_LWM2M_MAX_RECORDS)
    {
      tf_lwm2m_bad (error, "more than %u paths", TF_LWM2M_MAX_RECORDS);
      return FALSE;
    }
  g_array_append_val (paths, p);
  return TRUE;
}

static gboolean
json_paths (const guint8 *data, gsize len, GArray *paths, GError **error)
{
  g_autoptr (JsonNode) root = tf_lwm2m_json_load (data, len, error);
  JsonArray *a;
  const char *bn = NULL;

  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      tf_lwm2m_bad (error, "SenML JSON: the document is not an array");
      return FALSE;
    }
  a = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *en = json_array_get_element (a, i);
      JsonObject *o;
      JsonNode *v;
      const char *n = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (en))
        {
          tf_lwm2m_bad (error, "SenML JSON: record %u is not an object", i);
          return FALSE;
        }
      o = json_node_get_object (en);
      if ((v = json_object_get_member (o, "bn")) != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
            {
              tf_lwm2m_bad (error, "SenML JSON: record %u: \"bn\" is not a string", i);
              return FALSE;
            }
          bn = json_node_get_string (v);
        }
      if ((v = json_object_get_member (o, "n")) != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
            {
              tf_lwm2m_bad (error, "SenML JSON: record %u: \"n\" is not a string", i);
              return FALSE;
            }
          n = json_node_get_string (v);
        }
      if (!add_path (paths, bn, n, i, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
cbor_paths (const guint8 *data, gsize len, GArray *paths, GError **error)
{
  g_autoptr (cbor_item_t) root = tf_lwm2m_cbor_load (data, len, 2, error);
  g_autofree char *bn = NULL;

  if (root == NULL)
    return FALSE;
  if (!cbor_isa_array (root) || !cbor_array_is_definite (root))
    {
      tf_lwm2m_bad (error, "SenML CBOR: the item is not a definite array");
      return FALSE;
    }
  for (gsize i = 0; i < cbor_array_size (root); i++)
    {
      cbor_item_t *m = cbor_array_handle (root)[i];
      g_autofree char *n = NULL;

      if (!cbor_isa_map (m) || !cbor_map_is_definite (m))
        {
          tf_lwm2m_bad (error, "SenML CBOR: record %" G_GSIZE_FORMAT " is not a definite map", i);
          return FALSE;
        }
      for (gsize k = 0; k < cbor_map_size (m); k++)
        {
          struct cbor_pair pr = cbor_map_handle (m)[k];
          gboolean is_bn = cbor_isa_negint (pr.key) && cbor_get_int (pr.key) == 1; /* -2 */
          gboolean is_n = cbor_isa_uint (pr.key) && cbor_get_int (pr.key) == 0;
          char *s;
          if (!is_bn && !is_n)
            continue;
          if ((s = tf_lwm2m_cbor_text (pr.value)) == NULL)
            {
              tf_lwm2m_bad (error, "SenML CBOR: record %" G_GSIZE_FORMAT ": a name is not text", i);
              return FALSE;
            }
          if (is_bn)
            g_free (bn), bn = s;
          else
            g_free (n), n = s;
        }
      if (!add_path (paths, bn, n, (guint)i, error))
        return FALSE;
    }
  return TRUE;
}

GArray *
tf_lwm2m_decode_paths (guint cf, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GArray) paths = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));

  if (cf != TF_LWM2M_CF_SENML_JSON && cf != TF_LWM2M_CF_SENML_CBOR)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_UNSUPPORTED_CF,
                   "composite paths come in SenML JSON or CBOR, not %u", cf);
      return NULL;
    }
  if (len > TF_LWM2M_MAX_PAYLOAD)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "payload of %" G_GSIZE_FORMAT " bytes (at most %u)", len, TF_LWM2M_MAX_PAYLOAD);
      return NULL;
    }
  if (data == NULL)
    data = (const guint8 *)"";
  if (!(cf == TF_LWM2M_CF_SENML_JSON ? json_paths : cbor_paths) (data, len, paths, error))
    return NULL;
  return g_steal_pointer (&paths);
}

GBytes *
tf_lwm2m_encode_paths (guint cf, const TfLwm2mPath *paths, guint n_paths, GError **error)
{
  if (cf == TF_LWM2M_CF_SENML_JSON)
    {
      GString *s = g_string_new ("[");
      for (guint i = 0; i < n_paths; i++)
        {
          g_autofree char *p = tf_lwm2m_path_to_string (&paths[i]);
          g_string_append_printf (s, "%s{\"n\":\"%s\"}", i > 0 ? "," : "", p);
        }
      g_string_append_c (s, ']');
      return g_string_free_to_bytes (s);
    }
  if (cf == TF_LWM2M_CF_SENML_CBOR)
    {
      g_autoptr (GByteArray) b = g_byte_array_new ();
      unsigned char buf[9];
      g_byte_array_append (b, buf, (guint)cbor_encode_array_start (n_paths, buf, sizeof buf));
      for (guint i = 0; i < n_paths; i++)
        {
          g_autofree char *p = tf_lwm2m_path_to_string (&paths[i]);
          g_byte_array_append (b, buf, (guint)cbor_encode_map_start (1, buf, sizeof buf));
          g_byte_array_append (b, buf, (guint)cbor_encode_uint (0, buf, sizeof buf));
          g_byte_array_append (b, buf,
                               (guint)cbor_encode_string_start (strlen (p), buf, sizeof buf));
          g_byte_array_append (b, (const guint8 *)p, (guint)strlen (p));
        }
      return g_byte_array_free_to_bytes (g_steal_pointer (&b));
    }
  g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
               "composite paths go in SenML JSON or CBOR, not %u", cf);
  return NULL;
}
