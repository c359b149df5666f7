/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of captured DTLS sessions (PSKs by identity, an NSS key log) and the TLS 1.2 key
 * derivation that turns them into record keys; HMAC from nettle. */
#define G_LOG_DOMAIN "tf-coap"

#include "config.h"

#include "tf-dtls-keys.h"

#include <nettle/hmac.h>
#include <string.h>

#include "tf-error.h"

#define KEYLOG_MAX_LINE 1024

struct _TfDtlsKeys
{
  gint ref_count;
  GHashTable *psk;    /* identity → GBytes */
  GHashTable *master; /* client random (hex) → 48 bytes */
};

TfDtlsKeys *
tf_dtls_keys_new (void)
{
  TfDtlsKeys *k = g_new0 (TfDtlsKeys, 1);
  k->ref_count = 1;
  k->psk = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  k->master = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return k;
}

TfDtlsKeys *
tf_dtls_keys_ref (TfDtlsKeys *k)
{
  g_atomic_int_inc (&k->ref_count);
  return k;
}

void
tf_dtls_keys_unref (TfDtlsKeys *k)
{
  if (k == NULL || !g_atomic_int_dec_and_test (&k->ref_count))
    return;
  g_hash_table_unref (k->psk);
  g_hash_table_unref (k->master);
  g_free (k);
}

gboolean
tf_dtls_keys_add_psk (TfDtlsKeys *k, const char *identity, const guint8 *key, gsize len,
                      GError **error)
{
  if (identity == NULL || strlen (identity) > TF_DTLS_MAX_IDENTITY
      || !g_utf8_validate (identity, -1, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "a PSK identity is UTF-8 of at most %u bytes", TF_DTLS_MAX_IDENTITY);
      return FALSE;
    }
  if (len == 0 || len > TF_DTLS_MAX_PSK)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "the PSK of '%s' has %" G_GSIZE_FORMAT " bytes (1 to %u)", identity, len,
                   TF_DTLS_MAX_PSK);
      return FALSE;
    }
  g_hash_table_replace (k->psk, g_strdup (identity), g_bytes_new (key, len));
  return TRUE;
}

/* @hex of even length into @out (at most @max bytes); its length or -1 */
static gssize
unhex (const char *hex, gsize hex_len, guint8 *out, gsize max)
{
  if (hex_len == 0 || hex_len % 2 != 0 || hex_len / 2 > max)
    return -1;
  for (gsize i = 0; i < hex_len; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]);
      gint lo = g_ascii_xdigit_value (hex[i + 1]);
      if (hi < 0 || lo < 0)
        return -1;
      out[i / 2] = (guint8)(hi << 4 | lo);
    }
  return (gssize)(hex_len / 2);
}

gboolean
tf_dtls_keys_add_psk_arg (TfDtlsKeys *k, const char *arg, GError **error)
{
  const char *colon = strrchr (arg, ':');
  guint8 key[TF_DTLS_MAX_PSK];
  g_autofree char *identity = NULL;
  gssize n;
  if (colon == NULL || colon == arg)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "'%s': a PSK is IDENTITY:HEX (e.g. dev-1:0102030405060708)", arg);
      return FALSE;
    }
  n = unhex (colon + 1, strlen (colon + 1), key, sizeof key);
  if (n < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "'%s': the key is not 1 to %u bytes in hex", arg, TF_DTLS_MAX_PSK);
      return FALSE;
    }
  identity = g_strndup (arg, (gsize)(colon - arg));
  return tf_dtls_keys_add_psk (k, identity, key, (gsize)n, error);
}

GBytes *
tf_dtls_keys_lookup_psk (TfDtlsKeys *k, const char *identity)
{
  return k != NULL ? g_hash_table_lookup (k->psk, identity) : NULL;
}

guint
tf_dtls_keys_n_psk (TfDtlsKeys *k)
{
  return k != NULL ? g_hash_table_size (k->psk) : 0;
}

static gboolean
keylog_line (TfDtlsKeys *k, const char *line, gsize len)
{
  g_auto (GStrv) f = NULL;
  g_autofree char *s = g_strndup (line, len);
  guint8 random[32], master[48];
  if (len == 0 || line[0] == '#')
    return TRUE;
  f = g_strsplit (g_strstrip (s), " ", -1);
  if (f[0] == NULL || *f[0] == '\0')
    return TRUE;
  /* TLS 1.3 secrets (CLIENT_HANDSHAKE_TRAFFIC_SECRET...) are well-formed, only not ours */
  if (!g_str_equal (f[0], "CLIENT_RANDOM"))
    return g_strv_length (f) == 3 && g_ascii_isupper (f[0][0]);
  if (g_strv_length (f) != 3 || unhex (f[1], strlen (f[1]), random, 32) != 32
      || unhex (f[2], strlen (f[2]), master, 48) != 48)
    return FALSE;
  g_hash_table_replace (k->master, g_ascii_strdown (f[1], -1), g_memdup2 (master, 48));
  return TRUE;
}

gboolean
tf_dtls_keys_add_keylog (TfDtlsKeys *k, const char *data, gsize len, const char *filename,
                         GError **error)
{
  gsize off = 0;
  guint lineno = 0;
  if (len > TF_DTLS_KEYLOG_MAX_BYTES)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "%s: over %u bytes", filename,
                   TF_DTLS_KEYLOG_MAX_BYTES);
      return FALSE;
    }
  while (off < len)
    {
      const char *nl = memchr (data + off, '\n', len - off);
      gsize n = nl != NULL ? (gsize)(nl - (data + off)) : len - off;
      lineno++;
      if (n > KEYLOG_MAX_LINE || memchr (data + off, '\0', n) != NULL
          || !keylog_line (k, data + off, n))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "%s:%u: not a key log line (CLIENT_RANDOM <64 hex digits> <96 hex digits>)",
                       filename, lineno);
          return FALSE;
        }
      off += n + 1;
    }
  return TRUE;
}

