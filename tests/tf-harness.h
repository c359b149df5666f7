/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The integration-test world: a real mosquitto on a free loopback port,
 * tf-simlab owning an emulated lab, testfestd under umockdev's preload, and
 * an MQTT client that remembers every retained message. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tf-bus.h"

G_BEGIN_DECLS

typedef struct
{
  char *dir;
  guint reaper_dir; /* its removal should the test abort */
  char *lab;        /* lab name */
  guint16 port;
  GSubprocess *broker;
  GSubprocess *simlab;
  char *umockdev_dir;
  char *preload; /* LD_PRELOAD of the lab, as tf-simlab printed it */
  char *control;
  GSubprocess *daemon;
  char *lab_path, *sim_path, *state_dir;
  TfBus *watch;
  GHashTable *retained; /* topic -> payload (char *) */
  guint daemon_runs;
  char *clock;                 /* libfaketime's FAKETIME for the daemon, NULL: the real clock */
  gboolean broker_persistence; /* the broker keeps retained messages across restarts */
  GStrv simlab_args;           /* more arguments of tf-simlab (tf_harness_new_full) */
} TfHarness;

/* @sim is a sim file, @lab_body the lab file after its [lab] and [broker] groups. */
TfHarness *
tf_harness_new (const char *sim, const char *lab_body);
/* The same, tf-simlab started with @simlab_args too (e.g. --mirror IFNAME). */
TfHarness *
tf_harness_new_full (const char *sim, const char *lab_body, const char *const *simlab_args);
void
tf_harness_free (TfHarness *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfHarness, tf_harness_free)

void
tf_harness_start_broker (TfHarness *h);
void
tf_harness_stop_broker (TfHarness *h);
void
tf_harness_start_daemon (TfHarness *h);
/* The same with one more environment variable (e.g. NOTIFY_SOCKET). */
void
tf_harness_start_daemon_env (TfHarness *h, const char *name, const char *value);
/* The daemon's wall clock starts at @when ("YYYY-MM-DD HH:MM:SS", UTC) and
 * runs on: libfaketime below libc, as umockdev is below the devices. */
void
tf_harness_set_clock (TfHarness *h, const char *when);
/* Send @sig and wait for the daemon to exit; returns its wait status. */
int
tf_harness_stop_daemon (TfHarness *h, int sig);
void
tf_harness_watch (TfHarness *h);

/* Run the main loop until @pred holds or @timeout_ms passes; returns whether it held. */
typedef gboolean (*TfHarnessPred) (TfHarness *h, gpointer data);
gboolean
tf_harness_wait (TfHarness *h, TfHarnessPred pred, gpointer data, guint timeout_ms);
void
tf_harness_sleep (TfHarness *h, guint ms);

/* The retained state of a board as JSON (NULL when none). */
JsonObject *
tf_harness_board (TfHarness *h, const char *board);
const char *
tf_harness_board_state (TfHarness *h, const char *board);
gboolean
tf_harness_wait_board_state (TfHarness *h, const char *board, const char *state, guint timeout_ms);
const char *
tf_harness_retained (TfHarness *h, const char *topic_suffix);

/* The simulated board's boot count (tf-simlab's "get BOARD"). */
int
tf_harness_boots (TfHarness *h, const char *board);
/* Fails the test, showing both, unless @text contains @needle. */
void
tf_harness_assert_contains (const char *text, const char *needle);
/* A line to tf-simlab's control socket; returns its answer line. */
char *
tf_harness_sim (TfHarness *h, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Run testfestctl with the lab file; returns the exit status. */
int
tf_harness_ctl (TfHarness *h, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;

char *
tf_harness_path (TfHarness *h, const char *name);

G_END_DECLS
