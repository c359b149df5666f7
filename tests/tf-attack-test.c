/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Attacks on the request path (issue 12, holes 1, 3 and 5 and the smaller
 * ones), each tried against the real daemon under tf-simlab through a real
 * mosquitto, as a hostile participant would: the attack fails, nothing is
 * published where it should not be, and the floor keeps running.
 *
 * The broker here lets anyone write anywhere (no ACL): the daemon's own
 * checks are what is tested, against a stronger attacker than the real
 * broker set-up allows. "Nothing was published" is proven without waiting
 * out a timeout: a good request sent after the bad one on the same connection
 * is answered after it (MQTT keeps the order of one client's QoS 1 messages
 * and the daemon handles them in order), so once its answer is in, any answer
 * to the bad one would have been seen. */
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "tf-floor-util.h"
#include "tf-harness.h"

#define S1 "alpha-client--gamma-server"
#define S3 "beta-client--gamma-server"

/* "topic\tcorrelation" of every message seen with correlation data */
static void
on_any (TfBus *bus, const TfBusMessage *m, GPtrArray *seen)
{
  if (m->correlation != NULL)
    g_ptr_array_add (seen,
                     g_strdup_printf ("%s\t%.*s", m->topic, (int)g_bytes_get_size (m->correlation),
                                      (const char *)g_bytes_get_data (m->correlation, NULL)));
}

/* Whether a message with @corr was seen anywhere but on the request's own
 * topic @request (the watcher sees the requests too). */
static gboolean
corr_seen (GPtrArray *seen, const char *request, const char *corr)
{
  g_autofree char *tail = g_strdup_printf ("\t%s", corr);
  g_autofree char *self = g_strdup_printf ("%s\t%s", request, corr);
  for (guint i = 0; i < seen->len; i++)
    if (g_str_has_suffix (g_ptr_array_index (seen, i), tail)
        && g_strcmp0 (g_ptr_array_index (seen, i), self) != 0)
      return TRUE;
  return FALSE;
}

static GPtrArray *
watch_correlations (TfFloorTest *t)
{
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (t->h->watch, "message", G_CALLBACK (on_any), seen);
  return seen;
}

static void
unwatch (TfFloorTest *t, GPtrArray *seen)
{
  g_signal_handlers_disconnect_by_data (t->h->watch, seen);
  g_ptr_array_unref (seen);
}

/* The daemon's request counters (status → requests), after a barrier. */
static gint64
counter (TfFloorTest *t, const char *name)
{
  g_autoptr (JsonObject) st = tf_floor_request (t, NULL, "status", "{}");
  JsonObject *req;
  g_assert_true (tf_floor_ok (st));
  req = json_object_get_object_member (st, "requests");
  g_assert_nonnull (req);
  return json_object_get_int_member (req, name);
}

static char *
refusal (JsonObject *o)
{
  char *e;
  g_assert_nonnull (o);
  g_assert_false (tf_floor_ok (o));
  e = g_strdup (json_object_get_string_member (o, "error"));
  json_object_unref (o);
  return e;
}

static void
assert_refused_with (JsonObject *o, const char *reason)
{
  g_autofree char *e = refusal (o);
  if (strstr (e, reason) == NULL)
    g_error ("refused with '%s', not '%s'", e, reason);
}

static const char *
verdict_of (TfFloorTest *t, const char *session, gint64 case_id)
{
  static char verdict[32];
  g_autoptr (JsonObject) o
      = tf_floor_request (t, "alpha", "report", "{\"session\":\"%s\"}", session);
  JsonArray *cases;
  g_assert_true (tf_floor_ok (o));
  cases = json_object_get_array_member (json_object_get_object_member (o, "report"), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (json_object_get_int_member (c, "id") == case_id)
        {
          g_strlcpy (verdict, json_object_get_string_member_with_default (c, "verdict", "none"),
                     sizeof (verdict));
          return verdict;
        }
    }
  g_error ("no case %" G_GINT64_FORMAT, case_id);
}

