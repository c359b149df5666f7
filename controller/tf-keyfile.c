/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "tf-keyfile.h"
#include "tf-error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _TfKeyFile {
  char *path;
  GKeyFile *kf;
  GHashTable *lines; /* "group" or "group\nkey" -> line number */
};

void
tf_key_file_free (TfKeyFile *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_key_file_unref (self->kf);
  g_hash_table_unref (self->lines);
  g_free (self);
}

/* GKeyFile keeps no line numbers, so index the text ourselves with the same
 * grammar: [group] headers, key=value lines, # comments. */
static void
index_lines (TfKeyFile *self, const char *data)
{
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  g_autofree char *group = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
        continue;
      if (line[0] == '[')
        {
          char *end = strrchr (line, ']');
          g_free (group);
          group = g_strndup (line + 1, end != NULL ? (gsize) (end - line - 1) : strlen (line + 1));
          if (!g_hash_table_contains (self->lines, group))
            g_hash_table_insert (self->lines, g_strdup (group), GUINT_TO_POINTER (i + 1));
          continue;
        }
      if (group != NULL)
        {
          char *eq = strchr (line, '=');
          if (eq != NULL)
            {
              g_autofree char *key = g_strstrip (g_strndup (line, eq - line));
              g_hash_table_insert (self->lines, g_strdup_printf ("%s\n%s", group, key),
                                   GUINT_TO_POINTER (i + 1));
            }
        }
    }
}

/* GKeyFile silently merges duplicate groups and keys; a lab file with two
 * [board x] sections is a mistake we must report, so look for them first. */
static gboolean
check_duplicates (const char *path, const char *data, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  g_autoptr (GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
        continue;
      if (line[0] == '[')
        {
          char *end = strrchr (line, ']');
          if (end == NULL)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                           "%s:%u: unterminated group header", path, i + 1);
              return FALSE;
            }
          g_free (group);
          group = g_strndup (line + 1, end - line - 1);
          if (g_hash_table_contains (groups, group))
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                           "%s:%u: [%s]: duplicate group, first defined at line %u", path, i + 1,
                           group, GPOINTER_TO_UINT (g_hash_table_lookup (groups, group)));
              return FALSE;
            }
          g_hash_table_insert (groups, g_strdup (group), GUINT_TO_POINTER (i + 1));
          continue;
        }
      if (group == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: text before the first [group]", path, i + 1);
          return FALSE;
        }
      char *eq = strchr (line, '=');
      if (eq == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: [%s]: expected key = value", path, i + 1, group);
          return FALSE;
        }
      g_autofree char *key = g_strstrip (g_strndup (line, eq - line));
      g_autofree char *gk = g_strdup_printf ("%s\n%s", group, key);
      if (g_hash_table_contains (keys, gk))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: [%s] %s: duplicate key, first set at line %u", path, i + 1, group,
                       key, GPOINTER_TO_UINT (g_hash_table_lookup (keys, gk)));
          return FALSE;
        }
      g_hash_table_insert (keys, g_steal_pointer (&gk), GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
}

TfKeyFile *
tf_key_file_load_data (const char *path, const char *data, GError **error)
{
  g_autoptr (TfKeyFile) self = g_new0 (TfKeyFile, 1);
  g_autoptr (GError) error_local = NULL;

  self->path = g_strdup (path);
  self->kf = g_key_file_new ();
  self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!check_duplicates (path, data, error))
    return NULL;
  if (!g_key_file_load_from_data (self->kf, data, -1, G_KEY_FILE_NONE, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", path, error_local->message);
      return NULL;
    }
  index_lines (self, data);
  return g_steal_pointer (&self);
}

TfKeyFile *
tf_key_file_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error_local = NULL;

  if (!g_file_get_contents (path, &data, &len, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", path, error_local->message);
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: not a UTF-8 text file", path);
      return NULL;
    }
  return tf_key_file_load_data (path, data, error);
}

GKeyFile *
tf_key_file_get_keyfile (TfKeyFile *self)
{
  return self->kf;
}

