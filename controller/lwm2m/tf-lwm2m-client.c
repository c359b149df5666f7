/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LwM2M client side: Bootstrap-Request, Register, Update (at lifetime/2 or on demand),
 * De-register and Send. What servers ask of the client is in tf-lwm2m-client-dm.c. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"
#include "tf-lwm2m-codec.h"

G_DEFINE_TYPE (TfLwm2mClient, tf_lwm2m_client, G_TYPE_OBJECT)

guint tf_lwm2m_client_signals[CLIENT_SIGNAL_LAST];

TfLwm2mQuirks
tf_lwm2m_quirk_from_string (const char *name)
{
  static const struct
  {
    const char *name;
    TfLwm2mQuirks quirk;
  } names[] = {
    { "no-tlv", TF_LWM2M_QUIRK_NO_TLV },
    { "observe-cancel-ignored", TF_LWM2M_QUIRK_OBSERVE_CANCEL_IGNORED },
    { "wrong-update-code", TF_LWM2M_QUIRK_WRONG_UPDATE_CODE },
    { "lifetime-ignored", TF_LWM2M_QUIRK_LIFETIME_IGNORED },
    { "late-notify", TF_LWM2M_QUIRK_LATE_NOTIFY },
    { "firmware-state-stuck", TF_LWM2M_QUIRK_FW_STATE_STUCK },
    { "firmware-update-anytime", TF_LWM2M_QUIRK_FW_UPDATE_ANYTIME },
    { "firmware-no-result", TF_LWM2M_QUIRK_FW_NO_RESULT },
    { "delete-kept", TF_LWM2M_QUIRK_DELETE_KEPT },
    { "bootstrap-unchecked", TF_LWM2M_QUIRK_BOOTSTRAP_UNCHECKED },
    { "no-bootstrap-fallback", TF_LWM2M_QUIRK_NO_BOOTSTRAP_FALLBACK },
    { "no-text", TF_LWM2M_QUIRK_NO_TEXT },
    { "binding-not-u", TF_LWM2M_QUIRK_BINDING_NOT_U },
    { "register-no-lifetime", TF_LWM2M_QUIRK_REGISTER_NO_LIFETIME },
    { "disable-ignored", TF_LWM2M_QUIRK_DISABLE_IGNORED },
    { "bootstrap-restart", TF_LWM2M_QUIRK_BOOTSTRAP_RESTART },
    /* content formats and bootstrap */
    { "no-cbor", TF_LWM2M_QUIRK_NO_CBOR },
    { "no-json", TF_LWM2M_QUIRK_NO_JSON },
    { "no-content-format", TF_LWM2M_QUIRK_NO_CONTENT_FORMAT },
    { "register-no-version", TF_LWM2M_QUIRK_REGISTER_NO_VERSION },
    { "deregister-silent", TF_LWM2M_QUIRK_DEREGISTER_SILENT },
    { "bootstrap-delete-kept", TF_LWM2M_QUIRK_BOOTSTRAP_DELETE_KEPT },
    { "bootstrap-trigger-ignored", TF_LWM2M_QUIRK_BOOTSTRAP_TRIGGER_IGNORED },

    /* object model operations */
    { "security-readable", TF_LWM2M_QUIRK_SECURITY_READABLE },
    { "no-resource-instance-paths", TF_LWM2M_QUIRK_NO_RESOURCE_INSTANCE_PATHS },
    { "execute-ignored", TF_LWM2M_QUIRK_EXECUTE_IGNORED },
    { "read-only-write-accepted", TF_LWM2M_QUIRK_READ_ONLY_WRITE_ACCEPTED },
    { "discover-no-resources", TF_LWM2M_QUIRK_DISCOVER_NO_RESOURCES },
    { "write-attributes-ignored", TF_LWM2M_QUIRK_WRITE_ATTRIBUTES_IGNORED },
    { "composite-all-or-nothing", TF_LWM2M_QUIRK_COMPOSITE_ALL_OR_NOTHING },
    { "partial-write-replaces", TF_LWM2M_QUIRK_PARTIAL_WRITE_REPLACES },
    { "no-notification-storing", TF_LWM2M_QUIRK_NO_NOTIFICATION_STORING },
    { "lifetime-write-kept", TF_LWM2M_QUIRK_LIFETIME_WRITE_KEPT },

    /* information reporting, queue mode, Send */
    { "queue-not-announced", TF_LWM2M_QUIRK_QUEUE_NOT_ANNOUNCED },
    { "queue-no-listen", TF_LWM2M_QUIRK_QUEUE_NO_LISTEN },
    { "composite-notify-first-path", TF_LWM2M_QUIRK_COMPOSITE_NOTIFY_FIRST_PATH },
    { "mute-send-ignored", TF_LWM2M_QUIRK_MUTE_SEND_IGNORED },
    { "send-lwm2m-json", TF_LWM2M_QUIRK_SEND_LWM2M_JSON },

  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i].name) == 0)
      return names[i].quirk;
  return TF_LWM2M_QUIRK_NONE;
}

