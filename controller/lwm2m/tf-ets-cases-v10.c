/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LwM2M 1.0 cases whose procedure differs from 1.1's, as the 1.0 draft writes them
 * (OMA-ETS-LightweightM2M-V1_0_1-20170830-D, section 6): 101-104, 201, 203-205, 301-303.
 * The draft numbers its pass criteria; the runner letters them in the same order: A is the
 * draft's criterion 1, B its 2, and so on (data/ets/README.md has the table). */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-link.h"

#include <string.h>

/* The lifetime the draft sets in 102 and 104's precondition: 20 s. */
#define DRAFT_LIFETIME 20

/* The first Uri-Path segment of a decoded request, or NULL. */
static const char *
first_segment (JsonObject *m)
{
  JsonArray *opts = json_object_get_array_member (m, "options");
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonArray *o = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (o, 0) == 11)
        return json_array_get_string_element (o, 1);
    }
  return NULL;
}

/* The last Update (a POST on /rd/LOC: no "ep" query) received from @mark on. */
static JsonObject *
last_update (TfEtsRun *run, guint mark)
{
  GPtrArray *ex = tf_ets_run_exchange (run);
  JsonObject *found = NULL;
  for (guint k = mark; k < ex->len; k++)
    {
      JsonObject *m = json_node_get_object (g_ptr_array_index (ex, k));
      if (g_strcmp0 (json_object_get_string_member_with_default (m, "dir", ""), "in") == 0
          && g_strcmp0 (json_object_get_string_member_with_default (m, "code", ""), "POST") == 0
          && g_strcmp0 (first_segment (m), "rd") == 0 && tf_ets_query_value (m, "ep") == NULL)
        found = m;
    }
  return found;
}

/* An Update "without parameter": no Uri-Query and no payload. */
static gboolean
without_parameter (JsonObject *m)
{
  JsonArray *opts = json_object_get_array_member (m, "options");
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    if (json_array_get_int_element (json_array_get_array_element (opts, i), 0) == 15)
      return FALSE;
  return json_object_get_int_member_with_default (m, "payload_len", 0) == 0;
}

/* Event @i, when there is one, is no refused Update (a PUT on the registration, say) and no
 * new Register in place of the Update. */
static gboolean
update_not_refused (TfEtsRun *run, const char *crit, gint i)
{
  TfEtsEvent *e = i >= 0 ? g_ptr_array_index (tf_ets_run_events (run), i) : NULL;
  return tf_ets_check (run, crit, e == NULL || e->kind != TF_ETS_EVENT_REJECTED,
                       "the Update is a POST on the registration: %s",
                       e != NULL && e->detail != NULL ? e->detail : "")
         && tf_ets_check (run, crit, e == NULL || e->kind != TF_ETS_EVENT_REGISTERED,
                          "the client sent an Update, not a new Register");
}

static gint64
int_value (const TfLwm2mRecord *rec)
{
  return rec->type == TF_LWM2M_TYPE_UNSIGNED ? (gint64)rec->v.u : rec->v.i;
}

/* --- 101-104: registration ------------------------------------------------------------ */

/* 101: 1 (A) the Register carries the endpoint name, the lifetime, the LwM2M version and the
 * objects and instances; 2 (B) it was answered 2.01. */
