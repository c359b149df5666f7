/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-grid.h"

G_BEGIN_DECLS

gboolean
tf_grid_search (TfGrid *grid, GArray *unplaced, guint64 budget, GRand *rand);
void
tf_grid_improve (TfGrid *grid, guint64 iterations, GRand *rand);

G_END_DECLS
