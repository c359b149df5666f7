/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client's observations: Observe and Observe-Composite held by a server, notifications at
 * pmin/pmax and on change (gt/lt/st), their acknowledgement, cancellation by RST or Observe=1. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <math.h>

#include "tf-error.h"
#include "tf-lwm2m-attrs.h"
#include "tf-lwm2m-client-private.h"
#include "tf-lwm2m-codec.h"

void
tf_lwm2m_client_obs_free (TfLwm2mClientObs *o)
{
  if (o->pmin_id != 0)
    g_source_remove (o->pmin_id);
  if (o->pmax_id != 0)
    g_source_remove (o->pmax_id);
  coap_session_release (o->session);
  g_bytes_unref (o->token);
  if (o->paths != NULL)
    g_array_unref (o->paths);
  g_free (o);
}

TfLwm2mClientObs *
tf_lwm2m_client_obs_find (TfLwm2mClient *self, const guint8 *tok, gsize len)
{
  for (guint i = 0; i < self->observations->len; i++)
    {
      TfLwm2mClientObs *o = g_ptr_array_index (self->observations, i);
      if (g_bytes_get_size (o->token) == len
          && memcmp (g_bytes_get_data (o->token, NULL), tok, len) == 0)
        return o;
    }
  return NULL;
}

void
tf_lwm2m_client_obs_cancel (TfLwm2mClient *self, TfLwm2mClientObs *o, const char *how)
{
  g_autofree char *p = tf_lwm2m_path_to_string (&o->path);
  if (self->quirks & TF_LWM2M_QUIRK_OBSERVE_CANCEL_IGNORED)
    {
      g_message ("%s: observation of %s cancelled by %s: ignored (quirk)", self->endpoint, p, how);
      return;
    }
  g_message ("%s: observation of %s cancelled by %s", self->endpoint, p, how);
  g_ptr_array_remove (self->observations, o);
}

static gboolean
attr (GHashTable *attrs, const char *name, gdouble *v)
{
  return attrs != NULL && tf_lwm2m_attrs_get_double (attrs, name, v);
}

gboolean
tf_lwm2m_client_numeric_value (GPtrArray *recs, gdouble *v)
{
  TfLwm2mRecord *r;
  if (recs == NULL || recs->len != 1)
    return FALSE;
  r = g_ptr_array_index (recs, 0);
  switch (r->type)
    {
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      *v = (gdouble)r->v.i;
      return TRUE;
    case TF_LWM2M_TYPE_UNSIGNED:
      *v = (gdouble)r->v.u;
      return TRUE;
    case TF_LWM2M_TYPE_FLOAT:
      *v = r->v.f;
      return TRUE;
    default:
      return FALSE;
    }
}

/* What an observation reports: its path, or every path of an Observe-Composite. */
static GPtrArray *
obs_read (TfLwm2mClientObs *o, GError **error)
{
  GPtrArray *all;
  if (o->paths == NULL)
    return tf_lwm2m_model_read (o->client->model, &o->path, TRUE, error);
  /* a composite observation: what exists of its paths, as its Read-Composite */
  all = tf_lwm2m_records_new ();
  for (guint i = 0; i < o->paths->len; i++)
    if ((i == 0 || !(o->client->quirks & TF_LWM2M_QUIRK_COMPOSITE_NOTIFY_FIRST_PATH))
        && !tf_lwm2m_client_composite_read_path (
            o->client, &g_array_index (o->paths, TfLwm2mPath, i), all, error))
      {
        g_ptr_array_unref (all);
        return NULL;
      }
  return all;
}

