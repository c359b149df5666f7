/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target of the trace's DTLS decryption: the input is a run of datagrams (one byte of
 * direction, two of length, the bytes) between a client and a server, followed as a flow with
 * the PSK the corpus's captures used ("dev-1", 0102030405060708), so that a mutated handshake gets
 * as far as key derivation and record decryption; the whole input is also read as a key log. */
#include "config.h"

#include <stdint.h>

#include "tf-dtls-decrypt.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 key[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr (TfDtlsKeys) keys = tf_dtls_keys_new ();
  g_autoptr (TfDtlsFlows) flows = tf_dtls_flows_new ();
  gsize off = 0;

  if (size > 200000)
    return 0;
  g_assert_true (tf_dtls_keys_add_psk (keys, "dev-1", key, sizeof key, NULL));
  (void)tf_dtls_keys_add_keylog (keys, (const char *)data, size, "fuzz", NULL);
  tf_dtls_flows_set_keys (flows, keys);
  while (off + 3 <= size)
    {
      gboolean from_server = data[off] & 1;
      gsize n = MIN ((gsize)(data[off + 1] << 8 | data[off + 2]), size - off - 3);
      g_autoptr (TfDtlsDatagram) d = tf_dtls_flows_add (
          flows, from_server ? "192.0.2.2:5684" : "192.0.2.10:40000",
          from_server ? "192.0.2.10:40000" : "192.0.2.2:5684", data + off + 3, n);
      if (d != NULL)
        g_assert_nonnull (d->records);
      off += 3 + n;
    }
  return 0;
}
