/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-error.h"
#include "tf-pairings.h"
#include "tf-schedule.h"

static const gchar *const state_names[] = { "planned", "running", "done", NULL };

const gchar *
tf_entry_state_to_string (TfEntryState state)
{
  return state_names[state];
}

gboolean
tf_entry_state_from_string (const gchar *text, TfEntryState *state)
{
  for (guint i = 0; state_names[i] != NULL; i++)
    {
      if (g_strcmp0 (text, state_names[i]) == 0)
        {
          *state = i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
entry_free (TfScheduleEntry *e)
{
  g_free (e->id);
  g_free (e->client);
  g_free (e->client_company);
  g_free (e->server);
  g_free (e->server_company);
  g_free (e->board);
  g_free (e->start);
  g_free (e->end);
  g_free (e);
}

TfSchedule *
tf_schedule_new (TfEvent *event)
{
  TfSchedule *schedule = g_new0 (TfSchedule, 1);
  schedule->event = tf_event_ref (event);
  schedule->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  return schedule;
}

void
tf_schedule_free (TfSchedule *schedule)
{
  tf_event_unref (schedule->event);
  g_ptr_array_unref (schedule->entries);
  g_free (schedule->method);
  g_free (schedule);
}

/* Adds a session by indices; @board is an index into the event's boards or -1. */
TfScheduleEntry *
tf_schedule_add (TfSchedule *schedule, guint client, guint server, gint slot, gint table,
                 gint board)
{
  const TfEvent *event = schedule->event;
  TfScheduleEntry *e = g_new0 (TfScheduleEntry, 1);
  e->id = tf_pairing_id (event, client, server);
  e->slot = slot;
  e->table = table;
  e->c = client;
  e->s = server;
  e->b = board;
  e->client = g_strdup (tf_event_impl (event, client)->id);
  e->server = g_strdup (tf_event_impl (event, server)->id);
  e->client_company = g_strdup (tf_event_company_id_of (event, client));
  e->server_company = g_strdup (tf_event_company_id_of (event, server));
  e->board = board >= 0 ? g_strdup (g_ptr_array_index (event->boards, board)) : NULL;
  e->state = TF_ENTRY_PLANNED;
  g_ptr_array_add (schedule->entries, e);
  return e;
}

static TfScheduleEntry *
entry_copy (const TfScheduleEntry *src)
{
  TfScheduleEntry *e = g_memdup2 (src, sizeof (TfScheduleEntry));
  e->id = g_strdup (src->id);
  e->client = g_strdup (src->client);
  e->client_company = g_strdup (src->client_company);
  e->server = g_strdup (src->server);
  e->server_company = g_strdup (src->server_company);
  e->board = g_strdup (src->board);
  e->start = g_strdup (src->start);
  e->end = g_strdup (src->end);
  return e;
}

TfSchedule *
tf_schedule_copy (const TfSchedule *schedule)
{
  TfSchedule *copy = tf_schedule_new (schedule->event);
  for (guint i = 0; i < schedule->entries->len; i++)
    g_ptr_array_add (copy->entries, entry_copy (g_ptr_array_index (schedule->entries, i)));
  copy->lower_bound = schedule->lower_bound;
  copy->method = g_strdup (schedule->method);
  return copy;
}

TfScheduleEntry *
tf_schedule_find (const TfSchedule *schedule, const gchar *id)
{
  for (guint i = 0; i < schedule->entries->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, i);
      if (g_strcmp0 (e->id, id) == 0)
        return e;
    }
  return NULL;
}

static gint
entry_cmp (gconstpointer a, gconstpointer b)
{
  const TfScheduleEntry *x = *(TfScheduleEntry **)a;
  const TfScheduleEntry *y = *(TfScheduleEntry **)b;
  if (x->slot != y->slot)
    return x->slot < y->slot ? -1 : 1;
  if (x->table != y->table)
    return x->table < y->table ? -1 : 1;
  return g_strcmp0 (x->id, y->id);
}

void
tf_schedule_sort (TfSchedule *schedule)
{
  g_ptr_array_sort (schedule->entries, entry_cmp);
}

/* A sorted view: the entries are borrowed, not owned. */
GPtrArray *
tf_schedule_sorted (const TfSchedule *schedule)
{
  GPtrArray *sorted = g_ptr_array_sized_new (schedule->entries->len);
  for (guint i = 0; i < schedule->entries->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (schedule->entries, i));
  g_ptr_array_sort (sorted, entry_cmp);
  return sorted;
}

/* Slots from the first slot to the last one used. */
guint
tf_schedule_makespan (const TfSchedule *schedule)
{
  gint last = -1;
  for (guint i = 0; i < schedule->entries->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, i);
      last = MAX (last, e->slot);
    }
  return last + 1;
}

/* Slots in which a team is available and idle between its first and last
 * session, summed over teams. */
guint
tf_schedule_idle (const TfSchedule *schedule)
{
  const TfEvent *event = schedule->event;
  guint n_slots = event->slots->len;
  guint idle = 0;
  g_autofree guint8 *busy = g_new0 (guint8, (gsize)event->teams->len * n_slots);

  for (guint i = 0; i < schedule->entries->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, i);
      if (e->c < 0 || e->s < 0 || e->slot < 0 || (guint)e->slot >= n_slots)
        continue;
      busy[tf_event_impl (event, e->c)->team * n_slots + e->slot] = 1;
      busy[tf_event_impl (event, e->s)->team * n_slots + e->slot] = 1;
    }
  for (guint t = 0; t < event->teams->len; t++)
    {
      const TfTeam *team = tf_event_team (event, t);
      gint first = -1, last = -1;
      for (guint s = 0; s < n_slots; s++)
        {
          if (busy[t * n_slots + s])
            {
              if (first < 0)
                first = s;
              last = s;
            }
        }
      for (gint s = first; s >= 0 && s <= last; s++)
        {
          gboolean avail = FALSE;
          if (busy[t * n_slots + s])
            continue;
          for (guint k = 0; k < team->impls->len && !avail; k++)
            avail = tf_event_available (event, g_array_index (team->impls, guint, k), s);
          idle += avail;
        }
    }
  return idle;
}

