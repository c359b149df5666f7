/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-power"

#include "tf-power-switch.h"
#include "tf-error.h"
#include "tf-power-command.h"
#include "tf-power-relay.h"
#include "tf-power-usb-hub.h"

typedef struct
{
  TfSwitchConfig config;
  GQueue queue; /* GTask waiting for their turn */
  GTask *current;
} TfPowerSwitchPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TfPowerSwitch, tf_power_switch, G_TYPE_OBJECT)
#define GET_PRIVATE(o) ((TfPowerSwitchPrivate *)tf_power_switch_get_instance_private (o))

typedef struct
{
  guint channel;
  gboolean on;
  char *board;
} Request;

static void
request_free (Request *r)
{
  g_free (r->board);
  g_free (r);
}

static GHashTable *registry; /* name -> GType */
static gboolean builtin_registered;

static void
clear_config (TfSwitchConfig *c)
{
  g_free (c->id);
  g_free (c->type);
  g_free (c->device);
  g_free (c->on_command);
  g_free (c->off_command);
  g_free (c->usb_serial);
}

static void
tf_power_switch_finalize (GObject *object)
{
  TfPowerSwitchPrivate *priv = GET_PRIVATE (TF_POWER_SWITCH (object));
  clear_config (&priv->config);
  g_queue_clear_full (&priv->queue, g_object_unref);
  G_OBJECT_CLASS (tf_power_switch_parent_class)->finalize (object);
}

static void
tf_power_switch_class_init (TfPowerSwitchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tf_power_switch_finalize;
}

static void
tf_power_switch_init (TfPowerSwitch *self)
{
}

void
tf_power_switch_set_config (TfPowerSwitch *self, const TfSwitchConfig *c)
{
  TfPowerSwitchPrivate *priv = GET_PRIVATE (self);
  clear_config (&priv->config);
  priv->config = *c;
  priv->config.id = g_strdup (c->id);
  priv->config.type = g_strdup (c->type);
  priv->config.device = g_strdup (c->device);
  priv->config.on_command = g_strdup (c->on_command);
  priv->config.off_command = g_strdup (c->off_command);
  priv->config.usb_serial = g_strdup (c->usb_serial);
}

void
tf_power_switch_register (const char *name, GType type)
{
  g_return_if_fail (name != NULL);
  g_return_if_fail (g_type_is_a (type, TF_TYPE_POWER_SWITCH));
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (registry, (gpointer)name, GSIZE_TO_POINTER (type));
}

static GType
lookup (const char *name)
{
  if (!builtin_registered)
    {
      builtin_registered = TRUE;
      tf_power_switch_register ("command", TF_TYPE_POWER_COMMAND);
      tf_power_switch_register ("lcus-relay", TF_TYPE_POWER_RELAY);
      tf_power_switch_register ("usb-hub", TF_TYPE_POWER_USB_HUB);
    }
  return name != NULL ? GPOINTER_TO_SIZE (g_hash_table_lookup (registry, name)) : G_TYPE_INVALID;
}

gboolean
tf_power_switch_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *config,
                             GError **error)
{
  TfPowerSwitchClass *klass;
  gboolean ok;

  g_return_val_if_fail (kf != NULL && group != NULL && config != NULL, FALSE);
  g_clear_pointer (&config->type, g_free);
  if (!tf_key_file_get_string (kf, group, "type", TRUE, NULL, &config->type, error))
    return FALSE;
  config->gtype = lookup (config->type);
  if (config->gtype == G_TYPE_INVALID)
    {
      g_autoptr (GList) keys
          = g_list_sort (g_hash_table_get_keys (registry), (GCompareFunc)g_strcmp0);
      g_autoptr (GString) known = g_string_new (NULL);
      for (GList *l = keys; l != NULL; l = l->next)
        g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", (const char *)l->data);
      return tf_key_file_fail (kf, error, group, "type", "'%s' is not one of %s", config->type,
                               known->str);
    }
  klass = g_type_class_ref (config->gtype);
  ok = klass->load_config (kf, group, config, error);
  g_type_class_unref (klass);
  return ok;
}

