/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object tree of a client: GTrees keyed by id so every listing comes out in id order. */
#define G_LOG_DOMAIN "TfLwm2m"

#include "tf-lwm2m-model-private.h"

static gint
cmp_id (gconstpointer a, gconstpointer b, gpointer unused)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);
  return x < y ? -1 : x > y ? 1 : 0;
}

static GTree *
id_tree (GDestroyNotify value_free)
{
  return g_tree_new_full (cmp_id, NULL, NULL, value_free);
}

static void
res_free (TfModelRes *r)
{
  tf_lwm2m_record_free (r->single);
  if (r->insts != NULL)
    g_tree_unref (r->insts);
  g_free (r);
}

static TfModelRes *
res_new (gboolean multiple)
{
  TfModelRes *r = g_new0 (TfModelRes, 1);
  r->multiple = multiple;
  if (multiple)
    r->insts = id_tree ((GDestroyNotify)tf_lwm2m_record_free);
  return r;
}

GTree *
tf_model_inst_new (void)
{
  return id_tree ((GDestroyNotify)res_free);
}

TfLwm2mModel *
tf_lwm2m_model_new (void)
{
  TfLwm2mModel *m = g_new0 (TfLwm2mModel, 1);
  m->objs = id_tree ((GDestroyNotify)g_tree_unref); /* obj -> (inst -> (res -> TfModelRes)) */
  m->attrs
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  return m;
}

void
tf_lwm2m_model_free (TfLwm2mModel *m)
{
  if (m == NULL)
    return;
  g_tree_unref (m->objs);
  g_hash_table_unref (m->attrs);
  g_free (m);
}

void
tf_lwm2m_model_set_changed_func (TfLwm2mModel *m, void (*func) (const TfLwm2mPath *, gpointer),
                                 gpointer data)
{
  m->changed = func;
  m->changed_data = data;
}

void
tf_lwm2m_model_set_execute_func (TfLwm2mModel *m, TfLwm2mExecuteFunc func, gpointer data)
{
  m->execute = func;
  m->execute_data = data;
}

void
tf_model_emit (TfLwm2mModel *m, GArray *paths)
{
  for (guint i = 0; m->changed != NULL && i < paths->len; i++)
    m->changed (&g_array_index (paths, TfLwm2mPath, i), m->changed_data);
}

void
tf_model_note (GArray *paths, const TfLwm2mPath *p)
{
  for (guint i = 0; i < paths->len; i++)
    if (tf_lwm2m_path_equal (&g_array_index (paths, TfLwm2mPath, i), p))
      return;
  g_array_append_val (paths, *p);
}

GTree *
tf_model_obj (TfLwm2mModel *m, guint16 obj)
{
  return g_tree_lookup (m->objs, GUINT_TO_POINTER (obj));
}

GTree *
tf_model_inst (TfLwm2mModel *m, guint16 obj, guint16 inst)
{
  GTree *o = tf_model_obj (m, obj);
  return o != NULL ? g_tree_lookup (o, GUINT_TO_POINTER (inst)) : NULL;
}

TfModelRes *
tf_model_res (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  GTree *i = tf_model_inst (m, p->ids[0], p->ids[1]);
  return i != NULL ? g_tree_lookup (i, GUINT_TO_POINTER (p->ids[2])) : NULL;
}

gboolean
tf_model_set_error (GError **error, guint code, const TfLwm2mPath *p, const char *what)
{
  g_autofree char *ps = tf_lwm2m_path_to_string (p);
  g_set_error (error, TF_LWM2M_ERROR, (gint)code, "%s: %s", ps, what);
  return FALSE;
}

gpointer
tf_model_null_error (GError **error, guint code, const TfLwm2mPath *p, const char *what)
{
  tf_model_set_error (error, code, p, what);
  return NULL;
}

