/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-stm32-port.h"
#include "tf-error.h"
#include "tf-serial.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>

struct _TfStm32Port
{
  char *board;
  char *device;
  struct sp_port *sp;
  TfStm32PortFailFunc fail;
  gpointer user_data;
  guint in_watch, out_watch, timer;
  GByteArray *rx;
  GByteArray *tx; /* what the tty has not taken yet */
  /* the exchange in flight */
  TfStm32ReplyKind kind;
  gsize expect;
  guint timeout_ms;
  const char *what;
  TfStm32PortReplyFunc next;
  char *latency_path; /* an FTDI adapter's latency_timer while we changed it */
  char *latency_saved;
};

#define FTDI_LATENCY_MS "1"

/* ftdi_sio's latency_timer of @device's tty (/sys/class/tty/NAME/device/latency_timer): the
 * chip holds every reply until it runs out (16 ms after enumeration), and AN3155 is one
 * short reply per round trip: 1 ms while we have the port, restored when we let it go. Not
 * fatal: a tty without it is no FTDI, a file we may not write keeps its value. */
static void
latency_set (TfStm32Port *port)
{
  g_autofree char *target = g_file_read_link (port->device, NULL);
  g_autofree char *name = g_path_get_basename (
      target != NULL && strstr (target, "tty") != NULL ? target : port->device);
  g_autofree char *path
      = g_build_filename ("/sys/class/tty", name, "device", "latency_timer", NULL);
  g_autofree char *old = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &old, NULL, NULL))
    return;
  g_strstrip (old);
  if (g_str_equal (old, FTDI_LATENCY_MS))
    return;
  if (!g_file_set_contents_full (path, FTDI_LATENCY_MS "\n", -1, G_FILE_SET_CONTENTS_NONE, 0644,
                                 &error))
    {
      g_debug ("board %s: stm32-uart: %s stays %s ms: %s", port->board, path, old, error->message);
      return;
    }
  g_debug ("board %s: stm32-uart: %s: %s ms -> " FTDI_LATENCY_MS " ms", port->board, path, old);
  port->latency_path = g_steal_pointer (&path);
  port->latency_saved = g_steal_pointer (&old);
}

static void
latency_restore (TfStm32Port *port)
{
  g_autofree char *value = NULL;
  g_autoptr (GError) error = NULL;
  if (port->latency_path == NULL)
    return;
  value = g_strdup_printf ("%s\n", port->latency_saved);
  if (!g_file_set_contents_full (port->latency_path, value, -1, G_FILE_SET_CONTENTS_NONE, 0644,
                                 &error))
    g_debug ("board %s: stm32-uart: restoring %s: %s", port->board, port->latency_path,
             error->message);
  g_clear_pointer (&port->latency_path, g_free);
  g_clear_pointer (&port->latency_saved, g_free);
}

static void G_GNUC_PRINTF (3, 4) report (TfStm32Port *port, int code, const char *fmt, ...)
{
  g_autoptr (GError) error = NULL;
  va_list ap;

  va_start (ap, fmt);
  error = g_error_new_valist (TF_ERROR, code, fmt, ap);
  va_end (ap);
  port->next = NULL;
  g_clear_handle_id (&port->timer, g_source_remove);
  g_byte_array_set_size (port->tx, 0);
  g_clear_handle_id (&port->out_watch, g_source_remove);
  /* the owner may free the port in there */
  port->fail (error, port->user_data);
}

gboolean
tf_stm32_port_device_present (TfStm32Port *port)
{
  return g_file_test (port->device, G_FILE_TEST_EXISTS);
}

static void
report_vanished (TfStm32Port *port)
{
  report (port, TF_ERROR_NOT_FOUND, "the serial adapter %s vanished during %s", port->device,
          port->what != NULL ? port->what : "the exchange");
}

static gboolean
on_timeout (gpointer user_data)
{
  TfStm32Port *port = user_data;
  port->timer = 0;
  if (!tf_stm32_port_device_present (port))
    report_vanished (port);
  else
    report (port, TF_ERROR_TIMED_OUT, "the bootloader did not answer %s within %u ms", port->what,
            port->timeout_ms);
  return G_SOURCE_REMOVE;
}

/* Feed what arrived to the parser of the exchange in flight. */
static void
process_rx (TfStm32Port *port)
{
  TfStm32Reply reply = { 0 };
  TfStm32PortReplyFunc next;
  g_autoptr (GByteArray) got = NULL;
  gsize used = 0;

  if (port->next == NULL || port->rx->len == 0)
    return;
  switch (
      tf_stm32_parse_reply (port->kind, port->expect, port->rx->data, port->rx->len, &reply, &used))
    {
    case TF_STM32_PARSE_MORE:
      return;
    case TF_STM32_PARSE_NACK:
      g_byte_array_set_size (port->rx, 0);
      report (port, TF_ERROR_FAILED, "the bootloader refused %s (NACK)", port->what);
      return;
    case TF_STM32_PARSE_INVALID:
      {
        guint8 first = port->rx->data[0];
        g_byte_array_set_size (port->rx, 0);
        report (port, TF_ERROR_IO, "unexpected reply 0x%02x to %s (line noise or not a bootloader)",
                first, port->what);
        return;
      }
    case TF_STM32_PARSE_DONE:
      break;
    }
  g_clear_handle_id (&port->timer, g_source_remove);
  next = port->next;
  port->next = NULL;
  got = g_byte_array_sized_new (used);
  g_byte_array_append (got, port->rx->data, used);
  g_byte_array_remove_range (port->rx, 0, used);
  /* the owner may free the port in there */
  next (&reply, got->data, got->len, port->user_data);
}

