/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-netns-run COMMAND...: run COMMAND in a network namespace of its own
 * (only loopback, up), as `unshare -n` + `ip link set lo up` would, and when
 * it ends, end whatever it left behind (brokers, simulators, browsers): this
 * process is their subreaper. Exit status: COMMAND's; 77 (skip) when no
 * namespace can be made here. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tf-netns.h"

/* Signal every process whose parent is us; returns how many there were. */
static int
signal_orphans (int sig)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int n = 0;
  pid_t self = getpid ();
  while (d != NULL && (e = readdir (d)) != NULL)
    {
      char path[64], buf[512];
      FILE *f;
      long pid = strtol (e->d_name, NULL, 10), ppid = -1;
      if (pid <= 0)
        continue;
      snprintf (path, sizeof (path), "/proc/%ld/status", pid);
      if ((f = fopen (path, "r")) == NULL)
        continue;
      while (fgets (buf, sizeof (buf), f) != NULL)
        if (sscanf (buf, "PPid: %ld", &ppid) == 1)
          break;
      fclose (f);
      if (ppid == self)
        {
          kill ((pid_t)pid, sig);
          n++;
        }
    }
  if (d != NULL)
    closedir (d);
  return n;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  pid_t child;
  int status = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: tf-netns-run COMMAND [ARG...]\n");
      return 2;
    }
  if (!tf_netns_enter (&error))
    {
      fprintf (stderr, "tf-netns-run: %s\n", error->message);
      return 77;
    }
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  child = fork ();
  if (child < 0)
    {
      perror ("tf-netns-run: fork");
      return 1;
    }
  if (child == 0)
    {
      execvp (argv[1], argv + 1);
      fprintf (stderr, "tf-netns-run: %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }
  /* forward a termination (meson's timeout) to the command */
  signal (SIGTERM, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  /* leftovers: TERM, up to 3 s to go, then KILL; reap all of them */
  for (int i = 0; i < 60 && signal_orphans (i < 59 ? SIGTERM : SIGKILL) > 0; i++)
    {
      while (waitpid (-1, NULL, WNOHANG) > 0)
        ;
      usleep (50000);
    }
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}
