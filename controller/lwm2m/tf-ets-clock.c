/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runner's own lateness and the client's datagrams' arrival times (tf-ets-clock.h). */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-clock.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

/* lateness below this is scheduling noise, far below any tolerance */
#define MIN_SAMPLE_US 1000
#define MAX_SAMPLES 65536
/* a receive timestamp older than this is not the datagram being handled */
#define MAX_PLAUSIBLE_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

typedef struct
{
  gint64 at;   /* monotonic, when the lateness was noticed */
  gint64 late; /* how late, µs */
} Sample;

struct _TfEtsClock
{
  int fd; /* the server's socket, -1 */
  gint64 last_arrival;
  GArray *samples;
};

static guint16
bound_port (int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM)
    return 0;
  if (getsockname (fd, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET)
    return ntohs (((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs (((struct sockaddr_in6 *)&ss)->sin6_port);
  return 0;
}

TfEtsClock *
tf_ets_clock_new (guint16 port)
{
  TfEtsClock *c = g_new0 (TfEtsClock, 1);
  g_autoptr (GDir) dir = port != 0 ? g_dir_open ("/proc/self/fd", 0, NULL) : NULL;
  const char *name;
  c->fd = -1;
  c->last_arrival = g_get_monotonic_time ();
  c->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  while (dir != NULL && c->fd < 0 && (name = g_dir_read_name (dir)) != NULL)
    {
      guint64 fd;
      if (g_ascii_string_to_unsigned (name, 10, 0, G_MAXINT, &fd, NULL)
          && bound_port ((int)fd) == port)
        c->fd = (int)fd;
    }
  if (c->fd >= 0)
    {
      struct timespec ts;
      /* the first ask turns the socket's (and the stack's) receive timestamps on; it has none
       * to give yet */
      (void)ioctl (c->fd, SIOCGSTAMPNS, &ts);
    }
  else
    g_debug ("no socket on port %u: arrival times are handling times", port);
  return c;
}

void
tf_ets_clock_free (TfEtsClock *c)
{
  if (c == NULL)
    return;
  g_array_unref (c->samples);
  g_free (c);
}

gboolean
tf_ets_clock_has_stamps (TfEtsClock *c)
{
  return c->fd >= 0;
}

static void
add_sample (TfEtsClock *c, gint64 now, gint64 late)
{
  Sample s = { now, late };
  if (late < MIN_SAMPLE_US)
    return;
  if (c->samples->len >= MAX_SAMPLES)
    {
      /* bounded: the last one keeps the largest of the rest */
      Sample *last = &g_array_index (c->samples, Sample, c->samples->len - 1);
      last->at = now;
      last->late = MAX (last->late, late);
      return;
    }
  g_array_append_val (c->samples, s);
}

gint64
tf_ets_clock_received (TfEtsClock *c, gint64 *rx_wall_us)
{
  gint64 now = g_get_monotonic_time ();
  gint64 stamp, late;
  struct timespec ts;
  c->last_arrival = now;
  if (rx_wall_us != NULL)
    *rx_wall_us = -1;
  if (c->fd < 0 || ioctl (c->fd, SIOCGSTAMPNS, &ts) != 0)
    return now;
  /* the kernel stamps with the real-time clock: the delay since then, on the monotonic one */
  stamp = (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
  late = g_get_real_time () - stamp;
  if (late < 0 || late > MAX_PLAUSIBLE_US)
    return now;
  if (rx_wall_us != NULL)
    *rx_wall_us = stamp;
  add_sample (c, now, late);
  c->last_arrival = now - late;
  return c->last_arrival;
}

gint64
tf_ets_clock_last_arrival (TfEtsClock *c)
{
  return c->last_arrival;
}

void
tf_ets_clock_timer (TfEtsClock *c, gint64 due_us)
{
  gint64 now = g_get_monotonic_time ();
  add_sample (c, now, now - due_us);
}

gint64
tf_ets_clock_lateness_since (TfEtsClock *c, gint64 from_us)
{
  gint64 worst = 0;
  for (guint i = c->samples->len; i > 0; i--)
    {
      Sample *s = &g_array_index (c->samples, Sample, i - 1);
      if (s->at < from_us)
        break;
      worst = MAX (worst, s->late);
    }
  return worst;
}

void
tf_ets_exchange_set_rx (JsonNode *message, gint64 rx_wall_us)
{
  JsonObject *o = json_node_get_object (message);
  if (rx_wall_us < 0)
    return;
  json_object_set_int_member (o, "time_us", rx_wall_us);
  json_object_set_string_member (o, "clock", "kernel-rx");
}
