/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-schedule.h"

/* The schedule for people: a wall chart, a spreadsheet, calendars. */

static gchar *
cell_text (const TfScheduleEntry *e)
{
  return g_strdup_printf ("%s / %s (%s)", e->client, e->server, e->board != NULL ? e->board : "-");
}

/**
 * tf_schedule_to_text:
 *
 * Returns: (transfer full): one row per slot (its time), one column per table.
 */
gchar *
tf_schedule_to_text (const TfSchedule *schedule)
{
  const TfEvent *event = schedule->event;
  guint makespan = MIN (tf_schedule_makespan (schedule), event->slots->len);
  guint n_tables = event->n_tables;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree gchar **cells = g_new0 (gchar *, (gsize)makespan * n_tables + 1);
  g_autofree guint *width = g_new0 (guint, n_tables + 2);
  guint time_width = strlen ("time");

  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      gsize at;
      if (e->slot < 0 || (guint)e->slot >= makespan || e->table < 1 || (guint)e->table > n_tables)
        continue;
      at = (gsize)e->slot * n_tables + e->table - 1;
      if (cells[at] == NULL)
        cells[at] = cell_text (e);
    }
  for (guint t = 0; t < n_tables; t++)
    {
      width[t] = strlen ("table ") + 3;
      for (guint s = 0; s < makespan; s++)
        {
          const gchar *c = cells[(gsize)s * n_tables + t];
          width[t] = MAX (width[t], c != NULL ? strlen (c) : 1);
        }
    }
  for (guint s = 0; s < makespan; s++)
    {
      g_autofree gchar *label = tf_event_slot_label (event, s);
      time_width = MAX (time_width, strlen (label));
    }

  g_string_append_printf (out, "%s: %u sessions in %u slots (lower bound %u), %u tables\n\n",
                          event->name, schedule->entries->len, tf_schedule_makespan (schedule),
                          schedule->lower_bound, n_tables);
  g_string_append_printf (out, "%-4s  %-*s", "slot", time_width, "time");
  for (guint t = 0; t < n_tables; t++)
    {
      g_autofree gchar *head = g_strdup_printf ("table %u", t + 1);
      g_string_append_printf (out, "  %-*s", width[t], head);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '\n');
  for (guint s = 0; s < makespan; s++)
    {
      g_autofree gchar *label = tf_event_slot_label (event, s);
      g_string_append_printf (out, "%-4u  %-*s", s, time_width, label);
      for (guint t = 0; t < n_tables; t++)
        {
          gchar *c = cells[(gsize)s * n_tables + t];
          g_string_append_printf (out, "  %-*s", width[t], c != NULL ? c : "-");
        }
      while (out->len > 0 && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }
  for (gsize k = 0; k < (gsize)makespan * n_tables; k++)
    g_free (cells[k]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* RFC 4180: quote a field holding a separator, a quote or a line break. */
static void
csv_field (GString *out, const gchar *text, gboolean last)
{
  if (text == NULL)
    text = "";
  if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const gchar *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, text);
  g_string_append (out, last ? "\r\n" : ",");
}

gchar *
tf_schedule_to_csv (const TfSchedule *schedule)
{
  const TfEvent *event = schedule->event;
  g_autoptr (GString) out = g_string_new ("slot,start,end,table,client,client_company,server,"
                                          "server_company,board,state\r\n");
  g_autoptr (GPtrArray) sorted = tf_schedule_sorted (schedule);

  for (guint k = 0; k < sorted->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (sorted, k);
      g_autofree gchar *slot = g_strdup_printf ("%d", e->slot);
      g_autofree gchar *table = g_strdup_printf ("%d", e->table);
      g_autofree gchar *start = e->slot >= 0 ? tf_event_slot_iso (event, e->slot, FALSE) : NULL;
      g_autofree gchar *end = e->slot >= 0 ? tf_event_slot_iso (event, e->slot, TRUE) : NULL;
      csv_field (out, slot, FALSE);
      csv_field (out, start, FALSE);
      csv_field (out, end, FALSE);
      csv_field (out, table, FALSE);
      csv_field (out, e->client, FALSE);
      csv_field (out, e->client_company, FALSE);
      csv_field (out, e->server, FALSE);
      csv_field (out, e->server_company, FALSE);
      csv_field (out, e->board, FALSE);
      csv_field (out, tf_entry_state_to_string (e->state), TRUE);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* RFC 5545 3.3.11 TEXT escaping. */
static gchar *
ics_text (const gchar *text)
{
  GString *out = g_string_new (NULL);
  for (const gchar *p = text; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == ';' || *p == ',')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p != '\r')
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* RFC 5545 3.1: lines of at most 75 octets, CRLF, continued by a space;
 * a UTF-8 sequence is never split. */
static void
ics_line (GString *out, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
static void
ics_line (GString *out, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *line = NULL;
  gsize len, pos = 0, room = 75;
  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  len = strlen (line);
  while (len - pos > room)
    {
      gsize cut = pos + room;
      while (cut > pos && ((guchar)line[cut] & 0xc0) == 0x80)
        cut--;
      g_string_append_len (out, line + pos, cut - pos);
      g_string_append (out, "\r\n ");
      pos = cut;
      room = 74;
    }
  g_string_append (out, line + pos);
  g_string_append (out, "\r\n");
}

static gchar *
ics_time (const TfEvent *event, guint slot, gboolean end)
{
  g_autoptr (GDateTime) local
      = end ? tf_event_slot_end (event, slot) : tf_event_slot_start (event, slot);
  g_autoptr (GDateTime) utc = g_date_time_to_utc (local);
  return g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
}

/**
 * tf_schedule_to_ics:
 *
 * Returns: (transfer full): an iCalendar (RFC 5545) with the sessions of
 * @team, times in UTC.
 */
gchar *
tf_schedule_to_ics (const TfSchedule *schedule, guint team)
{
  const TfEvent *event = schedule->event;
  const TfTeam *t = tf_event_team (event, team);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree gchar *calname = NULL;
  g_autofree gchar *title = g_strdup_printf ("%s - team %s", event->name, t->id);

  calname = ics_text (title);
  ics_line (out, "BEGIN:VCALENDAR");
  ics_line (out, "VERSION:2.0");
  ics_line (out, "PRODID:-//OMA LwM2M TestFest//tf-schedule//EN");
  ics_line (out, "CALSCALE:GREGORIAN");
  ics_line (out, "METHOD:PUBLISH");
  ics_line (out, "X-WR-CALNAME:%s", calname);
  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      g_autofree gchar *start = NULL;
      g_autofree gchar *end = NULL;
      g_autofree gchar *summary = NULL;
      g_autofree gchar *desc = NULL;
      g_autofree gchar *raw_summary = NULL;
      g_autofree gchar *raw_desc = NULL;
      gboolean ours;
      if (e->c < 0 || e->s < 0 || e->slot < 0 || (guint)e->slot >= event->slots->len)
        continue;
      ours = tf_event_impl (event, e->c)->team == team || tf_event_impl (event, e->s)->team == team;
      if (!ours)
        continue;
      start = ics_time (event, e->slot, FALSE);
      end = ics_time (event, e->slot, TRUE);
      raw_summary = g_strdup_printf ("LwM2M session: %s meets %s, table %d", e->client, e->server,
                                     e->table);
      raw_desc
          = g_strdup_printf ("Client %s (%s) meets server %s (%s) at table %d on board %s, "
                             "slot %d of %s.",
                             e->client, e->client_company, e->server, e->server_company, e->table,
                             e->board != NULL ? e->board : "-", e->slot, event->name);
      summary = ics_text (raw_summary);
      desc = ics_text (raw_desc);
      ics_line (out, "BEGIN:VEVENT");
      ics_line (out, "UID:%s@testfest", e->id);
      ics_line (out, "DTSTAMP:%s", stamp);
      ics_line (out, "DTSTART:%s", start);
      ics_line (out, "DTEND:%s", end);
      ics_line (out, "SUMMARY:%s", summary);
      ics_line (out, "LOCATION:Table %d", e->table);
      ics_line (out, "DESCRIPTION:%s", desc);
      ics_line (out, "END:VEVENT");
    }
  ics_line (out, "END:VCALENDAR");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * tf_schedule_write_ics_dir:
 *
 * Writes DIR/TEAM.ics for every team that has a session.
 */
gboolean
tf_schedule_write_ics_dir (const TfSchedule *schedule, const gchar *dir, GError **error)
{
  const TfEvent *event = schedule->event;
  g_autofree guint8 *busy = g_new0 (guint8, event->teams->len + 1);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      if (e->c >= 0)
        busy[tf_event_impl (event, e->c)->team] = TRUE;
      if (e->s >= 0)
        busy[tf_event_impl (event, e->s)->team] = TRUE;
    }
  for (guint t = 0; t < event->teams->len; t++)
    {
      g_autofree gchar *ics = NULL;
      g_autofree gchar *name = NULL;
      g_autofree gchar *path = NULL;
      g_autoptr (GError) error_local = NULL;
      if (!busy[t])
        continue;
      ics = tf_schedule_to_ics (schedule, t);
      name = g_strdup_printf ("%s.ics", tf_event_team (event, t)->id);
      path = g_build_filename (dir, name, NULL);
      if (!g_file_set_contents (path, ics, -1, &error_local))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s", error_local->message);
          return FALSE;
        }
    }
  return TRUE;
}
