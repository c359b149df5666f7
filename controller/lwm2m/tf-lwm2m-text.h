/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* text/plain (LwM2M 1.1 Core §7.4.1): one value at a resource or resource instance; its type
 * comes from the registry (STRING when unknown). Opaque values are base64 in text. */
GPtrArray *
tf_lwm2m_text_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_text_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);
/* application/octet-stream (§7.4.2): one OPAQUE value. */
GPtrArray *
tf_lwm2m_opaque_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_opaque_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);

G_END_DECLS