static void
case_101 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  g_autoptr (GPtrArray) links = NULL;
  gboolean objects = FALSE;
  JsonObject *m;
  const char *v;
  if (reg == NULL)
    return;
  m = tf_ets_run_register_message (run);
  if (!tf_ets_check (run, "A", m != NULL, "a Register (POST /rd) was received"))
    return;
  v = tf_ets_query_value (m, "ep");
  if (!tf_ets_check (run, "A", v != NULL && g_str_equal (v, reg->endpoint),
                     "the Register names the endpoint (ep=%s)", v ? v : "absent"))
    return;
  v = tf_ets_query_value (m, "lt");
  if (!tf_ets_check (run, "A", v != NULL && g_ascii_strtoull (v, NULL, 10) > 0,
                     "the Register carries the registration lifetime (lt=%s)", v ? v : "absent"))
    return;
  v = tf_ets_query_value (m, "lwm2m");
  if (!tf_ets_check (run, "A", v != NULL && g_str_equal (v, "1.0"),
                     "the Register carries the LwM2M version 1.0 (lwm2m=%s)", v ? v : "absent"))
    return;
  links = reg->links != NULL ? tf_lwm2m_link_parse (reg->links, strlen (reg->links), NULL) : NULL;
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      TfLwm2mPath p;
      objects |= tf_lwm2m_path_parse (((TfLwm2mLink *)g_ptr_array_index (links, i))->uri, &p, NULL)
                 && p.len >= 1 && p.len <= 2;
    }
  if (!tf_ets_check (run, "A", objects, "the Register lists its objects and instances: %s",
                     reg->links ? reg->links : "(none)"))
    return;
  tf_ets_check (run, "B", reg->location != NULL, "answered 2.01, registered at /%s", reg->location);
}

/* The client's Update after a step (events from @from, the exchange from @mark), checked under
 * @criterion: not refused, and come within 30 s of @what. Its event's index, or -1 when the
 * case ends here (decided, or the client is gone). */
static gint
update_follows (TfEtsRun *run, guint from, guint mark, const char *criterion, const char *what,
                JsonObject **m)
{
  gint i = tf_ets_run_wait_event (run,
                                  (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_REJECTED)
                                      | (1u << TF_ETS_EVENT_REGISTERED),
                                  from, 30000);
  *m = NULL;
  if (i < 0 && !tf_ets_run_alive (run))
    return -1;
  *m = last_update (run, mark);
  if (!update_not_refused (run, criterion, i)
      || !tf_ets_check (run, criterion, i >= 0 && *m != NULL, "an Update followed %s in 30 s",
                        what))
    return -1;
  return i;
}

/* 102: the server sets the lifetime to 20 s: 1 (A) 2.04; 2 (B) an Update with lt=20; 3 (C)
 * it was answered 2.04; 4 (D) within those 20 s an Update without parameter, or the
 * registration ends after them. */
static void
case_102 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  GPtrArray *ev = tf_ets_run_events (run);
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint from, mark;
  JsonObject *m;
  TfEtsEvent *e;
  gint i;
  if (reg == NULL)
    return;
  from = ev->len;
  mark = tf_ets_run_exchange (run)->len;
  r = tf_ets_expect (run, tf_ets_write_int (&p, TF_LWM2M_CF_TEXT, DRAFT_LIFETIME), "A", OK_CHANGED,
                     -1, "Write /1/0/1 = 20");
  if (r == NULL)
    return;
  i = update_follows (run, from, mark, "B", "the new lifetime", &m);
  if (i < 0
      || !tf_ets_check (run, "B", g_strcmp0 (tf_ets_query_value (m, "lt"), "20") == 0,
                        "the Update carries lt=20 (lt=%s)",
                        tf_ets_query_value (m, "lt") ? tf_ets_query_value (m, "lt") : "absent"))
    return;
  e = g_ptr_array_index (ev, i);
  if (!tf_ets_check (run, "C", e->kind == TF_ETS_EVENT_UPDATED,
                     "the server answered the Update 2.04 (%s)", e->detail ? e->detail : ""))
    return;
  /* step 3 (optional for the client): an Update without parameter before the 20 s end, or
   * the server ends the registration when they do (its timer, at the lifetime itself) */
  mark = tf_ets_run_exchange (run)->len;
  i = tf_ets_run_wait_event (run,
                             (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_EXPIRED)
                                 | (1u << TF_ETS_EVENT_REJECTED) | (1u << TF_ETS_EVENT_REGISTERED)
                                 | (1u << TF_ETS_EVENT_DEREGISTERED),
                             i + 1, (DRAFT_LIFETIME + 5) * 1000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  e = i >= 0 ? g_ptr_array_index (ev, i) : NULL;
  if (e != NULL && e->kind == TF_ETS_EVENT_EXPIRED)
    {
      tf_ets_check (run, "D", TRUE, "no Update: the registration ended after the 20 s");
      return;
    }
  m = last_update (run, mark);
  if (!tf_ets_check (run, "D", e != NULL && e->kind == TF_ETS_EVENT_UPDATED && m != NULL,
                     "an Update (answered 2.04) or the end of the registration after the 20 s: "
                     "%s",
                     e == NULL   ? "neither"
                     : e->detail ? e->detail
                                 : "another message"))
    return;
  tf_ets_check (run, "D", without_parameter (m), "the second Update is without parameter");
}

