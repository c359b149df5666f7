/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

#include <string.h>

/* Standing plans: a plan with [plan] nightly = HH:MM handed in with
 * `regress schedule` runs every day at that time (UTC) with no one there.
 * One timer, armed for the next plan due; a night the daemon missed (it was
 * down at that time) runs when it comes back, once. The plan file is read
 * again at each run (the stored text when it is gone), so an edit counts. */

static char *
today (gint64 now_us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  return g_date_time_format (t, "%Y-%m-%d");
}

static gint
minute_of_day (gint64 now_us)
{
  return (now_us / G_USEC_PER_SEC % 86400) / 60;
}

static gboolean
on_due (gpointer user_data);

/* Seconds until the next standing plan is due (G_MAXUINT: none). */
static void
arm (TfRegress *r)
{
  g_autoptr (JsonArray) plans = tf_rdb_standing (r->store, NULL);
  gint64 now = g_get_real_time ();
  gint64 secs_today = now / G_USEC_PER_SEC % 86400;
  guint next = G_MAXUINT;
  g_clear_handle_id (&r->nightly_timer, g_source_remove);
  for (guint i = 0; plans != NULL && i < json_array_get_length (plans); i++)
    {
      JsonObject *o = json_array_get_object_element (plans, i);
      gint64 at = json_object_get_int_member (o, "nightly") * 60;
      gint64 wait = at > secs_today ? at - secs_today : at + 86400 - secs_today;
      next = MIN (next, (guint)MAX (wait, 1));
    }
  if (next != G_MAXUINT)
    r->nightly_timer = g_timeout_add_seconds (next, on_due, r);
}

/* Run what is due today and has not run today. */
static void
run_due (TfRegress *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) plans = tf_rdb_standing (r->store, &error);
  gint64 now = g_get_real_time ();
  g_autofree char *day = today (now);
  if (plans == NULL)
    {
      g_warning ("standing plans: %s", error->message);
      return;
    }
  for (guint i = 0; i < json_array_get_length (plans); i++)
    {
      JsonObject *o = json_array_get_object_element (plans, i);
      const char *name = json_object_get_string_member (o, "name");
      const char *path = json_object_get_string_member (o, "plan_path");
      const char *last = json_object_get_string_member_with_default (o, "last_day", NULL);
      g_autofree char *text = NULL;
      g_autofree char *run = NULL;
      g_autoptr (GError) local = NULL;
      gsize len = 0;
      if (g_strcmp0 (last, day) == 0
          || minute_of_day (now) < json_object_get_int_member (o, "nightly"))
        continue;
      /* marked first: a plan that keeps failing to start does not loop */
      if (!tf_rdb_set_standing_day (r->store, name, day, &local))
        {
          g_warning ("standing plan %s: %s", name, local->message);
          continue;
        }
      if (!g_file_get_contents (path, &text, &len, NULL) || len > TF_REGRESS_PLAN_MAX)
        {
          g_free (text);
          text = g_strdup (json_object_get_string_member (o, "plan_text"));
        }
      if (!tf_regress_submit (r, path, text, NULL, NULL, NULL, &run, &local))
        g_warning ("nightly plan %s not started: %s", name, local->message);
      else
        g_message ("nightly plan %s: run %s", name, run);
    }
}

static gboolean
on_due (gpointer user_data)
{
  TfRegress *r = user_data;
  r->nightly_timer = 0;
  run_due (r);
  arm (r);
  return G_SOURCE_REMOVE;
}

void
tf_regress_nightly_start (TfRegress *r)
{
  run_due (r); /* a night missed while the daemon was down */
  arm (r);
}

gboolean
tf_regress_schedule (TfRegress *r, const char *plan_path, const char *plan_text, char **name,
                     GError **error)
{
  TfRegressPlanContext ctx
      = { tf_lab_get_config (r->lab), tf_lab_get_images (r->lab), r->catalogue, FALSE, TRUE };
  g_autoptr (TfRegressPlan) plan
      = tf_regress_plan_load_data (plan_path, plan_text, strlen (plan_text), &ctx, error);
  gint64 now = g_get_real_time ();
  g_autofree char *day = NULL;
  if (plan == NULL)
    return FALSE;
  if (plan->nightly_min < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "%s: [plan] has no 'nightly = HH:MM': nothing to schedule", plan_path);
      return FALSE;
    }
  /* today's time passed already: the first run is tomorrow's */
  if (minute_of_day (now) >= plan->nightly_min)
    day = today (now);
  if (!tf_rdb_put_standing (r->store, plan->name, plan_path, plan_text, plan->nightly_min, day,
                            error))
    return FALSE;
  *name = g_strdup (plan->name);
  arm (r);
  return TRUE;
}

gboolean
tf_regress_unschedule (TfRegress *r, const char *name, GError **error)
{
  gboolean found = FALSE;
  if (!tf_rdb_delete_standing (r->store, name, &found, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no standing plan '%s'", name);
      return FALSE;
    }
  arm (r);
  return TRUE;
}