/* Does @p (len >= 1) name something in the model? */
gboolean
tf_model_exists (TfLwm2mModel *m, const TfLwm2mPath *p, GError **error)
{
  TfModelRes *r;
  if (p->len >= 1 && tf_model_obj (m, p->ids[0]) == NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such object");
  if (p->len >= 2 && tf_model_inst (m, p->ids[0], p->ids[1]) == NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such instance");
  if (p->len < 3)
    return TRUE;
  r = tf_model_res (m, p);
  if (r == NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such resource");
  if (p->len == 4
      && (!r->multiple || g_tree_lookup (r->insts, GUINT_TO_POINTER (p->ids[3])) == NULL))
    return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such resource instance");
  return TRUE;
}

/* What the registry says of a resource: NULL with @known_obj FALSE for objects it does not
 * know (everything allowed there). */
const TfLwm2mResourceDef *
tf_model_def (guint16 obj, guint16 res, gboolean *known_obj)
{
  *known_obj = tf_lwm2m_registry_object (obj) != NULL;
  return tf_lwm2m_registry_resource (obj, res);
}

gboolean
tf_model_allows (guint16 obj, guint16 res, char op)
{
  gboolean known;
  const TfLwm2mResourceDef *def = tf_model_def (obj, res, &known);
  if (!known)
    return TRUE;
  return tf_lwm2m_resource_def_allows (def, op);
}

/* Checks @r fits its resource and returns a copy of it in the registry's type. */
TfLwm2mRecord *
tf_model_prepare (const TfLwm2mRecord *r, GError **error)
{
  gboolean known;
  const TfLwm2mResourceDef *def = tf_model_def (r->path.ids[0], r->path.ids[2], &known);
  g_autoptr (TfLwm2mRecord) c = NULL;

  if (r->path.len < 3 || r->path.len > 4)
    return tf_model_null_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path, "not a resource");
  if (known && def == NULL)
    return tf_model_null_error (error, TF_LWM2M_STATUS_NOT_FOUND, &r->path,
                                "the object has no such resource");
  if (def != NULL && def->multiple != (r->path.len == 4))
    return tf_model_null_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path,
                                def->multiple ? "a multiple resource takes resource instances"
                                              : "a single resource has no instances");
  if (def != NULL && (def->type == TF_LWM2M_TYPE_NONE) != (r->type == TF_LWM2M_TYPE_NONE))
    return tf_model_null_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path,
                                r->type == TF_LWM2M_TYPE_NONE ? "a value is needed"
                                                              : "an executable takes no value");
  c = tf_lwm2m_record_copy (r);
  if (!tf_lwm2m_codec_coerce (c, error))
    return NULL;
  return g_steal_pointer (&c);
}

/* Stores @r (prepared) in instance tree @inst; notes the resource when its value changed. */
void
tf_model_store (GTree *inst, TfLwm2mRecord *r, GArray *changed)
{
  TfModelRes *res = g_tree_lookup (inst, GUINT_TO_POINTER (r->path.ids[2]));
  TfLwm2mPath rp = r->path;
  const TfLwm2mRecord *old;

  rp.len = 3;
  rp.ids[3] = 0;
  if (res == NULL)
    {
      res = res_new (r->path.len == 4);
      g_tree_insert (inst, GUINT_TO_POINTER (r->path.ids[2]), res);
    }
  if (r->type == TF_LWM2M_TYPE_NONE)
    {
      tf_lwm2m_record_free (r); /* an executable: present, without value */
      return;
    }
  if (res->multiple && r->path.len == 4)
    {
      old = g_tree_lookup (res->insts, GUINT_TO_POINTER (r->path.ids[3]));
      if (old == NULL || !tf_lwm2m_record_equal (old, r))
        tf_model_note (changed, &rp);
      g_tree_replace (res->insts, GUINT_TO_POINTER (r->path.ids[3]), r);
      return;
    }
  if (res->multiple || r->path.len == 4)
    {
      /* the shape changed (an unknown object's resource): start afresh */
      g_tree_remove (inst, GUINT_TO_POINTER (r->path.ids[2]));
      tf_model_note (changed, &rp);
      tf_model_store (inst, r, changed);
      return;
    }
  if (res->single == NULL || !tf_lwm2m_record_equal (res->single, r))
    tf_model_note (changed, &rp);
  tf_lwm2m_record_free (res->single);
  res->single = r;
}

