/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the lab learns about a USB device coming or going: plain data, so
 * that the daemon core never sees libusb.h. */
typedef struct
{
  guint bus;
  char *port_path; /* "1-2.3" as in sysfs */
  guint16 vid;
  guint16 pid;
  char *serial; /* NULL: none, or not readable */
} TfUsbDeviceInfo;

#define TF_TYPE_USB_DEVICE_INFO (tf_usb_device_info_get_type ())
GType
tf_usb_device_info_get_type (void);
TfUsbDeviceInfo *
tf_usb_device_info_copy (const TfUsbDeviceInfo *info);
void
tf_usb_device_info_free (TfUsbDeviceInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfUsbDeviceInfo, tf_usb_device_info_free)

/* The one libusb context of the daemon, driven by the main loop: its file
 * descriptors are GSources, its timers come from libusb_get_next_timeout.
 * No thread of ours, no periodic wake-up while idle.
 * Signals: "device-added" and "device-removed" (TfUsbDeviceInfo *). */
#define TF_TYPE_USB_CONTEXT (tf_usb_context_get_type ())
G_DECLARE_FINAL_TYPE (TfUsbContext, tf_usb_context, TF, USB_CONTEXT, GObject)

/* The shared context of the thread-default main context (a new reference). */
TfUsbContext *
tf_usb_context_get_default (GError **error);
/* The libusb_context *, for backends (they include libusb.h, the core does not). */
gpointer
tf_usb_context_get_libusb (TfUsbContext *self);
/* libusb_submit_transfer for a struct libusb_transfer *: device fds are watched only while
 * such transfers are in flight (an emulated usbfs node would otherwise wake the loop
 * forever). Returns the libusb code. */
int
tf_usb_context_submit (TfUsbContext *self, gpointer transfer);
/* Turn hot-plug signals on (idempotent); devices present now are announced too. */
gboolean
tf_usb_context_watch_hotplug (TfUsbContext *self, GError **error);

/* The ONE mapping from a libusb return code to a TfError; prefix from @format.
 * Always returns FALSE. */
gboolean
tf_usb_set_error (GError **error, int libusb_rc, const char *format, ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
