/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ETS interoperability cases for a client under test: registration (101-107) and device
 * management (201-261). Each function follows the case's test procedure (OMA-ETS-LightweightM2M
 * 1.1, section 6; the 1.0 cases without a procedure of their own in tf-ets-cases-v10.c)
 * step by step and checks its pass criteria, by their letters, on the decoded messages that
 * were exchanged. Information reporting is in tf-ets-cases-info.c. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-link.h"
#include "tf-lwm2m-registry.h"

#include <stdlib.h>
#include <string.h>

/* --- helpers for the cases ---------------------------------------------------------- */

const TfLwm2mRecord *
tf_ets_find_record (const TfLwm2mResponse *r, const TfLwm2mPath *p)
{
  for (guint i = 0; r != NULL && r->records != NULL && i < r->records->len; i++)
    {
      const TfLwm2mRecord *rec = g_ptr_array_index (r->records, i);
      if (tf_lwm2m_path_equal (&rec->path, p) || tf_lwm2m_path_is_prefix (p, &rec->path))
        return rec;
    }
  return NULL;
}

static char *
code_s (guint code)
{
  return tf_lwm2m_coap_code_to_string (code);
}

/* Sends @req (taken) and checks that the answer has @code (and content format @cf unless -1)
 * as criterion @crit. */
TfLwm2mResponse *
tf_ets_expect (TfEtsRun *run, TfLwm2mRequest *req, const char *crit, guint code, gint cf,
               const char *what)
{
  g_autoptr (TfLwm2mRequest) owned = req;
  TfLwm2mResponse *r = tf_ets_run_request_for (run, req, crit);
  g_autofree char *got = NULL, *want = code_s (code);
  if (r == NULL)
    return NULL;
  got = code_s (r->code);
  if (!tf_ets_check (run, crit, r->code == code, "%s answered %s (%s expected)", what, got, want))
    {
      tf_lwm2m_response_free (r);
      return NULL;
    }
  if (cf >= 0
      && !tf_ets_check (run, crit, r->cf == cf, "%s answered in content format %d (%d expected)",
                        what, r->cf, cf))
    {
      tf_lwm2m_response_free (r);
      return NULL;
    }
  return r;
}

/* The mandatory readable resources of @obj (the registry) are all in @r. */
gboolean
tf_ets_check_mandatory (TfEtsRun *run, const char *crit, const TfLwm2mResponse *r, guint16 obj,
                        guint16 inst)
{
  const TfLwm2mObjectDef *d = tf_lwm2m_registry_object (obj);
  for (guint i = 0; d != NULL && i < d->n_res; i++)
    {
      const TfLwm2mResourceDef *res = &d->res[i];
      TfLwm2mPath p = tf_lwm2m_path_make (3, obj, inst, res->id, 0);
      if (!res->mandatory || !tf_lwm2m_resource_def_allows (res, 'R'))
        continue;
      if (!tf_ets_check (run, crit, tf_ets_find_record (r, &p) != NULL,
                         "/%u/%u/%u (%s, mandatory) in the answer", obj, inst, res->id, res->name))
        return FALSE;
    }
  return TRUE;
}

/* The JSON content format of 204 and 220: LwM2M JSON (11543) in both ETS versions. */
guint
tf_ets_json_cf (TfEtsRun *run)
{
  /* the catalogues' "json" feature; SenML JSON has its own cases in 1.1 (231, 234) */
  return TF_LWM2M_CF_JSON;
}

TfLwm2mRequest *
tf_ets_write_int (const TfLwm2mPath *p, guint cf, gint64 v)
{
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (p, v));
  return tf_lwm2m_request_write (p, cf, recs, TRUE, NULL);
}

/* A Uri-Query value of the decoded Register message ("lt"), or NULL. */
const char *
tf_ets_query_value (JsonObject *msg, const char *key)
{
  JsonArray *opts = json_object_get_array_member (msg, "options");
  gsize kl = strlen (key);
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonArray *o = json_array_get_array_element (opts, i);
      const char *v = json_array_get_string_element (o, 1);
      if (json_array_get_int_element (o, 0) == 15 && v != NULL && strncmp (v, key, kl) == 0
          && v[kl] == '=')
        return v + kl + 1;
    }
  return NULL;
}

