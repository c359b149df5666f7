/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-cmd"

#include "config.h"

#include "tf-error.h"
#include "tf-lab.h"

#include <string.h>

/* Requests arrive on tf/<lab>/cmd/<verb> as JSON objects with a v5 response
 * topic; every answer is {"schema":1,"ok":true,...} or {"ok":false,"error":...}.
 * A request we cannot parse still gets an answer with the reason. */

struct _TfLabRequest
{
  gint ref;
  TfLab *lab;
  TfBusMessage *msg;
  char *verb;
  char *board;
  gboolean answered;
};
typedef TfLabRequest Request;

typedef struct
{
  TfLabCommandFunc func;
  gpointer user_data;
} Command;

static GQuark
commands_quark (void)
{
  return g_quark_from_static_string ("tf-lab-commands");
}

void
tf_lab_add_command (TfLab *self, const char *verb, TfLabCommandFunc func, gpointer user_data)
{
  GHashTable *t = g_object_get_qdata (G_OBJECT (self), commands_quark ());
  Command *c = g_new0 (Command, 1);
  if (t == NULL)
    {
      t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_object_set_qdata_full (G_OBJECT (self), commands_quark (), t,
                               (GDestroyNotify)g_hash_table_unref);
    }
  c->func = func;
  c->user_data = user_data;
  g_hash_table_replace (t, g_strdup (verb), c);
}

TfLabRequest *
tf_lab_request_ref (TfLabRequest *r)
{
  g_atomic_int_inc (&r->ref);
  return r;
}

void
tf_lab_request_unref (TfLabRequest *r)
{
  if (!g_atomic_int_dec_and_test (&r->ref))
    return;
  if (!r->answered)
    g_warning ("cmd %s: request dropped without an answer", r->verb);
  g_object_unref (r->lab);
  tf_bus_message_free (r->msg);
  g_free (r->verb);
  g_free (r->board);
  g_free (r);
}

const char *
tf_lab_request_get_verb (TfLabRequest *r)
{
  return r->verb;
}