/* 103: the server executes Disable (/1/0/4): 1 (A) 2.04; 2 (B) a De-register answered 2.02;
 * 3 (C) the registration is gone. */
static void
case_103 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 4, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *ep = NULL;
  guint from;
  gint i;
  if (reg == NULL)
    return;
  ep = g_strdup (reg->endpoint);
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (run, tf_lwm2m_request_execute (&p, NULL), "A", OK_CHANGED, -1,
                     "Execute /1/0/4 (Disable)");
  if (r == NULL)
    return;
  i = tf_ets_run_wait_event (run, (1u << TF_ETS_EVENT_DEREGISTERED) | (1u << TF_ETS_EVENT_REJECTED),
                             from, 30000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "B", i >= 0, "a De-register (DELETE on the registration) within 30 s")
      || !tf_ets_check (run, "B",
                        ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), i))->kind
                            == TF_ETS_EVENT_DEREGISTERED,
                        "the server answered the De-register 2.02"))
    return;
  tf_ets_check (run, "C", tf_lwm2m_server_lookup (tf_ets_run_server (run), ep) == NULL,
                "the client is no longer in the server's registrations");
}

/* 104, with the precondition of a 20 s lifetime: 1 (A) the client got the Registration
 * Update Trigger (it answered); 2 (B) 2.04; 3 (C) an Update without parameter; 4 (D) it was
 * answered 2.04; 5 (E) the client is still registered when the lifetime counted from before
 * the trigger has run out. */
