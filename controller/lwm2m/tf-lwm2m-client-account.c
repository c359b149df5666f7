/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the client reads in its own Security and Server objects: the LwM2M server to register
 * with, the Bootstrap-Server account, and the Bootstrap-Request Trigger that goes with it. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"

/* The Bootstrap-Server account of the Security object (Core E.1, resource 1 true). */
gboolean
tf_lwm2m_client_bootstrap_uri_from_model (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) insts = tf_lwm2m_model_instances (self->model, 0);
  for (guint i = 0; i < insts->len; i++)
    {
      guint16 inst = GPOINTER_TO_UINT (g_ptr_array_index (insts, i));
      TfLwm2mPath bp = tf_lwm2m_path_make (3, 0, inst, 1, 0);
      TfLwm2mPath up = tf_lwm2m_path_make (3, 0, inst, 0, 0);
      g_autoptr (GPtrArray) b = tf_lwm2m_model_read (self->model, &bp, FALSE, NULL);
      g_autoptr (GPtrArray) u = NULL;
      TfLwm2mRecord *r;
      if (b == NULL || b->len != 1 || !((TfLwm2mRecord *)b->pdata[0])->v.b)
        continue;
      u = tf_lwm2m_model_read (self->model, &up, FALSE, NULL);
      if (u == NULL || u->len != 1 || (r = u->pdata[0])->bytes == NULL)
        continue;
      g_free (self->bootstrap_uri);
      self->bootstrap_uri
          = g_strndup (g_bytes_get_data (r->bytes, NULL), g_bytes_get_size (r->bytes));
      return TRUE;
    }
  return FALSE;
}

/* A client with a Bootstrap-Server account has the Bootstrap-Request Trigger in each Server
 * instance (optional in the registry, so not made with the instance). */
void
tf_lwm2m_client_add_bootstrap_trigger (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) insts = NULL;
  g_autofree char *keep = g_strdup (self->bootstrap_uri);
  gboolean have = tf_lwm2m_client_bootstrap_uri_from_model (self);
  g_free (self->bootstrap_uri);
  self->bootstrap_uri = g_steal_pointer (&keep);
  if (!have)
    return;
  insts = tf_lwm2m_model_instances (self->model, 1);
  for (guint i = 0; i < insts->len; i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 1, GPOINTER_TO_UINT (insts->pdata[i]), 9, 0);
      g_autoptr (TfLwm2mRecord) r = tf_lwm2m_record_new (&p, TF_LWM2M_TYPE_NONE);
      g_autoptr (GError) error = NULL;
      if (!tf_lwm2m_model_set (self->model, r, &error))
        g_debug ("%s: %s", self->endpoint, error->message);
    }
}

