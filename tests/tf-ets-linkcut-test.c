/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every case tf-ets-run decides for a client (1.1 and 1.0), run against tf-lwm2m-client with
 * the link cut once the client has registered (its process stopped: a link that carries
 * nothing), and every bootstrap case again with the link cut once the client's
 * Bootstrap-Request is accepted, over plain UDP and DTLS: Inconclusive as the
 * infrastructure's, never a Fail (issue 15). Cases run four at a time, each bounded. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "tf-ets-run-util.h"

/* Not cut at the registration, decided before or by it (nothing after it to cut: the verdict
 * is in before the cut lands, a Pass there says nothing about the cut, all seen to Pass so).
 * 0, 7, 8 and 9 are cut in the middle of their bootstrap instead (as every bootstrap case is);
 * 101 is not cut at all: its criteria are the Register and its answer, both in before the
 * runner says "registered", and it has no bootstrap. */
static const struct
{
  gint id;
  const char *reason;
} not_cut[] = {
  { 0, "Client Initiated Bootstrap: cut during the bootstrap (the Register after it decides)" },
  { 7, "Fallback to bootstrap: cut during the bootstrap (the second one and its Register decide)" },
  { 8, "Bootstrap Read: cut during the bootstrap (the Register after it decides)" },
  { 9, "Bootstrap and Configuration Consistency: cut during the bootstrap (no Register)" },
  { 101, "Register: decided by the Register and its answer alone, no bootstrap to cut" },
};

#define REGISTERED "tf-ets-run: client registered"
#define BOOTSTRAPPING "tf-ets-run: client bootstrapping"
/* the lab's PSK for the DTLS runs of the bootstrap cases (1 has its own, spawn_case) */
#define DTLS_CLIENT "--psk-id lab-psk --psk-key 000102030405060708090a0b0c0d0e0f"
#define DTLS_RUNNER DTLS_CLIENT " "

#define PARALLEL 4
#define CASE_BOUND_S 180

typedef struct
{
  const char *version;
  gint id;
  const char *cut_line; /* the runner's stderr line the stop is sent at */
  gboolean dtls;        /* the case over DTLS (1 always is) */
  gint sig;             /* SIGSTOP (0), or SIGKILL (a power cut) */
  gboolean wrapped;     /* the client under a shell the runner watches: the lab sees it "up" */
  GPid child;           /* then the client itself, stopped at the cut (and killed after) */
  gboolean at_line;     /* the cut line came (the stop waits for the child's pid too) */
  gboolean probe_up;    /* the verdict's criteria hold a probe that found the client up */
  gboolean late;        /* the client still spoke after the message the stop was meant for */
  GSubprocess *p;
  GDataInputStream *err;
  GMemoryOutputStream *out;
  GPid pid;
  gboolean cut, err_done, out_done, timed_out, again;
  gint64 start_us, cut_us, end_us;
  gint64 cut_real_us, verdict_real_us; /* wall clock: the runner's started_us is */
  guint deadline;
  char *verdict, *reason, *criterion;
  guint *running;
} Case;

static void
case_maybe_done (Case *c);

static gboolean
on_case_deadline (gpointer data)
{
  Case *c = data;
  c->deadline = 0;
  c->timed_out = TRUE;
  g_subprocess_force_exit (c->p);
  return G_SOURCE_REMOVE;
}

static void
on_err_line (GObject *source, GAsyncResult *res, gpointer data)
{
  Case *c = data;
  g_autofree char *line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  if (line == NULL)
    {
      c->err_done = TRUE;
      case_maybe_done (c);
      return;
    }
  if (g_str_has_prefix (line, "tf-ets-run: client pid "))
    c->pid = (GPid)g_ascii_strtoll (line + strlen ("tf-ets-run: client pid "), NULL, 10);
  if (g_str_has_prefix (line, "linkcut-test: child "))
    c->child = (GPid)g_ascii_strtoll (line + strlen ("linkcut-test: child "), NULL, 10);
  c->at_line |= g_str_equal (line, c->cut_line);
  if (!c->cut && c->at_line && c->pid > 0 && (!c->wrapped || c->child > 0))
    {
      /* the client may be gone already if the case is over: the verdict says */
      kill (c->wrapped ? c->child : c->pid, c->sig != 0 ? c->sig : SIGSTOP);
      c->cut = TRUE;
      c->cut_us = g_get_monotonic_time ();
      c->cut_real_us = g_get_real_time ();
    }
  g_data_input_stream_read_line_async (c->err, G_PRIORITY_DEFAULT, NULL, on_err_line, c);
}

