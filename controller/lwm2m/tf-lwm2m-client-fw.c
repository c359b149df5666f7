/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firmware Update, Object 5 (LwM2M Core E.6): the state machine of the reference client.
 * Idle (0) → Downloading (1) → Downloaded (2) → Updating (3) → Idle, with Update Result (5)
 * saying how it ended. The package arrives pushed (a Write of Package /5/0/0, block-wise when
 * large) or pulled (a Write of Package URI /5/0/1, which the client GETs over CoAP, block by
 * block itself: every GET and its answer in the exchange log); only CoAP pulls are supported
 * (Firmware Update Protocol Support /5/0/8 says so). A package is the lab's own format: a first
 * line "TFFW <version> <SHA-256 of the rest, hex>" then the rest (6 Unsupported package type
 * without the magic, 5 Integrity failure when the digest does not match); installing it sets the
 * Firmware Version (/3/0/3) to <version> and PkgName/PkgVersion, then the client sends a
 * Registration Update as a device coming back from its reboot would. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <string.h>

#include "tf-coap-source.h"
#include "tf-error.h"
#include "tf-lwm2m-client-private.h"
#include "tf-lwm2m-codec.h"

enum
{
  FW_IDLE = 0,
  FW_DOWNLOADING = 1,
  FW_DOWNLOADED = 2,
  FW_UPDATING = 3,
};

/* Update Result values (Core E.6) */
enum
{
  FW_RESULT_INITIAL = 0,
  FW_RESULT_SUCCESS = 1,
  FW_RESULT_NO_STORAGE = 2,
  FW_RESULT_CONNECTION_LOST = 4,
  FW_RESULT_INTEGRITY = 5,
  FW_RESULT_UNSUPPORTED_TYPE = 6,
  FW_RESULT_INVALID_URI = 7,
  FW_RESULT_UNSUPPORTED_PROTOCOL = 9,
};

#define FW_INSTALL_MS 500
#define FW_VERSION_MAX 64
#define FW_MAX_BODY (16 * 1024 * 1024)
#define FW_SZX 6 /* the block size asked for: 1024 bytes */

static gint64
get_int (TfLwm2mClient *self, guint16 res)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, 5, 0, res, 0);
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (self->model, &p, FALSE, NULL);
  return r != NULL && r->len == 1 ? ((TfLwm2mRecord *)r->pdata[0])->v.i : -1;
}

static void
set_int (TfLwm2mClient *self, guint16 obj, guint16 res, gint64 v)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, obj, 0, res, 0);
  g_autoptr (TfLwm2mRecord) r = tf_lwm2m_record_new_int (&p, v);
  g_autoptr (GError) error = NULL;
  if (!tf_lwm2m_model_set (self->model, r, &error))
    g_warning ("%s: /%u/0/%u: %s", self->endpoint, obj, res, error->message);
}

static void
set_string (TfLwm2mClient *self, guint16 obj, guint16 res, const char *v)
{
  TfLwm2mPath p = tf_lwm2m_path_make (3, obj, 0, res, 0);
  g_autoptr (TfLwm2mRecord) r = tf_lwm2m_record_new_string (&p, v);
  g_autoptr (GError) error = NULL;
  if (!tf_lwm2m_model_set (self->model, r, &error))
    g_warning ("%s: /%u/0/%u: %s", self->endpoint, obj, res, error->message);
}

/* State and Update Result together; the quirk keeps State at Idle whatever happens. */
static void
set_state (TfLwm2mClient *self, gint state, gint result)
{
  g_message ("%s: firmware update: state %d, result %d%s", self->endpoint, state, result,
             (self->quirks & TF_LWM2M_QUIRK_FW_STATE_STUCK) ? " (state kept Idle: quirk)" : "");
  if (result >= 0)
    set_int (self, 5, 5, (self->quirks & TF_LWM2M_QUIRK_FW_NO_RESULT) ? 0 : result);
  set_int (self, 5, 3, (self->quirks & TF_LWM2M_QUIRK_FW_STATE_STUCK) ? FW_IDLE : state);
}

/* The version a package names on its first line "TFFW <version> <sha256 of the rest>", or
 * NULL with the Update Result that says why not: 6 when it is not a package of ours, 5 when
 * the rest does not match its digest (an integrity failure). */
