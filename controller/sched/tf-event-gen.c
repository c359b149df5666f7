/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <string.h>

#include "tf-event-gen.h"

#define SLOTS_PER_DAY 8 /* 09:00-18:00 in hours, lunch 12:00-13:00 */

void
tf_event_gen_params_init (TfEventGenParams *p, guint n_clients, guint n_servers, guint32 seed,
                          gboolean bipartite)
{
  memset (p, 0, sizeof (*p));
  p->n_clients = n_clients;
  p->n_servers = n_servers;
  p->seed = seed;
  p->bipartite = bipartite;
  p->p_capacity = 0.25;
  p->p_opt_out = 0.05;
  p->p_must_meet = 0.05;
  p->p_spare_board = 0.2;
  p->p_excluded = 0.03;
  if (!bipartite)
    {
      p->p_shared_team = 0.25;
      p->p_absent = 0.2;
      p->p_shared_board = 0.1;
    }
}

typedef struct
{
  gchar *id;
  guint company;
  gboolean client;
  gchar *team;
  guint versions, transports, security;
} Gen;

static gboolean
chance (GRand *rand, gdouble p)
{
  return g_rand_double (rand) < p;
}

static void
append_bits (GString *str, const gchar *key, const gchar *const *names, guint bits)
{
  gboolean first = TRUE;
  g_string_append_printf (str, "%s=", key);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (bits & (1u << i))
        {
          g_string_append_printf (str, "%s%s", first ? "" : ";", names[i]);
          first = FALSE;
        }
    }
  g_string_append_c (str, '\n');
}

static const gchar *const versions[] = { "1.0", "1.1", "1.2", NULL };
static const gchar *const transports[] = { "udp", "tcp", NULL };
static const gchar *const security[] = { "nosec", "psk", "cert", NULL };

/**
 * tf_event_gen:
 *
 * Returns: (transfer full): an event file; enough days are given for every
 * timetable the parameters can produce.
 */
