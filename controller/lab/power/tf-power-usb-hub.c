/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-power"

#include "tf-power-usb-hub.h"

#include <libusb.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "tf-error.h"
#include "tf-usb-context.h"
#include "tf-usb-desc.h"

#define HUB_TIMEOUT_MS 1000
#define PORT_POWER 8

struct _TfPowerUsbHub
{
  TfPowerSwitch parent_instance;
  TfUsbContext *usb;
  GPtrArray *halves; /* Half: the hub found at the first request; NULL after a failure */
};

G_DEFINE_TYPE (TfPowerUsbHub, tf_power_usb_hub, TF_TYPE_POWER_SWITCH)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (libusb_device_handle, libusb_close)

/* One hub device: a USB2 hub, or one half of a USB3 hub. */
typedef struct
{
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
  return libusb_get_string_descriptor_ascii (h, d->iSerialNumber, (guint8 *)serial, sizeof serial)
             > 0
         && g_strcmp0 (serial, cfg->usb_serial) == 0;
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
  rc = libusb_control_transfer (
      h, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_DEVICE,
      LIBUSB_REQUEST_GET_DESCRIPTOR, (usb3 ? LIBUSB_DT_SUPERSPEED_HUB : LIBUSB_DT_HUB) << 8, 0, buf,
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
  g_autoptr (GPtrArray) halves = g_ptr_array_new_with_free_func ((GDestroyNotify)half_free);
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (ctx, &list);
  libusb_device *found = NULL;
  guint8 cid[16], other_cid[16];

  if (n < 0)
    return tf_usb_set_error (error, (int)n, "listing USB devices"), NULL;
  for (ssize_t i = 0; i < n && found == NULL; i++)
    {
      struct libusb_device_descriptor d;
      g_autofree char *path = port_path_of (list[i]);
      if (path == NULL || libusb_get_device_descriptor (list[i], &d) != 0
          || d.bDeviceClass != LIBUSB_CLASS_HUB)
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
  if (container_id (((Half *)halves->pdata[0])->handle, cid))
    for (ssize_t i = 0; i < n; i++)
      {
        struct libusb_device_descriptor d;
        g_autofree char *path = port_path_of (list[i]);
        g_autoptr (libusb_device_handle) h = NULL;
        if (list[i] == found || path == NULL || libusb_get_device_descriptor (list[i], &d) != 0
            || d.bDeviceClass != LIBUSB_CLASS_HUB || libusb_open (list[i], &h) != 0)
          continue;
        if (container_id (h, other_cid) && memcmp (cid, other_cid, 16) == 0)
          {
            Half *half = open_half (list[i], &d, path, error);
            if (half == NULL)
              {
                libusb_free_device_list (list, 1);
                return NULL;
              }
            g_debug ("hub %s: its other half is %s", ((Half *)halves->pdata[0])->path, path);
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

/* The cached hub is still the one on the bus: a hub that left and came back (its power,
 * its cable) is a new libusb_device, and its old handles only fail. */
static gboolean
halves_present (TfPowerUsbHub *self)
{
  libusb_device **list = NULL;
  ssize_t n = libusb_get_device_list (tf_usb_context_get_libusb (self->usb), &list);
  guint seen = 0;

  for (guint h = 0; h < self->halves->len; h++)
    {
      libusb_device *dev = libusb_get_device (((Half *)self->halves->pdata[h])->handle);
      for (ssize_t i = 0; i < n; i++)
        if (list[i] == dev)
          {
            seen++;
            break;
          }
    }
  if (n >= 0)
    libusb_free_device_list (list, 1);
  return seen == self->halves->len;
}

/* Discovery (device list, open, hub descriptor, BOS) is synchronous: it runs at the first
 * request and again only after a failure or the hub's re-enumeration; the power requests
 * themselves are asynchronous. */
static GPtrArray *
ensure_hub (TfPowerUsbHub *self, GError **error)
{
  if (self->usb == NULL && (self->usb = tf_usb_context_get_default (error)) == NULL)
    return NULL;
  if (self->halves != NULL && !halves_present (self))
    g_clear_pointer (&self->halves, g_ptr_array_unref);
  if (self->halves == NULL)
    {
      g_autoptr (GPtrArray) halves = find_hub (self, error);
      if (halves == NULL)
        return NULL;
      for (guint i = 0; i < halves->len; i++)
        {
          Half *half = halves->pdata[i];
          if (half->desc.switching != TF_HUB_SWITCHING_PER_PORT)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                           "hub %s cannot switch ports one by one: its descriptor says power "
                           "switching is %s",
                           half->path, tf_hub_switching_to_string (half->desc.switching));
              return NULL;
            }
        }
      self->halves = g_steal_pointer (&halves);
    }
  return g_ptr_array_ref (self->halves);
}

/* One control transfer of a request. */
typedef struct
{
  struct libusb_transfer *transfer;
  guint8 buf[LIBUSB_CONTROL_SETUP_SIZE + 4];
  guint half;
  gboolean reading; /* GET_STATUS, else SET/CLEAR_FEATURE(PORT_POWER) */
  gboolean submitted, done;
  int rc; /* libusb code of its end (or of its submission) */
} Xfer;

#define MAX_XFERS 4 /* two halves, a switch request and a read-back each */

/* One power request: on each half, SET/CLEAR_FEATURE(PORT_POWER) and the GET_STATUS that
 * reads it back, all submitted at once (a device runs its control requests in order), so
 * the request ends in one turn of the main loop after the power changed: a console adapter
 * that goes with that power is seen hanging up after the switch's answer, not before. */
typedef struct
{
  GTask *in_flight;  /* the request's reference while transfers are out: the switch, its
                      * libusb context and the handles live until libusb hands them back */
  GPtrArray *halves; /* a reference: a reset during a transfer cannot close its handle */
  guint port;
  gboolean on;
  char *board;
  Xfer xfers[MAX_XFERS];
  guint n_xfers;
  guint pending; /* submitted, not yet handed back */
  GCancellable *cancellable;
  gulong cancel_id;
} Op;

static void
op_free (Op *op)
{
  g_assert (op->pending == 0 && op->in_flight == NULL);
  if (op->cancel_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancel_id);
  g_clear_object (&op->cancellable);
  for (guint i = 0; i < op->n_xfers; i++)
    g_clear_pointer (&op->xfers[i].transfer, libusb_free_transfer);
  g_clear_pointer (&op->halves, g_ptr_array_unref);
  g_free (op->board);
  g_free (op);
}

static void
on_cancelled (GCancellable *cancellable, Op *op)
{
  /* libusb answers with LIBUSB_TRANSFER_CANCELLED through the main loop */
  for (guint i = 0; i < op->n_xfers; i++)
    if (op->xfers[i].submitted && !op->xfers[i].done)
      libusb_cancel_transfer (op->xfers[i].transfer);
}

/* Whatever went wrong, it is the lab's hub, never the board; the next request finds the
 * hub afresh. A cancelled request is no failure of the hub. */
static void
op_fail (GTask *task, GError *error)
{
  TfPowerUsbHub *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("board %s: %s", op->board, error->message);
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&self->halves, g_ptr_array_unref);
  g_warning ("board %s: %s", op->board, error->message);
  g_task_return_new_error (task, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "%s", error->message);
  g_error_free (error);
}

/* A transfer's end as the libusb return code tf_usb_set_error maps. */
static int
transfer_rc (const struct libusb_transfer *t)
{
  switch (t->status)
    {
    case LIBUSB_TRANSFER_COMPLETED:
      return LIBUSB_SUCCESS;
    case LIBUSB_TRANSFER_TIMED_OUT:
      return LIBUSB_ERROR_TIMEOUT;
    case LIBUSB_TRANSFER_STALL:
      return LIBUSB_ERROR_PIPE;
    case LIBUSB_TRANSFER_NO_DEVICE:
      return LIBUSB_ERROR_NO_DEVICE;
    case LIBUSB_TRANSFER_OVERFLOW:
      return LIBUSB_ERROR_OVERFLOW;
    case LIBUSB_TRANSFER_CANCELLED:
      return LIBUSB_ERROR_INTERRUPTED;
    default:
      return LIBUSB_ERROR_IO;
    }
}

/* Every transfer is back: judge them in order, the first failure decides. */
static void
op_finish (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  for (guint i = 0; i < op->n_xfers; i++)
    {
      const Xfer *x = &op->xfers[i];
      const Half *half = op->halves->pdata[x->half];
      gboolean powered = FALSE;

      if (x->rc != LIBUSB_SUCCESS)
        {
          tf_usb_set_error (&error, x->rc, "hub %s port %u: %s", half->path, op->port,
                            x->reading ? "GET_STATUS"
                            : op->on   ? "SET_FEATURE(PORT_POWER)"
                                       : "CLEAR_FEATURE(PORT_POWER)");
          op_fail (task, error);
          return;
        }
      if (!x->reading)
        continue;
      if (!tf_hub_port_status_parse (libusb_control_transfer_get_data (x->transfer),
                                     x->transfer->actual_length, half->usb3, &powered, &error))
        {
          g_prefix_error (&error, "hub %s port %u: ", half->path, op->port);
          op_fail (task, error);
          return;
        }
      /* a USB3 hub powers a port while either half does: each half must read back */
      if (powered != op->on)
        {
          g_set_error (&error, TF_ERROR, TF_ERROR_INFRASTRUCTURE,
                       "hub %s port %u still reads power %s after switching it %s", half->path,
                       op->port, powered ? "on" : "off", op->on ? "on" : "off");
          op_fail (task, error);
          return;
        }
      g_debug ("board %s: hub %s port %u: power %s", op->board, half->path, op->port,
               op->on ? "on" : "off");
    }
  g_task_return_boolean (task, TRUE);
}

/* Runs in the main loop, outside libusb's event handling: what follows may close handles
 * (libusb_close from a transfer callback deadlocks in libusb 1.0.26) or start the switch's
 * next request. High priority: before the console events the power change causes. */
static gboolean
on_transfers_idle (gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  op_finish (task);
  return G_SOURCE_REMOVE;
}

static void LIBUSB_CALL
on_transfer_done (struct libusb_transfer *t)
{
  GTask *task = t->user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr (GSource) idle = NULL;

  for (guint i = 0; i < op->n_xfers; i++)
    if (op->xfers[i].transfer == t)
      {
        op->xfers[i].done = TRUE;
        op->xfers[i].rc = transfer_rc (t);
      }
  if (--op->pending > 0)
    return;
  /* the request's reference passes to the idle */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_HIGH);
  g_source_set_callback (idle, on_transfers_idle, g_steal_pointer (&op->in_flight), NULL);
  g_source_attach (idle, g_task_get_context (task));
}

static void
op_add (Op *op, guint half, gboolean reading)
{
  Xfer *x = &op->xfers[op->n_xfers++];
  x->half = half;
  x->reading = reading;
  x->rc = LIBUSB_ERROR_OTHER; /* not submitted: only after an earlier failure, which decides */
  x->transfer = libusb_alloc_transfer (0);
  if (reading)
    libusb_fill_control_setup (
        x->buf, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_OTHER,
        LIBUSB_REQUEST_GET_STATUS, 0, op->port, 4);
  else
    libusb_fill_control_setup (x->buf, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_OTHER,
                               op->on ? LIBUSB_REQUEST_SET_FEATURE : LIBUSB_REQUEST_CLEAR_FEATURE,
                               PORT_POWER, op->port, 0);
}

static void
op_start (GTask *task)
{
  TfPowerUsbHub *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  for (guint h = 0; h < op->halves->len; h++)
    {
      op_add (op, h, FALSE);
      op_add (op, h, TRUE);
    }
  for (guint i = 0; i < op->n_xfers; i++)
    {
      Xfer *x = &op->xfers[i];
      const Half *half = op->halves->pdata[x->half];
      if (!x->reading && kernel_has_disable ())
        write_disable (half, op->port, op->on, op->board);
      libusb_fill_control_transfer (x->transfer, half->handle, x->buf, on_transfer_done, task,
                                    HUB_TIMEOUT_MS);
      x->rc = tf_usb_context_submit (self->usb, x->transfer);
      if (x->rc != LIBUSB_SUCCESS)
        break;
      x->submitted = TRUE;
      op->pending++;
    }
  if (op->pending == 0)
    {
      op_finish (task); /* the first submission failed: nothing is out */
      return;
    }
  op->in_flight = g_object_ref (task);
  if (op->cancellable != NULL)
    op->cancel_id = g_cancellable_connect (op->cancellable, G_CALLBACK (on_cancelled), op, NULL);
}

static void
usb_hub_set_async (TfPowerSwitch *sw, guint channel, gboolean on, const char *board,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  TfPowerUsbHub *self = TF_POWER_USB_HUB (sw);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Op *op = g_new0 (Op, 1);

  op->port = channel;
  op->on = on;
  op->board = g_strdup (board);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, op, (GDestroyNotify)op_free);
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_prefix_error (&error, "port %u: ", channel);
      op_fail (task, error);
      return;
    }
  op->halves = ensure_hub (self, &error);
  if (op->halves == NULL)
    {
      op_fail (task, error);
      return;
    }
  for (guint i = 0; i < op->halves->len; i++)
    {
      const Half *half = op->halves->pdata[i];
      if (channel > half->desc.n_ports)
        {
          g_set_error (&error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "hub %s has ports 1 to %u, not %u", half->path, half->desc.n_ports, channel);
          op_fail (task, error);
          return;
        }
    }
  op_start (task);
}

