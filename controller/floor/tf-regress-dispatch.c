/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

/* Which board takes which job: once per main loop turn after a change
 * (a board free, a job ended, a run handed in), jobs by priority, each on a
 * free board it fits, of the host with the fewest busy boards (a farm); a
 * board that needs a health check gets one first (one board at a time per
 * job, the job waiting for it). A lost farm host's boards
 * are not free (unplugged): its jobs fail there as infrastructure errors and
 * come back to the queue, for other hosts' boards. */

/* Ready, idle, and no TestFest session holds (or waits for) it (@leased). */
gboolean
tf_regress_board_free (TfRegress *r, TfBoard *board, GHashTable *leased)
{
  return tf_board_get_state (board) == TF_BOARD_STATE_READY && tf_board_get_session (board) == NULL
         && !g_hash_table_contains (r->work, tf_board_get_id (board))
         && !g_hash_table_contains (leased, tf_board_get_id (board));
}

static gboolean
job_fits (TfRegressJob *j, TfBoard *board)
{
  const TfBoardConfig *cfg = tf_board_get_config (board);
  if (j->pinned != NULL)
    return g_strcmp0 (j->pinned, tf_board_get_id (board)) == 0;
  return g_strcmp0 (j->board_type, cfg->type->name) == 0;
}

/* A farm's regression jobs go to its idlest hosts first: free boards sorted
 * by how many boards of their host are busy (a session, a job), then by id. */
typedef struct
{
  TfBoard *board;
  guint busy;
} Candidate;

static gint
cmp_candidate (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;
  if (x->busy != y->busy)
    return x->busy < y->busy ? -1 : 1;
  return g_strcmp0 (tf_board_get_id (x->board), tf_board_get_id (y->board));
}

static void
prefer_idle_hosts (TfRegress *r, GPtrArray *boards, GPtrArray *free_boards)
{
  g_autoptr (GHashTable) busy = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GArray) c = g_array_new (FALSE, FALSE, sizeof (Candidate));
  for (guint i = 0; i < boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (boards, i);
      const char *host = tf_lab_board_host (r->lab, tf_board_get_id (board));
      if (host != NULL
          && (tf_board_is_busy (board) || g_hash_table_contains (r->work, tf_board_get_id (board))))
        g_hash_table_insert (
            busy, (gpointer)host,
            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (busy, host)) + 1));
    }
  for (guint i = 0; i < free_boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (free_boards, i);
      const char *host = tf_lab_board_host (r->lab, tf_board_get_id (board));
      Candidate one
          = { board, host != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (busy, host)) : 0 };
      g_array_append_val (c, one);
    }
  g_array_sort (c, cmp_candidate);
  for (guint i = 0; i < c->len; i++)
    g_ptr_array_index (free_boards, i) = g_array_index (c, Candidate, i).board;
}

/* The jobs a health check is running for. A job starts one check at a
 * time, on the idlest board it fits, and waits for it: checking every free
 * board for one job would hand the job to whichever check ends first, not
 * to the idlest host, and keep boards from other jobs. */
static GHashTable *
jobs_checking (TfRegress *r)
{
  GHashTable *jobs = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, r->work);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      TfRegressWork *w = value;
      if (w->job == NULL && w->for_job != NULL)
        g_hash_table_add (jobs, w->for_job);
    }
  return jobs;
}

static gboolean
dispatch (gpointer user_data)
{
  TfRegress *r = user_data;
  g_autoptr (GPtrArray) boards = tf_lab_get_boards (r->lab);
  g_autoptr (GPtrArray) free_boards = g_ptr_array_new ();
  g_autoptr (GPtrArray) expired = g_ptr_array_new ();
  g_autoptr (GPtrArray) claimed = g_ptr_array_new (); /* job, board, job, board... */
  g_autoptr (GHashTable) leased = NULL;
  g_autoptr (GHashTable) checking = jobs_checking (r);
  gint64 now = g_get_real_time ();

  r->dispatch_id = 0;
  if (r->shutting_down)
    return G_SOURCE_REMOVE;
  leased = tf_rdb_leased_boards (r->store);
  for (guint i = 0; i < boards->len; i++)
    {
      TfBoard *board = g_ptr_array_index (boards, i);
      TfBoardState st = tf_board_get_state (board);
      /* a board staff released (off), or one an infrastructure error left
       * faulted, comes back through a health check (or is quarantined by it) */
      if (tf_regress_board_free (r, board, leased)
          || ((st == TF_BOARD_STATE_OFF || st == TF_BOARD_STATE_FAULTED)
              && !g_hash_table_contains (leased, tf_board_get_id (board))
              && tf_board_get_config (board)->power_switch != NULL
              && tf_board_get_session (board) == NULL
              && !g_hash_table_contains (r->work, tf_board_get_id (board))
              && tf_regress_needs_check (r, board)))
        g_ptr_array_add (free_boards, board);
    }
  prefer_idle_hosts (r, boards, free_boards);
  for (guint i = 0; i < r->queue->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (r->queue, i);
      TfRegressRun *run = tf_regress_run (r, j->run);
      if (g_strcmp0 (j->state, "queued") != 0)
        continue;
      if (run == NULL || run->plan == NULL || now > run->deadline)
        {
          g_ptr_array_add (expired, j);
          continue;
        }
      for (guint b = 0; b < free_boards->len; b++)
        {
          TfBoard *board = g_ptr_array_index (free_boards, b);
          gboolean check;
          if (!job_fits (j, board))
            continue;
          check = tf_regress_needs_check (r, board);
          if (check && g_hash_table_contains (checking, j->id))
            continue; /* one check at a time per job (see jobs_checking) */
          g_ptr_array_remove_index (free_boards, b);
          if (check)
            {
              /* LAVA's health check first; the job waits for a healthy board */
              tf_regress_health_start (r, board, run, j->id);
              g_hash_table_add (checking, j->id);
              b--;
              continue;
            }
          tf_regress_job_claim (r, j, board);
          g_ptr_array_add (claimed, j);
          g_ptr_array_add (claimed, board);
          break;
        }
      if (free_boards->len == 0)
        break;
    }
  /* every job stored as running before any of them starts: one commit for all */
  if (claimed->len > 0)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = tf_rdb_begin (r->store, &error);
      for (guint i = 0; ok && i < claimed->len; i += 2)
        ok = tf_rdb_put_job (r->store, g_ptr_array_index (claimed, i), &error);
      if (!ok || !tf_rdb_commit (r->store, &error))
        {
          tf_rdb_rollback (r->store);
          g_warning ("jobs not started: %s", error->message);
          for (guint i = 0; i < claimed->len; i += 2)
            {
              TfRegressJob *j = g_ptr_array_index (claimed, i);
              g_free (j->state);
              j->state = g_strdup ("queued");
              g_clear_pointer (&j->board, g_free);
            }
          g_ptr_array_set_size (claimed, 0);
        }
      for (guint i = 0; i < claimed->len; i += 2)
        tf_regress_job_start (r, g_ptr_array_index (claimed, i),
                              g_ptr_array_index (claimed, i + 1));
    }
  for (guint i = 0; i < expired->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (expired, i);
      TfRegressRun *run = tf_regress_run (r, j->run);
      tf_regress_job_cancelled (r, j,
                                run != NULL && run->plan != NULL
                                    ? "time budget exhausted before it could start"
                                    : "its plan or image no longer holds (see the daemon's log)");
    }
  return G_SOURCE_REMOVE;
}

void
tf_regress_dispatch_soon (TfRegress *r)
{
  if (r->dispatch_id == 0 && !r->shutting_down)
    r->dispatch_id = g_idle_add (dispatch, r);
}
