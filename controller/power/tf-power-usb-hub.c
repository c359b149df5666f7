/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-power"

#include "power/tf-power-usb-hub.h"

#include <libusb.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "tf-error.h"
#include "tf-usb-context.h"
#include "tf-usb-desc.h"

#define HUB_TIMEOUT_MS 1000
#define PORT_POWER 8

struct _TfPowerUsbHub {
  TfPowerSwitch parent_instance;
  TfUsbContext *usb;
};

G_DEFINE_TYPE (TfPowerUsbHub, tf_power_usb_hub, TF_TYPE_POWER_SWITCH)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (libusb_device_handle, libusb_close)

/* One hub device: a USB2 hub, or one half of a USB3 hub. */
typedef struct {
  libusb_device_handle *handle;
  char *path;
  gboolean usb3;
  TfHubDescriptor desc;
} Half;

static void
half_free (Half *h)
{
  g_clear_pointer (&h->handle, libusb_close);
  g_free (h->path);
  g_free (h);
}

static char *
port_path_of (libusb_device *dev)
{
  guint8 ports[8];
  int n = libusb_get_port_numbers (dev, ports, sizeof ports);
  GString *s;
  if (n <= 0)
    return NULL; /* a root hub: never ours to switch */
  s = g_string_new (NULL);
  g_string_printf (s, "%u-%u", libusb_get_bus_number (dev), ports[0]);
  for (int i = 1; i < n; i++)
    g_string_append_printf (s, ".%u", ports[i]);
  return g_string_free (s, FALSE);
}

static gboolean
container_id (libusb_device_handle *h, guint8 out[16])
{
  struct libusb_bos_descriptor *bos = NULL;
  gboolean found = FALSE;
  if (libusb_get_bos_descriptor (h, &bos) != LIBUSB_SUCCESS)
    return FALSE;
  for (guint i = 0; i < bos->bNumDeviceCaps && !found; i++)
    {
      struct libusb_container_id_descriptor *cid = NULL;
      if (bos->dev_capability[i]->bDevCapabilityType != LIBUSB_BT_CONTAINER_ID)
        continue;
      if (libusb_get_container_id_descriptor (NULL, bos->dev_capability[i], &cid) == 0)
        {
          memcpy (out, cid->ContainerID, 16);
          libusb_free_container_id_descriptor (cid);
          found = TRUE;
        }
    }
  libusb_free_bos_descriptor (bos);
  return found;
}

static gboolean
matches (TfPowerUsbHub *self, libusb_device *dev, const struct libusb_device_descriptor *d,
         const char *path)
{
  const TfSwitchConfig *cfg = tf_power_switch_get_config (TF_POWER_SWITCH (self));
  g_autoptr (libusb_device_handle) h = NULL;
  char serial[128];

  if (cfg->device != NULL)
    return g_strcmp0 (path, cfg->device) == 0;
  if (d->idVendor != cfg->usb_vid || d->idProduct != cfg->usb_pid)
    return FALSE;
  if (cfg->usb_serial == NULL)
    return TRUE;
  if (d->iSerialNumber == 0 || libusb_open (dev, &h) != LIBUSB_SUCCESS)
    return FALSE;
  return libusb_get_string_descriptor_ascii (h, d->iSerialNumber, (guint8 *) serial,
                                             sizeof serial) > 0 &&
         g_strcmp0 (serial, cfg->usb_serial) == 0;
}

static Half *
open_half (libusb_device *dev, const struct libusb_device_descriptor *d, const char *path,
           GError **error)
{
  g_autoptr (libusb_device_handle) h = NULL;
  guint8 buf[64];
  int rc = libusb_open (dev, &h);
  Half *half;
  gboolean usb3 = d->bcdUSB >= 0x0300;

  if (rc != LIBUSB_SUCCESS)
    return tf_usb_set_error (error, rc, "hub %s: open", path), NULL;
  rc = libusb_control_transfer (h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS |
                                LIBUSB_RECIPIENT_DEVICE, LIBUSB_REQUEST_GET_DESCRIPTOR,
                                (usb3 ? LIBUSB_DT_SUPERSPEED_HUB : LIBUSB_DT_HUB) << 8, 0, buf,
                                sizeof buf, HUB_TIMEOUT_MS);
  if (rc < 0)
    return tf_usb_set_error (error, rc, "hub %s: reading its hub descriptor", path), NULL;
  half = g_new0 (Half, 1);
  half->path = g_strdup (path);
  half->usb3 = usb3;
  if (!tf_hub_descriptor_parse (buf, rc, &half->desc, error))
    {
      g_prefix_error (error, "hub %s: ", path);
      half_free (half);
      return NULL;
    }
  half->handle = g_steal_pointer (&h);
  return half;
}

