/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-power"

#include "tf-power-relay.h"
#include "tf-error.h"
#include "tf-serial.h"

struct _TfPowerRelay
{
  TfPowerSwitch parent_instance;
  struct sp_port *port; /* kept open between requests; reopened after an error */
};

G_DEFINE_TYPE (TfPowerRelay, tf_power_relay, TF_TYPE_POWER_SWITCH)

void
tf_power_relay_frame (guint channel, gboolean on, guint8 frame[4])
{
  frame[0] = 0xA0;
  frame[1] = channel;
  frame[2] = on ? 0x01 : 0x00;
  frame[3] = (0xA0 + channel + frame[2]) & 0xFF;
}

static void
close_port (TfPowerRelay *self)
{
  if (self->port == NULL)
    return;
  sp_close (self->port);
  sp_free_port (self->port);
  self->port = NULL;
}

static gboolean
write_frame (TfPowerRelay *self, const guint8 frame[4], GError **error)
{
  const TfSwitchConfig *cfg = tf_power_switch_get_config (TF_POWER_SWITCH (self));
  int n;

  if (self->port == NULL)
    {
      self->port = tf_serial_open (cfg->device, 9600, 8, 'N', 1, error);
      if (self->port == NULL)
        return FALSE;
    }
  /* 4 bytes fit any tty buffer, so a non-blocking write is whole or the
   * adapter is gone (and libserialport's blocking calls use select(), which
   * breaks past fd 1024 in a big lab) */
  n = sp_nonblocking_write (self->port, frame, 4);
  if (n < 0)
    return tf_serial_set_error (error, n, cfg->device);
  if (n != 4)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_TIMED_OUT, "%s: wrote %d of 4 bytes", cfg->device, n);
      return FALSE;
    }
  return TRUE;
}

static void
relay_set_async (TfPowerSwitch *sw, guint channel, gboolean on, const char *board,
                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TfPowerRelay *self = TF_POWER_RELAY (sw);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  guint8 frame[4];

  tf_power_relay_frame (channel, on, frame);
  if (!write_frame (self, frame, &error))
    {
      /* once more on a fresh handle: the adapter may have been replugged */
      g_clear_error (&error);
      close_port (self);
      if (!write_frame (self, frame, &error))
        {
          close_port (self);
          /* the relay is unreachable: that is the lab's fault, not the board's */
          g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "relay unreachable: %s",
                                   error->message);
          return;
        }
    }
  /* LCUS modules do not answer; the caller confirms through the board's reaction */
  g_task_return_boolean (task, TRUE);
}

static gboolean
relay_set_finish (TfPowerSwitch *sw, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
relay_reset (TfPowerSwitch *sw)
{
  close_port (TF_POWER_RELAY (sw));
}

static void
tf_power_relay_finalize (GObject *object)
{
  close_port (TF_POWER_RELAY (object));
  G_OBJECT_CLASS (tf_power_relay_parent_class)->finalize (object);
}

/* [switch ID] type = lcus-relay: the module's tty and how many channels */
static gboolean
relay_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *s, GError **error)
{
  static const char *const keys[] = { "type", "device", "channels", "off-time-ms", NULL };
  guint64 n = 0;

  if (!tf_key_file_check_keys (kf, group, keys, error)
      || !tf_key_file_get_string (kf, group, "device", TRUE, NULL, &s->device, error))
    return FALSE;
  if (!tf_key_file_get_uint (kf, group, "channels", FALSE, 1, 1, 8, &n, error))
    return FALSE;
  s->channels = n;
  if (!tf_key_file_get_uint (kf, group, "off-time-ms", FALSE, 1000, 0, 600000, &n, error))
    return FALSE;
  s->off_time_ms = n;
  return TRUE;
}

static void
tf_power_relay_class_init (TfPowerRelayClass *klass)
{
  TfPowerSwitchClass *sw = TF_POWER_SWITCH_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_power_relay_finalize;
  sw->set_async = relay_set_async;
  sw->set_finish = relay_set_finish;
  sw->reset = relay_reset;
  sw->load_config = relay_load_config;
}

static void
tf_power_relay_init (TfPowerRelay *self)
{
}