static void
case_104 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath lt = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 8, 0);
  GPtrArray *ev = tf_ets_run_events (run);
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  g_autofree char *ep = NULL, *code = NULL;
  guint from, mark, lifetime;
  gint64 before, until;
  JsonObject *m;
  TfEtsEvent *e;
  gint i;
  if (reg == NULL)
    return;
  ep = g_strdup (reg->endpoint);
  /* precondition: a lifetime of 20 s (as 102 sets it); a client that does not take it is
   * judged with the lifetime it has */
  from = ev->len;
  w = tf_ets_run_request (run, tf_ets_write_int (&lt, TF_LWM2M_CF_TEXT, DRAFT_LIFETIME));
  if (w == NULL)
    return;
  tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_UPDATED, from, 10000);
  reg = tf_lwm2m_server_lookup (tf_ets_run_server (run), ep);
  if (reg == NULL)
    {
      tf_ets_inconclusive (run, "precondition: the client is not registered");
      return;
    }
  lifetime = reg->lifetime;
  /* the registration's lifetime runs from its last Register or Update: the last arrival */
  before = tf_ets_run_last_arrival (run);
  from = ev->len;
  mark = tf_ets_run_exchange (run)->len;
  r = tf_ets_run_request_for (run, tf_lwm2m_request_execute (&p, NULL), "A");
  if (!tf_ets_check (run, "A", r != NULL, "the client answered the Registration Update Trigger"))
    return;
  code = tf_lwm2m_coap_code_to_string (r->code);
  if (!tf_ets_check (run, "B", r->code == OK_CHANGED,
                     "Execute /1/0/8 (Registration Update Trigger) answered %s (2.04 expected)",
                     code))
    return;
  i = update_follows (run, from, mark, "C", "the trigger", &m);
  if (i < 0 || !tf_ets_check (run, "C", without_parameter (m), "the Update is without parameter"))
    return;
  e = g_ptr_array_index (ev, i);
  if (!tf_ets_check (run, "D", e->kind == TF_ETS_EVENT_UPDATED,
                     "the server answered the Update 2.04 (%s)", e->detail ? e->detail : ""))
    return;
  /* E: a second past the end of the lifetime counted from before the trigger */
  until = before + (gint64)(lifetime + 1) * G_USEC_PER_SEC;
  from = i + 1;
  i = tf_ets_run_wait_event (run, (1u << TF_ETS_EVENT_EXPIRED) | (1u << TF_ETS_EVENT_DEREGISTERED),
                             from, (guint)MAX ((until - g_get_monotonic_time ()) / 1000, 1));
  if (i >= 0 && ((TfEtsEvent *)g_ptr_array_index (ev, i))->kind == TF_ETS_EVENT_EXPIRED)
    {
      /* the server's timer fires at the bound itself: as 107, 2 s more for a late Update (or
       * the Register after the refused one), then the miss is measured from the last Update's
       * arrival and judged against the runner's own lateness */
      gint64 last = ((TfEtsEvent *)g_ptr_array_index (ev, from - 1))->time_us, end;
      gint j;
      for (gint k = i - 1; k >= (gint)from; k--)
        if (((TfEtsEvent *)g_ptr_array_index (ev, k))->kind == TF_ETS_EVENT_UPDATED)
          {
            last = ((TfEtsEvent *)g_ptr_array_index (ev, k))->time_us;
            break;
          }
      j = tf_ets_run_wait_event (run,
                                 (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_REGISTERED)
                                     | (1u << TF_ETS_EVENT_REJECTED),
                                 i + 1, 2000);
      end = j >= 0 ? ((TfEtsEvent *)g_ptr_array_index (ev, j))->time_us : g_get_monotonic_time ();
      tf_ets_check_timing (run, "E", last, MAX (end - last - (gint64)lifetime * G_USEC_PER_SEC, 1),
                           "the registration expired: %s %.1f s after the last Update (lifetime "
                           "%u s)",
                           j >= 0 ? "the next Update or Register came" : "no Update by",
                           (end - last) / 1e6, lifetime);
      return;
    }
  tf_ets_check (run, "E", i < 0 && tf_lwm2m_server_lookup (tf_ets_run_server (run), ep) != NULL,
                "still registered %u s after the last registration before the trigger", lifetime);
}

/* --- 201, 203-205: device management -------------------------------------------------- */

/* 201: 1 (A) Manufacturer, Model Number and Serial Number read in plain text, 2.05 each. */
static void
case_201 (TfEtsRun *run)
{
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint i = 0; i < 3; i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, i, 0);
      g_autofree char *what = g_strdup_printf ("Read /3/0/%u as text/plain", i);
      g_autoptr (TfLwm2mResponse) r
          = tf_ets_expect (run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TEXT), "A", OK_CONTENT,
                           TF_LWM2M_CF_TEXT, what);
      if (r == NULL
          || !tf_ets_check (run, "A", r->payload != NULL && g_bytes_get_size (r->payload) > 0,
                            "/3/0/%u has a value", i))
        return;
    }
}

/* 203/204: 1 (A) /3/0 read in @cf, 2.05, with Manufacturer (0), Model Number (1), Serial
 * Number (2), Firmware Version (3), Error Code (11) and Supported Binding and Modes (16) "U". */
static void
read_device (TfEtsRun *run, guint cf, const char *what)
{
  static const guint16 res[] = { 0, 1, 2, 3, 11, 16 };
  TfLwm2mPath p = tf_lwm2m_path_make (2, 3, 0, 0, 0);
  TfLwm2mPath b = tf_lwm2m_path_make (3, 3, 0, 16, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  const TfLwm2mRecord *rec;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, cf), "A", OK_CONTENT, cf, what);
  if (r == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      TfLwm2mPath q = tf_lwm2m_path_make (3, 3, 0, res[i], 0);
      if (!tf_ets_check (run, "A", tf_ets_find_record (r, &q) != NULL, "/3/0/%u in the answer",
                         res[i]))
        return;
    }
  rec = tf_ets_find_record (r, &b);
  tf_ets_check (run, "A",
                rec->bytes != NULL && g_bytes_get_size (rec->bytes) == 1
                    && *(const char *)g_bytes_get_data (rec->bytes, NULL) == 'U',
                "Supported Binding and Modes /3/0/16 is \"U\" (%.*s)",
                rec->bytes ? (int)g_bytes_get_size (rec->bytes) : 1,
                rec->bytes ? (const char *)g_bytes_get_data (rec->bytes, NULL) : "?");
}