void
tf_lwm2m_model_add_object (TfLwm2mModel *m, guint16 obj)
{
  if (tf_model_obj (m, obj) == NULL)
    g_tree_insert (m->objs, GUINT_TO_POINTER (obj), id_tree ((GDestroyNotify)g_tree_unref));
}

static gboolean
collect_key (gpointer key, gpointer value, gpointer data)
{
  g_ptr_array_add (data, key);
  return FALSE;
}

GPtrArray *
tf_lwm2m_model_objects (TfLwm2mModel *m)
{
  GPtrArray *a = g_ptr_array_new ();
  g_tree_foreach (m->objs, collect_key, a);
  return a;
}

GPtrArray *
tf_lwm2m_model_instances (TfLwm2mModel *m, guint16 obj)
{
  GPtrArray *a = g_ptr_array_new ();
  GTree *o = tf_model_obj (m, obj);
  if (o != NULL)
    g_tree_foreach (o, collect_key, a);
  return a;
}

guint16
tf_lwm2m_model_next_instance (TfLwm2mModel *m, guint16 obj)
{
  GTree *o = tf_model_obj (m, obj);
  guint id = 0;
  while (o != NULL && id < TF_LWM2M_ID_MAX && g_tree_lookup (o, GUINT_TO_POINTER (id)) != NULL)
    id++;
  return (guint16)id;
}

gboolean
tf_lwm2m_model_create (TfLwm2mModel *m, guint16 obj, guint16 inst, GPtrArray *records,
                       GError **error)
{
  const TfLwm2mObjectDef *def = tf_lwm2m_registry_object (obj);
  TfLwm2mPath ip = tf_lwm2m_path_make (2, obj, inst, 0, 0);
  g_autoptr (GPtrArray) prepared = tf_lwm2m_records_new ();
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));
  GTree *o = tf_model_obj (m, obj);
  GTree *it;

  if (inst > TF_LWM2M_ID_MAX)
    return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &ip, "bad instance id");
  if (o != NULL && g_tree_lookup (o, GUINT_TO_POINTER (inst)) != NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &ip, "exists already");
  if (def != NULL && !def->multiple && o != NULL && g_tree_nnodes (o) > 0)
    return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &ip,
                               "a single-instance object has its instance already");
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (records, i);
      TfLwm2mRecord *c;
      if (r->path.len < 3 || r->path.ids[0] != obj
          || (r->path.ids[1] != inst && r->path.ids[1] != TF_LWM2M_ID_NONE))
        return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path,
                                   "not a resource of the new instance");
      if ((c = tf_model_prepare (r, error)) == NULL)
        return FALSE;
      c->path.ids[1] = inst;
      g_ptr_array_add (prepared, c);
    }
  tf_lwm2m_model_add_object (m, obj);
  it = tf_model_inst_new ();
  g_tree_insert (tf_model_obj (m, obj), GUINT_TO_POINTER (inst), it);
  /* mandatory executables exist with the instance */
  for (guint i = 0; def != NULL && i < def->n_res; i++)
    if (def->res[i].mandatory && def->res[i].type == TF_LWM2M_TYPE_NONE)
      g_tree_insert (it, GUINT_TO_POINTER (def->res[i].id), res_new (FALSE));
  for (guint i = 0; i < prepared->len; i++)
    tf_model_store (it, g_steal_pointer (&prepared->pdata[i]), changed);
  g_array_set_size (changed, 0);
  tf_model_note (changed, &ip);
  tf_model_emit (m, changed);
  return TRUE;
}

gboolean
tf_lwm2m_model_set (TfLwm2mModel *m, const TfLwm2mRecord *r, GError **error)
{
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));
  TfLwm2mPath ip = r->path;
  TfLwm2mRecord *c;

  ip.len = MIN (ip.len, 2);
  if (r->path.len < 3)
    return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path, "not a resource");
  if (!tf_model_exists (m, &ip, error))
    return FALSE;
  if ((c = tf_model_prepare (r, error)) == NULL)
    return FALSE;
  tf_model_store (tf_model_inst (m, r->path.ids[0], r->path.ids[1]), c, changed);
  tf_model_emit (m, changed);
  return TRUE;
}

