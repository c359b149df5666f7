/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where each group and key of a key file sits, since GKeyFile forgets line
 * numbers; also rejects what GKeyFile would silently merge (duplicates) and,
 * with a line number, the lines GKeyFile would refuse without one. TfKeyFile
 * (lab, board type, images files) and the event and ETS loaders all use it,
 * so every config file reports the same mistake in the same words. */
typedef struct
{
  gchar *filename;
  GHashTable *groups;     /* group -> line */
  GHashTable *keys;       /* "group\nkey" -> line */
  GPtrArray *group_order; /* gchar *, file order */
} TfKeyLines;

TfKeyLines *
tf_key_lines_new (const gchar *filename, const gchar *data, gsize len, GError **error);
void
tf_key_lines_free (TfKeyLines *lines);
/* The key's line, else its group's, else 0 (@key may be NULL). */
guint
tf_key_lines_find (const TfKeyLines *lines, const gchar *group, const gchar *key);
/* As tf_key_lines_find(), but line 1 rather than 0 for an unknown group. */
guint
tf_key_lines_group (const TfKeyLines *lines, const gchar *group);
guint
tf_key_lines_key (const TfKeyLines *lines, const gchar *group, const gchar *key);
gboolean
tf_key_lines_fail (const TfKeyLines *lines, GError **error, const gchar *group, const gchar *key,
                   const gchar *format, ...) G_GNUC_PRINTF (5, 6);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfKeyLines, tf_key_lines_free)

G_END_DECLS
