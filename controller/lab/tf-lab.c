/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-lab"

#include "config.h"

#include "tf-lab.h"
#include "tf-lab-private.h"
#include "tf-lab-usb.h"
#include "tf-device-monitor.h"
#include "tf-error.h"
#include "tf-time.h"
#include "tf-power-switch.h"

#include <string.h>

/* The lab object itself: publishing, board contexts and their console
 * evidence, the bus, construction and teardown. Its other parts live beside
 * it on tf-lab-private.h: power operations (tf-lab-power.c), bring-up and
 * hot-plug (tf-lab-hotplug.c, tf-lab-usb.c), SIGHUP (tf-lab-reload.c),
 * flashing (tf-lab-flash.c). */

G_DEFINE_TYPE (TfLab, tf_lab, G_TYPE_OBJECT)

/* The lab talks upward only by these (as fwupd's device list does): the
 * floor and any other layer above subscribe; the lab never names them. */
enum
{
  SIGNAL_BOARD_ADDED,
  SIGNAL_BOARD_REMOVED,
  SIGNAL_RELOADED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

void
tf_lab_emit_board_added (TfLab *self, TfBoard *board)
{
  g_signal_emit (self, signals[SIGNAL_BOARD_ADDED], 0, board);
}

void
tf_lab_emit_board_removed (TfLab *self, const char *id)
{
  g_signal_emit (self, signals[SIGNAL_BOARD_REMOVED], 0, id);
}

void
tf_lab_emit_reloaded (TfLab *self)
{
  g_signal_emit (self, signals[SIGNAL_RELOADED], 0);
}

/* --- publishing ----------------------------------------------------------- */

void
tf_lab_publish_board (TfLab *self, TfBoard *board)
{
  g_autoptr (JsonNode) node = tf_board_to_json (board, self->config->host);
  g_autofree char *json = json_to_string (node, FALSE);
  g_autofree char *topic
      = g_strdup_printf ("%sboard/%s/state", self->board_prefix, tf_board_get_id (board));
  g_autoptr (GError) error = NULL;
  if (!tf_bus_publish (self->bus, topic, json, strlen (json), TRUE, &error))
    g_debug ("board %s: not published: %s", tf_board_get_id (board), error->message);
}

static char *
host_status_json (TfLab *self, const char *state, const char *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GDateTime) dt = tf_time_from_usec (self->started);
  g_autofree char *since = g_date_time_format_iso8601 (dt);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, self->config->host);
  json_builder_set_member_name (b, "lab");
  json_builder_add_string_value (b, self->config->lab);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, TF_VERSION);
  json_builder_set_member_name (b, "started");
  json_builder_add_string_value (b, since);
  json_builder_set_member_name (b, "boards");
  json_builder_add_int_value (b, g_hash_table_size (self->boards));
  if (self->config->role != TF_LAB_ROLE_BOTH)
    {
      static const char *const roles[] = { "both", "host", "coordinator" };
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, roles[self->config->role]);
    }
  if (self->remote != NULL)
    {
      /* the farm as the coordinator sees it: hosts lost, board ids refused */
      json_builder_set_member_name (b, "hosts");
      json_builder_add_value (b, tf_remote_hosts_to_json (self->remote));
    }
  if (self->refused != NULL && g_hash_table_size (self->refused) > 0)
    {
      g_autoptr (GList) ids
          = g_list_sort (g_hash_table_get_keys (self->refused), (GCompareFunc)g_strcmp0);
      json_builder_set_member_name (b, "refused");
      json_builder_begin_object (b);
      for (GList *l = ids; l != NULL; l = l->next)
        {
          json_builder_set_member_name (b, l->data);
          json_builder_add_string_value (b, g_hash_table_lookup (self->refused, l->data));
        }
      json_builder_end_object (b);
    }
  if (reason != NULL)
    {
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, reason);
    }
  if (self->reload_at != 0)
    {
      /* staff see on the dashboard whether their edit was taken */
      g_autoptr (GDateTime) at = tf_time_from_usec (self->reload_at);
      g_autofree char *iso = g_date_time_format_iso8601 (at);
      json_builder_set_member_name (b, "reload");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "at");
      json_builder_add_string_value (b, iso);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, self->reload_error == NULL);
      if (self->reload_error != NULL)
        {
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, self->reload_error);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

void
tf_lab_publish_host (TfLab *self)
{
  g_autofree char *status = host_status_json (self, "online", NULL);
  g_autoptr (GError) error = NULL;
  if (!tf_bus_publish (self->bus, self->host_topic, status, strlen (status), TRUE, &error))
    g_debug ("host status not published: %s", error->message);
}

