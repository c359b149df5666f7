/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor of a farm (issue 18): a TestFest whose boards live on two lab
 * hosts, run by the coordinator. The set-up is tests/tf-farm-util.c (a central
 * mosquitto; per host its own tf-simlab, mosquitto bridged by tf-broker-config
 * and testfestd role = host), the coordinator with an event: sessions are
 * prepared (power cycle, provisioning over the console) through the board's
 * host; a host's link cut makes its boards infrastructure trouble for the
 * floor (a preparation on them is an infrastructure error and re-planned), the
 * other host's session runs on, and after the return nothing is doubled. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-bus-call.h"
#include "tf-farm-util.h"
#include "tf-test-host.h"

#define SIM_RELAY "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
#define LAB_RELAY                                                                                  \
  "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = 100\n\n"
#define SIM_BOARD(id, n, power)                                                                    \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = " power "\nfirmware-name = fw-" id    \
  "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n\n"

/* host a: a1; host b: b1; each on its relay */
static const char *const sim_text[]
    = { SIM_RELAY SIM_BOARD ("a1", 1, "relay1:1"), SIM_RELAY SIM_BOARD ("b1", 1, "relay1:1") };
static const char *const lab_body[]
    = { LAB_RELAY "[board a1]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM1\npower = relay1:1\n"
                  "table = T1\n",
        LAB_RELAY "[board b1]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM1\npower = relay1:1\n"
                  "table = T2\n" };

/* alpha's client is on host a's board, beta's on host b's; one server */
#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm TestFest\ndays = 2030-06-04\ntimezone = UTC\nslot-minutes = 60\n"          \
  "day-start = 09:00\nday-end = 17:00\ntables = 2\n\n"                                             \
  "[company alpha]\nname = Alpha Devices\n\n[company beta]\nname = Beta Sensors\n\n"               \
  "[company gamma]\nname = Gamma Cloud\n\n"                                                        \
  "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions = 1.1\n"                \
  "transports = udp\nsecurity = nosec\nboards = a1\nprovision = provision.script\n"                \
  "entry-criteria = yes\nentry-criteria-by = staff\n\n"                                            \
  "[implementation beta-client]\ncompany = beta\nrole = client\nversions = 1.1\n"                  \
  "transports = udp\nsecurity = nosec\nboards = b1\nprovision = provision.script\n"                \
  "entry-criteria = yes\nentry-criteria-by = staff\n\n"                                            \
  "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions = 1.1\n"                \
  "transports = udp\nsecurity = nosec\nserver-uri = coap://gamma.test:5683\n"                      \
  "entry-criteria = yes\nentry-criteria-by = staff\n"

/* what the simulated console answers (as tests/tf-floor-util.c's) */
#define PROVISION_TEXT                                                                             \
  "send config set endpoint {endpoint}\n"                                                          \
  "expect ^(ok|unknown command: config set endpoint {endpoint})$ 3000\n"                           \
  "send version\nexpect ^Firmware: 3000\n"

#define SA "alpha-client--gamma-server"
#define SB "beta-client--gamma-server"

/* one image, known by the same id to the coordinator (which plans) and to the
 * hosts (which flash it with tests/flash-to-file.sh) */
#define IMAGES_TEXT                                                                                \
  "[image farm-fw]\npath = farm-fw.bin\nboard-types = sim-l476-cmd\nimplementation = farm\n"       \
  "version = 1.0\n"

/* the same, host a with a second board a2 of the same type (no session is
 * planned on it): host a has two boards, host b one */
static const char *const sim_text_a2[]
    = { SIM_RELAY SIM_BOARD ("a1", 1, "relay1:1") SIM_BOARD ("a2", 2, "relay1:2"),
        SIM_RELAY SIM_BOARD ("b1", 1, "relay1:1") };
static const char *const lab_body_a2[]
    = { LAB_RELAY "[board a1]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM1\npower = relay1:1\n"
                  "table = T1\n\n[board a2]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM2\n"
                  "power = relay1:2\ntable = T1\n",
        LAB_RELAY "[board b1]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM1\npower = relay1:1\n"
                  "table = T2\n" };

