/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-edge-colour.h"

typedef struct
{
  const TfBigraph *graph;
  guint k;
  gint *at; /* vertex x colour -> edge or -1 */
  guint *colour;
  GArray *path;
} Colouring;

static guint
other_end (const TfBigraph *g, guint e, guint v)
{
  guint l = g->left[e];
  guint r = g->n_left + g->right[e];
  return v == l ? r : l;
}

static gint *
slot_at (Colouring *c, guint v, guint col)
{
  return &c->at[(gsize)v * c->k + col];
}

/* Collects the path leaving @v by colour @a, then @b, then @a... */
static void
walk (Colouring *c, guint v, guint a, guint b)
{
  guint col = a;
  g_array_set_size (c->path, 0);
  for (;;)
    {
      gint e = *slot_at (c, v, col);
      if (e < 0)
        break;
      g_array_append_val (c->path, e);
      v = other_end (c->graph, e, v);
      col = col == a ? b : a;
    }
}

/* Exchanges colours @a and @b on the edges of c->path. */
static void
flip_path (Colouring *c, guint a, guint b)
{
  const TfBigraph *g = c->graph;
  for (guint k = 0; k < c->path->len; k++)
    {
      guint e = g_array_index (c->path, gint, k);
      *slot_at (c, g->left[e], c->colour[e]) = -1;
      *slot_at (c, g->n_left + g->right[e], c->colour[e]) = -1;
    }
  for (guint k = 0; k < c->path->len; k++)
    {
      guint e = g_array_index (c->path, gint, k);
      c->colour[e] = c->colour[e] == a ? b : a;
      *slot_at (c, g->left[e], c->colour[e]) = e;
      *slot_at (c, g->n_left + g->right[e], c->colour[e]) = e;
    }
}

static gint
free_colour (Colouring *c, guint v)
{
  for (guint col = 0; col < c->k; col++)
    {
      if (*slot_at (c, v, col) < 0)
        return col;
    }
  return -1;
}

static void
colouring_init (Colouring *c, const TfBigraph *g, guint k, guint *colour)
{
  gsize n = (gsize)(g->n_left + g->n_right) * k;
  c->graph = g;
  c->k = k;
  c->colour = colour;
  c->at = g_new (gint, n + 1);
  for (gsize i = 0; i < n; i++)
    c->at[i] = -1;
  c->path = g_array_new (FALSE, FALSE, sizeof (gint));
}

static void
colouring_clear (Colouring *c)
{
  g_free (c->at);
  g_array_unref (c->path);
}

/**
 * tf_edge_colour:
 * @colour: (out): one colour in [0, n_colours) per edge
 *
 * Returns: %FALSE when some vertex has more than @n_colours edges.
 */
gboolean
tf_edge_colour (const TfBigraph *g, guint n_colours, guint *colour)
{
  Colouring c;
  gboolean ok = TRUE;
  if (n_colours == 0)
    return g->n_edges == 0;
  colouring_init (&c, g, n_colours, colour);
  for (guint e = 0; e < g->n_edges && ok; e++)
    {
      guint u = g->left[e];
      guint v = g->n_left + g->right[e];
      gint a = free_colour (&c, u);
      gint b = free_colour (&c, v);
      if (a < 0 || b < 0)
        {
          ok = FALSE;
          break;
        }
      if (*slot_at (&c, v, a) >= 0)
        {
          /* make a free at v: the a/b path from v cannot reach u (bipartite) */
          walk (&c, v, a, b);
          flip_path (&c, a, b);
        }
      colour[e] = a;
      *slot_at (&c, u, a) = e;
      *slot_at (&c, v, a) = e;
    }
  colouring_clear (&c);
  return ok;
}

/**
 * tf_edge_colour_balance:
 *
 * While two classes differ by two or more, some component of their union is
 * a path with one more edge of the larger class at both ends; exchanging its
 * colours moves one edge across and keeps the colouring proper.
 */
void
tf_edge_colour_balance (const TfBigraph *g, guint n_colours, guint *colour)
{
  Colouring c;
  g_autofree guint *size = g_new0 (guint, n_colours + 1);
  guint n_vertices = g->n_left + g->n_right;
  if (n_colours == 0)
    return;
  colouring_init (&c, g, n_colours, colour);
  for (guint e = 0; e < g->n_edges; e++)
    {
      *slot_at (&c, g->left[e], colour[e]) = e;
      *slot_at (&c, g->n_left + g->right[e], colour[e]) = e;
      size[colour[e]]++;
    }
  for (;;)
    {
      guint a = 0, b = 0;
      gboolean moved = FALSE;
      for (guint col = 1; col < n_colours; col++)
        {
          if (size[col] > size[a])
            a = col;
          if (size[col] < size[b])
            b = col;
        }
      if (size[a] <= size[b] + 1)
        break;
      for (guint v = 0; v < n_vertices && !moved; v++)
        {
          if (*slot_at (&c, v, a) < 0 || *slot_at (&c, v, b) >= 0)
            continue;
          walk (&c, v, a, b);
          if (c.path->len % 2 == 1)
            {
              flip_path (&c, a, b);
              size[a]--;
              size[b]++;
              moved = TRUE;
            }
        }
      if (!moved)
        {
          g_critical ("colour classes %u and %u cannot be balanced", a, b);
          break;
        }
    }
  colouring_clear (&c);
}
