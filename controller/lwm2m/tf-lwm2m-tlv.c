/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OMA-TLV: a type byte (kind, id width, length width), an 8/16-bit id, a 0/8/16/24-bit length,
 * the value. Kinds: object instance, resource instance, multiple resource, resource. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-registry.h"
#include "tf-lwm2m-tlv.h"

typedef enum
{
  KIND_INSTANCE = 0,
  KIND_RES_INSTANCE = 1,
  KIND_MULTI = 2,
  KIND_RESOURCE = 3,
} Kind;

typedef struct
{
  const guint8 *base; /* the whole payload, for offsets in errors */
  GPtrArray *out;
} Ctx;

static gboolean
decode_value (Ctx *c, const TfLwm2mPath *p, const guint8 *v, gsize len, gsize off, GError **error)
{
  TfLwm2mType type = tf_lwm2m_codec_registry_type (p);
  g_autoptr (TfLwm2mRecord) r = NULL;
  g_autofree char *ps = tf_lwm2m_path_to_string (p);

  if (type == TF_LWM2M_TYPE_NONE)
    type = TF_LWM2M_TYPE_OPAQUE;
  r = tf_lwm2m_record_new (p, type);
  switch (type)
    {
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_CORELNK:
      if (!g_utf8_validate_len ((const char *)v, len, NULL) || memchr (v, 0, len) != NULL)
        {
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": %s is not UTF-8 text", off, ps);
          return FALSE;
        }
      r->bytes = g_bytes_new (v, len);
      break;
    case TF_LWM2M_TYPE_OPAQUE:
      r->bytes = g_bytes_new (v, len);
      break;
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
    case TF_LWM2M_TYPE_UNSIGNED:
      {
        guint64 u = 0;
        if (len != 1 && len != 2 && len != 4 && len != 8)
          {
            tf_lwm2m_bad (error,
                          "TLV at byte %" G_GSIZE_FORMAT ": %s: an integer of %" G_GSIZE_FORMAT
                          " bytes (1, 2, 4 or 8)",
                          off, ps, len);
            return FALSE;
          }
        for (gsize i = 0; i < len; i++)
          u = (u << 8) | v[i];
        if (type == TF_LWM2M_TYPE_UNSIGNED)
          r->v.u = u;
        else if (len < 8 && (v[0] & 0x80))
          r->v.i = (gint64)(u | (~G_GUINT64_CONSTANT (0) << (len * 8))); /* sign-extend */
        else
          r->v.i = (gint64)u;
        break;
      }
    case TF_LWM2M_TYPE_FLOAT:
      if (len == 4)
        {
          guint32 b = (guint32)v[0] << 24 | (guint32)v[1] << 16 | (guint32)v[2] << 8 | v[3];
          gfloat f;
          memcpy (&f, &b, 4);
          r->v.f = f;
        }
      else if (len == 8)
        {
          guint64 b = 0;
          for (guint i = 0; i < 8; i++)
            b = (b << 8) | v[i];
          memcpy (&r->v.f, &b, 8);
        }
      else
        {
          tf_lwm2m_bad (error,
                        "TLV at byte %" G_GSIZE_FORMAT ": %s: a float of %" G_GSIZE_FORMAT
                        " bytes (4 or 8)",
                        off, ps, len);
          return FALSE;
        }
      break;
    case TF_LWM2M_TYPE_BOOLEAN:
      if (len != 1 || v[0] > 1)
        {
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": %s: a boolean is one byte 0 or 1",
                        off, ps);
          return FALSE;
        }
      r->v.b = v[0];
      break;
    case TF_LWM2M_TYPE_OBJLNK:
      if (len != 4)
        {
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": %s: an object link is 4 bytes",
                        off, ps);
          return FALSE;
        }
      r->v.lnk.obj = (guint16)(v[0] << 8 | v[1]);
      r->v.lnk.inst = (guint16)(v[2] << 8 | v[3]);
      break;
    case TF_LWM2M_TYPE_NONE:
    default:
      g_assert_not_reached ();
    }
  if (c->out->len >= TF_LWM2M_MAX_RECORDS)
    {
      tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": more than %u values", off,
                    TF_LWM2M_MAX_RECORDS);
      return FALSE;
    }
  g_ptr_array_add (c->out, g_steal_pointer (&r));
  return TRUE;
}