static Farm *
floor_farm_new_full (const char *const *sims, const char *const *labs)
{
  const FarmSetup setup = { sims, labs, EVENT_TEXT, TRUE, IMAGES_TEXT };
  Farm *f = farm_new (&setup);
  g_autofree char *prov = g_build_filename (f->dir, "provision.script", NULL);
  g_autofree char *fw = g_build_filename (f->dir, "farm-fw.bin", NULL);
  g_autofree char *flash_out = g_build_filename (f->dir, "flash", NULL);
  g_assert_true (g_file_set_contents (prov, PROVISION_TEXT, -1, NULL));
  g_assert_true (g_file_set_contents (fw, "FARM FIRMWARE 1.0\n", -1, NULL));
  g_assert_cmpint (g_mkdir (flash_out, 0755), ==, 0);
  g_setenv ("TF_FLASH_OUT", flash_out, TRUE);
  return f;
}

static Farm *
floor_farm_new (void)
{
  return floor_farm_new_full (sim_text, lab_body);
}

/* [farm] host-loss-grace-s of the coordinator's lab file (before coord_start) */
static void
set_grace (Farm *f, guint seconds)
{
  g_autofree char *text = NULL, *more = NULL;
  g_assert_true (g_file_get_contents (f->coord_conf, &text, NULL, NULL));
  more = g_strdup_printf ("%s\n[farm]\nhost-loss-grace-s = %u\n", text, seconds);
  g_assert_true (g_file_set_contents (f->coord_conf, more, -1, NULL));
}

/* ---- the floor's view ---- */

static JsonObject *
session_of (Farm *f, const char *id)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", f->lab, id);
  const char *json = g_hash_table_lookup (f->retained, t);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

typedef struct
{
  Farm *f;
  const char *id, *phase;
  gboolean replanned;
} PhaseWant;

static gboolean
phase_is (TfHarness *h, gpointer data)
{
  PhaseWant *w = data;
  g_autoptr (JsonObject) o = session_of (w->f, w->id);
  return o != NULL && g_strcmp0 (json_object_get_string_member (o, "phase"), w->phase) == 0
         && (!w->replanned || json_object_get_boolean_member_with_default (o, "replanned", FALSE));
}

static void
wait_phase (Farm *f, const char *id, const char *phase, gboolean replanned)
{
  PhaseWant w = { f, id, phase, replanned };
  if (!tf_harness_wait (f->host[0], phase_is, &w, WAIT_MS))
    {
      g_autoptr (JsonObject) o = session_of (f, id);
      g_autofree char *now = NULL;
      if (o != NULL)
        {
          g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), o);
          now = json_to_string (n, FALSE);
        }
      g_error ("session %s never %s%s; it is %s (kept in %s)", id, phase,
               replanned ? " (re-planned)" : "", now ? now : "unpublished", f->dir);
    }
}

/* How often @id's state was published in @phase (with @text in it, when given). */
static guint
published (Farm *f, const char *id, const char *phase, const char *text)
{
  g_autofree char *prefix = g_strdup_printf ("tf/%s/session/%s/state ", f->lab, id);
  g_autofree char *p = g_strdup_printf ("\"phase\":\"%s\"", phase);
  guint n = 0;
  for (guint i = 0; i < f->seen->len; i++)
    {
      const char *m = g_ptr_array_index (f->seen, i);
      if (g_str_has_prefix (m, prefix) && strstr (m, p) != NULL
          && (text == NULL || strstr (m, text) != NULL))
        n++;
    }
  return n;
}

/* {f, id, "yes"}: @id's state shows when it is re-planned (a lost host);
 * {f, id, NULL}: it shows none */
static gboolean
replan_at_shown (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  g_autoptr (JsonObject) o = session_of (w[0], w[1]);
  return o != NULL && json_object_has_member (o, "replan_at") == (w[2] != NULL);
}

static void
ctl_ok (Farm *f, const char *const *args)
{
  g_autofree char *out = NULL, *err = NULL;
  int rc = ctl (f, &out, &err, args);
  if (rc != 0)
    g_error ("testfestctl %s: %s%s", args[0], out, err);
}

