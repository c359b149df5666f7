/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The store: migrations from every earlier schema (databases built here with
 * the SQL each release shipped), per-module versions, transactions, the
 * floor's leases and their expiry, and the files' modes. No broker. */
#include "tf-error.h"
#include "tf-session-db.h"
#include "tf-store.h"

#include "tf-test-host.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

/* The schema as shipped, one entry per global user_version (frozen: this is
 * what stores in the field hold, whatever the code says today). */
static const char *const shipped[] = {
  /* 1 */
  "CREATE TABLE board (id TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL,"
  "  cause TEXT, error TEXT, power TEXT, health TEXT, faults INTEGER NOT NULL DEFAULT 0,"
  "  fw_name TEXT, fw_version TEXT, fw_sha256 TEXT);"
  "CREATE TABLE board_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, board TEXT NOT NULL,"
  "  at INTEGER NOT NULL, from_state TEXT, to_state TEXT NOT NULL, cause TEXT, error TEXT);"
  "CREATE INDEX board_history_board ON board_history (board, seq);"
  "INSERT INTO board (id, state, since, faults) VALUES ('b1', 'quarantined', 1, 3);",
  /* 2 */
  "CREATE TABLE event_state (id INTEGER PRIMARY KEY CHECK (id = 1), sha256 TEXT NOT NULL,"
  "  schedule TEXT NOT NULL, updated INTEGER NOT NULL);"
  "CREATE TABLE session (id TEXT PRIMARY KEY, slot INTEGER NOT NULL, tbl INTEGER NOT NULL,"
  "  board TEXT, client TEXT NOT NULL, client_company TEXT NOT NULL, server TEXT NOT NULL,"
  "  server_company TEXT NOT NULL, ets TEXT, ets_version TEXT, phase TEXT NOT NULL,"
  "  since INTEGER NOT NULL, error TEXT, replanned INTEGER NOT NULL DEFAULT 0,"
  "  signed_client INTEGER NOT NULL DEFAULT 0, signed_server INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE session_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  at INTEGER NOT NULL, from_phase TEXT, to_phase TEXT NOT NULL, reason TEXT);"
  "CREATE INDEX session_history_session ON session_history (session, seq);"
  "CREATE TABLE verdict (session TEXT NOT NULL, case_id INTEGER NOT NULL, name TEXT NOT NULL,"
  "  verdict TEXT, note TEXT, issue TEXT, entered_by TEXT, entered_at INTEGER,"
  "  verification TEXT, verify_note TEXT, verified_by TEXT, verified_at INTEGER, evidence TEXT,"
  "  PRIMARY KEY (session, case_id));"
  "CREATE TABLE verdict_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  case_id INTEGER NOT NULL, at INTEGER NOT NULL, who TEXT, what TEXT NOT NULL, value TEXT,"
  "  note TEXT);"
  "CREATE TABLE lease (board TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired INTEGER NOT NULL,"
  "  expires INTEGER NOT NULL);"
  "INSERT INTO session (id, slot, tbl, board, client, client_company, server, server_company,"
  "  phase, since) VALUES ('s1', 0, 1, 'b1', 'c', 'cc', 's', 'sc', 'scheduled', 1);"
  "INSERT INTO lease VALUES ('b1', 's1', 1, 2);",
  /* 3 */
  "CREATE TABLE automation_run (seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL,"
  "  case_id INTEGER NOT NULL, script TEXT NOT NULL, started_at INTEGER NOT NULL,"
  "  finished_at INTEGER NOT NULL, exit_status INTEGER, output TEXT NOT NULL,"
  "  output_bytes INTEGER NOT NULL);"
  "CREATE INDEX automation_run_case ON automation_run (session, case_id, seq);",
  /* 4 */
  "ALTER TABLE session ADD COLUMN fw_name TEXT;"
  "ALTER TABLE session ADD COLUMN fw_version TEXT;"
  "ALTER TABLE session ADD COLUMN fw_sha256 TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_client_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE session ADD COLUMN signed_server_by TEXT;"
  "ALTER TABLE session ADD COLUMN signed_server_at INTEGER NOT NULL DEFAULT 0;",
};

