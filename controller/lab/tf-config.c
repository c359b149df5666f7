/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-config"

#include "config.h"

#include "tf-config.h"
#include "tf-error.h"
#include "tf-keyfile.h"
#include "tf-power-switch.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

static void
switch_config_free (TfSwitchConfig *s)
{
  g_free (s->id);
  g_free (s->type);
  g_free (s->device);
  g_free (s->on_command);
  g_free (s->off_command);
  g_free (s->usb_serial);
  g_free (s);
}

static void
board_config_free (TfBoardConfig *b)
{
  g_free (b->id);
  g_free (b->console);
  g_free (b->power_switch);
  g_free (b->boot_switch);
  g_free (b->table);
  g_free (b->usb_path);
  g_free (b->usb_serial);
  g_strfreev (b->addresses);
  g_free (b);
}

void
tf_lab_config_free (TfLabConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->lab);
  g_free (self->host);
  g_free (self->state_dir);
  g_strfreev (self->boards_dirs);
  g_free (self->images);
  g_free (self->ets_dir);
  g_free (self->event);
  g_free (self->capture_interface);
  g_free (self->ets_address);
  g_free (self->ets_netns);
  g_strfreev (self->ets_runner_path);
  g_free (self->broker_host);
  g_free (self->broker_user);
  g_free (self->broker_password_file);
  g_free (self->broker_ca_file);
  g_clear_pointer (&self->switches, g_ptr_array_unref);
  g_clear_pointer (&self->boards, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_hash_table_unref);
  g_free (self);
}

/* Relative paths in the lab file are relative to the lab file itself. */
static char *
resolve_path (TfLabConfig *self, const char *p)
{
  g_autofree char *dir = NULL;
  if (p == NULL || g_path_is_absolute (p))
    return g_strdup (p);
  dir = g_path_get_dirname (self->path);
  return g_canonicalize_filename (p, dir);
}

static gboolean
valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 64)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

