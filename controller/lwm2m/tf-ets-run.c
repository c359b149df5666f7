/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The frame of an automated ETS case: the exchange recorded decoded, the server's events,
 * bounded waits and the verdict from the first criterion that did not hold. The case
 * functions read as the ETS procedure does, one step after the other: every wait
 * here iterates the thread-default main context until what it waits for has happened or its
 * deadline (a timeout source, no polling) has passed. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-coap-source.h"
#include "tf-error.h"
#include "tf-ets-clock.h"
#include "tf-ets-run.h"

#include <string.h>

#include "tf-ets-run-private.h"

const TfEtsCase *
tf_ets_case_find (const char *version, gint id)
{
  for (const TfEtsCase *c = tf_ets_cases (); c->func != NULL; c++)
    {
      g_auto (GStrv) v = g_strsplit (c->versions, " ", -1);
      if (c->id == id && g_strv_contains ((const char *const *)v, version))
        return c;
    }
  return NULL;
}

static void
event_free (TfEtsEvent *e)
{
  g_free (e->detail);
  if (e->records != NULL)
    g_ptr_array_unref (e->records);
  g_free (e);
}

static TfEtsEvent *
add_event (TfEtsRun *run, TfEtsEventKind kind, const char *detail)
{
  TfEtsEvent *e = g_new0 (TfEtsEvent, 1);
  e->kind = kind;
  e->time_us = kind != TF_ETS_EVENT_EXPIRED && kind < TF_ETS_EVENT_BOOTSTRAPPED
                   ? tf_ets_clock_last_arrival (run->clock)
                   : g_get_monotonic_time ();
  e->detail = g_strdup (detail);
  e->observe_seq = -1;
  g_ptr_array_add (run->events, e);
  return e;
}

/* A Bootstrap-Request received: POST with Uri-Path "bs" (option 11). */
static gboolean
is_bootstrap_request (JsonNode *n)
{
  JsonObject *o = json_node_get_object (n);
  JsonArray *opts;
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "dir", ""), "in") != 0
      || g_strcmp0 (json_object_get_string_member_with_default (o, "code", ""), "POST") != 0
      || !json_object_has_member (o, "options"))
    return FALSE;
  opts = json_object_get_array_member (o, "options");
  for (guint i = 0; i < json_array_get_length (opts); i++)
    {
      JsonArray *op = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (op, 0) == 11
          && g_strcmp0 (json_array_get_string_element (op, 1), "bs") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
on_exchange (const TfCoapMessage *m, gpointer user_data)
{
  TfEtsRun *run = user_data;
  gint64 rx = -1;
  JsonNode *n;
  if (!m->outgoing)
    tf_ets_clock_received (run->clock, &rx);
  /* bounded: a chatty client (or a package of over 5000 blocks) cannot grow the evidence
   * without limit; what is left out is counted */
  if (run->exchange->len >= 10000 && ++run->exchange_dropped > 0)
    return;
  n = tf_coap_message_to_json (m);
  tf_ets_exchange_set_rx (n, rx);
  if (m->outgoing && run->bootstrapping != NULL && run->exchange->len > 0
      && is_bootstrap_request (g_ptr_array_index (run->exchange, run->exchange->len - 1))
      && g_strcmp0 (
             json_object_get_string_member_with_default (json_node_get_object (n), "code", ""),
             "2.04")
             == 0)
    run->bootstrapping (run->console_data);
  g_ptr_array_add (run->exchange, n);
}

static gboolean
is_ours (TfEtsRun *run, const char *endpoint)
{
  return g_strcmp0 (endpoint, run->endpoint) == 0;
}

static void
on_registered (TfLwm2mServer *s, const TfLwm2mRegistration *r, TfEtsRun *run)
{
  g_autofree char *d = NULL;
  if (!is_ours (run, r->endpoint))
    return;
  d = g_strdup_printf ("lt=%u b=%s lwm2m=%s", r->lifetime, r->binding, r->version);
  /* the Register request is the last message received before its answer */
  for (gint i = (gint)run->exchange->len - 1; i >= 0 && run->register_msg < 0; i--)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (run->exchange, i));
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "dir", ""), "in") == 0
          && g_strcmp0 (json_object_get_string_member_with_default (o, "code", ""), "POST") == 0)
        run->register_msg = i;
    }
  run->registered = TRUE;
  g_free (run->peer);
  run->peer = g_strdup (r->peer);
  add_event (run, TF_ETS_EVENT_REGISTERED, d);
}

