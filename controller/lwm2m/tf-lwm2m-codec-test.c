/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-format codecs against the examples of the OMA LwM2M 1.1.1 Core TS §7.4 and
 * RFC 8428, round trips through every format, and malformed inputs. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-registry.h"
#include "tf-lwm2m-senml-cbor.h"

static GBytes *
hex (const char *s)
{
  GByteArray *b = g_byte_array_new ();
  for (const char *c = s; *c;)
    {
      guint8 v;
      if (!g_ascii_isxdigit (c[0]))
        {
          c++;
          continue;
        }
      g_assert_true (g_ascii_isxdigit (c[1]));
      v = (guint8)(g_ascii_xdigit_value (c[0]) << 4 | g_ascii_xdigit_value (c[1]));
      g_byte_array_append (b, &v, 1);
      c += 2;
    }
  return g_byte_array_free_to_bytes (b);
}

static TfLwm2mPath
path (const char *s)
{
  TfLwm2mPath p;
  g_autoptr (GError) error = NULL;
  g_assert_true (tf_lwm2m_path_parse (s, &p, &error));
  g_assert_no_error (error);
  return p;
}

static GPtrArray *
decode_ok (guint cf, const char *p, GBytes *b)
{
  TfLwm2mPath pp = path (p);
  g_autoptr (GError) error = NULL;
  GPtrArray *r
      = tf_lwm2m_decode (cf, &pp, g_bytes_get_data (b, NULL), g_bytes_get_size (b), &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
decode_fails (guint cf, const char *p, const void *data, gsize len, guint code, const char *needle)
{
  TfLwm2mPath pp = path (p);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) r = tf_lwm2m_decode (cf, &pp, data, len, &error);
  g_assert_null (r);
  g_assert_nonnull (error);
  g_assert_cmpuint (tf_lwm2m_error_to_coap (error), ==, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("error \"%s\" does not mention \"%s\"", error->message, needle);
}

static const TfLwm2mRecord *
find (GPtrArray *records, const char *p)
{
  TfLwm2mPath pp = path (p);
  for (guint i = 0; i < records->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (records, i);
      if (tf_lwm2m_path_equal (&r->path, &pp))
        return r;
    }
  g_error ("no record at %s", p);
  return NULL;
}

static void
assert_string (GPtrArray *records, const char *p, const char *want)
{
  const TfLwm2mRecord *r = find (records, p);
  g_autofree char *s = tf_lwm2m_record_value_to_string (r);
  g_assert_cmpint (r->type, ==, TF_LWM2M_TYPE_STRING);
  g_assert_cmpstr (s, ==, want);
}

static void
assert_int (GPtrArray *records, const char *p, gint64 want)
{
  const TfLwm2mRecord *r = find (records, p);
  g_assert_true (r->type == TF_LWM2M_TYPE_INTEGER || r->type == TF_LWM2M_TYPE_TIME);
  g_assert_cmpint (r->v.i, ==, want);
}

static void
assert_same_records (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const TfLwm2mRecord *x = g_ptr_array_index (a, i);
      g_autofree char *ps = tf_lwm2m_path_to_string (&x->path);
      g_autofree char *xs = tf_lwm2m_record_value_to_string (x);
      gboolean found = FALSE;
      for (guint k = 0; k < b->len && !found; k++)
        found = tf_lwm2m_record_equal (x, g_ptr_array_index (b, k));
      if (!found)
        g_error ("record %s = %s (%s) not in the other set", ps, xs,
                 tf_lwm2m_type_to_string (x->type));
    }
}

/* LwM2M 1.1.1 Core TS §7.4.3.2, "Single Object Instance Request": Read /3/0 answered in TLV. */
#define DEVICE_TLV                                                                                 \
  "C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65"                           \
  "C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74"                     \
  "C8 02 09 33 34 35 30 30 30 31 32 33"                                                            \
  "C3 03 31 2E 30"                                                                                 \
  "86 06 41 00 01 41 01 05"                                                                        \
  "88 07 08 42 00 0E D8 42 01 13 88"                                                               \
  "87 08 41 00 7D 42 01 03 84"                                                                     \
  "C1 09 64"                                                                                       \
  "C1 0A 0F"                                                                                       \
  "83 0B 41 00 00"                                                                                 \
  "C4 0D 51 82 42 8F"                                                                              \
  "C6 0E 2B 30 32 3A 30 30"                                                                        \
  "C1 10 55"

static void
assert_device (GPtrArray *r)
{
  g_assert_cmpuint (r->len, ==, 16);
  assert_string (r, "/3/0/0", "Open Mobile Alliance");
  assert_string (r, "/3/0/1", "Lightweight M2M Client");
  assert_string (r, "/3/0/2", "345000123");
  assert_string (r, "/3/0/3", "1.0");
  assert_int (r, "/3/0/6/0", 1);
  assert_int (r, "/3/0/6/1", 5);
  assert_int (r, "/3/0/7/0", 3800);
  assert_int (r, "/3/0/7/1", 5000);
  assert_int (r, "/3/0/8/0", 125);
  assert_int (r, "/3/0/8/1", 900);
  assert_int (r, "/3/0/9", 100);
  assert_int (r, "/3/0/10", 15);
  assert_int (r, "/3/0/11/0", 0);
  g_assert_cmpint (find (r, "/3/0/13")->type, ==, TF_LWM2M_TYPE_TIME);
  assert_int (r, "/3/0/13", 1367491215);
  assert_string (r, "/3/0/14", "+02:00");
  assert_string (r, "/3/0/16", "U");
}

static void
test_path (void)
{
  TfLwm2mPath p;
  g_autofree char *s = NULL;
  const char *bad[]
      = { "", "3/0", "//", "/3//0", "/65535", "/1/2/3/4/5", "/x", "/1a", "/-1", "/0000001" };

  g_assert_true (tf_lwm2m_path_parse ("/", &p, NULL));
  g_assert_cmpuint (p.len, ==, 0);
  g_assert_true (tf_lwm2m_path_parse ("/3/0/7/1", &p, NULL));
  g_assert_cmpuint (p.len, ==, 4);
  g_assert_cmpuint (p.ids[2], ==, 7);
  s = tf_lwm2m_path_to_string (&p);
  g_assert_cmpstr (s, ==, "/3/0/7/1");
  g_assert_true (tf_lwm2m_path_parse ("/65534/0/", &p, NULL));
  g_assert_cmpuint (p.len, ==, 2);
  g_assert_cmpuint (p.ids[0], ==, 65534);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (tf_lwm2m_path_parse (bad[i], &p, &error));
      g_assert_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST);
    }
  {
    TfLwm2mPath a = path ("/3"), b = path ("/3/0/1"), c = path ("/4/0");
    g_assert_true (tf_lwm2m_path_is_prefix (&a, &b));
    g_assert_false (tf_lwm2m_path_is_prefix (&b, &a));
    g_assert_false (tf_lwm2m_path_is_prefix (&c, &b));
  }
}

