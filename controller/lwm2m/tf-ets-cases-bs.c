/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS bootstrap and security cases for a client under test, with the runner's reference server
 * as the bootstrap server that points the client at itself:
 *   0  Client Initiated Bootstrap;
 *   1  the same over DTLS with a PSK, handing out fresh PSK credentials for the LwM2M server
 *      (the Register must come with them);
 *   4  Bootstrap Delete: a second bootstrap, triggered by the server, deletes "/" and the
 *      Bootstrap-Discover after it shows what is left;
 *   5  Server Initiated Bootstrap (the Bootstrap-Request Trigger, /1/x/9);
 *   7  Fallback to bootstrap: the first bootstrap gives an account of a server that refuses
 *      every Register, with short retry values; the client must bootstrap again after them;
 *   9  Bootstrap and Configuration Consistency: a bootstrap that leaves no server account,
 *      whose Finish the client must refuse (4.06);
 *   401 UDP Channel Security, PSK: the client registers over DTLS. A client whose handshake
 *      fails (a wrong key: the ETS has the credentials provisioned as the case's precondition,
 *      on the device) Fails criterion A; a client that tries nothing at all is Inconclusive.
 * The client is provisioned with the bootstrap server's URI (0, 1, 4, 5) or the PSK (1, 401)
 * by the lab. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <string.h>

#include "tf-coap-source.h"
#include "tf-ets-cases-private.h"
#include "tf-lwm2m-link.h"

/* The Server instance the bootstrap writes (and whose Bootstrap-Request Trigger 4 and 5
 * execute). */
#define BS_SERVER_INST 1

static void
step_free (TfLwm2mBootstrapStep *s)
{
  if (s->records != NULL)
    g_ptr_array_unref (s->records);
  g_free (s);
}

static TfLwm2mBootstrapStep *
step_new (guint method, TfLwm2mPath path)
{
  TfLwm2mBootstrapStep *s = g_new0 (TfLwm2mBootstrapStep, 1);
  s->method = method;
  s->path = path;
  s->cf = TF_LWM2M_CF_TLV;
  s->records = tf_lwm2m_records_new ();
  return s;
}

/* Bootstrap-Delete "/" (and a Bootstrap-Discover of the Security and the Server objects
 * after it when @discover: the object form, which every client has), then Security /0/1 and
 * Server /1/1 for the runner's own server (short server id 1, no security or PSK
 * @psk_id/@psk_key), (when @read, a Bootstrap-Read of the Server object in TLV,) then
 * Bootstrap-Finish. */
static GPtrArray *
bootstrap_steps (TfEtsRun *run, gboolean discover, const char *psk_id, GBytes *psk_key,
                 gboolean read)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  TfLwm2mBootstrapStep *sec, *srv;
  TfLwm2mPath p;
  g_ptr_array_add (steps, step_new (COAP_REQUEST_CODE_DELETE, tf_lwm2m_path_make (0, 0, 0, 0, 0)));
  for (guint16 obj = 0; discover && obj <= 1; obj++)
    {
      TfLwm2mBootstrapStep *d
          = step_new (COAP_REQUEST_CODE_GET, tf_lwm2m_path_make (1, obj, 0, 0, 0));
      d->cf = TF_LWM2M_CF_LINK; /* Bootstrap-Discover */
      g_ptr_array_add (steps, d);
    }
  sec = step_new (COAP_REQUEST_CODE_PUT, tf_lwm2m_path_make (2, 0, 1, 0, 0));
  p = tf_lwm2m_path_make (3, 0, 1, 0, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_string (&p, tf_ets_run_server_uri (run)));
  p = tf_lwm2m_path_make (3, 0, 1, 1, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_bool (&p, FALSE));
  p = tf_lwm2m_path_make (3, 0, 1, 2, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, psk_id != NULL ? 0 : 3));
  if (psk_id != NULL)
    {
      g_autoptr (GBytes) id = g_bytes_new (psk_id, strlen (psk_id));
      p = tf_lwm2m_path_make (3, 0, 1, 3, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_opaque (&p, id));
      p = tf_lwm2m_path_make (3, 0, 1, 5, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_opaque (&p, psk_key));
    }
  p = tf_lwm2m_path_make (3, 0, 1, 10, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, 1));
  g_ptr_array_add (steps, sec);
  srv = step_new (COAP_REQUEST_CODE_PUT, tf_lwm2m_path_make (2, 1, BS_SERVER_INST, 0, 0));
  p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 0, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, 1));
  p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 1, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, 60));
  p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 6, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_bool (&p, FALSE));
  p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 7, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_string (&p, "U"));
  g_ptr_array_add (steps, srv);
  if (read)
    g_ptr_array_add (steps, step_new (COAP_REQUEST_CODE_GET, tf_lwm2m_path_make (1, 1, 0, 0, 0)));
  return steps;
}