static JsonNode *
party_node (const gchar *impl, const gchar *company)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "implementation");
  json_builder_add_string_value (b, impl);
  json_builder_set_member_name (b, "company");
  json_builder_add_string_value (b, company);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
tf_schedule_to_json_node (const TfSchedule *schedule)
{
  const TfEvent *event = schedule->event;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) sorted = tf_schedule_sorted (schedule);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_string_value (b, TF_SCHEDULE_SCHEMA);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, event->name);
  json_builder_set_member_name (b, "timezone");
  json_builder_add_string_value (b, event->timezone);
  json_builder_set_member_name (b, "slots");
  json_builder_add_int_value (b, event->slots->len);
  json_builder_set_member_name (b, "tables");
  json_builder_add_int_value (b, event->n_tables);
  json_builder_set_member_name (b, "makespan");
  json_builder_add_int_value (b, tf_schedule_makespan (schedule));
  json_builder_set_member_name (b, "lower-bound");
  json_builder_add_int_value (b, schedule->lower_bound);
  json_builder_set_member_name (b, "idle");
  json_builder_add_int_value (b, tf_schedule_idle (schedule));
  if (schedule->method != NULL)
    {
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, schedule->method);
    }
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  for (guint i = 0; i < sorted->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (sorted, i);
      g_autofree gchar *start = NULL;
      g_autofree gchar *end = NULL;
      if (e->slot >= 0)
        {
          start = tf_event_slot_iso (event, e->slot, FALSE);
          end = tf_event_slot_iso (event, e->slot, TRUE);
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, e->id);
      json_builder_set_member_name (b, "slot");
      json_builder_add_int_value (b, e->slot);
      json_builder_set_member_name (b, "start");
      json_builder_add_string_value (b, start != NULL ? start : e->start);
      json_builder_set_member_name (b, "end");
      json_builder_add_string_value (b, end != NULL ? end : e->end);
      json_builder_set_member_name (b, "table");
      json_builder_add_int_value (b, e->table);
      json_builder_set_member_name (b, "client");
      json_builder_add_value (b, party_node (e->client, e->client_company));
      json_builder_set_member_name (b, "server");
      json_builder_add_value (b, party_node (e->server, e->server_company));
      json_builder_set_member_name (b, "board");
      json_builder_add_string_value (b, e->board);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, tf_entry_state_to_string (e->state));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gchar *
