/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The board state machine (TfBoard) on its own: which moves it takes, which it
 * refuses, what a move records, fault counting, busy, restore, JSON. No lab,
 * no broker. */
#include "tf-board.h"
#include "tf-error.h"

static const TfBoardState all[] = {
  TF_BOARD_STATE_OFF,     TF_BOARD_STATE_POWERING_ON, TF_BOARD_STATE_BOOTING,
  TF_BOARD_STATE_READY,   TF_BOARD_STATE_FLASHING,    TF_BOARD_STATE_IN_SESSION,
  TF_BOARD_STATE_FAULTED, TF_BOARD_STATE_QUARANTINED, TF_BOARD_STATE_UNPLUGGED,
};

static TfBoard *
board_new (void)
{
  /* the board copies its config; the type stays borrowed */
  static TfBoardType type = { .name = (char *)"kit" };
  TfBoardConfig cfg = {
    .id = (char *)"b1",
    .type = &type,
    .console = (char *)"/dev/ttyACM0",
    .power_switch = (char *)"relay1",
    .power_channel = 1,
  };
  return tf_board_new (&cfg);
}

/* Walk a new board (off) to @state by allowed moves. */
static void
reach (TfBoard *b, TfBoardState state)
{
  TfBoardState via = TF_BOARD_STATE_OFF;
  if (state == TF_BOARD_STATE_BOOTING)
    via = TF_BOARD_STATE_POWERING_ON;
  else if (state == TF_BOARD_STATE_QUARANTINED)
    via = TF_BOARD_STATE_FAULTED;
  if (via != TF_BOARD_STATE_OFF)
    g_assert_true (tf_board_set_state (b, via, "setup", NULL, NULL));
  if (state != TF_BOARD_STATE_OFF)
    g_assert_true (tf_board_set_state (b, state, "setup", NULL, NULL));
  g_assert_cmpint (tf_board_get_state (b), ==, state);
}

static void
on_changed (TfBoard *board, guint *count)
{
  (*count)++;
}

/* The whole table, each pair tried on a fresh board walked to @from. */
static void
test_transitions (void)
{
  /* rows: from; columns: to (order of all[]) */
  static const gboolean allowed[9][9] = {
    /*              off pow boot rdy fla ses flt qua unp */
    /* off */ { 1, 1, 0, 1, 1, 1, 1, 0, 1 },
    /* pow */ { 1, 1, 1, 1, 0, 0, 1, 0, 1 },
    /* boot */ { 1, 1, 0, 1, 0, 0, 1, 0, 1 },
    /* rdy */ { 1, 1, 1, 1, 1, 1, 1, 0, 1 },
    /* fla */ { 1, 1, 1, 1, 0, 0, 1, 0, 1 },
    /* ses */ { 1, 1, 1, 1, 0, 0, 1, 0, 1 },
    /* flt */ { 1, 1, 0, 1, 1, 1, 1, 1, 1 },
    /* qua */ { 1, 0, 0, 0, 0, 0, 0, 0, 1 },
    /* unp */ { 1, 1, 1, 1, 0, 0, 1, 0, 1 },
  };
  for (guint f = 0; f < G_N_ELEMENTS (all); f++)
    for (guint t = 0; t < G_N_ELEMENTS (all); t++)
      {
        g_autoptr (TfBoard) b = board_new ();
        g_autoptr (GError) error = NULL;
        guint changed = 0;
        gboolean ok;

        g_assert_cmpint (tf_board_transition_allowed (all[f], all[t]), ==, allowed[f][t]);
        reach (b, all[f]);
        g_signal_connect (b, "changed", G_CALLBACK (on_changed), &changed);
        ok = tf_board_set_state (b, all[t], "test", NULL, &error);
        g_assert_cmpint (ok, ==, allowed[f][t]);
        if (ok)
          {
            g_assert_no_error (error);
            g_assert_cmpint (tf_board_get_state (b), ==, all[t]);
            g_assert_cmpuint (changed, ==, 1);
          }
        else
          {
            g_autofree char *msg = g_strdup_printf ("board b1: cannot go from %s to %s",
                                                    tf_board_state_to_string (all[f]),
                                                    tf_board_state_to_string (all[t]));
            g_assert_error (error, TF_ERROR, TF_ERROR_BUSY);
            g_assert_cmpstr (error->message, ==, msg);
            /* a refused move changes nothing and says nothing */
            g_assert_cmpint (tf_board_get_state (b), ==, all[f]);
            g_assert_cmpuint (changed, ==, 0);
          }
      }
}