static void
test_registry (void)
{
  const TfLwm2mObjectDef *o = tf_lwm2m_registry_object (3);
  const TfLwm2mResourceDef *r;
  g_assert_nonnull (o);
  g_assert_cmpstr (o->name, ==, "Device");
  g_assert_false (o->multiple);
  r = tf_lwm2m_registry_resource (3, 4);
  g_assert_cmpstr (r->name, ==, "Reboot");
  g_assert_cmpstr (r->ops, ==, "E");
  r = tf_lwm2m_registry_resource (1, 1);
  g_assert_cmpint (r->type, ==, TF_LWM2M_TYPE_INTEGER);
  g_assert_cmpstr (r->ops, ==, "RW");
  g_assert_true (tf_lwm2m_registry_resource (5, 0)->type == TF_LWM2M_TYPE_OPAQUE);
  g_assert_null (tf_lwm2m_registry_resource (5, 4)); /* 5/4 is not defined */
  g_assert_true (tf_lwm2m_registry_resource (4, 4)->multiple);
  g_assert_null (tf_lwm2m_registry_object (2));
}

/* §7.4.3.2 Table "Single Object Instance Request" (Read /3/0) */
static void
test_tlv_device (void)
{
  g_autoptr (GBytes) in = hex (DEVICE_TLV);
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_TLV, "/3/0", in);
  TfLwm2mPath p = path ("/3/0");
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;

  assert_device (r);
  out = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (in, out));
}

/* The same answer to Read /3: one Object Instance TLV around it (the form Leshan's tests
 * quote from the spec's object-level example). */
static void
test_tlv_device_object (void)
{
  g_autoptr (GBytes) in = hex ("08 00 79" DEVICE_TLV);
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_TLV_OLD, "/3", in);
  TfLwm2mPath p = path ("/3");
  g_autoptr (GBytes) out = NULL;

  assert_device (r);
  out = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r, NULL);
  g_assert_true (g_bytes_equal (in, out));
}

/* §7.4.3.2 "Multiple Object Instance Request" B): Read /2 (Access Control, two instances;
 * an object the registry here does not know, so values are opaque) */
static void
test_tlv_acl (void)
{
  g_autoptr (GBytes) in = hex ("08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F"
                               "08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F");
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_TLV, "/2", in);
  const TfLwm2mRecord *acl = find (r, "/2/2/2/310");
  TfLwm2mPath p = path ("/2");
  g_autoptr (GBytes) out = NULL;

  g_assert_cmpuint (r->len, ==, 9);
  g_assert_cmpint (acl->type, ==, TF_LWM2M_TYPE_OPAQUE);
  g_assert_cmpuint (g_bytes_get_size (acl->bytes), ==, 1);
  g_assert_cmpuint (((const guint8 *)g_bytes_get_data (acl->bytes, NULL))[0], ==, 1);
  find (r, "/2/0/2/127");
  out = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r, NULL);
  g_assert_true (g_bytes_equal (in, out));
}

