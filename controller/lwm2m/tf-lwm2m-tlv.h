/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* OMA-TLV (LwM2M 1.1 Core §7.4.3), content formats 11542 and 1542. Types of values come from
 * the registry (unknown resources decode as OPAQUE). A request on /O may carry resources
 * without an instance TLV (Create): their instance id is then 65535. */
GPtrArray *
tf_lwm2m_tlv_decode (const TfLwm2mPath *path, const guint8 *data, gsize len, GError **error);
GBytes *
tf_lwm2m_tlv_encode (const TfLwm2mPath *path, GPtrArray *records, GError **error);

G_END_DECLS
