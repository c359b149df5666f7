/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

#include <signal.h>
#include <string.h>

/* A job on a board: flash the image when the board runs another, start the
 * suite's peer, run each case (times the plan's repeat) with the catalogue's
 * exit-code contract, store each case as it ends. Between cases a TestFest
 * lease takes the board back: the job goes back to the queue where it was. */

TfRegressTicket *
tf_regress_ticket_new (TfRegressWork *w)
{
  TfRegressTicket *t = g_new0 (TfRegressTicket, 1);
  t->r = w->r;
  t->board = g_strdup (w->board);
  t->serial = w->serial;
  return t;
}

void
tf_regress_ticket_free (TfRegressTicket *t)
{
  g_free (t->board);
  g_free (t);
}

TfRegressWork *
tf_regress_ticket_work (TfRegressTicket *t)
{
  TfRegressWork *w;
  if (!tf_regress_alive (t->r))
    return NULL;
  w = g_hash_table_lookup (t->r->work, t->board);
  return w != NULL && w->serial == t->serial ? w : NULL;
}

TfRegressWork *
tf_regress_work_new (TfRegress *r, const char *board, TfRegressJob *job)
{
  static guint serial;
  TfRegressWork *w = g_new0 (TfRegressWork, 1);
  w->serial = ++serial;
  w->r = r;
  w->board = g_strdup (board);
  w->job = job;
  w->cancel = g_cancellable_new ();
  g_hash_table_replace (r->work, g_strdup (board), w);
  return w;
}

void
tf_regress_work_free (TfRegressWork *w)
{
  g_cancellable_cancel (w->cancel);
  g_clear_handle_id (&w->timer, g_source_remove);
  if (w->proc != NULL)
    g_subprocess_force_exit (w->proc);
  if (w->peer != NULL)
    g_subprocess_force_exit (w->peer);
  g_clear_object (&w->proc);
  g_clear_object (&w->peer);
  g_clear_object (&w->cancel);
  g_free (w->health_image);
  g_free (w->health_script);
  g_free (w->for_job);
  g_free (w->board);
  g_free (w);
}

/* Give the board back to the floor (and to the next job). */
static void
release_board (TfRegressWork *w)
{
  TfBoard *board = tf_lab_get_board (w->r->lab, w->board);
  if (board != NULL && w->holding)
    {
      tf_board_set_session (board, NULL);
      if (tf_board_get_state (board) == TF_BOARD_STATE_IN_SESSION)
        tf_board_set_state (board, TF_BOARD_STATE_READY, "regression job ended", NULL, NULL);
    }
  w->holding = FALSE;
}

/* The work is over: the board is free, the job settled (stored by the caller). */
void
tf_regress_work_done (TfRegressWork *w)
{
  TfRegress *r = w->r;
  TfRegressJob *j = w->job;
  g_autofree char *board = g_strdup (w->board);
  release_board (w);
  g_hash_table_remove (r->work, board); /* frees w */
  {
    gint64 *t = g_new (gint64, 1);
    *t = g_get_real_time ();
    g_hash_table_replace (r->free_since, g_strdup (board), t);
  }
  if (j != NULL)
    tf_regress_job_settled (r, j);
  else
    tf_regress_dispatch_soon (r);
}

static void
set_state (TfRegressJob *j, const char *state, const char *error)
{
  g_free (j->state);
  j->state = g_strdup (state);
  if (error != NULL)
    {
      g_free (j->error);
      j->error = g_strdup (error);
    }
}

/* Back to the queue with no board (yielded, or an infrastructure error it survives). */
static void
requeue (TfRegressWork *w, const char *why)
{
  TfRegressJob *j = w->job;
  set_state (j, "queued", why);
  g_clear_pointer (&j->board, g_free);
  tf_regress_store_job (w->r, j);
  tf_regress_work_done (w);
}

/* LAVA's "infrastructure error": never a test verdict. The board is
 * health-checked before its next job; the job moves to another board, or
 * ends incomplete after TF_REGRESS_MAX_ATTEMPTS. */
static void
infra_error (TfRegressWork *w, const char *step, const GError *error)
{
  TfRegressJob *j = w->job;
  g_autofree char *why
      = g_strdup_printf ("infrastructure error: %s on %s: %s", step, w->board, error->message);
  g_warning ("job %s: %s", j->id, why);
  g_hash_table_add (w->r->need_check, g_strdup (w->board));
  j->attempts++;
  if (j->attempts < TF_REGRESS_MAX_ATTEMPTS)
    {
      requeue (w, why);
      return;
    }
  set_state (j, "incomplete", why);
  j->ended = g_get_real_time ();
  g_clear_pointer (&j->board, g_free);
  tf_regress_store_job (w->r, j);
  tf_regress_work_done (w);
}

