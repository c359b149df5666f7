/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-config.h"
#include "tf-keyfile.h"

G_BEGIN_DECLS

/* A power switch: relay module, hub, PDU, a command. One request at a time
 * per switch (the base class queues them); backends implement set_async. */
#define TF_TYPE_POWER_SWITCH (tf_power_switch_get_type ())
G_DECLARE_DERIVABLE_TYPE (TfPowerSwitch, tf_power_switch, TF, POWER_SWITCH, GObject)

struct _TfPowerSwitchClass
{
  GObjectClass parent_class;
  void (*set_async) (TfPowerSwitch *self, guint channel, gboolean on, const char *board,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*set_finish) (TfPowerSwitch *self, GAsyncResult *res, GError **error);
  /* the device behind it went away or came back: drop cached handles */
  void (*reset) (TfPowerSwitch *self);
  /* Class method, run when the lab file is read: check the backend's keys
   * of [switch ID] @group (FILE:LINE through @kf) into @config. */
  gboolean (*load_config) (TfKeyFile *kf, const char *group, TfSwitchConfig *config,
                           GError **error);
};

/* Backends register their type under the name `type =` gives; the built-in
 * ones are registered before the first look-up. */
void
tf_power_switch_register (const char *name, GType type);
/* Read [switch ID] @group into @config through the backend its type names. */
gboolean
tf_power_switch_load_config (TfKeyFile *kf, const char *group, TfSwitchConfig *config,
                             GError **error);
/* The switch @config describes (loaded by tf_power_switch_load_config()). */
TfPowerSwitch *
tf_power_switch_new (const TfSwitchConfig *config, GError **error);

const char *
tf_power_switch_get_id (TfPowerSwitch *self);
const TfSwitchConfig *
tf_power_switch_get_config (TfPowerSwitch *self);
guint
tf_power_switch_get_off_time_ms (TfPowerSwitch *self);
void
tf_power_switch_reset (TfPowerSwitch *self);

/* Queue a request; an unreachable switch fails with TF_ERROR_INFRASTRUCTURE. */
void
tf_power_switch_set_async (TfPowerSwitch *self, guint channel, gboolean on, const char *board,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
gboolean
tf_power_switch_set_finish (TfPowerSwitch *self, GAsyncResult *res, GError **error);

/* For backends */
void
tf_power_switch_set_config (TfPowerSwitch *self, const TfSwitchConfig *config);

G_END_DECLS
