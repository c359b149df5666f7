/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-board-type.h"
#include "tf-config.h"
#include "tf-image.h"

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
  /* whether the lab must set the boot-mode line and power cycle first */
  gboolean needs_bootloader_entry;
};

typedef TfFlasher *(*TfFlasherNew) (const TfBoardType *type, GError **error);
/* Backends register under their method name (once, at start). */
void
tf_flasher_register (const char *method, TfFlasherNew constructor);
void
tf_flasher_register_builtin (void);
/* The flasher the board type names; TF_ERROR_NOT_SUPPORTED for "none". */
TfFlasher *
tf_flasher_new_for_type (const TfBoardType *type, GError **error);

void
tf_flasher_flash_async (TfFlasher *self, TfFlashJob *job, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
gboolean
tf_flasher_flash_finish (TfFlasher *self, GAsyncResult *res, GError **error);
gboolean
tf_flasher_needs_bootloader_entry (TfFlasher *self);
/* For backends whose boards differ (stm32-uart: relay boot line or DTR/RTS):
 * overrides the class's needs_bootloader_entry for this instance. */
void
tf_flasher_set_needs_bootloader_entry (TfFlasher *self, gboolean needs);

/* Signal "progress" (guint64 done, guint64 total, const char *phase). */
void
tf_flasher_report_progress (TfFlasher *self, guint64 done, guint64 total, const char *phase);

G_END_DECLS
