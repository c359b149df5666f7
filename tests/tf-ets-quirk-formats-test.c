/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content format and bootstrap cases of tf-ets-run against tf-lwm2m-client with a declared
 * defect ("quirk") that breaks one of the case's criteria: Fail, at that criterion, the reason
 * naming the message that broke it (issue 15). Cases run three at a time, each bounded. */
#include "config.h"

#include <string.h>

#include "tf-ets-run-util.h"

#define PARALLEL 3
#define CASE_BOUND_S 240

static const struct
{
  const char *version;
  gint id;
  const char *client, *runner, *criterion, *reason;
  gboolean no_message; /* no exchange at all: the DTLS error is the reason's evidence */
} rows[] = {
  /* bootstrap: "/" deleted but the Server accounts kept; a trigger answered, not done */
  { "1.1", 4, "--quirk bootstrap-delete-kept", NULL, "C", "1 Server instance(s) remain" },
  { "1.1", 5, "--quirk bootstrap-trigger-ignored", NULL, "B", "the trigger's 2.04: none" },
  { "1.0", 0, "--quirk no-tlv", NULL, "B", "4.15" },
  { "1.0", 1, "--quirk no-tlv", NULL, "B", "4.15" },
  /* registration: no version in the Register; a registration dropped without a De-register */
  { "1.1", 101, "--quirk register-no-version", NULL, "A", "lwm2m=absent" },
  /* a lifetime longer than the case's 30 s wait for the De-register: the registration that
   * outlives it is what shows the client still there (an expired one could be a dead link) */
  { "1.1", 103, "--quirk deregister-silent --lifetime 300", NULL, "A", "De-register" },
  /* formats refused: 4.06 to a Read, 4.15 to a Write */
  { "1.1", 201, "--quirk no-text", NULL, "A", "text/plain answered 4.06" },
  { "1.1", 204, "--quirk no-json", NULL, "A", "answered 4.06" },
  { "1.1", 205, "--quirk no-text", NULL, "B", "Read back answered 4.06" },
  { "1.1", 211, "--quirk no-cbor", NULL, "A", "answered 4.06" },
  { "1.1", 212, "--quirk no-cbor", NULL, "A", "answered 4.15" },
  { "1.1", 220, "--quirk no-json", NULL, "A", "answered 4.15" },
  { "1.1", 231, "--quirk no-json", NULL, "A", "answered 4.06" },
  { "1.1", 232, "--quirk no-cbor", NULL, "A", "answered 4.06" },
  { "1.1", 233, "--quirk no-cbor", NULL, "A", "answered 4.15" },
  { "1.1", 234, "--quirk no-json", NULL, "A", "answered 4.15" },
  { "1.0", 215, "--quirk no-tlv", NULL, "A", "answered 4.15" },
  { "1.0", 220, "--quirk no-json", NULL, "A", "answered 4.15" },
  /* an answer without its Content-Format */
  { "1.1", 237, "--quirk no-content-format", NULL, "A", "content format" },
  { "1.0", 751, "--quirk no-content-format", "--answer-wait 3", "A", "content format" },
  /* a key other than the lab's (the last --psk-key given to the client wins) */
  { "1.0", 401, "--psk-key 0f0e0d0c0b0a09080706050403020100", "--register-wait 15", "A",
    "DTLS handshake", TRUE },
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
on_communicated (GObject *source, GAsyncResult *res, gpointer data)
{
  Case *c = data;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &out, &c->r.err, &error))
    g_error ("case %u: %s", c->row, error->message);
  if (c->deadline != 0)
    g_source_remove (c->deadline);
  c->deadline = 0;
  c->r.status = g_subprocess_get_exit_status (c->p);
  c->r.root = out != NULL ? json_from_string (out, NULL) : NULL;
  if (c->r.root != NULL && !JSON_NODE_HOLDS_OBJECT (c->r.root))
    g_clear_pointer (&c->r.root, json_node_unref);
  c->done = TRUE;
  (*c->running)--;
}

static void
case_start (Case *c)
{
  g_autoptr (GError) error = NULL;
  c->p = tf_ets_spawn_case (rows[c->row].version, rows[c->row].id, rows[c->row].client,
                            rows[c->row].runner, &error);
  g_assert_no_error (error);
  (*c->running)++;
  g_subprocess_communicate_utf8_async (c->p, NULL, NULL, on_communicated, c);
  c->deadline = g_timeout_add_seconds (CASE_BOUND_S, on_deadline, c);
}

static void
test_quirk_formats (void)
{
  Case cases[G_N_ELEMENTS (rows)] = { 0 };
  guint running = 0, next = 0, bad = 0;
  /* every case ends: its runner is bounded by CASE_BOUND_S, then killed */
  while (next < G_N_ELEMENTS (rows) || running > 0)
    {
      while (next < G_N_ELEMENTS (rows) && running < PARALLEL)
        {
          cases[next].row = next;
          cases[next].running = &running;
          case_start (&cases[next++]);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      Case *c = &cases[i];
      const char *reason = c->r.root != NULL ? tf_ets_member (&c->r, "reason") : NULL;
      gboolean ok = !c->timed_out && c->r.root != NULL && c->r.status == 1
                    && g_strcmp0 (tf_ets_member (&c->r, "verdict"), "fail") == 0
                    && g_strcmp0 (tf_ets_member (&c->r, "criterion"), rows[i].criterion) == 0
                    && reason != NULL
                    && strstr (reason, rows[i].reason) != NULL
                    /* the message that broke it is the evidence */
                    && (rows[i].no_message
                        || json_object_has_member (json_node_get_object (c->r.root), "message"));
      g_test_message ("%s%s %d with %s: exit %d, %s %s: %s", ok ? "" : "WRONG: ", rows[i].version,
                      rows[i].id, rows[i].client, c->r.status,
                      c->r.root != NULL ? tf_ets_member (&c->r, "verdict") : "(no JSON)",
                      c->r.root != NULL ? tf_ets_member (&c->r, "criterion") : "",
                      reason != NULL ? reason : (c->timed_out ? "timed out" : ""));
      if (!ok)
        bad++;
      g_clear_object (&c->p);
      tf_ets_result_clear (&c->r);
    }
  g_assert_cmpuint (bad, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/formats-bootstrap", test_quirk_formats);
  return g_test_run ();
}
