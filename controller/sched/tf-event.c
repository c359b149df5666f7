/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-event.h"

#include <string.h>

const gchar *const tf_event_version_names[] = { "1.0", "1.1", "1.2", NULL };
const gchar *const tf_event_transport_names[]
    = { "udp", "tcp", "sms", "nidd", "lorawan", "mqtt", "http", NULL };
const gchar *const tf_event_security_names[]
    = { "nosec", "psk", "rpk", "cert", "est", "oscore", NULL };

void
tf_person_free (TfPerson *p)
{
  g_free (p->user);
  g_free (p->name);
  g_free (p->role);
  g_free (p);
}

static void
company_free (TfCompany *company)
{
  g_free (company->id);
  g_free (company->name);
  if (company->people != NULL)
    g_ptr_array_unref (company->people);
  g_free (company);
}

GPtrArray *
tf_person_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)tf_person_free);
}

const TfPerson *
tf_event_find_person (const TfEvent *event, const gchar *who)
{
  const gchar *slash = who != NULL ? strchr (who, '/') : NULL;
  g_autofree gchar *company = NULL;
  gint c;
  const TfCompany *co;

  if (slash == NULL)
    return NULL;
  company = g_strndup (who, slash - who);
  c = tf_event_find_company (event, company);
  co = c >= 0 ? g_ptr_array_index (event->companies, c) : NULL;
  for (guint i = 0; co != NULL && co->people != NULL && i < co->people->len; i++)
    {
      const TfPerson *p = g_ptr_array_index (co->people, i);
      if (g_strcmp0 (p->user, slash + 1) == 0)
        return p;
    }
  return NULL;
}

static void
impl_free (TfImpl *impl)
{
  g_free (impl->id);
  g_free (impl->name);
  g_free (impl->version);
  g_ptr_array_unref (impl->boards);
  g_ptr_array_unref (impl->features);
  g_free (impl->unavailable);
  g_free (impl->entry_by);
  g_free (impl->image);
  g_free (impl->endpoint);
  g_free (impl->server_uri);
  g_free (impl->provision);
  g_free (impl->provision_bootstrap);
  g_free (impl->provision_queue);
  g_free (impl->provision_psk);
  g_free (impl->ets_driver);
  g_free (impl->psk_identity);
  if (impl->psk_key != NULL)
    g_bytes_unref (impl->psk_key);
  g_free (impl);
}

static void
team_free (TfTeam *team)
{
  g_free (team->id);
  g_array_unref (team->impls);
  g_free (team);
}

TfEvent *
tf_event_new (void)
{
  TfEvent *event = g_new0 (TfEvent, 1);
  event->ref_count = 1;
  event->days = g_array_new (FALSE, FALSE, sizeof (GDate));
  event->breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  event->slots = g_array_new (FALSE, FALSE, sizeof (TfSlot));
  event->companies = g_ptr_array_new_with_free_func ((GDestroyNotify)company_free);
  event->impls = g_ptr_array_new_with_free_func ((GDestroyNotify)impl_free);
  event->teams = g_ptr_array_new_with_free_func ((GDestroyNotify)team_free);
  event->boards = g_ptr_array_new_with_free_func (g_free);
  event->opt_out = g_array_new (FALSE, FALSE, sizeof (TfPair));
  event->must_meet = g_array_new (FALSE, FALSE, sizeof (TfPair));
  event->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return event;
}

TfEvent *
tf_event_ref (TfEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_atomic_int_inc (&event->ref_count);
  return event;
}

void
tf_event_unref (TfEvent *event)
{
  if (event == NULL || !g_atomic_int_dec_and_test (&event->ref_count))
    return;
  g_free (event->filename);
  g_free (event->sha256);
  g_clear_pointer (&event->lines, tf_key_lines_free);
  g_free (event->name);
  g_free (event->timezone);
  if (event->tz != NULL)
    g_time_zone_unref (event->tz);
  g_array_unref (event->days);
  g_array_unref (event->breaks);
  g_array_unref (event->slots);
  g_ptr_array_unref (event->companies);
  g_ptr_array_unref (event->impls);
  g_ptr_array_unref (event->teams);
  g_ptr_array_unref (event->boards);
  g_array_unref (event->opt_out);
  g_array_unref (event->must_meet);
  g_hash_table_unref (event->index);
  g_free (event);
}