static void
fail (TfLwm2mClient *self, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
fail (TfLwm2mClient *self, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_message ("%s: %s", self->endpoint, msg);
  g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_FAILED], 0, msg);
}

static gboolean
on_sleep (gpointer data)
{
  TfLwm2mClient *self = data;
  self->sleep_id = 0;
  if (g_hash_table_size (self->requests) > 0 || self->state != STATE_REGISTERED)
    {
      tf_lwm2m_client_activity (self); /* an exchange is still going on */
      return G_SOURCE_REMOVE;
    }
  g_message ("%s: queue mode: not listening until it has something to send", self->endpoint);
  self->asleep = TRUE;
  tf_coap_source_set_paused (self->source, TRUE);
  g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_SLEEP], 0, TRUE);
  return G_SOURCE_REMOVE;
}

void
tf_lwm2m_client_activity (TfLwm2mClient *self)
{
  if (!self->queue)
    return;
  if (self->asleep)
    {
      self->asleep = FALSE;
      tf_coap_source_set_paused (self->source, FALSE);
      g_message ("%s: queue mode: awake", self->endpoint);
      g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_SLEEP], 0, FALSE);
    }
  if (self->sleep_id != 0)
    g_source_remove (self->sleep_id);
  self->sleep_id = g_timeout_add_seconds (MAX (self->queue_window, 1), on_sleep, self);
}

void
tf_lwm2m_client_set_queue_window (TfLwm2mClient *self, guint seconds)
{
  self->queue_window = seconds;
}

static GBytes *
register_links (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) links = tf_lwm2m_model_register_links (self->model);
  g_autofree char *s = tf_lwm2m_link_format (links);
  return g_bytes_new (s, strlen (s));
}

void
tf_lwm2m_client_register (TfLwm2mClient *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) q = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GBytes) links = register_links (self);
  gboolean v11 = g_strcmp0 (self->version, "1.0") != 0;
  gboolean announce;

  tf_lwm2m_client_add_bootstrap_trigger (self);
  if (self->session != NULL)
    coap_session_release (self->session);
  self->session = tf_lwm2m_client_open_session (self, self->ctx, self->server_uri, &error);
  if (self->session == NULL)
    {
      self->state = STATE_IDLE;
      fail (self, "registration failed: %s", error->message);
      return;
    }
  g_ptr_array_add (q, g_strdup_printf ("ep=%s", self->endpoint));
  if (!(self->quirks & TF_LWM2M_QUIRK_REGISTER_NO_LIFETIME))
    g_ptr_array_add (q, g_strdup_printf ("lt=%u", self->lifetime));
  if (!(self->quirks & TF_LWM2M_QUIRK_REGISTER_NO_VERSION))
    g_ptr_array_add (q, g_strdup_printf ("lwm2m=%s", self->version));
  /* 1.0 says queue mode in the binding, 1.1 with a Q parameter (Core 6.2.1) */
  announce = self->queue && !(self->quirks & TF_LWM2M_QUIRK_QUEUE_NOT_ANNOUNCED);
  g_ptr_array_add (q, g_strdup_printf ("b=U%s", announce && !v11 ? "Q" : ""));
  if (announce && v11)
    g_ptr_array_add (q, g_strdup ("Q"));
  self->state = STATE_REGISTERING;
  self->sent_lifetime = self->lifetime;
  self->objects_changed = FALSE;
  g_message ("%s: registering at %s", self->endpoint, self->server_uri);
  if (!tf_lwm2m_client_send_request (self, self->session, REQ_REGISTER, COAP_REQUEST_CODE_POST,
                                     "rd", q, TF_LWM2M_CF_LINK, links, &error))
    {
      self->state = STATE_IDLE;
      fail (self, "registration failed: %s", error->message);
    }
}

