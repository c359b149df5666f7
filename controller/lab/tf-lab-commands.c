/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-cmd"

#include "config.h"

#include "tf-error.h"
#include "tf-json.h"
#include "tf-lab.h"

#include <string.h>

/* The lab's staff verbs on tf/<lab>/cmd/<verb>, through core's TfRpc (which
 * reads, bounds and answers; see tf-rpc.h). */

/* A power or flash request outlives its handler: what its end needs. */
typedef struct
{
  TfRpcRequest *req;
  TfLab *lab;
  char *board;
} BoardOp;

static void
board_op_free (BoardOp *op)
{
  tf_rpc_request_unref (op->req);
  g_object_unref (op->lab);
  g_free (op->board);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BoardOp, board_op_free)

static JsonBuilder *
result_begin (void)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  return b;
}

static void
result_send (TfRpcRequest *r, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = NULL;
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  tf_rpc_request_reply (r, root);
}

static void
add_board (TfLab *lab, JsonBuilder *b, TfBoard *board)
{
  json_builder_add_value (b, tf_board_to_json (board, tf_lab_get_config (lab)->host));
}

static void
cmd_boards (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (lab);
  g_autoptr (GError) error = NULL;
  const char *state = NULL;
  TfBoardState want;

  if (!tf_json_read_string (args, "state", FALSE, 64, &state, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  /* "unknown": a lost farm host's boards (tf-remote-host.h) */
  if (state != NULL && !tf_board_state_from_string (state, &want)
      && g_strcmp0 (state, "unknown") != 0)
    {
      tf_rpc_request_fail (r, "'%s' is not a board state", state);
      return;
    }
  b = result_begin ();
  json_builder_set_member_name (b, "boards");
  json_builder_begin_array (b);
  for (guint i = 0; i < boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (boards, i);
      /* a host's board: listed below as its host says it is */
      if (tf_lab_board_is_remote (lab, tf_board_get_id (board)))
        continue;
      if (state == NULL
          || g_strcmp0 (tf_board_state_to_string (tf_board_get_state (board)), state) == 0)
        add_board (lab, b, board);
    }
  if (tf_lab_get_remote_hosts (lab) != NULL)
    {
      /* a coordinator: its hosts' boards, each with its host */
      g_autoptr (GPtrArray) remote = tf_remote_hosts_list (tf_lab_get_remote_hosts (lab));
      for (guint i = 0; i < remote->len; i++)
        {
          JsonNode *n = g_ptr_array_index (remote, i);
          if (state == NULL
              || g_strcmp0 (json_object_get_string_member (json_node_get_object (n), "state"),
                            state)
                     == 0)
            json_builder_add_value (b, json_node_ref (n));
        }
    }
  json_builder_end_array (b);
  result_send (r, b);
}

/* A farm host's answer, relayed as the coordinator's own. */
static void
on_forwarded (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRpcRequest) r = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) answer
      = tf_remote_hosts_request_finish (TF_REMOTE_HOSTS (source), res, &error);
  g_autoptr (JsonNode) node = NULL;
  JsonNode *why;

  if (answer == NULL)
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  if (!json_object_get_boolean_member_with_default (answer, "ok", FALSE))
    {
      why = json_object_get_member (answer, "error");
      tf_rpc_request_fail (r, "%s",
                           why != NULL && JSON_NODE_HOLDS_VALUE (why)
                                   && json_node_get_value_type (why) == G_TYPE_STRING
                               ? json_node_get_string (why)
                               : "refused by the board's host");
      return;
    }
  for (const char *const *k = (const char *[]){ "schema", "ok", "id", NULL }; *k != NULL; k++)
    if (json_object_has_member (answer, *k))
      json_object_remove_member (answer, *k);
  node = json_node_init_object (json_node_alloc (), answer);
  tf_rpc_request_reply (r, node);
}

