/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parsers of what USB hubs and DFU devices answer: pure functions over bytes,
 * shared by the backends and the fuzz target. */

typedef enum
{
  TF_HUB_SWITCHING_GANGED,
  TF_HUB_SWITCHING_PER_PORT,
  TF_HUB_SWITCHING_NONE,
} TfHubSwitching;

typedef struct
{
  gboolean usb3; /* descriptor type 0x2A */
  guint n_ports;
  guint16 characteristics;
  TfHubSwitching switching;
  guint power_on_to_good_ms;
} TfHubDescriptor;

/* A hub class descriptor (0x29 USB 2.0, 0x2A SuperSpeed). */
gboolean
tf_hub_descriptor_parse (const guint8 *data, gsize len, TfHubDescriptor *out, GError **error);
const char *
tf_hub_switching_to_string (TfHubSwitching switching);
/* Port power from GET_STATUS (4 bytes: wPortStatus, wPortChange). */
gboolean
tf_hub_port_status_parse (const guint8 *data, gsize len, gboolean usb3, gboolean *powered,
                          GError **error);

/* DFU 1.1 states and statuses. */
typedef enum
{
  TF_DFU_STATE_APP_IDLE = 0,
  TF_DFU_STATE_APP_DETACH = 1,
  TF_DFU_STATE_DFU_IDLE = 2,
  TF_DFU_STATE_DNLOAD_SYNC = 3,
  TF_DFU_STATE_DNBUSY = 4,
  TF_DFU_STATE_DNLOAD_IDLE = 5,
  TF_DFU_STATE_MANIFEST_SYNC = 6,
  TF_DFU_STATE_MANIFEST = 7,
  TF_DFU_STATE_MANIFEST_WAIT_RESET = 8,
  TF_DFU_STATE_UPLOAD_IDLE = 9,
  TF_DFU_STATE_ERROR = 10,
} TfDfuState;

typedef struct
{
  guint8 status;
  guint32 poll_timeout_ms; /* 24 bits */
  guint8 state;
  guint8 istring;
} TfDfuStatus;

gboolean
tf_dfu_status_parse (const guint8 *data, gsize len, TfDfuStatus *out, GError **error);
const char *
tf_dfu_state_to_string (guint8 state);
/* The meaning of a bStatus as DFU 1.1 table 6.1.2 gives it. */
const char *
tf_dfu_status_to_string (guint8 status);

/* The DFU functional descriptor (type 0x21). */
typedef struct
{
  guint8 attributes; /* bitCanDnload 0x01, bitCanUpload 0x02, bitManifestationTolerant 0x04,
                        bitWillDetach 0x08 */
  guint16 detach_timeout_ms;
  guint16 transfer_size;
  guint16 dfu_version; /* 0x011a: DfuSe */
} TfDfuFunctional;

gboolean
tf_dfu_functional_parse (const guint8 *data, gsize len, TfDfuFunctional *out, GError **error);
/* The DFU functional descriptor among the class descriptors @data holds (what libusb keeps
 * as an altsetting's or a configuration's extra: several descriptors one after another).
 * FALSE and TF_ERROR_NOT_FOUND when none is there, TF_ERROR_PROTOCOL when the list or the
 * descriptor is malformed. */
gboolean
tf_dfu_functional_find (const guint8 *data, gsize len, TfDfuFunctional *out, GError **error);
/* The name of a DfuSe alternate setting ("@Internal Flash  /0x08000000/..." -> "Internal
 * Flash"): without '@', up to the first '/', spaces trimmed. */
char *
tf_dfuse_alt_name (const char *layout);

/* One sector of a DfuSe memory layout: what one ERASE (0x41 + address) clears. */
typedef struct
{
  guint32 start;
  guint32 size;
} TfDfuSector;

/* A DfuSe memory layout string, as a DfuSe interface names its alternate setting
 * ("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg"): its sectors in order
 * (a GArray of TfDfuSector), or NULL and a TF_ERROR_PROTOCOL naming the column. */
GArray *
tf_dfuse_layout_parse (const char *layout, GError **error);

G_END_DECLS