static gboolean
on_update_timer (gpointer data)
{
  TfLwm2mClient *self = data;
  self->update_id = 0;
  tf_lwm2m_client_update (self);
  return G_SOURCE_REMOVE;
}

void
tf_lwm2m_client_schedule_update (TfLwm2mClient *self, guint delay_ms)
{
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  self->update_id = g_timeout_add (delay_ms, on_update_timer, self);
}

void
tf_lwm2m_client_update (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) q = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GBytes) links = NULL;
  g_autoptr (GError) error = NULL;
  guint method = COAP_REQUEST_CODE_POST;
  if (self->state != STATE_REGISTERED || self->location == NULL)
    return;
  /* only what changed since Register or the last Update (Core 6.2.2) */
  if (self->lifetime != self->sent_lifetime)
    g_ptr_array_add (q, g_strdup_printf ("lt=%u", self->lifetime));
  if (self->objects_changed)
    links = register_links (self);
  self->sent_lifetime = self->lifetime;
  self->objects_changed = FALSE;
  if (self->quirks & TF_LWM2M_QUIRK_WRONG_UPDATE_CODE)
    method = COAP_REQUEST_CODE_PUT;
  if (!tf_lwm2m_client_send_request (self, self->session, REQ_UPDATE, method, self->location, q,
                                     TF_LWM2M_CF_LINK, links, &error))
    fail (self, "update failed: %s", error->message);
}

void
tf_lwm2m_client_deregister (TfLwm2mClient *self)
{
  g_autoptr (GError) error = NULL;
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  self->update_id = 0;
  if (self->state != STATE_REGISTERED || self->location == NULL)
    return;
  if (self->quirks & TF_LWM2M_QUIRK_DEREGISTER_SILENT)
    {
      g_message ("%s: registration dropped without a De-register (quirk)", self->endpoint);
      self->state = STATE_IDLE;
      g_clear_pointer (&self->location, g_free);
      return;
    }
  if (!tf_lwm2m_client_send_request (self, self->session, REQ_DEREGISTER, COAP_REQUEST_CODE_DELETE,
                                     self->location, NULL, 0, NULL, &error))
    fail (self, "de-register failed: %s", error->message);
}

/* Mute Send (/1/x/23, Core E.2): true in the Server instance, no Send. */
static gboolean
send_muted (TfLwm2mClient *self)
{
  g_autoptr (GPtrArray) insts = tf_lwm2m_model_instances (self->model, 1);
  for (guint i = 0; i < insts->len; i++)
    {
      TfLwm2mPath p = tf_lwm2m_path_make (3, 1, GPOINTER_TO_UINT (insts->pdata[i]), 23, 0);
      g_autoptr (GPtrArray) r = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
      if (r != NULL && r->len == 1 && ((TfLwm2mRecord *)r->pdata[0])->v.b)
        return TRUE;
    }
  return FALSE;
}