static gboolean
has_option (JsonObject *o, gint number, const char *value)
{
  JsonArray *opts = json_object_get_array_member (o, "options");
  for (guint k = 0; opts != NULL && k < json_array_get_length (opts); k++)
    {
      JsonArray *opt = json_array_get_array_element (opts, k);
      if (json_array_get_int_element (opt, 0) == number
          && g_strcmp0 (json_array_get_string_element (opt, 1), value) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A decoded message of the exchange, from index @from on, received with @code and Uri-Path
 * @path (NULL: any, but a Content-Format @cf unless -1), or NULL. */
static JsonObject *
find_message (TfEtsRun *run, guint from, const char *code, const char *path, gint cf)
{
  GPtrArray *ex = tf_ets_run_exchange (run);
  for (guint i = from; i < ex->len; i++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (ex, i));
      if (g_strcmp0 (json_object_get_string_member (o, "dir"), "in") != 0
          || g_strcmp0 (json_object_get_string_member (o, "code"), code) != 0)
        continue;
      if (path != NULL ? has_option (o, 11, path)
                       : cf < 0 || json_object_get_int_member_with_default (o, "cf", -1) == cf)
        return o;
    }
  return NULL;
}

/* Nothing came for @what within @ms. After DTLS handshakes that failed: when @handshake is
 * the case's criterion (the client proves the key the ETS provisioned, 1 and 401) criterion
 * @crit fails, the client tried and could not; otherwise the handshake is the lab's set-up of
 * the case, not what it tests: Inconclusive with the reason. With none, Inconclusive. */
static gboolean
judge_absence (TfEtsRun *run, guint from, guint ms, const char *crit, const char *what,
               gboolean handshake)
{
  guint n;
  const char *failure = tf_ets_run_dtls_failures (run, from, &n);
  if (failure != NULL && handshake)
    return tf_ets_check (run, crit, FALSE,
                         "no %s within %u s: the client's DTLS handshakes with the server "
                         "failed (%u DTLS error(s), the last: %s)",
                         what, ms / 1000, n, failure);
  if (failure != NULL)
    tf_ets_inconclusive (run,
                         "no %s within %u s: the DTLS handshakes with the lab failed (%u DTLS "
                         "error(s), the last: %s), and the handshake is not this case's criterion",
                         what, ms / 1000, n, failure);
  else
    tf_ets_inconclusive (run, "no %s within %u s", what, ms / 1000);
  return FALSE;
}

/* A bootstrap sequence (event @e) that broke on the lab's side, its DTLS session failing
 * under a step: nothing the client answered, so no criterion is decided (TRUE, Inconclusive).
 * Whatever closed the session (the client itself restarting mid-bootstrap, as a device that
 * reboots does), the sequence cannot be judged; the handshake itself is judged before. */
static gboolean
bootstrap_broke_on_lab_side (TfEtsRun *run, TfEtsEvent *e)
{
  if (!e->lab_side)
    return FALSE;
  tf_ets_inconclusive (run, "the bootstrap sequence broke on the lab's side: %s", e->detail);
  return TRUE;
}

/* A bootstrap sequence that did not end within @ms (@e NULL) or ended with a step left
 * unanswered after libcoap's retransmissions: the same judgement as a silence after the
 * registration (tf_ets_run_bootstrap_alive): the client's own silence when the lab sees it up
 * (FALSE, the criterion is judged as before), the link's when not (TRUE, Inconclusive as the
 * infrastructure's). A step not delivered (an ICMP error: nothing listens at the client's
 * address any more, the plain-UDP face of a device restarting mid-bootstrap or of a link
 * down) reached no client to judge, and no probe of that session could: Inconclusive (TRUE). */
static gboolean
bootstrap_went_silent (TfEtsRun *run, TfEtsEvent *e, guint ms)
{
  g_autofree char *what = NULL;
  if (e != NULL && e->undelivered)
    {
      tf_ets_inconclusive (run,
                           "the client stopped answering during the bootstrap at %s: the "
                           "session's address takes no datagram any more (restarted or link "
                           "down), not a verdict on the implementation",
                           e->detail);
      return TRUE;
    }
  if (e != NULL && !e->unanswered)
    return FALSE;
  what = e != NULL ? g_strdup (e->detail)
                   : g_strdup_printf ("a step still unanswered %u s after the Bootstrap-Request",
                                      ms / 1000);
  return !tf_ets_run_bootstrap_alive (run, what);
}

/* Criteria @a (the Bootstrap-Request, from exchange index @ex_from), @b (Delete and the writes
 * accepted) and @c (Bootstrap-Finish 2.04) of the bootstrap sequence that ended at or after
 * event @from; @handshake: a DTLS handshake that fails fails @a (judge_absence). */
static gboolean
expect_bootstrap (TfEtsRun *run, guint from, guint ex_from, guint ms, const char *a, const char *b,
                  const char *c, gboolean handshake)
{
  TfEtsEvent *e;
  gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, from, ms);
  gboolean asked = find_message (run, ex_from, "POST", "bs", -1) != NULL;
  if (i < 0 && !asked)
    return judge_absence (run, from, ms, a, "Bootstrap-Request", handshake);
  if (!tf_ets_check (run, a, asked, "the client sent a Bootstrap-Request (POST /bs?ep=)"))
    return FALSE;
  if ((i < 0 && bootstrap_went_silent (run, NULL, ms))
      || !tf_ets_check (run, b, i >= 0, "the bootstrap sequence ended within %u s", ms / 1000))
    return FALSE;
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  if (bootstrap_broke_on_lab_side (run, e) || bootstrap_went_silent (run, e, ms))
    return FALSE;
  if (!tf_ets_check (run, b, e->detail == NULL || strstr (e->detail, "Finish") != NULL,
                     "Bootstrap-Delete and the Bootstrap-Writes accepted%s%s",
                     e->detail ? ": " : "", e->detail ? e->detail : ""))
    return FALSE;
  return tf_ets_check (run, c, e->detail == NULL, "Bootstrap-Finish answered 2.04%s%s",
                       e->detail ? ": " : "", e->detail ? e->detail : "");
}

/* Criterion @crit: a Register from event @from on, within @ms. */
static gboolean
expect_register (TfEtsRun *run, guint from, guint ms, const char *crit, const char *what,
                 gboolean handshake)
{
  g_autofree char *w = g_strdup_printf ("Register %s", what);
  gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_REGISTERED, from, ms);
  if (i >= 0)
    return tf_ets_check (run, crit, TRUE, "the client sent a %s", w);
  return judge_absence (run, from, ms, crit, w, handshake);
}

