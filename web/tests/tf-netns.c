/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "tf-netns.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tf-error.h"

gboolean
tf_netns_enter (GError **error)
{
  struct ifreq ifr = { 0 };
  int fd;

  if (unshare (CLONE_NEWNET) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PERMISSION_DENIED, "unshare(CLONE_NEWNET): %s",
                   g_strerror (errno));
      return FALSE;
    }
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "socket: %s", g_strerror (errno));
      return FALSE;
    }
  g_strlcpy (ifr.ifr_name, "lo", IFNAMSIZ);
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) != 0
      || (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl (fd, SIOCSIFFLAGS, &ifr) != 0))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "bringing lo up: %s", g_strerror (errno));
      close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}
