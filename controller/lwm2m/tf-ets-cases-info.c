/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS information reporting cases for a client under test: an observation with short
 * pmin/pmax, its notifications timed against them, and its cancellation by Reset and by
 * Observe=1 followed by a silence the client must keep (301-303); Observe-Composite, its
 * cancellation and its pmax (304, 305, 310); Send, muted or not (306, 307, 311). The
 * Observe-Composite cases on Portfolio instances (308, 309) are in tf-ets-cases-comp.c. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"

/* What the cases observe: the Device object's Current Time. */
#define OBSERVED_RES 13

/* Steps 1-2 (criteria @crit_attrs and @crit_obs): Write-Attributes pmin/pmax on /3/0/@res,
 * then Observe it. */
gboolean
tf_ets_observation_start (TfEtsRun *run, TfEtsObservation *o, guint16 res, const char *crit_attrs,
                          const char *crit_obs)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, res, 0);
  g_autofree char *attrs = NULL, *wa = NULL, *ob = NULL;
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return FALSE;
  o->res = res;
  tf_ets_run_periods (run, &o->pmin, &o->pmax);
  attrs = g_strdup_printf ("pmin=%u&pmax=%u", o->pmin, o->pmax);
  wa = g_strdup_printf ("Write-Attributes /3/0/%u", res);
  ob = g_strdup_printf ("Observe /3/0/%u", res);
  w = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&p, attrs), crit_attrs,
                     TF_LWM2M_COAP_CODE (2, 4), -1, wa);
  if (w == NULL)
    return FALSE;
  r = tf_ets_expect (run, tf_lwm2m_request_observe (&p, -1), crit_obs, TF_LWM2M_COAP_CODE (2, 5),
                     -1, ob);
  if (r == NULL)
    return FALSE;
  if (!tf_ets_check (run, crit_obs, r->observe_seq >= 0, "the answer carries the Observe option")
      || !tf_ets_check (run, crit_obs, tf_ets_find_record (r, &p) != NULL,
                        "the answer carries the value of /3/0/%u", res))
    return FALSE;
  o->observation = r->observation;
  o->last = tf_ets_run_last_arrival (run); /* the answer's arrival */
  o->from = tf_ets_run_events (run)->len;
  o->last_seq = -1;
  return TRUE;
}

static gboolean
start_observation (TfEtsRun *run, TfEtsObservation *o)
{
  return tf_ets_observation_start (run, o, OBSERVED_RES, "A", "B");
}

/* Criterion @crit: @n more notifications, each no earlier than pmin and no later than pmax
 * after the previous one (the first after the Observe answer; with room for one CoAP round
 * trip and the client's timer: 0.3 s early, 2 s late), timed by their arrival
 * (tf_ets_check_timing). Picks up where the last call on @o ended, so two observations can
 * be followed one after the other. */
gboolean
tf_ets_observation_notified (TfEtsRun *run, const char *crit, TfEtsObservation *o, guint n)
{
  GPtrArray *ev = tf_ets_run_events (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, o->res, 0);
  for (guint k = 0; k < n; k++)
    {
      /* twice pmax: a late notification is timed, not only missed */
      gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, o->from,
                                      (2 * o->pmax + 3) * 1000);
      gint64 judged = g_get_monotonic_time (), late_by;
      TfEtsEvent *e;
      double dt;
      if (i < 0 && !tf_ets_run_alive (run))
        return FALSE;
      if (i < 0)
        {
          dt = (judged - o->last) / 1e6;
          tf_ets_check_timing (run, crit, o->last, MAX ((gint64)((dt - o->pmax - 2.0) * 1e6), 1),
                               "notification %u: none %.2f s after the previous one "
                               "(pmax %u s, 2 s of tolerance), on /3/0/%u",
                               k + 1, dt, o->pmax, o->res);
          return FALSE;
        }
      e = g_ptr_array_index (ev, i);
      o->from = i + 1;
      if (e->observation != o->observation)
        {
          k--;
          continue;
        }
      dt = (e->time_us - o->last) / 1e6;
      late_by = (gint64)((dt < o->pmin - 0.3 ? o->pmin - 0.3 - dt : dt - o->pmax - 2.0) * 1e6);
      if (!tf_ets_check_timing (run, crit, o->last, late_by,
                                "notification %u came %.2f s after the previous one (pmin %u, "
                                "pmax %u; tolerance 0.3 s early, 2 s late), on /3/0/%u",
                                k + 1, dt, o->pmin, o->pmax, o->res)
          || !tf_ets_check (run, crit, e->observe_seq > o->last_seq,
                            "notification %u has a newer Observe number (%d after %d)", k + 1,
                            e->observe_seq, o->last_seq))
        return FALSE;
      if (!tf_ets_check (run, crit,
                         e->records != NULL && e->records->len > 0
                             && tf_lwm2m_path_is_prefix (
                                 &p, &((TfLwm2mRecord *)g_ptr_array_index (e->records, 0))->path),
                         "notification %u carries the value of /3/0/%u", k + 1, o->res))
        return FALSE;
      o->last = e->time_us;
      o->last_seq = e->observe_seq;
    }
  return TRUE;
}