static gint64
history_rows (TfFloorTest *t, const char *note)
{
  g_autofree char *path = g_build_filename (t->h->state_dir, "testfest.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 n;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM verdict_history WHERE note = ?", -1, &st, NULL),
      ==, SQLITE_OK);
  sqlite3_bind_text (st, 1, note, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n;
}

static gboolean
watch_connected (TfHarness *h, gpointer data)
{
  return tf_bus_is_connected (h->watch);
}

/* After a broker restart: our client and the daemon are back. */
static void
wait_reconnected (TfFloorTest *t)
{
  g_assert_true (tf_harness_wait (t->h, watch_connected, NULL, 60000));
  tf_floor_wait_up (t);
}

/* sim1 ready, as the daemon says (these tests restart the broker while the
 * lab comes up: what they check is requests, not the retained board state) */
static gboolean
sim1_ready (TfHarness *h, gpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  tf_harness_sleep (h, 100);
  return tf_harness_ctl (h, &out, &err, "board", "sim1", NULL) == 0 && out != NULL
         && strstr (out, " ready ") != NULL;
}

static void
start_s1 (TfFloorTest *t)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (tf_harness_wait (t->h, sim1_ready, NULL, 60000));
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "start", S1, NULL), ==, 0);
  g_assert_true (tf_floor_wait_phase (t, S1, "running", 60000));
}

/* Hole 1: the response topic names any topic the daemon may write. */
static void
test_reply_topic_matrix (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  const char *lab = t->h->lab;
  GPtrArray *seen = watch_correlations (t);
  const char *targets[] = {
    "private/beta/session/" S3 "/report", /* another company's private report */
    "private/gamma/session/" S1 "/report",
    "schedule",
    "board/sim1/state",
    "summary",
    "session/" S1 "/state",
    "reply/beta/beta-cli", /* another client's reply topic */
    "reply/staff/testfestctl-1",
    "reply/alpha",     /* no client id */
    "in/beta/verdict", /* a request in another's name */
    "cmd/power",
  };
  g_autofree char *schedule = g_strdup (tf_harness_retained (t->h, "schedule"));
  guint sent = 0;

  g_assert_nonnull (schedule);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    for (guint staff = 0; staff < 2; staff++)
      {
        g_autofree char *topic = staff ? g_strdup_printf ("tf/%s/cmd/sessions", lab)
                                       : g_strdup_printf ("tf/%s/in/alpha/sessions", lab);
        g_autofree char *rt = g_strdup_printf ("tf/%s/%s", lab, targets[i]);
        g_autofree char *corr = g_strdup_printf ("bad-%u-%u", i, staff);
        g_autoptr (GError) error = NULL;
        /* staff name their own account: reply/staff/... is theirs */
        if (staff && g_str_has_prefix (targets[i], "reply/staff/"))
          continue;
        g_assert_true (tf_bus_request (t->h->watch, topic, "{}", rt, corr, &error));
        sent++;
      }
  /* the barrier: a good request, answered */
  {
    g_autoptr (JsonObject) o = tf_floor_request (t, "alpha", "sessions", "{}");
    g_assert_true (tf_floor_ok (o));
  }
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    for (guint staff = 0; staff < 2; staff++)
      {
        g_autofree char *corr = g_strdup_printf ("bad-%u-%u", i, staff);
        g_autofree char *topic = staff ? g_strdup_printf ("tf/%s/cmd/sessions", lab)
                                       : g_strdup_printf ("tf/%s/in/alpha/sessions", lab);
        if (staff && g_str_has_prefix (targets[i], "reply/staff/"))
          continue;
        if (corr_seen (seen, topic, corr))
          g_error ("the daemon answered into tf/%s/%s", lab, targets[i]);
      }
  g_assert_cmpint (counter (t, "bad_reply_to"), ==, sent);
  /* the floor runs on: the public schedule is untouched, requests are answered */
  g_assert_cmpstr (tf_harness_retained (t->h, "schedule"), ==, schedule);
  start_s1 (t);
  unwatch (t, seen);
}

