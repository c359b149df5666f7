/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a flasher backend made of a board type's [flash] keys when the type
 * was loaded (tf_flasher_load_config()); backends extend it, it comes first
 * in their own struct. Kept with the type: nothing is parsed at flash time. */
typedef struct _TfFlashConfig TfFlashConfig;
struct _TfFlashConfig
{
  gboolean needs_bootloader_entry; /* the lab sets the boot-mode line and power cycles first */
  GDestroyNotify free;
};

/* What every board of one kind shares (boards/NAME.board). */
typedef struct
{
  char *name;
  char *path;
  char *description;
  char *vendor;
  char *chip;
  /* console */
  guint baud;
  guint16 console_vid, console_pid; /* 0 when not a USB adapter we can name */
  GRegex *banner;                   /* the line that says "booted" */
  GRegex *firmware;                 /* optional: (name) (version) of the running firmware */
  guint boot_timeout_ms;
  /* power */
  guint settle_ms;
  /* flash (the flasher backend checked the rest of the group) */
  char *flash_method;      /* none, or a registered flasher: stm32-uart, dfu, command */
  guint64 flash_address;   /* where images go, e.g. 0x08000000 */
  guint64 flash_size;      /* 0: unknown */
  guint64 flash_page_size; /* 0: unknown */
  GType flasher_type;      /* G_TYPE_INVALID for none */
  TfFlashConfig *flash;    /* the backend's settings, or NULL for none */
} TfBoardType;

TfBoardType *
tf_board_type_load (const char *path, GError **error);
void
tf_board_type_free (TfBoardType *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfBoardType, tf_board_type_free)

/* Load every *.board in @dirs (earlier dirs win on equal names). */
GHashTable *
tf_board_type_load_dirs (const char *const *dirs, GError **error);

G_END_DECLS
