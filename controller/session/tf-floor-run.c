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

/* A session's life on the floor: preparing leases the client's board, power
 * cycles it, flashes the implementation's image when the board runs another,
 * provisions it over the console and waits for its readiness; running
 * forwards the console to both companies until the session ends. */

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
  g_free (l->id);
  g_free (l);
}

/* A callback's ticket: valid while its session still runs that preparation. */
typedef struct {
  TfFloor *floor;
  char *id;
  guint generation;
} Ticket;

static Ticket *
ticket_new (Live *l)
{
  Ticket *t = g_new0 (Ticket, 1);
  t->floor = l->floor;
  t->id = g_strdup (l->id);
  t->generation = l->generation;
  return t;
}

static void
ticket_free (Ticket *t)
{
  g_free (t->id);
  g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ticket, ticket_free)

static Live *
ticket_live (Ticket *t)
{
  Live *l = g_hash_table_lookup (t->floor->live, t->id);
  return l != NULL && l->generation == t->generation ? l : NULL;
}

/* --- console ------------------------------------------------------------------- */

static void
on_console_line (TfConsole *console, const char *line, gint64 at, Live *l)
{
  TfSession *s = tf_floor_session (l->floor, l->id);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *when = tf_time_format (at);
  const char *companies[2];

  if (s == NULL)
    return;
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
      topic = g_strdup_printf ("%sprivate/%s/session/%s/console", l->floor->prefix, companies[i],
                               s->id);
      tf_bus_publish (l->floor->bus, topic, json, strlen (json), FALSE, NULL);
    }
}

static Live *
live_new (TfFloor *f, TfSession *s)
{
  Live *l = g_new0 (Live, 1);
  TfConsole *console = s->board ? tf_lab_get_console (f->lab, s->board) : NULL;
  l->floor = f;
  l->id = g_strdup (s->id);
  l->cancel = g_cancellable_new ();
  l->generation = ++f->generation;
  if (console != NULL)
    {
      l->console = g_object_ref (console);
      l->console_id = g_signal_connect (console, "line", G_CALLBACK (on_console_line), l);
    }
  g_hash_table_replace (f->live, l->id, l);
  return l;
}

/* --- leases --------------------------------------------------------------------- */