static void
publish_retained (TfFloorTest *t, const char *topic, const char *payload, const char *rt,
                  const char *corr)
{
  g_autofree char *port = g_strdup_printf ("%u", t->h->port);
  g_autofree char *full = g_strdup_printf ("tf/%s/%s", t->h->lab, topic);
  const char *argv[] = { "mosquitto_pub",
                         "-h",
                         "127.0.0.1",
                         "-p",
                         port,
                         "-V",
                         "mqttv5",
                         "-q",
                         "1",
                         "-r",
                         "-t",
                         full,
                         "-m",
                         payload,
                         "-D",
                         "publish",
                         "response-topic",
                         rt,
                         "-D",
                         "publish",
                         "correlation-data",
                         corr,
                         NULL };
  gint status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* What the broker holds retained on @topic (NULL: nothing). */
static char *
broker_retained (TfFloorTest *t, const char *topic)
{
  g_autofree char *port = g_strdup_printf ("%u", t->h->port);
  g_autofree char *full = g_strdup_printf ("tf/%s/%s", t->h->lab, topic);
  const char *argv[] = { "mosquitto_sub",   "-h", "127.0.0.1", "-p", port, "-t", full,
                         "--retained-only", "-C", "1",         "-W", "10", NULL };
  char *out = NULL;
  gint status = -1;
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    g_clear_pointer (&out, g_free);
  return out;
}

/* Hole 3: a company's own stale retained "fail" must not overwrite its later,
 * acknowledged "pass" when the daemon or the broker restarts; and a request id
 * replayed is answered from the record, not executed again. */
static void
test_retained_verdict_replay (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autofree char *rt = g_strdup_printf ("tf/%s/reply/alpha/attacker", t->h->lab);
  g_autofree char *verdict_topic = g_strdup_printf ("tf/%s/in/alpha/verdict", t->h->lab);
  g_autofree char *held = NULL;
  g_autofree char *first = NULL;
  const char *pass_json
      = "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\",\"note\":\"acknowledged\","
        "\"id\":\"v-101\"}";
  GPtrArray *seen = NULL;

  /* a broker that keeps retained messages across its restart */
  tf_harness_stop_broker (t->h);
  t->h->broker_persistence = TRUE;
  tf_harness_start_broker (t->h);
  wait_reconnected (t);
  seen = watch_correlations (t);
  start_s1 (t);

  publish_retained (t, "in/alpha/verdict",
                    "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"fail\",\"note\":\"stale\"}",
                    rt, "stale-1");
  {
    g_autofree char *corr = tf_floor_send (t, "alpha", "verdict", pass_json);
    g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
    g_assert_true (tf_floor_ok (o));
    first = g_strdup (g_hash_table_lookup (t->replies, corr));
  }
  g_assert_false (corr_seen (seen, verdict_topic, "stale-1"));
  g_assert_cmpint (counter (t, "retained_ignored"), ==, 1);
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "pass");

  /* daemon restart: the broker replays nothing, the verdict stands */
  tf_floor_test_restart (t, SIGTERM);
  tf_floor_wait_up (t);
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "pass");
  g_assert_cmpint (counter (t, "retained_ignored"), ==, 0);
  /* the acknowledged request replayed (same id, same bytes): its first answer again */
  {
    g_autofree char *corr = tf_floor_send (t, "alpha", "verdict", pass_json);
    g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
    g_assert_true (tf_floor_ok (o));
    g_assert_cmpstr (g_hash_table_lookup (t->replies, corr), ==, first);
  }
  g_assert_cmpint (counter (t, "from_record"), ==, 1);
  g_assert_cmpint (history_rows (t, "acknowledged"), ==, 1);

  /* broker restart: it still holds the stale request, and the daemon is not given it */
  tf_harness_stop_broker (t->h);
  tf_harness_start_broker (t->h);
  wait_reconnected (t);
  held = broker_retained (t, "in/alpha/verdict");
  g_assert_nonnull (held);
  g_assert_nonnull (strstr (held, "stale"));
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "pass");
  g_assert_false (corr_seen (seen, verdict_topic, "stale-1"));
  g_assert_cmpint (history_rows (t, "stale"), ==, 0);
  unwatch (t, seen);
}

