/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every queue mode, information reporting and Send case tf-ets-run decides for a client
 * (1.1: 108, 109, 304, 306-311) Fails at one of its criteria against tf-lwm2m-client with a
 * declared defect that breaks it, naming the message (issue 15). 1.1 301 is in
 * tf-ets-timing-test (late-notify, criterion C). Cases run three at a time, each bounded. */
#include "config.h"

#include "tf-ets-run-util.h"

static const TfEtsFailRow rows[] = {
  /* queue mode: the Register says nothing of it (A); no listening window after its own
   * Register or Update, so a Read sent then (108) or held for the Update (109) is not
   * answered while the process is up (C); never awake again for an Update before the
   * registration runs out (109 B; the lab's lifetime 30 s, the clean client's Update at 15) */
  { "1.1", 108, "queue-not-announced", NULL, "--answer-wait 5", "A",
    "the Register announces queue mode (binding U)" },
  { "1.1", 108, "queue-no-listen", NULL, "--answer-wait 5", "B",
    "GET /3/0/0: no answer within 5 s from a client that is up" },
  { "1.1", 109, "queue-not-announced", NULL, "--answer-wait 5", "A",
    "the Register announces queue mode (binding U)" },
  { "1.1", 109, "lifetime-ignored", NULL, "--answer-wait 5", "B",
    "the client woke with an Update within " },
  { "1.1", 109, "queue-no-listen", NULL, "--answer-wait 5", "C",
    "the Read held for the Update answered (none, from a client that is up)" },
  /* Observe-Composite notified with its first path only: /3/0/9 (304), the created /16/1
   * (308), the Device instance (310) missing */
  { "1.1", 304, "composite-notify-first-path", NULL, "--answer-wait 5", "C",
    "the notification belongs to the observation and carries both values: /3/0/13" },
  { "1.1", 308, "composite-notify-first-path", NULL, "--answer-wait 5", "E",
    "the notification after the Create carries /16/0 and /16/1: /16/0/0/0" },
  { "1.1", 310, "composite-notify-first-path", NULL, "--answer-wait 5", "C",
    "notification 1 carries /1/0/1 and /3/0/0" },
  /* a Delete answered but not done: the notification still carries /16/1 */
  { "1.1", 309, "delete-kept", NULL, "--answer-wait 5", "E",
    "the notification after the Delete carries /16/0 and nothing of /16/1: /16/0/0/0" },
  /* Send: while muted; in LwM2M JSON, refused 4.15 by the server */
  { "1.1", 307, "mute-send-ignored", NULL, "--answer-wait 5", "A",
    "no Send in 10 s while Send is muted" },
  { "1.1", 306, "send-lwm2m-json", NULL, "--answer-wait 5", "A",
    "a POST /dp (content format 11543) refused 4.15" },
  { "1.1", 311, "send-lwm2m-json", NULL, "--answer-wait 5", "A",
    "a POST /dp (content format 11543) refused 4.15" },
};

static void
test_quirks (void)
{
  tf_ets_assert_fail_rows (rows, G_N_ELEMENTS (rows));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/reporting", test_quirks);
  return g_test_run ();
}