static gboolean
expect_notifications (TfEtsRun *run, const char *crit, TfEtsObservation *o, guint n)
{
  return tf_ets_observation_notified (run, crit, o, n);
}

void
tf_ets_case_301 (TfEtsRun *run)
{
  TfEtsObservation o = { 0 };
  if (!start_observation (run, &o))
    return;
  expect_notifications (run, "C", &o, 3);
}

/* Criterion @crit: after the cancellation at @since, at most @allowed notifications of the
 * observation (the one a Reset answers) over two pmax periods from @since, and the client
 * still there. */
gboolean
tf_ets_observation_silent (TfEtsRun *run, const char *crit, TfEtsObservation *o, gint64 since,
                           guint allowed)
{
  GPtrArray *ev = tf_ets_run_events (run);
  guint seen = 0;
  guint from = ev->len;
  gint64 until = since + (gint64)(2 * o->pmax + 2) * G_USEC_PER_SEC, now = g_get_monotonic_time ();
  if (until > now)
    tf_ets_run_sleep (run, (guint)((until - now) / 1000));
  /* the events from before the wait that came after @since count as well */
  while (from > 0 && ((TfEtsEvent *)g_ptr_array_index (ev, from - 1))->time_us > since)
    from--;
  for (guint i = from; i < ev->len; i++)
    {
      TfEtsEvent *e = g_ptr_array_index (ev, i);
      if (e->kind == TF_ETS_EVENT_NOTIFICATION && e->observation == o->observation
          && e->time_us > since)
        seen++;
    }
  /* no notification may also mean no client: ask it something before judging */
  if (!tf_ets_run_alive (run))
    return FALSE;
  return tf_ets_check (run, crit, seen <= allowed,
                       "%u notification(s) of the cancelled observation of /3/0/%u in %u s (at "
                       "most %u allowed)",
                       seen, o->res, 2 * o->pmax + 2, allowed);
}

static void
expect_silence (TfEtsRun *run, const char *crit, TfEtsObservation *o, gint64 since, guint allowed)
{
  tf_ets_observation_silent (run, crit, o, since, allowed);
}

void
tf_ets_case_302 (TfEtsRun *run)
{
  TfEtsObservation o = { 0 };
  g_autoptr (TfLwm2mResponse) c = NULL;
  gint64 since;
  if (!start_observation (run, &o) || !expect_notifications (run, "C", &o, 1))
    return;
  /* step 3: the next notification is answered with a Reset */
  c = tf_ets_run_cancel (run, o.observation, TRUE);
  if (c == NULL)
    return;
  since = g_get_monotonic_time ();
  expect_silence (run, "D", &o, since, 1);
}

void
tf_ets_case_303 (TfEtsRun *run)
{
  TfEtsObservation o = { 0 };
  g_autoptr (TfLwm2mResponse) c = NULL;
  g_autofree char *code = NULL;
  if (!start_observation (run, &o) || !expect_notifications (run, "C", &o, 1))
    return;
  /* step 3: GET with Observe=1 and the observation's token */
  c = tf_ets_run_cancel (run, o.observation, FALSE);
  if (c == NULL)
    return;
  code = tf_lwm2m_coap_code_to_string (c->code);
  if (!tf_ets_check (run, "D", c->code == TF_LWM2M_COAP_CODE (2, 5),
                     "the cancelling GET answered %s (2.05 expected)", code))
    return;
  /* a notification already on its way when the GET went out is no fault: 0.5 s of grace */
  expect_silence (run, "E", &o, g_get_monotonic_time () + 500000, 0);
}

