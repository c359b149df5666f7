/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SenML CBOR (RFC 8428 §6) and single CBOR values, on libcbor. The input's structure is checked
 * by a flat scan first so libcbor never builds (nor recursively frees) a deep tree. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <cbor.h>
#include <string.h>

#include "tf-lwm2m-cbor-private.h"
#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-senml-cbor.h"

/* RFC 8428 Table 4 labels */
enum
{
  L_BVER = -1,
  L_BN = -2,
  L_BT = -3,
  L_N = 0,
  L_V = 2,
  L_VS = 3,
  L_VB = 4,
  L_T = 6,
  L_VD = 8,
};

gboolean
tf_lwm2m_cbor_check (const guint8 *data, gsize len, guint max_depth, GError **error)
{
  gint64 left[TF_LWM2M_MAX_DEPTH + 1]; /* items left per open container, -1 indefinite */
  guint sp = 0;
  gsize pos = 0;
  gboolean done = FALSE;

  max_depth = MIN (max_depth, TF_LWM2M_MAX_DEPTH);
  while (!done)
    {
      gsize at = pos;
      guint8 ib, major, ai;
      guint64 val = 0;
      gboolean item_done = FALSE;

      if (pos >= len)
        {
          tf_lwm2m_bad (error, "CBOR truncated at byte %" G_GSIZE_FORMAT, pos);
          return FALSE;
        }
      ib = data[pos++];
      major = ib >> 5;
      ai = ib & 31;
      if (ai >= 24 && ai <= 27)
        {
          gsize n = (gsize)1 << (ai - 24);
          if (len - pos < n)
            {
              tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": argument truncated", at);
              return FALSE;
            }
          for (gsize i = 0; i < n; i++)
            val = (val << 8) | data[pos++];
        }
      else if (ai < 24)
        val = ai;
      else if (ai != 31)
        {
          tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": reserved value %u", at, ai);
          return FALSE;
        }

      if (ai == 31 && major == 7)
        {
          if (sp == 0 || left[sp - 1] != -1)
            {
              tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": unexpected break", at);
              return FALSE;
            }
          sp--;
          item_done = TRUE;
        }
      else if (ai == 31 && (major == 0 || major == 1 || major == 6))
        {
          tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": bad indefinite length", at);
          return FALSE;
        }
      else if (ai == 31 || major == 4 || major == 5 || major == 6)
        {
          gint64 count;
          if (ai == 31)
            count = -1;
          else if (major == 6)
            count = 1;
          else if (val > len - pos || (major == 5 && val * 2 > len - pos))
            {
              tf_lwm2m_bad (error,
                            "CBOR at byte %" G_GSIZE_FORMAT ": %" G_GUINT64_FORMAT
                            " items cannot fit in what is left",
                            at, val);
              return FALSE;
            }
          else
            count = (gint64)(major == 5 ? val * 2 : val);
          if (count == 0)
            item_done = TRUE;
          else if (sp >= max_depth)
            {
              tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": nested deeper than %u", at,
                            max_depth);
              return FALSE;
            }
          else
            left[sp++] = count;
        }
      else if (major == 2 || major == 3)
        {
          if (val > len - pos)
            {
              tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": string overruns the input",
                            at);
              return FALSE;
            }
          pos += (gsize)val;
          item_done = TRUE;
        }
      else
        item_done = TRUE; /* integers, simple values, floats */

      while (item_done)
        {
          if (sp == 0)
            {
              done = TRUE;
              break;
            }
          if (left[sp - 1] == -1 || --left[sp - 1] > 0)
            break;
          sp--; /* this container is complete: it counts as an item of its parent */
        }
    }
  if (pos != len)
    {
      tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": data after the item", pos);
      return FALSE;
    }
  return TRUE;
}

cbor_item_t *
tf_lwm2m_cbor_load (const guint8 *data, gsize len, guint depth, GError **error)
{
  struct cbor_load_result res;
  cbor_item_t *item;
  if (!tf_lwm2m_cbor_check (data, len, depth, error))
    return NULL;
  static const char *const reasons[]
      = { "no error",  "not enough data", "no data",
          "malformed", "out of memory",   "syntax error (a text string not UTF-8?)" };
  item = cbor_load (data, len, &res);
  if (item == NULL)
    tf_lwm2m_bad (error, "CBOR at byte %" G_GSIZE_FORMAT ": %s", (gsize)res.error.position,
                  (guint)res.error.code < G_N_ELEMENTS (reasons) ? reasons[res.error.code]
                                                                 : "libcbor error");
  return item;
}

