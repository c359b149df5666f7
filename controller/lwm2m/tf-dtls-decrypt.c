/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTLS 1.2 flows in a capture: the handshake followed in the clear, the keys derived from a
 * PSK or a key log, the epoch-1 records decrypted. */
#define G_LOG_DOMAIN "tf-coap"

#include "config.h"

#include "tf-dtls-decrypt.h"

#include <nettle/sha2.h>
#include <string.h>

#include "tf-dtls-record.h"

#define MAX_RECORDS 16
#define MAX_FLOWS 256
#define MAX_SESSIONS 256
/* a PSK handshake's messages are small; a certificate chain is not needed by anything here */
#define MAX_HANDSHAKE_MSG 16384
#define MAX_TRANSCRIPT (64 * 1024)

enum
{
  HS_HELLO_REQUEST = 0,
  HS_CLIENT_HELLO = 1,
  HS_SERVER_HELLO = 2,
  HS_HELLO_VERIFY_REQUEST = 3,
  HS_CLIENT_KEY_EXCHANGE = 16,
  HS_FINISHED = 20,
};
#define EXT_ENCRYPT_THEN_MAC 22
#define EXT_EXTENDED_MASTER_SECRET 23

typedef struct
{
  gint32 seq; /* the message being reassembled, -1: none */
  guint8 type;
  guint32 len;
  guint8 *buf;
  guint8 *have; /* one flag per byte */
  gint32 done;  /* the last message_seq handled: retransmissions are not handled twice */
} Reassembly;

typedef struct
{
  guint8 master[48];
  gboolean ems;
} Session;

typedef struct
{
  char *key; /* "client server" */
  guint8 client_random[32], server_random[32];
  guint8 session_id[32];
  guint session_id_len;
  gboolean have_client_hello;
  gboolean have_server_hello;
  gboolean offered_ems, offered_etm;
  gboolean ems, etm;
  guint16 suite_id;
  const TfDtlsSuite *suite;
  char *identity;
  GByteArray *transcript; /* handshake messages, normalised (RFC 6347 4.2.6) */
  gboolean transcript_whole;
  Reassembly r[2]; /* 0: from the client, 1: from the server */
  gboolean keys_ready;
  char *source; /* "PSK of identity 'x'", "key log" */
  char *why;    /* why its records are not decrypted */
  TfDtlsDirKeys keys[2];
  gboolean verified; /* a record authenticated under the keys */
} Flow;

struct _TfDtlsFlows
{
  TfDtlsKeys *keys;
  GHashTable *flows;    /* "client server" → Flow */
  GQueue order;         /* of the flows' keys, oldest first: the oldest goes beyond MAX_FLOWS */
  GHashTable *sessions; /* session id (hex) → Session, for abbreviated handshakes */
};

