/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Proper edge colouring of a bipartite multigraph with as many colours as
 * its largest degree allows (Kőnig), by alternating paths, then balanced so
 * that colour classes differ in size by at most one (de Werra). */
typedef struct
{
  guint n_left;
  guint n_right;
  guint n_edges;
  const guint *left;  /* per edge: its left vertex */
  const guint *right; /* per edge: its right vertex */
} TfBigraph;

gboolean
tf_edge_colour (const TfBigraph *graph, guint n_colours, guint *colour);
void
tf_edge_colour_balance (const TfBigraph *graph, guint n_colours, guint *colour);

G_END_DECLS