static gboolean
refresh_leases (gpointer user_data)
{
  TfFloor *f = user_data;
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, NULL);
  gint64 now = g_get_real_time ();
  for (guint i = 0; leases != NULL && i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      TfSession *s = tf_floor_session (f, l->owner);
      if (s != NULL && (s->phase == TF_PHASE_PREPARING || s->phase == TF_PHASE_RUNNING))
        tf_sdb_lease_put (f->store, l->board, l->owner, l->acquired, now + TF_LEASE_TTL_US, NULL);
      else if (l->expires < now)
        tf_sdb_lease_delete (f->store, l->board, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/* The live session holding @board's lease, if any. */
static TfSession *
lease_holder (TfFloor *f, const char *board)
{
  g_autoptr (GPtrArray) leases = tf_sdb_leases (f->store, NULL);
  for (guint i = 0; leases != NULL && i < leases->len; i++)
    {
      TfLease *l = g_ptr_array_index (leases, i);
      TfSession *s;
      if (g_strcmp0 (l->board, board) != 0)
        continue;
      s = tf_floor_session (f, l->owner);
      if (s != NULL && (s->phase == TF_PHASE_PREPARING || s->phase == TF_PHASE_RUNNING))
        return s;
      if (l->expires > g_get_real_time () && s == NULL)
        return NULL;
    }
  return NULL;
}

/* Give the board back: out of the session, ready for the next one. */
static void
free_board (TfFloor *f, TfSession *s)
{
  TfBoard *board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;
  if (board == NULL || g_strcmp0 (tf_board_get_session (board), s->id) != 0)
    return;
  tf_board_set_session (board, NULL);
  if (tf_board_get_state (board) == TF_BOARD_STATE_IN_SESSION)
    tf_board_set_state (board, TF_BOARD_STATE_READY, "session ended", NULL, NULL);
}

static void
take_board (TfFloor *f, TfSession *s)
{
  TfBoard *board = tf_lab_get_board (f->lab, s->board);
  g_autofree char *cause = g_strdup_printf ("session %s", s->id);
  if (board == NULL)
    return;
  tf_board_set_session (board, s->id);
  if (tf_board_get_state (board) == TF_BOARD_STATE_READY)
    tf_board_set_state (board, TF_BOARD_STATE_IN_SESSION, cause, NULL, NULL);
}

gboolean
tf_floor_release_lease (TfFloor *f, const char *board, GError **error)
{
  TfSession *holder = lease_holder (f, board);
  if (holder != NULL)
    return tf_floor_abort_session (f, holder->id, "board lease force-released by staff", FALSE,
                                   error);
  return tf_sdb_lease_delete (f->store, board, error);
}

/* --- ending --------------------------------------------------------------------- */

static void
publish_after (TfFloor *f, TfSession *s)
{
  tf_floor_publish_session (f, s);
  tf_floor_publish_schedule (f);
}

/* Leave preparing/running: in one transaction the phase, the lease and
 * (when the slot ended) Out of Time for the cases never run. */
static gboolean
leave_live (TfFloor *f, TfSession *s, TfPhase to, const char *reason, GError **error)
{
  if (!tf_sdb_begin (f->store, error))
    return FALSE;
  if ((to == TF_PHASE_REPORTING && !tf_sdb_out_of_time (f->store, s->id, g_get_real_time (), error)) ||
      !tf_floor_set_phase (f, s, to, reason, error) ||
      (s->board != NULL && !tf_sdb_lease_delete (f->store, s->board, error)) ||
      !tf_sdb_commit (f->store, error))
    {
      tf_sdb_rollback (f->store);
      return FALSE;
    }
  free_board (f, s);
  g_hash_table_remove (f->live, s->id);
  publish_after (f, s);
  return TRUE;
}

gboolean
tf_floor_end_session (TfFloor *f, const char *id, const char *reason, GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running", id,
                   tf_phase_to_string (s->phase));
      return FALSE;
    }
  return leave_live (f, s, TF_PHASE_REPORTING, reason, error);
}

static void
replan_after_failure (TfFloor *f, TfSession *s, gboolean board_out)
{
  g_autoptr (TfReplanRequest) req = NULL;
  g_autoptr (TfReplanReport) report = NULL;
  g_autoptr (GError) error = NULL;
  guint now = s->slot >= 0 ? (guint) s->slot : tf_floor_now (f);
  TfBoard *board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;

  /* the aborted attempt is history; the pairing is placed again */
  if (!tf_sdb_begin (f->store, &error) ||
      !tf_floor_set_phase (f, s, TF_PHASE_SCHEDULED, "placed again by the re-plan", &error) ||
      !tf_sdb_commit (f->store, &error))
    {
      tf_sdb_rollback (f->store);
      g_warning ("session %s: not re-planned: %s", s->id, error->message);
      return;
    }
  s->replanned = TRUE;
  req = tf_replan_request_new (MAX (now, tf_floor_now (f)));
  if (board_out && board != NULL)
    {
      TfBoardState st = tf_board_get_state (board);
      gboolean long_out = st == TF_BOARD_STATE_QUARANTINED || st == TF_BOARD_STATE_UNPLUGGED;
      tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, s->board, req->now,
                             long_out ? -1 : (gint) req->now, 0);
      g_hash_table_add (f->faulted, g_strdup (s->board));
    }
  report = tf_floor_replan (f, req, &error);
  if (report == NULL)
    g_warning ("session %s: re-plan failed: %s", s->id, error->message);
  tf_sdb_put_session (f->store, s, NULL);
  tf_floor_publish_session (f, s);
}