/* 0 (and 4, 5, 7, 8, 9): the bootstrap itself is the criterion; should the runner listen on
 * DTLS, a handshake that fails is the set-up's, Inconclusive (FALSE to judge_absence). */
static void
case_0 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = bootstrap_steps (run, FALSE, NULL, NULL, FALSE);
  tf_ets_run_set_bootstrap (run, steps);
  if (!expect_bootstrap (run, 0, 0, tf_ets_run_register_wait (run) * 1000, "A", "B", "C", FALSE))
    return;
  /* D: the client registers with the server the bootstrap gave it */
  if (tf_ets_run_registration (run) == NULL)
    return;
  tf_ets_check (run, "D", tf_ets_run_register_message (run) != NULL,
                "the client registered with the bootstrapped server");
}

static void
case_1 (TfEtsRun *run)
{
  g_autofree char *id = g_strdup_printf ("ets-dm-%08x", g_random_int ());
  guint8 raw[16];
  g_autoptr (GBytes) key = NULL;
  g_autoptr (GPtrArray) steps = NULL;
  const TfLwm2mRegistration *reg;
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (!g_str_has_prefix (tf_ets_run_server_uri (run), "coaps://"))
    {
      tf_ets_inconclusive (run, "case 1 needs the runner on DTLS (--psk-id, --psk-key)");
      return;
    }
  /* fresh credentials for the LwM2M server account: only the bootstrap can have given them */
  for (guint i = 0; i < sizeof raw; i++)
    raw[i] = (guint8)g_random_int_range (0, 256);
  key = g_bytes_new (raw, sizeof raw);
  tf_ets_run_set_psk (run, id, key);
  steps = bootstrap_steps (run, FALSE, id, key, FALSE);
  tf_ets_run_set_bootstrap (run, steps);
  /* A: the Bootstrap-Request, over DTLS with the bootstrap account's PSK (the runner listens
   * on DTLS only; a handshake that fails is the client's key: the case's criterion, a Fail of
   * A); B-C: the sequence (a DTLS session of the lab's that breaks under it: Inconclusive) */
  if (!expect_bootstrap (run, 0, 0, tf_ets_run_register_wait (run) * 1000, "A", "B", "C", TRUE))
    return;
  if (!expect_register (run, 0, tf_ets_run_register_wait (run) * 1000, "D",
                        "over DTLS with the bootstrapped credentials", TRUE))
    return;
  /* D: the Register over DTLS with the identity the bootstrap wrote into /0/1 */
  reg = tf_ets_run_registration (run);
  if (reg == NULL)
    return;
  if (!tf_ets_check (run, "D", g_strcmp0 (reg->psk_identity, id) == 0,
                     "the client registered over DTLS with the bootstrapped PSK identity %s (%s)",
                     id, reg->psk_identity != NULL ? reg->psk_identity : "no DTLS"))
    return;
  /* E: device management over the bootstrapped secure channel */
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "E", TF_LWM2M_COAP_CODE (2, 5), -1,
                     "Read /3/0/0 over DTLS");
}

