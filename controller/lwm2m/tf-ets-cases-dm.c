/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS 1.1 device management cases around the basic ones (211-237): the CBOR and SenML formats,
 * reads and writes at every level of the path, the Security object refused to a server, and
 * the composite operations (229, 230). Criteria as in the ETS (OMA-ETS-LightweightM2M-V1_1);
 * values are the lab client's configuration, not Zephyr's C.3. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-codec.h"

/* Reads @p in @cf (-1: no Accept) as criterion @crit; the answer when it decodes to values. */
static TfLwm2mResponse *
read_values (TfEtsRun *run, const char *crit, TfLwm2mPath p, gint cf)
{
  g_autofree char *ps = tf_lwm2m_path_to_string (&p);
  g_autofree char *what = g_strdup_printf ("Read %s", ps);
  TfLwm2mResponse *r
      = tf_ets_expect (run, tf_lwm2m_request_read (&p, cf), crit, OK_CONTENT, cf, what);
  if (r == NULL)
    return NULL;
  if (!tf_ets_check (run, crit, r->records != NULL && r->records->len > 0,
                     "the answer to Read %s decodes to values", ps))
    {
      tf_lwm2m_response_free (r);
      return NULL;
    }
  return r;
}

static gint64
int_of (const TfLwm2mRecord *r)
{
  if (r == NULL)
    return G_MININT64;
  switch (r->type)
    {
    case TF_LWM2M_TYPE_UNSIGNED:
      return (gint64)r->v.u;
    case TF_LWM2M_TYPE_FLOAT:
      return (gint64)r->v.f;
    default:
      return r->v.i;
    }
}

/* 211: Read /1/0/0, /1/0/6 and /1/0/7 one by one in CBOR. */
static void
case_211 (TfEtsRun *run)
{
  static const guint16 res[] = { 0, 6, 7 };
  static const char *const crit[] = { "A", "B", "C" };
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      g_autoptr (TfLwm2mResponse) r
          = read_values (run, crit[i], P (3, 1, 0, res[i], 0), TF_LWM2M_CF_CBOR);
      if (r == NULL)
        return;
    }
}

/* Writes /1/0/1 = @lt in @cf (replace on the resource), then reads it back in @cf. */
static void
write_resource_back (TfEtsRun *run, guint cf, gint64 lt)
{
  TfLwm2mPath p = P (3, 1, 0, 1, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  TfLwm2mRequest *req;
  if (tf_ets_run_registration (run) == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&p, lt));
  req = tf_lwm2m_request_write (&p, cf, recs, TRUE, NULL);
  if (!tf_ets_check (run, "A", req != NULL, "the Write is encoded in format %u", cf))
    return;
  w = tf_ets_expect (run, req, "A", OK_CHANGED, -1, "Write /1/0/1");
  if (w == NULL)
    return;
  r = read_values (run, "B", p, (gint)cf);
  if (r != NULL)
    tf_ets_check (run, "B", int_of (tf_ets_find_record (r, &p)) == lt,
                  "/1/0/1 reads back as written (%" G_GINT64_FORMAT ")", lt);
}

static void
case_212 (TfEtsRun *run)
{
  write_resource_back (run, TF_LWM2M_CF_CBOR, 81);
}

/* 221: the Security object is out of a server's reach: 4.01 for Read, Write and
 * Write-Attributes. */
static void
case_221 (TfEtsRun *run)
{
  TfLwm2mPath inst = P (2, 0, 0, 0, 0), uri = P (3, 0, 0, 0, 0), obj = P (1, 0, 0, 0, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) a = NULL, b = NULL, c = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  a = tf_ets_expect (run, tf_lwm2m_request_read (&inst, -1), "A", TF_LWM2M_COAP_CODE (4, 1), -1,
                     "Read /0/0");
  if (a == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_string (&uri, "coap://192.0.2.9:5683"));
  b = tf_ets_expect (run, tf_lwm2m_request_write (&uri, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), "B",
                     TF_LWM2M_COAP_CODE (4, 1), -1, "Write /0/0/0");
  if (b == NULL)
    return;
  c = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&obj, "pmin=10"), "C",
                     TF_LWM2M_COAP_CODE (4, 1), -1, "Write-Attributes /0 pmin=10");
}