static gboolean
on_readable (int fd, GIOCondition cond, gpointer user_data)
{
  TfStm32Port *port = user_data;
  guint8 buf[1024];
  int n = sp_nonblocking_read (port->sp, buf, sizeof buf);

  if (n > 0)
    {
      g_byte_array_append (port->rx, buf, n);
      process_rx (port);
      return G_SOURCE_CONTINUE;
    }
  if (n == 0 && (cond & (G_IO_HUP | G_IO_ERR)) == 0)
    return G_SOURCE_CONTINUE;
  /* hung up (the adapter left USB) or a read error: nothing more comes from here */
  port->in_watch = 0;
  report_vanished (port);
  return G_SOURCE_REMOVE;
}

static gboolean
on_writable (int fd, GIOCondition cond, gpointer user_data);

/* Hand the tty what it takes now; the rest when it is writable again. */
static gboolean
send_pending (TfStm32Port *port)
{
  int fd = -1;
  int n;

  if (port->tx->len == 0)
    return TRUE;
  n = sp_nonblocking_write (port->sp, port->tx->data, port->tx->len);
  if (n < 0)
    {
      g_autoptr (GError) error = NULL;
      if (!tf_stm32_port_device_present (port))
        {
          report_vanished (port);
          return FALSE;
        }
      tf_serial_set_error (&error, n, port->device);
      report (port, TF_ERROR_IO, "sending %s: %s", port->what, error->message);
      return FALSE;
    }
  g_byte_array_remove_range (port->tx, 0, n);
  if (port->tx->len > 0 && port->out_watch == 0 && sp_get_port_handle (port->sp, &fd) == SP_OK)
    port->out_watch = g_unix_fd_add (fd, G_IO_OUT, on_writable, port);
  return TRUE;
}

static gboolean
on_writable (int fd, GIOCondition cond, gpointer user_data)
{
  TfStm32Port *port = user_data;
  port->out_watch = 0;
  send_pending (port);
  return G_SOURCE_REMOVE;
}

void
tf_stm32_port_xfer (TfStm32Port *port, const guint8 *data, gsize len, TfStm32ReplyKind kind,
                    gsize expect, guint timeout_ms, const char *what, TfStm32PortReplyFunc next)
{
  g_return_if_fail (port->next == NULL);
  port->kind = kind;
  port->expect = expect;
  port->timeout_ms = timeout_ms;
  port->what = what;
  port->next = next;
  g_byte_array_append (port->tx, data, len);
  if (!send_pending (port))
    return;
  port->timer = g_timeout_add (timeout_ms, on_timeout, port);
  process_rx (port);
}

void
tf_stm32_port_command (TfStm32Port *port, guint8 command, TfStm32ReplyKind kind, guint timeout_ms,
                       TfStm32PortReplyFunc next)
{
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  tf_stm32_frame_command (tx, command);
  tf_stm32_port_xfer (port, tx->data, tx->len, kind, 0, timeout_ms, tf_stm32_command_name (command),
                      next);
}

void
tf_stm32_port_address (TfStm32Port *port, guint32 address, guint timeout_ms, const char *what,
                       TfStm32PortReplyFunc next)
{
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  tf_stm32_frame_address (tx, address);
  tf_stm32_port_xfer (port, tx->data, tx->len, TF_STM32_REPLY_ACK, 0, timeout_ms, what, next);
}

void
tf_stm32_port_flush_input (TfStm32Port *port)
{
  sp_flush (port->sp, SP_BUF_INPUT);
  g_byte_array_set_size (port->rx, 0);
}

void
tf_stm32_port_set_lines (TfStm32Port *port, gboolean rts, gboolean dtr)
{
  if (sp_set_rts (port->sp, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK
      || sp_set_dtr (port->sp, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
    g_warning ("board %s: stm32-uart: cannot set RTS/DTR on %s", port->board, port->device);
}

TfStm32Port *
tf_stm32_port_open (const char *board, const char *device, guint baud, TfStm32PortFailFunc fail,
                    gpointer user_data, GError **error)
{
  g_autoptr (TfStm32Port) port = g_new0 (TfStm32Port, 1);
  enum sp_return rc;
  int fd = -1;

  port->board = g_strdup (board);
  port->device = g_strdup (device);
  port->fail = fail;
  port->user_data = user_data;
  port->rx = g_byte_array_new ();
  port->tx = g_byte_array_new ();
  port->sp = tf_serial_open (device, baud, 8, 'N', 1, error);
  if (port->sp == NULL)
    return NULL;
  /* AN3155 is 8E1: a bootloader's USART flags every byte of an 8N1 host with a parity or
   * framing error and does not ACK it, so a port that cannot keep even parity is unusable */
  rc = sp_set_parity (port->sp, SP_PARITY_EVEN);
  if (rc != SP_OK)
    {
      tf_serial_set_error (error, rc, device);
      g_prefix_error (error, "even parity (8E1, AN3155): ");
      return NULL;
    }
  if (sp_get_port_handle (port->sp, &fd) != SP_OK || fd < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: no file descriptor", device);
      return NULL;
    }
  port->in_watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, port);
  latency_set (port);
  return g_steal_pointer (&port);
}

void
tf_stm32_port_free (TfStm32Port *port)
{
  if (port == NULL)
    return;
  g_clear_handle_id (&port->in_watch, g_source_remove);
  g_clear_handle_id (&port->out_watch, g_source_remove);
  g_clear_handle_id (&port->timer, g_source_remove);
  g_clear_pointer (&port->sp, tf_serial_port_free);
  latency_restore (port);
  g_byte_array_unref (port->rx);
  g_byte_array_unref (port->tx);
  g_free (port->board);
  g_free (port->device);
  g_free (port);
}
