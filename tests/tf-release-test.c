/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The anonymised summary cannot be inverted: the public `summary` topic
 * carries only what staff released, and a release that would let a watcher
 * (or a company, subtracting its own sessions) single out one session's
 * verdicts is refused. Four sessions of four companies run to "verified"
 * with the real daemon; an anonymous-style watcher differences every
 * retained summary it saw. */
#include "config.h"

#include <string.h>

#include "tf-floor-util.h"

static const char *const sessions[] = {
  "alpha-client--gamma-server",
  "alpha-client--delta-server",
  "beta-client--gamma-server",
  "beta-client--delta-server",
};

typedef struct
{
  const char *needle;
} Want;

static gboolean
summary_has (TfHarness *h, gpointer data)
{
  Want *w = data;
  const char *sum = tf_harness_retained (h, "summary");
  return sum != NULL && strstr (sum, w->needle) != NULL;
}

static gboolean
wait_summary (TfHarness *h, const char *needle, guint timeout_ms)
{
  Want w = { needle };
  return tf_harness_wait (h, summary_has, &w, timeout_ms);
}

static char *
refused (JsonObject *o)
{
  char *e;
  g_assert_nonnull (o);
  g_assert_false (tf_floor_ok (o));
  e = g_strdup (json_object_get_string_member (o, "error"));
  json_object_unref (o);
  return e;
}

static void
ok (JsonObject *o)
{
  if (!tf_floor_ok (o))
    g_error ("refused: %s",
             o ? json_object_get_string_member_with_default (o, "error", "?") : "no answer");
  json_object_unref (o);
}

static const char *
client_of (const char *s)
{
  return g_str_has_prefix (s, "alpha") ? "alpha" : "beta";
}

static const char *
server_of (const char *s)
{
  return strstr (s, "gamma") != NULL ? "gamma" : "delta";
}

/* start, one verdict for 101, end (the rest is Out of Time), verify every
 * case, both sign: the session is verified. */
static void
run_session (TfFloorTest *t, const char *s, const char *verdict)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonObject) rep = NULL;
  JsonArray *cases;
  const char *board;

  rep = tf_floor_request (t, NULL, "session", "{\"session\":\"%s\"}", s);
  g_assert_true (tf_floor_ok (rep));
  board = json_object_get_string_member (json_object_get_object_member (rep, "session"), "board");
  g_assert_true (tf_harness_wait_board_state (t->h, board, "ready", 30000));
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "start", s, NULL), ==, 0);
  g_assert_true (tf_floor_wait_phase (t, s, "running", 60000));
  ok (tf_floor_request (t, client_of (s), "verdict",
                        "{\"session\":\"%s\",\"case\":101,\"verdict\":\"%s\"}", s, verdict));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tf_harness_ctl (t->h, &out, &err, "end", s, NULL), ==, 0);
  g_assert_true (tf_floor_wait_phase (t, s, "reporting", 20000));
  g_clear_pointer (&rep, json_object_unref);
  rep = tf_floor_request (t, server_of (s), "report", "{\"session\":\"%s\"}", s);
  g_assert_true (tf_floor_ok (rep));
  cases = json_object_get_array_member (json_object_get_object_member (rep, "report"), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *v = json_object_get_string_member_with_default (c, "verdict", NULL);
      if (v == NULL || g_strcmp0 (v, "not-applicable") == 0)
        continue;
      ok (tf_floor_request (t, server_of (s), "verify",
                            "{\"session\":\"%s\",\"case\":%" G_GINT64_FORMAT ",\"agree\":true}", s,
                            json_object_get_int_member (c, "id")));
    }
  ok (tf_floor_request (t, client_of (s), "sign", "{\"session\":\"%s\"}", s));
  ok (tf_floor_request (t, server_of (s), "sign", "{\"session\":\"%s\"}", s));
  g_assert_true (tf_floor_wait_phase (t, s, "verified", 20000));
}

