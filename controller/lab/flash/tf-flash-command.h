/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-flasher.h"

G_BEGIN_DECLS

/* An external flasher (openocd, esptool, nrfjprog, probe-rs) from the board
 * type's [flash] command template: {image} {port} {serial} {board} {address};
 * timeout-ms (default 120000) bounds it, then its process group is killed. */
#define TF_TYPE_FLASH_COMMAND (tf_flash_command_get_type ())
G_DECLARE_FINAL_TYPE (TfFlashCommand, tf_flash_command, TF, FLASH_COMMAND, TfFlasher)

G_END_DECLS