gboolean
tf_lwm2m_client_send (TfLwm2mClient *self, const TfLwm2mPath *paths, guint n_paths, GError **error)
{
  g_autoptr (GPtrArray) all = tf_lwm2m_records_new ();
  g_autoptr (GBytes) payload = NULL;
  TfLwm2mPath root = { .len = 0 };
  guint cf = TF_LWM2M_CF_SENML_JSON;
  if (self->state != STATE_REGISTERED)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "not registered");
      return FALSE;
    }
  if (send_muted (self) && !(self->quirks & TF_LWM2M_QUIRK_MUTE_SEND_IGNORED))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "Send is muted (/1/x/23)");
      return FALSE;
    }
  for (guint i = 0; i < n_paths; i++)
    {
      g_autoptr (GPtrArray) recs = tf_lwm2m_model_read (self->model, &paths[i], TRUE, error);
      if (recs == NULL)
        return FALSE;
      for (guint j = 0; j < recs->len; j++)
        g_ptr_array_add (all, tf_lwm2m_record_copy (g_ptr_array_index (recs, j)));
    }
  if (self->quirks & TF_LWM2M_QUIRK_SEND_LWM2M_JSON)
    cf = TF_LWM2M_CF_JSON; /* its 1.0 encoder */
  payload = tf_lwm2m_encode (cf, &root, all, error);
  if (payload == NULL)
    return FALSE;
  return tf_lwm2m_client_send_request (self, self->session, REQ_SEND, COAP_REQUEST_CODE_POST, "dp",
                                       NULL, cf, payload, error);
}

static char *
location_of (const coap_pdu_t *pdu)
{
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  GString *s = g_string_new (NULL);
  coap_option_iterator_init (pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    if (it.number == COAP_OPTION_LOCATION_PATH)
      {
        if (s->len > 0)
          g_string_append_c (s, '/');
        g_string_append_len (s, (const char *)coap_opt_value (opt), coap_opt_length (opt));
      }
  return g_string_free (s, FALSE);
}

static void
on_registered (TfLwm2mClient *self, const coap_pdu_t *received)
{
  g_free (self->location);
  self->location = location_of (received);
  self->state = STATE_REGISTERED;
  self->retries = 0;
  tf_lwm2m_client_retry_reset (self);
  g_message ("%s: registered at %s", self->endpoint, self->location);
  /* Update at half the lifetime: room for retransmissions on a lossy link */
  if (!(self->quirks & TF_LWM2M_QUIRK_LIFETIME_IGNORED))
    tf_lwm2m_client_schedule_update (self, MAX (self->lifetime * 500, 500));
  g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_REGISTERED], 0, self->location);
}

/* the quirk bootstrap-restart: the session to the bootstrap server dropped (its close_notify
 * reaches the server with the server's first step in flight), a new one from a new port */