void
tf_lab_publish_all (TfLab *self)
{
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (self);

  tf_lab_publish_host (self);
  for (guint i = 0; i < boards->len; i++)
    /* a host's boards: TfRemoteHosts publishes them as their hosts say */
    if (!tf_lab_board_is_remote (self, tf_board_get_id (g_ptr_array_index (boards, i))))
      tf_lab_publish_board (self, g_ptr_array_index (boards, i));
}

/* Store first, then publish: the store is the source of truth. Changes of
 * one main-loop iteration are committed together (one fsync for a whole lab
 * coming up, not one per transition), then published. */
void
tf_lab_flush_changes (TfLab *self)
{
  g_autoptr (GPtrArray) changes = g_steal_pointer (&self->pending);
  g_autoptr (GPtrArray) boards = g_steal_pointer (&self->pending_ctx);
  g_autoptr (GError) error = NULL;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_store_board_change_free);
  self->pending_ctx = g_ptr_array_new_with_free_func (g_object_unref);
  if (changes == NULL || changes->len == 0)
    return;
  /* a state change that cannot be stored is still a fact about the
   * hardware: say so loudly and publish it anyway */
  if (self->store != NULL
      && !tf_store_record_boards (self->store, (const TfStoreBoardChange *const *)changes->pdata,
                                  changes->len, &error))
    g_warning ("%u board changes not stored: %s", changes->len, error->message);
  for (guint i = 0; i < boards->len; i++)
    /* a host's boards: TfRemoteHosts publishes them as their hosts say */
    if (!tf_lab_board_is_remote (self, tf_board_get_id (g_ptr_array_index (boards, i))))
      tf_lab_publish_board (self, g_ptr_array_index (boards, i));
}

static gboolean
flush_cb (gpointer user_data)
{
  TfLab *self = user_data;
  self->flush_id = 0;
  tf_lab_flush_changes (self);
  return G_SOURCE_REMOVE;
}

static void
on_board_changed (TfBoard *board, BoardCtx *ctx)
{
  TfLab *self = ctx->lab;
  TfStoreBoardChange c = {
    .board = tf_board_get_id (board),
    .from_state = tf_board_state_to_string (ctx->last_state),
    .to_state = tf_board_state_to_string (tf_board_get_state (board)),
    .cause = tf_board_get_cause (board),
    .error = tf_board_get_error (board),
    .power = tf_power_to_string (tf_board_get_power (board)),
    .health = tf_health_to_string (tf_board_get_health (board)),
    .faults = tf_board_get_faults (board),
    .fw_name = tf_board_get_firmware_name (board),
    .fw_version = tf_board_get_firmware_version (board),
    .fw_sha256 = tf_board_get_firmware_sha256 (board),
    .at_us = tf_board_get_since (board),
  };

  g_ptr_array_add (self->pending, tf_store_board_change_copy (&c));
  if (!g_ptr_array_find (self->pending_ctx, board, NULL))
    g_ptr_array_add (self->pending_ctx, g_object_ref (board));
  ctx->last_state = tf_board_get_state (board);
  if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_HIGH, flush_cb, self, NULL);
}

/* --- board context ---------------------------------------------------------- */

void
tf_lab_ctx_cancel_op (BoardCtx *ctx, const char *why)
{
  g_autoptr (GTask) op = g_steal_pointer (&ctx->op);
  g_clear_handle_id (&ctx->timer_id, g_source_remove);
  if (op == NULL)
    return;
  /* switch requests still queued for it must not reach back into ctx */
  {
    PowerOp *pop = g_task_get_task_data (op);
    pop->ctx = NULL;
    if (pop->cancellable != NULL)
      g_cancellable_cancel (pop->cancellable);
  }
  ctx->flashing = FALSE;
  g_task_return_new_error (op, G_IO_ERROR, G_IO_ERROR_CANCELLED, "board %s: %s",
                           tf_board_get_id (ctx->board), why);
}

static void
board_ctx_free (BoardCtx *ctx)
{
  tf_lab_ctx_cancel_op (ctx, "board removed");
  if (ctx->console != NULL)
    {
      g_signal_handlers_disconnect_by_data (ctx->console, ctx);
      tf_console_close (ctx->console);
      g_object_unref (ctx->console);
    }
  g_signal_handlers_disconnect_by_data (ctx->board, ctx);
  g_object_unref (ctx->board);
  g_clear_object (&ctx->power);
  g_clear_object (&ctx->boot);
  g_free (ctx);
}

