/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts: their names and exit codes, and how a timing criterion is judged when the runner
 * itself may have been late (README, "Timing criteria"). */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-run.h"

const char *
tf_ets_verdict_to_string (TfEtsVerdict v)
{
  switch (v)
    {
    case TF_ETS_VERDICT_PASS:
      return "pass";
    case TF_ETS_VERDICT_FAIL:
      return "fail";
    case TF_ETS_VERDICT_NOT_APPLICABLE:
      return "not-applicable";
    case TF_ETS_VERDICT_INCONCLUSIVE:
    default:
      return "inconclusive";
    }
}

int
tf_ets_verdict_exit_code (TfEtsVerdict v)
{
  switch (v)
    {
    case TF_ETS_VERDICT_PASS:
      return 0;
    case TF_ETS_VERDICT_FAIL:
      return 1;
    case TF_ETS_VERDICT_NOT_APPLICABLE:
      return 77;
    case TF_ETS_VERDICT_INCONCLUSIVE:
    default:
      return 2;
    }
}

void
tf_ets_run_drain (TfEtsRun *run)
{
  /* bounded: a source that is always ready cannot hold the case */
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

gint64
tf_ets_run_last_arrival (TfEtsRun *run)
{
  return tf_ets_clock_last_arrival (tf_ets_run_clock (run));
}

gboolean
tf_ets_check_timing (TfEtsRun *run, const char *criterion, gint64 since_us, gint64 miss_us,
                     const char *fmt, ...)
{
  va_list ap;
  g_autofree char *what = NULL;
  gint64 late;
  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (tf_ets_run_decided (run))
    return FALSE;
  if (miss_us <= 0)
    return tf_ets_check (run, criterion, TRUE, "%s", what);
  /* datagrams still waiting in the kernel are the runner's lateness too: handled first */
  tf_ets_run_drain (run);
  late = tf_ets_clock_lateness_since (tf_ets_run_clock (run), since_us);
  if (miss_us <= late)
    {
      tf_ets_inconclusive (run,
                           "criterion %s not judged: %s, a miss of %" G_GINT64_FORMAT
                           " ms, but the lab was late by %" G_GINT64_FORMAT
                           " ms in that time (its own timers or its handling of the client's "
                           "messages): not a verdict on the implementation",
                           criterion, what, miss_us / 1000, late / 1000);
      return FALSE;
    }
  return tf_ets_check (run, criterion, FALSE,
                       "%s: outside the bound by %" G_GINT64_FORMAT
                       " ms (the lab's own lateness in that time: %" G_GINT64_FORMAT " ms)",
                       what, miss_us / 1000, late / 1000);
}

/* The DTLS handshakes with the server that failed from event @from on: how many, and the
 * last reason (NULL: none). */
const char *
tf_ets_run_dtls_failures (TfEtsRun *run, guint from, guint *n)
{
  GPtrArray *ev = tf_ets_run_events (run);
  const char *last = NULL;
  *n = 0;
  for (guint k = from; k < ev->len; k++)
    {
      TfEtsEvent *e = g_ptr_array_index (ev, k);
      if (e->kind == TF_ETS_EVENT_DTLS_FAILURE)
        {
          last = e->detail;
          (*n)++;
        }
    }
  return last;
}
