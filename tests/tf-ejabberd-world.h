/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* ejabberd's mod_mqtt as the lab's broker, for the tests (tf-ejabberd-test):
 * tf-broker-config --ejabberd on a TfHarness lab, the harness's mosquitto
 * stopped, one or two ejabberd nodes (our own children, their own epmd on a
 * free loopback port), the accounts registered by the generated script. */
#include "tf-harness.h"

G_BEGIN_DECLS

extern const char *const tf_ej_event_text;

typedef struct
{
  char *name; /* the Erlang node, NAME@localhost */
  char *yml, *spool, *log;
  guint16 mqtt_port;
  GSubprocess *proc;
  gboolean exited;
} Node;

typedef struct
{
  TfHarness *h;
  char *cookie, *ej_dir, *ctl;
  gboolean tls; /* the lab's broker speaks TLS (ca.pem, a self-signed certificate) */
  guint16 epmd_port, ws_port;
  GSubprocess *epmd;
  Node node[2];
  GHashTable *pw; /* account -> password */
} World;

char *
tool (const char *name);
/* @nodes 1 or 2 (joined in a cluster); @hosts: --host names for tf-broker-config (nullable) */
World *
world_new (guint nodes, gboolean tls, const char *const *hosts);
void
world_free (World *w);
/* an ejabberdctl command on @node (fails the test when @must and it fails) */
char *
ctl (World *w, const char *node, gboolean must, ...) G_GNUC_NULL_TERMINATED;
void
watch_as_staff (World *w, guint16 port);
gboolean
host_is (TfHarness *h, gpointer state);
/* mosquitto_sub or mosquitto_pub as @user: (program, args..., NULL) */
char *
mosq (World *w, guint16 port, const char *user, const char *client_id, ...) G_GNUC_NULL_TERMINATED;
char *
topic (World *w, const char *suffix);
int
puback_rc (const char *out);
gboolean
daemon_log_has (TfHarness *h, gpointer needle);
char *
password_file (World *w, const char *user);

G_END_DECLS