void
tf_lab_ctx_set_state (BoardCtx *ctx, TfBoardState state, const char *cause, const char *error_msg)
{
  g_autoptr (GError) error = NULL;
  if (!tf_board_set_state (ctx->board, state, cause, error_msg, &error))
    g_debug ("%s", error->message);
}

/* A fault ends the operation; repeated faults of the board (not of the
 * lab's own infrastructure) quarantine it. */
void
tf_lab_ctx_fault (BoardCtx *ctx, const GError *error)
{
  TfLab *self = ctx->lab;
  gboolean infra = g_error_matches (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE);
  g_autoptr (GTask) op = g_steal_pointer (&ctx->op);

  g_clear_handle_id (&ctx->timer_id, g_source_remove);
  g_warning ("board %s: %s", tf_board_get_id (ctx->board), error->message);
  tf_board_set_health (ctx->board, infra ? TF_HEALTH_UNKNOWN : TF_HEALTH_BAD);
  tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_FAULTED, infra ? "infrastructure error" : "board fault",
                        error->message);
  if (!infra && tf_board_get_faults (ctx->board) >= self->config->quarantine_after)
    {
      g_autofree char *why = g_strdup_printf ("%u consecutive faults; staff must release it",
                                              tf_board_get_faults (ctx->board));
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_QUARANTINED, "repeated faults", why);
    }
  if (op != NULL)
    g_task_return_error (op, g_error_copy (error));
}

static void
on_console_line (TfConsole *console, const char *line, gint64 at, BoardCtx *ctx)
{
  const TfBoardType *type = tf_board_get_config (ctx->board)->type;
  g_autoptr (GMatchInfo) mi = NULL;

  if (ctx->lab->config->role == TF_LAB_ROLE_HOST)
    tf_lab_publish_console_line (ctx->lab, tf_board_get_id (ctx->board), line);
  if (type->firmware != NULL && g_regex_match (type->firmware, line, 0, &mi))
    {
      g_autofree char *name = g_match_info_fetch (mi, 1);
      g_autofree char *version = g_match_info_fetch (mi, 2);
      /* the same name and version as we know: keep the sha256 we know */
      g_autofree char *sha = NULL;
      if (g_strcmp0 (tf_board_get_firmware_name (ctx->board), name) == 0
          && g_strcmp0 (tf_board_get_firmware_version (ctx->board), version) == 0)
        sha = g_strdup (tf_board_get_firmware_sha256 (ctx->board));
      tf_board_set_firmware (ctx->board, name, version, sha);
    }
  if (!g_regex_match (type->banner, line, 0, NULL))
    return;
  switch (tf_board_get_state (ctx->board))
    {
    case TF_BOARD_STATE_POWERING_ON:
      /* a busy loop may see the banner before the switch's answer: once
       * power-on was asked for, the banner is the evidence that matters */
      if (ctx->op == NULL || !((PowerOp *)g_task_get_task_data (ctx->op))->on_requested)
        {
          g_info ("board %s: boot banner before power-on was asked for",
                  tf_board_get_id (ctx->board));
          break;
        }
      tf_board_set_power (ctx->board, TF_POWER_ON);
      G_GNUC_FALLTHROUGH;
    case TF_BOARD_STATE_BOOTING:
      {
        g_autoptr (GTask) op = g_steal_pointer (&ctx->op);
        PowerOp *pop = op != NULL ? g_task_get_task_data (op) : NULL;
        g_clear_handle_id (&ctx->timer_id, g_source_remove);
        /* a board we just flashed runs exactly that image */
        if (pop != NULL && pop->flashed)
          tf_board_set_firmware (ctx->board, pop->image->implementation, pop->image->version,
                                 pop->image->sha256);
        tf_board_set_health (ctx->board, TF_HEALTH_GOOD);
        tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_READY, "boot banner seen", NULL);
        if (op != NULL)
          g_task_return_boolean (op, TRUE);
        break;
      }
    case TF_BOARD_STATE_READY:
      tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_READY, "rebooted by itself (boot banner seen)",
                            NULL);
      break;
    case TF_BOARD_STATE_FAULTED:
      /* the banner came after the timeout: the board is alive, only slow;
       * the fault stays in its history */
      if (ctx->op == NULL)
        {
          tf_board_set_health (ctx->board, TF_HEALTH_GOOD);
          tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_READY, "boot banner seen after the timeout",
                                NULL);
        }
      break;
    default:
      g_info ("board %s: boot banner while %s", tf_board_get_id (ctx->board),
              tf_board_state_to_string (tf_board_get_state (ctx->board)));
      break;
    }
}

