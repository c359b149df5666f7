/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

#include <string.h>

/* The queue: runs and their jobs, which board takes which job, restarts. */

/* Queues alive: a callback that comes after its queue was freed (the lab's
 * shutdown still turns the main loop) finds it gone. */
static GHashTable *alive;

gboolean
tf_regress_alive (TfRegress *r)
{
  return alive != NULL && g_hash_table_contains (alive, r);
}

static void
run_free (TfRegressRun *run)
{
  g_free (run->id);
  tf_regress_plan_free (run->plan);
  g_free (run->ci_image);
  g_free (run->ci_path);
  g_free (run->ci_sha256);
  g_free (run);
}

TfRegressRun *
tf_regress_run (TfRegress *r, const char *id)
{
  return g_hash_table_lookup (r->runs, id);
}

/* The board types a handed-in image must fit: the plan's, and its boards'. */
static GStrv
plan_types (TfRegress *r, TfRegressPlan *plan)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  TfLabConfig *cfg = tf_lab_get_config (r->lab);
  for (guint i = 0; plan->board_types[i] != NULL; i++)
    if (g_hash_table_add (seen, plan->board_types[i]))
      g_strv_builder_add (b, plan->board_types[i]);
  for (guint i = 0; plan->boards[i] != NULL; i++)
    {
      TfBoardConfig *bc = tf_lab_config_find_board (cfg, plan->boards[i]);
      if (bc != NULL && g_hash_table_add (seen, bc->type->name))
        g_strv_builder_add (b, bc->type->name);
    }
  return g_strv_builder_end (b);
}

/* Registers (again: a lab reload reads the images file anew) the image a CI
 * pipeline handed in; its sha256 and board types are checked here, before
 * anything is flashed. */
static gboolean
register_ci_image (TfRegress *r, TfRegressRun *run, GError **error)
{
  g_auto (GStrv) types = plan_types (r, run->plan);
  TfLabConfig *cfg = tf_lab_get_config (r->lab);
  TfImageRegistry *reg = tf_lab_get_images (r->lab);
  g_autofree char *version = g_strndup (run->ci_sha256, 12);
  TfImage *img;
  if (!tf_image_registry_add_file (reg, run->ci_image, run->ci_path, run->ci_sha256,
                                   (const char *const *)types, version, 64 * 1024 * 1024, error))
    return FALSE;
  img = tf_image_registry_get (reg, run->ci_image);
  for (guint i = 0; types[i] != NULL; i++)
    if (!tf_image_check_fits (img, g_hash_table_lookup (cfg->types, types[i]), error))
      return FALSE;
  return TRUE;
}

TfImage *
tf_regress_image (TfRegress *r, TfRegressRun *run, const char *image_id)
{
  TfImageRegistry *reg = tf_lab_get_images (r->lab);
  TfImage *img = reg != NULL ? tf_image_registry_get (reg, image_id) : NULL;
  g_autoptr (GError) error = NULL;
  if (img != NULL || run == NULL || g_strcmp0 (image_id, run->ci_image) != 0)
    return img;
  if (!register_ci_image (r, run, &error))
    {
      g_warning ("run %s: %s", run->id, error->message);
      return NULL;
    }
  return tf_image_registry_get (reg, image_id);
}

gboolean
tf_regress_store_job (TfRegress *r, TfRegressJob *j)
{
  g_autoptr (GError) error = NULL;
  if (!tf_rdb_put_job (r->store, j, &error))
    {
      g_warning ("job %s: %s", j->id, error->message);
      return FALSE;
    }
  return TRUE;
}