/* --- 101-107: registration ---------------------------------------------------------- */

static void
case_101 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  JsonObject *m;
  g_autoptr (GPtrArray) links = NULL;
  gboolean dev = FALSE, srv = FALSE, res_links = FALSE;
  const char *v;
  gint64 cf;
  if (reg == NULL)
    return;
  m = tf_ets_run_register_message (run);
  if (!tf_ets_check (run, "A", m != NULL, "a Register (POST /rd) was received"))
    return;
  v = tf_ets_query_value (m, "ep");
  if (!tf_ets_check (run, "A", v != NULL && g_str_equal (v, reg->endpoint),
                     "the Register names the endpoint (ep=%s)", v ? v : "absent"))
    return;
  v = tf_ets_query_value (m, "lwm2m");
  if (!tf_ets_check (run, "A",
                     g_str_equal (tf_ets_run_version (run), "1.0")
                         ? v == NULL || g_str_equal (v, "1.0")
                         : v != NULL && g_str_equal (v, "1.1"),
                     "the Register states LwM2M version %s (lwm2m=%s)", tf_ets_run_version (run),
                     v ? v : "absent"))
    return;
  v = tf_ets_query_value (m, "lt");
  if (!tf_ets_check (run, "A", v == NULL || g_ascii_strtoull (v, NULL, 10) > 0,
                     "the lifetime is a positive number (lt=%s)", v ? v : "absent: 86400"))
    return;
  /* the payload's format: link format, said (40) or left to the server (no option) */
  cf = json_object_get_int_member_with_default (m, "cf", -1);
  if (!tf_ets_check (run, "B", cf == TF_LWM2M_CF_LINK || cf == -1,
                     "the Register payload is CoRE link format (content format %s)",
                     cf == -1 ? "absent" : "40"))
    return;
  links = reg->links != NULL ? tf_lwm2m_link_parse (reg->links, strlen (reg->links), NULL) : NULL;
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      TfLwm2mLink *l = g_ptr_array_index (links, i);
      TfLwm2mPath p;
      if (!tf_lwm2m_path_parse (l->uri, &p, NULL))
        continue;
      dev |= p.len >= 1 && p.ids[0] == 3;
      srv |= p.len >= 1 && p.ids[0] == 1;
      res_links |= p.len > 2;
    }
  if (!tf_ets_check (run, "B", links != NULL && dev && srv,
                     "the payload lists the Server (1) and Device (3) objects: %s",
                     reg->links ? reg->links : "(none)"))
    return;
  tf_ets_check (run, "B", !res_links, "the payload lists objects and instances only");
  /* C: the server's 2.01 with its Location-Path: the registration exists */
  tf_ets_check (run, "C", reg->location != NULL, "registered at /%s", reg->location);
}

/* Waits for the Update that @what should cause; a refused one (an Update as PUT) fails. */
gboolean
tf_ets_expect_update (TfEtsRun *run, const char *crit, guint from, guint ms, const char *what)
{
  gint i = tf_ets_run_wait_event (run,
                                  (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_REJECTED)
                                      | (1u << TF_ETS_EVENT_REGISTERED),
                                  from, ms);
  TfEtsEvent *e = i >= 0 ? g_ptr_array_index (tf_ets_run_events (run), i) : NULL;
  if (e == NULL && !tf_ets_run_alive (run))
    return FALSE;
  if (!tf_ets_check (run, crit, e != NULL, "an Update followed %s within %u s", what, ms / 1000))
    return FALSE;
  if (e->kind == TF_ETS_EVENT_REJECTED)
    return tf_ets_check (run, crit, FALSE, "the Update is a POST on the registration: %s",
                         e->detail);
  return tf_ets_check (run, crit, e->kind == TF_ETS_EVENT_UPDATED,
                       "the client sent an Update, not a new Register");
}