static gboolean
bootstrap_restart_idle (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autoptr (GError) error = NULL;
  if (self->state == STATE_BOOTSTRAPPING)
    {
      g_message ("%s: restarting in the middle of the bootstrap (quirk)", self->endpoint);
      g_clear_pointer (&self->bs_session, coap_session_release);
      self->state = STATE_IDLE;
      if (!tf_lwm2m_client_start (self, &error))
        fail (self, "bootstrap: %s", error->message);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static coap_response_t
on_response (coap_session_t *session, const coap_pdu_t *sent, const coap_pdu_t *received,
             const coap_mid_t mid)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_bin_const_t tok = coap_pdu_get_token (received);
  g_autofree char *token = tf_coap_token_key (session, tok.s, tok.length);
  gpointer kindp = NULL;
  guint code = coap_pdu_get_code (received);
  g_autofree char *code_s = tf_coap_code_to_string (code);
  g_autofree char *why = NULL;

  if (self == NULL || !g_hash_table_steal_extended (self->requests, token, NULL, &kindp))
    return COAP_RESPONSE_FAIL;
  tf_lwm2m_client_activity (self);
  tf_lwm2m_exchange_log (session, received, FALSE, NULL);
  /* a block before the last answered 2.31: the next one is out, the request goes on */
  if (tf_lwm2m_client_block1_answer (self, session, token, received, &why)
      == TF_LWM2M_CLIENT_BLOCK1_MORE)
    return COAP_RESPONSE_OK;
  if (why != NULL)
    {
      /* how a request in Block1 parts failed, with its code */
      g_autofree char *bare = g_steal_pointer (&code_s);
      code_s = g_strdup_printf ("%s: %s", bare, why);
    }
  switch ((TfLwm2mClientReq)GPOINTER_TO_UINT (kindp))
    {
    case REQ_BOOTSTRAP:
      if (code != COAP_RESPONSE_CODE (204))
        {
          self->state = STATE_IDLE;
          fail (self, "bootstrap request refused: %s", code_s);
        }
      else
        {
          g_message ("%s: bootstrap request accepted", self->endpoint);
          /* a device that reboots mid-bootstrap: after this answer, not inside its dispatch */
          if ((self->quirks & TF_LWM2M_QUIRK_BOOTSTRAP_RESTART) && !self->bs_restarted)
            {
              self->bs_restarted = TRUE;
              g_idle_add (bootstrap_restart_idle, g_object_ref (self));
            }
        }
      break;
    case REQ_REGISTER:
      if (code == COAP_RESPONSE_CODE (201))
        on_registered (self, received);
      else
        {
          self->state = STATE_IDLE;
          tf_lwm2m_client_registration_failed (self);
          fail (self, "registration refused: %s", code_s);
        }
      break;
    case REQ_UPDATE:
      if (code == COAP_RESPONSE_CODE (204))
        {
          g_message ("%s: updated", self->endpoint);
          if (!(self->quirks & TF_LWM2M_QUIRK_LIFETIME_IGNORED))
            tf_lwm2m_client_schedule_update (self, MAX (self->lifetime * 500, 500));
          g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_UPDATED], 0);
        }
      else if (code == COAP_RESPONSE_CODE (404)
               && !(self->quirks & TF_LWM2M_QUIRK_WRONG_UPDATE_CODE))
        {
          /* the server forgot us (Core 6.2.2): register again */
          g_message ("%s: update answered 4.04: registering again", self->endpoint);
          tf_lwm2m_client_register (self);
        }
      else
        fail (self, "update refused: %s", code_s);
      break;
    case REQ_DEREGISTER:
      self->state = STATE_IDLE;
      g_clear_pointer (&self->location, g_free);
      g_message ("%s: de-registered (%s)", self->endpoint, code_s);
      g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_DEREGISTERED], 0);
      break;
    case REQ_SEND:
      if (why != NULL)
        fail (self, "send refused: %s", code_s);
      g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_SENT], 0, code);
      break;
    }
  /* the quirk queue-no-listen: no listening window after its own request */
  if ((self->quirks & TF_LWM2M_QUIRK_QUEUE_NO_LISTEN) && self->sleep_id != 0)
    {
      g_source_remove (self->sleep_id);
      on_sleep (self);
    }
  return COAP_RESPONSE_OK;
}

static gboolean
on_retry (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autoptr (GError) error = NULL;
  self->retry_id = 0;
  self->state = STATE_IDLE;
  if (!tf_lwm2m_client_start (self, &error))
    fail (self, "%s", error->message);
  return G_SOURCE_REMOVE;
}

/* No answer to Register, Update or Bootstrap-Request: start over after 5 s, 10 s, ... up to
 * a minute (Core 6.2.1.1's retry timer, simplified), as a device would. */
static void
schedule_retry (TfLwm2mClient *self, gboolean bootstrap)
{
  guint delay = MIN (5u << MIN (self->retries, 4u), 60u);
  self->retries++;
  self->state = STATE_IDLE;
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  self->update_id = 0;
  if (self->retry_id != 0)
    g_source_remove (self->retry_id);
  if (!bootstrap && self->bootstrap_uri != NULL && self->server_uri != NULL)
    {
      /* bootstrapped already: register again with what the bootstrap server wrote */
      g_clear_pointer (&self->bootstrap_uri, g_free);
    }
  g_message ("%s: trying again in %u s", self->endpoint, delay);
  self->retry_id = g_timeout_add_seconds (delay, on_retry, self);
}