static void
case_203 (TfEtsRun *run)
{
  read_device (run, TF_LWM2M_CF_TLV, "Read /3/0 in TLV");
}

static void
case_204 (TfEtsRun *run)
{
  read_device (run, tf_ets_json_cf (run), "Read /3/0 in JSON");
}

/* One step 1-2 round of 205: Writes of @v (pmin, pmax, disable timeout) in plain text (@ca),
 * then /1/0 read in TLV holds them (@cb). */
static gboolean
write_read_server (TfEtsRun *run, const gint64 v[3], const char *ca, const char *cb)
{
  static const guint16 res[] = { 2, 3, 5 };
  TfLwm2mPath inst = tf_lwm2m_path_make (2, 1, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, res[i], 0);
      g_autofree char *what
          = g_strdup_printf ("Write /1/0/%u = %" G_GINT64_FORMAT " in plain text", res[i], v[i]);
      g_autoptr (TfLwm2mResponse) w = tf_ets_expect (
          run, tf_ets_write_int (&p, TF_LWM2M_CF_TEXT, v[i]), ca, OK_CHANGED, -1, what);
      if (w == NULL)
        return FALSE;
    }
  r = tf_ets_expect (run, tf_lwm2m_request_read (&inst, TF_LWM2M_CF_TLV), cb, OK_CONTENT,
                     TF_LWM2M_CF_TLV, "Read /1/0 in TLV");
  if (r == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, res[i], 0);
      const TfLwm2mRecord *rec = tf_ets_find_record (r, &p);
      if (!tf_ets_check (run, cb, rec != NULL && int_value (rec) == v[i],
                         "/1/0/%u reads %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " written)",
                         res[i], rec != NULL ? int_value (rec) : -1, v[i]))
        return FALSE;
    }
  return TRUE;
}

/* 205: Default Minimum Period 101, Default Maximum Period 1010, Disable Timeout 2000 written
 * in plain text: 1 (A) 2.04 each; 2 (B) /1/0 read in TLV holds them; 3 (C) steps 1-2
 * replayed with the initial values restore them (the values read before step 1: the client's
 * configuration stands for the draft's C.3; unreadable ones leave C Inconclusive). */
static void
case_205 (TfEtsRun *run)
{
  static const gint64 set[3] = { 101, 1010, 2000 };
  static const guint16 res[] = { 2, 3, 5 };
  gint64 initial[3];
  gboolean known = TRUE;
  if (tf_ets_run_registration (run) == NULL)
    return;
  /* the initial values, to restore in step 3; a resource the client lacks fails the Write
   * of step 1 (A) */
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, res[i], 0);
      g_autoptr (TfLwm2mResponse) r = tf_ets_run_request (run, tf_lwm2m_request_read (&p, -1));
      const TfLwm2mRecord *rec = tf_ets_find_record (r, &p);
      if (r == NULL)
        return;
      known &= rec != NULL && r->code == OK_CONTENT;
      initial[i] = rec != NULL ? int_value (rec) : 0;
    }
  if (!write_read_server (run, set, "A", "B"))
    return;
  if (!known)
    {
      tf_ets_inconclusive (run, "the initial /1/0/2, 3, 5 could not be read before step 1: "
                                "nothing to restore in step 3");
      return;
    }
  write_read_server (run, initial, "C", "C");
}

/* --- 301-303: information reporting on /3/0/7 and /3/0/8 ------------------------------ */

/* 301's steps 1-3 (also the precondition of 302 and 303): Read /3/0/6, Write-Attributes
 * pmin/pmax on /3/0/7 and /3/0/8, Observe both. The draft's one criterion, that the values
 * come regularly, is @crit for every step. */