static gint
job_order (gconstpointer a, gconstpointer b)
{
  const TfRegressJob *x = *(TfRegressJob *const *)a, *y = *(TfRegressJob *const *)b;
  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  if (x->created != y->created)
    return x->created < y->created ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static TfRegressPlanContext
plan_context (TfRegress *r, gboolean ci_image)
{
  TfRegressPlanContext ctx
      = { tf_lab_get_config (r->lab), tf_lab_get_images (r->lab), r->catalogue, ci_image, TRUE };
  return ctx;
}

static TfRegressRun *
run_new (TfRegress *r, const char *id, const char *plan_path, const char *plan_text,
         const char *ci_path, const char *ci_sha256, GError **error)
{
  TfRegressPlanContext ctx = plan_context (r, ci_path != NULL);
  g_autoptr (TfRegressPlan) plan
      = tf_regress_plan_load_data (plan_path, plan_text, strlen (plan_text), &ctx, error);
  TfRegressRun *run;
  if (plan == NULL)
    return NULL;
  run = g_new0 (TfRegressRun, 1);
  run->id = g_strdup (id);
  run->plan = g_steal_pointer (&plan);
  if (ci_path != NULL)
    {
      run->ci_path = g_strdup (ci_path);
      run->ci_sha256 = g_ascii_strdown (ci_sha256 ? ci_sha256 : "", -1);
      run->ci_image = g_strdup_printf ("ci-%.12s", run->ci_sha256);
      if (!register_ci_image (r, run, error))
        {
          run_free (run);
          return NULL;
        }
    }
  return run;
}

static gboolean
store_run (TfRegress *r, TfRegressRun *run, const char *plan_path, const char *plan_text,
           const char *company, GPtrArray *jobs, GError **error)
{
  if (!tf_rdb_begin (r->store, error))
    return FALSE;
  if (!tf_rdb_add_run (r->store, run->id, run->plan->name, plan_path, plan_text, run->ci_path,
                       run->ci_sha256, company, run->plan->priority, run->created, run->deadline,
                       error))
    {
      tf_rdb_rollback (r->store);
      return FALSE;
    }
  for (guint i = 0; i < jobs->len; i++)
    if (!tf_rdb_put_job (r->store, g_ptr_array_index (jobs, i), error))
      {
        tf_rdb_rollback (r->store);
        return FALSE;
      }
  return tf_rdb_commit (r->store, error);
}

gboolean
tf_regress_submit (TfRegress *r, const char *plan_path, const char *plan_text, const char *ci_path,
                   const char *ci_sha256, const char *company, char **run_id, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *id = NULL;
  g_autoptr (GPtrArray) jobs = g_ptr_array_new ();
  TfRegressRun *run;
  TfRegressPlan *plan;
  gint64 created = g_get_real_time ();
  guint seq = 0;

  run = run_new (r, "", plan_path, plan_text, ci_path, ci_sha256, error);
  if (run == NULL)
    return FALSE;
  plan = run->plan;
  do
    {
      g_free (id);
      id = g_strdup_printf ("%s-%s-%04x", plan->name, stamp, g_random_int_range (0, 0x10000));
    }
  while (g_hash_table_contains (r->runs, id));
  g_free (run->id);
  run->id = g_strdup (id);
  run->created = created;
  run->deadline = created + (gint64)plan->budget_min * 60 * G_USEC_PER_SEC;
  {
    g_auto (GStrv) images = run->ci_image != NULL
                                ? g_strdupv ((GStrv)(const char *[]){ run->ci_image, NULL })
                                : g_strdupv (plan->images);
    for (guint i = 0; images[i] != NULL; i++)
      {
        TfImage *img = tf_regress_image (r, run, images[i]);
        for (guint s = 0; s < plan->suites->len; s++)
          {
            TfRegressSuite *suite = g_ptr_array_index (plan->suites, s);
            guint nb = g_strv_length (plan->boards), nt = g_strv_length (plan->board_types);
            for (guint k = 0; k < nb + nt; k++)
              {
                TfRegressJob *j = g_new0 (TfRegressJob, 1);
                j->id = g_strdup_printf ("%s/%u", id, ++seq);
                j->run = g_strdup (id);
                j->seq = seq;
                j->image = g_strdup (images[i]);
                j->sha256 = g_strdup (img != NULL ? img->sha256 : NULL);
                j->suite = g_strdup (suite->name);
                if (k < nb)
                  j->pinned = g_strdup (plan->boards[k]);
                else
                  j->board_type = g_strdup (plan->board_types[k - nb]);
                j->state = g_strdup ("queued");
                j->priority = plan->priority;
                j->created = created;
                g_ptr_array_add (jobs, j);
              }
          }
      }
  }
  /* the run and every job are stored before any of them starts */
  if (!store_run (r, run, plan_path, plan_text, company, jobs, error))
    {
      g_ptr_array_foreach (jobs, (GFunc)tf_regress_job_free, NULL);
      run_free (run);
      return FALSE;
    }
  g_hash_table_insert (r->runs, run->id, run);
  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (r->queue, g_ptr_array_index (jobs, i));
  g_ptr_array_sort (r->queue, job_order);
  g_message ("run %s: %u jobs queued", id, jobs->len);
  *run_id = g_steal_pointer (&id);
  tf_regress_publish_soon (r, run->id);
  tf_regress_dispatch_soon (r);
  return TRUE;
}

/* --- boards ------------------------------------------------------------------------ */

static gboolean
is_final (const char *state)
{
  return g_strcmp0 (state, "queued") != 0 && g_strcmp0 (state, "running") != 0;
}

void
tf_regress_job_cancelled (TfRegress *r, TfRegressJob *j, const char *why)
{
  g_free (j->state);
  j->state = g_strdup ("cancelled");
  g_free (j->error);
  j->error = g_strdup (why);
  j->ended = g_get_real_time ();
  g_clear_pointer (&j->board, g_free);
  tf_regress_store_job (r, j);
  tf_regress_job_settled (r, j);
}

static void
on_board_changed (TfBoard *board, TfRegress *r)
{
  if (tf_board_get_state (board) == TF_BOARD_STATE_READY
      && !g_hash_table_contains (r->free_since, tf_board_get_id (board)))
    {
      gint64 *t = g_new (gint64, 1);
      *t = g_get_real_time ();
      g_hash_table_insert (r->free_since, g_strdup (tf_board_get_id (board)), t);
    }
  tf_regress_dispatch_soon (r);
}

static void
watch_board (TfRegress *r, TfBoard *board)
{
  g_signal_connect (board, "changed", G_CALLBACK (on_board_changed), r);
}

/* Retained state is published again on each connection (a broker restarted
 * without persistence forgot it). */
static void
on_bus_connected (TfBus *bus, TfRegress *r)
{
  g_autoptr (GList) ids = g_hash_table_get_keys (r->runs);
  for (GList *l = ids; l != NULL; l = l->next)
    tf_regress_publish_soon (r, l->data);
  tf_regress_publish_status (r);
}

static void
on_board_added (TfLab *lab, TfBoard *board, TfRegress *r)
{
  watch_board (r, board);
  tf_regress_dispatch_soon (r);
}

/* --- runs ending ------------------------------------------------------------------- */

static void
finish_run (TfRegress *r, TfRegressRun *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) report = tf_regress_report (r->store, run->id, FALSE, TRUE, &error);
  const char *summary = report ? json_object_get_string_member (report, "summary") : NULL;
  gboolean cancelled = report && json_object_get_int_member (report, "cancelled") > 0
                       && json_object_get_int_member (report, "completed") == 0;
  if (report == NULL)
    g_warning ("run %s: %s", run->id, error->message);
  if (!tf_rdb_set_run_state (r->store, run->id, cancelled ? "cancelled" : "done", summary,
                             g_get_real_time (), &error))
    g_warning ("run %s: %s", run->id, error->message);
  g_message ("run %s done: %s", run->id, summary ? summary : "?");
  tf_regress_publish_soon (r, run->id);
  g_hash_table_remove (r->runs, run->id);
}

