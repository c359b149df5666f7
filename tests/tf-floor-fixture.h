/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the floor's ETS and trace tests: one simulated board (sim1, tf-lwm2m-client at
 * 192.0.2.10, on relay1) beside a tf-lwm2m-server [server] at 192.0.2.2, an event whose
 * session alpha-client--gamma-server runs on it, and requests to the daemon with their
 * replies. */
#include "tf-harness.h"

G_BEGIN_DECLS

#define TF_FIXTURE_SESSION "alpha-client--gamma-server"

/* An event file's head: one day, one table, the companies alpha and gamma. */
#define TF_FIXTURE_EVENT_HEAD(name)                                                                \
  "[event]\nname = " name "\ndays = 2030-06-04\ntimezone = UTC\nslot-minutes = 60\n"               \
  "day-start = 09:00\nday-end = 17:00\ntables = 1\n\n"                                             \
  "[company alpha]\nname = Alpha Devices\n\n[company gamma]\nname = Gamma Cloud\n\n"

/* Skips the test (and returns TRUE) unless root with /dev/net/tun: @what it needs them for. */
gboolean
tf_fixture_can_skip (const char *what);

/* The sim file: sim1's firmware tf-lwm2m-client (with --quirk @quirk unless NULL), the
 * [server @server] tf-lwm2m-server with @server_args (NULL: none). */
char *
tf_fixture_sim (const char *quirk, const char *server, const char *server_args);
/* The lab file's body: relay1, sim1 at @address, then @tail (e.g. [ets], [capture]). */
char *
tf_fixture_lab (const char *address, const char *tail);
/* The lab file's [ets] group: the runner (tf-ets-run built here) at 192.0.2.1 in @netns. */
char *
tf_fixture_ets_group (const char *netns);
/* tf-simlab with the controller's port in namespace @netns and a mirror port @ifname (each
 * NULL: none). */
TfHarness *
tf_fixture_harness_new (const char *sim, const char *lab, const char *netns, const char *ifname);
/* Writes @text to the lab directory's @name, with @mode unless 0. */
void
tf_fixture_write (TfHarness *h, const char *name, const char *text, int mode);
/* The lab file names test.event and tests/boards (with @test_ets, the ETS data of tests/ets);
 * the daemon started, its topics watched. */
void
tf_fixture_start (TfHarness *h, gboolean test_ets);
typedef struct _TfReplies TfReplies;
/* tf_fixture_start, then requests (tagged @tag, see tf_replies_new) and @on_message (a
 * TfBus::message handler, with @data) on the watch. */
TfReplies *
tf_fixture_start_watched (TfHarness *h, gboolean test_ets, const char *tag, GCallback on_message,
                          gpointer data);
/* Undoes tf_fixture_start_watched and the harness; removes @netns (unless NULL) if left. */
void
tf_fixture_stop (TfHarness *h, TfReplies *replies, gpointer data, const char *netns);
/* The session scheduled, started by staff, running. */
void
tf_fixture_start_session (TfHarness *h);
/* For tf_harness_wait: the session's retained state contains @needle (a char *). */
gboolean
tf_fixture_in_phase (TfHarness *h, gpointer needle);
/* The text of @m when it is on the session's console topic (either company's), else NULL. */
char *
tf_fixture_console_text (const TfBusMessage *m);
/* Case @id of the session's report as @company reads it (NULL: not in it, or no report). */
JsonObject *
tf_fixture_report_case (TfHarness *h, const char *company, gint id);
/* Removes namespace @netns if tf-simlab left it (one that ends on a critical does). */
void
tf_fixture_del_netns (const char *netns);

/* Requests to the daemon on the harness's watch, their replies kept by correlation. */
/* @tag: the reply topic's last level, and the correlations' prefix. */
TfReplies *
tf_replies_new (TfHarness *h, const char *tag);
/* Before tf_harness_free. */
void
tf_replies_free (TfReplies *r);
/* A request on in/@company/@verb (@company NULL: staff's cmd/@verb); its correlation. */
char *
tf_replies_send (TfReplies *r, const char *company, const char *verb, const char *json);
/* Waits for the reply to @corr; fails the test after @timeout_ms. */
JsonObject *
tf_replies_wait (TfReplies *r, const char *corr, guint timeout_ms);
JsonObject *
tf_replies_request (TfReplies *r, const char *company, const char *verb, const char *json,
                    guint timeout_ms);

G_END_DECLS
