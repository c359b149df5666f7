/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "tf-board-type.h"
#include "tf-usb-desc.h"
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
  g_clear_pointer (&self->kf, g_key_file_unref);
  g_free (self);
}

static gboolean
parse_usb_id (TfKeyFile *kf, const char *group, const char *key, guint16 *vid, guint16 *pid,
              GError **error)
{
  g_autofree char *v = NULL;
  guint64 a = 0, b = 0;
  g_auto (GStrv) parts = NULL;

  if (!tf_key_file_get_string (kf, group, key, FALSE, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  parts = g_strsplit (v, ":", -1);
  if (g_strv_length (parts) != 2 || strlen (parts[0]) != 4 || strlen (parts[1]) != 4
      || !g_ascii_string_to_unsigned (parts[0], 16, 0, 0xffff, &a, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 16, 0, 0xffff, &b, NULL))
    return tf_key_file_fail (kf, error, group, key, "'%s' is not a USB id VVVV:PPPP", v);
  *vid = a;
  *pid = b;
  return TRUE;
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

/* 0x-prefixed hex or decimal, as datasheets write addresses and sizes */
static gboolean
parse_size (TfKeyFile *kf, const char *key, guint64 *out, GError **error)
{
  g_autofree char *v = NULL;
  const char *s;
  guint base = 10;
  if (!tf_key_file_get_string (kf, "flash", key, FALSE, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  s = v;
  if (g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X"))
    s += 2, base = 16;
  if (!g_ascii_string_to_unsigned (s, base, 0, G_MAXUINT32, out, NULL))
    return tf_key_file_fail (kf, error, "flash", key, "'%s' is not a number (decimal or 0x hex)",
                             v);
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
  /* flash keys belong to the flasher backends; the common ones are listed here */
  static const char *const k_flash[]
      = { "method",    "address",         "size",       "page-size", "product-id",
          "boot-mode", "usb-id",          "dfu-usb-id", "command",   "timeout-ms",
          "alt",       "bootloader-baud", "layout",     "alt-name",  NULL };
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
      || !tf_key_file_check_keys (kf, "power", k_power, error)
      || !tf_key_file_check_keys (kf, "flash", k_flash, error))
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
  if (!parse_usb_id (kf, "console", "usb-id", &self->console_vid, &self->console_pid, error))
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
  if (!g_strv_contains ((const char *const[]){ "none", "stm32-uart", "dfu", "command", NULL },
                        self->flash_method))
    {
      tf_key_file_fail (kf, error, "flash", "method",
                        "'%s' is not one of none, stm32-uart, dfu, command", self->flash_method);
      return NULL;
    }
  if (!parse_size (kf, "address", &self->flash_address, error)
      || !parse_size (kf, "size", &self->flash_size, error)
      || !parse_size (kf, "page-size", &self->flash_page_size, error))
    return NULL;
  /* the DfuSe layout is compared with the device's when flashing: a typo here
   * would only show then, as "another part?" */
  {
    g_autofree char *layout = NULL;
    g_autoptr (GError) local = NULL;
    g_autoptr (GArray) sectors = NULL;
    if (!tf_key_file_get_string (kf, "flash", "layout", FALSE, NULL, &layout, error))
      return NULL;
    if (layout != NULL && (sectors = tf_dfuse_layout_parse (g_strstrip (layout), &local)) == NULL)
      {
        tf_key_file_fail (kf, error, "flash", "layout", "%s", local->message);
        return NULL;
      }
  }
  /* the DfuSe alternate setting, by the name in its layout string ("Internal Flash") */
  {
    g_autofree char *alt = NULL;
    if (!tf_key_file_get_string (kf, "flash", "alt-name", FALSE, NULL, &alt, error))
      return NULL;
    if (alt != NULL)
      {
        g_autofree char *name = tf_dfuse_alt_name (g_strstrip (alt));
        gboolean printable = TRUE;
        for (const char *c = name; *c != '\0'; c++)
          printable = printable && g_ascii_isprint (*c);
        if (name[0] == '\0' || strlen (name) > 64 || !printable || strchr (alt, '/') != NULL)
          {
            tf_key_file_fail (kf, error, "flash", "alt-name",
                              "'%s' is not an alternate setting's name (1-64 printable "
                              "characters before the layout's '/', e.g. Internal Flash)",
                              alt);
            return NULL;
          }
      }
  }
  self->kf = g_key_file_ref (tf_key_file_get_keyfile (kf));
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
