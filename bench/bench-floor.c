/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "bench-floor.h"

#include "tf-floor-fixture.h"

void
bench_floor_roots (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *build = bench != NULL ? g_path_get_dirname (bench) : NULL;
  g_autofree char *src = g_path_get_dirname (TF_SOURCE_BOARDSDIR);
  if (g_getenv ("TF_BUILD_ROOT") == NULL && build != NULL)
    g_setenv ("TF_BUILD_ROOT", build, TRUE);
  if (g_getenv ("TF_SOURCE_ROOT") == NULL)
    g_setenv ("TF_SOURCE_ROOT", src, TRUE);
}

TfHarness *
bench_floor_harness_new (guint n, const char *server_args, const char *lab_tail,
                         const char *const *simlab_args)
{
  const char *build = g_getenv ("TF_BUILD_ROOT");
  g_autofree char *client
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  g_autofree char *server
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  g_autoptr (GString) sim = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);
  for (guint r = 0; r < (n + 7) / 8; r++)
    {
      g_string_append_printf (sim,
                              "[relay relay%u]\ntty = ttyUSB%u\nusb-path = 3-%u.%u\n"
                              "channels = 8\n\n",
                              r, r, 1 + r / 7, 1 + r % 7);
      g_string_append_printf (lab,
                              "[switch relay%u]\ntype = lcus-relay\ndevice = /dev/ttyUSB%u\n"
                              "channels = 8\noff-time-ms = 100\n\n",
                              r, r);
    }
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (sim,
                              "[board b%02u]\ntype = sim-l476\ntty = ttyACM%u\nusb-path = 1-%u.%u\n"
                              "serial = SIM%05u\npower = relay%u:%u\nboot-ms = 100\n"
                              "address = 192.0.2.%u\nfirmware-program = %s\n"
                              "firmware-args = --version 1.0.0 --lifetime 3600\n\n",
                              i, i, 1 + i / 7, 1 + i % 7, i, i / 8, 1 + i % 8, 10 + i, client);
      g_string_append_printf (lab,
                              "[board b%02u]\ntype = sim-lwm2m\nconsole = /dev/ttyACM%u\n"
                              "power = relay%u:%u\ntable = T%u\naddress = 192.0.2.%u\n\n",
                              i, i, i / 8, 1 + i % 8, i, 10 + i);
    }
  g_string_append_printf (sim, "[server srv]\nprogram = %s\n%s%s%saddress = 192.0.2.2\n", server,
                          server_args ? "args = " : "", server_args ? server_args : "",
                          server_args ? "\n" : "");
  g_string_append (lab, lab_tail);
  return tf_harness_new_full (sim->str, lab->str, simlab_args);
}

void
bench_floor_start (TfHarness *h, guint n, const char *client_extra, const char *provision,
                   gboolean test_ets)
{
  g_autoptr (GString) ev = g_string_new (NULL);
  g_string_append_printf (ev,
                          "[event]\nname = Bench\ndays = 2030-06-04\ntimezone = UTC\n"
                          "slot-minutes = 60\nday-start = 09:00\nday-end = 17:00\ntables = %u\n\n"
                          "[company srv]\nname = Server Co\n\n"
                          "[implementation srv]\ncompany = srv\nrole = server\nversions = 1.1\n"
                          "transports = udp\nsecurity = nosec\ncapacity = %u\n"
                          "server-uri = coap://192.0.2.2:5683\nentry-criteria = yes\n"
                          "entry-criteria-by = staff\n\n",
                          n, n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (ev,
                            "[company k%02u]\nname = Client %u\n\n"
                            "[implementation c%02u]\ncompany = k%02u\nrole = client\n"
                            "versions = 1.1\ntransports = udp\nsecurity = nosec\nboards = b%02u\n"
                            "endpoint = ep%02u\nprovision = provision.script\n%s"
                            "entry-criteria = yes\nentry-criteria-by = staff\n\n",
                            i, i, i, i, i, i, client_extra);
  tf_fixture_write (h, "test.event", ev->str, 0);
  tf_fixture_write (h, "provision.script", provision, 0);
  tf_fixture_start (h, test_ets);
  tf_harness_sleep (h, 3000);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%02u--srv", i);
      g_autofree char *o = NULL, *e = NULL;
      if (tf_harness_ctl (h, &o, &e, "start", id, NULL) != 0)
        g_printerr ("start %s: %s", id, e);
    }
}