/* "relay1:3" -> switch id and channel */
static gboolean
parse_channel_ref (TfLabConfig *self, TfKeyFile *kf, const char *group, const char *key, char **sw,
                   guint *channel, GError **error)
{
  g_autofree char *v = NULL;
  const char *colon;
  guint64 ch = 0;
  TfSwitchConfig *s;

  if (!tf_key_file_get_string (kf, group, key, FALSE, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  colon = strrchr (v, ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 64, &ch, NULL))
    return tf_key_file_fail (kf, error, group, key, "'%s' is not SWITCH:CHANNEL", v);
  *sw = g_strndup (v, colon - v);
  *channel = ch;
  s = tf_lab_config_find_switch (self, *sw);
  if (s == NULL)
    return tf_key_file_fail (kf, error, group, key, "no switch '%s' in this lab", *sw);
  if (ch > s->channels)
    return tf_key_file_fail (kf, error, group, key, "switch '%s' has only %u channels", *sw,
                             s->channels);
  return TRUE;
}

static gboolean
load_lab_group (TfLabConfig *self, TfKeyFile *kf, GError **error)
{
  static const char *const k_lab[] = { "name",
                                       "host",
                                       "state-dir",
                                       "boards-dir",
                                       "console-ring-lines",
                                       "console-log-max-bytes",
                                       "quarantine-after",
                                       "images",
                                       "ets-dir",
                                       "event",
                                       "role",
                                       NULL };
  static const char *const k_broker[]
      = { "host", "port", "tls", "user", "password-file", "ca-file", "keepalive-s", NULL };
  g_autofree char *state_dir = NULL, *pwf = NULL, *ca = NULL, *boards = NULL, *images = NULL;
  guint64 n = 0;

  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "lab"))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:1: missing group [lab]",
                   self->path);
      return FALSE;
    }
  if (!tf_key_file_check_keys (kf, "lab", k_lab, error)
      || !tf_key_file_get_string (kf, "lab", "name", TRUE, NULL, &self->lab, error)
      || !tf_key_file_get_string (kf, "lab", "host", FALSE, g_get_host_name (), &self->host, error)
      || !tf_key_file_get_string (kf, "lab", "state-dir", FALSE, TF_LOCALSTATEDIR, &state_dir,
                                  error)
      || !tf_key_file_get_string (kf, "lab", "boards-dir", FALSE, NULL, &boards, error))
    return FALSE;
  if (!valid_id (self->lab))
    return tf_key_file_fail (kf, error, "lab", "name",
                             "'%s' may hold only letters, digits, '-', '_' and '.'", self->lab);
  if (!valid_id (self->host))
    return tf_key_file_fail (kf, error, "lab", "host",
                             "'%s' may hold only letters, digits, '-', '_' and '.'", self->host);
  self->state_dir = resolve_path (self, state_dir);
  if (!tf_key_file_get_string (kf, "lab", "images", FALSE, NULL, &images, error))
    return FALSE;
  self->images = resolve_path (self, images);
  {
    g_autofree char *ets = NULL;
    if (!tf_key_file_get_string (kf, "lab", "ets-dir", FALSE, TF_PKGDATADIR "/ets", &ets, error))
      return FALSE;
    self->ets_dir = resolve_path (self, ets);
  }
  {
    /* the TestFest event this lab runs (sessions, schedule); optional */
    g_autofree char *event = NULL;
    if (!tf_key_file_get_string (kf, "lab", "event", FALSE, NULL, &event, error))
      return FALSE;
    self->event = resolve_path (self, event);
  }
  {
    g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
    if (boards != NULL)
      {
        g_auto (GStrv) parts = g_strsplit (boards, ";", -1);
        for (guint i = 0; parts[i] != NULL; i++)
          {
            g_strstrip (parts[i]);
            if (parts[i][0] != '\0')
              {
                g_autofree char *dir = resolve_path (self, parts[i]);
                g_strv_builder_add (b, dir);
              }
          }
      }
    g_strv_builder_add (b, TF_BOARDSDIR);
    self->boards_dirs = g_strv_builder_end (b);
  }
  {
    /* issue 18: a farm's host owns boards, its coordinator runs the floor */
    g_autofree char *role = NULL;
    if (!tf_key_file_get_string (kf, "lab", "role", FALSE, "both", &role, error))
      return FALSE;
    if (!tf_lab_role_from_string (role, &self->role))
      return tf_key_file_fail (kf, error, "lab", "role", "'%s' is not host, coordinator or both",
                               role);
  }
  if (!tf_key_file_get_uint (kf, "lab", "console-ring-lines", FALSE, 2000, 10, 1000000, &n, error))
    return FALSE;
  self->ring_lines = n;
  if (!tf_key_file_get_uint (kf, "lab", "console-log-max-bytes", FALSE, 64 * 1024 * 1024, 4096,
                             G_MAXINT64, &self->log_max_bytes, error))
    return FALSE;
  if (!tf_key_file_get_uint (kf, "lab", "quarantine-after", FALSE, 3, 1, 100, &n, error))
    return FALSE;
  self->quarantine_after = n;

  /* [broker] is optional: a lab without one runs with no MQTT (logs only) */
  if (!tf_key_file_check_keys (kf, "broker", k_broker, error)
      || !tf_key_file_get_string (kf, "broker", "host", FALSE, "127.0.0.1", &self->broker_host,
                                  error))
    return FALSE;
  if (!tf_key_file_get_uint (kf, "broker", "port", FALSE, 1883, 1, 65535, &n, error))
    return FALSE;
  self->broker_port = n;
  if (!tf_key_file_get_bool (kf, "broker", "tls", FALSE, &self->broker_tls, error)
      || !tf_key_file_get_string (kf, "broker", "user", FALSE, NULL, &self->broker_user, error)
      || !tf_key_file_get_string (kf, "broker", "password-file", FALSE, NULL, &pwf, error)
      || !tf_key_file_get_string (kf, "broker", "ca-file", FALSE, NULL, &ca, error))
    return FALSE;
  if (!tf_key_file_get_uint (kf, "broker", "keepalive-s", FALSE, 60, 5, 3600, &n, error))
    return FALSE;
  self->keepalive_s = n;
  self->broker_password_file = resolve_path (self, pwf);
  self->broker_ca_file = resolve_path (self, ca);
  if (self->broker_password_file != NULL
      && !g_file_test (self->broker_password_file, G_FILE_TEST_IS_REGULAR))
    return tf_key_file_fail (kf, error, "broker", "password-file", "no such file %s",
                             self->broker_password_file);
  if (self->broker_ca_file != NULL && !g_file_test (self->broker_ca_file, G_FILE_TEST_IS_REGULAR))
    return tf_key_file_fail (kf, error, "broker", "ca-file", "no such file %s",
                             self->broker_ca_file);
  return TRUE;
}

