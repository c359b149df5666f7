/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Console scripts on one board's console run one after another: a script asked for while
 * another runs there waits for its end, so that their lines never interleave on the board
 * (two at once made the client bootstrap twice and restart in the middle of an ETS case's
 * bootstrap). The board is a console backend of its own here (the serial one needs a tty
 * whose line settings only tf-simlab's preload gives a pty): what is written reaches it, and
 * it answers from the main loop, later, as a board does: "ok" to a config line, "lwm2m:
 * registered" to "lwm2m start", through the console's own line splitting and "line" signal.
 * It records what it was sent. */
#include "tf-console.h"
#include "tf-error.h"
#include "tf-provision.h"

#include <string.h>

#define TEST_TYPE_BOARD (test_board_get_type ())
G_DECLARE_FINAL_TYPE (TestBoard, test_board, TEST, BOARD, TfConsole)

struct _TestBoard
{
  TfConsole parent_instance;
  GString *pending; /* a line the board has not had whole yet */
  GPtrArray *got;   /* the lines the board was sent, in order */
  GQueue answers;   /* what it says next, one idle at a time */
  guint idle;
  guint registered;
};

G_DEFINE_TYPE (TestBoard, test_board, TF_TYPE_CONSOLE)

static gboolean
board_open (TfConsole *console, GError **error)
{
  return TRUE;
}

static void
board_close (TfConsole *console)
{
}

static gboolean
on_answer (gpointer user_data)
{
  TestBoard *b = user_data;
  g_autofree char *a = g_queue_pop_head (&b->answers);
  tf_console_feed (TF_CONSOLE (b), (const guint8 *)a, strlen (a));
  if (!g_queue_is_empty (&b->answers))
    return G_SOURCE_CONTINUE;
  b->idle = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
board_write (TfConsole *console, const void *data, gsize len, GError **error)
{
  TestBoard *b = TEST_BOARD (console);
  const char *p = data;
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] == '\r')
        continue;
      if (p[i] != '\n')
        {
          g_string_append_c (b->pending, p[i]);
          continue;
        }
      if (g_str_has_prefix (b->pending->str, "config "))
        g_queue_push_tail (&b->answers, g_strdup ("ok\r\n"));
      else if (g_str_equal (b->pending->str, "lwm2m start"))
        g_queue_push_tail (&b->answers,
                           g_strdup_printf ("lwm2m: registered as /rd/%u\r\n", ++b->registered));
      g_ptr_array_add (b->got, g_strdup (b->pending->str));
      g_string_truncate (b->pending, 0);
    }
  if (b->idle == 0 && !g_queue_is_empty (&b->answers))
    b->idle = g_idle_add (on_answer, b);
  return TRUE;
}

static void
board_finalize (GObject *object)
{
  TestBoard *b = TEST_BOARD (object);
  g_clear_handle_id (&b->idle, g_source_remove);
  g_queue_clear_full (&b->answers, g_free);
  g_string_free (b->pending, TRUE);
  g_ptr_array_unref (b->got);
  G_OBJECT_CLASS (test_board_parent_class)->finalize (object);
}

static void
test_board_class_init (TestBoardClass *klass)
{
  TfConsoleClass *console_class = TF_CONSOLE_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = board_finalize;
  console_class->open = board_open;
  console_class->close = board_close;
  console_class->write = board_write;
}

static void
test_board_init (TestBoard *b)
{
  b->pending = g_string_new (NULL);
  b->got = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&b->answers);
}

static TestBoard *
board_new (void)
{
  TfConsoleOptions opts = { .board = "b1", .ring_lines = 64 };
  TestBoard *b = g_object_new (TEST_TYPE_BOARD, NULL);
  g_autoptr (GError) error = NULL;
  tf_console_set_options (TF_CONSOLE (b), &opts);
  tf_console_open (TF_CONSOLE (b), &error);
  g_assert_no_error (error);
  return b;
}

typedef struct
{
  gboolean done;
  GError *error;
} Result;

static void
on_run (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;
  g_assert_false (r->done);
  r->done = TRUE;
  tf_provision_run_finish (res, &r->error);
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* the main loop until every one of @r (@n of them) ended; 30 s at most */
static void
wait_all (Result *r, guint n)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (30, on_deadline, &late);
  for (guint i = 0; i < n; i++)
    while (!r[i].done && !late)
      g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (id);
}

