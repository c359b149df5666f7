/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Follows tty devices coming and going (udev uevents through the main loop).
 * Signals: "added" and "removed", each with the device node (/dev/ttyACM0). */
#define TF_TYPE_DEVICE_MONITOR (tf_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TfDeviceMonitor, tf_device_monitor, TF, DEVICE_MONITOR, GObject)

TfDeviceMonitor *
tf_device_monitor_new (void);
/* Whether udev knows a device with this node now. */
gboolean
tf_device_monitor_has (TfDeviceMonitor *self, const char *devnode);

G_END_DECLS
