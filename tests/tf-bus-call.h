/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A participant's (or a staff member's) one request over MQTT v5, as a test
 * makes it: its own connection with the account in @o, subscribed to @reply
 * before the request goes out on @topic with a fresh correlation. */
#include "tf-bus.h"

G_BEGIN_DECLS

/* The answer, or NULL when none came within @timeout_ms (connecting
 * included). Iterates the default main context. */
char *
tf_test_bus_call (const TfBusOptions *o, const char *topic, const char *reply, const char *json,
                  guint timeout_ms);

G_END_DECLS
