/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-verdicts.h"

G_BEGIN_DECLS

/* What the proposal files share (tf-lwm2m-verdicts.c): one decoded trace message. */
#define TF_VERDICT_OPT_OBSERVE 6
#define TF_VERDICT_OPT_LOCATION_PATH 8
#define TF_VERDICT_OPT_URI_PATH 11
#define TF_VERDICT_OPT_CONTENT_FORMAT 12
#define TF_VERDICT_OPT_URI_QUERY 15
#define TF_VERDICT_OPT_ACCEPT 17

typedef struct
{
  JsonObject *o;
  guint64 frame;
  const char *src, *dst, *type, *code, *token;
  const char *payload; /* decoded ("/1/0/1=60 /1/0/6=true", link format, text) or NULL */
  char *path;          /* "/rd/1", "/3/0/0", "" for the root */
  char *query;         /* the Uri-Query options joined by '&', "" for none */
  gint cf;
  gint accept;
  gint observe; /* -1: none */
  gint64 mid;
  gboolean has_location;
  gboolean dtls; /* decrypted from DTLS */
  gboolean repeat;
  gboolean bootstrap; /* between a Bootstrap-Request and the answer to Bootstrap-Finish */
  gint answer;        /* a request's answer (tf_vmsg_answer), -1 for none */
} TfVMsg;

gboolean
tf_vmsg_is_response (const TfVMsg *m);
/* @a (a client's answer) is @expected, or shows the client lacks what a case needs: another
 * success, a format refused (4.06, 4.15), a server error. Not Found, Method Not Allowed, Bad
 * Request and the like say the request did not fit the client's objects (a path it has not, a
 * read-only resource): the trace cannot tell that from a defect, so they decide nothing. */
gboolean
tf_vmsg_decides (const TfVMsg *a, const char *expected);
guint
tf_vmsg_depth (const TfVMsg *m);
/* the answer to msgs[@req]: same token, the other way, a response code; NULL if none */
const TfVMsg *
tf_vmsg_answer (GArray *msgs, guint req);
/* the first notification of @token from @src after msgs[@from] */
const TfVMsg *
tf_vmsg_notification_after (GArray *msgs, guint from, const char *token, const char *src);
/* The proposal for @id (frames: the non-zero ones of @f1, @f2); a fail already there stays, a
 * fail replaces a pass. */
TfVerdictProposal *
tf_verdict_propose (GPtrArray *out, gint id, gboolean pass, guint64 f1, guint64 f2, const char *fmt,
                    ...) G_GNUC_PRINTF (6, 7);
/* every "PATH=VALUE" of @written is also in @read (decoded payloads) */
gboolean
tf_vmsg_values_in (const char *written, const char *read);
guint
tf_vmsg_index (GArray *msgs, const TfVMsg *m);

/* tf-lwm2m-verdicts-dm.c: writes in each format, Discover, Write-Attributes, Create, Delete,
 * Read-Composite, Write-Composite (212-290) */
void
tf_lwm2m_propose_dm (GArray *msgs, GPtrArray *out);
/* tf-lwm2m-verdicts-bs.c: marks the messages of bootstrap sequences */
void
tf_lwm2m_mark_bootstrap (GArray *msgs);
/* tf-lwm2m-verdicts-bs.c: bootstrap (0, 1, 4, 8), Registration Update Trigger (104), queue
 * mode (108), Observe-Composite (304, 305), Send (306) */
void
tf_lwm2m_propose_bs (GArray *msgs, GPtrArray *out);

G_END_DECLS
