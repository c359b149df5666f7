/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: regression plans. Any input ends in a plan or a FILE:LINE
 * error (TF_ERROR), never a crash or a critical; with the tests' ETS
 * catalogue so that cases and groups are looked up too. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tf-error.h"
#include "tf-regress-plan.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static TfCatalogue *cat;
  TfRegressPlanContext ctx = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfRegressPlan) plan = NULL;
  if (cat == NULL && g_getenv ("TF_SOURCE_ROOT") != NULL)
    {
      g_autofree char *ets = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", NULL);
      cat = tf_catalogue_load_dir (ets, NULL);
    }
  ctx.catalogue = cat;
  plan = tf_regress_plan_load_data ("/nonexistent/fuzz.plan", (const char *)data, size, &ctx,
                                    &error);
  if (plan == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TF_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "/nonexistent/fuzz.plan"));
    }
  return 0;
}
