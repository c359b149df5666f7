/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object model cases tf-ets-run decides for a client (reads and writes at every level,
 * Security out of reach, Execute, Discover, Write-Attributes, the composite operations), each
 * run against tf-lwm2m-client with a declared defect that breaks one of its criteria: Fail,
 * at that criterion, with the message that broke it (issue 15). Three cases at a time, each
 * bounded. */
#include "config.h"

#include <string.h>

#include "tf-ets-run-util.h"

#define PARALLEL 3
#define CASE_BOUND_S 240

static const struct
{
  const char *version;
  gint id;
  const char *quirk, *criterion, *reason;
} rows[] = {
  /* a server reads the Security object, the root's Read-Composite too */
  { "1.1", 221, "security-readable", "A", "Read /0/0 answered 2.05" },
  { "1.1", 235, "security-readable", "B", "no Security (/0) value in the answer: /0/0/" },
  /* a client without Notification Storing (/1/x/6, mandatory) */
  { "1.1", 223, "no-notification-storing", "A", "/1/0/6 (Notification Storing" },
  { "1.1", 224, "no-notification-storing", "C", "Read /1/0/6 answered 4.04" },
  /* a 1.0-style client that knows no resource instance path */
  { "1.1", 225, "no-resource-instance-paths", "A", "Read /3/0/11/0 answered 4.04" },
  { "1.1", 228, "no-resource-instance-paths", "A", "answered 4.04" },
  { "1.1", 229, "no-resource-instance-paths", "A", "both values are in the answer" },
  { "1.1", 236, "no-resource-instance-paths", "B", "/3/0/11/0 is in the answer" },
  { "1.1", 280, "no-resource-instance-paths", "B", "/3/0/16 and /3/0/11/0 are in the answer" },
  /* a partial update that replaces the instance */
  { "1.1", 226, "partial-write-replaces", "B", "mandatory) in the answer" },
  { "1.1", 230, "partial-write-replaces", "A", "read back as written" },
  { "1.1", 257, "partial-write-replaces", "A", "Read /1/0/2 answered 4.04" },
  /* a written Lifetime kept in the resource, not sent in an Update (lifetime-ignored, which
   * sends no periodic Update, still sends that one: 227 Passes with it) */
  { "1.1", 227, "lifetime-write-kept", "B", "an Update with lt=63 followed" },
  /* an Execute (Reboot) answered and not done */
  { "1.1", 241, "execute-ignored", "B", "registered again after its reboot" },
  { "1.0", 241, "execute-ignored", "B", "registered again after its reboot" },
  /* a Write on a read-only resource answered 2.04 */
  { "1.1", 256, "read-only-write-accepted", "A", "Write /1/0/0 (read-only) answered 2.04" },
  /* a Discover without the resources */
  { "1.1", 260, "discover-no-resources", "B", "the mandatory resource </3/0/" },
  { "1.0", 260, "discover-no-resources", "B", "the mandatory resource </3/0/" },
  /* Write-Attributes answered, not kept */
  { "1.1", 261, "write-attributes-ignored", "B", "carries pmin=7 and pmax=17" },
  /* a Read-Composite that one unreadable path fails whole */
  { "1.1", 281, "composite-all-or-nothing", "A", "answered 4.05" },
  { "1.1", 236, "composite-all-or-nothing", "A", "answered 4.04" },
};

typedef struct
{
  guint row;
  GSubprocess *p;
  guint deadline;
  gboolean done, timed_out;
  TfEtsResult r;
  guint *running;
} Case;

static gboolean
on_deadline (gpointer data)
{
  Case *c = data;
  c->deadline = 0;
  c->timed_out = TRUE;
  g_subprocess_force_exit (c->p);
  return G_SOURCE_REMOVE;
}

static void
on_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Case *c = data;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &out, &c->r.err, &error))
    g_test_message ("row %u: %s", c->row, error->message);
  c->r.status = g_subprocess_get_if_exited (c->p) ? g_subprocess_get_exit_status (c->p) : -1;
  c->r.root = out != NULL ? json_from_string (out, NULL) : NULL;
  if (c->deadline != 0)
    g_source_remove (c->deadline);
  c->deadline = 0;
  c->done = TRUE;
  (*c->running)--;
}

static void
case_start (Case *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *args = g_strdup_printf ("--quirk %s", rows[c->row].quirk);
  /* short answer waits: a defect shows at once or by the case's own waits */
  c->p = tf_ets_spawn_case (rows[c->row].version, rows[c->row].id, args,
                            "--answer-wait 5 --register-wait 15", &error);
  g_assert_no_error (error);
  (*c->running)++;
  g_subprocess_communicate_utf8_async (c->p, NULL, NULL, on_done, c);
  c->deadline = g_timeout_add_seconds (CASE_BOUND_S, on_deadline, c);
}

static void
test_quirk_objects (void)
{
  Case cases[G_N_ELEMENTS (rows)] = { 0 };
  guint running = 0, next = 0, bad = 0;
  const char *only = g_getenv ("TF_QUIRK_ROWS"); /* "1.1:226,1.0:241": a few rows, by hand */
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      cases[i].row = i;
      cases[i].running = &running;
    }
  /* every case ends: each runner is bounded by CASE_BOUND_S, then killed */
  while (next < G_N_ELEMENTS (rows) || running > 0)
    {
      while (next < G_N_ELEMENTS (rows) && running < PARALLEL)
        {
          g_autofree char *key = g_strdup_printf ("%s:%d", rows[next].version, rows[next].id);
          if (only != NULL && strstr (only, key) == NULL)
            {
              cases[next++].done = TRUE;
              continue;
            }
          case_start (&cases[next++]);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      Case *c = &cases[i];
      const char *verdict, *crit, *reason;
      gboolean ok;
      if (c->p == NULL)
        continue;
      verdict
          = c->r.root != NULL ? tf_ets_member (&c->r, "verdict") : (c->timed_out ? "timeout" : "?");
      crit = c->r.root != NULL ? tf_ets_member (&c->r, "criterion") : NULL;
      reason = c->r.root != NULL ? tf_ets_member (&c->r, "reason") : NULL;
      ok = c->r.status == 1 && g_strcmp0 (verdict, "fail") == 0
           && g_strcmp0 (crit, rows[i].criterion) == 0 && reason != NULL
           && strstr (reason, rows[i].reason) != NULL
           /* the message that broke it is the evidence */
           && json_object_has_member (json_node_get_object (c->r.root), "message");
      g_test_message ("%s%s %d with %s: %s %s: %s", ok ? "" : "WRONG: ", rows[i].version,
                      rows[i].id, rows[i].quirk, verdict, crit != NULL ? crit : "-",
                      reason != NULL ? reason : "");
      if (!ok)
        {
          g_printerr ("%s %d with %s: status %d, %s %s (want Fail %s \"%s\"): %s\n",
                      rows[i].version, rows[i].id, rows[i].quirk, c->r.status, verdict,
                      crit != NULL ? crit : "-", rows[i].criterion, rows[i].reason,
                      reason != NULL ? reason : "");
          bad++;
        }
      tf_ets_result_clear (&c->r);
      g_clear_object (&c->p);
    }
  g_assert_cmpuint (bad, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/objects", test_quirk_objects);
  return g_test_run ();
}
