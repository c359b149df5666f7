/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-lab"

#include "config.h"

#include "tf-error.h"
#include "tf-lab-private.h"
#include "tf-lab-usb.h"

/* SIGHUP: a new lab file is taken as far as it safely can be. Identity and
 * broker need a restart; a busy board or switch keeps its old settings; idle
 * boards are added, changed or removed, each announced by a signal, then
 * "reloaded". The caller reports the outcome (tf_lab_report_reload) once the
 * layers above have taken their part; it shows in the retained host status. */

void
tf_lab_report_reload (TfLab *self, const GError *error)
{
  self->reload_at = g_get_real_time ();
  g_clear_pointer (&self->reload_error, g_free);
  if (error != NULL)
    self->reload_error = g_strdup (error->message);
  tf_lab_publish_host (self);
}

static gboolean
board_uses_switch (TfLab *self, const char *sw)
{
  GHashTableIter it;
  BoardCtx *ctx;
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&ctx))
    {
      const TfBoardConfig *c = tf_board_get_config (ctx->board);
      if (tf_board_is_busy (ctx->board)
          && (g_strcmp0 (c->power_switch, sw) == 0 || g_strcmp0 (c->boot_switch, sw) == 0))
        return TRUE;
    }
  return FALSE;
}

gboolean
tf_lab_reload (TfLab *self, TfLabConfig *config, GError **error)
{
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  GHashTableIter it;
  const char *id;
  BoardCtx *ctx;

  if (g_strcmp0 (config->lab, self->config->lab) != 0
      || g_strcmp0 (config->host, self->config->host) != 0
      || g_strcmp0 (config->broker_host, self->config->broker_host) != 0
      || config->broker_port != self->config->broker_port || config->role != self->config->role)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                   "%s: the lab name, host, role and broker change only with a restart",
                   config->path);
      tf_lab_config_free (config);
      return FALSE;
    }
  if (config->images != NULL && !tf_image_registry_load (self->images, config->images, error))
    {
      tf_lab_config_free (config);
      return FALSE;
    }
  /* switches: new ones added, changed ones replaced unless a busy board uses them */
  for (guint i = 0; i < config->switches->len; i++)
    {
      TfSwitchConfig *sc = g_ptr_array_index (config->switches, i);
      TfPowerSwitch *old = g_hash_table_lookup (self->switches, sc->id);
      if (old != NULL && tf_switch_config_equal (tf_power_switch_get_config (old), sc))
        continue;
      if (old != NULL && board_uses_switch (self, sc->id))
        {
          g_warning ("switch %s: busy, keeping its old settings until it is idle", sc->id);
          continue;
        }
      if (!tf_lab_add_switch (self, sc, error))
        {
          tf_lab_config_free (config);
          return FALSE;
        }
    }
  g_hash_table_iter_init (&it, self->boards);
  while (g_hash_table_iter_next (&it, (gpointer *)&id, (gpointer *)&ctx))
    {
      TfBoardConfig *nc = tf_lab_config_find_board (config, id);
      if (nc != NULL && tf_board_config_equal (tf_board_get_config (ctx->board), nc))
        {
          tf_board_set_config (ctx->board, nc); /* same values, new owner of the type */
          continue;
        }
      if (tf_board_is_busy (ctx->board))
        {
          g_warning ("board %s: busy (%s); %s left as it is", id,
                     tf_board_state_to_string (tf_board_get_state (ctx->board)),
                     nc != NULL ? "its change is" : "its removal is");
          continue;
        }
      g_ptr_array_add (removed, g_strdup (id));
    }
  for (guint i = 0; i < removed->len; i++)
    {
      const char *rid = g_ptr_array_index (removed, i);
      g_autofree char *topic = g_strdup_printf ("%sboard/%s/state", self->board_prefix, rid);
      g_info ("board %s: removed by reload", rid);
      tf_lab_emit_board_removed (self, rid); /* while its object is still there */
      g_hash_table_remove (self->boards, rid);
      /* an empty retained message clears the board from every dashboard */
      if (tf_lab_config_find_board (config, rid) == NULL)
        tf_bus_publish (self->bus, topic, "", 0, TRUE, NULL);
    }
  for (guint i = 0; i < config->boards->len; i++)
    {
      TfBoardConfig *bc = g_ptr_array_index (config->boards, i);
      if (g_hash_table_contains (self->boards, bc->id))
        continue;
      ctx = tf_lab_board_ctx_new (self, bc);
      g_hash_table_insert (self->boards, g_strdup (bc->id), ctx);
      g_ptr_array_add (added, ctx);
    }
  g_ptr_array_add (self->old_configs, self->config);
  self->config = config;
  for (guint i = 0; i < added->len; i++)
    {
      ctx = g_ptr_array_index (added, i);
      g_info ("board %s: added by reload", tf_board_get_id (ctx->board));
      tf_lab_usb_attach (self); /* it may be the first board to name its USB device */
      tf_lab_publish_board (self, ctx->board);
      tf_lab_emit_board_added (self, ctx->board);
      tf_lab_bring_up (ctx, "added by reload");
    }
  tf_lab_emit_reloaded (self);
  return TRUE;
}
