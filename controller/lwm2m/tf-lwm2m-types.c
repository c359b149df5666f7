/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Paths, records and the LwM2M error domain. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <math.h>
#include <string.h>

#include "tf-error.h"
#include "tf-lwm2m-types.h"

G_DEFINE_QUARK (tf - lwm2m - error - quark, tf_lwm2m_error)

gboolean
tf_lwm2m_path_parse (const char *s, TfLwm2mPath *out, GError **error)
{
  TfLwm2mPath p = { 0 };
  const char *c = s;

  if (s == NULL || s[0] != '/')
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                   "path \"%s\" does not start with '/'", s ? s : "(null)");
      return FALSE;
    }
  c++;
  while (*c != '\0')
    {
      guint64 v = 0;
      const char *start = c;
      if (p.len == 4)
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "path \"%s\" is deeper than /O/I/R/RI", s);
          return FALSE;
        }
      while (g_ascii_isdigit (*c) && c - start < 6)
        v = v * 10 + (guint64)(*c++ - '0');
      if (c == start || (*c != '/' && *c != '\0') || v > TF_LWM2M_ID_MAX)
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "path \"%s\": bad id at offset %u (ids are 0..%u)", s, (guint)(start - s),
                       (guint)TF_LWM2M_ID_MAX);
          return FALSE;
        }
      p.ids[p.len++] = (guint16)v;
      if (*c == '/')
        {
          c++;
          /* a trailing slash is allowed ("/3/0/"), an empty segment is not */
          if (*c == '/')
            {
              g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                           "path \"%s\": empty segment", s);
              return FALSE;
            }
        }
    }
  *out = p;
  return TRUE;
}

char *
tf_lwm2m_path_to_string (const TfLwm2mPath *p)
{
  GString *s = g_string_new (NULL);
  if (p->len == 0)
    g_string_append_c (s, '/');
  for (guint i = 0; i < p->len && i < 4; i++)
    g_string_append_printf (s, "/%u", p->ids[i]);
  return g_string_free (s, FALSE);
}

gboolean
tf_lwm2m_path_is_prefix (const TfLwm2mPath *prefix, const TfLwm2mPath *p)
{
  if (prefix->len > p->len)
    return FALSE;
  for (guint i = 0; i < prefix->len; i++)
    if (prefix->ids[i] != p->ids[i])
      return FALSE;
  return TRUE;
}

gboolean
tf_lwm2m_path_equal (const TfLwm2mPath *a, const TfLwm2mPath *b)
{
  return a->len == b->len && tf_lwm2m_path_is_prefix (a, b);
}

TfLwm2mPath
tf_lwm2m_path_make (guint8 len, guint16 o, guint16 i, guint16 r, guint16 ri)
{
  TfLwm2mPath p = { { o, i, r, ri }, MIN (len, 4) };
  for (guint k = p.len; k < 4; k++)
    p.ids[k] = 0;
  return p;
}

const char *
tf_lwm2m_type_to_string (TfLwm2mType t)
{
  static const char *const names[] = { "none",    "string", "integer", "unsigned", "float",
                                       "boolean", "opaque", "time",    "objlnk",   "corelnk" };
  return (guint)t < G_N_ELEMENTS (names) ? names[t] : "unknown";
}

TfLwm2mRecord *
tf_lwm2m_record_new (const TfLwm2mPath *path, TfLwm2mType type)
{
  TfLwm2mRecord *r = g_new0 (TfLwm2mRecord, 1);
  r->path = *path;
  r->type = type;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_string (const TfLwm2mPath *path, const char *s)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_STRING);
  r->bytes = g_bytes_new (s, strlen (s));
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_corelnk (const TfLwm2mPath *path, const char *s)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_CORELNK);
  r->bytes = g_bytes_new (s, strlen (s));
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_int (const TfLwm2mPath *path, gint64 i)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_INTEGER);
  r->v.i = i;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_unsigned (const TfLwm2mPath *path, guint64 u)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_UNSIGNED);
  r->v.u = u;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_float (const TfLwm2mPath *path, gdouble f)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_FLOAT);
  r->v.f = f;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_bool (const TfLwm2mPath *path, gboolean b)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_BOOLEAN);
  r->v.b = b ? TRUE : FALSE;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_opaque (const TfLwm2mPath *path, GBytes *bytes)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_OPAQUE);
  r->bytes = bytes != NULL ? g_bytes_ref (bytes) : g_bytes_new (NULL, 0);
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_objlnk (const TfLwm2mPath *path, guint16 obj, guint16 inst)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_OBJLNK);
  r->v.lnk.obj = obj;
  r->v.lnk.inst = inst;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_new_time (const TfLwm2mPath *path, gint64 t)
{
  TfLwm2mRecord *r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_TIME);
  r->v.i = t;
  return r;
}

