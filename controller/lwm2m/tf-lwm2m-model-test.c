/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object model: operations from the registry, replace vs partial Write, Create/Delete,
 * attributes and their inheritance, Discover, Execute and change notifications. */
#include <string.h>

#include "tf-lwm2m-attrs.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-model.h"

static TfLwm2mPath
path (const char *s)
{
  TfLwm2mPath p;
  g_assert_true (tf_lwm2m_path_parse (s, &p, NULL));
  return p;
}

static void
add (GPtrArray *a, TfLwm2mRecord *r)
{
  g_ptr_array_add (a, r);
}

static TfLwm2mRecord *
rec_s (const char *p, const char *v)
{
  TfLwm2mPath pp = path (p);
  return tf_lwm2m_record_new_string (&pp, v);
}

static TfLwm2mRecord *
rec_i (const char *p, gint64 v)
{
  TfLwm2mPath pp = path (p);
  return tf_lwm2m_record_new_int (&pp, v);
}

typedef struct
{
  GPtrArray *changed; /* path strings */
  guint executed;
  TfLwm2mPath exec_path;
  char *exec_args;
} Fixture;

static void
on_changed (const TfLwm2mPath *p, gpointer data)
{
  Fixture *f = data;
  g_ptr_array_add (f->changed, tf_lwm2m_path_to_string (p));
}

static gboolean
on_execute (TfLwm2mModel *m, const TfLwm2mPath *p, const guint8 *args, gsize len, gpointer data,
            GError **error)
{
  Fixture *f = data;
  f->executed++;
  f->exec_path = *p;
  g_free (f->exec_args);
  f->exec_args = g_strndup ((const char *)args, len);
  return TRUE;
}

/* A client with a Security, a Server and a Device instance. */
static TfLwm2mModel *
client (Fixture *f)
{
  TfLwm2mModel *m = tf_lwm2m_model_new ();
  g_autoptr (GPtrArray) sec = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) srv = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) dev = tf_lwm2m_records_new ();
  g_autoptr (GError) error = NULL;
  TfLwm2mPath p;

  add (sec, rec_s ("/0/0/0", "coap://[2001:db8::1]:5683"));
  add (srv, rec_i ("/1/0/0", 1));
  add (srv, rec_i ("/1/0/1", 300));
  add (srv, rec_i ("/1/0/2", 1));
  p = path ("/1/0/6"), add (srv, tf_lwm2m_record_new_bool (&p, FALSE));
  add (srv, rec_s ("/1/0/7", "U"));
  add (dev, rec_s ("/3/0/0", "TestFest"));
  add (dev, rec_i ("/3/0/9", 80));
  add (dev, rec_i ("/3/0/11/0", 0));
  add (dev, rec_s ("/3/0/16", "U"));
  g_assert_true (tf_lwm2m_model_create (m, 0, 0, sec, &error));
  g_assert_true (tf_lwm2m_model_create (m, 1, 0, srv, &error));
  g_assert_true (tf_lwm2m_model_create (m, 3, 0, dev, &error));
  g_assert_no_error (error);
  tf_lwm2m_model_add_object (m, 5);
  f->changed = g_ptr_array_new_with_free_func (g_free);
  tf_lwm2m_model_set_changed_func (m, on_changed, f);
  return m;
}

static void
fixture_clear (Fixture *f)
{
  g_clear_pointer (&f->changed, g_ptr_array_unref);
  g_clear_pointer (&f->exec_args, g_free);
}

static void
assert_code (GError *error, guint code)
{
  g_assert_nonnull (error);
  if (tf_lwm2m_error_to_coap (error) != code)
    g_error ("expected %u.%02u, got %u.%02u: %s", code >> 5, code & 31,
             tf_lwm2m_error_to_coap (error) >> 5, tf_lwm2m_error_to_coap (error) & 31,
             error->message);
}

static const TfLwm2mRecord *
find (GPtrArray *records, const char *p)
{
  TfLwm2mPath pp = path (p);
  for (guint i = 0; records != NULL && i < records->len; i++)
    if (tf_lwm2m_path_equal (&((TfLwm2mRecord *)records->pdata[i])->path, &pp))
      return records->pdata[i];
  return NULL;
}

