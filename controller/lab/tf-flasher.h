/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-board-type.h"
#include "tf-config.h"
#include "tf-image.h"
#include "tf-keyfile.h"

G_BEGIN_DECLS

/* One flash job: the lab has put the board into its bootloader where the
 * board type says how (relay boot-mode line + power cycle), and released the
 * board's console port so that the flasher may open it. */
typedef struct
{
  char *board;                     /* id, for messages */
  TfBoardType *type;               /* borrowed */
  char *port;                      /* the board's serial device (its console) */
  char *usb_serial;                /* the console adapter's serial, when known */
  TfImage *image;                  /* borrowed */
  GBytes *data;                    /* the image's bytes */
  gboolean lab_entered_bootloader; /* FALSE: the flasher enters it itself (DTR/RTS, DFU detach) */
  char *log_path;                  /* where a tool's output goes (command backend) */
} TfFlashJob;

void
tf_flash_job_free (TfFlashJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFlashJob, tf_flash_job_free)

/* A way of writing firmware: stm32-uart, dfu, command. Backends emit
 * progress through tf_flasher_report_progress(). */
#define TF_TYPE_FLASHER (tf_flasher_get_type ())
G_DECLARE_DERIVABLE_TYPE (TfFlasher, tf_flasher, TF, FLASHER, GObject)

struct _TfFlasherClass
{
  GObjectClass parent_class;
  void (*flash_async) (TfFlasher *self, TfFlashJob *job, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*flash_finish) (TfFlasher *self, GAsyncResult *res, GError **error);
  /* Class method, run when a board type is loaded: check the backend's keys
   * of [flash] (tf_flasher_check_keys() and the TfKeyFile getters give
   * FILE:LINE) and what they require of each other; return the settings,
   * a struct that starts with TfFlashConfig. */
  TfFlashConfig *(*load_config) (TfKeyFile *kf, const TfBoardType *type, GError **error);
  /* optional: take the loaded settings into the new instance */
  void (*setup) (TfFlasher *self, const TfFlashConfig *config);
};

/* Backends register their type under their method name. The built-in ones
 * (tf-flash-builtin.c) are registered before the first look-up. */
void
tf_flasher_register (const char *method, GType type);
void
tf_flasher_register_builtin (void);
/* Read the [flash] group of a board type being loaded into @type->flash
 * through the backend its method names; FILE:LINE errors. */
gboolean
tf_flasher_load_config (TfKeyFile *kf, TfBoardType *type, GError **error);
/* For backends' load_config: reject keys of [flash] other than the common
 * ones (method, address, size, page-size) and @keys. */
gboolean
tf_flasher_check_keys (TfKeyFile *kf, const char *const *keys, GError **error);
/* The flasher the board type names, set up from its loaded settings;
 * TF_ERROR_NOT_SUPPORTED for "none". */
TfFlasher *
tf_flasher_new_for_type (const TfBoardType *type, GError **error);
const TfFlashConfig *
tf_flasher_get_config (TfFlasher *self);

void
tf_flasher_flash_async (TfFlasher *self, TfFlashJob *job, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
gboolean
tf_flasher_flash_finish (TfFlasher *self, GAsyncResult *res, GError **error);
/* Whether the lab must set the boot-mode line and power cycle first. */
gboolean
tf_flasher_needs_bootloader_entry (TfFlasher *self);

/* Signal "progress" (guint64 done, guint64 total, const char *phase). */
void
tf_flasher_report_progress (TfFlasher *self, guint64 done, guint64 total, const char *phase);

G_END_DECLS
