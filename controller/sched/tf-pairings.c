/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-error.h"
#include "tf-pairings.h"

void
tf_pairings_free (TfPairings *pairings)
{
  g_array_unref (pairings->pairs);
  g_array_unref (pairings->must_meet);
  g_ptr_array_unref (pairings->notes);
  g_free (pairings);
}

/* Same enabler version, transport and security mode at least once each. */
gboolean
tf_pairings_compatible (const TfEvent *event, guint client, guint server)
{
  const TfImpl *c = tf_event_impl (event, client);
  const TfImpl *s = tf_event_impl (event, server);
  return c->company != s->company && (c->versions & s->versions) != 0
         && (c->transports & s->transports) != 0 && (c->security & s->security) != 0;
}

gchar *
tf_pairing_id (const TfEvent *event, guint client, guint server)
{
  return g_strdup_printf ("%s--%s", tf_event_impl (event, client)->id,
                          tf_event_impl (event, server)->id);
}

static gboolean
pair_listed (GArray *list, guint client, guint server)
{
  for (guint i = 0; i < list->len; i++)
    {
      TfPair *p = &g_array_index (list, TfPair, i);
      if (p->client == client && p->server == server)
        return TRUE;
    }
  return FALSE;
}

/**
 * tf_pairings_list:
 *
 * Every client meets every compatible server of another company, plus the
 * must-meet pairs, minus the opt-outs; implementations that have not passed
 * the entry criteria are left out (and noted).
 */
TfPairings *
tf_pairings_list (const TfEvent *event)
{
  g_autoptr (TfPairings) pairings = g_new0 (TfPairings, 1);
  pairings->pairs = g_array_new (FALSE, FALSE, sizeof (TfPair));
  pairings->must_meet = g_array_new (FALSE, FALSE, sizeof (gboolean));
  pairings->notes = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = tf_event_impl (event, i);
      if (!impl->entry_passed)
        g_ptr_array_add (pairings->notes,
                         g_strdup_printf ("%s %s is left out: entry criteria not passed",
                                          tf_role_to_string (impl->role), impl->id));
    }
  for (guint i = 0; i < event->must_meet->len; i++)
    {
      TfPair *m = &g_array_index (event->must_meet, TfPair, i);
      const TfImpl *c = tf_event_impl (event, m->client);
      const TfImpl *s = tf_event_impl (event, m->server);
      if (!c->entry_passed || !s->entry_passed)
        g_ptr_array_add (pairings->notes,
                         g_strdup_printf ("must-meet %s:%s is dropped: %s has not passed the "
                                          "entry criteria",
                                          c->id, s->id, !c->entry_passed ? c->id : s->id));
    }
  for (guint c = 0; c < event->impls->len; c++)
    {
      const TfImpl *ci = tf_event_impl (event, c);
      if (ci->role != TF_ROLE_CLIENT || !ci->entry_passed)
        continue;
      for (guint s = 0; s < event->impls->len; s++)
        {
          const TfImpl *si = tf_event_impl (event, s);
          gboolean must;
          if (si->role != TF_ROLE_SERVER || !si->entry_passed)
            continue;
          must = pair_listed (event->must_meet, c, s);
          if (!must
              && (!tf_pairings_compatible (event, c, s) || pair_listed (event->opt_out, c, s)))
            continue;
          {
            TfPair pair = { c, s };
            g_array_append_val (pairings->pairs, pair);
            g_array_append_val (pairings->must_meet, must);
          }
        }
    }
  return g_steal_pointer (&pairings);
}

/**
 * tf_pairings_compute:
 *
 * tf_pairings_list(), refused with %TF_ERROR_INFEASIBLE (one line per reason,
 * naming who is involved) when no timetable can hold it.
 */
TfPairings *
tf_pairings_compute (const TfEvent *event, GError **error)
{
  g_autoptr (TfPairings) pairings = tf_pairings_list (event);
  if (!tf_pairings_check_feasible (event, pairings, error))
    return NULL;
  return g_steal_pointer (&pairings);
}

static guint
count_available (const TfEvent *event, guint impl)
{
  guint n = 0;
  for (guint s = 0; s < event->slots->len; s++)
    n += tf_event_available (event, impl, s);
  return n;
}

/* A team gives each of its slots to one implementation; it is available in a
 * slot when any of its implementations is. */
static guint
team_available (const TfEvent *event, const TfTeam *team)
{
  guint n = 0;
  for (guint s = 0; s < event->slots->len; s++)
    {
      for (guint k = 0; k < team->impls->len; k++)
        {
          if (tf_event_available (event, g_array_index (team->impls, guint, k), s))
            {
              n++;
              break;
            }
        }
    }
  return n;
}

