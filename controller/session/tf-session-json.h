/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-event.h"
#include "tf-session-db.h"

G_BEGIN_DECLS

/* The payloads the dashboard reads (schema 1); see DESIGN.md's topic table. */

/* session/<id>/state: public, never a verdict. */
JsonNode *
tf_session_state_json (const TfSession *s, guint done, guint total);
/* private/<company>/session/<id>/report: @cases are TfCaseRow. Each case has
 * "automation": null, or its latest scripted run: script (file name),
 * exit_status (null when it did not exit), ran_at (when it finished),
 * output (the last 4 KiB, whole characters), output_bytes (all of it as
 * stored: the runner keeps the first 64 KiB) and truncated. */
JsonNode *
tf_session_report_json (const TfSession *s, GPtrArray *cases);
/* summary: anonymised counts; @results are TfCaseResult. */
JsonNode *
tf_summary_json (const char *event, guint clients, guint servers, GPtrArray *results);
/* The consolidated report: the summary plus who attended, the sessions, the
 * spec issues raised (links only) and the verdict legend. @sessions are all
 * TfSession of the event. */
JsonNode *
tf_consolidated_json (const TfEvent *event, GPtrArray *sessions, GPtrArray *results,
                      GPtrArray *issues);

char *
tf_json_to_string (JsonNode *node); /* compact */

G_END_DECLS