static void
on_console_closed (TfConsole *console, const char *reason, BoardCtx *ctx)
{
  g_autofree char *why = g_strdup_printf ("console failed: %s", reason);
  /* a board-powered adapter hangs up when its power goes, as it leaves
   * (on_device_removed): expected while our own power operation runs or
   * while the board is off; its return reopens the console */
  if (!ctx->lab->shutting_down
      && (ctx->flashing || ctx->op != NULL || tf_board_get_power (ctx->board) == TF_POWER_OFF))
    {
      g_info ("board %s: console hung up with the board's power (%s)", tf_board_get_id (ctx->board),
              reason);
      return;
    }
  tf_lab_ctx_cancel_op (ctx, why);
  if (!ctx->lab->shutting_down)
    tf_lab_ctx_set_state (ctx, TF_BOARD_STATE_UNPLUGGED, "console failed", reason);
}

BoardCtx *
tf_lab_board_ctx_new (TfLab *self, const TfBoardConfig *cfg)
{
  BoardCtx *ctx = g_new0 (BoardCtx, 1);
  g_autofree char *log_dir = g_build_filename (self->state_dir, "console", NULL);
  g_auto (TfStoreBoardRow) row = { 0 };
  g_autoptr (GError) error = NULL;
  TfConsoleOptions copts = {
    .board = cfg->id,
    .device = cfg->console,
    .baud = cfg->type->baud,
    .log_dir = log_dir,
    .ring_lines = self->config->ring_lines,
    .log_max_bytes = self->config->log_max_bytes,
  };

  ctx->lab = self;
  ctx->board = tf_board_new (cfg);
  if (tf_store_get_board (self->store, cfg->id, &row, &error) && row.state != NULL)
    {
      TfBoardState st = TF_BOARD_STATE_OFF;
      tf_board_state_from_string (row.state, &st);
      tf_board_restore (ctx->board, st, row.faults, row.fw_name, row.fw_version, row.fw_sha256);
    }
  else if (error != NULL)
    g_warning ("board %s: %s", cfg->id, error->message);
  ctx->last_state = tf_board_get_state (ctx->board);
  if (cfg->power_switch != NULL)
    ctx->power = g_object_ref (g_hash_table_lookup (self->switches, cfg->power_switch));
  if (cfg->boot_switch != NULL)
    ctx->boot = g_object_ref (g_hash_table_lookup (self->switches, cfg->boot_switch));
  ctx->console = tf_console_new_serial (&copts);
  g_signal_connect (ctx->board, "changed", G_CALLBACK (on_board_changed), ctx);
  g_signal_connect (ctx->console, "line", G_CALLBACK (on_console_line), ctx);
  g_signal_connect (ctx->console, "closed", G_CALLBACK (on_console_closed), ctx);
  return ctx;
}

BoardCtx *
tf_lab_lookup (TfLab *self, const char *board)
{
  return g_hash_table_lookup (self->boards, board);
}

/* --- bus -------------------------------------------------------------------- */

static void
on_bus_connected (TfBus *bus, TfLab *self)
{
  /* the broker may have lost everything: publish the whole floor again */
  tf_lab_publish_all (self);
}

/* --- object ------------------------------------------------------------------- */

static void
tf_lab_dispose (GObject *object)
{
  TfLab *self = TF_LAB (object);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_pointer (&self->boards, g_hash_table_unref);
  g_clear_pointer (&self->mirrors, g_hash_table_unref);
  g_clear_pointer (&self->switches, g_hash_table_unref);
  g_clear_object (&self->monitor);
  if (self->remote != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->remote, self);
      /* its requests in flight hold it: end them now */
      g_object_run_dispose (G_OBJECT (self->remote));
    }
  g_clear_object (&self->remote);
  g_clear_object (&self->rpc);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (tf_lab_parent_class)->dispose (object);
}

static void
tf_lab_finalize (GObject *object)
{
  TfLab *self = TF_LAB (object);
  g_clear_pointer (&self->store, tf_store_close);
  g_clear_pointer (&self->config, tf_lab_config_free);
  g_ptr_array_unref (self->old_configs);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->pending_ctx, g_ptr_array_unref);
  tf_image_registry_free (self->images);
  g_free (self->prefix);
  g_free (self->board_prefix);
  g_hash_table_unref (self->refused);
  g_free (self->host_topic);
  g_free (self->state_dir);
  g_free (self->reload_error);
  G_OBJECT_CLASS (tf_lab_parent_class)->finalize (object);
}

