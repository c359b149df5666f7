/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-flash-command.h"
#include "tf-flash-dfu.h"
#include "tf-flash-stm32.h"
#include "tf-flasher.h"

/* The flash methods compiled into this testfestd: one line per backend. */
void
tf_flasher_register_builtin (void)
{
  tf_flasher_register ("command", tf_flash_command_new);
  tf_flasher_register ("dfu", tf_flash_dfu_new);
  tf_flasher_register ("stm32-uart", tf_flash_stm32_new);
}
