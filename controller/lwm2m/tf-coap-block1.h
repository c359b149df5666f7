/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A Block1 request's body put together block by block (RFC 7959 2.5) by the end that
 * receives it, the reference client or server, so that each block and its 2.31 Continue
 * pass through the exchange log: one body at a time, from one session to one path. */
#include <coap3/coap.h>
#include <glib.h>

G_BEGIN_DECLS

/* The largest body either end puts together from blocks. */
#define TF_COAP_MAX_BODY (16 * 1024 * 1024)

typedef struct
{
  GByteArray *parts;       /* the blocks so far */
  char *uri;               /* the path they go to */
  coap_session_t *session; /* from: not referenced, compared only */
  GBytes *body;            /* the whole body, for the handler of the last block */
} TfCoapBlock1;

typedef enum
{
  TF_COAP_BLOCK1_NONE,      /* no Block1: the request is whole */
  TF_COAP_BLOCK1_MORE,      /* kept; more blocks follow (2.31 Continue) */
  TF_COAP_BLOCK1_LAST,      /* the body is whole in ->body */
  TF_COAP_BLOCK1_NOT_NEXT,  /* 4.08: another request's block, or a gap */
  TF_COAP_BLOCK1_NOT_FULL,  /* 4.00: a block before the last, shorter than its size */
  TF_COAP_BLOCK1_TOO_LARGE, /* 4.13: past 16 MiB */
} TfCoapBlock1Step;

/* Takes @request's block into @b (its Block1 in @block). A refusal clears @b; ->body is
 * cleared on every call but the last block's. @full: refuse a short block before the last. */
TfCoapBlock1Step
tf_coap_block1_add (TfCoapBlock1 *b, coap_session_t *session, const coap_pdu_t *request,
                    gboolean full, coap_block_t *block);
void
tf_coap_block1_clear (TfCoapBlock1 *b);
/* Answers @response with the refusal @step: its code, Size1 on a 4.13, a diagnostic text. */
void
tf_coap_block1_refuse (TfCoapBlock1Step step, coap_pdu_t *response);

G_END_DECLS
