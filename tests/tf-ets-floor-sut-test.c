/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The server side of a session through the floor: testfestd under tf-simlab, the session's
 * server implementation a real tf-lwm2m-server on the lab network (192.0.2.2). The server's
 * company asks `run --side server`: the daemon starts tf-ets-run --server-under-test in the
 * lab network, whose client registers at that server; each operator step reaches the
 * session's console topic of both companies; the event's ets-driver (tests/ets/sut-driver.py
 * behind a wrapper, driving the server through its control socket) acts, or nobody does. A
 * good driver earns a Pass, one that reads in the wrong format the Fail of criterion B, no
 * driver and no operator an Inconclusive; the verdict is entered as automation on the server
 * side, the client company verifies it, a person overrides it with a note; the whole
 * server-side suite runs unattended with the driver (every case a Pass, 203 left as the person
 * set it). */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-floor-fixture.h"

#define S TF_FIXTURE_SESSION

typedef struct
{
  TfHarness *h;
  TfReplies *replies;
  GPtrArray *operator_lines[2]; /* "operator" console lines seen by alpha, by gamma */
  char *netns;
  char *ifname; /* the mirror port the daemon captures on */
  char *mode;   /* the file the driver wrapper reads its mode from */
  char *dir;    /* holds the server's control socket */
  char *control;
} Fixture;

static void
on_message (TfBus *bus, const TfBusMessage *m, Fixture *fx)
{
  g_autofree char *text = tf_fixture_console_text (m);
  if (text != NULL && strstr (text, "\"operator\":true") != NULL)
    {
      guint who = strstr (m->topic, "/private/gamma/") != NULL ? 1 : 0;
      g_ptr_array_add (fx->operator_lines[who], g_steal_pointer (&text));
    }
}

static JsonObject *
request (Fixture *fx, const char *company, const char *verb, const char *json, guint timeout_ms)
{
  return tf_replies_request (fx->replies, company, verb, json, timeout_ms);
}

/* the server's company runs case @id of the server side */
static JsonObject *
run_server_case (Fixture *fx, gint id)
{
  g_autofree char *args
      = g_strdup_printf ("{\"session\":\"" S "\",\"case\":%d,\"side\":\"server\"}", id);
  JsonObject *r = request (fx, "gamma", "run", args, 600000);
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("run %d: %s", id, json_object_get_string_member (r, "error"));
  g_test_message ("server case %d: %s (%s)", id, json_object_get_string_member (r, "verdict"),
                  json_object_get_string_member (r, "note"));
  return r;
}

/* @driver: the event names a driver for gamma-server (else the operator acts, 3 s a step);
 * @ets: more of the lab's [ets] group, or "" */
