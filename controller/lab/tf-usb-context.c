/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-usb"

#include "tf-usb-context.h"

#include <libusb.h>
#include <poll.h>
#include <stdarg.h>

#include "tf-error.h"

struct _TfUsbContext
{
  GObject parent_instance;
  libusb_context *ctx;
  GSource *source; /* libusb's fds */
  GHashTable *fds; /* fd -> Fd */
  gboolean busy;   /* transfers in flight: device fds are watched */
  guint in_flight; /* async transfers submitted through tf_usb_context_submit */
  GSource *timer;  /* only when libusb cannot put its timers in an fd */
  gboolean fd_timers;
  gboolean hotplug;
  libusb_hotplug_callback_handle hotplug_handle;
  GHashTable *known; /* libusb_device * -> TfUsbDeviceInfo (arrived, not yet left) */
  GQueue pending;    /* (added?, info) pairs to emit once libusb returned */
  gint64 last_event_us;
};

G_DEFINE_TYPE (TfUsbContext, tf_usb_context, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (TfUsbDeviceInfo, tf_usb_device_info, tf_usb_device_info_copy,
                     tf_usb_device_info_free)

enum
{
  SIGNAL_ADDED,
  SIGNAL_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  gboolean added;
  TfUsbDeviceInfo *info;
} Pending;

typedef struct
{
  gpointer tag;
  short events;
} Fd;

TfUsbDeviceInfo *
tf_usb_device_info_copy (const TfUsbDeviceInfo *info)
{
  TfUsbDeviceInfo *c = g_new0 (TfUsbDeviceInfo, 1);
  *c = *info;
  c->port_path = g_strdup (info->port_path);
  c->serial = g_strdup (info->serial);
  return c;
}

void
tf_usb_device_info_free (TfUsbDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->port_path);
  g_free (info->serial);
  g_free (info);
}

gboolean
tf_usb_set_error (GError **error, int rc, const char *format, ...)
{
  g_autofree char *prefix = NULL;
  TfError code;
  va_list ap;

  switch (rc)
    {
    case LIBUSB_ERROR_TIMEOUT:
      code = TF_ERROR_TIMED_OUT;
      break;
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND:
      code = TF_ERROR_NOT_FOUND;
      break;
    case LIBUSB_ERROR_ACCESS:
      code = TF_ERROR_PERMISSION_DENIED;
      break;
    case LIBUSB_ERROR_BUSY:
      code = TF_ERROR_BUSY;
      break;
    case LIBUSB_ERROR_PIPE:
    case LIBUSB_ERROR_OVERFLOW:
      code = TF_ERROR_PROTOCOL;
      break;
    case LIBUSB_ERROR_NOT_SUPPORTED:
      code = TF_ERROR_NOT_SUPPORTED;
      break;
    case LIBUSB_ERROR_INVALID_PARAM:
      code = TF_ERROR_INVALID_ARGUMENT;
      break;
    case LIBUSB_ERROR_INTERRUPTED: /* a system call, not a GCancellable */
    case LIBUSB_ERROR_IO:
      code = TF_ERROR_IO;
      break;
    default:
      code = TF_ERROR_FAILED;
      break;
    }
  va_start (ap, format);
  prefix = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, TF_ERROR, code, "%s: %s", prefix,
               rc == LIBUSB_ERROR_PIPE ? "stalled (request refused)" : libusb_strerror (rc));
  return FALSE;
}

static void
arm_timer (TfUsbContext *self);

static void
flush_pending (TfUsbContext *self)
{
  Pending *p;
  while ((p = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_signal_emit (self, signals[p->added ? SIGNAL_ADDED : SIGNAL_REMOVED], 0, p->info);
      tf_usb_device_info_free (p->info);
      g_free (p);
    }
}

static GIOCondition
condition_of (TfUsbContext *self, short events)
{
  GIOCondition cond = G_IO_ERR | G_IO_HUP;
  if (events & POLLIN)
    cond |= G_IO_IN;
  /* a device fd says "a URB can be reaped" by POLLOUT; with nothing in flight there is
   * nothing to reap, and an emulated usbfs node (a plain file) would wake us forever */
  if ((events & POLLOUT) && self->busy)
    cond |= G_IO_OUT;
  return cond;
}

static void
update_interest (TfUsbContext *self)
{
  gboolean busy = self->in_flight > 0;
  GHashTableIter it;
  Fd *f;
  if (busy == self->busy)
    return;
  self->busy = busy;
  g_hash_table_iter_init (&it, self->fds);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&f))
    if (f->events & POLLOUT)
      g_source_modify_unix_fd (self->source, f->tag, condition_of (self, f->events));
}

typedef struct
{
  TfUsbContext *self;
  libusb_transfer_cb_fn callback;
  void *user_data;
} Trampoline;

