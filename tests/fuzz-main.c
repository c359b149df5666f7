/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A plain main() for the fuzz targets (fwupd and libusb do the same): it
 * replays every file of the corpus directories given on the command line, so
 * the corpus runs as an ordinary test. Built with -fsanitize=fuzzer instead,
 * libFuzzer brings its own main. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  guint n = 0;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;
      if (dir == NULL)
        {
          g_printerr ("cannot open corpus %s\n", argv[i]);
          return 1;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          g_autofree char *data = NULL;
          gsize len = 0;
          if (!g_file_get_contents (path, &data, &len, NULL))
            continue;
          LLVMFuzzerTestOneInput ((const uint8_t *)data, len);
          n++;
        }
    }
  printf ("1..1\nok 1 - replayed %u inputs without a crash\n", n);
  return n > 0 ? 0 : 1;
}
