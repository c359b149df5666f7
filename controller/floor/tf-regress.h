/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lab.h"

G_BEGIN_DECLS

/* Nightly regression on the lab's boards (LAVA's job queue, done in the
 * daemon): plans expand to jobs (board or board type x image x suite), jobs
 * run on free, healthy boards, a TestFest lease always wins, everything is
 * stored before it starts and resumed after a restart. Made by the daemon's
 * main beside the lab, whether or not the lab names a TestFest event. */
typedef struct _TfRegress TfRegress;

TfRegress *
tf_regress_new (TfLab *lab, GError **error);
void
tf_regress_free (TfRegress *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfRegress, tf_regress_free)

G_END_DECLS
