/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lab.h"

G_BEGIN_DECLS

/* The TestFest floor of a lab: the event ([lab] event = FILE), its schedule,
 * the test sessions on the lab's boards, their verdicts and reports. Created
 * by the daemon's main beside the lab it stands on; it follows the lab's
 * boards through the lab's signals ("board-added", "board-removed"), and the
 * lab never knows it exists. */
typedef struct _TfFloor TfFloor;

/* Loads the event named by the lab file, its catalogue and what the store
 * kept, and takes the lab's verbs for sessions. */
TfFloor *
tf_floor_new (TfLab *lab, GError **error);
void
tf_floor_free (TfFloor *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFloor, tf_floor_free)

/* After the lab file was reloaded: the event file read again when it changed
 * (the schedule carried over, what ran stays), boards it removed re-planned
 * around. */
gboolean
tf_floor_reload (TfFloor *f, GError **error);

G_END_DECLS