static void
on_updated (TfLwm2mServer *s, const TfLwm2mRegistration *r, TfEtsRun *run)
{
  g_autofree char *d = NULL;
  if (!is_ours (run, r->endpoint))
    return;
  d = g_strdup_printf ("lt=%u", r->lifetime);
  g_free (run->peer);
  run->peer = g_strdup (r->peer);
  add_event (run, TF_ETS_EVENT_UPDATED, d);
}

static void
on_deregistered (TfLwm2mServer *s, const TfLwm2mRegistration *r, TfEtsRun *run)
{
  if (is_ours (run, r->endpoint))
    add_event (run, TF_ETS_EVENT_DEREGISTERED, NULL);
}

static void
on_expired (TfLwm2mServer *s, const TfLwm2mRegistration *r, TfEtsRun *run)
{
  if (is_ours (run, r->endpoint))
    add_event (run, TF_ETS_EVENT_EXPIRED, NULL);
}

static void
on_rejected (TfLwm2mServer *s, const char *endpoint, const char *why, TfEtsRun *run)
{
  if (is_ours (run, endpoint))
    add_event (run, TF_ETS_EVENT_REJECTED, why);
}

static void
on_notification (TfLwm2mServer *s, const char *endpoint, const TfLwm2mResponse *r, TfEtsRun *run)
{
  TfEtsEvent *e;
  if (!is_ours (run, endpoint))
    return;
  e = add_event (run, TF_ETS_EVENT_NOTIFICATION, NULL);
  e->observation = r->observation;
  e->observe_seq = r->observe_seq;
  e->after_cancel = r->after_cancel;
  if (r->records != NULL)
    e->records = g_ptr_array_ref (r->records);
}

static void
on_bootstrap_finished (TfLwm2mServer *s, const char *endpoint, const GError *error, TfEtsRun *run)
{
  if (is_ours (run, endpoint))
    {
      TfEtsEvent *e
          = add_event (run, TF_ETS_EVENT_BOOTSTRAPPED, error != NULL ? error->message : NULL);
      e->lab_side = g_error_matches (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE);
      /* no answer to a step: retransmissions exhausted, or not delivered (an ICMP error) */
      e->unanswered = g_error_matches (error, TF_ERROR, TF_ERROR_TIMED_OUT);
      e->undelivered = g_error_matches (error, TF_ERROR, TF_ERROR_IO);
    }
}

static void
on_send (TfLwm2mServer *s, const char *endpoint, const TfLwm2mResponse *r, TfEtsRun *run)
{
  TfEtsEvent *e;
  if (!is_ours (run, endpoint))
    return;
  e = add_event (run, TF_ETS_EVENT_SEND, NULL);
  if (r->records != NULL)
    e->records = g_ptr_array_ref (r->records);
}

static void
on_dtls_failure (TfLwm2mServer *s, const char *why, TfEtsRun *run)
{
  /* the runner's server listens for this one client: any handshake on it is the client's */
  if (run->events->len < 1000)
    add_event (run, TF_ETS_EVENT_DTLS_FAILURE, why);
}

