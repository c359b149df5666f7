/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A standard tool against tf-simlab: Debian's dfu-util, unchanged and with its defaults,
 * lists, writes (with DfuSe's leave) and reads back the emulated STM32F411's ROM
 * bootloader. Asserted on the emulated part: the flash holds the image, the new
 * firmware's banner appears on the board's console, the upload equals the flash.
 * The test runs itself as tf-simlab's child (under umockdev's preload), as bench-dfu. */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tf-sim-client.h"
#include "tf-test-host.h"

#define IMAGE_SIZE (256 * 1024)
#define SIM                                                                                        \
  "[board bp1]\nchip = STM32F411CE\ntty = ttyACM1\nusb-path = 1-3\nserial = DFUUTIL01\n"           \
  "power = always\nboot-ms = 50\n\n"                                                               \
  "[dfu dfu1]\nboard = bp1\nusb-path = 1-4\nmode = dfu\n"

static const char *sock, *dir;

/* Run dfu-util with @args (under the preload inherited from tf-simlab); its exit status
 * and what it printed. Bounded: dfu-util gives up on a silent device itself. */
static int
dfu_util (char **out, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, (gpointer) "dfu-util");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (dir, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err,
                     &status, &error))
    g_error ("dfu-util: %s", error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_printerr ("dfu-util failed:\n%s\n%s\n", *out, err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static char *
file_sha256 (const char *name, gsize *len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *)data, *len);
}

/* Read the console until @needle shows, at most @timeout_ms. */
static gboolean
console_wait (int fd, GString *seen, const char *needle, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (strstr (seen->str, needle) == NULL)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      char buf[256];
      ssize_t n;
      if (left <= 0)
        return FALSE;
      if (poll (&p, 1, (int)MIN (left, 100)) <= 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n > 0)
        g_string_append_len (seen, buf, n);
    }
  return TRUE;
}

static void
test_list (void)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (dfu_util (&out, (const char *[]){ "-l", NULL }), ==, 0);
  /* the four memories of an STM32F411's ROM, as dfu-util lists a real one */
  g_assert_nonnull (strstr (out, "Found DFU: [0483:df11] ver=2200"));
  g_assert_nonnull (
      strstr (out, "alt=0, name=\"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg\""));
  g_assert_nonnull (strstr (out, "alt=1, name=\"@Option Bytes  /0x1FFFC000/01*016 e\""));
  g_assert_nonnull (strstr (out, "alt=2, name=\"@OTP Memory /0x1FFF7800/01*512 e,01*016 e\""));
  g_assert_nonnull (strstr (out, "alt=3, name=\"@Device Feature/0xFFFF0000/01*004 e\""));
}

static void
test_download_leave (void)
{
  g_autofree char *out = NULL, *answer = NULL, *want = NULL, *sha = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  gsize len = 0;
  int fd = open ("/dev/ttyACM1", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  struct termios tio;

  g_assert_cmpint (fd, >=, 0);
  if (tcgetattr (fd, &tio) == 0)
    {
      cfmakeraw (&tio);
      cfsetspeed (&tio, B115200);
      tcsetattr (fd, TCSANOW, &tio);
    }
  sha = file_sha256 ("image.bin", &len);
  g_assert_cmpint (dfu_util (&out, (const char *[]){ "-a", "0", "-s", "0x08000000:leave", "-D",
                                                     "image.bin", NULL }),
                   ==, 0);
  want = g_strdup_printf ("ok sha256=%s", sha);
  answer = tf_sim_client_request_or_die (sock, "flash-read bp1 0x08000000 262144");
  g_assert_cmpstr (answer, ==, want);
  /* the leave: the ROM jumped to the image; its banner on the console, the ROM off USB */
  g_assert_true (console_wait (fd, seen, "Firmware: dfu-util-image 2.0.0", 10000));
  g_assert_true (console_wait (fd, seen, "tfsim ready", 10000));
  g_clear_pointer (&answer, g_free);
  answer = tf_sim_client_request_or_die (sock, "dfu dfu1");
  g_assert_nonnull (strstr (answer, "mode=firmware"));
  g_assert_nonnull (strstr (answer, "early-polls=0"));
  close (fd);
}

static void
test_upload (void)
{
  g_autofree char *out = NULL, *answer = NULL, *sha = NULL, *flash = NULL, *path = NULL;
  gsize len = 0;

  /* BOOT0 and a reset bring the ROM back (the firmware has no DFU interface) */
  answer = tf_sim_client_request_or_die (sock, "dfu-enter dfu1");
  g_assert_cmpstr (answer, ==, "ok");
  path = g_build_filename (dir, "upload.bin", NULL);
  g_unlink (path);
  g_assert_cmpint (dfu_util (&out, (const char *[]){ "-a", "0", "-s", "0x08000000:262144", "-U",
                                                     "upload.bin", NULL }),
                   ==, 0);
  sha = file_sha256 ("upload.bin", &len);
  g_assert_cmpuint (len, ==, IMAGE_SIZE);
  flash = tf_sim_client_request_or_die (sock, "flash-read bp1 0x08000000 262144");
  g_clear_pointer (&answer, g_free);
  answer = g_strdup_printf ("ok sha256=%s", sha);
  g_assert_cmpstr (flash, ==, answer);
}

/* Alternate setting 1 is the option bytes, not the flash: 16 bytes at 0x1FFFC000 (blank in
 * the emulation), where the flash starts with the image's "TFIM". */
static void
test_option_bytes (void)
{
  g_autofree char *out = NULL, *path = g_build_filename (dir, "ob.bin", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_unlink (path);
  g_assert_cmpint (
      dfu_util (&out, (const char *[]){ "-a", "1", "-s", "0x1FFFC000:16", "-U", "ob.bin", NULL }),
      ==, 0);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, 16);
  for (gsize i = 0; i < len; i++)
    g_assert_cmphex ((guint8)data[i], ==, 0xff);
}

static int
run_child (int argc, char **argv)
{
  sock = argv[2];
  dir = argv[3];
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dfu-util/list", test_list);
  g_test_add_func ("/dfu-util/download-leave", test_download_leave);
  g_test_add_func ("/dfu-util/upload", test_upload);
  g_test_add_func ("/dfu-util/option-bytes", test_option_bytes);
  return g_test_run ();
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp = NULL, *sim = NULL, *control = NULL, *self = NULL, *image = NULL;
  g_autofree char *simlab = NULL, *mkimage = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (argc >= 4 && g_str_equal (argv[1], "--child"))
    return run_child (argc, argv);
  if (g_find_program_in_path ("dfu-util") == NULL)
    {
      /* scripts/lib.sh installs it (DEB_TEST); without it there is nothing to run */
      g_printerr ("dfu-util is not installed\n");
      return 77;
    }
  simlab = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-simlab", NULL);
  mkimage = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "fixtures", "tf-mkimage", NULL);
  tmp = g_dir_make_tmp ("tf-dfu-util-XXXXXX", &error);
  g_assert_no_error (error);
  sim = g_build_filename (tmp, "lab.sim", NULL);
  control = g_build_filename (tmp, "control", NULL);
  image = g_build_filename (tmp, "image.bin", NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_true (g_file_set_contents (sim, SIM, -1, NULL));
  {
    const char *mk[] = { mkimage, "dfu-util-image", "2.0.0", "262144", image, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)mk, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, NULL));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const char *child[]
        = { simlab, "--sim", sim, "--control", control, "--", self, "--child", control, tmp, NULL };
    if (!g_spawn_sync (NULL, (char **)child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                       NULL, &status, &error))
      g_error ("%s", error->message);
  }
  tf_test_rm_rf (tmp);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}
