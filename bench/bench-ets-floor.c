/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-ets-floor: automated ETS cases through the floor. A simulated lab of N boards (default
 * 20) running tf-lwm2m-client, one server namespace, the controller's port on the lab network;
 * an event of N clients against one server, all in the first slot at N tables. Every session
 * started; then one client's whole automated 1.1 suite alone (`run --all-automated`), its wall
 * time against the time its cases took inside the runner (the protocol's waits, mostly); then
 * the N sessions' suites at once: the speed-up over one.
 *   bench-ets-floor [SESSIONS]   (root, /dev/net/tun; TF_SOURCE_ROOT and TF_BUILD_ROOT set, as
 *   meson test sets them) */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-floor.h"
#include "tf-floor-fixture.h"

typedef struct
{
  TfHarness *h;
  GHashTable *replies; /* correlation → payload */
} Bench;

static void
on_message (TfBus *bus, const TfBusMessage *m, Bench *b)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (strstr (m->topic, "/reply/") != NULL && m->correlation != NULL)
    g_hash_table_replace (
        b->replies,
        g_strndup (g_bytes_get_data (m->correlation, NULL), g_bytes_get_size (m->correlation)),
        g_strndup (d, len));
}

static char *
send_run (Bench *b, guint i)
{
  g_autofree char *topic = g_strdup_printf ("tf/%s/in/k%02u/run", b->h->lab, i);
  g_autofree char *reply = g_strdup_printf ("tf/%s/reply/k%02u/bench", b->h->lab, i);
  g_autofree char *json
      = g_strdup_printf ("{\"session\":\"c%02u--srv\",\"all-automated\":true}", i);
  char *corr = g_strdup_printf ("b%02u-%08x", i, g_random_int ());
  g_autoptr (GError) error = NULL;
  if (!tf_bus_request (b->h->watch, topic, json, reply, corr, &error))
    g_error ("request: %s", error->message);
  return corr;
}

static gboolean
all_answered (TfHarness *h, gpointer data)
{
  gpointer *w = data;
  GPtrArray *corrs = w[1];
  for (guint i = 0; i < corrs->len; i++)
    if (!g_hash_table_contains (((Bench *)w[0])->replies, g_ptr_array_index (corrs, i)))
      return FALSE;
  return TRUE;
}

/* the answers' verdicts counted: "pass N, fail N, other N" */
static char *
tally (Bench *b, GPtrArray *corrs, guint *passes, guint *cases)
{
  guint pass = 0, fail = 0, other = 0;
  for (guint i = 0; i < corrs->len; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      JsonArray *a;
      if (!json_parser_load_from_data (p, g_hash_table_lookup (b->replies, corrs->pdata[i]), -1,
                                       NULL))
        continue;
      o = json_node_get_object (json_parser_get_root (p));
      if (!json_object_get_boolean_member (o, "ok"))
        {
          g_printerr ("refused: %s\n", json_object_get_string_member (o, "error"));
          continue;
        }
      a = json_object_get_array_member (o, "cases");
      for (guint k = 0; k < json_array_get_length (a); k++)
        {
          const char *v = json_object_get_string_member_with_default (
              json_array_get_object_element (a, k), "verdict", "");
          if (g_str_equal (v, "pass"))
            pass++;
          else if (g_str_equal (v, "fail"))
            fail++;
          else
            other++;
          if (!g_str_equal (v, "pass"))
            g_print ("  not a Pass: %s %s\n", (const char *)corrs->pdata[i],
                     json_object_get_string_member_with_default (
                         json_array_get_object_element (a, k), "note", ""));
        }
    }
  *passes = pass;
  *cases = pass + fail + other;
  return g_strdup_printf ("%u Pass, %u Fail, %u other", pass, fail, other);
}

/* the time the cases took inside the runner: the report's automation durations */
static double
inside_s (Bench *b, guint i)
{
  g_autofree char *suffix = g_strdup_printf ("private/k%02u/session/c%02u--srv/report", i, i);
  const char *rep = tf_harness_retained (b->h, suffix);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonArray *cases;
  double ms = 0;
  if (rep == NULL || !json_parser_load_from_data (p, rep, -1, NULL))
    return 0;
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "cases");
  for (guint k = 0; k < json_array_get_length (cases); k++)
    {
      JsonNode *a = json_object_get_member (json_array_get_object_element (cases, k), "automation");
      if (a != NULL && JSON_NODE_HOLDS_OBJECT (a))
        ms += json_object_get_int_member_with_default (json_node_get_object (a), "duration_ms", 0);
    }
  return ms / 1000;
}

