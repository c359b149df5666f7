/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-flash-dfu.h"

#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tf-dfu-io.h"
#include "tf-error.h"

G_DEFINE_TYPE (TfFlashDfu, tf_flash_dfu, TF_TYPE_FLASHER)

/* --- the sequence ----------------------------------------------------------------- */

static void
step_erase (Run *r);
static void
step_block (Run *r);
static void
step_manifest (Run *r);
static void
step_verify_start (Run *r);
static void
step_upload (Run *r);

static guint
n_blocks (Run *r)
{
  return (r->size + r->func.transfer_size - 1) / r->func.transfer_size;
}

static gboolean
reset_later (gpointer data)
{
  Run *r = data;
  int rc;
  gint64 took = (g_get_monotonic_time () - r->started_us) / 1000;
  g_info ("board %s: DFU wrote %zu bytes in %" G_GINT64_FORMAT
          " ms (the device demanded %" G_GUINT64_FORMAT " ms of waiting)",
          r->job->board, r->size, took, r->demanded_ms);
  /* into the new firmware; a device that already left answers NOT_FOUND */
  libusb_release_interface (r->handle, r->iface);
  rc = libusb_reset_device (r->handle);
  if (rc != 0 && rc != LIBUSB_ERROR_NOT_FOUND && rc != LIBUSB_ERROR_NO_DEVICE)
    g_debug ("board %s: DFU reset: %s", r->job->board, libusb_strerror (rc));
  libusb_close (r->handle);
  r->handle = NULL;
  dfu_finish (r, NULL);
  return G_SOURCE_REMOVE;
}

static void
step_reset (Run *r)
{
  /* outside libusb's event handling: the reset and close are synchronous */
  g_idle_add_full (G_PRIORITY_DEFAULT, reset_later, r, NULL);
}

static void
on_upload (Run *r, const guint8 *data, int len)
{
  gsize off = (gsize)r->index * r->func.transfer_size;
  gsize want = MIN (r->func.transfer_size, r->size - off);
  if ((gsize)len < want || memcmp (data, r->data + off, want) != 0)
    {
      gsize i = 0;
      while (i < want && i < (gsize)len && data[i] == r->data[off + i])
        i++;
      dfu_fail (r, TF_ERROR_PROTOCOL,
                "verify failed: flash at 0x%08" G_GSIZE_MODIFIER "x differs from "
                "the image",
                r->base + off + i);
      return;
    }
  r->index++;
  tf_flasher_report_progress (TF_FLASHER (r->self), MIN (r->size, off + want), r->size, "verify");
  step_upload (r);
}

static void
after_verify (Run *r, const guint8 *data, int len)
{
  if (r->dfuse)
    step_manifest (r);
  else
    step_reset (r);
}

static void
step_upload (Run *r)
{
  if (r->index >= n_blocks (r))
    {
      /* out of dfuUPLOAD-IDLE before anything else */
      dfu_set_what (r, "ABORT after verify");
      dfu_control (r, OUT_REQ, DFU_ABORT, 0, NULL, 0, after_verify);
      return;
    }
  dfu_set_what (r, "UPLOAD of block %u", r->index);
  dfu_control (r, IN_REQ, DFU_UPLOAD, (r->dfuse ? 2 : 0) + r->index, NULL, r->func.transfer_size,
               on_upload);
}

static void
on_aborted (Run *r, const guint8 *data, int len)
{
  r->index = 0;
  step_upload (r);
}

static void
step_verify_abort (Run *r)
{
  dfu_set_what (r, "ABORT before verify");
  dfu_control (r, OUT_REQ, DFU_ABORT, 0, NULL, 0, on_aborted);
}

static void
step_verify_start (Run *r)
{
  if ((r->func.attributes & 0x02) == 0)
    {
      g_info ("board %s: DFU device cannot upload: not verified", r->job->board);
      if (r->dfuse)
        step_manifest (r);
      else
        step_reset (r);
      return;
    }
  /* DfuSe: the address pointer is still the one set after the erases (an erase moves it,
   * a block does not: AN3156, ST's DFU class), so the blocks read back from r->base */
  step_verify_abort (r);
}