void
tf_event_index_add (TfEvent *event, const gchar *kind, const gchar *id, guint idx)
{
  g_hash_table_insert (event->index, g_strdup_printf ("%s:%s", kind, id),
                       GUINT_TO_POINTER (idx + 1));
}

gint
tf_event_index_lookup (const TfEvent *event, const gchar *kind, const gchar *id)
{
  g_autofree gchar *key = NULL;
  if (id == NULL)
    return -1;
  key = g_strdup_printf ("%s:%s", kind, id);
  return (gint)GPOINTER_TO_UINT (g_hash_table_lookup (event->index, key)) - 1;
}

guint
tf_event_n_slots (const TfEvent *event)
{
  return event->slots->len;
}

const TfImpl *
tf_event_impl (const TfEvent *event, guint impl)
{
  return g_ptr_array_index (event->impls, impl);
}

const TfTeam *
tf_event_team (const TfEvent *event, guint team)
{
  return g_ptr_array_index (event->teams, team);
}

gint
tf_event_find_impl (const TfEvent *event, const gchar *id)
{
  return tf_event_index_lookup (event, "implementation", id);
}

gint
tf_event_find_company (const TfEvent *event, const gchar *id)
{
  return tf_event_index_lookup (event, "company", id);
}

gint
tf_event_find_team (const TfEvent *event, const gchar *id)
{
  return tf_event_index_lookup (event, "team", id);
}

gint
tf_event_find_board (const TfEvent *event, const gchar *id)
{
  return tf_event_index_lookup (event, "board", id);
}

gboolean
tf_event_available (const TfEvent *event, guint impl, guint slot)
{
  const TfImpl *i = tf_event_impl (event, impl);
  return slot < event->slots->len && !i->unavailable[slot];
}

const gchar *
tf_event_company_id_of (const TfEvent *event, guint impl)
{
  const TfImpl *i = tf_event_impl (event, impl);
  const TfCompany *c = g_ptr_array_index (event->companies, i->company);
  return c->id;
}

static GDateTime *
slot_time (const TfEvent *event, guint slot, gboolean end)
{
  const TfSlot *s = &g_array_index (event->slots, TfSlot, slot);
  const GDate *d = &g_array_index (event->days, GDate, s->day);
  guint min = end ? s->end_min : s->start_min;
  GDate day = *d;

  /* a day that ends at 24:00 ends at the next day's 00:00 (GDateTime has no hour 24) */
  if (min >= 24 * 60)
    {
      g_date_add_days (&day, min / (24 * 60));
      min %= 24 * 60;
    }
  return g_date_time_new (event->tz, g_date_get_year (&day), g_date_get_month (&day),
                          g_date_get_day (&day), min / 60, min % 60, 0);
}

/**
 * tf_event_slot_start:
 * Returns: (transfer full): the wall-clock start of @slot in the event's zone.
 */
GDateTime *
tf_event_slot_start (const TfEvent *event, guint slot)
{
  g_return_val_if_fail (slot < event->slots->len, NULL);
  return slot_time (event, slot, FALSE);
}

GDateTime *
tf_event_slot_end (const TfEvent *event, guint slot)
{
  g_return_val_if_fail (slot < event->slots->len, NULL);
  return slot_time (event, slot, TRUE);
}

/* ISO 8601 with the zone offset, e.g. 2025-10-14T09:00:00+02:00. */
gchar *
tf_event_slot_iso (const TfEvent *event, guint slot, gboolean end)
{
  g_autoptr (GDateTime) dt = NULL;
  if (slot >= event->slots->len)
    return NULL;
  dt = slot_time (event, slot, end);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z");
}

/* "Tue 2025-10-14 09:00-10:30" */
gchar *
tf_event_slot_label (const TfEvent *event, guint slot)
{
  const TfSlot *s = &g_array_index (event->slots, TfSlot, slot);
  g_autoptr (GDateTime) dt = slot_time (event, slot, FALSE);
  g_autofree gchar *day = g_date_time_format (dt, "%a %Y-%m-%d");
  return g_strdup_printf ("%s %02u:%02u-%02u:%02u", day, s->start_min / 60, s->start_min % 60,
                          s->end_min / 60, s->end_min % 60);
}

const gchar *
tf_role_to_string (TfRole role)
{
  return role == TF_ROLE_CLIENT ? "client" : "server";
}