static void
on_out_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Case *c = data;
  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), res, NULL);
  c->out_done = TRUE;
  /* the runner's verdict is out; the wrapped client outlives its shell and holds the stderr
   * pipe the runner shares with it: gone with the runner */
  if (c->wrapped && c->child > 0)
    kill (c->child, SIGKILL);
  case_maybe_done (c);
}

static void
case_maybe_done (Case *c)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o;
  if (!c->err_done || !c->out_done)
    return;
  g_subprocess_wait (c->p, NULL, NULL);
  c->end_us = g_get_monotonic_time ();
  if (c->deadline != 0)
    g_source_remove (c->deadline);
  c->deadline = 0;
  (*c->running)--;
  /* the stream's data is not NUL-terminated */
  {
    g_autofree char *json = g_strndup (g_memory_output_stream_get_data (c->out),
                                       g_memory_output_stream_get_data_size (c->out));
    root = json_from_string (json, NULL);
  }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      c->verdict = g_strdup (c->timed_out ? "timeout" : "no-json");
      return;
    }
  o = json_node_get_object (root);
  c->verdict = g_strdup (json_object_get_string_member_with_default (o, "verdict", "?"));
  c->reason = g_strdup (json_object_get_string_member_with_default (o, "reason", ""));
  c->criterion = g_strdup (json_object_get_string_member_with_default (o, "criterion", NULL));
  if (json_object_has_member (o, "criteria"))
    {
      JsonArray *cr = json_object_get_array_member (o, "criteria");
      for (guint i = 0; i < json_array_get_length (cr); i++)
        {
          JsonObject *k = json_array_get_object_element (cr, i);
          c->probe_up |= g_strcmp0 (json_object_get_string_member (k, "id"), "probe") == 0
                         && json_object_get_boolean_member (k, "ok");
        }
    }
  /* the stop follows the runner's line by however long this test takes to read it: on a
   * loaded machine the client may answer the case's next requests first. Any message from it
   * after the Register (or Bootstrap-Request) the line is about means the cut came late. */
  if (json_object_has_member (o, "exchange"))
    {
      JsonArray *ex = json_object_get_array_member (o, "exchange");
      const char *at = g_str_equal (c->cut_line, BOOTSTRAPPING) ? "bs" : "rd";
      gboolean seen = FALSE;
      for (guint i = 0; i < json_array_get_length (ex) && !c->late; i++)
        {
          JsonObject *m = json_array_get_object_element (ex, i);
          JsonArray *opts = json_object_has_member (m, "options")
                                ? json_object_get_array_member (m, "options")
                                : NULL;
          gboolean in = g_strcmp0 (json_object_get_string_member (m, "dir"), "in") == 0;
          gboolean is_at = FALSE;
          if (!in)
            continue;
          for (guint k = 0; opts != NULL && k < json_array_get_length (opts) && !is_at; k++)
            {
              JsonArray *opt = json_array_get_array_element (opts, k);
              is_at = json_array_get_int_element (opt, 0) == 11 /* Uri-Path */
                      && g_strcmp0 (json_array_get_string_element (opt, 1), at) == 0
                      && g_strcmp0 (json_object_get_string_member (m, "code"), "POST") == 0;
            }
          if (seen)
            c->late = TRUE;
          seen |= is_at;
        }
    }
  c->verdict_real_us = json_object_get_int_member_with_default (o, "started_us", 0)
                       + 1000 * json_object_get_int_member_with_default (o, "duration_ms", 0);
}