static gboolean
left_later (gpointer data)
{
  Run *r = data;
  gint64 took = (g_get_monotonic_time () - r->started_us) / 1000;
  g_info ("board %s: DFU wrote %zu bytes in %" G_GINT64_FORMAT
          " ms (the device demanded %" G_GUINT64_FORMAT " ms of waiting); it left for its "
          "firmware",
          r->job->board, r->size, took, r->demanded_ms);
  libusb_release_interface (r->handle, r->iface);
  libusb_close (r->handle);
  r->handle = NULL;
  dfu_finish (r, NULL);
  return G_SOURCE_REMOVE;
}

static void
after_manifest (Run *r)
{
  /* DFU 1.1 verifies after manifestation, if the device stays (manifestation tolerant) */
  if (!r->dfuse && (r->func.attributes & 0x04) != 0)
    step_verify_start (r);
  else if (r->leaving)
    {
      /* an ST ROM (not manifestation tolerant) answered dfuMANIFEST or went at once: it
       * jumped to the image, verified before; the lab waits for the new firmware's banner.
       * No reset: the part is gone, and a reset would not make a ROM leave anyway. */
      g_idle_add_full (G_PRIORITY_DEFAULT, left_later, r, NULL);
    }
  else
    step_reset (r);
}

static void
step_manifest_go (Run *r)
{
  dfu_set_what (r, "manifestation");
  /* DfuSe's leave: a device that is not manifestation tolerant goes during it */
  r->leaving = r->dfuse && (r->func.attributes & 0x04) == 0;
  dfu_dnload (r, 0, NULL, 0, after_manifest);
}

static void
step_manifest (Run *r)
{
  /* DfuSe leaves to the address pointer, still r->base since the SET ADDRESS after the
   * erases (blocks and uploads do not move it): no command for that */
  step_manifest_go (r);
}

/* Whether @len bytes at @p are all 0xFF: what the erase left there already. */
static gboolean
is_blank (const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] != 0xff)
      return FALSE;
  return TRUE;
}

static void
step_block (Run *r)
{
  gsize off = (gsize)r->index * r->func.transfer_size;
  /* DfuSe erased every sector first: blank blocks of the image need no DNLOAD (the block
   * number carries the address), and the verify still reads them back */
  while (r->dfuse && off < r->size
         && is_blank (r->data + off, MIN (r->func.transfer_size, r->size - off)))
    {
      r->index++;
      r->skipped++;
      off += r->func.transfer_size;
    }
  if (r->index > 0)
    tf_flasher_report_progress (TF_FLASHER (r->self), MIN (off, r->size), r->size, "download");
  if (off >= r->size)
    {
      if (r->dfuse)
        step_verify_start (r);
      else
        step_manifest (r);
      return;
    }
  dfu_set_what (r, "DNLOAD of block %u (0x%08" G_GSIZE_MODIFIER "x)", r->index, r->base + off);
  r->index++;
  dfu_dnload (r, (r->dfuse ? 2 : 0) + r->index - 1, r->data + off,
              MIN (r->func.transfer_size, r->size - off), step_block);
}

static void
step_set_address (Run *r)
{
  r->index = 0;
  dfu_set_what (r, "SET ADDRESS 0x%08x", r->base);
  dfu_dfuse_command (r, 0x21, r->base, step_block);
}

/* The next sector or page to erase at or after r->index, or FALSE when all are. */
static gboolean
next_erase (Run *r, guint32 *addr)
{
  guint64 page = r->job->type->flash_page_size ? r->job->type->flash_page_size : 2048;
  guint64 end = (guint64)r->base + r->size;

  if (r->sectors == NULL)
    {
      /* no layout from the device: the board type's uniform pages */
      *addr = r->base + r->index * page;
      return *addr < end;
    }
  /* the device's own sectors (an STM32F4's are 16, 64 and 128 KiB): each erased once */
  for (; r->index < r->sectors->len; r->index++)
    {
      const TfDfuSector *sec = &g_array_index (r->sectors, TfDfuSector, r->index);
      if ((guint64)sec->start + sec->size > r->base && sec->start < end)
        {
          *addr = sec->start;
          return TRUE;
        }
    }
  return FALSE;
}

