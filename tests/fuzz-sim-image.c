/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the simulated firmware image (fixtures/tf-sim-image.h): the header check and
 * the version-2 manifest naming the program a simulated board runs. The input goes to both:
 * whole, as the start of flash, and as a manifest on its own (a random input seldom passes
 * the payload CRC). */
#include <stdint.h>
#include <string.h>

#include "tf-sim-image.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_result (const char *program, char **args)
{
  g_assert_nonnull (program);
  g_assert_cmpuint (strlen (program), >, 0);
  g_assert_cmpuint (strlen (program), <, TF_SIM_IMAGE_MANIFEST_MAX);
  g_assert_nonnull (args);
  g_assert_cmpuint (g_strv_length (args), <=, TF_SIM_IMAGE_MAX_ARGS);
  for (const char *p = program; *p; p++)
    g_assert_true (g_ascii_isprint (*p));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto (TfSimImageInfo) info = { 0 };
  g_autofree char *program = NULL;
  g_auto (GStrv) args = NULL;

  if (tf_sim_image_check (data, size, &info, NULL))
    {
      g_assert_cmpuint (info.payload_size, <=, size - TF_SIM_IMAGE_HEADER_SIZE);
      if (info.program != NULL)
        check_result (info.program, info.args);
    }
  if (tf_sim_image_parse_manifest (data, size, &program, &args, NULL))
    check_result (program, args);
  return 0;
}