guint
tf_regress_job_steps (TfRegress *r, TfRegressJob *j)
{
  TfRegressRun *run = tf_regress_run (r, j->run);
  TfRegressSuite *s = run && run->plan ? tf_regress_plan_suite (run->plan, j->suite) : NULL;
  return s != NULL ? s->cases->len * run->plan->repeat : 0;
}

static void
run_step (TfRegressWork *w);

static const char *
verdict_of (int status)
{
  return status == 0 ? "pass" : status == 1 ? "fail" : status == 77 ? "skip" : "inconclusive";
}

static void
on_case_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRegressTicket) t = user_data;
  TfRegressWork *w = tf_regress_ticket_work (t);
  GSubprocess *p = G_SUBPROCESS (source);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  TfRegressJob *j;
  TfRegressRun *run;
  TfRegressSuite *suite;
  TfRegressCase *c;
  int status;
  gsize len = 0, start;
  const char *data;
  g_autofree char *tail = NULL;
  gboolean ok = g_subprocess_communicate_finish (p, res, &out, NULL, &error);

  if (w == NULL)
    return; /* the work is gone (cancelled, shut down) */
  j = w->job;
  run = tf_regress_run (w->r, j->run);
  suite = tf_regress_plan_suite (run->plan, j->suite);
  c = g_ptr_array_index (suite->cases, j->next / run->plan->repeat);
  if (!ok)
    {
      g_clear_object (&w->proc);
      infra_error (w, "case script", error);
      return;
    }
  g_clear_handle_id (&w->timer, g_source_remove);
  g_clear_object (&w->proc);
  status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
  /* the end of the output is where a failing test says why */
  start = len > TF_REGRESS_OUTPUT_MAX ? len - TF_REGRESS_OUTPUT_MAX : 0;
  tail = g_utf8_make_valid (data != NULL ? data + start : "", len - start);
  {
    TfRegressCaseRow row = { j->id,
                             j->next,
                             c->name,
                             c->case_id,
                             j->next % run->plan->repeat + 1,
                             w->board,
                             c->script,
                             verdict_of (status),
                             status,
                             w->step_started,
                             g_get_real_time (),
                             tail,
                             (gint64)len };
    j->next++;
    /* the case and the job's progress in one transaction: resumed exactly there */
    if (!tf_rdb_begin (w->r->store, &error) || !tf_rdb_add_case (w->r->store, &row, &error)
        || !tf_rdb_put_job (w->r->store, j, &error) || !tf_rdb_commit (w->r->store, &error))
      {
        tf_rdb_rollback (w->r->store);
        j->next--;
        infra_error (w, "store", error);
        return;
      }
  }
  tf_regress_publish_soon (w->r, j->run);
  run_step (w);
}

static gboolean
on_case_timeout (gpointer user_data)
{
  TfRegressWork *w = user_data;
  w->timer = 0;
  /* killed: no exit status, Inconclusive as the catalogue's contract says */
  if (w->proc != NULL)
    g_subprocess_force_exit (w->proc);
  return G_SOURCE_REMOVE;
}

static GSubprocessLauncher *
launcher_for (TfRegressWork *w, TfRegressRun *run, TfRegressSuite *suite)
{
  TfRegressJob *j = w->job;
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                      | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  TfRegressPeer *peer = suite->peer ? tf_regress_plan_peer (run->plan, suite->peer) : NULL;
  TfImage *img = tf_regress_image (w->r, run, j->image);
  TfBoard *board = tf_lab_get_board (w->r->lab, w->board);
  g_autofree char *log
      = g_strdup_printf ("%s/console/%s.log", tf_lab_get_config (w->r->lab)->state_dir, w->board);
  /* the catalogue's script contract, as a TestFest session sets it */
  g_subprocess_launcher_setenv (l, "TF_SESSION", j->id, TRUE);
  g_subprocess_launcher_setenv (l, "TF_CLIENT", j->image, TRUE);
  g_subprocess_launcher_setenv (l, "TF_SERVER", peer ? peer->name : "", TRUE);
  g_subprocess_launcher_setenv (l, "TF_RUN", j->run, TRUE);
  g_subprocess_launcher_setenv (l, "TF_JOB", j->id, TRUE);
  g_subprocess_launcher_setenv (l, "TF_SUITE", j->suite, TRUE);
  g_subprocess_launcher_setenv (l, "TF_BOARD", w->board, TRUE);
  g_subprocess_launcher_setenv (l, "TF_BOARD_TYPE",
                                board ? tf_board_get_config (board)->type->name : "", TRUE);
  g_subprocess_launcher_setenv (l, "TF_IMAGE", j->image, TRUE);
  g_subprocess_launcher_setenv (l, "TF_IMAGE_SHA256", j->sha256 ? j->sha256 : "", TRUE);
  g_subprocess_launcher_setenv (l, "TF_IMAGE_VERSION", img && img->version ? img->version : "",
                                TRUE);
  g_subprocess_launcher_setenv (l, "TF_CONSOLE_LOG", log, TRUE);
  g_subprocess_launcher_setenv (l, "TF_ENDPOINT", w->board, TRUE);
  g_subprocess_launcher_setenv (l, "TF_SERVER_URI", peer && peer->uri ? peer->uri : "", TRUE);
  g_subprocess_launcher_setenv (l, "TF_PEER_URI", peer && peer->uri ? peer->uri : "", TRUE);
  return l;
}

