/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-console"

#include "tf-console-remote.h"
#include "tf-error.h"
#include "tf-json.h"

/* A farm coordinator's console of a board on one of its hosts: the host
 * publishes each line on tf/<lab>/host/<host>/board/<id>/console (QoS 1: its
 * bridge keeps them while its link is down), TfRemoteHosts hands them over
 * and they are fed here, so the coordinator's ring, logs and session relay
 * see them as a local console's; what is written goes to the host's
 * "console-write" verb. */
#define TF_TYPE_CONSOLE_REMOTE (tf_console_remote_get_type ())
G_DECLARE_FINAL_TYPE (TfConsoleRemote, tf_console_remote, TF, CONSOLE_REMOTE, TfConsole)

struct _TfConsoleRemote
{
  TfConsole parent_instance;
  TfRemoteHosts *remote;
};

G_DEFINE_TYPE (TfConsoleRemote, tf_console_remote, TF_TYPE_CONSOLE)

#define WRITE_TIMEOUT_S 30

static gboolean
remote_open (TfConsole *console, GError **error)
{
  return TRUE; /* the host owns the port; its lines come whether we listen or not */
}

static void
remote_close (TfConsole *console)
{
}

static void
on_written (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree char *board = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer
      = tf_remote_hosts_request_finish (TF_REMOTE_HOSTS (source), res, &error);
  if (answer == NULL)
    g_warning ("board %s: console input not sent to its host: %s", board, error->message);
  else if (!json_object_get_boolean_member_with_default (answer, "ok", FALSE))
    g_warning ("board %s: its host refused console input", board);
}

static gboolean
remote_write (TfConsole *console, const void *data, gsize len, GError **error)
{
  TfConsoleRemote *self = TF_CONSOLE_REMOTE (console);
  const char *board = tf_console_get_options (console)->board;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL, *payload = NULL;

  if (tf_remote_hosts_owner (self->remote, board) == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INFRASTRUCTURE, "board %s: no host has it", board);
      return FALSE;
    }
  if (len > TF_CONSOLE_REMOTE_MAX_WRITE || !g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "board %s: console input for a host is text of at most %u bytes", board,
                   TF_CONSOLE_REMOTE_MAX_WRITE);
      return FALSE;
    }
  text = g_strndup (data, len);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "board");
  json_builder_add_string_value (b, board);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  payload = json_to_string (root, FALSE);
  /* in order: the host answers its requests one after another */
  tf_remote_hosts_request_async (self->remote, board, "console-write", payload, WRITE_TIMEOUT_S,
                                 on_written, g_strdup (board));
  return TRUE;
}

static void
tf_console_remote_dispose (GObject *object)
{
  g_clear_object (&TF_CONSOLE_REMOTE (object)->remote);
  G_OBJECT_CLASS (tf_console_remote_parent_class)->dispose (object);
}

static void
tf_console_remote_class_init (TfConsoleRemoteClass *klass)
{
  TfConsoleClass *c = TF_CONSOLE_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = tf_console_remote_dispose;
  c->open = remote_open;
  c->close = remote_close;
  c->write = remote_write;
}

static void
tf_console_remote_init (TfConsoleRemote *self)
{
}

TfConsole *
tf_console_new_remote (const TfConsoleOptions *opts, TfRemoteHosts *remote)
{
  TfConsoleRemote *self = g_object_new (TF_TYPE_CONSOLE_REMOTE, NULL);
  self->remote = g_object_ref (remote);
  tf_console_set_options (TF_CONSOLE (self), opts);
  return TF_CONSOLE (self);
}

void
tf_console_remote_line (TfConsole *console, const void *line, gsize len)
{
  tf_console_feed (console, line, len);
  tf_console_feed (console, (const guint8 *)"\n", 1);
}
