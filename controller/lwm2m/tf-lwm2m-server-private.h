/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-coap-source.h"
#include "tf-coap-block1.h"
#include "tf-lwm2m-server.h"

/* A registration with what only the server needs. */
typedef struct
{
  TfLwm2mRegistration pub;
  TfLwm2mServer *server;
  coap_session_t *session;   /* referenced */
  coap_resource_t *resource; /* rd/N */
  guint expiry_id;
  gboolean discard;   /* its next Update is answered 4.04 and it ends (tf_lwm2m_server_discard) */
  gint64 awake_until; /* queue mode: requests wait for the next Register/Update after it */
  GQueue *queued;     /* GTask with a TfLwm2mRequest copy as "tf-request" */
} TfLwm2mReg;

/* A request the server sent, waiting for its answer (the pending table, by token). */
typedef struct
{
  TfLwm2mServer *server;
  char *token;
  char *endpoint;
  TfLwm2mPath path;
  char *uri_path;
  gint accept;
  gint observe;
  guint method;
  GBytes *payload;
  gint cf;
  guint cancel_of; /* an active cancel of this observation */
  GCancellable *cancellable;
  gulong cancel_id;
  coap_pdu_t *sent; /* a copy without payload: the base of the GET of each further block */
  GByteArray *body; /* the Block2 parts so far (tf-lwm2m-server-block.c) */
  gint observe_seq; /* the first block's Observe, the later ones have none */
  guint notify_of;  /* fetching the rest of a notification of this observation */
} TfLwm2mPending;

/* An observation the server started. */
typedef struct
{
  guint id;
  char *endpoint;
  char *token; /* hex */
  GBytes *token_bytes;
  TfLwm2mPath path;
  char *uri_path;
  guint method;    /* GET, or FETCH for an Observe-Composite */
  GBytes *payload; /* the FETCH's paths, sent again to cancel */
  gint cf;
  gint accept;
  gboolean cancelled;      /* by RST: the next notification is refused */
  coap_session_t *session; /* referenced */
} TfLwm2mObs;

struct _TfLwm2mServer
{
  GObject parent_instance;
  coap_context_t *ctx;
  GSource *source;
  GHashTable *regs;         /* endpoint → TfLwm2mReg */
  GHashTable *pending;      /* token hex → GTask */
  GHashTable *observations; /* token hex → TfLwm2mObs */
  GHashTable *obs_by_id;    /* id → TfLwm2mObs (borrowed) */
  GHashTable *psk;          /* identity → coap_bin_const_t (key) */
  GHashTable *bootstrap;    /* endpoint → GPtrArray of TfLwm2mBootstrapStep */
  GHashTable *files;        /* Uri-Path → GBytes served by GET (tf_lwm2m_server_serve) */
  guint next_location;
  guint next_obs;
  guint queue_window;  /* seconds a queue-mode client listens after Register/Update */
  guint16 port;        /* the port the last listen bound (port 0 asks the kernel for one) */
  GHashTable *block1s; /* Block1 bodies being put together (tf-lwm2m-server-block1.c) */
  gsize block1_bytes;  /* their bytes so far */
  GBytes *block1_body; /* the whole body, for the handler of a last block */
  GHashTable *answers; /* coap_session_t → its last answer (tf-lwm2m-server-repeat.c) */
  GHashTable *retired; /* coap_resource_t → rd/N kept after its De-register (…-rd.c) */
};

enum
{
  SIGNAL_REGISTERED,
  SIGNAL_UPDATED,
  SIGNAL_DEREGISTERED,
  SIGNAL_EXPIRED,
  SIGNAL_NOTIFICATION,
  SIGNAL_BOOTSTRAP_FINISHED,
  SIGNAL_DTLS_FAILURE,
  SIGNAL_REJECTED,
  SIGNAL_SEND,
  SIGNAL_LAST
};
extern guint tf_lwm2m_server_signals[SIGNAL_LAST];

#define TF_LWM2M_MAX_ENDPOINT_LEN 256

/* tf-lwm2m-server.c */
TfLwm2mServer *
tf_lwm2m_server_of (coap_session_t *session);
/* @response's @code, with @text as its diagnostic payload (unless NULL). */
void
tf_lwm2m_set_diagnostic (coap_pdu_t *response, guint code, const char *text);
/* tf_lwm2m_server_answered for the server of @session. */
void
tf_lwm2m_server_log_answer (coap_session_t *session, const coap_pdu_t *response);

/* tf-lwm2m-server-rd.c */
void
tf_lwm2m_reg_free (TfLwm2mReg *r);
void
tf_lwm2m_server_on_register (coap_resource_t *resource, coap_session_t *session,
                             const coap_pdu_t *request, const coap_string_t *query,
                             coap_pdu_t *response);

/* tf-lwm2m-server-ops.c */
TfLwm2mRequest *
tf_lwm2m_request_copy (const TfLwm2mRequest *r);
void
tf_lwm2m_server_send_on_session (TfLwm2mServer *self, coap_session_t *session, const char *endpoint,
                                 const TfLwm2mRequest *req, GTask *task);
coap_response_t
tf_lwm2m_server_on_response (coap_session_t *session, const coap_pdu_t *sent,
                             const coap_pdu_t *received, const coap_mid_t mid);
void
tf_lwm2m_server_on_nack (coap_session_t *session, const coap_pdu_t *sent,
                         const coap_nack_reason_t reason, const coap_mid_t mid);
void
tf_lwm2m_obs_free (TfLwm2mObs *o);
void
tf_lwm2m_server_bootstrap_start (TfLwm2mServer *self, coap_session_t *session,
                                 const char *endpoint);
char *
tf_coap_token_hex (const guint8 *d, gsize n);

/* tf-lwm2m-server-repeat.c */
/* Logs @response, the answer to a request, and keeps it for a repeat of that request. */
void
tf_lwm2m_server_answered (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *response);
/* TRUE: @request repeats the one last answered on @session (same MID and token): @response is
 * that answer again, logged. */
gboolean
tf_lwm2m_server_repeat (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response);

/* tf-lwm2m-server-block.c */
typedef enum
{
  TF_LWM2M_BLOCK2_DONE, /* no Block2, or its last block: p->body (if set) holds the body */
  TF_LWM2M_BLOCK2_MORE, /* the GET of the next block is out */
  TF_LWM2M_BLOCK2_FAILED,
} TfLwm2mBlock2;
TfLwm2mBlock2
tf_lwm2m_server_block2 (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *received,
                        TfLwm2mPending *p, GError **error);
void
tf_lwm2m_server_fetch_notification (TfLwm2mServer *self, coap_session_t *session,
                                    const coap_pdu_t *received, TfLwm2mObs *obs);

/* tf-lwm2m-server-block1.c */
gboolean
tf_lwm2m_server_block1 (TfLwm2mServer *self, coap_session_t *session, const coap_pdu_t *request,
                        coap_pdu_t *response);
void
tf_lwm2m_server_block1_clear (TfLwm2mServer *self);
gboolean
tf_lwm2m_server_request_data (TfLwm2mServer *self, const coap_pdu_t *request, size_t *len,
                              const uint8_t **data);
coap_pdu_t *
tf_lwm2m_server_build_pdu (coap_session_t *session, const TfLwm2mRequest *req, GBytes *token);
void
tf_lwm2m_pending_free (TfLwm2mPending *p);
TfLwm2mResponse *
tf_lwm2m_response_new (const coap_pdu_t *pdu, const TfLwm2mPath *path, GByteArray *body);
