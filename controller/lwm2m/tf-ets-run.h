/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-ets-clock.h"
#include "tf-lwm2m-server.h"

G_BEGIN_DECLS

/* One ETS interoperability case run against a client under test: the lab's reference server
 * (in this process) plays the ETS's LwM2M server, follows the case's procedure and judges the
 * pass criteria from the messages actually exchanged. */

typedef enum
{
  TF_ETS_VERDICT_PASS,
  TF_ETS_VERDICT_FAIL,
  TF_ETS_VERDICT_INCONCLUSIVE,
  TF_ETS_VERDICT_NOT_APPLICABLE,
} TfEtsVerdict;

const char *
tf_ets_verdict_to_string (TfEtsVerdict v);
/* The script hook's exit code (tf-floor-script.c): 0 Pass, 1 Fail, 77 N/A, 2 Inconclusive. */
int
tf_ets_verdict_exit_code (TfEtsVerdict v);

typedef struct _TfEtsRun TfEtsRun;

/* Writes @line to the console of the client under test (the lab's provisioning language);
 * FALSE when there is none. */
typedef gboolean (*TfEtsConsoleFunc) (const char *line, gpointer user_data);

typedef struct
{
  const char *version;         /* "1.0" or "1.1": the ETS the case belongs to */
  const char *endpoint;        /* the client's endpoint name */
  const char *server_uri;      /* where the reference server listens: coap:// or coaps:// */
  guint register_wait_s;       /* how long the client may take to register */
  guint answer_wait_s;         /* how long one request may wait for its answer */
  guint short_lifetime_s;      /* the lifetime 107 sets (10) */
  guint pmin_s, pmax_s;        /* the attributes the observation cases set (1, 3) */
  const char *deregister_line; /* what makes the client de-register ("lwm2m stop") */
  const char *send_line;       /* what makes the client Send /3/0/9 and /3/0/13 */
  const char *send_res_line;   /* what makes it Send /1/0/1 and /3/0/11 (311) */
  guint queue_window_s;        /* how long a queue-mode client listens (0: 93, the default) */
  GBytes *firmware;            /* a firmware package for the client (NULL: the lab client's) */
  TfEtsConsoleFunc console;
  gpointer console_data;
  /* FALSE when the lab knows the client's power or link is down (NULL: it knows nothing, and
   * a client that answers nothing at all is taken to be unreachable) */
  gboolean (*infra_up) (gpointer user_data);
  /* Called (with console_data) when the reference server accepts a Bootstrap-Request of the
   * client under test (its 2.04 sent): the bootstrap sequence starts. May be NULL. */
  void (*bootstrapping) (gpointer user_data);
} TfEtsSetup;

/* A case the runner knows, for @version ("1.0", "1.1"). */
typedef void (*TfEtsCaseFunc) (TfEtsRun *run);
typedef struct
{
  gint id;
  const char *versions; /* "1.0 1.1" */
  const char *name;
  TfEtsCaseFunc func;
} TfEtsCase;

/* NULL-terminated by func. */
const TfEtsCase *
tf_ets_cases (void);
const TfEtsCase *
tf_ets_case_find (const char *version, gint id);

/* @server listens already; the client under test registers there. */
TfEtsRun *
tf_ets_run_new (TfLwm2mServer *server, const TfEtsSetup *setup);
void
tf_ets_run_free (TfEtsRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEtsRun, tf_ets_run_free)

/* Runs @c to its verdict (iterating the thread-default main context). */
TfEtsVerdict
tf_ets_run_case (TfEtsRun *run, const TfEtsCase *c);
/* The verdict, its criterion and reason, the criteria checked and the decoded exchange. */
JsonNode *
tf_ets_run_to_json (TfEtsRun *run);

/* --- for the case functions (tf-ets-cases*.c) ---------------------------------------- */

const char *
tf_ets_run_version (TfEtsRun *run);
guint
tf_ets_run_short_lifetime (TfEtsRun *run);
void
tf_ets_run_periods (TfEtsRun *run, guint *pmin, guint *pmax);
const char *
tf_ets_run_deregister_line (TfEtsRun *run);
const char *
tf_ets_run_server_uri (TfEtsRun *run);
/* The firmware package to give the client (Firmware Update cases). */
GBytes *
tf_ets_run_firmware (TfEtsRun *run);
/* The reference server (to serve a firmware package from, tf_lwm2m_server_serve). */
TfLwm2mServer *
tf_ets_run_server (TfEtsRun *run);
const char *
tf_ets_run_send_line (TfEtsRun *run);
const char *
tf_ets_run_send_res_line (TfEtsRun *run);
guint
tf_ets_run_register_wait (TfEtsRun *run);
guint
tf_ets_run_answer_wait (TfEtsRun *run);
guint
tf_ets_run_queue_window (TfEtsRun *run);
/* The bootstrap sequence the reference server runs for the client (before it asks). */
void
tf_ets_run_set_bootstrap (TfEtsRun *run, GPtrArray *steps);
/* A PSK identity and key the reference server accepts from now on (the credentials a
 * bootstrap hands out). */
void
tf_ets_run_set_psk (TfEtsRun *run, const char *identity, GBytes *key);
/* The decoded exchange so far (JsonNode, borrowed). */
GPtrArray *
tf_ets_run_exchange (TfEtsRun *run);
/* The liveness probe that tells an absence of messages the case asks for from a client that
 * is gone: a Read of /3/0/0 on its registration, any answer will do; without one, the lab's
 * word on the power and link (TfEtsSetup.infra_up) decides: up, the silence is the client's
 * own (TRUE); down or unknown, FALSE and Inconclusive. (Not a CoAP ping from another socket:
 * clients on connected UDP sockets, as libcoap's, never see it.) */
