/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor while the TestFest goes on: the event file edited and re-read
 * on SIGHUP (and across a restart), boards removed and brought back by a
 * lab reload, and a session ended by the clock when its slot is over. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "tf-floor-util.h"

/* Two more teams: a server of a new company and a client on the spare sim3. */
static const char *more_teams
    = "\n[company epsilon]\nname = Epsilon Networks\n\n[company zeta]\nname = Zeta Things\n\n"
      "[implementation epsilon-server]\ncompany = epsilon\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation zeta-client]\ncompany = zeta\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim3\nentry-criteria = yes\n"
      "entry-criteria-by = staff\n";

static JsonObject *
host_status (TfFloorTest *t)
{
  const char *json = tf_harness_retained (t->h, "host/testhost/status");
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

typedef struct
{
  TfFloorTest *t;
  char *seen_at;
} ReloadWait;

static gboolean
reload_reported (TfHarness *h, gpointer data)
{
  ReloadWait *w = data;
  g_autoptr (JsonObject) st = host_status (w->t);
  JsonObject *r;
  if (st == NULL || !json_object_has_member (st, "reload"))
    return FALSE;
  r = json_object_get_object_member (st, "reload");
  return g_strcmp0 (json_object_get_string_member (r, "at"), w->seen_at) != 0;
}

/* SIGHUP, then the reload's outcome from the retained host status:
 * NULL when it was taken, the reason otherwise. */
static char *
sighup (TfFloorTest *t)
{
  g_autoptr (JsonObject) before = host_status (t);
  ReloadWait w = { t, NULL };
  g_autoptr (JsonObject) st = NULL;
  JsonObject *r;
  g_autofree char *seen = NULL;

  if (before != NULL && json_object_has_member (before, "reload"))
    seen = g_strdup (
        json_object_get_string_member (json_object_get_object_member (before, "reload"), "at"));
  w.seen_at = seen;
  /* reload times have microseconds: two reloads never share one */
  g_subprocess_send_signal (t->h->daemon, SIGHUP);
  g_assert_true (tf_harness_wait (t->h, reload_reported, &w, 20000));
  st = host_status (t);
  r = json_object_get_object_member (st, "reload");
  if (json_object_get_boolean_member (r, "ok"))
    return NULL;
  return g_strdup (json_object_get_string_member (r, "error"));
}

static void
write_event (TfFloorTest *t, const char *text)
{
  g_autofree char *path = tf_harness_path (t->h, "test.event");
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* tf_test_event without one implementation's group */
static char *
event_without (const char *base, const char *impl)
{
  g_autofree char *head = g_strdup_printf ("[implementation %s]\n", impl);
  const char *start = strstr (base, head);
  const char *end;
  g_assert_nonnull (start);
  end = strstr (start + 1, "\n[");
  return g_strdup_printf ("%.*s%s", (int)(start - base), base, end != NULL ? end + 1 : "");
}

static guint
n_sessions (TfFloorTest *t)
{
  g_autoptr (JsonObject) s = tf_floor_schedule (t);
  return json_array_get_length (json_object_get_array_member (s, "sessions"));
}

typedef struct
{
  TfFloorTest *t;
  guint n;
} CountWait;

static gboolean
has_n_sessions (TfHarness *h, gpointer data)
{
  CountWait *w = data;
  return tf_harness_retained (h, "schedule") != NULL && n_sessions (w->t) == w->n;
}

/* alpha-client meets two servers in the two slots: its session in @slot */
static char *
alpha_session_in (JsonObject *schedule, gint slot)
{
  JsonArray *a = json_object_get_array_member (schedule, "sessions");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *e = json_array_get_object_element (a, i);
      if (json_object_get_int_member (e, "slot") == slot
          && g_str_has_prefix (json_object_get_string_member (e, "id"), "alpha-client--"))
        return g_strdup (json_object_get_string_member (e, "id"));
    }
  return NULL;
}

static void
test_event_edited (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (JsonObject) before = tf_floor_schedule (t);
  g_autoptr (JsonObject) after = NULL;
  g_autofree char *running = alpha_session_in (before, 0);
  g_autofree char *bigger = g_strconcat (tf_test_event, more_teams, NULL);
  g_autofree char *err = NULL, *out = NULL, *broken = NULL, *other = NULL;
  g_autofree char *without_running = NULL, *without_other = NULL;
  JsonArray *old;
  CountWait w = { t, 9 };

  g_assert_nonnull (running);
  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 15000));
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "start", running, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (tf_floor_wait_phase (t, running, "running", 30000));

  /* two teams join: 3 clients x 3 servers; nothing planned moves */
  write_event (t, bigger);
  err = sighup (t);
  g_assert_null (err);
  g_assert_true (tf_harness_wait (t->h, has_n_sessions, &w, 10000));
  after = tf_floor_schedule (t);
  old = json_object_get_array_member (before, "sessions");
  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonObject *o = json_array_get_object_element (old, i);
      JsonObject *n = tf_floor_entry (after, json_object_get_string_member (o, "id"));
      g_assert_nonnull (n);
      g_assert_cmpint (json_object_get_int_member (n, "slot"), ==,
                       json_object_get_int_member (o, "slot"));
      g_assert_cmpstr (json_object_get_string_member (n, "board"), ==,
                       json_object_get_string_member (o, "board"));
    }
  g_assert_cmpstr (json_object_get_string_member (tf_floor_entry (after, running), "state"), ==,
                   "running");
  g_assert_cmpstr (json_object_get_string_member (
                       tf_floor_entry (after, "zeta-client--epsilon-server"), "board"),
                   ==, "sim3");
  {
    g_autoptr (JsonObject) st = tf_floor_session_state (t, "zeta-client--epsilon-server");
    g_assert_nonnull (st);
    g_assert_cmpstr (json_object_get_string_member (st, "phase"), ==, "scheduled");
  }
  g_assert_true (tf_floor_wait_phase (t, running, "running", 1000));

  /* a broken file is refused with FILE:LINE; the floor goes on as it was */
  {
    g_autoptr (GString) b = g_string_new (bigger);
    g_string_replace (b, "tables = 2\n", "tables = many\n", 1);
    broken = g_string_free (g_steal_pointer (&b), FALSE);
  }
  write_event (t, broken);
  err = sighup (t);
  g_assert_nonnull (err);
  if (strstr (err, "test.event:8: [event] tables:") == NULL)
    g_error ("%s", err);
  g_clear_pointer (&err, g_free);
  g_assert_cmpuint (n_sessions (t), ==, 9);

  /* a server whose session has started cannot leave the event ... */
  without_running = event_without (bigger, strstr (running, "--") + 2);
  write_event (t, without_running);
  err = sighup (t);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, running));
  g_assert_nonnull (strstr (err, "has started"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpuint (n_sessions (t), ==, 9);

  /* ... one whose sessions are all ahead can: they are gone, retained state too */
  other = g_strdup (g_str_has_suffix (running, "gamma-server") ? "delta-server" : "gamma-server");
  without_other = event_without (bigger, other);
  write_event (t, without_other);
  err = sighup (t);
  g_assert_null (err);
  w.n = 6;
  g_assert_true (tf_harness_wait (t->h, has_n_sessions, &w, 10000));
  {
    g_autofree char *id = g_strdup_printf ("zeta-client--%s", other);
    g_autofree char *topic = g_strdup_printf ("session/%s/state", id);
    g_autoptr (JsonObject) now = tf_floor_schedule (t);
    g_assert_null (tf_floor_entry (now, id));
    for (guint i = 0; i < 50 && tf_harness_retained (t->h, topic) != NULL; i++)
      tf_harness_sleep (t->h, 100);
    g_assert_null (tf_harness_retained (t->h, topic));
  }

  /* edited while the daemon is down: carried over at start, what runs stays */
  tf_harness_stop_daemon (t->h, SIGTERM);
  write_event (t, bigger);
  g_hash_table_remove_all (t->h->retained);
  tf_floor_test_start_daemon (t);
  tf_floor_wait_up (t);
  w.n = 9;
  g_assert_true (tf_harness_wait (t->h, has_n_sessions, &w, 20000));
  {
    g_autoptr (JsonObject) now = tf_floor_schedule (t);
    g_assert_cmpint (json_object_get_int_member (tf_floor_entry (now, running), "slot"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (tf_floor_entry (now, running), "state"), ==,
                     "running");
  }
  g_assert_true (tf_floor_wait_phase (t, running, "running", 10000));
}

static gboolean
sessions_on (TfFloorTest *t, const char *board)
{
  g_autoptr (JsonObject) s = tf_floor_schedule (t);
  const char *ids[] = { "beta-client--gamma-server", "beta-client--delta-server" };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    if (g_strcmp0 (json_object_get_string_member (tf_floor_entry (s, ids[i]), "board"), board) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
beta_on (TfHarness *h, gpointer data)
{
  TfFloorTest *t = g_object_get_data (G_OBJECT (h->watch), "floor-test");
  return tf_harness_retained (h, "schedule") != NULL && sessions_on (t, data);
}

/* beta-client has sim2 and its spare sim4 */
static void
test_boards_reloaded (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autofree char *lab = NULL, *err = NULL;
  g_autoptr (GString) less = NULL;

  g_object_set_data (G_OBJECT (t->h->watch), "floor-test", t);
  g_assert_true (sessions_on (t, "sim2"));
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 15000));
  g_assert_true (tf_harness_wait_board_state (t->h, "sim4", "ready", 15000));

  /* sim2 taken out of the lab file: its sessions go to the spare */
  g_assert_true (g_file_get_contents (t->h->lab_path, &lab, NULL, NULL));
  less = g_string_new (lab);
  g_assert_cmpuint (
      g_string_replace (less,
                        "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = "
                        "relay1:2\ntable = T2\n",
                        "", 1),
      ==, 1);
  g_assert_true (g_file_set_contents (t->h->lab_path, less->str, -1, NULL));
  err = sighup (t);
  g_assert_null (err);
  g_assert_true (tf_harness_wait (t->h, beta_on, "sim4", 10000));

  /* back in the lab file: usable again, and watched as any other board */
  g_assert_true (g_file_set_contents (t->h->lab_path, lab, -1, NULL));
  err = sighup (t);
  g_assert_null (err);
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 15000));
  g_assert_cmpstr (tf_harness_sim (t->h, "unplug sim4"), ==, "ok");
  g_assert_true (tf_harness_wait (t->h, beta_on, "sim2", 10000));
  g_assert_cmpstr (tf_harness_sim (t->h, "plug sim4"), ==, "ok");
  g_assert_true (tf_harness_wait_board_state (t->h, "sim4", "ready", 15000));
  /* the re-added board's own fault re-plans: the floor follows its new object */
  g_assert_cmpstr (tf_harness_sim (t->h, "unplug sim2"), ==, "ok");
  g_assert_true (tf_harness_wait (t->h, beta_on, "sim4", 10000));
}