TfEtsRun *
tf_ets_run_new (TfLwm2mServer *server, const TfEtsSetup *setup)
{
  TfEtsRun *run = g_new0 (TfEtsRun, 1);
  run->server = g_object_ref (server);
  run->version = g_strdup (setup->version);
  run->endpoint = g_strdup (setup->endpoint);
  run->server_uri = g_strdup (setup->server_uri != NULL ? setup->server_uri : "");
  run->firmware = setup->firmware != NULL ? g_bytes_ref (setup->firmware) : NULL;
  run->register_wait_s = setup->register_wait_s > 0 ? setup->register_wait_s : 60;
  run->answer_wait_s = setup->answer_wait_s > 0 ? setup->answer_wait_s : 45;
  run->short_lifetime = setup->short_lifetime_s > 0 ? setup->short_lifetime_s : 10;
  run->pmin = setup->pmin_s > 0 ? setup->pmin_s : 1;
  run->pmax = setup->pmax_s > run->pmin ? setup->pmax_s : run->pmin + 2;
  run->deregister_line = g_strdup (setup->deregister_line ? setup->deregister_line : "lwm2m stop");
  run->send_line = g_strdup (setup->send_line ? setup->send_line : "lwm2m send /3/0/9 /3/0/13");
  run->send_res_line
      = g_strdup (setup->send_res_line ? setup->send_res_line : "lwm2m send /1/0/1 /3/0/11");
  run->queue_window = setup->queue_window_s > 0 ? setup->queue_window_s : 93;
  tf_lwm2m_server_set_queue_window (server, run->queue_window);
  run->console = setup->console;
  run->console_data = setup->console_data;
  run->infra_up = setup->infra_up;
  run->bootstrapping = setup->bootstrapping;
  run->exchange = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  run->events = g_ptr_array_new_with_free_func ((GDestroyNotify)event_free);
  run->criteria = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  run->register_msg = -1;
  run->started_us = g_get_real_time ();
  run->started_mono = g_get_monotonic_time ();
  run->clock = tf_ets_clock_new (tf_lwm2m_server_get_port (server));
  tf_coap_set_exchange_func (on_exchange, run);
  run->handlers[0] = g_signal_connect (server, "registered", G_CALLBACK (on_registered), run);
  run->handlers[1] = g_signal_connect (server, "updated", G_CALLBACK (on_updated), run);
  run->handlers[2] = g_signal_connect (server, "deregistered", G_CALLBACK (on_deregistered), run);
  run->handlers[3] = g_signal_connect (server, "expired", G_CALLBACK (on_expired), run);
  run->handlers[4] = g_signal_connect (server, "rejected", G_CALLBACK (on_rejected), run);
  run->handlers[5] = g_signal_connect (server, "notification", G_CALLBACK (on_notification), run);
  run->handlers[6]
      = g_signal_connect (server, "bootstrap-finished", G_CALLBACK (on_bootstrap_finished), run);
  run->handlers[7] = g_signal_connect (server, "send", G_CALLBACK (on_send), run);
  run->handlers[8] = g_signal_connect (server, "dtls-failure", G_CALLBACK (on_dtls_failure), run);
  return run;
}

void
tf_ets_run_free (TfEtsRun *run)
{
  if (run == NULL)
    return;
  tf_coap_set_exchange_func (NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (run->handlers); i++)
    g_signal_handler_disconnect (run->server, run->handlers[i]);
  g_object_unref (run->server);
  g_ptr_array_unref (run->exchange);
  g_ptr_array_unref (run->events);
  g_ptr_array_unref (run->criteria);
  tf_ets_clock_free (run->clock);
  g_clear_pointer (&run->message, json_node_unref);
  g_free (run->version);
  g_free (run->endpoint);
  g_free (run->deregister_line);
  g_free (run->send_line);
  g_free (run->send_res_line);
  g_free (run->peer);
  g_free (run->server_uri);
  g_clear_pointer (&run->firmware, g_bytes_unref);
  g_free (run->criterion);
  g_free (run->reason);
  g_free (run);
}

const char *
tf_ets_run_version (TfEtsRun *run)
{
  return run->version;
}

guint
tf_ets_run_short_lifetime (TfEtsRun *run)
{
  return run->short_lifetime;
}

void
tf_ets_run_periods (TfEtsRun *run, guint *pmin, guint *pmax)
{
  *pmin = run->pmin;
  *pmax = run->pmax;
}

const char *
tf_ets_run_deregister_line (TfEtsRun *run)
{
  return run->deregister_line;
}

const char *
tf_ets_run_send_line (TfEtsRun *run)
{
  return run->send_line;
}

const char *
tf_ets_run_send_res_line (TfEtsRun *run)
{
  return run->send_res_line;
}

const char *
tf_ets_run_server_uri (TfEtsRun *run)
{
  return run->server_uri;
}

GBytes *
tf_ets_run_firmware (TfEtsRun *run)
{
  return run->firmware;
}

TfLwm2mServer *
tf_ets_run_server (TfEtsRun *run)
{
  return run->server;
}

guint
tf_ets_run_register_wait (TfEtsRun *run)
{
  return run->register_wait_s;
}

guint
tf_ets_run_answer_wait (TfEtsRun *run)
{
  return run->answer_wait_s;
}