static gboolean
booted (TfHarness *h, gpointer n)
{
  return tf_harness_boots (h, "sim3") >= GPOINTER_TO_INT (n);
}

/* A retained staff request and a request id: executed once. */
static void
test_request_id_executed_once (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autofree char *rt = g_strdup_printf ("tf/%s/reply/staff/attacker", t->h->lab);
  const char *cycle = "{\"board\":\"sim3\",\"action\":\"cycle\",\"id\":\"cycle-1\"}";
  g_autofree char *first = NULL;
  int boots;

  g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "ready", 30000));
  boots = tf_harness_boots (t->h, "sim3");
  {
    g_autofree char *corr = tf_floor_send (t, NULL, "power", cycle);
    g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
    g_assert_true (tf_floor_ok (o));
    first = g_strdup (g_hash_table_lookup (t->replies, corr));
  }
  g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "ready", 30000));
  g_assert_cmpint (tf_harness_boots (t->h, "sim3"), ==, boots + 1);
  {
    g_autofree char *corr = tf_floor_send (t, NULL, "power", cycle);
    g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
    g_assert_true (tf_floor_ok (o));
    g_assert_cmpstr (g_hash_table_lookup (t->replies, corr), ==, first);
  }
  g_assert_cmpint (counter (t, "from_record"), ==, 1);
  /* the same id for something else is refused, not executed */
  assert_refused_with (
      tf_floor_request (t, NULL, "power",
                        "{\"board\":\"sim3\",\"action\":\"off\",\"id\":\"cycle-1\"}"),
      "id 'cycle-1' was used for another request");
  g_assert_cmpstr (tf_harness_board_state (t->h, "sim3"), ==, "ready");

  /* a retained power request: ignored now and after a restart */
  publish_retained (t, "cmd/power", "{\"board\":\"sim3\",\"action\":\"cycle\"}", rt, "ret-1");
  g_assert_cmpint (counter (t, "retained_ignored"), ==, 1);
  g_assert_cmpint (tf_harness_boots (t->h, "sim3"), ==, boots + 1);
  tf_floor_test_restart (t, SIGTERM);
  tf_floor_wait_up (t);
  /* the daemon's start cycles every board once; a replayed request would
   * have been taken before this answer and cycled sim3 once more */
  g_assert_cmpint (counter (t, "retained_ignored"), ==, 0);
  g_assert_true (tf_harness_wait (t->h, booted, GINT_TO_POINTER (boots + 2), 30000));
  g_assert_true (tf_harness_wait_board_state (t->h, "sim3", "ready", 30000));
  g_assert_cmpint (tf_harness_boots (t->h, "sim3"), ==, boots + 2);
  /* the record outlives the daemon: the replay is answered, sim3 not cycled
   * (an executed cycle answers only once the board is up again) */
  {
    g_autofree char *corr = tf_floor_send (t, NULL, "power", cycle);
    g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
    g_assert_true (tf_floor_ok (o));
    g_assert_cmpstr (g_hash_table_lookup (t->replies, corr), ==, first);
  }
  g_assert_cmpint (tf_harness_boots (t->h, "sim3"), ==, boots + 2);
  g_assert_cmpint (counter (t, "from_record"), ==, 1);
}

/* Hole 5: 8 MB and 100,000 levels on every request topic; 60,000 levels fit
 * in 64 KiB and are stopped by the nesting scanner. */
