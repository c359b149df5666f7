/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Plain text and opaque: one value each, typed by the registry. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-text.h"

static gboolean
single_value_path (const TfLwm2mPath *path, const char *what, GError **error)
{
  if (path->len < 3)
    {
      g_autofree char *ps = tf_lwm2m_path_to_string (path);
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "%s holds one value, not %s", what, ps);
      return FALSE;
    }
  return TRUE;
}

static const TfLwm2mRecord *
single_record (const TfLwm2mPath *path, GPtrArray *records, const char *what, GError **error)
{
  const TfLwm2mRecord *r;
  if (records->len != 1)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "%s holds one value, not %u", what, records->len);
      return NULL;
    }
  r = g_ptr_array_index (records, 0);
  if (!tf_lwm2m_path_equal (&r->path, path))
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "%s holds the value at the request path only", what);
      return NULL;
    }
  return r;
}

GPtrArray *
tf_lwm2m_text_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mRecord) r = NULL;
  g_autofree char *s = NULL;
  TfLwm2mType type = tf_lwm2m_codec_registry_type (path);

  if (!single_value_path (path, "plain text", error))
    return NULL;
  if (!g_utf8_validate_len ((const char *)data, len, NULL) || memchr (data, 0, len) != NULL)
    {
      tf_lwm2m_bad (error, "plain text is not UTF-8");
      return NULL;
    }
  if (type == TF_LWM2M_TYPE_NONE)
    type = TF_LWM2M_TYPE_STRING;
  s = g_strndup ((const char *)data, len);
  r = tf_lwm2m_record_new (path, type);
  if (!tf_lwm2m_record_set_from_string (r, type, s, error))
    return NULL;
  g_ptr_array_add (out, g_steal_pointer (&r));
  return g_steal_pointer (&out);
}

GBytes *
tf_lwm2m_text_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  const TfLwm2mRecord *r = single_record (path, records, "plain text", error);
  char *s;
  if (r == NULL)
    return NULL;
  s = tf_lwm2m_record_value_to_string (r);
  return g_bytes_new_take (s, strlen (s));
}

GPtrArray *
tf_lwm2m_opaque_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (GBytes) bytes = NULL;
  TfLwm2mType type = tf_lwm2m_codec_registry_type (path);

  if (!single_value_path (path, "opaque", error))
    return NULL;
  if (type != TF_LWM2M_TYPE_NONE && type != TF_LWM2M_TYPE_OPAQUE)
    {
      g_autofree char *ps = tf_lwm2m_path_to_string (path);
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_UNSUPPORTED_CF,
                   "%s is of type %s, not opaque", ps, tf_lwm2m_type_to_string (type));
      return NULL;
    }
  bytes = g_bytes_new (data, len);
  g_ptr_array_add (out, tf_lwm2m_record_new_opaque (path, bytes));
  return g_steal_pointer (&out);
}

GBytes *
tf_lwm2m_opaque_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  const TfLwm2mRecord *r = single_record (path, records, "opaque", error);
  if (r == NULL)
    return NULL;
  if (r->type != TF_LWM2M_TYPE_OPAQUE)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "a %s value is not opaque", tf_lwm2m_type_to_string (r->type));
      return NULL;
    }
  return r->bytes != NULL ? g_bytes_ref (r->bytes) : g_bytes_new (NULL, 0);
}