char *
tf_lwm2m_fw_package_version (GBytes *package, gint *result)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (package, &len);
  const char *nl, *sp;
  g_autofree char *digest = NULL;
  *result = FW_RESULT_UNSUPPORTED_TYPE;
  if (len < 6 || memcmp (d, "TFFW ", 5) != 0)
    return NULL;
  *result = FW_RESULT_INTEGRITY;
  nl = memchr (d, '\n', MIN (len, 5 + FW_VERSION_MAX + 1 + 64 + 1));
  if (nl == NULL || nl - d < 5 + 1 + 1 + 64)
    return NULL;
  sp = nl - 64 - 1;
  if (*sp != ' ' || !g_utf8_validate (d + 5, sp - d - 5, NULL) || memchr (d + 5, ' ', sp - d - 5))
    return NULL;
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)nl + 1,
                                        len - (gsize)(nl + 1 - d));
  if (g_ascii_strncasecmp (digest, sp + 1, 64) != 0)
    return NULL;
  *result = FW_RESULT_INITIAL;
  return g_strndup (d + 5, sp - d - 5);
}

static void
reset (TfLwm2mClient *self)
{
  g_clear_pointer (&self->fw_package, g_bytes_unref);
  if (self->fw_install_id != 0)
    g_source_remove (self->fw_install_id);
  self->fw_install_id = 0;
  set_state (self, FW_IDLE, FW_RESULT_INITIAL);
}

/* A package downloaded (either way): Downloaded when it checks out, else back to Idle. */
static void
downloaded (TfLwm2mClient *self, GBytes *package)
{
  gint result = 0;
  g_autofree char *version = tf_lwm2m_fw_package_version (package, &result);
  g_clear_pointer (&self->fw_package, g_bytes_unref);
  if (version == NULL)
    {
      g_message ("%s: firmware package of %" G_GSIZE_FORMAT " bytes fails its check (%d)",
                 self->endpoint, g_bytes_get_size (package), result);
      set_state (self, FW_IDLE, result);
      return;
    }
  self->fw_package = g_bytes_ref (package);
  g_message ("%s: firmware %s downloaded (%" G_GSIZE_FORMAT " bytes)", self->endpoint, version,
             g_bytes_get_size (package));
  set_state (self, FW_DOWNLOADED, FW_RESULT_INITIAL);
}

/* The pull ends: the package whole (@package), or not (NULL: Update Result 4). */
static void
fw_end (TfLwm2mClient *self, GBytes *package)
{
  g_clear_pointer (&self->fw_body, g_byte_array_unref);
  if (package != NULL)
    downloaded (self, package);
  else
    tf_lwm2m_client_fw_answer (self, NULL);
}

/* Asks for block @num of size 16 << @szx (RFC 7959 2.4). */
static gboolean
fw_get_block (TfLwm2mClient *self, guint num, guint szx)
{
  coap_pdu_t *pdu = coap_pdu_init (COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET,
                                   coap_new_message_id (self->fw_session),
                                   coap_session_max_pdu_size (self->fw_session));
  guint8 tok[8];
  size_t len = sizeof tok;
  if (pdu == NULL)
    return FALSE;
  coap_session_new_token (self->fw_session, &len, tok);
  coap_add_token (pdu, len, tok);
  tf_coap_pdu_add_uri_path (pdu, self->fw_path);
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK2, num << 4 | szx);
  tf_lwm2m_client_activity (self);
  tf_lwm2m_exchange_log (self->fw_session, pdu, TRUE, NULL);
  if (coap_send (self->fw_session, pdu) == COAP_INVALID_MID)
    return FALSE;
  self->fw_block = num;
  tf_coap_source_wakeup (self->fw_source);
  return TRUE;
}

