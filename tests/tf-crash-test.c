/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kill -9 at random points of a scripted session, again and again (seeded):
 * after each restart the store holds every acknowledged verdict, nothing
 * twice, the session ran once and its board's lease is honoured. */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "tf-floor-util.h"

#define S1 "alpha-client--gamma-server"
#define S2 "alpha-client--delta-server"

static const int cases[] = { 101, 102, 203, 301, 303 };
static const char *const verdicts[] = { "pass", "fail", "inconclusive" };

typedef struct
{
  char *corr;
  char *note; /* unique: finds the request in the history */
  int c;
  const char *verdict;
  gboolean verify;
} Sent;

static void
sent_free (Sent *s)
{
  if (s == NULL)
    return;
  g_free (s->corr);
  g_free (s->note);
  g_free (s);
}

static sqlite3 *
open_store (TfFloorTest *t)
{
  g_autofree char *path = g_build_filename (t->h->state_dir, "testfest.db", NULL);
  sqlite3 *db = NULL;
  /* read-write: after a kill -9 the first connection may have to recover the WAL */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
count (sqlite3 *db, const char *sql, const char *arg)
{
  sqlite3_stmt *st = NULL;
  gint64 n;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (st, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

static void
test_crash (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261125);
  g_autoptr (GPtrArray) acked = g_ptr_array_new_with_free_func ((GDestroyNotify)sent_free);
  g_autoptr (GPtrArray) all_notes = g_ptr_array_new_with_free_func (g_free);
  guint rounds = g_test_slow () ? 60 : 20, seq = 0;

  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 15000));
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "start", "{\"session\":\"" S1 "\"}");
    g_assert_true (tf_floor_ok (r));
  }
  g_assert_true (tf_floor_wait_phase (t, S1, "running", 30000));

  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr (GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify)sent_free);
      guint n = g_rand_int_range (rand, 1, 10);
      guint delay = g_rand_int_range (rand, 0, 200);
      for (guint i = 0; i < n; i++)
        {
          Sent *s = g_new0 (Sent, 1);
          g_autofree char *json = NULL;
          s->c = cases[g_rand_int_range (rand, 0, G_N_ELEMENTS (cases))];
          s->note = g_strdup_printf ("r%u-%u", round, seq++);
          s->verify = g_rand_int_range (rand, 0, 3) == 0;
          if (s->verify)
            {
              json = g_strdup_printf ("{\"session\":\"" S1
                                      "\",\"case\":%d,\"agree\":false,\"note\":\"%s\"}",
                                      s->c, s->note);
              s->corr = tf_floor_send (t, "gamma", "verify", json);
            }
          else
            {
              s->verdict = verdicts[g_rand_int_range (rand, 0, G_N_ELEMENTS (verdicts))];
              json = g_strdup_printf ("{\"session\":\"" S1
                                      "\",\"case\":%d,\"verdict\":\"%s\",\"note\":\"%s\"}",
                                      s->c, s->verdict, s->note);
              s->corr = tf_floor_send (t, "alpha", "verdict", json);
            }
          g_ptr_array_add (all_notes, g_strdup (s->note));
          g_ptr_array_add (sent, s);
        }
      tf_harness_sleep (t->h, delay);
      tf_harness_stop_daemon (t->h, SIGKILL);
      /* what was acknowledged before the kill */
      tf_harness_sleep (t->h, 50);
      for (guint i = 0; i < sent->len; i++)
        {
          Sent *s = g_ptr_array_index (sent, i);
          const char *reply = g_hash_table_lookup (t->replies, s->corr);
          if (reply != NULL && strstr (reply, "\"ok\":true") == NULL)
            g_test_message ("refused: %s", reply);
          if (reply != NULL && strstr (reply, "\"ok\":true") != NULL)
            g_ptr_array_add (acked, g_steal_pointer (&sent->pdata[i]));
        }
      tf_floor_test_start_daemon (t);
      tf_floor_wait_up (t);
      {
        sqlite3 *db = open_store (t);
        /* every acknowledged request is in the store, once */
        for (guint i = 0; i < acked->len; i++)
          {
            Sent *s = g_ptr_array_index (acked, i);
            g_assert_cmpint (
                count (db, "SELECT count(*) FROM verdict_history WHERE note = ?", s->note), ==, 1);
          }
        /* nothing twice, acknowledged or not */
        for (guint i = 0; i < all_notes->len; i++)
          g_assert_cmpint (count (db, "SELECT count(*) FROM verdict_history WHERE note = ?",
                                  g_ptr_array_index (all_notes, i)),
                           <=, 1);
        /* each case holds the last change the history has for it */
        g_assert_cmpint (
            count (db,
                   "SELECT count(*) FROM verdict v WHERE v.session = ? AND v.verdict IS NOT NULL "
                   "AND v.verdict IN ('pass','fail','inconclusive') AND v.verdict <> "
                   "(SELECT value FROM verdict_history h WHERE h.session = v.session AND "
                   "h.case_id = v.case_id AND h.what = 'verdict' ORDER BY seq DESC LIMIT 1)",
                   S1),
            ==, 0);
        /* the session ran once and still runs; its lease stands */
        g_assert_cmpint (
            count (
                db,
                "SELECT count(*) FROM session_history WHERE session = ? AND to_phase = 'running'",
                S1),
            ==, 1);
        g_assert_cmpint (
            count (
                db,
                "SELECT count(*) FROM session_history WHERE session = ? AND to_phase = 'preparing'",
                S1),
            ==, 1);
        g_assert_cmpint (
            count (db, "SELECT count(*) FROM session WHERE id = ? AND phase = 'running'", S1), ==,
            1);
        g_assert_cmpint (
            count (db, "SELECT count(*) FROM lease WHERE board = 'sim1' AND owner = ?", S1), ==, 1);
        sqlite3_close (db);
      }
      g_test_message ("round %u: %u sent, %u acknowledged so far", round, n, acked->len);
    }
  g_assert_cmpuint (acked->len, >, 0);
  /* the lease is honoured after all those restarts */
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "start", "{\"session\":\"" S2 "\"}");
    g_assert_false (tf_floor_ok (r));
    g_assert_nonnull (strstr (json_object_get_string_member (r, "error"), "leased to session " S1));
  }
  /* an acknowledged end survives an immediate kill */
  {
    g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "end", "{\"session\":\"" S1 "\"}");
    sqlite3 *db;
    g_assert_true (tf_floor_ok (r));
    tf_harness_stop_daemon (t->h, SIGKILL);
    db = open_store (t);
    g_assert_cmpint (
        count (db, "SELECT count(*) FROM session WHERE id = ? AND phase = 'reporting'", S1), ==, 1);
    g_assert_cmpint (count (db, "SELECT count(*) FROM lease", NULL), ==, 0);
    sqlite3_close (db);
  }
}