TfLwm2mRecord *
tf_lwm2m_record_copy (const TfLwm2mRecord *r)
{
  TfLwm2mRecord *c = g_new (TfLwm2mRecord, 1);
  *c = *r;
  if (r->bytes != NULL)
    c->bytes = g_bytes_ref (r->bytes);
  return c;
}

void
tf_lwm2m_record_free (TfLwm2mRecord *r)
{
  if (r == NULL)
    return;
  if (r->bytes != NULL)
    g_bytes_unref (r->bytes);
  g_free (r);
}

gboolean
tf_lwm2m_record_equal (const TfLwm2mRecord *a, const TfLwm2mRecord *b)
{
  if (!tf_lwm2m_path_equal (&a->path, &b->path) || a->type != b->type)
    return FALSE;
  switch (a->type)
    {
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      return a->v.i == b->v.i;
    case TF_LWM2M_TYPE_UNSIGNED:
      return a->v.u == b->v.u;
    case TF_LWM2M_TYPE_FLOAT:
      return a->v.f == b->v.f || (isnan (a->v.f) && isnan (b->v.f));
    case TF_LWM2M_TYPE_BOOLEAN:
      return !a->v.b == !b->v.b;
    case TF_LWM2M_TYPE_OBJLNK:
      return a->v.lnk.obj == b->v.lnk.obj && a->v.lnk.inst == b->v.lnk.inst;
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_OPAQUE:
    case TF_LWM2M_TYPE_CORELNK:
      if (a->bytes == NULL || b->bytes == NULL)
        return a->bytes == b->bytes;
      return g_bytes_equal (a->bytes, b->bytes);
    case TF_LWM2M_TYPE_NONE:
    default:
      return TRUE;
    }
}

GPtrArray *
tf_lwm2m_records_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lwm2m_record_free);
}

char *
tf_lwm2m_record_value_to_string (const TfLwm2mRecord *r)
{
  gsize len = 0;
  const guint8 *data = r->bytes != NULL ? g_bytes_get_data (r->bytes, &len) : NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (data == NULL)
    data = (const guint8 *)""; /* an empty GBytes may have no data */
  switch (r->type)
    {
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_CORELNK:
      return g_strndup ((const char *)data, len);
    case TF_LWM2M_TYPE_OPAQUE:
      return g_base64_encode (data, len);
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      return g_strdup_printf ("%" G_GINT64_FORMAT, r->v.i);
    case TF_LWM2M_TYPE_UNSIGNED:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, r->v.u);
    case TF_LWM2M_TYPE_FLOAT:
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, r->v.f));
    case TF_LWM2M_TYPE_BOOLEAN:
      return g_strdup (r->v.b ? "1" : "0");
    case TF_LWM2M_TYPE_OBJLNK:
      return g_strdup_printf ("%u:%u", r->v.lnk.obj, r->v.lnk.inst);
    case TF_LWM2M_TYPE_NONE:
    default:
      return g_strdup ("");
    }
}

static gboolean
parse_objlnk (const char *s, guint16 *obj, guint16 *inst)
{
  guint64 o, i;
  g_auto (GStrv) parts = g_strsplit (s, ":", 3);
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT16, &o, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT16, &i, NULL))
    return FALSE;
  *obj = (guint16)o;
  *inst = (guint16)i;
  return TRUE;
}

