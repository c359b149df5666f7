/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pcapng (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, ISB with their options. */
#define G_LOG_DOMAIN "tf-capture"

#include "config.h"

#include "tf-pcapng.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-error.h"

#define BT_SHB 0x0A0D0D0A
#define BT_IDB 0x00000001
#define BT_ISB 0x00000005
#define BT_EPB 0x00000006
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5
/* a comment longer than this is cut: options are at most 65535 bytes */
#define MAX_COMMENT 60000

struct _TfPcapng
{
  char *path;
  FILE *f;
  guint64 size;
  guint64 packets;
  gint64 first_us;
  gint64 last_us;
};

static void
put32 (GByteArray *b, guint32 v)
{
  g_byte_array_append (b, (const guint8 *)&v, 4);
}

static void
put16 (GByteArray *b, guint16 v)
{
  g_byte_array_append (b, (const guint8 *)&v, 2);
}

static void
pad4 (GByteArray *b)
{
  static const guint8 zero[4] = { 0 };
  if (b->len % 4 != 0)
    g_byte_array_append (b, zero, 4 - b->len % 4);
}

static void
put_option (GByteArray *b, guint16 code, const void *data, gsize len)
{
  put16 (b, code);
  put16 (b, (guint16)len);
  g_byte_array_append (b, data, (guint)len);
  pad4 (b);
}

static void
put_comment (GByteArray *b, guint16 code, const char *text)
{
  gsize len = 0;
  if (text == NULL)
    return;
  len = strlen (text);
  if (len > MAX_COMMENT)
    {
      /* cut at a character boundary: comments are UTF-8 */
      const char *end = g_utf8_find_prev_char (text, text + MAX_COMMENT);
      len = end != NULL ? (gsize)(end - text) : 0;
    }
  put_option (b, code, text, len);
}

static void
put_time (GByteArray *b, gint64 time_us)
{
  guint64 t = (guint64)MAX (time_us, 0);
  put32 (b, (guint32)(t >> 32));
  put32 (b, (guint32)t);
}

/* @body holds the block from its type on with a placeholder length; the total length at both
 * ends, then the block written */
static gboolean
write_block (TfPcapng *p, GByteArray *body, GError **error)
{
  guint32 total;
  put32 (body, 0);
  total = body->len;
  memcpy (body->data + 4, &total, 4);
  memcpy (body->data + total - 4, &total, 4);
  if (fwrite (body->data, 1, total, p->f) != total)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", p->path, g_strerror (errno));
      return FALSE;
    }
  p->size += total;
  return TRUE;
}

static GByteArray *
block_start (guint32 type)
{
  GByteArray *b = g_byte_array_sized_new (256);
  put32 (b, type);
  put32 (b, 0);
  return b;
}

TfPcapng *
tf_pcapng_create (const char *path, const char *comment, const char *if_name, guint snaplen,
                  GError **error)
{
  g_autoptr (TfPcapng) p = g_new0 (TfPcapng, 1);
  g_autoptr (GByteArray) shb = block_start (BT_SHB);
  g_autoptr (GByteArray) idb = block_start (BT_IDB);
  guint8 tsresol = 6;
  gint64 unknown = -1;
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

  p->path = g_strdup (path);
  if (fd < 0 || (p->f = fdopen (fd, "w")) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  /* umask must not widen or narrow what the companies' download expects */
  fchmod (fd, 0640);
  put32 (shb, 0x1A2B3C4D);
  put16 (shb, 1);
  put16 (shb, 0);
  g_byte_array_append (shb, (const guint8 *)&unknown, 8);
  put_comment (shb, OPT_COMMENT, comment);
  put_comment (shb, SHB_USERAPPL, "testfest " TF_VERSION);
  put32 (shb, OPT_END);
  put16 (idb, TF_PCAPNG_LINKTYPE_ETHERNET);
  put16 (idb, 0);
  put32 (idb, snaplen);
  put_comment (idb, IF_NAME, if_name);
  put_option (idb, IF_TSRESOL, &tsresol, 1);
  put32 (idb, OPT_END);
  if (!write_block (p, shb, error) || !write_block (p, idb, error))
    return NULL;
  return g_steal_pointer (&p);
}

gboolean
tf_pcapng_write_packet (TfPcapng *p, gint64 time_us, const guint8 *data, gsize caplen,
                        gsize origlen, const char *comment, GError **error)
{
  g_autoptr (GByteArray) epb = block_start (BT_EPB);
  caplen = MIN (caplen, 262144);
  put32 (epb, 0); /* interface 0 */
  put_time (epb, time_us);
  put32 (epb, (guint32)caplen);
  put32 (epb, (guint32)MAX (origlen, caplen));
  g_byte_array_append (epb, data, (guint)caplen);
  pad4 (epb);
  if (comment != NULL)
    {
      put_comment (epb, OPT_COMMENT, comment);
      put32 (epb, OPT_END);
    }
  if (!write_block (p, epb, error))
    return FALSE;
  if (p->packets++ == 0)
    p->first_us = time_us;
  p->last_us = time_us;
  return TRUE;
}

gboolean
tf_pcapng_flush (TfPcapng *p, GError **error)
{
  if (fflush (p->f) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", p->path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

guint64
tf_pcapng_get_size (TfPcapng *p)
{
  return p->size;
}

guint64
tf_pcapng_get_packets (TfPcapng *p)
{
  return p->packets;
}

gboolean
tf_pcapng_close (TfPcapng *p, guint64 received, guint64 dropped, const char *comment,
                 GError **error)
{
  g_autoptr (GByteArray) isb = block_start (BT_ISB);
  gint64 now = g_get_real_time ();
  guint8 t[8];
  gboolean ok;

  put32 (isb, 0);
  put_time (isb, now);
  put_comment (isb, OPT_COMMENT, comment);
  if (p->packets > 0)
    {
      guint64 first = (guint64)p->first_us;
      guint32 w[2] = { (guint32)(first >> 32), (guint32)first };
      memcpy (t, w, 8);
      put_option (isb, ISB_STARTTIME, t, 8);
    }
  {
    guint64 end = (guint64)now;
    guint32 w[2] = { (guint32)(end >> 32), (guint32)end };
    memcpy (t, w, 8);
    put_option (isb, ISB_ENDTIME, t, 8);
  }
  put_option (isb, ISB_IFRECV, &received, 8);
  put_option (isb, ISB_IFDROP, &dropped, 8);
  put32 (isb, OPT_END);
  ok = write_block (p, isb, error) && tf_pcapng_flush (p, error);
  tf_pcapng_free (p);
  return ok;
}

void
tf_pcapng_free (TfPcapng *p)
{
  if (p == NULL)
    return;
  if (p->f != NULL)
    fclose (p->f);
  g_free (p->path);
  g_free (p);
}
