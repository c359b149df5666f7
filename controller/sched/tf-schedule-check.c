/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-pairings.h"
#include "tf-schedule.h"

/* Judges any schedule, ours or hand-made, against its event: every broken
 * rule is one message, so staff can fix a hand-edited agenda in one go. */

typedef struct
{
  const TfEvent *event;
  GPtrArray *problems;
} Checker;

static void G_GNUC_PRINTF (2, 3) problem (Checker *ck, const gchar *format, ...)
{
  va_list args;
  va_start (args, format);
  g_ptr_array_add (ck->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

static gboolean
same_instant (const gchar *iso, GDateTime *want)
{
  g_autoptr (GDateTime) got = g_date_time_new_from_iso8601 (iso, NULL);
  return got != NULL && g_date_time_equal (got, want);
}

/* Checks one session alone; FALSE when it cannot take part in the per-slot
 * checks (unknown names, no slot). */
static gboolean
check_entry (Checker *ck, const TfScheduleEntry *e)
{
  const TfEvent *event = ck->event;
  guint n_slots = event->slots->len;
  const TfImpl *c = e->c >= 0 ? tf_event_impl (event, e->c) : NULL;
  const TfImpl *s = e->s >= 0 ? tf_event_impl (event, e->s) : NULL;
  gboolean usable = TRUE;

  if (c == NULL)
    problem (ck, "session %s: unknown client implementation '%s'", e->id, e->client);
  else if (c->role != TF_ROLE_CLIENT)
    problem (ck, "session %s: '%s' is not a client", e->id, e->client);
  if (s == NULL)
    problem (ck, "session %s: unknown server implementation '%s'", e->id, e->server);
  else if (s->role != TF_ROLE_SERVER)
    problem (ck, "session %s: '%s' is not a server", e->id, e->server);
  if (c == NULL || s == NULL || c->role != TF_ROLE_CLIENT || s->role != TF_ROLE_SERVER)
    usable = FALSE;
  if (c != NULL && e->client_company != NULL
      && g_strcmp0 (e->client_company, tf_event_company_id_of (event, e->c)) != 0)
    problem (ck, "session %s: %s is of company %s, not %s", e->id, e->client,
             tf_event_company_id_of (event, e->c), e->client_company);
  if (s != NULL && e->server_company != NULL
      && g_strcmp0 (e->server_company, tf_event_company_id_of (event, e->s)) != 0)
    problem (ck, "session %s: %s is of company %s, not %s", e->id, e->server,
             tf_event_company_id_of (event, e->s), e->server_company);

  if (e->slot < 0 || (guint)e->slot >= n_slots)
    {
      problem (ck, "session %s: slot %d is outside the event (0 to %u)", e->id, e->slot,
               n_slots - 1);
      return FALSE;
    }
  if (e->start != NULL)
    {
      g_autoptr (GDateTime) want = tf_event_slot_start (event, e->slot);
      if (!same_instant (e->start, want))
        {
          g_autofree gchar *iso = tf_event_slot_iso (event, e->slot, FALSE);
          problem (ck, "session %s: start %s is not the start of slot %d (%s)", e->id, e->start,
                   e->slot, iso);
        }
    }
  /* times are optional in a hand-made schedule, but half a time is a broken
   * export (an "end": null from a day ending at 24:00 was one) */
  if ((e->start == NULL) != (e->end == NULL))
    problem (ck, "session %s: %s time without %s time", e->id, e->start ? "a start" : "an end",
             e->start ? "an end" : "a start");
  if (e->end != NULL)
    {
      g_autoptr (GDateTime) want = tf_event_slot_end (event, e->slot);
      if (!same_instant (e->end, want))
        {
          g_autofree gchar *iso = tf_event_slot_iso (event, e->slot, TRUE);
          problem (ck, "session %s: end %s is not the end of slot %d (%s)", e->id, e->end, e->slot,
                   iso);
        }
    }
  if (e->table < 1 || (guint)e->table > event->n_tables)
    problem (ck, "session %s: table %d is outside 1 to %u", e->id, e->table, event->n_tables);
  if (e->board == NULL)
    problem (ck, "session %s: no board", e->id);
  else if (c != NULL)
    {
      gboolean own = FALSE;
      for (guint k = 0; k < c->boards->len; k++)
        own |= g_strcmp0 (g_ptr_array_index (c->boards, k), e->board) == 0;
      if (!own)
        problem (ck, "session %s: board %s is not one of %s's boards", e->id, e->board, c->id);
    }
  if (c != NULL && !tf_event_available (event, e->c, e->slot))
    problem (ck, "session %s: %s is unavailable in slot %d", e->id, c->id, e->slot);
  if (s != NULL && !tf_event_available (event, e->s, e->slot))
    problem (ck, "session %s: %s is unavailable in slot %d", e->id, s->id, e->slot);
  return usable;
}

static void
check_pairings (Checker *ck, const TfSchedule *schedule)
{
  const TfEvent *event = ck->event;
  g_autoptr (TfPairings) pairings = tf_pairings_list (event);
  g_autoptr (GHashTable) count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) required = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint k = 0; k < pairings->pairs->len; k++)
    {
      TfPair *p = &g_array_index (pairings->pairs, TfPair, k);
      g_hash_table_add (required, tf_pairing_id (event, p->client, p->server));
    }
  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      g_autofree gchar *id = g_strdup_printf ("%s--%s", e->client, e->server);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (count, id)) + 1;
      g_hash_table_insert (count, g_strdup (id), GUINT_TO_POINTER (n));
      if (n == 2)
        problem (ck, "pairing %s is scheduled more than once", id);
      if (n == 1 && e->c >= 0 && e->s >= 0 && !g_hash_table_contains (required, id))
        problem (ck,
                 "session %s: %s and %s need not meet (same company, incompatible, "
                 "opted out or left out)",
                 e->id, e->client, e->server);
    }
  for (guint k = 0; k < pairings->pairs->len; k++)
    {
      TfPair *p = &g_array_index (pairings->pairs, TfPair, k);
      g_autofree gchar *id = tf_pairing_id (event, p->client, p->server);
      if (!g_hash_table_contains (count, id))
        problem (ck, "pairing %s is missing", id);
    }
}

