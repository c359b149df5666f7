/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every queue mode, information reporting and Send case tf-ets-run decides for a client
 * (1.1: 108, 109, 304, 306-311) Fails at one of its criteria against tf-lwm2m-client with a
 * declared defect that breaks it, naming the message (issue 15). 1.1 301 is in
 * tf-ets-timing-test (late-notify, criterion C). Cases run three at a time, each bounded. */
#include "config.h"

#include <string.h>

#include "tf-ets-run-util.h"

#define PARALLEL 3
#define CASE_BOUND_S 240

typedef struct
{
  const char *version;
  gint id;
  const char *quirk, *criterion, *reason, *extra;
} Row;

static const Row rows[] = {
  /* queue mode: the Register says nothing of it (A); no listening window after its own
   * Register or Update, so a Read sent then (108) or held for the Update (109) is not
   * answered while the process is up (C); never awake again for an Update before the
   * registration runs out (109 B; the lab's lifetime 30 s, the clean client's Update at 15) */
  { "1.1", 108, "queue-not-announced", "A", "the Register announces queue mode (binding U)",
    "--answer-wait 5" },
  { "1.1", 108, "queue-no-listen", "B", "GET /3/0/0: no answer within 5 s from a client that is up",
    "--answer-wait 5" },
  { "1.1", 109, "queue-not-announced", "A", "the Register announces queue mode (binding U)",
    "--answer-wait 5" },
  { "1.1", 109, "lifetime-ignored", "B", "the client woke with an Update within ",
    "--answer-wait 5" },
  { "1.1", 109, "queue-no-listen", "C",
    "the Read held for the Update answered (none, from a client that is up)", "--answer-wait 5" },
  /* Observe-Composite notified with its first path only: /3/0/9 (304), the created /16/1
   * (308), the Device instance (310) missing */
  { "1.1", 304, "composite-notify-first-path", "C",
    "the notification belongs to the observation and carries both values: /3/0/13",
    "--answer-wait 5" },
  { "1.1", 308, "composite-notify-first-path", "E",
    "the notification after the Create carries /16/0 and /16/1: /16/0/0/0", "--answer-wait 5" },
  { "1.1", 310, "composite-notify-first-path", "C", "notification 1 carries /1/0/1 and /3/0/0",
    "--answer-wait 5" },
  /* a Delete answered but not done: the notification still carries /16/1 */
  { "1.1", 309, "delete-kept", "E",
    "the notification after the Delete carries /16/0 and nothing of /16/1: /16/0/0/0",
    "--answer-wait 5" },
  /* Send: while muted; in LwM2M JSON, refused 4.15 by the server */
  { "1.1", 307, "mute-send-ignored", "A", "no Send in 10 s while Send is muted",
    "--answer-wait 5" },
  { "1.1", 306, "send-lwm2m-json", "A", "a POST /dp (content format 11543) refused 4.15",
    "--answer-wait 5" },
  { "1.1", 311, "send-lwm2m-json", "A", "a POST /dp (content format 11543) refused 4.15",
    "--answer-wait 5" },
};

typedef struct
{
  const Row *row;
  GSubprocess *p;
  guint deadline;
  gboolean done, timed_out;
  TfEtsResult r;
  guint *running;
} Run;

static gboolean
on_deadline (gpointer data)
{
  Run *c = data;
  c->deadline = 0;
  c->timed_out = TRUE;
  g_subprocess_force_exit (c->p);
  return G_SOURCE_REMOVE;
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Run *c = data;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &out, &c->r.err, &error))
    g_error ("tf-ets-run %d: %s", c->row->id, error->message);
  if (c->deadline != 0)
    g_source_remove (c->deadline);
  c->deadline = 0;
  c->r.status = g_subprocess_get_if_exited (c->p) ? g_subprocess_get_exit_status (c->p) : -1;
  c->r.root = out != NULL ? json_from_string (out, NULL) : NULL;
  c->done = TRUE;
  (*c->running)--;
}

static void
start (Run *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *args = g_strdup_printf ("--quirk %s", c->row->quirk);
  c->p = tf_ets_spawn_case (c->row->version, c->row->id, args, c->row->extra, &error);
  g_assert_no_error (error);
  (*c->running)++;
  g_subprocess_communicate_utf8_async (c->p, NULL, NULL, on_done, c);
  c->deadline = g_timeout_add_seconds (CASE_BOUND_S, on_deadline, c);
}

static void
test_quirks (void)
{
  Run runs[G_N_ELEMENTS (rows)] = { 0 };
  guint next = 0, running = 0;
  while (next < G_N_ELEMENTS (rows) || running > 0)
    {
      while (next < G_N_ELEMENTS (rows) && running < PARALLEL)
        {
          runs[next].row = &rows[next];
          runs[next].running = &running;
          start (&runs[next++]);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      Run *c = &runs[i];
      if (c->r.root == NULL)
        {
          g_test_message ("%s %d with %s: no verdict: %s", c->row->version, c->row->id,
                          c->row->quirk, c->r.err);
          continue;
        }
      g_test_message ("%s %d with %s: %s %s: %s", c->row->version, c->row->id, c->row->quirk,
                      tf_ets_member (&c->r, "verdict"), tf_ets_member (&c->r, "criterion"),
                      tf_ets_member (&c->r, "reason"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      Run *c = &runs[i];
      g_assert_false (c->timed_out);
      g_assert_nonnull (c->r.root);
      g_assert_cmpint (c->r.status, ==, 1);
      g_assert_cmpstr (tf_ets_member (&c->r, "verdict"), ==, "fail");
      g_assert_cmpstr (tf_ets_member (&c->r, "criterion"), ==, c->row->criterion);
      g_assert_nonnull (tf_ets_member (&c->r, "reason"));
      g_assert_nonnull (strstr (tf_ets_member (&c->r, "reason"), c->row->reason));
      /* the message that broke it is the evidence (an absence has the last one received) */
      g_assert_true (json_object_has_member (json_node_get_object (c->r.root), "message"));
      tf_ets_result_clear (&c->r);
      g_clear_object (&c->p);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/reporting", test_quirks);
  return g_test_run ();
}