char *
tf_lwm2m_cbor_text (cbor_item_t *it)
{
  gsize n;
  const char *s;
  if (!cbor_isa_string (it) || !cbor_string_is_definite (it))
    return NULL;
  n = cbor_string_length (it);
  s = (const char *)cbor_string_handle (it);
  if (n == 0)
    return g_strdup ("");
  if (s == NULL || !g_utf8_validate_len (s, n, NULL) || memchr (s, 0, n) != NULL)
    return NULL;
  return g_strndup (s, n);
}

/* Puts a CBOR scalar into @r (type inferred); FALSE for anything else. */
static gboolean
value_of (cbor_item_t *it, TfLwm2mRecord *r)
{
  g_autofree char *s = NULL;
  if (cbor_isa_uint (it))
    {
      guint64 u = cbor_get_int (it);
      if (u <= G_MAXINT64)
        {
          r->type = TF_LWM2M_TYPE_INTEGER;
          r->v.i = (gint64)u;
        }
      else
        {
          r->type = TF_LWM2M_TYPE_UNSIGNED;
          r->v.u = u;
        }
      return TRUE;
    }
  if (cbor_isa_negint (it))
    {
      guint64 n = cbor_get_int (it);
      if (n > G_MAXINT64)
        return FALSE;
      r->type = TF_LWM2M_TYPE_INTEGER;
      r->v.i = -1 - (gint64)n;
      return TRUE;
    }
  /* cbor_is_bool() asserts on floats: ask for the width first */
  if (cbor_isa_float_ctrl (it) && cbor_float_get_width (it) == CBOR_FLOAT_0 && cbor_is_bool (it))
    {
      r->type = TF_LWM2M_TYPE_BOOLEAN;
      r->v.b = cbor_get_bool (it);
      return TRUE;
    }
  if (cbor_isa_float_ctrl (it) && cbor_float_get_width (it) != CBOR_FLOAT_0)
    {
      r->type = TF_LWM2M_TYPE_FLOAT;
      r->v.f = cbor_float_get_float (it);
      return TRUE;
    }
  if (cbor_isa_bytestring (it) && cbor_bytestring_is_definite (it))
    {
      r->type = TF_LWM2M_TYPE_OPAQUE;
      r->bytes = g_bytes_new (cbor_bytestring_handle (it), cbor_bytestring_length (it));
      return TRUE;
    }
  if ((s = tf_lwm2m_cbor_text (it)) != NULL)
    {
      r->type = TF_LWM2M_TYPE_STRING;
      r->bytes = g_bytes_new (s, strlen (s));
      return TRUE;
    }
  return FALSE;
}

static gboolean
number_of (cbor_item_t *it, gdouble *out)
{
  TfLwm2mRecord tmp = { 0 };
  if (!value_of (it, &tmp))
    return FALSE;
  if (tmp.bytes != NULL)
    g_bytes_unref (tmp.bytes);
  if (tmp.type == TF_LWM2M_TYPE_INTEGER)
    *out = (gdouble)tmp.v.i;
  else if (tmp.type == TF_LWM2M_TYPE_UNSIGNED)
    *out = (gdouble)tmp.v.u;
  else if (tmp.type == TF_LWM2M_TYPE_FLOAT)
    *out = tmp.v.f;
  else
    return FALSE;
  return TRUE;
}

