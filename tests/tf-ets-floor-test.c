/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Automated ETS cases through the floor: testfestd under tf-simlab with the controller's own
 * port on the lab network (--controller-netns, the lab file's [ets]); a board whose firmware is
 * tf-lwm2m-client; a session running. The client company asks `run` (one case, or
 * all-automated): the daemon starts the lab's runner (tf-ets-run) in the lab network's
 * namespace, points the board's client at it through the board's console, and enters the
 * verdict the runner decided from the real exchange, as "automation", with the exchange as
 * its evidence in the store and the report (JSON, PDF, JUnit). A quirky client fails its case
 * at the criterion its quirk breaks; a link cut mid-case is Inconclusive, never a Fail; a
 * person overrides an automated verdict with a note and the automated run stays in the
 * report. */
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
  guint registered; /* "lwm2m: registered" lines on the session's console */
  char *netns;
  char *ifname; /* the mirror port the daemon captures on */
} Fixture;

static void
on_message (TfBus *bus, const TfBusMessage *m, Fixture *fx)
{
  g_autofree char *text = tf_fixture_console_text (m);
  if (text != NULL && strstr (text, "lwm2m: registered") != NULL)
    fx->registered++;
}

static char *
send_request (Fixture *fx, const char *company, const char *verb, const char *json)
{
  return tf_replies_send (fx->replies, company, verb, json);
}

static JsonObject *
wait_reply (Fixture *fx, const char *corr, guint timeout_ms)
{
  return tf_replies_wait (fx->replies, corr, timeout_ms);
}

/* run one case; its reply ({verdict, note}) */
static JsonObject *
run_case (Fixture *fx, gint id)
{
  g_autofree char *args = g_strdup_printf ("{\"session\":\"" S "\",\"case\":%d}", id);
  g_autofree char *corr = send_request (fx, "alpha", "run", args);
  JsonObject *r = wait_reply (fx, corr, 300000);
  if (!json_object_get_boolean_member (r, "ok"))
    g_error ("run %d: %s", id, json_object_get_string_member (r, "error"));
  g_test_message ("case %d: %s (%s)", id, json_object_get_string_member (r, "verdict"),
                  json_object_get_string_member (r, "note"));
  return r;
}

/* @setups: the client also declares bootstrap, DTLS PSK and queue mode, and the event gives
 * its scripts for the bootstrap and PSK set-ups and its lab PSK (none for queue mode) */
