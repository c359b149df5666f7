/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The keys a captured DTLS 1.2 session may be decrypted with, as Wireshark takes them: pre-shared
 * keys by identity (enough for the plain PSK suites, RFC 4279 2) and an NSS key log
 * ("CLIENT_RANDOM <client random> <master secret>", what GnuTLS, OpenSSL and NSS write where
 * SSLKEYLOGFILE points), which also opens ECDHE-PSK and certificate suites. Refcounted. */
typedef struct _TfDtlsKeys TfDtlsKeys;

#define TF_DTLS_MAX_PSK 64 /* bytes of a key */
#define TF_DTLS_MAX_IDENTITY 128
#define TF_DTLS_KEYLOG_MAX_BYTES (16 * 1024 * 1024)

TfDtlsKeys *
tf_dtls_keys_new (void);
TfDtlsKeys *
tf_dtls_keys_ref (TfDtlsKeys *keys);
void
tf_dtls_keys_unref (TfDtlsKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfDtlsKeys, tf_dtls_keys_unref)

/* A second key for the same identity replaces the first. */
gboolean
tf_dtls_keys_add_psk (TfDtlsKeys *keys, const char *identity, const guint8 *key, gsize len,
                      GError **error);
/* "IDENTITY:HEX" (the identity is what precedes the last colon). */
gboolean
tf_dtls_keys_add_psk_arg (TfDtlsKeys *keys, const char *arg, GError **error);
/* NULL when @identity has no key. */
GBytes *
tf_dtls_keys_lookup_psk (TfDtlsKeys *keys, const char *identity);
guint
tf_dtls_keys_n_psk (TfDtlsKeys *keys);

/* Lines "CLIENT_RANDOM <64 hex> <96 hex>"; "#" comments, blank lines and the TLS 1.3 labels are
 * skipped; anything else is an error naming @filename:LINE. */
gboolean
tf_dtls_keys_add_keylog (TfDtlsKeys *keys, const char *data, gsize len, const char *filename,
                         GError **error);
gboolean
tf_dtls_keys_load_keylog (TfDtlsKeys *keys, const char *path, GError **error);
/* The 48-byte master secret of the handshake with @client_random (32 bytes), or FALSE. */
gboolean
tf_dtls_keys_lookup_master (TfDtlsKeys *keys, const guint8 *client_random, guint8 master[48]);
guint
tf_dtls_keys_n_master (TfDtlsKeys *keys);

/* --- TLS 1.2 key derivation (RFC 5246 5, 6.3, 8.1; RFC 7627 4; RFC 4279 2) --------------- */

typedef enum
{
  TF_TLS_PRF_SHA256,
  TF_TLS_PRF_SHA384,
} TfTlsPrfHash;

/* PRF(secret, label, seed) of @out_len bytes: P_SHA256 or P_SHA384. */
void
tf_tls12_prf (TfTlsPrfHash hash, const guint8 *secret, gsize secret_len, const char *label,
              const guint8 *seed, gsize seed_len, guint8 *out, gsize out_len);
/* The plain PSK premaster secret: uint16 N, N zero bytes, uint16 N, the key. Returns its
 * length (at most 4 + 2 * TF_DTLS_MAX_PSK). */
gsize
tf_tls_psk_premaster (const guint8 *psk, gsize psk_len, guint8 *out);
/* The master secret: with @session_hash (extended master secret) or from the two randoms. */
void
tf_tls12_master_secret (TfTlsPrfHash hash, const guint8 *premaster, gsize premaster_len,
                        const guint8 client_random[32], const guint8 server_random[32],
                        const guint8 *session_hash, gsize session_hash_len, guint8 master[48]);
/* "key expansion": @len bytes of key block. */
void
tf_tls12_key_block (TfTlsPrfHash hash, const guint8 master[48], const guint8 client_random[32],
                    const guint8 server_random[32], guint8 *out, gsize len);

G_END_DECLS