static void
notify (TfLwm2mClientObs *o)
{
  TfLwm2mClient *self = o->client;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) recs = obs_read (o, &error);
  g_autoptr (GBytes) payload = NULL;
  coap_pdu_t *pdu;
  guint cf = 0;
  guint8 buf[4];

  pdu = coap_pdu_init (COAP_MESSAGE_CON, COAP_RESPONSE_CODE (205), coap_new_message_id (o->session),
                       coap_session_max_pdu_size (o->session));
  if (pdu == NULL)
    return;
  coap_add_token (pdu, g_bytes_get_size (o->token), g_bytes_get_data (o->token, NULL));
  if (recs != NULL && tf_lwm2m_client_choose_cf (self, &o->path, o->accept, recs, &cf, &error))
    payload = tf_lwm2m_encode (cf, &o->path, recs, &error);
  if (payload == NULL)
    {
      /* the observed path is gone: the final notification is the error (RFC 7641 3.2) */
      coap_pdu_set_code (pdu, tf_lwm2m_error_to_coap (error));
      tf_lwm2m_exchange_log (o->session, pdu, TRUE, &o->path);
      coap_send (o->session, pdu);
      g_ptr_array_remove (self->observations, o);
      return;
    }
  self->observe_seq = (self->observe_seq + 1) & 0xffffff;
  coap_add_option (pdu, COAP_OPTION_OBSERVE,
                   coap_encode_var_safe (buf, sizeof buf, self->observe_seq), buf);
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_CONTENT_FORMAT, cf);
  if (!tf_lwm2m_client_notify_payload (o->session, pdu, payload))
    {
      g_message ("%s: a notification of %" G_GSIZE_FORMAT " bytes does not fit a message: "
                 "not sent",
                 self->endpoint, g_bytes_get_size (payload));
      coap_delete_pdu (pdu);
      tf_lwm2m_client_obs_arm_pmax (o);
      return;
    }
  tf_lwm2m_client_activity (self);
  tf_lwm2m_exchange_log (o->session, pdu, TRUE, &o->path);
  coap_send (o->session, pdu);
  tf_coap_source_wakeup (self->source);
  o->last_us = g_get_monotonic_time ();
  o->have_value = tf_lwm2m_client_numeric_value (recs, &o->last_value);
  tf_lwm2m_client_obs_arm_pmax (o);
}

static gboolean
on_pmax (gpointer data)
{
  TfLwm2mClientObs *o = data;
  o->pmax_id = 0;
  notify (o);
  return G_SOURCE_REMOVE;
}

void
tf_lwm2m_client_obs_arm_pmax (TfLwm2mClientObs *o)
{
  gdouble pmax = 0, v;
  /* a composite observation notifies by the shortest pmax of its paths */
  for (guint i = 0; i < (o->paths != NULL ? o->paths->len : 1); i++)
    {
      g_autoptr (GHashTable) attrs = tf_lwm2m_model_get_attributes (
          o->client->model,
          o->paths != NULL ? &g_array_index (o->paths, TfLwm2mPath, i) : &o->path);
      if (attr (attrs, "pmax", &v) && v > 0 && (pmax == 0 || v < pmax))
        pmax = v;
    }
  if (o->pmax_id != 0)
    g_source_remove (o->pmax_id);
  o->pmax_id = 0;
  if (pmax > 0 && (o->client->quirks & TF_LWM2M_QUIRK_LATE_NOTIFY))
    pmax += 4;
  if (pmax > 0)
    o->pmax_id = g_timeout_add ((guint)MIN (pmax * 1000, G_MAXINT), on_pmax, o);
}

static gboolean
on_pmin (gpointer data)
{
  TfLwm2mClientObs *o = data;
  o->pmin_id = 0;
  notify (o);
  return G_SOURCE_REMOVE;
}

/* A value under the observation changed: notify now, at pmin, or not at all when gt/lt/st
 * say the change does not count (Core 5.1.2). */