static gboolean
load_switch (TfLabConfig *self, TfKeyFile *kf, const char *group, const char *id, GError **error)
{
  TfSwitchConfig *s = g_new0 (TfSwitchConfig, 1);
  g_ptr_array_add (self->switches, s);
  s->id = g_strdup (id);
  /* the backend the type names checks its keys */
  return tf_power_switch_load_config (kf, group, s, error);
}

/* address = one or more IPv4/IPv6 addresses, spaces or commas between */
static gboolean
load_addresses (TfKeyFile *kf, const char *group, GStrv *out, GError **error)
{
  g_autofree char *value = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  if (!tf_key_file_get_string (kf, group, "address", FALSE, NULL, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  parts = g_regex_split_simple ("[ ,]+", value, 0, 0);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr (GInetAddress) a = NULL;
      g_autofree char *norm = NULL;
      if (*parts[i] == '\0')
        continue;
      a = g_inet_address_new_from_string (parts[i]);
      if (a == NULL)
        return tf_key_file_fail (kf, error, group, "address", "'%s' is not an IP address",
                                 parts[i]);
      /* the form the capture compares with (inet_ntop's) */
      norm = g_inet_address_to_string (a);
      g_strv_builder_add (b, norm);
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

/* [capture] interface = IFNAME, rotate-bytes, max-bytes (per session) */
static gboolean
load_capture_group (TfLabConfig *self, TfKeyFile *kf, GError **error)
{
  static const char *const k_capture[] = { "interface", "rotate-bytes", "max-bytes", NULL };
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "capture"))
    return TRUE;
  if (!tf_key_file_check_keys (kf, "capture", k_capture, error)
      || !tf_key_file_get_string (kf, "capture", "interface", TRUE, NULL, &self->capture_interface,
                                  error))
    return FALSE;
  if (strlen (self->capture_interface) >= 16 || strchr (self->capture_interface, '/') != NULL)
    return tf_key_file_fail (kf, error, "capture", "interface", "'%s' is not an interface name",
                             self->capture_interface);
  /* a session of a TestFest slot is small; the cap protects the state dir */
  return tf_key_file_get_uint (kf, "capture", "rotate-bytes", FALSE, 16 * 1024 * 1024, 4096,
                               1024 * 1024 * 1024, &self->capture_rotate_bytes, error)
         && tf_key_file_get_uint (kf, "capture", "max-bytes", FALSE, 256 * 1024 * 1024, 4096,
                                  G_MAXUINT32, &self->capture_max_bytes, error);
}

/* [farm] host-loss-grace-s = how long a running session keeps its board on a
 * lost host before it is ended as an infrastructure error and re-planned */
static gboolean
load_farm_group (TfLabConfig *self, TfKeyFile *kf, GError **error)
{
  static const char *const k_farm[] = { "host-loss-grace-s", NULL };
  self->host_loss_grace_s = 30;
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "farm"))
    return TRUE;
  return tf_key_file_check_keys (kf, "farm", k_farm, error)
         && tf_key_file_get_uint (kf, "farm", "host-loss-grace-s", FALSE, 30, 0, 3600,
                                  &self->host_loss_grace_s, error);
}

/* [ets] address = the controller's own address on the lab network (where the boards reach
 * the lab's reference server when a runner decides a case), netns = the network namespace
 * holding it (optional: the daemon's own otherwise), runner-path = directories searched for
 * runner programs before the installed ones. */