TfPowerSwitch *
tf_power_switch_new (const TfSwitchConfig *config, GError **error)
{
  TfPowerSwitch *self;
  g_return_val_if_fail (config != NULL, NULL);
  if (config->gtype == G_TYPE_INVALID || !g_type_is_a (config->gtype, TF_TYPE_POWER_SWITCH))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED, "switch %s: unknown type %s",
                   config->id, config->type);
      return NULL;
    }
  self = g_object_new (config->gtype, NULL);
  tf_power_switch_set_config (self, config);
  return self;
}

const char *
tf_power_switch_get_id (TfPowerSwitch *self)
{
  return GET_PRIVATE (self)->config.id;
}

const TfSwitchConfig *
tf_power_switch_get_config (TfPowerSwitch *self)
{
  return &GET_PRIVATE (self)->config;
}

guint
tf_power_switch_get_off_time_ms (TfPowerSwitch *self)
{
  return GET_PRIVATE (self)->config.off_time_ms;
}

void
tf_power_switch_reset (TfPowerSwitch *self)
{
  TfPowerSwitchClass *klass = TF_POWER_SWITCH_GET_CLASS (self);
  if (klass->reset != NULL)
    klass->reset (self);
}

static void
run_next (TfPowerSwitch *self);

static void
backend_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  TfPowerSwitch *self = TF_POWER_SWITCH (source);
  TfPowerSwitchPrivate *priv = GET_PRIVATE (self);
  g_autoptr (GTask) task = g_steal_pointer (&priv->current);
  g_autoptr (GError) error = NULL;
  Request *r = g_task_get_task_data (task);

  g_assert (task == user_data);
  if (!TF_POWER_SWITCH_GET_CLASS (self)->set_finish (self, res, &error))
    {
      g_prefix_error (&error, "switch %s channel %u: ", priv->config.id, r->channel);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    g_task_return_boolean (task, TRUE);
  run_next (self);
}

static void
run_next (TfPowerSwitch *self)
{
  TfPowerSwitchPrivate *priv = GET_PRIVATE (self);
  GTask *task;
  Request *r;

  if (priv->current != NULL)
    return;
  task = g_queue_pop_head (&priv->queue);
  if (task == NULL)
    return;
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      run_next (self);
      return;
    }
  priv->current = task;
  r = g_task_get_task_data (task);
  g_debug ("switch %s: channel %u %s (board %s)", priv->config.id, r->channel, r->on ? "on" : "off",
           r->board);
  TF_POWER_SWITCH_GET_CLASS (self)->set_async (self, r->channel, r->on, r->board,
                                               g_task_get_cancellable (task), backend_done, task);
}

void
tf_power_switch_set_async (TfPowerSwitch *self, guint channel, gboolean on, const char *board,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  TfPowerSwitchPrivate *priv;
  GTask *task;
  Request *r;

  g_return_if_fail (TF_IS_POWER_SWITCH (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  priv = GET_PRIVATE (self);
  task = g_task_new (self, cancellable, callback, user_data);
  r = g_new0 (Request, 1);

  g_task_set_source_tag (task, tf_power_switch_set_async);
  r->channel = channel;
  r->on = on;
  r->board = g_strdup (board);
  g_task_set_task_data (task, r, (GDestroyNotify)request_free);
  if (channel < 1 || channel > priv->config.channels)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                               "switch %s has no channel %u", priv->config.id, channel);
      g_object_unref (task);
      return;
    }
  g_queue_push_tail (&priv->queue, task);
  run_next (self);
}

gboolean
tf_power_switch_set_finish (TfPowerSwitch *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);
  return g_task_propagate_boolean (G_TASK (res), error);
}