/* A coordinator sends a request for a farm host's board to that host. */
static gboolean
forward_to_host (TfRpcRequest *r, TfLab *lab, JsonObject *args, const char *id)
{
  TfRemoteHosts *remote = tf_lab_get_remote_hosts (lab);
  const char *verb = tf_rpc_request_get_verb (r);
  g_autoptr (JsonNode) n = NULL;
  g_autofree char *payload = NULL;

  if (remote == NULL || tf_remote_hosts_owner (remote, id) == NULL)
    return FALSE;
  /* without the staff's "id": the coordinator's record answers their replays,
   * and every staff account reaches the host as the coordinator alone (two
   * accounts' equal ids would clash in the host's record) */
  {
    g_autoptr (JsonObject) fwd = json_object_new ();
    JsonObjectIter it;
    const char *name;
    JsonNode *value;
    json_object_iter_init (&it, args);
    while (json_object_iter_next (&it, &name, &value))
      if (g_strcmp0 (name, "id") != 0)
        json_object_set_member (fwd, name, json_node_copy (value));
    n = json_node_init_object (json_node_alloc (), fwd);
    payload = json_to_string (n, FALSE);
  }
  /* a flash takes minutes; everything else ends with a boot at most */
  tf_remote_hosts_request_async (remote, id, verb, payload,
                                 g_strcmp0 (verb, "flash") == 0 ? 1800 : 300, on_forwarded,
                                 tf_rpc_request_ref (r));
  return TRUE;
}