/* Phase one of 4 and 5: the client bootstraps (as in 0) and registers. */
static gboolean
first_bootstrap (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = bootstrap_steps (run, FALSE, NULL, NULL, FALSE);
  gint i;
  TfEtsEvent *e;
  tf_ets_run_set_bootstrap (run, steps);
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, 0,
                             tf_ets_run_register_wait (run) * 1000);
  if (i < 0)
    {
      tf_ets_inconclusive (run, "the client did not bootstrap within %u s (the precondition)",
                           tf_ets_run_register_wait (run));
      return FALSE;
    }
  /* a precondition, not what the case tests (0 does): not met, no verdict on the rest */
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  if (e->detail != NULL)
    {
      tf_ets_inconclusive (run, "the first bootstrap (the precondition) failed: %s", e->detail);
      return FALSE;
    }
  return tf_ets_run_registration (run) != NULL;
}

/* The server executes the Bootstrap-Request Trigger of the Server instance the bootstrap
 * wrote: criterion @crit on its 2.04. */
static gboolean
trigger_bootstrap (TfEtsRun *run, const char *crit)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 9, 0);
  g_autoptr (TfLwm2mResponse) r
      = tf_ets_expect (run, tf_lwm2m_request_execute (&p, NULL), crit, TF_LWM2M_COAP_CODE (2, 4),
                       -1, "Execute /1/1/9 (Bootstrap-Request Trigger)");
  return r != NULL;
}

/* After the trigger's 2.04 (@crit): no Bootstrap-Request within 30 s from a client that still
 * answers a Read is the client's (a trigger answered, not done); one that no longer answers is
 * the link's (Inconclusive, tf_ets_run_alive). TRUE when a Bootstrap-Request came or the
 * absence is left to expect_bootstrap (DTLS failures). */
static gboolean
trigger_followed (TfEtsRun *run, const char *crit, guint from, guint ex_from)
{
  guint n;
  gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, from, 30000);
  if (i >= 0 || find_message (run, ex_from, "POST", "bs", -1) != NULL
      || tf_ets_run_dtls_failures (run, from, &n) != NULL)
    return TRUE;
  if (!tf_ets_run_alive (run))
    return FALSE;
  return tf_ets_check (run, crit, FALSE,
                       "a Bootstrap-Request (POST /bs) within 30 s of the trigger's 2.04: none, "
                       "and the client still answers");
}