static gboolean
load_ets_group (TfLabConfig *self, TfKeyFile *kf, GError **error)
{
  static const char *const k_ets[]
      = { "address",         "netns",           "runner-path",  "answer-wait-s",
          "register-wait-s", "operator-wait-s", "client-ports", NULL };
  g_auto (GStrv) addresses = NULL;
  g_autofree char *path = NULL, *ports = NULL;
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "ets"))
    return TRUE;
  if (!tf_key_file_check_keys (kf, "ets", k_ets, error)
      || !load_addresses (kf, "ets", &addresses, error)
      || !tf_key_file_get_string (kf, "ets", "netns", FALSE, NULL, &self->ets_netns, error)
      || !tf_key_file_get_string (kf, "ets", "runner-path", FALSE, NULL, &path, error)
      || !tf_key_file_get_string (kf, "ets", "client-ports", FALSE, "15700-15799", &ports, error))
    return FALSE;
  /* the UDP ports the lab's client takes on the address in server-side runs, two per run:
   * the capture tells a run's traffic by its port. Below 32768, outside Linux's ephemeral
   * range, so the kernel never hands one out to another socket. */
  {
    g_auto (GStrv) lohi = g_strsplit (ports, "-", 3);
    guint64 lo = 0, hi = 0;
    if (g_strv_length (lohi) != 2
        || !g_ascii_string_to_unsigned (g_strstrip (lohi[0]), 10, 1, 65535, &lo, NULL)
        || !g_ascii_string_to_unsigned (g_strstrip (lohi[1]), 10, lo, 65535, &hi, NULL))
      return tf_key_file_fail (kf, error, "ets", "client-ports",
                               "'%s' is not a range of UDP ports (LOW-HIGH)", ports);
    self->ets_client_ports[0] = (guint16)lo;
    self->ets_client_ports[1] = (guint16)hi;
  }
  /* how long the runner waits for a client's answer and its registration (the ETS sets none:
   * a lab's choice between a slow device and a fast suite) */
  if (!tf_key_file_get_uint (kf, "ets", "answer-wait-s", FALSE, 45, 1, 600,
                             &self->ets_answer_wait_s, error)
      || !tf_key_file_get_uint (kf, "ets", "register-wait-s", FALSE, 60, 1, 3600,
                                &self->ets_register_wait_s, error)
      /* a server under test without a driver: how long a step waits for the operator */
      || !tf_key_file_get_uint (kf, "ets", "operator-wait-s", FALSE, 120, 1, 3600,
                                &self->ets_operator_wait_s, error))
    return FALSE;
  if (addresses == NULL || addresses[0] == NULL || addresses[1] != NULL)
    return tf_key_file_fail (kf, error, "ets", "address",
                             "one address: the controller's on the lab network");
  self->ets_address = g_strdup (addresses[0]);
  if (self->ets_netns != NULL
      && !g_regex_match_simple ("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", self->ets_netns, 0, 0))
    return tf_key_file_fail (kf, error, "ets", "netns", "'%s' is not a namespace name",
                             self->ets_netns);
  if (path != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (path, ":", -1);
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      for (guint i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          {
            g_autofree char *dir = resolve_path (self, parts[i]);
            g_strv_builder_add (b, dir);
          }
      self->ets_runner_path = g_strv_builder_end (b);
    }
  return TRUE;
}