static void
case_102 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint from;
  if (reg == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  /* step 1: the server changes the lifetime */
  r = tf_ets_expect (run, tf_ets_write_int (&p, TF_LWM2M_CF_TEXT, 40), "A",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write /1/0/1 = 40");
  if (r == NULL)
    return;
  if (!tf_ets_expect_update (run, "B", from, 30000, "the new lifetime"))
    return;
  reg = tf_ets_run_registration (run);
  if (reg != NULL)
    tf_ets_check (run, "C", reg->lifetime == 40, "the Update carried lt=40 (registration has %u)",
                  reg->lifetime);
}

static void
case_103 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  guint from;
  gint i;
  if (reg == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  /* step 1: the client is asked to de-register (on its console, as an operator would) */
  if (!tf_ets_run_console (run, tf_ets_run_deregister_line (run)))
    return;
  i = tf_ets_run_wait_event (run, (1u << TF_ETS_EVENT_DEREGISTERED) | (1u << TF_ETS_EVENT_REJECTED),
                             from, 30000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "A", i >= 0, "a De-register (DELETE on the registration) within 30 s"))
    return;
  tf_ets_check (run, "B",
                ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), i))->kind
                    == TF_ETS_EVENT_DEREGISTERED,
                "the server answered the De-register 2.02 and the registration is gone");
}

static void
case_104 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 8, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint from;
  if (reg == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (run, tf_lwm2m_request_execute (&p, NULL), "A", TF_LWM2M_COAP_CODE (2, 4), -1,
                     "Execute /1/0/8 (Registration Update Trigger)");
  if (r == NULL)
    return;
  tf_ets_expect_update (run, "B", from, 30000, "the Registration Update Trigger");
}

/* 105: after a short lifetime was set, the server discards the client's next Update (4.04, as
 * a server that lost its state): that Update comes within the lifetime (B) and the client
 * registers again (C). */
static void
case_105 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  guint lt = tf_ets_run_short_lifetime (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *location = NULL;
  GPtrArray *ex = tf_ets_run_exchange (run);
  gboolean refused = FALSE;
  guint from, mark;
  gint i;
  if (reg == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (run, tf_ets_write_int (&p, TF_LWM2M_CF_TEXT, lt), "A",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write /1/0/1 (a short lifetime)");
  if (r == NULL || !tf_ets_expect_update (run, "A", from, 30000, "the new lifetime"))
    return;
  location = g_strdup (
      tf_lwm2m_server_lookup (tf_ets_run_server (run), tf_ets_run_registration (run)->endpoint)
          ->location);
  tf_lwm2m_server_discard (tf_ets_run_server (run), tf_ets_run_registration (run)->endpoint);
  mark = ex->len;
  from = tf_ets_run_events (run)->len;
  /* the registration ends a lifetime after the last Update: ask before that */
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_REGISTERED, from, lt * 1000 - 1000);
  for (guint k = mark; k < ex->len && !refused; k++)
    {
      JsonObject *m = json_node_get_object (g_ptr_array_index (ex, k));
      refused
          = g_strcmp0 (json_object_get_string_member_with_default (m, "dir", ""), "out") == 0
            && g_strcmp0 (json_object_get_string_member_with_default (m, "code", ""), "4.04") == 0;
    }
  if (!refused && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "B", refused,
                     "an Update on the registration %s within the lifetime %u s (answered "
                     "4.04)",
                     location, lt))
    return;
  if (i < 0)
    i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_REGISTERED, from, 5000);
  tf_ets_check (run, "C", i >= 0, "a new Register after the 4.04 (within 5 s)");
}