tf_schedule_to_json (const TfSchedule *schedule)
{
  g_autoptr (JsonNode) root = tf_schedule_to_json_node (schedule);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static gboolean
get_party (JsonObject *obj, const gchar *member, guint n, gchar **impl, gchar **company,
           GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  JsonObject *party;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "session %u: '%s' is not an object",
                   n, member);
      return FALSE;
    }
  party = json_node_get_object (node);
  if (!json_object_has_member (party, "implementation")
      || json_node_get_value_type (json_object_get_member (party, "implementation"))
             != G_TYPE_STRING)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "session %u: %s.implementation is missing or not a string", n, member);
      return FALSE;
    }
  *impl = g_strdup (json_object_get_string_member (party, "implementation"));
  *company = g_strdup (json_object_get_string_member_with_default (party, "company", NULL));
  return TRUE;
}

static gboolean
get_int (JsonObject *obj, const gchar *member, guint n, gint *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "session %u: '%s' is missing or not an integer", n, member);
      return FALSE;
    }
  *out = (gint)json_node_get_int (node);
  return TRUE;
}

/**
 * tf_schedule_from_json_node:
 *
 * Reads a schedule, ours or hand-made. Only its shape is checked here;
 * tf_schedule_check() judges its content against the event.
 */
TfSchedule *
tf_schedule_from_json_node (TfEvent *event, JsonNode *root, GError **error)
{
  g_autoptr (TfSchedule) schedule = tf_schedule_new (event);
  JsonObject *obj;
  JsonArray *sessions;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                           "a schedule is a JSON object");
      return NULL;
    }
  obj = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (obj, "schema", NULL),
                 TF_SCHEDULE_SCHEMA)
      != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "schema is not '%s'",
                   TF_SCHEDULE_SCHEMA);
      return NULL;
    }
  if (!json_object_has_member (obj, "sessions")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (obj, "sessions")))
    {
      g_set_error_literal (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                           "'sessions' is missing or not an array");
      return NULL;
    }
  schedule->lower_bound = json_object_get_int_member_with_default (obj, "lower-bound", 0);
  schedule->method = g_strdup (json_object_get_string_member_with_default (obj, "method", NULL));
  sessions = json_object_get_array_member (obj, "sessions");
  for (guint n = 0; n < json_array_get_length (sessions); n++)
    {
      JsonNode *node = json_array_get_element (sessions, n);
      JsonObject *so;
      g_autofree TfScheduleEntry *e = NULL;
      const gchar *state;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "session %u: not an object", n);
          return NULL;
        }
      so = json_node_get_object (node);
      e = g_new0 (TfScheduleEntry, 1);
      g_ptr_array_add (schedule->entries, e);
      if (!get_party (so, "client", n, &e->client, &e->client_company, error)
          || !get_party (so, "server", n, &e->server, &e->server_company, error)
          || !get_int (so, "slot", n, &e->slot, error)
          || !get_int (so, "table", n, &e->table, error))
        {
          g_steal_pointer (&e);
          return NULL;
        }
      e->board = g_strdup (json_object_get_string_member_with_default (so, "board", NULL));
      e->start = g_strdup (json_object_get_string_member_with_default (so, "start", NULL));
      e->end = g_strdup (json_object_get_string_member_with_default (so, "end", NULL));
      e->id = g_strdup (json_object_get_string_member_with_default (so, "id", NULL));
      if (e->id == NULL)
        e->id = g_strdup_printf ("%s--%s", e->client, e->server);
      state = json_object_get_string_member_with_default (so, "state", "planned");
      if (!tf_entry_state_from_string (state, &e->state))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "session %u: state '%s' is not planned, running or done", n, state);
          g_steal_pointer (&e);
          return NULL;
        }
      e->c = tf_event_find_impl (event, e->client);
      e->s = tf_event_find_impl (event, e->server);
      e->b = tf_event_find_board (event, e->board);
      g_steal_pointer (&e);
    }
  return g_steal_pointer (&schedule);
}

TfSchedule *
tf_schedule_from_json (TfEvent *event, const gchar *data, gssize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error_local = NULL;
  if (!json_parser_load_from_data (parser, data, len, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "schedule: %s",
                   error_local->message);
      return NULL;
    }
  return tf_schedule_from_json_node (event, json_parser_get_root (parser), error);
}
