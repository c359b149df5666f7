/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* SenML CBOR (RFC 8428 §6; application/senml+cbor, 112): the SenML JSON records with integer
 * labels (bn -2, bt -3, n 0, v 2, vs 3, vb 4, t 6, vd 8; "vlo" stays a text label). */
GPtrArray *
tf_lwm2m_senml_cbor_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_senml_cbor_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);
/* application/cbor (60; LwM2M 1.1 Core §7.4.6): one value at a resource (instance). */
GPtrArray *
tf_lwm2m_cbor_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_cbor_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);
/* Fails when CBOR @data is not one well-formed item nested at most @max_depth deep; checked
 * before libcbor builds anything. */
gboolean
tf_lwm2m_cbor_check (const guint8 *data, gsize len, guint max_depth, GError **error);

G_END_DECLS