void
tf_regress_job_settled (TfRegress *r, TfRegressJob *j)
{
  g_autofree char *run_id = g_strdup (j->run);
  TfRegressRun *run = tf_regress_run (r, run_id);
  gboolean open = FALSE;
  if (is_final (j->state))
    g_ptr_array_remove (r->queue, j); /* frees it */
  for (guint i = 0; i < r->queue->len; i++)
    if (g_strcmp0 (((TfRegressJob *)g_ptr_array_index (r->queue, i))->run, run_id) == 0)
      open = TRUE;
  tf_regress_publish_soon (r, run_id);
  if (!open && run != NULL)
    finish_run (r, run);
  tf_regress_dispatch_soon (r);
}

gboolean
tf_regress_cancel (TfRegress *r, const char *id, GError **error)
{
  g_autoptr (GPtrArray) hit = g_ptr_array_new ();
  for (guint i = 0; i < r->queue->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (r->queue, i);
      if (g_strcmp0 (j->run, id) == 0 || g_strcmp0 (j->id, id) == 0)
        g_ptr_array_add (hit, j);
    }
  if (hit->len == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no queued or running run or job '%s'", id);
      return FALSE;
    }
  for (guint i = 0; i < hit->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (hit, i);
      TfRegressWork *w = j->board != NULL ? g_hash_table_lookup (r->work, j->board) : NULL;
      if (w != NULL)
        tf_regress_work_abort (w); /* settles it as cancelled */
      else
        tf_regress_job_cancelled (r, j, "cancelled by staff");
    }
  return TRUE;
}

/* --- start and restart ------------------------------------------------------------- */

/* What the store kept: open runs, their jobs queued again (a running one
 * resumes at the case that was cut short). */