static void
case_4 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  guint from, ex_from;
  JsonObject *deleted;
  guint security = 0, servers = 0, answers = 0;
  if (!first_bootstrap (run))
    return;
  /* the second bootstrap deletes "/" and discovers what is left */
  steps = bootstrap_steps (run, TRUE, NULL, NULL, FALSE);
  tf_ets_run_set_bootstrap (run, steps);
  from = tf_ets_run_events (run)->len;
  ex_from = tf_ets_run_exchange (run)->len;
  if (!trigger_bootstrap (run, "A") || !trigger_followed (run, "A", from, ex_from))
    return;
  if (!expect_bootstrap (run, from, ex_from, 30000, "A", "B", "D", FALSE))
    return;
  /* B: the Bootstrap-Delete of "/" answered 2.02 */
  deleted = find_message (run, ex_from, "2.02", NULL, -1);
  if (!tf_ets_check (run, "B", deleted != NULL, "Bootstrap-Delete / answered 2.02 Deleted"))
    return;
  /* C: the Bootstrap-Discovers after it: the Bootstrap-Server account is all that is left of
   * the Security object, and no Server instance */
  for (GPtrArray *ex = tf_ets_run_exchange (run); ex_from < ex->len; ex_from++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (ex, ex_from));
      const char *text = json_object_get_string_member_with_default (o, "payload", NULL);
      g_autoptr (GPtrArray) links = NULL;
      if (g_strcmp0 (json_object_get_string_member (o, "dir"), "in") != 0
          || json_object_get_int_member_with_default (o, "cf", -1) != TF_LWM2M_CF_LINK
          || text == NULL)
        continue;
      links = tf_lwm2m_link_parse (text, strlen (text), NULL);
      if (!tf_ets_check (run, "C", links != NULL, "a Bootstrap-Discover answer is link format: %s",
                         text))
        return;
      for (guint i = 0; i < links->len; i++)
        {
          TfLwm2mPath p;
          if (!tf_lwm2m_path_parse (((TfLwm2mLink *)g_ptr_array_index (links, i))->uri, &p, NULL)
              || p.len != 2)
            continue;
          security += p.ids[0] == 0;
          servers += p.ids[0] == 1;
        }
      answers++;
      g_string_append_printf (seen, "%s%s", seen->len > 0 ? " ; " : "", text);
    }
  if (!tf_ets_check (run, "C", answers == 2,
                     "the Bootstrap-Discovers of /0 and /1 answered 2.05 "
                     "in link format (%u answers)",
                     answers)
      || !tf_ets_check (run, "C", security <= 1 && servers == 0,
                        "after the Delete, %u Security and %u Server instance(s) remain (at most "
                        "the Bootstrap-Server account): %s",
                        security, servers, seen->str))
    return;
  expect_register (run, from, tf_ets_run_register_wait (run) * 1000, "D",
                   "again after the second bootstrap", FALSE);
}

static void
case_5 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = NULL;
  guint from, ex_from;
  if (!first_bootstrap (run))
    return;
  steps = bootstrap_steps (run, FALSE, NULL, NULL, FALSE);
  tf_ets_run_set_bootstrap (run, steps);
  from = tf_ets_run_events (run)->len;
  ex_from = tf_ets_run_exchange (run)->len;
  /* A: the Execute of the trigger; B-C: the Bootstrap-Request it causes, the sequence and its
   * Finish; D: the client registers with what it was given */
  if (!trigger_bootstrap (run, "A") || !trigger_followed (run, "B", from, ex_from))
    return;
  if (!expect_bootstrap (run, from, ex_from, 30000, "B", "C", "C", FALSE))
    return;
  expect_register (run, from, tf_ets_run_register_wait (run) * 1000, "D",
                   "again after the server-initiated bootstrap", FALSE);
}

/* 8: Bootstrap Read: after writing the Server account, the bootstrap server reads the Server
 * object back (TLV) before the Finish; the client registers with it. */
static void
case_8 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = bootstrap_steps (run, FALSE, NULL, NULL, TRUE);
  g_auto (GStrv) values = NULL;
  JsonObject *read;
  const char *text;
  tf_ets_run_set_bootstrap (run, steps);
  if (!expect_bootstrap (run, 0, 0, tf_ets_run_register_wait (run) * 1000, "A", "B", "C", FALSE))
    return;
  /* B: the Bootstrap-Read answered 2.05 in TLV with the account just written */
  read = find_message (run, 0, "2.05", NULL, TF_LWM2M_CF_TLV);
  text = read != NULL ? json_object_get_string_member_with_default (read, "payload", "") : NULL;
  if (!tf_ets_check (run, "B", text != NULL, "the Bootstrap-Read of /1 answered 2.05 in TLV"))
    return;
  values = g_strsplit (text, " ", -1);
  if (!tf_ets_check (run, "B",
                     g_strv_contains ((const char *const *)values, "/1/1/0=1")
                         && g_strv_contains ((const char *const *)values, "/1/1/1=60")
                         && g_strv_contains ((const char *const *)values, "/1/1/7=U"),
                     "it carries the Server account written (/1/1/0=1 /1/1/1=60 /1/1/7=U): %s",
                     text))
    return;
  expect_register (run, 0, tf_ets_run_register_wait (run) * 1000, "D",
                   "with the bootstrapped server", FALSE);
}

