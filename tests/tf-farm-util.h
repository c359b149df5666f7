/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A farm of two lab hosts ("a", "b") and a coordinator (tf-farm-util.c). */
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tf-harness.h"

G_BEGIN_DECLS

#define WAIT_MS 90000 /* a bridge retries with a back-off capped at 30 s */

extern const char *const tf_farm_host_names[2];

typedef struct
{
  const char *const *sim_text; /* [2]: each host's sim file */
  const char *const *lab_body; /* [2]: each host's lab file after [lab] and [broker] */
  const char *event_text;      /* the event (its companies get broker accounts) */
  gboolean coordinator_event;  /* the coordinator runs it: the floor */
  const char *images_text;     /* images.conf of the coordinator and the hosts, NULL: none */
} FarmSetup;

typedef struct
{
  char *dir, *lab;
  guint16 central_port;
  GSubprocess *central, *coord, *host_broker[2];
  guint coord_runs;
  char *coord_conf, *staff_pw;
  TfHarness *host[2]; /* each: its tf-simlab and its testfestd */
  TfBus *watch;       /* staff on the central broker */
  GHashTable *retained;
  GPtrArray *seen; /* "topic payload" of every message, in order */
} Farm;

/* The brokers started and staff watching; no daemon yet. */
Farm *
farm_new (const FarmSetup *setup);
void
farm_free (Farm *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Farm, farm_free)

const char *
src (void);
char *
exe (const char *name);
GSubprocess *
broker_start (Farm *f, const char *conf, guint16 port);
void
stop (GSubprocess **p, int sig);
void
coord_start (Farm *f);
/* The retained board state under tf/<lab>/<prefix>board/<id>/state. */
JsonObject *
board_of (Farm *f, const char *prefix, const char *id);
/* Until the coordinator shows @board in @state (and @cause, when given). */
void
wait_board (Farm *f, const char *board, const char *state, const char *cause);
/* testfestctl as staff, against the coordinator on the central broker */
int
ctl (Farm *f, char **out, char **err, const char *const *args);

G_END_DECLS