static void
restore (TfRegress *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) runs = tf_rdb_open_runs (r->store, &error);
  g_autoptr (GPtrArray) jobs = NULL;
  for (guint i = 0; runs != NULL && i < json_array_get_length (runs); i++)
    {
      JsonObject *o = json_array_get_object_element (runs, i);
      const char *id = json_object_get_string_member (o, "id");
      g_autoptr (GError) local = NULL;
      TfRegressRun *run
          = run_new (r, id, json_object_get_string_member (o, "plan_path"),
                     json_object_get_string_member (o, "plan_text"),
                     json_object_get_string_member_with_default (o, "ci_path", NULL),
                     json_object_get_string_member_with_default (o, "ci_sha256", NULL), &local);
      if (run == NULL)
        {
          /* the plan or the image no longer holds: its jobs cannot run */
          g_warning ("run %s cannot go on: %s", id, local->message);
          run = g_new0 (TfRegressRun, 1);
          run->id = g_strdup (id);
          run->deadline = 0; /* its jobs are cancelled by the next dispatch */
        }
      run->created = json_object_get_int_member (o, "created");
      if (run->plan != NULL)
        run->deadline = json_object_get_int_member (o, "deadline");
      g_hash_table_insert (r->runs, run->id, run);
    }
  if (runs == NULL)
    g_warning ("regression runs not restored: %s", error->message);
  jobs = tf_rdb_jobs (r->store, NULL, &error);
  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    {
      TfRegressJob *j = g_ptr_array_steal_index (jobs, i--);
      if (g_strcmp0 (j->state, "running") == 0)
        {
          g_message ("job %s resumes at step %u (was on %s)", j->id, j->next, j->board);
          g_free (j->state);
          j->state = g_strdup ("queued");
          g_clear_pointer (&j->board, g_free);
          tf_regress_store_job (r, j);
        }
      g_ptr_array_add (r->queue, j);
    }
  g_ptr_array_sort (r->queue, job_order);
  /* runs whose every job ended before the kill */
  {
    g_autoptr (GList) ids = g_hash_table_get_keys (r->runs);
    for (GList *l = ids; l != NULL; l = l->next)
      {
        gboolean open = FALSE;
        for (guint i = 0; i < r->queue->len && !open; i++)
          open = g_strcmp0 (((TfRegressJob *)g_ptr_array_index (r->queue, i))->run, l->data) == 0;
        if (!open)
          finish_run (r, tf_regress_run (r, l->data));
      }
  }
}

TfRegress *
tf_regress_new (TfLab *lab, GError **error)
{
  g_autoptr (TfRegress) r = g_new0 (TfRegress, 1);
  TfLabConfig *cfg = tf_lab_get_config (lab);
  g_autoptr (GPtrArray) boards = NULL;

  r->lab = g_object_ref (lab);
  r->store = tf_lab_get_store (lab);
  r->bus = tf_lab_get_bus (lab);
  r->rpc = tf_lab_get_rpc (lab);
  r->prefix = g_strdup (tf_lab_get_prefix (lab));
  r->runs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)run_free);
  r->queue = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_regress_job_free);
  r->work = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify)tf_regress_work_free);
  r->need_check = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->dirty_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->free_since = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (cfg->ets_dir != NULL && g_file_test (cfg->ets_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GError) local = NULL;
      r->catalogue = tf_catalogue_load_dir (cfg->ets_dir, &local);
      if (r->catalogue == NULL)
        g_warning ("regression plans cannot name ETS cases: %s", local->message);
    }
  if (!tf_rdb_init (r->store, error))
    return NULL;
  if (alive == NULL)
    alive = g_hash_table_new (NULL, NULL);
  g_hash_table_add (alive, r);
  boards = tf_lab_get_boards (lab);
  for (guint i = 0; i < boards->len; i++)
    watch_board (r, g_ptr_array_index (boards, i));
  g_signal_connect (lab, "board-added", G_CALLBACK (on_board_added), r);
  g_signal_connect (r->bus, "connected", G_CALLBACK (on_bus_connected), r);
  restore (r);
  tf_regress_nightly_start (r);
  tf_regress_add_verbs (r);
  tf_regress_publish_status (r);
  tf_regress_dispatch_soon (r);
  return g_steal_pointer (&r);
}

void
tf_regress_free (TfRegress *r)
{
  g_autoptr (GPtrArray) boards = NULL;
  if (r == NULL)
    return;
  r->shutting_down = TRUE;
  if (alive != NULL)
    g_hash_table_remove (alive, r);
  if (r->rpc != NULL)
    tf_rpc_remove_verbs (r->rpc, r);
  g_clear_handle_id (&r->dispatch_id, g_source_remove);
  g_clear_handle_id (&r->publish_id, g_source_remove);
  g_clear_handle_id (&r->nightly_timer, g_source_remove);
  if (r->lab != NULL)
    {
      boards = tf_lab_get_boards (r->lab);
      for (guint i = 0; i < boards->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (boards, i), r);
      g_signal_handlers_disconnect_by_data (r->lab, r);
      g_signal_handlers_disconnect_by_data (r->bus, r);
    }
  /* running jobs stay 'running' in the store: the next start resumes them */
  if (r->work != NULL)
    g_hash_table_unref (r->work);
  if (r->queue != NULL)
    g_ptr_array_unref (r->queue);
  if (r->runs != NULL)
    g_hash_table_unref (r->runs);
  g_clear_pointer (&r->need_check, g_hash_table_unref);
  g_clear_pointer (&r->reported, g_hash_table_unref);
  g_clear_pointer (&r->dirty_runs, g_hash_table_unref);
  g_clear_pointer (&r->free_since, g_hash_table_unref);
  g_clear_pointer (&r->catalogue, tf_catalogue_free);
  g_clear_object (&r->lab);
  g_free (r->prefix);
  g_free (r);
}
