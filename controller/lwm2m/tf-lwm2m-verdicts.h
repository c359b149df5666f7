/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Verdicts a trace can decide, proposed from the decoded exchange (tf-coap-trace.h's JSON
 * entries, in order): the client's side of the LwM2M ETS interoperability cases whose pass
 * criteria are on the wire. Each proposal names the frames that decided it. Cases with no
 * evidence in the trace get no proposal (the trace cannot tell). Repeats (retransmissions,
 * duplicates) are not exchanges of their own.
 *   101 Initial Registration     POST /rd answered 2.01 with a Location-Path (else: fail)
 *   102 Registration Update      POST /rd/LOC answered 2.04; an Update by another method: fail
 *   103 Deregistration           DELETE /rd/LOC answered 2.02
 *   201 Read, plain text         GET of a resource, Accept text (or none) → 2.05 text, a value
 *   203 Read, TLV                GET Accept 11542 → 2.05 in TLV (a 4.06 or other format: fail)
 *   204 Read, JSON               GET Accept 11543 → 2.05 in that format; 211 CBOR (60), 231
 *                                SenML JSON (110), 232 SenML CBOR (112) alike
 *   237 Read without Accept      GET of an object → 2.05 naming a supported format
 *   205 Write, plain text        PUT of a resource in text → 2.04
 *   241 Execute                  POST /3/0/4 → 2.04
 *   301 Observe                  GET Observe=0 → 2.05 with Observe, then a notification
 *   302 Cancel by Reset          an RST to a notification, then none of that token
 *   303 Cancel by Observe=1      GET Observe=1 → 2.05, then no notification of that token
 * and in tf-lwm2m-verdicts-dm.c, tf-lwm2m-verdicts-bs.c (criteria letters as the runner's,
 * tf-ets-cases*.c; a fail names the first broken one): 0/1/4/8 bootstrap, 104 Registration
 * Update Trigger, 108 queue mode, 212/215/220/233/234 writes in CBOR, TLV, JSON, SenML CBOR,
 * SenML JSON read back, 226/227/228 partial, replacing and resource-instance writes read
 * back, 229/230 Read- and Write-Composite in both SenML formats, 260 Discover, 261
 * Write-Attributes, 270 Create, 290 Delete, 304/305 Observe-Composite and its cancel, 306 Send.
 * An answer that only says the request did not fit the client (4.00, 4.01, 4.04, 4.05) decides
 * none of the cases answered by the client. */
typedef struct
{
  gint case_id;
  gboolean pass;
  char *reason;
  GArray *frames; /* guint64: the trace's frame numbers that decided it */
} TfVerdictProposal;

void
tf_verdict_proposal_free (TfVerdictProposal *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfVerdictProposal, tf_verdict_proposal_free)

/* @entries: JsonObject * of the decoded trace (non-message lines are skipped). Returns
 * TfVerdictProposal *, by case. */
GPtrArray *
tf_lwm2m_propose_verdicts (GPtrArray *entries);
/* {"case":N,"verdict":"pass"|"fail","reason":...,"frames":[...]} */
JsonNode *
tf_verdict_proposal_to_json (const TfVerdictProposal *p);

G_END_DECLS
