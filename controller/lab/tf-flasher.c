/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-flasher.h"
#include "tf-error.h"

typedef struct
{
  const TfFlashConfig *config; /* borrowed from the board type */
} TfFlasherPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TfFlasher, tf_flasher, G_TYPE_OBJECT)

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static GHashTable *registry; /* method -> GType */
static gboolean builtin_registered;

void
tf_flash_job_free (TfFlashJob *job)
{
  if (job == NULL)
    return;
  g_free (job->board);
  g_free (job->port);
  g_free (job->usb_serial);
  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job->log_path);
  g_free (job);
}

static void
tf_flasher_class_init (TfFlasherClass *klass)
{
  signals[SIGNAL_PROGRESS]
      = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
tf_flasher_init (TfFlasher *self)
{
}

void
tf_flasher_register (const char *method, GType type)
{
  g_return_if_fail (method != NULL);
  g_return_if_fail (g_type_is_a (type, TF_TYPE_FLASHER));
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (registry, (gpointer)method, GSIZE_TO_POINTER (type));
}

static GType
lookup (const char *method)
{
  if (!builtin_registered)
    {
      builtin_registered = TRUE;
      tf_flasher_register_builtin ();
    }
  return GPOINTER_TO_SIZE (g_hash_table_lookup (registry, method));
}

static char *
known_methods (void)
{
  g_autoptr (GList) keys = NULL;
  g_autoptr (GString) s = g_string_new ("none");
  lookup ("none");
  keys = g_list_sort (g_hash_table_get_keys (registry), (GCompareFunc)g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    g_string_append_printf (s, ", %s", (const char *)l->data);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
tf_flasher_check_keys (TfKeyFile *kf, const char *const *keys, GError **error)
{
  static const char *const common[] = { "method", "address", "size", "page-size", NULL };
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) allowed = NULL;
  g_strv_builder_addv (b, (const char **)common);
  if (keys != NULL)
    g_strv_builder_addv (b, (const char **)keys);
  allowed = g_strv_builder_end (b);
  return tf_key_file_check_keys (kf, "flash", (const char *const *)allowed, error);
}

gboolean
tf_flasher_load_config (TfKeyFile *kf, TfBoardType *type, GError **error)
{
  TfFlasherClass *klass;
  GType gtype;

  g_return_val_if_fail (kf != NULL, FALSE);
  g_return_val_if_fail (type != NULL && type->flash_method != NULL, FALSE);
  if (g_strcmp0 (type->flash_method, "none") == 0)
    return tf_flasher_check_keys (kf, NULL, error);
  gtype = lookup (type->flash_method);
  if (gtype == G_TYPE_INVALID)
    {
      g_autofree char *known = known_methods ();
      return tf_key_file_fail (kf, error, "flash", "method", "'%s' is not one of %s",
                               type->flash_method, known);
    }
  klass = g_type_class_ref (gtype);
  type->flash = klass->load_config (kf, type, error);
  g_type_class_unref (klass);
  if (type->flash == NULL)
    return FALSE;
  type->flasher_type = gtype;
  return TRUE;
}

TfFlasher *
tf_flasher_new_for_type (const TfBoardType *type, GError **error)
{
  TfFlasher *self;
  TfFlasherPrivate *priv;

  g_return_val_if_fail (type != NULL, NULL);
  if (type->flash == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED, "board type %s names no flash method",
                   type->name);
      return NULL;
    }
  self = g_object_new (type->flasher_type, NULL);
  priv = tf_flasher_get_instance_private (self);
  priv->config = type->flash;
  if (TF_FLASHER_GET_CLASS (self)->setup != NULL)
    TF_FLASHER_GET_CLASS (self)->setup (self, type->flash);
  return self;
}

const TfFlashConfig *
tf_flasher_get_config (TfFlasher *self)
{
  TfFlasherPrivate *priv;
  g_return_val_if_fail (TF_IS_FLASHER (self), NULL);
  priv = tf_flasher_get_instance_private (self);
  return priv->config;
}

void
tf_flasher_flash_async (TfFlasher *self, TfFlashJob *job, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TF_IS_FLASHER (self));
  g_return_if_fail (job != NULL && job->data != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  TF_FLASHER_GET_CLASS (self)->flash_async (self, job, cancellable, callback, user_data);
}

gboolean
tf_flasher_flash_finish (TfFlasher *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (TF_IS_FLASHER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);
  return TF_FLASHER_GET_CLASS (self)->flash_finish (self, res, error);
}

gboolean
tf_flasher_needs_bootloader_entry (TfFlasher *self)
{
  const TfFlashConfig *config = tf_flasher_get_config (self);
  return config != NULL && config->needs_bootloader_entry;
}

void
tf_flasher_report_progress (TfFlasher *self, guint64 done, guint64 total, const char *phase)
{
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total, phase);
}
