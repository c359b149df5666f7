/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-format dispatcher and what the codecs share: bounds, registry types, paths. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <math.h>
#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-json.h"
#include "tf-lwm2m-registry.h"
#include "tf-lwm2m-senml-cbor.h"
#include "tf-lwm2m-senml-json.h"
#include "tf-lwm2m-text.h"
#include "tf-lwm2m-tlv.h"

TfLwm2mType
tf_lwm2m_codec_registry_type (const TfLwm2mPath *p)
{
  const TfLwm2mResourceDef *def;
  if (p->len < 3)
    return TF_LWM2M_TYPE_NONE;
  def = tf_lwm2m_registry_resource (p->ids[0], p->ids[2]);
  return def != NULL ? def->type : TF_LWM2M_TYPE_NONE;
}

static gboolean
integral (gdouble f, gdouble lo, gdouble hi)
{
  return isfinite (f) && floor (f) == f && f >= lo && f < hi;
}

gboolean
tf_lwm2m_codec_coerce (TfLwm2mRecord *r, GError **error)
{
  TfLwm2mType want = tf_lwm2m_codec_registry_type (&r->path);
  TfLwm2mType have = r->type;
  gboolean ok = FALSE;

  if (want == TF_LWM2M_TYPE_NONE || want == have)
    return TRUE;
  switch (want)
    {
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      if (have == TF_LWM2M_TYPE_INTEGER || have == TF_LWM2M_TYPE_TIME)
        ok = TRUE;
      else if (have == TF_LWM2M_TYPE_FLOAT
               && integral (r->v.f, -9223372036854775808.0, 9223372036854775808.0))
        {
          r->v.i = (gint64)r->v.f;
          ok = TRUE;
        }
      else if (have == TF_LWM2M_TYPE_UNSIGNED && r->v.u <= G_MAXINT64)
        {
          r->v.i = (gint64)r->v.u;
          ok = TRUE;
        }
      break;
    case TF_LWM2M_TYPE_UNSIGNED:
      if (have == TF_LWM2M_TYPE_INTEGER && r->v.i >= 0)
        {
          r->v.u = (guint64)r->v.i;
          ok = TRUE;
        }
      else if (have == TF_LWM2M_TYPE_FLOAT && integral (r->v.f, 0, 18446744073709551616.0))
        {
          r->v.u = (guint64)r->v.f;
          ok = TRUE;
        }
      break;
    case TF_LWM2M_TYPE_FLOAT:
      if (have == TF_LWM2M_TYPE_INTEGER)
        {
          r->v.f = (gdouble)r->v.i;
          ok = TRUE;
        }
      else if (have == TF_LWM2M_TYPE_UNSIGNED)
        {
          r->v.f = (gdouble)r->v.u;
          ok = TRUE;
        }
      break;
    case TF_LWM2M_TYPE_OPAQUE:
      if (have == TF_LWM2M_TYPE_STRING && r->bytes != NULL)
        {
          /* LwM2M JSON and text carry opaque values as base64 */
          g_autofree char *s
              = g_strndup (g_bytes_get_data (r->bytes, NULL), g_bytes_get_size (r->bytes));
          g_autoptr (GError) local = NULL;
          TfLwm2mRecord tmp = { 0 };
          if (!tf_lwm2m_record_set_from_string (&tmp, TF_LWM2M_TYPE_OPAQUE, s, &local))
            break;
          g_bytes_unref (r->bytes);
          r->bytes = tmp.bytes;
          ok = TRUE;
        }
      break;
    case TF_LWM2M_TYPE_CORELNK:
    case TF_LWM2M_TYPE_STRING:
      ok = have == TF_LWM2M_TYPE_STRING || have == TF_LWM2M_TYPE_CORELNK;
      break;
    default:
      break;
    }
  if (!ok)
    {
      g_autofree char *ps = tf_lwm2m_path_to_string (&r->path);
      tf_lwm2m_bad (error, "%s is of type %s, not %s", ps, tf_lwm2m_type_to_string (want),
                    tf_lwm2m_type_to_string (have));
      return FALSE;
    }
  r->type = want;
  return TRUE;
}

gboolean
tf_lwm2m_codec_check_records (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  if (records->len > TF_LWM2M_MAX_RECORDS)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "%u records (at most %u)", records->len, TF_LWM2M_MAX_RECORDS);
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (records, i);
      if (r->path.len < 3 || r->path.len > 4 || !tf_lwm2m_path_is_prefix (path, &r->path))
        {
          g_autofree char *ps = tf_lwm2m_path_to_string (&r->path);
          g_autofree char *qs = tf_lwm2m_path_to_string (path);
          tf_lwm2m_bad (error, "record %u at %s is not a resource under %s", i, ps, qs);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tf_lwm2m_codec_check_values (GPtrArray *records, GError **error)
{
  for (guint i = 0; i < records->len; i++)
    if (((TfLwm2mRecord *)g_ptr_array_index (records, i))->type == TF_LWM2M_TYPE_NONE)
      {
        g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                     "record %u has no value", i);
        return FALSE;
      }
  return TRUE;
}

static gint
cmp_records (gconstpointer a, gconstpointer b)
{
  const TfLwm2mRecord *x = *(TfLwm2mRecord *const *)a;
  const TfLwm2mRecord *y = *(TfLwm2mRecord *const *)b;
  for (guint i = 0; i < 4; i++)
    {
      guint xi = i < x->path.len ? x->path.ids[i] : 0;
      guint yi = i < y->path.len ? y->path.ids[i] : 0;
      if (xi != yi)
        return xi < yi ? -1 : 1;
    }
  return (gint)x->path.len - (gint)y->path.len;
}