static coap_response_t
fw_on_response (coap_session_t *session, const coap_pdu_t *sent, const coap_pdu_t *received,
                const coap_mid_t mid)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  coap_block_t b = { 0 };
  size_t len = 0;
  const uint8_t *data = NULL;
  if (self == NULL || session != self->fw_session || self->fw_body == NULL)
    return COAP_RESPONSE_FAIL;
  tf_lwm2m_client_activity (self);
  tf_lwm2m_exchange_log (session, received, FALSE, NULL);
  if (coap_pdu_get_code (received) != COAP_RESPONSE_CODE (205)
      || !coap_get_block (received, COAP_OPTION_BLOCK2, &b))
    {
      /* refused, or the whole package in one answer */
      g_clear_pointer (&self->fw_body, g_byte_array_unref);
      tf_lwm2m_client_fw_answer (self, received);
      return COAP_RESPONSE_OK;
    }
  if (!coap_get_data (received, &len, &data))
    len = 0;
  /* the server may answer in smaller blocks than asked for: where this one starts counts */
  if (((gsize)b.num << (b.szx + 4)) != self->fw_body->len || (b.m && len == 0))
    {
      g_message ("%s: firmware download: block %u of %u bytes is not the next one", self->endpoint,
                 b.num, 16u << b.szx);
      fw_end (self, NULL);
      return COAP_RESPONSE_OK;
    }
  if (self->fw_body->len + len > FW_MAX_BODY)
    {
      g_clear_pointer (&self->fw_body, g_byte_array_unref);
      set_state (self, FW_IDLE, FW_RESULT_NO_STORAGE);
      return COAP_RESPONSE_OK;
    }
  g_byte_array_append (self->fw_body, data, len);
  if (!b.m)
    {
      g_autoptr (GBytes) package = g_bytes_new (self->fw_body->data, self->fw_body->len);
      fw_end (self, package);
    }
  else if (!fw_get_block (self, self->fw_body->len >> (b.szx + 4), b.szx))
    fw_end (self, NULL);
  return COAP_RESPONSE_OK;
}

static void
fw_on_nack (coap_session_t *session, const coap_pdu_t *sent, const coap_nack_reason_t reason,
            const coap_mid_t mid)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  if (self != NULL && session == self->fw_session && self->fw_body != NULL)
    fw_end (self, NULL);
}

/* The pull's own context, block mode off: the client asks for each block itself, so that
 * every GET and its answer pass through it (libcoap's block mode would ask for the later
 * blocks unseen, its answer the body assembled). */
static gboolean
fw_context (TfLwm2mClient *self)
{
  if (self->fw_ctx != NULL)
    return TRUE;
  if ((self->fw_ctx = coap_new_context (NULL)) == NULL)
    return FALSE;
  tf_coap_context_set_owner (self->fw_ctx, self);
  coap_register_response_handler (self->fw_ctx, fw_on_response);
  coap_register_nack_handler (self->fw_ctx, fw_on_nack);
  self->fw_source = tf_coap_source_new (self->fw_ctx);
  return TRUE;
}

static void
pull (TfLwm2mClient *self, const char *uri)
{
  coap_uri_t u;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  if (coap_split_uri ((const uint8_t *)uri, strlen (uri), &u) < 0)
    {
      set_state (self, FW_IDLE, FW_RESULT_INVALID_URI);
      return;
    }
  if (u.scheme != COAP_URI_SCHEME_COAP)
    {
      /* coaps would need credentials for the package server: not provisioned */
      set_state (self, FW_IDLE, FW_RESULT_UNSUPPORTED_PROTOCOL);
      return;
    }
  base = g_strdup_printf ("coap://%.*s:%u", (int)u.host.length, (const char *)u.host.s, u.port);
  path = g_strndup ((const char *)u.path.s, u.path.length);
  if (self->fw_session != NULL)
    coap_session_release (self->fw_session);
  self->fw_session
      = fw_context (self) ? tf_lwm2m_client_open_session (self, self->fw_ctx, base, &error) : NULL;
  if (self->fw_session == NULL)
    {
      g_message ("%s: firmware package URI %s: %s", self->endpoint, uri,
                 error != NULL ? error->message : "no CoAP context");
      set_state (self, FW_IDLE, FW_RESULT_INVALID_URI);
      return;
    }
  /* two retransmissions, not four: a download that lost its server gives up in 14-21 s
   * (RFC 7252 4.2) rather than 93, and says so in Update Result 4 */
  coap_session_set_max_retransmit (self->fw_session, 2);
  set_state (self, FW_DOWNLOADING, FW_RESULT_INITIAL);
  g_free (self->fw_path);
  self->fw_path = g_steal_pointer (&path);
  g_clear_pointer (&self->fw_body, g_byte_array_unref);
  self->fw_body = g_byte_array_new ();
  if (!fw_get_block (self, 0, FW_SZX))
    fw_end (self, NULL);
}