GPtrArray *
tf_lwm2m_senml_cbor_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (cbor_item_t) root = tf_lwm2m_cbor_load (data, len, 2, error);
  g_autofree char *bn = NULL;
  gdouble bt = 0;

  if (root == NULL)
    return NULL;
  if (!cbor_isa_array (root) || !cbor_array_is_definite (root))
    {
      tf_lwm2m_bad (error, "SenML CBOR: the item is not a definite array");
      return NULL;
    }
  if (cbor_array_size (root) > TF_LWM2M_MAX_RECORDS)
    {
      tf_lwm2m_bad (error, "SenML CBOR: more than %u records", TF_LWM2M_MAX_RECORDS);
      return NULL;
    }
  for (gsize i = 0; i < cbor_array_size (root); i++)
    {
      cbor_item_t *m = cbor_array_handle (root)[i];
      g_autoptr (TfLwm2mRecord) r = NULL;
      g_autofree char *n = NULL;
      TfLwm2mPath none = { 0 };
      gdouble t = 0;
      guint values = 0;

      if (!cbor_isa_map (m) || !cbor_map_is_definite (m))
        {
          tf_lwm2m_bad (error, "SenML CBOR: record %" G_GSIZE_FORMAT " is not a definite map", i);
          return NULL;
        }
      r = tf_lwm2m_record_new (&none, TF_LWM2M_TYPE_NONE);
      for (gsize k = 0; k < cbor_map_size (m); k++)
        {
          struct cbor_pair pr = cbor_map_handle (m)[k];
          g_autofree char *tkey = tf_lwm2m_cbor_text (pr.key);
          gint64 label = G_MININT64;
          gboolean ok = TRUE;

          if (cbor_isa_uint (pr.key) && cbor_get_int (pr.key) < 1000)
            label = (gint64)cbor_get_int (pr.key);
          else if (cbor_isa_negint (pr.key) && cbor_get_int (pr.key) < 1000)
            label = -1 - (gint64)cbor_get_int (pr.key);
          else if (tkey == NULL)
            {
              tf_lwm2m_bad (error, "SenML CBOR: record %" G_GSIZE_FORMAT ": bad label", i);
              return NULL;
            }
          if (tkey != NULL && g_str_equal (tkey, "vlo"))
            {
              g_autofree char *s = tf_lwm2m_cbor_text (pr.value);
              values++;
              ok = s != NULL && tf_lwm2m_record_set_from_string (r, TF_LWM2M_TYPE_OBJLNK, s, NULL);
            }
          else if (tkey != NULL && g_str_has_suffix (tkey, "_"))
            {
              tf_lwm2m_bad (
                  error, "SenML CBOR: record %" G_GSIZE_FORMAT ": must-understand label \"%.32s\"",
                  i, tkey);
              return NULL;
            }
          else if (label == L_BN)
            {
              g_free (bn);
              ok = (bn = tf_lwm2m_cbor_text (pr.value)) != NULL;
            }
          else if (label == L_BT)
            ok = number_of (pr.value, &bt);
          else if (label == L_N)
            {
              g_free (n);
              ok = (n = tf_lwm2m_cbor_text (pr.value)) != NULL;
            }
          else if (label == L_T)
            ok = number_of (pr.value, &t);
          else if (label == L_V || label == L_VS || label == L_VB || label == L_VD)
            {
              values++;
              if (r->bytes != NULL)
                g_clear_pointer (&r->bytes, g_bytes_unref);
              ok = value_of (pr.value, r);
              /* each label takes its own kind of value */
              if (ok && label == L_V)
                ok = r->type == TF_LWM2M_TYPE_INTEGER || r->type == TF_LWM2M_TYPE_UNSIGNED
                     || r->type == TF_LWM2M_TYPE_FLOAT;
              else if (ok && label == L_VS)
                ok = r->type == TF_LWM2M_TYPE_STRING;
              else if (ok && label == L_VB)
                ok = r->type == TF_LWM2M_TYPE_BOOLEAN;
              else if (ok)
                ok = r->type == TF_LWM2M_TYPE_OPAQUE;
            }
          if (!ok)
            {
              tf_lwm2m_bad (error,
                            "SenML CBOR: record %" G_GSIZE_FORMAT ": label %" G_GINT64_FORMAT
                            " has the wrong type",
                            i, label);
              return NULL;
            }
        }
      if (values != 1)
        {
          tf_lwm2m_bad (error, "SenML CBOR: record %" G_GSIZE_FORMAT " has %u values", i, values);
          return NULL;
        }
      r->time = bt + t;
      if (!tf_lwm2m_senml_resolve (path, bn, n, (guint)i, r, error))
        return NULL;
      g_ptr_array_add (out, g_steal_pointer (&r));
    }
  return g_steal_pointer (&out);
}

/* Encoding with libcbor's encoders into a growing buffer */

static void
put (GByteArray *b, size_t (*enc) (uint64_t, unsigned char *, size_t), guint64 v)
{
  unsigned char buf[9];
  size_t n = enc (v, buf, sizeof buf);
  g_byte_array_append (b, buf, (guint)n);
}

typedef enum
{
  START_TEXT,
  START_BYTES,
  START_ARRAY,
  START_MAP,
} Start;

static void
put_start (GByteArray *b, Start what, gsize len)
{
  unsigned char buf[9];
  size_t n = 0;
  switch (what)
    {
    case START_TEXT:
      n = cbor_encode_string_start (len, buf, sizeof buf);
      break;
    case START_BYTES:
      n = cbor_encode_bytestring_start (len, buf, sizeof buf);
      break;
    case START_ARRAY:
      n = cbor_encode_array_start (len, buf, sizeof buf);
      break;
    case START_MAP:
      n = cbor_encode_map_start (len, buf, sizeof buf);
      break;
    }
  g_byte_array_append (b, buf, (guint)n);
}

static void
put_label (GByteArray *b, gint64 label)
{
  if (label >= 0)
    put (b, cbor_encode_uint, (guint64)label);
  else
    put (b, cbor_encode_negint, (guint64)(-1 - label));
}

static void
put_text (GByteArray *b, const char *s, gsize len)
{
  put_start (b, START_TEXT, len);
  g_byte_array_append (b, (const guint8 *)s, (guint)len);
}

static void
put_bytes (GByteArray *b, GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  put_start (b, START_BYTES, len);
  if (len > 0)
    g_byte_array_append (b, data, (guint)len);
}