static void
case_start (Case *c)
{
  g_autoptr (GError) error = NULL;
  c->start_us = g_get_monotonic_time ();
  if (c->wrapped)
    {
      /* the runner watches the shell (running: the lab sees power and link up); the client,
       * its child, is stopped at the cut: a client that is there and answers nothing */
      g_autofree char *client = tf_ets_tool ("tf-lwm2m-client");
      g_autofree char *cmd = g_strdup_printf (
          "sh -c '%s --start --endpoint {endpoint} --bootstrap {server_uri} --lifetime 30 "
          "--lwm2m %s & echo \"linkcut-test: child $!\" >&2; wait'",
          client, c->version);
      g_autofree char *runner = tf_ets_tool ("tf-ets-run");
      g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", tf_ets_free_udp_port ());
      g_autofree char *id = g_strdup_printf ("%d", c->id);
      const char *argv[] = { runner,       "--ets",           c->version, "--case",
                             id,           "--listen",        listen,     "--endpoint",
                             "ets-silent", "--client-cmd",    cmd,        "--answer-wait",
                             "3",          "--register-wait", "10",       NULL };
      c->p = g_subprocess_newv (
          argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    }
  else
    c->p = tf_ets_spawn_case (c->version, c->id, c->dtls && c->id != 1 ? DTLS_CLIENT : NULL,
                              c->dtls && c->id != 1 ? DTLS_RUNNER
                                  "--answer-wait 3 --register-wait 10"
                                                    : "--answer-wait 3 --register-wait 10",
                              &error);
  g_assert_no_error (error);
  (*c->running)++;
  c->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (c->p));
  c->out = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  g_data_input_stream_read_line_async (c->err, G_PRIORITY_DEFAULT, NULL, on_err_line, c);
  g_output_stream_splice_async (G_OUTPUT_STREAM (c->out), g_subprocess_get_stdout_pipe (c->p),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
                                    | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_out_done, c);
  c->deadline = g_timeout_add_seconds (CASE_BOUND_S, on_case_deadline, c);
}

static void
case_clear (Case *c)
{
  g_clear_object (&c->p);
  g_clear_object (&c->err);
  g_clear_object (&c->out);
  g_clear_pointer (&c->verdict, g_free);
  g_clear_pointer (&c->reason, g_free);
  g_clear_pointer (&c->criterion, g_free);
}

/* The runner's own list of the cases it decides for @version. */
static GArray *
listed_cases (const char *version)
{
  g_autofree char *runner = tf_ets_tool ("tf-ets-run");
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { runner, "--list", NULL };
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_auto (GStrv) lines = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 3);
      g_auto (GStrv) vs = NULL;
      gint id;
      if (g_strv_length (f) != 3)
        continue;
      vs = g_strsplit (f[1], " ", -1);
      if (!g_strv_contains ((const char *const *)vs, version))
        continue;
      id = (gint)g_ascii_strtoll (f[0], NULL, 10);
      g_array_append_val (ids, id);
    }
  return ids;
}

static const char *
not_cut_reason (gint id)
{
  for (guint i = 0; i < G_N_ELEMENTS (not_cut); i++)
    if (not_cut[i].id == id)
      return not_cut[i].reason;
  return NULL;
}

/* Runs the @n @cases, each stopped at its cut line: Inconclusive without a criterion. */
static void
run_cuts (const char *version, Case *cases, guint n)
{
  guint running = 0, bad = 0, missed = 0;
  for (guint i = 0; i < n; i++)
    cases[i].running = &running;
  /* a case whose verdict predates the stop is run again (twice at most): the cut is the test */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr (GPtrArray) todo = g_ptr_array_new ();
      guint next = 0;
      for (guint i = 0; i < n; i++)
        if (attempt == 0 || cases[i].again)
          g_ptr_array_add (todo, &cases[i]);
      /* every case ends: its runner is bounded by CASE_BOUND_S, then killed */
      while (next < todo->len || running > 0)
        {
          while (next < todo->len && running < PARALLEL)
            case_start (g_ptr_array_index (todo, next++));
          g_main_context_iteration (NULL, TRUE);
        }
      for (guint i = 0; i < todo->len; i++)
        {
          Case *c = g_ptr_array_index (todo, i);
          gboolean inc
              = c->cut && g_strcmp0 (c->verdict, "inconclusive") == 0 && c->criterion == NULL;
          /* the runner went on between its "registered" and the stop landing: a case that fast
           * was over (verdict taken, ms resolution) before the cut; no error, no cut either */
          gboolean before = c->cut && g_strcmp0 (c->verdict, "pass") == 0
                            && (c->verdict_real_us <= c->cut_real_us + 1000 || c->late);
          g_test_message (
              "%s case %d%s%s cut at '%s' (run %u): %s%s%s after the cut (%s%s) in "
              "%.1f s, %.1f s after the cut",
              version, c->id, c->dtls ? " over DTLS" : "", c->sig == SIGKILL ? " killed" : "",
              c->cut_line, attempt + 1, inc || before ? "" : "WRONG: ", c->verdict,
              before ? (c->late ? " (the client spoke after the cut's moment: late)"
                                : " (over before the cut)")
                     : "",
              c->criterion != NULL ? c->criterion : "", c->reason != NULL ? c->reason : "",
              (c->end_us - c->start_us) / 1e6, c->cut ? (c->end_us - c->cut_us) / 1e6 : -1.0);
          c->again = before;
          if (!inc && !before)
            bad++;
          if (before && attempt < 2)
            {
              Case keep = { .version = c->version,
                            .id = c->id,
                            .cut_line = c->cut_line,
                            .dtls = c->dtls,
                            .sig = c->sig,
                            .running = &running };
              case_clear (c);
              *c = keep;
              c->again = TRUE;
            }
        }
    }
  for (guint i = 0; i < n; i++)
    missed += cases[i].again;
  /* the test stays one of cuts: most cases outlast the moment the stop takes */
  g_assert_cmpuint (missed * 10, <=, n);
  for (guint i = 0; i < n; i++)
    case_clear (&cases[i]);
  g_assert_cmpuint (bad, ==, 0);
}

