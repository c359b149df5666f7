/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GDateTime for µs since the epoch (GLib 2.74 lacks new_from_unix_utc_usec). */
static inline GDateTime *
tf_time_from_usec (gint64 us)
{
  g_autoptr (GDateTime) epoch = g_date_time_new_from_unix_utc (0);
  return g_date_time_add (epoch, us);
}

/* "2026-11-25T20:41:00.123456Z" */
static inline char *
tf_time_format (gint64 us)
{
  g_autoptr (GDateTime) dt = tf_time_from_usec (us);
  return g_date_time_format (dt, "%FT%T.%fZ");
}

G_END_DECLS