static void
put_double (GByteArray *b, gdouble f)
{
  unsigned char buf[9];
  size_t n;
  if ((gdouble)(gfloat)f == f)
    n = cbor_encode_single ((gfloat)f, buf, sizeof buf);
  else
    n = cbor_encode_double (f, buf, sizeof buf);
  g_byte_array_append (b, buf, (guint)n);
}

/* The value of @r as one CBOR item. */
static void
put_value (GByteArray *b, const TfLwm2mRecord *r)
{
  unsigned char buf[2];
  g_autofree char *s = NULL;
  switch (r->type)
    {
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      put_label (b, r->v.i);
      break;
    case TF_LWM2M_TYPE_UNSIGNED:
      put (b, cbor_encode_uint, r->v.u);
      break;
    case TF_LWM2M_TYPE_FLOAT:
      put_double (b, r->v.f);
      break;
    case TF_LWM2M_TYPE_BOOLEAN:
      g_byte_array_append (b, buf, (guint)cbor_encode_bool (r->v.b, buf, sizeof buf));
      break;
    case TF_LWM2M_TYPE_OPAQUE:
      put_bytes (b, r->bytes);
      break;
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_CORELNK:
    case TF_LWM2M_TYPE_OBJLNK:
    default:
      s = tf_lwm2m_record_value_to_string (r);
      put_text (b, s, strlen (s));
      break;
    }
}

static gint64
label_for (TfLwm2mType t)
{
  switch (t)
    {
    case TF_LWM2M_TYPE_BOOLEAN:
      return L_VB;
    case TF_LWM2M_TYPE_OPAQUE:
      return L_VD;
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_CORELNK:
      return L_VS;
    default:
      return L_V;
    }
}

GBytes *
tf_lwm2m_senml_cbor_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autofree char *bn = tf_lwm2m_json_base_name (path, records);
  g_autoptr (GPtrArray) sorted = tf_lwm2m_codec_sorted (records);

  if (!tf_lwm2m_codec_check_values (records, error))
    return NULL;
  put_start (b, START_ARRAY, sorted->len);
  for (guint i = 0; i < sorted->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (sorted, i);
      g_autofree char *n = tf_lwm2m_json_relative_name (path, &r->path);
      guint fields = 1 + (i == 0) + (n[0] != '\0') + (r->time != 0);

      put_start (b, START_MAP, fields);
      if (i == 0)
        {
          put_label (b, L_BN);
          put_text (b, bn, strlen (bn));
        }
      if (n[0] != '\0')
        {
          put_label (b, L_N);
          put_text (b, n, strlen (n));
        }
      if (r->type == TF_LWM2M_TYPE_OBJLNK)
        put_text (b, "vlo", 3);
      else
        put_label (b, label_for (r->type));
      put_value (b, r);
      if (r->time != 0)
        {
          put_label (b, L_T);
          put_double (b, r->time);
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}

GPtrArray *
tf_lwm2m_cbor_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  g_autoptr (cbor_item_t) root = NULL;
  g_autoptr (TfLwm2mRecord) r = NULL;
  TfLwm2mType want = tf_lwm2m_codec_registry_type (path);

  if (path->len < 3)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "CBOR holds one value, not an object or instance");
      return NULL;
    }
  if ((root = tf_lwm2m_cbor_load (data, len, 0, error)) == NULL)
    return NULL;
  r = tf_lwm2m_record_new (path, TF_LWM2M_TYPE_NONE);
  if (!value_of (root, r))
    {
      tf_lwm2m_bad (error, "CBOR: the item is not a single value");
      return NULL;
    }
  if (want == TF_LWM2M_TYPE_OBJLNK && r->type == TF_LWM2M_TYPE_STRING)
    {
      g_autofree char *s = tf_lwm2m_record_value_to_string (r);
      if (!tf_lwm2m_record_set_from_string (r, TF_LWM2M_TYPE_OBJLNK, s, error))
        return NULL;
    }
  if (!tf_lwm2m_codec_coerce (r, error))
    return NULL;
  g_ptr_array_add (out, g_steal_pointer (&r));
  return g_steal_pointer (&out);
}

GBytes *
tf_lwm2m_cbor_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  const TfLwm2mRecord *r;
  if (records->len != 1
      || !tf_lwm2m_path_equal (&((TfLwm2mRecord *)g_ptr_array_index (records, 0))->path, path))
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "CBOR holds the one value at the request path (%u records)", records->len);
      return NULL;
    }
  if (!tf_lwm2m_codec_check_values (records, error))
    return NULL;
  r = g_ptr_array_index (records, 0);
  put_value (b, r);
  return g_byte_array_free_to_bytes (g_steal_pointer (&b));
}
