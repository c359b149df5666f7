/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of lab hosts (issue 18) on this machine: HOSTS hosts of BOARDS
 * simulated boards each, every host in its own network namespace with its
 * tf-simlab, its bridged mosquitto and its testfestd (role = host), one
 * coordinator on the central broker (tests/tf-farm-net.c). Measures
 *  - start to every board ready at the coordinator,
 *  - a staff request on a host's board through the coordinator (`board`,
 *    its state and console tail: coordinator -> central broker -> bridge ->
 *    host and back),
 *    p50/p99, beside the same request on a single-host lab (role = both) of
 *    BOARDS boards in the same run,
 *  - a host's loss (its veth down) to its boards unknown at the coordinator,
 *    and to the sessions planned on its board re-planned (the coordinator
 *    runs an event whose client is on the last host's first board), its
 *    return to them ready, and a host daemon's kill -9 to unknown.
 *   bench-farm [HOSTS=10] [BOARDS=100] [REQUESTS=200]
 * If the farm does not come up within the deadline it says how many boards
 * did: the limit of this machine. Needs root. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf-bus.h"
#include "tf-farm-net.h"
#include "tf-harness.h"
#include "tf-test-host.h"

#define READY_DEADLINE_S 900

typedef struct
{
  GHashTable *state; /* board -> state, at the coordinator (or the single lab) */
  char *reply_topic, *correlation;
  gboolean replied;
  char *error;
  char *session_prefix; /* tf/<lab>/session/ */
  gboolean scheduled;   /* the bench's session was published scheduled */
  gint64 replanned_at;  /* when it was first published re-planned, 0: not yet */
  gint64 unknown_at;    /* when a board was last published unknown */
} Watch;

static void
on_message (TfBus *bus, const TfBusMessage *m, Watch *w)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  g_auto (GStrv) part = g_strsplit (m->topic, "/", -1);
  if (w->reply_topic != NULL && g_strcmp0 (m->topic, w->reply_topic) == 0)
    {
      if (m->correlation != NULL && w->correlation != NULL
          && g_bytes_get_size (m->correlation) == strlen (w->correlation)
          && memcmp (g_bytes_get_data (m->correlation, NULL), w->correlation,
                     strlen (w->correlation))
                 == 0)
        {
          g_autofree char *text = g_strndup (d, len);
          w->replied = TRUE;
          g_clear_pointer (&w->error, g_free);
          if (strstr (text, "\"ok\":false") != NULL)
            w->error = g_steal_pointer (&text);
        }
      return;
    }
  if (w->session_prefix != NULL && g_str_has_prefix (m->topic, w->session_prefix) && len > 0)
    {
      g_autofree char *text = g_strndup (d, len);
      w->scheduled = w->scheduled || strstr (text, "\"phase\":\"scheduled\"") != NULL;
      if (w->replanned_at == 0 && strstr (text, "\"replanned\":true") != NULL)
        w->replanned_at = g_get_monotonic_time ();
      return;
    }
  /* tf/<lab>/board/<id>/state */
  if (g_strv_length (part) == 5 && g_strcmp0 (part[2], "board") == 0 && len > 0)
    {
      g_autofree char *text = g_strndup (d, len);
      const char *s = strstr (text, "\"state\":\"");
      if (s != NULL)
        {
          s += strlen ("\"state\":\"");
          if (g_str_has_prefix (s, "unknown\""))
            w->unknown_at = g_get_monotonic_time ();
          g_hash_table_replace (w->state, g_strdup (part[3]), g_strndup (s, strcspn (s, "\"")));
        }
    }
}

static guint
count (Watch *w, const char *state, const char *prefix)
{
  GHashTableIter it;
  gpointer k, v;
  guint n = 0;
  g_hash_table_iter_init (&it, w->state);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (g_strcmp0 (v, state) == 0 && (prefix == NULL || g_str_has_prefix (k, prefix)))
      n++;
  return n;
}

typedef gboolean (*Done) (Watch *w, gconstpointer data);

