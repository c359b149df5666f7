/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lab.h"

G_BEGIN_DECLS

/* Follow the USB side of the boards' console adapters (libusb hot-plug through
 * tf-usb-context): boards whose lab entry names `usb-path` or `usb-serial` learn of a
 * departure from USB at once, as one event with the tty's removal. Nothing happens when
 * no board names one. Lives as long as @self. Call again after a reload: a board that
 * now names one starts the watch; once started it does nothing. */
void
tf_lab_usb_attach (TfLab *self);

G_END_DECLS
