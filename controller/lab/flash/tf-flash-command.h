/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-flasher.h"

G_BEGIN_DECLS

/* An external flasher (openocd, esptool, nrfjprog, probe-rs) from the board
 * type's [flash] command template: {image} {port} {serial} {board} {address}. */
TfFlasher *
tf_flash_command_new (const TfBoardType *type, GError **error);

G_END_DECLS
