/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* A simulated farm (issue 18) with a real network between its machines: one
 * network namespace per lab host, linked by a veth pair to a bridge in the
 * namespace of the caller, where the central mosquitto and the coordinator
 * run. Addresses: a free /28 of 198.51.100.0/24 (the bridge .1 of it, the
 * hosts after it); nothing is routed out. Per host: its tf-simlab (network =
 * none: boards only), its own mosquitto on 127.0.0.1:1883 of its namespace,
 * bridged to the central one by tf-broker-config's host mode, and its
 * testfestd (role = host). Shared by tests/tf-farm-netns-test.c,
 * bench/bench-farm.c and the tf-farm program (scripts/farm-demo).
 * Needs root. Failures abort (g_error): these are test fixtures. */
#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *name;    /* h1, h2, ... */
  char *netns;   /* tff<pid>-h1 */
  char *veth;    /* the bridge's end of the host's link (in the caller's namespace) */
  char *address; /* the host's address on the farm network */
  char *dir, *lab_path, *sim_path, *broker_conf, *control;
  char *umockdev_dir, *preload;
  GSubprocess *broker, *simlab, *daemon;
  guint daemon_runs;
} TfFarmHost;

typedef struct
{
  char *dir, *lab, *build, *src;
  char *bridge, *gateway; /* the central broker listens on the gateway */
  guint16 central_port;
  char *coord_conf, *staff_pw, *staff_pw_file;
  GSubprocess *central, *coord;
  guint coord_runs;
  guint n_boards;
  gboolean own_dir; /* a temporary folder, removed at the end */
  GPtrArray *hosts; /* TfFarmHost */
  guint reaper[32]; /* clean-ups should the test abort (tf-test-reaper.h) */
} TfFarm;

/* Makes the network and every configuration file; starts nothing. @dir NULL:
 * a temporary folder (removed by tf_farm_free unless TF_KEEP_TEST_DIRS). */
TfFarm *
tf_farm_new (const char *build_root, const char *src_root, const char *dir, guint n_hosts,
             guint n_boards);
/* Stops every process, removes the namespaces, the bridge and a temporary folder. */
void
tf_farm_free (TfFarm *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFarm, tf_farm_free)

TfFarmHost *
tf_farm_host (TfFarm *f, guint i);
/* The central broker, then every host's own broker. */
void
tf_farm_start_brokers (TfFarm *f);
/* Host @i's tf-simlab (once) and its testfestd. */
void
tf_farm_start_host (TfFarm *f, guint i);
void
tf_farm_stop_host (TfFarm *f, guint i, int sig);
void
tf_farm_start_coordinator (TfFarm *f);
/* The coordinator runs @event_text (the floor) from its next start. Its
 * companies need no broker accounts unless they connect. */
void
tf_farm_set_event (TfFarm *f, const char *event_text);
void
tf_farm_stop_coordinator (TfFarm *f, int sig);
/* A real link cut: the bridge's end of host @i's veth pair down (or up again). */
void
tf_farm_set_link (TfFarm *f, guint i, gboolean up);
/* Board @j (1-based) of host @i: lab-wide unique ids h1b1, h1b2, ... */
char *
tf_farm_board_id (TfFarm *f, guint i, guint j);
/* testfestctl as staff against the coordinator; returns its exit status. */
int
tf_farm_ctl (TfFarm *f, char **out, char **err, const char *const *args);
/* Removes what an aborted earlier run (of a process no longer alive) left. */
void
tf_farm_clean_stale (void);

G_END_DECLS