/* The first non-bootstrap Security instance and its Server instance (Core E.1, E.2). */
gboolean
tf_lwm2m_client_server_from_model (TfLwm2mClient *self, GError **error)
{
  g_autoptr (GPtrArray) insts = tf_lwm2m_model_instances (self->model, 0);
  for (guint i = 0; i < insts->len; i++)
    {
      guint16 inst = GPOINTER_TO_UINT (g_ptr_array_index (insts, i));
      TfLwm2mPath p = tf_lwm2m_path_make (2, 0, inst, 0, 0);
      g_autoptr (GPtrArray) recs = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
      GBytes *uri = NULL;
      gboolean bs = FALSE;
      gint64 ssid = -1, mode = 3;
      GBytes *id = NULL, *key = NULL;
      for (guint j = 0; recs != NULL && j < recs->len; j++)
        {
          TfLwm2mRecord *r = g_ptr_array_index (recs, j);
          switch (r->path.ids[2])
            {
            case 0:
              uri = r->bytes;
              break;
            case 1:
              bs = r->v.b;
              break;
            case 2:
              mode = r->v.i;
              break;
            case 3:
              id = r->bytes;
              break;
            case 5:
              key = r->bytes;
              break;
            case 10:
              ssid = r->v.i;
              break;
            default:
              break;
            }
        }
      if (bs || uri == NULL)
        continue;
      g_free (self->server_uri);
      self->server_uri = g_strndup (g_bytes_get_data (uri, NULL), g_bytes_get_size (uri));
      if (mode == 0 && id != NULL && key != NULL)
        {
          g_free (self->psk_id);
          self->psk_id = g_strndup (g_bytes_get_data (id, NULL), g_bytes_get_size (id));
          g_clear_pointer (&self->psk_key, g_bytes_unref);
          self->psk_key = g_bytes_ref (key);
        }
      self->have_server_inst = FALSE;
      {
        g_autoptr (GPtrArray) srv = tf_lwm2m_model_instances (self->model, 1);
        for (guint j = 0; j < srv->len; j++)
          {
            guint16 si = GPOINTER_TO_UINT (g_ptr_array_index (srv, j));
            TfLwm2mPath sp = tf_lwm2m_path_make (3, 1, si, 0, 0);
            g_autoptr (GPtrArray) s = tf_lwm2m_model_read (self->model, &sp, FALSE, NULL);
            TfLwm2mPath lp = tf_lwm2m_path_make (3, 1, si, 1, 0);
            g_autoptr (GPtrArray) lt = NULL;
            if (s == NULL || s->len == 0 || ((TfLwm2mRecord *)s->pdata[0])->v.i != ssid)
              continue;
            self->have_server_inst = TRUE;
            self->server_inst = si;
            lt = tf_lwm2m_model_read (self->model, &lp, FALSE, NULL);
            if (lt != NULL && lt->len > 0 && ((TfLwm2mRecord *)lt->pdata[0])->v.i > 0)
              self->lifetime = (guint)((TfLwm2mRecord *)lt->pdata[0])->v.i;
          }
      }
      return TRUE;
    }
  g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no LwM2M server in the Security object");
  return FALSE;
}

/* The integer value of @path, or -1 when it has none. */
static gint64
int_at (TfLwm2mClient *self, guint16 obj, guint16 inst, guint16 res)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, obj, inst, res, 0);
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
  if (r == NULL || r->len != 1)
    return -1;
  return ((TfLwm2mRecord *)r->pdata[0])->v.i;
}

/* What Bootstrap-Finish checks (Core 6.1.7.6, "Bootstrap and Configuration Consistency"): an
 * LwM2M server account to register with, a non-bootstrap Security instance with its URI and a
 * Server instance of the same Short Server ID with its Lifetime. */
static gboolean
bootstrap_consistent (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) sec = tf_lwm2m_model_instances (self->model, 0);
  g_autoptr (GPtrArray) srv = tf_lwm2m_model_instances (self->model, 1);
  for (guint i = 0; i < sec->len; i++)
    {
      guint16 inst = GPOINTER_TO_UINT (g_ptr_array_index (sec, i));
      TfLwm2mPath bp = tf_lwm2m_path_make (3, 0, inst, 1, 0);
      TfLwm2mPath up = tf_lwm2m_path_make (3, 0, inst, 0, 0);
      g_autoptr (GPtrArray) b = tf_lwm2m_model_read (self->model, &bp, FALSE, NULL);
      g_autoptr (GPtrArray) u = tf_lwm2m_model_read (self->model, &up, FALSE, NULL);
      gint64 ssid = int_at (self, 0, inst, 10);
      if ((b != NULL && b->len == 1 && ((TfLwm2mRecord *)b->pdata[0])->v.b) || u == NULL
          || u->len != 1)
        continue;
      for (guint j = 0; j < srv->len; j++)
        {
          guint16 si = GPOINTER_TO_UINT (g_ptr_array_index (srv, j));
          gint64 s = int_at (self, 1, si, 0);
          if (s >= 0 && (ssid < 0 || s == ssid) && int_at (self, 1, si, 1) >= 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* Bootstrap-Finish: 2.04 and register with what was written, or 4.06 Not Acceptable when it
 * leaves no server account (unless the quirk accepts anything). */
void
tf_lwm2m_client_bootstrap_finish (TfLwm2mClient *self, coap_pdu_t *response)
{
  if (!(self->quirks & TF_LWM2M_QUIRK_BOOTSTRAP_UNCHECKED) && !bootstrap_consistent (self))
    {
      g_message ("%s: bootstrap refused: no LwM2M server account", self->endpoint);
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (406));
      return;
    }
  coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
  tf_lwm2m_client_bootstrap_finished (self);
}
