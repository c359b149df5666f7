/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where each group and key of a key file sits, since GKeyFile forgets line
 * numbers; also rejects what GKeyFile would silently merge (duplicates). */
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
guint
tf_key_lines_group (const TfKeyLines *lines, const gchar *group);
guint
tf_key_lines_key (const TfKeyLines *lines, const gchar *group, const gchar *key);
gboolean
tf_key_lines_fail (const TfKeyLines *lines, GError **error, const gchar *group, const gchar *key,
                   const gchar *format, ...) G_GNUC_PRINTF (5, 6);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfKeyLines, tf_key_lines_free)

G_END_DECLS
