/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-ets-clock.h"
#include "tf-ets-run.h"

G_BEGIN_DECLS

/* The run's state (tf-ets-run.c). */
struct _TfEtsRun
{
  TfLwm2mServer *server;
  guint probe_from, probe_to; /* the last probe's messages in the exchange: not the breaker */
  char *version;
  char *endpoint;
  guint register_wait_s;
  guint answer_wait_s;
  guint short_lifetime, pmin, pmax, queue_window;
  char *deregister_line;
  char *send_line, *send_res_line;
  char *peer; /* the client's address as last seen (Register, Update) */
  char *server_uri;
  GBytes *firmware;
  TfEtsConsoleFunc console;
  gpointer console_data;
  gboolean (*infra_up) (gpointer user_data);
  void (*bootstrapping) (gpointer user_data); /* TfEtsSetup.bootstrapping */
  GPtrArray *exchange;                        /* JsonNode, in the order sent and received */
  guint exchange_dropped;                     /* messages past its bound, not recorded */
  GPtrArray *events;                          /* TfEtsEvent */
  GPtrArray *criteria;                        /* JsonNode {"id","ok","what"} */
  gint register_msg;                          /* index into exchange, -1 */
  gboolean registered;
  const TfEtsCase *c;
  TfEtsVerdict verdict;
  gboolean decided;
  char *criterion;
  char *reason;
  JsonNode *message; /* the message that broke the criterion */
  gint64 started_us, finished_us, started_mono;
  gulong handlers[9];
  TfEtsClock *clock; /* arrivals (the time of the events they cause) and the runner's lateness */
};

/* tf-ets-verdict.c: the liveness probe's outcome, recorded among the criteria */
void
tf_ets_run_add_probe (TfEtsRun *run, gboolean ok, const char *what);

G_END_DECLS
