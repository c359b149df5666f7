/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-power-switch.h"

G_BEGIN_DECLS

/* A power switch driven by an external command (a PDU's CLI, a smart plug):
 * templates with {switch} {channel} {board} {state}, run with a timeout. */
#define TF_TYPE_POWER_COMMAND (tf_power_command_get_type ())
G_DECLARE_FINAL_TYPE (TfPowerCommand, tf_power_command, TF, POWER_COMMAND, TfPowerSwitch)

G_END_DECLS