static void
request_free (Request *r)
{
  tf_lab_request_unref (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* Typed argument access that never trips json-glib's precondition checks on
 * hostile input: a wrong type reads as absent. */
const char *
tf_lab_arg_string (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gboolean
tf_lab_arg_int (JsonObject *o, const char *key, gint64 def, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static JsonBuilder *
reply_begin (gboolean ok)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, ok);
  return b;
}

static void
reply_send (Request *r, JsonBuilder *b)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  r->answered = TRUE;
  if (!tf_bus_reply (tf_lab_get_bus (r->lab), r->msg, json, &error))
    g_warning ("cmd %s: reply not sent: %s", r->verb, error->message);
}

static void
reply_error (Request *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
reply_error (Request *r, const char *fmt, ...)
{
  g_autoptr (JsonBuilder) b = reply_begin (FALSE);
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_info ("cmd %s%s%s: refused: %s", r->verb, r->board ? " board " : "", r->board ? r->board : "",
          msg);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, msg);
  reply_send (r, b);
}

void
tf_lab_request_reply (TfLabRequest *r, JsonNode *result)
{
  g_autoptr (JsonBuilder) b = reply_begin (TRUE);
  if (result != NULL && JSON_NODE_HOLDS_OBJECT (result))
    {
      JsonObjectIter it;
      const char *name;
      JsonNode *value;
      json_object_iter_init (&it, json_node_get_object (result));
      while (json_object_iter_next (&it, &name, &value))
        {
          json_builder_set_member_name (b, name);
          json_builder_add_value (b, json_node_copy (value));
        }
    }
  reply_send (r, b);
}

void
tf_lab_request_fail (TfLabRequest *r, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list args;
  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  reply_error (r, "%s", msg);
}

static void
add_board (Request *r, JsonBuilder *b, TfBoard *board)
{
  json_builder_add_value (b, tf_board_to_json (board, tf_lab_get_config (r->lab)->host));
}

static void
cmd_boards (Request *r, JsonObject *args)
{
  g_autoptr (JsonBuilder) b = reply_begin (TRUE);
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (r->lab);
  const char *state = tf_lab_arg_string (args, "state");
  TfBoardState want;

  if (state != NULL && !tf_board_state_from_string (state, &want))
    {
      reply_error (r, "'%s' is not a board state", state);
      return;
    }
  json_builder_set_member_name (b, "boards");
  json_builder_begin_array (b);
  for (guint i = 0; i < boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (boards, i);
      if (state == NULL || tf_board_get_state (board) == want)
        add_board (r, b, board);
    }
  json_builder_end_array (b);
  reply_send (r, b);
}

static TfBoard *
need_board (Request *r, JsonObject *args)
{
  const char *id = tf_lab_arg_string (args, "board");
  TfBoard *board;
  if (id == NULL)
    {
      reply_error (r, "missing \"board\"");
      return NULL;
    }
  r->board = g_strdup (id);
  board = tf_lab_get_board (r->lab, id);
  if (board == NULL)
    reply_error (r, "no board '%s'", id);
  return board;
}

static void
cmd_board (Request *r, JsonObject *args)
{
  g_autoptr (JsonBuilder) b = NULL;
  TfBoard *board = need_board (r, args);
  gint64 lines = 0;
  g_auto (GStrv) tail = NULL;

  if (board == NULL)
    return;
  if (!tf_lab_arg_int (args, "lines", 20, &lines) || lines < 0 || lines > 100000)
    {
      reply_error (r, "\"lines\" must be a number from 0 to 100000");
      return;
    }
  b = reply_begin (TRUE);
  json_builder_set_member_name (b, "board");
  add_board (r, b, board);
  tail = tf_console_get_tail (tf_lab_get_console (r->lab, r->board), lines);
  json_builder_set_member_name (b, "console");
  json_builder_begin_array (b);
  for (guint i = 0; tail[i] != NULL; i++)
    json_builder_add_string_value (b, tail[i]);
  json_builder_end_array (b);
  reply_send (r, b);
}

/* Power and flash requests end the same way: the board as it is now, or why not. */
static void
on_board_op_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Request) r = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  TfBoard *board;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      reply_error (r, "%s", error->message);
      return;
    }
  board = tf_lab_get_board (r->lab, r->board);
  b = reply_begin (TRUE);
  if (board != NULL)
    {
      json_builder_set_member_name (b, "board");
      add_board (r, b, board);
    }
  reply_send (r, b);
}

static void
cmd_power (Request **rp, JsonObject *args)
{
  Request *r = *rp;
  const char *action = tf_lab_arg_string (args, "action");
  TfPowerAction a;
  g_autofree char *cause = NULL;

  if (need_board (r, args) == NULL)
    return;
  if (action == NULL || !tf_power_action_from_string (action, &a))
    {
      reply_error (r, "\"action\" must be on, off or cycle");
      return;
    }
  cause = g_strdup_printf ("power %s requested over MQTT", action);
  tf_lab_power_async (r->lab, r->board, a, cause, NULL, on_board_op_done, g_steal_pointer (rp));
}

static void
cmd_release (Request *r, JsonObject *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  TfBoard *board = need_board (r, args);

  if (board == NULL)
    return;
  if (!tf_lab_release (r->lab, r->board, &error))
    {
      reply_error (r, "%s", error->message);
      return;
    }
  b = reply_begin (TRUE);
  json_builder_set_member_name (b, "board");
  add_board (r, b, board);
  reply_send (r, b);
}

