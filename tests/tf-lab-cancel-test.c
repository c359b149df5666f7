/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A lab power operation honours its caller's GCancellable: the caller's
 * callback comes at once with G_IO_ERROR_CANCELLED, exactly once, while the
 * board's operation runs to its end, so that the board's state is what the
 * hardware did. The switch is a command switch (sleep), the board's console
 * is absent: no broker, no tf-simlab (the lab is made, never started). */
#include "tf-board.h"
#include "tf-config.h"
#include "tf-error.h"
#include "tf-lab.h"

#include "tf-test-host.h"

#include <glib/gstdio.h>

typedef struct
{
  guint calls;
  GError *error;
  TfBoardState state_then; /* the board's state when the callback came */
} Result;

static void
on_power (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;
  r->calls++;
  r->state_then = tf_board_get_state (tf_lab_get_board (TF_LAB (source), "b1"));
  tf_lab_power_finish (TF_LAB (source), res, &r->error);
}

static gboolean
wait_until (gboolean (*cond) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!cond (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (5000);
  return cond (data);
}

static gboolean
called (gpointer data)
{
  return ((Result *)data)->calls > 0;
}

static gboolean
board_settled (gpointer data)
{
  TfBoardState st = tf_board_get_state (TF_BOARD (data));
  return st != TF_BOARD_STATE_POWERING_ON && st != TF_BOARD_STATE_BOOTING;
}

static TfLab *
lab_new (const char *dir)
{
  g_autofree char *boards = g_build_filename (dir, "boards", NULL);
  g_autofree char *type = g_build_filename (boards, "kit.board", NULL);
  g_autofree char *lab = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[lab]\nname = t\nhost = h\nstate-dir = %s/state\nboards-dir = %s\n\n"
      "[broker]\nport = 1\n\n"
      "[switch pdu]\ntype = command\non = sleep 1\noff = sleep 1\noff-time-ms = 0\n\n"
      "[board b1]\ntype = kit\nconsole = /dev/tf-lab-cancel-test-none\npower = pdu:1\n",
      dir, boards);
  g_autoptr (GError) error = NULL;
  TfLabConfig *cfg;
  TfLab *self;

  g_assert_cmpint (g_mkdir (boards, 0700), ==, 0);
  g_assert_true (g_file_set_contents (type,
                                      "[board-type]\ndescription = kit\n[console]\nbanner = ^up$\n"
                                      "boot-timeout-ms = 300\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (lab, text, -1, NULL));
  cfg = tf_lab_config_load (lab, &error);
  g_assert_no_error (error);
  self = tf_lab_new (cfg, NULL, &error); /* takes the config */
  g_assert_no_error (error);
  return self;
}

static void
test_cancel_power (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-lab-cancel-XXXXXX", NULL);
  g_autoptr (TfLab) lab = lab_new (dir);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  TfBoard *board = tf_lab_get_board (lab, "b1");
  Result r = { 0 };

  g_assert_nonnull (board);
  tf_lab_power_async (lab, "b1", TF_POWER_ACTION_CYCLE, "test", cancellable, on_power, &r);
  g_assert_cmpint (tf_board_get_state (board), ==, TF_BOARD_STATE_POWERING_ON);
  g_cancellable_cancel (cancellable);
  g_assert_true (wait_until (called, &r));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* at once: the switch was still at work (its commands take two seconds) */
  g_assert_cmpint (r.state_then, ==, TF_BOARD_STATE_POWERING_ON);

  /* the cycle goes on to its end: off, on, no console, so unplugged */
  g_assert_true (wait_until (board_settled, board));
  g_assert_cmpint (tf_board_get_state (board), ==, TF_BOARD_STATE_UNPLUGGED);
  g_assert_cmpint (tf_board_get_power (board), ==, TF_POWER_ON);
  g_assert_cmpuint (r.calls, ==, 1);
  g_clear_error (&r.error);
  g_clear_object (&lab);
  tf_test_rm_rf (dir);
}

/* Not cancelled: the caller hears how it ended. */
static void
test_power_result (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-lab-cancel-XXXXXX", NULL);
  g_autoptr (TfLab) lab = lab_new (dir);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Result r = { 0 };

  tf_lab_power_async (lab, "b1", TF_POWER_ACTION_CYCLE, "test", cancellable, on_power, &r);
  g_assert_true (wait_until (called, &r));
  g_assert_error (r.error, TF_ERROR, TF_ERROR_NOT_FOUND);
  g_assert_cmpint (tf_board_get_state (tf_lab_get_board (lab, "b1")), ==, TF_BOARD_STATE_UNPLUGGED);
  /* cancelling afterwards changes nothing */
  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (r.calls, ==, 1);
  g_clear_error (&r.error);

  /* already cancelled: refused before anything is switched */
  r.calls = 0;
  tf_lab_power_async (lab, "b1", TF_POWER_ACTION_OFF, "test", cancellable, on_power, &r);
  g_assert_true (wait_until (called, &r));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_clear_object (&lab);
  tf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lab/cancel-power", test_cancel_power);
  g_test_add_func ("/lab/power-result", test_power_result);
  return g_test_run ();
}