/* The hub the config names and, for a USB3 hub, its other half (same Container ID). */
static GPtrArray *
find_hub (TfPowerUsbHub *self, GError **error)
{
  const TfSwitchConfig *cfg = tf_power_switch_get_config (TF_POWER_SWITCH (self));
  libusb_context *ctx = tf_usb_context_get_libusb (self->usb);
  g_autoptr (GPtrArray) halves = g_ptr_array_new_with_free_func ((GDestroyNotify) half_free);
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (ctx, &list);
  libusb_device *found = NULL;
  guint8 cid[16], other_cid[16];

  if (n < 0)
    return tf_usb_set_error (error, (int) n, "listing USB devices"), NULL;
  for (ssize_t i = 0; i < n && found == NULL; i++)
    {
      struct libusb_device_descriptor d;
      g_autofree char *path = port_path_of (list[i]);
      if (path == NULL || libusb_get_device_descriptor (list[i], &d) != 0 ||
          d.bDeviceClass != LIBUSB_CLASS_HUB)
        continue;
      if (matches (self, list[i], &d, path))
        {
          Half *half = open_half (list[i], &d, path, error);
          if (half == NULL)
            break;
          g_ptr_array_add (halves, half);
          found = list[i];
        }
    }
  if (found == NULL)
    {
      if (error != NULL && *error == NULL)
        {
          if (cfg->device != NULL)
            g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no USB hub at %s", cfg->device);
          else
            g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no USB hub %04x:%04x%s%s",
                         cfg->usb_vid, cfg->usb_pid, cfg->usb_serial ? " serial " : "",
                         cfg->usb_serial ? cfg->usb_serial : "");
        }
      libusb_free_device_list (list, 1);
      return NULL;
    }
  if (container_id (((Half *) halves->pdata[0])->handle, cid))
    for (ssize_t i = 0; i < n; i++)
      {
        struct libusb_device_descriptor d;
        g_autofree char *path = port_path_of (list[i]);
        g_autoptr (libusb_device_handle) h = NULL;
        if (list[i] == found || path == NULL || libusb_get_device_descriptor (list[i], &d) != 0 ||
            d.bDeviceClass != LIBUSB_CLASS_HUB || libusb_open (list[i], &h) != 0)
          continue;
        if (container_id (h, other_cid) && memcmp (cid, other_cid, 16) == 0)
          {
            Half *half = open_half (list[i], &d, path, error);
            if (half == NULL)
              {
                libusb_free_device_list (list, 1);
                return NULL;
              }
            g_debug ("hub %s: its other half is %s", ((Half *) halves->pdata[0])->path, path);
            g_ptr_array_add (halves, half);
          }
      }
  libusb_free_device_list (list, 1);
  return g_steal_pointer (&halves);
}

static gboolean
kernel_has_disable (void)
{
  struct utsname u;
  return uname (&u) == 0 && g_ascii_strtoull (u.release, NULL, 10) >= 6;
}

/* Linux >= 6.0: tell the kernel first, or its hub driver powers the port back on. */
static void
write_disable (const Half *half, guint port, gboolean on, const char *board)
{
  g_autofree char *path = g_strdup_printf ("/sys/bus/usb/devices/%s:1.0/%s-port%u/disable",
                                           half->path, half->path, port);
  FILE *f = fopen (path, "w");
  if (f == NULL)
    {
      g_debug ("board %s: hub %s: no %s", board, half->path, path);
      return;
    }
  fputs (on ? "0" : "1", f);
  if (fclose (f) != 0)
    g_debug ("board %s: hub %s: writing %s failed", board, half->path, path);
}