/* §7.4.3.2 "Multiple Object Instance Request" C): Read /1 (one Server instance) */
static void
test_tlv_server (void)
{
  g_autoptr (GBytes) in = hex ("08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55");
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_TLV, "/1", in);
  TfLwm2mPath p = path ("/1");
  g_autoptr (GBytes) out = NULL;

  g_assert_cmpuint (r->len, ==, 4);
  assert_int (r, "/1/0/0", 1);
  assert_int (r, "/1/0/1", 86400);
  g_assert_cmpint (find (r, "/1/0/6")->type, ==, TF_LWM2M_TYPE_BOOLEAN);
  g_assert_true (find (r, "/1/0/6")->v.b);
  assert_string (r, "/1/0/7", "U");
  out = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r, NULL);
  g_assert_true (g_bytes_equal (in, out));
}

/* §7.4.3.1: a single resource, a multiple resource, a resource instance, a Create without an
 * instance TLV */
static void
test_tlv_resources (void)
{
  g_autoptr (GBytes) one
      = hex ("C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65");
  g_autoptr (GBytes) multi = hex ("86 06 41 00 01 41 01 05");
  g_autoptr (GBytes) inst = hex ("41 01 05");
  g_autoptr (GBytes) create = hex ("C1 00 02 C4 01 00 00 0E 10");
  g_autoptr (GPtrArray) r1 = decode_ok (TF_LWM2M_CF_TLV, "/3/0/0", one);
  g_autoptr (GPtrArray) r2 = decode_ok (TF_LWM2M_CF_TLV, "/3/0/6", multi);
  g_autoptr (GPtrArray) r3 = decode_ok (TF_LWM2M_CF_TLV, "/3/0/6/1", inst);
  g_autoptr (GPtrArray) r4 = decode_ok (TF_LWM2M_CF_TLV, "/1", create);
  TfLwm2mPath p = path ("/3/0/6");
  g_autoptr (GBytes) out = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r2, NULL);

  assert_string (r1, "/3/0/0", "Open Mobile Alliance");
  g_assert_cmpuint (r2->len, ==, 2);
  assert_int (r2, "/3/0/6/1", 5);
  g_assert_true (g_bytes_equal (out, multi));
  g_assert_cmpuint (r3->len, ==, 1);
  assert_int (r3, "/3/0/6/1", 5);
  g_assert_cmpuint (r4->len, ==, 2);
  {
    /* the instance is left to the client: 65535 */
    TfLwm2mPath p4 = tf_lwm2m_path_make (3, 1, 65535, 1, 0);
    const TfLwm2mRecord *lifetime = NULL;
    for (guint i = 0; i < r4->len; i++)
      if (tf_lwm2m_path_equal (&((TfLwm2mRecord *)r4->pdata[i])->path, &p4))
        lifetime = r4->pdata[i];
    g_assert_nonnull (lifetime);
    g_assert_cmpint (lifetime->v.i, ==, 3600);
  }
  /* a negative integer keeps its sign, a 16-bit id its value */
  {
    g_autoptr (GBytes) neg = hex ("E1 01 2C FF");
    g_autoptr (GPtrArray) r5 = decode_ok (TF_LWM2M_CF_TLV, "/32769/0", neg);
    g_assert_cmpint (find (r5, "/32769/0/300")->type, ==, TF_LWM2M_TYPE_OPAQUE);
  }
  {
    g_autoptr (GBytes) neg = hex ("C2 09 FF 38"); /* battery level -200 */
    g_autoptr (GPtrArray) r6 = decode_ok (TF_LWM2M_CF_TLV, "/3/0", neg);
    assert_int (r6, "/3/0/9", -200);
  }
}

static void
test_tlv_malformed (void)
{
  struct
  {
    const char *path, *hex, *needle;
  } cases[] = {
    { "/3/0", "C8", "header truncated" },
    { "/3/0", "C8 00 14 4F 70", "overruns" },
    { "/3/0", "D8 00 FF FF 00", "overruns" },    /* 24-bit length */
    { "/3/0", "F0 00 00 FF FF 00", "overruns" }, /* 16-bit id, 16-bit length */
    { "/3/0", "C3 09 01 02 03", "integer of 3 bytes" },
    { "/3/0", "C2 00 C3 28", "UTF-8" }, /* bad UTF-8 string */
    { "/1/0", "C1 06 02", "boolean" },
    { "/3/0", "83 06 C1 00 01", "not allowed" },            /* resource inside multi */
    { "/3/0", "08 01 03 C1 09 64", "outside the request" }, /* instance 1 in /3/0 */
    { "/3/0/9", "C1 0A 64", "outside the request" },
    { "/3/0", "41 00 01", "not allowed" },
    { "/3/0", "E1 FF FF 00", "reserved" },
    { "/", "C1 09 64", "object path" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) b = hex (cases[i].hex);
      decode_fails (TF_LWM2M_CF_TLV, cases[i].path, g_bytes_get_data (b, NULL),
                    g_bytes_get_size (b), TF_LWM2M_STATUS_BAD_REQUEST, cases[i].needle);
    }
}

