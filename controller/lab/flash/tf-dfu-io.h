/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the dfu flasher: one run's state and its DFU requests (tf-dfu-io.c), shared with
 * the sequence in tf-flash-dfu.c. */
#include <libusb.h>

#include "tf-error.h"
#include "tf-flash-dfu.h"
#include "tf-usb-context.h"
#include "tf-usb-desc.h"

G_BEGIN_DECLS

#define DFU_DETACH 0
#define DFU_DNLOAD 1
#define DFU_UPLOAD 2
#define DFU_GETSTATUS 3
#define DFU_CLRSTATUS 4
#define DFU_ABORT 6
#define OUT_REQ (LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE)
#define IN_REQ (LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_INTERFACE)
#define REQUEST_TIMEOUT_MS 5000

struct _TfFlashDfu
{
  TfFlasher parent_instance;
  guint16 dfu_vid, dfu_pid;
  guint16 rt_vid, rt_pid; /* 0: no runtime mode */
  guint timeout_ms;
  guint64 address;
  char *layout;   /* [flash] layout: the part's DfuSe memory as it names it, or NULL */
  char *alt_name; /* [flash] alt-name: the alternate setting to write ("Internal Flash") */
};

/* One alternate setting of a DFU interface. */
typedef struct
{
  int iface;
  guint8 alt;
  guint8 istring;
} DfuAlt;

typedef struct _Run Run;
typedef void (*Step) (Run *r);
typedef void (*Done) (Run *r, const guint8 *data, int len);

struct _Run
{
  TfFlashDfu *self;
  GTask *task;
  TfFlashJob *job;
  TfUsbContext *usb;
  libusb_device_handle *handle;
  int iface;
  guint8 alt;
  TfDfuFunctional func;
  gboolean dfuse;
  const guint8 *data;
  gsize size;
  guint32 base;
  GArray *sectors; /* of TfDfuSector, from the device's DfuSe layout; or NULL */
  guint index, count;
  guint skipped; /* blank blocks not downloaded */
  Step next;
  Done done;
  char *what; /* the command under way, for messages */
  struct libusb_transfer *inflight;
  int timerfd;
  guint timer_id;
  gulong added_id;
  guint wait_id;
  guint64 demanded_ms;
  gint64 started_us;
  gboolean leaving; /* the leave request is under way: the device may go at any time */
  gulong cancel_id;
  GCancellable *cancellable;
  GError *error;
};

void
dfu_run_free (Run *r);
/* End the run (from an idle: libusb callbacks may not close handles); takes @error. */
void
dfu_finish (Run *r, GError *error);
void
dfu_fail (Run *r, TfError code, const char *format, ...) G_GNUC_PRINTF (3, 4);
/* What is under way, for messages. */
void
dfu_fail_cancelled (Run *r);
void
dfu_set_what (Run *r, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* An async control request to the DFU interface; @done gets the IN data. A stall is
 * reported with the device's status. */
void
dfu_control (Run *r, guint8 type, guint8 request, guint16 value, const guint8 *out, guint16 len,
             Done done);
/* GETSTATUS until idle, polling no sooner and no later than bwPollTimeout; then next. */
void
dfu_get_status (Run *r);
/* DNLOAD, then GETSTATUS until the device is idle again; then @next. */
void
dfu_dnload (Run *r, guint16 block, const guint8 *data, guint16 len, Step next);
void
dfu_dfuse_command (Run *r, guint8 cmd, guint32 addr, Step next);

/* The alternate setting to write among @alts (all of one interface): the one whose DfuSe
 * name is the board type's alt-name, or the only one a plain DFU device has. Its layout
 * is checked against the board type's (DfuSe; sets r->sectors), r->iface and r->alt are
 * set. Synchronous: outside libusb's event handling only, on an open handle. */
gboolean
dfu_choose_alt (Run *r, GArray *alts, GError **error);

G_END_DECLS
