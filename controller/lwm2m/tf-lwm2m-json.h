/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* LwM2M JSON 1.0 (application/vnd.oma.lwm2m+json, 11543 and 1543; LwM2M 1.1 Core §7.4.5):
 * {"bn":"/3/0/","bt":..,"e":[{"n":"0","sv":"..."},{"n":"6/0","v":1},{"n":"x","bv":true},
 * {"n":"y","ov":"3:0"}]}. Opaque values are base64 in "sv". */
GPtrArray *
tf_lwm2m_json_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_json_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);

G_END_DECLS
