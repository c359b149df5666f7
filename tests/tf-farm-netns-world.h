/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The three-host farm in network namespaces that tf-farm-netns-test and
 * tf-farm-netns-three-test share: its start, its watch on the central broker
 * and the waits and readings both use. */

#include "config.h"
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "tf-bus.h"
#include "tf-farm-net.h"
#include "tf-sim-client.h"
#include "tf-test-host.h"
#include <json-glib/json-glib.h>

#define N_HOSTS 3
#define N_BOARDS 2
#define WAIT_MS 120000 /* start-up on a loaded machine; a bridge's back-off is 30 s */
#define LINK_LOSS_S 30 /* docs/farm.md: 1.5 x the bridge keepalive (7.5 s) + 22.5 s */
#define WILL_LOSS_S 30 /* a host daemon's own will: its 5 s keepalive, generously */

typedef struct
{
  TfFarm *farm;
  TfBus *watch;
  GHashTable *retained;
  char *console_topic; /* the central broker's copy of h2b1's console lines ... */
  GPtrArray *console;  /* ... in the order it delivered them */
  GPtrArray *sessions; /* "topic payload" of every session state, in order */
} World;

typedef gboolean (*Pred) (World *w, gconstpointer data);
typedef struct
{
  guint host; /* every board of it */
  const char *state, *cause;
} Want;

typedef struct
{
  int connack, acked_mid, acked_rc;
} Pub;

#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm netns\ndays = 2030-01-07\ntimezone = UTC\nslot-minutes = 60\n"             \
  "day-start = 09:00\nday-end = 17:00\ntables = 2\n\n"                                             \
  "[company acme]\nname = Acme IoT GmbH\n\n[company beta]\nname = Beta Sensors\n\n"                \
  "[company zeta]\nname = Zeta Cloud\n\n"                                                          \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nboards = h2b1\nentry-criteria = yes\n"                      \
  "entry-criteria-by = staff\n\n"                                                                  \
  "[implementation beta-c]\ncompany = beta\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nboards = h2b2\nentry-criteria = yes\n"                      \
  "entry-criteria-by = staff\n\n"                                                                  \
  "[implementation zeta-s]\ncompany = zeta\nrole = server\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nserver-uri = coap://zeta.test:5683\n"                       \
  "entry-criteria = yes\nentry-criteria-by = staff\n"
#define S_RUN "acme-c--zeta-s"
#define S_AHEAD "beta-c--zeta-s"
typedef struct
{
  const char *id, *text;
} SessionWant;

#define CUT_LINES 24 /* half printed as the link goes down, half once h2 is lost */
typedef struct
{
  const char *tag;
  guint n;
} Numbered;

World *
world_new (void);
void
world_free (World *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)
gboolean
wait_for (World *w, Pred pred, gconstpointer data, guint ms);
JsonObject *
board_of (World *w, const char *prefix, const char *id);
char *
field (World *w, const char *id, const char *member);
gboolean
host_boards_are (World *w, gconstpointer data);
double
wait_host (World *w, guint host, const char *state, const char *cause, guint ms);
gboolean
as_host_says (World *w, gconstpointer data);
gboolean
never (World *w, gconstpointer data);
void
wait_listing_all_ready (World *w);
void
forge_other_host (World *w);
guint
session_published (World *w, const char *id, const char *text);
gboolean
session_now (World *w, gconstpointer data);
gboolean
h2b1_held (World *w, gconstpointer data);
void
wait_session (World *w, const char *id, const char *text);
char *
coord_console_log (World *w, const char *id);
gboolean
coord_logged (World *w, gconstpointer data);
void
console_lines_while_cut (World *w, const char *tag, guint from, guint to);
void
console_after_return (World *w, const char *tag);
