/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-event.h"
#include "tf-event-loader.h"

/* The event file loader: every rejection names FILE:LINE, group and key. */

static const gchar *const event_keys[]
    = { "name",    "days",   "timezone", "slot-minutes",         "day-start",
        "day-end", "breaks", "tables",   "allow-anonymous-read", NULL };
static const gchar *const company_keys[] = { "name", "listing-consent", "people", NULL };
static const gchar *const impl_keys[] = { "name",
                                          "company",
                                          "role",
                                          "versions",
                                          "transports",
                                          "security",
                                          "team",
                                          "capacity",
                                          "boards",
                                          "features",
                                          "unavailable",
                                          "entry-criteria",
                                          "entry-criteria-by",
                                          "image",
                                          "endpoint",
                                          "server-uri",
                                          "provision",
                                          "provision-bootstrap",
                                          "provision-queue",
                                          "provision-psk",
                                          "ets-driver",
                                          "version",
                                          "psk-identity",
                                          "psk-key-file",
                                          "psk-key",
                                          NULL };
static const gchar *const pairs_keys[] = { "opt-out", "must-meet", NULL };

gboolean
tf_loader_valid_id (const gchar *id)
{
  if (id == NULL || id[0] == '\0')
    return FALSE;
  for (const gchar *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
        return FALSE;
    }
  return TRUE;
}

gboolean
tf_loader_has_key (Loader *ld, const gchar *group, const gchar *key)
{
  return g_key_file_has_key (ld->kf, group, key, NULL);
}

/* A required or optional string value, stripped; NULL when absent. */
gboolean
tf_loader_get_string (Loader *ld, const gchar *group, const gchar *key, gboolean required,
                      gchar **out, GError **error)
{
  g_autoptr (GError) error_local = NULL;
  g_autofree gchar *value = NULL;
  if (!tf_loader_has_key (ld, group, key))
    {
      if (required)
        return tf_key_lines_fail (ld->lines, error, group, key, "missing");
      *out = NULL;
      return TRUE;
    }
  value = g_key_file_get_string (ld->kf, group, key, &error_local);
  if (value == NULL)
    return tf_key_lines_fail (ld->lines, error, group, key, "%s", error_local->message);
  g_strstrip (value);
  if (value[0] == '\0')
    return tf_key_lines_fail (ld->lines, error, group, key, "empty value");
  *out = g_steal_pointer (&value);
  return TRUE;
}

/* A ';'-separated list, items stripped, empty items dropped. */
GPtrArray *
tf_loader_get_list (Loader *ld, const gchar *group, const gchar *key)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) raw = g_key_file_get_string_list (ld->kf, group, key, NULL, NULL);
  for (guint i = 0; raw != NULL && raw[i] != NULL; i++)
    {
      gchar *item = g_strstrip (g_strdup (raw[i]));
      if (item[0] == '\0')
        g_free (item);
      else
        g_ptr_array_add (items, item);
    }
  return items;
}

