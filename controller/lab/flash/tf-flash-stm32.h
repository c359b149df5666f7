/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-flasher.h"

G_BEGIN_DECLS

/* ST's STM32 system bootloader on a UART (AN3155), from the board type's
 * [flash] group: address, size, page-size, product-id (checked against GET ID),
 * bootloader-baud (default 115200), boot-mode = relay (the lab sets BOOT0 and
 * power cycles) or dtr-rts (RTS drives BOOT0, DTR drives NRST). */
TfFlasher *
tf_flash_stm32_new (const TfBoardType *type, GError **error);

G_END_DECLS
