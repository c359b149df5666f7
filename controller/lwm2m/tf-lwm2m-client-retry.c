/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registration retry sequence (Core 1.1 6.2.1.1): after a failed Register the client tries
 * again Communication Retry Count (/1/x/17) times in all, waiting Communication Retry Timer
 * (/1/x/18) * 2^(attempt-1) s between attempts; a sequence that fails is followed, after the
 * Communication Sequence Delay Timer (/1/x/19), by the next, up to Communication Sequence Retry
 * Count (/1/x/20) sequences; after the last, when Bootstrap on Registration Failure (/1/x/16)
 * is true, the client falls back to bootstrap. Resources absent take the Core's defaults,
 * Table 6.2.1.1-1 "Registration Procedures Default Values": 16 true, 17 = 5, 18 = 60 s,
 * 19 = 86400 s, 20 = 1 (checked against that table as other stacks cite it). */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"

/* Bounds a timer written by a server: a week at most. */
#define RETRY_WAIT_MAX (7u * 86400u)

static TfLwm2mRecord *
server_record (TfLwm2mClient *self, guint16 res, GPtrArray **keep)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, self->server_inst, res, 0);
  *keep = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
  if (*keep == NULL || (*keep)->len != 1)
    return NULL;
  return g_ptr_array_index (*keep, 0);
}

static gint64
server_int (TfLwm2mClient *self, guint16 res, gint64 dflt)
{
  g_autoptr (GPtrArray) keep = NULL;
  TfLwm2mRecord *r = server_record (self, res, &keep);
  return r != NULL ? r->v.i : dflt;
}

static gboolean
server_bool (TfLwm2mClient *self, guint16 res, gboolean dflt)
{
  g_autoptr (GPtrArray) keep = NULL;
  TfLwm2mRecord *r = server_record (self, res, &keep);
  return r != NULL ? r->v.b : dflt;
}

void
tf_lwm2m_client_retry_reset (TfLwm2mClient *self)
{
  self->reg_attempts = 0;
  self->reg_sequences = 0;
}

static gboolean
on_register_again (gpointer data)
{
  TfLwm2mClient *self = data;
  self->retry_id = 0;
  tf_lwm2m_client_register (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_fallback (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autoptr (GError) error = NULL;
  self->retry_id = 0;
  self->state = STATE_IDLE;
  g_clear_pointer (&self->server_uri, g_free);
  if (!tf_lwm2m_client_start (self, &error))
    {
      g_autofree char *msg
          = g_strdup_printf ("bootstrap after registration failure: %s", error->message);
      g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_FAILED], 0, msg);
    }
  return G_SOURCE_REMOVE;
}

static guint
wait_s (gint64 base, guint shift)
{
  gint64 w = MAX (base, 0);
  for (guint i = 0; i < shift && w < RETRY_WAIT_MAX; i++)
    w *= 2;
  return (guint)MIN (w, (gint64)RETRY_WAIT_MAX);
}

gboolean
tf_lwm2m_client_registration_failed (TfLwm2mClient *self)
{
  gint64 count, timer, delay, seqs;
  if (!self->have_server_inst)
    return FALSE;
  count = MAX (server_int (self, 17, 5), 1);
  timer = server_int (self, 18, 60);
  delay = server_int (self, 19, 86400);
  seqs = MAX (server_int (self, 20, 1), 1);
  self->state = STATE_IDLE;
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  self->update_id = 0;
  if (self->retry_id != 0)
    g_source_remove (self->retry_id);
  self->retry_id = 0;
  if (++self->reg_attempts < count)
    {
      guint w = wait_s (timer, self->reg_attempts - 1);
      g_message ("%s: registration attempt %u of %" G_GINT64_FORMAT " failed: again in %u s",
                 self->endpoint, self->reg_attempts, count, w);
      self->retry_id = g_timeout_add_seconds (w, on_register_again, self);
      return TRUE;
    }
  self->reg_attempts = 0;
  if (++self->reg_sequences < seqs)
    {
      guint w = wait_s (delay, 0);
      g_message ("%s: registration sequence %u of %" G_GINT64_FORMAT " failed: the next in %u s",
                 self->endpoint, self->reg_sequences, seqs, w);
      self->retry_id = g_timeout_add_seconds (w, on_register_again, self);
      return TRUE;
    }
  self->reg_sequences = 0;
  if (!server_bool (self, 16, TRUE) || (self->quirks & TF_LWM2M_QUIRK_NO_BOOTSTRAP_FALLBACK))
    {
      g_message ("%s: registration failed after %" G_GINT64_FORMAT " sequence(s): no fallback "
                 "to bootstrap",
                 self->endpoint, seqs);
      return TRUE;
    }
  if (!tf_lwm2m_client_bootstrap_uri_from_model (self))
    {
      g_message ("%s: registration failed: no Bootstrap-Server account to fall back to",
                 self->endpoint);
      return TRUE;
    }
  g_message ("%s: registration failed after %" G_GINT64_FORMAT " sequence(s): bootstrap",
             self->endpoint, seqs);
  /* after the failure has been reported */
  self->retry_id = g_idle_add (on_fallback, self);
  return TRUE;
}

static gboolean
on_disable (gpointer data)
{
  TfLwm2mClient *self = data;
  guint w = (guint)CLAMP (server_int (self, 5, 86400), 0, RETRY_WAIT_MAX);
  self->retry_id = 0;
  g_message ("%s: disabled for %u s", self->endpoint, w);
  tf_lwm2m_client_deregister (self);
  self->retry_id = g_timeout_add_seconds (w, on_register_again, self);
  return G_SOURCE_REMOVE;
}

void
tf_lwm2m_client_disable (TfLwm2mClient *self)
{
  if (self->retry_id != 0)
    g_source_remove (self->retry_id);
  /* after the 2.04 of the Execute has gone */
  self->retry_id = g_idle_add (on_disable, self);
}