static void
test_names (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      TfBoardState back;
      g_assert_true (tf_board_state_from_string (tf_board_state_to_string (all[i]), &back));
      g_assert_cmpint (back, ==, all[i]);
    }
  g_assert_false (tf_board_state_from_string ("sleeping", &(TfBoardState){ 0 }));
}

/* A fault counts, ready clears the count, staff's release resets it; the
 * cause and the error are what the last move said. */
static void
test_faults (void)
{
  g_autoptr (TfBoard) b = board_new ();
  gint64 before = g_get_real_time ();

  g_assert_cmpint (tf_board_get_state (b), ==, TF_BOARD_STATE_OFF);
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_POWERING_ON, "cycle", NULL, NULL));
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_FAULTED, "boot", "no banner", NULL));
  g_assert_cmpuint (tf_board_get_faults (b), ==, 1);
  g_assert_cmpstr (tf_board_get_cause (b), ==, "boot");
  g_assert_cmpstr (tf_board_get_error (b), ==, "no banner");
  g_assert_cmpint (tf_board_get_since (b), >=, before);
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_POWERING_ON, "again", NULL, NULL));
  g_assert_null (tf_board_get_error (b));
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_FAULTED, "boot", "no banner", NULL));
  g_assert_cmpuint (tf_board_get_faults (b), ==, 2);
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_QUARANTINED, "3 faults", "no", NULL));
  /* quarantined: only staff (off) or the adapter leaving get it out */
  g_assert_false (tf_board_set_state (b, TF_BOARD_STATE_POWERING_ON, "x", NULL, NULL));
  tf_board_reset_faults (b);
  g_assert_cmpuint (tf_board_get_faults (b), ==, 0);
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_OFF, "released by staff", NULL, NULL));
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_POWERING_ON, "on", NULL, NULL));
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_FAULTED, "boot", "no banner", NULL));
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_READY, "banner", NULL, NULL));
  g_assert_cmpuint (tf_board_get_faults (b), ==, 0);
}

static void
test_busy_and_json (void)
{
  g_autoptr (TfBoard) b = board_new ();
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  tf_board_restore (b, TF_BOARD_STATE_READY, 2, "fw", "1.0", "abc");
  g_assert_cmpuint (tf_board_get_faults (b), ==, 2);
  /* only quarantine outlives a restart */
  g_assert_cmpint (tf_board_get_state (b), ==, TF_BOARD_STATE_OFF);
  reach (b, TF_BOARD_STATE_READY);
  g_assert_false (tf_board_is_busy (b));
  tf_board_set_session (b, "s1");
  g_assert_true (tf_board_is_busy (b));
  tf_board_set_session (b, NULL);
  g_assert_true (tf_board_set_state (b, TF_BOARD_STATE_FLASHING, "flash", NULL, NULL));
  g_assert_true (tf_board_is_busy (b));
  tf_board_set_power (b, TF_POWER_ON);
  g_assert_cmpint (tf_board_get_power (b), ==, TF_POWER_ON);
  node = tf_board_to_json (b, "host1");
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "flashing");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "b1");
  g_assert_cmpstr (json_object_get_string_member (o, "power"), ==, "on");
  g_assert_cmpstr (tf_board_get_firmware_sha256 (b), ==, "abc");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/board/transitions", test_transitions);
  g_test_add_func ("/board/names", test_names);
  g_test_add_func ("/board/faults", test_faults);
  g_test_add_func ("/board/busy-and-json", test_busy_and_json);
  return g_test_run ();
}