static gboolean
load_board (TfLabConfig *self, TfKeyFile *kf, const char *group, const char *id, GError **error)
{
  static const char *const k_board[] = { "type",     "console",    "power",   "boot-mode", "table",
                                         "usb-path", "usb-serial", "address", NULL };
  g_autofree char *type = NULL, *console = NULL;
  TfBoardConfig *b = g_new0 (TfBoardConfig, 1);

  g_ptr_array_add (self->boards, b);
  b->id = g_strdup (id);
  b->line = tf_key_file_line (kf, group, NULL);
  if (!tf_key_file_check_keys (kf, group, k_board, error)
      || !tf_key_file_get_string (kf, group, "type", TRUE, NULL, &type, error)
      || !tf_key_file_get_string (kf, group, "console", TRUE, NULL, &console, error)
      || !tf_key_file_get_string (kf, group, "table", FALSE, NULL, &b->table, error)
      || !tf_key_file_get_string (kf, group, "usb-path", FALSE, NULL, &b->usb_path, error)
      || !tf_key_file_get_string (kf, group, "usb-serial", FALSE, NULL, &b->usb_serial, error))
    return FALSE;
  if (!load_addresses (kf, group, &b->addresses, error))
    return FALSE;
  if (b->usb_path != NULL
      && !g_regex_match_simple ("^[0-9]+-[0-9]+(\\.[0-9]+)*$", b->usb_path, 0, 0))
    return tf_key_file_fail (kf, error, group, "usb-path",
                             "'%s' is not BUS-PORT[.PORT...] (e.g. 1-2.1)", b->usb_path);
  b->type = g_hash_table_lookup (self->types, type);
  if (b->type == NULL)
    {
      g_autofree char *dirs = g_strjoinv (", ", self->boards_dirs);
      return tf_key_file_fail (kf, error, group, "type", "no board type '%s' in %s", type, dirs);
    }
  if (!g_str_has_prefix (console, "/dev/"))
    return tf_key_file_fail (kf, error, group, "console", "'%s' is not a device under /dev",
                             console);
  b->console = g_steal_pointer (&console);
  if (!parse_channel_ref (self, kf, group, "power", &b->power_switch, &b->power_channel, error)
      || !parse_channel_ref (self, kf, group, "boot-mode", &b->boot_switch, &b->boot_channel,
                             error))
    return FALSE;

  /* one console and one switch channel belong to one board */
  for (guint i = 0; i + 1 < self->boards->len; i++)
    {
      TfBoardConfig *o = g_ptr_array_index (self->boards, i);
      if (g_strcmp0 (o->console, b->console) == 0)
        return tf_key_file_fail (kf, error, group, "console",
                                 "%s is already the console of board '%s'", b->console, o->id);
      for (guint k = 0; k < 4; k++)
        {
          const char *sw = k < 2 ? b->power_switch : b->boot_switch;
          guint ch = k < 2 ? b->power_channel : b->boot_channel;
          const char *osw = k % 2 == 0 ? o->power_switch : o->boot_switch;
          guint och = k % 2 == 0 ? o->power_channel : o->boot_channel;
          if (sw != NULL && g_strcmp0 (sw, osw) == 0 && ch == och)
            return tf_key_file_fail (kf, error, group, k < 2 ? "power" : "boot-mode",
                                     "%s:%u is already used by board '%s'", sw, ch, o->id);
        }
    }
  if (b->power_switch != NULL && b->boot_switch != NULL
      && g_strcmp0 (b->power_switch, b->boot_switch) == 0 && b->power_channel == b->boot_channel)
    return tf_key_file_fail (kf, error, group, "boot-mode", "same channel as power");
  return TRUE;
}

TfLabConfig *
tf_lab_config_load (const char *path, GError **error)
{
  g_autoptr (TfLabConfig) self = g_new0 (TfLabConfig, 1);
  g_autoptr (TfKeyFile) kf = NULL;
  g_auto (GStrv) groups = NULL;

  self->path = g_canonicalize_filename (path, NULL);
  self->switches = g_ptr_array_new_with_free_func ((GDestroyNotify)switch_config_free);
  self->boards = g_ptr_array_new_with_free_func ((GDestroyNotify)board_config_free);
  kf = tf_key_file_load (path, error);
  if (kf == NULL)
    return NULL;
  if (!load_lab_group (self, kf, error) || !load_capture_group (self, kf, error)
      || !load_ets_group (self, kf, error) || !load_farm_group (self, kf, error))
    return NULL;
  self->types = tf_board_type_load_dirs ((const char *const *)self->boards_dirs, error);
  if (self->types == NULL)
    return NULL;

  groups = g_key_file_get_groups (tf_key_file_get_keyfile (kf), NULL);
  /* switches first: boards refer to them wherever they stand in the file */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; groups[i] != NULL; i++)
      {
        g_autofree char *kind = NULL, *id = NULL;
        tf_key_file_split_group (groups[i], &kind, &id);
        if (pass == 0
            && (g_strcmp0 (kind, "lab") == 0 || g_strcmp0 (kind, "broker") == 0
                || g_strcmp0 (kind, "capture") == 0 || g_strcmp0 (kind, "ets") == 0
                || g_strcmp0 (kind, "farm") == 0)
            && id == NULL)
          continue;
        if (g_strcmp0 (kind, "switch") != 0 && g_strcmp0 (kind, "board") != 0)
          {
            if (pass == 0)
              {
                tf_key_file_fail (kf, error, groups[i], NULL,
                                  "unknown group (expected [lab], [broker], [capture], [ets], "
                                  "[farm], [switch ID] "
                                  "or [board ID])");
                return NULL;
              }
            continue;
          }
        if (!valid_id (id))
          {
            tf_key_file_fail (kf, error, groups[i], NULL,
                              "the id may hold only letters, digits, '-', '_' and '.'");
            return NULL;
          }
        if (pass == 0 && g_strcmp0 (kind, "switch") == 0
            && !load_switch (self, kf, groups[i], id, error))
          return NULL;
        if (pass == 1 && g_strcmp0 (kind, "board") == 0
            && !load_board (self, kf, groups[i], id, error))
          return NULL;
      }
  /* a coordinator's boards are its hosts'; a host runs no floor */
  if (self->role == TF_LAB_ROLE_COORDINATOR && self->boards->len > 0)
    {
      const TfBoardConfig *bc = g_ptr_array_index (self->boards, 0);
      g_autofree char *group = g_strdup_printf ("board %s", bc->id);
      tf_key_file_fail (kf, error, group, NULL,
                        "a coordinator owns no boards (its hosts do): use role = both");
      return NULL;
    }
  if (self->role == TF_LAB_ROLE_HOST && self->event != NULL)
    {
      tf_key_file_fail (kf, error, "lab", "event",
                        "a host runs no event (its coordinator does): use role = both");
      return NULL;
    }
  return g_steal_pointer (&self);
}

