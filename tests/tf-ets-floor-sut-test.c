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
  char *mode; /* the file the driver wrapper reads its mode from */
  char *dir;  /* holds the server's control socket */
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

/* @driver: the event names a driver for gamma-server (else the operator acts, 3 s a step) */
static void
fixture_setup (Fixture *fx, gboolean driver)
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
  tail = g_strdup_printf ("%sanswer-wait-s = 15\noperator-wait-s = 3\n\n[capture]\n"
                          "interface = %s\n",
                          ets, fx->ifname);
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
  fixture_setup (&fx, TRUE);

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
  fixture_setup (&fx, FALSE);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-floor-sut/driver", test_driver);
  g_test_add_func ("/ets-floor-sut/no-operator", test_no_operator);
  return g_test_run ();
}