guint
tf_ets_run_queue_window (TfEtsRun *run)
{
  return run->queue_window;
}

void
tf_ets_run_set_bootstrap (TfEtsRun *run, GPtrArray *steps)
{
  tf_lwm2m_server_set_bootstrap (run->server, run->endpoint, steps);
}

void
tf_ets_run_set_psk (TfEtsRun *run, const char *identity, GBytes *key)
{
  tf_lwm2m_server_set_psk (run->server, identity, key);
}

GPtrArray *
tf_ets_run_exchange (TfEtsRun *run)
{
  return run->exchange;
}

GPtrArray *
tf_ets_run_events (TfEtsRun *run)
{
  return run->events;
}

gboolean
tf_ets_run_decided (TfEtsRun *run)
{
  return run->decided;
}

/* --- bounded waits ------------------------------------------------------------------ */

typedef gboolean (*DoneFunc) (TfEtsRun *run, gpointer data);

typedef struct
{
  gboolean expired;
  gint64 due;
  TfEtsClock *clock;
} Deadline;

static gboolean
on_deadline (gpointer data)
{
  Deadline *d = data;
  d->expired = TRUE;
  tf_ets_clock_timer (d->clock, d->due); /* how late the runner itself was */
  return G_SOURCE_REMOVE;
}

TfEtsClock *
tf_ets_run_clock (TfEtsRun *run)
{
  return run->clock;
}

/* Iterates the main context until @done or @ms passed; TRUE when @done. A deadline that
 * passed while the runner was late still sees what arrived before it (drained first). */
static gboolean
iterate_until (TfEtsRun *run, DoneFunc done, gpointer data, guint ms)
{
  Deadline d = { FALSE, g_get_monotonic_time () + (gint64)ms * 1000, run->clock };
  guint id = g_timeout_add (ms, on_deadline, &d);
  while (!(done != NULL && done (run, data)) && !d.expired)
    g_main_context_iteration (NULL, TRUE);
  if (!d.expired)
    g_source_remove (id);
  else
    tf_ets_run_drain (run);
  return done != NULL && done (run, data);
}

static gboolean
is_registered (TfEtsRun *run, gpointer data)
{
  return run->registered;
}

const TfLwm2mRegistration *
tf_ets_run_registration (TfEtsRun *run)
{
  const TfLwm2mRegistration *r;
  if (!run->registered && !iterate_until (run, is_registered, NULL, run->register_wait_s * 1000))
    {
      /* every case's precondition, whose handshake is no criterion here (1 and 401 judge
       * theirs before): failed handshakes are the set-up's, and said */
      guint n;
      const char *dtls = tf_ets_run_dtls_failures (run, 0, &n);
      g_autofree char *why = dtls != NULL ? g_strdup_printf (": its DTLS handshakes with the "
                                                             "lab failed (%u, the last: %s)",
                                                             n, dtls)
                                          : NULL;
      tf_ets_inconclusive (run, "the client %s did not register within %u s%s", run->endpoint,
                           run->register_wait_s, why != NULL ? why : "");
      return NULL;
    }
  r = tf_lwm2m_server_lookup (run->server, run->endpoint);
  if (r == NULL)
    tf_ets_inconclusive (run, "the client %s is no longer registered", run->endpoint);
  return r;
}

JsonObject *
tf_ets_run_register_message (TfEtsRun *run)
{
  if (run->register_msg < 0)
    return NULL;
  return json_node_get_object (g_ptr_array_index (run->exchange, run->register_msg));
}

typedef struct
{
  gboolean done;
  TfLwm2mResponse *resp;
  GError *error;
  TfLwm2mServer *server;
} Pending;

static gboolean
pending_done (TfEtsRun *run, gpointer data)
{
  return ((Pending *)data)->done;
}

static void
on_request_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Pending *p = data;
  p->resp = tf_lwm2m_server_request_finish (TF_LWM2M_SERVER (source), res, &p->error);
  p->done = TRUE;
}

static void
on_cancel_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Pending *p = data;
  p->resp = tf_lwm2m_server_cancel_observe_finish (TF_LWM2M_SERVER (source), res, &p->error);
  p->done = TRUE;
}

/* Waits for @p (started with @cancellable); NULL without an answer (*@timed_out set) or
 * with an error (Inconclusive). */