static void
on_nack (coap_session_t *session, const coap_pdu_t *sent, const coap_nack_reason_t reason,
         const coap_mid_t mid)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_bin_const_t tok;
  g_autofree char *token = NULL;
  gpointer kindp = NULL;
  if (self == NULL || sent == NULL)
    return;
  tok = coap_pdu_get_token (sent);
  token = tf_coap_token_key (session, tok.s, tok.length);
  if (!g_hash_table_steal_extended (self->requests, token, NULL, &kindp))
    {
      tf_lwm2m_client_on_nack (session, sent, reason, mid); /* a notification */
      return;
    }
  tf_lwm2m_client_block1_forget (self, token);
  if (GPOINTER_TO_UINT (kindp) == REQ_REGISTER && tf_lwm2m_client_registration_failed (self))
    ; /* the retry sequence of the Server account */
  else if (GPOINTER_TO_UINT (kindp) != REQ_SEND && GPOINTER_TO_UINT (kindp) != REQ_DEREGISTER)
    schedule_retry (self, GPOINTER_TO_UINT (kindp) == REQ_BOOTSTRAP);
  fail (self, "%s: no answer (%s)",
        GPOINTER_TO_UINT (kindp) == REQ_REGISTER    ? "registration"
        : GPOINTER_TO_UINT (kindp) == REQ_UPDATE    ? "update"
        : GPOINTER_TO_UINT (kindp) == REQ_BOOTSTRAP ? "bootstrap request"
                                                    : "request",
        reason == COAP_NACK_TOO_MANY_RETRIES ? "retransmissions exhausted"
        : reason == COAP_NACK_TLS_FAILED     ? "DTLS handshake failed"
        : reason == COAP_NACK_RST            ? "RST"
                                             : "not deliverable");
}

static int
on_event (coap_session_t *session, const coap_event_t event)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  if (self != NULL && (event == COAP_EVENT_DTLS_ERROR))
    g_message ("%s: DTLS error with the server", self->endpoint);
  return 0;
}

static gboolean
register_idle (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autoptr (GError) error = NULL;
  if (!tf_lwm2m_client_server_from_model (self, &error))
    {
      self->state = STATE_IDLE;
      fail (self, "after bootstrap: %s", error->message);
    }
  else
    {
      g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_BOOTSTRAPPED], 0);
      tf_lwm2m_client_register (self);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* Bootstrap-Finish arrived (and is being answered): register with what was written. */
void
tf_lwm2m_client_bootstrap_finished (TfLwm2mClient *self)
{
  g_message ("%s: bootstrap finished", self->endpoint);
  g_clear_pointer (&self->server_uri, g_free);
  g_idle_add (register_idle, g_object_ref (self));
}

gboolean
tf_lwm2m_client_start (TfLwm2mClient *self, GError **error)
{
  if (self->state != STATE_IDLE)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "already started");
      return FALSE;
    }
  if (self->bootstrap_uri != NULL)
    {
      g_autoptr (GPtrArray) q = g_ptr_array_new_with_free_func (g_free);
      if (self->bs_session != NULL)
        coap_session_release (self->bs_session);
      self->bs_session = tf_lwm2m_client_open_session (self, self->ctx, self->bootstrap_uri, error);
      if (self->bs_session == NULL)
        return FALSE;
      g_ptr_array_add (q, g_strdup_printf ("ep=%s", self->endpoint));
      self->state = STATE_BOOTSTRAPPING;
      g_message ("%s: bootstrap request to %s", self->endpoint, self->bootstrap_uri);
      if (!tf_lwm2m_client_send_request (self, self->bs_session, REQ_BOOTSTRAP,
                                         COAP_REQUEST_CODE_POST, "bs", q, 0, NULL, error))
        {
          self->state = STATE_IDLE;
          g_prefix_error (error, "the bootstrap request: ");
          return FALSE;
        }
      return TRUE;
    }
  if (self->server_uri == NULL && !tf_lwm2m_client_server_from_model (self, error))
    return FALSE;
  tf_lwm2m_client_register (self);
  if (self->state == STATE_REGISTERING)
    return TRUE;
  /* it said why in the log */
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot register at %s", self->server_uri);
  return FALSE;
}

void
tf_lwm2m_client_set_server (TfLwm2mClient *self, const char *uri)
{
  g_free (self->server_uri);
  self->server_uri = g_strdup (uri);
}

void
tf_lwm2m_client_set_bootstrap (TfLwm2mClient *self, const char *uri)
{
  g_free (self->bootstrap_uri);
  self->bootstrap_uri = g_strdup (uri);
}