static void
case_107 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  guint lt = tf_ets_run_short_lifetime (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint from, updates = 0;
  gboolean probed = FALSE;
  gint64 last, end;
  if (reg == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (run, tf_ets_write_int (&p, TF_LWM2M_CF_TEXT, lt), "A",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write /1/0/1 (a short lifetime)");
  if (r == NULL || !tf_ets_expect_update (run, "B", from, 30000, "the new lifetime"))
    return;
  /* C: the client keeps its registration alive, an Update before each lifetime runs out,
   * over two and a half lifetimes, timed by the Updates' arrival */
  last = tf_ets_run_last_arrival (run);
  end = last + (gint64)lt * 2500000;
  from = tf_ets_run_events (run)->len;
  while (g_get_monotonic_time () < end && !tf_ets_run_decided (run))
    {
      gint64 now = g_get_monotonic_time ();
      /* at 80 % of the lifetime without an Update, ask the client something while it is still
       * registered: an expiry after an answer is the client's doing, not the link's */
      gint64 probe_at = last + (gint64)lt * 800000;
      gboolean probe = !probed && now < probe_at;
      gint64 until = probe ? MIN (probe_at, end) : end;
      gint i = tf_ets_run_wait_event (run,
                                      (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_EXPIRED)
                                          | (1u << TF_ETS_EVENT_REJECTED),
                                      from, (guint)MAX ((until - now) / 1000, 1));
      TfEtsEvent *e;
      if (i < 0)
        {
          if (probe && until < end)
            {
              probed = TRUE;
              if (!tf_ets_run_alive (run))
                return;
              continue;
            }
          break;
        }
      e = g_ptr_array_index (tf_ets_run_events (run), i);
      from = i + 1;
      if (e->kind == TF_ETS_EVENT_EXPIRED && !probed)
        {
          tf_ets_inconclusive (run, "the registration expired before the client could be asked");
          return;
        }
      /* an expiry is a timing criterion too, but the server's timer fires at the bound
       * itself: 2 s more for a late Update (or the Register after the server refused it),
       * then the miss is measured, and judged against the runner's own lateness */
      if (e->kind == TF_ETS_EVENT_EXPIRED)
        {
          gint j = tf_ets_run_wait_event (run,
                                          (1u << TF_ETS_EVENT_UPDATED)
                                              | (1u << TF_ETS_EVENT_REGISTERED)
                                              | (1u << TF_ETS_EVENT_REJECTED),
                                          i + 1, 2000);
          gint64 until
              = j >= 0 ? ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), j))->time_us
                       : g_get_monotonic_time ();
          tf_ets_check_timing (run, "C", last, MAX (until - last - (gint64)lt * G_USEC_PER_SEC, 1),
                               "the registration expired: %s %.1f s after the previous one "
                               "(lifetime %u s)",
                               j >= 0 ? "the next Update or Register came" : "no Update by",
                               (until - last) / 1e6, lt);
          return;
        }
      if (!tf_ets_check (run, "C", e->kind == TF_ETS_EVENT_UPDATED,
                         "an Update refused by the server (lifetime %u s): %s", lt,
                         e->detail ? e->detail : ""))
        return;
      if (!tf_ets_check_timing (run, "C", last, e->time_us - last - (gint64)lt * G_USEC_PER_SEC,
                                "the Update came %.1f s after the previous one (lifetime %u s)",
                                (e->time_us - last) / 1e6, lt))
        return;
      last = e->time_us;
      probed = FALSE;
      updates++;
    }
  if (updates < 2 && !tf_ets_run_alive (run))
    return;
  tf_ets_check (run, "C", updates >= 2, "%u Updates in %.1f s with a lifetime of %u s", updates,
                lt * 2.5, lt);
}

/* --- 201-261: device management ----------------------------------------------------- */

static void
case_201 (TfEtsRun *run)
{
  static const char crit[] = "ABC";
  if (tf_ets_run_registration (run) == NULL)
    return;
  /* Read Manufacturer, Model Number and Serial Number in plain text */
  for (guint i = 0; i < 3; i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, i, 0);
      g_autofree char *what = g_strdup_printf ("Read /3/0/%u as text/plain", i);
      g_autoptr (TfLwm2mResponse) r = tf_ets_expect (
          run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TEXT), (char[]){ crit[i], 0 },
          TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_TEXT, what);
      if (r == NULL)
        return;
      if (!tf_ets_check (run, (char[]){ crit[i], 0 },
                         r->payload != NULL && g_bytes_get_size (r->payload) > 0,
                         "/3/0/%u has a value", i))
        return;
    }
}

static void
read_device (TfEtsRun *run, guint cf, const char *what)
{
  TfLwm2mPath p = tf_lwm2m_path_make (2, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, cf), "A", TF_LWM2M_COAP_CODE (2, 5), cf, what);
  if (r == NULL)
    return;
  if (!tf_ets_check (run, "B", r->records != NULL && r->records->len > 0,
                     "the payload decodes to the instance's values"))
    return;
  tf_ets_check_mandatory (run, "B", r, 3, 0);
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

/* Write the lifetime (and in 215/220 also the notification storing flag) in @cf, then read it
 * back. */