static gboolean
all_running (TfHarness *h, gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *suffix = g_strdup_printf ("session/c%02u--srv/state", i);
      const char *json = tf_harness_retained (h, suffix);
      if (json == NULL || strstr (json, "\"phase\":\"running\"") == NULL)
        return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi (argv[1]) : 20;
  const char *build = (bench_floor_roots (), g_getenv ("TF_BUILD_ROOT"));
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  g_autofree char *netns = NULL, *tail = NULL;
  g_autofree char *one_tally = NULL, *all_tally = NULL;
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  const char *args[4];
  Bench b = { 0 };
  gint64 t0, t1, t2, t3;
  guint pass1 = 0, cases1 = 0, passn = 0, casesn = 0;
  double wall1, walln, inside1;

  if (geteuid () != 0 || build == NULL || src == NULL || n < 1 || n > 99)
    {
      g_printerr ("bench-ets-floor [SESSIONS (1-99)]: root, TF_SOURCE_ROOT and TF_BUILD_ROOT\n");
      return 2;
    }
  netns = g_strdup_printf ("tfctl-b%08x", g_random_int ());
  tail = tf_fixture_ets_group (netns);
  args[0] = "--controller-netns";
  args[1] = netns;
  args[2] = n > 40 ? "--modem-lines=preload" : NULL;
  args[3] = NULL;
  b.h = bench_floor_harness_new (n, NULL, tail, args);
  b.replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* what tf-lwm2m-client has, without the set-ups that need scripts (bootstrap, DTLS, queue) */
  bench_floor_start (
      b.h, n, "features = observe;send;senml;composite;tlv;json;plain-text;cbor;firmware-update\n",
      "send config set endpoint {endpoint}\nexpect ^ok 10000\n"
      "send config set server-uri {server_uri}\nexpect ^ok 10000\n"
      "send lwm2m start\nexpect ^lwm2m: registered 60000\n",
      FALSE);
  g_signal_connect (b.h->watch, "message", G_CALLBACK (on_message), &b);
  if (!tf_harness_wait (b.h, all_running, GUINT_TO_POINTER (n), 300000))
    {
      g_printerr ("not every session is running after 5 minutes\n");
      tf_harness_free (b.h);
      return 1;
    }

  /* one suite alone */
  g_ptr_array_add (one, send_run (&b, 0));
  t0 = g_get_monotonic_time ();
  {
    gpointer w[2] = { &b, one };
    if (!tf_harness_wait (b.h, all_answered, w, 1800000))
      g_error ("one suite: no answer in 30 minutes");
  }
  t1 = g_get_monotonic_time ();
  one_tally = tally (&b, one, &pass1, &cases1);
  tf_harness_sleep (b.h, 1000); /* the last report reaches our client */
  inside1 = inside_s (&b, 0);
  wall1 = (t1 - t0) / 1e6;

  /* N suites at once (session 0's again: automated verdicts are decided anew) */
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (all, send_run (&b, i));
  t2 = g_get_monotonic_time ();
  {
    gpointer w[2] = { &b, all };
    if (!tf_harness_wait (b.h, all_answered, w, 3600000))
      g_error ("%u suites: not all answered in an hour", n);
  }
  t3 = g_get_monotonic_time ();
  all_tally = tally (&b, all, &passn, &casesn);
  walln = (t3 - t2) / 1e6;

  g_print ("one suite: %u cases (%s), wall %.1f s, inside the cases %.1f s (the runner's own "
           "time, mostly the protocol's waits), overhead %.1f s (%.2f s a case)\n",
           cases1, one_tally, wall1, inside1, wall1 - inside1,
           cases1 ? (wall1 - inside1) / cases1 : 0.0);
  g_print ("%u suites at once on %u boards: %u cases (%s), wall %.1f s, speed-up %.1fx over one\n",
           n, n, casesn, all_tally, walln, n * wall1 / walln);
  tf_harness_free (b.h);
  g_hash_table_unref (b.replies);
  tf_fixture_del_netns (netns);
  return pass1 == cases1 && passn == casesn ? 0 : 1;
}