static guint16
be16 (const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static guint32
be24 (const guint8 *p)
{
  return (guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2];
}

const char *
tf_dtls_suite_name (guint16 suite)
{
  const TfDtlsSuite *s = tf_dtls_suite_find (suite);
  return s != NULL ? s->name : NULL;
}

static void
reassembly_clear (Reassembly *r)
{
  g_clear_pointer (&r->buf, g_free);
  g_clear_pointer (&r->have, g_free);
  r->seq = -1;
}

static void
flow_reset (Flow *f)
{
  for (guint i = 0; i < 2; i++)
    {
      reassembly_clear (&f->r[i]);
      f->r[i].done = -1;
    }
  g_byte_array_set_size (f->transcript, 0);
  f->transcript_whole = TRUE;
  f->have_client_hello = f->have_server_hello = FALSE;
  f->offered_ems = f->offered_etm = f->ems = f->etm = FALSE;
  f->suite = NULL;
  f->suite_id = 0;
  f->keys_ready = FALSE;
  f->verified = FALSE;
  f->session_id_len = 0;
  g_clear_pointer (&f->identity, g_free);
  g_clear_pointer (&f->source, g_free);
  g_free (f->why);
  f->why = g_strdup ("the handshake is not complete in the capture");
  memset (f->keys, 0, sizeof f->keys);
}

static void
flow_free (Flow *f)
{
  for (guint i = 0; i < 2; i++)
    reassembly_clear (&f->r[i]);
  g_byte_array_unref (f->transcript);
  g_free (f->identity);
  g_free (f->source);
  g_free (f->why);
  g_free (f->key);
  memset (f->keys, 0, sizeof f->keys);
  g_free (f);
}

static Flow *
flow_new (const char *key)
{
  Flow *f = g_new0 (Flow, 1);
  f->key = g_strdup (key);
  f->transcript = g_byte_array_new ();
  flow_reset (f);
  return f;
}

static void
set_why (Flow *f, char *why)
{
  g_free (f->why);
  f->why = why;
}

/* extensions after the fixed part of a hello: EMS and encrypt-then-MAC */
static void
read_extensions (const guint8 *p, gsize len, gboolean *ems, gboolean *etm)
{
  gsize off = 2, end;
  *ems = *etm = FALSE;
  if (len < 2)
    return;
  end = MIN (len, 2 + (gsize)be16 (p));
  while (off + 4 <= end)
    {
      guint16 type = be16 (p + off);
      gsize n = be16 (p + off + 2);
      if (off + 4 + n > end)
        return;
      *ems |= type == EXT_EXTENDED_MASTER_SECRET;
      *etm |= type == EXT_ENCRYPT_THEN_MAC;
      off += 4 + n;
    }
}

static void
client_hello (Flow *f, const guint8 *b, gsize len)
{
  gsize off = 34, n;
  if (len < 35)
    return;
  memcpy (f->client_random, b + 2, 32);
  f->have_client_hello = TRUE;
  n = b[off];
  if (n > 32 || off + 1 + n > len)
    return;
  memcpy (f->session_id, b + off + 1, n);
  f->session_id_len = (guint)n;
  off += 1 + n; /* cookie */
  if (off >= len || off + 1 + b[off] > len)
    return;
  off += 1 + b[off]; /* cipher suites */
  if (off + 2 > len || off + 2 + be16 (b + off) > len)
    return;
  off += 2 + be16 (b + off); /* compression methods */
  if (off >= len || off + 1 + b[off] > len)
    return;
  off += 1 + b[off];
  read_extensions (b + off, len - off, &f->offered_ems, &f->offered_etm);
}

static char *
hex (const guint8 *d, gsize n)
{
  GString *s = g_string_sized_new (2 * n + 1);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

static void
derive (TfDtlsFlows *fl, Flow *f, const guint8 master[48])
{
  guint8 block[2 * (48 + 32 + 12)];
  gsize n = tf_dtls_suite_key_block_len (f->suite);
  tf_tls12_key_block (f->suite->prf, master, f->client_random, f->server_random, block, n);
  tf_dtls_suite_split_key_block (f->suite, block, &f->keys[0], &f->keys[1]);
  memset (block, 0, sizeof block);
  f->keys_ready = TRUE;
  if (f->session_id_len > 0)
    {
      Session *s = g_new0 (Session, 1);
      memcpy (s->master, master, 48);
      s->ems = f->ems;
      if (g_hash_table_size (fl->sessions) >= MAX_SESSIONS)
        g_hash_table_remove_all (fl->sessions);
      g_hash_table_replace (fl->sessions, hex (f->session_id, f->session_id_len), s);
    }
}

/* the master secret from the key log, when it has this handshake */
static gboolean
from_keylog (TfDtlsFlows *fl, Flow *f)
{
  guint8 master[48];
  if (!tf_dtls_keys_lookup_master (fl->keys, f->client_random, master))
    return FALSE;
  derive (fl, f, master);
  memset (master, 0, sizeof master);
  g_free (f->source);
  f->source = g_strdup ("key log");
  return TRUE;
}

static void
server_hello (TfDtlsFlows *fl, Flow *f, const guint8 *b, gsize len)
{
  gsize off = 34, n;
  gboolean ems = FALSE, etm = FALSE;
  Session *resumed = NULL;
  if (len < 38 || !f->have_client_hello)
    return;
  /* the keys are this ServerHello's (a second one, however odd, replaces the first) */
  f->keys_ready = f->have_server_hello = FALSE;
  f->suite = NULL;
  memset (f->keys, 0, sizeof f->keys);
  g_clear_pointer (&f->source, g_free);
  set_why (f, g_strdup ("the handshake is not complete in the capture"));
  if (b[0] != 0xfe || b[1] != 0xfd)
    {
      /* DTLS 1.0 is TLS 1.1's key schedule (MD5 and SHA-1): not followed */
      set_why (f, g_strdup_printf ("the server chose version %02x%02x, not DTLS 1.2", b[0], b[1]));
      return;
    }
  memcpy (f->server_random, b + 2, 32);
  n = b[off];
  if (n > 32 || off + 1 + n + 3 > len)
    return;
  if (n > 0 && n == f->session_id_len && memcmp (b + off + 1, f->session_id, n) == 0)
    {
      g_autofree char *id = hex (f->session_id, n);
      resumed = g_hash_table_lookup (fl->sessions, id);
    }
  else
    {
      memcpy (f->session_id, b + off + 1, n);
      f->session_id_len = (guint)n;
    }
  off += 1 + n;
  f->suite_id = be16 (b + off);
  f->suite = tf_dtls_suite_find (f->suite_id);
  off += 3;
  read_extensions (b + off, len - off, &ems, &etm);
  f->have_server_hello = TRUE;
  f->ems = ems && f->offered_ems;
  f->etm = etm && f->offered_etm && f->suite != NULL && f->suite->cipher == TF_DTLS_CIPHER_CBC;
  if (f->suite == NULL)
    {
      set_why (f,
               g_strdup_printf ("cipher suite 0x%04x is not one the trace decrypts", f->suite_id));
      return;
    }
  if (from_keylog (fl, f))
    return;
  if (resumed != NULL)
    {
      /* an abbreviated handshake: the master secret of the session it resumes */
      derive (fl, f, resumed->master);
      g_free (f->source);
      f->source = g_strdup ("resumed session");
      return;
    }
}

static void
client_key_exchange (TfDtlsFlows *fl, Flow *f, const guint8 *b, gsize len)
{
  guint8 premaster[4 + 2 * TF_DTLS_MAX_PSK], master[48], hash[SHA384_DIGEST_SIZE];
  gsize n, hash_len = 0;
  GBytes *psk;
  g_autofree char *shown = NULL;
  gboolean nul = FALSE;
  if (!f->have_server_hello || f->suite == NULL)
    return;
  /* PSK and ECDHE-PSK both start with the identity (RFC 4279 2, RFC 5489 2); one with a NUL
   * byte names no key of ours */
  g_clear_pointer (&f->identity, g_free);
  if (f->suite->kx != TF_DTLS_KX_CERT && len >= 2 && 2 + (gsize)be16 (b) <= len)
    {
      nul = memchr (b + 2, 0, be16 (b)) != NULL;
      if (!nul)
        {
          g_autofree char *id = g_strndup ((const char *)b + 2, be16 (b));
          f->identity = g_utf8_make_valid (id, -1);
        }
    }
  if (f->keys_ready || from_keylog (fl, f))
    return;
  /* the identity as notes show it: control characters and quotes escaped */
  shown = g_strescape (f->identity != NULL ? f->identity : "", NULL);
  if (f->suite->kx == TF_DTLS_KX_ECDHE_PSK)
    {
      set_why (f, g_strdup_printf ("%s is ECDHE-PSK: not decryptable from the PSK (and no key "
                                   "log entry for this handshake)",
                                   f->suite->name));
      return;
    }
  if (f->suite->kx == TF_DTLS_KX_CERT)
    {
      set_why (f, g_strdup_printf ("%s uses certificates: no key log entry for this handshake",
                                   f->suite->name));
      return;
    }
  if (nul)
    {
      set_why (f, g_strdup ("the PSK identity holds a NUL byte"));
      return;
    }
  psk = f->identity != NULL ? tf_dtls_keys_lookup_psk (fl->keys, f->identity) : NULL;
  if (psk == NULL)
    {
      set_why (f, g_strdup_printf ("no PSK given for identity '%s'", shown));
      return;
    }
  if (f->ems)
    {
      /* the session hash: every handshake message up to this ClientKeyExchange */
      if (!f->transcript_whole)
        {
          set_why (f, g_strdup ("the handshake is too large to follow"));
          return;
        }
      if (f->suite->prf == TF_TLS_PRF_SHA384)
        {
          struct sha384_ctx c;
          sha384_init (&c);
          sha384_update (&c, f->transcript->len, f->transcript->data);
          sha384_digest (&c, SHA384_DIGEST_SIZE, hash);
          hash_len = SHA384_DIGEST_SIZE;
        }
      else
        {
          struct sha256_ctx c;
          sha256_init (&c);
          sha256_update (&c, f->transcript->len, f->transcript->data);
          sha256_digest (&c, SHA256_DIGEST_SIZE, hash);
          hash_len = SHA256_DIGEST_SIZE;
        }
    }
  n = tf_tls_psk_premaster (g_bytes_get_data (psk, NULL), g_bytes_get_size (psk), premaster);
  tf_tls12_master_secret (f->suite->prf, premaster, n, f->client_random, f->server_random,
                          f->ems ? hash : NULL, hash_len, master);
  derive (fl, f, master);
  memset (premaster, 0, sizeof premaster);
  memset (master, 0, sizeof master);
  g_free (f->source);
  f->source = g_strdup_printf ("PSK of identity '%s'", shown);
}

/* a whole handshake message in the clear (epoch 0) */
static void
handshake_message (TfDtlsFlows *fl, Flow *f, guint dir, guint8 type, guint16 seq,
                   const guint8 *body, guint32 len)
{
  /* RFC 6347 4.2.6: hashed as if sent in one fragment; the first ClientHello and
   * HelloVerifyRequest are not hashed (a ClientHello starts the transcript again) */
  if (type == HS_CLIENT_HELLO && dir == 0)
    {
      gint32 done = f->r[0].done;
      flow_reset (f);
      f->r[0].done = done;
      client_hello (f, body, len);
    }
  if (type != HS_HELLO_VERIFY_REQUEST && type != HS_HELLO_REQUEST)
    {
      guint8 h[12] = { type,
                       (guint8)(len >> 16),
                       (guint8)(len >> 8),
                       (guint8)len,
                       (guint8)(seq >> 8),
                       (guint8)seq,
                       0,
                       0,
                       0,
                       (guint8)(len >> 16),
                       (guint8)(len >> 8),
                       (guint8)len };
      if (f->transcript->len + 12 + len > MAX_TRANSCRIPT)
        f->transcript_whole = FALSE;
      else
        {
          g_byte_array_append (f->transcript, h, 12);
          g_byte_array_append (f->transcript, body, len);
        }
    }
  if (type == HS_SERVER_HELLO && dir == 1)
    server_hello (fl, f, body, len);
  else if (type == HS_CLIENT_KEY_EXCHANGE && dir == 0)
    {
      client_key_exchange (fl, f, body, len);
      /* the session hash is made: the messages are not needed any more */
      g_byte_array_unref (f->transcript);
      f->transcript = g_byte_array_new ();
    }
}

/* one fragment (RFC 6347 4.2.3); messages are handled once, when whole */
static void
handshake_fragment (TfDtlsFlows *fl, Flow *f, guint dir, const guint8 *h, const guint8 *frag)
{
  Reassembly *r = &f->r[dir];
  guint8 type = h[0];
  guint32 len = be24 (h + 1), off = be24 (h + 6), n = be24 (h + 9);
  gint32 seq = be16 (h + 4);
  gboolean new_hello = FALSE;

  /* a ClientHello of another random: the client started again (a new connection) */
  if (type == HS_CLIENT_HELLO && dir == 0 && off == 0 && n >= 34
      && (!f->have_client_hello || memcmp (frag + 2, f->client_random, 32) != 0))
    new_hello = TRUE;
  if ((seq <= r->done && !new_hello) || len > MAX_HANDSHAKE_MSG || off + n > len)
    return;
  if (new_hello)
    r->done = -1;
  if (r->seq != seq || r->type != type || r->len != len || r->buf == NULL)
    {
      reassembly_clear (r);
      r->seq = seq;
      r->type = type;
      r->len = len;
      r->buf = g_malloc0 (len + 1);
      r->have = g_malloc0 (len + 1);
    }
  memcpy (r->buf + off, frag, n);
  memset (r->have + off, 1, n);
  if (memchr (r->have, 0, len) != NULL)
    return;
  {
    g_autofree guint8 *buf = g_steal_pointer (&r->buf);
    reassembly_clear (r);
    r->done = seq;
    handshake_message (fl, f, dir, type, (guint16)seq, buf, len);
  }
}

static const char *
handshake_name (guint8 type)
{
  static const char *names[] = {
    [0] = "HelloRequest",       [1] = "ClientHello",         [2] = "ServerHello",
    [3] = "HelloVerifyRequest", [4] = "NewSessionTicket",    [11] = "Certificate",
    [12] = "ServerKeyExchange", [13] = "CertificateRequest", [14] = "ServerHelloDone",
    [15] = "CertificateVerify", [16] = "ClientKeyExchange",  [20] = "Finished",
  };
  return type < G_N_ELEMENTS (names) && names[type] != NULL ? names[type] : "handshake?";
}

static const char *
alert_name (guint8 desc)
{
  switch (desc)
    {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 40:
      return "handshake_failure";
    case 47:
      return "illegal_parameter";
    case 51:
      return "decrypt_error";
    case 80:
      return "internal_error";
    case 115:
      return "unknown_psk_identity";
    default:
      return "alert";
    }
}

static void
add_note (GString *notes, const char *note)
{
  if (strstr (notes->str, note) != NULL)
    return;
  if (notes->len > 0)
    g_string_append (notes, "; ");
  g_string_append (notes, note);
}

/* an epoch >= 1 record: decrypted when the flow's keys are known */
static void
protected_record (Flow *f, guint dir, const guint8 *r, gsize rec_len, GString *s, GString *ok,
                  GString *bad, TfDtlsDatagram *out)
{
  g_autoptr (GBytes) plain = NULL;
  const guint8 *p;
  gsize n;
  if (f == NULL)
    {
      add_note (bad, "the handshake of this flow is not in the capture");
      return;
    }
  if (!f->keys_ready || f->suite == NULL)
    {
      add_note (bad, f->why);
      return;
    }
  if (be16 (r + 3) != 1)
    {
      add_note (bad, "a renegotiated epoch is not followed");
      return;
    }
  plain = tf_dtls_record_decrypt (f->suite, f->etm, &f->keys[dir], r, r + 13, rec_len);
  if (plain == NULL)
    {
      g_autofree char *why = g_strdup_printf (
          "%s does not authenticate this record (%s)", f->source,
          f->verified ? "a corrupt record" : "a different key, or a handshake not followed");
      add_note (bad, why);
      return;
    }
  f->verified = TRUE;
  {
    g_autofree char *note = g_strdup_printf ("decrypted: %s, %s", f->suite->name, f->source);
    add_note (ok, note);
  }
  p = g_bytes_get_data (plain, &n);
  if (r[0] == 22 && n >= 1)
    g_string_append_printf (s, " %s", handshake_name (p[0]));
  else if (r[0] == 21 && n >= 2)
    g_string_append_printf (s, " %s", alert_name (p[1]));
  else if (r[0] == 23 && out->app_data == NULL)
    out->app_data = g_steal_pointer (&plain);
}

/* the flow of this datagram and its direction; a ClientHello starts one */
static Flow *
find_flow (TfDtlsFlows *fl, const char *src, const char *dst, gboolean hello, guint *dir)
{
  g_autofree char *fwd = g_strdup_printf ("%s %s", src, dst);
  g_autofree char *rev = g_strdup_printf ("%s %s", dst, src);
  Flow *f = g_hash_table_lookup (fl->flows, fwd);
  *dir = 0;
  if (f != NULL)
    return f;
  f = g_hash_table_lookup (fl->flows, rev);
  if (f != NULL)
    {
      *dir = 1;
      return f;
    }
  if (!hello)
    return NULL;
  if (g_hash_table_size (fl->flows) >= MAX_FLOWS)
    g_hash_table_remove (fl->flows, g_queue_pop_head (&fl->order));
  f = flow_new (fwd);
  g_hash_table_replace (fl->flows, f->key, f);
  g_queue_push_tail (&fl->order, f->key);
  return f;
}

/* whole records, and whether one starts with a ClientHello in the clear */
static guint
count_records (const guint8 *d, gsize len, gboolean *hello)
{
  gsize off = 0;
  guint n = 0;
  *hello = FALSE;
  while (off + 13 <= len && n < MAX_RECORDS)
    {
      const guint8 *r = d + off;
      guint rec_len = be16 (r + 11);
      if (r[0] < 20 || r[0] > 25 || r[1] != 0xfe || (r[2] != 0xff && r[2] != 0xfd)
          || off + 13 + rec_len > len)
        break;
      if (r[0] == 22 && be16 (r + 3) == 0 && rec_len >= 12 && r[13] == HS_CLIENT_HELLO)
        *hello = TRUE;
      off += 13 + rec_len;
      n++;
    }
  return n == 0 || (off != len && n < MAX_RECORDS) ? 0 : n;
}

TfDtlsDatagram *
tf_dtls_flows_add (TfDtlsFlows *fl, const char *src, const char *dst, const guint8 *d, gsize len)
{
  static const char *types[] = { "change_cipher_spec", "alert",     "handshake",
                                 "application_data",   "heartbeat", "tls12_cid" };
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GString) ok = g_string_new (NULL);
  g_autoptr (GString) bad = g_string_new (NULL);
  TfDtlsDatagram *out;
  gboolean hello;
  guint n = count_records (d, len, &hello), dir = 0;
  gsize off = 0;
  Flow *f;

  if (n == 0)
    return NULL;
  out = g_new0 (TfDtlsDatagram, 1);
  f = find_flow (fl, src, dst, hello, &dir);
  for (guint i = 0; i < n; i++)
    {
      const guint8 *r = d + off;
      guint rec_len = be16 (r + 11), epoch = be16 (r + 3);
      guint64 seq = 0;
      for (guint k = 5; k < 11; k++)
        seq = seq << 8 | r[k];
      g_string_append_printf (s, "%sDTLS %s %s epoch=%u seq=%" G_GUINT64_FORMAT " len=%u",
                              i > 0 ? "; " : "", r[2] == 0xfd ? "1.2" : "1.0", types[r[0] - 20],
                              epoch, seq, rec_len);
      if (epoch > 0 && (r[0] == 21 || r[0] == 22 || r[0] == 23))
        protected_record (f, dir, r, rec_len, s, ok, bad, out);
      else if (epoch == 0 && r[0] == 22)
        {
          /* the handshake messages of the record, each with its 12-byte header */
          gsize hoff = 0;
          while (hoff + 12 <= rec_len && be24 (r + 13 + hoff + 9) <= rec_len - hoff - 12)
            {
              const guint8 *h = r + 13 + hoff;
              g_string_append_printf (s, " %s", handshake_name (h[0]));
              if (f != NULL)
                handshake_fragment (fl, f, dir, h, h + 12);
              hoff += 12 + be24 (h + 9);
            }
        }
      off += 13 + rec_len;
    }
  out->records = g_string_free (g_steal_pointer (&s), FALSE);
  if (ok->len > 0 || bad->len > 0)
    out->note = bad->len > 0 && ok->len == 0 ? g_strdup_printf ("not decrypted: %s", bad->str)
                : bad->len > 0 ? g_strdup_printf ("%s; not decrypted: %s", ok->str, bad->str)
                               : g_strdup (ok->str);
  return out;
}

void
tf_dtls_datagram_free (TfDtlsDatagram *d)
{
  if (d == NULL)
    return;
  g_free (d->records);
  g_free (d->note);
  if (d->app_data != NULL)
    g_bytes_unref (d->app_data);
  g_free (d);
}

TfDtlsFlows *
tf_dtls_flows_new (void)
{
  TfDtlsFlows *fl = g_new0 (TfDtlsFlows, 1);
  fl->flows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)flow_free);
  fl->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&fl->order);
  return fl;
}

void
tf_dtls_flows_set_keys (TfDtlsFlows *fl, TfDtlsKeys *keys)
{
  if (keys != NULL)
    tf_dtls_keys_ref (keys);
  tf_dtls_keys_unref (fl->keys);
  fl->keys = keys;
}

void
tf_dtls_flows_free (TfDtlsFlows *fl)
{
  if (fl == NULL)
    return;
  g_queue_clear (&fl->order);
  g_hash_table_unref (fl->flows);
  g_hash_table_unref (fl->sessions);
  tf_dtls_keys_unref (fl->keys);
  g_free (fl);
}