gchar *
tf_event_gen (const TfEventGenParams *p)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (p->seed);
  g_autoptr (GString) str = g_string_new (NULL);
  guint n_impls = p->n_clients + p->n_servers;
  guint n_companies = p->n_companies ? p->n_companies : MAX (2, n_impls / 3);
  g_autofree Gen *impls = g_new0 (Gen, n_impls);
  guint n_days, n_slots, tables, need;
  GDate date;

  for (guint i = 0; i < n_impls; i++)
    {
      Gen *g = &impls[i];
      g->client = i < p->n_clients;
      g->id = g->client ? g_strdup_printf ("c%u", i) : g_strdup_printf ("s%u", i - p->n_clients);
      g->company = g_rand_int_range (rand, 0, n_companies);
      g->team = g_strdup (g->id);
      g->versions = 2 | (chance (rand, 0.4) ? 1 : 0) | (chance (rand, 0.4) ? 4 : 0);
      if (chance (rand, 0.15))
        g->versions = chance (rand, 0.5) ? 1 : 4;
      g->transports = chance (rand, 0.9) ? 1 | (chance (rand, 0.3) ? 2 : 0) : 2;
      g->security = chance (rand, 0.85) ? 1 | (chance (rand, 0.5) ? 2 : 0) : 2 | 4;
      if (!p->bipartite && i > 0 && chance (rand, p->p_shared_team))
        {
          /* join the team of an earlier implementation, teams of three at most */
          guint j = g_rand_int_range (rand, 0, i);
          guint members = 0;
          for (guint k = 0; k < i; k++)
            members += g_strcmp0 (impls[k].team, impls[j].team) == 0;
          if (members < 3)
            {
              if (!g_str_has_prefix (impls[j].team, "team-"))
                {
                  g_free (impls[j].team);
                  impls[j].team = g_strdup_printf ("team-%s", impls[j].id);
                }
              g->company = impls[j].company;
              g_free (g->team);
              g->team = g_strdup (impls[j].team);
            }
        }
    }

  /* enough slots for the busiest team even when teams merge, plus slack */
  need = MAX (p->n_clients, p->n_servers) * (p->bipartite ? 1 : 2) + 4;
  tables = p->tables ? p->tables : (guint)(p->n_servers * g_rand_double_range (rand, 0.5, 1.3));
  tables = MAX (tables, 1);
  need = MAX (need, (p->n_clients * p->n_servers) / tables + 2);
  n_days = (need * 3 / 2 + SLOTS_PER_DAY - 1) / SLOTS_PER_DAY + 1;
  n_slots = n_days * SLOTS_PER_DAY;

  g_string_append_printf (str, "[event]\nname=Generated TestFest %u\ndays=", p->seed);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, 6, 10, 2025);
  for (guint d = 0; d < n_days; d++)
    {
      gchar buf[16];
      g_date_strftime (buf, sizeof (buf), "%Y-%m-%d", &date);
      g_string_append_printf (str, "%s%s", d > 0 ? ";" : "", buf);
      g_date_add_days (&date, 1);
    }
  g_string_append_printf (str,
                          "\ntimezone=Europe/Paris\nslot-minutes=60\nday-start=09:00\n"
                          "day-end=18:00\nbreaks=12:00-13:00\ntables=%u\n\n",
                          tables);
  for (guint c = 0; c < n_companies; c++)
    g_string_append_printf (str, "[company co%u]\nname=Company %u\n\n", c, c);

  for (guint i = 0; i < n_impls; i++)
    {
      Gen *g = &impls[i];
      g_string_append_printf (str, "[implementation %s]\ncompany=co%u\nrole=%s\n", g->id,
                              g->company, g->client ? "client" : "server");
      append_bits (str, "versions", versions, g->versions);
      append_bits (str, "transports", transports, g->transports);
      append_bits (str, "security", security, g->security);
      if (g_strcmp0 (g->team, g->id) != 0)
        g_string_append_printf (str, "team=%s\n", g->team);
      if (!g->client && chance (rand, p->p_capacity))
        g_string_append_printf (str, "capacity=%u\n", g_rand_int_range (rand, 2, 4));
      if (g->client)
        {
          guint shared = i;
          if (!p->bipartite && chance (rand, p->p_shared_board))
            {
              for (guint j = 0; j < i; j++)
                {
                  if (impls[j].company == g->company)
                    shared = j;
                }
            }
          g_string_append_printf (str, "boards=board-%u", shared);
          if (chance (rand, p->p_spare_board))
            g_string_append_printf (str, ";board-%u-spare", i);
          g_string_append_c (str, '\n');
        }
      g_string_append (str, "features=bootstrap;registration\n");
      if (!p->bipartite && chance (rand, p->p_absent))
        {
          guint len = 1 + g_rand_int_range (rand, 0, MAX (1, n_slots / 8));
          guint kind = g_rand_int_range (rand, 0, 4);
          if (kind == 0)
            g_string_append_printf (str, "unavailable=0-%u\n", len - 1);
          else if (kind == 1)
            g_string_append_printf (str, "unavailable=%u-%u\n", n_slots - len, n_slots - 1);
          else if (kind == 2)
            {
              guint a = g_rand_int_range (rand, 0, n_slots - len);
              g_string_append_printf (str, "unavailable=%u;%u-%u\n", a, a, a + len - 1);
            }
          else
            g_string_append (str, "unavailable=2025-10-06 09:00-12:00\n");
        }
      if (chance (rand, p->p_excluded))
        g_string_append (str, "entry-criteria=no\n\n");
      else
        g_string_append (str, "entry-criteria=yes\nentry-criteria-by=OMA staff\n\n");
    }

  {
    g_autoptr (GString) opt = g_string_new (NULL);
    g_autoptr (GString) must = g_string_new (NULL);
    for (guint c = 0; c < p->n_clients; c++)
      {
        for (guint s = p->n_clients; s < n_impls; s++)
          {
            Gen *a = &impls[c], *b = &impls[s];
            gboolean compat = (a->versions & b->versions) && (a->transports & b->transports)
                              && (a->security & b->security);
            GString *to = NULL;
            if (a->company == b->company)
              continue;
            if (compat && chance (rand, p->p_opt_out))
              to = opt;
            else if (!compat && chance (rand, p->p_must_meet))
              to = must;
            if (to != NULL)
              g_string_append_printf (to, "%s%s:%s", to->len > 0 ? ";" : "", a->id, b->id);
          }
      }
    g_string_append_printf (str, "[pairs]\nopt-out=%s\nmust-meet=%s\n", opt->str, must->str);
  }
  for (guint i = 0; i < n_impls; i++)
    {
      g_free (impls[i].id);
      g_free (impls[i].team);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}
