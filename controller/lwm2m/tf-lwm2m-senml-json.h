/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* SenML JSON (RFC 8428; application/senml+json, 110; LwM2M 1.1 Core §7.4.7): an array of
 * records with bn/bt/n/t and one of v, vs, vb, vd (base64url) or the LwM2M "vlo" ("O:I"). */
GPtrArray *
tf_lwm2m_senml_json_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_senml_json_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);

G_END_DECLS