static void
write_server (TfEtsRun *run, guint cf, gint64 lifetime)
{
  TfLwm2mPath inst = tf_lwm2m_path_make (2, 1, 0, 0, 0);
  TfLwm2mPath lt = tf_lwm2m_path_make (3, 1, 0, 1, 0);
  TfLwm2mPath st = tf_lwm2m_path_make (3, 1, 0, 6, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  const TfLwm2mRecord *got;
  TfLwm2mRequest *req;
  if (tf_ets_run_registration (run) == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&lt, lifetime));
  if (cf == TF_LWM2M_CF_TEXT)
    req = tf_lwm2m_request_write (&lt, cf, recs, TRUE, NULL);
  else
    {
      g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&st, TRUE));
      req = tf_lwm2m_request_write (&inst, cf, recs, FALSE, NULL); /* partial update */
    }
  if (!tf_ets_check (run, "A", req != NULL, "the Write is encoded in format %u", cf))
    return;
  w = tf_ets_expect (run, req, "A", TF_LWM2M_COAP_CODE (2, 4), -1, "Write on the Server object");
  if (w == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (cf == TF_LWM2M_CF_TEXT ? &lt : &inst, cf), "B",
                     TF_LWM2M_COAP_CODE (2, 5), cf, "Read back");
  if (r == NULL)
    return;
  got = tf_ets_find_record (r, &lt);
  if (!tf_ets_check (run, "B",
                     got != NULL
                         && (got->type == TF_LWM2M_TYPE_INTEGER ? got->v.i : (gint64)got->v.u)
                                == lifetime,
                     "/1/0/1 reads back as written (%" G_GINT64_FORMAT ")", lifetime))
    return;
  if (cf != TF_LWM2M_CF_TEXT)
    {
      got = tf_ets_find_record (r, &st);
      tf_ets_check (run, "B", got != NULL && got->v.b, "/1/0/6 reads back as written (true)");
    }
}

static void
case_205 (TfEtsRun *run)
{
  write_server (run, TF_LWM2M_CF_TEXT, 71);
}

static void
case_215 (TfEtsRun *run)
{
  write_server (run, TF_LWM2M_CF_TLV, 72);
}

static void
case_220 (TfEtsRun *run)
{
  write_server (run, tf_ets_json_cf (run), 73);
}

static void
case_222 (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (1, 1, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TLV), "A",
                     TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_TLV, "Read /1 in TLV");
  if (r != NULL)
    tf_ets_check_mandatory (run, "B", r, 1, 0);
}

static void
case_241 (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 4, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  guint from;
  gint i;
  if (tf_ets_run_registration (run) == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  r = tf_ets_expect (run, tf_lwm2m_request_execute (&p, NULL), "A", TF_LWM2M_COAP_CODE (2, 4), -1,
                     "Execute /3/0/4 (Reboot)");
  if (r == NULL)
    return;
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_REGISTERED, from, 60000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  tf_ets_check (run, "B", i >= 0, "the client registered again after its reboot (60 s)");
}

static void
case_260 (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (2, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autoptr (GPtrArray) links = NULL;
  const TfLwm2mObjectDef *d = tf_lwm2m_registry_object (3);
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_discover (&p), "A", TF_LWM2M_COAP_CODE (2, 5),
                     TF_LWM2M_CF_LINK, "Discover /3/0");
  if (r == NULL)
    return;
  links = r->text != NULL ? tf_lwm2m_link_parse (r->text, strlen (r->text), NULL) : NULL;
  if (!tf_ets_check (run, "B", links != NULL && links->len > 0, "the answer is link format: %s",
                     r->text ? r->text : "(empty)"))
    return;
  for (guint i = 0; i < d->n_res; i++)
    {
      g_autofree char *want = g_strdup_printf ("/3/0/%u", d->res[i].id);
      gboolean found = FALSE;
      if (!d->res[i].mandatory)
        continue;
      for (guint j = 0; j < links->len && !found; j++)
        found = g_str_equal (((TfLwm2mLink *)g_ptr_array_index (links, j))->uri, want);
      if (!tf_ets_check (run, "B", found, "the mandatory resource <%s> is listed", want))
        return;
    }
}

static void
case_261 (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 7, 0);
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  g_autoptr (GPtrArray) links = NULL;
  TfLwm2mLink *l = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  w = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&p, "pmin=7&pmax=17"), "A",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write-Attributes /3/0/7 pmin=7 pmax=17");
  if (w == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_discover (&p), "B", TF_LWM2M_COAP_CODE (2, 5),
                     TF_LWM2M_CF_LINK, "Discover /3/0/7");
  if (r == NULL)
    return;
  links = r->text != NULL ? tf_lwm2m_link_parse (r->text, strlen (r->text), NULL) : NULL;
  for (guint j = 0; links != NULL && j < links->len && l == NULL; j++)
    if (g_str_equal (((TfLwm2mLink *)g_ptr_array_index (links, j))->uri, "/3/0/7"))
      l = g_ptr_array_index (links, j);
  if (!tf_ets_check (run, "B", l != NULL, "Discover lists </3/0/7>: %s", r->text ? r->text : ""))
    return;
  tf_ets_check (run, "B",
                g_strcmp0 (g_hash_table_lookup (l->attrs, "pmin"), "7") == 0
                    && g_strcmp0 (g_hash_table_lookup (l->attrs, "pmax"), "17") == 0,
                "</3/0/7> carries pmin=7 and pmax=17: %s", r->text);
}

