/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

#include "tf-stm32-proto.h"

#include <string.h>

const char *
tf_stm32_command_name (guint8 command)
{
  switch (command)
    {
    case TF_STM32_GET:
      return "GET";
    case TF_STM32_GET_VERSION:
      return "GET VERSION";
    case TF_STM32_GET_ID:
      return "GET ID";
    case TF_STM32_READ:
      return "READ";
    case TF_STM32_GO:
      return "GO";
    case TF_STM32_WRITE:
      return "WRITE";
    case TF_STM32_ERASE:
      return "ERASE";
    case TF_STM32_EXTENDED_ERASE:
      return "EXTENDED ERASE";
    case TF_STM32_WRITE_PROTECT:
      return "WRITE PROTECT";
    case TF_STM32_WRITE_UNPROTECT:
      return "WRITE UNPROTECT";
    case TF_STM32_READOUT_PROTECT:
      return "READOUT PROTECT";
    case TF_STM32_READOUT_UNPROTECT:
      return "READOUT UNPROTECT";
    case TF_STM32_GET_CHECKSUM:
      return "GET CHECKSUM";
    case TF_STM32_SYNC:
      return "sync";
    default:
      return "command";
    }
}

gboolean
tf_stm32_reply_has_command (const TfStm32Reply *reply, guint8 command)
{
  for (guint i = 0; i < reply->n_commands; i++)
    if (reply->commands[i] == command)
      return TRUE;
  return FALSE;
}

/* The first byte of every framed reply: ACK goes on, NACK refuses. */
static TfStm32ParseResult
first_ack (const guint8 *buf, gsize len)
{
  if (len < 1)
    return TF_STM32_PARSE_MORE;
  if (buf[0] == TF_STM32_NACK)
    return TF_STM32_PARSE_NACK;
  return buf[0] == TF_STM32_ACK ? TF_STM32_PARSE_DONE : TF_STM32_PARSE_INVALID;
}

/* ACK, N, N+1 bytes, ACK: the shape of GET and GET ID. */
static TfStm32ParseResult
parse_counted (const guint8 *buf, gsize len, gsize *body, gsize *total)
{
  TfStm32ParseResult r = first_ack (buf, len);
  if (r != TF_STM32_PARSE_DONE)
    return r;
  if (len < 2)
    return TF_STM32_PARSE_MORE;
  *body = (gsize)buf[1] + 1;
  *total = 2 + *body + 1;
  if (len < *total)
    return TF_STM32_PARSE_MORE;
  if (buf[*total - 1] == TF_STM32_NACK)
    return TF_STM32_PARSE_NACK;
  return buf[*total - 1] == TF_STM32_ACK ? TF_STM32_PARSE_DONE : TF_STM32_PARSE_INVALID;
}

TfStm32ParseResult
tf_stm32_parse_reply (TfStm32ReplyKind kind, gsize expect, const guint8 *buf, gsize len,
                      TfStm32Reply *reply, gsize *used)
{
  TfStm32ParseResult r;
  gsize body = 0, total = 0;

  *used = 0;
  switch (kind)
    {
    case TF_STM32_REPLY_ACK:
      r = first_ack (buf, len);
      total = 1;
      break;
    case TF_STM32_REPLY_SYNC:
      if (len < 1)
        return TF_STM32_PARSE_MORE;
      reply->was_nack = buf[0] == TF_STM32_NACK;
      r = buf[0] == TF_STM32_ACK || buf[0] == TF_STM32_NACK ? TF_STM32_PARSE_DONE
                                                            : TF_STM32_PARSE_INVALID;
      total = 1;
      break;
    case TF_STM32_REPLY_GET:
      r = parse_counted (buf, len, &body, &total);
      if (r != TF_STM32_PARSE_DONE)
        break;
      /* the version, then at least the commands every bootloader has */
      if (body < 2 || body - 1 > G_N_ELEMENTS (reply->commands))
        return TF_STM32_PARSE_INVALID;
      reply->version = buf[2];
      reply->n_commands = body - 1;
      memcpy (reply->commands, buf + 3, reply->n_commands);
      break;
    case TF_STM32_REPLY_VERSION:
      r = first_ack (buf, len);
      if (r != TF_STM32_PARSE_DONE)
        break;
      total = 5;
      if (len < total)
        return TF_STM32_PARSE_MORE;
      if (buf[4] != TF_STM32_ACK)
        return buf[4] == TF_STM32_NACK ? TF_STM32_PARSE_NACK : TF_STM32_PARSE_INVALID;
      reply->version = buf[1];
      break;
    case TF_STM32_REPLY_ID:
      r = parse_counted (buf, len, &body, &total);
      if (r != TF_STM32_PARSE_DONE)
        break;
      /* AN3155: N = 1, two bytes; take the last two of whatever comes */
      if (body < 2)
        return TF_STM32_PARSE_INVALID;
      reply->product_id = (guint16)(buf[2 + body - 2] << 8 | buf[2 + body - 1]);
      break;
    case TF_STM32_REPLY_DATA:
      if (len < expect)
        return TF_STM32_PARSE_MORE;
      r = TF_STM32_PARSE_DONE;
      total = expect;
      break;
    default:
      return TF_STM32_PARSE_INVALID;
    }
  if (r == TF_STM32_PARSE_DONE)
    *used = total;
  return r;
}