static gboolean
switch_port (const Half *half, guint port, gboolean on, const char *board, GError **error)
{
  guint8 status[4];
  gboolean powered = FALSE;
  int rc;

  if (port > half->desc.n_ports)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "hub %s has ports 1 to %u, not %u",
                   half->path, half->desc.n_ports, port);
      return FALSE;
    }
  if (kernel_has_disable ())
    write_disable (half, port, on, board);
  rc = libusb_control_transfer (half->handle, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_OTHER,
                                on ? LIBUSB_REQUEST_SET_FEATURE : LIBUSB_REQUEST_CLEAR_FEATURE,
                                PORT_POWER, port, NULL, 0, HUB_TIMEOUT_MS);
  if (rc < 0)
    return tf_usb_set_error (error, rc, "hub %s port %u: %s(PORT_POWER)", half->path, port,
                             on ? "SET_FEATURE" : "CLEAR_FEATURE");
  rc = libusb_control_transfer (half->handle, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS |
                                LIBUSB_RECIPIENT_OTHER, LIBUSB_REQUEST_GET_STATUS, 0, port,
                                status, sizeof status, HUB_TIMEOUT_MS);
  if (rc < 0)
    return tf_usb_set_error (error, rc, "hub %s port %u: GET_STATUS", half->path, port);
  if (!tf_hub_port_status_parse (status, rc, half->usb3, &powered, error))
    {
      g_prefix_error (error, "hub %s port %u: ", half->path, port);
      return FALSE;
    }
  if (powered != on)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE,
                   "hub %s port %u still reads power %s after switching it %s", half->path, port,
                   powered ? "on" : "off", on ? "on" : "off");
      return FALSE;
    }
  g_debug ("board %s: hub %s port %u: power %s (status %02x%02x)", board, half->path, port,
           on ? "on" : "off", status[1], status[0]);
  return TRUE;
}

static gboolean
hub_switch (TfPowerUsbHub *self, guint port, gboolean on, const char *board, GError **error)
{
  g_autoptr (GPtrArray) halves = NULL;

  if (self->usb == NULL && (self->usb = tf_usb_context_get_default (error)) == NULL)
    return FALSE;
  halves = find_hub (self, error);
  if (halves == NULL)
    return FALSE;
  for (guint i = 0; i < halves->len; i++)
    {
      Half *half = halves->pdata[i];
      if (half->desc.switching != TF_HUB_SWITCHING_PER_PORT)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                       "hub %s cannot switch ports one by one: its descriptor says power "
                       "switching is %s", half->path,
                       tf_hub_switching_to_string (half->desc.switching));
          return FALSE;
        }
    }
  /* a USB3 hub powers a port while either half does: switch both */
  for (guint i = 0; i < halves->len; i++)
    if (!switch_port (halves->pdata[i], port, on, board, error))
      return FALSE;
  return TRUE;
}

static void
usb_hub_set_async (TfPowerSwitch *sw, guint channel, gboolean on, const char *board,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TfPowerUsbHub *self = TF_POWER_USB_HUB (sw);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  /* a few control transfers of a few ms each: done at once, one switch at a time */
  if (!hub_switch (self, channel, on, board, &error))
    {
      g_warning ("board %s: %s", board, error->message);
      /* whatever went wrong, it is the lab's hub, never the board */
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s", error->message);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
usb_hub_set_finish (TfPowerSwitch *sw, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
tf_power_usb_hub_finalize (GObject *object)
{
  g_clear_object (&TF_POWER_USB_HUB (object)->usb);
  G_OBJECT_CLASS (tf_power_usb_hub_parent_class)->finalize (object);
}

static void
tf_power_usb_hub_class_init (TfPowerUsbHubClass *klass)
{
  TfPowerSwitchClass *sw = TF_POWER_SWITCH_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_power_usb_hub_finalize;
  sw->set_async = usb_hub_set_async;
  sw->set_finish = usb_hub_set_finish;
}

static void
tf_power_usb_hub_init (TfPowerUsbHub *self)
{
}

TfPowerSwitch *
tf_power_usb_hub_new (const TfSwitchConfig *config)
{
  TfPowerSwitch *self = g_object_new (TF_TYPE_POWER_USB_HUB, NULL);
  tf_power_switch_set_config (self, config);
  return self;
}
