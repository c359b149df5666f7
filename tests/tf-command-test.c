/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The external-command runner: output and exit status, and that a timeout or
 * a cancellation ends the child and everything it forked. The test process
 * is a child subreaper, so an orphaned grandchild becomes its child and the
 * test can tell how it ended. No broker, no tf-simlab. */
#include "tf-board-type.h"
#include "tf-command.h"
#include "tf-error.h"
#include "tf-flasher.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/wait.h>

typedef struct
{
  gboolean done;
  gboolean ok;
  char *output;
  GError *error;
} Result;

static void
on_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;
  r->ok = tf_command_run_finish (res, &r->output, &r->error);
  r->done = TRUE;
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->output, g_free);
  g_clear_error (&r->error);
}

/* Iterate the main loop until @flag or 30 s (the VM is shared and slow). */
static void
wait_for (gboolean *flag)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!*flag && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_true (*flag);
}

/* The grandchild, now ours (subreaper): reap it within 30 s; returns its status. */
static int
reap_orphan (GPid pid)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  int status = 0;
  while (g_get_monotonic_time () < end)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return status;
      g_assert_cmpint (r, ==, 0);
      g_usleep (20000);
    }
  g_error ("process %d still runs", (int)pid);
  return -1;
}

static void
test_output (void)
{
  const char *ok_argv[] = { "/bin/sh", "-c", "echo hello; echo world >&2", NULL };
  const char *bad_argv[] = { "/bin/sh", "-c", "echo first; echo last words; exit 3", NULL };
  const char *bin_argv[] = { "/bin/sh", "-c", "printf 'a\\377b\\n'", NULL };
  const char *none_argv[] = { "/nonexistent/tool", NULL };
  Result r = { 0 };

  tf_command_run_async (ok_argv, 10000, NULL, on_done, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpstr (r.output, ==, "hello\nworld\n");
  result_clear (&r);

  r.done = FALSE;
  tf_command_run_async (bad_argv, 10000, NULL, on_done, &r);
  wait_for (&r.done);
  g_assert_error (r.error, TF_ERROR, TF_ERROR_FAILED);
  g_assert_nonnull (strstr (r.error->message, "exit status 3: last words"));
  g_assert_cmpstr (r.output, ==, "first\nlast words\n");
  result_clear (&r);

  /* a tool printing bytes that are not UTF-8 still gets its result */
  r.done = FALSE;
  tf_command_run_async (bin_argv, 10000, NULL, on_done, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (g_utf8_validate (r.output, -1, NULL));
  g_assert_true (g_str_has_prefix (r.output, "a"));
  result_clear (&r);

  r.done = FALSE;
  tf_command_run_async (none_argv, 10000, NULL, on_done, &r);
  wait_for (&r.done);
  g_assert_error (r.error, TF_ERROR, TF_ERROR_NOT_FOUND);
  result_clear (&r);
}

/* A child that forks a sleeping grandchild (as a wrapper script runs
 * openocd) by a subshell that exits at once, so the grandchild is an orphan
 * (ours) from the start; it keeps the output pipe open. @ignore_term: the
 * grandchild ignores SIGTERM. */
static void
run_family (gboolean cancel, gboolean ignore_term)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-command-XXXXXX", NULL);
  g_autofree char *pidfile = g_build_filename (dir, "pids", NULL);
  g_autofree char *script
      = g_strdup_printf ("(%s sleep 600 & echo $$ $! > %s.new); mv %s.new %s; exec sleep 600",
                         ignore_term ? "trap '' TERM;" : "", pidfile, pidfile, pidfile);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *text = NULL;
  g_auto (GStrv) pids = NULL;
  GPid child, grandchild;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  Result r = { 0 };
  int status;

  tf_command_run_async (argv, cancel ? 600000 : 300, cancellable, on_done, &r);
  while (!g_file_get_contents (pidfile, &text, NULL, NULL) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_nonnull (text);
  pids = g_strsplit (g_strstrip (text), " ", -1);
  g_assert_cmpuint (g_strv_length (pids), ==, 2);
  child = (GPid)g_ascii_strtoll (pids[0], NULL, 10);
  grandchild = (GPid)g_ascii_strtoll (pids[1], NULL, 10);
  g_assert_cmpint (child, >, 1);
  g_assert_cmpint (grandchild, >, 1);
  if (cancel)
    g_cancellable_cancel (cancellable);
  wait_for (&r.done);
  g_assert_false (r.ok);
  if (cancel)
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  else
    g_assert_error (r.error, TF_ERROR, TF_ERROR_TIMED_OUT);

  /* the child is reaped by the runner: no such process (not even a zombie) */
  g_assert_cmpint (kill (child, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  /* the grandchild died of the runner's signal, not of old age */
  status = reap_orphan (grandchild);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, ignore_term ? SIGKILL : SIGTERM);
  g_assert_cmpint (kill (grandchild, 0), ==, -1);
  result_clear (&r);
  g_unlink (pidfile);
  g_rmdir (dir);
}

static void
test_cancel_kills_group (void)
{
  run_family (TRUE, FALSE);
}

static void
test_cancel_kills_stubborn (void)
{
  run_family (TRUE, TRUE);
}

static void
test_timeout_kills_group (void)
{
  run_family (FALSE, FALSE);
}

static void
test_cancelled_before (void)
{
  const char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Result r = { 0 };
  g_cancellable_cancel (cancellable);
  tf_command_run_async (argv, 1000, cancellable, on_done, &r);
  wait_for (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
}

typedef struct
{
  gboolean done;
  GBytes *out;
  int status;
  GError *error;
} Spawned;

static void
on_spawned (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Spawned *r = user_data;
  r->out = tf_command_spawn_finish (res, &r->status, &r->error);
  r->done = TRUE;
}

/* The runner for scripts that judge their own status: environment, raw
 * bytes, the exit status as it was, -1 when killed at the timeout. */
static void
test_spawn (void)
{
  const char *argv[] = { "/bin/sh", "-c", "printf '%s\\377' \"$TF_X\"; exit 77", NULL };
  const char *hang[] = { "/bin/sh", "-c", "sleep 600", NULL };
  const char *env[] = { "TF_X", "value x", NULL };
  Spawned r = { 0 };
  gsize len = 0;
  const char *data;

  tf_command_spawn_async (argv, env, 10000, NULL, on_spawned, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.status, ==, 77);
  data = g_bytes_get_data (r.out, &len);
  g_assert_cmpmem (data, len, "value x\377", 8);
  g_clear_pointer (&r.out, g_bytes_unref);

  r.done = FALSE;
  tf_command_spawn_async (hang, NULL, 200, NULL, on_spawned, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.status, ==, -1);
  g_assert_cmpuint (g_bytes_get_size (r.out), ==, 0);
  g_clear_pointer (&r.out, g_bytes_unref);
}

static void
on_flashed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;
  r->ok = tf_flasher_flash_finish (TF_FLASHER (source), res, &r->error);
  r->done = TRUE;
}

/* A flash by an external command (a wrapper that starts the real tool in
 * the background), cancelled: neither the wrapper nor the tool survives. */
static void
test_cancel_flash (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-flash-cancel-XXXXXX", NULL);
  g_autofree char *pidfile = g_build_filename (dir, "pids", NULL);
  g_autofree char *type_path = g_build_filename (dir, "kit.board", NULL);
  g_autofree char *log_path = g_build_filename (dir, "flash.log", NULL);
  g_autofree char *text = g_strdup_printf (
      "[board-type]\ndescription = kit\n[console]\nbanner = ^boot\n[flash]\nmethod = command\n"
      "command = sh -c '(sleep 600 & echo $$ $! > %s.new); mv %s.new %s; exec sleep 600' "
      "{image}\ntimeout-ms = 600000\n",
      pidfile, pidfile, pidfile);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBoardType) type = NULL;
  g_autoptr (TfFlasher) flasher = NULL;
  g_autofree char *pids_text = NULL;
  g_auto (GStrv) pids = NULL;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  TfFlashJob job = { 0 };
  Result r = { 0 };
  GPid child, grandchild;
  int status;

  g_assert_true (g_file_set_contents (type_path, text, -1, NULL));
  type = tf_board_type_load (type_path, &error);
  g_assert_no_error (error);
  flasher = tf_flasher_new_for_type (type, &error);
  g_assert_no_error (error);
  job.board = (char *)"b1";
  job.type = type;
  job.port = (char *)"/dev/null";
  job.data = g_bytes_new_static ("image", 5);
  job.log_path = log_path;
  tf_flasher_flash_async (flasher, &job, cancellable, on_flashed, &r);
  while (!g_file_get_contents (pidfile, &pids_text, NULL, NULL) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  g_assert_nonnull (pids_text);
  pids = g_strsplit (g_strstrip (pids_text), " ", -1);
  child = (GPid)g_ascii_strtoll (pids[0], NULL, 10);
  grandchild = (GPid)g_ascii_strtoll (pids[1], NULL, 10);
  g_assert_cmpint (child, >, 1);
  g_assert_cmpint (grandchild, >, 1);

  g_cancellable_cancel (cancellable);
  wait_for (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (kill (child, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  status = reap_orphan (grandchild);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (kill (grandchild, 0), ==, -1);
  g_bytes_unref (job.data);
  result_clear (&r);
  g_unlink (pidfile);
  g_unlink (log_path);
  g_unlink (type_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* orphans of the commands become ours, so the test can see how they end */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  g_test_add_func ("/command/output", test_output);
  g_test_add_func ("/command/cancel-kills-group", test_cancel_kills_group);
  g_test_add_func ("/command/cancel-kills-stubborn", test_cancel_kills_stubborn);
  g_test_add_func ("/command/timeout-kills-group", test_timeout_kills_group);
  g_test_add_func ("/command/cancelled-before", test_cancelled_before);
  g_test_add_func ("/command/cancel-flash", test_cancel_flash);
  g_test_add_func ("/command/spawn", test_spawn);
  return g_test_run ();
}
