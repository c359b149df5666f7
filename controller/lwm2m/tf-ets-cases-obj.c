/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The 1.0 cases on object instances: Create (270) and Delete (290). The 1.0 ETS draft
 * (OMA-ETS-LightweightM2M-V1_0_1) gives neither a procedure of its own; it delegates their
 * verdicts to its Portfolio (16) cases 1630 (Create) and 1635 (Delete), whose steps and
 * criteria these follow. Both start from Configuration C.12: Portfolio /16/0 with an
 * Identity (/16/0/0) of four instances; a client without it is brought there first. */

#define G_LOG_DOMAIN "tf-ets"

#include <string.h>

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-link.h"

static const char *const c12_ids[] = { "c12-a", "c12-b", "c12-c", "c12-d" };
static const char *const new_ids[] = { "1630-a", "1630-b" };

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

/* The links of a Discover answer, or NULL. */
static GPtrArray *
links_of (const TfLwm2mResponse *r)
{
  if (r == NULL || r->text == NULL)
    return NULL;
  return tf_lwm2m_link_parse (r->text, strlen (r->text), NULL);
}

/* The link for @uri ("/16/0/0", with or without a trailing slash), or NULL. */
static TfLwm2mLink *
find_link (GPtrArray *links, const char *uri)
{
  gsize n = strlen (uri);
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      TfLwm2mLink *l = g_ptr_array_index (links, i);
      if (strncmp (l->uri, uri, n) == 0 && (l->uri[n] == '\0' || g_str_equal (l->uri + n, "/")))
        return l;
    }
  return NULL;
}

/* The link for @uri is there with dim=@dim. */
static gboolean
has_dim (GPtrArray *links, const char *uri, guint dim)
{
  TfLwm2mLink *l = find_link (links, uri);
  const char *v = l != NULL ? g_hash_table_lookup (l->attrs, "dim") : NULL;
  return v != NULL && g_ascii_strtoull (v, NULL, 10) == dim;
}

/* The instance ids the links name under /16 (at most 64). */
static GArray *
portfolio_instances (GPtrArray *links)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint16));
  for (guint i = 0; links != NULL && i < links->len && ids->len < 64; i++)
    {
      TfLwm2mLink *l = g_ptr_array_index (links, i);
      TfLwm2mPath p;
      gboolean seen = FALSE;
      if (!tf_lwm2m_path_parse (l->uri, &p, NULL) || p.len < 2 || p.ids[0] != 16)
        continue;
      for (guint k = 0; k < ids->len; k++)
        seen |= g_array_index (ids, guint16, k) == p.ids[1];
      if (!seen)
        g_array_append_val (ids, p.ids[1]);
    }
  return ids;
}