gboolean
tf_dtls_keys_load_keylog (TfDtlsKeys *k, const char *path, GError **error)
{
  g_autoptr (GMappedFile) m = g_mapped_file_new (path, FALSE, error);
  if (m == NULL)
    return FALSE;
  return tf_dtls_keys_add_keylog (k, g_mapped_file_get_contents (m), g_mapped_file_get_length (m),
                                  path, error);
}

gboolean
tf_dtls_keys_lookup_master (TfDtlsKeys *k, const guint8 *client_random, guint8 master[48])
{
  char hex[65];
  const guint8 *m;
  if (k == NULL)
    return FALSE;
  for (guint i = 0; i < 32; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", client_random[i]);
  m = g_hash_table_lookup (k->master, hex);
  if (m != NULL)
    memcpy (master, m, 48);
  return m != NULL;
}

guint
tf_dtls_keys_n_master (TfDtlsKeys *k)
{
  return k != NULL ? g_hash_table_size (k->master) : 0;
}

/* --- derivation ------------------------------------------------------------------------ */

/* HMAC(key, a || b) */
static gsize
hmac2 (TfTlsPrfHash h, const guint8 *key, gsize key_len, const guint8 *a, gsize a_len,
       const guint8 *b, gsize b_len, guint8 *out)
{
  if (h == TF_TLS_PRF_SHA384)
    {
      struct hmac_sha384_ctx c;
      hmac_sha384_set_key (&c, key_len, key);
      hmac_sha384_update (&c, a_len, a);
      hmac_sha384_update (&c, b_len, b);
      hmac_sha384_digest (&c, SHA384_DIGEST_SIZE, out);
      return SHA384_DIGEST_SIZE;
    }
  else
    {
      struct hmac_sha256_ctx c;
      hmac_sha256_set_key (&c, key_len, key);
      hmac_sha256_update (&c, a_len, a);
      hmac_sha256_update (&c, b_len, b);
      hmac_sha256_digest (&c, SHA256_DIGEST_SIZE, out);
      return SHA256_DIGEST_SIZE;
    }
}

void
tf_tls12_prf (TfTlsPrfHash hash, const guint8 *secret, gsize secret_len, const char *label,
              const guint8 *seed, gsize seed_len, guint8 *out, gsize out_len)
{
  g_autoptr (GByteArray) ls = g_byte_array_new ();
  guint8 a[SHA384_DIGEST_SIZE], block[SHA384_DIGEST_SIZE];
  gsize a_len, done = 0;

  /* P_hash(secret, label + seed): A(1) = HMAC(secret, label + seed), A(i) = HMAC(secret,
   * A(i-1)); the output is HMAC(secret, A(1) + label + seed) + HMAC(secret, A(2) + ...) */
  g_byte_array_append (ls, (const guint8 *)label, (guint)strlen (label));
  g_byte_array_append (ls, seed, (guint)seed_len);
  a_len = hmac2 (hash, secret, secret_len, ls->data, ls->len, NULL, 0, a);
  while (done < out_len)
    {
      gsize n = hmac2 (hash, secret, secret_len, a, a_len, ls->data, ls->len, block);
      memcpy (out + done, block, MIN (n, out_len - done));
      done += MIN (n, out_len - done);
      a_len = hmac2 (hash, secret, secret_len, a, a_len, NULL, 0, a);
    }
}

gsize
tf_tls_psk_premaster (const guint8 *psk, gsize psk_len, guint8 *out)
{
  /* other_secret is N zero bytes for plain PSK (RFC 4279 2) */
  out[0] = (guint8)(psk_len >> 8);
  out[1] = (guint8)psk_len;
  memset (out + 2, 0, psk_len);
  out[2 + psk_len] = (guint8)(psk_len >> 8);
  out[3 + psk_len] = (guint8)psk_len;
  memcpy (out + 4 + psk_len, psk, psk_len);
  return 4 + 2 * psk_len;
}

void
tf_tls12_master_secret (TfTlsPrfHash hash, const guint8 *premaster, gsize premaster_len,
                        const guint8 client_random[32], const guint8 server_random[32],
                        const guint8 *session_hash, gsize session_hash_len, guint8 master[48])
{
  guint8 seed[64];
  if (session_hash != NULL)
    {
      tf_tls12_prf (hash, premaster, premaster_len, "extended master secret", session_hash,
                    session_hash_len, master, 48);
      return;
    }
  memcpy (seed, client_random, 32);
  memcpy (seed + 32, server_random, 32);
  tf_tls12_prf (hash, premaster, premaster_len, "master secret", seed, 64, master, 48);
}

void
tf_tls12_key_block (TfTlsPrfHash hash, const guint8 master[48], const guint8 client_random[32],
                    const guint8 server_random[32], guint8 *out, gsize len)
{
  guint8 seed[64];
  memcpy (seed, server_random, 32);
  memcpy (seed + 32, client_random, 32);
  tf_tls12_prf (hash, master, 48, "key expansion", seed, 64, out, len);
}