static char *
coord_console_log (Farm *f, const char *board)
{
  g_autofree char *path = g_strdup_printf ("%s/coord-state/console/%s.log", f->dir, board);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gboolean
log_has (TfHarness *h, gpointer data)
{
  Farm *f = ((gpointer *)data)[0];
  g_autofree char *text = coord_console_log (f, ((gpointer *)data)[1]);
  return strstr (text, ((gpointer *)data)[2]) != NULL;
}

static void
cut_link (Farm *f, guint i)
{
  stop (&f->host_broker[i], SIGKILL);
}

static void
restore_link (Farm *f, guint i)
{
  g_autofree char *hconf = tf_harness_path (f->host[i], "broker/mosquitto.conf");
  f->host_broker[i] = broker_start (f, hconf, f->host[i]->port);
}

/* host @host's own retained state of @board names @holder as its session (NULL: none) */
typedef struct
{
  Farm *f;
  const char *host, *board, *holder;
} HolderWant;

static gboolean
holder_is (TfHarness *h, gpointer data)
{
  HolderWant *w = data;
  g_autofree char *prefix = g_strdup_printf ("host/%s/", w->host);
  g_autoptr (JsonObject) o = board_of (w->f, prefix, w->board);
  JsonNode *n = o != NULL ? json_object_get_member (o, "session") : NULL;
  const char *now = n != NULL && !json_node_is_null (n) ? json_node_get_string (n) : NULL;
  return o != NULL && g_strcmp0 (now, w->holder) == 0;
}

/* host @host's own state of @board names a regression job as its holder */
static gboolean
regress_held (TfHarness *h, gpointer data)
{
  HolderWant *w = data;
  g_autofree char *prefix = g_strdup_printf ("host/%s/", w->host);
  g_autoptr (JsonObject) o = board_of (w->f, prefix, w->board);
  JsonNode *n = o != NULL ? json_object_get_member (o, "session") : NULL;
  return n != NULL && !json_node_is_null (n)
         && g_str_has_prefix (json_node_get_string (n), "regress:");
}

static void
wait_holder (Farm *f, const char *host, const char *board, const char *holder)
{
  HolderWant w = { f, host, board, holder };
  if (!tf_harness_wait (f->host[0], holder_is, &w, WAIT_MS))
    g_error ("host %s never recorded %s as holder of %s (kept in %s)", host,
             holder ? holder : "nobody", board, f->dir);
}

/* A request on @topic as @user, answered on @reply; returns the answer. */
static char *
bus_request (Farm *f, const char *user, const char *pw, const char *client_id, const char *topic,
             const char *reply, const char *json)
{
  TfBusOptions o = { .host = "127.0.0.1",
                     .port = f->central_port,
                     .user = (char *)user,
                     .password = (char *)pw,
                     .client_id = (char *)client_id,
                     .keepalive_s = 30 };
  char *answer = tf_test_bus_call (&o, topic, reply, json, WAIT_MS);
  if (answer == NULL)
    g_error ("%s on %s: no answer", user, topic);
  return answer;
}

/* A company's request on in/<company>/<verb>, as that company's account on
 * the central broker; returns its answer. */
static char *
company_request (Farm *f, const char *company, const char *verb, const char *json)
{
  g_autofree char *creds = g_build_filename (f->dir, "central", "credentials", NULL);
  g_autofree char *pw = tf_test_credential (creds, company);
  g_autofree char *id = g_strdup_printf ("%s-%08x", company, g_random_int ());
  g_autofree char *reply = g_strdup_printf ("tf/%s/reply/%s/%s", f->lab, company, id);
  g_autofree char *topic = g_strdup_printf ("tf/%s/in/%s/%s", f->lab, company, verb);
  return bus_request (f, company, pw, id, topic, reply, json);
}

/* A request to host @host's verbs as the coordinator's account would send it. */
static char *
host_request (Farm *f, const char *host, const char *verb, const char *json)
{
  g_autofree char *pwf = g_build_filename (f->dir, "coord.pw", NULL);
  g_autofree char *pw = NULL;
  g_autofree char *id = g_strdup_printf ("probe-%08x", g_random_int ());
  g_autofree char *reply = g_strdup_printf ("tf/%s/host/%s/reply/%s", f->lab, host, id);
  g_autofree char *topic = g_strdup_printf ("tf/%s/host/%s/in/%s", f->lab, host, verb);
  g_assert_true (g_file_get_contents (pwf, &pw, NULL, NULL));
  g_strchomp (pw);
  return bus_request (f, "testfestd", pw, id, topic, reply, json);
}

static void
company_verdict (Farm *f, const char *company, const char *session, int case_id, const char *v)
{
  g_autofree char *json
      = g_strdup_printf ("{\"session\":\"%s\",\"case\":%d,\"verdict\":\"%s\",\"user\":\"tester\"}",
                         session, case_id, v);
  g_autofree char *answer = company_request (f, company, "verdict", json);
  tf_harness_assert_contains (answer, "\"ok\":true");
}

/* ---- the test ---- */

static void
test_floor (void)
{
  g_autoptr (Farm) f = floor_farm_new ();
  g_autoptr (JsonObject) b1_before = NULL, b1_after = NULL, sb = NULL;
  int boots_a, boots_b;

  /* a grace longer than any cut below can last (each wait is bounded by
   * WAIT_MS): a session running through a cut keeps its board (a blip); the
   * grace running out is /farm-floor/host-loss-grace */
  set_grace (f, 1800);
  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "a1", "ready", NULL);
  wait_board (f, "b1", "ready", NULL);
  /* the schedule placed each client's session on its board, on its host */
  {
    g_autoptr (JsonObject) a = NULL, b = NULL;
    wait_phase (f, SA, "scheduled", FALSE);
    wait_phase (f, SB, "scheduled", FALSE);
    a = session_of (f, SA);
    b = session_of (f, SB);
    g_assert_cmpstr (json_object_get_string_member (a, "board"), ==, "a1");
    g_assert_cmpstr (json_object_get_string_member (b, "board"), ==, "b1");
  }

  /* beta's session on host b's board: power cycled by host b, provisioned
   * over its console through host b, running */
  boots_b = tf_harness_boots (f->host[1], "b1");
  ctl_ok (f, (const char *[]){ "start", SB, NULL });
  wait_phase (f, SB, "running", FALSE);
  g_assert_cmpint (tf_harness_boots (f->host[1], "b1"), >, boots_b);
  /* the provisioning's answer came back over host b's console topic into the
   * coordinator's own console log of b1 */
  g_assert_true (
      tf_harness_wait (f->host[0], log_has, (gpointer[]){ f, "b1", "Firmware:" }, WAIT_MS));
  {
    g_autofree char *log = coord_console_log (f, "b1");
    tf_harness_assert_contains (log, "config set endpoint beta-client");
  }

  /* host a's link cut: a1 is infrastructure trouble, b1 and beta's session untouched */
  b1_before = board_of (f, "", "b1");
  cut_link (f, 0);
  wait_board (f, "a1", "unknown", "host a lost");
  /* alpha's session prepared on a1 now: an infrastructure error, never a Fail;
   * the session is placed again */
  ctl_ok (f, (const char *[]){ "start", SA, NULL });
  wait_phase (f, SA, "scheduled", TRUE);
  g_assert_cmpuint (published (f, SA, "aborted", "infrastructure error"), >=, 1);
  g_assert_cmpuint (published (f, SA, "aborted", "host a lost"), >=, 1);
  g_assert_cmpuint (published (f, SA, "running", NULL), ==, 0);
  b1_after = board_of (f, "", "b1");
  g_assert_cmpstr (json_object_get_string_member (b1_after, "since"), ==,
                   json_object_get_string_member (b1_before, "since"));
  sb = session_of (f, SB);
  g_assert_cmpstr (json_object_get_string_member (sb, "phase"), ==, "running");
  g_clear_pointer (&sb, json_object_unref);

  /* host a back: its board is ready again and alpha's session runs on it */
  restore_link (f, 0);
  wait_board (f, "a1", "ready", NULL);
  boots_a = tf_harness_boots (f->host[0], "a1");
  ctl_ok (f, (const char *[]){ "start", SA, NULL });
  wait_phase (f, SA, "running", FALSE);
  g_assert_cmpint (tf_harness_boots (f->host[0], "a1"), >, boots_a);
  g_assert_true (tf_harness_wait (
      f->host[0], log_has, (gpointer[]){ f, "a1", "config set endpoint alpha-client" }, WAIT_MS));

  /* beta enters a verdict while its session runs on host b's board */
  company_verdict (f, "beta", SB, 101, "pass");

  /* the coordinator's lease of b1 is recorded on host b */
  wait_holder (f, "b", "b1", SB);

  /* host b refuses a second holder while the coordinator's lease stands */
  {
    g_autofree char *answer
        = host_request (f, "b", "lease", "{\"board\":\"b1\",\"holder\":\"intruder\"}");
    tf_harness_assert_contains (answer, "\"ok\":false");
    tf_harness_assert_contains (answer, "board b1 is held by " SB);
    wait_holder (f, "b", "b1", SB);
  }

  /* host b's link cut, shorter than the grace, while beta's session runs on
   * b1: the session is the coordinator's record and runs on (its board is
   * out, not faulted); back, it is still the one session, running, never
   * started twice, never aborted */
  cut_link (f, 1);
  wait_board (f, "b1", "unknown", "host b lost");
  /* its topic says when it would be re-planned unless the host returns */
  g_assert_true (
      tf_harness_wait (f->host[0], replan_at_shown, (gpointer[]){ f, SB, "yes" }, WAIT_MS));
  sb = session_of (f, SB);
  g_assert_cmpstr (json_object_get_string_member (sb, "phase"), ==, "running");
  g_clear_pointer (&sb, json_object_unref);
  restore_link (f, 1);
  wait_board (f, "b1", "ready", NULL);
  g_assert_true (
      tf_harness_wait (f->host[0], replan_at_shown, (gpointer[]){ f, SB, NULL }, WAIT_MS));
  sb = session_of (f, SB);
  g_assert_cmpstr (json_object_get_string_member (sb, "phase"), ==, "running");
  g_assert_cmpuint (published (f, SB, "preparing", NULL), ==, 1);
  g_assert_cmpuint (published (f, SB, "aborted", NULL), ==, 0);
  wait_holder (f, "b", "b1", SB);

  /* the session ends while host b is away: the lease is revoked in the
   * coordinator's store at once, and given back on the host when it returns */
  cut_link (f, 1);
  wait_board (f, "b1", "unknown", "host b lost");
  ctl_ok (f, (const char *[]){ "end", SB, NULL });
  wait_phase (f, SB, "reporting", FALSE);
  restore_link (f, 1);
  wait_board (f, "b1", "ready", NULL);
  wait_holder (f, "b", "b1", NULL);
  g_assert_cmpuint (published (f, SB, "reporting", NULL), >=, 1);
  g_assert_cmpuint (published (f, SB, "preparing", NULL), ==, 1);
  /* beta's verdict, entered before the cuts, is in its report */
  {
    g_autofree char *out = NULL, *err = NULL, *low = NULL;
    g_assert_cmpint (ctl (f, &out, &err, (const char *[]){ "report", SB, NULL }), ==, 0);
    low = g_ascii_strdown (out, -1);
    tf_harness_assert_contains (low, "101");
    tf_harness_assert_contains (low, "pass");
  }
  /* alpha's session on host a ran on through all of it */
  wait_phase (f, SA, "running", FALSE);
  wait_holder (f, "a", "a1", SA);
}

