/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-farm"

#include "tf-console-remote.h"
#include "tf-error.h"
#include "tf-json.h"
#include "tf-lab-private.h"

#include <string.h>

/* A farm coordinator's boards on its hosts (issue 18), as boards of its own
 * lab: each is a TfBoard mirroring what its host publishes (through
 * TfRemoteHosts), and its power and flash operations are the host's verbs.
 * So the floor and the regression queue use a remote board exactly as a
 * local one and know nothing of hosts. A lost host's boards are unplugged,
 * cause "host <host> lost": out, as infrastructure, never a board fault.
 * While the coordinator holds a board in a session, the host's "ready" does
 * not take it back: the session is the coordinator's record. */

struct _TfLabMirror
{
  TfLab *lab; /* not a reference: mirrors live in the lab */
  TfBoardConfig cfg;
  TfBoard *board;
  TfConsole *console;
  char *host_holder; /* the lease its host records (its state's "session") */
  gboolean host_up;  /* its host is up and has confirmed the board */
  gboolean syncing;  /* a lease request to its host is out */
  gulong changed_id;
};

static void
mirror_sync_lease (TfLabMirror *m);

void
tf_lab_mirror_free (TfLabMirror *m)
{
  if (m->changed_id != 0)
    g_signal_handler_disconnect (m->board, m->changed_id);
  g_clear_object (&m->board);
  g_free (m->host_holder);
  if (m->console != NULL)
    tf_console_close (m->console);
  g_clear_object (&m->console);
  g_free (m->cfg.id);
  g_free (m->cfg.table);
  g_free (m);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* Take the host's word for @m's board; @o is its state payload. */
static void
mirror_apply (TfLabMirror *m, JsonObject *o)
{
  const char *state = member_string (o, "state");
  const char *cause = member_string (o, "cause");
  const char *why = member_string (o, "error");
  JsonNode *fw = json_object_get_member (o, "firmware");
  JsonObject *fwo = fw != NULL && JSON_NODE_HOLDS_OBJECT (fw) ? json_node_get_object (fw) : NULL;
  TfBoardState now = tf_board_get_state (m->board), want;
  TfPower power = TF_POWER_UNKNOWN;
  TfHealth health = TF_HEALTH_UNKNOWN;
  g_autoptr (GError) error = NULL;

  if (fwo != NULL)
    tf_board_set_firmware (m->board, member_string (fwo, "name"), member_string (fwo, "version"),
                           member_string (fwo, "sha256"));
  if (g_strcmp0 (member_string (o, "power"), "on") == 0)
    power = TF_POWER_ON;
  else if (g_strcmp0 (member_string (o, "power"), "off") == 0)
    power = TF_POWER_OFF;
  tf_board_set_power (m->board, power);
  if (g_strcmp0 (member_string (o, "health"), "good") == 0)
    health = TF_HEALTH_GOOD;
  else if (g_strcmp0 (member_string (o, "health"), "bad") == 0)
    health = TF_HEALTH_BAD;
  tf_board_set_health (m->board, health);

  m->host_up = g_strcmp0 (state, "unknown") != 0;
  if (m->host_up)
    {
      g_free (m->host_holder);
      m->host_holder = g_strdup (member_string (o, "session"));
    }
  if (g_strcmp0 (state, "unknown") == 0)
    want = TF_BOARD_STATE_UNPLUGGED; /* its host is lost, or not confirmed yet */
  else if (state == NULL || !tf_board_state_from_string (state, &want))
    {
      g_warning ("board %s: its host says state '%.32s'; ignored", m->cfg.id,
                 state != NULL ? state : "(none)");
      return;
    }
  if (now == TF_BOARD_STATE_IN_SESSION
      && (want == TF_BOARD_STATE_READY || want == TF_BOARD_STATE_IN_SESSION))
    return;
  if (want == TF_BOARD_STATE_READY && tf_board_get_session (m->board) != NULL)
    {
      /* its host is back and the board ready: the session that held it goes on */
      if (now != TF_BOARD_STATE_READY)
        tf_board_set_state (m->board, TF_BOARD_STATE_READY,
                            cause != NULL ? cause : "its host is back", NULL, NULL);
      tf_board_set_state (m->board, TF_BOARD_STATE_IN_SESSION, "its session goes on", NULL, NULL);
      return;
    }
  if (now == want && g_strcmp0 (tf_board_get_cause (m->board), cause) == 0)
    return;
  if (!tf_board_set_state (m->board, want, cause != NULL ? cause : "its host says so", why, &error))
    {
      /* the host saw steps we did not (its link was down): its word stands */
      g_debug ("%s; taken as it is", error->message);
      tf_board_restore (
          m->board, want, tf_board_get_faults (m->board), tf_board_get_firmware_name (m->board),
          tf_board_get_firmware_version (m->board), tf_board_get_firmware_sha256 (m->board));
    }
}

static void
on_remote_board (TfRemoteHosts *remote, const char *id, TfLab *self)
{
  g_autoptr (JsonNode) node = tf_remote_hosts_board (remote, id);
  TfLabMirror *m = g_hash_table_lookup (self->mirrors, id);
  JsonObject *o;
  const char *type;
  TfBoardType *bt;

  if (node == NULL)
    {
      if (m != NULL)
        {
          tf_lab_emit_board_removed (self, id);
          g_hash_table_remove (self->mirrors, id);
        }
      return;
    }
  o = json_node_get_object (node);
  if (m != NULL)
    {
      mirror_apply (m, o);
      mirror_sync_lease (m);
      return;
    }
  if (g_hash_table_contains (self->boards, id))
    return; /* our own board of that id: ours wins, the host's is not scheduled */
  type = member_string (o, "type");
  bt = type != NULL ? g_hash_table_lookup (self->config->types, type) : NULL;
  if (bt == NULL)
    {
      g_warning ("board %s: type '%.64s' of its host is not one of the coordinator's board types; "
                 "not scheduled",
                 id, type != NULL ? type : "(none)");
      return;
    }
  m = g_new0 (TfLabMirror, 1);
  m->lab = self;
  m->cfg.id = g_strdup (id);
  m->cfg.type = bt;
  m->cfg.table = g_strdup (member_string (o, "table"));
  m->board = tf_board_new (&m->cfg);
  {
    /* its lines logged here too: a session's console log is the coordinator's */
    g_autofree char *log_dir = g_build_filename (self->state_dir, "console", NULL);
    TfConsoleOptions copts = { .board = m->cfg.id,
                               .log_dir = log_dir,
                               .ring_lines = self->config->ring_lines,
                               .log_max_bytes = self->config->log_max_bytes };
    g_autoptr (GError) error = NULL;
    m->console = tf_console_new_remote (&copts, self->remote);
    if (!tf_console_open (m->console, &error))
      g_warning ("board %s: console log: %s", id, error->message);
  }
  tf_board_restore (m->board, TF_BOARD_STATE_UNPLUGGED, 0, NULL, NULL, NULL);
  g_hash_table_insert (self->mirrors, m->cfg.id, m);
  /* announced first, then brought to its host's state: the floor and the
   * queue see it become ready (a session resumed after a restart waits for that) */
  tf_lab_emit_board_added (self, m->board);
  mirror_apply (m, o);
  /* a lease taken or given back here goes to the host; and its host's record
   * is brought in line with ours whenever the host says otherwise */
  m->changed_id = g_signal_connect_swapped (m->board, "changed", G_CALLBACK (mirror_sync_lease), m);
  mirror_sync_lease (m);
}

static void
on_remote_console (TfRemoteHosts *remote, const char *id, const char *line, TfLab *self)
{
  TfLabMirror *m = g_hash_table_lookup (self->mirrors, id);
  if (m != NULL)
    tf_console_remote_line (m->console, line, strlen (line));
}

void
tf_lab_remote_attach (TfLab *self)
{
  g_autoptr (GPtrArray) known = NULL;
  if (self->remote == NULL)
    return;
  g_signal_connect (self->remote, "board-changed", G_CALLBACK (on_remote_board), self);
  g_signal_connect (self->remote, "board-console", G_CALLBACK (on_remote_console), self);
  known = tf_remote_hosts_list (self->remote);
  for (guint i = 0; i < known->len; i++)
    on_remote_board (
        self->remote,
        json_object_get_string_member (json_node_get_object (g_ptr_array_index (known, i)), "id"),
        self);
}

const char *
tf_lab_board_host (TfLab *self, const char *board)
{
  if (g_hash_table_contains (self->boards, board))
    return self->config->host;
  if (tf_lab_remote_board (self, board) != NULL)
    return tf_remote_hosts_owner (self->remote, board);
  return NULL;
}

TfConsole *
tf_lab_remote_console (TfLab *self, const char *id)
{
  TfLabMirror *m = self->mirrors != NULL ? g_hash_table_lookup (self->mirrors, id) : NULL;
  return m != NULL ? m->console : NULL;
}

/* A farm host: each console line goes to the coordinator too (QoS 1, so its
 * bridge keeps them while the link is down). */
void
tf_lab_publish_console_line (TfLab *self, const char *board, const char *line)
{
  g_autofree char *topic = g_strdup_printf ("%sboard/%s/console", self->board_prefix, board);
  g_autoptr (GError) error = NULL;
  if (!tf_bus_publish (self->bus, topic, line, strlen (line), FALSE, &error))
    g_debug ("board %s: console line not published: %s", board, error->message);
}

TfBoard *
tf_lab_remote_board (TfLab *self, const char *id)
{
  TfLabMirror *m = self->mirrors != NULL ? g_hash_table_lookup (self->mirrors, id) : NULL;
  return m != NULL ? m->board : NULL;
}

/* --- operations: the host's verbs -------------------------------------------------- */

typedef struct
{
  TfLab *lab;
  char *board;
} RemoteOp;

static void
remote_op_free (RemoteOp *op)
{
  g_object_unref (op->lab);
  g_free (op->board);
  g_free (op);
}

static void
on_remote_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RemoteOp *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer
      = tf_remote_hosts_request_finish (TF_REMOTE_HOSTS (source), res, &error);
  JsonNode *board;
  TfLabMirror *m;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* the board as the host left it, before its retained state arrives */
  board = json_object_get_member (answer, "board");
  m = op->lab->mirrors != NULL ? g_hash_table_lookup (op->lab->mirrors, op->board) : NULL;
  if (m != NULL && board != NULL && JSON_NODE_HOLDS_OBJECT (board))
    mirror_apply (m, json_node_get_object (board));
  if (!json_object_get_boolean_member_with_default (answer, "ok", FALSE))
    {
      const char *why = member_string (answer, "error");
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_FAILED, "board %s: %s", op->board,
                               why != NULL ? why : "refused by its host");
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* @task (the lab's operation task) returns when the host has answered @verb. */
void
tf_lab_remote_op (TfLab *self, const char *board, const char *verb, JsonObject *args,
                  guint timeout_s, GTask *task)
{
  RemoteOp *op = g_new0 (RemoteOp, 1);
  g_autoptr (JsonNode) n = NULL;
  g_autofree char *payload = NULL;

  op->lab = g_object_ref (self);
  op->board = g_strdup (board);
  g_task_set_task_data (task, op, (GDestroyNotify)remote_op_free);
  json_object_set_string_member (args, "board", board);
  n = json_node_init_object (json_node_alloc (), args);
  payload = json_to_string (n, FALSE);
  tf_remote_hosts_request_async (self->remote, board, verb, payload, timeout_s, on_remote_done,
                                 g_object_ref (task));
}

/* --- leases: the coordinator's record, kept on the host ------------------------------ */

typedef struct
{
  TfLab *lab;
  char *board;
} LeaseCall;

static void
on_lease_answer (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LeaseCall *c = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer
      = tf_remote_hosts_request_finish (TF_REMOTE_HOSTS (source), res, &error);
  TfLabMirror *m = c->lab->mirrors != NULL ? g_hash_table_lookup (c->lab->mirrors, c->board) : NULL;
  JsonNode *board = answer != NULL ? json_object_get_member (answer, "board") : NULL;

  if (m != NULL)
    {
      m->syncing = FALSE;
      if (answer == NULL)
        /* lost meanwhile: its return brings its state, and another try */
        g_info ("board %s: lease not recorded on its host: %s", c->board, error->message);
      else if (!json_object_get_boolean_member_with_default (answer, "ok", FALSE))
        g_warning ("board %s: its host refused the lease: %s", c->board,
                   member_string (answer, "error") ? member_string (answer, "error") : "?");
      else if (board != NULL && JSON_NODE_HOLDS_OBJECT (board))
        {
          mirror_apply (m, json_node_get_object (board));
          mirror_sync_lease (m);
        }
    }
  g_object_unref (c->lab);
  g_free (c->board);
  g_free (c);
}

/* One step towards the host recording our holder: give back a holder that is
 * not ours (revoked while the host was away), then take ours. */
static void
mirror_sync_lease (TfLabMirror *m)
{
  const char *want = tf_board_get_session (m->board);
  JsonObject *args;
  LeaseCall *c;

  if (m->syncing || !m->host_up || g_strcmp0 (want, m->host_holder) == 0)
    return;
  args = json_object_new ();
  if (m->host_holder != NULL)
    {
      g_message ("board %s: its host still holds it for %s; releasing it there", m->cfg.id,
                 m->host_holder);
      json_object_set_string_member (args, "release", m->host_holder);
    }
  else
    json_object_set_string_member (args, "holder", want);
  m->syncing = TRUE;
  c = g_new0 (LeaseCall, 1);
  c->lab = g_object_ref (m->lab);
  c->board = g_strdup (m->cfg.id);
  json_object_set_string_member (args, "board", m->cfg.id);
  {
    g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), args);
    g_autofree char *payload = json_to_string (n, FALSE);
    json_object_unref (args);
    tf_remote_hosts_request_async (m->lab->remote, m->cfg.id, "lease", payload,
                                   TF_LAB_REMOTE_LEASE_S, on_lease_answer, c);
  }
}
