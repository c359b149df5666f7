/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS 1.1 device management cases beyond the basic reads and writes: a write on a resource
 * instance (228), a write the client must refuse (256), and the composite operations with
 * their partial answers (235, 236, 257, 280, 281), and the Observe-Composite of Portfolio
 * (16) instances that are created (308) or deleted (309). Steps as the ETS gives them
 * (OMA-ETS-LightweightM2M-V1_1 section 6), with the lab client's objects: the multiple
 * resource written in 228 is the Server's Supported Server Versions (/1/0/25), which every
 * 1.1 client can carry, where other suites use an object (16) the ETS does not require. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <string.h>

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-codec.h"

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
    case TF_LWM2M_TYPE_INTEGER:
    case TF_LWM2M_TYPE_TIME:
      return r->v.i;
    default:
      return G_MININT64;
    }
}

static gboolean
string_is (const TfLwm2mRecord *r, const char *s)
{
  gsize n;
  const char *d;
  if (r == NULL || r->bytes == NULL)
    return FALSE;
  d = g_bytes_get_data (r->bytes, &n);
  return n == strlen (s) && memcmp (d, s, n) == 0;
}

/* The records of @r under @p (all of them when @p is the root). */
static guint
count_under (const TfLwm2mResponse *r, const TfLwm2mPath *p)
{
  guint n = 0;
  for (guint i = 0; r != NULL && r->records != NULL && i < r->records->len; i++)
    n += tf_lwm2m_path_is_prefix (p, &((TfLwm2mRecord *)g_ptr_array_index (r->records, i))->path)
         || tf_lwm2m_path_equal (p, &((TfLwm2mRecord *)g_ptr_array_index (r->records, i))->path);
  return n;
}

/* The paths of the answer, for the reasons ("/1/0/1 /1/0/7"). */
static char *
paths_of (const TfLwm2mResponse *r)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; r != NULL && r->records != NULL && i < r->records->len && i < 40; i++)
    {
      g_autofree char *p
          = tf_lwm2m_path_to_string (&((TfLwm2mRecord *)g_ptr_array_index (r->records, i))->path);
      g_string_append_printf (s, "%s%s", s->len > 0 ? " " : "", p);
    }
  return g_string_free (s, FALSE);
}

/* Read-Composite (FETCH) of @paths, the list and the answer in @cf, as criterion @crit. */
static TfLwm2mResponse *
read_composite (TfEtsRun *run, const char *crit, const TfLwm2mPath *paths, guint n, guint cf,
                const char *what)
{
  g_autoptr (GError) error = NULL;
  TfLwm2mRequest *req = tf_lwm2m_request_read_composite (paths, n, cf, &error);
  if (!tf_ets_check (run, crit, req != NULL, "the Read-Composite is encoded: %s",
                     error != NULL ? error->message : "ok"))
    return NULL;
  return tf_ets_expect (run, req, crit, OK_CONTENT, (gint)cf, what);
}

/* Observe-Composite of /16/0 and /16/1 (SenML JSON), as criterion C. */
static TfLwm2mResponse *
read_composite_observe (TfEtsRun *run, const TfLwm2mPath *paths)
{
  return tf_ets_expect (
      run, tf_lwm2m_request_observe_composite (paths, 2, TF_LWM2M_CF_SENML_JSON, NULL), "C",
      TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_SENML_JSON, "Observe-Composite /16/0, /16/1");
}

/* 228: Write on a resource instance (/1/0/25/0, replace), read back. */
static void
case_228 (TfEtsRun *run)
{
  TfLwm2mPath p = P (4, 1, 0, 25, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  g_ptr_array_add (recs, tf_lwm2m_record_new_string (&p, "1.1"));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), "A",
                     OK_CHANGED, -1, "Write /1/0/25/0 = \"1.1\"");
  if (w == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TEXT), "B", OK_CONTENT,
                     TF_LWM2M_CF_TEXT, "Read /1/0/25/0");
  if (r != NULL)
    tf_ets_check (run, "B", string_is (tf_ets_find_record (r, &p), "1.1"),
                  "/1/0/25/0 reads back as written (\"1.1\")");
}