static void
fixture_setup_full (Fixture *fx, const char *quirk, gboolean setups)
{
  g_autofree char *sim = NULL, *lab = NULL, *ets = NULL, *tail = NULL, *event = NULL;

  fx->netns = g_strdup_printf ("tfctl-%08x", g_random_int ());
  fx->ifname = g_strdup_printf ("tfm%08x", g_random_int ());
  sim = tf_fixture_sim (quirk, "gamma", NULL);
  ets = tf_fixture_ets_group (fx->netns);
  tail = g_strdup_printf ("%s\n[capture]\ninterface = %s\n", ets, fx->ifname);
  lab = tf_fixture_lab ("192.0.2.10", tail);
  fx->h = tf_fixture_harness_new (sim, lab, fx->netns, fx->ifname);
  /* the client declares what it has (without @setups: no bootstrap, no DTLS, no queue mode;
   * their cases are Not Applicable from the features, as on the floor) */
  event = g_strdup_printf (
      TF_FIXTURE_EVENT_HEAD (
          "ETS TestFest") "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions "
                          "= 1.1\n"
                          "transports = udp\nsecurity = nosec\nboards = sim1\nendpoint = alpha-ep\n"
                          "provision = provision.script\n"
                          "features = "
                          "observe;send;senml;composite;tlv;json;plain-text;cbor;firmware-update%"
                          "s\n%s"
                          "entry-criteria = yes\nentry-criteria-by = staff\n\n"
                          "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions "
                          "= 1.1\n"
                          "transports = udp\nsecurity = nosec\nserver-uri = coap://192.0.2.2:5683\n"
                          "entry-criteria = yes\nentry-criteria-by = staff\n",
      setups ? ";bootstrap;dtls-psk;queue-mode" : "",
      setups ? "provision-bootstrap = bootstrap.script\nprovision-psk = psk.script\n"
               "psk-identity = alpha-psk\npsk-key-file = alpha.psk\n"
             : "");
  tf_fixture_write (fx->h, "test.event", event, 0);
  /* the client's console scripts: a set-up script's settings are undone by the next one */
  tf_fixture_write (fx->h, "provision.script",
                    "send config unset bootstrap-uri\nexpect ^ok 5000\n"
                    "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
                    "send config set server-uri {server_uri}\nexpect ^ok 5000\n"
                    "send lwm2m start\nexpect ^lwm2m: registered 30000\n",
                    0);
  tf_fixture_write (fx->h, "bootstrap.script",
                    "send config set bootstrap-uri {bootstrap_uri}\nexpect ^ok 5000\n"
                    "send config set psk-id {psk_id}\nexpect ^ok 5000\n"
                    "send config set psk-key {psk_key}\nexpect ^ok 5000\n"
                    "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
                    "send lwm2m start\nexpect ^lwm2m: registered 60000\n",
                    0);
  tf_fixture_write (fx->h, "psk.script",
                    "send config unset bootstrap-uri\nexpect ^ok 5000\n"
                    "send config set psk-id {psk_id}\nexpect ^ok 5000\n"
                    "send config set psk-key {psk_key}\nexpect ^ok 5000\n"
                    "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
                    "send config set server-uri {server_uri}\nexpect ^ok 5000\n"
                    "send lwm2m start\nexpect ^lwm2m: registered 30000\n",
                    0);
  tf_fixture_write (fx->h, "alpha.psk", "00112233445566778899aabbccddeeff\n", 0600);
  fx->replies = tf_fixture_start_watched (fx->h, FALSE, "ets-test", G_CALLBACK (on_message), fx);
  tf_fixture_start_session (fx->h);
}

static void
fixture_setup (Fixture *fx, const char *quirk)
{
  fixture_setup_full (fx, quirk, FALSE);
}

static void
fixture_teardown (Fixture *fx)
{
  tf_fixture_stop (fx->h, fx->replies, fx, fx->netns);
  g_free (fx->netns);
  g_free (fx->ifname);
}

static gboolean
report_has_verdict (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  g_autoptr (JsonObject) c
      = tf_fixture_report_case (((Fixture *)w[0])->h, "alpha", GPOINTER_TO_INT (w[1]));
  return c != NULL && g_strcmp0 (json_object_get_string_member (c, "verdict"), w[2]) == 0;
}

static gboolean
file_has_runner (TfHarness *h, gpointer path)
{
  g_autofree char *data = NULL;
  return g_file_get_contents (path, &data, NULL, NULL)
         && strstr (data, "\"src\":\"192.0.2.1:") != NULL
         && strstr (data, "\"dst\":\"192.0.2.1:") != NULL;
}

