/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* Values in any LwM2M content format <-> records (a GPtrArray of TfLwm2mRecord* owning them).
 * @path is the request's path: TLV, plain text, opaque and CBOR carry no types, so the types
 * come from the registry (unknown resources: OPAQUE for TLV, STRING for text). Errors are in
 * TF_LWM2M_ERROR (4.00 malformed, naming what and where, 4.06 a format that cannot hold the
 * records, 4.13 too large, 4.15 a format not supported). Inputs are bounded: at most 1 MiB,
 * nesting (CBOR/JSON) at most 16 deep, at most 4096 records. */
GPtrArray *
tf_lwm2m_decode (guint cf, const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_encode (guint cf, const TfLwm2mPath *path, GPtrArray *records, GError **error);
/* The path list of a Read-Composite or Observe-Composite request body: SenML JSON or CBOR
 * records with names only (any value is ignored); a GArray of TfLwm2mPath. Bounded as above. */
GArray *
tf_lwm2m_decode_paths (guint cf, const guint8 *data, gsize len, GError **error);
/* Such a body for @paths: [{"n":"/3/0/0"},...] (SenML JSON or CBOR). */
GBytes *
tf_lwm2m_encode_paths (guint cf, const TfLwm2mPath *paths, guint n_paths, GError **error);
/* Formats that carry values: text, opaque, CBOR, SenML JSON/CBOR, TLV and LwM2M JSON (both
 * numbers each). Link format (40) is parsed by tf-lwm2m-link.h, not here. */
gboolean
tf_lwm2m_cf_supported (guint cf);

G_END_DECLS
