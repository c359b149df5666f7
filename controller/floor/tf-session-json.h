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
 * output (the last 4 KiB, whole characters), output_bytes (the whole
 * output's length) and truncated. Besides the cases (each with its ETS
 * "group"): the event, the session number (its slot, numbered from 1, as
 * TestFests number sessions), date and times, table, board and the
 * firmware it ran (name, version, sha256), both parties (company id and
 * name, product and version) and the sign-offs (who, when). */
/* What a Test Session Report says that the store's session row does not:
 * from the event file (any member may be NULL). */
typedef struct
{
  const char *event;       /* the event's name */
  const char *start, *end; /* the session's slot, ISO 8601 with the event's offset */
  const char *client_company_name, *server_company_name;
  const char *client_name, *server_name;       /* product names */
  const char *client_version, *server_version; /* declared, else what the board ran */
  /* who signed, as the event file's [company] people names them (nullable) */
  const char *client_signer_name, *client_signer_role;
  const char *server_signer_name, *server_signer_role;
} TfReportFacts;
JsonNode *
tf_session_report_json (const TfSession *s, const TfReportFacts *facts, GPtrArray *cases);
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
