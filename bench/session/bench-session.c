/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-session: (1) verdict entry with 50 sessions at once against the real
 * testfestd and a real mosquitto: latency from request to the answer, which
 * comes after the verdict is committed (synchronous=FULL) and published;
 * (2) the consolidated report of 60 clients x 30 servers x 38 cases: JSON
 * from the store, and the PDF.
 *   bench-session [--sessions N] [--cases N]      (run from the build dir) */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "tf-bus.h"
#include "tf-catalogue.h"
#include "tf-report-pdf.h"
#include "tf-sched.h"
#include "tf-session-db.h"
#include "tf-test-host.h"
#include "tf-session-json.h"
#include "tf-store.h"

static int opt_sessions = 50, opt_cases = 38;

typedef struct
{
  GMainLoop *loop;
  TfBus *bus;
  char *lab, *reply_topic;
  GHashTable *pending; /* correlation -> gint64 start (boxed) */
  GArray *lat;         /* gdouble ms */
  guint sent, done, failed, total;
  GPtrArray *queue; /* per session: next case index */
  GArray *case_ids;
  gboolean connected;
} Bench;

static gint
dcmp (gconstpointer a, gconstpointer b)
{
  double x = *(double *)a, y = *(double *)b;
  return x < y ? -1 : x > y;
}

static void
send_next (Bench *b, guint session)
{
  guint *next = g_ptr_array_index (b->queue, session);
  g_autofree char *topic = NULL, *json = NULL, *corr = NULL;
  gint64 *t0;
  if (*next >= b->case_ids->len)
    return;
  topic = g_strdup_printf ("tf/%s/in/c%02u/verdict", b->lab, session);
  json = g_strdup_printf (
      "{\"session\":\"client%02u--server\",\"case\":%d,\"verdict\":\"pass\",\"user\":\"bench\"}",
      session, g_array_index (b->case_ids, gint, *next));
  corr = g_strdup_printf ("%u:%u", session, *next);
  (*next)++;
  t0 = g_new (gint64, 1);
  *t0 = g_get_monotonic_time ();
  g_hash_table_insert (b->pending, g_strdup (corr), t0);
  tf_bus_request (b->bus, topic, json, b->reply_topic, corr, NULL);
  b->sent++;
}

static void
on_message (TfBus *bus, const TfBusMessage *m, Bench *b)
{
  g_autofree char *corr = NULL;
  gint64 *t0;
  double ms;
  guint session;
  if (g_strcmp0 (m->topic, b->reply_topic) != 0 || m->correlation == NULL)
    return;
  corr = g_strndup (g_bytes_get_data (m->correlation, NULL), g_bytes_get_size (m->correlation));
  t0 = g_hash_table_lookup (b->pending, corr);
  if (t0 == NULL)
    return;
  ms = (g_get_monotonic_time () - *t0) / 1000.0;
  g_array_append_val (b->lat, ms);
  if (g_bytes_get_size (m->payload) < 20
      || strstr (g_bytes_get_data (m->payload, NULL), "\"ok\":true") == NULL)
    b->failed++;
  session = atoi (corr);
  g_hash_table_remove (b->pending, corr);
  b->done++;
  send_next (b, session); /* one request in flight per session */
  if (b->done == b->total)
    g_main_loop_quit (b->loop);
}

static void
on_connected (TfBus *bus, Bench *b)
{
  b->connected = TRUE;
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static GSubprocess *
spawn (const char *log, GError **error, ...)
{
  /* children die with the benchmark (PR_SET_PDEATHSIG) */
  g_autoptr (GSubprocessLauncher) l = tf_test_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *a;
  va_list ap;
  va_start (ap, error);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *)a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_stdout_file_path (l, log);
  return g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, error);
}

static void
wait_ms (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add (ms, quit_loop, loop);
  g_main_loop_run (loop);
}