static void
maybe_notify (TfLwm2mClientObs *o)
{
  g_autoptr (GHashTable) attrs = tf_lwm2m_model_get_attributes (o->client->model, &o->path);
  gdouble pmin = 0, gt = 0, lt = 0, st = 0, v = 0;
  gboolean has_gt = attr (attrs, "gt", &gt), has_lt = attr (attrs, "lt", &lt),
           has_st = attr (attrs, "st", &st);
  gint64 since;

  if (o->path.len >= 3 && (has_gt || has_lt || has_st))
    {
      g_autoptr (GPtrArray) recs = tf_lwm2m_model_read (o->client->model, &o->path, TRUE, NULL);
      if (tf_lwm2m_client_numeric_value (recs, &v) && o->have_value)
        {
          gboolean cross = (has_gt && ((o->last_value > gt) != (v > gt)))
                           || (has_lt && ((o->last_value < lt) != (v < lt)))
                           || (has_st && fabs (v - o->last_value) >= st);
          if (!cross)
            return;
        }
    }
  if (o->pmin_id != 0)
    return; /* already due at pmin */
  since = g_get_monotonic_time () - o->last_us;
  if (attr (attrs, "pmin", &pmin) && pmin > 0 && since < (gint64)(pmin * G_USEC_PER_SEC))
    {
      o->pmin_id = g_timeout_add ((guint)((pmin * G_USEC_PER_SEC - since) / 1000) + 1, on_pmin, o);
      return;
    }
  notify (o);
}

void
tf_lwm2m_client_on_changed (const TfLwm2mPath *path, gpointer data)
{
  TfLwm2mClient *self = data;
  for (guint i = 0; i < self->observations->len; i++)
    {
      TfLwm2mClientObs *o = g_ptr_array_index (self->observations, i);
      gboolean hit = FALSE;
      if (o->paths == NULL)
        hit = tf_lwm2m_path_is_prefix (&o->path, path) || tf_lwm2m_path_is_prefix (path, &o->path);
      for (guint j = 0; o->paths != NULL && j < o->paths->len && !hit; j++)
        hit = tf_lwm2m_path_is_prefix (&g_array_index (o->paths, TfLwm2mPath, j), path)
              || tf_lwm2m_path_is_prefix (path, &g_array_index (o->paths, TfLwm2mPath, j));
      if (hit)
        maybe_notify (o);
    }
  /* a server's lifetime written: tell it in the next Update (Core 6.2.2) */
  if (path->len >= 3 && path->ids[0] == 1 && path->ids[2] == 1)
    {
      g_autoptr (GPtrArray) lt = tf_lwm2m_model_read (self->model, path, FALSE, NULL);
      if (lt != NULL && lt->len == 1 && ((TfLwm2mRecord *)lt->pdata[0])->v.i > 0
          && self->state == STATE_REGISTERED
          && !(self->quirks & TF_LWM2M_QUIRK_LIFETIME_WRITE_KEPT))
        {
          self->lifetime = (guint)((TfLwm2mRecord *)lt->pdata[0])->v.i;
          tf_lwm2m_client_schedule_update (self, 0);
        }
    }
  if (path->len == 2 && path->ids[0] != 0)
    self->objects_changed = TRUE;
  if (path->len >= 3 && path->ids[0] == 5 && path->ids[2] <= 1)
    tf_lwm2m_client_fw_written (self, path);
}

void
tf_lwm2m_client_on_nack (coap_session_t *session, const coap_pdu_t *sent,
                         const coap_nack_reason_t reason, const coap_mid_t mid)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_bin_const_t tok = coap_pdu_get_token (sent);
  TfLwm2mClientObs *o = self != NULL ? tf_lwm2m_client_obs_find (self, tok.s, tok.length) : NULL;
  if (o == NULL)
    return;
  if (reason == COAP_NACK_RST)
    {
      /* libcoap hands the RST over as this NACK only: record it as received, as the
       * exchange log records every other message (a server's cancel by Reset) */
      coap_pdu_t *rst = coap_pdu_init (COAP_MESSAGE_RST, 0, mid, 4);
      if (rst != NULL)
        {
          tf_lwm2m_exchange_log (session, rst, FALSE, NULL);
          coap_delete_pdu (rst);
        }
      tf_lwm2m_client_obs_cancel (self, o, "RST");
    }
  else
    {
      g_message ("%s: notification not acknowledged: observation dropped", self->endpoint);
      g_ptr_array_remove (self->observations, o);
    }
}