/* §7.4.5 (LwM2M JSON): the /3/0 example */
static const char device_json[]
    = "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},"
      "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},{\"n\":\"2\",\"sv\":\"345000123\"},"
      "{\"n\":\"3\",\"sv\":\"1.0\"},{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},"
      "{\"n\":\"7/0\",\"v\":3800},{\"n\":\"7/1\",\"v\":5000},{\"n\":\"8/0\",\"v\":125},"
      "{\"n\":\"8/1\",\"v\":900},{\"n\":\"9\",\"v\":100},{\"n\":\"10\",\"v\":15},"
      "{\"n\":\"11/0\",\"v\":0},{\"n\":\"13\",\"v\":1367491215},{\"n\":\"14\",\"sv\":\"+02:00\"},"
      "{\"n\":\"16\",\"sv\":\"U\"}]}";

/* §7.4.7 (SenML JSON): the /3/0 example */
static const char device_senml[]
    = "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},"
      "{\"n\":\"1\",\"vs\":\"Lightweight M2M Client\"},{\"n\":\"2\",\"vs\":\"345000123\"},"
      "{\"n\":\"3\",\"vs\":\"1.0\"},{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},"
      "{\"n\":\"7/0\",\"v\":3800},{\"n\":\"7/1\",\"v\":5000},{\"n\":\"8/0\",\"v\":125},"
      "{\"n\":\"8/1\",\"v\":900},{\"n\":\"9\",\"v\":100},{\"n\":\"10\",\"v\":15},"
      "{\"n\":\"11/0\",\"v\":0},{\"n\":\"13\",\"v\":1367491215},{\"n\":\"14\",\"vs\":\"+02:00\"},"
      "{\"n\":\"16\",\"vs\":\"U\"}]";

static void
test_json_device (void)
{
  g_autoptr (GBytes) tlv = hex (DEVICE_TLV);
  g_autoptr (GBytes) json = g_bytes_new_static (device_json, strlen (device_json));
  g_autoptr (GBytes) senml = g_bytes_new_static (device_senml, strlen (device_senml));
  g_autoptr (GPtrArray) from_tlv = decode_ok (TF_LWM2M_CF_TLV, "/3/0", tlv);
  g_autoptr (GPtrArray) from_json = decode_ok (TF_LWM2M_CF_JSON, "/3/0", json);
  g_autoptr (GPtrArray) from_senml = decode_ok (TF_LWM2M_CF_SENML_JSON, "/3/0", senml);
  g_autoptr (GPtrArray) from_root = decode_ok (TF_LWM2M_CF_SENML_JSON, "/", senml);

  assert_device (from_json);
  assert_device (from_senml);
  assert_same_records (from_tlv, from_json);
  assert_same_records (from_tlv, from_senml);
  assert_same_records (from_tlv, from_root);
}

/* SenML CBOR (RFC 8428 §6: labels bn -2, n 0, v 2, vs 3, vb 4, vd 8): the §7.4.7 example's
 * first records, written by hand */
static void
test_senml_cbor (void)
{
  /* [{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "9", 2: 100}, {0: "13", 2: 1367491215}]
   */
  g_autoptr (GBytes) in = hex ("83"
                               "A3 21 65 2F 33 2F 30 2F 00 61 30"
                               "03 74 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65"
                               "A2 00 61 39 02 18 64"
                               "A2 00 62 31 33 02 1A 51 82 42 8F");
  /* Read /3/0/0 answered with one record: [{-2: "/3/0/0", 3: "Open Mobile Alliance"}] */
  g_autoptr (GBytes) single
      = hex ("81 A2 21 66 2F 33 2F 30 2F 30"
             "03 74 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65");
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_SENML_CBOR, "/3/0", in);
  g_autoptr (GPtrArray) r1 = decode_ok (TF_LWM2M_CF_SENML_CBOR, "/3/0/0", single);
  TfLwm2mPath p = path ("/3/0/0");
  g_autoptr (GBytes) out = tf_lwm2m_encode (TF_LWM2M_CF_SENML_CBOR, &p, r1, NULL);

  g_assert_cmpuint (r->len, ==, 3);
  assert_string (r, "/3/0/0", "Open Mobile Alliance");
  assert_int (r, "/3/0/9", 100);
  assert_int (r, "/3/0/13", 1367491215);
  g_assert_cmpint (find (r, "/3/0/13")->type, ==, TF_LWM2M_TYPE_TIME);
  g_assert_true (g_bytes_equal (out, single));
}

