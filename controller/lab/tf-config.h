/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "tf-board-type.h"

G_BEGIN_DECLS

/* A [switch ID] group: the common keys, and those of its backend, which
 * checked them when the lab file was read (TfPowerSwitchClass.load_config). */
typedef struct
{
  char *id;
  char *type;  /* the backend's registered name: lcus-relay, command, usb-hub */
  GType gtype; /* its TfPowerSwitch subclass */
  guint off_time_ms;
  guint channels;
  /* lcus-relay: the tty; usb-hub: the hub's location (bus-port path "1-1.4") or NULL */
  char *device;
  /* usb-hub found by ids instead: VID:PID (0: any) and iSerial */
  guint16 usb_vid, usb_pid;
  char *usb_serial;
  /* command: argv templates with {channel} {board} {state} */
  char *on_command;
  char *off_command;
  guint timeout_ms;
} TfSwitchConfig;

typedef struct
{
  char *id;
  TfBoardType *type;  /* borrowed from TfLabConfig.types */
  char *console;      /* device node, e.g. /dev/ttyACM0 */
  char *power_switch; /* NULL: no power control */
  guint power_channel;
  char *boot_switch; /* NULL: none */
  guint boot_channel;
  char *table;
  char *usb_path;   /* the console adapter's USB position ("1-2.1"), or NULL */
  char *usb_serial; /* or its iSerial (with the type's console usb-id), or NULL */
  GStrv addresses;  /* address = 192.0.2.10 2001:db8::10: the board's on the lab network */
  guint line;       /* where [board ID] stands, for messages */
} TfBoardConfig;

/* [lab] role: what this daemon is in a farm of several hosts (issue 18) */
typedef enum
{
  TF_LAB_ROLE_BOTH,        /* one machine: its boards and the floor, as a lab always was */
  TF_LAB_ROLE_HOST,        /* owns its boards, serves them under tf/<lab>/host/<host>/ */
  TF_LAB_ROLE_COORDINATOR, /* owns no boards: the floor over its hosts' boards */
} TfLabRole;

gboolean
tf_lab_role_from_string (const char *s, TfLabRole *role);

typedef struct
{
  char *path;
  char *lab;
  char *host;
  TfLabRole role;
  char *state_dir;
  GStrv boards_dirs;
  char *images;  /* the images file, or NULL */
  char *ets_dir; /* the ETS test catalogue (default: the installed one) */
  char *event;   /* the TestFest event file, or NULL */
  /* broker */
  char *broker_host;
  guint broker_port;
  gboolean broker_tls;
  char *broker_user;
  char *broker_password_file;
  char *broker_ca_file;
  guint keepalive_s;
  /* console */
  guint ring_lines;
  guint64 log_max_bytes;
  guint quarantine_after; /* consecutive faults before quarantine */
  /* [capture]: the interface the boards' traffic crosses, NULL for no capture */
  char *capture_interface;
  guint64 capture_rotate_bytes; /* a session's pcapng part is closed beyond this */
  guint64 capture_max_bytes;    /* a session's trace stops growing beyond this */
  /* [ets]: where the lab's runner listens on the lab network, NULL for no runner */
  char *ets_address;
  char *ets_netns;             /* the namespace holding it, or NULL (the daemon's) */
  GStrv ets_runner_path;       /* directories searched for runners first, or NULL */
  guint64 ets_answer_wait_s;   /* the runner's --answer-wait (45) */
  guint64 ets_register_wait_s; /* and --register-wait (60) */
  guint64 ets_operator_wait_s; /* and --operator-wait, a server under test's (120) */
  guint16 ets_client_ports[2]; /* the lab client's ports, two per server-side run (15700-15799) */
  /* [farm]: a running session on a lost host keeps its board this long (30) */
  guint64 host_loss_grace_s;
  GPtrArray *switches; /* TfSwitchConfig */
  GPtrArray *boards;   /* TfBoardConfig */
  GHashTable *types;   /* name -> TfBoardType */
} TfLabConfig;

TfLabConfig *
tf_lab_config_load (const char *path, GError **error);
void
tf_lab_config_free (TfLabConfig *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLabConfig, tf_lab_config_free)

TfSwitchConfig *
tf_lab_config_find_switch (TfLabConfig *self, const char *id);
TfBoardConfig *
tf_lab_config_find_board (TfLabConfig *self, const char *id);
gboolean
tf_board_config_equal (const TfBoardConfig *a, const TfBoardConfig *b);
gboolean
tf_switch_config_equal (const TfSwitchConfig *a, const TfSwitchConfig *b);

/* The password for the broker, read from password_file (first line), or NULL. */
char *
tf_lab_config_read_password (TfLabConfig *self, GError **error);

G_END_DECLS