/* ---- the regression queue on the farm ---- */

/* The run's retained progress (NULL until the coordinator published it). */
static char *
regress_run (Farm *f)
{
  g_autofree char *prefix = g_strdup_printf ("tf/%s/regress/run/", f->lab);
  GHashTableIter it;
  const char *topic, *json;
  g_hash_table_iter_init (&it, f->retained);
  while (g_hash_table_iter_next (&it, (gpointer *)&topic, (gpointer *)&json))
    if (g_str_has_prefix (topic, prefix) && strchr (topic + strlen (prefix), '/') == NULL)
      return g_strdup (json);
  return NULL;
}

static gboolean
run_over (TfHarness *h, gpointer data)
{
  g_autofree char *json = regress_run (data);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonObject *run;
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return FALSE;
  run = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "run");
  return run != NULL && g_strcmp0 (json_object_get_string_member (run, "state"), "running") != 0;
}

static void
test_regress (void)
{
  g_autoptr (Farm) f = floor_farm_new ();
  g_autofree char *plan = g_build_filename (f->dir, "farm.plan", NULL);
  g_autofree char *script = g_build_filename (f->dir, "slow.sh", NULL);
  g_autofree char *json = NULL;

  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "a1", "ready", NULL);
  wait_board (f, "b1", "ready", NULL);
  g_assert_true (g_file_set_contents (
      script, "#!/bin/sh\necho \"case $TF_CASE on $TF_BOARD\"\nsleep 1\n", -1, NULL));
  g_chmod (script, 0755);
  /* two jobs of twenty one-second cases each */
  g_assert_true (
      g_file_set_contents (plan,
                           "[plan]\nname = farm\nboard-types = sim-l476-cmd\nimages = farm-fw\n"
                           "suites = s1;s2\nrepeat = 20\n"
                           "[suite s1]\nscripts = slow.sh\n[suite s2]\nscripts = slow.sh\n",
                           -1, NULL));
  ctl_ok (f, (const char *[]){ "regress", "submit", "--plan", plan, NULL });
  /* the queue spreads them over the idle hosts: each host records a job's lease */
  {
    HolderWant wa = { f, "a", "a1", NULL }, wb = { f, "b", "b1", NULL };
    g_assert_true (tf_harness_wait (f->host[0], regress_held, &wa, WAIT_MS));
    g_assert_true (tf_harness_wait (f->host[0], regress_held, &wb, WAIT_MS));
  }
  /* host a's link cut mid-job: its job goes on on host b's board */
  cut_link (f, 0);
  wait_board (f, "a1", "unknown", "host a lost");
  if (!tf_harness_wait (f->host[0], run_over, f, WAIT_MS))
    g_error ("the run never ended (kept in %s)", f->dir);
  json = regress_run (f);
  /* both jobs passed; one of them after an infrastructure error on a1 */
  tf_harness_assert_contains (json, "\"state\":\"passed\"");
  g_assert_null (strstr (json, "\"state\":\"incomplete\""));
  g_assert_null (strstr (json, "\"state\":\"failed\""));
  tf_harness_assert_contains (json, "host a lost");
  tf_harness_assert_contains (json, "\"board\":\"b1\"");
}

