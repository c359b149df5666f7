/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the stm32-uart flasher's reply parser (AN3155). The first byte
 * picks the reply kind, the second the expected READ length; the rest is what
 * the "bootloader" sent. The parser is fed every prefix, as a serial port
 * delivers bytes in pieces, and then keeps consuming replies from the rest. */
#include <stdint.h>
#include <string.h>

#include "tf-stm32-proto.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  TfStm32ReplyKind kind;
  gsize expect, pos = 0;

  if (size < 2)
    return 0;
  kind = data[0] % (TF_STM32_REPLY_DATA + 1);
  expect = (gsize)data[1] + 1;
  data += 2;
  size -= 2;

  for (gsize len = 0; len <= size; len++)
    {
      TfStm32Reply reply = { 0 };
      gsize used = 0;
      TfStm32ParseResult r = tf_stm32_parse_reply (kind, expect, data, len, &reply, &used);
      g_assert (used <= len);
      g_assert (r == TF_STM32_PARSE_DONE || used == 0);
      g_assert (reply.n_commands <= G_N_ELEMENTS (reply.commands));
      if (r != TF_STM32_PARSE_MORE)
        break;
    }
  while (pos < size)
    {
      TfStm32Reply reply = { 0 };
      gsize used = 0;
      if (tf_stm32_parse_reply (kind, expect, data + pos, size - pos, &reply, &used)
              != TF_STM32_PARSE_DONE
          || used == 0)
        break;
      (void)tf_stm32_reply_has_command (&reply, TF_STM32_EXTENDED_ERASE);
      pos += used;
    }
  /* the frame builders take the same bytes */
  if (size > 0)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      gsize n = MIN (size, TF_STM32_BLOCK);
      tf_stm32_frame_write_data (out, data, n);
      g_assert (out->len == 2 + ((n + 3) & ~(gsize)3));
      tf_stm32_frame_read_length (out, n);
      tf_stm32_frame_extended_erase (out, data[0], expect);
      tf_stm32_frame_erase (out, 0, MIN (expect, 256));
      tf_stm32_frame_checksum_size (out, (guint32)n);
    }
  /* GET CHECKSUM's answer: ACK, ACK, CRC, XOR */
  {
    guint32 crc = 0;
    if (tf_stm32_parse_checksum (data, size, &crc))
      g_assert (size >= TF_STM32_CHECKSUM_REPLY);
    (void)tf_stm32_crc32 (0xFFFFFFFFu, data, size & ~(gsize)3);
  }
  return 0;
}
