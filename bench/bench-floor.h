/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the floor's benches: a simulated lab of N boards b00.. running tf-lwm2m-client
 * (on relays of eight, board i at table Ti and 192.0.2.(10+i)) beside one tf-lwm2m-server
 * [server srv] at 192.0.2.2, and an event of N clients c00.. (companies k00..) against it, all
 * in the first slot: session i is "cII--srv". */
#include "tf-harness.h"

G_BEGIN_DECLS

/* Run as the README writes it (no meson): TF_BUILD_ROOT and TF_SOURCE_ROOT, when unset, from
 * where this program and the tree are. */
void
bench_floor_roots (void);
/* The lab of @n boards, the server with @server_args (NULL: none), @lab_tail after the boards
 * (e.g. [ets], [capture]); tf-simlab started with @simlab_args. */
TfHarness *
bench_floor_harness_new (guint n, const char *server_args, const char *lab_tail,
                         const char *const *simlab_args);
/* The event (each client's implementation with @client_extra, e.g. a features line) and the
 * clients' @provision script written (with @test_ets, the ETS data of tests/ets); the daemon
 * started and watched; every session started. */
void
bench_floor_start (TfHarness *h, guint n, const char *client_extra, const char *provision,
                   gboolean test_ets);

G_END_DECLS
