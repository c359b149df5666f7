/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-private.h"
#include "tf-key-lines.h"
#include "tf-session-json.h"

#include <string.h>

void
tf_floor_free (TfFloor *f)
{
  if (f == NULL)
    return;
  g_clear_pointer (&f->traces, tf_floor_trace_stop);
  tf_floor_ets_stop_all (f);
  g_clear_pointer (&f->ets_runs, g_hash_table_unref);
  g_signal_handlers_disconnect_by_data (f->bus, f);
  g_signal_handlers_disconnect_by_data (f->lab, f);
  if (f->lab != NULL)
    tf_rpc_remove_verbs (tf_lab_get_rpc (f->lab), f);
  tf_floor_unwatch_boards (f);
  g_clear_handle_id (&f->lease_timer, g_source_remove);
  g_clear_pointer (&f->live, g_hash_table_unref);
  g_clear_pointer (&f->sessions, g_hash_table_unref);
  g_clear_pointer (&f->faulted, g_hash_table_unref);
  g_clear_pointer (&f->schedule, tf_schedule_free);
  g_clear_pointer (&f->event, tf_event_unref);
  g_clear_pointer (&f->catalogue, tf_catalogue_free);
  g_clear_object (&f->bus);
  g_clear_object (&f->lab);
  g_free (f->event_sha);
  g_free (f->prefix);
  g_free (f);
}

TfSession *
tf_floor_session (TfFloor *f, const char *id)
{
  return id != NULL ? g_hash_table_lookup (f->sessions, id) : NULL;
}

const TfImpl *
tf_floor_impl (TfFloor *f, const char *id)
{
  gint i = tf_event_find_impl (f->event, id);
  return i >= 0 ? tf_event_impl (f->event, i) : NULL;
}

static gint
session_cmp (gconstpointer a, gconstpointer b)
{
  const TfSession *x = *(TfSession **)a, *y = *(TfSession **)b;
  if (x->slot != y->slot)
    return x->slot - y->slot;
  if (x->table != y->table)
    return x->table - y->table;
  return g_strcmp0 (x->id, y->id);
}

GPtrArray *
tf_floor_sessions_sorted (TfFloor *f)
{
  GPtrArray *a = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (a, v);
  g_ptr_array_sort (a, session_cmp);
  return a;
}

/* The current slot: by the clock while the event is on, and never before a
 * slot whose sessions have started already. */
guint
tf_floor_now (TfFloor *f)
{
  return tf_floor_now_in (f, f->event);
}

/* The same for @event, an edited event file not yet taken over. */
guint
tf_floor_now_in (TfFloor *f, TfEvent *event)
{
  guint n = tf_event_n_slots (event), now = 0;
  g_autoptr (GDateTime) dt = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) first = tf_event_slot_start (event, 0);
  GHashTableIter it;
  TfSession *s;

  if (n > 0 && g_date_time_compare (dt, first) >= 0)
    for (now = 0; now < n; now++)
      {
        g_autoptr (GDateTime) end = tf_event_slot_end (event, now);
        if (g_date_time_compare (dt, end) < 0)
          break;
      }
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&s))
    if (s->phase != TF_PHASE_SCHEDULED && s->slot >= 0 && (guint)s->slot > now
        && s->phase != TF_PHASE_ABORTED)
      now = s->slot;
  return MIN (now, n > 0 ? n - 1 : 0);
}

/* --- publishing --------------------------------------------------------------- */

static void
publish (TfFloor *f, const char *suffix, JsonNode *node, gboolean retain)
{
  g_autofree char *topic = g_strconcat (f->prefix, suffix, NULL);
  g_autofree char *json = tf_json_to_string (node);
  g_autoptr (GError) error = NULL;
  if (!tf_bus_publish (f->bus, topic, json, strlen (json), retain, &error))
    g_debug ("%s not published: %s", topic, error->message);
}

static const char *
company_name (TfFloor *f, const char *id)
{
  gint c = tf_event_find_company (f->event, id);
  const TfCompany *co = c >= 0 ? g_ptr_array_index (f->event->companies, c) : NULL;
  return co != NULL && co->name != NULL ? co->name : id;
}

