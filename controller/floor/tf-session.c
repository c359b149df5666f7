/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-session.h"

static const char *const phase_names[]
    = { "scheduled", "preparing", "running", "reporting", "verified", "closed", "aborted", NULL };
static const char *const verdict_names[]
    = { NULL, "pass", "fail", "inconclusive", "not-applicable", "out-of-time" };

const char *
tf_phase_to_string (TfPhase phase)
{
  return phase <= TF_PHASE_ABORTED ? phase_names[phase] : "unknown";
}

gboolean
tf_phase_from_string (const char *s, TfPhase *phase)
{
  for (guint i = 0; phase_names[i] != NULL; i++)
    if (g_strcmp0 (s, phase_names[i]) == 0)
      {
        *phase = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
tf_phase_transition_allowed (TfPhase from, TfPhase to)
{
  switch (to)
    {
    case TF_PHASE_SCHEDULED: /* re-planned after an aborted preparation */
      return from == TF_PHASE_ABORTED || from == TF_PHASE_SCHEDULED;
    case TF_PHASE_PREPARING:
      return from == TF_PHASE_SCHEDULED;
    case TF_PHASE_RUNNING:
      return from == TF_PHASE_PREPARING;
    case TF_PHASE_REPORTING:
      return from == TF_PHASE_RUNNING;
    case TF_PHASE_VERIFIED:
      return from == TF_PHASE_REPORTING;
    case TF_PHASE_CLOSED:
      return from == TF_PHASE_VERIFIED;
    case TF_PHASE_ABORTED:
      return from == TF_PHASE_SCHEDULED || from == TF_PHASE_PREPARING || from == TF_PHASE_RUNNING
             || from == TF_PHASE_REPORTING;
    default:
      return FALSE;
    }
}

const char *
tf_verdict_to_string (TfVerdict v)
{
  return v <= TF_VERDICT_OUT_OF_TIME ? verdict_names[v] : NULL;
}

gboolean
tf_verdict_from_string (const char *s, TfVerdict *v)
{
  for (guint i = 1; i < G_N_ELEMENTS (verdict_names); i++)
    if (g_strcmp0 (s, verdict_names[i]) == 0)
      {
        *v = i;
        return TRUE;
      }
  return FALSE;
}

TfSession *
tf_session_new (void)
{
  return g_new0 (TfSession, 1);
}

void
tf_session_free (TfSession *s)
{
  if (s == NULL)
    return;
  g_free (s->id);
  g_free (s->board);
  g_free (s->client);
  g_free (s->client_company);
  g_free (s->server);
  g_free (s->server_company);
  g_free (s->ets);
  g_free (s->ets_version);
  g_free (s->error);
  g_free (s->signed_client_by);
  g_free (s->signed_server_by);
  g_free (s->fw_name);
  g_free (s->fw_version);
  g_free (s->fw_sha256);
  g_free (s);
}
