/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-power-switch.h"

G_BEGIN_DECLS

/* A USB hub with per-port power switching (USB 2.0 ch. 11), found by location or
 * by VID:PID + serial; both halves of a USB3 hub are switched. */
#define TF_TYPE_POWER_USB_HUB (tf_power_usb_hub_get_type ())
G_DECLARE_FINAL_TYPE (TfPowerUsbHub, tf_power_usb_hub, TF, POWER_USB_HUB, TfPowerSwitch)

G_END_DECLS