/* 235: Read-Composite of the root path: every object's values. */
static void
case_235 (TfEtsRun *run)
{
  TfLwm2mPath root = P (0, 0, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = read_composite (run, "A", &root, 1, TF_LWM2M_CF_SENML_JSON, "Read-Composite /");
  if (r == NULL)
    return;
  if (!tf_ets_check (run, "B", r->records != NULL && r->records->len > 0,
                     "the answer decodes to values"))
    return;
  if (!tf_ets_check_mandatory (run, "B", r, 1, 0) || !tf_ets_check_mandatory (run, "B", r, 3, 0))
    return;
  /* the Security object stays out of a server's reach, the root included */
  {
    TfLwm2mPath sec = P (1, 0, 0, 0, 0);
    g_autofree char *got = paths_of (r);
    tf_ets_check (run, "B", count_under (r, &sec) == 0, "no Security (/0) value in the answer: %s",
                  got);
  }
}

/* 236: Read-Composite naming objects the client does not have: the answer carries what
 * exists. */
static void
case_236 (TfEtsRun *run)
{
  TfLwm2mPath paths[]
      = { P (2, 1, 0, 0, 0), P (4, 3, 0, 11, 0), P (3, 3339, 0, 5522, 0), P (3, 3353, 0, 6030, 0) };
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *got = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = read_composite (run, "A", paths, G_N_ELEMENTS (paths), TF_LWM2M_CF_SENML_JSON,
                      "Read-Composite /1/0, /3/0/11/0, /3339/0/5522, /3353/0/6030");
  if (r == NULL)
    return;
  got = paths_of (r);
  if (!tf_ets_check_mandatory (run, "B", r, 1, 0)
      || !tf_ets_check (run, "B", tf_ets_find_record (r, &paths[1]) != NULL,
                        "/3/0/11/0 is in the answer: %s", got))
    return;
  tf_ets_check (run, "B", count_under (r, &paths[2]) == 0 && count_under (r, &paths[3]) == 0,
                "nothing for the absent /3339/0/5522 and /3353/0/6030: %s", got);
}

/* 256: a Write on a read-only resource (the Short Server ID) is refused with 4.05 and changes
 * nothing. */
static void
case_256 (TfEtsRun *run)
{
  TfLwm2mPath p = P (3, 1, 0, 0, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) before = NULL, w = NULL, after = NULL;
  gint64 id;
  if (tf_ets_run_registration (run) == NULL)
    return;
  before = tf_ets_expect (run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TEXT), "A", OK_CONTENT, -1,
                          "Read /1/0/0");
  if (before == NULL)
    return;
  id = int_of (tf_ets_find_record (before, &p));
  g_ptr_array_add (recs, tf_lwm2m_record_new_int (&p, id == 123 ? 124 : 123));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), "A",
                     TF_LWM2M_COAP_CODE (4, 5), -1, "Write /1/0/0 (read-only)");
  if (w == NULL)
    return;
  after = tf_ets_expect (run, tf_lwm2m_request_read (&p, TF_LWM2M_CF_TEXT), "B", OK_CONTENT, -1,
                         "Read /1/0/0 after the refused Write");
  if (after != NULL)
    tf_ets_check (run, "B", int_of (tf_ets_find_record (after, &p)) == id,
                  "/1/0/0 is unchanged (%" G_GINT64_FORMAT ")", id);
}

/* 257: Write-Composite of /1/0/2, /1/0/6 and /3/0/13, in SenML JSON (A) then CBOR (B), each
 * read back. */
static void
case_257 (TfEtsRun *run)
{
  static const guint cfs[] = { TF_LWM2M_CF_SENML_JSON, TF_LWM2M_CF_SENML_CBOR };
  TfLwm2mPath per = P (3, 1, 0, 2, 0), st = P (3, 1, 0, 6, 0), t = P (3, 3, 0, 13, 0);
  if (tf_ets_run_registration (run) == NULL)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (cfs); k++)
    {
      g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
      g_autoptr (TfLwm2mResponse) w = NULL, a = NULL, b = NULL;
      const char *crit = k == 0 ? "A" : "B";
      const TfLwm2mRecord *got;
      g_ptr_array_add (recs, tf_lwm2m_record_new_int (&per, 102 + k));
      g_ptr_array_add (recs, tf_lwm2m_record_new_bool (&st, k == 0));
      g_ptr_array_add (recs, tf_lwm2m_record_new_time (&t, 0));
      w = tf_ets_expect (run, tf_lwm2m_request_write_composite (recs, cfs[k], NULL), crit,
                         OK_CHANGED, -1, "Write-Composite /1/0/2, /1/0/6, /3/0/13");
      if (w == NULL)
        return;
      a = tf_ets_expect (run, tf_lwm2m_request_read (&per, (gint)cfs[k]), crit, OK_CONTENT,
                         (gint)cfs[k], "Read /1/0/2");
      if (a == NULL
          || !tf_ets_check (run, crit, int_of (tf_ets_find_record (a, &per)) == 102 + k,
                            "/1/0/2 reads back %u (format %u)", 102 + k, cfs[k]))
        return;
      b = tf_ets_expect (run, tf_lwm2m_request_read (&st, (gint)cfs[k]), crit, OK_CONTENT,
                         (gint)cfs[k], "Read /1/0/6");
      if (b == NULL)
        return;
      got = tf_ets_find_record (b, &st);
      if (!tf_ets_check (run, crit,
                         got != NULL && got->type == TF_LWM2M_TYPE_BOOLEAN && got->v.b == (k == 0),
                         "/1/0/6 reads back %s (format %u)", k == 0 ? "true" : "false", cfs[k]))
        return;
    }
}