/* the run's retained progress contains ((gpointer *)data)[1] */
static gboolean
run_says (TfHarness *h, gpointer data)
{
  g_autofree char *json = regress_run (((gpointer *)data)[0]);
  return json != NULL && strstr (json, ((gpointer *)data)[1]) != NULL;
}

/* how often host @host published @board's state without a holder since f->seen[@from] */
static guint
host_unheld (Farm *f, const char *host, const char *board, guint from)
{
  g_autofree char *prefix = g_strdup_printf ("tf/%s/host/%s/board/%s/state ", f->lab, host, board);
  guint n = 0;
  for (guint i = from; i < f->seen->len; i++)
    {
      const char *m = g_ptr_array_index (f->seen, i);
      if (g_str_has_prefix (m, prefix) && strstr (m, "\"session\":null") != NULL)
        n++;
    }
  return n;
}

/* ---- the idler host, and a coordinator restart under a running session ---- */

/* Host a runs alpha's session on a1 and has a2 free; host b has b1 free. A
 * regression job for the type of all three goes to host b (fewer busy
 * boards), though a2 comes first by id; neither board was ever checked, and
 * the job has only b1 checked (checking both handed the job to whichever
 * check ended first: one CI run in eight). Then the coordinator is killed (-9)
 * and restarted: alpha's session is still the one session, running, and the
 * lease on host a is still its. */
