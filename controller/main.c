/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "testfestd"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "tf-error.h"
#include "tf-floor.h"
#include "tf-lab.h"
#include "tf-regress.h"
#include "tf-sd-notify.h"

typedef struct
{
  GMainLoop *loop;
  TfLab *lab;
  TfFloor *floor; /* NULL while the lab file names no event */
  char *config_path;
  int exit_status;
} Daemon;

static gboolean
on_terminate (gpointer user_data)
{
  Daemon *d = user_data;
  g_message ("shutting down");
  tf_sd_notify ("STOPPING=1");
  g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload (gpointer user_data)
{
  Daemon *d = user_data;
  g_autoptr (GError) error = NULL;
  TfLabConfig *config;

  tf_sd_notify ("RELOADING=1");
  config = tf_lab_config_load (d->config_path, &error);
  if (config == NULL || !tf_lab_reload (d->lab, config, &error))
    {
      g_warning ("reload refused, keeping the running lab: %s", error->message);
      tf_lab_report_reload (d->lab, error);
      tf_sd_notify ("READY=1");
      return G_SOURCE_CONTINUE;
    }
  /* the boards are taken; the event file is the floor's, refused on its own */
  if (d->floor == NULL && tf_lab_get_config (d->lab)->event != NULL)
    {
      d->floor = tf_floor_new (d->lab, &error);
      if (d->floor != NULL)
        g_message ("the floor opens");
    }
  else if (d->floor != NULL)
    tf_floor_reload (d->floor, &error);
  if (error != NULL)
    g_warning ("event not reloaded, the floor goes on as it was: %s", error->message);
  else
    g_message ("reloaded %s", d->config_path);
  tf_lab_report_reload (d->lab, error);
  tf_sd_notify ("READY=1");
  return G_SOURCE_CONTINUE;
}

/* A big lab holds three descriptors per board (console, two logs): take the
 * hard limit rather than the historical 1024. */
static void
raise_fd_limit (void)
{
  struct rlimit rl;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        g_warning ("cannot raise the open file limit: %s", g_strerror (errno));
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  gboolean verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Lab file (default " TF_SYSCONFDIR "/lab.conf)", "FILE" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where the store and console logs live (overrides the lab file)", "DIR" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- the TestFest lab controller");
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (TfLab) lab = NULL;
  g_autoptr (TfFloor) floor = NULL;
  g_autoptr (TfRegress) regress = NULL;
  TfLabConfig *config;
  Daemon d = { 0 };

  setlocale (LC_ALL, "");
  raise_fd_limit ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("testfestd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("testfestd %s\n", TF_VERSION);
      return 0;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  if (config_path == NULL)
    config_path = g_strdup (TF_SYSCONFDIR "/lab.conf");

  /* everything is validated before anything is touched */
  config = tf_lab_config_load (config_path, &error);
  if (config == NULL)
    {
      g_printerr ("testfestd: %s\n", error->message);
      return 2;
    }
  lab = tf_lab_new (config, state_dir, &error);
  if (lab == NULL)
    {
      g_printerr ("testfestd: %s\n", error->message);
      return g_error_matches (error, TF_ERROR, TF_ERROR_INVALID_CONFIG) ? 2 : 1;
    }
  if (tf_lab_get_config (lab)->event != NULL)
    {
      floor = tf_floor_new (lab, &error); /* the TestFest: event, schedule, sessions */
      if (floor == NULL)
        {
          g_printerr ("testfestd: %s\n", error->message);
          return g_error_matches (error, TF_ERROR, TF_ERROR_INVALID_CONFIG) ? 2 : 1;
        }
    }
  /* the board farm's regression queue, with or without a TestFest; a farm
   * host (issue 18) runs neither: its coordinator does */
  if (tf_lab_get_config (lab)->role != TF_LAB_ROLE_HOST)
    regress = tf_regress_new (lab, &error);
  if (regress == NULL && error != NULL)
    {
      g_printerr ("testfestd: %s\n", error->message);
      return 1;
    }
  loop = g_main_loop_new (NULL, FALSE);
  d.loop = loop;
  d.lab = lab;
  d.floor = floor;
  d.config_path = config_path;
  g_unix_signal_add (SIGINT, on_terminate, &d);
  g_unix_signal_add (SIGTERM, on_terminate, &d);
  g_unix_signal_add (SIGHUP, on_reload, &d);
  if (!tf_lab_start (lab, &error))
    {
      g_printerr ("testfestd: %s\n", error->message);
      return 1;
    }
  g_message ("lab %s on host %s (role %s): %u boards", tf_lab_get_config (lab)->lab,
             tf_lab_get_config (lab)->host,
             (const char *[]){ "both", "host", "coordinator" }[tf_lab_get_config (lab)->role],
             tf_lab_get_config (lab)->boards->len);
  tf_sd_notify ("READY=1");
  g_main_loop_run (loop);
  floor = d.floor;                             /* a reload may have opened it */
  g_clear_pointer (&regress, tf_regress_free); /* running jobs resume at the next start */
  tf_lab_shutdown (lab);
  return d.exit_status;
}