/* 280: Read-Composite of /3/0/16, /3/0/11/0 and /1/0: those values and no others. */
static void
case_280 (TfEtsRun *run)
{
  TfLwm2mPath paths[] = { P (3, 3, 0, 16, 0), P (4, 3, 0, 11, 0), P (2, 1, 0, 0, 0) };
  TfLwm2mPath dev = P (1, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *got = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = read_composite (run, "A", paths, G_N_ELEMENTS (paths), TF_LWM2M_CF_SENML_JSON,
                      "Read-Composite /3/0/16, /3/0/11/0, /1/0");
  if (r == NULL)
    return;
  got = paths_of (r);
  if (!tf_ets_check (run, "B",
                     tf_ets_find_record (r, &paths[0]) != NULL
                         && tf_ets_find_record (r, &paths[1]) != NULL,
                     "/3/0/16 and /3/0/11/0 are in the answer: %s", got)
      || !tf_ets_check_mandatory (run, "B", r, 1, 0))
    return;
  tf_ets_check (run, "B", count_under (r, &dev) == 2,
                "no Device value beyond the two asked for: %s", got);
}

/* 281: Read-Composite of /1/0/1, /1/0/7 and the executable /1/0/8: the two readable values,
 * nothing for the third. */
static void
case_281 (TfEtsRun *run)
{
  TfLwm2mPath paths[] = { P (3, 1, 0, 1, 0), P (3, 1, 0, 7, 0), P (3, 1, 0, 8, 0) };
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *got = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = read_composite (run, "A", paths, G_N_ELEMENTS (paths), TF_LWM2M_CF_SENML_JSON,
                      "Read-Composite /1/0/1, /1/0/7, /1/0/8");
  if (r == NULL)
    return;
  got = paths_of (r);
  if (!tf_ets_check (run, "B",
                     int_of (tf_ets_find_record (r, &paths[0])) > 0
                         && tf_ets_find_record (r, &paths[1]) != NULL,
                     "/1/0/1 and /1/0/7 are in the answer: %s", got))
    return;
  tf_ets_check (run, "B", count_under (r, &paths[2]) == 0, "nothing for the executable /1/0/8: %s",
                got);
}

/* --- 308, 309: Observe-Composite while Portfolio instances come and go ------------- */

static const char *const identities[2][4]
    = { { "aa", "bb", "cc", "dd" }, { "11", "22", "33", "44" } };

/* Criterion @crit: Create /16/@inst with the four Identity values of that instance. */
static gboolean
create_portfolio (TfEtsRun *run, const char *crit, guint16 inst)
{
  TfLwm2mPath obj = P (1, 16, 0, 0, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *what = g_strdup_printf ("Create /16/%u", inst);
  for (guint16 k = 0; k < 4; k++)
    {
      TfLwm2mPath p = P (4, 16, inst, 0, k);
      g_ptr_array_add (recs, tf_lwm2m_record_new_string (&p, identities[inst][k]));
    }
  r = tf_ets_expect (run, tf_lwm2m_request_create (&obj, TF_LWM2M_CF_SENML_JSON, recs, NULL), crit,
                     TF_LWM2M_COAP_CODE (2, 1), -1, what);
  return r != NULL;
}

/* @records hold /16/@inst with its four Identity values (@present), or nothing of it. */
static gboolean
portfolio_is (GPtrArray *records, guint16 inst, gboolean present)
{
  TfLwm2mResponse r = { .records = records };
  TfLwm2mPath ip = P (2, 16, inst, 0, 0);
  if (!present)
    return count_under (&r, &ip) == 0;
  for (guint16 k = 0; k < 4; k++)
    {
      TfLwm2mPath p = P (4, 16, inst, 0, k);
      if (!string_is (tf_ets_find_record (&r, &p), identities[inst][k]))
        return FALSE;
    }
  return TRUE;
}

/* Criterion @crit: the next notification of @obs from event @from on, within pmax (and a
 * round trip), with /16/0 and (@one) /16/1 or not. */
static gboolean
expect_portfolio (TfEtsRun *run, const char *crit, guint obs, guint from, guint pmax, gboolean one,
                  const char *what)
{
  for (;;)
    {
      gint i
          = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, from, (pmax + 3) * 1000);
      TfEtsEvent *e;
      g_autofree char *got = NULL;
      TfLwm2mResponse r = { 0 };
      if (i < 0 && !tf_ets_run_alive (run))
        return FALSE;
      if (!tf_ets_check (run, crit, i >= 0, "a notification %s within pmax (%u s)", what, pmax))
        return FALSE;
      e = g_ptr_array_index (tf_ets_run_events (run), i);
      from = i + 1;
      if (e->observation != obs)
        continue;
      r.records = e->records;
      got = paths_of (&r);
      return tf_ets_check (run, crit,
                           portfolio_is (e->records, 0, TRUE) && portfolio_is (e->records, 1, one),
                           "the notification %s carries /16/0%s: %s", what,
                           one ? " and /16/1" : " and nothing of /16/1", got);
    }
}

/* 308 (@create) and 309: Portfolio instances, an Observe-Composite of /16/0 and /16/1 with
 * pmin/pmax on /16/0, then /16/1 created (308) or deleted (309): the next notification says
 * so. */
static void
observe_portfolio (TfEtsRun *run, gboolean create)
{
  TfLwm2mPath paths[] = { P (2, 16, 0, 0, 0), P (2, 16, 1, 0, 0) };
  g_autoptr (TfLwm2mResponse) w = NULL, r = NULL, d = NULL;
  g_autofree char *attrs = NULL, *got = NULL;
  guint pmin, pmax, from;
  if (tf_ets_run_registration (run) == NULL)
    return;
  /* A: the instances the case starts from */
  if (!create_portfolio (run, "A", 0) || (!create && !create_portfolio (run, "A", 1)))
    return;
  tf_ets_run_periods (run, &pmin, &pmax);
  attrs = g_strdup_printf ("pmin=%u&pmax=%u", pmin, pmax);
  w = tf_ets_expect (run, tf_lwm2m_request_write_attributes (&paths[0], attrs), "B",
                     TF_LWM2M_COAP_CODE (2, 4), -1, "Write-Attributes /16/0 pmin/pmax");
  if (w == NULL)
    return;
  /* C: the Observe-Composite answers with what exists */
  r = read_composite_observe (run, paths);
  if (r == NULL)
    return;
  got = paths_of (r);
  if (!tf_ets_check (run, "C", r->observe_seq >= 0, "the answer carries the Observe option")
      || !tf_ets_check (run, "C",
                        portfolio_is (r->records, 0, TRUE) && portfolio_is (r->records, 1, !create),
                        "the answer carries /16/0%s: %s", create ? " only" : " and /16/1", got))
    return;
  /* D: notified by pmax, unchanged */
  from = tf_ets_run_events (run)->len;
  if (!expect_portfolio (run, "D", r->observation, from, pmax, !create, "by pmax"))
    return;
  /* E: /16/1 created or deleted, and the next notification says so */
  from = tf_ets_run_events (run)->len;
  if (create)
    {
      if (!create_portfolio (run, "E", 1))
        return;
    }
  else
    {
      d = tf_ets_expect (run, tf_lwm2m_request_delete (&paths[1]), "E", TF_LWM2M_COAP_CODE (2, 2),
                         -1, "Delete /16/1");
      if (d == NULL)
        return;
    }
  expect_portfolio (run, "E", r->observation, from, pmax, create,
                    create ? "after the Create" : "after the Delete");
}

static void
case_308 (TfEtsRun *run)
{
  observe_portfolio (run, TRUE);
}

static void
case_309 (TfEtsRun *run)
{
  observe_portfolio (run, FALSE);
}

static const TfEtsCase comp_cases[] = {
  { 228, "1.1", "Write on Resource Instance", case_228 },
  { 235, "1.1", "Read-Composite Operation on root path", case_235 },
  { 236, "1.1", "Read-Composite - Partial Presence", case_236 },
  { 256, "1.1", "Write Operation Failure", case_256 },
  { 257, "1.1", "Write-Composite Operation", case_257 },
  { 280, "1.1", "Successful Read-Composite Operation", case_280 },
  { 281, "1.1", "Partially Successful Read-Composite Operation", case_281 },
  { 308, "1.1", "Observe-Composite and Creating Object Instance", case_308 },
  { 309, "1.1", "Observe-Composite and Deleting Object Instance", case_309 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_comp (void)
{
  return comp_cases;
}