/* The report from the store's rows and what the event file says of them. */
static JsonNode *
build_report (TfFloor *f, TfSession *s, GPtrArray *cases)
{
  const TfImpl *c = tf_floor_impl (f, s->client), *v = tf_floor_impl (f, s->server);
  const TfEts *ets = s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  gboolean in_event = s->slot >= 0 && (guint)s->slot < tf_event_n_slots (f->event);
  g_autofree char *start = in_event ? tf_event_slot_iso (f->event, s->slot, FALSE) : NULL;
  g_autofree char *end = in_event ? tf_event_slot_iso (f->event, s->slot, TRUE) : NULL;
  const TfPerson *cs
      = s->signed_client ? tf_event_find_person (f->event, s->signed_client_by) : NULL;
  const TfPerson *ss
      = s->signed_server ? tf_event_find_person (f->event, s->signed_server_by) : NULL;
  TfReportFacts facts = {
    .event = f->event->name,
    .start = start,
    .end = end,
    .client_company_name = company_name (f, s->client_company),
    .server_company_name = company_name (f, s->server_company),
    .client_name = c != NULL ? c->name : NULL,
    .server_name = v != NULL ? v->name : NULL,
    /* a client that declares no version is known by what its board ran */
    .client_version = c != NULL && c->version != NULL ? c->version : s->fw_version,
    .server_version = v != NULL ? v->version : NULL,
    .client_signer_name = cs != NULL ? cs->name : NULL,
    .client_signer_role = cs != NULL ? cs->role : NULL,
    .server_signer_name = ss != NULL ? ss->name : NULL,
    .server_signer_role = ss != NULL ? ss->role : NULL,
  };

  for (guint i = 0; ets != NULL && i < cases->len; i++)
    {
      TfCaseRow *row = g_ptr_array_index (cases, i);
      const TfCase *tc = tf_ets_find_case (ets, row->id);
      if (tc != NULL && row->group == NULL)
        row->group = g_strdup (tc->group);
    }
  {
    JsonNode *report = tf_session_report_json (s, &facts, cases);
    /* the verdicts the lab proposed from the trace, and what became of them */
    if (f->traces != NULL)
      tf_floor_proposals_annotate (f, s->id, report);
    return report;
  }
}

JsonNode *
tf_floor_report (TfFloor *f, TfSession *s, GError **error)
{
  g_autoptr (GPtrArray) cases = tf_sdb_cases (f->store, s->id, error);
  if (cases == NULL)
    return NULL;
  return build_report (f, s, cases);
}

/* Progress counts the cases people (or their scripts) have to run: the ones
 * set Not Applicable from the event file before the session (entered by
 * testfestd) are neither done nor to do, so "0/18" before anything ran. */
guint
tf_floor_progress (GPtrArray *cases, guint *total)
{
  guint done = 0;
  *total = 0;
  for (guint i = 0; cases != NULL && i < cases->len; i++)
    {
      const TfCaseRow *c = g_ptr_array_index (cases, i);
      if (c->verdict != NULL && g_strcmp0 (c->entered_by, "testfestd") == 0)
        continue;
      (*total)++;
      if (c->verdict != NULL)
        done++;
    }
  return done;
}

void
tf_floor_publish_session (TfFloor *f, TfSession *s)
{
  g_autoptr (GPtrArray) cases = tf_sdb_cases (f->store, s->id, NULL);
  g_autoptr (JsonNode) state = NULL;
  g_autoptr (JsonNode) report = NULL;
  g_autofree char *st = g_strdup_printf ("session/%s/state", s->id);
  guint done, total;

  if (cases == NULL)
    return;
  done = tf_floor_progress (cases, &total);
  state = tf_session_state_json (s, done, total);
  publish (f, st, state, TRUE);
  /* the verdicts go only to the two companies' private subtrees */
  report = build_report (f, s, cases);
  {
    g_autofree char *c = g_strdup_printf ("private/%s/session/%s/report", s->client_company, s->id);
    g_autofree char *v = g_strdup_printf ("private/%s/session/%s/report", s->server_company, s->id);
    publish (f, c, report, TRUE);
    if (g_strcmp0 (s->client_company, s->server_company) != 0)
      publish (f, v, report, TRUE);
  }
}

/* What the scheduler must know of a session: only planned ones may move. */
TfEntryState
tf_floor_entry_state (const TfSession *s)
{
  switch (s->phase)
    {
    case TF_PHASE_SCHEDULED:
      return TF_ENTRY_PLANNED;
    case TF_PHASE_PREPARING:
    case TF_PHASE_RUNNING:
      return TF_ENTRY_RUNNING;
    default:
      return TF_ENTRY_DONE;
    }
}

