/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-flasher.h"

G_BEGIN_DECLS

/* USB DFU 1.1, and ST's DfuSe where the functional descriptor says bcdDFU 1.1a.
 * Board type [flash]: method = dfu, dfu-usb-id = VID:PID of the DFU-mode device,
 * usb-id = VID:PID of a runtime-mode device to detach first (optional), boot-mode = relay
 * (optional: the lab enters the ROM bootloader by BOOT0 and a power cycle),
 * timeout-ms = how long re-enumeration may take (default 5000), address = where the
 * image goes (DfuSe), layout = the DfuSe memory layout the part's bootloader must name
 * (optional; erasing follows the device's layout either way), alt-name = the DfuSe
 * alternate setting to write, by the name its layout string gives it (default "Internal
 * Flash"; an ST ROM also lists Option Bytes, OTP Memory and Device Feature). A device
 * that is not manifestation tolerant (ST's ROM) leaves for the image during DfuSe's leave
 * request: that is success, and the lab waits for the new firmware's banner. Async in the main loop
 * through tf-usb-context. */
#define TF_TYPE_FLASH_DFU (tf_flash_dfu_get_type ())
G_DECLARE_FINAL_TYPE (TfFlashDfu, tf_flash_dfu, TF, FLASH_DFU, TfFlasher)

G_END_DECLS