/* Decodes the TLVs in [data, data+len) found under @parent. @allowed is a bit set of kinds. */
static gboolean
decode_level (Ctx *c, const TfLwm2mPath *parent, const guint8 *data, gsize len, guint allowed,
              GError **error)
{
  gsize pos = 0;

  while (pos < len)
    {
      gsize off = (gsize)(data + pos - c->base);
      guint8 t = data[pos];
      Kind kind = (Kind)(t >> 6);
      gsize idw = (t & 0x20) ? 2 : 1;
      gsize lenw = (t >> 3) & 3;
      gsize hdr = 1 + idw + lenw;
      gsize vlen = 0;
      guint16 id;
      TfLwm2mPath p = *parent;

      if (hdr > len - pos)
        {
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": header truncated", off);
          return FALSE;
        }
      id = idw == 2 ? (guint16)(data[pos + 1] << 8 | data[pos + 2]) : data[pos + 1];
      if (lenw == 0)
        vlen = t & 7;
      for (gsize i = 0; i < lenw; i++)
        vlen = (vlen << 8) | data[pos + 1 + idw + i];
      if (vlen > len - pos - hdr)
        {
          tf_lwm2m_bad (error,
                        "TLV at byte %" G_GSIZE_FORMAT ": length %" G_GSIZE_FORMAT
                        " overruns the payload (%" G_GSIZE_FORMAT " bytes left)",
                        off, vlen, len - pos - hdr);
          return FALSE;
        }
      if (!(allowed & (1u << kind)))
        {
          static const char *const names[] = { "an object instance", "a resource instance",
                                               "a multiple resource", "a resource" };
          g_autofree char *ps = tf_lwm2m_path_to_string (parent);
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": %s is not allowed under %s", off,
                        names[kind], ps);
          return FALSE;
        }
      if (id > TF_LWM2M_ID_MAX)
        {
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": id 65535 is reserved", off);
          return FALSE;
        }
      /* a TLV repeating the last id of the request path names that same node */
      if (kind == KIND_INSTANCE)
        p.len = 1;
      else if (kind == KIND_RES_INSTANCE)
        p.len = 3;
      else
        p.len = 2;
      if (p.len < parent->len && p.ids[p.len] != id)
        {
          g_autofree char *ps = tf_lwm2m_path_to_string (parent);
          tf_lwm2m_bad (error, "TLV at byte %" G_GSIZE_FORMAT ": id %u outside the request %s", off,
                        id, ps);
          return FALSE;
        }
      p.ids[p.len++] = id;
      for (guint k = p.len; k < 4; k++)
        p.ids[k] = 0;

      if (kind == KIND_INSTANCE)
        {
          if (!decode_level (c, &p, data + pos + hdr, vlen,
                             (1u << KIND_RESOURCE) | (1u << KIND_MULTI), error))
            return FALSE;
        }
      else if (kind == KIND_MULTI)
        {
          if (!decode_level (c, &p, data + pos + hdr, vlen, 1u << KIND_RES_INSTANCE, error))
            return FALSE;
        }
      else if (!decode_value (c, &p, data + pos + hdr, vlen, off, error))
        return FALSE;
      pos += hdr + vlen;
    }
  return TRUE;
}

