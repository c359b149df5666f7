/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The broker tf-broker-config sets up, and MQTT clients of every identity:
 * what tf-broker-acl-test and tf-broker-tool-test share. */

#include "config.h"
#include "tf-test-host.h"
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "tf-netns.h"

typedef struct
{
  struct mosquitto *m;
  char *name;
  int connack; /* -1 until CONNACK */
  gboolean subacked;
  int suback_qos;
  int pending_mid, acked_mid;
  GHashTable *got; /* topic -> payload */
} Client;

typedef struct
{
  char *dir, *conf_dir, *lab, *lab_path, *event_path;
  guint16 port, ws_port, tls_port;
  GSubprocess *broker;
  GHashTable *pw; /* user -> password, from the credentials file */
  gboolean anonymous;
} World;

extern World *world;
extern Client *marker, *marker_staff, *marker_acme, *marker_kiwi;
#define EVENT_TEXT                                                                                 \
  "[event]\nname = ACL test\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"            \
  "day-end = 12:00\ntables = 2\n%s\n"                                                              \
  "[company acme]\nname = Acme IoT GmbH\n\n[company kiwi]\nname = Kiwi Networks Ltd\n\n"           \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\ntransports = udp\n"     \
  "security = psk\nboards = b1\nentry-criteria = yes\nentry-criteria-by = staff\n\n"               \
  "[implementation kiwi-s]\ncompany = kiwi\nrole = server\nversions = 1.1\ntransports = udp\n"     \
  "security = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"

typedef gboolean (*ClientPred) (Client *c, gpointer data);

extern const char *report_a;

int
run_tool_event (World *w, char **err, const char *extra, gboolean event_arg);
int
run_tool (World *w, char **err, const char *extra);
void
write_files (World *w, const char *event_extra);
void
load_credentials (World *w);
World *
world_new_full (gboolean anonymous, const char *(*extra) (World *w));
World *
world_new (gboolean anonymous);
void
world_free (World *w);
void
on_connect (struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p);
void
on_subscribe (struct mosquitto *m, void *obj, int mid, int n, const int *qos,
              const mosquitto_property *p);
void
on_publish (struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *p);
void
on_message (struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
            const mosquitto_property *p);
gboolean
wait_for (Client *c, Client *other, ClientPred pred, gpointer data, guint ms);
gboolean
connacked (Client *c, gpointer data);
gboolean
has_topic (Client *c, gpointer topic);
void
client_free (Client *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)
Client *
client_try (World *w, const char *user, const char *password, const char *client_id);
Client *
client (World *w, const char *user);
void
subscribe (Client *c, const char *lab, const char *filter);
void
publish (Client *c, const char *lab, const char *topic, const char *payload, gboolean retain);
gboolean
got (Client *c, const char *lab, const char *topic);
gboolean
delivered (Client *writer, Client *reader, const char *topic, const char *marker_topic);

/* The shared world and its four marker clients, in a network namespace of
 * our own; FALSE (the caller skips) where there is none. */
gboolean
world_setup (void);
void
world_teardown (void);
