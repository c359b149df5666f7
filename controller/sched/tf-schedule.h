/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-event.h"

G_BEGIN_DECLS

#define TF_SCHEDULE_SCHEMA "testfest-schedule/1"

typedef enum
{
  TF_ENTRY_PLANNED,
  TF_ENTRY_RUNNING,
  TF_ENTRY_DONE,
} TfEntryState;

/* One client-server session placed in a slot, at a table, on a board. Names
 * are kept as read so that a hand-made schedule can be checked; the indices
 * are -1 where a name is unknown to the event. */
typedef struct
{
  gchar *id;
  gint slot;
  gint table; /* 1-based */
  gchar *client;
  gchar *client_company;
  gchar *server;
  gchar *server_company;
  gchar *board;
  gchar *start; /* ISO 8601 as read; NULL when made here */
  gchar *end;
  TfEntryState state;
  gint c; /* client implementation index */
  gint s; /* server implementation index */
  gint b; /* board index */
} TfScheduleEntry;

typedef struct
{
  TfEvent *event;
  GPtrArray *entries; /* TfScheduleEntry */
  guint lower_bound;
  gchar *method; /* how it was made, e.g. "bipartite edge colouring" */
} TfSchedule;

TfSchedule *
tf_schedule_new (TfEvent *event);
void
tf_schedule_free (TfSchedule *schedule);
TfScheduleEntry *
tf_schedule_add (TfSchedule *schedule, guint client, guint server, gint slot, gint table,
                 gint board);
TfScheduleEntry *
tf_schedule_find (const TfSchedule *schedule, const gchar *id);
void
tf_schedule_sort (TfSchedule *schedule);
GPtrArray *
tf_schedule_sorted (const TfSchedule *schedule);
TfSchedule *
tf_schedule_copy (const TfSchedule *schedule);

guint
tf_schedule_makespan (const TfSchedule *schedule);
guint
tf_schedule_idle (const TfSchedule *schedule);

const gchar *
tf_entry_state_to_string (TfEntryState state);
gboolean
tf_entry_state_from_string (const gchar *text, TfEntryState *state);

JsonNode *
tf_schedule_to_json_node (const TfSchedule *schedule);
gchar *
tf_schedule_to_json (const TfSchedule *schedule);
TfSchedule *
tf_schedule_from_json_node (TfEvent *event, JsonNode *node, GError **error);
TfSchedule *
tf_schedule_from_json (TfEvent *event, const gchar *data, gssize len, GError **error);

gchar *
tf_schedule_to_text (const TfSchedule *schedule);
gchar *
tf_schedule_to_csv (const TfSchedule *schedule);
gchar *
tf_schedule_to_ics (const TfSchedule *schedule, guint team);
gboolean
tf_schedule_write_ics_dir (const TfSchedule *schedule, const gchar *dir, GError **error);

GPtrArray *
tf_schedule_check (const TfEvent *event, const TfSchedule *schedule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfSchedule, tf_schedule_free)

G_END_DECLS