gboolean
tf_floor_abort_session (TfFloor *f, const char *id, const char *reason, gboolean replan,
                        GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  gboolean was_live;
  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  was_live = s->phase == TF_PHASE_PREPARING || s->phase == TF_PHASE_RUNNING;
  if (was_live)
    {
      if (!leave_live (f, s, TF_PHASE_ABORTED, reason, error))
        return FALSE;
    }
  else
    {
      if (!tf_sdb_begin (f->store, error) || !tf_floor_set_phase (f, s, TF_PHASE_ABORTED, reason, error) ||
          !tf_sdb_commit (f->store, error))
        {
          tf_sdb_rollback (f->store);
          return FALSE;
        }
      publish_after (f, s);
    }
  if (replan)
    replan_after_failure (f, s, TRUE);
  return TRUE;
}

/* Preparation failed: an infrastructure error, never a Fail; re-plan it. */
static void
prepare_failed (Live *l, const char *step, const GError *error)
{
  TfFloor *f = l->floor;
  g_autofree char *id = g_strdup (l->id);
  g_autofree char *reason = g_strdup_printf ("infrastructure error: %s: %s", step, error->message);
  g_autoptr (GError) local = NULL;
  TfSession *s = tf_floor_session (f, id);
  gboolean board_out = s != NULL && s->board != NULL && tf_lab_get_board (f->lab, s->board) != NULL &&
                       tf_board_get_state (tf_lab_get_board (f->lab, s->board)) >= TF_BOARD_STATE_FAULTED;
  g_warning ("session %s: %s", id, reason);
  if (!tf_floor_abort_session (f, id, reason, FALSE, &local))
    {
      g_warning ("session %s: %s", id, local->message);
      return;
    }
  replan_after_failure (f, tf_floor_session (f, id), board_out || g_str_has_prefix (step, "power"));
}

/* --- slot end -------------------------------------------------------------------- */

