/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tf-ets-run-util.h"

char *
tf_ets_tool (const char *name)
{
  return g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tools", name, NULL);
}

guint16
tf_ets_free_udp_port (void)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_assert_true (g_socket_bind (s, a, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
tf_ets_result_clear (TfEtsResult *r)
{
  g_clear_pointer (&r->root, json_node_unref);
  g_clear_pointer (&r->err, g_free);
}

const char *
tf_ets_member (TfEtsResult *r, const char *name)
{
  JsonObject *o = json_node_get_object (r->root);
  return json_object_get_string_member_with_default (o, name, NULL);
}

char *
tf_ets_node_dir (void)
{
  return g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "lwm2m", "interop", "node_modules",
                           NULL);
}

/* @client_args NULL or quirks for tf-lwm2m-client; "node" for lwm2m-node-lib's client. */
GSubprocess *
tf_ets_spawn_case (const char *version, gint id, const char *client_args, const char *extra,
                   GError **error)
{
  g_autofree char *runner = tf_ets_tool ("tf-ets-run");
  g_autofree char *client = tf_ets_tool ("tf-lwm2m-client");
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", tf_ets_free_udp_port ());
  g_autofree char *node_js
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", "node-ets-client.js", NULL);
  g_autofree char *modules = tf_ets_node_dir ();
  gboolean node = g_strcmp0 (client_args, "node") == 0;
  /* the lab's provisioning for the case: the bootstrap server for the bootstrap cases, queue
   * mode for 108 and 109 (listening 3 s after each exchange, the runner told so), the PSK for
   * 1 and 401 */
  gboolean bs = id == 0 || id == 1 || id == 4 || id == 5 || id == 7 || id == 8 || id == 9;
  gboolean psk = id == 1 || id == 401;
  g_autofree char *cmd
      = node
            ? g_strdup_printf ("env NODE_PATH=%s node %s {server_uri} {endpoint}", modules, node_js)
            : g_strdup_printf ("%s --start --endpoint {endpoint} --%s {server_uri} %s"
                               "--lifetime 30 --lwm2m %s %s",
                               client, bs ? "bootstrap" : "server",
                               psk         ? "--psk-id {psk_id} --psk-key {psk_key} "
                               : id == 108 ? "--queue "
                               : id == 109 ? "--queue --queue-window 3 "
                                           : "",
                               version, client_args != NULL ? client_args : "");
  g_autofree char *case_s = g_strdup_printf ("%d", id);
  g_autofree char *ep = g_strdup_printf ("ets-%s-%d", version, id);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) extras = g_strsplit (extra != NULL ? extra : "", " ", -1);
  g_ptr_array_add (argv, runner);
  g_ptr_array_add (argv, "--ets");
  g_ptr_array_add (argv, (char *)version);
  g_ptr_array_add (argv, "--case");
  g_ptr_array_add (argv, case_s);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, listen);
  g_ptr_array_add (argv, "--endpoint");
  g_ptr_array_add (argv, ep);
  g_ptr_array_add (argv, "--client-cmd");
  g_ptr_array_add (argv, cmd);
  if (psk)
    {
      g_ptr_array_add (argv, "--psk-id");
      g_ptr_array_add (argv, "lab-psk");
      g_ptr_array_add (argv, "--psk-key");
      g_ptr_array_add (argv, "000102030405060708090a0b0c0d0e0f");
    }
  if (id == 109)
    {
      g_ptr_array_add (argv, "--queue-window");
      g_ptr_array_add (argv, "3");
    }
  for (guint i = 0; extras[i] != NULL; i++)
    if (*extras[i] != '\0')
      g_ptr_array_add (argv, extras[i]);
  g_ptr_array_add (argv, NULL);
  return g_subprocess_newv ((const char *const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

void
tf_ets_finish (GSubprocess *p, TfEtsResult *r)
{
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &r->err, &error));
  g_assert_no_error (error);
  r->status = g_subprocess_get_exit_status (p);
  r->root = json_from_string (out, &error);
  if (r->root == NULL)
    g_error ("no JSON from tf-ets-run (%d): %s\n%s", r->status, out, r->err);
}

void
tf_ets_run_case (const char *version, gint id, const char *client_args, const char *extra,
                 TfEtsResult *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = tf_ets_spawn_case (version, id, client_args, extra, &error);
  g_assert_no_error (error);
  tf_ets_finish (p, r);
}

/* The client cases a catalogue says tf-ets-run decides. */
GArray *
tf_ets_automated_cases (const char *version)
{
  g_autofree char *file = g_strdup_printf ("lwm2m-%s-int.conf", version);
  g_autofree char *path = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", file, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint));
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *a = g_key_file_get_string (kf, groups[i], "automated", NULL);
      if (a != NULL && (g_str_equal (a, "client") || g_str_equal (a, "both")))
        {
          gint id = (gint)g_ascii_strtoll (groups[i] + 5, NULL, 10);
          g_array_append_val (ids, id);
        }
    }
  return ids;
}