/* 9: Bootstrap and Configuration Consistency (1.1 ETS 6.1.1.10): from C.13 (a Bootstrap-Server
 * account, no Server instance) the bootstrap writes only the Disable Timeout of a Server
 * instance, /1/x/5 = 86400, then Finish: no server account results, so the client must refuse
 * the Finish with 4.06 (Core 6.1.7.6). A: the Bootstrap-Request; B: the Write 2.04; C: the
 * Finish 4.06. */
static void
case_9 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  TfLwm2mPath p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 5, 0);
  TfLwm2mBootstrapStep *w = step_new (COAP_REQUEST_CODE_PUT, p);
  guint ms = tf_ets_run_register_wait (run) * 1000;
  TfEtsEvent *e;
  gboolean written;
  gint i;
  g_ptr_array_add (w->records, tf_lwm2m_record_new_int (&p, 86400));
  g_ptr_array_add (steps, w);
  tf_ets_run_set_bootstrap (run, steps);
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, 0, ms);
  if (i < 0 && find_message (run, 0, "POST", "bs", -1) == NULL)
    {
      judge_absence (run, 0, ms, "A", "Bootstrap-Request", FALSE);
      return;
    }
  if (!tf_ets_check (run, "A", find_message (run, 0, "POST", "bs", -1) != NULL,
                     "the client sent a Bootstrap-Request (POST /bs?ep=)")
      || (i < 0 && bootstrap_went_silent (run, NULL, ms))
      || !tf_ets_check (run, "B", i >= 0, "the bootstrap sequence ended within %u s", ms / 1000))
    return;
  /* the server's account of the sequence: NULL (all accepted) or "step N answered C" */
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  if (bootstrap_broke_on_lab_side (run, e) || bootstrap_went_silent (run, e, ms))
    return;
  written = e->detail == NULL || g_str_has_prefix (e->detail, "step 2 ");
  if (!tf_ets_check (run, "B", written, "the Bootstrap-Write of /1/%u/5 answered 2.04%s%s",
                     BS_SERVER_INST, written ? "" : ": ", written ? "" : e->detail))
    return;
  tf_ets_check (run, "C", e->detail != NULL && g_str_has_suffix (e->detail, "answered 4.06"),
                "Bootstrap-Finish answered 4.06 Not Acceptable (no server account): %s",
                e->detail ? e->detail : "it answered 2.04");
}

/* 7's LwM2M server that refuses: a UDP socket of the runner's own that answers every request
 * 4.03 Forbidden (a piggybacked ACK for a CON), so that each Register the client sends there
 * fails at once. */
typedef struct
{
  GSocket *socket;
  GSource *source;
  guint refused;
  gint64 first_us; /* the first refusal */
  gint64 bs_us;    /* when the refuser stopped: the fallback's bootstrap had come */
} Refuser;

