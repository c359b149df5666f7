/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Seeded random events, as event file text, for tests and the benchmark. */
typedef struct
{
  guint n_clients;
  guint n_servers;
  guint n_companies; /* 0: one per three implementations, at least 2 */
  guint32 seed;
  gboolean bipartite;     /* no shared teams, absences or shared boards */
  gdouble p_shared_team;  /* an implementation shares its team with another of its company */
  gdouble p_capacity;     /* a server takes 2 or 3 sessions at once */
  gdouble p_absent;       /* an implementation arrives late, leaves early or is away */
  gdouble p_opt_out;      /* per compatible pair */
  gdouble p_must_meet;    /* per incompatible pair */
  gdouble p_shared_board; /* a client shares its board with another client of its company */
  gdouble p_spare_board;  /* a client brings a second board */
  gdouble p_excluded;     /* entry criteria not passed */
  guint tables;           /* 0: chosen at random */
} TfEventGenParams;

void
tf_event_gen_params_init (TfEventGenParams *params, guint n_clients, guint n_servers, guint32 seed,
                          gboolean bipartite);
gchar *
tf_event_gen (const TfEventGenParams *params);

G_END_DECLS