static char *
paths_of (GPtrArray *records);

static gboolean
has_value (GPtrArray *records, TfLwm2mPath p)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    if (tf_lwm2m_path_equal (&((TfLwm2mRecord *)g_ptr_array_index (records, i))->path, &p))
      return TRUE;
  return FALSE;
}

/* 304: Observe-Composite of /3/0/13 and /3/0/9 (SenML JSON) with pmin/pmax on both. */
void
tf_ets_case_304 (TfEtsRun *run)
{
  TfLwm2mPath paths[]
      = { tf_lwm2m_path_make (3, 3, 0, OBSERVED_RES, 0), tf_lwm2m_path_make (3, 3, 0, 9, 0) };
  g_autofree char *attrs = NULL, *got = NULL;
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint pmin, pmax, from;
  gint i;
  TfEtsEvent *e;
  if (tf_ets_run_registration (run) == NULL)
    return;
  tf_ets_run_periods (run, &pmin, &pmax);
  attrs = g_strdup_printf ("pmin=%u&pmax=%u", pmin, pmax);
  for (guint k = 0; k < G_N_ELEMENTS (paths); k++)
    {
      g_autoptr (TfLwm2mResponse) w
          = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&paths[k], attrs), "A",
                           TF_LWM2M_COAP_CODE (2, 4), -1, "Write-Attributes pmin/pmax");
      if (w == NULL)
        return;
    }
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (
      run, tf_lwm2m_request_observe_composite (paths, 2, TF_LWM2M_CF_SENML_JSON, NULL), "B",
      TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_SENML_JSON, "Observe-Composite /3/0/13, /3/0/9");
  if (r == NULL)
    return;
  if (!tf_ets_check (run, "B", r->observe_seq >= 0, "the answer carries the Observe option")
      || !tf_ets_check (run, "B",
                        has_value (r->records, paths[0]) && has_value (r->records, paths[1]),
                        "the answer carries both values"))
    return;
  /* C: a change of an observed value (the server sets the time) is notified, after pmin and
   * within pmax, with both values */
  {
    g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
    g_autoptr (TfLwm2mResponse) w = NULL;
    g_ptr_array_add (recs, tf_lwm2m_record_new_time (&paths[0], 1000000000));
    from = tf_ets_run_events (run)->len;
    w = tf_ets_expect (run, tf_lwm2m_request_write (&paths[0], TF_LWM2M_CF_TEXT, recs, TRUE, NULL),
                       "C", TF_LWM2M_COAP_CODE (2, 4), -1, "Write /3/0/13");
    if (w == NULL)
      return;
  }
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, from, (pmax + 3) * 1000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "C", i >= 0, "a notification of the change within pmax (%u s)", pmax))
    return;
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  got = paths_of (e->records);
  tf_ets_check (run, "C",
                e->observation == r->observation && has_value (e->records, paths[0])
                    && has_value (e->records, paths[1]),
                "the notification belongs to the observation and carries both values: %s", got);
}

/* Why no accepted Send came from exchange message @ex_from on: "; a POST /dp (content
 * format F) refused C" for the first Send the server refused, "" without one. */
