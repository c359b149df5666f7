/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-farm: the simulated farm of tf-farm-net.c as one program, for
 * scripts/farm-demo. Brings up the farm network, the central broker, every
 * host (namespace, tf-simlab, bridged mosquitto, testfestd role = host) and
 * the coordinator; writes DIR/farm.env (shell variables: the broker, the
 * lab, each host's namespace, veth and address) and prints "ready"; runs
 * until SIGINT or SIGTERM, then stops everything and removes the network.
 *   tf-farm --dir DIR [--hosts 3] [--boards 4] */
#include <glib-unix.h>
#include <gio/gio.h>
#include <stdio.h>

#include "tf-farm-net.h"

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL, *env_path = NULL;
  int hosts = 3, boards = 4;
  GOptionEntry entries[]
      = { { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "The farm's files (made if missing)", "DIR" },
          { "hosts", 0, 0, G_OPTION_ARG_INT, &hosts, "Lab hosts (1 to 13)", "N" },
          { "boards", 0, 0, G_OPTION_ARG_INT, &boards, "Simulated boards per host (1 to 500)",
            "N" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- a simulated farm of lab hosts");
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) env = g_string_new (NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (TfFarm) f = NULL;
  const char *build = g_getenv ("TF_BUILD_ROOT") ? g_getenv ("TF_BUILD_ROOT") : TF_FARM_BUILD_ROOT;
  const char *src = g_getenv ("TF_SOURCE_ROOT") ? g_getenv ("TF_SOURCE_ROOT") : TF_FARM_SOURCE_ROOT;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("tf-farm: %s\n", error->message);
      return 2;
    }
  if (dir == NULL || hosts < 1 || hosts > 13 || boards < 1 || boards > 500)
    {
      g_printerr ("tf-farm: needs --dir DIR, --hosts 1 to 13, --boards 1 to 500\n");
      return 2;
    }
  f = tf_farm_new (build, src, dir, (guint)hosts, (guint)boards);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  tf_farm_start_brokers (f);
  for (guint i = 0; i < (guint)hosts; i++)
    tf_farm_start_host (f, i);
  tf_farm_start_coordinator (f);

  g_string_append_printf (env,
                          "LAB=%s\nBROKER=%s\nPORT=%u\nSTAFF_PW_FILE=%s\nCOORD_CONF=%s\n"
                          "BRIDGE=%s\nHOSTS='",
                          f->lab, f->gateway, f->central_port, f->staff_pw_file, f->coord_conf,
                          f->bridge);
  for (guint i = 0; i < (guint)hosts; i++)
    g_string_append_printf (env, "%s%s", i ? " " : "", tf_farm_host (f, i)->name);
  g_string_append (env, "'\n");
  for (guint i = 0; i < (guint)hosts; i++)
    {
      TfFarmHost *h = tf_farm_host (f, i);
      g_string_append_printf (env, "NETNS_%s=%s\nVETH_%s=%s\nADDR_%s=%s\nDIR_%s=%s\n", h->name,
                              h->netns, h->name, h->veth, h->name, h->address, h->name, h->dir);
    }
  env_path = g_build_filename (f->dir, "farm.env", NULL);
  if (!g_file_set_contents (env_path, env->str, -1, &error))
    g_error ("%s", error->message);
  printf ("ready %s\n", env_path);
  fflush (stdout);
  g_main_loop_run (loop);
  return 0;
}
