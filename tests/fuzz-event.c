/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the event file (controller/sched), its [company] people
 * included, then pairings and the schedule when it loads. Any input must end
 * in an event or a FILE:LINE error, never a crash or a critical. */
#include "config.h"

#include <stdint.h>

#include "tf-error.h"
#include "tf-sched.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = NULL;

  /* bounded as the daemon bounds what it reads */
  if (size > 256 * 1024)
    return 0;
  event = tf_event_load_data ((const char *)data, size, "fuzz.event", &error);
  if (event == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TF_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.event"));
      return 0;
    }
  for (guint c = 0; c < event->companies->len; c++)
    {
      const TfCompany *co = g_ptr_array_index (event->companies, c);
      for (guint p = 0; co->people != NULL && p < co->people->len; p++)
        {
          const TfPerson *person = g_ptr_array_index (co->people, p);
          g_autofree char *who = g_strdup_printf ("%s/%s", co->id, person->user);
          g_assert_true (tf_event_find_person (event, who) != NULL);
          g_assert_true (person->name != NULL && person->name[0] != '\0');
        }
    }
  /* small events only: the scheduler's own speed is the benchmark's */
  if (event->impls->len <= 12)
    {
      g_autoptr (TfPairings) pairings = tf_pairings_compute (event, NULL);
      if (pairings != NULL)
        {
          g_autoptr (TfSchedule) schedule = tf_scheduler_solve (event, pairings, NULL);
          (void)schedule;
        }
    }
  return 0;
}
