/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-board.h"
#include "tf-bus.h"
#include "tf-config.h"
#include "tf-console.h"
#include "tf-image.h"
#include "tf-remote-host.h"
#include "tf-rpc.h"
#include "tf-store.h"

G_BEGIN_DECLS

typedef enum
{
  TF_POWER_ACTION_OFF,
  TF_POWER_ACTION_ON,
  TF_POWER_ACTION_CYCLE,
} TfPowerAction;

gboolean
tf_power_action_from_string (const char *s, TfPowerAction *action);

/* The lab this daemon owns: boards, their switches and consoles, the store
 * and the bus. Every board change is stored, then published (retained). */
#define TF_TYPE_LAB (tf_lab_get_type ())
G_DECLARE_FINAL_TYPE (TfLab, tf_lab, TF, LAB, GObject)

/* Where the store, console logs and traces live. */
const char *
tf_lab_get_state_dir (TfLab *self);
/* Takes @config. Opens the store under @state_dir. */
TfLab *
tf_lab_new (TfLabConfig *config, const char *state_dir, GError **error);
/* Connect to the broker and bring every board up (power cycle where a switch exists). */
gboolean
tf_lab_start (TfLab *self, GError **error);
/* Cancel everything, close ports, publish offline, flush the store. */
void
tf_lab_shutdown (TfLab *self);
/* Apply a new lab file: add and remove idle boards, never touch a busy one. Takes @config. */
gboolean
tf_lab_reload (TfLab *self, TfLabConfig *config, GError **error);
/* Signals: "board-added" (TfBoard, by a reload), "board-removed" (board id,
 * emitted while tf_lab_get_board still finds it), "reloaded". */
/* The outcome of a reload (NULL: taken), shown in the retained host status. */
void
tf_lab_report_reload (TfLab *self, const GError *error);

TfLabConfig *
tf_lab_get_config (TfLab *self);
TfStore *
tf_lab_get_store (TfLab *self);
TfBus *
tf_lab_get_bus (TfLab *self);
const char *
tf_lab_get_prefix (TfLab *self); /* "tf/<lab>/" */
gint64
tf_lab_get_started (TfLab *self);
TfBoard *
tf_lab_get_board (TfLab *self, const char *id);
/* All boards, sorted by id; free the array, not the boards. */
GPtrArray *
tf_lab_get_boards (TfLab *self);
TfConsole *
tf_lab_get_console (TfLab *self, const char *id);

/* Switch a board and wait for evidence: "on"/"cycle" finish when the boot
 * banner was seen (ready) and fail when it was not (faulted). */
void
tf_lab_power_async (TfLab *self, const char *board, TfPowerAction action, const char *cause,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean
tf_lab_power_finish (TfLab *self, GAsyncResult *res, GError **error);
/* Write @image to @board (see tf-lab-flash.c); finishes when the new firmware has booted. */
void
tf_lab_flash_async (TfLab *self, const char *board, const char *image, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data);
gboolean
tf_lab_flash_finish (TfLab *self, GAsyncResult *res, GError **error);
TfImageRegistry *
tf_lab_get_images (TfLab *self);

/* Staff: quarantined -> off. */
gboolean
tf_lab_release (TfLab *self, const char *board, GError **error);

/* Publish the retained state of every board and the host status. */
void
tf_lab_publish_all (TfLab *self);

/* role = coordinator: the hosts' boards (tf-remote-host.h); NULL otherwise. */
TfRemoteHosts *
tf_lab_get_remote_hosts (TfLab *self);

/* A farm coordinator: @board is on one of its hosts (a mirror of the host's
 * board; its power and flash are that host's verbs, tf-lab-remote.c). */
gboolean
tf_lab_board_is_remote (TfLab *self, const char *board);
/* The host that has @board: ours for our own, its farm host for a host's
 * board, NULL for none (placement spreads work over hosts by it). */
const char *
tf_lab_board_host (TfLab *self, const char *board);

/* A farm host: the coordinator refused its board @board (@owner's id); shown
 * in the retained host status until the daemon restarts. */
void
tf_lab_note_refused (TfLab *self, const char *board, const char *owner);

/* Requests and answers (core's TfRpc on the lab's bus): the lab's own verbs
 * are registered in tf-lab-commands.c; other layers add theirs. */
TfRpc *
tf_lab_get_rpc (TfLab *self);
void
tf_lab_add_verbs (TfLab *self);

G_END_DECLS
