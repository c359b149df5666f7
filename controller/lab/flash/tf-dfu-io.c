/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-dfu-io.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tf-error.h"

void
dfu_run_free (Run *r)
{
  if (r->cancel_id != 0)
    g_cancellable_disconnect (r->cancellable, r->cancel_id);
  g_clear_object (&r->cancellable);
  g_clear_error (&r->error);
  if (r->added_id != 0)
    g_signal_handler_disconnect (r->usb, r->added_id);
  g_clear_handle_id (&r->wait_id, g_source_remove);
  g_clear_handle_id (&r->timer_id, g_source_remove);
  if (r->timerfd >= 0)
    close (r->timerfd);
  if (r->handle != NULL)
    {
      libusb_release_interface (r->handle, r->iface);
      libusb_close (r->handle);
    }
  g_clear_object (&r->usb);
  g_clear_pointer (&r->sectors, g_array_unref);
  g_free (r->what);
  g_free (r);
}

static gboolean
return_later (gpointer data)
{
  g_autoptr (GTask) task = data;
  Run *r = g_task_get_task_data (task);
  if (r->error != NULL)
    g_task_return_error (task, g_steal_pointer (&r->error));
  else
    g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* End the run: @task owns @r through its task data. Returned from an idle: a libusb
 * callback may not close handles (libusb_close would wait for the events lock we hold). */
void
dfu_finish (Run *r, GError *error)
{
  if (error != NULL)
    g_warning ("board %s: %s", r->job->board, error->message);
  r->error = error;
  /* default priority: an emulated usbfs fd is always ready and would starve an idle */
  g_idle_add_full (G_PRIORITY_DEFAULT, return_later, g_steal_pointer (&r->task), NULL);
}

void
dfu_fail (Run *r, TfError code, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  dfu_finish (r, g_error_new (TF_ERROR, code, "DFU: %s", msg));
}

void
dfu_fail_cancelled (Run *r)
{
  dfu_finish (r,
              g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "DFU: cancelled during %s", r->what));
}

void
dfu_set_what (Run *r, const char *format, ...)
{
  va_list ap;
  g_free (r->what);
  va_start (ap, format);
  r->what = g_strdup_vprintf (format, ap);
  va_end (ap);
}

static gboolean
dfu_cancelled (Run *r)
{
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (r->task)))
    return FALSE;
  dfu_fail_cancelled (r);
  return TRUE;
}

/* --- control transfers --------------------------------------------------------- */

static void
on_stall_status (Run *r, const guint8 *data, int len);

static void LIBUSB_CALL
on_transfer (struct libusb_transfer *t)
{
  Run *r = t->user_data;
  r->inflight = NULL;
  if (t->status == LIBUSB_TRANSFER_CANCELLED
      || g_cancellable_is_cancelled (g_task_get_cancellable (r->task)))
    {
      dfu_fail_cancelled (r);
      return;
    }
  if (r->leaving && t->status != LIBUSB_TRANSFER_COMPLETED)
    {
      /* the device jumped to its firmware before answering: what the leave asked for */
      g_debug ("board %s: DFU device gone during %s (transfer status %d): left", r->job->board,
               r->what, t->status);
      r->next (r);
      return;
    }
  switch (t->status)
    {
    case LIBUSB_TRANSFER_COMPLETED:
      r->done (r, libusb_control_transfer_get_data (t), t->actual_length);
      break;
    case LIBUSB_TRANSFER_STALL:
      if (r->done == on_stall_status)
        dfu_fail (r, TF_ERROR_PROTOCOL, "%s stalled", r->what);
      else
        {
          /* the device refused: its status says why */
          guint8 *buf = g_malloc0 (8 + 6);
          struct libusb_transfer *s = libusb_alloc_transfer (0);
          r->done = on_stall_status;
          libusb_fill_control_setup (buf, IN_REQ, DFU_GETSTATUS, 0, r->iface, 6);
          libusb_fill_control_transfer (s, r->handle, buf, on_transfer, r, REQUEST_TIMEOUT_MS);
          s->flags = LIBUSB_TRANSFER_FREE_BUFFER | LIBUSB_TRANSFER_FREE_TRANSFER;
          r->inflight = s;
          if (tf_usb_context_submit (r->usb, s) != 0)
            dfu_fail (r, TF_ERROR_PROTOCOL, "%s stalled", r->what);
        }
      break;
    case LIBUSB_TRANSFER_NO_DEVICE:
      dfu_fail (r, TF_ERROR_IO, "the device left USB during %s", r->what);
      break;
    case LIBUSB_TRANSFER_TIMED_OUT:
      dfu_fail (r, TF_ERROR_TIMED_OUT, "no answer to %s within %u ms", r->what, REQUEST_TIMEOUT_MS);
      break;
    default:
      dfu_fail (r, TF_ERROR_IO, "%s failed (transfer status %d)", r->what, t->status);
      break;
    }
}

