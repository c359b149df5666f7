/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-test-checker.h"

static gint
impl_by_name (const TfEvent *event, const gchar *id)
{
  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = g_ptr_array_index (event->impls, i);
      if (g_strcmp0 (impl->id, id) == 0)
        return i;
    }
  return -1;
}

static gboolean
listed (GArray *pairs, guint c, guint s)
{
  for (guint k = 0; k < pairs->len; k++)
    {
      TfPair *p = &g_array_index (pairs, TfPair, k);
      if (p->client == c && p->server == s)
        return TRUE;
    }
  return FALSE;
}

/* The sessions the issue asks for, from the implementations' own fields. */
static GHashTable *
expected_pairs (const TfEvent *event)
{
  GHashTable *want = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint c = 0; c < event->impls->len; c++)
    {
      const TfImpl *ci = g_ptr_array_index (event->impls, c);
      if (ci->role != TF_ROLE_CLIENT || !ci->entry_passed)
        continue;
      for (guint s = 0; s < event->impls->len; s++)
        {
          const TfImpl *si = g_ptr_array_index (event->impls, s);
          gboolean meet;
          if (si->role != TF_ROLE_SERVER || !si->entry_passed)
            continue;
          meet = ci->company != si->company && (ci->versions & si->versions)
                 && (ci->transports & si->transports) && (ci->security & si->security);
          if (listed (event->opt_out, c, s))
            meet = FALSE;
          if (listed (event->must_meet, c, s))
            meet = TRUE;
          if (meet)
            g_hash_table_add (want, g_strdup_printf ("%s|%s", ci->id, si->id));
        }
    }
  return want;
}

/* Slot start and end in minutes, re-derived from the [event] fields. */
static gboolean
slot_minutes (const TfEvent *event, guint slot, guint *day, guint *start, guint *end)
{
  guint n = 0;
  for (guint d = 0; d < event->days->len; d++)
    {
      guint t = event->day_start;
      while (t + event->slot_minutes <= event->day_end)
        {
          gboolean in_break = FALSE;
          for (guint b = 0; b < event->breaks->len; b += 2)
            {
              guint b0 = g_array_index (event->breaks, guint, b);
              guint b1 = g_array_index (event->breaks, guint, b + 1);
              if (t < b1 && t + event->slot_minutes > b0)
                {
                  t = b1;
                  in_break = TRUE;
                }
            }
          if (in_break)
            continue;
          if (n++ == slot)
            {
              *day = d;
              *start = t;
              *end = t + event->slot_minutes;
              return TRUE;
            }
          t += event->slot_minutes;
        }
    }
  return FALSE;
}

