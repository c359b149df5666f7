/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content format and bootstrap cases of tf-ets-run against tf-lwm2m-client with a declared
 * defect ("quirk") that breaks one of the case's criteria: Fail, at that criterion, the reason
 * naming the message that broke it (issue 15). Cases run three at a time, each bounded. */
#include "config.h"

#include "tf-ets-run-util.h"

static const TfEtsFailRow rows[] = {
  /* bootstrap: "/" deleted but the Server accounts kept; a trigger answered, not done */
  { "1.1", 4, NULL, "--quirk bootstrap-delete-kept", NULL, "C", "1 Server instance(s) remain" },
  { "1.1", 5, NULL, "--quirk bootstrap-trigger-ignored", NULL, "B", "the trigger's 2.04: none" },
  { "1.0", 0, NULL, "--quirk no-tlv", NULL, "B", "4.15" },
  { "1.0", 1, NULL, "--quirk no-tlv", NULL, "B", "4.15" },
  /* registration: no version in the Register; a registration dropped without a De-register */
  { "1.1", 101, NULL, "--quirk register-no-version", NULL, "A", "lwm2m=absent" },
  /* a lifetime longer than the case's 30 s wait for the De-register: the registration that
   * outlives it is what shows the client still there (an expired one could be a dead link) */
  { "1.1", 103, NULL, "--quirk deregister-silent --lifetime 300", NULL, "A", "De-register" },
  /* formats refused: 4.06 to a Read, 4.15 to a Write */
  { "1.1", 201, NULL, "--quirk no-text", NULL, "A", "text/plain answered 4.06" },
  { "1.1", 204, NULL, "--quirk no-json", NULL, "A", "answered 4.06" },
  { "1.1", 205, NULL, "--quirk no-text", NULL, "B", "Read back answered 4.06" },
  { "1.1", 211, NULL, "--quirk no-cbor", NULL, "A", "answered 4.06" },
  { "1.1", 212, NULL, "--quirk no-cbor", NULL, "A", "answered 4.15" },
  { "1.1", 220, NULL, "--quirk no-json", NULL, "A", "answered 4.15" },
  { "1.1", 231, NULL, "--quirk no-json", NULL, "A", "answered 4.06" },
  { "1.1", 232, NULL, "--quirk no-cbor", NULL, "A", "answered 4.06" },
  { "1.1", 233, NULL, "--quirk no-cbor", NULL, "A", "answered 4.15" },
  { "1.1", 234, NULL, "--quirk no-json", NULL, "A", "answered 4.15" },
  { "1.0", 215, NULL, "--quirk no-tlv", NULL, "A", "answered 4.15" },
  { "1.0", 220, NULL, "--quirk no-json", NULL, "A", "answered 4.15" },
  /* an answer without its Content-Format */
  { "1.1", 237, NULL, "--quirk no-content-format", NULL, "A", "content format" },
  { "1.0", 751, NULL, "--quirk no-content-format", "--answer-wait 3", "A", "content format" },
  /* a key other than the lab's (the last --psk-key given to the client wins) */
  { "1.0", 401, NULL, "--psk-key 0f0e0d0c0b0a09080706050403020100", "--register-wait 15", "A",
    "DTLS handshake", TRUE },
};

static void
test_quirk_formats (void)
{
  tf_ets_assert_fail_rows (rows, G_N_ELEMENTS (rows));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-quirk/formats-bootstrap", test_quirk_formats);
  return g_test_run ();
}