static void
fixture_setup (Fixture *fx, gboolean driver, const char *ets_more)
{
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  g_autofree char *py = g_build_filename (src, "tests", "ets", "sut-driver.py", NULL);
  g_autofree char *sim = NULL, *lab = NULL, *ets = NULL, *tail = NULL, *args = NULL;
  g_autofree char *event = NULL;
  g_autofree char *wrapper = NULL, *state = NULL;

  fx->operator_lines[0] = g_ptr_array_new_with_free_func (g_free);
  fx->operator_lines[1] = g_ptr_array_new_with_free_func (g_free);
  fx->netns = g_strdup_printf ("tfctl-%08x", g_random_int ());
  fx->ifname = g_strdup_printf ("tfm%08x", g_random_int ());
  fx->dir = g_dir_make_tmp ("tf-ets-floor-sut-XXXXXX", NULL);
  g_assert_nonnull (fx->dir);
  fx->control = g_build_filename (fx->dir, "gamma.control", NULL);
  /* the server's control socket: where the driver reaches it (a path, whatever namespace) */
  args = g_strdup_printf ("--control %s", fx->control);
  sim = tf_fixture_sim (NULL, "gamma", args);
  ets = tf_fixture_ets_group (fx->netns);
  tail = g_strdup_printf ("%sanswer-wait-s = 15\noperator-wait-s = 3\n%s\n[capture]\n"
                          "interface = %s\n",
                          ets, ets_more, fx->ifname);
  lab = tf_fixture_lab ("192.0.2.10", tail);
  fx->h = tf_fixture_harness_new (sim, lab, fx->netns, fx->ifname);
  fx->mode = tf_harness_path (fx->h, "driver.mode");
  state = tf_harness_path (fx->h, "driver.state");
  /* the company's nightly driver: a program of its own; here sut-driver.py in the mode the
   * test writes beside it */
  wrapper = g_strdup_printf ("#!/bin/sh\nTF_CONTROL='%s' TF_DRIVER_STATE='%s' "
                             "TF_DRIVER_MODE=$(cat '%s') exec python3 '%s' \"$@\"\n",
                             fx->control, state, fx->mode, py);
  tf_fixture_write (fx->h, "gamma-driver.sh", wrapper, 0755);
  tf_fixture_write (fx->h, "driver.mode", "good\n", 0);
  event = g_strdup_printf (
      TF_FIXTURE_EVENT_HEAD (
          "ETS TestFest") "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions "
                          "= 1.1\n"
                          "transports = udp\nsecurity = nosec\nboards = sim1\nendpoint = alpha-ep\n"
                          "provision = provision.script\nentry-criteria = yes\nentry-criteria-by = "
                          "staff\n\n"
                          "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions "
                          "= 1.1\n"
                          "transports = udp\nsecurity = nosec\nserver-uri = "
                          "coap://192.0.2.2:5683\n%s"
                          "entry-criteria = yes\nentry-criteria-by = staff\n",
      driver ? "ets-driver = gamma-driver.sh\n" : "");
  tf_fixture_write (fx->h, "test.event", event, 0);
  tf_fixture_write (fx->h, "provision.script",
                    "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
                    "send config set server-uri {server_uri}\nexpect ^ok 5000\n"
                    "send lwm2m start\nexpect ^lwm2m: registered 30000\n",
                    0);
  fx->replies = tf_fixture_start_watched (fx->h, FALSE, "sut-test", G_CALLBACK (on_message), fx);
  tf_fixture_start_session (fx->h);
}

static void
fixture_teardown (Fixture *fx)
{
  tf_fixture_stop (fx->h, fx->replies, fx, fx->netns);
  /* the server's socket outlives it */
  g_unlink (fx->control);
  g_rmdir (fx->dir);
  g_free (fx->control);
  g_free (fx->dir);
  g_ptr_array_unref (fx->operator_lines[0]);
  g_ptr_array_unref (fx->operator_lines[1]);
  g_free (fx->netns);
  g_free (fx->ifname);
  g_free (fx->mode);
}

static gboolean
can_skip (void)
{
  return tf_fixture_can_skip ("a lab network");
}

/* case @id of the report @company reads */
static JsonObject *
report_case (Fixture *fx, const char *company, gint id)
{
  return tf_fixture_report_case (fx->h, company, id);
}

static gboolean
report_has (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  g_autoptr (JsonObject) c = report_case (w[0], "gamma", GPOINTER_TO_INT (w[1]));
  return c != NULL && g_strcmp0 (json_object_get_string_member (c, "verdict"), w[2]) == 0
         && (w[3] == NULL
             || g_strcmp0 (json_object_get_string_member (c, "entered_by"), w[3]) == 0);
}

static void
wait_report (Fixture *fx, gint id, const char *verdict, const char *by)
{
  gpointer w[4] = { fx, GINT_TO_POINTER (id), (gpointer)verdict, (gpointer)by };
  g_assert_true (tf_harness_wait (fx->h, report_has, w, 30000));
}

