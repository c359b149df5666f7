/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for the companies' requests (in/<company>/<verb>): the first
 * line of an input is the topic after "tf/fuzz/", the rest the payload. A
 * request is parsed into a TfInRequest or refused with a reason; never a
 * crash, never a request without a reason. */
#include <stdint.h>
#include <string.h>

#include "tf-floor-request.h"
#include "tf-session.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr (data, '\n', size);
  g_autofree char *rest = g_strndup ((const char *)data, nl ? (gsize)(nl - data) : size);
  g_autofree char *topic = g_strdup_printf ("tf/fuzz/%s", rest);
  const void *payload = nl ? nl + 1 : (const void *)"";
  gsize len = nl ? size - (nl + 1 - data) : 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfInRequest) r = tf_in_request_parse ("tf/fuzz/", topic, payload, len, &error);

  if (r == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->message[0] != '\0');
      return 0;
    }
  /* what was accepted is well formed */
  g_assert_true (tf_floor_valid_id (r->company));
  g_assert_nonnull (r->verb);
  if (r->verdict != NULL)
    {
      TfVerdict v;
      g_assert_true (tf_verdict_from_string (r->verdict, &v));
    }
  if (r->session != NULL)
    g_assert_true (tf_floor_valid_id (r->session));
  if (r->note != NULL)
    g_assert_true (g_utf8_validate (r->note, -1, NULL));
  g_free (tf_in_request_who (r));
  return 0;
}