/* the main loop until @done or @s seconds; returns the seconds it took, -1 if it never did */
static double
wait_until (Watch *w, Done done, gconstpointer data, guint s)
{
  gint64 t0 = g_get_monotonic_time (), deadline = t0 + (gint64)s * G_USEC_PER_SEC;
  while (!done (w, data))
    {
      if (g_get_monotonic_time () > deadline)
        return -1;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }
  return (g_get_monotonic_time () - t0) / 1e6;
}

typedef struct
{
  const char *state, *prefix;
  guint n;
} Count;

static gboolean
counted (Watch *w, gconstpointer data)
{
  const Count *c = data;
  return count (w, c->state, c->prefix) >= c->n;
}

static gboolean
scheduled (Watch *w, gconstpointer data)
{
  return w->scheduled;
}

static gboolean
replanned (Watch *w, gconstpointer data)
{
  return w->replanned_at != 0;
}

/* one client on board @board (of the host the bench cuts) and one server:
 * one session, planned on that board */
static char *
bench_event (const char *board)
{
  return g_strdup_printf (
      "[event]\nname = Farm bench\ndays = 2030-01-07\ntimezone = UTC\nslot-minutes = 60\n"
      "day-start = 09:00\nday-end = 17:00\ntables = 1\n\n"
      "[company acme]\nname = Acme IoT GmbH\n\n[company zeta]\nname = Zeta Cloud\n\n"
      "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = %s\nentry-criteria = yes\n"
      "entry-criteria-by = staff\n\n"
      "[implementation zeta-s]\ncompany = zeta\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nserver-uri = coap://zeta.test:5683\n"
      "entry-criteria = yes\nentry-criteria-by = staff\n",
      board);
}

static gboolean
replied (Watch *w, gconstpointer data)
{
  return w->replied;
}

static TfBus *
bus_new (const char *host, guint16 port, const char *user, const char *pw, const char *id, Watch *w)
{
  TfBusOptions o = { .host = (char *)host,
                     .port = port,
                     .user = (char *)user,
                     .password = (char *)pw,
                     .client_id = (char *)id,
                     .keepalive_s = 60 };
  g_autoptr (GError) error = NULL;
  TfBus *bus = tf_bus_new (&o, &error);
  if (bus == NULL)
    g_error ("%s", error->message);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), w);
  return bus;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* @n `board` requests (one at a time; the board's state and console tail,
 * which the coordinator asks the board's host for) on @boards round robin;
 * p50 and p99 in ms */
static void
latency (TfBus *bus, Watch *w, const char *lab, GPtrArray *boards, guint n, double *p50,
         double *p99)
{
  g_autofree double *ms = g_new0 (double, n);
  g_autofree char *topic = g_strdup_printf ("tf/%s/cmd/board", lab);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *payload = g_strdup_printf ("{\"board\":\"%s\",\"lines\":10}",
                                                  (char *)boards->pdata[i % boards->len]);
      g_autoptr (GError) error = NULL;
      gint64 t0;
      double s;
      g_free (w->correlation);
      w->correlation = g_strdup_printf ("%08x%08x", g_random_int (), i);
      w->replied = FALSE;
      t0 = g_get_monotonic_time ();
      if (!tf_bus_request (bus, topic, payload, w->reply_topic, w->correlation, &error))
        g_error ("request: %s", error->message);
      s = wait_until (w, replied, NULL, 60);
      if (s < 0)
        g_error ("no answer to %s within 60 s", payload);
      if (w->error != NULL)
        g_error ("%s: %s", payload, w->error);
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    }
  qsort (ms, n, sizeof (double), cmp_double);
  *p50 = ms[n / 2];
  *p99 = ms[MIN (n - 1, (n * 99) / 100)];
}

