/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The evidence of an automated case as people read it: the runner's JSON turned into the
 * transcript the store keeps and the report shows, and the summary a Pass gets. */
#include "config.h"

#include <string.h>

#include "tf-ets-transcript.h"
#include "tf-json.h"

/* as tf-ets-run prints a Fail (its shape, trimmed to two messages) */
static const char *run_json
    = "{\"ets\":\"1.1\",\"case\":302,\"name\":\"Cancel Observation\",\"endpoint\":\"ep1\","
      "\"verdict\":\"fail\",\"criterion\":\"D\",\"reason\":\"2 notification(s) of the "
      "cancelled observation\",\"started_us\":1000000,\"duration_ms\":8012,"
      "\"message\":{\"dir\":\"in\",\"time_us\":1500000,\"peer\":\"192.0.2.10:5683\","
      "\"type\":\"NON\",\"code\":\"2.05\",\"mid\":7,\"token\":\"0a\",\"options\":[[6,\"3\"],"
      "[12,\"11543\"]],\"cf\":11543,\"payload_len\":12,\"payload\":\"[{\\\"v\\\":1}]\\n\\u0001\"},"
      "\"criteria\":[{\"id\":\"A\",\"ok\":true,\"what\":\"Observe answered 2.05\"},"
      "{\"id\":\"D\",\"ok\":false,\"what\":\"no notification after the cancel\"}],"
      "\"exchange\":[{\"dir\":\"out\",\"time_us\":1000100,\"peer\":\"192.0.2.10:5683\","
      "\"type\":\"CON\",\"code\":\"GET\",\"mid\":5,\"token\":\"0a\",\"options\":[[6,0],"
      "[11,\"3\"],[11,\"0\"],[99,\"x\"]]},{\"dir\":\"in\",\"time_us\":1500000,\"peer\":"
      "\"192.0.2.10:5683\",\"type\":\"NON\",\"code\":\"2.05\",\"mid\":7,\"token\":\"0a\","
      "\"options\":[[6,\"3\"]],\"payload_len\":3,\"payload\":\"abc\"}]}";

static void
test_transcript (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = tf_json_parse_object (run_json, strlen (run_json), 65536, 32, &error);
  g_autofree char *t = NULL, *sum = NULL;
  g_assert_no_error (error);
  t = tf_ets_transcript (o);
  g_test_message ("%s", t);
  g_assert_true (g_str_has_prefix (
      t, "ETS 1.1 case 302 Cancel Observation, endpoint ep1: fail at criterion D (8012 ms)\n"
         "reason: 2 notification(s) of the cancelled observation\n"));
  /* the message that broke it, with its time from the start, its options by name */
  g_assert_nonnull (strstr (t, "the message that broke it:\n"
                               "     +0.500 s client→lab 192.0.2.10:5683 NON 2.05 mid=7 token=0a "
                               "Observe=3 Content-Format=11543 payload=12B\n"));
  /* a payload's control characters stay on their line */
  g_assert_nonnull (strstr (t, "[{\"v\":1}]\\x0a\\x01\n"));
  g_assert_nonnull (strstr (t, "  [ok] A Observe answered 2.05\n  [NO] D no notification after "
                               "the cancel\n"));
  g_assert_nonnull (strstr (t, "exchange: 2 CoAP messages\n"
                               "     +0.000 s lab→client 192.0.2.10:5683 CON GET mid=5 token=0a "
                               "Observe=0 Uri-Path=3 Uri-Path=0 opt99=x\n"));
  /* a Pass's summary: everything before the messages, and their count */
  sum = tf_ets_transcript_summary (t);
  g_assert_true (g_str_has_suffix (sum, "exchange: 2 CoAP messages\n"));
  g_assert_null (strstr (sum, "lab→client"));
  g_assert_nonnull (strstr (sum, "[NO] D"));
}

static void
test_odd_input (void)
{
  /* what a runner of another make might print: no member is required */
  const char *j = "{\"exchange\":[1,{\"options\":[[]]},{\"options\":5}],\"criteria\":[\"x\"]}";
  g_autoptr (JsonObject) o = tf_json_parse_object (j, strlen (j), 4096, 8, NULL);
  g_autofree char *t = NULL, *sum = NULL;
  g_assert_nonnull (o);
  t = tf_ets_transcript (o);
  g_assert_true (g_str_has_prefix (t, "ETS ? case -1 , endpoint ?: ?"));
  g_assert_nonnull (strstr (t, "exchange: 3 CoAP messages\n"));
  sum = tf_ets_transcript_summary ("no exchange line here");
  g_assert_cmpstr (sum, ==, "no exchange line here");
}

/* A run whose exchange reached its bound (a package of thousands of blocks): the transcript
 * says how many messages are not in it. */
static void
test_dropped (void)
{
  const char *j = "{\"exchange\":[{\"dir\":\"in\",\"code\":\"GET\",\"options\":[[23,\"22\"]]}],"
                  "\"exchange_dropped\":12}";
  g_autoptr (JsonObject) o = tf_json_parse_object (j, strlen (j), 4096, 8, NULL);
  g_autofree char *t = NULL, *sum = NULL;
  g_assert_nonnull (o);
  t = tf_ets_transcript (o);
  g_assert_nonnull (strstr (t, "exchange: 1 CoAP messages, 12 more not recorded (over the bound)\n"
                               "  "));
  g_assert_nonnull (strstr (t, " GET mid=-1 token=- Block2=22\n"));
  sum = tf_ets_transcript_summary (t);
  g_assert_true (g_str_has_suffix (sum, "12 more not recorded (over the bound)\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ets-transcript/fail", test_transcript);
  g_test_add_func ("/ets-transcript/odd-input", test_odd_input);
  g_test_add_func ("/ets-transcript/dropped", test_dropped);
  return g_test_run ();
}