void
tf_floor_sync_entry_states (TfFloor *f)
{
  for (guint i = 0; i < f->schedule->entries->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (f->schedule->entries, i);
      TfSession *s = tf_floor_session (f, e->id);
      if (s != NULL)
        e->state = tf_floor_entry_state (s);
    }
}

void
tf_floor_publish_schedule (TfFloor *f)
{
  g_autoptr (JsonNode) node = NULL;
  tf_floor_sync_entry_states (f);
  node = tf_schedule_to_json_node (f->schedule);
  publish (f, "schedule", node, TRUE);
}

void
tf_floor_count_impls (TfFloor *f, guint *clients, guint *servers)
{
  g_autoptr (GHashTable) c = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) s = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  TfSession *x;
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&x))
    if (x->phase == TF_PHASE_VERIFIED || x->phase == TF_PHASE_CLOSED)
      {
        g_hash_table_add (c, x->client);
        g_hash_table_add (s, x->server);
      }
  *clients = g_hash_table_size (c);
  *servers = g_hash_table_size (s);
}

JsonNode *
tf_floor_summary (TfFloor *f, GError **error)
{
  g_autoptr (GPtrArray) results = tf_sdb_results (f->store, error);
  guint clients, servers;
  if (results == NULL)
    return NULL;
  tf_floor_count_impls (f, &clients, &servers);
  return tf_summary_json (f->event->name, clients, servers, results);
}

JsonNode *
tf_floor_consolidated (TfFloor *f, GError **error)
{
  g_autoptr (GPtrArray) results = tf_sdb_results (f->store, error);
  g_autoptr (GPtrArray) issues = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  if (results == NULL)
    return NULL;
  issues = tf_sdb_issues (f->store, error);
  if (issues == NULL)
    return NULL;
  sessions = tf_floor_sessions_sorted (f);
  return tf_consolidated_json (f->event, sessions, results, issues);
}

void
tf_floor_publish_summary (TfFloor *f)
{
  g_autoptr (GError) error = NULL;
  /* the public topic carries what staff released, never the live counts */
  g_autoptr (JsonNode) node = tf_floor_released_summary (f, &error);
  if (node == NULL)
    {
      g_warning ("summary: %s", error->message);
      return;
    }
  publish (f, "summary", node, TRUE);
}

void
tf_floor_publish_all (TfFloor *f)
{
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  tf_floor_publish_schedule (f);
  for (guint i = 0; i < all->len; i++)
    tf_floor_publish_session (f, g_ptr_array_index (all, i));
  tf_floor_publish_summary (f);
}

static void
on_bus_connected (TfBus *bus, TfFloor *f)
{
  tf_floor_publish_all (f);
}

/* --- phases ------------------------------------------------------------------- */

gboolean
tf_floor_set_phase (TfFloor *f, TfSession *s, TfPhase to, const char *reason, GError **error)
{
  TfPhase from = s->phase;
  gint64 now = g_get_real_time ();
  if (!tf_phase_transition_allowed (from, to))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not ready to be %s", s->id,
                   tf_phase_to_string (from), tf_phase_to_string (to));
      return FALSE;
    }
  if (!tf_sdb_add_history (f->store, s->id, tf_phase_to_string (from), tf_phase_to_string (to),
                           reason, now, error))
    return FALSE;
  s->phase = to;
  s->since = now;
  if (to == TF_PHASE_ABORTED)
    {
      g_free (s->error);
      s->error = g_strdup (reason);
    }
  else if (to == TF_PHASE_PREPARING)
    g_clear_pointer (&s->error, g_free);
  if (!tf_sdb_put_session (f->store, s, error))
    {
      s->phase = from;
      return FALSE;
    }
  g_info ("session %s: %s -> %s%s%s", s->id, tf_phase_to_string (from), tf_phase_to_string (to),
          reason ? " : " : "", reason ? reason : "");
  tf_floor_trace_phase_changed (f, s);
  return TRUE;
}

/* --- schedule ------------------------------------------------------------------ */

