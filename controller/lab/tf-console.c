/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-console"

#include "tf-console.h"
#include "tf-error.h"
#include "tf-time.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE 4096 /* a line longer than this is cut into pieces */

typedef struct
{
  char *text;
  gint64 at;
} Line;

typedef struct
{
  TfConsoleOptions opts;
  gboolean open;
  GString *partial; /* bytes after the last newline */
  gint64 partial_at;
  Line *ring;
  guint ring_head, ring_len;
  FILE *log, *raw;
  guint64 log_bytes, raw_bytes;
  guint64 bytes; /* total received */
} TfConsolePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TfConsole, tf_console, G_TYPE_OBJECT)
#define GET_PRIVATE(o) ((TfConsolePrivate *)tf_console_get_instance_private (o))

enum
{
  SIGNAL_LINE,
  SIGNAL_CLOSED,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static void
close_logs (TfConsolePrivate *priv)
{
  g_clear_pointer (&priv->log, fclose);
  g_clear_pointer (&priv->raw, fclose);
}

FILE *
tf_console_open_log_file (const char *path)
{
  struct stat st;
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  FILE *f;
  if (fd < 0)
    return NULL;
  /* a log made by an older testfestd under a looser umask */
  if (fstat (fd, &st) == 0 && (st.st_mode & 0137) != 0)
    {
      g_warning ("%s had mode %04o: tightened to 0640", path, st.st_mode & 0777);
      if (fchmod (fd, 0640) != 0)
        g_warning ("%s: %s", path, g_strerror (errno));
    }
  f = fdopen (fd, "ab");
  if (f == NULL)
    close (fd);
  return f;
}

static FILE *
open_log (TfConsolePrivate *priv, const char *suffix, guint64 *size)
{
  g_autofree char *path = NULL;
  FILE *f;
  GStatBuf st;

  if (priv->opts.log_dir == NULL)
    return NULL;
  if (g_mkdir_with_parents (priv->opts.log_dir, 0750) != 0)
    {
      g_warning ("board %s: cannot create %s: %s", priv->opts.board, priv->opts.log_dir,
                 g_strerror (errno));
      return NULL;
    }
  path = g_strdup_printf ("%s/%s.%s", priv->opts.log_dir, priv->opts.board, suffix);
  f = tf_console_open_log_file (path);
  if (f == NULL)
    {
      g_warning ("board %s: cannot open %s: %s", priv->opts.board, path, g_strerror (errno));
      return NULL;
    }
  *size = g_stat (path, &st) == 0 ? (guint64)st.st_size : 0;
  return f;
}

/* Keep one previous generation: NAME.log -> NAME.log.1 */
static void
rotate (TfConsolePrivate *priv, FILE **f, guint64 *size, const char *suffix)
{
  g_autofree char *path
      = g_strdup_printf ("%s/%s.%s", priv->opts.log_dir, priv->opts.board, suffix);
  g_autofree char *old = g_strdup_printf ("%s.1", path);
  g_clear_pointer (f, fclose);
  if (g_rename (path, old) != 0)
    g_warning ("board %s: cannot rotate %s: %s", priv->opts.board, path, g_strerror (errno));
  *f = open_log (priv, suffix, size);
}

static void
tf_console_finalize (GObject *object)
{
  TfConsolePrivate *priv = GET_PRIVATE (TF_CONSOLE (object));
  close_logs (priv);
  for (guint i = 0; i < priv->ring_len; i++)
    g_free (priv->ring[(priv->ring_head + i) % priv->opts.ring_lines].text);
  g_free (priv->ring);
  g_string_free (priv->partial, TRUE);
  g_free (priv->opts.board);
  g_free (priv->opts.device);
  g_free (priv->opts.log_dir);
  G_OBJECT_CLASS (tf_console_parent_class)->finalize (object);
}

static void
tf_console_class_init (TfConsoleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_console_finalize;
  signals[SIGNAL_LINE]
      = g_signal_new ("line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tf_console_init (TfConsole *self)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  priv->partial = g_string_new (NULL);
}

void
tf_console_set_options (TfConsole *self, const TfConsoleOptions *opts)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  priv->opts = *opts;
  priv->opts.board = g_strdup (opts->board);
  priv->opts.device = g_strdup (opts->device);
  priv->opts.log_dir = g_strdup (opts->log_dir);
  priv->opts.ring_lines = MAX (opts->ring_lines, 1);
  if (priv->opts.log_max_bytes == 0)
    priv->opts.log_max_bytes = G_MAXUINT64;
  priv->ring = g_new0 (Line, priv->opts.ring_lines);
}

const TfConsoleOptions *
tf_console_get_options (TfConsole *self)
{
  return &GET_PRIVATE (self)->opts;
}

gboolean
tf_console_is_open (TfConsole *self)
{
  return GET_PRIVATE (self)->open;
}

gboolean
tf_console_open (TfConsole *self, GError **error)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  if (priv->open)
    return TRUE;
  if (!TF_CONSOLE_GET_CLASS (self)->open (self, error))
    {
      g_prefix_error (error, "board %s console: ", priv->opts.board);
      return FALSE;
    }
  if (priv->log == NULL)
    priv->log = open_log (priv, "log", &priv->log_bytes);
  if (priv->raw == NULL)
    priv->raw = open_log (priv, "raw", &priv->raw_bytes);
  priv->open = TRUE;
  g_debug ("board %s: console %s open", priv->opts.board, priv->opts.device);
  return TRUE;
}