GPtrArray *
tf_lwm2m_codec_sorted (GPtrArray *records)
{
  GPtrArray *s = g_ptr_array_sized_new (records->len);
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (s, g_ptr_array_index (records, i));
  g_ptr_array_sort (s, cmp_records); /* stable (merge sort) */
  return s;
}

gboolean
tf_lwm2m_codec_json_depth_ok (const guint8 *data, gsize len, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gsize i = 0;

  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i == len || (data[i] != '[' && data[i] != '{'))
    {
      tf_lwm2m_bad (error, "JSON at byte %" G_GSIZE_FORMAT ": not an array or object", i);
      return FALSE;
    }
  for (; i < len; i++)
    {
      guint8 c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > TF_LWM2M_MAX_DEPTH)
            {
              tf_lwm2m_bad (error, "JSON at byte %" G_GSIZE_FORMAT ": nested deeper than %u", i,
                            TF_LWM2M_MAX_DEPTH);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && --depth == 0)
        break;
    }
  /* one document only: json-glib 1.6 accepts (and leaks) further top-level values */
  for (i++; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      {
        tf_lwm2m_bad (error, "JSON at byte %" G_GSIZE_FORMAT ": data after the document", i);
        return FALSE;
      }
  return TRUE;
}

gboolean
tf_lwm2m_codec_join_path (const char *base, const char *name, TfLwm2mPath *out, GError **error)
{
  g_autofree char *full = NULL;
  base = base != NULL ? base : "";
  name = name != NULL ? name : "";
  if (base[0] != '\0' && name[0] != '\0' && !g_str_has_suffix (base, "/") && name[0] != '/')
    full = g_strconcat (base, "/", name, NULL);
  else
    full = g_strconcat (base, name, NULL);
  if (strlen (full) > 1 && g_str_has_suffix (full, "/"))
    {
      tf_lwm2m_bad (error, "name \"%.64s\" is not a resource", full);
      return FALSE;
    }
  return tf_lwm2m_path_parse (full, out, error);
}

gboolean
tf_lwm2m_cf_supported (guint cf)
{
  switch (cf)
    {
    case TF_LWM2M_CF_TEXT:
    case TF_LWM2M_CF_OPAQUE:
    case TF_LWM2M_CF_CBOR:
    case TF_LWM2M_CF_SENML_JSON:
    case TF_LWM2M_CF_SENML_CBOR:
    case TF_LWM2M_CF_TLV_OLD:
    case TF_LWM2M_CF_TLV:
    case TF_LWM2M_CF_JSON_OLD:
    case TF_LWM2M_CF_JSON:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
check_cf (guint cf, GError **error)
{
  if (!tf_lwm2m_cf_supported (cf))
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_UNSUPPORTED_CF,
                   "content format %u (%s) carries no LwM2M values here", cf,
                   tf_lwm2m_cf_to_string (cf));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
tf_lwm2m_decode (guint cf, const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = NULL;

  if (!check_cf (cf, error))
    return NULL;
  if (len > TF_LWM2M_MAX_PAYLOAD)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "payload of %" G_GSIZE_FORMAT " bytes (at most %u)", len, TF_LWM2M_MAX_PAYLOAD);
      return NULL;
    }
  if (data == NULL)
    data = (const guint8 *)"";
  switch (cf)
    {
    case TF_LWM2M_CF_TEXT:
      out = tf_lwm2m_text_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_OPAQUE:
      out = tf_lwm2m_opaque_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_CBOR:
      out = tf_lwm2m_cbor_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_TLV:
    case TF_LWM2M_CF_TLV_OLD:
      out = tf_lwm2m_tlv_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_JSON:
    case TF_LWM2M_CF_JSON_OLD:
      out = tf_lwm2m_json_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_SENML_JSON:
      out = tf_lwm2m_senml_json_decode (path, data, len, error);
      break;
    case TF_LWM2M_CF_SENML_CBOR:
      out = tf_lwm2m_senml_cbor_decode (path, data, len, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (out == NULL)
    return NULL;
  if (!tf_lwm2m_codec_check_records (path, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

GBytes *
tf_lwm2m_encode (guint cf, const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  if (!check_cf (cf, error) || !tf_lwm2m_codec_check_records (path, records, error)
      || !tf_lwm2m_codec_check_values (records, error))
    return NULL;
  switch (cf)
    {
    case TF_LWM2M_CF_TEXT:
      return tf_lwm2m_text_encode (path, records, error);
    case TF_LWM2M_CF_OPAQUE:
      return tf_lwm2m_opaque_encode (path, records, error);
    case TF_LWM2M_CF_CBOR:
      return tf_lwm2m_cbor_encode (path, records, error);
    case TF_LWM2M_CF_TLV:
    case TF_LWM2M_CF_TLV_OLD:
      return tf_lwm2m_tlv_encode (path, records, error);
    case TF_LWM2M_CF_JSON:
    case TF_LWM2M_CF_JSON_OLD:
      return tf_lwm2m_json_encode (path, records, error);
    case TF_LWM2M_CF_SENML_JSON:
      return tf_lwm2m_senml_json_encode (path, records, error);
    case TF_LWM2M_CF_SENML_CBOR:
      return tf_lwm2m_senml_cbor_encode (path, records, error);
    default:
      g_assert_not_reached ();
    }
}