static TfLwm2mResponse *
finish_pending (TfEtsRun *run, Pending *p, GCancellable *cancellable, const char *what,
                gboolean *timed_out)
{
  *timed_out = FALSE;
  if (!iterate_until (run, pending_done, p, run->answer_wait_s * 1000))
    {
      /* the callback still runs once, after the cancellation: wait for it, briefly */
      g_cancellable_cancel (cancellable);
      iterate_until (run, pending_done, p, 5000);
      if (!p->done)
        g_warning ("%s: the request did not finish after its cancellation", what);
      g_clear_pointer (&p->resp, tf_lwm2m_response_free);
      g_clear_error (&p->error);
      *timed_out = TRUE;
      return NULL;
    }
  if (p->resp == NULL)
    {
      tf_ets_inconclusive (run, "%s: %s", what, p->error != NULL ? p->error->message : "failed");
      g_clear_error (&p->error);
      return NULL;
    }
  return p->resp;
}

static char *
describe (const TfLwm2mRequest *req)
{
  static const char *const names[]
      = { "?", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH" };
  return g_strdup_printf ("%s /%s", req->method < G_N_ELEMENTS (names) ? names[req->method] : "?",
                          req->uri_path != NULL ? req->uri_path : "");
}

/* No answer to @what: the client's fault when it still answers the probe (criterion @crit
 * fails), the link's when it does not (Inconclusive). */
static void
judge_silence (TfEtsRun *run, const char *crit, const char *what)
{
  if (crit == NULL)
    {
      tf_ets_inconclusive (run, "%s: no answer within %u s (link or client down)", what,
                           run->answer_wait_s);
      return;
    }
  if (!tf_ets_run_alive (run))
    return;
  tf_ets_check (run, crit, FALSE,
                "%s: no answer within %u s from a client that is up (see the probe)", what,
                run->answer_wait_s);
}

TfLwm2mResponse *
tf_ets_run_request_for (TfEtsRun *run, TfLwm2mRequest *req, const char *crit)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *what = describe (req);
  Pending *p;
  TfLwm2mResponse *resp;
  gboolean timed_out;
  if (run->decided)
    return NULL;
  if (tf_lwm2m_server_lookup (run->server, run->endpoint) == NULL)
    {
      tf_ets_inconclusive (run, "%s: the client %s is not registered", what, run->endpoint);
      return NULL;
    }
  /* the pending state outlives a timed-out wait only until the callback ran */
  p = g_new0 (Pending, 1);
  tf_lwm2m_server_request_async (run->server, run->endpoint, req, cancellable, on_request_done, p);
  resp = finish_pending (run, p, cancellable, what, &timed_out);
  if (p->done)
    g_free (p);
  if (timed_out)
    judge_silence (run, crit, what);
  return resp;
}

TfLwm2mResponse *
tf_ets_run_request (TfEtsRun *run, TfLwm2mRequest *req)
{
  return tf_ets_run_request_for (run, req, NULL);
}

TfLwm2mResponse *
tf_ets_run_cancel (TfEtsRun *run, guint observation, gboolean reset)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Pending *p;
  TfLwm2mResponse *resp;
  gboolean timed_out;
  if (run->decided)
    return NULL;
  p = g_new0 (Pending, 1);
  tf_lwm2m_server_cancel_observe_async (run->server, observation, reset, cancellable,
                                        on_cancel_done, p);
  resp = finish_pending (run, p, cancellable, reset ? "cancel by Reset" : "cancel by Observe=1",
                         &timed_out);
  if (p->done)
    g_free (p);
  if (timed_out)
    judge_silence (run, NULL, reset ? "cancel by Reset" : "cancel by Observe=1");
  return resp;
}

typedef struct
{
  guint kinds, from;
  gint found;
} EventWait;

static gboolean
event_came (TfEtsRun *run, gpointer data)
{
  EventWait *w = data;
  for (guint i = w->from; i < run->events->len && w->found < 0; i++)
    {
      TfEtsEvent *e = g_ptr_array_index (run->events, i);
      if (w->kinds & (1u << e->kind))
        w->found = (gint)i;
    }
  return w->found >= 0;
}

gint
tf_ets_run_wait_event (TfEtsRun *run, guint kinds, guint from, guint ms)
{
  EventWait w = { kinds, from, -1 };
  iterate_until (run, event_came, &w, ms);
  return w.found;
}

