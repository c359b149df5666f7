/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Flashing over the STM32 system bootloader (AN3155) end to end: testfestctl
 * flash -> testfestd's stm32-uart flasher (libserialport, in the main loop)
 * -> the simulated board's bootloader in tf-simlab -> its emulated flash,
 * read back through the control socket; then the board boots the image. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tf-sim-client.h"

#include "tf-harness.h"

#define IMAGE_SIZE (256 * 1024)

static const char *sim_text
    = "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
      "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM1\nusb-path = 1-1\n"
      "serial = SIM00001\npower = relay1:1\nboot-mode = relay1:2\n"
      "firmware-name = lwm2m-client-sim1\nfirmware-version = 1.0.1\nboot-ms = 100\n"
      "adapter-latency-ms = 0\n\n"
      "[board sim2]\ntype = sim-l476-dtr\nchip = STM32L476RG\ntty = ttyACM2\nusb-path = 1-2\n"
      "serial = SIM00002\npower = relay1:3\nboot-mode = dtr-rts\n"
      "firmware-name = lwm2m-client-sim2\nfirmware-version = 1.0.2\nboot-ms = 100\n"
      "adapter-latency-ms = 0\n";

static const char *lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n"
      "[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n"
      "boot-mode = relay1:2\ntable = T1\n\n"
      "[board sim2]\ntype = sim-l476-dtr\nconsole = /dev/ttyACM2\npower = relay1:3\ntable = T2\n";

typedef struct
{
  TfHarness *h;
  GHashTable *sha;   /* image id -> sha256 */
  const char *board; /* the board the helpers work on: sim1 unless a test says */
} Fixture;

/* what a wait predicate looks for on which board */
typedef struct
{
  const char *board;
  const char *what;
} Want;

static void
make_image (Fixture *f, GString *conf, const char *id, const char *name, const char *version,
            guint size, const char *extra)
{
  g_autofree char *exe
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-mkimage", NULL);
  g_autofree char *file = g_strdup_printf ("%s.bin", id);
  g_autofree char *path = tf_harness_path (f->h, file);
  g_autofree char *cmd
      = g_strdup_printf ("%s %s %s %s %u %s", exe, extra, name, version, size, path);
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_hash_table_insert (f->sha, g_strdup (id),
                       g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)data, len));
  g_string_append_printf (
      conf,
      "[image %s]\npath = %s\nboard-types = sim-l476;sim-l476-dtr\nimplementation = %s\n"
      "version = %s\n\n",
      id, file, name, version);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) conf = g_string_new (NULL);
  g_autofree char *images = NULL, *lab = NULL, *patched = NULL;
  g_autofree char *boards = NULL, *find = NULL, *repl = NULL;
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  g_auto (GStrv) parts = NULL;

  f->h = tf_harness_new (sim_text, lab_body);
  f->sha = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->board = "sim1";
  make_image (f, conf, "app-2.0.0", "app", "2.0.0", IMAGE_SIZE, "--seed 2");
  make_image (f, conf, "app-2.0.1", "app", "2.0.1", IMAGE_SIZE, "--seed 3");
  make_image (f, conf, "app-broken", "app", "2.0.2", 64 * 1024, "--corrupt");
  make_image (f, conf, "app-huge", "app", "9.9.9", 1024 * 1024 + 4096, "");
  images = tf_harness_path (f->h, "images.conf");
  g_assert_true (g_file_set_contents (images, conf->str, -1, NULL));
  /* the images file, a patient quarantine and the tests' board types go into [lab] */
  g_assert_true (g_file_get_contents (f->h->lab_path, &lab, NULL, NULL));
  boards = g_build_filename (src, "boards", NULL);
  find = g_strdup_printf ("boards-dir = %s\n", boards);
  repl = g_strdup_printf ("boards-dir = %s;%s/tests/boards\nimages = %s\nquarantine-after = 100\n",
                          boards, src, images);
  parts = g_strsplit (lab, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (f->h->lab_path, patched, -1, NULL));
  tf_harness_start_daemon (f->h);
  tf_harness_watch (f->h);
  g_assert_true (tf_harness_wait_board_state (f->h, "sim1", "ready", 15000));
  g_assert_true (tf_harness_wait_board_state (f->h, "sim2", "ready", 15000));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->h, tf_harness_free);
  g_hash_table_unref (f->sha);
}

static guint
pages_erased (Fixture *f)
{
  g_autofree char *info = tf_harness_sim (f->h, "flash-info %s", f->board);
  guint64 n = 0;
  g_assert_true (tf_sim_client_field (info, "pages-erased", &n));
  return (guint)n;
}