static void
test_idle_host_and_restart (void)
{
  g_autoptr (Farm) f = floor_farm_new_full (sim_text_a2, lab_body_a2);
  g_autofree char *plan = g_build_filename (f->dir, "one.plan", NULL);
  g_autofree char *script = g_build_filename (f->dir, "slow.sh", NULL);
  HolderWant wb = { f, "b", "b1", NULL };
  int boots_a1, boots_a2;
  guint preparing, seen_before;

  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "a1", "ready", NULL);
  wait_board (f, "a2", "ready", NULL);
  wait_board (f, "b1", "ready", NULL);
  wait_phase (f, SA, "scheduled", FALSE);
  ctl_ok (f, (const char *[]){ "start", SA, NULL });
  wait_phase (f, SA, "running", FALSE);
  wait_holder (f, "a", "a1", SA);
  boots_a2 = tf_harness_boots (f->host[0], "a2");

  /* one job of the boards' type: host b's b1, not host a's a2 */
  g_assert_true (g_file_set_contents (
      script, "#!/bin/sh\necho \"case $TF_CASE on $TF_BOARD\"\nsleep 1\n", -1, NULL));
  g_chmod (script, 0755);
  g_assert_true (g_file_set_contents (plan,
                                      "[plan]\nname = one\nboard-types = sim-l476-cmd\n"
                                      "images = farm-fw\nsuites = s1\nrepeat = 30\n"
                                      "[suite s1]\nscripts = slow.sh\n",
                                      -1, NULL));
  ctl_ok (f, (const char *[]){ "regress", "submit", "--plan", plan, NULL });
  g_assert_true (tf_harness_wait (f->host[0], regress_held, &wb, WAIT_MS));
  {
    g_autoptr (JsonObject) a2 = board_of (f, "host/a/", "a2");
    JsonNode *n = json_object_get_member (a2, "session");
    g_assert_true (n == NULL || json_node_is_null (n));
  }
  /* a2 not power-cycled for a health check the job did not need */
  g_assert_cmpint (tf_harness_boots (f->host[0], "a2"), ==, boots_a2);

  /* the coordinator's record: the job on b1 */
  {
    gpointer want[] = { f, "\"board\":\"b1\"" };
    g_assert_true (tf_harness_wait (f->host[0], run_says, want, WAIT_MS));
  }

  /* the coordinator killed -9 and restarted while alpha's session runs on a1 */
  boots_a1 = tf_harness_boots (f->host[0], "a1");
  preparing = published (f, SA, "preparing", NULL);
  seen_before = f->seen->len;
  stop (&f->coord, SIGKILL);
  coord_start (f);
  /* the new coordinator at work: the job (resumed from its step) runs to its end */
  if (!tf_harness_wait (f->host[0], run_over, f, WAIT_MS))
    g_error ("the run never ended (kept in %s)", f->dir);
  {
    g_autofree char *json = regress_run (f);
    tf_harness_assert_contains (json, "\"passed\":1");
  }
  /* alpha's session: not lost (never aborted, still running on a1), not
   * doubled (not prepared again: no power cycle), its lease on host a */
  wait_phase (f, SA, "running", FALSE);
  g_assert_cmpuint (published (f, SA, "aborted", NULL), ==, 0);
  g_assert_cmpuint (published (f, SA, "preparing", NULL), ==, preparing);
  g_assert_cmpint (tf_harness_boots (f->host[0], "a1"), ==, boots_a1);
  {
    g_autoptr (JsonObject) sa = session_of (f, SA);
    g_assert_cmpstr (json_object_get_string_member (sa, "board"), ==, "a1");
  }
  wait_holder (f, "a", "a1", SA);
  g_test_message ("after the restart host a published a1 %u times without alpha's lease",
                  host_unheld (f, "a", "a1", seen_before));
  wait_holder (f, "a", "a1", SA);
}

