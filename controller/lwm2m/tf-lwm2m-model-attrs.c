/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model's links and attributes: Discover, Register payloads, Write-Attributes and the
 * effective (inherited) attributes Observe uses. */
#define G_LOG_DOMAIN "TfLwm2m"

#include "tf-lwm2m-model-private.h"

static void
copy_attrs (GHashTable *dst, GHashTable *src)
{
  GHashTableIter it;
  gpointer k, v;
  if (src == NULL)
    return;
  g_hash_table_iter_init (&it, src);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_replace (dst, g_strdup (k), g_strdup (v));
}

static GHashTable *
stored (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  g_autofree char *key = tf_lwm2m_path_to_string (p);
  return g_hash_table_lookup (m->attrs, key);
}

void
tf_model_drop_attributes (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init (&it, m->attrs);
  while (g_hash_table_iter_next (&it, &k, NULL))
    {
      TfLwm2mPath q;
      if (tf_lwm2m_path_parse (k, &q, NULL) && tf_lwm2m_path_is_prefix (p, &q))
        g_hash_table_iter_remove (&it);
    }
}

GHashTable *
tf_lwm2m_model_get_attributes (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  GHashTable *out = tf_lwm2m_attrs_new ();
  for (guint8 len = 1; len <= p->len; len++)
    {
      TfLwm2mPath q = tf_lwm2m_path_make (len, p->ids[0], p->ids[1], p->ids[2], p->ids[3]);
      copy_attrs (out, stored (m, &q));
    }
  return out;
}

gboolean
tf_lwm2m_model_write_attributes (TfLwm2mModel *m, const TfLwm2mPath *p, GHashTable *attrs,
                                 GError **error)
{
  g_autoptr (GHashTable) merged = tf_lwm2m_attrs_new ();
  g_autoptr (GHashTable) effective = NULL;
  GHashTableIter it;
  gpointer k, v;

  if (p->len == 0)
    return tf_model_set_error (error, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, p,
                               "Write-Attributes needs an object, instance or resource");
  if (p->ids[0] == 0)
    return tf_model_set_error (error, TF_LWM2M_STATUS_UNAUTHORIZED, p,
                               "the Security object has no attributes for servers");
  if (!tf_model_exists (m, p, error) || !tf_lwm2m_attrs_validate (p, attrs, error))
    return FALSE;
  copy_attrs (merged, stored (m, p));
  g_hash_table_iter_init (&it, attrs);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      if (v == NULL)
        g_hash_table_remove (merged, k);
      else
        g_hash_table_replace (merged, g_strdup (k), g_strdup (v));
    }
  /* the effective set must make sense, not only the new part */
  effective = tf_lwm2m_model_get_attributes (m, p);
  copy_attrs (effective, merged);
  if (!tf_lwm2m_attrs_check_consistent (effective, error))
    return FALSE;
  if (g_hash_table_size (merged) == 0)
    {
      g_autofree char *key = tf_lwm2m_path_to_string (p);
      g_hash_table_remove (m->attrs, key);
    }
  else
    g_hash_table_replace (m->attrs, tf_lwm2m_path_to_string (p), g_steal_pointer (&merged));
  return TRUE;
}

static TfLwm2mLink *
link_for (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  g_autofree char *uri = tf_lwm2m_path_to_string (p);
  TfLwm2mLink *l = tf_lwm2m_link_new (uri);
  copy_attrs (l->attrs, stored (m, p));
  return l;
}

static void
add_object_version (TfLwm2mLink *l, guint16 obj)
{
  const TfLwm2mObjectDef *def = tf_lwm2m_registry_object (obj);
  if (def != NULL && def->version != NULL && !g_str_equal (def->version, "1.0"))
    tf_lwm2m_link_set (l, "ver", def->version);
}

static void
discover_res (TfLwm2mModel *m, GPtrArray *out, const TfLwm2mPath *rp, TfModelRes *res)
{
  TfLwm2mLink *l = link_for (m, rp);
  g_ptr_array_add (out, l);
  if (res->multiple)
    {
      g_autofree char *dim = g_strdup_printf ("%d", g_tree_nnodes (res->insts));
      tf_lwm2m_link_set (l, "dim", dim);
    }
}

static void
discover_inst (TfLwm2mModel *m, GPtrArray *out, const TfLwm2mPath *ip, GTree *inst)
{
  g_ptr_array_add (out, link_for (m, ip));
  for (GTreeNode *n = g_tree_node_first (inst); n != NULL; n = g_tree_node_next (n))
    {
      TfLwm2mPath rp = tf_lwm2m_path_make (3, ip->ids[0], ip->ids[1],
                                           (guint16)GPOINTER_TO_UINT (g_tree_node_key (n)), 0);
      discover_res (m, out, &rp, g_tree_node_value (n));
    }
}

GPtrArray *
tf_lwm2m_model_discover (TfLwm2mModel *m, const TfLwm2mPath *p)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lwm2m_link_free);

  if (p->len == 0 || !tf_model_exists (m, p, NULL))
    return NULL;
  if (p->len == 1)
    {
      TfLwm2mLink *l = link_for (m, p);
      GTree *o = tf_model_obj (m, p->ids[0]);
      add_object_version (l, p->ids[0]);
      g_ptr_array_add (out, l);
      for (GTreeNode *n = g_tree_node_first (o); n != NULL; n = g_tree_node_next (n))
        {
          TfLwm2mPath ip = tf_lwm2m_path_make (
              2, p->ids[0], (guint16)GPOINTER_TO_UINT (g_tree_node_key (n)), 0, 0);
          discover_inst (m, out, &ip, g_tree_node_value (n));
        }
    }
  else if (p->len == 2)
    discover_inst (m, out, p, tf_model_inst (m, p->ids[0], p->ids[1]));
  else if (p->len == 3)
    discover_res (m, out, p, tf_model_res (m, p));
  else
    g_ptr_array_add (out, link_for (m, p));
  return g_steal_pointer (&out);
}

GPtrArray *
tf_lwm2m_model_register_links (TfLwm2mModel *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lwm2m_link_free);
  for (GTreeNode *on = g_tree_node_first (m->objs); on != NULL; on = g_tree_node_next (on))
    {
      guint16 obj = (guint16)GPOINTER_TO_UINT (g_tree_node_key (on));
      GTree *o = g_tree_node_value (on);
      g_autofree char *ouri = g_strdup_printf ("/%u", obj);
      TfLwm2mLink *ol;

      if (obj == 0)
        continue;
      ol = tf_lwm2m_link_new (ouri);
      add_object_version (ol, obj);
      /* </O> only when it says something: a version, or that no instance exists */
      if (g_hash_table_size (ol->attrs) > 0 || g_tree_nnodes (o) == 0)
        g_ptr_array_add (out, ol);
      else
        tf_lwm2m_link_free (ol);
      for (GTreeNode *in = g_tree_node_first (o); in != NULL; in = g_tree_node_next (in))
        {
          g_autofree char *uri
              = g_strdup_printf ("/%u/%u", obj, GPOINTER_TO_UINT (g_tree_node_key (in)));
          g_ptr_array_add (out, tf_lwm2m_link_new (uri));
        }
    }
  return out;
}
