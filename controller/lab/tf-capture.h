/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A live capture with libpcap on the interface the lab file names ([capture] interface: the
 * boards' gateway link, a switch's mirror port, tf-simlab's --mirror port): non-blocking, in
 * immediate mode, its selectable fd watched by the thread-default main context (no thread, no
 * timer). Every frame goes to @func; what the kernel dropped is in the statistics. */
typedef struct _TfCapture TfCapture;

typedef void (*TfCaptureFunc) (gint64 time_us, const guint8 *frame, gsize caplen, gsize len,
                               gpointer user_data);

#define TF_CAPTURE_SNAPLEN 65535
/* the kernel's buffer: bursts of a busy lab wait there while the main loop is elsewhere */
#define TF_CAPTURE_BUFFER (32 * 1024 * 1024)

/* @filter: a BPF expression (pcap-filter(7)) or NULL for every frame. */
TfCapture *
tf_capture_new (const char *interface, const char *filter, TfCaptureFunc func, gpointer user_data,
                GError **error);
void
tf_capture_free (TfCapture *capture);
const char *
tf_capture_get_interface (TfCapture *capture);
/* Frames the kernel passed us and dropped (pcap_stats: ps_recv; ps_drop + ps_ifdrop), since
 * the start. */
gboolean
tf_capture_get_stats (TfCapture *capture, guint64 *received, guint64 *dropped, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCapture, tf_capture_free)

G_END_DECLS