static void LIBUSB_CALL
on_transfer_done (struct libusb_transfer *t)
{
  Trampoline *tr = t->user_data;
  TfUsbContext *self = tr->self;
  t->callback = tr->callback;
  t->user_data = tr->user_data;
  g_free (tr);
  self->in_flight--;
  /* no update_interest () here: handle_events () does it once libusb returns, so a
   * callback that submits the next transfer does not toggle the fd watch (and wake the
   * main loop) twice per transfer */
  t->callback (t);
}

int
tf_usb_context_submit (TfUsbContext *self, gpointer transfer)
{
  struct libusb_transfer *t = transfer;
  Trampoline *tr = g_new0 (Trampoline, 1);
  int rc;

  tr->self = self;
  tr->callback = t->callback;
  tr->user_data = t->user_data;
  t->callback = on_transfer_done;
  t->user_data = tr;
  rc = libusb_submit_transfer (t);
  if (rc != 0)
    {
      t->callback = tr->callback;
      t->user_data = tr->user_data;
      g_free (tr);
      return rc;
    }
  self->in_flight++;
  update_interest (self);
  return 0;
}

static void
handle_events (TfUsbContext *self)
{
  struct timeval zero = { 0, 0 };
  int rc = libusb_handle_events_timeout_completed (self->ctx, &zero, NULL);
  if (rc < 0)
    g_debug ("libusb_handle_events: %s", libusb_strerror (rc));
  arm_timer (self);
  update_interest (self);
  flush_pending (self);
}

static gboolean
fd_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  handle_events (TF_USB_CONTEXT (user_data));
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_funcs = { NULL, NULL, fd_dispatch, NULL, NULL, NULL };

static gboolean
on_timer (gpointer user_data)
{
  TfUsbContext *self = user_data;
  g_clear_pointer (&self->timer, g_source_unref);
  handle_events (self);
  return G_SOURCE_REMOVE;
}

/* Only for platforms without timerfd: one-shot, re-armed from libusb's next deadline. */
static void
arm_timer (TfUsbContext *self)
{
  struct timeval tv;
  if (self->fd_timers)
    return;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (libusb_get_next_timeout (self->ctx, &tv) != 1)
    return;
  self->timer = g_timeout_source_new (tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, g_main_context_get_thread_default ());
}

static void
add_fd (TfUsbContext *self, int fd, short events)
{
  Fd *f = g_new0 (Fd, 1);
  f->events = events;
  f->tag = g_source_add_unix_fd (self->source, fd, condition_of (self, events));
  g_debug ("libusb fd %d added (events 0x%x)", fd, events);
  g_hash_table_insert (self->fds, GINT_TO_POINTER (fd), f);
}

static void
on_pollfd_added (int fd, short events, void *user_data)
{
  TfUsbContext *self = user_data;
  Fd *f = g_hash_table_lookup (self->fds, GINT_TO_POINTER (fd));
  if (f != NULL)
    g_source_remove_unix_fd (self->source, f->tag);
  add_fd (self, fd, events);
}

static void
on_pollfd_removed (int fd, void *user_data)
{
  TfUsbContext *self = user_data;
  Fd *f = g_hash_table_lookup (self->fds, GINT_TO_POINTER (fd));
  if (f == NULL)
    return;
  g_debug ("libusb fd %d removed", fd);
  g_source_remove_unix_fd (self->source, f->tag);
  g_hash_table_remove (self->fds, GINT_TO_POINTER (fd));
}

static char *
read_serial (const char *port_path)
{
  g_autofree char *path = g_strdup_printf ("/sys/bus/usb/devices/%s/serial", port_path);
  g_autofree char *data = NULL;
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  return g_strdup (g_strstrip (data));
}

static TfUsbDeviceInfo *
describe (libusb_device *dev)
{
  struct libusb_device_descriptor desc;
  guint8 ports[8];
  int n = libusb_get_port_numbers (dev, ports, sizeof ports);
  TfUsbDeviceInfo *info = g_new0 (TfUsbDeviceInfo, 1);
  GString *path = g_string_new (NULL);

  info->bus = libusb_get_bus_number (dev);
  g_string_printf (path, "%u-", info->bus);
  if (n <= 0)
    g_string_append_c (path, '0');
  for (int i = 0; i < n; i++)
    g_string_append_printf (path, i == 0 ? "%u" : ".%u", ports[i]);
  info->port_path = g_string_free (path, FALSE);
  if (libusb_get_device_descriptor (dev, &desc) == 0)
    {
      info->vid = desc.idVendor;
      info->pid = desc.idProduct;
    }
  info->serial = read_serial (info->port_path);
  return info;
}