static const TfEtsCase cases[] = {
  { 101, "1.1", "Initial Registration", case_101 },
  { 102, "1.1", "Registration Update", case_102 },
  { 103, "1.1", "Deregistration", case_103 },
  { 104, "1.1", "Registration Update Trigger", case_104 },
  { 105, "1.1", "Discarded Register Update", case_105 },
  { 107, "1.1", "Extending the lifetime of a registration", case_107 },
  { 108, "1.1", "Turn on Queue Mode", tf_ets_case_108 },
  { 109, "1.1", "Behavior in Queue Mode", tf_ets_case_109 },
  { 201, "1.1", "Querying basic information in Plain Text format", case_201 },
  { 203, "1.1", "Querying basic information in TLV format", case_203 },
  { 204, "1.1", "Querying basic information in JSON format", case_204 },
  { 205, "1.1", "Setting basic information in Plain Text format", case_205 },
  { 215, "1.0 1.1", "Setting basic information in TLV format", case_215 },
  { 220, "1.0 1.1", "Setting basic information in JSON format", case_220 },
  { 222, "1.1", "Read on Object", case_222 },
  { 241, "1.0 1.1", "Executable Resource: Rebooting the device", case_241 },
  { 260, "1.0 1.1", "Discover Command", case_260 },
  { 261, "1.1", "Write-Attribute Operation on a multiple resource", case_261 },
  { 301, "1.1", "Observation and Notification of parameter values", tf_ets_case_301 },
  { 302, "1.1", "Cancel Observations using Reset Operation", tf_ets_case_302 },
  { 303, "1.1", "Cancel observations using Observe with Cancel parameter", tf_ets_case_303 },
  { 304, "1.1", "Observe-Composite Operation", tf_ets_case_304 },
  { 305, "1.1", "Cancel Observation-Composite Operation", tf_ets_case_305 },
  { 306, "1.1", "Send Operation", tf_ets_case_306 },
  { 307, "1.1", "Muting Send", tf_ets_case_307 },
  { 310, "1.1", "Observe-Composite and modification of parameter values", tf_ets_case_310 },
  { 311, "1.1", "Send command", tf_ets_case_311 },
  { 0, NULL, NULL, NULL },
};

static gint
case_cmp (gconstpointer a, gconstpointer b)
{
  return ((const TfEtsCase *)a)->id - ((const TfEtsCase *)b)->id;
}

const TfEtsCase *
tf_ets_cases (void)
{
  static TfEtsCase all[G_N_ELEMENTS (cases) + 96];
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      guint n = 0;
      for (const TfEtsCase *c = cases; c->func != NULL; c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_dm (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_comp (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_bs (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_fw (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_obj (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      for (const TfEtsCase *c = tf_ets_cases_v10 (); c->func != NULL && n + 1 < G_N_ELEMENTS (all);
           c++)
        all[n++] = *c;
      qsort (all, n, sizeof (TfEtsCase), case_cmp);
      g_once_init_leave (&once, 1);
    }
  return all;
}
