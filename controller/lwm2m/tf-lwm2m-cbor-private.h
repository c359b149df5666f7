/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libcbor helpers shared by the CBOR codecs; not for users of the library. */
#include <cbor.h>
#include <glib.h>

G_BEGIN_DECLS

static inline void
tf_lwm2m_cbor_item_unref (cbor_item_t *item)
{
  cbor_decref (&item);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cbor_item_t, tf_lwm2m_cbor_item_unref)

/* One well-formed item nested at most @depth deep (checked before libcbor builds it). */
cbor_item_t *
tf_lwm2m_cbor_load (const guint8 *data, gsize len, guint depth, GError **error);
/* A definite UTF-8 text string without NUL as a copy, NULL for anything else. */
char *
tf_lwm2m_cbor_text (cbor_item_t *it);

G_END_DECLS