/* testfestctl flash; returns its status, stderr in *err */
static int
flash (Fixture *f, const char *image, char **err)
{
  g_autofree char *out = NULL;
  return tf_harness_ctl (f->h, &out, err, "flash", f->board, image, NULL);
}

static gboolean
runs_version (TfHarness *h, gpointer data)
{
  const Want *w = data;
  const char *version = w->what;
  g_autoptr (JsonObject) b = tf_harness_board (h, w->board);
  JsonObject *fw = b != NULL && json_object_has_member (b, "firmware")
                           && JSON_NODE_HOLDS_OBJECT (json_object_get_member (b, "firmware"))
                       ? json_object_get_object_member (b, "firmware")
                       : NULL;
  return fw != NULL
         && g_strcmp0 (json_object_get_string_member_with_default (fw, "version", ""), version) == 0
         && g_strcmp0 (json_object_get_string_member (b, "state"), "ready") == 0;
}

static void
assert_running (Fixture *f, const char *image, const char *version)
{
  g_autoptr (JsonObject) b = NULL;
  JsonObject *fw;
  g_autofree char *info = NULL;
  g_autofree char *want = g_strdup_printf ("running=%s", version);
  Want w = { f->board, version };

  /* the reply may come before the retained state reaches our watcher */
  tf_harness_wait (f->h, runs_version, &w, 5000);
  b = tf_harness_board (f->h, f->board);
  g_assert_nonnull (b);
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "ready");
  fw = json_object_get_object_member (b, "firmware");
  g_assert_nonnull (fw);
  g_assert_cmpstr (json_object_get_string_member (fw, "version"), ==, version);
  g_assert_cmpstr (json_object_get_string_member (fw, "sha256"), ==,
                   g_hash_table_lookup (f->sha, image));
  /* and the simulated board really runs it */
  info = tf_harness_sim (f->h, "flash-info %s", f->board);
  g_assert_nonnull (strstr (info, want));
}

static gboolean
faulted_with (TfHarness *h, gpointer data)
{
  const Want *w = data;
  const char *message = w->what;
  g_autoptr (JsonObject) b = tf_harness_board (h, w->board);
  const char *error = b != NULL ? json_object_get_string_member_with_default (b, "error", "") : "";
  return b != NULL && g_strcmp0 (json_object_get_string_member (b, "state"), "faulted") == 0
         && error != NULL && strstr (error, message) != NULL;
}

static void
expect_failure (Fixture *f, const char *image, const char *message)
{
  g_autofree char *err = NULL;
  g_autoptr (JsonObject) b = NULL;
  Want w = { f->board, message };

  g_assert_cmpint (flash (f, image, &err), ==, 1);
  g_test_message ("%s: %s", image, err);
  g_assert_nonnull (strstr (err, message));
  /* the board may have been faulted before: wait for this fault's own message */
  tf_harness_wait (f->h, faulted_with, &w, 5000);
  b = tf_harness_board (f->h, f->board);
  g_assert_cmpstr (json_object_get_string_member (b, "state"), ==, "faulted");
  g_assert_nonnull (strstr (json_object_get_string_member (b, "error"), message));
}

/* A 256 KiB image goes in byte-exact, only its pages are erased, and it boots. */
static void
test_flash_image (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *readback = NULL;
  g_autofree char *want = NULL;
  guint before = pages_erased (f);

  g_assert_cmpint (flash (f, "app-2.0.0", &err), ==, 0);
  /* not a tty: progress comes as lines, phase by phase */
  g_assert_nonnull (strstr (err, "% erase\n"));
  g_assert_nonnull (strstr (err, "% write\n"));
  g_assert_nonnull (strstr (err, "100% verify\n"));
  readback = tf_harness_sim (f->h, "flash-read sim1 0x08000000 %u", IMAGE_SIZE);
  want = g_strdup_printf ("ok sha256=%s", (char *)g_hash_table_lookup (f->sha, "app-2.0.0"));
  g_assert_cmpstr (readback, ==, want);
  /* 256 KiB of 2 KiB pages: 128, not the whole part */
  g_assert_cmpuint (pages_erased (f) - before, ==, IMAGE_SIZE / 2048);
  assert_running (f, "app-2.0.0", "2.0.0");
}

