/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the lab file, board type and images file parsers. Any input
 * must end in a config or a FILE:LINE error, never a crash or a critical. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <unistd.h>

#include "tf-config.h"
#include "tf-error.h"
#include "tf-image.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *
write_tmp (const char *name, const uint8_t *data, size_t size)
{
  static char *dir = NULL;
  char *path;
  if (dir == NULL)
    dir = g_dir_make_tmp ("tf-fuzz-XXXXXX", NULL);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, (const char *)data, size, NULL);
  return path;
}

static void
check (gboolean ok, GError *error)
{
  /* a refusal is a TF_ERROR with a message that names the file */
  if (!ok)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TF_ERROR);
      g_assert_true (error->message != NULL && error->message[0] != '\0');
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *lab = write_tmp ("lab.conf", data, size);
  g_autofree char *board = write_tmp ("fuzz.board", data, size);
  g_autofree char *images = write_tmp ("images.conf", data, size);
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (lab, &e1);
  g_autoptr (TfBoardType) type = tf_board_type_load (board, &e2);
  g_autoptr (TfImageRegistry) reg = tf_image_registry_new ();

  gboolean ok;

  check (cfg != NULL, e1);
  check (type != NULL, e2);
  ok = tf_image_registry_load (reg, images, &e3);
  check (ok, e3);
  g_unlink (lab);
  g_unlink (board);
  g_unlink (images);
  return 0;
}