static char *
send_refused (TfEtsRun *run, guint ex_from)
{
  GPtrArray *ex = tf_ets_run_exchange (run);
  for (guint k = ex_from; k < ex->len; k++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (ex, k));
      JsonArray *opts = json_object_has_member (o, "options")
                            ? json_object_get_array_member (o, "options")
                            : NULL;
      gboolean dp = FALSE;
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "dir", ""), "in") != 0
          || g_strcmp0 (json_object_get_string_member_with_default (o, "code", ""), "POST") != 0)
        continue;
      for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
        {
          JsonArray *opt = json_array_get_array_element (opts, i);
          dp |= json_array_get_length (opt) == 2 && json_array_get_int_element (opt, 0) == 11
                && g_strcmp0 (json_array_get_string_element (opt, 1), "dp") == 0;
        }
      for (guint j = k + 1; dp && j < ex->len; j++)
        {
          JsonObject *a = json_node_get_object (g_ptr_array_index (ex, j));
          const char *code = json_object_get_string_member_with_default (a, "code", "");
          if (g_strcmp0 (json_object_get_string_member_with_default (a, "dir", ""), "out") == 0
              && g_strcmp0 (json_object_get_string_member_with_default (a, "token", ""),
                            json_object_get_string_member_with_default (o, "token", "-"))
                     == 0
              && !g_str_has_prefix (code, "2."))
            return g_strdup_printf ("; a POST /dp (content format %" G_GINT64_FORMAT ") refused %s",
                                    json_object_get_int_member_with_default (o, "cf", -1), code);
        }
    }
  return g_strdup ("");
}

/* 306: the client is asked (on its console) to Send /3/0/9 and /3/0/13. */
void
tf_ets_case_306 (TfEtsRun *run)
{
  TfLwm2mPath a = tf_lwm2m_path_make (3, 3, 0, 9, 0), b = tf_lwm2m_path_make (3, 3, 0, 13, 0);
  g_autofree char *refused = NULL;
  guint from, ex_from;
  gint i;
  TfEtsEvent *e;
  if (tf_ets_run_registration (run) == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  ex_from = tf_ets_run_exchange (run)->len;
  if (!tf_ets_run_console (run, tf_ets_run_send_line (run)))
    return;
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_SEND, from, 30000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  refused = send_refused (run, ex_from);
  if (!tf_ets_check (run, "A", i >= 0,
                     "a Send (POST /dp, SenML) the server accepted, within 30 s%s", refused))
    return;
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  tf_ets_check (run, "B", has_value (e->records, a) && has_value (e->records, b),
                "the Send carries /3/0/9 and /3/0/13");
}

/* The paths of @records, for the reasons. */
static char *
paths_of (GPtrArray *records)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; records != NULL && i < records->len && i < 40; i++)
    {
      g_autofree char *p
          = tf_lwm2m_path_to_string (&((TfLwm2mRecord *)g_ptr_array_index (records, i))->path);
      g_string_append_printf (s, "%s%s", s->len > 0 ? " " : "", p);
    }
  return g_string_free (s, FALSE);
}

/* Writes /1/0/1 = @lt (a change of an observed value), as criterion @crit. */
static gboolean
change_lifetime (TfEtsRun *run, const char *crit, gint64 lt)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&p, lt));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), crit,
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write /1/0/1 (an observed value changes)");
  return w != NULL;
}

/* 305: Observe-Composite of /1/0/1, /3/0/11/0 and /3/0/16; a change is notified; the
 * observation cancelled by a FETCH with Observe=1; the next change is not notified. */
