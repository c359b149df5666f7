/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-flash-command.h"
#include "tf-command.h"
#include "tf-error.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#define TF_TYPE_FLASH_COMMAND (tf_flash_command_get_type ())
G_DECLARE_FINAL_TYPE (TfFlashCommand, tf_flash_command, TF, FLASH_COMMAND, TfFlasher)

struct _TfFlashCommand
{
  TfFlasher parent_instance;
  char *template;
  guint timeout_ms;
};

G_DEFINE_TYPE (TfFlashCommand, tf_flash_command, TF_TYPE_FLASHER)

typedef struct
{
  char *image_path; /* a private copy: the tool sees exactly the bytes we checked */
  char *log_path;
  char *board;
} Run;

static void
run_free (Run *r)
{
  if (r->image_path != NULL)
    g_unlink (r->image_path);
  g_free (r->image_path);
  g_free (r->log_path);
  g_free (r->board);
  g_free (r);
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Run *r = g_task_get_task_data (task);
  g_autofree char *output = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_command_run_finish (res, &output, &error);

  if (output != NULL && r->log_path != NULL)
    {
      FILE *f = fopen (r->log_path, "a");
      if (f != NULL)
        {
          fputs (output, f);
          fclose (f);
        }
    }
  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tf_flasher_report_progress (TF_FLASHER (g_task_get_source_object (task)), 1, 1, "done");
  g_task_return_boolean (task, TRUE);
}

static void
command_flash_async (TfFlasher *flasher, TfFlashJob *job, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  TfFlashCommand *self = TF_FLASH_COMMAND (flasher);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;
  Run *r = g_new0 (Run, 1);
  int fd;

  g_task_set_task_data (task, r, (GDestroyNotify)run_free);
  r->log_path = g_strdup (job->log_path);
  r->board = g_strdup (job->board);
  fd = g_file_open_tmp ("tf-image-XXXXXX.bin", &r->image_path, &error);
  if (fd < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  close (fd);
  if (!g_file_set_contents (r->image_path, g_bytes_get_data (job->data, NULL),
                            g_bytes_get_size (job->data), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_hash_table_insert (vars, "image", g_strdup (r->image_path));
  g_hash_table_insert (vars, "port", g_strdup (job->port));
  g_hash_table_insert (vars, "serial", g_strdup (job->usb_serial ? job->usb_serial : ""));
  g_hash_table_insert (vars, "board", g_strdup (job->board));
  g_hash_table_insert (vars, "address",
                       g_strdup_printf ("0x%08" G_GINT64_MODIFIER "x", job->type->flash_address));
  argv = tf_command_expand (self->template, vars, &error);
  if (argv == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tf_flasher_report_progress (flasher, 0, 1, "running");
  tf_command_run_async ((const char *const *)argv, self->timeout_ms, cancellable, on_done,
                        g_steal_pointer (&task));
}

static gboolean
command_flash_finish (TfFlasher *flasher, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
tf_flash_command_finalize (GObject *object)
{
  g_free (TF_FLASH_COMMAND (object)->template);
  G_OBJECT_CLASS (tf_flash_command_parent_class)->finalize (object);
}

static void
tf_flash_command_class_init (TfFlashCommandClass *klass)
{
  TfFlasherClass *f = TF_FLASHER_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = tf_flash_command_finalize;
  f->flash_async = command_flash_async;
  f->flash_finish = command_flash_finish;
  f->needs_bootloader_entry = FALSE; /* such tools reset the board themselves */
}

static void
tf_flash_command_init (TfFlashCommand *self)
{
}

TfFlasher *
tf_flash_command_new (const TfBoardType *type, GError **error)
{
  g_autoptr (TfFlashCommand) self = g_object_new (TF_TYPE_FLASH_COMMAND, NULL);
  g_autoptr (GError) error_local = NULL;
  self->template = g_key_file_get_string (type->kf, "flash", "command", NULL);
  if (self->template == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "%s: [flash] method = command needs a command", type->path);
      return NULL;
    }
  self->timeout_ms = g_key_file_get_integer (type->kf, "flash", "timeout-ms", &error_local);
  if (error_local != NULL || self->timeout_ms == 0)
    self->timeout_ms = 120000;
  return TF_FLASHER (g_steal_pointer (&self));
}
