/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-flash"

/* The stm32-uart flasher: ST's system bootloader (AN3155) on the board's
 * console UART, 8E1. No thread: the port's fd is a GSource in the main loop
 * (tf-stm32-port.c) and each exchange (send, wait for a framed reply or a
 * timeout) hands its reply to the next step of the job here: sync, GET,
 * GET ID, erase the pages the image needs, WRITE 256-byte blocks, verify,
 * then leave (the lab's power cycle, or NRST on DTR).
 *
 * Where the time goes is round trips, each one adapter latency: so blocks the
 * image leaves blank (0xFF) are neither written nor read back (the erase left
 * them so), the verify is one Get Checksum (0xA1) where the bootloader's GET
 * lists it, and an FTDI adapter's latency timer (16 ms by default) is 1 ms
 * while the port is open (tf-stm32-port.c). */

#include "tf-flash-stm32.h"
#include "tf-stm32-port.h"
#include "tf-error.h"

#include <string.h>

#define STM32_FLASH_BASE 0x08000000u
#define SYNC_TRIES 10
#define SYNC_TIMEOUT_MS 300
#define CMD_TIMEOUT_MS 1000   /* an ACK to a command byte or an address */
#define BLOCK_TIMEOUT_MS 1000 /* stm32flash: 1 s a block write */
#define PAGE_TIMEOUT_MS 5000  /* stm32flash: 5 s a page erase */
#define MASS_TIMEOUT_MS 35000 /* stm32flash: 35 s a mass erase */
#define ERASE_CHUNK 64        /* pages per erase command: progress in steps */
#define RESET_PULSE_MS 50
#define CHECKSUM_TIMEOUT_MS 5000 /* the bootloader reads the whole range */

typedef struct
{
  TfFlashConfig parent;
  guint baud;
  guint16 product_id;
  gboolean dtr_rts;
  guint64 flash_size, page_size; /* the type's, for the instance */
} Stm32Config;

struct _TfFlashStm32
{
  TfFlasher parent_instance;
  guint baud;
  guint16 product_id; /* 0: not checked */
  gboolean dtr_rts;   /* BOOT0 on RTS, NRST on DTR: we enter the bootloader ourselves */
  guint64 flash_size;
  guint64 page_size;
};

G_DEFINE_TYPE (TfFlashStm32, tf_flash_stm32, TF_TYPE_FLASHER)

typedef struct
{
  GTask *task;
  TfFlashStm32 *self; /* borrowed from the task */
  char *board;
  GBytes *image;
  guint32 address;
  gboolean enter_ourselves;
  TfStm32Port *port;
  guint timer;
  gboolean reset_released; /* dtr-rts entry: NRST let go, the bootloader starting */
  gulong cancel_id;
  guint cancel_idle;
  /* progress of the job */
  gboolean syncing;
  guint sync_tries;
  TfStm32Reply info;
  guint8 erase_cmd;
  guint first_page, n_pages, pages_done;
  gsize offset;
  guint blocks_written;
  guint blocks_skipped;
} Run;

static void
step_sync (Run *r);

static void
run_stop_io (Run *r)
{
  g_clear_handle_id (&r->timer, g_source_remove);
  g_clear_handle_id (&r->cancel_idle, g_source_remove);
  if (r->cancel_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (r->task), r->cancel_id);
  r->cancel_id = 0;
  g_clear_pointer (&r->port, tf_stm32_port_free);
}

static void
run_free (Run *r)
{
  run_stop_io (r);
  g_free (r->board);
  g_bytes_unref (r->image);
  g_free (r);
}

