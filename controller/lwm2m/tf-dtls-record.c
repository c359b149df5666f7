/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTLS 1.2 record decryption for the suites the trace follows; every primitive is nettle's. */
#define G_LOG_DOMAIN "tf-coap"

#include "config.h"

#include "tf-dtls-record.h"

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/ccm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

#define PSK TF_DTLS_KX_PSK
#define EPSK TF_DTLS_KX_ECDHE_PSK
#define CERT TF_DTLS_KX_CERT
#define CCM TF_DTLS_CIPHER_CCM
#define GCM TF_DTLS_CIPHER_GCM
#define CBC TF_DTLS_CIPHER_CBC
#define CHACHA TF_DTLS_CIPHER_CHACHA
#define P256 TF_TLS_PRF_SHA256
#define P384 TF_TLS_PRF_SHA384

static const TfDtlsSuite suites[] = {
  { 0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8", PSK, CCM, 16, 8, 0, P256 },
  { 0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8", PSK, CCM, 32, 8, 0, P256 },
  { 0xc0a4, "TLS_PSK_WITH_AES_128_CCM", PSK, CCM, 16, 16, 0, P256 },
  { 0xc0a5, "TLS_PSK_WITH_AES_256_CCM", PSK, CCM, 32, 16, 0, P256 },
  { 0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256", PSK, GCM, 16, 16, 0, P256 },
  { 0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384", PSK, GCM, 32, 16, 0, P384 },
  { 0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256", PSK, CBC, 16, 0, 32, P256 },
  { 0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384", PSK, CBC, 32, 0, 48, P384 },
  { 0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA", PSK, CBC, 16, 0, 20, P256 },
  { 0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA", PSK, CBC, 32, 0, 20, P256 },
  { 0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", PSK, CHACHA, 32, 16, 0, P256 },
  { 0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", EPSK, CHACHA, 32, 16, 0, P256 },
  { 0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", EPSK, CBC, 16, 0, 20, P256 },
  { 0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", EPSK, CBC, 32, 0, 20, P256 },
  { 0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", EPSK, CBC, 16, 0, 32, P256 },
  { 0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", EPSK, CBC, 32, 0, 48, P384 },
  { 0xd001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", EPSK, GCM, 16, 16, 0, P256 },
  { 0xd002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", EPSK, GCM, 32, 16, 0, P384 },
  { 0xd003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", EPSK, CCM, 16, 8, 0, P256 },
  { 0xd005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", EPSK, CCM, 16, 16, 0, P256 },
  { 0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", CERT, CCM, 16, 8, 0, P256 },
  { 0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", CERT, CCM, 32, 8, 0, P256 },
  { 0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", CERT, CCM, 16, 16, 0, P256 },
  { 0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", CERT, CCM, 32, 16, 0, P256 },
  { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", CERT, GCM, 16, 16, 0, P256 },
  { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", CERT, GCM, 32, 16, 0, P384 },
  { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", CERT, CBC, 16, 0, 32, P256 },
  { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", CERT, CBC, 32, 0, 48, P384 },
  { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", CERT, CBC, 16, 0, 20, P256 },
  { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", CERT, CBC, 32, 0, 20, P256 },
  { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", CERT, CHACHA, 32, 16, 0, P256 },
};

const TfDtlsSuite *
tf_dtls_suite_find (guint16 id)
{
  for (guint i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].id == id)
      return &suites[i];
  return NULL;
}

static guint
fixed_iv_len (const TfDtlsSuite *s)
{
  return s->cipher == CHACHA ? 12 : s->cipher == CBC ? 0 : 4;
}

gsize
tf_dtls_suite_key_block_len (const TfDtlsSuite *s)
{
  return 2 * ((gsize)s->mac_len + s->key_len + fixed_iv_len (s));
}

void
tf_dtls_suite_split_key_block (const TfDtlsSuite *s, const guint8 *b, TfDtlsDirKeys *client,
                               TfDtlsDirKeys *server)
{
  /* client MAC, server MAC, client key, server key, client IV, server IV (RFC 5246 6.3) */
  memset (client, 0, sizeof *client);
  memset (server, 0, sizeof *server);
  memcpy (client->mac_key, b, s->mac_len);
  b += s->mac_len;
  memcpy (server->mac_key, b, s->mac_len);
  b += s->mac_len;
  memcpy (client->key, b, s->key_len);
  b += s->key_len;
  memcpy (server->key, b, s->key_len);
  b += s->key_len;
  memcpy (client->iv, b, fixed_iv_len (s));
  b += fixed_iv_len (s);
  memcpy (server->iv, b, fixed_iv_len (s));
}

/* seq_num (DTLS: epoch and sequence number), type, version, length */
static void
additional_data (const guint8 *hdr, gsize len, guint8 ad[13])
{
  memcpy (ad, hdr + 3, 8);
  ad[8] = hdr[0];
  ad[9] = hdr[1];
  ad[10] = hdr[2];
  ad[11] = (guint8)(len >> 8);
  ad[12] = (guint8)len;
}

static GBytes *
decrypt_ccm (const TfDtlsSuite *s, const TfDtlsDirKeys *k, const guint8 *hdr, const guint8 *f,
             gsize len)
{
  guint8 nonce[12], ad[13];
  gsize clear;
  g_autofree guint8 *out = NULL;
  int ok;
  if (len < 8 + s->tag_len)
    return NULL;
  clear = len - 8 - s->tag_len;
  memcpy (nonce, k->iv, 4);
  memcpy (nonce + 4, f, 8);
  additional_data (hdr, clear, ad);
  out = g_malloc (clear + 1);
  if (s->key_len == 16)
    {
      struct ccm_aes128_ctx c;
      ccm_aes128_set_key (&c, k->key);
      ok = ccm_aes128_decrypt_message (&c, 12, nonce, 13, ad, s->tag_len, clear, out, f + 8);
    }
  else
    {
      struct ccm_aes256_ctx c;
      ccm_aes256_set_key (&c, k->key);
      ok = ccm_aes256_decrypt_message (&c, 12, nonce, 13, ad, s->tag_len, clear, out, f + 8);
    }
  return ok ? g_bytes_new (out, clear) : NULL;
}

static GBytes *
decrypt_gcm (const TfDtlsSuite *s, const TfDtlsDirKeys *k, const guint8 *hdr, const guint8 *f,
             gsize len)
{
  guint8 nonce[12], ad[13], tag[16];
  gsize clear;
  g_autofree guint8 *out = NULL;
  if (len < 8 + 16)
    return NULL;
  clear = len - 8 - 16;
  memcpy (nonce, k->iv, 4);
  memcpy (nonce + 4, f, 8);
  additional_data (hdr, clear, ad);
  out = g_malloc (clear + 1);
  if (s->key_len == 16)
    {
      struct gcm_aes128_ctx c;
      gcm_aes128_set_key (&c, k->key);
      gcm_aes128_set_iv (&c, 12, nonce);
      gcm_aes128_update (&c, 13, ad);
      gcm_aes128_decrypt (&c, clear, out, f + 8);
      gcm_aes128_digest (&c, 16, tag);
    }
  else
    {
      struct gcm_aes256_ctx c;
      gcm_aes256_set_key (&c, k->key);
      gcm_aes256_set_iv (&c, 12, nonce);
      gcm_aes256_update (&c, 13, ad);
      gcm_aes256_decrypt (&c, clear, out, f + 8);
      gcm_aes256_digest (&c, 16, tag);
    }
  return memeql_sec (tag, f + 8 + clear, 16) ? g_bytes_new (out, clear) : NULL;
}

static GBytes *
decrypt_chacha (const TfDtlsDirKeys *k, const guint8 *hdr, const guint8 *f, gsize len)
{
  struct chacha_poly1305_ctx c;
  guint8 nonce[12], ad[13], tag[16];
  gsize clear;
  g_autofree guint8 *out = NULL;
  if (len < 16)
    return NULL;
  clear = len - 16;
  /* the IV XOR the 64-bit sequence number, left-padded (RFC 7905 2) */
  memcpy (nonce, k->iv, 12);
  for (guint i = 0; i < 8; i++)
    nonce[4 + i] ^= hdr[3 + i];
  additional_data (hdr, clear, ad);
  out = g_malloc (clear + 1);
  chacha_poly1305_set_key (&c, k->key);
  chacha_poly1305_set_nonce (&c, nonce);
  chacha_poly1305_update (&c, 13, ad);
  chacha_poly1305_decrypt (&c, clear, out, f);
  chacha_poly1305_digest (&c, 16, tag);
  return memeql_sec (tag, f + clear, 16) ? g_bytes_new (out, clear) : NULL;
}

/* HMAC(mac key, seq_num || type || version || length || a || b) */
static void
record_mac (const TfDtlsSuite *s, const TfDtlsDirKeys *k, const guint8 *hdr, gsize len,
            const guint8 *a, gsize a_len, const guint8 *b, gsize b_len, guint8 *out)
{
  guint8 ad[13];
  additional_data (hdr, len, ad);
  if (s->mac_len == 20)
    {
      struct hmac_sha1_ctx c;
      hmac_sha1_set_key (&c, 20, k->mac_key);
      hmac_sha1_update (&c, 13, ad);
      hmac_sha1_update (&c, a_len, a);
      hmac_sha1_update (&c, b_len, b);
      hmac_sha1_digest (&c, 20, out);
    }
  else if (s->mac_len == 32)
    {
      struct hmac_sha256_ctx c;
      hmac_sha256_set_key (&c, 32, k->mac_key);
      hmac_sha256_update (&c, 13, ad);
      hmac_sha256_update (&c, a_len, a);
      hmac_sha256_update (&c, b_len, b);
      hmac_sha256_digest (&c, 32, out);
    }
  else
    {
      struct hmac_sha384_ctx c;
      hmac_sha384_set_key (&c, 48, k->mac_key);
      hmac_sha384_update (&c, 13, ad);
      hmac_sha384_update (&c, a_len, a);
      hmac_sha384_update (&c, b_len, b);
      hmac_sha384_digest (&c, 48, out);
    }
}

/* AES-CBC of @len bytes (a multiple of 16) after the 16-byte IV at @f */
static guint8 *
cbc_decrypt_aes (const TfDtlsSuite *s, const TfDtlsDirKeys *k, const guint8 *f, gsize len)
{
  guint8 iv[16];
  guint8 *out = g_malloc (len + 1);
  memcpy (iv, f, 16);
  if (s->key_len == 16)
    {
      struct aes128_ctx c;
      aes128_set_decrypt_key (&c, k->key);
      cbc_decrypt (&c, (nettle_cipher_func *)aes128_decrypt, 16, iv, len, out, f + 16);
    }
  else
    {
      struct aes256_ctx c;
      aes256_set_decrypt_key (&c, k->key);
      cbc_decrypt (&c, (nettle_cipher_func *)aes256_decrypt, 16, iv, len, out, f + 16);
    }
  return out;
}

/* the padding's length + 1, or 0 when the padding is wrong */
static gsize
padding (const guint8 *p, gsize n)
{
  guint pad;
  if (n == 0)
    return 0;
  pad = p[n - 1];
  if ((gsize)pad + 1 > n)
    return 0;
  for (gsize i = n - 1 - pad; i < n; i++)
    if (p[i] != pad)
      return 0;
  return (gsize)pad + 1;
}

static GBytes *
decrypt_cbc (const TfDtlsSuite *s, gboolean etm, const TfDtlsDirKeys *k, const guint8 *hdr,
             const guint8 *f, gsize len)
{
  guint8 mac[48];
  g_autofree guint8 *p = NULL;
  gsize ct, pad, clear;
  if (etm)
    {
      /* IV || ciphertext || MAC over IV and ciphertext (RFC 7366 3) */
      if (len < 32 + s->mac_len || (len - s->mac_len) % 16 != 0)
        return NULL;
      ct = len - s->mac_len - 16;
      record_mac (s, k, hdr, len - s->mac_len, f, len - s->mac_len, NULL, 0, mac);
      if (!memeql_sec (mac, f + len - s->mac_len, s->mac_len))
        return NULL;
      p = cbc_decrypt_aes (s, k, f, ct);
      pad = padding (p, ct);
      return pad > 0 ? g_bytes_new (p, ct - pad) : NULL;
    }
  /* IV || E(plaintext || MAC || padding) */
  if (len < 32 || len % 16 != 0)
    return NULL;
  ct = len - 16;
  p = cbc_decrypt_aes (s, k, f, ct);
  pad = padding (p, ct);
  if (pad == 0 || pad + s->mac_len > ct)
    return NULL;
  clear = ct - pad - s->mac_len;
  record_mac (s, k, hdr, clear, p, clear, NULL, 0, mac);
  return memeql_sec (mac, p + clear, s->mac_len) ? g_bytes_new (p, clear) : NULL;
}

GBytes *
tf_dtls_record_decrypt (const TfDtlsSuite *s, gboolean encrypt_then_mac, const TfDtlsDirKeys *k,
                        const guint8 *hdr, const guint8 *fragment, gsize len)
{
  switch (s->cipher)
    {
    case TF_DTLS_CIPHER_CCM:
      return decrypt_ccm (s, k, hdr, fragment, len);
    case TF_DTLS_CIPHER_GCM:
      return decrypt_gcm (s, k, hdr, fragment, len);
    case TF_DTLS_CIPHER_CHACHA:
      return decrypt_chacha (k, hdr, fragment, len);
    case TF_DTLS_CIPHER_CBC:
    default:
      return decrypt_cbc (s, encrypt_then_mac, k, hdr, fragment, len);
    }
}