GPtrArray *
tf_lwm2m_tlv_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();
  Ctx c = { data, out };
  TfLwm2mPath parent = *path;
  guint allowed;

  switch (path->len)
    {
    case 1:
      allowed = (1u << KIND_INSTANCE) | (1u << KIND_RESOURCE) | (1u << KIND_MULTI);
      /* resources straight under /O belong to an instance the client chooses */
      parent.ids[1] = TF_LWM2M_ID_NONE;
      break;
    case 2:
      allowed = (1u << KIND_INSTANCE) | (1u << KIND_RESOURCE) | (1u << KIND_MULTI);
      break;
    case 3:
      allowed = (1u << KIND_RESOURCE) | (1u << KIND_MULTI) | (1u << KIND_RES_INSTANCE);
      break;
    case 4:
      allowed = 1u << KIND_RES_INSTANCE;
      break;
    default:
      tf_lwm2m_bad (error, "TLV needs an object path, not /");
      return NULL;
    }
  if (len > TF_LWM2M_MAX_PAYLOAD)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "TLV payload of %" G_GSIZE_FORMAT " bytes (at most %u)", len,
                   TF_LWM2M_MAX_PAYLOAD);
      return NULL;
    }
  if (!decode_level (&c, &parent, data, len, allowed, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* Encoding */

static void
put_header (GByteArray *b, Kind kind, guint16 id, gsize vlen)
{
  guint8 h[6];
  gsize n = 1;
  h[0] = (guint8)(kind << 6);
  if (id > 255)
    {
      h[0] |= 0x20;
      h[n++] = (guint8)(id >> 8);
    }
  h[n++] = (guint8)id;
  if (vlen < 8)
    h[0] |= (guint8)vlen;
  else if (vlen < 0x100)
    {
      h[0] |= 1 << 3;
      h[n++] = (guint8)vlen;
    }
  else if (vlen < 0x10000)
    {
      h[0] |= 2 << 3;
      h[n++] = (guint8)(vlen >> 8);
      h[n++] = (guint8)vlen;
    }
  else
    {
      h[0] |= 3 << 3;
      h[n++] = (guint8)(vlen >> 16);
      h[n++] = (guint8)(vlen >> 8);
      h[n++] = (guint8)vlen;
    }
  g_byte_array_append (b, h, (guint)n);
}

static void
put_be (GByteArray *b, guint64 v, guint n)
{
  guint8 buf[8];
  for (guint i = 0; i < n; i++)
    buf[i] = (guint8)(v >> (8 * (n - 1 - i)));
  g_byte_array_append (b, buf, n);
}

static void
put_value (GByteArray *b, const TfLwm2mRecord *r)
{
  gsize len = 0;
  const guint8 *data;

  switch (r->type)
    {
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      {
        gint64 i = r->v.i;
        guint n = (i >= G_MININT8 && i <= G_MAXINT8)     ? 1
                  : (i >= G_MININT16 && i <= G_MAXINT16) ? 2
                  : (i >= G_MININT32 && i <= G_MAXINT32) ? 4
                                                         : 8;
        put_be (b, (guint64)i, n);
        break;
      }
    case TF_LWM2M_TYPE_UNSIGNED:
      {
        guint64 u = r->v.u;
        put_be (b, u, u <= G_MAXUINT8 ? 1 : u <= G_MAXUINT16 ? 2 : u <= G_MAXUINT32 ? 4 : 8);
        break;
      }
    case TF_LWM2M_TYPE_FLOAT:
      {
        gfloat f = (gfloat)r->v.f;
        if ((gdouble)f == r->v.f)
          {
            guint32 bits;
            memcpy (&bits, &f, 4);
            put_be (b, bits, 4);
          }
        else
          {
            guint64 bits;
            memcpy (&bits, &r->v.f, 8);
            put_be (b, bits, 8);
          }
        break;
      }
    case TF_LWM2M_TYPE_BOOLEAN:
      put_be (b, r->v.b ? 1 : 0, 1);
      break;
    case TF_LWM2M_TYPE_OBJLNK:
      put_be (b, (guint64)r->v.lnk.obj << 16 | r->v.lnk.inst, 4);
      break;
    case TF_LWM2M_TYPE_STRING:
    case TF_LWM2M_TYPE_OPAQUE:
    case TF_LWM2M_TYPE_CORELNK:
      if (r->bytes != NULL)
        {
          data = g_bytes_get_data (r->bytes, &len);
          g_byte_array_append (b, data, (guint)len);
        }
      break;
    case TF_LWM2M_TYPE_NONE:
    default:
      break;
    }
}

/* Appends a TLV of @kind/@id holding @value. */
static void
put_tlv (GByteArray *out, Kind kind, guint16 id, GByteArray *value)
{
  put_header (out, kind, id, value->len);
  g_byte_array_append (out, value->data, value->len);
}

GBytes *
tf_lwm2m_tlv_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error)
{
  g_autoptr (GPtrArray) sorted = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) inst = g_byte_array_new ();
  g_autoptr (GByteArray) multi = g_byte_array_new ();
  g_autoptr (GByteArray) val = g_byte_array_new ();
  GByteArray *res_level = path->len <= 1 ? inst : out;

  if (path->len == 0)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                   "TLV cannot hold several objects (request on /)");
      return NULL;
    }
  if (!tf_lwm2m_codec_check_records (path, records, error))
    return NULL;
  sorted = tf_lwm2m_codec_sorted (records);
  for (guint i = 0; i < sorted->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (sorted, i);
      const TfLwm2mRecord *next = i + 1 < sorted->len ? g_ptr_array_index (sorted, i + 1) : NULL;

      g_byte_array_set_size (val, 0);
      put_value (val, r);
      if (r->path.len == 4)
        {
          put_tlv (path->len == 4 ? out : multi, KIND_RES_INSTANCE, r->path.ids[3], val);
          /* the last instance of a resource closes its multiple-resource TLV */
          if (path->len < 4
              && (next == NULL || next->path.len != 4 || next->path.ids[0] != r->path.ids[0]
                  || next->path.ids[1] != r->path.ids[1] || next->path.ids[2] != r->path.ids[2]))
            {
              put_tlv (res_level, KIND_MULTI, r->path.ids[2], multi);
              g_byte_array_set_size (multi, 0);
            }
        }
      else
        put_tlv (res_level, KIND_RESOURCE, r->path.ids[2], val);
      if (path->len <= 1
          && (next == NULL || next->path.ids[0] != r->path.ids[0]
              || next->path.ids[1] != r->path.ids[1]))
        {
          put_tlv (out, KIND_INSTANCE, r->path.ids[1], inst);
          g_byte_array_set_size (inst, 0);
        }
    }
  if (out->len > TF_LWM2M_MAX_PAYLOAD)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "TLV payload of %u bytes (at most %u)", out->len, TF_LWM2M_MAX_PAYLOAD);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
