/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the floor's automated cases (tf-floor-ets.c: the batch a `run` asks for;
 * tf-floor-ets-case.c: one case's runner process). */
#include "tf-floor-private.h"

G_BEGIN_DECLS

typedef struct
{
  TfFloor *floor; /* NULL once the floor is gone */
  char *session;
  gboolean server_side; /* the session's server under test (the lab's client plays the ETS's) */
  guint16 client_port;  /* server side: the lab client's UDP port on the [ets] address */
  GArray *todo; /* gint case ids, in order */
  guint next;
  JsonBuilder *results;
  GTask *task;
  /* the case running */
  gint case_id;
  GSubprocess *proc;
  GDataInputStream *ctl;
  GCancellable *cancel;
  gint64 started_at;
  guint timeout_id;
  char *why_stopped; /* the lab stopped the runner: why (Inconclusive) */
  gboolean skipped;  /* ... because the lab cannot set the case up: no verdict, a person's */
  guint waiting;     /* the runner's exit and the end of its control lines */
  GBytes *out, *err;
} Batch;

/* tf-floor-ets.c */
void
tf_floor_ets_batch_free (Batch *b);
/* the next case of the batch, or its end */
void
tf_floor_ets_run_next (Batch *b);
/* one line of the batch's answer; @verdict NULL: nothing entered, a person's case */
void
tf_floor_ets_add_result (Batch *b, gint case_id, const char *verdict, const char *note);

/* tf-floor-ets-case.c */
gboolean
tf_floor_ets_case_needs_psk (const TfCase *c);
/* starts @c's runner for @b; its end enters the verdict and goes on with the batch */
gboolean
tf_floor_ets_spawn (Batch *b, TfSession *s, const TfCase *c, GError **error);
/* the server side's ("--server-under-test") arguments after the runner's path */
void
tf_floor_ets_sut_args (Batch *b, TfSession *s, const TfCase *c, GPtrArray *argv);
/* why the lab cannot run @s's server side (NULL: it can) */
char *
tf_floor_ets_sut_refusal (TfFloor *f, TfSession *s);
/* publishes an operator's step of @b's case on the session's console topic of both companies */
void
tf_floor_ets_tell_operator (Batch *b, TfSession *s, const char *text);

G_END_DECLS