static gboolean
observe_power (TfEtsRun *run, const char *crit, TfEtsObservation *v, TfEtsObservation *c)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 6, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return FALSE;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), crit, OK_CONTENT, -1,
                     "Read /3/0/6 (Available Power Sources)");
  return r != NULL && tf_ets_observation_start (run, v, 7, crit, crit)
         && tf_ets_observation_start (run, c, 8, crit, crit);
}

/* 301: 1 (A) notifications of Power Source Voltage and Current come regularly: three of
 * each, between pmin and pmax. */
static void
case_301 (TfEtsRun *run)
{
  TfEtsObservation v = { 0 }, c = { 0 };
  if (observe_power (run, "A", &v, &c) && tf_ets_observation_notified (run, "A", &v, 3))
    tf_ets_observation_notified (run, "A", &c, 3);
}

/* 302: 1 (A) notifications of both; 2 (B) after a Reset on a notification of /3/0/7, then one
 * on a notification of /3/0/8, neither is notified any more. */
static void
case_302 (TfEtsRun *run)
{
  TfEtsObservation v = { 0 }, c = { 0 };
  g_autoptr (TfLwm2mResponse) rv = NULL, rc = NULL;
  gint64 since_v, since_c;
  if (!observe_power (run, "A", &v, &c) || !tf_ets_observation_notified (run, "A", &v, 1)
      || !tf_ets_observation_notified (run, "A", &c, 1))
    return;
  rv = tf_ets_run_cancel (run, v.observation, TRUE);
  if (rv == NULL)
    return;
  since_v = g_get_monotonic_time ();
  rc = tf_ets_run_cancel (run, c.observation, TRUE);
  if (rc == NULL)
    return;
  since_c = g_get_monotonic_time ();
  if (tf_ets_observation_silent (run, "B", &v, since_v, 1))
    tf_ets_observation_silent (run, "B", &c, since_c, 1);
}

/* 303: 1 (A) notifications of both; 2 (B) after the Observe with the cancel parameter
 * (GET, Observe=1), neither is notified any more. The draft sends that GET on /3/0, which was
 * never observed: a GET with Observe=1 cancels the observation of its own token and target
 * (RFC 7641 3.6), so the runner sends one on each of /3/0/7 and /3/0/8. */
static void
case_303 (TfEtsRun *run)
{
  TfEtsObservation v = { 0 }, c = { 0 };
  g_autoptr (TfLwm2mResponse) rv = NULL, rc = NULL;
  gint64 since;
  if (!observe_power (run, "A", &v, &c) || !tf_ets_observation_notified (run, "A", &v, 1)
      || !tf_ets_observation_notified (run, "A", &c, 1))
    return;
  rv = tf_ets_run_cancel (run, v.observation, FALSE);
  if (rv == NULL)
    return;
  rc = tf_ets_run_cancel (run, c.observation, FALSE);
  if (rc == NULL)
    return;
  /* a notification already on its way when the GETs went out is no fault: 0.5 s of grace */
  since = g_get_monotonic_time () + 500000;
  if (tf_ets_observation_silent (run, "B", &v, since, 0))
    tf_ets_observation_silent (run, "B", &c, since, 0);
}

static const TfEtsCase cases[] = {
  { 101, "1.0", "Initial Registration", case_101 },
  { 102, "1.0", "Registration Update", case_102 },
  { 103, "1.0", "Deregistration", case_103 },
  { 104, "1.0", "Registration Update Trigger", case_104 },
  { 201, "1.0", "Querying basic information in Plain Text format", case_201 },
  { 203, "1.0", "Querying basic information in TLV format", case_203 },
  { 204, "1.0", "Querying basic information in JSON format", case_204 },
  { 205, "1.0", "Setting basic information in Plain Text format", case_205 },
  { 301, "1.0", "Observation and Notification of parameter values", case_301 },
  { 302, "1.0", "Cancel Observations using Reset Operation", case_302 },
  { 303, "1.0", "Cancel observations using Observe with Cancel parameter", case_303 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_v10 (void)
{
  return cases;
}