/* Killed while preparing: the restart prepares again, and it runs once. */
static void
test_crash_preparing (void)
{
  g_autoptr (TfFloorTest) t = tf_floor_test_new (NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  const char *s3 = "beta-client--gamma-server";
  g_assert_true (tf_harness_wait_board_state (t->h, "sim2", "ready", 15000));
  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *corr = NULL;
      const char *reply;
      if (round == 0)
        corr = tf_floor_send (t, NULL, "start", "{\"session\":\"beta-client--gamma-server\"}");
      tf_harness_sleep (t->h, g_rand_int_range (rand, 0, 150));
      tf_harness_stop_daemon (t->h, SIGKILL);
      tf_harness_sleep (t->h, 50);
      reply = corr ? g_hash_table_lookup (t->replies, corr) : NULL;
      if (round == 0 && reply == NULL)
        {
          /* not acknowledged: it may or may not have started; start it for sure */
          tf_floor_test_start_daemon (t);
          tf_floor_wait_up (t);
          g_free (tf_floor_send (t, NULL, "start", "{\"session\":\"beta-client--gamma-server\"}"));
          continue;
        }
      tf_floor_test_start_daemon (t);
      tf_floor_wait_up (t);
    }
  g_assert_true (tf_floor_wait_phase (t, s3, "running", 30000));
  {
    sqlite3 *db = open_store (t);
    g_assert_cmpint (
        count (db,
               "SELECT count(*) FROM session_history WHERE session = ? AND to_phase = 'preparing'",
               s3),
        ==, 1);
    g_assert_cmpint (
        count (db,
               "SELECT count(*) FROM session_history WHERE session = ? AND to_phase = 'running'",
               s3),
        ==, 1);
    g_assert_cmpint (
        count (db, "SELECT count(*) FROM lease WHERE board = 'sim2' AND owner = ?", s3), ==, 1);
    sqlite3_close (db);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/kill-9", test_crash);
  g_test_add_func ("/crash/kill-9-preparing", test_crash_preparing);
  return g_test_run ();
}
