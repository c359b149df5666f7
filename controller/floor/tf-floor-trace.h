/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-floor.h"
#include "tf-session.h"

G_BEGIN_DECLS

/* The sessions' traces (tf-floor-trace.c): the capture of the lab file's [capture] interface
 * split per session. Inside the floor only. */
typedef struct _TfFloorTraces TfFloorTraces;

/* Starts the capture when the lab file names an interface (else nothing). */
gboolean
tf_floor_trace_start (TfFloor *f, GError **error);
void
tf_floor_trace_stop (TfFloorTraces *traces);
/* Which sessions' traffic the capture looks for changed (a server-side run began or ended). */
void
tf_floor_trace_targets_changed (TfFloor *f);
/* After every phase change: a session that is no longer preparing or running has its trace
 * closed (its statistics written); the address table is rebuilt. */
void
tf_floor_trace_phase_changed (TfFloor *f, TfSession *s);

guint
tf_floor_trace_parts (TfFloor *f, const char *id);
/* @what "pcap" (part @part, from 1) or "decoded" */
char *
tf_floor_trace_file (TfFloor *f, const char *id, const char *what, guint part);
void
tf_floor_trace_stats (TfFloor *f, guint64 *received, guint64 *dropped);
gsize
tf_floor_trace_chunk_size (void);

/* tf-floor-proposals.c: verdicts proposed from the trace (table trace_proposal) */
gboolean
tf_floor_proposals_refresh (TfFloor *f, const char *id, GError **error);
JsonNode *
tf_floor_proposals_json (TfFloor *f, const char *id, GError **error);
void
tf_floor_proposals_decided (TfFloor *f, const char *id, gint case_id, const char *verdict,
                            const char *by);
void
tf_floor_proposals_annotate (TfFloor *f, const char *id, JsonNode *report);
void
tf_floor_proposals_add_verbs (TfFloor *f);

/* tf-floor-trace-verb.c: "trace" for staff (cmd/) and for the session's two companies (in/) */
void
tf_floor_trace_add_verb (TfFloor *f);

G_END_DECLS
