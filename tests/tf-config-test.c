/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every class of lab-file and board-type error, with its exact message and line. */
#include "config.h"

#include "tf-test-host.h"

#include <glib/gstdio.h>

#include "tf-config.h"
#include "tf-error.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("tf-config-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  tf_test_rm_rf (f->dir);
  g_free (f->dir);
}

static const char *
boards_dir (void)
{
  const char *root = g_getenv ("TF_SOURCE_ROOT");
  static char *dir = NULL;
  if (dir == NULL)
    dir = g_build_filename (root != NULL ? root : TF_SOURCE_BOARDSDIR "/..", "boards", NULL);
  return dir;
}

/* A valid lab; each test appends or replaces text to make one mistake. */
static char *
write_lab (Fixture *f, const char *body)
{
  g_autofree char *text = g_strdup_printf ("[lab]\nname = testlab\nboards-dir = %s\n\n"
                                           "[switch relay1]\ntype = lcus-relay\n"
                                           "device = /dev/ttyUSB0\nchannels = 4\n\n%s",
                                           boards_dir (), body);
  char *path = g_build_filename (f->dir, "lab.conf", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
expect_error (Fixture *f, const char *body, const char *expected_suffix)
{
  g_autofree char *path = write_lab (f, body);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
  g_autofree char *expected = g_strdup_printf ("%s:%s", path, expected_suffix);

  g_assert_null (cfg);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
}

#define BOARD1 "[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM0\npower = relay1:1\n"

static void
test_valid (Fixture *f, gconstpointer data)
{
  g_autofree char *path
      = write_lab (f, BOARD1 "boot-mode = relay1:2\ntable = T1\n\n"
                             "[board b2]\ntype = sim-l476\nconsole = /dev/ttyACM1\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
  TfBoardConfig *b1;

  g_assert_no_error (error);
  g_assert_cmpstr (cfg->lab, ==, "testlab");
  g_assert_cmpuint (cfg->boards->len, ==, 2);
  b1 = tf_lab_config_find_board (cfg, "b1");
  g_assert_cmpstr (b1->power_switch, ==, "relay1");
  g_assert_cmpuint (b1->power_channel, ==, 1);
  g_assert_cmpuint (b1->boot_channel, ==, 2);
  g_assert_cmpstr (b1->type->name, ==, "sim-l476");
  g_assert_cmpuint (b1->type->baud, ==, 115200);
  g_assert_null (tf_lab_config_find_board (cfg, "b2")->power_switch);
  g_assert_cmpuint (tf_lab_config_find_switch (cfg, "relay1")->off_time_ms, ==, 1000);
  g_assert_cmpuint (cfg->broker_port, ==, 1883);
}

static void
test_unknown_key (Fixture *f, gconstpointer data)
{
  expect_error (f, BOARD1 "colour = red\n", "14: [board b1] colour: unknown key");
}

static void
test_missing_key (Fixture *f, gconstpointer data)
{
  expect_error (f, "[board b1]\ntype = sim-l476\npower = relay1:1\n",
                "10: [board b1]: missing key 'console'");
}

static void
test_duplicate_id (Fixture *f, gconstpointer data)
{
  expect_error (f, BOARD1 "\n[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM1\n",
                "15: [board b1]: duplicate group (first at line 10)");
}

static void
test_duplicate_key (Fixture *f, gconstpointer data)
{
  expect_error (f, BOARD1 "power = relay1:2\n",
                "14: [board b1] power: duplicate key (first at line 13)");
}

/* The lab file has the event file's grammar (one indexer): GKeyFile takes
 * no ';' comments, so one must fail here with its line, not later without. */
static void
test_bad_line (Fixture *f, gconstpointer data)
{
  expect_error (f, BOARD1 "; a comment\n", "14: not a group header, key=value pair or comment");
  expect_error (f, BOARD1 "[board b2\n", "14: unterminated group header");
}

static void
test_dangling_switch (Fixture *f, gconstpointer data)
{
  expect_error (f, "[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM0\npower = relay9:1\n",
                "13: [board b1] power: no switch 'relay9' in this lab");
}

static void
test_unknown_type (Fixture *f, gconstpointer data)
{
  g_autofree char *suffix = g_strdup_printf (
      "11: [board b1] type: no board type 'warp-drive' in %s, %s", boards_dir (), TF_BOARDSDIR);
  expect_error (f, "[board b1]\ntype = warp-drive\nconsole = /dev/ttyACM0\n", suffix);
}

static void
test_bad_number (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "lab.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[lab]\nname = x\nboards-dir = %s\n"
                                           "[switch r]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\n"
                                           "channels = four\n",
                                           boards_dir ());
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  cfg = tf_lab_config_load (path, &error);
  expected = g_strdup_printf ("%s:7: [switch r] channels: 'four' is not a whole number from 1 to 8",
                              path);
  g_assert_null (cfg);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_channel_out_of_range (Fixture *f, gconstpointer data)
{
  expect_error (f, "[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM0\npower = relay1:5\n",
                "13: [board b1] power: switch 'relay1' has only 4 channels");
}

static void
test_two_boards_one_console (Fixture *f, gconstpointer data)
{
  expect_error (f, BOARD1 "\n[board b2]\ntype = sim-l476\nconsole = /dev/ttyACM0\n",
                "17: [board b2] console: /dev/ttyACM0 is already the console of board 'b1'");
}

static void
test_two_boards_one_channel (Fixture *f, gconstpointer data)
{
  expect_error (f,
                BOARD1 "\n[board b2]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n",
                "18: [board b2] power: relay1:1 is already used by board 'b1'");
  /* the boot line of one board on the power channel of another is as wrong */
  expect_error (
      f, BOARD1 "\n[board b2]\ntype = sim-l476\nconsole = /dev/ttyACM1\nboot-mode = relay1:1\n",
      "18: [board b2] boot-mode: relay1:1 is already used by board 'b1'");
}

/* [farm] host-loss-grace-s (issue 18): 30 s unless set, 0..3600, FILE:LINE */
static void
test_farm (Fixture *f, gconstpointer data)
{
  {
    g_autofree char *path = write_lab (f, BOARD1);
    g_autoptr (GError) error = NULL;
    g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cfg->host_loss_grace_s, ==, 30);
  }
  {
    g_autofree char *path = write_lab (f, BOARD1 "\n[farm]\nhost-loss-grace-s = 0\n");
    g_autoptr (GError) error = NULL;
    g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cfg->host_loss_grace_s, ==, 0);
  }
  {
    g_autofree char *path = write_lab (f, BOARD1 "\n[farm]\nhost-loss-grace-s = 3600\n");
    g_autoptr (GError) error = NULL;
    g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cfg->host_loss_grace_s, ==, 3600);
  }
  expect_error (f, BOARD1 "\n[farm]\nhost-loss-grace-s = 3601\n",
                "16: [farm] host-loss-grace-s: '3601' is not a whole number from 0 to 3600");
  expect_error (f, BOARD1 "\n[farm]\nhost-loss-grace-s = soon\n",
                "16: [farm] host-loss-grace-s: 'soon' is not a whole number from 0 to 3600");
  expect_error (f, BOARD1 "\n[farm]\nhost-loss-grace = 5\n",
                "16: [farm] host-loss-grace: unknown key");
}

