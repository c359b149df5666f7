/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-dtls-keys.h"

G_BEGIN_DECLS

/* The DTLS 1.2 cipher suites the trace can decrypt and their record protection (RFC 5246
 * 6.2.3; AEAD: RFC 5288, RFC 6655, RFC 7905; encrypt-then-MAC: RFC 7366), on nettle. */

typedef enum
{
  TF_DTLS_KX_PSK,       /* the premaster secret follows from the PSK alone */
  TF_DTLS_KX_ECDHE_PSK, /* forward secret: a key log is needed */
  TF_DTLS_KX_CERT,      /* ECDHE with certificates or raw public keys: a key log is needed */
} TfDtlsKx;

typedef enum
{
  TF_DTLS_CIPHER_CCM,
  TF_DTLS_CIPHER_GCM,
  TF_DTLS_CIPHER_CBC,
  TF_DTLS_CIPHER_CHACHA,
} TfDtlsCipher;

typedef struct
{
  guint16 id;
  const char *name;
  TfDtlsKx kx;
  TfDtlsCipher cipher;
  guint key_len; /* 16 or 32 */
  guint tag_len; /* AEAD tag: 8 or 16; 0 for CBC */
  guint mac_len; /* CBC's HMAC: 20 (SHA-1), 32 (SHA-256), 48 (SHA-384); 0 for AEAD */
  TfTlsPrfHash prf;
} TfDtlsSuite;

/* One direction's keys (client write or server write). */
typedef struct
{
  guint8 mac_key[48];
  guint8 key[32];
  guint8 iv[12]; /* the fixed IV: 4 bytes for CCM and GCM, 12 for ChaCha20 */
} TfDtlsDirKeys;

const TfDtlsSuite *
tf_dtls_suite_find (guint16 id);
/* Bytes of key block the suite uses (at most 2 * (48 + 32 + 12)). */
gsize
tf_dtls_suite_key_block_len (const TfDtlsSuite *s);
void
tf_dtls_suite_split_key_block (const TfDtlsSuite *s, const guint8 *block, TfDtlsDirKeys *client,
                               TfDtlsDirKeys *server);

/* The plaintext of the record with header @hdr (13 bytes: type, version, epoch, sequence
 * number, length) and @fragment, or NULL when it does not authenticate under @k. */
GBytes *
tf_dtls_record_decrypt (const TfDtlsSuite *s, gboolean encrypt_then_mac, const TfDtlsDirKeys *k,
                        const guint8 *hdr, const guint8 *fragment, gsize len);

G_END_DECLS