static gboolean
add_cases (TfFloor *f, TfSession *s, GError **error)
{
  const TfEts *ets = s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  const TfImpl *c = tf_floor_impl (f, s->client), *v = tf_floor_impl (f, s->server);
  gint64 now = g_get_real_time ();
  if (ets == NULL || c == NULL || v == NULL)
    return TRUE;
  for (guint i = 0; i < ets->cases->len; i++)
    {
      TfCase *tc = g_ptr_array_index (ets->cases, i);
      g_autofree char *na = tf_case_not_applicable (tc, c, v);
      if (!tf_sdb_add_case (f->store, s->id, tc->id, tc->name, na ? "not-applicable" : NULL, na,
                            na ? "testfestd" : NULL, now, error))
        return FALSE;
    }
  return TRUE;
}

/* Make the store's sessions follow the schedule: new pairings become
 * scheduled sessions; scheduled ones take their new place; sessions that
 * started are never touched. */
static gboolean
sync_sessions (TfFloor *f, gboolean mark_replanned, GPtrArray *changed, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  TfSession *s;

  for (guint i = 0; i < f->schedule->entries->len; i++)
    {
      TfScheduleEntry *e = g_ptr_array_index (f->schedule->entries, i);
      g_hash_table_add (seen, e->id);
      s = tf_floor_session (f, e->id);
      if (s == NULL)
        {
          const TfImpl *c = tf_floor_impl (f, e->client), *v = tf_floor_impl (f, e->server);
          const TfEts *ets = c && v ? tf_catalogue_for_pair (f->catalogue, c, v) : NULL;
          s = tf_session_new ();
          s->id = g_strdup (e->id);
          s->client = g_strdup (e->client);
          s->client_company = g_strdup (e->client_company);
          s->server = g_strdup (e->server);
          s->server_company = g_strdup (e->server_company);
          s->ets = ets ? g_strdup (ets->name) : NULL;
          s->ets_version = ets ? g_strdup (ets->version) : NULL;
          s->phase = TF_PHASE_SCHEDULED;
          s->since = g_get_real_time ();
          s->slot = e->slot;
          s->table = e->table;
          s->board = g_strdup (e->board);
          g_hash_table_replace (f->sessions, s->id, s);
          if (!tf_sdb_put_session (f->store, s, error) || !add_cases (f, s, error))
            return FALSE;
          if (changed != NULL)
            g_ptr_array_add (changed, s);
          continue;
        }
      if (s->phase != TF_PHASE_SCHEDULED)
        continue;
      if (s->slot != e->slot || s->table != e->table || g_strcmp0 (s->board, e->board) != 0)
        {
          s->slot = e->slot;
          s->table = e->table;
          g_free (s->board);
          s->board = g_strdup (e->board);
          if (mark_replanned)
            s->replanned = TRUE;
          if (!tf_sdb_put_session (f->store, s, error))
            return FALSE;
          if (changed != NULL)
            g_ptr_array_add (changed, s);
        }
    }
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&s))
    if (!g_hash_table_contains (seen, s->id) && s->phase == TF_PHASE_SCHEDULED)
      {
        g_autofree char *topic = g_strdup_printf ("%ssession/%s/state", f->prefix, s->id);
        if (!tf_sdb_delete_session (f->store, s->id, error))
          return FALSE;
        tf_bus_publish (f->bus, topic, "", 0, TRUE, NULL);
        g_hash_table_iter_remove (&it);
      }
  return TRUE;
}

static gboolean
store_schedule (TfFloor *f, GError **error)
{
  g_autofree char *json = NULL;
  tf_floor_sync_entry_states (f);
  json = tf_schedule_to_json (f->schedule);
  return tf_sdb_put_event_state (f->store, f->event_sha, json, error);
}