static TfProvisionScript *
script (const char *text, const char *origin)
{
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  TfProvisionScript *s = tf_provision_script_parse (text, origin, vars, &error);
  g_assert_no_error (error);
  return s;
}

#define SCRIPT_A                                                                                   \
  "send config unset bootstrap-uri\nexpect ^ok 10000\n"                                            \
  "send config set server-uri coap://192.0.2.2:5683\nexpect ^ok 10000\n"                           \
  "send lwm2m start\nexpect ^lwm2m: registered 10000\n"
#define SCRIPT_B                                                                                   \
  "send config set bootstrap-uri coaps://192.0.2.1:5684\nexpect ^ok 10000\n"                       \
  "send lwm2m start\nexpect ^lwm2m: registered 10000\n"

/* Two scripts asked for at once (the end of one ETS case putting the client back to its
 * server, the next case's set-up): the second's lines only after the first's last answer. */
static void
test_one_at_a_time (void)
{
  g_autoptr (TestBoard) b = board_new ();
  TfConsole *console = TF_CONSOLE (b);
  Result r[2] = { 0 };
  const char *want[]
      = { "config unset bootstrap-uri", "config set server-uri coap://192.0.2.2:5683",
          "lwm2m start", "config set bootstrap-uri coaps://192.0.2.1:5684", "lwm2m start" };

  tf_provision_run_async (console, script (SCRIPT_A, "a"), NULL, on_run, &r[0]);
  tf_provision_run_async (console, script (SCRIPT_B, "b"), NULL, on_run, &r[1]);
  wait_all (r, 2);
  g_assert_no_error (r[0].error);
  g_assert_no_error (r[1].error);
  g_assert_cmpuint (b->got->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (g_ptr_array_index (b->got, i), ==, want[i]);
  g_assert_cmpuint (b->registered, ==, 2);
}

/* A script cancelled while it waits for its turn ends cancelled without a line sent; the one
 * after it still runs, and so does a script asked for once the console is free again. */
static void
test_cancelled_waiting (void)
{
  g_autoptr (TestBoard) b = board_new ();
  TfConsole *console = TF_CONSOLE (b);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Result r[4] = { 0 };

  tf_provision_run_async (console, script (SCRIPT_A, "a"), NULL, on_run, &r[0]);
  tf_provision_run_async (console, script (SCRIPT_B, "cancelled"), cancel, on_run, &r[1]);
  tf_provision_run_async (console, script (SCRIPT_B, "b"), NULL, on_run, &r[2]);
  g_cancellable_cancel (cancel);
  wait_all (r, 3);
  g_assert_no_error (r[0].error);
  g_assert_error (r[1].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_no_error (r[2].error);
  g_assert_cmpuint (b->got->len, ==, 5); /* A's three, B's two: nothing of the cancelled one */
  g_assert_cmpuint (b->registered, ==, 2);

  tf_provision_run_async (console, script (SCRIPT_B, "later"), NULL, on_run, &r[3]);
  wait_all (&r[3], 1);
  g_assert_no_error (r[3].error);
  g_assert_cmpuint (b->got->len, ==, 7);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    g_clear_error (&r[i].error);
}

/* A script cancelled while it waits for a line the board never says ends at once (the
 * session it was for is over), not at its step's timeout, a minute away: the next script runs
 * (the wait is bounded by wait_all's 30 s). */
static void
test_cancelled_running (void)
{
  g_autoptr (TestBoard) b = board_new ();
  TfConsole *console = TF_CONSOLE (b);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Result r[2] = { 0 };

  tf_provision_run_async (console,
                          script ("send config set x 1\nexpect ^never-said 60000\n", "waiting"),
                          cancel, on_run, &r[0]);
  tf_provision_run_async (console, script (SCRIPT_B, "b"), NULL, on_run, &r[1]);
  g_assert_cmpuint (b->got->len, ==, 1); /* its first line goes at once */
  g_cancellable_cancel (cancel);
  wait_all (r, 2);
  g_assert_error (r[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_no_error (r[1].error);
  g_assert_cmpuint (b->got->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (b->got, 1), ==,
                   "config set bootstrap-uri coaps://192.0.2.1:5684");
  g_clear_error (&r[0].error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/provision/one-at-a-time", test_one_at_a_time);
  g_test_add_func ("/provision/cancelled-waiting", test_cancelled_waiting);
  g_test_add_func ("/provision/cancelled-running", test_cancelled_running);
  return g_test_run ();
}
