/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-image"

#include "tf-image.h"
#include "tf-error.h"
#include "tf-keyfile.h"

#include <string.h>

struct _TfImageRegistry
{
  GHashTable *images; /* id -> TfImage */
};

static void
image_free (TfImage *i)
{
  g_free (i->id);
  g_free (i->path);
  g_free (i->sha256);
  g_strfreev (i->board_types);
  g_free (i->implementation);
  g_free (i->version);
  g_free (i);
}

TfImageRegistry *
tf_image_registry_new (void)
{
  TfImageRegistry *self = g_new0 (TfImageRegistry, 1);
  self->images = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)image_free);
  return self;
}

void
tf_image_registry_free (TfImageRegistry *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->images);
  g_free (self);
}

static gboolean
load_image (TfKeyFile *kf, const char *group, const char *id, GHashTable *out, GError **error)
{
  static const char *const keys[]
      = { "path", "sha256", "board-types", "implementation", "version", NULL };
  g_autofree char *path = NULL, *types = NULL, *dir = NULL;
  g_autofree char *data = NULL;
  g_autofree char *sum = NULL;
  g_autoptr (GError) error_local = NULL;
  TfImage *img = g_new0 (TfImage, 1);
  gsize len = 0;

  img->id = g_strdup (id);
  g_hash_table_insert (out, img->id, img);
  if (!tf_key_file_check_keys (kf, group, keys, error)
      || !tf_key_file_get_string (kf, group, "path", TRUE, NULL, &path, error)
      || !tf_key_file_get_string (kf, group, "sha256", FALSE, NULL, &img->sha256, error)
      || !tf_key_file_get_string (kf, group, "board-types", TRUE, NULL, &types, error)
      || !tf_key_file_get_string (kf, group, "implementation", TRUE, NULL, &img->implementation,
                                  error)
      || !tf_key_file_get_string (kf, group, "version", TRUE, NULL, &img->version, error))
    return FALSE;
  dir = g_path_get_dirname (tf_key_file_get_path (kf));
  img->path = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (dir, path, NULL);
  img->board_types = g_strsplit (types, ";", -1);
  for (guint i = 0; img->board_types[i] != NULL; i++)
    g_strstrip (img->board_types[i]);
  if (!g_file_get_contents (img->path, &data, &len, &error_local))
    return tf_key_file_fail (kf, error, group, "path", "%s", error_local->message);
  if (len == 0)
    return tf_key_file_fail (kf, error, group, "path", "%s is empty", img->path);
  img->size = len;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
  if (img->sha256 != NULL && g_ascii_strcasecmp (img->sha256, sum) != 0)
    return tf_key_file_fail (kf, error, group, "sha256", "%s has sha256 %s", img->path, sum);
  g_free (img->sha256);
  img->sha256 = g_steal_pointer (&sum);
  return TRUE;
}

gboolean
tf_image_registry_load (TfImageRegistry *self, const char *path, GError **error)
{
  g_autoptr (TfKeyFile) kf = tf_key_file_load (path, error);
  g_autoptr (GHashTable) images = NULL;
  g_auto (GStrv) groups = NULL;

  if (kf == NULL)
    return FALSE;
  images = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)image_free);
  groups = g_key_file_get_groups (tf_key_file_get_keyfile (kf), NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *kind = NULL, *id = NULL;
      tf_key_file_split_group (groups[i], &kind, &id);
      if (g_strcmp0 (kind, "image") != 0 || id == NULL)
        return tf_key_file_fail (kf, error, groups[i], NULL, "unknown group (expected [image ID])");
      if (!load_image (kf, groups[i], id, images, error))
        return FALSE;
    }
  g_hash_table_unref (self->images);
  self->images = g_steal_pointer (&images);
  return TRUE;
}

gboolean
tf_image_registry_add_file (TfImageRegistry *self, const char *id, const char *path,
                            const char *sha256, const char *const *board_types, const char *version,
                            gsize max_size, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *sum = NULL;
  gsize len = 0;
  TfImage *img;

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  if (len == 0 || len > max_size)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "%s: %" G_GSIZE_FORMAT " bytes (1 to %" G_GSIZE_FORMAT " allowed)", path, len,
                   max_size);
      return FALSE;
    }
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
  if (sha256 == NULL || g_ascii_strcasecmp (sum, sha256) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "%s has sha256 %s, not the %s it was handed in with", path, sum,
                   sha256 ? sha256 : "(none)");
      return FALSE;
    }
  /* the same image again: kept, since a flash in progress may hold it */
  img = g_hash_table_lookup (self->images, id);
  if (img != NULL && g_strcmp0 (img->sha256, sum) == 0)
    return TRUE;
  img = g_new0 (TfImage, 1);
  img->id = g_strdup (id);
  img->path = g_strdup (path);
  img->sha256 = g_steal_pointer (&sum);
  img->size = len;
  img->board_types = g_strdupv ((char **)board_types);
  img->implementation = g_strdup ("ci");
  img->version = g_strdup (version);
  g_hash_table_replace (self->images, img->id, img);
  return TRUE;
}

TfImage *
tf_image_registry_get (TfImageRegistry *self, const char *id)
{
  return g_hash_table_lookup (self->images, id);
}

static gint
cmp_image (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(TfImage **)a)->id, (*(TfImage **)b)->id);
}

GPtrArray *
tf_image_registry_list (TfImageRegistry *self)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  TfImage *img;
  g_hash_table_iter_init (&it, self->images);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&img))
    g_ptr_array_add (out, img);
  g_ptr_array_sort (out, cmp_image);
  return out;
}

GBytes *
tf_image_read (const TfImage *image, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *sum = NULL;
  gsize len = 0;
  if (!g_file_get_contents (image->path, &data, &len, error))
    return NULL;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
  if (g_strcmp0 (sum, image->sha256) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "image %s: %s changed since it was registered (sha256 %s, expected %s)",
                   image->id, image->path, sum, image->sha256);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

gboolean
tf_image_check_fits (const TfImage *image, const TfBoardType *type, GError **error)
{
  if (!g_strv_contains ((const char *const *)image->board_types, type->name))
    {
      g_autofree char *types = g_strjoinv (", ", image->board_types);
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "image %s is for %s, not for %s",
                   image->id, types, type->name);
      return FALSE;
    }
  if (type->flash_size > 0 && image->size > type->flash_size)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "image %s is %zu bytes; the %s flash holds %" G_GUINT64_FORMAT, image->id,
                   image->size, type->name, type->flash_size);
      return FALSE;
    }
  return TRUE;
}