/* The end of a run, good or bad: the port is closed before the lab hears of it. */
static void
finish (Run *r, GError *error)
{
  g_autoptr (GTask) task = r->task;
  run_stop_io (r);
  if (error != NULL)
    {
      g_info ("board %s: stm32-uart: %s", r->board, error->message);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void G_GNUC_PRINTF (3, 4) fail (Run *r, int code, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  finish (r, g_error_new_literal (TF_ERROR, code, msg));
}

static gsize
image_size (Run *r);

/* What the wire reports: a sync byte is worth another try, everything else ends the run. */
static void
on_port_fail (const GError *error, gpointer user_data)
{
  Run *r = user_data;
  gsize blocks = (image_size (r) + TF_STM32_BLOCK - 1) / TF_STM32_BLOCK;

  if (r->syncing && g_error_matches (error, TF_ERROR, TF_ERROR_TIMED_OUT))
    {
      if (r->sync_tries < SYNC_TRIES)
        {
          step_sync (r);
          return;
        }
      fail (r, TF_ERROR_TIMED_OUT,
            "no answer from the STM32 bootloader: %u sync bytes (0x7F) over %u ms went "
            "unanswered (BOOT0 not high, wrong port, or a silent board)",
            SYNC_TRIES, SYNC_TRIES * SYNC_TIMEOUT_MS);
      return;
    }
  if (g_error_matches (error, TF_ERROR, TF_ERROR_NOT_FOUND))
    {
      fail (r, TF_ERROR_NOT_FOUND, "%s (after %u of %" G_GSIZE_FORMAT " blocks)", error->message,
            r->blocks_written, blocks);
      return;
    }
  finish (r, g_error_copy (error));
}

static gsize
image_size (Run *r)
{
  return g_bytes_get_size (r->image);
}

/* ---- leaving ---- */

static gboolean
on_reset_released (gpointer user_data)
{
  Run *r = user_data;
  r->timer = 0;
  tf_stm32_port_set_lines (r->port, FALSE, FALSE);
  finish (r, NULL);
  return G_SOURCE_REMOVE;
}

static void
step_leave (Run *r)
{
  tf_flasher_report_progress (TF_FLASHER (r->self), image_size (r), image_size (r), "done");
  g_info ("board %s: stm32-uart: %zu bytes written and verified (%u blank blocks skipped)",
          r->board, image_size (r), r->blocks_skipped);
  if (!r->enter_ourselves)
    {
      /* the lab releases the boot-mode line and power cycles */
      finish (r, NULL);
      return;
    }
  /* BOOT0 low, pulse NRST: the new firmware starts */
  tf_stm32_port_set_lines (r->port, FALSE, TRUE);
  r->timer = g_timeout_add (RESET_PULSE_MS, on_reset_released, r);
}

/* Past the blocks at the offset that the image leaves blank: the erase made them 0xFF. */
static void
skip_blank (Run *r, gboolean count)
{
  const guint8 *img = g_bytes_get_data (r->image, NULL);
  while (r->offset < image_size (r))
    {
      gsize n = MIN (TF_STM32_BLOCK, image_size (r) - r->offset);
      for (gsize i = 0; i < n; i++)
        if (img[r->offset + i] != 0xFF)
          return;
      r->offset += n;
      if (count)
        r->blocks_skipped++;
    }
}

/* ---- verify by Get Checksum: one round trip for the whole image ---- */

static void
on_checksum (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  gsize size = (image_size (r) + 3) & ~(gsize)3;
  g_autofree guint8 *padded = g_malloc (size);
  guint32 device = 0, host;

  memset (padded, 0xFF, size);
  memcpy (padded, g_bytes_get_data (r->image, NULL), image_size (r));
  host = tf_stm32_crc32 (0xFFFFFFFFu, padded, size);
  if (!tf_stm32_parse_checksum (data, len, &device))
    {
      fail (r, TF_ERROR_FAILED, "the bootloader refused GET CHECKSUM of 0x%08x+%zu (0x%02x)",
            r->address, size, data[0]);
      return;
    }
  if (device != host)
    {
      fail (r, TF_ERROR_FAILED, "verify failed: flash CRC-32 0x%08x, image 0x%08x (0x%08x+%zu)",
            device, host, r->address, size);
      return;
    }
  tf_flasher_report_progress (TF_FLASHER (r->self), image_size (r), image_size (r), "verify");
  step_leave (r);
}

static void
on_checksum_address (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  tf_stm32_frame_checksum_size (tx, (guint32)((image_size (r) + 3) & ~(gsize)3));
  tf_stm32_port_xfer (r->port, tx->data, tx->len, TF_STM32_REPLY_DATA, TF_STM32_CHECKSUM_REPLY,
                      CHECKSUM_TIMEOUT_MS, "GET CHECKSUM (size)", on_checksum);
}

static void
on_checksum_cmd (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  tf_stm32_port_address (r->port, r->address, CMD_TIMEOUT_MS, "GET CHECKSUM (address)",
                         on_checksum_address);
}

/* ---- verify: READ back and compare ---- */

static void
verify_block (Run *r);

static void
on_read_data (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  const guint8 *img = g_bytes_get_data (r->image, NULL);
  gsize n = MIN (TF_STM32_BLOCK, image_size (r) - r->offset);

  if (data[0] != TF_STM32_ACK)
    {
      fail (r, data[0] == TF_STM32_NACK ? TF_ERROR_FAILED : TF_ERROR_IO,
            "the bootloader refused READ at 0x%08x (0x%02x)", r->address + (guint)r->offset,
            data[0]);
      return;
    }
  for (gsize i = 0; i < n; i++)
    if (data[1 + i] != img[r->offset + i])
      {
        fail (r, TF_ERROR_FAILED, "verify failed at 0x%08x: wrote 0x%02x, read back 0x%02x",
              r->address + (guint)(r->offset + i), img[r->offset + i], data[1 + i]);
        return;
      }
  r->offset += n;
  tf_flasher_report_progress (TF_FLASHER (r->self), r->offset, image_size (r), "verify");
  verify_block (r);
}

static void
on_read_address (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  gsize n = MIN (TF_STM32_BLOCK, image_size (r) - r->offset);
  tf_stm32_frame_read_length (tx, n);
  /* ACK, then the N bytes */
  tf_stm32_port_xfer (r->port, tx->data, tx->len, TF_STM32_REPLY_DATA, n + 1, BLOCK_TIMEOUT_MS,
                      "READ (data)", on_read_data);
}

static void
on_read_cmd (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  tf_stm32_port_address (r->port, r->address + (guint32)r->offset, CMD_TIMEOUT_MS, "READ (address)",
                         on_read_address);
}

static void
verify_block (Run *r)
{
  skip_blank (r, FALSE);
  if (r->offset >= image_size (r))
    {
      step_leave (r);
      return;
    }
  tf_stm32_port_command (r->port, TF_STM32_READ, TF_STM32_REPLY_ACK, CMD_TIMEOUT_MS, on_read_cmd);
}

/* ---- write: 256-byte blocks ---- */

static void
write_block (Run *r);

static void
on_write_data (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  r->offset += MIN (TF_STM32_BLOCK, image_size (r) - r->offset);
  r->blocks_written++;
  tf_flasher_report_progress (TF_FLASHER (r->self), r->offset, image_size (r), "write");
  write_block (r);
}

static void
on_write_address (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  const guint8 *img = g_bytes_get_data (r->image, NULL);
  tf_stm32_frame_write_data (tx, img + r->offset, MIN (TF_STM32_BLOCK, image_size (r) - r->offset));
  tf_stm32_port_xfer (r->port, tx->data, tx->len, TF_STM32_REPLY_ACK, 0, BLOCK_TIMEOUT_MS,
                      "WRITE (data)", on_write_data);
}

static void
on_write_cmd (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  tf_stm32_port_address (r->port, r->address + (guint32)r->offset, CMD_TIMEOUT_MS,
                         "WRITE (address)", on_write_address);
}

static void
write_block (Run *r)
{
  skip_blank (r, TRUE);
  if (r->offset >= image_size (r))
    {
      r->offset = 0;
      tf_flasher_report_progress (TF_FLASHER (r->self), 0, image_size (r), "verify");
      /* the address and size must be word aligned for GET CHECKSUM */
      if (tf_stm32_reply_has_command (&r->info, TF_STM32_GET_CHECKSUM) && (r->address & 3) == 0)
        tf_stm32_port_command (r->port, TF_STM32_GET_CHECKSUM, TF_STM32_REPLY_ACK, CMD_TIMEOUT_MS,
                               on_checksum_cmd);
      else
        verify_block (r);
      return;
    }
  tf_stm32_port_command (r->port, TF_STM32_WRITE, TF_STM32_REPLY_ACK, CMD_TIMEOUT_MS, on_write_cmd);
}

/* ---- erase: only the pages the image needs ---- */

static void
erase_chunk (Run *r);

static void
start_write (Run *r)
{
  r->offset = 0;
  tf_flasher_report_progress (TF_FLASHER (r->self), 0, image_size (r), "write");
  write_block (r);
}

static void
on_erased (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  guint n = r->n_pages == 0 ? 0 : MIN (ERASE_CHUNK, r->n_pages - r->pages_done);
  if (r->n_pages == 0)
    {
      tf_flasher_report_progress (TF_FLASHER (r->self), 1, 1, "erase");
      start_write (r);
      return;
    }
  r->pages_done += n;
  tf_flasher_report_progress (TF_FLASHER (r->self), r->pages_done, r->n_pages, "erase");
  erase_chunk (r);
}

static void
on_erase_cmd (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  g_autoptr (GByteArray) tx = g_byte_array_new ();
  guint n = r->n_pages == 0 ? 0 : MIN (ERASE_CHUNK, r->n_pages - r->pages_done);
  guint timeout = n == 0 ? MASS_TIMEOUT_MS : MIN (MASS_TIMEOUT_MS, PAGE_TIMEOUT_MS * n);

  if (r->erase_cmd == TF_STM32_EXTENDED_ERASE)
    tf_stm32_frame_extended_erase (tx, r->first_page + r->pages_done, n);
  else
    tf_stm32_frame_erase (tx, r->first_page + r->pages_done, n);
  tf_stm32_port_xfer (r->port, tx->data, tx->len, TF_STM32_REPLY_ACK, 0, timeout,
                      n == 0 ? "mass erase" : "page erase", on_erased);
}

static void
erase_chunk (Run *r)
{
  if (r->n_pages > 0 && r->pages_done >= r->n_pages)
    {
      start_write (r);
      return;
    }
  tf_stm32_port_command (r->port, r->erase_cmd, TF_STM32_REPLY_ACK, CMD_TIMEOUT_MS, on_erase_cmd);
}

static void
plan_erase (Run *r)
{
  guint64 page = r->self->page_size;
  guint64 end;

  r->erase_cmd = tf_stm32_reply_has_command (&r->info, TF_STM32_EXTENDED_ERASE)
                     ? TF_STM32_EXTENDED_ERASE
                     : TF_STM32_ERASE;
  r->n_pages = 0;
  if (page > 0 && r->address >= STM32_FLASH_BASE)
    {
      end = r->address - STM32_FLASH_BASE + image_size (r);
      r->first_page = (r->address - STM32_FLASH_BASE) / page;
      r->n_pages = (end + page - 1) / page - r->first_page;
      /* the standard ERASE names pages in one byte */
      if (r->erase_cmd == TF_STM32_ERASE && r->first_page + r->n_pages > 256)
        r->n_pages = 0;
    }
  g_info ("board %s: stm32-uart: erasing %s (%s)", r->board,
          r->n_pages == 0 ? "the whole flash" : "pages", tf_stm32_command_name (r->erase_cmd));
  if (r->n_pages > 0)
    g_debug ("board %s: stm32-uart: pages %u..%u", r->board, r->first_page,
             r->first_page + r->n_pages - 1);
  r->pages_done = 0;
  tf_flasher_report_progress (TF_FLASHER (r->self), 0, MAX (r->n_pages, 1), "erase");
  erase_chunk (r);
}

/* ---- identify ---- */

static void
on_get_id (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  guint64 flash_size = r->self->flash_size;
  g_debug ("board %s: stm32-uart: product id 0x%03x", r->board, reply->product_id);
  if (r->self->product_id != 0 && reply->product_id != r->self->product_id)
    {
      fail (r, TF_ERROR_INVALID_ARGUMENT,
            "wrong chip: the bootloader reports product id 0x%03x, the board type expects 0x%03x",
            reply->product_id, r->self->product_id);
      return;
    }
  /* before anything is erased */
  if (flash_size > 0
      && (r->address < STM32_FLASH_BASE
          || r->address - STM32_FLASH_BASE + image_size (r) > flash_size))
    {
      fail (r, TF_ERROR_INVALID_ARGUMENT,
            "the image (%zu bytes at 0x%08x) does not fit the %" G_GUINT64_FORMAT
            "-byte flash; nothing was erased",
            image_size (r), r->address, flash_size);
      return;
    }
  plan_erase (r);
}

static void
on_get (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  r->info = *reply;
  g_debug ("board %s: stm32-uart: bootloader v%u.%u, %u commands", r->board, reply->version >> 4,
           reply->version & 0xF, reply->n_commands);
  if (!tf_stm32_reply_has_command (reply, TF_STM32_WRITE)
      || !tf_stm32_reply_has_command (reply, TF_STM32_READ)
      || (!tf_stm32_reply_has_command (reply, TF_STM32_ERASE)
          && !tf_stm32_reply_has_command (reply, TF_STM32_EXTENDED_ERASE)))
    {
      fail (r, TF_ERROR_NOT_SUPPORTED,
            "the bootloader (v%u.%u) lacks READ, WRITE or ERASE: readout protected?",
            reply->version >> 4, reply->version & 0xF);
      return;
    }
  tf_stm32_port_command (r->port, TF_STM32_GET_ID, TF_STM32_REPLY_ID, CMD_TIMEOUT_MS, on_get_id);
}

static void
on_sync (const TfStm32Reply *reply, const guint8 *data, gsize len, gpointer user_data)
{
  Run *r = user_data;
  r->syncing = FALSE;
  g_debug ("board %s: stm32-uart: in sync after %u tries%s", r->board, r->sync_tries,
           reply->was_nack ? " (it was already)" : "");
  tf_stm32_port_command (r->port, TF_STM32_GET, TF_STM32_REPLY_GET, CMD_TIMEOUT_MS, on_get);
}

static void
step_sync (Run *r)
{
  guint8 b = TF_STM32_SYNC;
  r->syncing = TRUE;
  r->sync_tries++;
  tf_stm32_port_flush_input (r->port);
  tf_stm32_port_xfer (r->port, &b, 1, TF_STM32_REPLY_SYNC, 0, SYNC_TIMEOUT_MS, "sync", on_sync);
}

static gboolean
on_reset_done (gpointer user_data)
{
  Run *r = user_data;
  r->timer = 0;
  /* NRST released with BOOT0 high: the bootloader starts; give it a moment */
  if (!r->reset_released)
    {
      r->reset_released = TRUE;
      tf_stm32_port_set_lines (r->port, TRUE, FALSE);
      r->timer = g_timeout_add (RESET_PULSE_MS, on_reset_done, r);
      return G_SOURCE_REMOVE;
    }
  step_sync (r);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancel_idle (gpointer user_data)
{
  Run *r = user_data;
  r->cancel_idle = 0;
  finish (r, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "flashing was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Run *r = user_data;
  /* not from inside the handler: disconnecting there would deadlock */
  if (r->cancel_idle == 0)
    r->cancel_idle = g_idle_add (on_cancel_idle, r);
}

static void
stm32_flash_async (TfFlasher *flasher, TfFlashJob *job, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  TfFlashStm32 *self = TF_FLASH_STM32 (flasher);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  Run *r = g_new0 (Run, 1);

  r->task = task;
  r->self = self;
  r->board = g_strdup (job->board);
  r->image = g_bytes_ref (job->data);
  r->address = (guint32)job->type->flash_address;
  r->enter_ourselves = !job->lab_entered_bootloader;
  g_task_set_task_data (task, r, (GDestroyNotify)run_free);

  if (image_size (r) == 0)
    {
      fail (r, TF_ERROR_INVALID_ARGUMENT, "the image is empty");
      return;
    }
  r->port = tf_stm32_port_open (r->board, job->port, self->baud, on_port_fail, r, &error);
  if (r->port == NULL)
    {
      finish (r, g_steal_pointer (&error));
      return;
    }
  if (cancellable != NULL)
    r->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), r, NULL);
  g_info ("board %s: stm32-uart: %s at %u 8E1, %zu bytes to 0x%08x", r->board, job->port,
          self->baud, image_size (r), r->address);
  tf_flasher_report_progress (flasher, 0, 1, "erase");
  if (r->enter_ourselves)
    {
      /* BOOT0 high on RTS, NRST low on DTR, then release NRST */
      tf_stm32_port_set_lines (r->port, TRUE, TRUE);
      r->timer = g_timeout_add (RESET_PULSE_MS, on_reset_done, r);
      return;
    }
  step_sync (r);
}

static gboolean
stm32_flash_finish (TfFlasher *flasher, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static TfFlashConfig *
stm32_load_config (TfKeyFile *kf, const TfBoardType *type, GError **error)
{
  static const char *const keys[] = { "product-id", "boot-mode", "bootloader-baud", NULL };
  g_autofree Stm32Config *c = g_new0 (Stm32Config, 1);
  g_autofree char *mode = NULL;
  guint64 v = 0;

  if (!tf_flasher_check_keys (kf, keys, error)
      || !tf_key_file_get_uint (kf, "flash", "bootloader-baud", FALSE, 115200, 1200, 4000000, &v,
                                error))
    return NULL;
  c->baud = v;
  if (!tf_key_file_get_number (kf, "flash", "product-id", FALSE, 0, 0, 0xFFFF, &v, error))
    return NULL;
  c->product_id = v;
  if (!tf_key_file_get_string (kf, "flash", "boot-mode", FALSE, "relay", &mode, error))
    return NULL;
  if (g_strcmp0 (mode, "relay") == 0)
    c->dtr_rts = FALSE;
  else if (g_strcmp0 (mode, "dtr-rts") == 0)
    c->dtr_rts = TRUE;
  else
    {
      tf_key_file_fail (kf, error, "flash", "boot-mode", "'%s' is not relay or dtr-rts", mode);
      return NULL;
    }
  if (type->flash_address < STM32_FLASH_BASE || type->flash_address > G_MAXUINT32)
    {
      tf_key_file_fail (kf, error, "flash", "address",
                        "0x%" G_GINT64_MODIFIER "x is not in STM32 flash (0x%08x...)",
                        type->flash_address, STM32_FLASH_BASE);
      return NULL;
    }
  /* relay: BOOT0 on a relay channel, set by the lab before a power cycle */
  c->parent.needs_bootloader_entry = !c->dtr_rts;
  c->parent.free = g_free;
  c->flash_size = type->flash_size;
  c->page_size = type->flash_page_size;
  return (TfFlashConfig *)g_steal_pointer (&c);
}

static void
stm32_setup (TfFlasher *flasher, const TfFlashConfig *config)
{
  TfFlashStm32 *self = TF_FLASH_STM32 (flasher);
  const Stm32Config *c = (const Stm32Config *)config;
  self->baud = c->baud;
  self->product_id = c->product_id;
  self->dtr_rts = c->dtr_rts;
  self->flash_size = c->flash_size;
  self->page_size = c->page_size;
}

static void
tf_flash_stm32_class_init (TfFlashStm32Class *klass)
{
  TfFlasherClass *f = TF_FLASHER_CLASS (klass);
  f->flash_async = stm32_flash_async;
  f->flash_finish = stm32_flash_finish;
  f->load_config = stm32_load_config;
  f->setup = stm32_setup;
}

static void
tf_flash_stm32_init (TfFlashStm32 *self)
{
}