static void
test_unknown_group (Fixture *f, gconstpointer data)
{
  expect_error (f, "[boards b1]\ntype = sim-l476\n",
                "10: [boards b1]: unknown group (expected [lab], [broker], [capture], [ets], "
                "[farm], [switch ID] "
                "or [board ID])");
}

/* [capture] and board addresses (issue 17): parsed, normalised, refused with FILE:LINE */
static void
test_capture (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_lab (f, BOARD1 "address = 192.0.2.10, 2001:DB8:0::10\n\n[capture]\n"
                                               "interface = tfsim-mon\nrotate-bytes = 65536\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
  TfBoardConfig *b;
  g_assert_no_error (error);
  g_assert_cmpstr (cfg->capture_interface, ==, "tfsim-mon");
  g_assert_cmpuint (cfg->capture_rotate_bytes, ==, 65536);
  g_assert_cmpuint (cfg->capture_max_bytes, ==, 256 * 1024 * 1024);
  b = tf_lab_config_find_board (cfg, "b1");
  g_assert_cmpuint (g_strv_length (b->addresses), ==, 2);
  g_assert_cmpstr (b->addresses[0], ==, "192.0.2.10");
  g_assert_cmpstr (b->addresses[1], ==, "2001:db8::10");
  expect_error (f, BOARD1 "address = 192.0.2.300\n",
                "14: [board b1] address: '192.0.2.300' is not an IP address");
  expect_error (f, BOARD1 "\n[capture]\nrotate-bytes = 65536\n",
                "15: [capture]: missing key 'interface'");
  expect_error (f, BOARD1 "\n[capture]\ninterface = a-very-long-interface-name\n",
                "16: [capture] interface: 'a-very-long-interface-name' is not an interface name");
}

/* [ets] (issue 15): the controller's address on the lab network, its namespace, the runner's
 * directories (relative to the lab file) */
static void
test_ets (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_lab (f, BOARD1 "\n[ets]\naddress = 2001:DB8::1\nnetns = tfctl-1\n"
                                               "runner-path = tools:/opt/tf/bin\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tools = g_build_filename (dir, "tools", NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (cfg->ets_address, ==, "2001:db8::1");
  g_assert_cmpstr (cfg->ets_netns, ==, "tfctl-1");
  g_assert_cmpuint (g_strv_length (cfg->ets_runner_path), ==, 2);
  g_assert_cmpstr (cfg->ets_runner_path[0], ==, tools);
  g_assert_cmpstr (cfg->ets_runner_path[1], ==, "/opt/tf/bin");
  g_assert_cmpuint (cfg->ets_answer_wait_s, ==, 45);
  g_assert_cmpuint (cfg->ets_register_wait_s, ==, 60);
  g_assert_cmpuint (cfg->ets_operator_wait_s, ==, 120);
  g_assert_cmpuint (cfg->ets_client_ports[0], ==, 15700);
  g_assert_cmpuint (cfg->ets_client_ports[1], ==, 15799);
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\nanswer-wait-s = 0\n",
                "17: [ets] answer-wait-s: '0' is not a whole number from 1 to 600");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\noperator-wait-s = 3601\n",
                "17: [ets] operator-wait-s: '3601' is not a whole number from 1 to 3600");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\nclient-ports = 5800-5700\n",
                "17: [ets] client-ports: '5800-5700' is not a range of UDP ports (LOW-HIGH)");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\nclient-ports = 5800\n",
                "17: [ets] client-ports: '5800' is not a range of UDP ports (LOW-HIGH)");
  expect_error (f, BOARD1 "\n[ets]\nnetns = x\n",
                "15: [ets] address: one address: the "
                "controller's on the lab network");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1 192.0.2.2\n",
                "16: [ets] address: one address: the controller's on the lab network");
  expect_error (f, BOARD1 "\n[ets]\naddress = lab-gw\n",
                "16: [ets] address: 'lab-gw' is not an IP address");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\nnetns = ../etc\n",
                "17: [ets] netns: '../etc' is not a namespace name");
  expect_error (f, BOARD1 "\n[ets]\naddress = 192.0.2.1\nport = 5683\n",
                "17: [ets] port: unknown key");
}