JsonNode *
tf_replan_report_json (const TfReplanReport *report)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "moved");
  json_builder_add_int_value (b, report->moved);
  json_builder_set_member_name (b, "reboarded");
  json_builder_add_int_value (b, report->reboarded);
  json_builder_set_member_name (b, "changes");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->lines->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (report->lines, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Takes @next (and @event with its @sha, when the event file was edited):
 * the sessions follow it and it is stored in one transaction, then published.
 * On failure the floor keeps what it had. */
gboolean
tf_floor_take_schedule (TfFloor *f, TfSchedule *next, TfEvent *event, const char *sha,
                        GError **error)
{
  g_autoptr (GPtrArray) changed = g_ptr_array_new ();
  TfSchedule *old_schedule = f->schedule;
  TfEvent *old_event = f->event;
  char *old_sha = f->event_sha;

  if (!tf_store_begin (f->store, error))
    {
      tf_schedule_free (next);
      return FALSE;
    }
  f->schedule = next;
  if (event != NULL)
    {
      f->event = tf_event_ref (event);
      f->event_sha = g_strdup (sha);
    }
  if (!sync_sessions (f, TRUE, changed, error) || !store_schedule (f, error)
      || !tf_store_commit (f->store, error))
    {
      tf_store_rollback (f->store);
      /* the sessions may have taken places of @next: back to the stored ones */
      tf_schedule_free (f->schedule);
      f->schedule = old_schedule;
      if (event != NULL)
        {
          tf_event_unref (f->event);
          g_free (f->event_sha);
          f->event = old_event;
          f->event_sha = old_sha;
        }
      return FALSE;
    }
  tf_schedule_free (old_schedule);
  if (event != NULL)
    {
      tf_event_unref (old_event);
      g_free (old_sha);
    }
  tf_floor_publish_schedule (f);
  for (guint i = 0; i < changed->len; i++)
    tf_floor_publish_session (f, g_ptr_array_index (changed, i));
  return TRUE;
}

TfReplanReport *
tf_floor_replan (TfFloor *f, TfReplanRequest *req, GError **error)
{
  g_autoptr (TfReplanReport) report = NULL;
  TfSchedule *next;

  tf_floor_sync_entry_states (f);
  next = tf_scheduler_replan (f->event, f->schedule, req, &report, error);
  if (next == NULL || !tf_floor_take_schedule (f, next, NULL, NULL, error))
    return NULL;
  g_message ("re-planned from slot %u: %u moved, %u on another board", req->now, report->moved,
             report->reboarded);
  return g_steal_pointer (&report);
}

/* --- loading ------------------------------------------------------------------- */

/* Every board and image @event names exists in the lab: FILE:LINE otherwise. */
gboolean
tf_floor_check_boards (TfFloor *f, TfEvent *event, GError **error)
{
  const TfKeyLines *lines = event->lines; /* where the file said it, from its one read */
  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = tf_event_impl (event, i);
      g_autofree char *group = g_strdup_printf ("implementation %s", impl->id);
      for (guint b = 0; b < impl->boards->len; b++)
        {
          const char *id = g_ptr_array_index (impl->boards, b);
          /* a farm coordinator hears of its hosts' boards once it is connected:
           * a board no host has announced yet is out until one does */
          if (tf_lab_get_board (f->lab, id) == NULL && tf_lab_get_remote_hosts (f->lab) != NULL)
            {
              g_message ("board %s: not announced by a host yet", id);
              continue;
            }
          if (tf_lab_get_board (f->lab, id) == NULL)
            return tf_key_lines_fail (lines, error, group, "boards",
                                      "no board '%s' in the lab file %s", id,
                                      tf_lab_get_config (f->lab)->path);
        }
      if (impl->image != NULL
          && tf_image_registry_get (tf_lab_get_images (f->lab), impl->image) == NULL)
        return tf_key_lines_fail (lines, error, group, "image",
                                  "no image '%s' in the lab's images file", impl->image);
      /* an image is flashed onto each of its boards: they must be flashable here */
      for (guint b = 0; impl->image != NULL && b < impl->boards->len; b++)
        {
          const char *id = g_ptr_array_index (impl->boards, b);
          TfBoard *board = tf_lab_get_board (f->lab, id);
          const TfBoardConfig *bc = board != NULL ? tf_board_get_config (board) : NULL;
          const TfFlashConfig *fc = bc != NULL ? bc->type->flash : NULL;
          /* a host's board: its host flashes it, with its own lab file's switches */
          if (bc == NULL || tf_lab_board_is_remote (f->lab, id))
            continue;
          if (fc == NULL)
            return tf_key_lines_fail (lines, error, group, "image",
                                      "board '%s' (type %s) has no flash method", id,
                                      bc->type->name);
          if (fc->needs_bootloader_entry && (bc->boot_switch == NULL || bc->power_switch == NULL))
            return tf_key_lines_fail (lines, error, group, "image",
                                      "board '%s' (type %s) enters its bootloader by a boot-mode "
                                      "relay and a power cycle: its [board %s] needs power and "
                                      "boot-mode in the lab file",
                                      id, bc->type->name, id);
        }
    }
  return TRUE;
}

