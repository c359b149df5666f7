/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for what the daemon reads of its runner: tf-ets-run's JSON on stdout, parsed
 * with the daemon's bounds and turned into the transcript the store keeps (and its summary).
 * Never a crash, whatever another runner prints. */
#include <stdint.h>
#include <string.h>

#include "tf-ets-transcript.h"
#include "tf-json.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonObject) o = tf_json_parse_object (data, size, 8 << 20, 64, NULL);
  g_autofree char *t = NULL, *sum = NULL;
  if (o == NULL)
    return 0;
  t = tf_ets_transcript (o);
  g_assert_true (g_utf8_validate (t, -1, NULL));
  sum = tf_ets_transcript_summary (t);
  g_assert_true (strlen (sum) <= strlen (t));
  return 0;
}