gboolean
tf_ets_run_alive (TfEtsRun *run);
/* The same judgement for a bootstrap step (@what, "step N: ...") left unanswered, or a
 * sequence that did not end: the client has no registration to ask /3/0/0 of yet, and the
 * step's own CoAP retransmissions went unanswered (libcoap sends no ping while a CON is
 * outstanding), so the lab's word on power and link decides as in tf_ets_run_alive: up, the
 * silence is the client's own (TRUE, the criterion is the case's to fail); down or unknown,
 * FALSE and Inconclusive as the infrastructure's. */
gboolean
tf_ets_run_bootstrap_alive (TfEtsRun *run, const char *what);
/* The registration of the client under test, waiting for it (initially) up to the set-up's
 * register_wait_s; NULL (and Inconclusive) when it never came. */
const TfLwm2mRegistration *
tf_ets_run_registration (TfEtsRun *run);
/* The decoded Register request the registration came with (JSON of the exchange). */
JsonObject *
tf_ets_run_register_message (TfEtsRun *run);
/* Sends @req and waits for its answer; NULL (and Inconclusive) when none came. */
TfLwm2mResponse *
tf_ets_run_request (TfEtsRun *run, TfLwm2mRequest *req);
/* The same, but a silence of a client that still answers the liveness probe fails @crit. */
TfLwm2mResponse *
tf_ets_run_request_for (TfEtsRun *run, TfLwm2mRequest *req, const char *crit);
/* Cancels observation @id by RST on its next notification or by GET Observe=1. */
TfLwm2mResponse *
tf_ets_run_cancel (TfEtsRun *run, guint observation, gboolean reset);

typedef enum
{
  TF_ETS_EVENT_REGISTERED,
  TF_ETS_EVENT_UPDATED,
  TF_ETS_EVENT_DEREGISTERED,
  TF_ETS_EVENT_EXPIRED,
  TF_ETS_EVENT_REJECTED, /* a request of the client the server refused (an Update as PUT) */
  TF_ETS_EVENT_NOTIFICATION,
  TF_ETS_EVENT_BOOTSTRAPPED, /* detail: NULL, or why the sequence failed */
  TF_ETS_EVENT_SEND,         /* records: what the Send carried (answered 2.04) */
  TF_ETS_EVENT_DTLS_FAILURE, /* detail: a DTLS handshake with the server that failed, and why */
} TfEtsEventKind;

typedef struct
{
  TfEtsEventKind kind;
  gint64 time_us; /* monotonic */
  char *detail;   /* "lt=20", why it was rejected, ... */
  guint observation;
  gint observe_seq;
  GPtrArray *records; /* of a notification */
  gboolean after_cancel;
  gboolean lab_side;    /* a bootstrap that failed on the lab's side (its DTLS session broke) */
  gboolean unanswered;  /* a bootstrap whose step went unanswered (retransmissions exhausted) */
  gboolean undelivered; /* a bootstrap whose step was not delivered (an ICMP error) */
} TfEtsEvent;

/* Events since the run began (TfEtsEvent, borrowed). */
GPtrArray *
tf_ets_run_events (TfEtsRun *run);
/* The DTLS handshakes with the server that failed from event @from on: how many (@n) and the
 * last one's reason (NULL: none). */
const char *
tf_ets_run_dtls_failures (TfEtsRun *run, guint from, guint *n);
/* Waits up to @ms for an event of one of @kinds (a bit mask of 1 << kind) at index >= @from;
 * returns its index or -1 when none came. Never fails the case: absence may be the criterion. */
gint
tf_ets_run_wait_event (TfEtsRun *run, guint kinds, guint from, guint ms);
/* Lets @ms pass with the exchange going on. */
void
tf_ets_run_sleep (TfEtsRun *run, guint ms);
/* Writes @line to the client's console; Inconclusive when there is none. */
gboolean
tf_ets_run_console (TfEtsRun *run, const char *line);

/* Records pass criterion @criterion ("A") as checked: on @ok FALSE the case Fails here, with
 * the reason and the last message received. Returns @ok. */
gboolean
tf_ets_check (TfEtsRun *run, const char *criterion, gboolean ok, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);
/* The exchange could not be completed for a reason outside the implementation. */
void
tf_ets_inconclusive (TfEtsRun *run, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* A decided case (Fail or Inconclusive): the case function returns at once. */
gboolean
tf_ets_run_decided (TfEtsRun *run);

/* --- timing criteria (tf-ets-verdict.c; the rule: README, "Timing criteria") -------- */

/* The arrival times of the client's messages and the runner's own lateness. */
TfEtsClock *
tf_ets_run_clock (TfEtsRun *run);
/* The arrival (monotonic µs) of the last message received: a reference point that does not
 * move when the runner is late handling it. */
gint64
tf_ets_run_last_arrival (TfEtsRun *run);
/* Handles what is ready now (datagrams waiting in the kernel, timers due), bounded. */
void
tf_ets_run_drain (TfEtsRun *run);
/* Timing criterion @criterion: the client's measured time fell outside the bound and its
 * tolerance by @miss_us (<= 0: it held). A miss no larger than the runner's own lateness
 * since @since_us (monotonic) is Inconclusive ("the lab was late by X ms"); a larger one
 * Fails, the reason @fmt (the measured times and the bound) with the miss and the lateness. */
gboolean
tf_ets_check_timing (TfEtsRun *run, const char *criterion, gint64 since_us, gint64 miss_us,
                     const char *fmt, ...) G_GNUC_PRINTF (5, 6);

G_END_DECLS