TfSwitchConfig *
tf_lab_config_find_switch (TfLabConfig *self, const char *id)
{
  for (guint i = 0; i < self->switches->len; i++)
    {
      TfSwitchConfig *s = g_ptr_array_index (self->switches, i);
      if (g_strcmp0 (s->id, id) == 0)
        return s;
    }
  return NULL;
}

TfBoardConfig *
tf_lab_config_find_board (TfLabConfig *self, const char *id)
{
  for (guint i = 0; i < self->boards->len; i++)
    {
      TfBoardConfig *b = g_ptr_array_index (self->boards, i);
      if (g_strcmp0 (b->id, id) == 0)
        return b;
    }
  return NULL;
}

gboolean
tf_board_config_equal (const TfBoardConfig *a, const TfBoardConfig *b)
{
  return g_strcmp0 (a->id, b->id) == 0 && g_strcmp0 (a->type->name, b->type->name) == 0
         && g_strcmp0 (a->console, b->console) == 0
         && g_strcmp0 (a->power_switch, b->power_switch) == 0
         && a->power_channel == b->power_channel && g_strcmp0 (a->boot_switch, b->boot_switch) == 0
         && a->boot_channel == b->boot_channel && g_strcmp0 (a->table, b->table) == 0
         && g_strcmp0 (a->usb_path, b->usb_path) == 0
         && g_strcmp0 (a->usb_serial, b->usb_serial) == 0
         && ((a->addresses == NULL && b->addresses == NULL)
             || (a->addresses != NULL && b->addresses != NULL
                 && g_strv_equal ((const char *const *)a->addresses,
                                  (const char *const *)b->addresses)));
}

gboolean
tf_switch_config_equal (const TfSwitchConfig *a, const TfSwitchConfig *b)
{
  return g_strcmp0 (a->id, b->id) == 0 && g_strcmp0 (a->type, b->type) == 0
         && a->channels == b->channels && a->off_time_ms == b->off_time_ms
         && g_strcmp0 (a->device, b->device) == 0 && g_strcmp0 (a->on_command, b->on_command) == 0
         && g_strcmp0 (a->off_command, b->off_command) == 0 && a->timeout_ms == b->timeout_ms
         && a->usb_vid == b->usb_vid && a->usb_pid == b->usb_pid
         && g_strcmp0 (a->usb_serial, b->usb_serial) == 0;
}

char *
tf_lab_config_read_password (TfLabConfig *self, GError **error)
{
  g_autofree char *data = NULL;
  char *nl;
  if (self->broker_password_file == NULL)
    return NULL;
  if (!g_file_get_contents (self->broker_password_file, &data, NULL, error))
    return NULL;
  nl = strchr (data, '\n');
  if (nl != NULL)
    *nl = '\0';
  return g_steal_pointer (&data);
}

gboolean
tf_lab_role_from_string (const char *s, TfLabRole *role)
{
  static const char *const names[] = { "both", "host", "coordinator" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (s, names[i]) == 0)
      {
        *role = (TfLabRole)i;
        return TRUE;
      }
  return FALSE;
}