static gboolean
on_refuser (GSocket *socket, GIOCondition cond, gpointer data)
{
  Refuser *r = data;
  guint8 buf[1500], out[4 + 8];
  g_autoptr (GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (gchar *)buf, sizeof buf, NULL, NULL);
  guint tkl;
  if (n < 4 || (buf[0] >> 6) != 1 || (tkl = buf[0] & 0x0f) > 8 || (gsize)n < 4 + tkl || buf[1] == 0
      || (buf[1] >> 5) != 0)
    return G_SOURCE_CONTINUE; /* not a CoAP request: ignored */
  out[0] = (guint8)(0x40 | ((buf[0] >> 4 & 0x3) == 0 ? 0x20 : 0x10) | tkl); /* ACK or NON */
  out[1] = (4 << 5) | 3;                                                    /* 4.03 */
  out[2] = buf[2];
  out[3] = buf[3];
  memcpy (out + 4, buf + 4, tkl);
  if (r->refused++ == 0)
    r->first_us = g_get_monotonic_time ();
  g_socket_send_to (socket, from, (const gchar *)out, 4 + tkl, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
refuser_clear (Refuser *r)
{
  r->bs_us = g_get_monotonic_time ();
  if (r->source != NULL)
    {
      g_source_destroy (r->source);
      g_source_unref (r->source);
    }
  g_clear_object (&r->socket);
}

/* The refusing server on the host of the runner's own server: its coap:// URI, or NULL. */
static char *
refuser_start (TfEtsRun *run, Refuser *r)
{
  g_autoptr (GUri) uri = g_uri_parse (tf_ets_run_server_uri (run), G_URI_FLAGS_NONE, NULL);
  g_autoptr (GInetAddress) host = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *h = NULL;
  if (uri == NULL || (host = g_inet_address_new_from_string (g_uri_get_host (uri))) == NULL)
    return NULL;
  any = g_inet_socket_address_new (host, 0);
  r->socket = g_socket_new (g_inet_address_get_family (host), G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, NULL);
  if (r->socket == NULL || !g_socket_bind (r->socket, any, FALSE, NULL)
      || (bound = g_socket_get_local_address (r->socket, NULL)) == NULL)
    return NULL;
  r->source = g_socket_create_source (r->socket, G_IO_IN, NULL);
  g_source_set_callback (r->source, G_SOURCE_FUNC (on_refuser), r, NULL);
  g_source_attach (r->source, NULL);
  h = g_inet_address_to_string (host);
  return g_strdup_printf (
      g_inet_address_get_family (host) == G_SOCKET_FAMILY_IPV6 ? "coap://[%s]:%u" : "coap://%s:%u",
      h, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

/* The retry values 7 writes into the Server account (Core 6.2.1.1): two attempts a sequence,
 * 1 s apart, two sequences 1 s apart: the fallback is due 3 s after the first refusal. */
#define FALLBACK_COUNT 2
#define FALLBACK_TIMER 1
#define FALLBACK_DELAY 1
#define FALLBACK_SEQS 2

/* 7: Fallback to bootstrap (1.1 ETS 6.1.1.8). The ETS starts from a factory account of a server
 * that does not exist; here the client's first bootstrap gives it that account: a server that
 * refuses every Register, with short retry values and Bootstrap on Registration Failure true
 * (/1/x/16-20). A: the client's registration there fails; B: after its retry sequence, it
 * falls back to bootstrap (a Bootstrap-Request within the time the values give); C: that
 * bootstrap completes and the client registers with the server it gives. */
static void
case_7 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = bootstrap_steps (run, FALSE, NULL, NULL, FALSE);
  g_autoptr (GPtrArray) good = NULL;
  Refuser r = { 0 };
  g_autofree char *uri = refuser_start (run, &r);
  TfLwm2mBootstrapStep *sec = g_ptr_array_index (steps, 1), *srv = g_ptr_array_index (steps, 2);
  static const struct
  {
    guint16 res;
    gint64 value;
  } retry[] = {
    { 17, FALLBACK_COUNT }, { 18, FALLBACK_TIMER }, { 19, FALLBACK_DELAY }, { 20, FALLBACK_SEQS }
  };
  guint ms = tf_ets_run_register_wait (run) * 1000;
  guint due = FALLBACK_TIMER * ((1u << (FALLBACK_COUNT - 1)) - 1) * FALLBACK_SEQS
              + FALLBACK_DELAY * (FALLBACK_SEQS - 1);
  guint from, ex_from;
  TfLwm2mPath p;
  gint i;
  if (uri == NULL)
    {
      refuser_clear (&r);
      tf_ets_inconclusive (run, "case 7: no socket for the refusing server next to %s",
                           tf_ets_run_server_uri (run));
      return;
    }
  /* the account of the server that refuses, with the retry values and the fallback */
  p = tf_lwm2m_path_make (3, 0, 1, 0, 0);
  tf_lwm2m_record_free (g_ptr_array_index (sec->records, 0));
  g_ptr_array_index (sec->records, 0) = tf_lwm2m_record_new_string (&p, uri);
  for (guint k = 0; k < G_N_ELEMENTS (retry); k++)
    {
      p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, retry[k].res, 0);
      g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, retry[k].value));
    }
  p = tf_lwm2m_path_make (3, 1, BS_SERVER_INST, 16, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_bool (&p, TRUE));
  tf_ets_run_set_bootstrap (run, steps);
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, 0, ms);
  if (i < 0 || ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), i))->detail != NULL)
    {
      refuser_clear (&r);
      tf_ets_inconclusive (run,
                           "the client did not take the first bootstrap within %u s (the "
                           "precondition)",
                           ms / 1000);
      return;
    }
  /* the fallback's bootstrap gives the runner's own server */
  good = bootstrap_steps (run, FALSE, NULL, NULL, FALSE);
  tf_ets_run_set_bootstrap (run, good);
  from = (guint)i + 1;
  ex_from = tf_ets_run_exchange (run)->len;
  /* A: Registers refused at the account the bootstrap gave; B: the Bootstrap-Request after the
   * retry sequence, within the time its values give (and the runner's usual margin) */
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, from, due * 1000 + ms);
  refuser_clear (&r);
  if (!tf_ets_check (run, "A", r.refused > 0,
                     "the client sent a Register to the bootstrapped server %s, refused 4.03", uri))
    return;
  if (!tf_ets_check (run, "B", find_message (run, ex_from, "POST", "bs", -1) != NULL,
                     "a Bootstrap-Request within %u s after the registration failed (%u "
                     "Register(s) refused; the retry values, %u attempts %u s apart in %u "
                     "sequence(s) %u s apart, give %u s)",
                     due + ms / 1000, r.refused, FALLBACK_COUNT, FALLBACK_TIMER, FALLBACK_SEQS,
                     FALLBACK_DELAY, due))
    return;
  tf_ets_check (run, "B", TRUE,
                "%u Register(s) refused, the Bootstrap-Request %.1f s after the first refusal",
                r.refused, (r.bs_us - r.first_us) / 1e6);
  if ((i < 0 && bootstrap_went_silent (run, NULL, due * 1000 + ms))
      || !tf_ets_check (run, "C", i >= 0, "the fallback's bootstrap sequence ended")
      || bootstrap_broke_on_lab_side (run, g_ptr_array_index (tf_ets_run_events (run), i))
      || bootstrap_went_silent (run, g_ptr_array_index (tf_ets_run_events (run), i), ms)
      || !tf_ets_check (
          run, "C", ((TfEtsEvent *)g_ptr_array_index (tf_ets_run_events (run), i))->detail == NULL,
          "the fallback's Bootstrap-Finish answered 2.04"))
    return;
  expect_register (run, from, ms, "C", "with the server the fallback's bootstrap gave", FALSE);
}