static gboolean
seen_by (Fixture *fx, guint k, const char *needle)
{
  for (guint i = 0; i < fx->operator_lines[k]->len; i++)
    if (strstr (g_ptr_array_index (fx->operator_lines[k], i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
lines_seen (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  return seen_by (w[0], 0, w[1]) && seen_by (w[0], 1, w[1]);
}

/* both companies saw the step, as the runner phrased it for the session's server (the console
 * topic and the reply come on connections of their own: either may be first) */
static void
assert_operator_lines (Fixture *fx, const char *needle)
{
  gpointer w[2] = { fx, (gpointer)needle };
  if (!tf_harness_wait (fx->h, lines_seen, w, 30000))
    {
      for (guint k = 0; k < 2; k++)
        for (guint i = 0; i < fx->operator_lines[k]->len; i++)
          g_test_message ("%s", (char *)g_ptr_array_index (fx->operator_lines[k], i));
      g_error ("no operator line with '%s' for both companies", needle);
    }
}

/* The cases the lab's runner decides for a 1.1 server (`tf-ets-run --server-under-test
 * --list`: "ID\tVERSIONS\tNAME" lines), as a set of ids. */
static GHashTable *
server_cases_1_1 (void)
{
  g_autofree char *runner
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tools", "tf-ets-run", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, runner,
                                                "--server-under-test", "--list", NULL);
  g_auto (GStrv) lines = NULL;
  GHashTable *ids = g_hash_table_new (NULL, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 3);
      g_auto (GStrv) vs = NULL;
      if (g_strv_length (f) < 3)
        continue;
      vs = g_strsplit (f[1], " ", -1);
      if (g_strv_contains ((const char *const *)vs, "1.1"))
        g_hash_table_add (ids, GINT_TO_POINTER ((gint)g_ascii_strtoll (f[0], NULL, 10)));
    }
  return ids;
}

/* the session's trace holds the server-side exchange: the lab's client on its run's port
 * (the first of [ets] client-ports) and the server, both ways */
static gboolean
trace_has_run (TfHarness *h, gpointer path)
{
  g_autofree char *data = NULL;
  return g_file_get_contents (path, &data, NULL, NULL)
         && strstr (data, "\"src\":\"192.0.2.1:15700\",\"dst\":\"192.0.2.2:5683\"") != NULL
         && strstr (data, "\"src\":\"192.0.2.2:5683\",\"dst\":\"192.0.2.1:15700\"") != NULL;
}

/* A driver that does what it is told: Pass; one that reads in the wrong format: the Fail of
 * criterion B; verified by the client's company, overridden by a person with a note. */
static void
test_driver (void)
{
  Fixture fx = { 0 };
  g_autoptr (JsonObject) pass = NULL, fail = NULL, c = NULL, v = NULL, over = NULL;
  JsonObject *run;
  if (can_skip ())
    return;
  fixture_setup (&fx, TRUE, "");

  /* the client's company may not run the server's side, nor the server's the client's */
  v = request (&fx, "alpha", "run", "{\"session\":\"" S "\",\"case\":203,\"side\":\"server\"}",
               30000);
  g_assert_false (json_object_get_boolean_member (v, "ok"));
  tf_harness_assert_contains (json_object_get_string_member (v, "error"), "only the server team");
  g_clear_pointer (&v, json_object_unref);

  pass = run_server_case (&fx, 203);
  g_assert_cmpstr (json_object_get_string_member (pass, "verdict"), ==, "pass");
  tf_harness_assert_contains (json_object_get_string_member (pass, "note"),
                              "server under test gamma-server");
  /* the step reached both companies' console topic */
  assert_operator_lines (&fx, "on your server: Read /3/0 of 'testfest-" S "'");
  wait_report (&fx, 203, "pass", "automation");
  c = report_case (&fx, "gamma", 203);
  run = json_object_get_object_member (c, "automation");
  g_assert_nonnull (run);
  g_assert_cmpstr (json_object_get_string_member (run, "side"), ==, "server");
  tf_harness_assert_contains (json_object_get_string_member (run, "output"),
                              "server under test coap://192.0.2.2:5683");
  /* the exchange crossed the lab network: in the session's trace for its two companies */
  {
    g_autofree char *decoded
        = g_build_filename (fx.h->state_dir, "trace", S, "decoded.jsonl", NULL);
    if (!tf_harness_wait (fx.h, trace_has_run, decoded, 30000))
      g_error ("the server-side exchange is not in %s", decoded);
  }

  /* the other company verifies: the client's, not the server's whose server was judged */
  v = request (&fx, "gamma", "verify", "{\"session\":\"" S "\",\"case\":203,\"agree\":true}",
               30000);
  g_assert_false (json_object_get_boolean_member (v, "ok"));
  tf_harness_assert_contains (json_object_get_string_member (v, "error"),
                              "only the client team (alpha) verifies case 203");
  g_clear_pointer (&v, json_object_unref);
  v = request (&fx, "alpha", "verify", "{\"session\":\"" S "\",\"case\":203,\"agree\":true}",
               30000);
  g_assert_true (json_object_get_boolean_member (v, "ok"));

  /* a driver that reads in the wrong format: the Fail names criterion B and the message */
  g_assert_true (g_file_set_contents (fx.mode, "wrong-format\n", -1, NULL));
  fail = run_server_case (&fx, 203);
  g_assert_cmpstr (json_object_get_string_member (fail, "verdict"), ==, "fail");
  tf_harness_assert_contains (json_object_get_string_member (fail, "note"), "at criterion B");
  tf_harness_assert_contains (json_object_get_string_member (fail, "note"), "Accept 11542");
  wait_report (&fx, 203, "fail", "automation");
  g_clear_pointer (&c, json_object_unref);
  c = report_case (&fx, "alpha", 203);
  run = json_object_get_object_member (c, "automation");
  g_assert_false (json_object_get_boolean_member (run, "summary"));
  tf_harness_assert_contains (json_object_get_string_member (run, "output"), "[NO] B ");
  tf_harness_assert_contains (json_object_get_string_member (run, "output"), "server→lab");
  /* a new verdict: verified again */
  g_assert_true (json_node_is_null (json_object_get_member (c, "verification")));

  /* a person overrides it with a note (without one: refused): theirs stands, the automated
   * run stays */
  over = request (&fx, "alpha", "verdict",
                  "{\"session\":\"" S "\",\"case\":203,\"verdict\":\"inconclusive\"}", 30000);
  g_assert_false (json_object_get_boolean_member (over, "ok"));
  tf_harness_assert_contains (json_object_get_string_member (over, "error"),
                              "case 203's fail was decided by the lab's runner: overriding it "
                              "needs a note");
  g_clear_pointer (&over, json_object_unref);
  over = request (&fx, "alpha", "verdict",
                  "{\"session\":\"" S "\",\"case\":203,\"verdict\":\"inconclusive\","
                  "\"note\":\"our driver was wrong, not gamma's server\",\"user\":\"lead\"}",
                  30000);
  g_assert_true (json_object_get_boolean_member (over, "ok"));
  wait_report (&fx, 203, "inconclusive", "alpha/lead");
  g_clear_pointer (&c, json_object_unref);
  c = report_case (&fx, "gamma", 203);
  run = json_object_get_object_member (c, "automation");
  g_assert_cmpstr (json_object_get_string_member (run, "side"), ==, "server");
  g_assert_cmpint (json_object_get_int_member (run, "exit_status"), ==, 1);
  /* and a person's verdict is verified by the server team again, as the ETS has it */
  g_clear_pointer (&v, json_object_unref);
  v = request (&fx, "gamma", "verify", "{\"session\":\"" S "\",\"case\":203,\"agree\":true}",
               30000);
  g_assert_true (json_object_get_boolean_member (v, "ok"));

  /* the server's whole automated suite, unattended: a good driver passes every case the lab
   * decides for a 1.1 server (203 left as the person set it), 302's Reset cancel included */
  {
    g_autoptr (JsonObject) all = NULL;
    g_autoptr (GHashTable) expect = server_cases_1_1 ();
    JsonArray *cases;
    g_assert_true (g_file_set_contents (fx.mode, "good\n", -1, NULL));
    all = request (&fx, "gamma", "run",
                   "{\"session\":\"" S "\",\"all-automated\":true,\"side\":\"server\"}", 900000);
    if (!json_object_get_boolean_member (all, "ok"))
      g_error ("all-automated: %s", json_object_get_string_member (all, "error"));
    cases = json_object_get_array_member (all, "cases");
    /* exactly the runner's 1.1 server-side cases but 203, each once */
    g_assert_true (g_hash_table_remove (expect, GINT_TO_POINTER (203)));
    g_assert_cmpuint (g_hash_table_size (expect), >=, 17);
    g_assert_cmpuint (json_array_get_length (cases), ==, g_hash_table_size (expect));
    for (guint i = 0; i < json_array_get_length (cases); i++)
      {
        JsonObject *k = json_array_get_object_element (cases, i);
        g_assert_true (g_hash_table_remove (
            expect, GINT_TO_POINTER ((gint)json_object_get_int_member (k, "case"))));
        g_test_message ("%" G_GINT64_FORMAT ": %s (%s)", json_object_get_int_member (k, "case"),
                        json_object_get_string_member (k, "verdict"),
                        json_object_get_string_member (k, "note"));
        g_assert_cmpint (json_object_get_int_member (k, "case"), !=, 203);
        g_assert_cmpstr (json_object_get_string_member (k, "verdict"), ==, "pass");
        tf_harness_assert_contains (json_object_get_string_member (k, "note"),
                                    "automated (tf-ets-run, server under test gamma-server)");
      }
  }
  fixture_teardown (&fx);
}

/* No driver and no operator: each step waits the lab's operator wait, then Inconclusive,
 * never a Fail; the step was shown to both companies. Through testfestctl. */
static void
test_no_operator (void)
{
  Fixture fx = { 0 };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonObject) c = NULL;
  if (can_skip ())
    return;
  fixture_setup (&fx, FALSE, "");
  g_assert_cmpint (tf_harness_ctl (fx.h, &out, &err, "run", S, "260", "--side", "server",
                                   "--company", "gamma", NULL),
                   ==, 0);
  g_test_message ("testfestctl: %s %s", out, err);
  tf_harness_assert_contains (out, "inconclusive");
  wait_report (&fx, 260, "inconclusive", "automation");
  c = report_case (&fx, "alpha", 260);
  g_test_message ("260: %s", json_object_get_string_member (c, "note"));
  assert_operator_lines (&fx, "on your server: Discover /3/0 of 'testfest-" S "'");
  tf_harness_assert_contains (json_object_get_string_member (c, "note"),
                              "the operator did not act");
  /* JUnit's evidence says which side was judged */
  {
    g_autofree char *junit = g_build_filename (fx.h->dir, "report.xml", NULL);
    g_autofree char *xml = NULL, *o2 = NULL, *e2 = NULL;
    g_assert_cmpint (
        tf_harness_ctl (fx.h, &o2, &e2, "report", S, "--company", "gamma", "--junit", junit, NULL),
        ==, 0);
    g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
    tf_harness_assert_contains (xml, ", judged the server");
    tf_harness_assert_contains (xml, "server under test coap://192.0.2.2:5683");
  }
  fixture_teardown (&fx);
}

static gboolean
trace_has (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  g_autofree char *text = NULL;
  return g_file_get_contents (w[0], &text, NULL, NULL) && strstr (text, w[1]) != NULL;
}

/* [ets] client-ports holding one pair, a port of it held by another process on the lab
 * network's address (a socket the test binds there): the daemon does not start a run that
 * could not bind it, it refuses, naming the pair and what holds it; once the port is free a
 * run gets the pair (its client's messages come from the first port), and gets it again
 * after that run ended (released). */
static void
test_client_ports (void)
{
  Fixture fx = { 0 };
  guint16 p = (guint16)(20000 + 2 * g_random_int_range (0, 1000));
  g_autofree char *more = g_strdup_printf ("client-ports = %u-%u\n", p, p + 1);
  g_autofree char *bind = NULL, *line = NULL, *needle = NULL, *pair = NULL, *decoded = NULL;
  g_autoptr (GSubprocess) holder = NULL;
  g_autoptr (GDataInputStream) hold_out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) refused = NULL, first = NULL, again = NULL;
  const char *why;
  if (can_skip ())
    return;
  fixture_setup (&fx, FALSE, more);
  bind = g_strdup_printf ("import socket, sys\n"
                          "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                          "s.bind(('192.0.2.1', %u))\nprint('bound', flush=True)\n"
                          "sys.stdin.read()\n",
                          p + 1);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "ip", "netns", "exec", fx.netns, "python3", "-c", bind, NULL);
  g_assert_no_error (error);
  hold_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line_utf8 (hold_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "bound");

  /* the second port of the only pair held: refused, the pair and its holder named */
  refused = request (&fx, "gamma", "run",
                     "{\"session\":\"" S "\",\"case\":260,\"side\":\"server\"}", 60000);
  g_assert_false (json_object_get_boolean_member (refused, "ok"));
  why = json_object_get_string_member (refused, "error");
  g_test_message ("refused: %s", why);
  pair = g_strdup_printf ("every pair of ports of [ets] client-ports (%u-%u) is taken: by another "
                          "process on 192.0.2.1: %u-%u",
                          p, p + 1, p, p + 1);
  tf_harness_assert_contains (why, pair);

  /* the port free again: a run gets the pair, its client on the first port of it */
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, NULL));
  g_assert_true (g_subprocess_wait_check (holder, NULL, &error));
  g_assert_no_error (error);
  first = run_server_case (&fx, 260);
  g_assert_cmpstr (json_object_get_string_member (first, "verdict"), ==, "inconclusive");
  tf_harness_assert_contains (json_object_get_string_member (first, "note"),
                              "the operator did not act");
  decoded = g_build_filename (fx.h->state_dir, "trace", S, "decoded.jsonl", NULL);
  needle = g_strdup_printf ("\"src\":\"192.0.2.1:%u\",\"dst\":\"192.0.2.2:5683\"", p);
  {
    gpointer w[2] = { decoded, needle };
    if (!tf_harness_wait (fx.h, trace_has, w, 30000))
      g_error ("no message from 192.0.2.1:%u in %s", p, decoded);
  }
  /* released when it ended: the next run gets it again */
  again = run_server_case (&fx, 260);
  g_assert_cmpstr (json_object_get_string_member (again, "verdict"), ==, "inconclusive");
  fixture_teardown (&fx);
}

