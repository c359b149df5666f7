/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-console"

#include "tf-console.h"
#include "tf-error.h"
#include "tf-serial.h"

#include <glib-unix.h>

/* The console of a board on a USB-serial adapter, through libserialport; its
 * file descriptor is watched by the main loop. */
#define TF_TYPE_CONSOLE_SERIAL (tf_console_serial_get_type ())
G_DECLARE_FINAL_TYPE (TfConsoleSerial, tf_console_serial, TF, CONSOLE_SERIAL, TfConsole)

struct _TfConsoleSerial
{
  TfConsole parent_instance;
  struct sp_port *port;
  guint watch_id;
  guint out_id;    /* armed while output waits for room */
  GByteArray *out; /* what the tty did not take yet */
};

#define OUT_MAX (64 * 1024) /* console input is commands, not bulk data */

G_DEFINE_TYPE (TfConsoleSerial, tf_console_serial, TF_TYPE_CONSOLE)

static void
serial_close (TfConsole *console)
{
  TfConsoleSerial *self = TF_CONSOLE_SERIAL (console);
  g_clear_handle_id (&self->watch_id, g_source_remove);
  g_clear_handle_id (&self->out_id, g_source_remove);
  if (self->out != NULL)
    g_byte_array_set_size (self->out, 0);
  if (self->port != NULL)
    {
      sp_close (self->port);
      sp_free_port (self->port);
      self->port = NULL;
    }
}

static gboolean
on_readable (int fd, GIOCondition cond, gpointer user_data)
{
  TfConsoleSerial *self = user_data;
  guint8 buf[16384];
  int n;

  /* drain what is there; the fd wakes us again for the rest */
  n = sp_nonblocking_read (self->port, buf, sizeof (buf));
  if (n > 0)
    {
      tf_console_feed (TF_CONSOLE (self), buf, n);
      return G_SOURCE_CONTINUE;
    }
  if (n == 0 && !(cond & (G_IO_HUP | G_IO_ERR)))
    return G_SOURCE_CONTINUE;
  self->watch_id = 0;
  {
    g_autoptr (GError) error = NULL;
    if (n < 0)
      tf_serial_set_error (&error, n, "read");
    tf_console_failed (TF_CONSOLE (self), error != NULL ? error->message : "hang-up");
  }
  return G_SOURCE_REMOVE;
}

static gboolean
serial_open (TfConsole *console, GError **error)
{
  TfConsoleSerial *self = TF_CONSOLE_SERIAL (console);
  const TfConsoleOptions *o = tf_console_get_options (console);
  int fd = -1;
  enum sp_return rc;

  self->port = tf_serial_open (o->device, o->baud, 8, 'N', 1, error);
  if (self->port == NULL)
    return FALSE;
  rc = sp_get_port_handle (self->port, &fd);
  if (rc != SP_OK)
    {
      serial_close (console);
      return tf_serial_set_error (error, rc, o->device);
    }
  self->watch_id = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, self);
  return TRUE;
}

/* Push queued output as the tty makes room; never block the main loop. */
static gboolean
flush_out (TfConsoleSerial *self, GError **error)
{
  const TfConsoleOptions *o = tf_console_get_options (TF_CONSOLE (self));
  int n;
  if (self->out->len == 0)
    return TRUE;
  n = sp_nonblocking_write (self->port, self->out->data, self->out->len);
  if (n < 0)
    return tf_serial_set_error (error, n, o->device);
  g_byte_array_remove_range (self->out, 0, n);
  return TRUE;
}

static gboolean
on_writable (int fd, GIOCondition cond, gpointer user_data)
{
  TfConsoleSerial *self = user_data;
  g_autoptr (GError) error = NULL;
  if (!flush_out (self, &error))
    {
      self->out_id = 0;
      tf_console_failed (TF_CONSOLE (self), error->message);
      return G_SOURCE_REMOVE;
    }
  if (self->out->len > 0)
    return G_SOURCE_CONTINUE;
  self->out_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
serial_write (TfConsole *console, const void *data, gsize len, GError **error)
{
  TfConsoleSerial *self = TF_CONSOLE_SERIAL (console);
  const TfConsoleOptions *o = tf_console_get_options (console);
  int fd = -1;

  if (self->out->len + len > OUT_MAX)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "%s: %u bytes still wait to be sent", o->device,
                   self->out->len);
      return FALSE;
    }
  g_byte_array_append (self->out, data, len);
  if (!flush_out (self, error))
    return FALSE;
  if (self->out->len > 0 && self->out_id == 0 && sp_get_port_handle (self->port, &fd) == SP_OK)
    self->out_id = g_unix_fd_add (fd, G_IO_OUT, on_writable, self);
  return TRUE;
}

static void
tf_console_serial_dispose (GObject *object)
{
  serial_close (TF_CONSOLE (object));
  G_OBJECT_CLASS (tf_console_serial_parent_class)->dispose (object);
}

static void
tf_console_serial_finalize (GObject *object)
{
  g_byte_array_unref (TF_CONSOLE_SERIAL (object)->out);
  G_OBJECT_CLASS (tf_console_serial_parent_class)->finalize (object);
}

static void
tf_console_serial_class_init (TfConsoleSerialClass *klass)
{
  TfConsoleClass *c = TF_CONSOLE_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = tf_console_serial_dispose;
  G_OBJECT_CLASS (klass)->finalize = tf_console_serial_finalize;
  c->open = serial_open;
  c->close = serial_close;
  c->write = serial_write;
}

static void
tf_console_serial_init (TfConsoleSerial *self)
{
  self->out = g_byte_array_new ();
}

TfConsole *
tf_console_new_serial (const TfConsoleOptions *opts)
{
  TfConsole *self = g_object_new (TF_TYPE_CONSOLE_SERIAL, NULL);
  tf_console_set_options (self, opts);
  return self;
}