void
tf_lwm2m_client_set_psk (TfLwm2mClient *self, const char *identity, GBytes *key)
{
  g_free (self->psk_id);
  self->psk_id = g_strdup (identity);
  g_clear_pointer (&self->psk_key, g_bytes_unref);
  self->psk_key = key != NULL ? g_bytes_ref (key) : NULL;
}

void
tf_lwm2m_client_set_lifetime (TfLwm2mClient *self, guint seconds)
{
  self->lifetime = MAX (seconds, 1);
}

void
tf_lwm2m_client_set_version (TfLwm2mClient *self, const char *version)
{
  g_free (self->version);
  self->version = g_strdup (version);
}

void
tf_lwm2m_client_set_queue_mode (TfLwm2mClient *self, gboolean queue)
{
  self->queue = queue;
}

void
tf_lwm2m_client_set_quirks (TfLwm2mClient *self, TfLwm2mQuirks quirks)
{
  self->quirks = quirks;
}

const char *
tf_lwm2m_client_get_location (TfLwm2mClient *self)
{
  return self->location;
}

gboolean
tf_lwm2m_client_is_registered (TfLwm2mClient *self)
{
  return self->state == STATE_REGISTERED;
}

static void
tf_lwm2m_client_init (TfLwm2mClient *self)
{
  coap_resource_t *r;
  tf_coap_init ();
  self->ctx = coap_new_context (NULL);
  tf_coap_context_set_owner (self->ctx, self);
  /* each block of a block-wise request to the handler, into the exchange log */
  coap_context_set_block_mode (self->ctx, COAP_BLOCK_USE_LIBCOAP);
  coap_register_response_handler (self->ctx, on_response);
  coap_register_nack_handler (self->ctx, on_nack);
  coap_register_event_handler (self->ctx, on_event);
  /* Every path goes to one handler: the unknown resource takes all methods, DELETE and the
   * root included, as long as no other resource is registered. */
  r = coap_resource_unknown_init2 (tf_lwm2m_client_on_request, 0);
  coap_register_request_handler (r, COAP_REQUEST_GET, tf_lwm2m_client_on_request);
  coap_register_request_handler (r, COAP_REQUEST_POST, tf_lwm2m_client_on_request);
  coap_register_request_handler (r, COAP_REQUEST_DELETE, tf_lwm2m_client_on_request);
  coap_register_request_handler (r, COAP_REQUEST_FETCH, tf_lwm2m_client_on_request);
  coap_register_request_handler (r, COAP_REQUEST_IPATCH, tf_lwm2m_client_on_request);
  coap_add_resource (self->ctx, r);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->block1_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)tf_lwm2m_client_out_free);
  self->observations = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lwm2m_client_obs_free);
  self->version = g_strdup ("1.1");
  self->lifetime = 300;
  self->queue_window = 93; /* MAX_TRANSMIT_WAIT (RFC 7252 4.8.2) */
  self->source = tf_coap_source_new (self->ctx);
}

static void
tf_lwm2m_client_finalize (GObject *object)
{
  TfLwm2mClient *self = TF_LWM2M_CLIENT (object);
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  if (self->retry_id != 0)
    g_source_remove (self->retry_id);
  if (self->sleep_id != 0)
    g_source_remove (self->sleep_id);
  /* freeing the context NACKs what is still pending: not to this half-freed client */
  tf_coap_context_set_owner (self->ctx, NULL);
  tf_lwm2m_model_set_changed_func (self->model, NULL, NULL);
  tf_lwm2m_model_set_execute_func (self->model, NULL, NULL);
  tf_lwm2m_client_fw_clear (self);
  tf_lwm2m_client_block1_clear (self);
  g_ptr_array_unref (self->observations);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->block1_out);
  if (self->session != NULL)
    coap_session_release (self->session);
  if (self->bs_session != NULL)
    coap_session_release (self->bs_session);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  coap_free_context (self->ctx);
  g_free (self->endpoint);
  g_free (self->local_addr);
  g_free (self->server_uri);
  g_free (self->bootstrap_uri);
  g_free (self->psk_id);
  if (self->psk_key != NULL)
    g_bytes_unref (self->psk_key);
  g_free (self->version);
  g_free (self->location);
  G_OBJECT_CLASS (tf_lwm2m_client_parent_class)->finalize (object);
}