static void
test_read (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GError) error = NULL;
  TfLwm2mPath p = path ("/3/0");
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (m, &p, TRUE, &error);
  g_autoptr (GPtrArray) r2 = NULL;
  g_autoptr (GPtrArray) r3 = NULL;
  g_autoptr (GBytes) tlv = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (r->len, ==, 4); /* Reboot exists but has no value to read */
  g_assert_nonnull (find (r, "/3/0/11/0"));
  /* the records encode as an answer */
  tlv = tf_lwm2m_encode (TF_LWM2M_CF_TLV, &p, r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tlv);

  p = path ("/0/0");
  r2 = tf_lwm2m_model_read (m, &p, TRUE, &error);
  g_assert_null (r2);
  assert_code (error, TF_LWM2M_STATUS_UNAUTHORIZED);
  g_clear_error (&error);
  r2 = tf_lwm2m_model_read (m, &p, FALSE, &error); /* the device itself may */
  g_assert_no_error (error);
  g_assert_cmpuint (r2->len, ==, 1);

  {
    const char *missing[] = { "/3/1", "/9", "/3/0/2", "/3/0/11/1", "/3/0/99" };
    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autoptr (GError) e = NULL;
        TfLwm2mPath q = path (missing[i]);
        g_autoptr (GPtrArray) none = tf_lwm2m_model_read (m, &q, TRUE, &e);
        g_assert_null (none);
        assert_code (e, TF_LWM2M_STATUS_NOT_FOUND);
      }
  }
  p = path ("/3/0/4");
  r3 = tf_lwm2m_model_read (m, &p, TRUE, &error);
  g_assert_null (r3);
  assert_code (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED);
  g_clear_error (&error);

  /* a write-only resource (Firmware Package) is left out of an instance read, refused alone */
  {
    g_autoptr (GPtrArray) fw = tf_lwm2m_records_new ();
    g_autoptr (GBytes) pkg = g_bytes_new_static ("\x7f"
                                                 "ELF",
                                                 4);
    g_autoptr (GPtrArray) inst = NULL;
    g_autoptr (GPtrArray) alone = NULL;
    TfLwm2mPath q = path ("/5/0/0");
    g_ptr_array_add (fw, tf_lwm2m_record_new_opaque (&q, pkg));
    add (fw, rec_i ("/5/0/3", 0));
    g_assert_true (tf_lwm2m_model_create (m, 5, 0, fw, &error));
    g_assert_no_error (error);
    q = path ("/5/0");
    inst = tf_lwm2m_model_read (m, &q, TRUE, &error);
    g_assert_no_error (error);
    g_assert_null (find (inst, "/5/0/0"));
    g_assert_nonnull (find (inst, "/5/0/3"));
    q = path ("/5/0/0");
    alone = tf_lwm2m_model_read (m, &q, TRUE, &error);
    g_assert_null (alone);
    assert_code (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED);
  }
  fixture_clear (&f);
}

static void
test_write_permissions (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  struct
  {
    const char *path, *rec;
    guint code;
  } cases[] = {
    { "/3/0/0", "/3/0/0", TF_LWM2M_STATUS_METHOD_NOT_ALLOWED }, /* Manufacturer is R */
    { "/3/0", "/3/0/9", TF_LWM2M_STATUS_METHOD_NOT_ALLOWED },
    { "/1/0", "/1/0/0", TF_LWM2M_STATUS_METHOD_NOT_ALLOWED }, /* Short Server ID is R */
    { "/3/1", "/3/1/13", TF_LWM2M_STATUS_NOT_FOUND },
    { "/3/0/99", "/3/0/99", TF_LWM2M_STATUS_NOT_FOUND },
    { "/3/0", "/3/0/99", TF_LWM2M_STATUS_NOT_FOUND },
    { "/0/0", "/0/0/0", TF_LWM2M_STATUS_UNAUTHORIZED },
    { "/3", "/3/0/13", TF_LWM2M_STATUS_METHOD_NOT_ALLOWED },
    { "/1/0", "/3/0/13", TF_LWM2M_STATUS_BAD_REQUEST }, /* outside the path */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
      TfLwm2mPath p = path (cases[i].path);
      add (recs, rec_i (cases[i].rec, 1));
      g_assert_false (tf_lwm2m_model_write (m, &p, recs, FALSE, &error));
      assert_code (error, cases[i].code);
    }
  /* a refused Write changes nothing, not even its writable part */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
    g_autoptr (GPtrArray) now = NULL;
    TfLwm2mPath p = path ("/1/0");
    add (recs, rec_i ("/1/0/1", 999));
    add (recs, rec_i ("/1/0/0", 7));
    g_assert_false (tf_lwm2m_model_write (m, &p, recs, FALSE, &error));
    now = tf_lwm2m_model_read (m, &p, TRUE, NULL);
    g_assert_cmpint (find (now, "/1/0/1")->v.i, ==, 300);
    g_assert_cmpuint (f.changed->len, ==, 0);
  }
  /* a value of the wrong type is a bad request */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
    TfLwm2mPath p = path ("/1/0/1");
    add (recs, rec_s ("/1/0/1", "long"));
    g_assert_false (tf_lwm2m_model_write (m, &p, recs, TRUE, &error));
    assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
  }
  fixture_clear (&f);
}

