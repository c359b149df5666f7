/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside TfLab: shared by tf-lab.c and its parts (tf-lab-power.c,
 * tf-lab-hotplug.c, tf-lab-reload.c, tf-lab-flash.c, tf-lab-usb.c) only. */
#include "tf-device-monitor.h"
#include "tf-flasher.h"
#include "tf-image.h"
#include "tf-lab.h"
#include "tf-power-switch.h"
#include "tf-remote-host.h"

G_BEGIN_DECLS

typedef struct
{
  TfLab *lab;
  TfBoard *board;
  TfConsole *console;
  TfPowerSwitch *power;    /* NULL: no power control */
  TfPowerSwitch *boot;     /* NULL: no boot-mode line */
  TfBoardState last_state; /* for the history's "from" */
  GTask *op;               /* the running power operation */
  guint timer_id;          /* off-time or boot timeout of that operation */
  gboolean flashing;       /* a flasher owns the console port now */
  gint64 last_progress;    /* when flash progress was last published */
} BoardCtx;

typedef struct _TfLabMirror TfLabMirror;

struct _TfLab
{
  GObject parent_instance;
  TfLabConfig *config;
  GPtrArray *old_configs; /* boards may still point into these after a reload */
  TfStore *store;
  TfBus *bus;
  TfRpc *rpc;
  TfDeviceMonitor *monitor;
  GHashTable *boards;   /* id -> BoardCtx */
  GHashTable *switches; /* id -> TfPowerSwitch */
  char *prefix;
  char *board_prefix; /* where board/<id>/state goes: prefix, or a farm host's own subtree */
  char *host_topic;
  TfRemoteHosts *remote; /* a farm coordinator's view of its hosts, else NULL */
  GHashTable *mirrors;   /* a farm coordinator: its hosts' boards, id -> TfLabMirror */
  GHashTable *refused;   /* a farm host: its board ids the coordinator refused -> why */
  char *state_dir;
  gint64 started;
  gboolean shutting_down;
  TfImageRegistry *images;
  GPtrArray *pending;     /* TfStoreBoardChange waiting for the group commit */
  GPtrArray *pending_ctx; /* the boards to publish after it */
  guint flush_id;
  gint64 reload_at;   /* the last SIGHUP, 0: none yet */
  char *reload_error; /* why it was refused, in part or whole; NULL: it was taken */
};

/* A power operation, or a flash (which ends in a power cycle and a boot). */
typedef struct
{
  BoardCtx *ctx;
  TfPowerAction action;
  char *cause;
  /* flash only */
  TfImage *image; /* borrowed from the registry */
  TfFlasher *flasher;
  TfFlashJob *job;
  gboolean flashed;          /* the flasher finished: the boot that follows decides */
  GCancellable *cancellable; /* cancelled when the operation is superseded */
  gboolean on_requested;     /* power-on was asked for: a banner from now on is evidence */
  guint entry_next;          /* flash: the next step into the bootloader */
  gboolean entry_waited;     /* flash: the off-time before power-on is over */
} PowerOp;

void
tf_lab_ctx_set_state (BoardCtx *ctx, TfBoardState state, const char *cause, const char *error_msg);
void
tf_lab_ctx_fault (BoardCtx *ctx, const GError *error);
void
tf_lab_ctx_cancel_op (BoardCtx *ctx, const char *why);
void
tf_lab_ctx_console_back (BoardCtx *ctx, const char *devnode);
void
tf_lab_power_op_free (PowerOp *op);
/* The lab's task for a power or flash operation (ctx->op), with the caller's
 * task behind it: see tf-lab-power.c. */
GTask *
tf_lab_op_task_new (TfLab *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                    gpointer user_data, gpointer source_tag);
gboolean
tf_lab_op_task_finish (TfLab *self, GAsyncResult *res, gpointer source_tag, GError **error);
void
tf_lab_ctx_arm_boot_timeout (BoardCtx *ctx);
gboolean
tf_lab_op_is_current (GTask *task);
/* Power-switch callback that continues a power operation (off, off-time, on, boot). */
void
tf_lab_on_switched_off (GObject *source, GAsyncResult *res, gpointer user_data);
BoardCtx *
tf_lab_lookup (TfLab *self, const char *board);
void
tf_lab_flush_changes (TfLab *self);
void
tf_lab_publish_board (TfLab *self, TfBoard *board);
void
tf_lab_emit_board_added (TfLab *self, TfBoard *board);
void
tf_lab_emit_board_removed (TfLab *self, const char *id);
void
tf_lab_emit_reloaded (TfLab *self);
/* The retained host status ("online", with the last reload's outcome). */
void
tf_lab_publish_host (TfLab *self);
/* A board's context: its state restored from the store, its switches and console wired. */
BoardCtx *
tf_lab_board_ctx_new (TfLab *self, const TfBoardConfig *cfg);
/* Add @sc, replacing a switch of the same id (tf_lab_new, and a reload that changed it). */
gboolean
tf_lab_add_switch (TfLab *self, const TfSwitchConfig *sc, GError **error);
/* Open the console and power-cycle (tf-lab-hotplug.c): at start, when the
 * adapter returns, for a board a reload added. */
void
tf_lab_bring_up (BoardCtx *ctx, const char *cause);
/* Create self->monitor and follow the tty side of hot-plug (tf-lab-hotplug.c). */
void
tf_lab_hotplug_attach (TfLab *self);

/* tf-lab-remote.c: a farm coordinator's boards on its hosts; a flash takes
 * minutes, a power operation ends with a boot at most */
#define TF_LAB_REMOTE_POWER_S 300
#define TF_LAB_REMOTE_FLASH_S 1800
#define TF_LAB_REMOTE_LEASE_S 30
void
tf_lab_mirror_free (TfLabMirror *m);
void
tf_lab_remote_attach (TfLab *self);
TfBoard *
tf_lab_remote_board (TfLab *self, const char *id);
TfConsole *
tf_lab_remote_console (TfLab *self, const char *id);
void
tf_lab_publish_console_line (TfLab *self, const char *board, const char *line);
/* Send @verb (@args, taken, gets "board") to @board's host; @task returns its outcome. */
void
tf_lab_remote_op (TfLab *self, const char *board, const char *verb, JsonObject *args,
                  guint timeout_s, GTask *task);

G_END_DECLS
