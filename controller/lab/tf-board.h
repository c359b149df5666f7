/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "tf-config.h"

G_BEGIN_DECLS

typedef enum
{
  TF_BOARD_STATE_OFF,
  TF_BOARD_STATE_POWERING_ON,
  TF_BOARD_STATE_BOOTING,
  TF_BOARD_STATE_READY,
  TF_BOARD_STATE_FLASHING,
  TF_BOARD_STATE_IN_SESSION,
  TF_BOARD_STATE_FAULTED,
  TF_BOARD_STATE_QUARANTINED,
  TF_BOARD_STATE_UNPLUGGED,
} TfBoardState;

typedef enum
{
  TF_POWER_UNKNOWN,
  TF_POWER_OFF,
  TF_POWER_ON,
} TfPower;

/* labgrid/LAVA-style health: infrastructure trouble makes it unknown, never bad */
typedef enum
{
  TF_HEALTH_UNKNOWN,
  TF_HEALTH_GOOD,
  TF_HEALTH_BAD,
} TfHealth;

const char *
tf_board_state_to_string (TfBoardState state);
gboolean
tf_board_state_from_string (const char *s, TfBoardState *state);
const char *
tf_power_to_string (TfPower power);
const char *
tf_health_to_string (TfHealth health);

#define TF_TYPE_BOARD (tf_board_get_type ())
G_DECLARE_FINAL_TYPE (TfBoard, tf_board, TF, BOARD, GObject)

TfBoard *
tf_board_new (const TfBoardConfig *config);
const char *
tf_board_get_id (TfBoard *self);
const TfBoardConfig *
tf_board_get_config (TfBoard *self);
void
tf_board_set_config (TfBoard *self, const TfBoardConfig *config);
TfBoardState
tf_board_get_state (TfBoard *self);
TfPower
tf_board_get_power (TfBoard *self);
TfHealth
tf_board_get_health (TfBoard *self);
const char *
tf_board_get_error (TfBoard *self);
const char *
tf_board_get_cause (TfBoard *self);
gint64
tf_board_get_since (TfBoard *self);
guint
tf_board_get_faults (TfBoard *self);
gboolean
tf_board_is_busy (TfBoard *self);

/* Whether the state machine allows @from -> @to. */
gboolean
tf_board_transition_allowed (TfBoardState from, TfBoardState to);

/* Move to @state for @cause; @error is the reason for faulted/quarantined.
 * Emits "changed" (which the lab stores, then publishes). Refused moves fail. */
gboolean
tf_board_set_state (TfBoard *self, TfBoardState state, const char *cause, const char *error_msg,
                    GError **error);
void
tf_board_set_power (TfBoard *self, TfPower power);
void
tf_board_set_health (TfBoard *self, TfHealth health);
void
tf_board_set_firmware (TfBoard *self, const char *name, const char *version, const char *sha256);
void
tf_board_set_session (TfBoard *self, const char *session);
const char *
tf_board_get_firmware_name (TfBoard *self);
const char *
tf_board_get_firmware_version (TfBoard *self);
const char *
tf_board_get_firmware_sha256 (TfBoard *self);
const char *
tf_board_get_session (TfBoard *self);
/* Flash progress: published (throttled) with the state, never stored. */
void
tf_board_set_progress (TfBoard *self, guint64 done, guint64 total, const char *phase);
/* Staff released the board: its count of consecutive faults starts again. */
void
tf_board_reset_faults (TfBoard *self);
/* Restore what the store remembers without emitting anything. */
void
tf_board_restore (TfBoard *self, TfBoardState state, guint faults, const char *fw_name,
                  const char *fw_version, const char *fw_sha256);

/* The retained state payload (schema 1). */
JsonNode *
tf_board_to_json (TfBoard *self, const char *host);

G_END_DECLS
