/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-sched.h"

G_BEGIN_DECLS

/* The tests' own judge of a timetable, written apart from tf_schedule_check()
 * and re-deriving every rule from the event's fields. */
GPtrArray *
tf_test_checker_run (const TfEvent *event, const TfSchedule *schedule);
void
tf_test_assert_valid (const TfEvent *event, const TfSchedule *schedule);

G_END_DECLS