static void
step_erase (Run *r)
{
  guint32 addr;
  if (!next_erase (r, &addr))
    {
      step_set_address (r);
      return;
    }
  tf_flasher_report_progress (TF_FLASHER (r->self), MAX (addr, r->base) - r->base, r->size,
                              "erase");
  dfu_set_what (r, "ERASE of the page at 0x%08x", addr);
  r->index++;
  dfu_dfuse_command (r, 0x41, addr, step_erase);
}

static void
step_start (Run *r)
{
  r->index = 0;
  r->started_us = g_get_monotonic_time ();
  if (r->dfuse)
    step_erase (r);
  else
    step_block (r);
}

static void
start_after (Run *r, const guint8 *data, int len)
{
  step_start (r);
}

static void
on_first_status (Run *r, const guint8 *data, int len)
{
  TfDfuStatus st;
  if (!tf_dfu_status_parse (data, len, &st, NULL))
    {
      dfu_fail (r, TF_ERROR_PROTOCOL, "the first GETSTATUS made no sense");
      return;
    }
  /* leftovers of an earlier session: clear an error, abort anything else */
  if (st.state == TF_DFU_STATE_ERROR)
    {
      dfu_set_what (r, "CLRSTATUS");
      dfu_control (r, OUT_REQ, DFU_CLRSTATUS, 0, NULL, 0, start_after);
    }
  else if (st.state != TF_DFU_STATE_DFU_IDLE)
    {
      dfu_set_what (r, "ABORT");
      dfu_control (r, OUT_REQ, DFU_ABORT, 0, NULL, 0, start_after);
    }
  else
    step_start (r);
}

/* --- finding the device ---------------------------------------------------------- */

/* The DFU interface's alternate settings (class 0xFE, subclass 0x01, @protocol) and the
 * functional descriptor, wherever the device puts it: after its interface (libusb: that
 * altsetting's extra; an ST ROM puts it after the last of four settings) or after the
 * configuration. */
static gboolean
find_interface (libusb_device *dev, guint8 protocol, GArray *alts, TfDfuFunctional *func,
                GError **error)
{
  struct libusb_config_descriptor *cfg = NULL;
  g_autoptr (GError) bad = NULL;
  gboolean have_func = FALSE;
  int rc = libusb_get_active_config_descriptor (dev, &cfg);

  if (rc != 0)
    rc = libusb_get_config_descriptor (dev, 0, &cfg);
  if (rc != 0)
    return tf_usb_set_error (error, rc, "DFU: reading the configuration descriptor");
  for (guint i = 0; i < cfg->bNumInterfaces; i++)
    for (int a = 0; a < cfg->interface[i].num_altsetting; a++)
      {
        const struct libusb_interface_descriptor *d = &cfg->interface[i].altsetting[a];
        DfuAlt alt = { d->bInterfaceNumber, d->bAlternateSetting, d->iInterface };
        if (d->bInterfaceClass != 0xfe || d->bInterfaceSubClass != 0x01)
          continue;
        /* a HID descriptor is also type 0x21: only a DFU interface's extra is searched */
        if (!have_func && d->extra_length > 0)
          {
            g_clear_error (&bad);
            have_func = tf_dfu_functional_find (d->extra, d->extra_length, func, &bad);
          }
        if (d->bInterfaceProtocol == protocol
            && (alts->len == 0 || g_array_index (alts, DfuAlt, 0).iface == alt.iface))
          g_array_append_val (alts, alt);
      }
  if (!have_func && alts->len > 0 && cfg->extra_length > 0)
    {
      g_clear_error (&bad);
      have_func = tf_dfu_functional_find (cfg->extra, cfg->extra_length, func, &bad);
    }
  libusb_free_config_descriptor (cfg);
  if (alts->len == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND,
                   "DFU: the device has no DFU interface (class 0xfe/0x01, protocol %u)", protocol);
      return FALSE;
    }
  if (!have_func)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "DFU: the device has no DFU functional descriptor%s%s",
                   bad != NULL && bad->code != TF_ERROR_NOT_FOUND ? ": " : "",
                   bad != NULL && bad->code != TF_ERROR_NOT_FOUND ? bad->message : "");
      return FALSE;
    }
  return TRUE;
}

