/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-power-switch.h"

G_BEGIN_DECLS

/* CH340 "LCUS" USB relay modules: A0 <ch> <state> <sum> at 9600 8N1. */
#define TF_TYPE_POWER_RELAY (tf_power_relay_get_type ())
G_DECLARE_FINAL_TYPE (TfPowerRelay, tf_power_relay, TF, POWER_RELAY, TfPowerSwitch)

/* The frame for @channel/@on, for tests and tools. */
void
tf_power_relay_frame (guint channel, gboolean on, guint8 frame[4]);

G_END_DECLS