void
tf_stm32_frame_command (GByteArray *out, guint8 command)
{
  guint8 b[2] = { command, (guint8)~command };
  g_byte_array_append (out, b, 2);
}

void
tf_stm32_frame_address (GByteArray *out, guint32 address)
{
  guint8 b[5] = { address >> 24, address >> 16, address >> 8, address, 0 };
  b[4] = b[0] ^ b[1] ^ b[2] ^ b[3];
  g_byte_array_append (out, b, 5);
}

void
tf_stm32_frame_write_data (GByteArray *out, const guint8 *data, gsize len)
{
  gsize n = (len + 3) & ~(gsize)3;
  guint8 cs, pad = 0xFF;

  g_return_if_fail (len > 0 && n <= TF_STM32_BLOCK);
  cs = (guint8)(n - 1);
  g_byte_array_append (out, &cs, 1);
  g_byte_array_append (out, data, len);
  for (gsize i = 0; i < len; i++)
    cs ^= data[i];
  for (gsize i = len; i < n; i++)
    {
      g_byte_array_append (out, &pad, 1);
      cs ^= pad;
    }
  g_byte_array_append (out, &cs, 1);
}

void
tf_stm32_frame_read_length (GByteArray *out, gsize len)
{
  guint8 b[2] = { (guint8)(len - 1), (guint8) ~(len - 1) };
  g_return_if_fail (len > 0 && len <= TF_STM32_BLOCK);
  g_byte_array_append (out, b, 2);
}

void
tf_stm32_frame_extended_erase (GByteArray *out, guint first, guint n)
{
  guint8 cs = 0;
  if (n == 0)
    {
      guint8 mass[3] = { 0xFF, 0xFF, 0x00 };
      g_byte_array_append (out, mass, 3);
      return;
    }
  for (guint i = 0; i <= n; i++)
    {
      /* the count N-1 first, then each page number, all big-endian */
      guint v = i == 0 ? n - 1 : first + i - 1;
      guint8 b[2] = { (guint8)(v >> 8), (guint8)v };
      cs ^= b[0] ^ b[1];
      g_byte_array_append (out, b, 2);
    }
  g_byte_array_append (out, &cs, 1);
}

void
tf_stm32_frame_erase (GByteArray *out, guint first, guint n)
{
  guint8 cs;
  if (n == 0)
    {
      guint8 mass[2] = { 0xFF, 0x00 };
      g_byte_array_append (out, mass, 2);
      return;
    }
  g_return_if_fail (n <= 256 && first + n <= 256);
  cs = (guint8)(n - 1);
  g_byte_array_append (out, &cs, 1);
  for (guint i = 0; i < n; i++)
    {
      guint8 p = (guint8)(first + i);
      cs ^= p;
      g_byte_array_append (out, &p, 1);
    }
  g_byte_array_append (out, &cs, 1);
}

void
tf_stm32_frame_checksum_size (GByteArray *out, guint32 size)
{
  /* the same shape as an address: 4 bytes big-endian and their XOR */
  tf_stm32_frame_address (out, size);
}

gboolean
tf_stm32_parse_checksum (const guint8 *reply, gsize len, guint32 *crc)
{
  if (len < TF_STM32_CHECKSUM_REPLY || reply[0] != TF_STM32_ACK || reply[1] != TF_STM32_ACK
      || (reply[2] ^ reply[3] ^ reply[4] ^ reply[5]) != reply[6])
    return FALSE;
  *crc = (guint32)reply[2] << 24 | (guint32)reply[3] << 16 | (guint32)reply[4] << 8 | reply[5];
  return TRUE;
}

guint32
tf_stm32_crc32 (guint32 crc, const guint8 *data, gsize len)
{
  g_return_val_if_fail (len % 4 == 0, crc);
  for (gsize i = 0; i < len; i += 4)
    {
      crc ^= (guint32)data[i] | (guint32)data[i + 1] << 8 | (guint32)data[i + 2] << 16
             | (guint32)data[i + 3] << 24;
      for (guint b = 0; b < 32; b++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
  return crc;
}
