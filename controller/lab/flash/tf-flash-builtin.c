/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-flash-command.h"
#include "tf-flash-dfu.h"
#include "tf-flash-stm32.h"
#include "tf-flasher.h"

/* The flash methods compiled into this testfestd: one line per backend. */
void
tf_flasher_register_builtin (void)
{
  tf_flasher_register ("command", TF_TYPE_FLASH_COMMAND);
  tf_flasher_register ("dfu", TF_TYPE_FLASH_DFU);
  tf_flasher_register ("stm32-uart", TF_TYPE_FLASH_STM32);
}
