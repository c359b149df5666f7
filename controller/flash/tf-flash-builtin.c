/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "flash/tf-flash-command.h"
#include "tf-flasher.h"

/* The flash methods compiled into this testfestd: one line per backend. */
void
tf_flasher_register_builtin (void)
{
  tf_flasher_register ("command", tf_flash_command_new);
}