static gboolean
load_schedule (TfFloor *f, GError **error)
{
  g_autofree char *sha = NULL, *stored = NULL;
  if (!tf_sdb_get_event_state (f->store, &sha, &stored, error))
    return FALSE;
  if (stored != NULL && g_strcmp0 (sha, f->event_sha) == 0)
    {
      g_autoptr (GError) local = NULL;
      f->schedule = tf_schedule_from_json (f->event, stored, -1, &local);
      if (f->schedule != NULL)
        {
          g_info ("event unchanged (sha256 %s): the stored schedule stands", sha);
          return TRUE;
        }
      g_warning ("stored schedule unreadable, computing a new one: %s", local->message);
    }
  else if (stored != NULL)
    {
      /* the event file was edited while the daemon was down: what ran stays */
      g_autoptr (TfReplanReport) report = NULL;
      f->schedule = tf_floor_carry_over (f, f->event, stored, &report, error);
      if (f->schedule == NULL)
        return FALSE;
      g_message ("event %s edited (sha256 %s): schedule carried over, %u moved", f->event->name,
                 f->event_sha, report->moved);
      return TRUE;
    }
  {
    g_autoptr (TfPairings) pairings = tf_pairings_compute (f->event, error);
    if (pairings == NULL)
      return FALSE;
    f->schedule = tf_scheduler_solve (f->event, pairings, error);
    if (f->schedule == NULL)
      return FALSE;
    g_message ("event %s: %u sessions in %u slots (lower bound %u)", f->event->name,
               f->schedule->entries->len, tf_schedule_makespan (f->schedule),
               f->schedule->lower_bound);
  }
  return TRUE;
}

TfFloor *
tf_floor_new (TfLab *lab, GError **error)
{
  TfLabConfig *cfg = tf_lab_get_config (lab);
  g_autoptr (GPtrArray) stored = NULL;

  g_autoptr (TfFloor) f = g_new0 (TfFloor, 1);

  g_return_val_if_fail (TF_IS_LAB (lab), NULL);
  g_return_val_if_fail (cfg->event != NULL, NULL);
  f->lab = g_object_ref (lab);
  f->store = tf_lab_get_store (lab);
  f->bus = g_object_ref (tf_lab_get_bus (lab));
  f->prefix = g_strdup (tf_lab_get_prefix (lab));
  f->sessions
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_session_free);
  f->live
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)tf_floor_live_free);
  f->faulted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->ets_runs = g_hash_table_new (g_str_hash, g_str_equal);

  f->event = tf_event_load_file (cfg->event, error);
  if (f->event == NULL)
    return NULL;
  /* the floor's own tables, at its version */
  if (!tf_sdb_migrate (f->store, error))
    return NULL;
  if (!tf_floor_check_boards (f, f->event, error))
    return NULL;
  f->catalogue = tf_catalogue_load_dir (cfg->ets_dir, error);
  if (f->catalogue == NULL)
    {
      if (error != NULL && *error != NULL)
        (*error)->code = TF_ERROR_INVALID_CONFIG;
      return NULL;
    }
  f->event_sha = g_strdup (f->event->sha256);

  stored = tf_sdb_load_sessions (f->store, error);
  if (stored == NULL)
    return NULL;
  while (stored->len > 0)
    {
      TfSession *s = g_ptr_array_steal_index (stored, 0);
      g_hash_table_replace (f->sessions, s->id, s);
    }
  if (!load_schedule (f, error))
    return NULL;
  if (!tf_store_begin (f->store, error))
    return NULL;
  if (!sync_sessions (f, FALSE, NULL, error) || !store_schedule (f, error)
      || !tf_store_commit (f->store, error))
    {
      tf_store_rollback (f->store);
      return NULL;
    }

  g_signal_connect (f->bus, "connected", G_CALLBACK (on_bus_connected), f);
  tf_floor_watch_boards (f);
  tf_floor_add_verbs (f);
  tf_floor_add_in_verbs (f);
  tf_floor_release_add_verb (f);
  if (!tf_floor_trace_start (f, error))
    return NULL;
  tf_floor_resume (f);
  if (tf_bus_is_connected (f->bus)) /* opened by a reload: nobody will say "connected" */
    tf_floor_publish_all (f);
  return g_steal_pointer (&f);
}