#define FAIL_ROWS_PARALLEL 3
#define FAIL_ROW_BOUND_S 240

typedef struct
{
  const TfEtsFailRow *row;
  GSubprocess *p;
  guint deadline;
  gboolean timed_out;
  TfEtsResult r;
  guint *running;
} FailRun;

static gboolean
on_fail_run_deadline (gpointer data)
{
  FailRun *c = data;
  c->deadline = 0;
  c->timed_out = TRUE;
  g_subprocess_force_exit (c->p);
  return G_SOURCE_REMOVE;
}

static void
on_fail_run_done (GObject *source, GAsyncResult *res, gpointer data)
{
  FailRun *c = data;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &out, &c->r.err, &error))
    g_test_message ("%s %d: %s", c->row->version, c->row->id, error->message);
  c->r.status = g_subprocess_get_if_exited (c->p) ? g_subprocess_get_exit_status (c->p) : -1;
  c->r.root = out != NULL ? json_from_string (out, NULL) : NULL;
  if (c->r.root != NULL && !JSON_NODE_HOLDS_OBJECT (c->r.root))
    g_clear_pointer (&c->r.root, json_node_unref);
  if (c->deadline != 0)
    g_source_remove (c->deadline);
  c->deadline = 0;
  (*c->running)--;
}

static void
fail_run_start (FailRun *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *args = g_strdup_printf ("%s%s %s", c->row->quirk != NULL ? "--quirk " : "",
                                           c->row->quirk != NULL ? c->row->quirk : "",
                                           c->row->client != NULL ? c->row->client : "");
  c->p = tf_ets_spawn_case (c->row->version, c->row->id, args, c->row->runner, &error);
  g_assert_no_error (error);
  (*c->running)++;
  g_subprocess_communicate_utf8_async (c->p, NULL, NULL, on_fail_run_done, c);
  c->deadline = g_timeout_add_seconds (FAIL_ROW_BOUND_S, on_fail_run_deadline, c);
}

void
tf_ets_assert_fail_rows (const TfEtsFailRow *rows, guint n)
{
  g_autofree FailRun *runs = g_new0 (FailRun, n);
  const char *only = g_getenv ("TF_QUIRK_ROWS");
  guint running = 0, next = 0, bad = 0;
  /* every case ends: each runner is bounded by FAIL_ROW_BOUND_S, then killed */
  while (next < n || running > 0)
    {
      while (next < n && running < FAIL_ROWS_PARALLEL)
        {
          g_autofree char *key = g_strdup_printf ("%s:%d", rows[next].version, rows[next].id);
          runs[next].row = &rows[next];
          runs[next].running = &running;
          if (only == NULL || strstr (only, key) != NULL)
            fail_run_start (&runs[next]);
          next++;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  for (guint i = 0; i < n; i++)
    {
      FailRun *c = &runs[i];
      const char *verdict, *crit, *reason;
      gboolean ok;
      if (c->p == NULL)
        continue;
      verdict = c->r.root != NULL ? tf_ets_member (&c->r, "verdict")
                                  : (c->timed_out ? "timeout" : "(no JSON)");
      crit = c->r.root != NULL ? tf_ets_member (&c->r, "criterion") : NULL;
      reason = c->r.root != NULL ? tf_ets_member (&c->r, "reason") : NULL;
      ok = !c->timed_out && c->r.root != NULL && c->r.status == 1
           && g_strcmp0 (verdict, "fail") == 0 && g_strcmp0 (crit, c->row->criterion) == 0
           && reason != NULL
           && strstr (reason, c->row->reason) != NULL
           /* the message that broke it is the evidence */
           && (c->row->no_message
               || json_object_has_member (json_node_get_object (c->r.root), "message"));
      g_test_message (
          "%s%s %d with %s %s: exit %d, %s %s: %s", ok ? "" : "WRONG: ", c->row->version,
          c->row->id, c->row->quirk ? c->row->quirk : "", c->row->client ? c->row->client : "",
          c->r.status, verdict, crit != NULL ? crit : "-", reason != NULL ? reason : "");
      if (!ok)
        {
          g_printerr ("%s %d: want Fail %s \"%s\"\n", c->row->version, c->row->id,
                      c->row->criterion, c->row->reason);
          bad++;
        }
      tf_ets_result_clear (&c->r);
      g_clear_object (&c->p);
    }
  g_assert_cmpuint (bad, ==, 0);
}
