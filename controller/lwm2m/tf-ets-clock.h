/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The runner's own clock: when the client's datagrams really arrived (the kernel's receive
 * timestamp of the server's socket, SIOCGSTAMPNS) and how late the runner itself was (a timer
 * that fired after it was due, a datagram handled after it arrived). A timing criterion is
 * judged on the arrival times, and a miss the runner's own lateness could explain is no Fail
 * (tf_ets_check_timing). */
typedef struct _TfEtsClock TfEtsClock;

/* Finds the UDP socket bound to @port in this process (libcoap 4.3.1 has no getter for an
 * endpoint's socket) and turns its receive timestamps on; without one, arrivals are the times
 * the datagrams were handled, and only the timers' lateness is known. */
TfEtsClock *
tf_ets_clock_new (guint16 port);
void
tf_ets_clock_free (TfEtsClock *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEtsClock, tf_ets_clock_free)

/* Whether arrivals come from the kernel's timestamps. */
gboolean
tf_ets_clock_has_stamps (TfEtsClock *c);
/* A received datagram is being handled now: its arrival (monotonic µs), its handling's
 * lateness recorded. @rx_wall_us (may be NULL) gets the kernel's receive timestamp of the
 * datagram on the wall clock (CLOCK_REALTIME, µs), -1 without one. */
gint64
tf_ets_clock_received (TfEtsClock *c, gint64 *rx_wall_us);
/* The arrival of the last datagram received (its handling's time without a stamp; the
 * clock's creation before any). */
gint64
tf_ets_clock_last_arrival (TfEtsClock *c);
/* A timer due at @due_us (monotonic) fires now: its lateness recorded. */
void
tf_ets_clock_timer (TfEtsClock *c, gint64 due_us);
/* The runner's largest lateness recorded at or after @from_us (monotonic), in µs. */
gint64
tf_ets_clock_lateness_since (TfEtsClock *c, gint64 from_us);

/* A received message of the exchange (tf_coap_message_to_json) gets the kernel's receive time
 * @rx_wall_us as its time_us, "clock" "kernel-rx"; with -1 it keeps its handling time. */
void
tf_ets_exchange_set_rx (JsonNode *message, gint64 rx_wall_us);

G_END_DECLS