gboolean
tf_lwm2m_record_set_from_string (TfLwm2mRecord *r, TfLwm2mType type, const char *s, GError **error)
{
  g_autoptr (GError) local = NULL;
  GBytes *bytes = NULL;
  char *end = NULL;

  switch (type)
    {
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_CORELNK:
      if (!g_utf8_validate (s, -1, NULL))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "text value is not UTF-8");
          return FALSE;
        }
      bytes = g_bytes_new (s, strlen (s));
      break;
    case TF_LWM2M_TYPE_OPAQUE:
      {
        gsize len = 0;
        guchar *raw;
        for (const char *c = s; *c; c++)
          if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=')
            {
              g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                           "opaque value is not base64 (offset %u)", (guint)(c - s));
              return FALSE;
            }
        raw = g_base64_decode (s, &len);
        bytes = g_bytes_new_take (raw, len);
        break;
      }
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      if (!g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, &r->v.i, &local))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, "bad %s \"%.32s\": %s",
                       tf_lwm2m_type_to_string (type), s, local->message);
          return FALSE;
        }
      break;
    case TF_LWM2M_TYPE_UNSIGNED:
      if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, &r->v.u, &local))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "bad unsigned \"%.32s\": %s", s, local->message);
          return FALSE;
        }
      break;
    case TF_LWM2M_TYPE_FLOAT:
      r->v.f = g_ascii_strtod (s, &end);
      if (end == s || *end != '\0' || !isfinite (r->v.f))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, "bad float \"%.32s\"",
                       s);
          return FALSE;
        }
      break;
    case TF_LWM2M_TYPE_BOOLEAN:
      if (g_strcmp0 (s, "1") != 0 && g_strcmp0 (s, "0") != 0)
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "bad boolean \"%.32s\" (0 or 1)", s);
          return FALSE;
        }
      r->v.b = s[0] == '1';
      break;
    case TF_LWM2M_TYPE_OBJLNK:
      if (!parse_objlnk (s, &r->v.lnk.obj, &r->v.lnk.inst))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "bad object link \"%.32s\" (O:I)", s);
          return FALSE;
        }
      break;
    case TF_LWM2M_TYPE_NONE:
    default:
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                   "a value of type %s cannot be written", tf_lwm2m_type_to_string (type));
      return FALSE;
    }
  if (r->bytes != NULL)
    g_bytes_unref (r->bytes);
  r->bytes = bytes;
  r->type = type;
  return TRUE;
}

const char *
tf_lwm2m_cf_to_string (guint cf)
{
  switch (cf)
    {
    case TF_LWM2M_CF_TEXT:
      return "text/plain";
    case TF_LWM2M_CF_LINK:
      return "application/link-format";
    case TF_LWM2M_CF_OPAQUE:
      return "application/octet-stream";
    case TF_LWM2M_CF_CBOR:
      return "application/cbor";
    case TF_LWM2M_CF_SENML_JSON:
      return "application/senml+json";
    case TF_LWM2M_CF_SENML_CBOR:
      return "application/senml+cbor";
    case TF_LWM2M_CF_TLV_OLD:
    case TF_LWM2M_CF_TLV:
      return "application/vnd.oma.lwm2m+tlv";
    case TF_LWM2M_CF_JSON_OLD:
    case TF_LWM2M_CF_JSON:
      return "application/vnd.oma.lwm2m+json";
    default:
      return "unknown";
    }
}

guint
tf_lwm2m_error_to_coap (const GError *e)
{
  if (e == NULL)
    return TF_LWM2M_COAP_CODE (2, 5);
  if (e->domain == TF_LWM2M_ERROR && e->code >= TF_LWM2M_COAP_CODE (4, 0)
      && e->code < TF_LWM2M_COAP_CODE (6, 0))
    return (guint)e->code;
  if (e->domain == TF_ERROR)
    switch (e->code)
      {
      case TF_ERROR_INVALID_ARGUMENT:
      case TF_ERROR_INVALID_CONFIG:
        return TF_LWM2M_STATUS_BAD_REQUEST;
      case TF_ERROR_NOT_FOUND:
        return TF_LWM2M_STATUS_NOT_FOUND;
      case TF_ERROR_NOT_SUPPORTED:
        return TF_LWM2M_STATUS_METHOD_NOT_ALLOWED;
      case TF_ERROR_PERMISSION_DENIED:
        return TF_LWM2M_STATUS_UNAUTHORIZED;
      default:
        break;
      }
  return TF_LWM2M_STATUS_INTERNAL;
}

char *
tf_lwm2m_coap_code_to_string (guint code)
{
  return g_strdup_printf ("%u.%02u", code >> 5, code & 31);
}
