/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Asserts that the exchange @ex of a run holds every block of a block-wise GET answered by
 * @resp_dir ("out": the runner served it, "in": the runner fetched it): as many 2.05 with
 * Block2 as the body (Size2) needs blocks of their size, numbered 0, 1, ... in order, their
 * payloads adding up to the body, each the answer (same MID) to a GET of the other direction
 * asking for that block. Returns the number of blocks. */
guint
tf_ets_check_every_block (JsonArray *ex, const char *resp_dir);

/* Asserts that the exchange @ex holds every block of a block-wise PUT or POST sent in @req_dir
 * ("out": by the runner, "in": to it): as many requests with Block1 as the body (Size1)
 * needs blocks of their size, numbered 0, 1, ... in order, More on all but the last, their
 * payloads adding up to the body, each answered (same MID, the other direction): 2.31
 * Continue with its Block1 until the last, which has a 2.04 or 2.01. Returns the number of
 * blocks. */
guint
tf_ets_check_every_block1 (JsonArray *ex, const char *req_dir);

/* Asserts that every received message carries the kernel's receive time ("clock"
 * "kernel-rx"), that these times never go back, and that none is after the time of the
 * piggybacked answer the handler made to it. */
void
tf_ets_check_rx_times (JsonArray *ex);

G_END_DECLS
