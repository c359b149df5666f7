/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

/* A board's console, owned for the daemon's life: lines are split, stamped,
 * kept in a bounded ring and written to the board's logs (.log with
 * timestamps, .raw byte-exact). Backends (serial, ...) feed it bytes. */
#define TF_TYPE_CONSOLE (tf_console_get_type ())
G_DECLARE_DERIVABLE_TYPE (TfConsole, tf_console, TF, CONSOLE, GObject)

struct _TfConsoleClass
{
  GObjectClass parent_class;
  gboolean (*open) (TfConsole *self, GError **error);
  void (*close) (TfConsole *self);
  gboolean (*write) (TfConsole *self, const void *data, gsize len, GError **error);
};

typedef struct
{
  char *board;
  char *device;
  guint baud;
  char *log_dir; /* NULL: no log files */
  guint ring_lines;
  guint64 log_max_bytes;
} TfConsoleOptions;

/* The serial backend for @opts->device. Signals: "line" (const char *text,
 * gint64 realtime_us), "closed" (const char *reason) when the port failed. */
TfConsole *
tf_console_new_serial (const TfConsoleOptions *opts);

gboolean
tf_console_open (TfConsole *self, GError **error);
void
tf_console_close (TfConsole *self);
gboolean
tf_console_is_open (TfConsole *self);
gboolean
tf_console_write (TfConsole *self, const void *data, gsize len, GError **error);
/* The last @max lines (oldest first), each "ISO-TIME text". */
GStrv
tf_console_get_tail (TfConsole *self, guint max);

/* A log file opened for appending, mode 0640 (a wider one is tightened). */
FILE *
tf_console_open_log_file (const char *path);

/* For backends */
const TfConsoleOptions *
tf_console_get_options (TfConsole *self);
void
tf_console_set_options (TfConsole *self, const TfConsoleOptions *opts);
void
tf_console_feed (TfConsole *self, const guint8 *data, gsize len);
void
tf_console_failed (TfConsole *self, const char *reason);

G_END_DECLS