static void
test_write_replace_partial (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) partial = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) replace = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) now = NULL;
  TfLwm2mPath inst = path ("/1/0");
  TfLwm2mPath p;

  /* partial (POST): lifetime changes, the rest stays */
  add (partial, rec_i ("/1/0/1", 600));
  g_assert_true (tf_lwm2m_model_write (m, &inst, partial, FALSE, &error));
  g_assert_no_error (error);
  now = tf_lwm2m_model_read (m, &inst, TRUE, NULL);
  g_assert_cmpint (find (now, "/1/0/1")->v.i, ==, 600);
  g_assert_nonnull (find (now, "/1/0/2"));
  g_assert_cmpuint (f.changed->len, ==, 1);
  g_assert_cmpstr (f.changed->pdata[0], ==, "/1/0/1");
  g_clear_pointer (&now, g_ptr_array_unref);

  /* the same value again is no change */
  g_assert_true (tf_lwm2m_model_write (m, &inst, partial, FALSE, &error));
  g_assert_cmpuint (f.changed->len, ==, 1);

  /* replace (PUT): writable resources not written go, read-only ones stay */
  add (replace, rec_i ("/1/0/1", 60));
  p = path ("/1/0/6"), add (replace, tf_lwm2m_record_new_bool (&p, TRUE));
  add (replace, rec_s ("/1/0/7", "UQ"));
  g_assert_true (tf_lwm2m_model_write (m, &inst, replace, TRUE, &error));
  g_assert_no_error (error);
  now = tf_lwm2m_model_read (m, &inst, TRUE, NULL);
  g_assert_null (find (now, "/1/0/2"));
  g_assert_nonnull (find (now, "/1/0/0"));
  g_assert_cmpint (find (now, "/1/0/1")->v.i, ==, 60);
  g_assert_cmpuint (now->len, ==, 4);
  g_clear_pointer (&now, g_ptr_array_unref);

  /* a multiple resource: partial adds an instance, replace keeps only those written */
  {
    TfLwm2mPath res = path ("/1/0/24");
    g_autoptr (GPtrArray) a = tf_lwm2m_records_new ();
    g_autoptr (GPtrArray) b = tf_lwm2m_records_new ();
    g_autoptr (GPtrArray) c = tf_lwm2m_records_new ();
    p = path ("/1/0/24/0"), add (a, tf_lwm2m_record_new_objlnk (&p, 11, 0));
    p = path ("/1/0/24/1"), add (a, tf_lwm2m_record_new_objlnk (&p, 11, 1));
    g_assert_true (tf_lwm2m_model_write (m, &res, a, TRUE, &error));
    p = path ("/1/0/24/5"), add (b, tf_lwm2m_record_new_objlnk (&p, 11, 5));
    g_assert_true (tf_lwm2m_model_write (m, &res, b, FALSE, &error));
    now = tf_lwm2m_model_read (m, &res, TRUE, NULL);
    g_assert_cmpuint (now->len, ==, 3);
    g_clear_pointer (&now, g_ptr_array_unref);
    g_assert_true (tf_lwm2m_model_write (m, &res, b, TRUE, &error));
    now = tf_lwm2m_model_read (m, &res, TRUE, NULL);
    g_assert_cmpuint (now->len, ==, 1);
    g_assert_nonnull (find (now, "/1/0/24/5"));
    g_clear_pointer (&now, g_ptr_array_unref);
    /* a single value to a multiple resource is refused */
    add (c, rec_i ("/1/0/24", 1));
    g_assert_false (tf_lwm2m_model_write (m, &res, c, TRUE, &error));
    assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
    g_clear_error (&error);
  }
  g_assert_no_error (error);
  fixture_clear (&f);
}

