/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client's bootstrap interface (Core 6.1.7): Bootstrap-Delete and Bootstrap-Write, which
 * may touch what a server may not (the Security object, instances not yet created), and keep
 * the Bootstrap-Server account. The requests come through tf-lwm2m-client-dm.c's handler. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"

static gboolean
is_bootstrap_security (TfLwm2mClient *self, guint16 inst)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 0, inst, 1, 0);
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
  return r != NULL && r->len == 1 && ((TfLwm2mRecord *)r->pdata[0])->v.b;
}

/* Bootstrap-Delete: everything under @path but the Bootstrap-Server Security instance. */
gboolean
tf_lwm2m_client_bootstrap_delete (TfLwm2mClient *self, const TfLwm2mPath *path, GError **error)
{
  g_autoptr (GPtrArray) objs = tf_lwm2m_model_objects (self->model);
  if (path->len >= 2)
    {
      if (path->ids[0] == 0 && is_bootstrap_security (self, path->ids[1]))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "the Bootstrap-Server account is not deleted");
          return FALSE;
        }
      return tf_lwm2m_model_delete (self->model, path, error);
    }
  for (guint i = 0; i < objs->len; i++)
    {
      guint16 obj = GPOINTER_TO_UINT (g_ptr_array_index (objs, i));
      g_autoptr (GPtrArray) insts = NULL;
      /* the Device object is the client's own (Core 6.1.7.3 deletes what can be) */
      if ((path->len == 1 && path->ids[0] != obj) || obj == 3)
        continue;
      if (path->len == 0 && obj == 1 && (self->quirks & TF_LWM2M_QUIRK_BOOTSTRAP_DELETE_KEPT))
        continue; /* the Server accounts kept */
      insts = tf_lwm2m_model_instances (self->model, obj);
      for (guint j = 0; j < insts->len; j++)
        {
          guint16 inst = GPOINTER_TO_UINT (g_ptr_array_index (insts, j));
          TfLwm2mPath p = tf_lwm2m_path_make (2, obj, inst, 0, 0);
          if (obj == 0 && is_bootstrap_security (self, inst))
            continue;
          if (!tf_lwm2m_model_delete (self->model, &p, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Bootstrap-Write: creates the instances it names when they do not exist (Core 6.1.7.1). */
gboolean
tf_lwm2m_client_bootstrap_write (TfLwm2mClient *self, const TfLwm2mPath *path, GPtrArray *records,
                                 GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  if (path->len == 0)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                   "Bootstrap-Write needs an object");
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      TfLwm2mRecord *r = g_ptr_array_index (records, i);
      guint key = ((guint)r->path.ids[0] << 16) | r->path.ids[1];
      g_autoptr (GPtrArray) insts = NULL;
      g_autoptr (GPtrArray) group = NULL;
      gboolean exists = FALSE;
      if (r->path.len < 3 || g_hash_table_contains (seen, GUINT_TO_POINTER (key)))
        continue;
      g_hash_table_add (seen, GUINT_TO_POINTER (key));
      tf_lwm2m_model_add_object (self->model, r->path.ids[0]);
      insts = tf_lwm2m_model_instances (self->model, r->path.ids[0]);
      for (guint j = 0; j < insts->len; j++)
        exists |= GPOINTER_TO_UINT (insts->pdata[j]) == r->path.ids[1];
      group = tf_lwm2m_records_new ();
      for (guint j = i; j < records->len; j++)
        {
          TfLwm2mRecord *q = g_ptr_array_index (records, j);
          if (q->path.ids[0] == r->path.ids[0] && q->path.ids[1] == r->path.ids[1])
            g_ptr_array_add (group, tf_lwm2m_record_copy (q));
        }
      if (!exists)
        {
          if (!tf_lwm2m_model_create (self->model, r->path.ids[0], r->path.ids[1], group, error))
            return FALSE;
          continue;
        }
      for (guint j = 0; j < group->len; j++)
        if (!tf_lwm2m_model_set (self->model, g_ptr_array_index (group, j), error))
          return FALSE;
    }
  return TRUE;
}
