/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-dtls-keys.h"

G_BEGIN_DECLS

/* DTLS 1.2 (RFC 6347 over RFC 5246) followed in a capture, one flow per client and server
 * endpoint: the handshake read in the clear (ClientHello, ServerHello, ClientKeyExchange, the
 * extended master secret's session hash over the reassembled messages, RFC 7627 and RFC 6347
 * 4.2.6), the record keys derived from a PSK of the identity the client named or from a key log
 * entry for its client random, and the epoch-1 records decrypted both ways. The suites: plain
 * PSK with AES-CCM(_8), AES-GCM, AES-CBC (HMAC-SHA1/256/384, encrypt-then-MAC too) and
 * ChaCha20-Poly1305; with a key log also the ECDHE-PSK and ECDHE-ECDSA suites of those
 * ciphers. Not followed: renegotiation, connection IDs, DTLS 1.3. */
typedef struct _TfDtlsFlows TfDtlsFlows;

typedef struct
{
  char *records;    /* "DTLS 1.2 handshake epoch=0 seq=0 len=72 ClientHello; ..." */
  char *note;       /* "decrypted: ..." or "not decrypted: why", NULL when nothing to say */
  GBytes *app_data; /* the first application_data record's plaintext, when decrypted */
} TfDtlsDatagram;

void
tf_dtls_datagram_free (TfDtlsDatagram *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfDtlsDatagram, tf_dtls_datagram_free)

TfDtlsFlows *
tf_dtls_flows_new (void);
void
tf_dtls_flows_free (TfDtlsFlows *flows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfDtlsFlows, tf_dtls_flows_free)
/* The keys of the flows from now on (NULL: none; the handshakes are still followed so that a
 * record says why it is not decrypted). */
void
tf_dtls_flows_set_keys (TfDtlsFlows *flows, TfDtlsKeys *keys);

/* One UDP datagram from @src to @dst ("192.0.2.10:40000"); NULL when it is not made of whole
 * DTLS records. Bounds-checked throughout. */
TfDtlsDatagram *
tf_dtls_flows_add (TfDtlsFlows *flows, const char *src, const char *dst, const guint8 *data,
                   gsize len);

/* "TLS_PSK_WITH_AES_128_CCM_8", or NULL for a suite not in the table */
const char *
tf_dtls_suite_name (guint16 suite);

G_END_DECLS