static void
tf_lab_class_init (TfLabClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tf_lab_dispose;
  G_OBJECT_CLASS (klass)->finalize = tf_lab_finalize;
  /* a board a reload added (boards of the lab file at start are there before
   * anyone can listen: read them with tf_lab_get_boards) */
  signals[SIGNAL_BOARD_ADDED]
      = g_signal_new ("board-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, TF_TYPE_BOARD);
  /* a board a reload removed, by id: its object is gone after the emission */
  signals[SIGNAL_BOARD_REMOVED]
      = g_signal_new ("board-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* a new lab file was taken (boards added, changed, removed as far as safe) */
  signals[SIGNAL_RELOADED] = g_signal_new ("reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tf_lab_init (TfLab *self)
{
  self->boards
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)board_ctx_free);
  self->switches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->refused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* keyed by the mirror's own id */
  self->mirrors
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_lab_mirror_free);
  self->old_configs = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lab_config_free);
  self->images = tf_image_registry_new ();
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_store_board_change_free);
  self->pending_ctx = g_ptr_array_new_with_free_func (g_object_unref);
  tf_flasher_register_builtin ();
}

gboolean
tf_lab_add_switch (TfLab *self, const TfSwitchConfig *sc, GError **error)
{
  TfPowerSwitch *sw = tf_power_switch_new (sc, error);
  if (sw == NULL)
    return FALSE;
  g_hash_table_replace (self->switches, g_strdup (sc->id), sw);
  return TRUE;
}

const char *
tf_lab_get_state_dir (TfLab *self)
{
  return self->state_dir;
}

TfLab *
tf_lab_new (TfLabConfig *config, const char *state_dir, GError **error)
{
  g_autoptr (TfLab) self = g_object_new (TF_TYPE_LAB, NULL);
  g_autofree char *db = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *will = NULL;
  g_autofree char *password = NULL;
  TfBusOptions bo = { 0 };

  self->config = config;
  self->state_dir = g_strdup (state_dir != NULL ? state_dir : config->state_dir);
  self->started = g_get_real_time ();
  self->prefix = g_strdup_printf ("tf/%s/", config->lab);
  self->host_topic = g_strdup_printf ("%shost/%s/status", self->prefix, config->host);
  /* a farm host writes only its own subtree (the broker's ACL) */
  self->board_prefix = config->role == TF_LAB_ROLE_HOST
                           ? g_strdup_printf ("%shost/%s/", self->prefix, config->host)
                           : g_strdup (self->prefix);
  db = g_build_filename (self->state_dir, "testfest.db", NULL);
  self->store = tf_store_open (db, error);
  if (self->store == NULL)
    return NULL;
  for (guint i = 0; i < config->switches->len; i++)
    if (!tf_lab_add_switch (self, g_ptr_array_index (config->switches, i), error))
      return NULL;
  if (config->images != NULL && !tf_image_registry_load (self->images, config->images, error))
    return NULL;

  password = tf_lab_config_read_password (config, error);
  if (password == NULL && config->broker_password_file != NULL)
    return NULL;
  /* the id starts with the daemon's account, so the broker's client-id
   * plugin keeps it for that account alone: nobody takes the session over */
  client_id = g_strdup_printf ("%s-%s-%s",
                               config->broker_user != NULL ? config->broker_user : "testfestd",
                               config->lab, config->host);
  will = host_status_json (self, "offline", "connection lost");
  bo.host = config->broker_host;
  bo.port = config->broker_port;
  bo.tls = config->broker_tls;
  bo.ca_file = config->broker_ca_file;
  bo.user = config->broker_user;
  bo.password = password;
  bo.client_id = client_id;
  bo.keepalive_s = config->keepalive_s;
  bo.will_topic = self->host_topic;
  bo.will_payload = will;
  self->bus = tf_bus_new (&bo, error);
  if (self->bus == NULL)
    return NULL;
  g_signal_connect (self->bus, "connected", G_CALLBACK (on_bus_connected), self);
  /* a farm host serves its boards' verbs to the coordinator alone */
  self->rpc = config->role == TF_LAB_ROLE_HOST ? tf_rpc_new_host (self->bus, self->board_prefix)
                                               : tf_rpc_new (self->bus, self->prefix);
  if (!tf_rpc_set_store (self->rpc, self->store, error))
    return NULL;
  if (config->role == TF_LAB_ROLE_COORDINATOR)
    {
      self->remote = tf_remote_hosts_new (self->bus, self->store, self->prefix, config->host,
                                          client_id, error);
      if (self->remote == NULL)
        return NULL;
      g_signal_connect_swapped (self->remote, "changed", G_CALLBACK (tf_lab_publish_host), self);
      tf_lab_remote_attach (self);
    }
  tf_lab_add_verbs (self);
  tf_lab_hotplug_attach (self);
  tf_lab_usb_attach (self);

  for (guint i = 0; i < config->boards->len; i++)
    {
      const TfBoardConfig *bc = g_ptr_array_index (config->boards, i);
      g_hash_table_insert (self->boards, g_strdup (bc->id), tf_lab_board_ctx_new (self, bc));
    }
  return g_steal_pointer (&self);
}

