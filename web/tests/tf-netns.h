/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Move this process into a network namespace of its own with only `lo`, up.
 * mosquitto's websockets listener binds every interface whatever it is told:
 * in its own namespace a test listens on nothing but loopback. Needs root. */
gboolean
tf_netns_enter (GError **error);

G_END_DECLS