gboolean
tf_loader_get_uint (Loader *ld, const gchar *group, const gchar *key, guint64 min, guint64 max,
                    gboolean required, guint *out, GError **error)
{
  g_autofree gchar *value = NULL;
  guint64 v = 0;
  if (!tf_loader_get_string (ld, group, key, required, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
    return tf_key_lines_fail (ld->lines, error, group, key,
                              "'%s' is not a whole number from %" G_GUINT64_FORMAT
                              " to %" G_GUINT64_FORMAT,
                              value, min, max);
  *out = (guint)v;
  return TRUE;
}

/* A list of names, each one of @names, into a bit set. */
static gboolean
parse_bits (Loader *ld, const gchar *group, const gchar *key, const gchar *const *names,
            guint *bits, GError **error)
{
  g_autoptr (GPtrArray) items = NULL;
  if (!tf_loader_has_key (ld, group, key))
    return tf_key_lines_fail (ld->lines, error, group, key, "missing");
  items = tf_loader_get_list (ld, group, key);
  if (items->len == 0)
    return tf_key_lines_fail (ld->lines, error, group, key, "names none");
  *bits = 0;
  for (guint i = 0; i < items->len; i++)
    {
      const gchar *item = g_ptr_array_index (items, i);
      gboolean found = FALSE;
      for (guint n = 0; names[n] != NULL; n++)
        {
          if (g_ascii_strcasecmp (item, names[n]) == 0)
            {
              *bits |= 1u << n;
              found = TRUE;
            }
        }
      if (!found)
        {
          g_autofree gchar *all = g_strjoinv (", ", (gchar **)names);
          return tf_key_lines_fail (ld->lines, error, group, key, "unknown value '%s' (one of %s)",
                                    item, all);
        }
    }
  return TRUE;
}

/* Groups known by their first word; keys known per kind of group. */
static gboolean
check_structure (Loader *ld, GError **error)
{
  for (guint g = 0; g < ld->lines->group_order->len; g++)
    {
      const gchar *group = g_ptr_array_index (ld->lines->group_order, g);
      const gchar *const *known = NULL;
      g_auto (GStrv) keys = NULL;
      if (g_strcmp0 (group, "event") == 0)
        known = event_keys;
      else if (g_strcmp0 (group, "pairs") == 0)
        known = pairs_keys;
      else if (g_str_has_prefix (group, "company "))
        known = company_keys;
      else if (g_str_has_prefix (group, "implementation "))
        known = impl_keys;
      else
        return tf_key_lines_fail (ld->lines, error, group, NULL,
                                  "unknown group (expected [event], [company ID], "
                                  "[implementation ID] or [pairs])");
      if (known == company_keys || known == impl_keys)
        {
          const gchar *id = strchr (group, ' ') + 1;
          if (!tf_loader_valid_id (id))
            return tf_key_lines_fail (ld->lines, error, group, NULL,
                                      "invalid id '%s' (letters, digits, '.', '_', '-')", id);
        }
      keys = g_key_file_get_keys (ld->kf, group, NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          if (!g_strv_contains (known, keys[k]))
            return tf_key_lines_fail (ld->lines, error, group, keys[k], "unknown key");
        }
    }
  return TRUE;
}

/* A person entry "USER: Full Name, Role" (the role optional); NULL if malformed. */
static TfPerson *
person_parse (const gchar *text)
{
  const gchar *colon = strchr (text, ':');
  g_autofree gchar *user = NULL, *rest = NULL;
  gchar *comma;
  TfPerson *p;

  if (colon == NULL)
    return NULL;
  user = g_strstrip (g_strndup (text, colon - text));
  rest = g_strstrip (g_strdup (colon + 1));
  if (!tf_loader_valid_id (user) || *rest == '\0')
    return NULL;
  p = g_new0 (TfPerson, 1);
  comma = strchr (rest, ',');
  if (comma != NULL)
    {
      *comma = '\0';
      p->role = g_strstrip (g_strdup (comma + 1));
      if (*p->role == '\0')
        g_clear_pointer (&p->role, g_free);
    }
  p->user = g_steal_pointer (&user);
  p->name = g_strstrip (g_strdup (rest));
  if (*p->name == '\0')
    {
      tf_person_free (p);
      return NULL;
    }
  return p;
}

static gboolean
load_company (Loader *ld, const gchar *group, GError **error)
{
  TfCompany *company = g_new0 (TfCompany, 1);
  company->id = g_strdup (group + strlen ("company "));
  g_ptr_array_add (ld->event->companies, company);
  tf_event_index_add (ld->event, "company", company->id, ld->event->companies->len - 1);
  if (!tf_loader_get_string (ld, group, "name", FALSE, &company->name, error))
    return FALSE;
  if (company->name == NULL)
    company->name = g_strdup (company->id);
  {
    g_autofree gchar *consent = NULL;
    if (!tf_loader_get_string (ld, group, "listing-consent", FALSE, &consent, error))
      return FALSE;
    if (g_strcmp0 (consent, "yes") == 0)
      company->listing_consent = TRUE;
    else if (consent != NULL && g_strcmp0 (consent, "no") != 0)
      return tf_key_lines_fail (ld->lines, error, group, "listing-consent",
                                "'%s' is not 'yes' or 'no'", consent);
  }
  /* who signs for the company, named in the reports:
   * people = alice: Alice Martin, Test lead; bob: Bob Stone */
  company->people = tf_person_array_new ();
  if (tf_loader_has_key (ld, group, "people"))
    {
      g_autoptr (GPtrArray) items = tf_loader_get_list (ld, group, "people");
      for (guint i = 0; items != NULL && i < items->len; i++)
        {
          TfPerson *p = person_parse (g_ptr_array_index (items, i));
          if (p == NULL)
            return tf_key_lines_fail (ld->lines, error, group, "people",
                                      "'%s' is not 'USER: Full Name[, Role]'",
                                      (const gchar *)g_ptr_array_index (items, i));
          g_ptr_array_add (company->people, p);
        }
    }
  return TRUE;
}

static gboolean
load_team (Loader *ld, const gchar *group, TfImpl *impl, guint idx, GError **error)
{
  TfEvent *event = ld->event;
  g_autofree gchar *team_id = NULL;
  gint team;
  if (!tf_loader_get_string (ld, group, "team", FALSE, &team_id, error))
    return FALSE;
  if (team_id == NULL)
    team_id = g_strdup (impl->id);
  else if (!tf_loader_valid_id (team_id))
    return tf_key_lines_fail (ld->lines, error, group, "team",
                              "invalid id '%s' (letters, digits, '.', '_', '-')", team_id);
  team = tf_event_find_team (event, team_id);
  if (team < 0)
    {
      TfTeam *t = g_new0 (TfTeam, 1);
      t->id = g_strdup (team_id);
      t->company = impl->company;
      t->impls = g_array_new (FALSE, FALSE, sizeof (guint));
      g_ptr_array_add (event->teams, t);
      team = event->teams->len - 1;
      tf_event_index_add (event, "team", t->id, team);
    }
  else
    {
      TfTeam *t = g_ptr_array_index (event->teams, team);
      if (t->company != impl->company)
        return tf_key_lines_fail (
            ld->lines, error, group, "team", "team '%s' belongs to company '%s', not '%s'", team_id,
            ((TfCompany *)g_ptr_array_index (event->companies, t->company))->id,
            ((TfCompany *)g_ptr_array_index (event->companies, impl->company))->id);
    }
  impl->team = team;
  g_array_append_val (((TfTeam *)g_ptr_array_index (event->teams, team))->impls, idx);
  return TRUE;
}

/* The PSK the lab provisions a client with (identity and key), which also lets the session's
 * trace be decrypted: the key is not in the event file (which is no secret) but in a file of
 * its own, hex on one line, that others may not read (as the broker's password-file). */
static gboolean
load_psk (Loader *ld, const gchar *group, TfImpl *impl, const gchar *filename, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (GError) local = NULL;
  GStatBuf st;
  gsize len = 0;
  const gchar *hex;
  guint8 key[TF_EVENT_MAX_PSK];
  gsize n = 0;

  if (tf_loader_has_key (ld, group, "psk-key"))
    return tf_key_lines_fail (ld->lines, error, group, "psk-key",
                              "the key goes in a file of its own (psk-key-file), not in the "
                              "event file");
  if (!tf_loader_get_string (ld, group, "psk-identity", FALSE, &impl->psk_identity, error)
      || !tf_loader_get_string (ld, group, "psk-key-file", FALSE, &path, error))
    return FALSE;
  if ((impl->psk_identity != NULL || path != NULL) && impl->role != TF_ROLE_CLIENT)
    return tf_key_lines_fail (ld->lines, error, group,
                              impl->psk_identity != NULL ? "psk-identity" : "psk-key-file",
                              "only a client has this key");
  if ((impl->psk_identity == NULL) != (path == NULL))
    return tf_key_lines_fail (ld->lines, error, group,
                              impl->psk_identity == NULL ? "psk-key-file" : "psk-identity",
                              "psk-identity and psk-key-file go together");
  if (path == NULL)
    return TRUE;
  if (strlen (impl->psk_identity) > 128)
    return tf_key_lines_fail (ld->lines, error, group, "psk-identity", "over 128 bytes");
  if (!g_path_is_absolute (path) && filename != NULL)
    {
      g_autofree gchar *dir = g_path_get_dirname (filename);
      gchar *abs = g_build_filename (dir, path, NULL);
      g_free (path);
      path = abs;
    }
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return tf_key_lines_fail (ld->lines, error, group, "psk-key-file", "no such file %s", path);
  if ((st.st_mode & 0007) != 0)
    return tf_key_lines_fail (ld->lines, error, group, "psk-key-file",
                              "%s holds a key and others may read it (mode %04o): chmod o-rwx",
                              path, (guint)(st.st_mode & 0777));
  if (st.st_size > 1024 || !g_file_get_contents (path, &text, &len, &local))
    return tf_key_lines_fail (ld->lines, error, group, "psk-key-file", "%s: %s", path,
                              local != NULL ? local->message : "over 1024 bytes");
  hex = g_strstrip (text);
  for (; hex[n] != '\0' && n < 2 * sizeof key + 1; n++)
    if (!g_ascii_isxdigit (hex[n]))
      break;
  if (hex[n] != '\0' || n == 0 || n % 2 != 0 || n > 2 * sizeof key)
    return tf_key_lines_fail (ld->lines, error, group, "psk-key-file",
                              "%s: not a key of 1 to %u bytes in hex", path, (guint)sizeof key);
  for (gsize i = 0; i < n; i += 2)
    key[i / 2] = (guint8)(g_ascii_xdigit_value (hex[i]) << 4 | g_ascii_xdigit_value (hex[i + 1]));
  impl->psk_key = g_bytes_new (key, n / 2);
  memset (key, 0, sizeof key);
  memset (text, 0, len);
  return TRUE;
}

static gboolean
load_impl (Loader *ld, const gchar *group, GError **error)
{
  TfEvent *event = ld->event;
  TfImpl *impl = g_new0 (TfImpl, 1);
  guint idx = event->impls->len;
  g_autofree gchar *company = NULL;
  g_autofree gchar *role = NULL;
  g_autofree gchar *entry = NULL;
  gint c;

  impl->id = g_strdup (group + strlen ("implementation "));
  impl->boards = g_ptr_array_new_with_free_func (g_free);
  impl->features = g_ptr_array_new_with_free_func (g_free);
  impl->unavailable = g_new0 (guint8, event->slots->len);
  impl->capacity = 1;
  g_ptr_array_add (event->impls, impl);
  tf_event_index_add (event, "implementation", impl->id, idx);

  if (!tf_loader_get_string (ld, group, "name", FALSE, &impl->name, error))
    return FALSE;
  if (impl->name == NULL)
    impl->name = g_strdup (impl->id);
  /* the product's own version, as the company declares it (reports, listing) */
  if (!tf_loader_get_string (ld, group, "version", FALSE, &impl->version, error))
    return FALSE;
  if (!tf_loader_get_string (ld, group, "company", TRUE, &company, error))
    return FALSE;
  c = tf_event_find_company (event, company);
  if (c < 0)
    return tf_key_lines_fail (ld->lines, error, group, "company", "unknown company '%s'", company);
  impl->company = c;
  if (!tf_loader_get_string (ld, group, "role", TRUE, &role, error))
    return FALSE;
  if (g_strcmp0 (role, "client") == 0)
    impl->role = TF_ROLE_CLIENT;
  else if (g_strcmp0 (role, "server") == 0)
    impl->role = TF_ROLE_SERVER;
  else
    return tf_key_lines_fail (ld->lines, error, group, "role", "'%s' is not 'client' or 'server'",
                              role);
  if (!parse_bits (ld, group, "versions", tf_event_version_names, &impl->versions, error))
    return FALSE;
  if (!parse_bits (ld, group, "transports", tf_event_transport_names, &impl->transports, error))
    return FALSE;
  if (!parse_bits (ld, group, "security", tf_event_security_names, &impl->security, error))
    return FALSE;
  if (!load_team (ld, group, impl, idx, error))
    return FALSE;
  if (tf_loader_has_key (ld, group, "capacity") && impl->role == TF_ROLE_CLIENT)
    return tf_key_lines_fail (ld->lines, error, group, "capacity",
                              "only a server has a capacity (a client meets one server at a time)");
  if (!tf_loader_get_uint (ld, group, "capacity", 1, 64, FALSE, &impl->capacity, error))
    return FALSE;
  if (tf_loader_has_key (ld, group, "boards") && impl->role == TF_ROLE_SERVER)
    return tf_key_lines_fail (ld->lines, error, group, "boards", "only a client has boards");
  g_ptr_array_unref (impl->boards);
  impl->boards = tf_loader_get_list (ld, group, "boards");
  for (guint i = 0; i < impl->boards->len; i++)
    {
      const gchar *board = g_ptr_array_index (impl->boards, i);
      if (!tf_loader_valid_id (board))
        return tf_key_lines_fail (ld->lines, error, group, "boards",
                                  "invalid board id '%s' (letters, digits, '.', '_', '-')", board);
      if (tf_event_find_board (event, board) < 0)
        {
          g_ptr_array_add (event->boards, g_strdup (board));
          tf_event_index_add (event, "board", board, event->boards->len - 1);
        }
    }
  g_ptr_array_unref (impl->features);
  impl->features = tf_loader_get_list (ld, group, "features");
  if (!tf_loader_parse_unavailable (ld, group, impl, error))
    return FALSE;
  /* for test sessions: what a client's board runs and how it is provisioned,
   * and where a server listens */
  if (impl->role == TF_ROLE_SERVER)
    {
      static const gchar *const client_only[]
          = { "image",           "endpoint",      "provision", "provision-bootstrap",
              "provision-queue", "provision-psk", NULL };
      for (guint i = 0; client_only[i] != NULL; i++)
        if (tf_loader_has_key (ld, group, client_only[i]))
          return tf_key_lines_fail (ld->lines, error, group, client_only[i],
                                    "only a client has this key");
    }
  else
    {
      static const gchar *const server_only[] = { "server-uri", "ets-driver", NULL };
      for (guint i = 0; server_only[i] != NULL; i++)
        if (tf_loader_has_key (ld, group, server_only[i]))
          return tf_key_lines_fail (ld->lines, error, group, server_only[i],
                                    "only a server has this key");
    }
  if (!tf_loader_get_string (ld, group, "image", FALSE, &impl->image, error)
      || !tf_loader_get_string (ld, group, "endpoint", FALSE, &impl->endpoint, error)
      || !tf_loader_get_string (ld, group, "server-uri", FALSE, &impl->server_uri, error)
      || !tf_loader_get_string (ld, group, "provision", FALSE, &impl->provision, error)
      || !tf_loader_get_string (ld, group, "provision-bootstrap", FALSE, &impl->provision_bootstrap,
                                error)
      || !tf_loader_get_string (ld, group, "provision-queue", FALSE, &impl->provision_queue, error)
      || !tf_loader_get_string (ld, group, "provision-psk", FALSE, &impl->provision_psk, error)
      || !tf_loader_get_string (ld, group, "ets-driver", FALSE, &impl->ets_driver, error))
    return FALSE;
  if (impl->endpoint == NULL)
    impl->endpoint = g_strdup (impl->id);
  if (impl->server_uri == NULL && impl->role == TF_ROLE_SERVER)
    impl->server_uri = g_strdup_printf ("coap://%s.testfest.local:5683", impl->id);
  {
    gchar **scripts[] = { &impl->provision, &impl->provision_bootstrap, &impl->provision_queue,
                          &impl->provision_psk, &impl->ets_driver };
    for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
      if (*scripts[i] != NULL && !g_path_is_absolute (*scripts[i]) && event->filename != NULL)
        {
          g_autofree gchar *dir = g_path_get_dirname (event->filename);
          gchar *abs = g_build_filename (dir, *scripts[i], NULL);
          g_free (*scripts[i]);
          *scripts[i] = abs;
        }
  }
  /* the server company's nightly driver for the server-under-test runner: a program the
   * runner starts for each operator step; checked now, not when a case needs it */
  if (impl->ets_driver != NULL && !g_file_test (impl->ets_driver, G_FILE_TEST_IS_REGULAR))
    return tf_key_lines_fail (ld->lines, error, group, "ets-driver", "no such file %s",
                              impl->ets_driver);
  if (impl->ets_driver != NULL && !g_file_test (impl->ets_driver, G_FILE_TEST_IS_EXECUTABLE))
    return tf_key_lines_fail (ld->lines, error, group, "ets-driver", "%s is not executable",
                              impl->ets_driver);
  if (!load_psk (ld, group, impl, event->filename, error))
    return FALSE;
  if (!tf_loader_get_string (ld, group, "entry-criteria", TRUE, &entry, error))
    return FALSE;
  if (g_strcmp0 (entry, "yes") == 0)
    impl->entry_passed = TRUE;
  else if (g_strcmp0 (entry, "no") != 0)
    return tf_key_lines_fail (ld->lines, error, group, "entry-criteria",
                              "'%s' is not 'yes' or 'no'", entry);
  if (!tf_loader_get_string (ld, group, "entry-criteria-by", impl->entry_passed, &impl->entry_by,
                             error))
    return FALSE;
  return TRUE;
}

static gboolean
load_pair_list (Loader *ld, const gchar *key, GArray *out, GError **error)
{
  TfEvent *event = ld->event;
  g_autoptr (GPtrArray) items = tf_loader_get_list (ld, "pairs", key);
  for (guint i = 0; i < items->len; i++)
    {
      const gchar *text = g_ptr_array_index (items, i);
      g_auto (GStrv) ids = g_strsplit (text, ":", -1);
      gint client, server;
      TfPair pair;
      if (g_strv_length (ids) != 2)
        return tf_key_lines_fail (ld->lines, error, "pairs", key, "'%s' is not CLIENT:SERVER",
                                  text);
      client = tf_event_find_impl (event, ids[0]);
      server = tf_event_find_impl (event, ids[1]);
      if (client < 0 || server < 0)
        return tf_key_lines_fail (ld->lines, error, "pairs", key, "unknown implementation '%s'",
                                  client < 0 ? ids[0] : ids[1]);
      if (tf_event_impl (event, client)->role != TF_ROLE_CLIENT)
        return tf_key_lines_fail (ld->lines, error, "pairs", key, "'%s' is not a client", ids[0]);
      if (tf_event_impl (event, server)->role != TF_ROLE_SERVER)
        return tf_key_lines_fail (ld->lines, error, "pairs", key, "'%s' is not a server", ids[1]);
      if (tf_event_impl (event, client)->company == tf_event_impl (event, server)->company)
        return tf_key_lines_fail (ld->lines, error, "pairs", key,
                                  "'%s' and '%s' are of the same company", ids[0], ids[1]);
      pair.client = client;
      pair.server = server;
      g_array_append_val (out, pair);
    }
  return TRUE;
}

static gboolean
load_pairs (Loader *ld, GError **error)
{
  TfEvent *event = ld->event;
  if (!load_pair_list (ld, "opt-out", event->opt_out, error))
    return FALSE;
  if (!load_pair_list (ld, "must-meet", event->must_meet, error))
    return FALSE;
  for (guint i = 0; i < event->must_meet->len; i++)
    {
      TfPair *m = &g_array_index (event->must_meet, TfPair, i);
      for (guint j = 0; j < event->opt_out->len; j++)
        {
          TfPair *o = &g_array_index (event->opt_out, TfPair, j);
          if (m->client == o->client && m->server == o->server)
            return tf_key_lines_fail (
                ld->lines, error, "pairs", "must-meet", "'%s:%s' is also opted out",
                tf_event_impl (event, m->client)->id, tf_event_impl (event, m->server)->id);
        }
    }
  return TRUE;
}

/**
 * tf_event_load_data:
 * @filename: the name used in error messages
 *
 * Parses and validates an event file held in memory.
 */
TfEvent *
tf_event_load_data (const gchar *data, gssize len, const gchar *filename, GError **error)
{
  g_autoptr (TfEvent) event = tf_event_new ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (TfKeyLines) lines = NULL;
  g_autoptr (GError) error_local = NULL;
  Loader ld = { 0 };
  gsize size;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (filename != NULL, NULL);
  size = len < 0 ? strlen (data) : (gsize)len;

  lines = tf_key_lines_new (filename, data, size, error);
  if (lines == NULL)
    return NULL;
  if (!g_key_file_load_from_data (kf, data, size, G_KEY_FILE_NONE, &error_local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", filename,
                   error_local->message);
      return NULL;
    }
  event->filename = g_strdup (filename);
  ld.kf = kf;
  ld.lines = lines;
  ld.event = event;
  if (!check_structure (&ld, error))
    return NULL;
  if (!tf_loader_load_event_group (&ld, error))
    return NULL;
  for (guint g = 0; g < lines->group_order->len; g++)
    {
      const gchar *group = g_ptr_array_index (lines->group_order, g);
      if (g_str_has_prefix (group, "company ") && !load_company (&ld, group, error))
        return NULL;
    }
  for (guint g = 0; g < lines->group_order->len; g++)
    {
      const gchar *group = g_ptr_array_index (lines->group_order, g);
      if (g_str_has_prefix (group, "implementation ") && !load_impl (&ld, group, error))
        return NULL;
    }
  if (!load_pairs (&ld, error))
    return NULL;
  event->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, size);
  event->lines = g_steal_pointer (&lines);
  return g_steal_pointer (&event);
}

/**
 * tf_event_load_file:
 *
 * Reads the event file once, bounded by %TF_EVENT_MAX_BYTES, and parses
 * those bytes; the event's sha256 is theirs.
 */
TfEvent *
tf_event_load_file (const gchar *filename, GError **error)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  FILE *fp;
  guint line = 1;

  g_return_val_if_fail (filename != NULL, NULL);
  fp = fopen (filename, "rb");
  if (fp == NULL)
    {
      int saved = errno;
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", filename,
                   g_strerror (saved));
      return NULL;
    }
  /* one more byte than allowed: a longer file is refused, not cut short */
  data = g_malloc (TF_EVENT_MAX_BYTES + 1);
  len = fread (data, 1, TF_EVENT_MAX_BYTES + 1, fp);
  if (ferror (fp))
    {
      fclose (fp);
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: read error", filename);
      return NULL;
    }
  fclose (fp);
  if (len > TF_EVENT_MAX_BYTES)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "%s:1: more than the %u bytes an event file may have", filename,
                   (guint)TF_EVENT_MAX_BYTES);
      return NULL;
    }
  data[len] = '\0';
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\0')
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s:%u: a NUL byte", filename,
                       line);
          return NULL;
        }
      if (data[i] == '\n')
        line++;
    }
  /* these bytes, and only these, are parsed and hashed */
  return tf_event_load_data (data, len, filename, error);
}
