/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "tf-keyfile.h"
#include "tf-error.h"
#include "tf-key-lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct _TfKeyFile
{
  char *path;
  GKeyFile *kf;
  TfKeyLines *lines; /* GKeyFile forgets where things are; this remembers */
};

void
tf_key_file_free (TfKeyFile *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_key_file_unref (self->kf);
  if (self->lines != NULL)
    tf_key_lines_free (self->lines);
  g_free (self);
}

TfKeyFile *
tf_key_file_load_data (const char *path, const char *data, GError **error)
{
  g_autoptr (TfKeyFile) self = g_new0 (TfKeyFile, 1);
  g_autoptr (GError) error_local = NULL;

  self->path = g_strdup (path);
  self->kf = g_key_file_new ();
  /* first, so that duplicates GKeyFile would merge and lines it would refuse
   * without a line number fail with FILE:LINE */
  self->lines = tf_key_lines_new (path, data, strlen (data), error);
  if (self->lines == NULL)
    return NULL;
  if (!g_key_file_load_from_data (self->kf, data, -1, G_KEY_FILE_NONE, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", path, error_local->message);
      return NULL;
    }
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
  return tf_key_lines_find (self->lines, group, key);
}

gboolean
tf_key_file_fail (TfKeyFile *self, GError **error, const char *group, const char *key,
                  const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;
  guint line = tf_key_file_line (self, group, key);

  if (line == 0) /* a group the file lacks: the top of the file, not a line 0 */
    line = 1;
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
    return tf_key_file_fail (
        self, error, group, key,
        "'%s' is not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, v, min, max);
  *out = n;
  return TRUE;
}

gboolean
tf_key_file_get_number (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        guint64 def, guint64 min, guint64 max, guint64 *out, GError **error)
{
  g_autofree char *v = NULL;
  const char *s;
  guint base = 10;
  guint64 n = 0;

  if (!g_key_file_has_key (self->kf, group, key, NULL))
    {
      if (required)
        return tf_key_file_fail (self, error, group, NULL, "missing key '%s'", key);
      *out = def;
      return TRUE;
    }
  v = g_strstrip (g_key_file_get_value (self->kf, group, key, NULL));
  s = v;
  if (g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X"))
    s += 2, base = 16;
  if (!g_ascii_string_to_unsigned (s, base, min, max, &n, NULL))
    return tf_key_file_fail (self, error, group, key,
                             "'%s' is not a number (decimal or 0x hex) from %" G_GUINT64_FORMAT
                             " to 0x%" G_GINT64_MODIFIER "x",
                             v, min, max);
  *out = n;
  return TRUE;
}

gboolean
tf_key_file_get_usb_id (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        guint16 *vid, guint16 *pid, GError **error)
{
  g_autofree char *v = NULL;
  g_auto (GStrv) parts = NULL;
  guint64 a = 0, b = 0;

  if (!tf_key_file_get_string (self, group, key, required, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  parts = g_strsplit (v, ":", -1);
  if (g_strv_length (parts) != 2 || strlen (parts[0]) != 4 || strlen (parts[1]) != 4
      || !g_ascii_string_to_unsigned (parts[0], 16, 0, 0xffff, &a, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 16, 0, 0xffff, &b, NULL))
    return tf_key_file_fail (self, error, group, key, "'%s' is not a USB id VVVV:PPPP", v);
  *vid = a;
  *pid = b;
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
  *name = g_strdup (g_strstrip ((char *)sp + 1) ? sp + 1 : sp + 1);
  g_strstrip (*name);
  return **name != '\0';
}