static gboolean
on_slot_end (gpointer user_data)
{
  Live *l = user_data;
  g_autoptr (GError) error = NULL;
  l->slot_timer = 0;
  if (!tf_floor_end_session (l->floor, l->id, "the slot ended", &error))
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
arm_slot_end (Live *l, TfSession *s)
{
  g_autoptr (GDateTime) end = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan left;
  if (s->slot < 0)
    return;
  end = tf_event_slot_end (l->floor->event, s->slot);
  left = g_date_time_difference (end, now);
  /* only while the event is on: a session started outside its slot ends by hand */
  if (left > 0 && left < 12 * G_TIME_SPAN_HOUR)
    l->slot_timer = g_timeout_add_seconds (left / G_USEC_PER_SEC + 1, on_slot_end, l);
}

/* --- preparing ------------------------------------------------------------------- */

static void prepare_flash (Live *l);
static void prepare_provision (Live *l);

static void
running (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  g_autoptr (GError) error = NULL;
  if (!tf_sdb_begin (f->store, &error) ||
      !tf_floor_set_phase (f, s, TF_PHASE_RUNNING, "board ready and provisioned", &error) ||
      !tf_sdb_commit (f->store, &error))
    {
      tf_sdb_rollback (f->store);
      prepare_failed (l, "store", error);
      return;
    }
  arm_slot_end (l, s);
  publish_after (f, s);
}

static void
on_provisioned (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_provision_run_finish (res, &error);
  Live *l = ticket_live (t);
  if (l == NULL)
    return;
  if (!ok)
    prepare_failed (l, "provisioning", error);
  else
    running (l);
}

static void
prepare_provision (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  const TfImpl *client = tf_floor_impl (f, s->client);
  const TfImpl *server = tf_floor_impl (f, s->server);
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  TfProvisionScript *script;

  take_board (f, s);
  if (l->console == NULL)
    {
      g_set_error (&error, TF_ERROR, TF_ERROR_NOT_FOUND, "board %s has no console", s->board);
      prepare_failed (l, "provisioning", error);
      return;
    }
  g_hash_table_insert (vars, "server_uri", server && server->server_uri ? server->server_uri : "");
  g_hash_table_insert (vars, "endpoint", client && client->endpoint ? client->endpoint : s->client);
  g_hash_table_insert (vars, "session", s->id);
  g_hash_table_insert (vars, "board", s->board);
  g_hash_table_insert (vars, "client", s->client);
  g_hash_table_insert (vars, "server", s->server);
  if (client != NULL && client->provision != NULL)
    {
      if (!g_file_get_contents (client->provision, &text, NULL, &error))
        {
          prepare_failed (l, "provisioning", error);
          return;
        }
    }
  script = tf_provision_script_parse (text ? text : tf_provision_default_script,
                                      client && client->provision ? client->provision : "default provisioning",
                                      vars, &error);
  if (script == NULL)
    {
      prepare_failed (l, "provisioning", error);
      return;
    }
  tf_provision_run_async (l->console, script, l->cancel, on_provisioned, ticket_new (l));
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_flash_finish (TF_LAB (source), res, &error);
  Live *l = ticket_live (t);
  if (l == NULL)
    return;
  if (!ok)
    prepare_failed (l, "flashing", error);
  else
    prepare_provision (l);
}

static void
prepare_flash (Live *l)
{
  TfFloor *f = l->floor;
  TfSession *s = tf_floor_session (f, l->id);
  const TfImpl *client = tf_floor_impl (f, s->client);
  TfBoard *board = tf_lab_get_board (f->lab, s->board);
  TfImage *image;

  if (client == NULL || client->image == NULL)
    {
      prepare_provision (l);
      return;
    }
  image = tf_image_registry_get (tf_lab_get_images (f->lab), client->image);
  if (image != NULL && board != NULL &&
      g_strcmp0 (tf_board_get_firmware_sha256 (board), image->sha256) == 0)
    {
      g_info ("session %s: board %s runs %s already", s->id, s->board, image->id);
      prepare_provision (l);
      return;
    }
  tf_lab_flash_async (f->lab, s->board, client->image, l->cancel, on_flashed, ticket_new (l));
}

static void
on_power_cycled (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (Ticket) t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_power_finish (TF_LAB (source), res, &error);
  Live *l = ticket_live (t);
  TfBoard *board;

  if (l == NULL)
    return;
  board = tf_lab_get_board (t->floor->lab, tf_floor_session (t->floor, t->id)->board);
  /* a board without a power switch is prepared as it is, if it is up */
  if (!ok && g_error_matches (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED) && board != NULL &&
      tf_board_get_state (board) == TF_BOARD_STATE_READY)
    ok = TRUE;
  if (!ok && g_error_matches (error, TF_ERROR, TF_ERROR_CANCELLED) && t->floor->lab != NULL)
    {
      /* superseded (e.g. the daemon stops): the store still says preparing */
      g_info ("session %s: power cycle interrupted: %s", t->id, error->message);
      return;
    }
  if (!ok)
    prepare_failed (l, "power cycle", error);
  else
    prepare_flash (l);
}

static void
prepare (Live *l)
{
  TfSession *s = tf_floor_session (l->floor, l->id);
  g_autofree char *cause = g_strdup_printf ("preparing session %s", s->id);
  tf_lab_power_async (l->floor->lab, s->board, TF_POWER_ACTION_CYCLE, cause, l->cancel,
                      on_power_cycled, ticket_new (l));
}

gboolean
tf_floor_start_session (TfFloor *f, const char *id, GError **error)
{
  TfSession *s = tf_floor_session (f, id);
  TfSession *holder;
  TfBoard *board;
  gint64 now = g_get_real_time ();

  if (s == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no session '%s'", id);
      return FALSE;
    }
  if (s->phase != TF_PHASE_SCHEDULED)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "session %s is %s: a session runs once", id,
                   tf_phase_to_string (s->phase));
      return FALSE;
    }
  board = s->board ? tf_lab_get_board (f->lab, s->board) : NULL;
  if (board == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "session %s has no board in this lab", id);
      return FALSE;
    }
  if ((holder = lease_holder (f, s->board)) != NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "board %s is leased to session %s", s->board,
                   holder->id);
      return FALSE;
    }
  if (tf_board_get_session (board) != NULL || tf_board_get_state (board) == TF_BOARD_STATE_FLASHING)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_BUSY, "board %s is busy", s->board);
      return FALSE;
    }
  if (!tf_sdb_begin (f->store, error))
    return FALSE;
  if (!tf_sdb_lease_put (f->store, s->board, s->id, now, now + TF_LEASE_TTL_US, error) ||
      !tf_floor_set_phase (f, s, TF_PHASE_PREPARING, "started by staff", error) ||
      !tf_sdb_commit (f->store, error))
    {
      tf_sdb_rollback (f->store);
      return FALSE;
    }
  publish_after (f, s);
  prepare (live_new (f, s));
  return TRUE;
}