static int LIBUSB_CALL
on_hotplug (libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event, void *user_data)
{
  TfUsbContext *self = user_data;
  Pending *p = g_new0 (Pending, 1);

  self->last_event_us = g_get_monotonic_time ();
  if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
    {
      p->added = TRUE;
      p->info = describe (dev);
      g_hash_table_insert (self->known, libusb_ref_device (dev), tf_usb_device_info_copy (p->info));
    }
  else
    {
      TfUsbDeviceInfo *known = g_hash_table_lookup (self->known, dev);
      p->info = known != NULL ? tf_usb_device_info_copy (known) : describe (dev);
      g_hash_table_remove (self->known, dev);
    }
  g_debug ("usb %s: %04x:%04x serial %s %s", p->info->port_path, p->info->vid, p->info->pid,
           p->info->serial ? p->info->serial : "-", p->added ? "arrived" : "left");
  g_queue_push_tail (&self->pending, p);
  return 0;
}

gboolean
tf_usb_context_watch_hotplug (TfUsbContext *self, GError **error)
{
  int rc;
  if (self->hotplug)
    return TRUE;
  if (!libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED, "libusb has no hot-plug here");
      return FALSE;
    }
  rc = libusb_hotplug_register_callback (
      self->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
      LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
      LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, self, &self->hotplug_handle);
  if (rc != LIBUSB_SUCCESS)
    return tf_usb_set_error (error, rc, "registering for USB hot-plug");
  self->hotplug = TRUE;
  /* the devices present now were queued by ENUMERATE */
  flush_pending (self);
  return TRUE;
}

gpointer
tf_usb_context_get_libusb (TfUsbContext *self)
{
  return self->ctx;
}

static void
tf_usb_context_finalize (GObject *object)
{
  TfUsbContext *self = TF_USB_CONTEXT (object);
  Pending *p;

  if (self->hotplug)
    libusb_hotplug_deregister_callback (self->ctx, self->hotplug_handle);
  libusb_set_pollfd_notifiers (self->ctx, NULL, NULL, NULL);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_source_unref (self->timer);
    }
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_hash_table_unref (self->fds);
  g_hash_table_unref (self->known);
  while ((p = g_queue_pop_head (&self->pending)) != NULL)
    {
      tf_usb_device_info_free (p->info);
      g_free (p);
    }
  libusb_exit (self->ctx);
  G_OBJECT_CLASS (tf_usb_context_parent_class)->finalize (object);
}

static void
tf_usb_context_class_init (TfUsbContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_usb_context_finalize;
  signals[SIGNAL_ADDED]
      = g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, TF_TYPE_USB_DEVICE_INFO);
  signals[SIGNAL_REMOVED]
      = g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, TF_TYPE_USB_DEVICE_INFO);
}

static void
tf_usb_context_init (TfUsbContext *self)
{
  self->fds = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->known
      = g_hash_table_new_full (g_direct_hash, g_direct_equal, (GDestroyNotify)libusb_unref_device,
                               (GDestroyNotify)tf_usb_device_info_free);
}

static TfUsbContext *
context_new (GError **error)
{
  g_autoptr (TfUsbContext) self = g_object_new (TF_TYPE_USB_CONTEXT, NULL);
  const struct libusb_pollfd **pollfds;
  int rc = libusb_init (&self->ctx);

  if (rc != LIBUSB_SUCCESS)
    {
      self->ctx = NULL;
      return tf_usb_set_error (error, rc, "libusb_init"), NULL;
    }
  self->source = g_source_new (&fd_funcs, sizeof (GSource));
  g_source_set_callback (self->source, NULL, self, NULL);
  g_source_set_name (self->source, "libusb");
  /* GLib blocks a source that may not recurse while it dispatches: it takes each of its fds
   * out of the poll set and puts it back, waking the loop each time (an eventfd write per
   * fd and an extra iteration per dispatch). Nested dispatch is harmless here: libusb
   * refuses to handle events from inside its own callbacks. */
  g_source_set_can_recurse (self->source, TRUE);
  /* a transfer's answer comes before the console events its effect causes (a hub port
   * switched off hangs up a board-powered adapter): USB first when both are ready */
  g_source_set_priority (self->source, G_PRIORITY_HIGH);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  self->fd_timers = libusb_pollfds_handle_timeouts (self->ctx) != 0;
  pollfds = libusb_get_pollfds (self->ctx);
  for (guint i = 0; pollfds != NULL && pollfds[i] != NULL; i++)
    add_fd (self, pollfds[i]->fd, pollfds[i]->events);
  libusb_free_pollfds (pollfds);
  libusb_set_pollfd_notifiers (self->ctx, on_pollfd_added, on_pollfd_removed, self);
  return g_steal_pointer (&self);
}

static TfUsbContext *default_context;

static void
default_gone (gpointer data, GObject *where)
{
  default_context = NULL;
}

TfUsbContext *
tf_usb_context_get_default (GError **error)
{
  if (default_context != NULL)
    return g_object_ref (default_context);
  default_context = context_new (error);
  if (default_context == NULL)
    return NULL;
  g_object_weak_ref (G_OBJECT (default_context), default_gone, NULL);
  return default_context;
}
