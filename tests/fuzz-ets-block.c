/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for the datagrams the runner's package server of ETS 1.0 case 775 reads (any
 * client may send it anything): the Block2 number of a CoAP GET, never a read past the end. */
#include <stdint.h>

#include "tf-ets-cases-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* a copy of exactly @size bytes, so that a read past it is one the sanitizers see */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  gint block = tf_ets_coap_block2_requested (copy, size);
  /* a Block2 value has at most 3 bytes: NUM below 2^20 */
  g_assert_true (block >= -1 && block < (1 << 20));
  if (size < 4)
    g_assert_cmpint (block, ==, -1);
  return 0;
}
