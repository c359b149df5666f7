/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A pcapng file written by us (libpcap 1.10's pcap_dump writes pcap, without comments): one
 * Section Header Block with a comment (the session, board and implementations), one Interface
 * Description Block (Ethernet, microsecond timestamps, the capture interface's name),
 * Enhanced Packet Blocks (a comment on one where the capture has a gap), and at the end an
 * Interface Statistics Block (packets received and dropped by the capture, start and end).
 * Host byte order, as the format allows (the reader checks the byte-order magic). */
typedef struct _TfPcapng TfPcapng;

#define TF_PCAPNG_LINKTYPE_ETHERNET 1

/* Creates @path with mode 0640 (refused when it exists). */
TfPcapng *
tf_pcapng_create (const char *path, const char *comment, const char *if_name, guint snaplen,
                  GError **error);
gboolean
tf_pcapng_write_packet (TfPcapng *p, gint64 time_us, const guint8 *data, gsize caplen,
                        gsize origlen, const char *comment, GError **error);
gboolean
tf_pcapng_flush (TfPcapng *p, GError **error);
/* Bytes written so far (for the size cap and rotation). */
guint64
tf_pcapng_get_size (TfPcapng *p);
guint64
tf_pcapng_get_packets (TfPcapng *p);
/* Writes the statistics block (@received, @dropped by the capture while this file was open;
 * @comment may be NULL) and closes. */
gboolean
tf_pcapng_close (TfPcapng *p, guint64 received, guint64 dropped, const char *comment,
                 GError **error);
/* Closes without the statistics block (error paths). */
void
tf_pcapng_free (TfPcapng *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfPcapng, tf_pcapng_free)

G_END_DECLS
