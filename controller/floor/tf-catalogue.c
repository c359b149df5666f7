/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-catalogue.h"
#include "tf-error.h"
#include "tf-key-lines.h"

#include <stdlib.h>
#include <string.h>

struct _TfCatalogue
{
  GPtrArray *ets; /* TfEts */
};

static void
case_free (TfCase *c)
{
  g_free (c->name);
  g_free (c->group);
  g_strfreev (c->features);
  g_strfreev (c->client_features);
  g_strfreev (c->server_features);
  g_free (c->script);
  g_free (c->runner);
  g_free (c->manual);
  g_free (c);
}

static void
ets_free (TfEts *e)
{
  g_free (e->version);
  g_free (e->name);
  g_free (e->path);
  g_ptr_array_unref (e->cases);
  g_free (e);
}

void
tf_catalogue_free (TfCatalogue *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->ets);
  g_free (self);
}

static gint
case_cmp (gconstpointer a, gconstpointer b)
{
  const TfCase *x = *(TfCase **)a, *y = *(TfCase **)b;
  return x->id - y->id;
}

static GStrv
get_list (GKeyFile *kf, const char *group, const char *key)
{
  g_autofree char *v = g_key_file_get_string (kf, group, key, NULL);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) parts = NULL;
  if (v == NULL)
    return g_strv_builder_end (b);
  parts = g_strsplit (v, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (b, parts[i]);
    }
  return g_strv_builder_end (b);
}

/* "automated = client|server|both" (with an optional "runner") or "manual = REASON". */
static gboolean
load_automation (GKeyFile *kf, TfKeyLines *lines, const char *g, TfCase *c, GError **error)
{
  g_autofree char *a = g_key_file_get_string (kf, g, "automated", NULL);
  c->manual = g_key_file_get_string (kf, g, "manual", NULL);
  c->runner = g_key_file_get_string (kf, g, "runner", NULL);
  if (c->manual != NULL)
    g_strstrip (c->manual);
  if (a != NULL)
    {
      g_strstrip (a);
      if (g_str_equal (a, "client"))
        c->automated = TF_CASE_AUTO_CLIENT;
      else if (g_str_equal (a, "server"))
        c->automated = TF_CASE_AUTO_SERVER;
      else if (g_str_equal (a, "both"))
        c->automated = TF_CASE_AUTO_BOTH;
      else
        return tf_key_lines_fail (lines, error, g, "automated",
                                  "'%s' is not one of client, server, both", a);
      if (c->manual != NULL)
        return tf_key_lines_fail (lines, error, g, "manual",
                                  "a case is either automated or manual, not both");
    }
  if (c->manual != NULL && c->manual[0] == '\0')
    return tf_key_lines_fail (lines, error, g, "manual", "say why the case is manual");
  if (c->runner != NULL
      && (c->automated == TF_CASE_AUTO_NONE || c->runner[0] == '\0'
          || strchr (c->runner, '/') != NULL))
    return tf_key_lines_fail (lines, error, g, "runner",
                              "a runner is a program name, for an automated case only");
  if (c->automated != TF_CASE_AUTO_NONE && c->runner == NULL)
    c->runner = g_strdup ("tf-ets-run");
  return TRUE;
}

