/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts: their names and exit codes, and how a timing criterion is judged when the runner
 * itself may have been late (README, "Timing criteria"). */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-run.h"

#include "tf-ets-run-private.h"

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

static JsonNode *
last_received (TfEtsRun *run)
{
  for (gint i = (gint)run->exchange->len - 1; i >= 0; i--)
    {
      JsonNode *n = g_ptr_array_index (run->exchange, i);
      /* the probe's answer says the client is there, not what broke the criterion */
      if ((guint)i >= run->probe_from && (guint)i < run->probe_to)
        continue;
      if (g_strcmp0 (json_object_get_string_member (json_node_get_object (n), "dir"), "in") == 0)
        return json_node_copy (n);
    }
  return NULL;
}

gboolean
tf_ets_check (TfEtsRun *run, const char *criterion, gboolean ok, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *what = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (run->decided)
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, criterion);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  json_builder_set_member_name (b, "what");
  json_builder_add_string_value (b, what);
  json_builder_end_object (b);
  g_ptr_array_add (run->criteria, json_builder_get_root (b));
  if (ok)
    return TRUE;
  run->decided = TRUE;
  run->verdict = TF_ETS_VERDICT_FAIL;
  run->criterion = g_strdup (criterion);
  run->reason = g_steal_pointer (&what);
  run->message = last_received (run);
  return FALSE;
}

void
tf_ets_inconclusive (TfEtsRun *run, const char *fmt, ...)
{
  va_list ap;
  if (run->decided)
    return;
  va_start (ap, fmt);
  run->reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  run->decided = TRUE;
  run->verdict = TF_ETS_VERDICT_INCONCLUSIVE;
  run->message = last_received (run);
}

/* Records the liveness probe's outcome among the criteria (not one of the case's). */
void
tf_ets_run_add_probe (TfEtsRun *run, gboolean ok, const char *what)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "probe");
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  json_builder_set_member_name (b, "what");
  json_builder_add_string_value (b, what);
  json_builder_end_object (b);
  g_ptr_array_add (run->criteria, json_builder_get_root (b));
}

gboolean
tf_ets_run_bootstrap_alive (TfEtsRun *run, const char *what)
{
  if (run->decided)
    return FALSE;
  if (run->infra_up != NULL && run->infra_up (run->console_data))
    {
      tf_ets_run_add_probe (run, TRUE,
                            "no answer during the bootstrap, but the lab sees the client's power "
                            "and link up: the silence is its own");
      return TRUE;
    }
  tf_ets_run_add_probe (run, FALSE,
                        "no answer during the bootstrap, and the lab does not see the client's "
                        "power and link up");
  tf_ets_inconclusive (run,
                       "the client stopped answering during the bootstrap at %s: link or power "
                       "down, not a verdict on the implementation",
                       what);
  return FALSE;
}
