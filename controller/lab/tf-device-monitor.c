/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-hotplug"

#include "tf-device-monitor.h"

#include <gudev/gudev.h>

struct _TfDeviceMonitor
{
  GObject parent_instance;
  GUdevClient *udev;
};

G_DEFINE_TYPE (TfDeviceMonitor, tf_device_monitor, G_TYPE_OBJECT)

enum
{
  SIGNAL_ADDED,
  SIGNAL_REMOVED,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static void
on_uevent (GUdevClient *client, const char *action, GUdevDevice *device, gpointer user_data)
{
  TfDeviceMonitor *self = user_data;
  const char *node = g_udev_device_get_device_file (device);

  if (node == NULL)
    node = g_udev_device_get_property (device, "DEVNAME");
  if (node == NULL)
    return;
  g_debug ("uevent %s %s", action, node);
  if (g_strcmp0 (action, "add") == 0)
    g_signal_emit (self, signals[SIGNAL_ADDED], 0, node);
  else if (g_strcmp0 (action, "remove") == 0)
    g_signal_emit (self, signals[SIGNAL_REMOVED], 0, node);
}

static void
tf_device_monitor_dispose (GObject *object)
{
  TfDeviceMonitor *self = TF_DEVICE_MONITOR (object);
  if (self->udev != NULL)
    g_signal_handlers_disconnect_by_data (self->udev, self);
  g_clear_object (&self->udev);
  G_OBJECT_CLASS (tf_device_monitor_parent_class)->dispose (object);
}

static void
tf_device_monitor_class_init (TfDeviceMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_device_monitor_dispose;
  signals[SIGNAL_ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tf_device_monitor_init (TfDeviceMonitor *self)
{
  const char *subsystems[] = { "tty", NULL };
  self->udev = g_udev_client_new (subsystems);
  g_signal_connect (self->udev, "uevent", G_CALLBACK (on_uevent), self);
}

TfDeviceMonitor *
tf_device_monitor_new (void)
{
  return g_object_new (TF_TYPE_DEVICE_MONITOR, NULL);
}

gboolean
tf_device_monitor_has (TfDeviceMonitor *self, const char *devnode)
{
  g_autoptr (GUdevDevice) dev = g_udev_client_query_by_device_file (self->udev, devnode);
  return dev != NULL;
}