#define S2 "beta-client--delta-server"

static gboolean
in_phase (TfHarness *h, gpointer w)
{
  g_autofree char *topic = g_strdup_printf ("session/%s/state", ((char **)w)[0]);
  const char *json = tf_harness_retained (h, topic);
  return json != NULL && strstr (json, ((char **)w)[1]) != NULL;
}

static void
start_session (TfHarness *h, const char *id)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *scheduled[2] = { id, "\"phase\":\"scheduled\"" };
  const char *running[2] = { id, "\"phase\":\"running\"" };
  g_assert_true (tf_harness_wait (h, in_phase, scheduled, 30000));
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "start", id, NULL), ==, 0);
  g_assert_true (tf_harness_wait (h, in_phase, running, 90000));
}

/* Two sessions at once (alpha's client on sim1 with gamma's server, beta's on sim2 with
 * delta's: both the lab's tf-lwm2m-server, driven by sut-driver.py unless @hold exists, a FIFO
 * the driver then waits on) and [ets] client-ports holding @p and @p+1 only. */
static void
fixture_setup_two (Fixture *fx, guint16 p, const char *hold)
{
  const char *build = g_getenv ("TF_BUILD_ROOT");
  g_autofree char *py
      = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "ets", "sut-driver.py", NULL);
  g_autofree char *client
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  g_autofree char *server
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  g_autofree char *sim = NULL, *lab = NULL, *ets = NULL, *event = NULL, *wrapper = NULL;
  g_autofree char *state = NULL;
  GString *boards = g_string_new (NULL);
  fx->operator_lines[0] = g_ptr_array_new_with_free_func (g_free);
  fx->operator_lines[1] = g_ptr_array_new_with_free_func (g_free);
  fx->netns = g_strdup_printf ("tfctl-%08x", g_random_int ());
  fx->ifname = g_strdup_printf ("tfm%08x", g_random_int ());
  fx->dir = g_dir_make_tmp ("tf-ets-floor-sut-XXXXXX", NULL);
  fx->control = g_build_filename (fx->dir, "gamma.control", NULL);
  for (guint n = 1; n <= 2; n++)
    g_string_append_printf (boards,
                            "[board sim%u]\ntype = sim-l476\ntty = ttyACM%u\nusb-path = 1-%u\n"
                            "serial = SIM0000%u\npower = relay1:%u\nboot-ms = 100\n"
                            "address = 192.0.2.1%u\nfirmware-program = %s\n"
                            "firmware-args = --version 1.0.0 --lifetime 600\n\n",
                            n, n, n, n, n, n - 1, client);
  sim = g_strdup_printf ("[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n%s"
                         "[server gamma]\nprogram = %s\nargs = --control %s\naddress = 192.0.2.2\n",
                         boards->str, server, fx->control);
  g_string_free (boards, TRUE);
  ets = tf_fixture_ets_group (fx->netns);
  lab = g_strdup_printf (
      "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\n"
      "off-time-ms = 100\n\n"
      "[board sim1]\ntype = sim-lwm2m\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n"
      "address = 192.0.2.10\n\n"
      "[board sim2]\ntype = sim-lwm2m\nconsole = /dev/ttyACM2\npower = relay1:2\ntable = T2\n"
      "address = 192.0.2.11\n\n"
      "%sanswer-wait-s = 15\noperator-wait-s = 300\nclient-ports = %u-%u\n\n"
      "[capture]\ninterface = %s\n",
      ets, p, p + 1, fx->ifname);
  fx->h = tf_fixture_harness_new (sim, lab, fx->netns, fx->ifname);
  fx->mode = tf_harness_path (fx->h, "driver.mode");
  state = tf_harness_path (fx->h, "driver.state");
  wrapper = g_strdup_printf ("#!/bin/sh\nif [ -p '%s' ]; then read x < '%s'; exit 1; fi\n"
                             "TF_CONTROL='%s' TF_DRIVER_STATE='%s' TF_DRIVER_MODE=good "
                             "exec python3 '%s' \"$@\"\n",
                             hold, hold, fx->control, state, py);
  tf_fixture_write (fx->h, "driver.sh", wrapper, 0755);
  event = g_strdup_printf (
      "[event]\nname = Two at once\ndays = 2030-06-04\ntimezone = UTC\nslot-minutes = 60\n"
      "day-start = 09:00\nday-end = 17:00\ntables = 2\n\n"
      "[company alpha]\nname = Alpha\n\n[company beta]\nname = Beta\n\n"
      "[company gamma]\nname = Gamma\n\n[company delta]\nname = Delta\n\n"
      "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim1\nendpoint = alpha-ep\n"
      "provision = provision.script\nentry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation beta-client]\ncompany = beta\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim2\nendpoint = beta-ep\n"
      "provision = provision.script\nentry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nserver-uri = coap://192.0.2.2:5683\n"
      "ets-driver = driver.sh\nentry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation delta-server]\ncompany = delta\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nserver-uri = coap://192.0.2.2:5683\n"
      "ets-driver = driver.sh\nentry-criteria = yes\nentry-criteria-by = staff\n");
  tf_fixture_write (fx->h, "test.event", event, 0);
  tf_fixture_write (fx->h, "provision.script",
                    "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
                    "send config set server-uri {server_uri}\nexpect ^ok 5000\n"
                    "send lwm2m start\nexpect ^lwm2m: registered 30000\n",
                    0);
  fx->replies = tf_fixture_start_watched (fx->h, FALSE, "sut-test", G_CALLBACK (on_message), fx);
  start_session (fx->h, S);
  start_session (fx->h, S2);
}

