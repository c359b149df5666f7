/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-coap-source.h"
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
  guint queue_window; /* seconds a queue-mode client listens after Register/Update */
  guint16 port;       /* the port the last listen bound (port 0 asks the kernel for one) */
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