gboolean
tf_ets_run_alive (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mRequest) req = tf_lwm2m_request_read (&p, -1);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (TfLwm2mResponse) r = NULL;
  gboolean timed_out = FALSE;
  Pending *pending;
  if (run->decided)
    return FALSE;
  if (tf_lwm2m_server_lookup (run->server, run->endpoint) == NULL)
    {
      tf_ets_inconclusive (run, "the client %s is no longer registered: it cannot be asked",
                           run->endpoint);
      return FALSE;
    }
  pending = g_new0 (Pending, 1);
  run->probe_from = run->exchange->len;
  tf_lwm2m_server_request_async (run->server, run->endpoint, req, cancellable, on_request_done,
                                 pending);
  r = finish_pending (run, pending, cancellable, "the probe (Read /3/0/0)", &timed_out);
  run->probe_to = run->exchange->len;
  if (pending->done)
    g_free (pending);
  if (r != NULL)
    {
      tf_ets_run_add_probe (run, TRUE, "the client answers a Read of /3/0/0 (it is still there)");
      return TRUE;
    }
  if (timed_out && run->infra_up != NULL && run->infra_up (run->console_data))
    {
      tf_ets_run_add_probe (run, TRUE,
                            "no answer to a Read of /3/0/0, but the lab sees the client's power "
                            "and link up: the silence is its own");
      return TRUE;
    }
  tf_ets_run_add_probe (run, FALSE, "the client answers a Read of /3/0/0 (it is still there)");
  if (timed_out)
    tf_ets_inconclusive (run,
                         "the client answers nothing, not even a Read of /3/0/0 within %u s: "
                         "link or power down, not a verdict on the implementation",
                         run->answer_wait_s);
  return FALSE;
}

void
tf_ets_run_sleep (TfEtsRun *run, guint ms)
{
  iterate_until (run, NULL, NULL, ms);
}

gboolean
tf_ets_run_console (TfEtsRun *run, const char *line)
{
  if (run->console == NULL || !run->console (line, run->console_data))
    {
      tf_ets_inconclusive (run, "no console of the client under test to say '%s' on", line);
      return FALSE;
    }
  return TRUE;
}

TfEtsVerdict
tf_ets_run_case (TfEtsRun *run, const TfEtsCase *c)
{
  run->c = c;
  c->func (run);
  if (!run->decided)
    {
      run->decided = TRUE;
      run->verdict = TF_ETS_VERDICT_PASS;
    }
  run->finished_us = g_get_real_time ();
  return run->verdict;
}

JsonNode *
tf_ets_run_to_json (TfEtsRun *run)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ets");
  json_builder_add_string_value (b, run->version);
  if (run->c != NULL)
    {
      json_builder_set_member_name (b, "case");
      json_builder_add_int_value (b, run->c->id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, run->c->name);
    }
  json_builder_set_member_name (b, "endpoint");
  json_builder_add_string_value (b, run->endpoint);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, tf_ets_verdict_to_string (run->verdict));
  if (run->criterion != NULL)
    {
      json_builder_set_member_name (b, "criterion");
      json_builder_add_string_value (b, run->criterion);
    }
  if (run->reason != NULL)
    {
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, run->reason);
    }
  if (run->message != NULL)
    {
      json_builder_set_member_name (b, "message");
      json_builder_add_value (b, json_node_copy (run->message));
    }
  json_builder_set_member_name (b, "started_us");
  json_builder_add_int_value (b, run->started_us);
  json_builder_set_member_name (b, "duration_ms");
  json_builder_add_int_value (
      b, ((run->finished_us ? run->finished_us : g_get_real_time ()) - run->started_us) / 1000);
  json_builder_set_member_name (b, "lab_lateness_ms"); /* the runner's own, over the case */
  json_builder_add_int_value (b,
                              tf_ets_clock_lateness_since (run->clock, run->started_mono) / 1000);
  json_builder_set_member_name (b, "criteria");
  json_builder_begin_array (b);
  for (guint i = 0; i < run->criteria->len; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (run->criteria, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "exchange");
  json_builder_begin_array (b);
  for (guint i = 0; i < run->exchange->len; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (run->exchange, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "exchange_dropped");
  json_builder_add_int_value (b, run->exchange_dropped);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