void
tf_console_close (TfConsole *self)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  if (!priv->open)
    return;
  TF_CONSOLE_GET_CLASS (self)->close (self);
  priv->open = FALSE;
  if (priv->log != NULL)
    fflush (priv->log);
  if (priv->raw != NULL)
    fflush (priv->raw);
  g_debug ("board %s: console %s closed", priv->opts.board, priv->opts.device);
}

void
tf_console_failed (TfConsole *self, const char *reason)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  g_info ("board %s: console %s: %s", priv->opts.board, priv->opts.device, reason);
  tf_console_close (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, reason);
}

gboolean
tf_console_write (TfConsole *self, const void *data, gsize len, GError **error)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  if (!priv->open)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "board %s: console %s is not open",
                   priv->opts.board, priv->opts.device);
      return FALSE;
    }
  return TF_CONSOLE_GET_CLASS (self)->write (self, data, len, error);
}

static void
emit_line (TfConsole *self, const char *text, gsize len, gint64 at)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  g_autofree char *clean = NULL;
  Line *slot;

  /* strip the CR of CRLF; keep the text valid UTF-8 for JSON and regexes */
  if (len > 0 && text[len - 1] == '\r')
    len--;
  clean = g_utf8_make_valid (text, len);
  if (priv->log != NULL)
    {
      g_autoptr (GDateTime) dt = tf_time_from_usec (at);
      g_autofree char *ts = g_date_time_format (dt, "%FT%T.%fZ");
      int n = fprintf (priv->log, "%s %s\n", ts, clean);
      if (n > 0)
        priv->log_bytes += n;
      if (priv->log_bytes > priv->opts.log_max_bytes)
        rotate (priv, &priv->log, &priv->log_bytes, "log");
    }
  slot = &priv->ring[(priv->ring_head + priv->ring_len) % priv->opts.ring_lines];
  if (priv->ring_len == priv->opts.ring_lines)
    {
      g_free (priv->ring[priv->ring_head].text);
      slot = &priv->ring[priv->ring_head];
      priv->ring_head = (priv->ring_head + 1) % priv->opts.ring_lines;
    }
  else
    priv->ring_len++;
  slot->text = g_strdup (clean);
  slot->at = at;
  g_signal_emit (self, signals[SIGNAL_LINE], 0, clean, at);
}

void
tf_console_feed (TfConsole *self, const guint8 *data, gsize len)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  gint64 now = g_get_real_time ();
  gsize start = 0;

  priv->bytes += len;
  if (priv->raw != NULL)
    {
      if (fwrite (data, 1, len, priv->raw) == len)
        priv->raw_bytes += len;
      fflush (priv->raw);
      if (priv->raw_bytes > priv->opts.log_max_bytes)
        rotate (priv, &priv->raw, &priv->raw_bytes, "raw");
    }
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] != '\n')
        continue;
      if (priv->partial->len > 0)
        {
          g_string_append_len (priv->partial, (const char *)data + start, i - start);
          emit_line (self, priv->partial->str, priv->partial->len, priv->partial_at);
          g_string_truncate (priv->partial, 0);
        }
      else
        emit_line (self, (const char *)data + start, i - start, now);
      start = i + 1;
    }
  if (start < len)
    {
      if (priv->partial->len == 0)
        priv->partial_at = now;
      g_string_append_len (priv->partial, (const char *)data + start, len - start);
      while (priv->partial->len >= MAX_LINE)
        {
          emit_line (self, priv->partial->str, MAX_LINE, priv->partial_at);
          g_string_erase (priv->partial, 0, MAX_LINE);
        }
    }
  if (priv->log != NULL)
    fflush (priv->log);
}

GStrv
tf_console_get_tail (TfConsole *self, guint max)
{
  TfConsolePrivate *priv = GET_PRIVATE (self);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  guint n = MIN (max, priv->ring_len);

  for (guint i = priv->ring_len - n; i < priv->ring_len; i++)
    {
      Line *l = &priv->ring[(priv->ring_head + i) % priv->opts.ring_lines];
      g_autoptr (GDateTime) dt = tf_time_from_usec (l->at);
      g_autofree char *ts = g_date_time_format (dt, "%FT%T.%fZ");
      g_autofree char *line = g_strdup_printf ("%s %s", ts, l->text);
      g_strv_builder_add (b, line);
    }
  return g_strv_builder_end (b);
}