static void
tf_lwm2m_client_class_init (TfLwm2mClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = tf_lwm2m_client_finalize;
  /* (const char *location) */
  tf_lwm2m_client_signals[CLIENT_SIGNAL_REGISTERED]
      = g_signal_new ("registered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  tf_lwm2m_client_signals[CLIENT_SIGNAL_UPDATED] = g_signal_new (
      "updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  tf_lwm2m_client_signals[CLIENT_SIGNAL_DEREGISTERED]
      = g_signal_new ("deregistered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  tf_lwm2m_client_signals[CLIENT_SIGNAL_BOOTSTRAPPED]
      = g_signal_new ("bootstrapped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
  /* (const char *why) */
  tf_lwm2m_client_signals[CLIENT_SIGNAL_FAILED]
      = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, G_TYPE_STRING);
  /* (const char *path, const char *args) */
  tf_lwm2m_client_signals[CLIENT_SIGNAL_EXECUTED]
      = g_signal_new ("executed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* (guint code): the answer to a Send */
  /* (gboolean asleep): queue mode stops or resumes listening */
  tf_lwm2m_client_signals[CLIENT_SIGNAL_SLEEP]
      = g_signal_new ("sleep", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  tf_lwm2m_client_signals[CLIENT_SIGNAL_SENT]
      = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, G_TYPE_UINT);
}

static gboolean
bootstrap_idle (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autoptr (GError) error = NULL;
  g_message ("%s: bootstrap requested by the server", self->endpoint);
  if (self->update_id != 0)
    g_source_remove (self->update_id);
  self->update_id = 0;
  self->state = STATE_IDLE;
  if (!tf_lwm2m_client_start (self, &error))
    fail (self, "bootstrap: %s", error->message);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_execute (TfLwm2mModel *m, const TfLwm2mPath *path, const guint8 *args, gsize len, gpointer data,
            GError **error)
{
  TfLwm2mClient *self = data;
  g_autofree char *p = tf_lwm2m_path_to_string (path);
  g_autofree char *a = args != NULL ? g_strndup ((const char *)args, len) : g_strdup ("");
  /* Server's Registration Update Trigger (Core E.2, resource 8) */
  if (path->ids[0] == 1 && path->ids[2] == 8)
    tf_lwm2m_client_schedule_update (self, 0);
  /* Disable (resource 4): de-register, back after the Disable Timeout (Core E.2) */
  if (path->ids[0] == 1 && path->ids[2] == 4 && !(self->quirks & TF_LWM2M_QUIRK_DISABLE_IGNORED))
    tf_lwm2m_client_disable (self);
  if (path->ids[0] == 5 && path->ids[2] == 2 && !tf_lwm2m_client_fw_update (self, error))
    return FALSE;
  /* Bootstrap-Request Trigger (resource 9): server-initiated bootstrap (Core 6.1.4) */
  if (path->ids[0] == 1 && path->ids[2] == 9
      && !(self->quirks & TF_LWM2M_QUIRK_BOOTSTRAP_TRIGGER_IGNORED))
    {
      if (!tf_lwm2m_client_bootstrap_uri_from_model (self))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED,
                       "no Bootstrap-Server account");
          return FALSE;
        }
      /* after the 2.04 has gone */
      g_idle_add (bootstrap_idle, g_object_ref (self));
    }
  g_signal_emit (self, tf_lwm2m_client_signals[CLIENT_SIGNAL_EXECUTED], 0, p, a);
  return TRUE;
}

TfLwm2mClient *
tf_lwm2m_client_new (const char *endpoint, TfLwm2mModel *model)
{
  TfLwm2mClient *self = g_object_new (TF_TYPE_LWM2M_CLIENT, NULL);
  self->endpoint = g_strdup (endpoint);
  self->model = model;
  tf_lwm2m_model_set_changed_func (model, tf_lwm2m_client_on_changed, self);
  tf_lwm2m_model_set_execute_func (model, on_execute, self);
  return self;
}