const char *
tf_key_file_get_path (TfKeyFile *self)
{
  return self->path;
}

guint
tf_key_file_line (TfKeyFile *self, const char *group, const char *key)
{
  gpointer v = NULL;
  if (key != NULL)
    {
      g_autofree char *gk = g_strdup_printf ("%s\n%s", group, key);
      v = g_hash_table_lookup (self->lines, gk);
    }
  if (v == NULL && group != NULL)
    v = g_hash_table_lookup (self->lines, group);
  return GPOINTER_TO_UINT (v);
}

gboolean
tf_key_file_fail (TfKeyFile *self, GError **error, const char *group, const char *key,
                  const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;
  guint line = tf_key_file_line (self, group, key);

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (key != NULL)
    g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: [%s] %s: %s", self->path, line,
                 group, key, msg);
  else
    g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: [%s]: %s", self->path, line,
                 group, msg);
  return FALSE;
}

gboolean
tf_key_file_check_keys (TfKeyFile *self, const char *group, const char *const *allowed,
                        GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (self->kf, group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (!g_strv_contains (allowed, keys[i]))
        return tf_key_file_fail (self, error, group, keys[i], "unknown key");
    }
  return TRUE;
}

gboolean
tf_key_file_get_string (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        const char *def, char **out, GError **error)
{
  g_autofree char *v = NULL;
  if (!g_key_file_has_key (self->kf, group, key, NULL))
    {
      if (required)
        return tf_key_file_fail (self, error, group, NULL, "missing key '%s'", key);
      *out = g_strdup (def);
      return TRUE;
    }
  v = g_key_file_get_string (self->kf, group, key, NULL);
  if (v == NULL || v[0] == '\0')
    return tf_key_file_fail (self, error, group, key, "empty value");
  *out = g_steal_pointer (&v);
  return TRUE;
}

gboolean
tf_key_file_get_uint (TfKeyFile *self, const char *group, const char *key, gboolean required,
                      guint64 def, guint64 min, guint64 max, guint64 *out, GError **error)
{
  g_autofree char *v = NULL;
  guint64 n = 0;
  g_autoptr (GError) error_local = NULL;

  if (!g_key_file_has_key (self->kf, group, key, NULL))
    {
      if (required)
        return tf_key_file_fail (self, error, group, NULL, "missing key '%s'", key);
      *out = def;
      return TRUE;
    }
  v = g_strstrip (g_key_file_get_value (self->kf, group, key, NULL));
  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, &error_local))
    return tf_key_file_fail (self, error, group, key,
                             "'%s' is not a whole number from %" G_GUINT64_FORMAT
                             " to %" G_GUINT64_FORMAT, v, min, max);
  *out = n;
  return TRUE;
}

gboolean
tf_key_file_get_bool (TfKeyFile *self, const char *group, const char *key, gboolean def,
                      gboolean *out, GError **error)
{
  g_autofree char *v = NULL;
  if (!g_key_file_has_key (self->kf, group, key, NULL))
    {
      *out = def;
      return TRUE;
    }
  v = g_strstrip (g_key_file_get_value (self->kf, group, key, NULL));
  if (g_strcmp0 (v, "true") == 0 || g_strcmp0 (v, "yes") == 0)
    *out = TRUE;
  else if (g_strcmp0 (v, "false") == 0 || g_strcmp0 (v, "no") == 0)
    *out = FALSE;
  else
    return tf_key_file_fail (self, error, group, key, "'%s' is not true or false", v);
  return TRUE;
}

gboolean
tf_key_file_split_group (const char *group, char **kind, char **name)
{
  const char *sp = strchr (group, ' ');
  if (sp == NULL)
    {
      *kind = g_strdup (group);
      *name = NULL;
      return TRUE;
    }
  *kind = g_strndup (group, sp - group);
  *name = g_strdup (g_strstrip ((char *) sp + 1) ? sp + 1 : sp + 1);
  g_strstrip (*name);
  return **name != '\0';
}
