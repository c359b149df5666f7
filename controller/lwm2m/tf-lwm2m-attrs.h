/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* Notification attributes of Write-Attributes (LwM2M 1.1 Core §5.1.2): pmin, pmax, epmin,
 * epmax, hqmax (non-negative integers), gt, lt, st (numbers, st >= 0), edge, con (0 or 1).
 * A table maps names to values; a NULL value means "remove this attribute". */

/* A new table (name -> value, both owned). */
GHashTable *
tf_lwm2m_attrs_new (void);
/* Parses the Uri-Query options of a Write-Attributes request ("pmin=10", "gt=2.5", "pmax" to
 * remove pmax). Unknown names and bad values are 4.00 errors. */
GHashTable *
tf_lwm2m_attrs_parse_query (const char *const *queries, guint n_queries, GError **error);
/* Checks names and values and that gt/lt/st/edge are set on resources only. */
gboolean
tf_lwm2m_attrs_validate (const TfLwm2mPath *p, GHashTable *attrs, GError **error);
/* Checks a merged (effective) set: lt < gt and lt + 2*st < gt when both are set. */
gboolean
tf_lwm2m_attrs_check_consistent (GHashTable *attrs, GError **error);
/* Reads a numeric attribute; FALSE when absent or not a number. */
gboolean
tf_lwm2m_attrs_get_double (GHashTable *attrs, const char *name, gdouble *out);

G_END_DECLS