/**
 * tf_pairings_check_feasible:
 *
 * Necessary conditions for a timetable to exist; each failing one becomes a
 * line of the error message, naming the implementations involved.
 */
gboolean
tf_pairings_check_feasible (const TfEvent *event, const TfPairings *pairings, GError **error)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint *sessions = g_new0 (guint, event->impls->len);
  guint n_slots = event->slots->len;
  guint places = n_slots * event->n_tables;

  for (guint i = 0; i < pairings->pairs->len; i++)
    {
      TfPair *p = &g_array_index (pairings->pairs, TfPair, i);
      gboolean common = FALSE;
      sessions[p->client]++;
      sessions[p->server]++;
      for (guint s = 0; s < n_slots && !common; s++)
        common
            = tf_event_available (event, p->client, s) && tf_event_available (event, p->server, s);
      if (!common)
        g_ptr_array_add (problems,
                         g_strdup_printf ("%s and %s are never available in the same slot",
                                          tf_event_impl (event, p->client)->id,
                                          tf_event_impl (event, p->server)->id));
    }
  for (guint i = 0; i < event->impls->len; i++)
    {
      const TfImpl *impl = tf_event_impl (event, i);
      guint avail = count_available (event, i);
      if (sessions[i] == 0)
        continue;
      if (impl->role == TF_ROLE_CLIENT && impl->boards->len == 0)
        {
          g_autoptr (GString) with = g_string_new (NULL);
          for (guint k = 0; k < pairings->pairs->len; k++)
            {
              TfPair *p = &g_array_index (pairings->pairs, TfPair, k);
              if (p->client == i)
                g_string_append_printf (with, "%s%s", with->len > 0 ? ", " : "",
                                        tf_event_impl (event, p->server)->id);
            }
          g_ptr_array_add (problems, g_strdup_printf ("client %s has no board for its sessions "
                                                      "with %s",
                                                      impl->id, with->str));
        }
      if (sessions[i] > avail * impl->capacity)
        {
          if (impl->capacity == 1)
            g_ptr_array_add (problems,
                             g_strdup_printf ("%s has %u sessions but is available in only %u "
                                              "slots",
                                              impl->id, sessions[i], avail));
          else
            g_ptr_array_add (problems,
                             g_strdup_printf ("%s has %u sessions but is available in only %u "
                                              "slots x capacity %u = %u",
                                              impl->id, sessions[i], avail, impl->capacity,
                                              avail * impl->capacity));
        }
    }
  for (guint t = 0; t < event->teams->len; t++)
    {
      const TfTeam *team = tf_event_team (event, t);
      guint need = 0, avail;
      g_autoptr (GString) parts = g_string_new (NULL);
      if (team->impls->len < 2)
        continue;
      for (guint k = 0; k < team->impls->len; k++)
        {
          guint i = g_array_index (team->impls, guint, k);
          const TfImpl *impl = tf_event_impl (event, i);
          guint n = (sessions[i] + impl->capacity - 1) / impl->capacity;
          need += n;
          g_string_append_printf (parts, "%s%s: %u", parts->len > 0 ? ", " : "", impl->id, n);
        }
      avail = team_available (event, team);
      if (need > avail)
        g_ptr_array_add (problems,
                         g_strdup_printf ("team %s needs %u slots (%s) but is available in only %u",
                                          team->id, need, parts->str, avail));
    }
  for (guint b = 0; b < event->boards->len; b++)
    {
      const gchar *board = g_ptr_array_index (event->boards, b);
      guint need = 0, n_clients = 0;
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < event->impls->len; i++)
        {
          const TfImpl *impl = tf_event_impl (event, i);
          if (impl->boards->len != 1 || g_strcmp0 (g_ptr_array_index (impl->boards, 0), board) != 0)
            continue;
          need += sessions[i];
          n_clients++;
          g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", impl->id);
        }
      /* one client alone is already judged above */
      if (n_clients > 1 && need > n_slots)
        g_ptr_array_add (problems,
                         g_strdup_printf ("board %s is the only board of %s, whose %u sessions do "
                                          "not fit in the event's %u slots",
                                          board, names->str, need, n_slots));
    }
  if (pairings->pairs->len > places)
    g_ptr_array_add (problems,
                     g_strdup_printf ("%u sessions do not fit in %u slots x %u tables = %u places",
                                      pairings->pairs->len, n_slots, event->n_tables, places));
  if (problems->len > 0)
    {
      g_autofree gchar *joined = NULL;
      g_ptr_array_add (problems, NULL);
      joined = g_strjoinv ("\ninfeasible: ", (gchar **)problems->pdata);
      g_set_error (error, TF_ERROR, TF_ERROR_INFEASIBLE, "infeasible: %s", joined);
      return FALSE;
    }
  return TRUE;
}