static void
bench_verdicts (const char *build, const char *source)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-bench-sess-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "mosquitto.conf", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *ev = g_build_filename (dir, "bench.event", NULL);
  g_autofree char *db = g_build_filename (dir, "state", "testfest.db", NULL);
  g_autofree char *daemon = g_build_filename (build, "controller", "testfestd", NULL);
  g_autofree char *boards = g_build_filename (source, "boards", NULL);
  g_autofree char *log = g_build_filename (dir, "testfestd.log", NULL);
  g_autofree char *blog = g_build_filename (dir, "mosquitto.log", NULL);
  g_autoptr (GString) lt = g_string_new (NULL);
  g_autoptr (GString) et = g_string_new (NULL);
  g_autoptr (GSubprocess) broker = NULL, d = NULL;
  g_autoptr (GError) error = NULL;
  guint port = 20000 + g_random_int_range (0, 20000);
  Bench b = { 0 };
  sqlite3 *sq = NULL;
  gint64 t0, t1;
  double sum = 0;

  g_chmod (dir, 0755);
  {
    /* user root: dropping privileges would clear PR_SET_PDEATHSIG */
    g_autofree char *text = g_strdup_printf ("listener %u 127.0.0.1\nallow_anonymous true\n"
                                             "persistence false\nmax_queued_messages 100000\n"
                                             "user root\n",
                                             port);
    g_file_set_contents (conf, text, -1, NULL);
  }
  g_string_append_printf (lt,
                          "[lab]\nname = bench\nhost = bench\nstate-dir = %s/state\n"
                          "boards-dir = %s\nets-dir = %s/data/ets\nevent = bench.event\n\n"
                          "[broker]\nport = %u\n\n",
                          dir, boards, source, port);
  g_string_append (et, "[event]\nname = Bench\ndays = 2030-01-07\nslot-minutes = 60\n"
                       "day-start = 09:00\nday-end = 17:00\ntables = 64\n\n[company srv]\n\n"
                       "[implementation server]\ncompany = srv\nrole = server\nversions = 1.1\n"
                       "transports = udp\nsecurity = nosec\ncapacity = 64\nentry-criteria = yes\n"
                       "entry-criteria-by = bench\n\n");
  for (int i = 0; i < opt_sessions; i++)
    {
      /* consoles that do not exist: verdict entry does not touch the boards */
      g_string_append_printf (
          lt, "[board b%02d]\ntype = sim-l476\nconsole = /dev/tf-bench-none-%02d\n\n", i, i);
      g_string_append_printf (et,
                              "[company c%02d]\n\n[implementation client%02d]\ncompany = c%02d\n"
                              "role = client\nversions = 1.1\ntransports = udp\nsecurity = nosec\n"
                              "boards = b%02d\nentry-criteria = yes\nentry-criteria-by = bench\n\n",
                              i, i, i, i);
    }
  g_file_set_contents (lab, lt->str, -1, NULL);
  g_file_set_contents (ev, et->str, -1, NULL);

  broker = spawn (blog, &error, "mosquitto", "-c", conf, NULL);
  g_assert_no_error (error);
  /* a child dying ends the benchmark at once, with the reason */
  tf_test_watch_child (broker, "mosquitto", blog);
  wait_ms (300);
  /* once to make the sessions, then they are put in "running" as if started */
  d = spawn (log, &error, daemon, "--config", lab, NULL);
  g_assert_no_error (error);
  tf_test_watch_child (d, "testfestd", log);
  wait_ms (1500);
  /* stopped on purpose: its watch must not end the benchmark */
  tf_test_child_stopping (d);
  g_subprocess_send_signal (d, SIGTERM);
  g_subprocess_wait (d, NULL, NULL);
  g_clear_object (&d);
  g_assert_cmpint (sqlite3_open (db, &sq), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (sq, "UPDATE session SET phase = 'running'", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  {
    sqlite3_stmt *st;
    b.case_ids = g_array_new (FALSE, FALSE, sizeof (gint));
    sqlite3_prepare_v2 (sq,
                        "SELECT case_id FROM verdict WHERE session = 'client00--server' AND "
                        "verdict IS NULL ORDER BY case_id",
                        -1, &st, NULL);
    while (sqlite3_step (st) == SQLITE_ROW && (int)b.case_ids->len < opt_cases)
      {
        gint id = sqlite3_column_int (st, 0);
        g_array_append_val (b.case_ids, id);
      }
    sqlite3_finalize (st);
  }
  sqlite3_close (sq);
  d = spawn (log, &error, daemon, "--config", lab, NULL);
  g_assert_no_error (error);
  tf_test_watch_child (d, "testfestd", log);
  wait_ms (1500);

  {
    TfBusOptions o
        = { .host = "127.0.0.1", .port = port, .client_id = "bench-session", .keepalive_s = 30 };
    b.bus = tf_bus_new (&o, &error);
    g_assert_no_error (error);
  }
  b.loop = g_main_loop_new (NULL, FALSE);
  b.lab = "bench";
  b.reply_topic = "tf/bench/reply/bench-session";
  b.pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  b.lat = g_array_new (FALSE, FALSE, sizeof (double));
  b.queue = g_ptr_array_new_with_free_func (g_free);
  b.total = opt_sessions * b.case_ids->len;
  for (int i = 0; i < opt_sessions; i++)
    g_ptr_array_add (b.queue, g_new0 (guint, 1));
  g_signal_connect (b.bus, "message", G_CALLBACK (on_message), &b);
  g_signal_connect (b.bus, "connected", G_CALLBACK (on_connected), &b);
  tf_bus_subscribe (b.bus, b.reply_topic);
  tf_bus_start (b.bus);
  while (!b.connected)
    g_main_context_iteration (NULL, TRUE);
  wait_ms (200);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < opt_sessions; i++)
    send_next (&b, i);
  g_timeout_add_seconds (300, quit_loop, b.loop);
  g_main_loop_run (b.loop);
  t1 = g_get_monotonic_time ();

  g_array_sort (b.lat, dcmp);
  for (guint i = 0; i < b.lat->len; i++)
    sum += g_array_index (b.lat, double, i);
  g_print ("verdict entry, %d sessions at once (one request in flight each), %u verdicts:\n",
           opt_sessions, b.total);
  g_print ("  answered %u (refused %u) in %.2f s: %.0f verdicts/s\n", b.done, b.failed,
           (t1 - t0) / 1e6, b.done / ((t1 - t0) / 1e6));
  if (b.lat->len > 0)
    g_print ("  latency request -> committed+published+answered: mean %.2f ms, p50 %.2f, p95 %.2f, "
             "p99 %.2f, max %.2f ms\n",
             sum / b.lat->len, g_array_index (b.lat, double, b.lat->len / 2),
             g_array_index (b.lat, double, b.lat->len * 95 / 100),
             g_array_index (b.lat, double, b.lat->len * 99 / 100),
             g_array_index (b.lat, double, b.lat->len - 1));
  tf_bus_shutdown (b.bus, NULL, NULL, 200);
  tf_test_children_stopping ();
  g_subprocess_send_signal (d, SIGTERM);
  g_subprocess_wait (d, NULL, NULL);
  g_subprocess_send_signal (broker, SIGTERM);
  g_subprocess_wait (broker, NULL, NULL);
  g_object_unref (b.bus);
  g_hash_table_unref (b.pending);
  g_array_unref (b.lat);
  g_array_unref (b.case_ids);
  g_ptr_array_unref (b.queue);
  g_main_loop_unref (b.loop);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    (void)!system (cmd);
  }
}

