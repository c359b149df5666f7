/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The host side of ST's AN3155 (the STM32 system bootloader on a UART): frames
 * to send and a parser for what comes back. No I/O here: the stm32-uart
 * flasher feeds bytes in, and the fuzz target feeds anything at all. */

#define TF_STM32_ACK 0x79
#define TF_STM32_NACK 0x1F
#define TF_STM32_SYNC 0x7F
#define TF_STM32_BLOCK 256

typedef enum
{
  TF_STM32_GET = 0x00,
  TF_STM32_GET_VERSION = 0x01,
  TF_STM32_GET_ID = 0x02,
  TF_STM32_READ = 0x11,
  TF_STM32_GO = 0x21,
  TF_STM32_WRITE = 0x31,
  TF_STM32_ERASE = 0x43,
  TF_STM32_EXTENDED_ERASE = 0x44,
  TF_STM32_WRITE_PROTECT = 0x63,
  TF_STM32_WRITE_UNPROTECT = 0x73,
  TF_STM32_READOUT_PROTECT = 0x82,
  TF_STM32_READOUT_UNPROTECT = 0x92,
  TF_STM32_GET_CHECKSUM = 0xA1,
} TfStm32Command;

/* What a reply must look like. */
typedef enum
{
  TF_STM32_REPLY_ACK,     /* one ACK byte */
  TF_STM32_REPLY_SYNC,    /* ACK, or NACK (already in sync: the byte was taken as a command) */
  TF_STM32_REPLY_GET,     /* ACK, N, version, N commands, ACK */
  TF_STM32_REPLY_VERSION, /* ACK, version, 2 option bytes, ACK */
  TF_STM32_REPLY_ID,      /* ACK, N, N+1 bytes of product id, ACK */
  TF_STM32_REPLY_DATA,    /* exactly the expected number of data bytes (READ) */
} TfStm32ReplyKind;

typedef enum
{
  TF_STM32_PARSE_MORE,    /* incomplete: wait for more bytes */
  TF_STM32_PARSE_DONE,    /* complete; *used bytes consumed */
  TF_STM32_PARSE_NACK,    /* the bootloader refused */
  TF_STM32_PARSE_INVALID, /* not a reply this command can have */
} TfStm32ParseResult;

typedef struct
{
  guint8 version;      /* GET, GET VERSION */
  guint8 commands[32]; /* GET */
  guint n_commands;
  guint16 product_id; /* GET ID */
  gboolean was_nack;  /* SYNC: NACK (already synced) */
} TfStm32Reply;

/* Parse @len bytes against @kind (@expect: the data length for DATA).
 * Never reads beyond @len. */
TfStm32ParseResult
tf_stm32_parse_reply (TfStm32ReplyKind kind, gsize expect, const guint8 *buf, gsize len,
                      TfStm32Reply *reply, gsize *used);
gboolean
tf_stm32_reply_has_command (const TfStm32Reply *reply, guint8 command);

/* Frames (appended to @out). */
void
tf_stm32_frame_command (GByteArray *out, guint8 command);
void
tf_stm32_frame_address (GByteArray *out, guint32 address);
/* WRITE payload: N-1, the data (padded with 0xFF to a multiple of 4), checksum. */
void
tf_stm32_frame_write_data (GByteArray *out, const guint8 *data, gsize len);
/* READ length: N-1 and its complement. */
void
tf_stm32_frame_read_length (GByteArray *out, gsize len);
/* EXTENDED ERASE of @n pages from @first (2-byte page numbers), or mass erase when @n is 0. */
void
tf_stm32_frame_extended_erase (GByteArray *out, guint first, guint n);
/* ERASE (0x43) of @n (<= 256) pages from @first (< 256), or mass erase when @n is 0. */
void
tf_stm32_frame_erase (GByteArray *out, guint first, guint n);

const char *
tf_stm32_command_name (guint8 command);

/* Get Checksum (AN3155 §3.13): after the command and the address, the size in bytes (a
 * multiple of 4) as 4 bytes big-endian and their XOR. The answer: ACK (size taken), ACK
 * (computed), the CRC as 4 bytes big-endian and their XOR. */
#define TF_STM32_CHECKSUM_REPLY 7
void
tf_stm32_frame_checksum_size (GByteArray *out, guint32 size);
/* The CRC out of a Get Checksum answer (TF_STM32_CHECKSUM_REPLY bytes); FALSE if it is not
 * ACK, ACK, CRC and a matching XOR. */
gboolean
tf_stm32_parse_checksum (const guint8 *reply, gsize len, guint32 *crc);
/* The STM32 CRC unit's CRC-32 (poly 0x04C11DB7, MSB first, no reflection, no final XOR) of
 * @len bytes (a multiple of 4) taken as little-endian 32-bit words, from @crc (0xFFFFFFFF to
 * start). */
guint32
tf_stm32_crc32 (guint32 crc, const guint8 *data, gsize len);

G_END_DECLS
