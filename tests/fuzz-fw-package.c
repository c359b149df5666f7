/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for the lab client's firmware package check (tf-lwm2m-client-fw.c): any input
 * is refused with Update Result 5 or 6, or gives a version (UTF-8, no space, at most 64
 * bytes) whose package, rebuilt from the same rest, checks out again to the same version. */
#include <stdint.h>
#include <string.h>

#include "tf-lwm2m-client.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) in = g_bytes_new (data, size);
  gint result = -1;
  g_autofree char *version = tf_lwm2m_fw_package_version (in, &result);
  const uint8_t *nl;
  g_autofree char *digest = NULL;
  g_autofree char *head = NULL;
  g_autoptr (GByteArray) again = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autofree char *version2 = NULL;
  gint result2 = -1;

  if (version == NULL)
    {
      g_assert_true (result == 5 || result == 6);
      return 0;
    }
  g_assert_cmpint (result, ==, 0);
  g_assert_true (g_utf8_validate (version, -1, NULL));
  g_assert_null (strchr (version, ' '));
  g_assert_cmpuint (strlen (version), <=, 64);
  g_assert_cmpuint (strlen (version), >, 0);
  /* the rest after the first line, under a header written anew */
  nl = memchr (data, '\n', size);
  g_assert_nonnull (nl);
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, nl + 1, size - (gsize)(nl + 1 - data));
  head = g_strdup_printf ("TFFW %s %s\n", version, digest);
  again = g_byte_array_new ();
  g_byte_array_append (again, (const guint8 *)head, strlen (head));
  g_byte_array_append (again, nl + 1, size - (gsize)(nl + 1 - data));
  b = g_bytes_new (again->data, again->len);
  version2 = tf_lwm2m_fw_package_version (b, &result2);
  g_assert_cmpstr (version2, ==, version);
  g_assert_cmpint (result2, ==, 0);
  return 0;
}