static void
test_clean_client (void)
{
  Fixture fx = { 0 };
  g_autoptr (JsonObject) r101 = NULL, r203 = NULL, c101 = NULL, c103 = NULL;
  g_autoptr (JsonObject) all = NULL, over = NULL, after = NULL;
  g_autofree char *corr = NULL, *out = NULL, *err = NULL, *text = NULL, *xml = NULL;
  g_autofree char *pdf = NULL, *junit = NULL;
  JsonObject *run;
  JsonArray *cases;
  guint pass = 0;
  if (tf_fixture_can_skip ("a lab network"))
    return;
  fixture_setup (&fx, NULL);

  /* one case at a time: the runner's verdict, entered as automation */
  r101 = run_case (&fx, 101);
  g_assert_cmpstr (json_object_get_string_member (r101, "verdict"), ==, "pass");
  r203 = run_case (&fx, 203);
  g_assert_cmpstr (json_object_get_string_member (r203, "verdict"), ==, "pass");
  {
    gpointer w[3] = { &fx, GINT_TO_POINTER (101), "pass" };
    g_assert_true (tf_harness_wait (fx.h, report_has_verdict, w, 30000));
  }
  c101 = tf_fixture_report_case (fx.h, "alpha", 101);
  g_assert_cmpstr (json_object_get_string_member (c101, "entered_by"), ==, "automation");
  run = json_object_get_object_member (c101, "automation");
  g_assert_nonnull (run);
  g_assert_cmpstr (json_object_get_string_member (run, "script"), ==, "tf-ets-run");
  /* a Pass as its summary: the verdict and every criterion, the messages counted */
  g_assert_true (json_object_get_boolean_member (run, "summary"));
  tf_harness_assert_contains (json_object_get_string_member (run, "output"),
                              "ETS 1.1 case 101 Initial Registration, endpoint alpha-ep: pass");
  tf_harness_assert_contains (json_object_get_string_member (run, "output"),
                              "[ok] A the Register names the endpoint (ep=alpha-ep)");
  tf_harness_assert_contains (json_object_get_string_member (run, "output"), "exchange: ");
  g_assert_null (strstr (json_object_get_string_member (run, "output"), "client→lab"));

  /* the exchange with the runner is the session's traffic too: captured on the lab network,
   * in the session's trace (and its live topic) for its two companies */
  {
    g_autofree char *decoded
        = g_build_filename (fx.h->state_dir, "trace", S, "decoded.jsonl", NULL);
    g_assert_true (tf_harness_wait (fx.h, file_has_runner, decoded, 30000));
  }

  /* the whole suite, unattended: every automated case the client's features allow */
  corr = send_request (&fx, "alpha", "run", "{\"session\":\"" S "\",\"all-automated\":true}");
  all = wait_reply (&fx, corr, 900000);
  if (!json_object_get_boolean_member (all, "ok"))
    g_error ("all-automated: %s", json_object_get_string_member (all, "error"));
  cases = json_object_get_array_member (all, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 15);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *k = json_array_get_object_element (cases, i);
      gint64 id = json_object_get_int_member (k, "case");
      const char *v = json_object_get_string_member (k, "verdict");
      g_test_message ("%" G_GINT64_FORMAT ": %s (%s)", id, v,
                      json_object_get_string_member (k, "note"));
      /* a client without quirks fails nothing; what the lab cannot set up is said */
      g_assert_cmpstr (v, !=, "fail");
      if (g_str_equal (v, "pass"))
        pass++;
      else
        tf_harness_assert_contains (json_object_get_string_member (k, "note"), "provisioned for");
      /* Not Applicable by the declared features never runs */
      g_assert_cmpint (id, !=, 0);
    }
  g_assert_cmpuint (pass, >=, 15);

  /* a person overrides an automated verdict with a note: theirs stands, the run stays */
  over = run_case (&fx, 103); /* De-register: decided again, to override it below */
  g_assert_cmpstr (json_object_get_string_member (over, "verdict"), ==, "pass");
  g_clear_pointer (&over, json_object_unref);
  g_free (corr);
  corr = send_request (&fx, "alpha", "verdict",
                       "{\"session\":\"" S "\",\"case\":103,\"verdict\":\"inconclusive\","
                       "\"note\":\"the server team saw a second De-register\",\"user\":\"lead\"}");
  over = wait_reply (&fx, corr, 30000);
  g_assert_true (json_object_get_boolean_member (over, "ok"));
  {
    gpointer w[3] = { &fx, GINT_TO_POINTER (103), "inconclusive" };
    g_assert_true (tf_harness_wait (fx.h, report_has_verdict, w, 30000));
  }
  c103 = tf_fixture_report_case (fx.h, "alpha", 103);
  g_assert_cmpstr (json_object_get_string_member (c103, "entered_by"), ==, "alpha/lead");
  run = json_object_get_object_member (c103, "automation");
  g_assert_nonnull (run);
  g_assert_cmpint (json_object_get_int_member (run, "exit_status"), ==, 0);
  /* and --all-automated leaves a person's verdict alone */
  g_free (corr);
  corr = send_request (&fx, "alpha", "run", "{\"session\":\"" S "\",\"all-automated\":true}");
  after = wait_reply (&fx, corr, 900000);
  g_assert_true (json_object_get_boolean_member (after, "ok"));
  cases = json_object_get_array_member (after, "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (cases, i), "case"),
                     !=, 103);

  /* the PDF and JUnit carry the evidence */
  pdf = g_build_filename (fx.h->dir, "report.pdf", NULL);
  junit = g_build_filename (fx.h->dir, "report.xml", NULL);
  g_assert_cmpint (tf_harness_ctl (fx.h, &out, &err, "report", S, "--company", "alpha", "--pdf",
                                   pdf, "--junit", junit, NULL),
                   ==, 0);
  {
    const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &text,
                                 NULL, NULL, NULL));
  }
  tf_harness_assert_contains (text, "Automation evidence");
  tf_harness_assert_contains (text, "ETS 1.1 case 101 Initial Registration");
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  tf_harness_assert_contains (xml, "automation: tf-ets-run, exit status 0");

  /* the session ends: the lab proposes verdicts from its trace for the manual exchange (the
   * registration at the session's server: 101), never from the runner's (only the runner
   * observed: no 301-303 proposals) */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (fx.h, &out, &err, "end", S, NULL), ==, 0);
  {
    gboolean has101 = FALSE;
    JsonArray *a;
    g_autoptr (JsonObject) props = NULL;
    g_free (corr);
    corr = send_request (&fx, "alpha", "proposals", "{\"session\":\"" S "\"}");
    props = wait_reply (&fx, corr, 30000);
    g_assert_true (json_object_get_boolean_member (props, "ok"));
    a = json_object_get_array_member (props, "proposals");
    for (guint i = 0; i < json_array_get_length (a); i++)
      {
        gint64 id = json_object_get_int_member (json_array_get_object_element (a, i), "case");
        g_test_message ("proposal %" G_GINT64_FORMAT, id);
        has101 |= id == 101;
        g_assert_true (id < 301 || id > 303);
      }
    g_assert_true (has101);
  }
  fixture_teardown (&fx);
}