typedef struct
{
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("tf-store-XXXXXX", NULL);
  f->db = g_build_filename (f->dir, "state", "testfest.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  tf_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* A store as a release at @version left it, with a row or two. */
static void
build_old (Fixture *f, guint version)
{
  g_autofree char *dir = g_path_get_dirname (f->db);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %u;", version);
  sqlite3 *db = NULL;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  for (guint i = 0; i < version; i++)
    g_assert_cmpint (sqlite3_exec (db, shipped[i], NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, pragma, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  /* as testfestd leaves it (test_modes covers a wider one) */
  g_assert_cmpint (g_chmod (f->db, 0600), ==, 0);
}

static gint64
count (TfStore *st, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStoreStmt) s = tf_store_query (st, &error, sql, "");
  g_assert_no_error (error);
  g_assert_true (tf_store_stmt_next (s, &error));
  return tf_store_stmt_int64 (s, 0);
}

/* From every earlier user_version to today's modules, rows kept. */
static void
test_migrate_from (Fixture *f, gconstpointer data)
{
  for (guint v = 0; v <= G_N_ELEMENTS (shipped); v++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TfStore) st = NULL;
      g_autoptr (GPtrArray) sessions = NULL;
      TfStoreBoardRow r = { 0 };

      g_test_message ("from user_version %u", v);
      tf_test_rm_rf (f->dir);
      g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
      if (v > 0)
        build_old (f, v);
      st = tf_store_open (f->db, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tf_store_get_user_version (st), ==, tf_store_schema_version ());
      g_assert_cmpuint (tf_store_get_module_version (st, "store"), ==, 1);
      /* the floor's tables as the store found them, until the floor migrates */
      g_assert_cmpuint (tf_store_get_module_version (st, "floor"), ==, v >= 2 ? v - 1 : 0);
      g_assert_true (tf_sdb_migrate (st, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (tf_store_get_module_version (st, "floor"), ==, tf_sdb_schema_version ());
      /* what the old store held is still there, in today's shape */
      g_assert_true (tf_store_get_board (st, "b1", &r, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (r.state, ==, v >= 1 ? "quarantined" : NULL);
      tf_store_board_row_clear (&r);
      sessions = tf_sdb_load_sessions (st, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (sessions->len, ==, v >= 2 ? 1 : 0);
      g_assert_cmpint (count (st, "SELECT count(*) FROM lease"), ==, v >= 2 ? 1 : 0);
      g_assert_cmpint (count (st, "SELECT count(*) FROM automation_run"), ==, 0);
      g_assert_cmpint (count (st, "SELECT count(*) FROM session WHERE signed_server_at = 0"), ==,
                       v >= 2 ? 1 : 0);
      g_clear_pointer (&st, tf_store_close);

      /* opening again changes nothing */
      st = tf_store_open (f->db, &error);
      g_assert_no_error (error);
      g_assert_true (tf_sdb_migrate (st, &error));
      g_assert_cmpuint (tf_store_get_module_version (st, "floor"), ==, tf_sdb_schema_version ());
    }
}

static void
test_newer_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStore) st = NULL;
  static const char *const steps[] = { "CREATE TABLE t (x);" };

  build_old (f, 4);
  {
    /* a store from a future testfestd */
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 9", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  st = tf_store_open (f->db, &error);
  g_assert_null (st);
  g_assert_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_remove (f->db);

  /* a module whose tables are newer than this build's steps */
  st = tf_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_true (tf_store_migrate (st, "other", steps, 1, &error));
  g_assert_false (tf_store_migrate (st, "other", steps, 0, &error));
  g_assert_error (error, TF_ERROR, TF_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  /* a failing step leaves the module where it was */
  {
    static const char *const broken[] = { "CREATE TABLE t (x);", "CREATE TABLE t (y);" };
    g_assert_false (tf_store_migrate (st, "other", broken, 2, &error));
    g_assert_error (error, TF_ERROR, TF_ERROR_IO);
    g_assert_cmpuint (tf_store_get_module_version (st, "other"), ==, 1);
  }
}

static void
test_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStore) st = tf_store_open (f->db, &error);

  g_assert_no_error (error);
  g_assert_true (tf_sdb_migrate (st, &error));
  g_assert_true (tf_store_begin (st, &error));
  g_assert_true (tf_sdb_lease_put (st, "b1", "s1", 10, 20, &error));
  tf_store_rollback (st);
  g_assert_cmpint (count (st, "SELECT count(*) FROM lease"), ==, 0);
  g_assert_true (tf_store_begin (st, &error));
  g_assert_true (tf_sdb_lease_put (st, "b1", "s1", 10, 20, &error));
  g_assert_true (tf_store_commit (st, &error));
  g_assert_cmpint (count (st, "SELECT count(*) FROM lease"), ==, 1);
  /* a bad statement is an error, not a crash */
  g_assert_false (tf_store_run (st, &error, "INSERT INTO nowhere VALUES (?)", "n", 1));
  g_assert_error (error, TF_ERROR, TF_ERROR_IO);
}

/* Leases are stored, renewed while their session lives, dropped once expired. */
static void
test_leases (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStore) st = tf_store_open (f->db, &error);
  g_autoptr (GPtrArray) leases = NULL;
  TfSession running = { .id = (char *)"s1", .phase = TF_PHASE_RUNNING };
  TfSession preparing = { .id = (char *)"s1", .phase = TF_PHASE_PREPARING };
  TfSession done = { .id = (char *)"s1", .phase = TF_PHASE_CLOSED };
  TfLease l;

  g_assert_no_error (error);
  g_assert_true (tf_sdb_migrate (st, &error));
  g_assert_true (tf_sdb_lease_put (st, "b2", "s2", 100, 300, &error));
  g_assert_true (tf_sdb_lease_put (st, "b1", "s1", 100, 200, &error));
  g_assert_true (tf_sdb_lease_put (st, "b1", "s1", 100, 250, &error)); /* renewed: one row */
  leases = tf_sdb_leases (st, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (leases->len, ==, 2);
  l = *(TfLease *)g_ptr_array_index (leases, 0);
  g_assert_cmpstr (l.board, ==, "b1");
  g_assert_cmpstr (l.owner, ==, "s1");
  g_assert_cmpint (l.acquired, ==, 100);
  g_assert_cmpint (l.expires, ==, 250);

  /* a live owner renews, whatever the time */
  g_assert_cmpint (tf_lease_action (&l, &running, 1000), ==, TF_LEASE_RENEW);
  g_assert_cmpint (tf_lease_action (&l, &preparing, 1000), ==, TF_LEASE_RENEW);
  /* an ended or unknown owner holds it until it expires, not a moment longer */
  g_assert_cmpint (tf_lease_action (&l, &done, 249), ==, TF_LEASE_KEEP);
  g_assert_cmpint (tf_lease_action (&l, &done, 250), ==, TF_LEASE_KEEP);
  g_assert_cmpint (tf_lease_action (&l, &done, 251), ==, TF_LEASE_DROP);
  g_assert_cmpint (tf_lease_action (&l, NULL, 251), ==, TF_LEASE_DROP);

  g_assert_true (tf_sdb_lease_delete (st, "b1", &error));
  g_clear_pointer (&leases, g_ptr_array_unref);
  leases = tf_sdb_leases (st, &error);
  g_assert_cmpuint (leases->len, ==, 1);
  g_assert_cmpstr (((TfLease *)g_ptr_array_index (leases, 0))->board, ==, "b2");
}

static guint
mode_of (const char *path)
{
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Store, -wal, -shm 0600 and the state directory 0750, whatever the umask;
 * wider ones left by hand are tightened. */
static void
test_modes (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_path_get_dirname (f->db);
  g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->db, "-shm", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfStore) st = NULL;
  mode_t old = umask (0);

  st = tf_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_true (tf_store_run (st, &error, "INSERT INTO board (id, state, since) VALUES (?,?,?)",
                               "ssi", "b9", "off", (gint64)1));
  g_assert_cmpuint (mode_of (dir), ==, 0750);
  g_assert_cmpuint (mode_of (f->db), ==, 0600);
  g_assert_cmpuint (mode_of (wal), ==, 0600);
  g_assert_cmpuint (mode_of (shm), ==, 0600);
  g_clear_pointer (&st, tf_store_close);

  g_assert_cmpint (g_chmod (dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (f->db, 0644), ==, 0);
  g_test_expect_message ("tf-store", G_LOG_LEVEL_WARNING, "*had mode 0777: tightened to 0750");
  g_test_expect_message ("tf-store", G_LOG_LEVEL_WARNING, "*had mode 0644: tightened to 0600");
  st = tf_store_open (f->db, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (dir), ==, 0750);
  g_assert_cmpuint (mode_of (f->db), ==, 0600);
  umask (old);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn)                                                                              \
  g_test_add ("/store/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("migrate-from-every-version", test_migrate_from);
  ADD ("newer-refused", test_newer_refused);
  ADD ("transactions", test_transactions);
  ADD ("leases", test_leases);
  ADD ("modes", test_modes);
  return g_test_run ();
}
