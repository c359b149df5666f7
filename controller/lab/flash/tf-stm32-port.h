/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-stm32-proto.h"

G_BEGIN_DECLS

/* The wire under the stm32-uart flasher: a serial port at 8E1, non-blocking, watched by the
 * main loop. One exchange at a time: send a frame, then the reply (parsed by
 * tf-stm32-proto) goes to the step that asked for it, or an error to the fail function:
 * a NACK, a reply that is none, no reply in time, or the adapter gone. The port stays
 * usable after an error; its owner decides (a sync byte is worth another try). */
typedef struct _TfStm32Port TfStm32Port;

typedef void (*TfStm32PortReplyFunc) (const TfStm32Reply *reply, const guint8 *data, gsize len,
                                      gpointer user_data);
/* @error is borrowed; the code says which: TF_ERROR_FAILED (NACK), TF_ERROR_IO (not a reply),
 * TF_ERROR_TIMED_OUT, TF_ERROR_NOT_FOUND (the adapter vanished). */
typedef void (*TfStm32PortFailFunc) (const GError *error, gpointer user_data);

/* @board is for messages. 8E1 at @baud; an FTDI adapter's latency timer is 1 ms until the
 * port is freed, then what it was. */
TfStm32Port *
tf_stm32_port_open (const char *board, const char *device, guint baud, TfStm32PortFailFunc fail,
                    gpointer user_data, GError **error);
void
tf_stm32_port_free (TfStm32Port *port);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfStm32Port, tf_stm32_port_free)

void
tf_stm32_port_xfer (TfStm32Port *port, const guint8 *data, gsize len, TfStm32ReplyKind kind,
                    gsize expect, guint timeout_ms, const char *what, TfStm32PortReplyFunc next);
/* Helpers for the common frames. */
void
tf_stm32_port_command (TfStm32Port *port, guint8 command, TfStm32ReplyKind kind, guint timeout_ms,
                       TfStm32PortReplyFunc next);
void
tf_stm32_port_address (TfStm32Port *port, guint32 address, guint timeout_ms, const char *what,
                       TfStm32PortReplyFunc next);

/* Drop what came in unasked (before a sync). */
void
tf_stm32_port_flush_input (TfStm32Port *port);
/* BOOT0 on RTS, NRST on DTR (asserted = held in reset). */
void
tf_stm32_port_set_lines (TfStm32Port *port, gboolean rts, gboolean dtr);
/* Whether the device node is still there (an adapter that left USB is not). */
gboolean
tf_stm32_port_device_present (TfStm32Port *port);

G_END_DECLS
