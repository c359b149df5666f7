/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-event-loader.h"

/* Time in the event file: the days, the slots they hold, and when an
 * implementation is away. */

/* "HH:MM", 00:00 to 24:00. */
static gboolean
parse_clock (const gchar *text, guint *minutes)
{
  guint h, m;
  gchar tail;
  if (strlen (text) != 5 || text[2] != ':' || !g_ascii_isdigit (text[0])
      || !g_ascii_isdigit (text[1]) || !g_ascii_isdigit (text[3]) || !g_ascii_isdigit (text[4]))
    return FALSE;
  if (sscanf (text, "%2u:%2u%c", &h, &m, &tail) != 2 || m > 59 || h > 24 || (h == 24 && m > 0))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

/* "HH:MM-HH:MM" with start < end. */
gboolean
tf_loader_parse_clock_range (const gchar *text, guint *start, guint *end)
{
  g_auto (GStrv) parts = g_strsplit (text, "-", -1);
  if (g_strv_length (parts) != 2)
    return FALSE;
  return parse_clock (parts[0], start) && parse_clock (parts[1], end) && *start < *end;
}

/* "YYYY-MM-DD" */
gboolean
tf_loader_parse_date (const gchar *text, GDate *date)
{
  guint y, m, d;
  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    {
      if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
        return FALSE;
    }
  if (sscanf (text, "%4u-%2u-%2u", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
    return FALSE;
  g_date_clear (date, 1);
  g_date_set_dmy (date, d, m, y);
  return TRUE;
}

static void
compute_slots (TfEvent *event)
{
  for (guint d = 0; d < event->days->len; d++)
    {
      guint t = event->day_start;
      while (t + event->slot_minutes <= event->day_end)
        {
          gboolean moved = FALSE;
          for (guint b = 0; b + 1 < event->breaks->len; b += 2)
            {
              guint b0 = g_array_index (event->breaks, guint, b);
              guint b1 = g_array_index (event->breaks, guint, b + 1);
              if (t < b1 && b0 < t + event->slot_minutes)
                {
                  t = b1;
                  moved = TRUE;
                  break;
                }
            }
          if (moved)
            continue;
          {
            TfSlot slot = { d, t, t + event->slot_minutes };
            g_array_append_val (event->slots, slot);
          }
          t += event->slot_minutes;
        }
    }
}

gboolean
tf_loader_load_event_group (Loader *ld, GError **error)
{
  TfEvent *event = ld->event;
  g_autoptr (GPtrArray) days = NULL;
  g_autoptr (GPtrArray) breaks = NULL;
  g_autofree gchar *day_start = NULL;
  g_autofree gchar *day_end = NULL;
  const gchar *g = "event";

  if (!g_key_file_has_group (ld->kf, g))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:1: [event]: missing group",
                   ld->lines->filename);
      return FALSE;
    }
  if (!tf_loader_get_string (ld, g, "name", TRUE, &event->name, error))
    return FALSE;
  {
    /* read by tf-broker-config: anyone may read the public floor topics */
    g_autofree gchar *anon = NULL;
    if (!tf_loader_get_string (ld, g, "allow-anonymous-read", FALSE, &anon, error))
      return FALSE;
    if (anon == NULL || g_strcmp0 (anon, "false") == 0 || g_strcmp0 (anon, "no") == 0
        || g_strcmp0 (anon, "0") == 0)
      event->allow_anonymous_read = FALSE;
    else if (g_strcmp0 (anon, "true") == 0 || g_strcmp0 (anon, "yes") == 0
             || g_strcmp0 (anon, "1") == 0)
      event->allow_anonymous_read = TRUE;
    else
      return tf_key_lines_fail (ld->lines, error, g, "allow-anonymous-read",
                                "'%s' is not true or false", anon);
  }
  if (!tf_loader_has_key (ld, g, "days"))
    return tf_key_lines_fail (ld->lines, error, g, "days", "missing");
  days = tf_loader_get_list (ld, g, "days");
  if (days->len == 0)
    return tf_key_lines_fail (ld->lines, error, g, "days", "names no day");
  for (guint i = 0; i < days->len; i++)
    {
      GDate date;
      const gchar *text = g_ptr_array_index (days, i);
      if (!tf_loader_parse_date (text, &date))
        return tf_key_lines_fail (ld->lines, error, g, "days", "'%s' is not a date (YYYY-MM-DD)",
                                  text);
      if (i > 0 && g_date_compare (&date, &g_array_index (event->days, GDate, i - 1)) <= 0)
        return tf_key_lines_fail (ld->lines, error, g, "days",
                                  "'%s' does not come after the day before it", text);
      g_array_append_val (event->days, date);
    }
  if (!tf_loader_get_string (ld, g, "timezone", FALSE, &event->timezone, error))
    return FALSE;
  if (event->timezone == NULL)
    event->timezone = g_strdup ("UTC");
  event->tz = g_time_zone_new_identifier (event->timezone);
  if (event->tz == NULL)
    return tf_key_lines_fail (ld->lines, error, g, "timezone",
                              "'%s' is not a time zone (e.g. Europe/Paris, UTC, +02:00)",
                              event->timezone);
  if (!tf_loader_get_uint (ld, g, "slot-minutes", 5, 24 * 60, TRUE, &event->slot_minutes, error))
    return FALSE;
  if (!tf_loader_get_string (ld, g, "day-start", TRUE, &day_start, error))
    return FALSE;
  if (!parse_clock (day_start, &event->day_start))
    return tf_key_lines_fail (ld->lines, error, g, "day-start", "'%s' is not a time (HH:MM)",
                              day_start);
  if (!tf_loader_get_string (ld, g, "day-end", TRUE, &day_end, error))
    return FALSE;
  if (!parse_clock (day_end, &event->day_end))
    return tf_key_lines_fail (ld->lines, error, g, "day-end", "'%s' is not a time (HH:MM)",
                              day_end);
  if (event->day_end <= event->day_start)
    return tf_key_lines_fail (ld->lines, error, g, "day-end", "%s is not after day-start %s",
                              day_end, day_start);
  breaks = tf_loader_get_list (ld, g, "breaks");
  for (guint i = 0; i < breaks->len; i++)
    {
      const gchar *text = g_ptr_array_index (breaks, i);
      guint b0, b1;
      if (!tf_loader_parse_clock_range (text, &b0, &b1))
        return tf_key_lines_fail (ld->lines, error, g, "breaks",
                                  "'%s' is not a time range (HH:MM-HH:MM)", text);
      if (b0 < event->day_start || b1 > event->day_end)
        return tf_key_lines_fail (ld->lines, error, g, "breaks",
                                  "'%s' is not within day-start and day-end", text);
      if (i > 0 && b0 < g_array_index (event->breaks, guint, event->breaks->len - 1))
        return tf_key_lines_fail (ld->lines, error, g, "breaks",
                                  "'%s' overlaps or comes before the break before it", text);
      g_array_append_val (event->breaks, b0);
      g_array_append_val (event->breaks, b1);
    }
  if (!tf_loader_get_uint (ld, g, "tables", 1, 1000, TRUE, &event->n_tables, error))
    return FALSE;
  compute_slots (event);
  if (event->slots->len == 0)
    return tf_key_lines_fail (ld->lines, error, g, "slot-minutes",
                              "no slot fits between day-start, day-end and the breaks");
  return TRUE;
}

/* Unavailability items: "N", "N-M" (slot indices, inclusive), "DATE" (the
 * whole day) or "DATE HH:MM-HH:MM" (every slot overlapping the range). */
gboolean
tf_loader_parse_unavailable (Loader *ld, const gchar *group, TfImpl *impl, GError **error)
{
  TfEvent *event = ld->event;
  g_autoptr (GPtrArray) items = tf_loader_get_list (ld, group, "unavailable");
  guint n_slots = event->slots->len;
  for (guint i = 0; i < items->len; i++)
    {
      const gchar *text = g_ptr_array_index (items, i);
      guint64 a, b;
      GDate date;
      g_auto (GStrv) words = g_strsplit (text, " ", -1);
      g_auto (GStrv) range = g_strsplit (text, "-", -1);
      guint n_words = g_strv_length (words);
      if (g_ascii_isdigit (text[0]) && g_strv_length (range) <= 2
          && g_ascii_string_to_unsigned (range[0], 10, 0, G_MAXUINT, &a, NULL)
          && (range[1] == NULL
              || g_ascii_string_to_unsigned (range[1], 10, 0, G_MAXUINT, &b, NULL)))
        {
          if (range[1] == NULL)
            b = a;
          if (b < a)
            return tf_key_lines_fail (ld->lines, error, group, "unavailable",
                                      "slot range '%s' ends before it starts", text);
          if (b >= n_slots)
            return tf_key_lines_fail (ld->lines, error, group, "unavailable",
                                      "slot %" G_GUINT64_FORMAT " is past the last slot (%u)", b,
                                      n_slots - 1);
          for (guint64 s = a; s <= b; s++)
            impl->unavailable[s] = TRUE;
          continue;
        }
      if ((n_words == 1 || n_words == 2) && tf_loader_parse_date (words[0], &date))
        {
          guint r0 = 0, r1 = 24 * 60;
          gboolean found = FALSE;
          if (n_words == 2 && !tf_loader_parse_clock_range (words[1], &r0, &r1))
            return tf_key_lines_fail (ld->lines, error, group, "unavailable",
                                      "'%s' is not a time range (HH:MM-HH:MM)", words[1]);
          for (guint d = 0; d < event->days->len; d++)
            found |= g_date_compare (&date, &g_array_index (event->days, GDate, d)) == 0;
          if (!found)
            return tf_key_lines_fail (ld->lines, error, group, "unavailable",
                                      "%s is not a day of the event", words[0]);
          for (guint s = 0; s < n_slots; s++)
            {
              const TfSlot *slot = &g_array_index (event->slots, TfSlot, s);
              const GDate *day = &g_array_index (event->days, GDate, slot->day);
              if (g_date_compare (day, &date) == 0 && slot->start_min < r1 && r0 < slot->end_min)
                impl->unavailable[s] = TRUE;
            }
          continue;
        }
      return tf_key_lines_fail (ld->lines, error, group, "unavailable",
                                "'%s' is not a slot, slot range (N-M), date or "
                                "'DATE HH:MM-HH:MM'",
                                text);
    }
  return TRUE;
}
