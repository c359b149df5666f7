/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-board-type.h"

G_BEGIN_DECLS

/* A firmware image the lab may put on boards, from the images file:
 *   [image client-a-1.2.0]
 *   path = images/client-a-1.2.0.bin
 *   sha256 = ...            (optional; checked when given)
 *   board-types = sim-l476;nucleo-l476rg
 *   implementation = lwm2m-client-a
 *   version = 1.2.0 */
typedef struct
{
  char *id;
  char *path;
  char *sha256;
  gsize size;
  GStrv board_types;
  char *implementation;
  char *version;
} TfImage;

typedef struct _TfImageRegistry TfImageRegistry;

TfImageRegistry *
tf_image_registry_new (void);
/* Load (or reload) @path; every image's file is read and hashed. */
gboolean
tf_image_registry_load (TfImageRegistry *self, const char *path, GError **error);
void
tf_image_registry_free (TfImageRegistry *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfImageRegistry, tf_image_registry_free)

/* An image handed in (by CI) rather than listed: read, its sha256 must be
 * @sha256; kept until the images file is loaded again. */
gboolean
tf_image_registry_add_file (TfImageRegistry *self, const char *id, const char *path,
                            const char *sha256, const char *const *board_types, const char *version,
                            gsize max_size, GError **error);
TfImage *
tf_image_registry_get (TfImageRegistry *self, const char *id);
/* All images, sorted by id. */
GPtrArray *
tf_image_registry_list (TfImageRegistry *self);

/* The image's bytes (read again: the file may have changed since it was
 * registered, which is an error). */
GBytes *
tf_image_read (const TfImage *image, GError **error);
/* Whether @image may go on a board of @type: listed type, fits the flash. */
gboolean
tf_image_check_fits (const TfImage *image, const TfBoardType *type, GError **error);

G_END_DECLS