/* A session running on host b's board when host b is lost for longer than
 * the grace (3 s): ended as an infrastructure error ("host b lost") and
 * re-planned into a new slot, the verdict entered before kept; its lease
 * revoked by the coordinator, so host b, back, is told to release it: the
 * old session is not resumed there; the re-planned one runs. */
static void
test_host_loss_grace (void)
{
  g_autoptr (Farm) f = floor_farm_new ();
  g_autoptr (JsonObject) before = NULL, after = NULL;
  guint preparing, running, aborted;
  gint64 old_slot, t0, t1;
  int boots_b;

  set_grace (f, 3);
  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "b1", "ready", NULL);
  wait_phase (f, SB, "scheduled", FALSE);
  ctl_ok (f, (const char *[]){ "start", SB, NULL });
  wait_phase (f, SB, "running", FALSE);
  wait_holder (f, "b", "b1", SB);
  company_verdict (f, "beta", SB, 101, "pass");
  before = session_of (f, SB);
  old_slot = json_object_get_int_member (before, "slot");
  preparing = published (f, SB, "preparing", NULL);
  running = published (f, SB, "running", NULL);
  g_assert_cmpuint (published (f, SB, "aborted", NULL), ==, 0);

  /* host b lost, and it stays lost past the grace */
  t0 = g_get_monotonic_time ();
  cut_link (f, 1);
  wait_board (f, "b1", "unknown", "host b lost");
  t1 = g_get_monotonic_time ();
  wait_phase (f, SB, "scheduled", TRUE);
  /* not before the grace ran out (a lower bound only: no upper one is asserted) */
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 3 * G_USEC_PER_SEC);
  g_test_message ("host b lost %.1f s after the cut; its session re-planned %.1f s after the cut",
                  (t1 - t0) / 1e6, (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (published (f, SB, "aborted", "infrastructure error: host b lost"), >=, 1);
  aborted = published (f, SB, "aborted", NULL);
  after = session_of (f, SB);
  g_assert_cmpstr (json_object_get_string_member (after, "board"), ==, "b1");
  g_assert_cmpint (json_object_get_int_member (after, "slot"), >, old_slot);
  /* the verdict entered before the loss is in the session's report */
  {
    g_autofree char *out = NULL, *err = NULL, *low = NULL;
    g_assert_cmpint (ctl (f, &out, &err, (const char *[]){ "report", SB, NULL }), ==, 0);
    low = g_ascii_strdown (out, -1);
    tf_harness_assert_contains (low, "101");
    tf_harness_assert_contains (low, "pass");
  }

  /* host b back: it still held b1 for the old session; the coordinator's
   * record (no holder) wins and the host releases it; nothing resumes it */
  boots_b = tf_harness_boots (f->host[1], "b1");
  restore_link (f, 1);
  wait_board (f, "b1", "ready", NULL);
  wait_holder (f, "b", "b1", NULL);
  /* running again only as "re-planned at ... unless it returns" during the grace */
  g_assert_cmpuint (published (f, SB, "running", "replan_at"), >=, 1);
  g_assert_cmpuint (published (f, SB, "running", NULL), ==,
                    running + published (f, SB, "running", "replan_at"));
  g_assert_cmpuint (published (f, SB, "preparing", NULL), ==, preparing);
  {
    g_autoptr (JsonObject) sb = session_of (f, SB);
    g_assert_cmpstr (json_object_get_string_member (sb, "phase"), ==, "scheduled");
  }
  g_assert_cmpint (tf_harness_boots (f->host[1], "b1"), ==, boots_b);

  /* the re-planned session runs: prepared again (a power cycle), leased again */
  ctl_ok (f, (const char *[]){ "start", SB, NULL });
  wait_phase (f, SB, "running", FALSE);
  g_assert_cmpuint (published (f, SB, "preparing", NULL), ==, preparing + 1);
  g_assert_cmpint (tf_harness_boots (f->host[1], "b1"), >, boots_b);
  wait_holder (f, "b", "b1", SB);
  g_assert_cmpuint (published (f, SB, "aborted", NULL), ==, aborted);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/farm-floor/testfest-over-two-hosts", test_floor);
  g_test_add_func ("/farm-floor/regress-off-a-lost-host", test_regress);
  g_test_add_func ("/farm-floor/idle-host-and-coordinator-restart", test_idle_host_and_restart);
  g_test_add_func ("/farm-floor/host-loss-grace", test_host_loss_grace);
  return g_test_run ();
}
