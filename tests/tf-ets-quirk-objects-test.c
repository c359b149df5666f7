/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object model cases tf-ets-run decides for a client (reads and writes at every level,
 * Security out of reach, Execute, Discover, Write-Attributes, the composite operations), each
 * run against tf-lwm2m-client with a declared defect that breaks one of its criteria: Fail,
 * at that criterion, with the message that broke it (issue 15). Three cases at a time, each
 * bounded. */
#include "config.h"

#include "tf-ets-run-util.h"

/* short answer waits: a defect shows at once or by the case's own waits */
#define RUNNER "--answer-wait 5 --register-wait 15"

static const TfEtsFailRow rows[] = {
  /* a server reads the Security object, the root's Read-Composite too */
  { "1.1", 221, "security-readable", NULL, RUNNER, "A", "Read /0/0 answered 2.05" },
  { "1.1", 235, "security-readable", NULL, RUNNER, "B",
    "no Security (/0) value in the answer: /0/0/" },
  /* a client without Notification Storing (/1/x/6, mandatory) */
  { "1.1", 223, "no-notification-storing", NULL, RUNNER, "A", "/1/0/6 (Notification Storing" },
  { "1.1", 224, "no-notification-storing", NULL, RUNNER, "C", "Read /1/0/6 answered 4.04" },
  /* a 1.0-style client that knows no resource instance path */
  { "1.1", 225, "no-resource-instance-paths", NULL, RUNNER, "A", "Read /3/0/11/0 answered 4.04" },
  { "1.1", 228, "no-resource-instance-paths", NULL, RUNNER, "A", "answered 4.04" },
  { "1.1", 229, "no-resource-instance-paths", NULL, RUNNER, "A", "both values are in the answer" },
  { "1.1", 236, "no-resource-instance-paths", NULL, RUNNER, "B", "/3/0/11/0 is in the answer" },
  { "1.1", 280, "no-resource-instance-paths", NULL, RUNNER, "B",
    "/3/0/16 and /3/0/11/0 are in the answer" },
  /* a partial update that replaces the instance */
  { "1.1", 226, "partial-write-replaces", NULL, RUNNER, "B", "mandatory) in the answer" },
  { "1.1", 230, "partial-write-replaces", NULL, RUNNER, "A", "read back as written" },
  { "1.1", 257, "partial-write-replaces", NULL, RUNNER, "A", "Read /1/0/2 answered 4.04" },
  /* a written Lifetime kept in the resource, not sent in an Update (lifetime-ignored, which
   * sends no periodic Update, still sends that one: 227 Passes with it) */
  { "1.1", 227, "lifetime-write-kept", NULL, RUNNER, "B", "an Update with lt=63 followed" },
  /* an Execute (Reboot) answered and not done */
  { "1.1", 241, "execute-ignored", NULL, RUNNER, "B", "registered again after its reboot" },
  { "1.0", 241, "execute-ignored", NULL, RUNNER, "B", "registered again after its reboot" },
  /* a Write on a read-only resource answered 2.04 */
  { "1.1", 256, "read-only-write-accepted", NULL, RUNNER, "A",
    "Write /1/0/0 (read-only) answered 2.04" },
  /* a Discover without the resources */
  { "1.1", 260, "discover-no-resources", NULL, RUNNER, "B", "the mandatory resource </3/0/" },
  { "1.0", 260, "discover-no-resources", NULL, RUNNER, "B", "the mandatory resource </3/0/" },
  /* Write-Attributes answered, not kept */
  { "1.1", 261, "write-attributes-ignored", NULL, RUNNER, "B", "carries pmin=7 and pmax=17" },
  /* a Read-Composite that one unreadable path fails whole */
  { "1.1", 281, "composite-all-or-nothing", NULL, RUNNER, "A", "answered 4.05" },
  { "1.1", 236, "composite-all-or-nothing", NULL, RUNNER, "A", "answered 4.04" },
};

static void
test_quirk_objects (void)
{
  tf_ets_assert_fail_rows (rows, G_N_ELEMENTS (rows));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/objects", test_quirk_objects);
  return g_test_run ();
}
