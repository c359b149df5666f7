/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-event.h"

G_BEGIN_DECLS

/* The sessions an event needs: who must meet whom. */
typedef struct
{
  GArray *pairs;     /* TfPair, clients in file order then servers in file order */
  GArray *must_meet; /* gboolean per pair: added by [pairs] must-meet */
  GPtrArray *notes;  /* gchar *: implementations and pairs left out, and why */
} TfPairings;

TfPairings *
tf_pairings_list (const TfEvent *event);
TfPairings *
tf_pairings_compute (const TfEvent *event, GError **error);
gboolean
tf_pairings_check_feasible (const TfEvent *event, const TfPairings *pairings, GError **error);
void
tf_pairings_free (TfPairings *pairings);
gboolean
tf_pairings_compatible (const TfEvent *event, guint client, guint server);
gchar *
tf_pairing_id (const TfEvent *event, guint client, guint server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfPairings, tf_pairings_free)

G_END_DECLS