/* RFC 8428 §4.5.3: a record's time is the base time plus its own; "bn" is a prefix */
static void
test_senml_base (void)
{
  const char *s = "[{\"bn\":\"/3/0/\",\"bt\":1000,\"n\":\"9\",\"v\":50,\"t\":-10},"
                  "{\"n\":\"13\",\"v\":12},{\"bn\":\"/1/0/\",\"n\":\"1\",\"v\":60}]";
  g_autoptr (GBytes) b = g_bytes_new_static (s, strlen (s));
  g_autoptr (GPtrArray) r = decode_ok (TF_LWM2M_CF_SENML_JSON, "/", b);
  g_assert_cmpuint (r->len, ==, 3);
  g_assert_cmpfloat (find (r, "/3/0/9")->time, ==, 990);
  g_assert_cmpfloat (find (r, "/3/0/13")->time, ==, 1000);
  assert_int (r, "/1/0/1", 60);
}

/* one record of every type, through every format that holds several */
static GPtrArray *
rich_records (void)
{
  GPtrArray *a = tf_lwm2m_records_new ();
  TfLwm2mPath p;
  g_autoptr (GBytes) blob = g_bytes_new ("\x00\x01\xfe\xff", 4);
  p = path ("/3/0/0"), g_ptr_array_add (a, tf_lwm2m_record_new_string (&p, "Ünïcode \"q\""));
  p = path ("/3/0/9"), g_ptr_array_add (a, tf_lwm2m_record_new_int (&p, -123456789012));
  p = path ("/3/0/13"), g_ptr_array_add (a, tf_lwm2m_record_new_time (&p, 1700000000));
  p = path ("/3/0/11/0"), g_ptr_array_add (a, tf_lwm2m_record_new_int (&p, 0));
  p = path ("/3/0/11/7"), g_ptr_array_add (a, tf_lwm2m_record_new_int (&p, 300));
  p = path ("/3/0/22/1"), g_ptr_array_add (a, tf_lwm2m_record_new_objlnk (&p, 12, 345));
  p = path ("/5/0/0"), g_ptr_array_add (a, tf_lwm2m_record_new_opaque (&p, blob));
  p = path ("/5/0/14"), g_ptr_array_add (a, tf_lwm2m_record_new_bool (&p, TRUE));
  p = path ("/5/0/13"), g_ptr_array_add (a, tf_lwm2m_record_new_unsigned (&p, 4000000000u));
  p = path ("/1/0/1"), g_ptr_array_add (a, tf_lwm2m_record_new_int (&p, 86400));
  p = path ("/1/3/24/0"), g_ptr_array_add (a, tf_lwm2m_record_new_objlnk (&p, 11, 0));
  return a;
}

static void
test_roundtrip (void)
{
  const guint cfs[]
      = { TF_LWM2M_CF_JSON, TF_LWM2M_CF_JSON_OLD, TF_LWM2M_CF_SENML_JSON, TF_LWM2M_CF_SENML_CBOR };
  g_autoptr (GPtrArray) recs = rich_records ();
  TfLwm2mPath root = path ("/");

  for (guint i = 0; i < G_N_ELEMENTS (cfs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) b = tf_lwm2m_encode (cfs[i], &root, recs, &error);
      g_autoptr (GPtrArray) back = NULL;
      g_assert_no_error (error);
      back = tf_lwm2m_decode (cfs[i], &root, g_bytes_get_data (b, NULL), g_bytes_get_size (b),
                              &error);
      g_assert_no_error (error);
      assert_same_records (recs, back);
    }
  /* TLV holds one object: each object of the set on its own */
  for (guint16 obj = 1; obj <= 5; obj += 2)
    {
      TfLwm2mPath op = tf_lwm2m_path_make (1, obj, 0, 0, 0);
      g_autoptr (GPtrArray) part = tf_lwm2m_records_new ();
      g_autoptr (GBytes) b = NULL;
      g_autoptr (GPtrArray) back = NULL;
      for (guint i = 0; i < recs->len; i++)
        if (((TfLwm2mRecord *)recs->pdata[i])->path.ids[0] == obj)
          g_ptr_array_add (part, tf_lwm2m_record_copy (recs->pdata[i]));
      b = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &op, part, NULL);
      g_assert_nonnull (b);
      back = tf_lwm2m_decode (TF_LWM2M_CF_TLV, &op, g_bytes_get_data (b, NULL),
                              g_bytes_get_size (b), NULL);
      g_assert_nonnull (back);
      assert_same_records (part, back);
    }
  /* the single-value formats, one record each */
  for (guint i = 0; i < recs->len; i++)
    {
      const guint single[]
          = { TF_LWM2M_CF_TEXT, TF_LWM2M_CF_CBOR, TF_LWM2M_CF_TLV, TF_LWM2M_CF_SENML_JSON };
      const TfLwm2mRecord *r = recs->pdata[i];
      g_autoptr (GPtrArray) one = tf_lwm2m_records_new ();
      g_ptr_array_add (one, tf_lwm2m_record_copy (r));
      for (guint k = 0; k < G_N_ELEMENTS (single); k++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GBytes) b = tf_lwm2m_encode (single[k], &r->path, one, &error);
          g_autoptr (GPtrArray) back = NULL;
          g_assert_no_error (error);
          back = tf_lwm2m_decode (single[k], &r->path, g_bytes_get_data (b, NULL),
                                  g_bytes_get_size (b), &error);
          g_assert_no_error (error);
          assert_same_records (one, back);
        }
    }
}