static void
read_res (TfModelRes *res, GPtrArray *out, gint riid)
{
  GTreeNode *n;
  if (!res->multiple)
    {
      if (res->single != NULL)
        g_ptr_array_add (out, tf_lwm2m_record_copy (res->single));
      return;
    }
  for (n = g_tree_node_first (res->insts); n != NULL; n = g_tree_node_next (n))
    if (riid < 0 || GPOINTER_TO_UINT (g_tree_node_key (n)) == (guint)riid)
      g_ptr_array_add (out, tf_lwm2m_record_copy (g_tree_node_value (n)));
}

static void
read_inst (GTree *inst, guint16 obj, gboolean server_op, GPtrArray *out)
{
  for (GTreeNode *n = g_tree_node_first (inst); n != NULL; n = g_tree_node_next (n))
    if (!server_op || tf_model_allows (obj, (guint16)GPOINTER_TO_UINT (g_tree_node_key (n)), 'R'))
      read_res (g_tree_node_value (n), out, -1);
}

GPtrArray *
tf_lwm2m_model_read (TfLwm2mModel *m, const TfLwm2mPath *p, gboolean server_op, GError **error)
{
  g_autoptr (GPtrArray) out = tf_lwm2m_records_new ();

  if (server_op && p->len == 0)
    return tf_model_null_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                                "a server cannot read the root");
  if (server_op && p->ids[0] == 0)
    return tf_model_null_error (error, TF_LWM2M_STATUS_UNAUTHORIZED, p,
                                "the Security object is not readable by servers");
  if (!tf_model_exists (m, p, error))
    return NULL;
  if (p->len >= 3 && server_op && !tf_model_allows (p->ids[0], p->ids[2], 'R'))
    return tf_model_null_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p, "not readable");
  if (p->len >= 3)
    {
      TfModelRes *res = tf_model_res (m, p);
      if (!res->multiple && res->single == NULL)
        return tf_model_null_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                                    "no value to read");
      read_res (res, out, p->len == 4 ? p->ids[3] : -1);
    }
  else if (p->len == 2)
    read_inst (tf_model_inst (m, p->ids[0], p->ids[1]), p->ids[0], server_op, out);
  else
    for (GTreeNode *on = g_tree_node_first (m->objs); on != NULL; on = g_tree_node_next (on))
      {
        guint16 obj = (guint16)GPOINTER_TO_UINT (g_tree_node_key (on));
        if (p->len == 1 && obj != p->ids[0])
          continue;
        for (GTreeNode *in = g_tree_node_first (g_tree_node_value (on)); in != NULL;
             in = g_tree_node_next (in))
          read_inst (g_tree_node_value (in), obj, server_op, out);
      }
  return g_steal_pointer (&out);
}