static void
test_big_and_deep (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  static const char *const staff[]
      = { "boards",   "board",  "power",    "release", "status",       "flash",  "images",
          "schedule", "replan", "sessions", "session", "start",        "end",    "abort",
          "close",    "report", "summary",  "listing", "consolidated", "leases", "lease-release" };
  static const char *const company[] = { "verdict", "verify", "sign", "report", "sessions", "run" };
  g_autofree char *big = g_malloc (8 * 1024 * 1024 + 1);
  g_autofree char *deep = g_malloc (100000 + 1);
  g_autofree char *deep60 = g_malloc (60000 + 1);
  struct
  {
    const char *payload, *reason;
  } shapes[] = {
    { big, "payload of 8388608 bytes is larger than 64 KiB" },
    { deep, "payload of 100000 bytes is larger than 64 KiB" },
    { deep60, "payload is nested deeper than 32 levels" },
  };

  memset (big, '[', 8 * 1024 * 1024);
  big[8 * 1024 * 1024] = '\0';
  memset (deep, '[', 100000);
  deep[100000] = '\0';
  memset (deep60, '[', 60000);
  deep60[60000] = '\0';
  for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
    for (guint i = 0; i < G_N_ELEMENTS (staff) + G_N_ELEMENTS (company); i++)
      {
        gboolean in = i >= G_N_ELEMENTS (staff);
        const char *verb = in ? company[i - G_N_ELEMENTS (staff)] : staff[i];
        g_autofree char *corr = tf_floor_send (t, in ? "alpha" : NULL, verb, shapes[k].payload);
        g_autoptr (JsonObject) o = tf_floor_reply (t, corr);
        g_autofree char *e = NULL;
        if (o == NULL)
          g_error ("%s %s: no answer", in ? "in/alpha" : "cmd", verb);
        e = refusal (g_steal_pointer (&o));
        if (g_strcmp0 (e, shapes[k].reason) != 0)
          g_error ("%s: '%s', not '%s'", verb, e, shapes[k].reason);
      }
  /* alive and running */
  g_assert_cmpint (counter (t, "refused"), ==, 3 * (G_N_ELEMENTS (staff) + G_N_ELEMENTS (company)));
  start_s1 (t);
}

/* The smaller ones: NUL in a note or a board id, duplicate keys, type errors. */
static void
test_nul_dup_types (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);

  start_s1 (t);
  assert_refused_with (tf_floor_request (t, "alpha", "verdict",
                                         "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":"
                                         "\"fail\",\"note\":\"cut\\u0000short\"}"),
                       "escaped NUL");
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "none");
  assert_refused_with (
      tf_floor_request (t, NULL, "power", "{\"board\":\"sim3\\u0000x\",\"action\":\"off\"}"),
      "escaped NUL");
  assert_refused_with (tf_floor_request (t, NULL, "power",
                                         "{\"board\":\"sim3\",\"action\":\"off\","
                                         "\"board\":\"sim1\"}"),
                       "board: the key appears twice");
  g_assert_cmpstr (tf_harness_board_state (t->h, "sim3"), !=, "off");
  assert_refused_with (tf_floor_request (t, "alpha", "verdict",
                                         "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":"
                                         "\"pass\",\"verdict\":\"fail\"}"),
                       "verdict: the key appears twice");
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "none");
  assert_refused_with (tf_floor_request (t, NULL, "end", "{\"session\":5}"),
                       "session: expected a string, got a number");
  assert_refused_with (tf_floor_request (t, "gamma", "verify",
                                         "{\"session\":\"" S1 "\",\"case\":101,\"agree\":\"yes\"}"),
                       "agree: expected true or false, got a string");
  assert_refused_with (tf_floor_request (t, "alpha", "verdict",
                                         "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":"
                                         "\"pass\",\"note\":\"\xff\"}"),
                       "not valid UTF-8");
  /* and the floor still takes a good verdict */
  {
    g_autoptr (JsonObject) o = tf_floor_request (
        t, "alpha", "verdict", "{\"session\":\"" S1 "\",\"case\":101,\"verdict\":\"pass\"}");
    g_assert_true (tf_floor_ok (o));
  }
  g_assert_cmpstr (verdict_of (t, S1, 101), ==, "pass");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attack/reply-topic-matrix", test_reply_topic_matrix);
  g_test_add_func ("/attack/retained-verdict-replay", test_retained_verdict_replay);
  g_test_add_func ("/attack/request-id-executed-once", test_request_id_executed_once);
  g_test_add_func ("/attack/big-and-deep", test_big_and_deep);
  g_test_add_func ("/attack/nul-duplicate-keys-types", test_nul_dup_types);
  return g_test_run ();
}