/* §7.4.1 plain text and §7.4.2 opaque: types from the registry */
static void
test_text (void)
{
  g_autoptr (GBytes) hundred = g_bytes_new_static ("100", 3);
  g_autoptr (GBytes) yes = g_bytes_new_static ("1", 1);
  g_autoptr (GBytes) lnk = g_bytes_new_static ("11:0", 4);
  g_autoptr (GBytes) any = g_bytes_new_static ("hello", 5);
  g_autoptr (GPtrArray) r1 = decode_ok (TF_LWM2M_CF_TEXT, "/3/0/9", hundred);
  g_autoptr (GPtrArray) r2 = decode_ok (TF_LWM2M_CF_TEXT, "/1/0/6", yes);
  g_autoptr (GPtrArray) r3 = decode_ok (TF_LWM2M_CF_TEXT, "/1/0/10", lnk);
  g_autoptr (GPtrArray) r4 = decode_ok (TF_LWM2M_CF_TEXT, "/32769/0/1", any);
  g_autoptr (GPtrArray) r5 = decode_ok (TF_LWM2M_CF_OPAQUE, "/5/0/0", any);

  assert_int (r1, "/3/0/9", 100);
  g_assert_true (find (r2, "/1/0/6")->v.b);
  g_assert_cmpuint (find (r3, "/1/0/10")->v.lnk.obj, ==, 11);
  assert_string (r4, "/32769/0/1", "hello");
  g_assert_cmpint (find (r5, "/5/0/0")->type, ==, TF_LWM2M_TYPE_OPAQUE);

  decode_fails (TF_LWM2M_CF_TEXT, "/3/0/9", "1x", 2, TF_LWM2M_STATUS_BAD_REQUEST, "integer");
  decode_fails (TF_LWM2M_CF_TEXT, "/1/0/6", "2", 1, TF_LWM2M_STATUS_BAD_REQUEST, "boolean");
  decode_fails (TF_LWM2M_CF_TEXT, "/3/0/0", "\xff", 1, TF_LWM2M_STATUS_BAD_REQUEST, "UTF-8");
  decode_fails (TF_LWM2M_CF_TEXT, "/3/0", "1", 1, TF_LWM2M_STATUS_NOT_ACCEPTABLE, NULL);
  decode_fails (TF_LWM2M_CF_OPAQUE, "/3/0/9", "1", 1, TF_LWM2M_STATUS_UNSUPPORTED_CF, NULL);
  decode_fails (TF_LWM2M_CF_LINK, "/3/0/9", "1", 1, TF_LWM2M_STATUS_UNSUPPORTED_CF, NULL);
  decode_fails (9999, "/3/0/9", "1", 1, TF_LWM2M_STATUS_UNSUPPORTED_CF, NULL);
  {
    g_autoptr (GBytes) tlv = hex (DEVICE_TLV);
    g_autoptr (GPtrArray) dev = decode_ok (TF_LWM2M_CF_TLV, "/3/0", tlv);
    TfLwm2mPath p = path ("/3/0");
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) b = tf_lwm2m_encode (TF_LWM2M_CF_TEXT, &p, dev, &error);
    g_assert_null (b);
    g_assert_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE);
  }
}