static void
test_bad_switch_type (Fixture *f, gconstpointer data)
{
  expect_error (f, "[switch s2]\ntype = telepathy\n",
                "11: [switch s2] type: 'telepathy' is not one of command, lcus-relay, usb-hub");
}

static void
test_bad_command_template (Fixture *f, gconstpointer data)
{
  expect_error (f, "[switch pdu]\ntype = command\non = pdu {chanel} on\noff = pdu {channel} off\n",
                "12: [switch pdu] on: unknown placeholder {chanel}");
}

static void
test_bad_console (Fixture *f, gconstpointer data)
{
  expect_error (f, "[board b1]\ntype = sim-l476\nconsole = ttyACM0\n",
                "12: [board b1] console: 'ttyACM0' is not a device under /dev");
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "nope.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = tf_lab_config_load (path, &error);
  g_assert_null (cfg);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, path));
}

static void
test_bad_board_type (Fixture *f, gconstpointer data)
{
  g_autofree char *bdir = g_build_filename (f->dir, "boards", NULL);
  g_autofree char *bpath = g_build_filename (bdir, "broken.board", NULL);
  g_autofree char *path = g_build_filename (f->dir, "lab.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLabConfig) cfg = NULL;
  g_autofree char *expected = NULL;

  g_mkdir (bdir, 0755);
  g_assert_true (g_file_set_contents (bpath,
                                      "[board-type]\ndescription = broken\n[console]\n"
                                      "banner = ^boot (ok\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (path, "[lab]\nname = x\nboards-dir = boards\n", -1, NULL));
  cfg = tf_lab_config_load (path, &error);
  g_assert_null (cfg);
  expected = g_strdup_printf ("%s:4: [console] banner: bad pattern: ", bpath);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  /* a DfuSe layout that is no layout: said at load, not when a device disagrees */
  g_assert_true (
      g_file_set_contents (bpath,
                           "[board-type]\ndescription = broken\n[console]\n"
                           "banner = ^boot\n[flash]\nmethod = dfu\n"
                           "dfu-usb-id = 0483:df11\nlayout = @Flash /0x08000000/04*016Kz\n",
                           -1, NULL));
  cfg = tf_lab_config_load (path, &error);
  g_assert_null (cfg);
  expected = g_strdup_printf ("%s:8: [flash] layout: '@Flash /0x08000000/04*016Kz' is no DfuSe "
                              "memory layout (at column 27)",
                              bpath);
  g_assert_cmpstr (error->message, ==, expected);
}

/* Every board type shipped in boards/ loads. */
static void
test_shipped_board_types (Fixture *f, gconstpointer data)
{
  const char *dirs[] = { boards_dir (), NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) types = tf_board_type_load_dirs (dirs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (types), >=, 4);
  g_assert_nonnull (g_hash_table_lookup (types, "nucleo-l476rg"));
  g_assert_nonnull (g_hash_table_lookup (types, "nrf9160dk"));
  g_assert_nonnull (g_hash_table_lookup (types, "esp32-devkitc"));
  g_assert_cmphex (((TfBoardType *)g_hash_table_lookup (types, "esp32-devkitc"))->console_vid, ==,
                   0x10c4);
}

/* The daemon itself refuses a bad file with exit status 2 and FILE:LINE on stderr. */
static void
test_daemon_exit_status (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_lab (f, BOARD1 "colour = red\n");
  g_autofree char *daemon
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "testfestd", NULL);
  const char *argv[] = { daemon, "--config", path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *expected
      = g_strdup_printf ("testfestd: %s:14: [board b1] colour: unknown key\n", path);
  int status = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_cmpstr (err, ==, expected);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn)                                                                              \
  g_test_add ("/config/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("valid", test_valid);
  ADD ("unknown-key", test_unknown_key);
  ADD ("capture", test_capture);
  ADD ("ets", test_ets);
  ADD ("missing-key", test_missing_key);
  ADD ("duplicate-id", test_duplicate_id);
  ADD ("duplicate-key", test_duplicate_key);
  ADD ("bad-line", test_bad_line);
  ADD ("dangling-switch", test_dangling_switch);
  ADD ("unknown-type", test_unknown_type);
  ADD ("bad-number", test_bad_number);
  ADD ("channel-out-of-range", test_channel_out_of_range);
  ADD ("two-boards-one-console", test_two_boards_one_console);
  ADD ("two-boards-one-channel", test_two_boards_one_channel);
  ADD ("unknown-group", test_unknown_group);
  ADD ("farm", test_farm);
  ADD ("bad-switch-type", test_bad_switch_type);
  ADD ("bad-command-template", test_bad_command_template);
  ADD ("bad-console", test_bad_console);
  ADD ("missing-file", test_missing_file);
  ADD ("bad-board-type", test_bad_board_type);
  ADD ("shipped-board-types", test_shipped_board_types);
  ADD ("daemon-exit-status", test_daemon_exit_status);
  return g_test_run ();
}
