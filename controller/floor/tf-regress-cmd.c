/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-json.h"
#include "tf-regress-private.h"

#include <string.h>

/* The queue's verbs on core's TfRpc. Staff (cmd/): regress-submit (with
 * "company": a company's build, which that company may then see),
 * regress-runs, regress-report, regress-junit, regress-cancel,
 * regress-status, regress-schedule, regress-unschedule (standing plans).
 * A company (in/<company>/): regress-runs, regress-report, regress-junit,
 * for the runs submitted for it only. Companies do not submit: a plan names
 * scripts and an image file on the lab host, which is staff's to vet.
 * Retained: regress/status (queue, board health, boards staff should look
 * at), regress/run/<id> (a run's progress; its report without cases once
 * done), and a company's runs also under private/<company>/regress/run/<id>. */

/* Evidence in a reply is the end of each case's output: the reply stays
 * below the broker's packet limit. */
#define REPLY_OUTPUT_MAX 2048
#define REPLY_CASES_MAX 400

static gboolean
visible (TfRpcRequest *req, JsonObject *run)
{
  const char *company = tf_rpc_request_get_company (req);
  return company == NULL || g_strcmp0 (company, tf_json_get_string (run, "company")) == 0;
}

static void
on_submit (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfRegress *r = user_data;
  const char *path = NULL, *plan = NULL, *image = NULL, *sha = NULL, *company = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *run_id = NULL;
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);

  if (!tf_json_read_string (args, "plan-path", TRUE, 4096, &path, &error)
      || !tf_json_read_string (args, "plan", TRUE, TF_REGRESS_PLAN_MAX, &plan, &error)
      || !tf_json_read_string (args, "image-path", FALSE, 4096, &image, &error)
      || !tf_json_read_string (args, "image-sha256", FALSE, 64, &sha, &error)
      || !tf_json_read_id (args, "company", FALSE, 64, &company, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  if (image != NULL && (sha == NULL || !g_path_is_absolute (image)))
    {
      tf_rpc_request_fail (req, "image-path must be absolute and come with image-sha256");
      return;
    }
  if (!g_path_is_absolute (path))
    {
      tf_rpc_request_fail (req, "plan-path must be absolute");
      return;
    }
  /* staff hand in a company's build for it (its CI through the lab's
   * pipeline): the company then sees that run, and only its own */
  if (!tf_regress_submit (r, path, plan, image, sha, company, &run_id, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  json_object_set_string_member (o, "run", run_id);
  {
    g_autoptr (GPtrArray) jobs = tf_rdb_jobs (r->store, run_id, NULL);
    json_object_set_int_member (o, "jobs", jobs ? jobs->len : 0);
  }
  json_node_set_object (n, o);
  tf_rpc_request_reply (req, n);
}

static void
on_runs (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfRegress *r = user_data;
  const char *plan = NULL;
  gint64 limit = 50;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) runs = NULL;
  JsonArray *out = json_array_new ();
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);

  if (!tf_json_read_id (args, "plan", FALSE, 64, &plan, &error)
      || !tf_json_read_int (args, "limit", FALSE, 1, 500, &limit, &error)
      || (runs = tf_rdb_runs (r->store, plan, limit, &error)) == NULL)
    {
      json_array_unref (out);
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      if (visible (req, run))
        json_array_add_object_element (out, json_object_ref (run));
    }
  json_object_set_array_member (o, "runs", out);
  json_node_set_object (n, o);
  tf_rpc_request_reply (req, n);
}

/* The run the request names, if the asker may see it. */
static JsonObject *
need_report (TfRegress *r, TfRpcRequest *req, JsonObject *args, gboolean output)
{
  const char *id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) run = NULL;
  JsonObject *report;
  if (!tf_json_read_string (args, "run", TRUE, 200, &id, &error)
      || (run = tf_rdb_run (r->store, id, &error)) == NULL)
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return NULL;
    }
  if (!visible (req, run))
    {
      tf_rpc_request_fail (req, "no run '%s'", id);
      return NULL;
    }
  report = tf_regress_report (r->store, id, output, TRUE, &error);
  if (report == NULL)
    tf_rpc_request_fail (req, "%s", error->message);
  return report;
}