/* 223: Read on the Server and Device object instances (default format). */
static void
case_223 (TfEtsRun *run)
{
  g_autoptr (TfLwm2mResponse) a = NULL, b = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  a = read_values (run, "A", P (2, 1, 0, 0, 0), -1);
  if (a == NULL || !tf_ets_check_mandatory (run, "A", a, 1, 0))
    return;
  b = read_values (run, "B", P (2, 3, 0, 0, 0), -1);
  if (b != NULL)
    tf_ets_check_mandatory (run, "B", b, 3, 0);
}

/* 224: Read on single resources of the Server object. */
static void
case_224 (TfEtsRun *run)
{
  static const guint16 res[] = { 0, 1, 6, 7 };
  static const char *const crit[] = { "A", "B", "C", "D" };
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (res); i++)
    {
      g_autoptr (TfLwm2mResponse) r = read_values (run, crit[i], P (3, 1, 0, res[i], 0), -1);
      if (r == NULL)
        return;
    }
}

/* 225: Read on a resource instance (the Device's Error Code, /3/0/11/0). */
static void
case_225 (TfEtsRun *run)
{
  TfLwm2mPath p = P (4, 3, 0, 11, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = read_values (run, "A", p, -1);
  if (r != NULL)
    tf_ets_check (run, "B", int_of (tf_ets_find_record (r, &p)) >= 0,
                  "/3/0/11/0 is an error code (0 when there is no error)");
}

/* 226: Write (partial update) on the Server object instance: lifetime and notification
 * storing, in SenML JSON, read back with the rest of the instance (the mandatory resources not
 * written still there). */
static void
case_226 (TfEtsRun *run)
{
  TfLwm2mPath inst = P (2, 1, 0, 0, 0), lt = P (3, 1, 0, 1, 0), st = P (3, 1, 0, 6, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  const TfLwm2mRecord *got;
  TfLwm2mRequest *req;
  if (tf_ets_run_registration (run) == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&lt, 60));
  g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&st, TRUE));
  req = tf_lwm2m_request_write (&inst, TF_LWM2M_CF_SENML_JSON, recs, FALSE, NULL);
  w = tf_ets_expect (run, req, "A", OK_CHANGED, -1, "Write (partial update) /1/0");
  if (w == NULL)
    return;
  r = read_values (run, "B", inst, TF_LWM2M_CF_SENML_JSON);
  if (r == NULL)
    return;
  if (!tf_ets_check (run, "B", int_of (tf_ets_find_record (r, &lt)) == 60, "/1/0/1 reads back 60"))
    return;
  /* a partial update leaves the resources it does not name: a replace would lose them */
  if (!tf_ets_check_mandatory (run, "B", r, 1, 0))
    return;
  got = tf_ets_find_record (r, &st);
  tf_ets_check (run, "B", got != NULL && got->type == TF_LWM2M_TYPE_BOOLEAN && got->v.b,
                "/1/0/6 reads back true");
}

/* 227: Write (replace) on the Lifetime resource: the client sends an Update with it. */
static void
case_227 (TfEtsRun *run)
{
  TfLwm2mPath p = P (3, 1, 0, 1, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  guint from;
  gint i;
  if (tf_ets_run_registration (run) == NULL)
    return;
  from = tf_ets_run_events (run)->len;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&p, 63));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), "A",
                     OK_CHANGED, -1, "Write (replace) /1/0/1 = 63");
  if (w == NULL)
    return;
  i = tf_ets_run_wait_event (run, (1u << TF_ETS_EVENT_UPDATED) | (1u << TF_ETS_EVENT_REJECTED),
                             from, 30000);
  if (i < 0 && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "B",
                     i >= 0
                         && ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), i))->kind
                                == TF_ETS_EVENT_UPDATED
                         && tf_ets_run_registration (run) != NULL
                         && tf_ets_run_registration (run)->lifetime == 63,
                     "an Update with lt=63 followed"))
    return;
  r = read_values (run, "C", p, -1);
  if (r != NULL)
    tf_ets_check (run, "C", int_of (tf_ets_find_record (r, &p)) == 63, "/1/0/1 reads back 63");
}

