/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <coap3/coap.h>
#include <json-glib/json-glib.h>

#include "tf-coap-source.h"
#include "tf-lwm2m-server.h"

/* A member of @o of the right kind, else @def. */
const char *
tf_control_string (JsonObject *o, const char *name, const char *def);
gint64
tf_control_int (JsonObject *o, const char *name, gint64 def);
gboolean
tf_control_bool (JsonObject *o, const char *name, gboolean def);
/* A member of @o when it is an object / an array, else NULL. */
JsonObject *
tf_control_object_member (JsonObject *o, const char *name);
JsonArray *
tf_control_array_member (JsonObject *o, const char *name);
/* "tlv", "senml-json", ... or a number → a content format; -1 for NULL, -2 unknown. */
gint
tf_control_format_from_string (const char *s);
/* An answer as the control interface shows it (code, format, records, values, text...). */
JsonNode *
tf_control_response_to_json (const TfLwm2mResponse *r, const char *endpoint);
/* {"/3/0/14": "+02", ...} → records typed by the registry (strings elsewhere). */
GPtrArray *
tf_control_records_from_json (JsonObject *values, GError **error);
/* A registration, with "event" when @event is not NULL. */
JsonNode *
tf_control_registration_json (const char *event, const TfLwm2mRegistration *r);
/* 1..128 bytes in hex. */
GBytes *
tf_control_bytes_from_hex (const char *hex, GError **error);
/* The steps of a "bootstrap" command (Delete /, the Security and Server writes). */
GPtrArray *
tf_control_bootstrap_steps (JsonObject *o, GError **error);
