/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <coap3/coap.h>
#include <json-glib/json-glib.h>

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* Once per process: libcoap started, its log routed into GLib logging (domain "tf-coap"). */
void
tf_coap_init (void);

/* Attaches @ctx to the thread-default main context: a GSource watches libcoap's epoll fd and
 * runs coap_io_process(COAP_IO_NO_WAIT) when it is readable or when the timeout libcoap
 * asked for has passed (the source's ready time, re-armed after every pass). Destroying the
 * source does not free @ctx. */
GSource *
tf_coap_source_new (coap_context_t *ctx);
/* Stops (and resumes) processing libcoap's I/O: what arrives meanwhile waits in the kernel,
 * as for a device whose radio is off (queue mode). */
void
tf_coap_source_set_paused (GSource *source, gboolean paused);
/* After sending from outside the source's dispatch: process libcoap's queues soon. */
void
tf_coap_source_wakeup (GSource *source);

/* Something libcoap said about DTLS (a handshake failure, a bad record): the one place a
 * wrong PSK becomes visible on the server side. */
typedef void (*TfCoapDtlsFunc) (const char *message, gpointer user_data);
void
tf_coap_set_dtls_func (TfCoapDtlsFunc func, gpointer user_data);

/* One CoAP message decoded: what the exchange log writes and what the automated cases and
 * traces store. */
typedef struct
{
  gboolean outgoing;
  /* wall clock (CLOCK_REALTIME, µs): when a message was handed to libcoap to send, which
   * writes it to the socket in the same pass; when a received one was handled (an ETS run
   * replaces it with the kernel's receive time of its datagram, tf_ets_clock_received) */
  gint64 time_us;
  char *peer;         /* "127.0.0.1:5683" */
  guint16 local_port; /* the port of the socket it went through, 0 when unknown */
  guint type;         /* COAP_MESSAGE_CON/NON/ACK/RST */
  guint code;         /* class * 32 + detail */
  guint mid;
  GBytes *token;
  GPtrArray *options; /* TfCoapOption */
  gint cf;            /* Content-Format, -1 when absent */
  GBytes *payload;
  char *decoded; /* the payload in its content format, NULL when empty or undecodable */
} TfCoapMessage;

typedef struct
{
  guint number;
  char *value; /* uint options as numbers, strings as they are, others as hex */
} TfCoapOption;

TfCoapMessage *
tf_coap_message_new (const coap_session_t *session, const coap_pdu_t *pdu, gboolean outgoing,
                     const TfLwm2mPath *path);
void
tf_coap_message_free (TfCoapMessage *m);
JsonNode *
tf_coap_message_to_json (const TfCoapMessage *m);
char *
tf_coap_message_to_string (const TfCoapMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCoapMessage, tf_coap_message_free)

const char *
tf_coap_type_to_string (guint type);
char *
tf_coap_code_to_string (guint code);

/* Where tf_lwm2m_exchange_log sends every decoded message (besides g_debug). */
typedef void (*TfCoapExchangeFunc) (const TfCoapMessage *m, gpointer user_data);
void
tf_coap_set_exchange_func (TfCoapExchangeFunc func, gpointer user_data);

/* Logs @pdu decoded. @path (may be NULL) is the LwM2M path the payload belongs to (the
 * request's for a response), needed to decode TLV and plain text. */
void
tf_lwm2m_exchange_log (const coap_session_t *session, const coap_pdu_t *pdu, gboolean outgoing,
                       const TfLwm2mPath *path);

/* libcoap 4.3.1 has no application data on a context: this maps a context to its owner. */
void
tf_coap_context_set_owner (coap_context_t *ctx, gpointer owner);
gpointer
tf_coap_context_get_owner (const coap_context_t *ctx);

/* Helpers both ends need. */
char *
tf_coap_token_hex (const guint8 *data, gsize len);
/* A key for a token on a session: tokens are only unique per session. */
char *
tf_coap_token_key (const coap_session_t *session, const guint8 *data, gsize len);
char *
tf_coap_session_peer (const coap_session_t *session);
/* The Uri-Path options of @pdu joined with '/', without a leading '/'. */
char *
tf_coap_pdu_uri_path (const coap_pdu_t *pdu);
/* The Uri-Query options of @pdu as key → value (a key without '=' maps to ""). */
GHashTable *
tf_coap_pdu_queries (const coap_pdu_t *pdu);
/* The numeric value of option @number, or @def when absent. */
guint
tf_coap_pdu_uint_option (const coap_pdu_t *pdu, guint number, guint def);
/* The Uri-Path of @pdu as an LwM2M path; FALSE when it is not one. */
gboolean
tf_coap_pdu_lwm2m_path (const coap_pdu_t *pdu, TfLwm2mPath *path);
/* Adds Uri-Path options for @path ("rd/5" or an LwM2M path). */
void
tf_coap_pdu_add_uri_path (coap_pdu_t *pdu, const char *path);
void
tf_coap_pdu_add_uint_option (coap_pdu_t *pdu, guint number, guint value);

/* Block-wise requests the application sends itself (RFC 7959 2.5), so that every block and
 * its 2.31 Continue pass through the exchange log (libcoap's coap_add_data_large_request
 * sends the later blocks unseen). The block size asked for first: 1024 bytes. */
#define TF_COAP_BLOCK_SZX 6
/* Adds @payload to @pdu: whole when it fits a block of 16 << @szx bytes, else its block @num
 * with Block1 (Size1 on the first). Returns whether more blocks follow. */
gboolean
tf_coap_pdu_add_block1 (coap_pdu_t *pdu, GBytes *payload, guint num, guint szx);

G_END_DECLS
