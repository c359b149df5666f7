/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: what hubs and DFU devices answer (hub descriptor, port status, DFU
 * GETSTATUS, DFU functional descriptor alone or among class descriptors, DfuSe memory
 * layout string). The first byte
 * picks the parser; any input
 * must parse or end in a TF_ERROR with a message, never a crash. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tf-error.h"
#include "tf-usb-desc.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == TF_ERROR);
      g_assert_true (error->message != NULL && error->message[0] != '\0');
    }
  else
    g_assert_null (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (size < 1)
    return 0;
  /* bits 0-1 pick a reply parser (bit 2: USB3 for the port status), bit 3 the layout */
  switch ((data[0] & 8) != 0 ? 4 : data[0] % 4)
    {
    case 0:
      {
        TfHubDescriptor d;
        ok = tf_hub_descriptor_parse (data + 1, size - 1, &d, &error);
        if (ok)
          {
            g_assert_cmpuint (d.n_ports, >=, 1);
            g_assert_nonnull (tf_hub_switching_to_string (d.switching));
          }
        break;
      }
    case 1:
      {
        gboolean powered = FALSE;
        ok = tf_hub_port_status_parse (data + 1, size - 1, (data[0] & 4) != 0, &powered, &error);
        break;
      }
    case 2:
      {
        TfDfuStatus s;
        ok = tf_dfu_status_parse (data + 1, size - 1, &s, &error);
        if (ok)
          {
            g_assert_cmpuint (s.poll_timeout_ms, <, 1u << 24);
            g_assert_nonnull (tf_dfu_status_to_string (s.status));
            g_assert_nonnull (tf_dfu_state_to_string (s.state));
          }
        break;
      }
    case 4:
      {
        /* the layout is a string descriptor's text: NUL-terminated by the reader */
        g_autofree char *text = g_strndup ((const char *)data + 1, size - 1);
        g_autoptr (GArray) sectors = tf_dfuse_layout_parse (text, &error);
        g_autofree char *name = tf_dfuse_alt_name (text);
        /* the setting's name: a part of the text, never longer */
        g_assert_cmpuint (strlen (name), <=, strlen (text));
        ok = sectors != NULL;
        for (guint i = 0; ok && i < sectors->len; i++)
          {
            const TfDfuSector *sec = &g_array_index (sectors, TfDfuSector, i);
            g_assert_cmpuint (sec->size, >, 0);
            /* sectors never wrap past 4 GiB */
            g_assert_cmpuint ((guint64)sec->start + sec->size, <=, (guint64)G_MAXUINT32 + 1);
          }
        break;
      }
    default:
      {
        TfDfuFunctional f;
        /* bit 2: a list of class descriptors to search (an altsetting's extra) */
        if ((data[0] & 4) != 0)
          ok = tf_dfu_functional_find (data + 1, size - 1, &f, &error);
        else
          ok = tf_dfu_functional_parse (data + 1, size - 1, &f, &error);
        if (ok)
          g_assert_cmpuint (f.transfer_size, >, 0);
        break;
      }
    }
  check (ok, error);
  return 0;
}