/* a payload decoded by the codec writes straight into the model: numbers from JSON become
 * the registry's types */
static void
test_write_decoded (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  const char *senml = "[{\"bn\":\"/1/0/\",\"n\":\"1\",\"v\":120},{\"n\":\"6\",\"vb\":true}]";
  TfLwm2mPath p = path ("/1/0");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) recs
      = tf_lwm2m_decode (TF_LWM2M_CF_SENML_JSON, &p, (const guint8 *)senml, strlen (senml), &error);
  g_autoptr (GPtrArray) now = NULL;
  g_assert_no_error (error);
  g_assert_true (tf_lwm2m_model_write (m, &p, recs, FALSE, &error));
  g_assert_no_error (error);
  now = tf_lwm2m_model_read (m, &p, TRUE, NULL);
  g_assert_cmpint (find (now, "/1/0/1")->v.i, ==, 120);
  g_assert_true (find (now, "/1/0/6")->v.b);
  g_assert_cmpuint (f.changed->len, ==, 2);
  fixture_clear (&f);
}

static void
test_create_delete (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) insts = NULL;
  g_autoptr (GPtrArray) now = NULL;
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 65535, 1, 0); /* a Create without instance id */

  add (recs, tf_lwm2m_record_new_int (&p, 3600));
  add (recs, rec_i ("/1/4/0", 4));
  g_assert_cmpuint (tf_lwm2m_model_next_instance (m, 1), ==, 1);
  g_assert_false (tf_lwm2m_model_create (m, 1, 1, recs, &error)); /* /1/4/0 is not /1/1 */
  assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
  g_clear_error (&error);
  g_ptr_array_remove_index (recs, 1);
  g_assert_true (tf_lwm2m_model_create (m, 1, 1, recs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (f.changed->pdata[0], ==, "/1/1");
  p = path ("/1/1");
  now = tf_lwm2m_model_read (m, &p, TRUE, NULL);
  g_assert_cmpint (find (now, "/1/1/1")->v.i, ==, 3600);
  insts = tf_lwm2m_model_instances (m, 1);
  g_assert_cmpuint (insts->len, ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (insts->pdata[1]), ==, 1);

  g_assert_false (tf_lwm2m_model_create (m, 1, 1, NULL, &error));
  assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
  g_clear_error (&error);
  g_assert_false (tf_lwm2m_model_create (m, 3, 1, NULL, &error)); /* Device is single */
  assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
  g_clear_error (&error);

  g_assert_true (tf_lwm2m_model_delete (m, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (f.changed->pdata[f.changed->len - 1], ==, "/1/1");
  g_assert_false (tf_lwm2m_model_delete (m, &p, &error));
  assert_code (error, TF_LWM2M_STATUS_NOT_FOUND);
  g_clear_error (&error);
  p = path ("/1/0/1");
  g_assert_false (tf_lwm2m_model_delete (m, &p, &error));
  assert_code (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED);
  g_clear_error (&error);
  /* the object survives its instances */
  p = path ("/1");
  g_assert_true (tf_lwm2m_model_delete (m, &p, &error));
  g_clear_pointer (&insts, g_ptr_array_unref);
  insts = tf_lwm2m_model_instances (m, 1);
  g_assert_cmpuint (insts->len, ==, 0);
  fixture_clear (&f);
}

static GHashTable *
attrs (const char *first, ...)
{
  GHashTable *t = tf_lwm2m_attrs_new ();
  va_list ap;
  va_start (ap, first);
  for (const char *k = first; k != NULL; k = va_arg (ap, const char *))
    {
      const char *v = va_arg (ap, const char *);
      g_hash_table_replace (t, g_strdup (k), g_strdup (v));
    }
  va_end (ap);
  return t;
}

static void
test_attributes (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) a1 = attrs ("pmin", "10", "pmax", "120", NULL);
  g_autoptr (GHashTable) a2 = attrs ("pmax", "60", NULL);
  g_autoptr (GHashTable) a3 = attrs ("gt", "50", "lt", "20", "st", "5", NULL);
  g_autoptr (GHashTable) eff = NULL;
  TfLwm2mPath o = path ("/3"), i = path ("/3/0"), r = path ("/3/0/9");

  g_assert_true (tf_lwm2m_model_write_attributes (m, &o, a1, &error));
  g_assert_true (tf_lwm2m_model_write_attributes (m, &i, a2, &error));
  g_assert_true (tf_lwm2m_model_write_attributes (m, &r, a3, &error));
  g_assert_no_error (error);
  /* the resource inherits pmin from the object, pmax from the instance */
  eff = tf_lwm2m_model_get_attributes (m, &r);
  g_assert_cmpstr (g_hash_table_lookup (eff, "pmin"), ==, "10");
  g_assert_cmpstr (g_hash_table_lookup (eff, "pmax"), ==, "60");
  g_assert_cmpstr (g_hash_table_lookup (eff, "gt"), ==, "50");
  g_clear_pointer (&eff, g_hash_table_unref);
  eff = tf_lwm2m_model_get_attributes (m, &o);
  g_assert_cmpstr (g_hash_table_lookup (eff, "pmax"), ==, "120");
  g_clear_pointer (&eff, g_hash_table_unref);

  /* a finer level overrides; a NULL value removes (the coarser one shows again) */
  {
    g_autoptr (GHashTable) over = attrs ("pmin", "5", NULL);
    g_autoptr (GHashTable) rm = tf_lwm2m_attrs_new ();
    g_assert_true (tf_lwm2m_model_write_attributes (m, &r, over, &error));
    eff = tf_lwm2m_model_get_attributes (m, &r);
    g_assert_cmpstr (g_hash_table_lookup (eff, "pmin"), ==, "5");
    g_clear_pointer (&eff, g_hash_table_unref);
    g_hash_table_replace (rm, g_strdup ("pmin"), NULL);
    g_assert_true (tf_lwm2m_model_write_attributes (m, &r, rm, &error));
    eff = tf_lwm2m_model_get_attributes (m, &r);
    g_assert_cmpstr (g_hash_table_lookup (eff, "pmin"), ==, "10");
    g_clear_pointer (&eff, g_hash_table_unref);
  }
  /* refused: gt on an instance, an unknown name, lt >= gt, lt + 2*st >= gt, a bad number,
   * a missing path */
  {
    struct
    {
      const char *path, *k, *v;
      guint code;
    } bad[] = {
      { "/3/0", "gt", "1", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/9", "foo", "1", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/9", "lt", "60", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/9", "st", "20", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/9", "pmin", "-1", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/9", "pmax", "x", TF_LWM2M_STATUS_BAD_REQUEST },
      { "/3/0/2", "pmin", "1", TF_LWM2M_STATUS_NOT_FOUND },
      { "/4", "pmin", "1", TF_LWM2M_STATUS_NOT_FOUND },
    };
    for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (GHashTable) t = attrs (bad[k].k, bad[k].v, NULL);
        TfLwm2mPath p = path (bad[k].path);
        g_assert_false (tf_lwm2m_model_write_attributes (m, &p, t, &e));
        assert_code (e, bad[k].code);
      }
  }
  /* the query form of Write-Attributes */
  {
    const char *q[] = { "pmin=2", "epmax", "gt=1.5" };
    const char *badq[] = { "pmin=x" };
    g_autoptr (GHashTable) t = tf_lwm2m_attrs_parse_query (q, 3, &error);
    g_autoptr (GHashTable) none = NULL;
    g_assert_no_error (error);
    g_assert_cmpstr (g_hash_table_lookup (t, "pmin"), ==, "2");
    g_assert_true (g_hash_table_contains (t, "epmax"));
    g_assert_null (g_hash_table_lookup (t, "epmax"));
    none = tf_lwm2m_attrs_parse_query (badq, 1, &error);
    g_assert_null (none);
    assert_code (error, TF_LWM2M_STATUS_BAD_REQUEST);
  }
  fixture_clear (&f);
}

static void
test_discover_register (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GHashTable) a = attrs ("pmin", "10", NULL);
  g_autoptr (GHashTable) b = attrs ("pmax", "60", NULL);
  TfLwm2mPath o = path ("/3"), i = path ("/3/0/11"), r = path ("/3/0/9");
  g_autoptr (GPtrArray) d = NULL;
  g_autoptr (GPtrArray) d2 = NULL;
  g_autoptr (GPtrArray) reg = NULL;
  g_autofree char *s = NULL;
  g_autofree char *s2 = NULL;
  g_autofree char *s3 = NULL;

  g_assert_true (tf_lwm2m_model_write_attributes (m, &o, a, NULL));
  g_assert_true (tf_lwm2m_model_write_attributes (m, &r, b, NULL));
  d = tf_lwm2m_model_discover (m, &o);
  s = tf_lwm2m_link_format (d);
  g_assert_cmpstr (s, ==,
                   "</3>;ver=1.2;pmin=10,</3/0>,</3/0/0>,</3/0/4>,</3/0/9>;pmax=60,"
                   "</3/0/11>;dim=1,</3/0/16>");
  d2 = tf_lwm2m_model_discover (m, &i);
  s2 = tf_lwm2m_link_format (d2);
  g_assert_cmpstr (s2, ==, "</3/0/11>;dim=1");
  reg = tf_lwm2m_model_register_links (m);
  s3 = tf_lwm2m_link_format (reg);
  g_assert_cmpstr (s3, ==, "</1>;ver=1.2,</1/0>,</3>;ver=1.2,</3/0>,</5>;ver=1.2");
  {
    TfLwm2mPath missing = path ("/3/1");
    g_assert_null (tf_lwm2m_model_discover (m, &missing));
  }
  fixture_clear (&f);
}

static void
test_execute_changed (void)
{
  Fixture f = { 0 };
  g_autoptr (TfLwm2mModel) m = client (&f);
  g_autoptr (GError) error = NULL;
  TfLwm2mPath reboot = path ("/3/0/4"), name = path ("/3/0/0"), none = path ("/3/0/5");
  g_autoptr (TfLwm2mRecord) battery = rec_i ("/3/0/9", 70);
  g_autoptr (TfLwm2mRecord) bad = rec_i ("/3/7/9", 70);

  /* no execute function yet */
  g_assert_false (tf_lwm2m_model_execute (m, &reboot, NULL, 0, &error));
  assert_code (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED);
  g_clear_error (&error);
  tf_lwm2m_model_set_execute_func (m, on_execute, &f);
  g_assert_true (tf_lwm2m_model_execute (m, &reboot, (const guint8 *)"0='x'", 5, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.executed, ==, 1);
  g_assert_true (tf_lwm2m_path_equal (&f.exec_path, &reboot));
  g_assert_cmpstr (f.exec_args, ==, "0='x'");
  g_assert_false (tf_lwm2m_model_execute (m, &name, NULL, 0, &error));
  assert_code (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (tf_lwm2m_model_execute (m, &none, NULL, 0, &error)); /* Factory Reset absent */
  assert_code (error, TF_LWM2M_STATUS_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (f.executed, ==, 1);

  /* a local change notifies once, the same value again not at all */
  g_assert_true (tf_lwm2m_model_set (m, battery, &error));
  g_assert_true (tf_lwm2m_model_set (m, battery, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f.changed->len, ==, 1);
  g_assert_cmpstr (f.changed->pdata[0], ==, "/3/0/9");
  g_assert_false (tf_lwm2m_model_set (m, bad, &error));
  assert_code (error, TF_LWM2M_STATUS_NOT_FOUND);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/model/read", test_read);
  g_test_add_func ("/lwm2m/model/write-permissions", test_write_permissions);
  g_test_add_func ("/lwm2m/model/write-replace-partial", test_write_replace_partial);
  g_test_add_func ("/lwm2m/model/write-decoded", test_write_decoded);
  g_test_add_func ("/lwm2m/model/create-delete", test_create_delete);
  g_test_add_func ("/lwm2m/model/attributes", test_attributes);
  g_test_add_func ("/lwm2m/model/discover-register", test_discover_register);
  g_test_add_func ("/lwm2m/model/execute-changed", test_execute_changed);
  return g_test_run ();
}
