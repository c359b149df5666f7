/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-coap-source.h"
#include "tf-coap-block1.h"
#include "tf-lwm2m-client.h"

typedef enum
{
  STATE_IDLE,
  STATE_BOOTSTRAPPING,
  STATE_REGISTERING,
  STATE_REGISTERED,
} TfLwm2mClientState;

/* What a request the client sent was for. */
typedef enum
{
  REQ_BOOTSTRAP,
  REQ_REGISTER,
  REQ_UPDATE,
  REQ_DEREGISTER,
  REQ_SEND,
} TfLwm2mClientReq;

/* A request of the client in Block1 parts under way (tf-lwm2m-client-request.c). */
typedef struct _TfLwm2mClientOut TfLwm2mClientOut;

/* An observation a server holds on this client. */
typedef struct
{
  TfLwm2mClient *client;
  coap_session_t *session; /* referenced */
  GBytes *token;
  TfLwm2mPath path; /* the root for an Observe-Composite */
  GArray *paths;    /* Observe-Composite: the paths observed (TfLwm2mPath), else NULL */
  gint accept;
  gint64 last_us; /* when the last notification went (0: none yet) */
  gdouble last_value;
  gboolean have_value;
  gboolean cancelled; /* by RST or Observe=1 (kept, notifying, with the quirk) */
  guint pmin_id, pmax_id;
} TfLwm2mClientObs;

struct _TfLwm2mClient
{
  GObject parent_instance;
  TfLwm2mModel *model;
  coap_context_t *ctx;
  GSource *source;
  char *endpoint;
  char *server_uri;
  char *bootstrap_uri;
  char *psk_id;
  GBytes *psk_key;
  char *local_addr; /* every session's own address, or NULL (the kernel's choice) */
  guint16 local_port;
  char *version;
  guint lifetime;
  gboolean queue;
  TfLwm2mQuirks quirks;
  TfLwm2mClientState state;
  coap_session_t *session;    /* the LwM2M server */
  coap_session_t *bs_session; /* the bootstrap server, while bootstrapping */
  gboolean bs_restarted;      /* the quirk bootstrap-restart did its one restart */
  char *location;             /* "rd/3" */
  guint sent_lifetime;
  gboolean objects_changed;
  guint update_id;
  guint retry_id; /* the next Register or Bootstrap-Request after a failure */
  guint retries;
  /* the registration retry sequence (Core 6.2.1.1): the Server instance its values are in,
   * the attempts of the current sequence that failed, the sequences that failed */
  gboolean have_server_inst;
  guint16 server_inst;
  guint reg_attempts, reg_sequences;
  GHashTable *requests;    /* token hex → TfLwm2mClientReq */
  GPtrArray *observations; /* TfLwm2mClientObs */
  guint observe_seq;
  guint queue_window; /* queue mode: seconds it listens after its last exchange */
  guint sleep_id;
  gboolean asleep;
  /* Firmware Update (Core E.6): the package pulled or pushed, the install under way; the
   * pull's own context (block mode off), its session, the blocks so far, the block asked for */
  GBytes *fw_package;
  guint fw_install_id;
  coap_context_t *fw_ctx;
  GSource *fw_source;
  coap_session_t *fw_session;
  char *fw_path;
  GByteArray *fw_body;
  guint fw_block;
  /* a block-wise request under way (tf-lwm2m-client-block.c): its session and Uri-Path, the
   * blocks so far; the whole body while the last block is handled */
  TfCoapBlock1 block1;    /* a block-wise request to the client (tf-lwm2m-client-block.c) */
  GHashTable *block1_out; /* token key → TfLwm2mClientOut: its own requests in Block1 parts */
};