gboolean
tf_lab_start (TfLab *self, GError **error)
{
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (self);
  tf_bus_start (self->bus); /* no host's board is known yet: all are ours */
  for (guint i = 0; i < boards->len; i++)
    tf_lab_bring_up (
        g_hash_table_lookup (self->boards, tf_board_get_id (g_ptr_array_index (boards, i))),
        "lab start");
  return TRUE;
}

void
tf_lab_shutdown (TfLab *self)
{
  GHashTableIter it;
  BoardCtx *ctx;
  g_autofree char *offline = NULL;

  self->shutting_down = TRUE;
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&ctx))
    {
      tf_lab_ctx_cancel_op (ctx, "daemon shutting down");
      tf_console_close (ctx->console);
    }
  tf_lab_flush_changes (self);
  offline = host_status_json (self, "offline", "shutdown");
  tf_bus_shutdown (self->bus, self->host_topic, offline, 600);
  g_clear_pointer (&self->store, tf_store_close);
}

/* --- getters ------------------------------------------------------------------ */

TfLabConfig *
tf_lab_get_config (TfLab *self)
{
  return self->config;
}

void
tf_lab_note_refused (TfLab *self, const char *board, const char *owner)
{
  g_autofree char *why = g_strdup_printf ("board id already host %s's", owner);
  if (g_strcmp0 (g_hash_table_lookup (self->refused, board), why) == 0)
    return;
  g_warning ("board %s: refused by the lab's coordinator: %s (board ids are unique in a lab; "
             "rename one)",
             board, why);
  g_hash_table_replace (self->refused, g_strdup (board), g_steal_pointer (&why));
  tf_lab_publish_host (self);
}

TfRemoteHosts *
tf_lab_get_remote_hosts (TfLab *self)
{
  return self->remote;
}

TfRpc *
tf_lab_get_rpc (TfLab *self)
{
  return self->rpc;
}

TfStore *
tf_lab_get_store (TfLab *self)
{
  return self->store;
}

TfBus *
tf_lab_get_bus (TfLab *self)
{
  return self->bus;
}

const char *
tf_lab_get_prefix (TfLab *self)
{
  return self->prefix;
}

gint64
tf_lab_get_started (TfLab *self)
{
  return self->started;
}

TfBoard *
tf_lab_get_board (TfLab *self, const char *id)
{
  BoardCtx *ctx = g_hash_table_lookup (self->boards, id);
  return ctx != NULL ? ctx->board : tf_lab_remote_board (self, id);
}

gboolean
tf_lab_board_is_remote (TfLab *self, const char *board)
{
  return !g_hash_table_contains (self->boards, board) && tf_lab_remote_board (self, board) != NULL;
}

TfConsole *
tf_lab_get_console (TfLab *self, const char *id)
{
  BoardCtx *ctx = g_hash_table_lookup (self->boards, id);
  return ctx != NULL ? ctx->console : tf_lab_remote_console (self, id);
}

static gint
cmp_board (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (tf_board_get_id (*(TfBoard **)a), tf_board_get_id (*(TfBoard **)b));
}

GPtrArray *
tf_lab_get_boards (TfLab *self)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  BoardCtx *ctx;
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&ctx))
    g_ptr_array_add (out, ctx->board);
  if (self->mirrors != NULL)
    {
      const char *id;
      g_hash_table_iter_init (&it, self->mirrors);
      while (g_hash_table_iter_next (&it, (gpointer *)&id, NULL))
        g_ptr_array_add (out, tf_lab_remote_board (self, id));
    }
  g_ptr_array_sort (out, cmp_board);
  return out;
}
