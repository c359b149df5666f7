/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An automated case's evidence as people read it (the store keeps it, the report shows it):
 * from the runner's JSON (controller/lwm2m/tf-ets-run.h, tf_ets_run_to_json) a head with the
 * verdict, the criterion that broke and why, each criterion checked, then every CoAP message
 * exchanged: time from the start, direction, type, code, MID, token, options and payload.
 * "exchange:" starts the message list, so that a summary can stop before it. */
char *
tf_ets_transcript (JsonObject *run);

/* The head only (up to "exchange:"), with the number of messages. */
char *
tf_ets_transcript_summary (const char *transcript);

G_END_DECLS
