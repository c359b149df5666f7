/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "tf-board-type.h"
#include "tf-flasher.h"
#include "tf-error.h"
#include "tf-keyfile.h"

#include <string.h>

void
tf_board_type_free (TfBoardType *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->path);
  g_free (self->description);
  g_free (self->vendor);
  g_free (self->chip);
  g_clear_pointer (&self->banner, g_regex_unref);
  g_clear_pointer (&self->firmware, g_regex_unref);
  g_free (self->flash_method);
  if (self->flash != NULL && self->flash->free != NULL)
    self->flash->free (self->flash);
  g_free (self);
}

static gboolean
parse_regex (TfKeyFile *kf, const char *group, const char *key, gboolean required, GRegex **out,
             GError **error)
{
  g_autofree char *v = NULL;
  g_autoptr (GError) error_local = NULL;

  if (!tf_key_file_get_string (kf, group, key, required, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  *out = g_regex_new (v, G_REGEX_OPTIMIZE, 0, &error_local);
  if (*out == NULL)
    return tf_key_file_fail (kf, error, group, key, "bad pattern: %s", error_local->message);
  return TRUE;
}

TfBoardType *
tf_board_type_load (const char *path, GError **error)
{
  static const char *const groups[] = { "board-type", "console", "power", "flash", NULL };
  static const char *const k_type[] = { "description", "vendor", "chip", "url", NULL };
  static const char *const k_console[]
      = { "baud", "usb-id", "banner", "firmware", "boot-timeout-ms", NULL };
  static const char *const k_power[] = { "settle-ms", NULL };
  g_autoptr (TfKeyFile) kf = NULL;
  g_autoptr (TfBoardType) self = g_new0 (TfBoardType, 1);
  g_autofree char *base = g_path_get_basename (path);
  g_auto (GStrv) found = NULL;
  guint64 n = 0;

  kf = tf_key_file_load (path, error);
  if (kf == NULL)
    return NULL;
  found = g_key_file_get_groups (tf_key_file_get_keyfile (kf), NULL);
  for (guint i = 0; found[i] != NULL; i++)
    if (!g_strv_contains (groups, found[i]))
      {
        tf_key_file_fail (kf, error, found[i], NULL, "unknown group");
        return NULL;
      }
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "board-type"))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:1: missing group [board-type]",
                   path);
      return NULL;
    }
  if (!tf_key_file_check_keys (kf, "board-type", k_type, error)
      || !tf_key_file_check_keys (kf, "console", k_console, error)
      || !tf_key_file_check_keys (kf, "power", k_power, error))
    return NULL;

  self->name = g_strndup (base, strlen (base) - strlen (".board"));
  self->path = g_strdup (path);
  if (!tf_key_file_get_string (kf, "board-type", "description", TRUE, NULL, &self->description,
                               error)
      || !tf_key_file_get_string (kf, "board-type", "vendor", FALSE, "", &self->vendor, error)
      || !tf_key_file_get_string (kf, "board-type", "chip", FALSE, "", &self->chip, error))
    return NULL;
  if (!tf_key_file_get_uint (kf, "console", "baud", FALSE, 115200, 300, 12000000, &n, error))
    return NULL;
  self->baud = n;
  if (!tf_key_file_get_usb_id (kf, "console", "usb-id", FALSE, &self->console_vid,
                               &self->console_pid, error))
    return NULL;
  if (!parse_regex (kf, "console", "banner", TRUE, &self->banner, error)
      || !parse_regex (kf, "console", "firmware", FALSE, &self->firmware, error))
    return NULL;
  if (self->firmware != NULL && g_regex_get_capture_count (self->firmware) < 2)
    {
      tf_key_file_fail (kf, error, "console", "firmware",
                        "pattern needs two groups: (name) and (version)");
      return NULL;
    }
  if (!tf_key_file_get_uint (kf, "console", "boot-timeout-ms", FALSE, 10000, 10, 600000, &n, error))
    return NULL;
  self->boot_timeout_ms = n;
  if (!tf_key_file_get_uint (kf, "power", "settle-ms", FALSE, 0, 0, 60000, &n, error))
    return NULL;
  self->settle_ms = n;
  if (!tf_key_file_get_string (kf, "flash", "method", FALSE, "none", &self->flash_method, error))
    return NULL;
  if (!tf_key_file_get_number (kf, "flash", "address", FALSE, 0, 0, G_MAXUINT32,
                               &self->flash_address, error)
      || !tf_key_file_get_number (kf, "flash", "size", FALSE, 0, 0, G_MAXUINT32, &self->flash_size,
                                  error)
      || !tf_key_file_get_number (kf, "flash", "page-size", FALSE, 0, 0, G_MAXUINT32,
                                  &self->flash_page_size, error))
    return NULL;
  /* the backend checks its own keys now, with FILE:LINE, and keeps what it read */
  if (!tf_flasher_load_config (kf, self, error))
    return NULL;
  return g_steal_pointer (&self);
}

GHashTable *
tf_board_type_load_dirs (const char *const *dirs, GError **error)
{
  g_autoptr (GHashTable) types
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_board_type_free);

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs[i], 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".board"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
      for (guint j = 0; j < names->len; j++)
        {
          g_autofree char *path = g_build_filename (dirs[i], g_ptr_array_index (names, j), NULL);
          TfBoardType *t = tf_board_type_load (path, error);
          if (t == NULL)
            return NULL;
          if (g_hash_table_contains (types, t->name))
            {
              tf_board_type_free (t);
              continue;
            }
          g_hash_table_insert (types, t->name, t);
        }
    }
  return g_steal_pointer (&types);
}
