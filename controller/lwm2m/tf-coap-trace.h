/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-coap-source.h"
#include "tf-dtls-decrypt.h"

G_BEGIN_DECLS

/* A captured link turned into the decoded exchange the automated cases keep: Ethernet frames
 * (IPv4 or IPv6, UDP) in, one entry per datagram out, CoAP decoded by tf_coap_message_new
 * (type, code, MID, token, options, payload in its content format, the request's path used
 * for its responses), DTLS records shown as records, and the application data of a DTLS 1.2
 * flow decrypted and decoded as CoAP too when its keys were given (tf-dtls-decrypt.h; else the
 * entry says why not), anything else on UDP as its length. Repeats are marked, as a receiver would
 * see them (RFC 7252 4.4, 4.5): a message with the source, destination, type and MID of one seen
 * less than EXCHANGE_LIFETIME (247 s) before is a "retransmission" when it is a CON no ACK or RST
 * has answered yet (the sender's timer fired), else a "duplicate" (its ACK was lost, or a NON, ACK
 * or RST sent again). */

typedef enum
{
  TF_COAP_TRACE_FIRST,
  TF_COAP_TRACE_RETRANSMISSION,
  TF_COAP_TRACE_DUPLICATE,
} TfCoapTraceMark;

/* A UDP datagram found in an Ethernet frame; pointers into the frame. */
typedef struct
{
  char src_ip[48]; /* "192.0.2.10", "2001:db8::10" */
  char dst_ip[48];
  guint16 src_port;
  guint16 dst_port;
  const guint8 *data;
  gsize len;
} TfUdpDatagram;

/* FALSE for what is not a whole UDP datagram over IPv4 or IPv6 in an Ethernet (optionally
 * 802.1Q) frame: ARP, ND, ICMP, fragments, truncated frames. Bounds-checked throughout. */
gboolean
tf_udp_datagram_from_frame (const guint8 *frame, gsize len, TfUdpDatagram *out);

/* The source and destination addresses of an IPv4 or IPv6 packet in an Ethernet frame (any
 * protocol: ICMP errors belong to a session's trace too); FALSE for anything else. */
gboolean
tf_ip_addresses_from_frame (const guint8 *frame, gsize len, char src[48], char dst[48]);

typedef struct
{
  guint64 frame; /* the entry's number in its trace, from 1 */
  gint64 time_us;
  char *src; /* "192.0.2.10:56830", "[2001:db8::10]:5683" */
  char *dst;
  TfCoapMessage *msg; /* NULL when the datagram is not CoAP */
  char *dtls;         /* "DTLS 1.2 handshake epoch=0 seq=0 len=72 ClientHello; ..." or NULL */
  char *dtls_note;    /* "decrypted: TLS_PSK_WITH_AES_128_CCM_8, PSK of identity 'dev-1'" or
                         "not decrypted: no PSK given for identity 'dev-1'" (protected records) */
  char *other;        /* neither: "UDP 12 bytes, not CoAP" */
  TfCoapTraceMark mark;
  guint64 of; /* the frame this one repeats (mark != FIRST) */
} TfCoapTraceEntry;

void
tf_coap_trace_entry_free (TfCoapTraceEntry *e);
/* {"frame","time_us","src","dst", CoAP members as tf_coap_message_to_json without dir and
 * peer, "mark","of" when repeated, "dtls" (and "dtls_note") or "udp"}; a message decrypted from
 * DTLS has both its CoAP members and "dtls", "dtls_note" */
JsonNode *
tf_coap_trace_entry_to_json (const TfCoapTraceEntry *e);
/* "#12 192.0.2.10:56830 -> 192.0.2.2:5683 CON POST mid=... [retransmission of #11]" */
char *
tf_coap_trace_entry_to_string (const TfCoapTraceEntry *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCoapTraceEntry, tf_coap_trace_entry_free)

typedef struct _TfCoapTrace TfCoapTrace;

TfCoapTrace *
tf_coap_trace_new (void);
void
tf_coap_trace_free (TfCoapTrace *trace);
/* The next datagram of the trace (any UDP port: LwM2M servers listen where they like). */
TfCoapTraceEntry *
tf_coap_trace_add (TfCoapTrace *trace, gint64 time_us, const TfUdpDatagram *d);
/* The same from an Ethernet frame; NULL when it holds no UDP datagram. */
TfCoapTraceEntry *
tf_coap_trace_add_frame (TfCoapTrace *trace, gint64 time_us, const guint8 *frame, gsize len);
/* The keys DTLS flows are decrypted with from now on (NULL: none). */
void
tf_coap_trace_set_dtls_keys (TfCoapTrace *trace, TfDtlsKeys *keys);
guint64
tf_coap_trace_get_count (TfCoapTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCoapTrace, tf_coap_trace_free)

G_END_DECLS
