/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-board"

#include "tf-board.h"
#include "tf-error.h"
#include "tf-time.h"

struct _TfBoard
{
  GObject parent_instance;
  TfBoardConfig config; /* a copy of the strings we need */
  TfBoardState state;
  TfPower power;
  TfHealth health;
  gint64 since; /* µs since the epoch */
  char *cause;
  char *error;
  guint faults; /* consecutive faults, reset by a good boot */
  char *fw_name, *fw_version, *fw_sha256;
  char *session;
  guint64 progress_done, progress_total;
  char *progress_phase;
};

G_DEFINE_TYPE (TfBoard, tf_board, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_LAST
};
static guint signals[SIGNAL_LAST];

static const char *const state_names[] = {
  "off",        "powering-on", "booting",     "ready",     "flashing",
  "in-session", "faulted",     "quarantined", "unplugged",
};

const char *
tf_board_state_to_string (TfBoardState state)
{
  if (state > TF_BOARD_STATE_UNPLUGGED)
    return "invalid";
  return state_names[state];
}

gboolean
tf_board_state_from_string (const char *s, TfBoardState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (s, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

const char *
tf_power_to_string (TfPower power)
{
  return power == TF_POWER_ON ? "on" : power == TF_POWER_OFF ? "off" : "unknown";
}

const char *
tf_health_to_string (TfHealth health)
{
  return health == TF_HEALTH_GOOD ? "good" : health == TF_HEALTH_BAD ? "bad" : "unknown";
}

/* off -> powering-on -> booting -> ready -> (flashing | in-session) -> ready;
 * faulted and unplugged from anywhere; quarantined only from faulted. Staff
 * release quarantine (-> off). A power-off is allowed from any powered state. */
gboolean
tf_board_transition_allowed (TfBoardState from, TfBoardState to)
{
  if (from == TF_BOARD_STATE_QUARANTINED)
    return to == TF_BOARD_STATE_OFF || to == TF_BOARD_STATE_UNPLUGGED;
  switch (to)
    {
    case TF_BOARD_STATE_FAULTED:
    case TF_BOARD_STATE_UNPLUGGED:
    case TF_BOARD_STATE_OFF:
      return TRUE;
    case TF_BOARD_STATE_QUARANTINED:
      return from == TF_BOARD_STATE_FAULTED;
    case TF_BOARD_STATE_POWERING_ON:
      return TRUE;
    case TF_BOARD_STATE_BOOTING:
      return from == TF_BOARD_STATE_POWERING_ON || from == TF_BOARD_STATE_UNPLUGGED
             || from == TF_BOARD_STATE_FLASHING || from == TF_BOARD_STATE_READY
             || from == TF_BOARD_STATE_IN_SESSION;
    case TF_BOARD_STATE_READY:
      /* from off only for boards without a power switch (always powered) */
      return from == TF_BOARD_STATE_BOOTING || from == TF_BOARD_STATE_FLASHING
             || from == TF_BOARD_STATE_POWERING_ON || from == TF_BOARD_STATE_IN_SESSION
             || from == TF_BOARD_STATE_UNPLUGGED || from == TF_BOARD_STATE_READY
             || from == TF_BOARD_STATE_OFF || from == TF_BOARD_STATE_FAULTED;
    case TF_BOARD_STATE_FLASHING:
    case TF_BOARD_STATE_IN_SESSION:
      return from == TF_BOARD_STATE_READY || from == TF_BOARD_STATE_FAULTED
             || from == TF_BOARD_STATE_OFF;
    default:
      return FALSE;
    }
}

static void
tf_board_finalize (GObject *object)
{
  TfBoard *self = TF_BOARD (object);
  g_free (self->config.id);
  g_free (self->config.console);
  g_free (self->config.power_switch);
  g_free (self->config.boot_switch);
  g_free (self->config.table);
  g_free (self->cause);
  g_free (self->error);
  g_free (self->fw_name);
  g_free (self->fw_version);
  g_free (self->fw_sha256);
  g_free (self->session);
  g_free (self->progress_phase);
  G_OBJECT_CLASS (tf_board_parent_class)->finalize (object);
}

static void
tf_board_class_init (TfBoardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_board_finalize;
  /* ::changed — anything published about the board changed */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tf_board_init (TfBoard *self)
{
  self->state = TF_BOARD_STATE_OFF;
  self->power = TF_POWER_UNKNOWN;
  self->health = TF_HEALTH_UNKNOWN;
  self->since = g_get_real_time ();
  self->cause = g_strdup ("daemon started");
}

void
tf_board_set_config (TfBoard *self, const TfBoardConfig *c)
{
  g_free (self->config.id);
  g_free (self->config.console);
  g_free (self->config.power_switch);
  g_free (self->config.boot_switch);
  g_free (self->config.table);
  self->config = *c;
  self->config.id = g_strdup (c->id);
  self->config.console = g_strdup (c->console);
  self->config.power_switch = g_strdup (c->power_switch);
  self->config.boot_switch = g_strdup (c->boot_switch);
  self->config.table = g_strdup (c->table);
}

TfBoard *
tf_board_new (const TfBoardConfig *config)
{
  TfBoard *self = g_object_new (TF_TYPE_BOARD, NULL);
  tf_board_set_config (self, config);
  return self;
}

const char *
tf_board_get_id (TfBoard *self)
{
  return self->config.id;
}

const TfBoardConfig *
tf_board_get_config (TfBoard *self)
{
  return &self->config;
}

TfBoardState
tf_board_get_state (TfBoard *self)
{
  return self->state;
}

TfPower
tf_board_get_power (TfBoard *self)
{
  return self->power;
}

TfHealth
tf_board_get_health (TfBoard *self)
{
  return self->health;
}

const char *
tf_board_get_error (TfBoard *self)
{
  return self->error;
}

const char *
tf_board_get_cause (TfBoard *self)
{
  return self->cause;
}

gint64
tf_board_get_since (TfBoard *self)
{
  return self->since;
}

guint
tf_board_get_faults (TfBoard *self)
{
  return self->faults;
}

gboolean
tf_board_is_busy (TfBoard *self)
{
  return self->state == TF_BOARD_STATE_FLASHING || self->state == TF_BOARD_STATE_IN_SESSION
         || self->session != NULL;
}

gboolean
tf_board_set_state (TfBoard *self, TfBoardState state, const char *cause, const char *error_msg,
                    GError **error)
{
  if (!tf_board_transition_allowed (self->state, state))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "board %s: cannot go from %s to %s",
                   self->config.id, tf_board_state_to_string (self->state),
                   tf_board_state_to_string (state));
      return FALSE;
    }
  g_debug ("board %s: %s -> %s (%s)%s%s", self->config.id, tf_board_state_to_string (self->state),
           tf_board_state_to_string (state), cause, error_msg ? ": " : "",
           error_msg ? error_msg : "");
  if (state == TF_BOARD_STATE_FAULTED)
    self->faults++;
  else if (state == TF_BOARD_STATE_READY)
    self->faults = 0;
  self->state = state;
  g_clear_pointer (&self->progress_phase, g_free);
  self->since = g_get_real_time ();
  g_free (self->cause);
  self->cause = g_strdup (cause);
  g_free (self->error);
  self->error = g_strdup (error_msg);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

void
tf_board_set_power (TfBoard *self, TfPower power)
{
  if (self->power == power)
    return;
  self->power = power;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
tf_board_set_health (TfBoard *self, TfHealth health)
{
  if (self->health == health)
    return;
  self->health = health;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
tf_board_set_firmware (TfBoard *self, const char *name, const char *version, const char *sha256)
{
  if (g_strcmp0 (self->fw_name, name) == 0 && g_strcmp0 (self->fw_version, version) == 0
      && g_strcmp0 (self->fw_sha256, sha256) == 0)
    return;
  g_free (self->fw_name);
  g_free (self->fw_version);
  g_free (self->fw_sha256);
  self->fw_name = g_strdup (name);
  self->fw_version = g_strdup (version);
  self->fw_sha256 = g_strdup (sha256);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
tf_board_set_session (TfBoard *self, const char *session)
{
  if (g_strcmp0 (self->session, session) == 0)
    return;
  g_free (self->session);
  self->session = g_strdup (session);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

const char *
tf_board_get_firmware_name (TfBoard *self)
{
  return self->fw_name;
}

const char *
tf_board_get_firmware_version (TfBoard *self)
{
  return self->fw_version;
}

const char *
tf_board_get_firmware_sha256 (TfBoard *self)
{
  return self->fw_sha256;
}

const char *
tf_board_get_session (TfBoard *self)
{
  return self->session;
}

void
tf_board_set_progress (TfBoard *self, guint64 done, guint64 total, const char *phase)
{
  self->progress_done = done;
  self->progress_total = total;
  g_free (self->progress_phase);
  self->progress_phase = g_strdup (phase);
}

void
tf_board_reset_faults (TfBoard *self)
{
  self->faults = 0;
}

void
tf_board_restore (TfBoard *self, TfBoardState state, guint faults, const char *fw_name,
                  const char *fw_version, const char *fw_sha256)
{
  /* only quarantine outlives a restart: staff must release it */
  if (state == TF_BOARD_STATE_QUARANTINED)
    {
      self->state = state;
      g_free (self->cause);
      self->cause = g_strdup ("quarantined before the daemon restarted");
    }
  self->faults = faults;
  g_free (self->fw_name);
  g_free (self->fw_version);
  g_free (self->fw_sha256);
  self->fw_name = g_strdup (fw_name);
  self->fw_version = g_strdup (fw_version);
  self->fw_sha256 = g_strdup (fw_sha256);
}

static void
add_nullable (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
tf_board_to_json (TfBoard *self, const char *host)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GDateTime) dt = tf_time_from_usec (self->since);
  g_autofree char *since = g_date_time_format_iso8601 (dt);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  add_nullable (b, "id", self->config.id);
  add_nullable (b, "type", self->config.type != NULL ? self->config.type->name : NULL);
  add_nullable (b, "host", host);
  add_nullable (b, "table", self->config.table);
  add_nullable (b, "state", tf_board_state_to_string (self->state));
  add_nullable (b, "power", tf_power_to_string (self->power));
  add_nullable (b, "health", tf_health_to_string (self->health));
  add_nullable (b, "since", since);
  add_nullable (b, "cause", self->cause);
  add_nullable (b, "error", self->error);
  json_builder_set_member_name (b, "faults");
  json_builder_add_int_value (b, self->faults);
  add_nullable (b, "console", self->config.console);
  add_nullable (b, "session", self->session);
  if (self->state == TF_BOARD_STATE_FLASHING && self->progress_phase != NULL)
    {
      json_builder_set_member_name (b, "progress");
      json_builder_begin_object (b);
      add_nullable (b, "phase", self->progress_phase);
      json_builder_set_member_name (b, "done");
      json_builder_add_int_value (b, self->progress_done);
      json_builder_set_member_name (b, "total");
      json_builder_add_int_value (b, self->progress_total);
      json_builder_set_member_name (b, "percent");
      json_builder_add_int_value (
          b, self->progress_total ? self->progress_done * 100 / self->progress_total : 0);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "firmware");
  if (self->fw_name != NULL || self->fw_sha256 != NULL)
    {
      json_builder_begin_object (b);
      add_nullable (b, "name", self->fw_name);
      add_nullable (b, "version", self->fw_version);
      add_nullable (b, "sha256", self->fw_sha256);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