/* Each fault its own message and a faulted board; the next good flash recovers it. */
static void
test_flash_faults (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *reply = NULL;
  guint before;
  int rc;

  reply = tf_harness_sim (f->h, "bootloader sim1 nack");
  g_assert_cmpstr (reply, ==, "ok");
  expect_failure (f, "app-2.0.0", "the bootloader refused GET (NACK)");

  g_free (tf_harness_sim (f->h, "bootloader sim1 silent"));
  expect_failure (f, "app-2.0.0", "no answer from the STM32 bootloader");

  g_free (tf_harness_sim (f->h, "bootloader sim1 wrong-chip"));
  before = pages_erased (f);
  expect_failure (f, "app-2.0.0", "wrong chip: the bootloader reports product id 0x413");
  g_assert_cmpuint (pages_erased (f), ==, before);

  g_free (tf_harness_sim (f->h, "bootloader sim1 none"));
  g_assert_cmpint (flash (f, "app-2.0.1", &err), ==, 0);
  assert_running (f, "app-2.0.1", "2.0.1");

  /* larger than the flash: refused before anything is erased or switched */
  g_clear_pointer (&err, g_free);
  before = pages_erased (f);
  g_assert_cmpint (flash (f, "app-huge", &err), ==, 1);
  g_assert_nonnull (strstr (err, "the sim-l476 flash holds 1048576"));
  g_assert_cmpuint (pages_erased (f), ==, before);
  assert_running (f, "app-2.0.1", "2.0.1");

  /* the adapter leaves USB during the 11th block */
  g_free (tf_harness_sim (f->h, "bootloader sim1 vanish-after 10"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (flash (f, "app-2.0.0", &err), ==, 1);
  g_test_message ("vanish: %s", err);
  g_assert_nonnull (strstr (err, "vanished during WRITE"));
  g_assert_nonnull (strstr (err, "after 10 of 1024 blocks"));
  /* staff plug it back; the lab may bring the board up first (a half-written image does
   * not boot): a busy board refuses the flash, so try again for a bounded while */
  g_free (tf_harness_sim (f->h, "plug sim1"));
  for (guint i = 0; i < 40; i++)
    {
      g_clear_pointer (&err, g_free);
      rc = flash (f, "app-2.0.0", &err);
      if (rc == 0
          || (strstr (err, "is powering-on") == NULL && strstr (err, "is booting") == NULL
              && strstr (err, "is unplugged") == NULL))
        break;
      tf_harness_sleep (f->h, 500);
    }
  g_test_message ("after the replug: %s", err);
  g_assert_cmpint (rc, ==, 0);
  assert_running (f, "app-2.0.0", "2.0.0");
}

/* Written and verified, but its CRC is wrong: the board stays silent after reset. */
static void
test_flash_corrupt_image (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  expect_failure (f, "app-broken",
                  "image app-broken was written, but the new firmware did not boot");
  g_assert_cmpint (flash (f, "app-2.0.1", &err), ==, 0);
  assert_running (f, "app-2.0.1", "2.0.1");
}

/* BOOT0 on RTS, NRST on DTR: the flasher enters the bootloader and resets the board itself. */
static void
test_flash_dtr_rts (Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *readback = NULL;
  g_autofree char *want = NULL;
  g_autofree char *relay = NULL;

  f->board = "sim2";
  g_assert_cmpint (flash (f, "app-2.0.1", &err), ==, 0);
  readback = tf_harness_sim (f->h, "flash-read sim2 0x08000000 %u", IMAGE_SIZE);
  want = g_strdup_printf ("ok sha256=%s", (char *)g_hash_table_lookup (f->sha, "app-2.0.1"));
  g_assert_cmpstr (readback, ==, want);
  assert_running (f, "app-2.0.1", "2.0.1");
  /* no relay channel was used as a boot line: only sim1's power and sim2's power are on */
  relay = tf_harness_sim (f->h, "relay relay1");
  g_assert_cmpstr (relay, ==, "ok ch1=1 ch2=0 ch3=1 ch4=0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/flash/stm32/image", Fixture, NULL, fixture_set_up, test_flash_image,
              fixture_tear_down);
  g_test_add ("/flash/stm32/faults", Fixture, NULL, fixture_set_up, test_flash_faults,
              fixture_tear_down);
  g_test_add ("/flash/stm32/corrupt-image", Fixture, NULL, fixture_set_up, test_flash_corrupt_image,
              fixture_tear_down);
  g_test_add ("/flash/stm32/dtr-rts", Fixture, NULL, fixture_set_up, test_flash_dtr_rts,
              fixture_tear_down);
  return g_test_run ();
}