/* Per slot: tables, boards, teams and capacities. */
static void
check_slot (Checker *ck, GPtrArray *in_slot, guint slot)
{
  const TfEvent *event = ck->event;
  if (in_slot->len > event->n_tables)
    problem (ck, "slot %u: %u sessions for %u tables", slot, in_slot->len, event->n_tables);
  for (guint a = 0; a < in_slot->len; a++)
    {
      TfScheduleEntry *x = g_ptr_array_index (in_slot, a);
      for (guint b = a + 1; b < in_slot->len; b++)
        {
          TfScheduleEntry *y = g_ptr_array_index (in_slot, b);
          if (x->table == y->table)
            problem (ck, "slot %u: sessions %s and %s share table %d", slot, x->id, y->id,
                     x->table);
          if (x->board != NULL && g_strcmp0 (x->board, y->board) == 0)
            problem (ck, "slot %u: sessions %s and %s share board %s", slot, x->id, y->id,
                     x->board);
        }
    }
  for (guint t = 0; t < event->teams->len; t++)
    {
      const TfTeam *team = tf_event_team (event, t);
      g_autofree guint *n = g_new0 (guint, team->impls->len);
      g_autoptr (GString) at_work = g_string_new (NULL);
      guint n_impls = 0;
      for (guint a = 0; a < in_slot->len; a++)
        {
          TfScheduleEntry *x = g_ptr_array_index (in_slot, a);
          for (guint k = 0; k < team->impls->len; k++)
            {
              gint i = g_array_index (team->impls, guint, k);
              if (x->c == i || x->s == i)
                n[k]++;
            }
        }
      for (guint k = 0; k < team->impls->len; k++)
        {
          const TfImpl *impl = tf_event_impl (event, g_array_index (team->impls, guint, k));
          if (n[k] == 0)
            continue;
          n_impls++;
          g_string_append_printf (at_work, "%s%s", at_work->len > 0 ? ", " : "", impl->id);
          if (n[k] > impl->capacity)
            problem (ck, "slot %u: %s is in %u sessions, more than its capacity %u", slot, impl->id,
                     n[k], impl->capacity);
        }
      if (n_impls > 1)
        problem (ck, "slot %u: team %s works with %s at once", slot, team->id, at_work->str);
    }
}

/**
 * tf_schedule_check:
 *
 * Returns: (transfer full): a message for every broken rule; empty when the
 * schedule is valid for @event.
 */
GPtrArray *
tf_schedule_check (const TfEvent *event, const TfSchedule *schedule)
{
  Checker ck = { event, g_ptr_array_new_with_free_func (g_free) };
  guint n_slots = event->slots->len;
  g_autofree GPtrArray **slots = g_new0 (GPtrArray *, n_slots + 1);

  for (guint k = 0; k < schedule->entries->len; k++)
    {
      TfScheduleEntry *e = g_ptr_array_index (schedule->entries, k);
      if (!check_entry (&ck, e))
        continue;
      if (slots[e->slot] == NULL)
        slots[e->slot] = g_ptr_array_new ();
      g_ptr_array_add (slots[e->slot], e);
    }
  check_pairings (&ck, schedule);
  for (guint s = 0; s < n_slots; s++)
    {
      if (slots[s] == NULL)
        continue;
      check_slot (&ck, slots[s], s);
      g_ptr_array_unref (slots[s]);
    }
  return ck.problems;
}