/* Every pair of [ets] client-ports taken by a run (the range holds one): another session's
 * server-side run is refused, the pair and the session holding it named; the run holding it
 * goes on to its verdict; once it ended, the other session's run gets the pair. */
static void
test_client_ports_busy (void)
{
  Fixture fx = { 0 };
  guint16 p = (guint16)(20000 + 2 * g_random_int_range (0, 1000));
  g_autofree char *hold = NULL, *corr = NULL, *want = NULL, *go = NULL;
  g_autoptr (JsonObject) refused = NULL, first = NULL, second = NULL;
  g_autoptr (GSubprocess) release = NULL;
  g_autoptr (GError) error = NULL;
  const char *why;
  if (can_skip ())
    return;
  hold = g_build_filename (g_get_tmp_dir (), "tf-ets-hold-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (hold));
  go = g_build_filename (hold, "fifo", NULL);
  g_assert_cmpint (mkfifo (go, 0600), ==, 0);
  fixture_setup_two (&fx, p, go);
  /* gamma's run: its driver waits on the FIFO, the run holds the pair meanwhile */
  corr = tf_replies_send (fx.replies, "gamma", "run",
                          "{\"session\":\"" S "\",\"case\":260,\"side\":\"server\"}");
  assert_operator_lines (&fx, "on your server: Discover /3/0 of 'testfest-" S "'");
  refused = request (&fx, "delta", "run",
                     "{\"session\":\"" S2 "\",\"case\":260,\"side\":\"server\"}", 60000);
  g_assert_false (json_object_get_boolean_member (refused, "ok"));
  why = json_object_get_string_member (refused, "error");
  g_test_message ("refused: %s", why);
  want = g_strdup_printf ("every pair of ports of [ets] client-ports (%u-%u) is taken: by "
                          "server-side runs %u-%u (session " S ")",
                          p, p + 1, p, p + 1);
  tf_harness_assert_contains (why, want);
  /* the driver let go (it says it did not do the step): the first run ends as it would */
  release = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", "echo go > \"$0\"", go,
                              NULL);
  g_assert_no_error (error);
  first = tf_replies_wait (fx.replies, corr, 300000);
  g_assert_true (g_subprocess_wait_check (release, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (first, "ok"));
  g_test_message ("first: %s", json_object_get_string_member (first, "note"));
  g_assert_cmpstr (json_object_get_string_member (first, "verdict"), ==, "inconclusive");
  tf_harness_assert_contains (json_object_get_string_member (first, "note"),
                              "the driver did not do 'discover /3/0' (exit 1)");
  /* the pair released: delta's run gets it, its driver (sut-driver.py now) does the step */
  g_unlink (go);
  g_rmdir (hold);
  second = request (&fx, "delta", "run",
                    "{\"session\":\"" S2 "\",\"case\":260,\"side\":\"server\"}", 300000);
  if (!json_object_get_boolean_member (second, "ok"))
    g_error ("run after release: %s", json_object_get_string_member (second, "error"));
  g_assert_cmpstr (json_object_get_string_member (second, "verdict"), ==, "pass");
  fixture_teardown (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-floor-sut/driver", test_driver);
  g_test_add_func ("/ets-floor-sut/no-operator", test_no_operator);
  g_test_add_func ("/ets-floor-sut/client-ports", test_client_ports);
  g_test_add_func ("/ets-floor-sut/client-ports-busy", test_client_ports_busy);
  return g_test_run ();
}
