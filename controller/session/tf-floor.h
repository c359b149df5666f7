/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lab.h"

G_BEGIN_DECLS

/* The TestFest floor of a lab: the event ([lab] event = FILE), its schedule,
 * the test sessions on the lab's boards, their verdicts and reports. Lives as
 * long as @lab (kept on it); nothing happens when the lab has no event. */
typedef struct _TfFloor TfFloor;

gboolean
tf_floor_attach (TfLab *lab, GError **error);
TfFloor *
tf_floor_get (TfLab *lab);
/* After the lab file was reloaded: the event file read again when it changed
 * (the schedule carried over, what ran stays), boards the reload added
 * watched, boards it removed re-planned around. */
gboolean
tf_floor_reload (TfLab *lab, GError **error);

G_END_DECLS
