/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A test session: one client implementation on its board against one server
 * implementation, for one slot at one table. */
typedef enum
{
  TF_PHASE_SCHEDULED,
  TF_PHASE_PREPARING,
  TF_PHASE_RUNNING,
  TF_PHASE_REPORTING,
  TF_PHASE_VERIFIED,
  TF_PHASE_CLOSED,
  TF_PHASE_ABORTED,
} TfPhase;

typedef enum
{
  TF_VERDICT_NONE,
  TF_VERDICT_PASS,
  TF_VERDICT_FAIL,
  TF_VERDICT_INCONCLUSIVE,
  TF_VERDICT_NOT_APPLICABLE,
  TF_VERDICT_OUT_OF_TIME,
} TfVerdict;

const char *
tf_phase_to_string (TfPhase phase);
gboolean
tf_phase_from_string (const char *s, TfPhase *phase);
/* Whether the phase may move @from -> @to. */
gboolean
tf_phase_transition_allowed (TfPhase from, TfPhase to);
const char *
tf_verdict_to_string (TfVerdict v); /* NULL for NONE */
gboolean
tf_verdict_from_string (const char *s, TfVerdict *v);

typedef struct
{
  char *id; /* CLIENT--SERVER */
  gint slot;
  gint table;
  char *board;
  char *client, *client_company;
  char *server, *server_company;
  char *ets;         /* ETS file name */
  char *ets_version; /* catalogue version */
  TfPhase phase;
  gint64 since;
  char *error;
  gboolean replanned;
  /* running on a lost host's board: ended and re-planned then unless the host
   * returns (run time only, never stored; 0: not lost) */
  gint64 replan_at;
  gboolean signed_client, signed_server;
  /* who signed for each team ("company/user") and when */
  char *signed_client_by, *signed_server_by;
  gint64 signed_client_at, signed_server_at;
  /* what the client's board ran once prepared: from its boot banner and the image */
  char *fw_name, *fw_version, *fw_sha256;
} TfSession;

TfSession *
tf_session_new (void);
void
tf_session_free (TfSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSession, tf_session_free)

G_END_DECLS