/* The daemon's clock starts 30 s before the end of the first slot: the
 * session running in it ends by itself, Out of Time for what never ran. */
static void
test_slot_ends_by_clock (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new_at (NULL, "2030-06-04 09:59:30");
  g_autoptr (JsonObject) sched = tf_floor_schedule (t);
  g_autofree char *id = alpha_session_in (sched, 0);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonObject) rep = NULL;
  JsonObject *report;
  JsonArray *cases;
  guint pass = 0, oot = 0, other = 0;

  g_assert_nonnull (id);
  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 15000));
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "start", id, NULL), ==, 0);
  g_assert_true (tf_floor_wait_phase (t, id, "running", 25000));
  {
    g_autoptr (JsonObject) r = tf_floor_request (
        t, "alpha", "verdict", "{\"session\":\"%s\",\"case\":101,\"verdict\":\"pass\"}", id);
    g_assert_true (tf_floor_ok (r));
  }
  /* nobody ends it: 10:00 does */
  g_assert_true (tf_floor_wait_phase (t, id, "reporting", 60000));
  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 10000));

  rep = tf_floor_request (t, NULL, "report", "{\"session\":\"%s\"}", id);
  g_assert_true (tf_floor_ok (rep));
  report = json_object_get_object_member (rep, "report");
  cases = json_object_get_array_member (report, "cases");
  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *tc = json_array_get_object_element (cases, c);
      const char *v = json_object_get_string_member_with_default (tc, "verdict", NULL);
      if (json_object_get_int_member (tc, "id") == 101)
        {
          g_assert_cmpstr (v, ==, "pass");
          pass++;
        }
      else if (g_strcmp0 (v, "out-of-time") == 0)
        oot++;
      else
        {
          g_assert_cmpstr (v, ==, "not-applicable"); /* pre-set by the features */
          other++;
        }
    }
  g_assert_cmpuint (pass, ==, 1);
  g_assert_cmpuint (oot, >, 0);
  g_test_message ("%u out of time, %u not applicable", oot, other);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/floor-reload/event-edited", test_event_edited);
  g_test_add_func ("/floor-reload/boards", test_boards_reloaded);
  g_test_add_func ("/floor-reload/slot-ends-by-clock", test_slot_ends_by_clock);
  return g_test_run ();
}
