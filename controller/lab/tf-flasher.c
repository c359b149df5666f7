/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-flasher.h"
#include "tf-error.h"

typedef struct
{
  int entry_override; /* -1: the class decides */
} TfFlasherPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TfFlasher, tf_flasher, G_TYPE_OBJECT)

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static GHashTable *registry; /* method -> TfFlasherNew */

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
  TfFlasherPrivate *priv = tf_flasher_get_instance_private (self);
  priv->entry_override = -1;
}

void
tf_flasher_register (const char *method, TfFlasherNew constructor)
{
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (registry, (gpointer)method, constructor);
}

TfFlasher *
tf_flasher_new_for_type (const TfBoardType *type, GError **error)
{
  TfFlasherNew ctor;
  if (g_strcmp0 (type->flash_method, "none") == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED, "board type %s names no flash method",
                   type->name);
      return NULL;
    }
  ctor = registry != NULL ? g_hash_table_lookup (registry, type->flash_method) : NULL;
  if (ctor == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "flash method %s (board type %s) is not built into this testfestd",
                   type->flash_method, type->name);
      return NULL;
    }
  return ctor (type, error);
}

void
tf_flasher_flash_async (TfFlasher *self, TfFlashJob *job, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  TF_FLASHER_GET_CLASS (self)->flash_async (self, job, cancellable, callback, user_data);
}

gboolean
tf_flasher_flash_finish (TfFlasher *self, GAsyncResult *res, GError **error)
{
  return TF_FLASHER_GET_CLASS (self)->flash_finish (self, res, error);
}

gboolean
tf_flasher_needs_bootloader_entry (TfFlasher *self)
{
  TfFlasherPrivate *priv = tf_flasher_get_instance_private (self);
  if (priv->entry_override >= 0)
    return priv->entry_override;
  return TF_FLASHER_GET_CLASS (self)->needs_bootloader_entry;
}

void
tf_flasher_set_needs_bootloader_entry (TfFlasher *self, gboolean needs)
{
  TfFlasherPrivate *priv = tf_flasher_get_instance_private (self);
  priv->entry_override = needs ? 1 : 0;
}

void
tf_flasher_report_progress (TfFlasher *self, guint64 done, guint64 total, const char *phase)
{
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, done, total, phase);
}