/* the single-host lab of @n boards: tf-simlab --generate's files, role = both */
static TfHarness *
single_lab (const char *build, guint n)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-bench-farm-XXXXXX", NULL);
  g_autofree char *simlab = g_build_filename (build, "fixtures", "tf-simlab", NULL);
  g_autofree char *sim = g_build_filename (dir, "g.sim", NULL);
  g_autofree char *gen = g_build_filename (dir, "g.lab", NULL);
  g_autofree char *nstr = g_strdup_printf ("%u", n);
  g_autofree char *sim_text = NULL, *lab_text = NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  gboolean in = FALSE;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { simlab, "--generate", nstr, "--sim-out", sim, "--lab-out", gen, NULL };

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                     NULL, &error))
    g_error ("%s", error->message);
  g_assert_true (g_file_get_contents (sim, &sim_text, NULL, NULL));
  g_assert_true (g_file_get_contents (gen, &lab_text, NULL, NULL));
  lines = g_strsplit (lab_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      in = in || g_str_has_prefix (lines[i], "[switch ");
      if (in && !g_str_has_prefix (lines[i], "table = "))
        g_string_append_printf (body, "%s\n", lines[i]);
    }
  tf_test_rm_rf (dir);
  return tf_harness_new_full (sim_text, body->str,
                              (const char *const[]){ "--modem-lines", "preload", NULL });
}