void
tf_lwm2m_client_fw_written (TfLwm2mClient *self, const TfLwm2mPath *path)
{
  g_autoptr (GPtrArray) r = tf_lwm2m_model_read (self->model, path, FALSE, NULL);
  const TfLwm2mRecord *rec = r != NULL && r->len == 1 ? r->pdata[0] : NULL;
  gsize len = rec != NULL && rec->bytes != NULL ? g_bytes_get_size (rec->bytes) : 0;
  const guint8 *d = len > 0 ? g_bytes_get_data (rec->bytes, NULL) : NULL;
  gint64 state = get_int (self, 3);

  /* an empty Package URI, or a Package of one zero byte, resets the state machine (E.6) */
  if (len == 0 || (path->ids[2] == 0 && len == 1 && d[0] == 0))
    {
      g_message ("%s: firmware update reset by the server", self->endpoint);
      reset (self);
      return;
    }
  if (state == FW_UPDATING || self->fw_install_id != 0)
    return;
  if (path->ids[2] == 0)
    {
      set_state (self, FW_DOWNLOADING, FW_RESULT_INITIAL);
      downloaded (self, rec->bytes);
    }
  else
    {
      g_autofree char *uri = g_strndup ((const char *)d, len);
      pull (self, uri);
    }
}

void
tf_lwm2m_client_fw_answer (TfLwm2mClient *self, const coap_pdu_t *received)
{
  size_t len = 0, offset = 0, total = 0;
  const uint8_t *data = NULL;
  g_autoptr (GBytes) package = NULL;
  if (received == NULL)
    {
      g_message ("%s: firmware download: no answer", self->endpoint);
      set_state (self, FW_IDLE, FW_RESULT_CONNECTION_LOST);
      return;
    }
  if (coap_pdu_get_code (received) != COAP_RESPONSE_CODE (205))
    {
      g_autofree char *code = tf_coap_code_to_string (coap_pdu_get_code (received));
      g_message ("%s: firmware download refused: %s", self->endpoint, code);
      set_state (self, FW_IDLE, FW_RESULT_INVALID_URI);
      return;
    }
  if (!coap_get_data_large (received, &len, &data, &offset, &total))
    len = 0;
  package = g_bytes_new (data, len);
  downloaded (self, package);
}

static gboolean
on_installed (gpointer data)
{
  TfLwm2mClient *self = data;
  g_autofree char *version = NULL;
  gint result = 0;
  self->fw_install_id = 0;
  version
      = self->fw_package != NULL ? tf_lwm2m_fw_package_version (self->fw_package, &result) : NULL;
  if (version != NULL)
    {
      set_string (self, 3, 3, version);
      set_string (self, 5, 6, "tf-firmware");
      set_string (self, 5, 7, version);
    }
  g_clear_pointer (&self->fw_package, g_bytes_unref);
  g_message ("%s: firmware %s installed", self->endpoint, version != NULL ? version : "(none)");
  set_state (self, FW_IDLE, FW_RESULT_SUCCESS);
  /* back from the reboot into the new firmware: tell the server (Core 6.2.2) */
  if (self->state == STATE_REGISTERED)
    tf_lwm2m_client_schedule_update (self, 0);
  return G_SOURCE_REMOVE;
}

gboolean
tf_lwm2m_client_fw_update (TfLwm2mClient *self, GError **error)
{
  gint64 state = get_int (self, 3);
  gboolean anytime = (self->quirks & TF_LWM2M_QUIRK_FW_UPDATE_ANYTIME) != 0;
  if (self->fw_install_id != 0
      || ((state != FW_DOWNLOADED || self->fw_package == NULL) && !anytime))
    {
      /* Update is only executable in Downloaded (E.6) */
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED,
                   "no firmware package downloaded (State %" G_GINT64_FORMAT ")", state);
      return FALSE;
    }
  if (state != FW_DOWNLOADED)
    g_message ("%s: Update executed in State %" G_GINT64_FORMAT ": accepted (quirk)",
               self->endpoint, state);
  set_state (self, FW_UPDATING, -1);
  /* after the 2.04 has gone: the install takes a moment */
  self->fw_install_id = g_timeout_add (FW_INSTALL_MS, on_installed, self);
  return TRUE;
}

void
tf_lwm2m_client_fw_clear (TfLwm2mClient *self)
{
  if (self->fw_install_id != 0)
    g_source_remove (self->fw_install_id);
  self->fw_install_id = 0;
  g_clear_pointer (&self->fw_package, g_bytes_unref);
  if (self->fw_session != NULL)
    coap_session_release (self->fw_session);
  self->fw_session = NULL;
  g_clear_pointer (&self->fw_body, g_byte_array_unref);
  g_clear_pointer (&self->fw_path, g_free);
  if (self->fw_ctx != NULL)
    {
      /* freeing the context NACKs what is pending: not to this client */
      tf_coap_context_set_owner (self->fw_ctx, NULL);
      g_source_destroy (self->fw_source);
      g_clear_pointer (&self->fw_source, g_source_unref);
      g_clear_pointer (&self->fw_ctx, coap_free_context);
    }
}