static gboolean
usb_hub_set_finish (TfPowerSwitch *sw, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
usb_hub_reset (TfPowerSwitch *sw)
{
  /* a request in flight keeps its own reference to the handles */
  g_clear_pointer (&TF_POWER_USB_HUB (sw)->halves, g_ptr_array_unref);
}

static void
tf_power_usb_hub_finalize (GObject *object)
{
  TfPowerUsbHub *self = TF_POWER_USB_HUB (object);
  /* no transfer is in flight: each holds its request, which holds us */
  g_clear_pointer (&self->halves, g_ptr_array_unref);
  g_clear_object (&self->usb);
  G_OBJECT_CLASS (tf_power_usb_hub_parent_class)->finalize (object);
}

/* [switch ID] type = usb-hub: location = 1-1.4, or usb-id = VID:PID (+ serial). */
static gboolean
usb_hub_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *s, GError **error)
{
  static const char *const keys[]
      = { "type", "location", "usb-id", "serial", "channels", "off-time-ms", NULL };
  guint64 n = 0;

  if (!tf_key_file_check_keys (kf, group, keys, error)
      || !tf_key_file_get_string (kf, group, "location", FALSE, NULL, &s->device, error)
      || !tf_key_file_get_usb_id (kf, group, "usb-id", FALSE, &s->usb_vid, &s->usb_pid, error)
      || !tf_key_file_get_string (kf, group, "serial", FALSE, NULL, &s->usb_serial, error))
    return FALSE;
  if (s->device != NULL && !g_regex_match_simple ("^[0-9]+-[0-9]+(\\.[0-9]+)*$", s->device, 0, 0))
    return tf_key_file_fail (kf, error, group, "location",
                             "'%s' is not BUS-PORT[.PORT...] (e.g. 1-1.4)", s->device);
  if ((s->device == NULL)
      == !g_key_file_has_key (tf_key_file_get_keyfile (kf), group, "usb-id", NULL))
    return tf_key_file_fail (kf, error, group, "location", "give either location or usb-id");
  if (!tf_key_file_get_uint (kf, group, "channels", FALSE, 4, 1, 15, &n, error))
    return FALSE;
  s->channels = n;
  if (!tf_key_file_get_uint (kf, group, "off-time-ms", FALSE, 2000, 0, 600000, &n, error))
    return FALSE;
  s->off_time_ms = n;
  return TRUE;
}

static void
tf_power_usb_hub_class_init (TfPowerUsbHubClass *klass)
{
  TfPowerSwitchClass *sw = TF_POWER_SWITCH_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_power_usb_hub_finalize;
  sw->set_async = usb_hub_set_async;
  sw->set_finish = usb_hub_set_finish;
  sw->reset = usb_hub_reset;
  sw->load_config = usb_hub_load_config;
}

static void
tf_power_usb_hub_init (TfPowerUsbHub *self)
{
}