static libusb_device *
find_device (Run *r, guint16 vid, guint16 pid)
{
  libusb_device **list = NULL;
  libusb_device *found = NULL;
  ssize_t n = libusb_get_device_list (tf_usb_context_get_libusb (r->usb), &list);
  for (ssize_t i = 0; i < n && found == NULL; i++)
    {
      struct libusb_device_descriptor d;
      if (libusb_get_device_descriptor (list[i], &d) == 0 && d.idVendor == vid
          && d.idProduct == pid)
        found = libusb_ref_device (list[i]);
    }
  if (n >= 0)
    libusb_free_device_list (list, 1);
  return found;
}

static void
open_dfu (Run *r, libusb_device *dev)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) alts = g_array_new (FALSE, FALSE, sizeof (DfuAlt));
  int rc;

  if (!find_interface (dev, 0x02, alts, &r->func, &error))
    {
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  r->dfuse = r->func.dfu_version == 0x011a;
  if (r->dfuse && r->self->address == 0)
    {
      dfu_fail (r, TF_ERROR_INVALID_CONFIG, "DfuSe needs [flash] address in the board type");
      return;
    }
  rc = libusb_open (dev, &r->handle);
  if (rc != 0)
    {
      tf_usb_set_error (&error, rc, "DFU: opening %04x:%04x", r->self->dfu_vid, r->self->dfu_pid);
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  if (!dfu_choose_alt (r, alts, &error))
    {
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  rc = libusb_claim_interface (r->handle, r->iface);
  if (rc != 0)
    {
      tf_usb_set_error (&error, rc, "DFU: claiming interface %d", r->iface);
      g_clear_pointer (&r->handle, libusb_close);
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  if (alts->len > 1 && (rc = libusb_set_interface_alt_setting (r->handle, r->iface, r->alt)) != 0)
    {
      tf_usb_set_error (&error, rc, "DFU: selecting alternate setting %u", r->alt);
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  g_debug ("board %s: DFU %s, alternate setting %u of %u, wTransferSize %u, attributes 0x%02x",
           r->job->board, r->dfuse ? "DfuSe 1.1a" : "1.1", r->alt, alts->len, r->func.transfer_size,
           r->func.attributes);
  dfu_set_what (r, "GETSTATUS");
  dfu_control (r, IN_REQ, DFU_GETSTATUS, 0, NULL, 6, on_first_status);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  Run *r = user_data;
  r->wait_id = 0;
  g_signal_handler_disconnect (r->usb, r->added_id);
  r->added_id = 0;
  dfu_fail (r, TF_ERROR_TIMED_OUT, "no DFU-mode device %04x:%04x within %u ms after %s",
            r->self->dfu_vid, r->self->dfu_pid, r->self->timeout_ms,
            r->job->lab_entered_bootloader ? "BOOT0 and the power cycle" : "DETACH");
  return G_SOURCE_REMOVE;
}

/* Re-enumeration is seen through hot-plug, not guessed with a sleep. */
static void
on_device_added (TfUsbContext *usb, TfUsbDeviceInfo *info, Run *r)
{
  libusb_device *dev;
  if (info->vid != r->self->dfu_vid || info->pid != r->self->dfu_pid)
    return;
  g_signal_handler_disconnect (r->usb, r->added_id);
  r->added_id = 0;
  g_clear_handle_id (&r->wait_id, g_source_remove);
  dev = find_device (r, r->self->dfu_vid, r->self->dfu_pid);
  if (dev == NULL)
    {
      dfu_fail (r, TF_ERROR_NOT_FOUND, "the DFU-mode device went away again");
      return;
    }
  g_debug ("board %s: DFU-mode device arrived at %s", r->job->board, info->port_path);
  open_dfu (r, dev);
  libusb_unref_device (dev);
}

static void
detach (Run *r, libusb_device *dev)
{
  g_autoptr (GError) error = NULL;
  libusb_device_handle *h = NULL;
  g_autoptr (GArray) alts = g_array_new (FALSE, FALSE, sizeof (DfuAlt));
  TfDfuFunctional func;
  int iface, rc;

  if (!find_interface (dev, 0x01, alts, &func, &error))
    {
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  iface = g_array_index (alts, DfuAlt, 0).iface;
  if (!tf_usb_context_watch_hotplug (r->usb, &error))
    {
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  rc = libusb_open (dev, &h);
  if (rc == 0)
    rc = libusb_claim_interface (h, iface);
  if (rc == 0)
    {
      r->added_id = g_signal_connect (r->usb, "device-added", G_CALLBACK (on_device_added), r);
      r->wait_id = g_timeout_add (r->self->timeout_ms, on_wait_timeout, r);
      g_debug ("board %s: DFU DETACH of the runtime interface %d", r->job->board, iface);
      rc = libusb_control_transfer (h, OUT_REQ, DFU_DETACH, MIN (func.detach_timeout_ms, 1000),
                                    iface, NULL, 0, REQUEST_TIMEOUT_MS);
      /* a device that leaves at once may not even finish the request */
      if (rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_PIPE)
        rc = 0;
      if (rc == 0 && (func.attributes & 0x08) == 0)
        libusb_reset_device (h);
    }
  if (h != NULL)
    libusb_close (h);
  if (rc < 0)
    {
      tf_usb_set_error (&error, rc, "DFU: DETACH of %04x:%04x", r->self->rt_vid, r->self->rt_pid);
      dfu_finish (r, g_steal_pointer (&error));
    }
}

/* After the lab's BOOT0 and power cycle the ROM bootloader enumerates when it is ready:
 * watched before hot-plug starts, whose first report names the devices already there. */
static void
wait_for_bootloader (Run *r)
{
  g_autoptr (GError) error = NULL;
  r->wait_id = g_timeout_add (r->self->timeout_ms, on_wait_timeout, r);
  r->added_id = g_signal_connect (r->usb, "device-added", G_CALLBACK (on_device_added), r);
  if (!tf_usb_context_watch_hotplug (r->usb, &error))
    dfu_finish (r, g_steal_pointer (&error));
}

/* A transfer in flight completes as CANCELLED; a wait ends at its next poll. */
static void
on_cancelled (GCancellable *cancellable, Run *r)
{
  if (r->inflight != NULL)
    libusb_cancel_transfer (r->inflight);
}

static void
dfu_flash_async (TfFlasher *flasher, TfFlashJob *job, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  TfFlashDfu *self = TF_FLASH_DFU (flasher);
  g_autoptr (GError) error = NULL;
  Run *r = g_new0 (Run, 1);
  libusb_device *dev;

  r->self = self;
  r->job = job;
  r->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  r->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_task_data (r->task, r, (GDestroyNotify)dfu_run_free);
  r->data = g_bytes_get_data (job->data, &r->size);
  if (cancellable != NULL)
    {
      r->cancellable = g_object_ref (cancellable);
      r->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), r, NULL);
    }
  r->base = (guint32)self->address;
  dfu_set_what (r, "finding the device");
  r->usb = tf_usb_context_get_default (&error);
  if (r->usb == NULL)
    {
      dfu_finish (r, g_steal_pointer (&error));
      return;
    }
  dev = find_device (r, self->dfu_vid, self->dfu_pid);
  if (dev != NULL)
    {
      open_dfu (r, dev);
      libusb_unref_device (dev);
      return;
    }
  if (self->rt_vid != 0 && (dev = find_device (r, self->rt_vid, self->rt_pid)) != NULL)
    {
      detach (r, dev);
      libusb_unref_device (dev);
      return;
    }
  if (job->lab_entered_bootloader)
    {
      wait_for_bootloader (r);
      return;
    }
  dfu_fail (r, TF_ERROR_NOT_FOUND, "no device %04x:%04x on USB%s", self->dfu_vid, self->dfu_pid,
            self->rt_vid != 0 ? " in DFU or runtime mode" : "");
}

static gboolean
dfu_flash_finish (TfFlasher *flasher, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

typedef struct
{
  TfFlashConfig parent;
  guint16 dfu_vid, dfu_pid;
  guint16 rt_vid, rt_pid;
  guint timeout_ms;
  guint64 address;
  char *layout;
  char *alt_name; /* the DfuSe alternate setting's name ("Internal Flash") */
} DfuConfig;

static void
dfu_config_free (gpointer data)
{
  DfuConfig *c = data;
  g_free (c->layout);
  g_free (c->alt_name);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DfuConfig, dfu_config_free)

static TfFlashConfig *
dfu_load_config (TfKeyFile *kf, const TfBoardType *type, GError **error)
{
  static const char *const keys[]
      = { "dfu-usb-id", "usb-id", "boot-mode", "layout", "alt-name", "timeout-ms", NULL };
  g_autoptr (DfuConfig) c = g_new0 (DfuConfig, 1);
  g_autofree char *mode = NULL, *alt = NULL;
  guint64 n = 0;

  c->parent.free = dfu_config_free;
  if (!tf_flasher_check_keys (kf, keys, error)
      || !tf_key_file_get_usb_id (kf, "flash", "dfu-usb-id", TRUE, &c->dfu_vid, &c->dfu_pid, error)
      || !tf_key_file_get_usb_id (kf, "flash", "usb-id", FALSE, &c->rt_vid, &c->rt_pid, error)
      || !tf_key_file_get_string (kf, "flash", "boot-mode", FALSE, NULL, &mode, error)
      || !tf_key_file_get_string (kf, "flash", "layout", FALSE, NULL, &c->layout, error)
      || !tf_key_file_get_string (kf, "flash", "alt-name", FALSE, NULL, &alt, error)
      || !tf_key_file_get_uint (kf, "flash", "timeout-ms", FALSE, 5000, 100, 600000, &n, error))
    return NULL;
  c->timeout_ms = n;
  /* firmware without a DFU runtime interface: the part's ROM bootloader by BOOT0 */
  if (mode != NULL && g_strcmp0 (mode, "relay") != 0)
    {
      tf_key_file_fail (kf, error, "flash", "boot-mode", "'%s' is not relay", mode);
      return NULL;
    }
  c->parent.needs_bootloader_entry = mode != NULL;
  /* the DfuSe layout is compared with the device's when flashing: a typo here
   * would only show then, as "another part?" */
  if (c->layout != NULL)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (GArray) sectors = tf_dfuse_layout_parse (g_strstrip (c->layout), &local);
      if (sectors == NULL)
        {
          tf_key_file_fail (kf, error, "flash", "layout", "%s", local->message);
          return NULL;
        }
    }
  /* the DfuSe alternate setting, by the name in its layout string */
  if (alt != NULL)
    {
      g_autofree char *name = tf_dfuse_alt_name (g_strstrip (alt));
      gboolean printable = TRUE;
      for (const char *ch = name; *ch != '\0'; ch++)
        printable = printable && g_ascii_isprint (*ch);
      if (name[0] == '\0' || strlen (name) > 64 || !printable || strchr (alt, '/') != NULL)
        {
          tf_key_file_fail (kf, error, "flash", "alt-name",
                            "'%s' is not an alternate setting's name (1-64 printable characters "
                            "before the layout's '/', e.g. Internal Flash)",
                            alt);
          return NULL;
        }
      c->alt_name = g_steal_pointer (&name);
    }
  c->address = type->flash_address;
  return (TfFlashConfig *)g_steal_pointer (&c);
}

static void
dfu_setup (TfFlasher *flasher, const TfFlashConfig *config)
{
  TfFlashDfu *self = TF_FLASH_DFU (flasher);
  const DfuConfig *c = (const DfuConfig *)config;
  self->dfu_vid = c->dfu_vid;
  self->dfu_pid = c->dfu_pid;
  self->rt_vid = c->rt_vid;
  self->rt_pid = c->rt_pid;
  self->timeout_ms = c->timeout_ms;
  self->address = c->address;
  self->layout = g_strdup (c->layout);
  self->alt_name = g_strdup (c->alt_name);
}

static void
tf_flash_dfu_finalize (GObject *object)
{
  g_free (TF_FLASH_DFU (object)->layout);
  g_free (TF_FLASH_DFU (object)->alt_name);
  G_OBJECT_CLASS (tf_flash_dfu_parent_class)->finalize (object);
}

static void
tf_flash_dfu_class_init (TfFlashDfuClass *klass)
{
  TfFlasherClass *f = TF_FLASHER_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_flash_dfu_finalize;
  f->flash_async = dfu_flash_async;
  f->flash_finish = dfu_flash_finish;
  f->load_config = dfu_load_config;
  f->setup = dfu_setup;
}

static void
tf_flash_dfu_init (TfFlashDfu *self)
{
}