static void
on_stall_status (Run *r, const guint8 *data, int len)
{
  TfDfuStatus st;
  if (!tf_dfu_status_parse (data, len, &st, NULL))
    dfu_fail (r, TF_ERROR_PROTOCOL, "%s stalled", r->what);
  else
    dfu_fail (r, TF_ERROR_PROTOCOL, "%s stalled; device status %s (%s)", r->what,
              tf_dfu_status_to_string (st.status), tf_dfu_state_to_string (st.state));
}

void
dfu_control (Run *r, guint8 type, guint8 request, guint16 value, const guint8 *out, guint16 len,
             Done done)
{
  guint8 *buf = g_malloc0 (LIBUSB_CONTROL_SETUP_SIZE + len);
  struct libusb_transfer *t = libusb_alloc_transfer (0);
  int rc;

  libusb_fill_control_setup (buf, type, request, value, r->iface, len);
  if (out != NULL)
    memcpy (buf + LIBUSB_CONTROL_SETUP_SIZE, out, len);
  libusb_fill_control_transfer (t, r->handle, buf, on_transfer, r, REQUEST_TIMEOUT_MS);
  t->flags = LIBUSB_TRANSFER_FREE_BUFFER | LIBUSB_TRANSFER_FREE_TRANSFER;
  r->done = done;
  r->inflight = t;
  rc = tf_usb_context_submit (r->usb, t);
  if (rc != 0 && r->leaving)
    {
      /* gone already: the leave did what it asked */
      r->inflight = NULL;
      libusb_free_transfer (t);
      r->next (r);
      return;
    }
  if (rc != 0)
    {
      g_autoptr (GError) error = NULL;
      r->inflight = NULL;
      libusb_free_transfer (t);
      tf_usb_set_error (&error, rc, "DFU: %s", r->what);
      dfu_finish (r, g_steal_pointer (&error));
    }
}

/* --- GETSTATUS polling: no sooner than bwPollTimeout, no later either ----------- */

static gboolean
on_timer (gint fd, GIOCondition cond, gpointer user_data)
{
  Run *r = user_data;
  guint64 expirations;
  if (read (fd, &expirations, sizeof expirations) != sizeof expirations)
    return G_SOURCE_CONTINUE;
  if (!dfu_cancelled (r))
    dfu_get_status (r);
  return G_SOURCE_CONTINUE;
}

static void
wait_then_poll (Run *r, guint ms)
{
  struct itimerspec its = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000000L } };
  if (ms == 0)
    {
      dfu_get_status (r);
      return;
    }
  /* a timerfd wakes at the microsecond; a GLib timeout would round up to the next ms */
  if (r->timer_id == 0)
    {
      /* may recurse: else GLib takes the fd out of the poll set and back around every
       * dispatch, waking the loop twice for nothing */
      g_autoptr (GSource) source = g_unix_fd_source_new (r->timerfd, G_IO_IN);
      g_source_set_callback (source, G_SOURCE_FUNC (on_timer), r, NULL);
      g_source_set_can_recurse (source, TRUE);
      r->timer_id = g_source_attach (source, NULL);
    }
  timerfd_settime (r->timerfd, 0, &its, NULL);
}

static void
on_status (Run *r, const guint8 *data, int len)
{
  g_autoptr (GError) error = NULL;
  TfDfuStatus st;

  if (!tf_dfu_status_parse (data, len, &st, &error))
    {
      dfu_fail (r, TF_ERROR_PROTOCOL, "%s: %s", r->what, error->message);
      return;
    }
  if (st.state == TF_DFU_STATE_ERROR || st.status != 0)
    {
      dfu_fail (r, TF_ERROR_PROTOCOL, "%s failed: %s (%s)", r->what,
                tf_dfu_status_to_string (st.status), tf_dfu_state_to_string (st.state));
      return;
    }
  if (r->leaving && st.state == TF_DFU_STATE_MANIFEST)
    {
      /* DfuSe leave on a part that is not manifestation tolerant: it is jumping to the
       * image now and will not answer again (ST AN3156) */
      r->next (r);
      return;
    }
  switch (st.state)
    {
    case TF_DFU_STATE_DNBUSY:
    case TF_DFU_STATE_DNLOAD_SYNC:
    case TF_DFU_STATE_MANIFEST:
    case TF_DFU_STATE_MANIFEST_SYNC:
      r->demanded_ms += st.poll_timeout_ms;
      wait_then_poll (r, st.poll_timeout_ms);
      break;
    case TF_DFU_STATE_DNLOAD_IDLE:
    case TF_DFU_STATE_DFU_IDLE:
    case TF_DFU_STATE_MANIFEST_WAIT_RESET:
      r->next (r);
      break;
    default:
      dfu_fail (r, TF_ERROR_PROTOCOL, "%s: unexpected state %s", r->what,
                tf_dfu_state_to_string (st.state));
      break;
    }
}

