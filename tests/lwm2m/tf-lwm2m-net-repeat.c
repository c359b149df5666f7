/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A confirmable request sent again with its MID and token because its ACK was lost (RFC 7252
 * 4.2) is answered as the first time and not processed twice (4.5): a De-register (the
 * registration is gone by then, yet the answer is 2.02 again, not 4.04) and a
 * Bootstrap-Request (one bootstrap sequence, not two). The repeats come from the test's own
 * CoAP peer (tf-lwm2m-net-peer.c); libcoap's client drops the answer to a repeat, so it is
 * seen in the server's exchange log. */
#include "config.h"

#include <string.h>

#include "tf-lwm2m-net-peer.h"
#include "tf-lwm2m-net-repeat.h"
#include "tf-lwm2m-net-util.h"

#define CF_LINK 40

/* The messages of MID @mid in @log: each one's direction and code, in order. */
static char *
exchanges_of (JsonArray *log, gint64 mid)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *m = json_array_get_object_element (log, i);
      if (json_object_get_int_member (m, "mid") == mid)
        g_string_append_printf (s, "%s%s %s", s->len > 0 ? ", " : "",
                                json_object_get_string_member (m, "dir"),
                                json_object_get_string_member (m, "code"));
    }
  return g_string_free (s, FALSE);
}

/* No @event of @ep after @since among the events the server has had. */
static void
assert_no_event (TfTestServer *s, const char *event, const char *ep, gint64 since)
{
  g_autoptr (JsonObject) r = tf_test_wait_event (s, event, ep, since, 0);
  g_assert_false (json_object_get_boolean_member (r, "ok"));
}

/* A De-register sent twice with the same MID and token: both answered 2.02, the registration
 * gone once (one deregistration event), nothing left in the server's list. */
static void
test_deregister_repeat (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  Peer *p = peer_new (s->port);
  g_autofree char *loc = NULL;
  g_autofree char *ex = NULL;
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) gone = NULL;
  g_autoptr (JsonObject) list = NULL;
  g_autoptr (JsonArray) log = NULL;
  coap_mid_t mid;

  g_assert_cmpuint (
      peer_post (p, "rd", "ep=dereg-1&lt=120&lwm2m=1.1", CF_LINK, -1, -1, "</3/0>", 6), ==,
      COAP_RESPONSE_CODE (201));
  loc = g_strdup (p->location);
  reg = tf_test_must_wait (s, "registration", "dereg-1", 0, T_REG);
  g_assert_cmpuint (peer_request (p, COAP_REQUEST_CODE_DELETE, loc, NULL, -1, -1, -1, NULL, 0), ==,
                    COAP_RESPONSE_CODE (202));
  mid = p->mid;
  gone = tf_test_must_wait (s, "deregistration", "dereg-1", json_object_get_int_member (reg, "seq"),
                            T_REG);
  p->again = TRUE;
  peer_request (p, COAP_REQUEST_CODE_DELETE, loc, NULL, -1, -1, -1, NULL, 0);
  /* a request after the repeat: answered, so the repeat was handled before it */
  g_assert_cmpuint (peer_post (p, "nothing", NULL, CF_LINK, -1, -1, "x", 1), ==,
                    COAP_RESPONSE_CODE (404));

  log = tf_test_log_read (s->log, 0);
  ex = exchanges_of (log, mid);
  g_assert_cmpstr (ex, ==, "in DELETE, out 2.02, in DELETE, out 2.02");
  assert_no_event (s, "deregistration", "dereg-1", json_object_get_int_member (gone, "seq"));
  list = tf_test_server_cmd (s, "{\"cmd\":\"list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 0);

  /* a new request on the old location after that: 4.04, the registration is gone */
  g_assert_cmpuint (peer_request (p, COAP_REQUEST_CODE_DELETE, loc, NULL, -1, -1, -1, NULL, 0), ==,
                    COAP_RESPONSE_CODE (404));
  peer_free (p);
  tf_test_server_stop (s);
}

/* A Bootstrap-Request sent twice with the same MID and token: both answered 2.04, one
 * bootstrap sequence. The peer answers the sequence's first request 4.04 (it has no
 * resources), which ends that sequence with a bootstrap event; a second Bootstrap-Request of
 * another endpoint after the repeat ends its own sequence after the repeat's would have. */
static void
test_bootstrap_repeat (void)
{
  TfTestServer *s = tf_test_server_start (TRUE, FALSE, NULL);
  Peer *p = peer_new (s->bs_port);
  const char *eps[2] = { "bsrep-1", "bsrep-2" };
  g_autofree char *ex = NULL;
  g_autoptr (JsonObject) first = NULL;
  g_autoptr (JsonArray) log = NULL;
  gint64 deadline = g_get_monotonic_time () + T_EVENT * G_TIME_SPAN_MILLISECOND;
  coap_mid_t mid;

  for (guint i = 0; i < 2; i++)
    json_object_unref (tf_test_server_ok (s,
                                          "{\"cmd\":\"bootstrap\",\"ep\":\"%s\",\"server_uri\":"
                                          "\"coap://127.0.0.1:%u\",\"lifetime\":45,\"short_id\":7}",
                                          eps[i], s->port));
  g_assert_cmpuint (peer_post (p, "bs", "ep=bsrep-1", CF_LINK, -1, -1, NULL, 0), ==,
                    COAP_RESPONSE_CODE (204));
  mid = p->mid;
  p->again = TRUE;
  peer_post (p, "bs", "ep=bsrep-1", CF_LINK, -1, -1, NULL, 0);
  g_assert_cmpuint (peer_post (p, "bs", "ep=bsrep-2", CF_LINK, -1, -1, NULL, 0), ==,
                    COAP_RESPONSE_CODE (204));
  /* the peer answers the server's requests while it runs its context */
  for (;;)
    {
      g_autoptr (JsonObject) r = tf_test_wait_event (s, "bootstrap", "bsrep-2", 0, 0);
      if (json_object_get_boolean_member (r, "ok"))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      coap_io_process (p->ctx, 200);
    }
  first = tf_test_must_wait (s, "bootstrap", "bsrep-1", 0, T_EVENT);
  g_assert_true (json_object_has_member (first, "error")); /* the peer's 4.04 */
  assert_no_event (s, "bootstrap", "bsrep-1", json_object_get_int_member (first, "seq"));

  log = tf_test_log_read (s->log, 0);
  ex = exchanges_of (log, mid);
  g_assert_cmpstr (ex, ==, "in POST, out 2.04, in POST, out 2.04");
  peer_free (p);
  tf_test_server_stop (s);
}

void
tf_faults_repeat_add_tests (void)
{
  g_test_add_func ("/lwm2m/faults/deregister-repeat", test_deregister_repeat);
  g_test_add_func ("/lwm2m/faults/bootstrap-repeat", test_bootstrap_repeat);
}