/* 231/232: Querying basic information in SenML JSON / CBOR: /1, /3/0, /3/0/16, /3/0/11/0. */
static void
query_senml (TfEtsRun *run, guint cf)
{
  g_autoptr (TfLwm2mResponse) a = NULL, b = NULL, c = NULL, d = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  a = read_values (run, "A", P (1, 1, 0, 0, 0), (gint)cf);
  if (a == NULL || !tf_ets_check_mandatory (run, "A", a, 1, 0))
    return;
  b = read_values (run, "B", P (2, 3, 0, 0, 0), (gint)cf);
  if (b == NULL || !tf_ets_check_mandatory (run, "B", b, 3, 0))
    return;
  c = read_values (run, "C", P (3, 3, 0, 16, 0), (gint)cf);
  if (c == NULL)
    return;
  d = read_values (run, "D", P (4, 3, 0, 11, 0), (gint)cf);
}

static void
case_231 (TfEtsRun *run)
{
  query_senml (run, TF_LWM2M_CF_SENML_JSON);
}

static void
case_232 (TfEtsRun *run)
{
  query_senml (run, TF_LWM2M_CF_SENML_CBOR);
}

/* 233/234: Setting basic information in SenML: partial update of /1/0, read back; then a
 * replace of /1/0/1. */
static void
setting_senml (TfEtsRun *run, guint cf)
{
  TfLwm2mPath inst = P (2, 1, 0, 0, 0), lt = P (3, 1, 0, 1, 0), st = P (3, 1, 0, 6, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  const TfLwm2mRecord *got;
  if (tf_ets_run_registration (run) == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&lt, 61));
  g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&st, TRUE));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&inst, cf, recs, FALSE, NULL), "A", OK_CHANGED,
                     -1, "Write (partial update) /1/0");
  if (w == NULL)
    return;
  r = read_values (run, "B", inst, (gint)cf);
  if (r == NULL)
    return;
  got = tf_ets_find_record (r, &st);
  if (!tf_ets_check (run, "B",
                     int_of (tf_ets_find_record (r, &lt)) == 61 && got != NULL
                         && got->type == TF_LWM2M_TYPE_BOOLEAN && got->v.b,
                     "/1/0/1 and /1/0/6 read back as written (61, true)"))
    return;
  g_clear_pointer (&r, tf_lwm2m_response_free);
  write_resource_back (run, cf, 63);
}

static void
case_233 (TfEtsRun *run)
{
  setting_senml (run, TF_LWM2M_CF_SENML_CBOR);
}

static void
case_234 (TfEtsRun *run)
{
  setting_senml (run, TF_LWM2M_CF_SENML_JSON);
}

/* 237: Read on an object without an Accept option: the client chooses a format it can, and
 * the answer says which. */
static void
case_237 (TfEtsRun *run)
{
  TfLwm2mPath p = P (1, 1, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "A", OK_CONTENT, -1, "Read /1");
  /* the format first: an answer without one cannot be decoded, and that is why */
  if (r == NULL
      || !tf_ets_check (run, "A", r->cf >= 0 && tf_lwm2m_cf_supported ((guint)r->cf),
                        "the answer to Read /1 names its content format (%d)", r->cf))
    return;
  tf_ets_check (run, "A", r->records != NULL && r->records->len > 0,
                "the answer to Read /1 decodes to values");
}

/* A Read-Composite of @paths answered in @cf (SenML JSON or CBOR). The path list itself goes
 * as SenML JSON, the format every 1.1 client with composite operations reads; what the case
 * tests is the answer in each format. */
static TfLwm2mRequest *
read_composite (const TfLwm2mPath *paths, guint n, guint cf)
{
  TfLwm2mRequest *r = tf_lwm2m_request_new (5 /* FETCH */, NULL);
  r->payload = tf_lwm2m_encode_paths (TF_LWM2M_CF_SENML_JSON, paths, n, NULL);
  r->cf = TF_LWM2M_CF_SENML_JSON;
  r->accept = (gint)cf;
  return r;
}