static TfEts *
load_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (TfKeyLines) lines = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  TfEts *e;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  lines = tf_key_lines_new (path, data, len, error);
  if (lines == NULL)
    return NULL;
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: %s", path, local->message);
      return NULL;
    }
  e = g_new0 (TfEts, 1);
  e->path = g_strdup (path);
  e->cases = g_ptr_array_new_with_free_func ((GDestroyNotify)case_free);
  e->version = g_key_file_get_string (kf, "ets", "version", NULL);
  e->name = g_key_file_get_string (kf, "ets", "name", NULL);
  if (e->version == NULL || e->name == NULL)
    {
      tf_key_lines_fail (lines, error, "ets", e->version == NULL ? "version" : "name", "missing");
      ets_free (e);
      return NULL;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *g = groups[i];
      static const char *const known[]
          = { "name",   "group",     "features", "client-features", "server-features",
              "script", "automated", "runner",   "manual",          NULL };
      g_auto (GStrv) keys = NULL;
      char *end = NULL;
      TfCase *c;
      gint64 id;

      if (strcmp (g, "ets") == 0)
        continue;
      if (!g_str_has_prefix (g, "case "))
        {
          tf_key_lines_fail (lines, error, g, NULL, "unknown group");
          ets_free (e);
          return NULL;
        }
      id = g_ascii_strtoll (g + 5, &end, 10);
      if (end == g + 5 || *end != '\0' || id < 0 || id > 9999 || tf_ets_find_case (e, id) != NULL)
        {
          tf_key_lines_fail (lines, error, g, NULL, "the case id must be a new number 0-9999");
          ets_free (e);
          return NULL;
        }
      keys = g_key_file_get_keys (kf, g, NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (known, keys[k]))
          {
            tf_key_lines_fail (lines, error, g, keys[k], "unknown key");
            ets_free (e);
            return NULL;
          }
      c = g_new0 (TfCase, 1);
      c->id = id;
      c->name = g_key_file_get_string (kf, g, "name", NULL);
      c->group = g_key_file_get_string (kf, g, "group", NULL);
      c->features = get_list (kf, g, "features");
      c->client_features = get_list (kf, g, "client-features");
      c->server_features = get_list (kf, g, "server-features");
      c->script = g_key_file_get_string (kf, g, "script", NULL);
      if (c->script != NULL && !g_path_is_absolute (c->script))
        {
          char *abs = g_build_filename (dir, c->script, NULL);
          g_free (c->script);
          c->script = abs;
        }
      g_ptr_array_add (e->cases, c);
      if (c->name == NULL)
        {
          tf_key_lines_fail (lines, error, g, "name", "missing");
          ets_free (e);
          return NULL;
        }
      if (c->group == NULL)
        c->group = g_strdup ("");
      if (!load_automation (kf, lines, g, c, error))
        {
          ets_free (e);
          return NULL;
        }
    }
  g_ptr_array_sort (e->cases, case_cmp);
  return e;
}

static gint
ets_cmp (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(TfEts **)a)->version, (*(TfEts **)b)->version);
}

TfCatalogue *
tf_catalogue_load_dir (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autoptr (TfCatalogue) self = NULL;
  const char *n;

  if (d == NULL)
    return NULL;
  self = g_new0 (TfCatalogue, 1);
  self->ets = g_ptr_array_new_with_free_func ((GDestroyNotify)ets_free);
  while ((n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = NULL;
      TfEts *e;
      if (!g_str_has_suffix (n, ".conf"))
        continue;
      p = g_build_filename (dir, n, NULL);
      e = load_file (p, error);
      if (e == NULL)
        return NULL;
      if (tf_catalogue_find (self, e->version) != NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s: a second catalogue for version %s", p, e->version);
          ets_free (e);
          return NULL;
        }
      g_ptr_array_add (self->ets, e);
    }
  g_ptr_array_sort (self->ets, ets_cmp);
  return g_steal_pointer (&self);
}

const TfEts *
tf_catalogue_find (TfCatalogue *self, const char *version)
{
  for (guint i = 0; i < self->ets->len; i++)
    {
      TfEts *e = g_ptr_array_index (self->ets, i);
      if (g_strcmp0 (e->version, version) == 0)
        return e;
    }
  return NULL;
}

const TfEts *
tf_catalogue_for_pair (TfCatalogue *self, const TfImpl *client, const TfImpl *server)
{
  guint common = client->versions & server->versions;
  for (gint bit = g_strv_length ((char **)tf_event_version_names) - 1; bit >= 0; bit--)
    {
      const TfEts *e;
      if (!(common & (1u << bit)))
        continue;
      e = tf_catalogue_find (self, tf_event_version_names[bit]);
      if (e != NULL)
        return e;
    }
  return NULL;
}

const TfCase *
tf_ets_find_case (const TfEts *ets, gint id)
{
  for (guint i = 0; i < ets->cases->len; i++)
    {
      TfCase *c = g_ptr_array_index (ets->cases, i);
      if (c->id == id)
        return c;
    }
  return NULL;
}

static const char *
missing (GStrv need, const TfImpl *impl)
{
  /* an implementation that declares no features is taken to have them all */
  if (impl->features == NULL || impl->features->len == 0)
    return NULL;
  for (guint i = 0; need[i] != NULL; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < impl->features->len && !found; j++)
        found = g_strcmp0 (g_ptr_array_index (impl->features, j), need[i]) == 0;
      if (!found)
        return need[i];
    }
  return NULL;
}

char *
tf_case_not_applicable (const TfCase *c, const TfImpl *client, const TfImpl *server)
{
  const char *f;
  if ((f = missing (c->features, client)) != NULL
      || (f = missing (c->client_features, client)) != NULL)
    return g_strdup_printf ("client %s does not support %s", client->id, f);
  if ((f = missing (c->features, server)) != NULL
      || (f = missing (c->server_features, server)) != NULL)
    return g_strdup_printf ("server %s does not support %s", server->id, f);
  return NULL;
}