enum
{
  CLIENT_SIGNAL_REGISTERED,
  CLIENT_SIGNAL_UPDATED,
  CLIENT_SIGNAL_DEREGISTERED,
  CLIENT_SIGNAL_BOOTSTRAPPED,
  CLIENT_SIGNAL_FAILED,
  CLIENT_SIGNAL_EXECUTED,
  CLIENT_SIGNAL_SENT,
  CLIENT_SIGNAL_SLEEP,
  CLIENT_SIGNAL_LAST
};
extern guint tf_lwm2m_client_signals[CLIENT_SIGNAL_LAST];

/* tf-lwm2m-client-dm.c: what the servers ask of the client */
void
tf_lwm2m_client_on_request (coap_resource_t *resource, coap_session_t *session,
                            const coap_pdu_t *request, const coap_string_t *query,
                            coap_pdu_t *response);
void
tf_lwm2m_client_on_changed (const TfLwm2mPath *path, gpointer data);
void
tf_lwm2m_client_obs_free (TfLwm2mClientObs *o);
/* tf-lwm2m-client-obs.c */
TfLwm2mClientObs *
tf_lwm2m_client_obs_find (TfLwm2mClient *self, const guint8 *tok, gsize len);
void
tf_lwm2m_client_obs_cancel (TfLwm2mClient *self, TfLwm2mClientObs *o, const char *how);
void
tf_lwm2m_client_obs_arm_pmax (TfLwm2mClientObs *o);
gboolean
tf_lwm2m_client_numeric_value (GPtrArray *recs, gdouble *v);
/* tf-lwm2m-client-dm.c */
gboolean
tf_lwm2m_client_choose_cf (TfLwm2mClient *self, const TfLwm2mPath *path, gint accept,
                           GPtrArray *records, guint *cf, GError **error);
gboolean
tf_lwm2m_client_composite_read_path (TfLwm2mClient *self, const TfLwm2mPath *p, GPtrArray *all,
                                     GError **error);
void
tf_lwm2m_client_on_nack (coap_session_t *session, const coap_pdu_t *sent,
                         const coap_nack_reason_t reason, const coap_mid_t mid);
/* tf-lwm2m-client.c */
coap_session_t *
tf_lwm2m_client_open_session (TfLwm2mClient *self, coap_context_t *ctx, const char *uri,
                              GError **error);
void
tf_lwm2m_client_bootstrap_finished (TfLwm2mClient *self);
void
tf_lwm2m_client_schedule_update (TfLwm2mClient *self, guint delay_ms);
/* tf-lwm2m-client-block.c: TRUE when @request is a block before the last of a block-wise
 * request (answered 2.31, or 4.08/4.13 when it is not the next one); after the last,
 * tf_lwm2m_client_request_data gives the whole body. */
gboolean
tf_lwm2m_client_block1 (TfLwm2mClient *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response);
/* The payload of @request: the whole body after the last block of a block-wise request. */
void
tf_lwm2m_client_request_data (TfLwm2mClient *self, const coap_pdu_t *request, size_t *len,
                              const uint8_t **data);
void
tf_lwm2m_client_block1_clear (TfLwm2mClient *self);
/* Adds a notification's @payload: whole, or its first block with Block2 (M=1) and Size2; the
 * server GETs the rest, which the Read handler answers block by block (RFC 7959 2.6). FALSE:
 * not even a block of 16 bytes fits (@pdu is then as it was). */
gboolean
tf_lwm2m_client_notify_payload (coap_session_t *session, coap_pdu_t *pdu, GBytes *payload);
/* TRUE when @len bytes of @data fit @pdu with the options given (-1: not added). */
gboolean
tf_lwm2m_client_pdu_fits (coap_session_t *session, const coap_pdu_t *pdu, gint cf, gint block2,
                          gint size2, const guint8 *data, gsize len);