/* 229: Read-Composite of /3 and /1/0, then of /1/0/1 and /3/0/11/0, in SenML JSON and CBOR. */
static void
case_229 (TfEtsRun *run)
{
  static const guint cfs[] = { TF_LWM2M_CF_SENML_JSON, TF_LWM2M_CF_SENML_CBOR };
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (cfs); k++)
    {
      TfLwm2mPath one[] = { P (1, 3, 0, 0, 0), P (2, 1, 0, 0, 0) };
      TfLwm2mPath two[] = { P (3, 1, 0, 1, 0), P (4, 3, 0, 11, 0) };
      const char *crit = k == 0 ? "A" : "B";
      g_autoptr (TfLwm2mResponse) a = NULL, b = NULL;
      a = tf_ets_expect (run, read_composite (one, 2, cfs[k]), crit, OK_CONTENT, (gint)cfs[k],
                         "Read-Composite /3, /1/0");
      if (a == NULL || !tf_ets_check_mandatory (run, crit, a, 3, 0)
          || !tf_ets_check_mandatory (run, crit, a, 1, 0))
        return;
      b = tf_ets_expect (run, read_composite (two, 2, cfs[k]), crit, OK_CONTENT, (gint)cfs[k],
                         "Read-Composite /1/0/1, /3/0/11/0");
      if (b == NULL)
        return;
      if (!tf_ets_check (run, crit,
                         tf_ets_find_record (b, &two[0]) != NULL
                             && tf_ets_find_record (b, &two[1]) != NULL,
                         "both values are in the answer (format %u)", cfs[k]))
        return;
    }
}

/* 230: Write-Composite of /1/0/1 and /1/0/6 in SenML JSON and CBOR, read back. */
static void
case_230 (TfEtsRun *run)
{
  static const guint cfs[] = { TF_LWM2M_CF_SENML_JSON, TF_LWM2M_CF_SENML_CBOR };
  TfLwm2mPath inst = P (2, 1, 0, 0, 0), lt = P (3, 1, 0, 1, 0), st = P (3, 1, 0, 6, 0);
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (cfs); k++)
    {
      g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
      g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
      const char *crit = k == 0 ? "A" : "B";
      const TfLwm2mRecord *got;
      g_ptr_array_add (recs, tf_lwm2m_record_new_int (&lt, 60 + k));
      g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&st, k == 0));
      w = tf_ets_expect (run, tf_lwm2m_request_write_composite (recs, cfs[k], NULL), crit,
                         OK_CHANGED, -1, "Write-Composite /1/0/1, /1/0/6");
      if (w == NULL)
        return;
      r = read_values (run, crit, inst, -1);
      if (r == NULL)
        return;
      got = tf_ets_find_record (r, &st);
      if (!tf_ets_check (run, crit,
                         int_of (tf_ets_find_record (r, &lt)) == 60 + k && got != NULL
                             && got->v.b == (k == 0),
                         "/1/0/1 and /1/0/6 read back as written (format %u)", cfs[k]))
        return;
    }
}

static const TfEtsCase dm_cases[] = {
  { 211, "1.1", "Querying basic information in CBOR format", case_211 },
  { 212, "1.1", "Setting basic information in CBOR format", case_212 },
  { 221, "1.1", "Attempt to perform operations on Security", case_221 },
  { 223, "1.1", "Read on Object Instance", case_223 },
  { 224, "1.1", "Read on Resource", case_224 },
  { 225, "1.1", "Read on Resource Instance", case_225 },
  { 226, "1.1", "Write (Partial Update) on Object Instance", case_226 },
  { 227, "1.1", "Write (replace) on Resource", case_227 },
  { 229, "1.1", "Read-Composite Operation", case_229 },
  { 230, "1.1", "Write-Composite Operation", case_230 },
  { 231, "1.1", "Querying basic information in SenML JSON format", case_231 },
  { 232, "1.1", "Querying basic information in SenML CBOR format", case_232 },
  { 233, "1.1", "Setting basic information in SenML CBOR format", case_233 },
  { 234, "1.1", "Setting basic information in SenML JSON format", case_234 },
  { 237, "1.1", "Read on Object without specifying Content-Type", case_237 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_dm (void)
{
  return dm_cases;
}
