/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS bootstrap and security cases for a client under test: 0 (Client Initiated Bootstrap),
 * with the runner's reference server as the bootstrap server that points the client at
 * itself, and 401 (UDP Channel Security, PSK), with the runner listening on DTLS. The client
 * is provisioned with the bootstrap server's URI (0) or the PSK (401) by the lab. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <string.h>

#include "tf-coap-source.h"
#include "tf-ets-cases-private.h"

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

/* Bootstrap-Delete "/", then Security /0/1 and Server /1/1 for the runner's own server
 * (no security, short server id 1, the short lifetime), then Bootstrap-Finish. */
static GPtrArray *
bootstrap_steps (TfEtsRun *run)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  TfLwm2mBootstrapStep *sec, *srv;
  TfLwm2mPath p;
  g_ptr_array_add (steps, step_new (COAP_REQUEST_CODE_DELETE, tf_lwm2m_path_make (0, 0, 0, 0, 0)));
  sec = step_new (COAP_REQUEST_CODE_PUT, tf_lwm2m_path_make (2, 0, 1, 0, 0));
  p = tf_lwm2m_path_make (3, 0, 1, 0, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_string (&p, tf_ets_run_server_uri (run)));
  p = tf_lwm2m_path_make (3, 0, 1, 1, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_bool (&p, FALSE));
  p = tf_lwm2m_path_make (3, 0, 1, 2, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, 3));
  p = tf_lwm2m_path_make (3, 0, 1, 10, 0);
  g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, 1));
  g_ptr_array_add (steps, sec);
  srv = step_new (COAP_REQUEST_CODE_PUT, tf_lwm2m_path_make (2, 1, 1, 0, 0));
  p = tf_lwm2m_path_make (3, 1, 1, 0, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, 1));
  p = tf_lwm2m_path_make (3, 1, 1, 1, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, 60));
  p = tf_lwm2m_path_make (3, 1, 1, 6, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_bool (&p, FALSE));
  p = tf_lwm2m_path_make (3, 1, 1, 7, 0);
  g_ptr_array_add (srv->records, tf_lwm2m_record_new_string (&p, "U"));
  g_ptr_array_add (steps, srv);
  return steps;
}

/* A decoded message of the exchange received with Uri-Path @path, or NULL. */
static JsonObject *
find_request (TfEtsRun *run, const char *method, const char *path)
{
  GPtrArray *ex = tf_ets_run_exchange (run);
  for (guint i = 0; i < ex->len; i++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (ex, i));
      JsonArray *opts = json_object_get_array_member (o, "options");
      if (g_strcmp0 (json_object_get_string_member (o, "dir"), "in") != 0
          || g_strcmp0 (json_object_get_string_member (o, "code"), method) != 0 || opts == NULL)
        continue;
      for (guint k = 0; k < json_array_get_length (opts); k++)
        {
          JsonArray *opt = json_array_get_array_element (opts, k);
          if (json_array_get_int_element (opt, 0) == 11
              && g_strcmp0 (json_array_get_string_element (opt, 1), path) == 0)
            return o;
        }
    }
  return NULL;
}

static void
case_0 (TfEtsRun *run)
{
  g_autoptr (GPtrArray) steps = bootstrap_steps (run);
  TfEtsEvent *e;
  gint i;
  tf_ets_run_set_bootstrap (run, steps);
  /* A: the Bootstrap-Request; B-C: the writes and the Finish accepted */
  i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_BOOTSTRAPPED, 0,
                             tf_ets_run_register_wait (run) * 1000);
  if (i < 0)
    {
      tf_ets_inconclusive (run, "no Bootstrap-Request within %u s", tf_ets_run_register_wait (run));
      return;
    }
  if (!tf_ets_check (run, "A", find_request (run, "POST", "bs") != NULL,
                     "the client sent a Bootstrap-Request (POST /bs?ep=)"))
    return;
  e = g_ptr_array_index (tf_ets_run_events (run), i);
  if (!tf_ets_check (run, "B", e->detail == NULL || strstr (e->detail, "Finish") != NULL,
                     "Bootstrap-Delete and the Bootstrap-Writes accepted%s%s",
                     e->detail ? ": " : "", e->detail ? e->detail : ""))
    return;
  if (!tf_ets_check (run, "C", e->detail == NULL, "Bootstrap-Finish answered 2.04%s%s",
                     e->detail ? ": " : "", e->detail ? e->detail : ""))
    return;
  /* D: the client registers with the server the bootstrap gave it */
  if (tf_ets_run_registration (run) == NULL)
    return;
  tf_ets_check (run, "D", tf_ets_run_register_message (run) != NULL,
                "the client registered with the bootstrapped server");
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
  reg = tf_ets_run_registration (run);
  if (reg == NULL)
    return;
  /* A: the DTLS handshake with the PSK, and the Register over it */
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
  { 401, "1.0 1.1", "UDP Channel Security - Pre-Shared Key Mode", case_401 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_bs (void)
{
  return bs_cases;
}