GPtrArray *
tf_test_checker_run (const TfEvent *event, const TfSchedule *schedule)
{
  GPtrArray *bad = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) want = expected_pairs (event);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) places = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* "team|slot" -> "impl" at work and a count */
  g_autoptr (GHashTable) team_impl
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) load = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_slots = event->slots->len;

  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      gint c = impl_by_name (event, e->client);
      gint s = impl_by_name (event, e->server);
      const TfImpl *ci, *si;
      g_autofree gchar *key = g_strdup_printf ("%s|%s", e->client, e->server);
      guint day, start, end;

      if (c < 0 || s < 0)
        {
          g_ptr_array_add (bad, g_strdup_printf ("%s: unknown implementation", key));
          continue;
        }
      ci = g_ptr_array_index (event->impls, c);
      si = g_ptr_array_index (event->impls, s);
      if (!g_hash_table_contains (want, key))
        g_ptr_array_add (bad, g_strdup_printf ("%s: not a required pairing", key));
      if (!g_hash_table_add (seen, g_strdup (key)))
        g_ptr_array_add (bad, g_strdup_printf ("%s: scheduled twice", key));
      if (e->slot < 0 || (guint)e->slot >= n_slots)
        {
          g_ptr_array_add (bad, g_strdup_printf ("%s: slot %d out of range", key, e->slot));
          continue;
        }
      if (e->table < 1 || (guint)e->table > event->n_tables)
        g_ptr_array_add (bad, g_strdup_printf ("%s: table %d out of range", key, e->table));
      if (!g_hash_table_add (places, g_strdup_printf ("t%d@%d", e->table, e->slot)))
        g_ptr_array_add (
            bad, g_strdup_printf ("%s: table %d taken twice in slot %d", key, e->table, e->slot));
      if (!g_hash_table_add (places, g_strdup_printf ("b%s@%d", e->board, e->slot)))
        g_ptr_array_add (
            bad, g_strdup_printf ("%s: board %s used twice in slot %d", key, e->board, e->slot));
      {
        gboolean own = FALSE;
        for (guint b = 0; b < ci->boards->len; b++)
          own |= g_strcmp0 (g_ptr_array_index (ci->boards, b), e->board) == 0;
        if (!own)
          g_ptr_array_add (bad,
                           g_strdup_printf ("%s: board %s is not the client's", key, e->board));
      }
      if (ci->unavailable[e->slot] || si->unavailable[e->slot])
        g_ptr_array_add (bad, g_strdup_printf ("%s: someone is absent in slot %d", key, e->slot));
      if (g_strcmp0 (e->client_company,
                     ((TfCompany *)g_ptr_array_index (event->companies, ci->company))->id)
              != 0
          || g_strcmp0 (e->server_company,
                        ((TfCompany *)g_ptr_array_index (event->companies, si->company))->id)
                 != 0)
        g_ptr_array_add (bad, g_strdup_printf ("%s: wrong company", key));
      if (slot_minutes (event, e->slot, &day, &start, &end))
        {
          const GDate *d = &g_array_index (event->days, GDate, day);
          g_autoptr (GDateTime) dt
              = g_date_time_new (event->tz, g_date_get_year (d), g_date_get_month (d),
                                 g_date_get_day (d), start / 60, start % 60, 0);
          g_autoptr (GDateTime) dt_end = g_date_time_add_minutes (dt, end - start);
          g_autofree gchar *iso = g_date_time_format_iso8601 (dt);
          g_autofree gchar *iso_end = g_date_time_format_iso8601 (dt_end);
          g_autofree gchar *got = tf_event_slot_iso (event, e->slot, FALSE);
          g_autofree gchar *got_end = tf_event_slot_iso (event, e->slot, TRUE);
          g_autoptr (GDateTime) a = g_date_time_new_from_iso8601 (got, NULL);
          g_autoptr (GDateTime) b = g_date_time_new_from_iso8601 (iso, NULL);
          g_autoptr (GDateTime) a2 = g_date_time_new_from_iso8601 (got_end, NULL);
          g_autoptr (GDateTime) b2 = g_date_time_new_from_iso8601 (iso_end, NULL);
          if (a == NULL || a2 == NULL || !g_date_time_equal (a, b) || !g_date_time_equal (a2, b2))
            g_ptr_array_add (bad, g_strdup_printf ("%s: slot %d is not %s", key, e->slot, iso));
        }
      else
        g_ptr_array_add (bad, g_strdup_printf ("%s: slot %d has no time", key, e->slot));

      /* team rule, once for each side */
      for (guint side = 0; side < 2; side++)
        {
          const TfImpl *impl = side == 0 ? ci : si;
          const TfTeam *team = g_ptr_array_index (event->teams, impl->team);
          g_autofree gchar *ts = g_strdup_printf ("%s|%d", team->id, e->slot);
          const gchar *at_work = g_hash_table_lookup (team_impl, ts);
          guint n;
          if (at_work != NULL && g_strcmp0 (at_work, impl->id) != 0)
            g_ptr_array_add (bad, g_strdup_printf ("%s: team %s also works with %s in slot %d", key,
                                                   team->id, at_work, e->slot));
          if (at_work == NULL)
            g_hash_table_insert (team_impl, g_strdup (ts), g_strdup (impl->id));
          n = GPOINTER_TO_UINT (g_hash_table_lookup (load, ts)) + 1;
          g_hash_table_insert (load, g_strdup (ts), GUINT_TO_POINTER (n));
          if (n > (impl->role == TF_ROLE_CLIENT ? 1 : impl->capacity) && at_work != NULL
              && g_strcmp0 (at_work, impl->id) == 0)
            g_ptr_array_add (
                bad, g_strdup_printf ("%s: %s over capacity in slot %d", key, impl->id, e->slot));
        }
    }
  {
    GHashTableIter iter;
    gpointer key;
    g_hash_table_iter_init (&iter, want);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        if (!g_hash_table_contains (seen, key))
          g_ptr_array_add (bad, g_strdup_printf ("%s: required pairing missing", (gchar *)key));
      }
  }
  return bad;
}

void
tf_test_assert_valid (const TfEvent *event, const TfSchedule *schedule)
{
  g_autoptr (GPtrArray) bad = tf_test_checker_run (event, schedule);
  for (guint k = 0; k < bad->len; k++)
    g_printerr ("violation: %s\n", (gchar *)g_ptr_array_index (bad, k));
  g_assert_cmpuint (bad->len, ==, 0);
}
