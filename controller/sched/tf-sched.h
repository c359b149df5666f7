/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The scheduler's public API: what the CLI and the daemon call.
 *
 *   tf_event_load_file()        event file -> TfEvent (FILE:LINE errors)
 *   tf_pairings_compute()       who meets whom; refuses infeasible input
 *   tf_scheduler_solve()        slot, table and board for every pairing
 *   tf_scheduler_replan()       after a fault, from the current slot on
 *   tf_schedule_to_json/text/csv/ics(), tf_schedule_from_json()
 *   tf_schedule_check()         every violated rule of any schedule
 */
#include "tf-event.h"
#include "tf-pairings.h"
#include "tf-replan.h"
#include "tf-schedule.h"
#include "tf-scheduler.h"