static void
test_quirk_fails (void)
{
  Fixture fx = { 0 };
  g_autoptr (JsonObject) r = NULL, c = NULL;
  const char *output;
  if (tf_fixture_can_skip ("a lab network"))
    return;
  fixture_setup (&fx, "observe-cancel-ignored");
  r = run_case (&fx, 302);
  g_assert_cmpstr (json_object_get_string_member (r, "verdict"), ==, "fail");
  /* the criterion the quirk breaks, with its reason */
  tf_harness_assert_contains (json_object_get_string_member (r, "note"), "at criterion D");
  tf_harness_assert_contains (json_object_get_string_member (r, "note"), "cancelled observation");
  {
    gpointer w[3] = { &fx, GINT_TO_POINTER (302), "fail" };
    g_assert_true (tf_harness_wait (fx.h, report_has_verdict, w, 30000));
  }
  /* a Fail shows every message exchanged: the Observe, its notifications, the cancel */
  c = tf_fixture_report_case (fx.h, "alpha", 302);
  output
      = json_object_get_string_member (json_object_get_object_member (c, "automation"), "output");
  g_assert_false (
      json_object_get_boolean_member (json_object_get_object_member (c, "automation"), "summary"));
  tf_harness_assert_contains (output, "[NO] D ");
  tf_harness_assert_contains (output, "lab→client");
  tf_harness_assert_contains (output, "client→lab");
  tf_harness_assert_contains (output, "Observe=");
  fixture_teardown (&fx);
}