static void
test_json_malformed (void)
{
  g_autoptr (GString) deep = g_string_new (NULL);
  const struct
  {
    guint cf;
    const char *path, *text, *needle;
  } cases[] = {
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"9\",\"v\":\"x\"}]", "wrong type" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"0\",\"vs\":1}]", "wrong type" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"0\"}]", "0 values" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"0\",\"vs\":\"a\",\"v\":1}]", "2 values" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"bn\":\"/4/0/\",\"n\":\"0\",\"v\":1}]", "under /3/0" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"9\",\"v\":1.5}]", "type integer" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"9\",\"v\":1,\"x_\":1}]", "must-understand" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"0\",\"vs\":\"\xc3\x28\"}]", "UTF-8" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "{}", "not an array" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "[{\"n\":\"9\",\"v\":1}", "JSON" },
    { TF_LWM2M_CF_SENML_JSON, "/5/0", "[{\"n\":\"0\",\"vd\":\"!!\"}]", "wrong type" },
    { TF_LWM2M_CF_JSON, "/3/0", "{\"e\":[{\"n\":\"9\",\"bv\":true}]}", "type integer" },
    { TF_LWM2M_CF_JSON, "/3/0", "{\"bn\":\"/3/0/\"}", "no \"e\"" },
    { TF_LWM2M_CF_JSON, "/3/0", "{\"e\":[{\"n\":\"70000\",\"v\":1}]}", "not a resource" },
    { TF_LWM2M_CF_JSON, "/3/0", "[]", "not an object" },
    /* one document only (json-glib would take, and leak, a second one) */
    { TF_LWM2M_CF_SENML_JSON, "/3/0", "2[{\"n\":\"9\",\"v\":1}]", "not an array or object" },
    { TF_LWM2M_CF_SENML_JSON, "/3/0", " [{\"n\":\"9\",\"v\":1}] []", "after the document" },
    { TF_LWM2M_CF_JSON, "/3/0", "{\"e\":[]}{}", "after the document" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    decode_fails (cases[i].cf, cases[i].path, cases[i].text, strlen (cases[i].text),
                  TF_LWM2M_STATUS_BAD_REQUEST, cases[i].needle);
  /* nesting: 17 arrays is refused before json-glib sees it, a million never reaches it */
  for (guint i = 0; i < 17; i++)
    g_string_append_c (deep, '[');
  decode_fails (TF_LWM2M_CF_SENML_JSON, "/", deep->str, deep->len, TF_LWM2M_STATUS_BAD_REQUEST,
                "deeper");
  g_string_set_size (deep, 0);
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, '{');
  decode_fails (TF_LWM2M_CF_JSON, "/", deep->str, deep->len, TF_LWM2M_STATUS_BAD_REQUEST, "deeper");
}

static void
test_cbor_malformed (void)
{
  g_autofree guint8 *deep = g_malloc (1000001);
  const struct
  {
    const char *path, *hex, *needle;
  } cases[] = {
    { "/3/0", "81 19 01", "truncated" },
    { "/3/0", "83 A1", "cannot fit" },
    { "/3/0", "9A FF FF FF FF 00", "cannot fit" },
    { "/3/0", "81 A2 00 61 39 02 18 64 00", "after the item" },
    { "/3/0", "81 A2 00 61 39 02 7A FF FF FF FF", "overruns" },
    { "/3/0", "81 A2 00 61 39 02 63 61 62 63", "wrong type" }, /* v: "abc" */
    { "/3/0", "81 A2 00 61 30 03 62 C3 28", "UTF-8" },         /* vs: bad UTF-8 */
    { "/3/0", "81 A2 00 61 39 02 81 01", "deeper" },           /* v: [1] */
    { "/3/0", "FF", "unexpected break" },
    { "/3/0", "1C", "reserved" },
    { "/3/0", "A0", "not a definite array" },
    { "/3/0", "81 A1 00 61 39", "0 values" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) b = hex (cases[i].hex);
      decode_fails (TF_LWM2M_CF_SENML_CBOR, cases[i].path, g_bytes_get_data (b, NULL),
                    g_bytes_get_size (b), TF_LWM2M_STATUS_BAD_REQUEST, cases[i].needle);
    }
  memset (deep, 0x81, 1000000);
  deep[1000000] = 0x00;
  decode_fails (TF_LWM2M_CF_SENML_CBOR, "/", deep, 1000001, TF_LWM2M_STATUS_BAD_REQUEST, "deeper");
  g_assert_true (tf_lwm2m_cbor_check (deep + 1000000 - 16, 17, 16, NULL));
  g_assert_false (tf_lwm2m_cbor_check (deep + 1000000 - 17, 18, 16, NULL));
  decode_fails (TF_LWM2M_CF_CBOR, "/3/0/9", deep + 1000000 - 1, 2, TF_LWM2M_STATUS_BAD_REQUEST,
                "deeper");
}

