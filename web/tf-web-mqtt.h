/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Serve MQTT over websockets at /mqtt, each connection carried to @broker
 * (the broker's plain TCP listener, normally on loopback). */
void
tf_web_mqtt_add (SoupServer *server, GSocketConnectable *broker);

G_END_DECLS