gboolean
tf_lwm2m_model_write (TfLwm2mModel *m, const TfLwm2mPath *p, GPtrArray *records, gboolean replace,
                      GError **error)
{
  g_autoptr (GPtrArray) prepared = tf_lwm2m_records_new ();
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));
  GTree *inst;

  if (p->len < 2)
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                               "Write needs an instance or a resource");
  if (p->ids[0] == 0)
    return tf_model_set_error (error, TF_LWM2M_STATUS_UNAUTHORIZED, p,
                               "the Security object is not writable by servers");
  inst = tf_model_inst (m, p->ids[0], p->ids[1]);
  if (inst == NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such instance");
  if (p->len >= 3)
    {
      gboolean known;
      if (tf_model_def (p->ids[0], p->ids[2], &known) == NULL && known)
        return tf_model_set_error (error, TF_LWM2M_STATUS_NOT_FOUND, p, "no such resource");
      if (!tf_model_allows (p->ids[0], p->ids[2], 'W'))
        return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p, "not writable");
    }
  for (guint i = 0; i < records->len; i++)
    {
      const TfLwm2mRecord *r = g_ptr_array_index (records, i);
      TfLwm2mRecord *c;
      if (r->path.len < 3 || !tf_lwm2m_path_is_prefix (p, &r->path))
        return tf_model_set_error (error, TF_LWM2M_STATUS_BAD_REQUEST, &r->path,
                                   "outside the written path");
      if ((c = tf_model_prepare (r, error)) == NULL)
        return FALSE;
      g_ptr_array_add (prepared, c);
      if (!tf_model_allows (r->path.ids[0], r->path.ids[2], 'W'))
        return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, &r->path,
                                   "not writable");
    }

  if (replace && p->len == 2)
    {
      /* the instance's writable resources become exactly those written */
      g_autoptr (GPtrArray) ids = g_ptr_array_new ();
      g_tree_foreach (inst, collect_key, ids);
      for (guint i = 0; i < ids->len; i++)
        {
          guint16 rid = (guint16)GPOINTER_TO_UINT (g_ptr_array_index (ids, i));
          gboolean named = FALSE;
          TfLwm2mPath rp = tf_lwm2m_path_make (3, p->ids[0], p->ids[1], rid, 0);
          for (guint k = 0; k < prepared->len && !named; k++)
            named = ((TfLwm2mRecord *)g_ptr_array_index (prepared, k))->path.ids[2] == rid;
          if (named || !tf_model_allows (p->ids[0], rid, 'W'))
            continue;
          g_tree_remove (inst, GUINT_TO_POINTER (rid));
          tf_model_note (changed, &rp);
        }
    }
  if (replace && p->len == 3)
    {
      TfModelRes *res = tf_model_res (m, p);
      if (res != NULL && res->multiple && g_tree_nnodes (res->insts) > 0)
        {
          g_tree_remove_all (res->insts);
          tf_model_note (changed, p);
        }
    }
  for (guint i = 0; i < prepared->len; i++)
    tf_model_store (inst, g_steal_pointer (&prepared->pdata[i]), changed);
  tf_model_emit (m, changed);
  return TRUE;
}

gboolean
tf_lwm2m_model_delete (TfLwm2mModel *m, const TfLwm2mPath *p, GError **error)
{
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));
  g_autoptr (GPtrArray) objs = NULL;

  if (p->len > 2)
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                               "Delete takes an object instance");
  if (!tf_model_exists (m, p, error))
    return FALSE;
  objs = tf_lwm2m_model_objects (m);
  for (guint i = 0; i < objs->len; i++)
    {
      guint16 obj = (guint16)GPOINTER_TO_UINT (g_ptr_array_index (objs, i));
      g_autoptr (GPtrArray) insts = tf_lwm2m_model_instances (m, obj);
      if (p->len >= 1 && obj != p->ids[0])
        continue;
      for (guint k = 0; k < insts->len; k++)
        {
          guint16 inst = (guint16)GPOINTER_TO_UINT (g_ptr_array_index (insts, k));
          TfLwm2mPath ip = tf_lwm2m_path_make (2, obj, inst, 0, 0);
          if (p->len == 2 && inst != p->ids[1])
            continue;
          g_tree_remove (tf_model_obj (m, obj), GUINT_TO_POINTER (inst));
          tf_model_drop_attributes (m, &ip);
          tf_model_note (changed, &ip);
        }
    }
  tf_model_emit (m, changed);
  return TRUE;
}

gboolean
tf_lwm2m_model_execute (TfLwm2mModel *m, const TfLwm2mPath *p, const guint8 *args, gsize len,
                        GError **error)
{
  if (p->len != 3)
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                               "Execute takes a resource");
  if (!tf_model_exists (m, p, error))
    return FALSE;
  if (p->ids[0] == 0 || !tf_model_allows (p->ids[0], p->ids[2], 'E'))
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p, "not executable");
  if (m->execute == NULL)
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                               "nothing executes it here");
  return m->execute (m, p, args, len, m->execute_data, error);
}