/* Bound what a reply carries: the newest cases, the end of each output. */
static void
trim (JsonObject *report)
{
  JsonArray *cases = json_object_get_array_member (report, "cases");
  guint n = json_array_get_length (cases);
  while (n > REPLY_CASES_MAX)
    json_array_remove_element (cases, 0), n--;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *out = tf_json_get_string (c, "output");
      if (out != NULL && strlen (out) > REPLY_OUTPUT_MAX)
        {
          const char *cut = out + strlen (out) - REPLY_OUTPUT_MAX;
          while (((guchar)*cut & 0xC0) == 0x80)
            cut++;
          g_autofree char *end = g_strdup (cut);
          json_object_set_string_member (c, "output", end);
        }
    }
  json_object_set_boolean_member (report, "trimmed", TRUE);
}

static void
on_report (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  gboolean output = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  if (!tf_json_read_bool (args, "output", FALSE, &output, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  report = need_report (user_data, req, args, output);
  if (report == NULL)
    return;
  trim (report);
  json_object_set_object_member (o, "report", g_steal_pointer (&report));
  json_node_set_object (n, o);
  tf_rpc_request_reply (req, n);
}

static void
on_junit (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  g_autoptr (JsonObject) report = need_report (user_data, req, args, TRUE);
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  if (report == NULL)
    return;
  trim (report);
  json_object_set_string_member (o, "junit", tf_regress_junit (report));
  json_object_set_string_member (o, "summary", json_object_get_string_member (report, "summary"));
  json_object_set_int_member (o, "exit", json_object_get_int_member (report, "exit"));
  json_node_set_object (n, o);
  tf_rpc_request_reply (req, n);
}

static void
on_cancel (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfRegress *r = user_data;
  const char *id = NULL;
  g_autoptr (GError) error = NULL;
  if (!tf_json_read_string (args, "id", TRUE, 200, &id, &error)
      || !tf_regress_cancel (r, id, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  tf_rpc_request_reply (req, NULL);
}

static void
on_schedule (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfRegress *r = user_data;
  const char *path = NULL, *plan = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  if (!tf_json_read_string (args, "plan-path", TRUE, 4096, &path, &error)
      || !tf_json_read_string (args, "plan", TRUE, TF_REGRESS_PLAN_MAX, &plan, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  if (!g_path_is_absolute (path))
    {
      tf_rpc_request_fail (req, "plan-path must be absolute");
      return;
    }
  if (!tf_regress_schedule (r, path, plan, &name, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  json_object_set_string_member (o, "plan", name);
  json_object_set_array_member (o, "standing", tf_rdb_standing (r->store, NULL));
  json_node_set_object (n, o);
  tf_rpc_request_reply (req, n);
}

static void
on_unschedule (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  const char *name = NULL;
  g_autoptr (GError) error = NULL;
  if (!tf_json_read_id (args, "plan", TRUE, 64, &name, &error)
      || !tf_regress_unschedule (user_data, name, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  tf_rpc_request_reply (req, NULL);
}

static JsonNode *
status_json (TfRegress *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint queued = 0, running = 0;
  for (guint i = 0; i < r->queue->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (r->queue, i);
      queued += g_strcmp0 (j->state, "queued") == 0;
      running += g_strcmp0 (j->state, "running") == 0;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "queued");
  json_builder_add_int_value (b, queued);
  json_builder_set_member_name (b, "running");
  json_builder_add_int_value (b, running);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  {
    g_autoptr (GList) ids = g_hash_table_get_keys (r->runs);
    for (GList *l = ids; l != NULL; l = l->next)
      json_builder_add_string_value (b, l->data);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "jobs-started");
  json_builder_add_int_value (b, r->jobs_started);
  json_builder_set_member_name (b, "latency-mean-us");
  json_builder_add_int_value (b, r->jobs_started ? r->latency_sum_us / r->jobs_started : 0);
  json_builder_set_member_name (b, "latency-max-us");
  json_builder_add_int_value (b, r->latency_max_us);
  json_builder_set_member_name (b, "boards");
  json_builder_add_value (b, tf_regress_health_json (r));
  /* board health over time: the latest checks, newest first */
  json_builder_set_member_name (b, "health-log");
  {
    g_autoptr (JsonArray) log = tf_rdb_health_log (r->store, 200, NULL);
    JsonNode *n = json_node_new (JSON_NODE_ARRAY);
    json_node_set_array (n, log != NULL ? log : json_array_new ());
    json_builder_add_value (b, n);
  }
  json_builder_set_member_name (b, "staff-attention");
  json_builder_begin_array (b);
  {
    g_autoptr (GList) ids = g_hash_table_get_keys (r->reported);
    for (GList *l = ids; l != NULL; l = l->next)
      json_builder_add_string_value (b, l->data);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
on_status (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  g_autoptr (JsonNode) st = status_json (user_data);
  tf_rpc_request_reply (req, st);
}

void
tf_regress_publish_status (TfRegress *r)
{
  g_autoptr (JsonNode) st = status_json (r);
  g_autofree char *topic = g_strdup_printf ("%sregress/status", r->prefix);
  g_autofree char *payload = json_to_string (st, FALSE);
  tf_bus_publish (r->bus, topic, payload, strlen (payload), TRUE, NULL);
}

/* A run's progress: small (no cases), for dashboards and `submit --wait`. */
static void
publish_run (TfRegress *r, const char *id)
{
  /* compared with the earlier runs once it ended; counts only while it runs */
  g_autoptr (JsonObject) report
      = tf_regress_report (r->store, id, FALSE, tf_regress_run (r, id) == NULL, NULL);
  g_autofree char *topic = g_strdup_printf ("%sregress/run/%s", r->prefix, id);
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *payload = NULL;
  if (report == NULL)
    return;
  const char *company;
  json_object_remove_member (report, "cases");
  company = tf_json_get_string (json_object_get_object_member (report, "run"), "company");
  json_node_set_object (n, report);
  payload = json_to_string (n, FALSE);
  tf_bus_publish (r->bus, topic, payload, strlen (payload), TRUE, NULL);
  /* a company's own runs also where only it (and staff) can read */
  if (company != NULL)
    {
      g_autofree char *priv
          = g_strdup_printf ("%sprivate/%s/regress/run/%s", r->prefix, company, id);
      tf_bus_publish (r->bus, priv, payload, strlen (payload), TRUE, NULL);
    }
}

static gboolean
publish_idle (gpointer user_data)
{
  TfRegress *r = user_data;
  GHashTableIter it;
  const char *id;
  r->publish_id = 0;
  g_hash_table_iter_init (&it, r->dirty_runs);
  while (g_hash_table_iter_next (&it, (gpointer *)&id, NULL))
    publish_run (r, id);
  g_hash_table_remove_all (r->dirty_runs);
  tf_regress_publish_status (r);
  return G_SOURCE_REMOVE;
}

void
tf_regress_publish_soon (TfRegress *r, const char *run_id)
{
  if (r->shutting_down)
    return;
  g_hash_table_add (r->dirty_runs, g_strdup (run_id));
  /* coalesced: a busy queue publishes once per main loop turn, not per case */
  if (r->publish_id == 0)
    r->publish_id = g_timeout_add (200, publish_idle, r);
}

void
tf_regress_add_verbs (TfRegress *r)
{
  static const struct
  {
    const char *verb;
    TfRpcFunc func;
    gboolean company;
  } verbs[] = {
    { "regress-submit", on_submit, TRUE },      { "regress-runs", on_runs, TRUE },
    { "regress-report", on_report, TRUE },      { "regress-junit", on_junit, TRUE },
    { "regress-cancel", on_cancel, FALSE },     { "regress-status", on_status, FALSE },
    { "regress-schedule", on_schedule, FALSE }, { "regress-unschedule", on_unschedule, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      tf_rpc_add_verb (r->rpc, TF_RPC_STAFF, verbs[i].verb, verbs[i].func, r);
      if (verbs[i].company)
        tf_rpc_add_verb (r->rpc, TF_RPC_COMPANY, verbs[i].verb, verbs[i].func, r);
    }
}