/* Every retained summary the watcher saw, parsed. */
static GPtrArray *
summaries_seen (TfFloorTest *t)
{
  g_autofree char *topic = g_strdup_printf ("tf/%s/summary", t->h->lab);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  for (guint i = 0; i < t->seen->len; i++)
    {
      TfSeen *m = g_ptr_array_index (t->seen, i);
      g_autoptr (JsonNode) n = NULL;
      if (g_strcmp0 (m->topic, topic) != 0 || m->payload[0] == '\0')
        continue;
      n = json_from_string (m->payload, NULL);
      g_assert_nonnull (n);
      g_ptr_array_add (out, json_object_ref (json_node_get_object (n)));
    }
  return out;
}

/* The verdict counts of case 101 in a summary (0 when absent). */
static gint64
count_101 (JsonObject *summary, const char *verdict)
{
  JsonArray *cases = json_object_get_array_member (summary, "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (json_object_get_int_member (c, "id") == 101)
        return json_object_get_int_member_with_default (c, verdict, 0);
    }
  return 0;
}

static void
test_release (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (GPtrArray) seen = NULL;
  g_autofree char *e = NULL;
  JsonObject *last;

  tf_floor_wait_up (t);
  run_session (t, sessions[0], "fail");
  /* one verified session: the public summary says nothing of it */
  {
    g_autoptr (JsonNode) n = json_from_string (tf_harness_retained (t->h, "summary"), NULL);
    JsonObject *o = json_node_get_object (n);
    g_assert_cmpint (json_object_get_int_member (o, "release"), ==, 0);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "cases")), ==, 0);
  }
  e = refused (tf_floor_request (t, NULL, "release-summary", "{}"));
  g_assert_nonnull (strstr (e, "1 new sessions, and a release must add at least 3"));
  g_clear_pointer (&e, g_free);
  /* a company cannot release, nor ask for less than two per figure */
  e = refused (tf_floor_request (t, "alpha", "release-summary", "{}"));
  g_clear_pointer (&e, g_free);
  e = refused (tf_floor_request (t, NULL, "release-summary", "{\"min\":1}"));
  g_assert_nonnull (strstr (e, "min"));
  g_clear_pointer (&e, g_free);

  run_session (t, sessions[1], "pass");
  run_session (t, sessions[2], "pass");
  /* three new sessions, but two of them do not involve gamma... and only one
   * does not involve alpha: alpha would learn beta--gamma's verdicts */
  e = refused (tf_floor_request (t, NULL, "release-summary", "{}"));
  g_assert_nonnull (strstr (e, "do not involve company"));
  g_clear_pointer (&e, g_free);
  run_session (t, sessions[3], "fail");
  /* four sessions: every company sees two it was not in (min 2 asked) */
  e = refused (tf_floor_request (t, NULL, "release-summary", "{}"));
  g_assert_nonnull (strstr (e, "do not involve company"));
  g_clear_pointer (&e, g_free);
  ok (tf_floor_request (t, NULL, "release-summary", "{\"min\":2}"));
  g_assert_true (wait_summary (t->h, "\"release\":1", 10000));
  /* nothing new: no second release */
  e = refused (tf_floor_request (t, NULL, "release-summary", "{\"min\":2}"));
  g_assert_nonnull (strstr (e, "no session was verified since the last release"));
  g_clear_pointer (&e, g_free);

  /* the watcher's view: every summary it ever saw, differenced pairwise,
   * never moves by less than two sessions' worth of verdicts for case 101 */
  seen = summaries_seen (t);
  g_assert_cmpuint (seen->len, >=, 2);
  for (guint i = 1; i < seen->len; i++)
    {
      JsonObject *a = g_ptr_array_index (seen, i - 1), *b = g_ptr_array_index (seen, i);
      gint64 moved = (count_101 (b, "pass") - count_101 (a, "pass"))
                     + (count_101 (b, "fail") - count_101 (a, "fail"));
      g_assert_true (moved == 0 || moved >= 2);
    }
  last = g_ptr_array_index (seen, seen->len - 1);
  g_assert_cmpint (json_object_get_int_member (last, "release"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (last, "sessions"), ==, 4);
  g_assert_cmpint (count_101 (last, "pass"), ==, 2);
  g_assert_cmpint (count_101 (last, "fail"), ==, 2);
  /* and the release survives a restart: it is in the store */
  tf_floor_test_restart (t, SIGKILL);
  g_assert_true (wait_summary (t->h, "\"release\":1", 20000));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/release/not-invertible", test_release);
  return g_test_run ();
}
