/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "testfestctl"

#include "config.h"

#include "testfestctl-regress.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tf-bus.h"
#include "tf-error.h"

/* testfestctl regress: what a CI pipeline runs.
 *   submit --plan P [--image FILE] [--wait] [--junit F] [--json F]
 *   report RUN [--junit F] [--json F]     runs [--plan NAME]
 *   cancel RUN|JOB   status   schedule --plan P   unschedule NAME
 * submit --wait and report exit 0 when every test passed, 1 when a test
 * failed, 2 when an infrastructure error kept a verdict from being reached
 * (and for usage errors), 3 when the broker or the daemon cannot be reached. */

typedef struct
{
  GMainLoop *loop;
  TfBus *bus;
  char *lab;
  char *client_id;
  char *account; /* reply/<account>/... */
  char *company; /* in/<company>/ instead of cmd/ */
  /* the request in flight */
  char *correlation;
  char *reply_topic;
  JsonObject *answer;
  /* submit --wait */
  char *run_topic;
  gboolean run_done;
  char *last_progress;
  int status;
  char *failure;
  guint timer;
} Ctx;

static char *opt_config, *opt_host, *opt_lab, *opt_user, *opt_password_file, *opt_company;
static char *opt_plan, *opt_image, *opt_junit, *opt_json_out, *opt_plan_name, *opt_for;
static int opt_port, opt_timeout = 60, opt_wait_timeout = 24 * 3600;
static gboolean opt_wait;