int
main (int argc, char **argv)
{
  guint hosts = argc > 1 ? (guint)atoi (argv[1]) : 10;
  guint boards = argc > 2 ? (guint)atoi (argv[2]) : 100;
  guint requests = argc > 3 ? (guint)atoi (argv[3]) : 200;
  const char *build = g_getenv ("TF_BUILD_ROOT");
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  Watch w = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  g_autoptr (TfFarm) f = NULL;
  g_autoptr (TfBus) bus = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *all = NULL, *id = g_strdup_printf ("bench-farm-%d", (int)getpid ());
  double t_ready, p50 = 0, p99 = 0, s50 = 0, s99 = 0, t_lost, t_back, t_killed;
  double t_replanned = -1, t_replanned_after_lost = -1;
  guint total = hosts * boards;
  gint64 t0;
  TfFarmHost *last;

  if (build == NULL)
    g_setenv ("TF_BUILD_ROOT", build = TF_BENCH_BUILD_ROOT, TRUE);
  if (src == NULL)
    g_setenv ("TF_SOURCE_ROOT", src = TF_BENCH_SOURCE_ROOT, TRUE);
  if (hosts < 2 || hosts > 13 || boards < 1 || boards > 500 || requests < 10)
    {
      g_printerr ("usage: bench-farm [HOSTS 2..13] [BOARDS 1..500] [REQUESTS >= 10]\n");
      return 2;
    }

  /* 1. start to every board ready lab-wide */
  f = tf_farm_new (build, src, NULL, hosts, boards);
  {
    g_autofree char *board = tf_farm_board_id (f, hosts - 1, 1);
    g_autofree char *event = bench_event (board);
    tf_farm_set_event (f, event);
  }
  t0 = g_get_monotonic_time ();
  tf_farm_start_brokers (f);
  bus = bus_new (f->gateway, f->central_port, "staff", f->staff_pw, id, &w);
  all = g_strdup_printf ("tf/%s/board/+/state", f->lab);
  tf_bus_subscribe (bus, all);
  w.reply_topic = g_strdup_printf ("tf/%s/reply/staff/%s", f->lab, id);
  tf_bus_subscribe (bus, w.reply_topic);
  w.session_prefix = g_strdup_printf ("tf/%s/session/", f->lab);
  {
    g_autofree char *sessions = g_strdup_printf ("%s+/state", w.session_prefix);
    tf_bus_subscribe (bus, sessions);
  }
  tf_bus_start (bus);
  for (guint i = 0; i < hosts; i++)
    {
      tf_farm_start_host (f, i);
      tf_test_watch_child (tf_farm_host (f, i)->simlab, "tf-simlab", NULL);
    }
  tf_farm_start_coordinator (f);
  tf_test_watch_child (f->coord, "the coordinator", NULL);
  t_ready = wait_until (&w, counted, &(Count){ "ready", NULL, total }, READY_DEADLINE_S);
  if (t_ready < 0)
    {
      printf ("farm %u hosts x %u boards: only %u of %u boards ready at the coordinator after "
              "%u s: past what this machine runs (files in %s)\n",
              hosts, boards, count (&w, "ready", NULL), total, READY_DEADLINE_S, f->dir);
      return 1;
    }
  t_ready += (g_get_monotonic_time () - t0) / 1e6 - t_ready; /* from the very start */

  /* 2. the coordinator -> host request, then the same on a single-host lab */
  for (guint i = 0; i < hosts; i++)
    g_ptr_array_add (ids, tf_farm_board_id (f, i, 1 + (i * 7) % boards));
  latency (bus, &w, f->lab, ids, requests, &p50, &p99);

  /* 3. a host's link cut: its boards unknown; back; a host daemon killed */
  last = tf_farm_host (f, hosts - 1);
  {
    g_autofree char *prefix = g_strdup_printf ("%sb", last->name);
    gint64 cut;
    if (wait_until (&w, scheduled, NULL, 300) < 0)
      g_error ("the bench's session was never scheduled (files in %s)", f->dir);
    cut = g_get_monotonic_time ();
    tf_farm_set_link (f, hosts - 1, FALSE);
    t_lost = wait_until (&w, counted, &(Count){ "unknown", prefix, boards }, 300);
    if (wait_until (&w, replanned, NULL, 300) >= 0)
      {
        t_replanned = (w.replanned_at - cut) / 1e6;
        /* from the last of its boards published unknown (negative: before it) */
        t_replanned_after_lost = (w.replanned_at - w.unknown_at) / 1e3;
      }
    tf_farm_set_link (f, hosts - 1, TRUE);
    t_back = wait_until (&w, counted, &(Count){ "ready", NULL, total }, 300);
    tf_test_child_stopping (tf_farm_host (f, 0)->daemon);
    tf_farm_stop_host (f, 0, SIGKILL);
    t_killed = wait_until (&w, counted, &(Count){ "unknown", "h1b", boards }, 300);
  }
  tf_test_children_stopping ();
  tf_bus_shutdown (bus, NULL, NULL, 100);
  g_clear_object (&bus);
  g_clear_pointer (&f, tf_farm_free);

  /* the single-host lab: the same request, the same board count per host */
  {
    g_autoptr (TfHarness) h = single_lab (build, boards);
    g_autoptr (TfBus) sb = NULL;
    Watch sw = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
    g_autoptr (GPtrArray) sids = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *sall = g_strdup_printf ("tf/%s/board/+/state", h->lab);
    tf_harness_start_daemon (h);
    sb = bus_new ("127.0.0.1", h->port, NULL, NULL, id, &sw);
    tf_bus_subscribe (sb, sall);
    sw.reply_topic = g_strdup_printf ("tf/%s/reply/staff/%s", h->lab, id);
    tf_bus_subscribe (sb, sw.reply_topic);
    tf_bus_start (sb);
    if (wait_until (&sw, counted, &(Count){ "ready", NULL, boards }, READY_DEADLINE_S) < 0)
      g_error ("the single-host lab did not come up");
    for (guint i = 0; i < hosts; i++)
      g_ptr_array_add (sids, g_strdup_printf ("sim%u", 1 + (i * 7) % boards));
    latency (sb, &sw, h->lab, sids, requests, &s50, &s99);
    tf_bus_shutdown (sb, NULL, NULL, 100);
    g_hash_table_unref (sw.state);
  }

  printf ("farm                             %u hosts x %u boards (%u), 1 coordinator, each host "
          "its namespace, tf-simlab, bridged mosquitto, testfestd\n",
          hosts, boards, total);
  printf ("start -> every board ready       %.1f s\n", t_ready);
  printf ("board, coordinator -> host       p50 %.1f ms  p99 %.1f ms  (%u requests)\n", p50, p99,
          requests);
  printf ("board, single host (both)        p50 %.1f ms  p99 %.1f ms  (%u boards)\n", s50, s99,
          boards);
  printf ("link cut -> its boards unknown   %.1f s (bridge keepalive 5 s)\n", t_lost);
  printf ("link back -> every board ready   %.1f s\n", t_back);
  printf ("host kill -9 -> boards unknown   %.1f s (daemon keepalive 5 s)\n", t_killed);
  if (t_replanned < 0)
    printf ("sessions re-planned              never within 300 s of the cut\n");
  else
    printf ("sessions re-planned              %.1f s after the cut, %.1f ms after its last board "
            "was unknown\n",
            t_replanned, t_replanned_after_lost);
  g_hash_table_unref (w.state);
  return 0;
}