static gboolean
registered_again (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  return ((Fixture *)w[0])->registered > GPOINTER_TO_UINT (w[1]);
}

static void
test_link_cut (void)
{
  Fixture fx = { 0 };
  g_autoptr (JsonObject) r = NULL;
  g_autofree char *corr = NULL, *down = NULL, *up = NULL;
  if (tf_fixture_can_skip ("a lab network"))
    return;
  fixture_setup (&fx, NULL);
  /* 107 waits for Updates within a short lifetime: the link goes while it waits */
  {
    gpointer w[2] = { &fx, GUINT_TO_POINTER (fx.registered) };
    corr = send_request (&fx, "alpha", "run", "{\"session\":\"" S "\",\"case\":107}");
    /* the client registered at the lab's runner (its console said so): the case is under way */
    g_assert_true (tf_harness_wait (fx.h, registered_again, w, 60000));
  }
  down = tf_harness_sim (fx.h, "link sim1 down");
  g_assert_cmpstr (down, ==, "ok");
  r = wait_reply (&fx, corr, 300000);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_test_message ("107 with the link cut: %s (%s)", json_object_get_string_member (r, "verdict"),
                  json_object_get_string_member (r, "note"));
  /* the link, not the implementation: Inconclusive, never a Fail */
  g_assert_cmpstr (json_object_get_string_member (r, "verdict"), ==, "inconclusive");
  up = tf_harness_sim (fx.h, "link sim1 up");
  g_assert_cmpstr (up, ==, "ok");
  fixture_teardown (&fx);
}

/* The ETS set-ups beyond a server URI, each by the event's script for it: the runner as the
 * bootstrap server (0; 1 over DTLS with the lab's PSK), the lab's PSK (401); a set-up the
 * event gives no script for (queue mode, 108) is left to a person, nothing entered. */
static void
test_setups (void)
{
  Fixture fx = { 0 };
  g_autoptr (JsonObject) r0 = NULL, r1 = NULL, r401 = NULL, r108 = NULL, c108 = NULL;
  g_autofree char *corr = NULL;
  if (tf_fixture_can_skip ("a lab network"))
    return;
  fixture_setup_full (&fx, NULL, TRUE);
  r0 = run_case (&fx, 0);
  g_assert_cmpstr (json_object_get_string_member (r0, "verdict"), ==, "pass");
  r1 = run_case (&fx, 1);
  g_assert_cmpstr (json_object_get_string_member (r1, "verdict"), ==, "pass");
  r401 = run_case (&fx, 401);
  g_assert_cmpstr (json_object_get_string_member (r401, "verdict"), ==, "pass");
  corr = send_request (&fx, "alpha", "run", "{\"session\":\"" S "\",\"case\":108}");
  r108 = wait_reply (&fx, corr, 300000);
  g_assert_false (json_object_get_boolean_member (r108, "ok"));
  tf_harness_assert_contains (json_object_get_string_member (r108, "error"),
                              "left to a person: the event names no provision-queue script");
  /* the 401 Pass reached the report: 108, asked after it, has nothing entered */
  {
    gpointer w[3] = { &fx, GINT_TO_POINTER (401), "pass" };
    g_assert_true (tf_harness_wait (fx.h, report_has_verdict, w, 30000));
  }
  c108 = tf_fixture_report_case (fx.h, "alpha", 108);
  g_assert_nonnull (c108);
  g_assert_true (json_node_is_null (json_object_get_member (c108, "verdict")));
  fixture_teardown (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-floor/clean-client", test_clean_client);
  g_test_add_func ("/ets-floor/quirk-fails", test_quirk_fails);
  g_test_add_func ("/ets-floor/link-cut", test_link_cut);
  g_test_add_func ("/ets-floor/set-ups", test_setups);
  return g_test_run ();
}
