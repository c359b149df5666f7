/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-flasher.h"

G_BEGIN_DECLS

/* ST's STM32 system bootloader on a UART (AN3155), from the board type's
 * [flash] group: address, size, page-size, product-id (checked against GET ID),
 * bootloader-baud (default 115200), boot-mode = relay (the lab sets BOOT0 and
 * power cycles) or dtr-rts (RTS drives BOOT0, DTR drives NRST). */
#define TF_TYPE_FLASH_STM32 (tf_flash_stm32_get_type ())
G_DECLARE_FINAL_TYPE (TfFlashStm32, tf_flash_stm32, TF, FLASH_STM32, TfFlasher)

G_END_DECLS