static void
cmd_status (Request *r, JsonObject *args)
{
  g_autoptr (JsonBuilder) b = reply_begin (TRUE);
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (r->lab);
  TfLabConfig *cfg = tf_lab_get_config (r->lab);
  guint counts[TF_BOARD_STATE_UNPLUGGED + 1] = { 0 };

  for (guint i = 0; i < boards->len; i++)
    counts[tf_board_get_state (g_ptr_array_index (boards, i))]++;
  json_builder_set_member_name (b, "lab");
  json_builder_add_string_value (b, cfg->lab);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, cfg->host);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, TF_VERSION);
  json_builder_set_member_name (b, "uptime_s");
  json_builder_add_int_value (b,
                              (g_get_real_time () - tf_lab_get_started (r->lab)) / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "boards");
  json_builder_add_int_value (b, boards->len);
  json_builder_set_member_name (b, "states");
  json_builder_begin_object (b);
  for (guint s = 0; s <= TF_BOARD_STATE_UNPLUGGED; s++)
    {
      json_builder_set_member_name (b, tf_board_state_to_string (s));
      json_builder_add_int_value (b, counts[s]);
    }
  json_builder_end_object (b);
  reply_send (r, b);
}

static void
cmd_flash (Request **rp, JsonObject *args)
{
  Request *r = *rp;
  const char *image = tf_lab_arg_string (args, "image");
  if (need_board (r, args) == NULL)
    return;
  if (image == NULL)
    {
      reply_error (r, "missing \"image\"");
      return;
    }
  tf_lab_flash_async (r->lab, r->board, image, NULL, on_board_op_done, g_steal_pointer (rp));
}

static void
cmd_images (Request *r, JsonObject *args)
{
  g_autoptr (JsonBuilder) b = reply_begin (TRUE);
  g_autoptr (GPtrArray) images = tf_image_registry_list (tf_lab_get_images (r->lab));
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
  reply_send (r, b);
}

void
tf_lab_handle_message (TfLab *self, const TfBusMessage *msg)
{
  g_autoptr (Request) r = g_new0 (Request, 1);
  GHashTable *extra = g_object_get_qdata (G_OBJECT (self), commands_quark ());
  Command *cmd;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  const char *prefix = tf_lab_get_prefix (self);
  gsize plen = strlen (prefix);
  gsize len = 0;
  const char *data;
  JsonNode *root;
  JsonObject *args;

  if (!g_str_has_prefix (msg->topic, prefix) || !g_str_has_prefix (msg->topic + plen, "cmd/"))
    return;
  r->ref = 1;
  r->lab = g_object_ref (self);
  r->msg = tf_bus_message_copy (msg);
  r->verb = g_strdup (msg->topic + plen + 4);
  if (msg->response_topic == NULL)
    {
      g_warning ("cmd %s: request without a response topic; ignored", r->verb);
      r->answered = TRUE;
      return;
    }
  data = g_bytes_get_data (msg->payload, &len);
  if (len == 0)
    data = "{}", len = 2;
  if (!json_parser_load_from_data (parser, data, len, &error))
    {
      reply_error (r, "payload is not JSON: %s", error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      reply_error (r, "payload is not a JSON object");
      return;
    }
  args = json_node_get_object (root);
  if (g_strcmp0 (r->verb, "boards") == 0)
    cmd_boards (r, args);
  else if (g_strcmp0 (r->verb, "board") == 0)
    cmd_board (r, args);
  else if (g_strcmp0 (r->verb, "power") == 0)
    cmd_power (&r, args);
  else if (g_strcmp0 (r->verb, "release") == 0)
    cmd_release (r, args);
  else if (g_strcmp0 (r->verb, "status") == 0)
    cmd_status (r, args);
  else if (g_strcmp0 (r->verb, "flash") == 0)
    cmd_flash (&r, args);
  else if (g_strcmp0 (r->verb, "images") == 0)
    cmd_images (r, args);
  else if (extra != NULL && (cmd = g_hash_table_lookup (extra, r->verb)) != NULL)
    cmd->func (self, r, args, cmd->user_data);
  else
    reply_error (r, "unknown command '%s'", r->verb);
}
