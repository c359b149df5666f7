/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* systemd's notify protocol (READY=1, STOPPING=1, STATUS=...): one datagram
 * to $NOTIFY_SOCKET; a no-op when not started by systemd. */
void
tf_sd_notify (const char *state);

G_END_DECLS