void
dfu_get_status (Run *r)
{
  dfu_control (r, IN_REQ, DFU_GETSTATUS, 0, NULL, 6, on_status);
}

static void
on_dnload_sent (Run *r, const guint8 *data, int len)
{
  dfu_get_status (r);
}

/* DNLOAD, then GETSTATUS until the device is idle again; then @next. */
void
dfu_dnload (Run *r, guint16 block, const guint8 *data, guint16 len, Step next)
{
  r->next = next;
  dfu_control (r, OUT_REQ, DFU_DNLOAD, block, data, len, on_dnload_sent);
}

void
dfu_dfuse_command (Run *r, guint8 cmd, guint32 addr, Step next)
{
  guint8 c[5] = { cmd, addr & 0xff, (addr >> 8) & 0xff, (addr >> 16) & 0xff, addr >> 24 };
  dfu_dnload (r, 0, c, sizeof c, next);
}

/* --- alternate setting and DfuSe memory layout ------------------------------------ */

/* The string @istring names (NULL when the device has none or cannot say). */
static char *
read_string (Run *r, guint8 istring)
{
  unsigned char buf[256];
  int n = istring != 0
              ? libusb_get_string_descriptor_ascii (r->handle, istring, buf, sizeof buf - 1)
              : LIBUSB_ERROR_NOT_FOUND;
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return g_strdup ((char *)buf);
}

/* DfuSe: the layout of the chosen setting, checked against the board type's. */
static gboolean
check_layout (Run *r, const char *layout, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *want = g_strdup (r->self->layout);
  g_autofree char *have = g_strdup (layout);

  if (have == NULL)
    {
      /* a device without the string is erased page by page, as the board type says */
      if (want == NULL)
        return TRUE;
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "DFU: the device names no DfuSe memory layout; the board type expects '%s'",
                   want);
      return FALSE;
    }
  g_strstrip (have);
  /* 0483:df11 is every STM32's ROM bootloader: the layout tells the parts apart */
  if (want != NULL && g_strcmp0 (g_strstrip (want), have) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "DFU: the device's memory is '%s', not the board type's '%s': another part?",
                   have, want);
      return FALSE;
    }
  r->sectors = tf_dfuse_layout_parse (have, &local);
  if (r->sectors == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "DFU: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
dfu_choose_alt (Run *r, GArray *alts, GError **error)
{
  const char *want = r->self->alt_name != NULL ? r->self->alt_name : "Internal Flash";
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autofree char *layout = NULL;
  const DfuAlt *chosen = NULL;

  /* a plain DFU device with a single setting: that one, whatever it is called */
  if (!r->dfuse && alts->len == 1)
    {
      chosen = &g_array_index (alts, DfuAlt, 0);
      r->iface = chosen->iface;
      r->alt = chosen->alt;
      return TRUE;
    }
  /* an ST ROM lists Internal Flash, Option Bytes, OTP Memory, Device Feature: by name */
  for (guint i = 0; i < alts->len && chosen == NULL; i++)
    {
      const DfuAlt *a = &g_array_index (alts, DfuAlt, i);
      g_autofree char *text = read_string (r, a->istring);
      g_autofree char *name = text != NULL ? tf_dfuse_alt_name (text) : NULL;
      if (name != NULL && g_strcmp0 (name, want) == 0)
        {
          chosen = a;
          layout = g_steal_pointer (&text);
        }
      else
        g_string_append_printf (seen, "%s%u '%s'", seen->len > 0 ? ", " : "", a->alt,
                                name != NULL ? name : "(unnamed)");
    }
  if (chosen == NULL && alts->len == 1)
    {
      /* a one-setting DfuSe device that names its memory otherwise (or not at all) */
      chosen = &g_array_index (alts, DfuAlt, 0);
      layout = read_string (r, chosen->istring);
    }
  if (chosen == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND,
                   "DFU: no alternate setting named '%s' (the device has %s)", want, seen->str);
      return FALSE;
    }
  r->iface = chosen->iface;
  r->alt = chosen->alt;
  return !r->dfuse || check_layout (r, layout, error);
}
