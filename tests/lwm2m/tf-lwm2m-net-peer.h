/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A CoAP peer of the test's own (tf-lwm2m-net-peer.c): one request at a time, every message
 * built here with libcoap's PDU API (block mode off), its answer kept; for what libcoap's
 * coap-client never sends (blocks out of order, a request sent twice with its MID, two
 * transfers interleaved). */
#include <coap3/coap.h>
#include <glib.h>

typedef struct
{
  coap_context_t *ctx;
  coap_session_t *session;
  GBytes *token;  /* of the request waiting for its answer */
  coap_mid_t mid; /* its message ID */
  gboolean again; /* the next request repeats the last one's MID and token */
  gboolean answered;
  guint code;
  gint64 block1, size1, max_age; /* the answer's options, -1 when absent */
  char *location;                /* its Location-Path, joined with '/' */
  char *text;                    /* its payload */
  GBytes *rtag;                  /* a Request-Tag (RFC 9175) on each request, or NULL */
} Peer;

/* A peer of the server on 127.0.0.1:@port, from a port of its own. */
Peer *
peer_new (guint16 port);
void
peer_free (Peer *p);
/* Sends @method to @path?@query (each '&'-separated) with @data (@cf -1: no Content-Format);
 * @block1 and @size1 are left out when -1. Waits for the answer; its code (0 for a repeat,
 * whose answer libcoap drops). */
guint
peer_request (Peer *p, guint method, const char *path, const char *query, gint cf, gint64 block1,
              gint64 size1, const void *data, gsize len);
/* peer_request with POST. */
guint
peer_post (Peer *p, const char *path, const char *query, guint cf, gint64 block1, gint64 size1,
           const void *data, gsize len);
/* Block @num of @body in blocks of 16 << @szx bytes, with its Block1 (More unless the last). */
guint
peer_block (Peer *p, const char *path, const char *query, guint cf, const char *body, guint num,
            guint szx);