/* NULL: answered here (refused, or forwarded to the board's farm host). */
static TfBoard *
need_board (TfRpcRequest *r, TfLab *lab, JsonObject *args, const char **id)
{
  g_autoptr (GError) error = NULL;
  TfBoard *board;
  if (!tf_json_read_id (args, "board", TRUE, 200, id, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return NULL;
    }
  /* a farm host's board: its host answers staff, as it did before the floor used it */
  if (tf_lab_board_is_remote (lab, *id) && forward_to_host (r, lab, args, *id))
    return NULL;
  board = tf_lab_get_board (lab, *id);
  if (board == NULL && !forward_to_host (r, lab, args, *id))
    tf_rpc_request_fail (r, "no board '%s'", *id);
  return board;
}

static void
cmd_board (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  const char *id = NULL;
  TfBoard *board = need_board (r, lab, args, &id);
  gint64 lines = 20;
  g_auto (GStrv) tail = NULL;

  if (board == NULL)
    return;
  if (!tf_json_read_int (args, "lines", FALSE, 0, 100000, &lines, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  b = result_begin ();
  json_builder_set_member_name (b, "board");
  add_board (lab, b, board);
  tail = tf_console_get_tail (tf_lab_get_console (lab, id), lines);
  json_builder_set_member_name (b, "console");
  json_builder_begin_array (b);
  for (guint i = 0; tail[i] != NULL; i++)
    json_builder_add_string_value (b, tail[i]);
  json_builder_end_array (b);
  result_send (r, b);
}

/* Power and flash requests end the same way: the board as it is now, or why not. */
static void
on_board_op_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (BoardOp) op = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  TfBoard *board;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      tf_rpc_request_fail (op->req, "%s", error->message);
      return;
    }
  board = tf_lab_get_board (op->lab, op->board);
  b = result_begin ();
  if (board != NULL)
    {
      json_builder_set_member_name (b, "board");
      add_board (op->lab, b, board);
    }
  result_send (op->req, b);
}

static BoardOp *
board_op (TfRpcRequest *r, TfLab *lab, const char *board)
{
  BoardOp *op = g_new0 (BoardOp, 1);
  op->req = tf_rpc_request_ref (r);
  op->lab = g_object_ref (lab);
  op->board = g_strdup (board);
  return op;
}

static void
cmd_power (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  const char *action = NULL, *id = NULL;
  TfPowerAction a;
  g_autofree char *cause = NULL;

  if (need_board (r, lab, args, &id) == NULL)
    return;
  if (!tf_json_read_string (args, "action", TRUE, 16, &action, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  if (!tf_power_action_from_string (action, &a))
    {
      tf_rpc_request_fail (r, "\"action\" must be on, off or cycle");
      return;
    }
  cause = g_strdup_printf ("power %s requested over MQTT", action);
  tf_lab_power_async (lab, id, a, cause, NULL, on_board_op_done, board_op (r, lab, id));
}

static void
cmd_release (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  const char *id = NULL;
  TfBoard *board = need_board (r, lab, args, &id);

  if (board == NULL)
    return;
  if (!tf_lab_release (lab, id, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  b = result_begin ();
  json_builder_set_member_name (b, "board");
  add_board (lab, b, board);
  result_send (r, b);
}

static void
cmd_status (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (JsonBuilder) b = result_begin ();
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (lab);
  TfLabConfig *cfg = tf_lab_get_config (lab);
  guint counts[TF_BOARD_STATE_UNPLUGGED + 1] = { 0 };
  guint local = 0;

  for (guint i = 0; i < boards->len; i++)
    if (!tf_lab_board_is_remote (lab, tf_board_get_id (g_ptr_array_index (boards, i))))
      {
        counts[tf_board_get_state (g_ptr_array_index (boards, i))]++;
        local++;
      }
  json_builder_set_member_name (b, "lab");
  json_builder_add_string_value (b, cfg->lab);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, cfg->host);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, TF_VERSION);
  json_builder_set_member_name (b, "uptime_s");
  json_builder_add_int_value (b, (g_get_real_time () - tf_lab_get_started (lab)) / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "boards");
  json_builder_add_int_value (b, local);
  json_builder_set_member_name (b, "states");
  json_builder_begin_object (b);
  for (guint s = 0; s <= TF_BOARD_STATE_UNPLUGGED; s++)
    {
      json_builder_set_member_name (b, tf_board_state_to_string (s));
      json_builder_add_int_value (b, counts[s]);
    }
  json_builder_end_object (b);
  /* what the request path refused: bad response topics, retained requests */
  json_builder_set_member_name (b, "requests");
  json_builder_add_value (b, tf_rpc_counters_json (tf_lab_get_rpc (lab)));
  if (cfg->role != TF_LAB_ROLE_BOTH)
    {
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, cfg->role == TF_LAB_ROLE_HOST ? "host" : "coordinator");
    }
  if (tf_lab_get_remote_hosts (lab) != NULL)
    {
      json_builder_set_member_name (b, "hosts");
      json_builder_add_value (b, tf_remote_hosts_to_json (tf_lab_get_remote_hosts (lab)));
    }
  result_send (r, b);
}

static void
cmd_flash (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  const char *image = NULL, *id = NULL;
  if (need_board (r, lab, args, &id) == NULL)
    return;
  if (!tf_json_read_id (args, "image", TRUE, 200, &image, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  tf_lab_flash_async (lab, id, image, NULL, on_board_op_done, board_op (r, lab, id));
}

static void
cmd_images (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (JsonBuilder) b = result_begin ();
  g_autoptr (GPtrArray) images = tf_image_registry_list (tf_lab_get_images (lab));
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (guint i = 0; i < images->len; i++)
    {
      TfImage *img = g_ptr_array_index (images, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, img->id);
      json_builder_set_member_name (b, "implementation");
      json_builder_add_string_value (b, img->implementation);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, img->version);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, img->size);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, img->sha256);
      json_builder_set_member_name (b, "board_types");
      json_builder_begin_array (b);
      for (guint j = 0; img->board_types[j] != NULL; j++)
        json_builder_add_string_value (b, img->board_types[j]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  result_send (r, b);
}

/* A farm host: the coordinator says one of our board ids is another host's. */
static void
cmd_refused (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  const char *board = NULL, *owner = NULL;
  if (!tf_json_read_id (args, "board", TRUE, 200, &board, &error)
      || !tf_json_read_id (args, "owner", TRUE, 64, &owner, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  if (tf_lab_get_board (lab, board) == NULL)
    {
      tf_rpc_request_fail (r, "no board '%s'", board);
      return;
    }
  tf_lab_note_refused (lab, board, owner);
  tf_rpc_request_reply (r, NULL);
}

/* A farm host: the coordinator's lease of a board (a session or a regression
 * job), recorded here as the board's session so that one holder at a time
 * has it; "release" gives back the named holder's (one the coordinator
 * revoked while we were away). The coordinator's store is the record: it
 * brings ours in line whenever our state differs. */
static void
cmd_lease (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  const char *id = NULL, *holder = NULL, *release = NULL, *now;
  TfBoard *board;
  if (!tf_json_read_id (args, "board", TRUE, 200, &id, &error)
      || !tf_json_read_string (args, "holder", FALSE, 256, &holder, &error)
      || !tf_json_read_string (args, "release", FALSE, 256, &release, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  if ((holder == NULL) == (release == NULL))
    {
      tf_rpc_request_fail (r, "one of \"holder\" and \"release\"");
      return;
    }
  board = tf_lab_get_board (lab, id);
  if (board == NULL)
    {
      tf_rpc_request_fail (r, "no board '%s'", id);
      return;
    }
  now = tf_board_get_session (board);
  if (holder != NULL && now != NULL && g_strcmp0 (now, holder) != 0)
    {
      tf_rpc_request_fail (r, "board %s is held by %s", id, now);
      return;
    }
  if (holder != NULL)
    tf_board_set_session (board, holder);
  else if (g_strcmp0 (now, release) == 0)
    tf_board_set_session (board, NULL);
  b = result_begin ();
  json_builder_set_member_name (b, "board");
  add_board (lab, b, board);
  result_send (r, b);
}

/* A farm host: the coordinator's input for a board's console (provisioning). */
static void
cmd_console_write (TfRpcRequest *r, JsonObject *args, gpointer data)
{
  TfLab *lab = data;
  g_autoptr (GError) error = NULL;
  const char *board = NULL, *text = NULL;
  TfConsole *console;
  if (!tf_json_read_id (args, "board", TRUE, 200, &board, &error)
      || !tf_json_read_string (args, "data", TRUE, 4096, &text, &error))
    {
      tf_rpc_request_fail (r, "%s", error->message);
      return;
    }
  console = tf_lab_get_console (lab, board);
  if (console == NULL)
    {
      tf_rpc_request_fail (r, "no board '%s'", board);
      return;
    }
  if (!tf_console_write (console, text, strlen (text), &error))
    {
      tf_rpc_request_fail (r, "board %s: %s", board, error->message);
      return;
    }
  tf_rpc_request_reply (r, NULL);
}

void
tf_lab_add_verbs (TfLab *self)
{
  static const struct
  {
    const char *verb;
    TfRpcFunc func;
  } verbs[] = {
    { "boards", cmd_boards },   { "board", cmd_board },   { "power", cmd_power },
    { "release", cmd_release }, { "status", cmd_status }, { "flash", cmd_flash },
    { "images", cmd_images },
  };
  TfRpc *rpc = tf_lab_get_rpc (self);
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    tf_rpc_add_verb (rpc, TF_RPC_STAFF, verbs[i].verb, verbs[i].func, self);
  if (tf_lab_get_config (self)->role == TF_LAB_ROLE_HOST)
    {
      tf_rpc_add_verb (rpc, TF_RPC_STAFF, "refused", cmd_refused, self);
      tf_rpc_add_verb (rpc, TF_RPC_STAFF, "console-write", cmd_console_write, self);
      tf_rpc_add_verb (rpc, TF_RPC_STAFF, "lease", cmd_lease, self);
    }
}
