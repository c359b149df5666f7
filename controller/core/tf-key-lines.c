/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "config.h"

#include <string.h>

#include "tf-error.h"
#include "tf-key-lines.h"

void
tf_key_lines_free (TfKeyLines *lines)
{
  g_free (lines->filename);
  g_hash_table_unref (lines->groups);
  g_hash_table_unref (lines->keys);
  g_ptr_array_unref (lines->group_order);
  g_free (lines);
}

static gchar *
key_name (const gchar *group, const gchar *key)
{
  return g_strdup_printf ("%s\n%s", group, key);
}

/* Close to GKeyFile's words for a line it cannot read, but with the line. */
#define NOT_A_LINE "not a group header, key=value pair or comment"

static TfKeyLines *
fail_line (GError **error, const gchar *filename, guint line, const gchar *what)
{
  g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: %s", filename, line, what);
  return NULL;
}

/**
 * tf_key_lines_new:
 * Scans @data line by line with GKeyFile's grammar, remembering the line of
 * every group header and key. Comments start with '#' only: GKeyFile takes
 * ';' for a key, so a ';' "comment" must fail here, where we know its line.
 * GKeyFile still parses the values; this only has to fail first, with a line.
 */
TfKeyLines *
tf_key_lines_new (const gchar *filename, const gchar *data, gsize len, GError **error)
{
  g_autoptr (TfKeyLines) lines = g_new0 (TfKeyLines, 1);
  g_autofree gchar *copy = g_strndup (data, len);
  g_auto (GStrv) split = g_strsplit (copy, "\n", -1);
  const gchar *group = NULL;

  lines->filename = g_strdup (filename);
  lines->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines->group_order = g_ptr_array_new_with_free_func (g_free);

  for (guint n = 0; split[n] != NULL; n++)
    {
      guint line = n + 1;
      gchar *text = g_strstrip (split[n]);
      const gchar *eq;
      if (text[0] == '\0' || text[0] == '#')
        continue;
      /* no key may start with '[', so such a line is a header or a mistake */
      if (text[0] == '[')
        {
          const gchar *close = strchr (text, ']');
          g_autofree gchar *name = NULL;
          guint first;
          if (close == NULL)
            return fail_line (error, filename, line, "unterminated group header");
          if (close[1] != '\0')
            return fail_line (error, filename, line, NOT_A_LINE);
          name = g_strndup (text + 1, close - text - 1);
          first = GPOINTER_TO_UINT (g_hash_table_lookup (lines->groups, name));
          if (first != 0)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                           "%s:%u: [%s]: duplicate group (first at line %u)", filename, line, name,
                           first);
              return NULL;
            }
          g_hash_table_insert (lines->groups, g_strdup (name), GUINT_TO_POINTER (line));
          g_ptr_array_add (lines->group_order, g_steal_pointer (&name));
          group = g_ptr_array_index (lines->group_order, lines->group_order->len - 1);
          continue;
        }
      eq = strchr (text, '=');
      if (eq == NULL || eq == text)
        return fail_line (error, filename, line, NOT_A_LINE);
      if (group == NULL)
        return fail_line (error, filename, line, "key before the first [group]");
      {
        g_autofree gchar *key = g_strstrip (g_strndup (text, eq - text));
        g_autofree gchar *name = key_name (group, key);
        guint first = GPOINTER_TO_UINT (g_hash_table_lookup (lines->keys, name));
        if (first != 0)
          {
            g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                         "%s:%u: [%s] %s: duplicate key (first at line %u)", filename, line, group,
                         key, first);
            return NULL;
          }
        g_hash_table_insert (lines->keys, g_steal_pointer (&name), GUINT_TO_POINTER (line));
      }
    }
  return g_steal_pointer (&lines);
}

guint
tf_key_lines_find (const TfKeyLines *lines, const gchar *group, const gchar *key)
{
  guint line = 0;
  if (group == NULL)
    return 0;
  if (key != NULL)
    {
      g_autofree gchar *name = key_name (group, key);
      line = GPOINTER_TO_UINT (g_hash_table_lookup (lines->keys, name));
    }
  if (line == 0)
    line = GPOINTER_TO_UINT (g_hash_table_lookup (lines->groups, group));
  return line;
}

/* Line 1 for a group that is not in the file: a message must point somewhere. */
guint
tf_key_lines_group (const TfKeyLines *lines, const gchar *group)
{
  guint line = tf_key_lines_find (lines, group, NULL);
  return line != 0 ? line : 1;
}

/* The key's line, or its group's when the key is absent (a missing key). */
guint
tf_key_lines_key (const TfKeyLines *lines, const gchar *group, const gchar *key)
{
  guint line = tf_key_lines_find (lines, group, key);
  return line != 0 ? line : 1;
}

/* Sets "FILE:LINE: [group] key: message" and returns FALSE. */
gboolean
tf_key_lines_fail (const TfKeyLines *lines, GError **error, const gchar *group, const gchar *key,
                   const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: [%s] %s: %s", lines->filename,
                 tf_key_lines_key (lines, group, key), group, key, msg);
  else
    g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: [%s]: %s", lines->filename,
                 tf_key_lines_group (lines, group), group, msg);
  return FALSE;
}