static void
case_401 (TfEtsRun *run)
{
  const TfLwm2mRegistration *reg;
  TfLwm2mPath p = tf_lwm2m_path_make (3, 3, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (!g_str_has_prefix (tf_ets_run_server_uri (run), "coaps://"))
    {
      tf_ets_inconclusive (run, "case 401 needs the runner on DTLS (--psk-id, --psk-key)");
      return;
    }
  /* A: the DTLS handshake with the PSK, and the Register over it: the handshake is the
   * criterion, one that fails with the provisioned PSK fails A */
  if (!expect_register (run, 0, tf_ets_run_register_wait (run) * 1000, "A", "over DTLS", TRUE))
    return;
  reg = tf_ets_run_registration (run);
  if (reg == NULL)
    return;
  if (!tf_ets_check (run, "A", reg->psk_identity != NULL,
                     "the client registered over DTLS with PSK identity %s",
                     reg->psk_identity ? reg->psk_identity : "(none)"))
    return;
  /* B: device management over the secure channel */
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "B", TF_LWM2M_COAP_CODE (2, 5), -1,
                     "Read /3/0/0 over DTLS");
}

static const TfEtsCase bs_cases[] = {
  { 0, "1.0 1.1", "Client Initiated Bootstrap", case_0 },
  { 1, "1.0 1.1", "Client Initiated Bootstrap Full (PSK)", case_1 },
  { 4, "1.1", "Bootstrap Delete", case_4 },
  { 5, "1.1", "Server Initiated Bootstrap", case_5 },
  { 7, "1.1", "Fallback to bootstrap", case_7 },
  { 8, "1.1", "Bootstrap Read", case_8 },
  { 9, "1.1", "Bootstrap and Configuration Consistency", case_9 },
  { 401, "1.0 1.1", "UDP Channel Security - Pre-Shared Key Mode", case_401 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_bs (void)
{
  return bs_cases;
}
