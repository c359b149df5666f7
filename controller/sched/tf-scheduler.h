/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-pairings.h"
#include "tf-schedule.h"

G_BEGIN_DECLS

guint
tf_scheduler_lower_bound (const TfEvent *event, const TfPairings *pairings);
TfSchedule *
tf_scheduler_solve (TfEvent *event, const TfPairings *pairings, GError **error);
TfSchedule *
tf_scheduler_solve_seeded (TfEvent *event, const TfPairings *pairings, guint32 seed,
                           GError **error);
TfSchedule *
tf_scheduler_first_fit (TfEvent *event, const TfPairings *pairings, GError **error);

G_END_DECLS