static JsonObject *
parse_object (GBytes *b)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  gsize len = 0;
  const char *d = g_bytes_get_data (b, &len);
  if (!json_parser_load_from_data (p, d, len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static void
show_progress (Ctx *c, JsonObject *st)
{
  g_autofree char *line
      = g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " jobs done (%" G_GINT64_FORMAT
                         " passed, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT
                         " without a verdict); cases: %" G_GINT64_FORMAT " pass, %" G_GINT64_FORMAT
                         " fail, %" G_GINT64_FORMAT " inconclusive",
                         json_object_get_int_member_with_default (st, "jobs-total", 0)
                             - json_object_get_int_member_with_default (st, "open", 0),
                         json_object_get_int_member_with_default (st, "jobs-total", 0),
                         json_object_get_int_member_with_default (st, "passed", 0),
                         json_object_get_int_member_with_default (st, "failed", 0),
                         json_object_get_int_member_with_default (st, "incomplete", 0)
                             + json_object_get_int_member_with_default (st, "cancelled", 0),
                         json_object_get_int_member_with_default (st, "pass", 0),
                         json_object_get_int_member_with_default (st, "fail", 0),
                         json_object_get_int_member_with_default (st, "inconclusive", 0));
  if (g_strcmp0 (line, c->last_progress) != 0)
    g_printerr ("%s\n", line);
  g_free (c->last_progress);
  c->last_progress = g_steal_pointer (&line);
}

static void
on_message (TfBus *bus, const TfBusMessage *m, Ctx *c)
{
  g_autoptr (JsonObject) o = NULL;
  if (c->run_topic != NULL && g_strcmp0 (m->topic, c->run_topic) == 0)
    {
      JsonObject *run;
      o = parse_object (m->payload);
      if (o == NULL)
        return;
      show_progress (c, o);
      run = json_object_get_object_member (o, "run");
      if (run != NULL && g_strcmp0 (json_object_get_string_member (run, "state"), "running") != 0)
        {
          c->run_done = TRUE;
          g_main_loop_quit (c->loop);
        }
      return;
    }
  if (c->reply_topic == NULL || g_strcmp0 (m->topic, c->reply_topic) != 0 || m->correlation == NULL
      || g_bytes_get_size (m->correlation) != strlen (c->correlation)
      || memcmp (g_bytes_get_data (m->correlation, NULL), c->correlation, strlen (c->correlation))
             != 0)
    return;
  c->answer = parse_object (m->payload);
  if (c->answer == NULL)
    {
      c->failure = g_strdup ("testfestd answered something that is not a JSON object");
      c->status = 3;
    }
  g_main_loop_quit (c->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Ctx *c = user_data;
  c->timer = 0;
  c->failure = g_strdup ("no answer from testfestd in time (is it running?)");
  c->status = 3;
  g_main_loop_quit (c->loop);
  return G_SOURCE_REMOVE;
}

/* Run the loop until @c->loop is quit or @seconds pass. */
static void
run_for (Ctx *c, guint seconds)
{
  c->timer = g_timeout_add_seconds (seconds, on_timeout, c);
  g_main_loop_run (c->loop);
  g_clear_handle_id (&c->timer, g_source_remove);
}

/* One request and its answer; NULL (and c->status) when none came. */
static JsonObject *
request (Ctx *c, const char *verb, JsonNode *args)
{
  g_autofree char *payload = json_to_string (args, FALSE);
  g_autofree char *topic = c->company ? g_strdup_printf ("tf/%s/in/%s/%s", c->lab, c->company, verb)
                                      : g_strdup_printf ("tf/%s/cmd/%s", c->lab, verb);
  g_autoptr (GError) error = NULL;
  JsonObject *ans;
  g_free (c->correlation);
  c->correlation = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  while (!tf_bus_is_connected (c->bus) && c->status == 0)
    run_for (c, opt_timeout); /* quit by "connected" */
  if (c->status != 0)
    return NULL;
  if (!tf_bus_request (c->bus, topic, payload, c->reply_topic, c->correlation, &error))
    {
      c->failure = g_strdup (error->message);
      c->status = 3;
      return NULL;
    }
  run_for (c, opt_timeout);
  ans = g_steal_pointer (&c->answer);
  if (ans != NULL && !json_object_get_boolean_member_with_default (ans, "ok", FALSE))
    {
      g_printerr ("testfestctl: %s: %s\n", verb,
                  json_object_get_string_member_with_default (ans, "error", "refused"));
      json_object_unref (ans);
      c->status = 1;
      return NULL;
    }
  return ans;
}

static void
on_connected (TfBus *bus, Ctx *c)
{
  if (g_main_loop_is_running (c->loop))
    g_main_loop_quit (c->loop);
}

static gboolean
load_settings (TfBusOptions *bo, Ctx *c, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  const char *path = opt_config != NULL ? opt_config : TF_SYSCONFDIR "/lab.conf";
  if ((g_file_test (path, G_FILE_TEST_EXISTS) || opt_config != NULL)
      && !g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  c->lab = opt_lab ? g_strdup (opt_lab) : g_key_file_get_string (kf, "lab", "name", NULL);
  if (c->lab == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "no lab name: give --config LAB.conf or --lab NAME");
      return FALSE;
    }
  bo->host = opt_host ? g_strdup (opt_host) : g_key_file_get_string (kf, "broker", "host", NULL);
  if (bo->host == NULL)
    bo->host = g_strdup ("127.0.0.1");
  bo->port = opt_port > 0 ? opt_port : g_key_file_get_integer (kf, "broker", "port", NULL);
  if (bo->port == 0)
    bo->port = 1883;
  bo->user = g_strdup (opt_user);
  if (opt_user != NULL && opt_password_file == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "--user needs --password-file");
      return FALSE;
    }
  if (opt_password_file != NULL)
    {
      char *nl;
      if (!g_file_get_contents (opt_password_file, &bo->password, NULL, error))
        return FALSE;
      if ((nl = strchr (bo->password, '\n')) != NULL)
        *nl = '\0';
    }
  bo->keepalive_s = 30;
  return TRUE;
}

static JsonNode *
args_of (const char *k1, const char *v1, const char *k2, const char *v2)
{
  JsonObject *o = json_object_new ();
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  if (k1 != NULL && v1 != NULL)
    json_object_set_string_member (o, k1, v1);
  if (k2 != NULL && v2 != NULL)
    json_object_set_string_member (o, k2, v2);
  json_node_take_object (n, o);
  return n;
}

static gboolean
write_out (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  if (g_file_set_contents (path, text, -1, &error))
    return TRUE;
  g_printerr ("testfestctl: %s\n", error->message);
  return FALSE;
}

/* The report of @run: summary printed, --junit and --json written; the exit status. */
static int
report (Ctx *c, const char *run)
{
  g_autoptr (JsonNode) args = args_of ("run", run, NULL, NULL);
  g_autoptr (JsonObject) ans = NULL;
  JsonObject *rep;
  JsonArray *findings[3];
  static const char *const kinds[] = { "regressions", "fixed", "flaky" };
  if (opt_junit != NULL)
    {
      g_autoptr (JsonObject) j = request (c, "regress-junit", args);
      if (j == NULL || !write_out (opt_junit, json_object_get_string_member (j, "junit")))
        return c->status ? c->status : 2;
    }
  ans = request (c, "regress-report", args);
  if (ans == NULL)
    return c->status ? c->status : 3;
  rep = json_object_get_object_member (ans, "report");
  if (opt_json_out != NULL)
    {
      g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      json_node_set_object (n, rep);
      text = json_to_string (n, TRUE);
      if (!write_out (opt_json_out, text))
        return 2;
    }
  for (guint k = 0; k < 3; k++)
    {
      findings[k] = json_object_get_array_member (rep, kinds[k]);
      for (guint i = 0; findings[k] != NULL && i < json_array_get_length (findings[k]); i++)
        {
          JsonObject *f = json_array_get_object_element (findings[k], i);
          g_print ("%s: %s / %s on %s: %s\n", kinds[k], json_object_get_string_member (f, "suite"),
                   json_object_get_string_member (f, "case"),
                   json_object_get_string_member (f, "image"),
                   json_object_get_string_member (f, "why"));
        }
    }
  g_print ("run %s: %s\n", run, json_object_get_string_member (rep, "summary"));
  return json_object_get_int_member (rep, "exit");
}

/* A standing plan: the daemon runs it every night at its [plan] nightly time. */
static int
schedule (Ctx *c)
{
  g_autofree char *plan_path = g_canonicalize_filename (opt_plan, NULL);
  g_autofree char *plan_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) args = NULL;
  g_autoptr (JsonObject) ans = NULL;
  if (!g_file_get_contents (plan_path, &plan_text, NULL, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  args = args_of ("plan-path", plan_path, "plan", plan_text);
  ans = request (c, "regress-schedule", args);
  if (ans == NULL)
    return c->status == 1 ? 2 : c->status ? c->status : 3;
  g_print ("plan %s runs every night\n", json_object_get_string_member (ans, "plan"));
  return 0;
}

static int
submit (Ctx *c)
{
  g_autofree char *plan_text = NULL, *plan_path = NULL, *image_path = NULL, *sha = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) ans = NULL;
  JsonObject *o = json_object_new ();
  g_autoptr (JsonNode) args = json_node_new (JSON_NODE_OBJECT);
  const char *run;
  gsize len = 0;

  plan_path = g_canonicalize_filename (opt_plan, NULL);
  if (!g_file_get_contents (plan_path, &plan_text, &len, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      json_object_unref (o);
      return 2;
    }
  json_object_set_string_member (o, "plan-path", plan_path);
  json_object_set_string_member (o, "plan", plan_text);
  if (opt_for != NULL)
    json_object_set_string_member (o, "company", opt_for);
  if (opt_image != NULL)
    {
      g_autofree char *data = NULL;
      image_path = g_canonicalize_filename (opt_image, NULL);
      if (!g_file_get_contents (image_path, &data, &len, &error))
        {
          g_printerr ("testfestctl: %s\n", error->message);
          json_object_unref (o);
          return 2;
        }
      /* the daemon reads the file again and refuses it unless it is this one */
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
      json_object_set_string_member (o, "image-path", image_path);
      json_object_set_string_member (o, "image-sha256", sha);
    }
  json_node_take_object (args, o);
  ans = request (c, "regress-submit", args);
  if (ans == NULL)
    return c->status == 1 ? 2 : c->status ? c->status : 3; /* a refused plan: nothing ran */
  run = json_object_get_string_member (ans, "run");
  g_print ("run %s: %" G_GINT64_FORMAT " jobs queued\n", run,
           json_object_get_int_member (ans, "jobs"));
  if (!opt_wait)
    return 0;
  c->run_topic = g_strdup_printf ("tf/%s/regress/run/%s", c->lab, run);
  tf_bus_subscribe (c->bus, c->run_topic);
  run_for (c, opt_wait_timeout);
  if (!c->run_done)
    {
      g_printerr ("testfestctl: run %s did not end within %d s\n", run, opt_wait_timeout);
      return 2;
    }
  c->status = 0;
  return report (c, run);
}

gboolean
tf_ctl_is_regress (int argc, char **argv)
{
  static const char *const flags[]
      = { "-j", "--json", "--csv", "-w", "--wait", "-h", "--help", NULL };
  for (int i = 1; i < argc; i++)
    {
      if (argv[i][0] != '-')
        return g_str_equal (argv[i], "regress");
      if (strchr (argv[i], '=') == NULL && !g_strv_contains (flags, argv[i]))
        i++; /* the option's value */
    }
  return FALSE;
}

int
tf_ctl_regress (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, "Lab file (lab name and broker)",
      "FILE" },
    { "lab", 0, 0, G_OPTION_ARG_STRING, &opt_lab, "Lab name", "NAME" },
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &opt_host, "Broker host", "HOST" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "Broker port", "PORT" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &opt_user, "Broker user", "USER" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "File holding the password",
      "FILE" },
    { "company", 0, 0, G_OPTION_ARG_STRING, &opt_company, "Act as this company (its runs only)",
      "ID" },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds to wait for an answer (60)",
      "S" },
    { "plan", 0, 0, G_OPTION_ARG_FILENAME, &opt_plan, "submit: the regression plan", "FILE" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &opt_image,
      "submit: the firmware to test instead of the plan's images", "FILE" },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &opt_wait, "submit: wait for the verdict", NULL },
    { "for-company", 0, 0, G_OPTION_ARG_STRING, &opt_for,
      "submit: a company's build (that company may see the run)", "ID" },
    { "wait-timeout", 0, 0, G_OPTION_ARG_INT, &opt_wait_timeout,
      "submit --wait: give up after S seconds (exit 2)", "S" },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &opt_junit, "Write JUnit XML", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &opt_json_out, "Write the report as JSON", "FILE" },
    { "plan-name", 0, 0, G_OPTION_ARG_STRING, &opt_plan_name, "runs: only this plan's", "NAME" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "regress COMMAND - nightly regression and CI on the board farm\n\n"
      "  submit --plan P [--image FILE] [--wait] [--junit F] [--json F]\n"
      "  report RUN [--junit F] [--json F]\n"
      "  runs [--plan-name NAME] | cancel RUN|JOB | status\n"
      "  schedule --plan P        run P every night at its [plan] nightly = HH:MM (UTC)\n"
      "  unschedule NAME\n\n"
      "submit --wait and report exit 0 (all passed), 1 (a test failed), 2 (an infrastructure\n"
      "error kept a verdict from being reached, or a usage error), 3 (no broker or daemon)");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = NULL;
  TfBusOptions bo = { 0 };
  Ctx c = { 0 };
  const char *cmd;
  int status;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  cmd = argc >= 3 ? argv[2] : NULL;
  if (cmd == NULL
      || !(((g_str_equal (cmd, "submit") || g_str_equal (cmd, "schedule")) && argc == 3
            && opt_plan != NULL)
           || (g_str_equal (cmd, "unschedule") && argc == 4)
           || ((g_str_equal (cmd, "report") || g_str_equal (cmd, "cancel")) && argc == 4)
           || ((g_str_equal (cmd, "runs") || g_str_equal (cmd, "status")) && argc == 3)))
    {
      g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
      g_printerr ("%s", help);
      return 2;
    }
  if (!load_settings (&bo, &c, &error))
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 2;
    }
  c.client_id = g_strdup_printf ("testfestctl-%d-%08x", getpid (), g_random_int ());
  bo.client_id = c.client_id;
  c.company = g_strdup (opt_company);
  c.account = g_strdup (opt_company ? opt_company : opt_user ? opt_user : "staff");
  c.reply_topic = g_strdup_printf ("tf/%s/reply/%s/%s", c.lab, c.account, c.client_id);
  bus = tf_bus_new (&bo, &error);
  if (bus == NULL)
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 3;
    }
  c.bus = bus;
  c.loop = g_main_loop_new (NULL, FALSE);
  tf_bus_subscribe (bus, c.reply_topic);
  g_signal_connect (bus, "connected", G_CALLBACK (on_connected), &c);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &c);
  tf_bus_start (bus);

  if (g_str_equal (cmd, "submit"))
    status = submit (&c);
  else if (g_str_equal (cmd, "schedule"))
    status = schedule (&c);
  else if (g_str_equal (cmd, "report"))
    status = report (&c, argv[3]);
  else
    {
      g_autoptr (JsonNode) args = g_str_equal (cmd, "cancel") ? args_of ("id", argv[3], NULL, NULL)
                                  : g_str_equal (cmd, "unschedule")
                                      ? args_of ("plan", argv[3], NULL, NULL)
                                      : args_of ("plan", opt_plan_name, NULL, NULL);
      g_autofree char *verb = g_strdup_printf ("regress-%s", cmd);
      g_autoptr (JsonObject) ans = request (&c, verb, args);
      if (ans != NULL)
        {
          g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);
          g_autofree char *text = NULL;
          json_node_set_object (n, ans);
          text = json_to_string (n, TRUE);
          g_print ("%s\n", text);
        }
      status = ans != NULL ? 0 : c.status ? c.status : 3;
    }
  if (c.failure != NULL)
    g_printerr ("testfestctl: %s\n", c.failure);
  tf_bus_shutdown (bus, NULL, NULL, 200);
  g_main_loop_unref (c.loop);
  g_free (c.lab);
  g_free (c.client_id);
  g_free (c.account);
  g_free (c.company);
  g_free (c.correlation);
  g_free (c.reply_topic);
  g_free (c.run_topic);
  g_free (c.last_progress);
  g_free (c.failure);
  g_free (bo.host);
  g_free (bo.user);
  g_free (bo.password);
  return status;
}
