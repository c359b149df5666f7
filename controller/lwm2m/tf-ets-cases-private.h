/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-ets-run.h"

G_BEGIN_DECLS

/* The answers the cases expect most, and a path as the case tables write it. */
#define OK_CONTENT TF_LWM2M_COAP_CODE (2, 5)
#define OK_CHANGED TF_LWM2M_COAP_CODE (2, 4)

static inline TfLwm2mPath
P (guint8 len, guint16 o, guint16 i, guint16 r, guint16 ri)
{
  return tf_lwm2m_path_make (len, o, i, r, ri);
}

/* Helpers the case files share (tf-ets-cases.c). */
const TfLwm2mRecord *
tf_ets_find_record (const TfLwm2mResponse *r, const TfLwm2mPath *p);
/* Sends @req (taken); the answer when it has @code (and content format @cf unless -1), else
 * NULL with criterion @crit failed (or Inconclusive without an answer). */
TfLwm2mResponse *
tf_ets_expect (TfEtsRun *run, TfLwm2mRequest *req, const char *crit, guint code, gint cf,
               const char *what);
gboolean
tf_ets_check_mandatory (TfEtsRun *run, const char *crit, const TfLwm2mResponse *r, guint16 obj,
                        guint16 inst);
guint
tf_ets_json_cf (TfEtsRun *run);
/* A Uri-Query value ("lt") of a decoded request of the exchange, or NULL. */
const char *
tf_ets_query_value (JsonObject *msg, const char *key);
/* A Write of one integer in @cf. */
TfLwm2mRequest *
tf_ets_write_int (const TfLwm2mPath *p, guint cf, gint64 v);
/* Waits up to @ms for the Update that @what should cause (events from @from); a refused one
 * (an Update as PUT) or a new Register fails @crit. */
gboolean
tf_ets_expect_update (TfEtsRun *run, const char *crit, guint from, guint ms, const char *what);

/* tf-ets-cases-v10.c: the 1.0 draft's own procedures of 101-104, 201, 203-205, 301-303 */
const TfEtsCase *
tf_ets_cases_v10 (void);

/* tf-ets-cases-dm.c: the 1.1 cases around the basic ones (211-237) */
const TfEtsCase *
tf_ets_cases_dm (void);

/* tf-ets-cases-comp.c: 1.1 resource-instance write, refused write, composite operations */
const TfEtsCase *
tf_ets_cases_comp (void);

/* tf-ets-cases-bs.c: bootstrap (0) and security (401) */
const TfEtsCase *
tf_ets_cases_bs (void);

/* tf-ets-cases-obj.c: 1.0 Create and Delete of object instances (270, 290) */
const TfEtsCase *
tf_ets_cases_obj (void);

/* tf-ets-cases-fw.c: Firmware Update (751-780) */
const TfEtsCase *
tf_ets_cases_fw (void);
/* The Block2 number a CoAP GET of @n bytes asks for (0 without the option), -1 for anything
 * else (775's package server; fuzz-ets-block). */
gint
tf_ets_coap_block2_requested (const guint8 *buf, gsize n);

/* tf-ets-cases-info.c: information reporting */
typedef struct
{
  guint16 res; /* /3/0/res is observed */
  guint observation;
  guint pmin, pmax;
  gint64 last;   /* monotonic arrival of the Observe answer, then of the last notification */
  guint from;    /* the next event to look at */
  gint last_seq; /* the Observe number of the last notification */
} TfEtsObservation;
gboolean
tf_ets_observation_start (TfEtsRun *run, TfEtsObservation *o, guint16 res, const char *crit_attrs,
                          const char *crit_obs);
gboolean
tf_ets_observation_notified (TfEtsRun *run, const char *crit, TfEtsObservation *o, guint n);
gboolean
tf_ets_observation_silent (TfEtsRun *run, const char *crit, TfEtsObservation *o, gint64 since,
                           guint allowed);
/* queue mode (tf-ets-cases-queue.c) */
void
tf_ets_case_108 (TfEtsRun *run);
void
tf_ets_case_109 (TfEtsRun *run);
/* information reporting (tf-ets-cases-info.c) */
void
tf_ets_case_301 (TfEtsRun *run);
void
tf_ets_case_302 (TfEtsRun *run);
void
tf_ets_case_303 (TfEtsRun *run);
void
tf_ets_case_304 (TfEtsRun *run);
void
tf_ets_case_305 (TfEtsRun *run);
void
tf_ets_case_306 (TfEtsRun *run);
void
tf_ets_case_307 (TfEtsRun *run);
void
tf_ets_case_310 (TfEtsRun *run);
void
tf_ets_case_311 (TfEtsRun *run);

G_END_DECLS
