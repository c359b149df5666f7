/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of three lab hosts, each in its own network namespace on a bridge
 * (tf-farm-net.c): each its tf-simlab, its own mosquitto bridged to the
 * central one over its veth link, its testfestd (role = host); a coordinator
 * on the central broker. A link cut is a real one (the veth down): the
 * central broker notices the bridge gone after 1.5 x its keepalive (5 s),
 * fires the bridge's will, and the coordinator marks the host's boards
 * unknown; docs/farm.md states the bound this test holds it to. What a board
 * of the cut host prints meanwhile waits in its host's broker (QoS 1) and
 * reaches the coordinator after the return, once each and in order. */
#include "tf-farm-netns-world.h"

static void
test_farm_netns (void)
{
  g_autoptr (World) w = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *since_h1 = NULL, *since_h3 = NULL, *after = NULL;
  g_autofree char *tag = g_strdup_printf ("%08x", g_random_int ());
  double s;

  if (getuid () != 0)
    {
      g_test_skip ("needs root (network namespaces)");
      return;
    }
  w = world_new ();
  tf_farm_set_event (w->farm, EVENT_TEXT);
  /* the running session through h2's cut keeps its board: a grace longer
   * than the cut can last (each wait below is bounded); the grace running out
   * is /farm-floor/host-loss-grace (tf-farm-floor-test.c) */
  {
    g_autofree char *conf = NULL, *more = NULL;
    g_assert_true (g_file_get_contents (w->farm->coord_conf, &conf, NULL, NULL));
    more = g_strconcat (conf, "\n[farm]\nhost-loss-grace-s = 1800\n", NULL);
    g_assert_true (g_file_set_contents (w->farm->coord_conf, more, -1, NULL));
  }
  for (guint i = 0; i < N_HOSTS; i++)
    tf_farm_start_host (w->farm, i);
  tf_farm_start_coordinator (w->farm);
  for (guint i = 0; i < N_HOSTS; i++)
    wait_host (w, i, "ready", NULL, WAIT_MS);
  wait_listing_all_ready (w);
  g_assert_cmpint (tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "boards", NULL }), ==, 0);
  g_assert_nonnull (strstr (out, "HOST"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* acme's session on h2b1 prepared through h2 (power cycle, provisioning
   * over its console) and running; beta's on h2b2 planned ahead */
  wait_session (w, S_AHEAD, "\"phase\":\"scheduled\"");
  wait_session (w, S_RUN, "\"phase\":\"scheduled\"");
  g_assert_cmpint (tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "start", S_RUN, NULL }), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_session (w, S_RUN, "\"phase\":\"running\"");
  g_assert_cmpuint (session_published (w, S_AHEAD, "\"replanned\":true"), ==, 0);

  /* h2's link cut: its boards unknown (infrastructure), h1's and h3's untouched */
  since_h1 = field (w, "h1b1", "since");
  since_h3 = field (w, "h3b2", "since");
  tf_farm_set_link (w->farm, 1, FALSE);
  console_lines_while_cut (w, tag, 1, CUT_LINES / 2);
  s = wait_host (w, 1, "unknown", "host h2 lost", LINK_LOSS_S * 1000);
  g_test_message ("h2's link cut: its boards unknown after %.1f s", s);
  console_lines_while_cut (w, tag, CUT_LINES / 2 + 1, CUT_LINES);
  /* the session planned on h2's board: re-planned (an infrastructure matter,
   * never a verdict); the running one keeps its board within the grace
   * (docs/farm.md) */
  wait_session (w, S_AHEAD, "\"replanned\":true");
  wait_session (w, S_AHEAD, "\"phase\":\"scheduled\"");
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  {
    g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, S_AHEAD);
    g_test_message ("re-planned: %s", (char *)g_hash_table_lookup (w->retained, t));
  }
  /* nothing of it reached the coordinator while the link is down */
  g_assert_false (coord_logged (w, &(Numbered){ tag, CUT_LINES }));
  after = field (w, "h1b1", "since");
  g_assert_cmpstr (after, ==, since_h1);
  g_clear_pointer (&after, g_free);
  after = field (w, "h3b2", "since");
  g_assert_cmpstr (after, ==, since_h3);
  g_clear_pointer (&after, g_free);
  g_assert_true (host_boards_are (w, &(Want){ 0, "ready", NULL }));
  g_assert_true (host_boards_are (w, &(Want){ 2, "ready", NULL }));
  /* restored: the bridge reconnects, h2's boards as h2 itself says */
  tf_farm_set_link (w->farm, 1, TRUE);
  s = wait_host (w, 1, "ready", NULL, WAIT_MS);
  g_test_message ("h2's link restored: its boards ready again after %.1f s", s);
  g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (1), WAIT_MS));
  /* what h2b1 printed during the cut: at the coordinator, each line once, in order */
  console_after_return (w, tag);
  /* acme's session: still the one, running, prepared once, never aborted */
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"preparing\""), ==, 1);
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"aborted\""), ==, 0);

  /* h3's daemon killed -9: its will; restarted: its boards back */
  tf_farm_stop_host (w->farm, 2, SIGKILL);
  s = wait_host (w, 2, "unknown", "host h3 lost", WILL_LOSS_S * 1000);
  g_test_message ("h3 killed: its boards unknown after %.1f s", s);
  g_assert_true (host_boards_are (w, &(Want){ 0, "ready", NULL }));
  tf_farm_start_host (w->farm, 2);
  wait_host (w, 2, "ready", NULL, WAIT_MS);
  g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (2), WAIT_MS));

  /* the coordinator killed -9 and restarted: every board again from retained state */
  tf_farm_stop_coordinator (w->farm, SIGKILL);
  tf_farm_start_coordinator (w->farm);
  wait_listing_all_ready (w);
  for (guint i = 0; i < N_HOSTS; i++)
    g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (i), WAIT_MS));

  /* acme's session on h2b1 through the restart: h2 still records it as the
   * holder of h2b1 */
  g_assert_true (wait_for (w, h2b1_held, NULL, WAIT_MS));

  /* h1 writing h2's board state on the central broker is refused */
  forge_other_host (w);
  /* after the round trip in it: acme's session never aborted, prepared once */
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"aborted\""), ==, 0);
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"preparing\""), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();
  g_test_add_func ("/farm-netns/three-hosts", test_farm_netns);
  return g_test_run ();
}