void
tf_ets_case_305 (TfEtsRun *run)
{
  TfLwm2mPath paths[] = { tf_lwm2m_path_make (3, 1, 0, 1, 0), tf_lwm2m_path_make (4, 3, 0, 11, 0),
                          tf_lwm2m_path_make (3, 3, 0, 16, 0) };
  g_autoptr (TfLwm2mResponse) r = NULL, c = NULL;
  g_autofree char *got = NULL, *code = NULL;
  TfEtsObservation o = { 0 };
  gint64 since;
  guint from;
  gint i;
  TfEtsEvent *e;
  if (tf_ets_run_registration (run) == NULL)
    return;
  tf_ets_run_periods (run, &o.pmin, &o.pmax);
  r = tf_ets_expect (run,
                     tf_lwm2m_request_observe_composite (paths, 3, TF_LWM2M_CF_SENML_JSON, NULL),
                     "A", TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_SENML_JSON,
                     "Observe-Composite /1/0/1, /3/0/11/0, /3/0/16");
  if (r == NULL)
    return;
  got = paths_of (r->records);
  if (!tf_ets_check (run, "A", r->observe_seq >= 0, "the answer carries the Observe option")
      || !tf_ets_check (run, "A",
                        r->records != NULL && r->records->len == 3
                            && has_value (r->records, paths[0]) && has_value (r->records, paths[1])
                            && has_value (r->records, paths[2]),
                        "the answer carries the three values and no other: %s", got))
    return;
  o.observation = r->observation;
  /* B: the observation works: a change is notified */
  from = tf_ets_run_events (run)->len;
  if (!change_lifetime (run, "B", 71))
    return;
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, from, (o.pmax + 3) * 1000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "B", i >= 0, "a notification of the change within %u s", o.pmax + 3))
    return;
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  if (!tf_ets_check (run, "B", e->observation == o.observation && has_value (e->records, paths[0]),
                     "the notification belongs to the observation and carries /1/0/1"))
    return;
  /* C: the cancellation (FETCH, Observe=1, the same paths) answered 2.05 */
  c = tf_ets_run_cancel (run, o.observation, FALSE);
  if (c == NULL)
    return;
  code = tf_lwm2m_coap_code_to_string (c->code);
  if (!tf_ets_check (run, "C", c->code == TF_LWM2M_COAP_CODE (2, 5),
                     "the cancelling FETCH answered %s (2.05 expected)", code))
    return;
  /* D: the next change is not notified (the cancel's answer came first: no grace) */
  since = g_get_monotonic_time ();
  if (!change_lifetime (run, "D", 72))
    return;
  expect_silence (run, "D", &o, since, 0);
}

/* Waits up to @ms for a Send from event @from on; the event, or NULL. */
static TfEtsEvent *
wait_send (TfEtsRun *run, guint from, guint ms)
{
  gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_SEND, from, ms);
  return i >= 0 ? g_ptr_array_index (tf_ets_run_events (run), i) : NULL;
}

/* 307: Muting Send (/1/0/23): a muted client sends nothing when asked to; unmuted, it does. */
void
tf_ets_case_307 (TfEtsRun *run)
{
  TfLwm2mPath mute = tf_lwm2m_path_make (3, 1, 0, 23, 0);
  guint from, ex_from;
  TfEtsEvent *e;
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint k = 0; k < 2; k++)
    {
      const char *crit = k == 0 ? "A" : "B";
      g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
      g_autoptr (TfLwm2mResponse) w = NULL;
      g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&mute, k == 0));
      w = tf_ets_expect (run, tf_lwm2m_request_write (&mute, TF_LWM2M_CF_TEXT, recs, TRUE, NULL),
                         crit, TF_LWM2M_COAP_CODE (2, 4), -1,
                         k == 0 ? "Write /1/0/23 = true (Mute Send)" : "Write /1/0/23 = false");
      if (w == NULL)
        return;
      from = tf_ets_run_events (run)->len;
      ex_from = tf_ets_run_exchange (run)->len;
      if (!tf_ets_run_console (run, tf_ets_run_send_line (run)))
        return;
      e = wait_send (run, from, k == 0 ? 10000 : 30000);
      /* a silence is only the client's when it still answers */
      if ((k == 0 || e == NULL) && !tf_ets_run_alive (run))
        return;
      if (k == 0 && !tf_ets_check (run, "A", e == NULL, "no Send in 10 s while Send is muted"))
        return;
      if (k == 1)
        {
          g_autofree char *refused = send_refused (run, ex_from);
          tf_ets_check (run, "B", e != NULL && e->records != NULL && e->records->len > 0,
                        "a Send with values within 30 s once Send is unmuted%s", refused);
        }
    }
}

/* 311: the client is asked to Send /1/0/1 and /3/0/11: the Send carries those values and no
 * other. */