/* --- restart ----------------------------------------------------------------------- */

static gboolean
resume_idle (gpointer user_data)
{
  TfFloor *f = user_data;
  g_autoptr (GPtrArray) all = tf_floor_sessions_sorted (f);
  for (guint i = 0; i < all->len; i++)
    {
      TfSession *s = g_ptr_array_index (all, i);
      Live *l;
      if (s->phase == TF_PHASE_PREPARING)
        {
          /* preparation is idempotent: do it again from the power cycle */
          g_message ("session %s: preparation interrupted by a restart; preparing again", s->id);
          prepare (live_new (f, s));
        }
      else if (s->phase == TF_PHASE_RUNNING)
        {
          TfBoard *board = tf_lab_get_board (f->lab, s->board);
          g_message ("session %s: resumed after a restart", s->id);
          l = live_new (f, s);
          arm_slot_end (l, s);
          if (board != NULL && tf_board_get_state (board) == TF_BOARD_STATE_READY)
            take_board (f, s);
          else
            l->waiting_ready = TRUE;
        }
    }
  return G_SOURCE_REMOVE;
}

void
tf_floor_resume (TfFloor *f)
{
  f->lease_timer = g_timeout_add_seconds (TF_LEASE_REFRESH_S, refresh_leases, f);
  g_idle_add (resume_idle, f);
}

/* --- board faults ------------------------------------------------------------------- */

void
tf_floor_on_board_changed (TfBoard *board, TfFloor *f)
{
  const char *id = tf_board_get_id (board);
  TfBoardState st = tf_board_get_state (board);
  gboolean out = st == TF_BOARD_STATE_FAULTED || st == TF_BOARD_STATE_QUARANTINED ||
                 st == TF_BOARD_STATE_UNPLUGGED;
  GHashTableIter it;
  TfSession *s;
  Live *l;
  gboolean future = FALSE;

  /* a running session resumed after a restart takes its board back when up */
  g_hash_table_iter_init (&it, f->live);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &l))
    if (l->waiting_ready && st == TF_BOARD_STATE_READY &&
        g_strcmp0 (tf_floor_session (f, l->id)->board, id) == 0)
      {
        l->waiting_ready = FALSE;
        take_board (f, tf_floor_session (f, l->id));
        return;
      }
  if (!out)
    {
      g_hash_table_remove (f->faulted, id);
      return;
    }
  if (g_hash_table_contains (f->faulted, id) || lease_holder (f, id) != NULL)
    return;
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &s))
    if (s->phase == TF_PHASE_SCHEDULED && g_strcmp0 (s->board, id) == 0)
      future = TRUE;
  g_hash_table_add (f->faulted, g_strdup (id));
  if (future)
    {
      g_autoptr (TfReplanRequest) req = tf_replan_request_new (tf_floor_now (f));
      g_autoptr (TfReplanReport) report = NULL;
      g_autoptr (GError) error = NULL;
      tf_replan_request_add (req, TF_DISRUPTION_BOARD_FAULT, id, req->now,
                             st == TF_BOARD_STATE_FAULTED ? (gint) req->now : -1, 0);
      g_message ("board %s is %s with sessions ahead: re-planning", id,
                 tf_board_state_to_string (st));
      report = tf_floor_replan (f, req, &error);
      if (report == NULL)
        g_warning ("board %s: re-plan failed: %s", id, error->message);
    }
}

/* --- automation ------------------------------------------------------------------- */

typedef struct {
  TfFloor *floor;
  char *session;
  gint case_id;
  char *script;
  GSubprocess *process;
  guint timer;
} CaseRun;

static void
case_run_free (CaseRun *r)
{
  g_clear_handle_id (&r->timer, g_source_remove);
  g_clear_object (&r->process);
  g_free (r->session);
  g_free (r->script);
  g_free (r);
}

