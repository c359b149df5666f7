/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS queue mode cases for a client under test (108, 109): queue mode announced in the
 * Register, a Read answered while the client listens, and a Read the server holds for a
 * sleeping client until its Update. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"

/* 108: a client set up for queue mode says so in its Register (1.1: the Q parameter; 1.0: the
 * binding UQ), and answers while it listens after it. */
void
tf_ets_case_108 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (reg == NULL)
    return;
  if (!tf_ets_check (run, "A", reg->queue, "the Register announces queue mode (binding %s)",
                     reg->binding ? reg->binding : "?"))
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "B", TF_LWM2M_COAP_CODE (2, 5), -1,
                     "Read /3/0/0 while the client listens");
}

/* The Read of 109 the server holds for a sleeping client: its answer, and its end after the
 * case's (its callback frees it when @orphan). */
typedef struct
{
  gboolean done, orphan;
  TfLwm2mResponse *resp;
  GCancellable *cancellable;
} Held;

static void
held_free (Held *h)
{
  g_clear_pointer (&h->resp, tf_lwm2m_response_free);
  g_clear_object (&h->cancellable);
  g_free (h);
}

static void
on_held_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Held *h = data;
  h->resp = tf_lwm2m_server_request_finish (TF_LWM2M_SERVER (source), res, NULL);
  h->done = TRUE;
  if (h->orphan)
    held_free (h);
}

static void
held_release (Held *h)
{
  if (h->done)
    {
      held_free (h);
      return;
    }
  h->orphan = TRUE;
  g_cancellable_cancel (h->cancellable);
}

/* 109: Behavior in Queue Mode. After its listening window the client is not reachable: a
 * Read then waits at the server for the client's next Update (before its lifetime ends: B),
 * and is answered after it (C). The Update is waited for while the Read is held, and long
 * enough before the registration runs out to ask the lab, by the probe, whether a client
 * that never woke is up (the probe of a sleeping client is held as well). */
void
tf_ets_case_109 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg = tf_ets_run_registration (run);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mRequest) req = tf_lwm2m_request_read (&p, -1);
  GPtrArray *ex = tf_ets_run_exchange (run), *ev = tf_ets_run_events (run);
  guint from, ex_from, read_at = 0, update_at = 0;
  gint64 since = 0, left_ms, bound_ms, aw_ms = (gint64)tf_ets_run_answer_wait (run) * 1000;
  Held *h;
  gint i;
  if (reg == NULL)
    return;
  if (!tf_ets_check (run, "A", reg->queue, "the Register announces queue mode (binding %s)",
                     reg->binding ? reg->binding : "?"))
    return;
  /* past the listening window, nothing from the client until its Update; the Read waits */
  tf_ets_run_sleep (run, (tf_ets_run_queue_window (run) + 1) * 1000);
  for (guint k = 0; k < ev->len; k++)
    {
      TfEtsEvent *e = g_ptr_array_index (ev, k);
      if (e->kind == TF_ETS_EVENT_REGISTERED || e->kind == TF_ETS_EVENT_UPDATED)
        since = e->time_us;
    }
  left_ms = (gint64)reg->lifetime * 1000 - (g_get_monotonic_time () - since) / 1000;
  bound_ms = left_ms - aw_ms - 2000 > 0 ? left_ms - aw_ms - 2000 : MAX (left_ms, 1000);
  from = ev->len;
  ex_from = ex->len;
  h = g_new0 (Held, 1);
  h->cancellable = g_cancellable_new ();
  tf_lwm2m_server_request_async (tf_ets_run_server (run), reg->endpoint, req, h->cancellable,
                                 on_held_done, h);
  /* B: the client wakes with an Update */
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_UPDATED, from, (guint)bound_ms);
  if ((i < 0 && !tf_ets_run_alive (run))
      || !tf_ets_check (run, "B", i >= 0,
                        "the client woke with an Update within %.1f s of the Read held for it "
                        "(its registration had %.1f s left)",
                        bound_ms / 1e3, left_ms / 1e3))
    {
      held_release (h);
      return;
    }
  /* C: the held Read went out after the Update and was answered (by the time a later Read,
   * the probe, was: no polling) */
  if (!h->done && !tf_ets_run_alive (run))
    {
      held_release (h);
      return;
    }
  /* an answer already in completes its GTask from an idle after the probe's: a loaded lab
   * may take a while to run it, so wait for it (in short slices) up to the answer wait */
  for (gint64 waited = 0; !h->done && waited < aw_ms; waited += 50)
    tf_ets_run_sleep (run, 50);
  for (guint k = ex_from; k < ex->len; k++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (ex, k));
      const char *dir = json_object_get_string_member (o, "dir");
      const char *code = json_object_get_string_member (o, "code");
      if (update_at == 0 && g_strcmp0 (dir, "in") == 0 && g_strcmp0 (code, "POST") == 0)
        update_at = k + 1;
      if (read_at == 0 && g_strcmp0 (dir, "out") == 0 && g_strcmp0 (code, "GET") == 0)
        read_at = k + 1;
    }
  if (tf_ets_check (run, "C", h->resp != NULL,
                    "the Read held for the Update answered (none, from a client that is up)")
      && tf_ets_check (run, "C", update_at > 0 && read_at > update_at,
                       "the Read went to the client after its Update"))
    tf_ets_check (run, "C", h->resp->code == TF_LWM2M_COAP_CODE (2, 5),
                  "the Read after the Update answered 2.05");
  held_release (h);
}
