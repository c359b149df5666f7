/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-command.h"
#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-provision.h"
#include "tf-session-json.h"
#include "tf-time.h"

#include <string.h>

/* What a preparing or running session holds: its runtime, the tickets its
 * callbacks carry, and the console lines forwarded to both companies. */

void
tf_floor_live_free (Live *l)
{
  if (l->cancel != NULL)
    g_cancellable_cancel (l->cancel);
  g_clear_object (&l->cancel);
  if (l->console_id != 0)
    g_signal_handler_disconnect (l->console, l->console_id);
  g_clear_object (&l->console);
  g_clear_handle_id (&l->slot_timer, g_source_remove);
  g_clear_handle_id (&l->wait_timer, g_source_remove);
  g_free (l->id);
  g_free (l);
}

Ticket *
tf_floor_ticket_new (Live *l)
{
  Ticket *t = g_new0 (Ticket, 1);
  t->floor = l->floor;
  t->id = g_strdup (l->id);
  t->generation = l->generation;
  return t;
}

void
tf_floor_ticket_free (Ticket *t)
{
  g_free (t->id);
  g_free (t);
}

Live *
tf_floor_ticket_live (Ticket *t)
{
  Live *l = g_hash_table_lookup (t->floor->live, t->id);
  return l != NULL && l->generation == t->generation ? l : NULL;
}

/* --- console ------------------------------------------------------------------- */

/* A line of the session's console to both its companies: the board's, or (@operator) what
 * the lab's runner asks a person to do next (tf-floor-ets-sut.c). */
void
tf_floor_publish_console (TfFloor *f, TfSession *s, const char *line, gint64 at, gboolean operator)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *when = tf_time_format (at);
  const char *companies[2];

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, s->id);
  json_builder_set_member_name (b, "board");
  json_builder_add_string_value (b, s->board);
  json_builder_set_member_name (b, "at");
  json_builder_add_string_value (b, when);
  json_builder_set_member_name (b, "line");
  json_builder_add_string_value (b, g_utf8_validate (line, -1, NULL) ? line : "(not UTF-8)");
  if (operator)
    {
      json_builder_set_member_name (b, "operator");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  companies[0] = s->client_company;
  companies[1] = s->server_company;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *topic = NULL;
      if (i == 1 && g_strcmp0 (companies[0], companies[1]) == 0)
        break;
      topic = g_strdup_printf ("%sprivate/%s/session/%s/console", f->prefix, companies[i], s->id);
      tf_bus_publish (f->bus, topic, json, strlen (json), FALSE, NULL);
    }
}

static void
on_console_line (TfConsole *console, const char *line, gint64 at, Live *l)
{
  TfSession *s = tf_floor_session (l->floor, l->id);
  if (s != NULL)
    tf_floor_publish_console (l->floor, s, line, at, FALSE);
}

/* The board's console, once there is one: a farm host's board after a
 * coordinator restart exists only when its host announces it again, after
 * the session was resumed. */
static void
attach_console (Live *l, const char *board)
{
  TfConsole *console;
  if (l->console != NULL || board == NULL)
    return;
  console = tf_lab_get_console (l->floor->lab, board);
  if (console == NULL)
    return;
  l->console = g_object_ref (console);
  l->console_id = g_signal_connect (console, "line", G_CALLBACK (on_console_line), l);
}

void
tf_floor_live_attach_console (Live *l)
{
  TfSession *s = tf_floor_session (l->floor, l->id);
  if (s != NULL)
    attach_console (l, s->board);
}

Live *
tf_floor_live_new (TfFloor *f, TfSession *s)
{
  Live *l = g_new0 (Live, 1);
  l->floor = f;
  l->id = g_strdup (s->id);
  l->cancel = g_cancellable_new ();
  l->generation = ++f->generation;
  g_hash_table_replace (f->live, l->id, l);
  attach_console (l, s->board);
  return l;
}
