/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libserialport helpers for the backends. The daemon core never includes this. */
#include <glib.h>
#include <libserialport.h>

G_BEGIN_DECLS

typedef struct sp_port TfSerialPort;
/* Close (when open) and free: the one way a port handle ends. */
static inline void
tf_serial_port_free (TfSerialPort *port)
{
  sp_close (port);
  sp_free_port (port);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSerialPort, tf_serial_port_free)

/* The one mapping of libserialport return codes; @what gives context. */
gboolean
tf_serial_set_error (GError **error, enum sp_return rc, const char *what);

/* Open @device read-write with the given framing ('N', 'E', 'O' parity), no flow control. */
struct sp_port *
tf_serial_open (const char *device, guint baud, guint bits, char parity, guint stop_bits,
                GError **error);

G_END_DECLS