static void
run_step (TfRegressWork *w)
{
  TfRegressJob *j = w->job;
  TfRegress *r = w->r;
  TfRegressRun *run = tf_regress_run (r, j->run);
  TfRegressSuite *suite = run && run->plan ? tf_regress_plan_suite (run->plan, j->suite) : NULL;
  g_autoptr (GSubprocessLauncher) l = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = NULL;
  TfRegressCase *c;

  if (suite == NULL || j->next >= tf_regress_job_steps (r, j))
    {
      gboolean failed = tf_rdb_job_failed (r->store, j->id);
      set_state (j, failed ? "failed" : "passed", NULL);
      j->ended = g_get_real_time ();
      tf_regress_store_job (r, j);
      tf_regress_work_done (w);
      return;
    }
  /* the TestFest wins: at the end of a case, the board goes back to the floor */
  owner = tf_rdb_lease_owner (r->store, w->board);
  if (owner != NULL)
    {
      g_autofree char *why = g_strdup_printf ("yielded %s to TestFest session %s", w->board, owner);
      g_message ("job %s: %s at step %u", j->id, why, j->next);
      requeue (w, why);
      return;
    }
  /* the board went away under the job (unplugged; a farm host lost): an
   * infrastructure error, the job goes on elsewhere from this step */
  {
    TfBoard *board = tf_lab_get_board (r->lab, w->board);
    if (board == NULL || tf_board_get_state (board) == TF_BOARD_STATE_UNPLUGGED)
      {
        g_autoptr (GError) e = g_error_new (TF_ERROR, TF_ERROR_INFRASTRUCTURE, "board is %s",
                                            board != NULL && tf_board_get_cause (board) != NULL
                                                ? tf_board_get_cause (board)
                                                : "gone");
        infra_error (w, "between cases", e);
        return;
      }
  }
  c = g_ptr_array_index (suite->cases, j->next / run->plan->repeat);
  l = launcher_for (w, run, suite);
  {
    g_autofree char *id = g_strdup_printf ("%d", c->case_id);
    g_autofree char *rep = g_strdup_printf ("%u", j->next % run->plan->repeat + 1);
    g_subprocess_launcher_setenv (l, "TF_CASE", c->name, TRUE);
    g_subprocess_launcher_setenv (l, "TF_CASE_ID", c->case_id >= 0 ? id : "", TRUE);
    g_subprocess_launcher_setenv (l, "TF_REPEAT", rep, TRUE);
  }
  w->proc = g_subprocess_launcher_spawn (l, &error, c->script, NULL);
  if (w->proc == NULL)
    {
      infra_error (w, "case script", error);
      return;
    }
  w->step_started = g_get_real_time ();
  w->timer = g_timeout_add_seconds (suite->timeout_s, on_case_timeout, w);
  g_subprocess_communicate_async (w->proc, NULL, w->cancel, on_case_done,
                                  tf_regress_ticket_new (w));
}