static void
on_script_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CaseRun *r = g_task_get_task_data (task);
  GSubprocess *p = G_SUBPROCESS (source);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  TfFloor *f = r->floor;
  TfSession *s = tf_floor_session (f, r->session);
  const char *verdict;
  int status;

  g_clear_handle_id (&r->timer, g_source_remove);
  if (!g_subprocess_communicate_utf8_finish (p, res, &out, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  verdict = status == 0 ? "pass" : status == 1 ? "fail" : status == 77 ? "not-applicable"
                                                                         : "inconclusive";
  if (s == NULL || (s->phase != TF_PHASE_RUNNING && s->phase != TF_PHASE_REPORTING) ||
      s->signed_client)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY,
                               "session %s moved on while the script ran", r->session);
      return;
    }
  {
    g_autofree char *note = g_strdup_printf ("automated: %s exited with %d", r->script, status);
    g_autofree char *evidence = out ? g_utf8_make_valid (out, MIN (strlen (out), 64 * 1024)) : NULL;
    if (!tf_sdb_begin (f->store, &error) ||
        !tf_sdb_set_verdict (f->store, r->session, r->case_id, verdict, note, NULL, "automation",
                             g_get_real_time (), evidence ? evidence : "", &error) ||
        !tf_sdb_commit (f->store, &error))
      {
        tf_sdb_rollback (f->store);
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
  }
  tf_floor_publish_session (f, s);
  g_task_return_pointer (task, g_strdup (verdict), g_free);
}

static gboolean
on_script_timeout (gpointer user_data)
{
  CaseRun *r = user_data;
  r->timer = 0;
  g_subprocess_force_exit (r->process);
  return G_SOURCE_REMOVE;
}

void
tf_floor_run_case_async (TfFloor *f, const char *session, gint case_id, GAsyncReadyCallback cb,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, cb, user_data);
  TfSession *s = tf_floor_session (f, session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  const TfCase *c = ets ? tf_ets_find_case (ets, case_id) : NULL;
  const TfImpl *server = s ? tf_floor_impl (f, s->server) : NULL;
  const TfImpl *client = s ? tf_floor_impl (f, s->client) : NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  CaseRun *r;

  if (s == NULL || c == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no case %d in session %s",
                               case_id, session);
      return;
    }
  if (c->script == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "case %d has no automation script", case_id);
      return;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running",
                               session, tf_phase_to_string (s->phase));
      return;
    }
  log = g_strdup_printf ("%s/console/%s.log", tf_lab_get_config (f->lab)->state_dir, s->board);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "TF_SESSION", s->id, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_CASE", c->name, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_CLIENT", s->client, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_SERVER", s->server, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_ENDPOINT", client && client->endpoint ? client->endpoint : s->client, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_SERVER_URI", server && server->server_uri ? server->server_uri : "", TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_BOARD", s->board, TRUE);
  g_subprocess_launcher_setenv (launcher, "TF_CONSOLE_LOG", log, TRUE);
  {
    g_autofree char *n = g_strdup_printf ("%d", case_id);
    g_subprocess_launcher_setenv (launcher, "TF_CASE_ID", n, TRUE);
  }
  p = g_subprocess_launcher_spawn (launcher, &error, c->script, NULL);
  if (p == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  r = g_new0 (CaseRun, 1);
  r->floor = f;
  r->session = g_strdup (session);
  r->case_id = case_id;
  r->script = g_strdup (c->script);
  r->process = g_object_ref (p);
  g_task_set_task_data (task, r, (GDestroyNotify) case_run_free);
  /* bounded: a script that hangs is killed and judged Inconclusive */
  r->timer = g_timeout_add_seconds (120, on_script_timeout, r);
  g_subprocess_communicate_utf8_async (p, NULL, NULL, on_script_done, g_steal_pointer (&task));
}

gboolean
tf_floor_run_case_finish (GAsyncResult *res, char **verdict, GError **error)
{
  char *v = g_task_propagate_pointer (G_TASK (res), error);
  if (v == NULL)
    return FALSE;
  *verdict = v;
  return TRUE;
}
