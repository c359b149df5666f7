/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-flash-command.h"
#include "tf-command.h"
#include "tf-console.h"
#include "tf-error.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  TfFlashConfig parent;
  char *template;
  guint timeout_ms;
} CommandConfig;

struct _TfFlashCommand
{
  TfFlasher parent_instance;
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
      FILE *f = tf_console_open_log_file (r->log_path);
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
  const CommandConfig *cfg = (const CommandConfig *)tf_flasher_get_config (flasher);
  g_autoptr (GTask) task = g_task_new (flasher, cancellable, callback, user_data);
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
  argv = tf_command_expand (cfg->template, vars, &error);
  if (argv == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  tf_flasher_report_progress (flasher, 0, 1, "running");
  tf_command_run_async ((const char *const *)argv, cfg->timeout_ms, cancellable, on_done,
                        g_steal_pointer (&task));
}

static gboolean
command_flash_finish (TfFlasher *flasher, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
command_config_free (gpointer data)
{
  CommandConfig *c = data;
  g_free (c->template);
  g_free (c);
}

static TfFlashConfig *
command_load_config (TfKeyFile *kf, const TfBoardType *type, GError **error)
{
  static const char *const keys[] = { "command", "timeout-ms", NULL };
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree CommandConfig *c = g_new0 (CommandConfig, 1);
  g_autofree char *template = NULL;
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) argv = NULL;
  guint64 n = 0;

  if (!tf_flasher_check_keys (kf, keys, error)
      || !tf_key_file_get_string (kf, "flash", "command", TRUE, NULL, &template, error)
      || !tf_key_file_get_uint (kf, "flash", "timeout-ms", FALSE, 120000, 10, 3600000, &n, error))
    return NULL;
  /* expand once with dummy values: a typo fails now, not at the first flash */
  for (const char *const *v
       = (const char *const[]){ "image", "port", "serial", "board", "address", NULL };
       *v != NULL; v++)
    g_hash_table_insert (vars, (gpointer)*v, "x");
  argv = tf_command_expand (template, vars, &local);
  if (argv == NULL)
    {
      /* drop the "'TEMPLATE': " prefix: the line already shows it */
      const char *msg = local->message;
      if (g_str_has_prefix (msg, "'") && strlen (msg) > strlen (template) + 4)
        msg += strlen (template) + 4;
      tf_key_file_fail (kf, error, "flash", "command", "%s", msg);
      return NULL;
    }
  c->parent.needs_bootloader_entry = FALSE; /* such tools reset the board themselves */
  c->parent.free = command_config_free;
  c->template = g_steal_pointer (&template);
  c->timeout_ms = n;
  return (TfFlashConfig *)g_steal_pointer (&c);
}

static void
tf_flash_command_class_init (TfFlashCommandClass *klass)
{
  TfFlasherClass *f = TF_FLASHER_CLASS (klass);
  f->flash_async = command_flash_async;
  f->flash_finish = command_flash_finish;
  f->load_config = command_load_config;
}

static void
tf_flash_command_init (TfFlashCommand *self)
{
}