/* 60 clients x 30 servers, every session verified with 38 verdicts. */
static void
bench_consolidated (const char *source)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-bench-cons-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "testfest.db", NULL);
  g_autofree char *pdf = g_build_filename (dir, "consolidated.pdf", NULL);
  g_autofree char *ets_dir = g_build_filename (source, "data", "ets", NULL);
  g_autoptr (GString) et
      = g_string_new ("[event]\nname = Bench 60x30\ndays = 2030-01-07;2030-01-08;"
                      "2030-01-09;2030-01-10;2030-01-11\nslot-minutes = 30\n"
                      "day-start = 08:00\nday-end = 20:00\ntables = 60\n\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (TfCatalogue) cat = NULL;
  g_autoptr (GPtrArray) sessions = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_session_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (60);
  static const char *const verdicts[]
      = { "pass", "pass", "pass", "pass", "fail", "inconclusive", "not-applicable", "out-of-time" };
  const TfEts *ets;
  TfStore *st;
  gint64 t0, t1, t2, t3;
  guint n_slots;

  for (int i = 0; i < 90; i++)
    g_string_append_printf (
        et,
        "[company k%02d]\n\n[implementation i%02d]\ncompany = k%02d\nrole = %s\n"
        "versions = 1.1\ntransports = udp\nsecurity = nosec\n%sentry-criteria = yes\n"
        "entry-criteria-by = bench\n\n",
        i, i, i, i < 60 ? "client" : "server", i < 60 ? "" : "capacity = 2\n");
  event = tf_event_load_data (et->str, -1, "bench.event", &error);
  g_assert_no_error (error);
  cat = tf_catalogue_load_dir (ets_dir, &error);
  g_assert_no_error (error);
  ets = tf_catalogue_find (cat, "1.1");
  n_slots = tf_event_n_slots (event);
  st = tf_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (tf_sdb_migrate (st, &error));
  t0 = g_get_monotonic_time ();
  tf_store_begin (st, NULL);
  for (int c = 0; c < 60; c++)
    for (int s = 60; s < 90; s++)
      {
        TfSession *x = tf_session_new ();
        x->id = g_strdup_printf ("i%02d--i%02d", c, s);
        x->client = g_strdup_printf ("i%02d", c);
        x->client_company = g_strdup_printf ("k%02d", c);
        x->server = g_strdup_printf ("i%02d", s);
        x->server_company = g_strdup_printf ("k%02d", s);
        x->ets = g_strdup (ets->name);
        x->ets_version = g_strdup ("1.1");
        x->phase = TF_PHASE_VERIFIED;
        x->slot = (c + s) % n_slots;
        x->table = 1;
        x->signed_client = x->signed_server = TRUE;
        g_assert_true (tf_sdb_put_session (st, x, NULL));
        for (guint k = 0; k < ets->cases->len; k++)
          {
            TfCase *tc = g_ptr_array_index (ets->cases, k);
            const char *v = verdicts[g_rand_int_range (rand, 0, G_N_ELEMENTS (verdicts))];
            g_assert_true (
                tf_sdb_add_case (st, x->id, tc->id, tc->name, v, NULL, "bench", 1, NULL));
          }
        g_ptr_array_add (sessions, x);
      }
  tf_store_commit (st, NULL);
  t1 = g_get_monotonic_time ();
  {
    g_autoptr (GPtrArray) results = tf_sdb_results (st, &error);
    g_autoptr (JsonNode) node = NULL;
    g_autofree char *json = NULL;
    g_assert_no_error (error);
    node = tf_consolidated_json (event, sessions, results, NULL);
    json = json_to_string (node, FALSE);
    t2 = g_get_monotonic_time ();
    g_assert_true (tf_report_pdf_consolidated (json_node_get_object (node), pdf, &error));
    g_assert_no_error (error);
    t3 = g_get_monotonic_time ();
    g_print (
        "consolidated report, 60 clients x 30 servers = %u sessions x %u cases (%u verdicts):\n",
        sessions->len, ets->cases->len, sessions->len * ets->cases->len);
    g_print ("  store filled in %.2f s (one transaction); JSON from the store %.1f ms (%zu bytes); "
             "PDF %.1f ms\n",
             (t1 - t0) / 1e6, (t2 - t1) / 1e3, strlen (json), (t3 - t2) / 1e3);
  }
  tf_store_close (st);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    (void)!system (cmd);
  }
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "sessions", 0, 0, G_OPTION_ARG_INT, &opt_sessions, "Sessions at once (50)", "N" },
    { "cases", 0, 0, G_OPTION_ARG_INT, &opt_cases, "Verdicts per session (38)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- test-session benchmark");
  /* the trees it was built from, so that it runs from anywhere */
  const char *build = g_getenv ("TF_BUILD_ROOT") ? g_getenv ("TF_BUILD_ROOT") : TF_BENCH_BUILD_ROOT;
  const char *source
      = g_getenv ("TF_SOURCE_ROOT") ? g_getenv ("TF_SOURCE_ROOT") : TF_BENCH_SOURCE_ROOT;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL))
    return 2;
  g_setenv ("TF_SOURCE_ROOT", source, TRUE);
  bench_consolidated (source);
  bench_verdicts (build, source);
  return 0;
}