/* Create /16/@inst with the Identity instances @ids in @cf; the answer, or NULL. */
static TfLwm2mResponse *
create_portfolio (TfEtsRun *run, const char *crit, guint16 inst, const char *const *ids, guint n,
                  guint cf)
{
  TfLwm2mPath obj = P (1, 16, 0, 0, 0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autofree char *what = g_strdup_printf ("Create /16/%u (%u Identities)", inst, n);
  for (guint16 k = 0; k < n; k++)
    {
      TfLwm2mPath p = P (4, 16, inst, 0, k);
      g_ptr_array_add (recs, tf_lwm2m_record_new_string (&p, ids[k]));
    }
  if (crit == NULL)
    {
      g_autoptr (TfLwm2mResponse) r
          = tf_ets_run_request (run, tf_lwm2m_request_create (&obj, cf, recs, NULL));
      if (r == NULL)
        return NULL;
      if (r->code != TF_LWM2M_COAP_CODE (2, 1))
        {
          tf_ets_inconclusive (run,
                               "Configuration C.12 could not be set up: %s answered %u.%02u "
                               "(the ETS takes it as a precondition)",
                               what, r->code >> 5, r->code & 31);
          return NULL;
        }
      return g_steal_pointer (&r);
    }
  return tf_ets_expect (run, tf_lwm2m_request_create (&obj, cf, recs, NULL), crit,
                        TF_LWM2M_COAP_CODE (2, 1), -1, what);
}

/* Discover /16 (the ETS's step 1), after bringing the client to C.12 when /16/0 is missing.
 * The links of the answer, or NULL with the case decided. */
static GPtrArray *
discover_c12 (TfEtsRun *run)
{
  TfLwm2mPath obj = P (1, 16, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) d = NULL, r = NULL;
  g_autoptr (GPtrArray) links = NULL;
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  g_autoptr (GPtrArray) registered = NULL;
  if (reg == NULL)
    return NULL;
  /* set-up: C.12's /16/0 for a client that registered the Portfolio object without that
   * instance (in the data format of the "json" feature, so that the TLV of the steps stays
   * theirs); one without the object fails step 1 as it answers */
  registered
      = reg->links != NULL ? tf_lwm2m_link_parse (reg->links, strlen (reg->links), NULL) : NULL;
  if (find_link (registered, "/16") != NULL && find_link (registered, "/16/0") == NULL)
    {
      r = create_portfolio (run, NULL, 0, c12_ids, G_N_ELEMENTS (c12_ids), tf_ets_json_cf (run));
      if (r == NULL)
        return NULL;
    }
  /* step 1 */
  d = tf_ets_expect (run, tf_lwm2m_request_discover (&obj), "A", TF_LWM2M_COAP_CODE (2, 5),
                     TF_LWM2M_CF_LINK, "Discover /16");
  if (d == NULL)
    return NULL;
  links = links_of (d);
  if (!tf_ets_check (run, "A", find_link (links, "/16") != NULL && has_dim (links, "/16/0/0", 4),
                     "the answer lists </16> and </16/0/0>;dim=4: %s", d->text ? d->text : ""))
    return NULL;
  return g_steal_pointer (&links);
}

/* 270, as 1630: Discover, Create /16/1 (two Identities, TLV), Discover, Read /16 (TLV). */
static void
case_270 (TfEtsRun *run)
{
  TfLwm2mPath obj = P (1, 16, 0, 0, 0);
  g_autoptr (GPtrArray) links = discover_c12 (run);
  g_autoptr (TfLwm2mResponse) c = NULL, d = NULL, r = NULL;
  g_autoptr (GPtrArray) after = NULL;
  guint n0 = 0, n1 = 0;
  gboolean ok = TRUE;
  if (links == NULL)
    return;
  /* step 2 */
  c = create_portfolio (run, "B", 1, new_ids, G_N_ELEMENTS (new_ids), TF_LWM2M_CF_TLV);
  if (c == NULL)
    return;
  /* step 3 */
  d = tf_ets_expect (run, tf_lwm2m_request_discover (&obj), "C", TF_LWM2M_COAP_CODE (2, 5),
                     TF_LWM2M_CF_LINK, "Discover /16 after the Create");
  if (d == NULL)
    return;
  after = links_of (d);
  if (!tf_ets_check (run, "C", has_dim (after, "/16/0/0", 4) && has_dim (after, "/16/1/0", 2),
                     "the answer lists </16/0/0>;dim=4 and </16/1/0>;dim=2: %s",
                     d->text ? d->text : ""))
    return;
  /* step 4 */
  r = tf_ets_expect (run, tf_lwm2m_request_read (&obj, TF_LWM2M_CF_TLV), "D",
                     TF_LWM2M_COAP_CODE (2, 5), TF_LWM2M_CF_TLV, "Read /16 in TLV");
  if (r == NULL)
    return;
  for (guint i = 0; r->records != NULL && i < r->records->len; i++)
    {
      const TfLwm2mRecord *rec = g_ptr_array_index (r->records, i);
      guint16 inst = rec->path.ids[1], k = rec->path.ids[3];
      if (rec->path.len != 4 || rec->path.ids[0] != 16 || rec->path.ids[2] != 0)
        continue;
      if (inst == 0)
        {
          ok = ok && k < 4 && string_is (rec, c12_ids[k]);
          n0++;
        }
      else if (inst == 1)
        {
          ok = ok && k < 2 && string_is (rec, new_ids[k]);
          n1++;
        }
    }
  tf_ets_check (run, "D", ok && n0 == 4 && n1 == 2,
                "the answer holds /16/0 with its four Identities of C.12 and /16/1 with the two "
                "created (%u and %u Identity values, %s)",
                n0, n1, ok ? "as written" : "some not as written");
}

/* 290, as 1635: Discover, Delete every Portfolio instance, Discover: none left. */
static void
case_290 (TfEtsRun *run)
{
  TfLwm2mPath obj = P (1, 16, 0, 0, 0);
  g_autoptr (GPtrArray) links = discover_c12 (run);
  g_autoptr (GArray) insts = NULL;
  g_autoptr (TfLwm2mResponse) d = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GArray) left = NULL;
  if (links == NULL)
    return;
  /* step 2: a Delete for each instance the Discover named (the ETS's "2.04 Deleted" is the
   * Delete's 2.02 Deleted: Core 5.4.6) */
  insts = portfolio_instances (links);
  for (guint i = 0; i < insts->len; i++)
    {
      TfLwm2mPath p = P (2, 16, g_array_index (insts, guint16, i), 0, 0);
      g_autofree char *what = g_strdup_printf ("Delete /16/%u", p.ids[1]);
      g_autoptr (TfLwm2mResponse) r = tf_ets_expect (run, tf_lwm2m_request_delete (&p), "B",
                                                     TF_LWM2M_COAP_CODE (2, 2), -1, what);
      if (r == NULL)
        return;
    }
  /* step 3 */
  d = tf_ets_expect (run, tf_lwm2m_request_discover (&obj), "C", TF_LWM2M_COAP_CODE (2, 5),
                     TF_LWM2M_CF_LINK, "Discover /16 after the Deletes");
  if (d == NULL)
    return;
  after = links_of (d);
  left = portfolio_instances (after);
  tf_ets_check (run, "C", find_link (after, "/16") != NULL && left->len == 0,
                "the answer lists </16> and no instance of it: %s", d->text ? d->text : "");
}

static const TfEtsCase obj_cases[] = {
  { 270, "1.0", "Create Object Instance", case_270 },
  { 290, "1.0", "Delete Object Instance", case_290 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_obj (void)
{
  return obj_cases;
}