void
tf_ets_case_311 (TfEtsRun *run)
{
  TfLwm2mPath lt = tf_lwm2m_path_make (3, 1, 0, 1, 0), err = tf_lwm2m_path_make (3, 3, 0, 11, 0);
  g_autofree char *got = NULL, *refused = NULL;
  guint from, ex_from;
  TfEtsEvent *e;
  if (tf_ets_run_registration (run) == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  ex_from = tf_ets_run_exchange (run)->len;
  if (!tf_ets_run_console (run, tf_ets_run_send_res_line (run)))
    return;
  e = wait_send (run, from, 30000);
  if (e == NULL && !tf_ets_run_alive (run))
    return;
  refused = send_refused (run, ex_from);
  if (!tf_ets_check (run, "A", e != NULL,
                     "a Send (POST /dp, SenML) the server accepted, within 30 s%s", refused))
    return;
  got = paths_of (e->records);
  {
    guint n = e->records != NULL ? e->records->len : 0, in = 0;
    for (guint i = 0; i < n; i++)
      {
        const TfLwm2mPath *p = &((TfLwm2mRecord *)g_ptr_array_index (e->records, i))->path;
        in += tf_lwm2m_path_equal (p, &lt) || tf_lwm2m_path_is_prefix (&err, p);
      }
    tf_ets_check (run, "B", has_value (e->records, lt) && in == n && n >= 2,
                  "the Send carries /1/0/1 and /3/0/11 and nothing else: %s", got);
  }
}

/* 310: Observe-Composite of /1/0/1 and /3/0, then pmax written on the Device object: the
 * notifications come by that pmax, with both parts. */
void
tf_ets_case_310 (TfEtsRun *run)
{
  TfLwm2mPath paths[] = { tf_lwm2m_path_make (3, 1, 0, 1, 0), tf_lwm2m_path_make (2, 3, 0, 0, 0) };
  TfLwm2mPath obj = tf_lwm2m_path_make (1, 3, 0, 0, 0), manu = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL, w = NULL;
  g_autofree char *attrs = NULL;
  guint pmin, pmax, from;
  gint64 last;
  if (tf_ets_run_registration (run) == NULL)
    return;
  tf_ets_run_periods (run, &pmin, &pmax);
  r = tf_ets_expect (
      run, tf_lwm2m_request_observe_composite (paths, 2, TF_LWM2M_CF_SENML_JSON, NULL), "A",
      TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_SENML_JSON, "Observe-Composite /1/0/1, /3/0");
  if (r == NULL)
    return;
  if (!tf_ets_check (run, "A", r->observe_seq >= 0, "the answer carries the Observe option")
      || !tf_ets_check (run, "A", has_value (r->records, paths[0]) && has_value (r->records, manu),
                        "the answer carries /1/0/1 and the Device instance")
      || !tf_ets_check_mandatory (run, "A", r, 3, 0))
    return;
  attrs = g_strdup_printf ("pmax=%u", pmax);
  from = tf_ets_run_events (run)->len;
  w = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&obj, attrs), "B",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write-Attributes /3 pmax");
  if (w == NULL)
    return;
  /* C: two notifications, each within pmax of the one before (2 s of slack), timed from
   * the Write-Attributes answer's arrival */
  last = tf_ets_run_last_arrival (run);
  for (guint k = 0; k < 2; k++)
    {
      gint i;
      TfEtsEvent *e;
      gint64 judged;
      i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, from, (pmax + 3) * 1000);
      judged = g_get_monotonic_time ();
      if (i < 0 && !tf_ets_run_alive (run))
        return;
      if (i < 0)
        {
          tf_ets_check_timing (run, "C", last, MAX (judged - last - (pmax + 2) * G_USEC_PER_SEC, 1),
                               "notification %u: none %.2f s after the previous one (pmax %u s, "
                               "2 s of tolerance)",
                               k + 1, (judged - last) / 1e6, pmax);
          return;
        }
      e = g_ptr_array_index (tf_ets_run_events (run), i);
      from = i + 1;
      if (e->observation != r->observation)
        {
          k--;
          continue;
        }
      if (!tf_ets_check_timing (run, "C", last, e->time_us - last - (pmax + 2) * G_USEC_PER_SEC,
                                "notification %u came %.2f s after the previous one (pmax %u, "
                                "2 s of tolerance)",
                                k + 1, (e->time_us - last) / 1e6, pmax)
          || !tf_ets_check (run, "C",
                            has_value (e->records, paths[0]) && has_value (e->records, manu),
                            "notification %u carries /1/0/1 and /3/0/0", k + 1))
        return;
      last = e->time_us;
    }
}
