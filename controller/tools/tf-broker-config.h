/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* tf-broker-config's parts: the accounts and files (tf-broker-files.c), the
 * farm's hosts and their bridges (tf-broker-host.c), the lab's own broker
 * (tf-broker-config.c). */
#include <glib.h>

#include "tf-config.h"
#include "tf-event.h"

G_BEGIN_DECLS

/* mosquitto_passwd's format for PBKDF2-SHA512 ("$7$"), with its defaults */
#define TF_BROKER_PW_ITERATIONS 101
#define TF_BROKER_PW_SALT_LEN 12
#define TF_BROKER_PW_HASH_LEN 64

/* The largest MQTT packet a broker takes from anyone: requests are capped
 * at 64 KiB by the daemon, reports with their evidence stay well below. */
#define TF_BROKER_MAX_PACKET_SIZE (1024 * 1024)

typedef enum
{
  TF_BROKER_ROLE_DAEMON,
  TF_BROKER_ROLE_STAFF,
  TF_BROKER_ROLE_COMPANY,
  TF_BROKER_ROLE_HOST, /* a lab host of a farm: its bridge's account on the central broker */
} TfBrokerRole;

typedef struct
{
  char *user;
  char *password;
  TfBrokerRole role;
  char *comment; /* the company's name, or the host's */
} TfBrokerAccount;

typedef struct
{
  char *lab_path, *event_path, *out_dir;
  int ws_port, tls_port, wss_port;
  char *bind, *cert, *key, *cafile, *persistence, *log_file, *anonymous_read, *owner, *plugin;
  GStrv staff;
  GStrv hosts; /* --host: the farm's lab hosts bridged to this (central) broker */
  char *bridge_to, *bridge_credentials, *bridge_cafile; /* a host's own broker */
  char *ejabberd; /* --ejabberd DOMAIN: ejabberd's mod_mqtt instead of mosquitto */
  gboolean renew;
  /* derived */
  TfLabConfig *lab;
  TfEvent *event;
  gboolean anonymous;
  char *daemon_user;
  char *daemon_password_file;
  GPtrArray *accounts; /* TfBrokerAccount */
  GHashTable *known;   /* user -> password, from an earlier run */
} TfBrokerTool;

/* tf-broker-files.c */
void
tf_broker_account_free (TfBrokerAccount *a);
char *
tf_broker_password_line (const char *user, const char *password, GError **error);
gboolean
tf_broker_write_file (const char *path, const char *text, int mode, const char *group,
                      GError **error);
gboolean
tf_broker_give_to_broker (TfBrokerTool *t, const char *path, GError **error);
void
tf_broker_load_known (TfBrokerTool *t, const char *path);
gboolean
tf_broker_add_account (TfBrokerTool *t, const char *user, TfBrokerRole role, const char *comment,
                       GError **error);
gboolean
tf_broker_prepare_daemon_account (TfBrokerTool *t, GError **error);
gboolean
tf_broker_prepare_dirs (TfBrokerTool *t, GError **error);
gboolean
tf_broker_write_accounts (TfBrokerTool *t, const char *passwd, const char *creds, const char *title,
                          GError **error);
const char *
tf_broker_role_name (TfBrokerRole r);

/* tf-broker-config.c: the same for mosquitto and ejabberd (NULL-terminated, below tf/LAB/) */
/* the floor: what anyone allowed to watch reads (mosquitto: anonymous too, if allowed) */
extern const char *const tf_broker_floor_topics[];
/* what the daemon publishes: its host status, boards, the floor, the companies' private
 * reports, consoles and traces, the regression queue, replies */
extern const char *const tf_broker_daemon_topics[];

/* tf-broker-host.c */
/* what a host publishes under tf/LAB/host/NAME/ (NULL-terminated) */
extern const char *const tf_broker_host_out_topics[];
gboolean
tf_broker_add_hosts (TfBrokerTool *t, GError **error);
void
tf_broker_acl_farm (TfBrokerTool *t, GString *s, const TfBrokerAccount *a);
gboolean
tf_broker_write_host_credentials (TfBrokerTool *t, GError **error);
gboolean
tf_broker_run_host (TfBrokerTool *t, GError **error);

/* tf-broker-ejabberd.c */
gboolean
tf_broker_run_ejabberd (TfBrokerTool *t, const char *creds, GError **error);

G_END_DECLS