static void
begin_cases (TfRegressWork *w)
{
  TfRegressJob *j = w->job;
  TfRegressRun *run = tf_regress_run (w->r, j->run);
  TfRegressSuite *suite = tf_regress_plan_suite (run->plan, j->suite);
  TfRegressPeer *peer = suite && suite->peer ? tf_regress_plan_peer (run->plan, suite->peer) : NULL;
  TfBoard *board = tf_lab_get_board (w->r->lab, w->board);
  g_autofree char *session = g_strdup_printf (TF_REGRESS_SESSION_PREFIX "%s", j->id);
  g_autofree char *owner = tf_rdb_lease_owner (w->r->store, w->board);
  g_autoptr (GError) error = NULL;

  /* a TestFest session was started while the image went on: it goes first */
  if (owner != NULL)
    {
      g_autofree char *why = g_strdup_printf ("yielded %s to TestFest session %s", w->board, owner);
      requeue (w, why);
      return;
    }

  if (board == NULL || tf_board_get_state (board) != TF_BOARD_STATE_READY
      || tf_board_get_session (board) != NULL)
    {
      g_autoptr (GError) e
          = g_error_new (TF_ERROR, TF_ERROR_INFRASTRUCTURE, "board is %s",
                         board ? tf_board_state_to_string (tf_board_get_state (board)) : "gone");
      infra_error (w, "taking the board", e);
      return;
    }
  /* marked as ours: the floor waits for it instead of flashing under a case */
  tf_board_set_session (board, session);
  tf_board_set_state (board, TF_BOARD_STATE_IN_SESSION, session, NULL, NULL);
  w->holding = TRUE;
  if (peer != NULL && peer->command != NULL)
    {
      g_auto (GStrv) argv = NULL;
      g_autoptr (GSubprocessLauncher) l = launcher_for (w, run, suite);
      g_subprocess_launcher_set_flags (l, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                              | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      if (!g_shell_parse_argv (peer->command, NULL, &argv, &error)
          || (w->peer = g_subprocess_launcher_spawnv (l, (const char *const *)argv, &error))
                 == NULL)
        {
          infra_error (w, "starting the peer", error);
          return;
        }
    }
  run_step (w);
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (TfRegressTicket) t = user_data;
  TfRegressWork *w = tf_regress_ticket_work (t);
  g_autoptr (GError) error = NULL;
  gboolean ok = tf_lab_flash_finish (TF_LAB (source), res, &error);
  if (w == NULL)
    return;
  if (!ok)
    {
      infra_error (w, "flashing", error);
      return;
    }
  begin_cases (w);
}

/* The job takes the board (not stored yet: the caller stores every job it
 * claims in one transaction, then starts them). */
void
tf_regress_job_claim (TfRegress *r, TfRegressJob *j, TfBoard *board)
{
  const char *id = tf_board_get_id (board);
  gint64 *free_at = g_hash_table_lookup (r->free_since, id);
  gint64 now = g_get_real_time ();

  if (free_at != NULL)
    {
      gint64 lat = now - *free_at;
      r->latency_sum_us += lat;
      r->latency_max_us = MAX (r->latency_max_us, lat);
      g_hash_table_remove (r->free_since, id);
    }
  r->jobs_started++;
  set_state (j, "running", NULL);
  g_free (j->board);
  j->board = g_strdup (id);
  if (j->started == 0)
    j->started = now;
}

/* A claimed job, stored as running: a kill from here on finds it and resumes it. */
void
tf_regress_job_start (TfRegress *r, TfRegressJob *j, TfBoard *board)
{
  const char *id = tf_board_get_id (board);
  TfRegressRun *run = tf_regress_run (r, j->run);
  TfImage *img = tf_regress_image (r, run, j->image);
  TfRegressWork *w = tf_regress_work_new (r, id, j);

  g_message ("job %s (%s, %s) on %s from step %u", j->id, j->suite, j->image, id, j->next);
  tf_regress_publish_soon (r, j->run);
  if (img == NULL)
    {
      g_autoptr (GError) e
          = g_error_new (TF_ERROR, TF_ERROR_NOT_FOUND, "image '%s' is not available", j->image);
      infra_error (w, "image", e);
      return;
    }
  if (g_strcmp0 (tf_board_get_firmware_sha256 (board), img->sha256) == 0)
    {
      begin_cases (w);
      return;
    }
  tf_lab_flash_async (r->lab, id, j->image, w->cancel, on_flashed, tf_regress_ticket_new (w));
}

void
tf_regress_work_abort (TfRegressWork *w)
{
  TfRegressJob *j = w->job;
  TfRegress *r = w->r;
  g_cancellable_cancel (w->cancel);
  if (j == NULL)
    return;
  set_state (j, "cancelled", "cancelled by staff");
  j->ended = g_get_real_time ();
  g_clear_pointer (&j->board, g_free);
  tf_regress_store_job (r, j);
  tf_regress_work_done (w);
}