static void
test_limits (void)
{
  g_autofree guint8 *big = g_malloc0 (1024 * 1024 + 1);
  g_autoptr (GString) many = g_string_new ("[");
  decode_fails (TF_LWM2M_CF_TLV, "/3/0", big, 1024 * 1024 + 1,
                TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
  for (guint i = 0; i < 4097; i++)
    g_string_append_printf (many, "%s{\"n\":\"/3/0/11/%u\",\"v\":%u}", i ? "," : "", i, i);
  g_string_append_c (many, ']');
  decode_fails (TF_LWM2M_CF_SENML_JSON, "/", many->str, many->len, TF_LWM2M_STATUS_BAD_REQUEST,
                "4096");
  /* 4097 TLV resource instances of one byte each */
  {
    g_autoptr (GByteArray) t = g_byte_array_new ();
    guint8 head[] = { 0x90, 11, 0, 0 }; /* multiple resource 11, 16-bit length */
    guint n = 4097 * 4;
    head[2] = (guint8)(n >> 8);
    head[3] = (guint8)n;
    g_byte_array_append (t, head, 4);
    for (guint i = 0; i < 4097; i++)
      {
        guint8 ri[] = { 0x61, (guint8)(i >> 8), (guint8)i, 0 };
        g_byte_array_append (t, ri, 4);
      }
    decode_fails (TF_LWM2M_CF_TLV, "/3/0", t->data, t->len, TF_LWM2M_STATUS_BAD_REQUEST,
                  "more than 4096");
  }
}

/* §6.3.1.1 Read-Composite: the request names paths only */
static void
test_composite_paths (void)
{
  const char *req = "[{\"n\":\"/3/0/0\"},{\"bn\":\"/1/0/\",\"n\":\"1\"},{\"n\":\"7\"},"
                    "{\"bn\":\"\",\"n\":\"/5\"}]";
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) p
      = tf_lwm2m_decode_paths (TF_LWM2M_CF_SENML_JSON, (const guint8 *)req, strlen (req), &error);
  const char *want[] = { "/3/0/0", "/1/0/1", "/1/0/7", "/5" };

  g_assert_no_error (error);
  g_assert_cmpuint (p->len, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *s = tf_lwm2m_path_to_string (&g_array_index (p, TfLwm2mPath, i));
      g_assert_cmpstr (s, ==, want[i]);
    }
  /* both encodings carry them back */
  for (guint cf = 0; cf < 2; cf++)
    {
      guint f = cf ? TF_LWM2M_CF_SENML_CBOR : TF_LWM2M_CF_SENML_JSON;
      g_autoptr (GBytes) b = tf_lwm2m_encode_paths (f, (TfLwm2mPath *)p->data, p->len, &error);
      g_autoptr (GArray) back = NULL;
      g_assert_no_error (error);
      back = tf_lwm2m_decode_paths (f, g_bytes_get_data (b, NULL), g_bytes_get_size (b), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->len, ==, 4);
      g_assert_true (tf_lwm2m_path_equal (&g_array_index (back, TfLwm2mPath, 1),
                                          &g_array_index (p, TfLwm2mPath, 1)));
    }
  {
    const char *bad[]
        = { "[{\"n\":\"x\"}]", "[{\"n\":3}]", "[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]", "{}", "[1]" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (GArray) none = tf_lwm2m_decode_paths (
            TF_LWM2M_CF_SENML_JSON, (const guint8 *)bad[i], strlen (bad[i]), &e);
        g_assert_null (none);
        g_assert_error (e, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST);
      }
  }
}

static void
test_error_mapping (void)
{
  g_autoptr (GError) a = g_error_new (TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND, "x");
  g_autoptr (GError) b = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  g_autofree char *s = tf_lwm2m_coap_code_to_string (tf_lwm2m_error_to_coap (a));
  g_assert_cmpuint (tf_lwm2m_error_to_coap (a), ==, 132);
  g_assert_cmpstr (s, ==, "4.04");
  g_assert_cmpuint (tf_lwm2m_error_to_coap (b), ==, TF_LWM2M_STATUS_INTERNAL);
  g_assert_true (tf_lwm2m_cf_supported (TF_LWM2M_CF_SENML_CBOR));
  g_assert_false (tf_lwm2m_cf_supported (TF_LWM2M_CF_LINK));
  g_assert_cmpstr (tf_lwm2m_cf_to_string (11543), ==, "application/vnd.oma.lwm2m+json");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/path", test_path);
  g_test_add_func ("/lwm2m/registry", test_registry);
  g_test_add_func ("/lwm2m/tlv/device", test_tlv_device);
  g_test_add_func ("/lwm2m/tlv/device-object", test_tlv_device_object);
  g_test_add_func ("/lwm2m/tlv/acl", test_tlv_acl);
  g_test_add_func ("/lwm2m/tlv/server", test_tlv_server);
  g_test_add_func ("/lwm2m/tlv/resources", test_tlv_resources);
  g_test_add_func ("/lwm2m/tlv/malformed", test_tlv_malformed);
  g_test_add_func ("/lwm2m/json/device", test_json_device);
  g_test_add_func ("/lwm2m/senml-cbor", test_senml_cbor);
  g_test_add_func ("/lwm2m/senml/base", test_senml_base);
  g_test_add_func ("/lwm2m/roundtrip", test_roundtrip);
  g_test_add_func ("/lwm2m/text", test_text);
  g_test_add_func ("/lwm2m/json/malformed", test_json_malformed);
  g_test_add_func ("/lwm2m/cbor/malformed", test_cbor_malformed);
  g_test_add_func ("/lwm2m/limits", test_limits);
  g_test_add_func ("/lwm2m/errors", test_error_mapping);
  g_test_add_func ("/lwm2m/composite-paths", test_composite_paths);
  return g_test_run ();
}