static void
test_link_cut (gconstpointer data)
{
  const char *version = data;
  g_autoptr (GArray) ids = listed_cases (version);
  g_autofree Case *cases = NULL;
  guint n = 0;
  g_assert_cmpuint (ids->len, >=, 15);
  cases = g_new0 (Case, ids->len);
  for (guint i = 0; i < ids->len; i++)
    {
      gint id = g_array_index (ids, gint, i);
      const char *why = not_cut_reason (id);
      if (why != NULL)
        {
          g_test_message ("%s case %d not cut at the registration: %s", version, id, why);
          continue;
        }
      cases[n].version = version;
      cases[n].id = id;
      cases[n].cut_line = REGISTERED;
      n++;
    }
  run_cuts (version, cases, n);
}

/* Every bootstrap case of @version's list (the runner sets the client up with a bootstrap
 * server for cases under 100, its own rule), stopped once its Bootstrap-Request is accepted:
 * over plain UDP, and over DTLS (1 is DTLS only). */
static void
test_bootstrap_cut (gconstpointer data)
{
  const char *version = data;
  g_autoptr (GArray) ids = listed_cases (version);
  g_autofree Case *cases = g_new0 (Case, 2 * ids->len + 2);
  guint n = 0;
  for (guint i = 0; i < ids->len; i++)
    {
      gint id = g_array_index (ids, gint, i);
      if (id >= 100)
        continue;
      for (guint dtls = id == 1 ? 1 : 0; dtls < 2; dtls++)
        {
          cases[n].version = version;
          cases[n].id = id;
          cases[n].cut_line = BOOTSTRAPPING;
          cases[n].dtls = dtls;
          n++;
        }
    }
  /* and 0 with the client killed there (a power cut: the lab sees the process gone) */
  for (guint dtls = 0; dtls < 2; dtls++)
    cases[n++]
        = (Case){ .version = version, .cut_line = BOOTSTRAPPING, .dtls = dtls, .sig = SIGKILL };
  /* 1.1 has seven bootstrap cases, 1.0 two (0 and 1) */
  g_assert_cmpuint (n, >=, g_str_equal (version, "1.1") ? 15 : 5);
  run_cuts (version, cases, n);
}

/* The other side: a client that is there (the lab sees its process up) and stops answering
 * in the middle of its bootstrap fails B after the probe, as a silence after the
 * registration fails its criterion. */
static void
test_bootstrap_silent (void)
{
  guint running = 0;
  Case c = {
    .version = "1.1", .id = 0, .cut_line = BOOTSTRAPPING, .wrapped = TRUE, .running = &running
  };
  case_start (&c);
  /* bounded: the runner by CASE_BOUND_S, then killed */
  while (running > 0)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("1.1 case 0, the client stopped under a running shell: %s %s (%s)", c.verdict,
                  c.criterion != NULL ? c.criterion : "", c.reason != NULL ? c.reason : "");
  g_assert_true (c.cut);
  g_assert_cmpstr (c.verdict, ==, "fail");
  g_assert_cmpstr (c.criterion, ==, "B");
  g_assert_true (c.probe_up);
  case_clear (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/ets-linkcut/1.1", "1.1", test_link_cut);
  g_test_add_data_func ("/ets-linkcut/1.0", "1.0", test_link_cut);
  g_test_add_data_func ("/ets-linkcut/bootstrap/1.1", "1.1", test_bootstrap_cut);
  g_test_add_data_func ("/ets-linkcut/bootstrap/1.0", "1.0", test_bootstrap_cut);
  g_test_add_func ("/ets-linkcut/bootstrap/up-but-silent", test_bootstrap_silent);
  return g_test_run ();
}