/* tf-lwm2m-client-fw.c: Firmware Update, Object 5 (Core E.6) */
/* A server wrote Package (/5/0/0) or Package URI (/5/0/1). */
void
tf_lwm2m_client_fw_written (TfLwm2mClient *self, const TfLwm2mPath *path);
/* Execute on /5/0/2 (Update): 4.05 unless a package is downloaded. */
gboolean
tf_lwm2m_client_fw_update (TfLwm2mClient *self, GError **error);
/* The answer to the Package URI's GET when it is not a block (NULL: none came). */
void
tf_lwm2m_client_fw_answer (TfLwm2mClient *self, const coap_pdu_t *received);
void
tf_lwm2m_client_fw_clear (TfLwm2mClient *self);

/* tf-lwm2m-client-bs.c: the bootstrap interface's Delete and Write (Core 6.1.7) */
gboolean
tf_lwm2m_client_bootstrap_delete (TfLwm2mClient *self, const TfLwm2mPath *path, GError **error);
gboolean
tf_lwm2m_client_bootstrap_write (TfLwm2mClient *self, const TfLwm2mPath *path, GPtrArray *records,
                                 GError **error);
/* tf-lwm2m-client-request.c: the client's own requests */
/* Sends @method to @uri_path?@queries with @payload (NULL: none) of format @cf, whole, or in
 * Block1 parts when it does not fit one message; its answer comes to on_response under @kind. */
gboolean
tf_lwm2m_client_send_request (TfLwm2mClient *self, coap_session_t *session, TfLwm2mClientReq kind,
                              guint method, const char *uri_path, GPtrArray *queries, guint cf,
                              GBytes *payload, GError **error);
typedef enum
{
  TF_LWM2M_CLIENT_BLOCK1_NONE, /* not a request in Block1 parts: its answer as it is */
  TF_LWM2M_CLIENT_BLOCK1_MORE, /* a 2.31 Continue: the next block is out */
  TF_LWM2M_CLIENT_BLOCK1_DONE, /* the answer to the whole request (*why: how it failed, or NULL) */
} TfLwm2mClientBlock1;
/* The answer @received to a request under @token (its key): a 2.31 sends the next block. */
TfLwm2mClientBlock1
tf_lwm2m_client_block1_answer (TfLwm2mClient *self, coap_session_t *session, const char *token,
                               const coap_pdu_t *received, char **why);
/* A request under @token is over (no answer came). */
void
tf_lwm2m_client_block1_forget (TfLwm2mClient *self, const char *token);
void
tf_lwm2m_client_out_free (TfLwm2mClientOut *o);

/* tf-lwm2m-client.c: Register with server_uri */
void
tf_lwm2m_client_register (TfLwm2mClient *self);
/* tf-lwm2m-client-retry.c: a Register failed (no answer or an error code): the next attempt,
 * the next sequence or the fallback to bootstrap, per the Server instance's resources 16-20
 * (Core 6.2.1.1). FALSE when the client has no Server instance to take them from. */
gboolean
tf_lwm2m_client_registration_failed (TfLwm2mClient *self);
void
tf_lwm2m_client_retry_reset (TfLwm2mClient *self);
/* Disable (/1/x/4, Core E.2) of the Server instance registered through: de-register once the
 * Execute is answered, register again after its Disable Timeout (/1/x/5, 86400 s when absent). */
void
tf_lwm2m_client_disable (TfLwm2mClient *self);

/* tf-lwm2m-client-account.c */
/* The first non-bootstrap Security instance and its Server instance (Core E.1, E.2). */
gboolean
tf_lwm2m_client_server_from_model (TfLwm2mClient *self, GError **error);
/* The Bootstrap-Server account's URI into bootstrap_uri; FALSE without one. */
gboolean
tf_lwm2m_client_bootstrap_uri_from_model (TfLwm2mClient *self);
void
tf_lwm2m_client_add_bootstrap_trigger (TfLwm2mClient *self);
/* Bootstrap-Finish arrived: answers it (4.06 when the configuration has no server account). */
void
tf_lwm2m_client_bootstrap_finish (TfLwm2mClient *self, coap_pdu_t *response);
/* Queue mode: there is traffic, listen (again) for queue_window seconds. */
void
tf_lwm2m_client_activity (TfLwm2mClient *self);
