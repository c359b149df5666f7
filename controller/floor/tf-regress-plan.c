/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-regress-plan.h"

#include "tf-error.h"
#include "tf-keyfile.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Regression plans: parsed and checked with FILE:LINE like every other input. */

static void
case_free (TfRegressCase *c)
{
  g_free (c->name);
  g_free (c->script);
  g_free (c);
}

static void
suite_free (TfRegressSuite *s)
{
  g_free (s->name);
  g_free (s->ets);
  g_ptr_array_unref (s->cases);
  g_free (s->peer);
  g_free (s);
}

static void
peer_free (TfRegressPeer *p)
{
  g_free (p->name);
  g_free (p->command);
  g_free (p->uri);
  g_free (p);
}

void
tf_regress_plan_free (TfRegressPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->path);
  g_free (plan->name);
  g_strfreev (plan->board_types);
  g_strfreev (plan->boards);
  g_strfreev (plan->images);
  g_clear_pointer (&plan->suites, g_ptr_array_unref);
  g_clear_pointer (&plan->peers, g_ptr_array_unref);
  g_free (plan->health_image);
  g_free (plan->health_script);
  g_free (plan);
}

static gboolean
valid_name (const char *s)
{
  if (s == NULL || s[0] == '\0' || strlen (s) > 64)
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A ;-list, entries trimmed, empty ones refused, at most @max. */
static gboolean
get_list (TfKeyFile *kf, const char *group, const char *key, guint max, GStrv *out, GError **error)
{
  GKeyFile *k = tf_key_file_get_keyfile (kf);
  g_autofree char *v = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  if (g_key_file_has_key (k, group, key, NULL))
    v = g_key_file_get_string (k, group, key, NULL);
  if (v == NULL || v[0] == '\0')
    {
      *out = g_new0 (char *, 1);
      return TRUE;
    }
  parts = g_strsplit (v, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *e = g_strstrip (parts[i]);
      if (e[0] == '\0' && parts[i + 1] == NULL && i > 0)
        break; /* a trailing ';' as GKeyFile writes lists */
      if (e[0] == '\0')
        return tf_key_file_fail (kf, error, group, key, "empty entry in the list");
      if (list->len >= max)
        return tf_key_file_fail (kf, error, group, key, "more than %u entries", max);
      for (guint j = 0; j < list->len; j++)
        if (g_strcmp0 (g_ptr_array_index (list, j), e) == 0)
          return tf_key_file_fail (kf, error, group, key, "'%s' named twice", e);
      g_ptr_array_add (list, g_strdup (e));
    }
  g_ptr_array_add (list, NULL);
  *out = (GStrv)g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return TRUE;
}

static char *
resolve_path (const char *plan_path, const char *rel)
{
  g_autofree char *dir = NULL;
  if (g_path_is_absolute (rel))
    return g_strdup (rel);
  dir = g_path_get_dirname (plan_path);
  return g_build_filename (dir, rel, NULL);
}

static gboolean
check_script (TfKeyFile *kf, const char *group, const char *key, const char *path,
              const TfRegressPlanContext *ctx, GError **error)
{
  if (ctx == NULL || !ctx->check_files)
    return TRUE;
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || access (path, X_OK) != 0)
    return tf_key_file_fail (kf, error, group, key, "%s is not an executable file", path);
  return TRUE;
}

static gboolean
add_ets_case (TfRegressSuite *s, const TfEts *ets, const TfCase *c)
{
  TfRegressCase *rc;
  for (guint i = 0; i < s->cases->len; i++)
    if (((TfRegressCase *)g_ptr_array_index (s->cases, i))->case_id == c->id)
      return FALSE;
  rc = g_new0 (TfRegressCase, 1);
  rc->case_id = c->id;
  rc->name = g_strdup_printf ("ets %s %d %s", ets->version, c->id, c->name);
  rc->script = g_strdup (c->script);
  g_ptr_array_add (s->cases, rc);
  return TRUE;
}

static gboolean
load_suite (TfRegressPlan *plan, TfKeyFile *kf, const char *name, const TfRegressPlanContext *ctx,
            GError **error)
{
  g_autofree char *group = g_strdup_printf ("suite %s", name);
  static const char *const allowed[]
      = { "ets", "cases", "groups", "scripts", "peer", "timeout", NULL };
  TfRegressSuite *s = g_new0 (TfRegressSuite, 1);
  g_auto (GStrv) cases = NULL, groups = NULL, scripts = NULL;
  const TfEts *ets = NULL;
  guint64 timeout = 0;

  s->name = g_strdup (name);
  s->cases = g_ptr_array_new_with_free_func ((GDestroyNotify)case_free);
  g_ptr_array_add (plan->suites, s);
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), group))
    return tf_key_file_fail (kf, error, "plan", "suites", "no [%s] group", group);
  if (!tf_key_file_check_keys (kf, group, allowed, error)
      || !tf_key_file_get_string (kf, group, "ets", FALSE, NULL, &s->ets, error)
      || !tf_key_file_get_string (kf, group, "peer", FALSE, NULL, &s->peer, error)
      || !tf_key_file_get_uint (kf, group, "timeout", FALSE, 120, 1, 3600, &timeout, error)
      || !get_list (kf, group, "cases", 1000, &cases, error)
      || !get_list (kf, group, "groups", 100, &groups, error)
      || !get_list (kf, group, "scripts", 100, &scripts, error))
    return FALSE;
  s->timeout_s = timeout;
  if ((cases[0] != NULL || groups[0] != NULL) && s->ets == NULL)
    return tf_key_file_fail (kf, error, group, NULL,
                             "'cases' and 'groups' need 'ets' (the ETS version)");
  if (s->ets != NULL && ctx != NULL)
    {
      ets = ctx->catalogue != NULL ? tf_catalogue_find (ctx->catalogue, s->ets) : NULL;
      if (ets == NULL)
        return tf_key_file_fail (kf, error, group, "ets", "no ETS catalogue for version '%s'",
                                 s->ets);
    }
  for (guint i = 0; cases[i] != NULL; i++)
    {
      gint64 id;
      const TfCase *c;
      char *end = NULL;
      id = g_ascii_strtoll (cases[i], &end, 10);
      if (end == cases[i] || *end != '\0' || id < 0 || id > 100000)
        return tf_key_file_fail (kf, error, group, "cases", "'%s' is not a case number", cases[i]);
      if (ets == NULL)
        continue;
      c = tf_ets_find_case (ets, id);
      if (c == NULL)
        return tf_key_file_fail (kf, error, group, "cases", "ETS %s has no case %s", s->ets,
                                 cases[i]);
      if (c->script == NULL)
        return tf_key_file_fail (kf, error, group, "cases",
                                 "case %s is not automated (no script in the catalogue)", cases[i]);
      if (!add_ets_case (s, ets, c))
        return tf_key_file_fail (kf, error, group, "cases", "case %s named twice", cases[i]);
    }
  for (guint i = 0; groups[i] != NULL && ets != NULL; i++)
    {
      guint n = 0;
      for (guint j = 0; j < ets->cases->len; j++)
        {
          const TfCase *c = g_ptr_array_index (ets->cases, j);
          if (g_strcmp0 (c->group, groups[i]) == 0 && c->script != NULL)
            n += add_ets_case (s, ets, c) ? 1 : 0;
        }
      if (n == 0)
        return tf_key_file_fail (kf, error, group, "groups",
                                 "ETS %s has no automated case in group '%s'", s->ets, groups[i]);
    }
  for (guint i = 0; scripts[i] != NULL; i++)
    {
      TfRegressCase *rc = g_new0 (TfRegressCase, 1);
      rc->case_id = -1;
      rc->script = resolve_path (plan->path, scripts[i]);
      rc->name = g_path_get_basename (scripts[i]);
      g_ptr_array_add (s->cases, rc);
      if (!check_script (kf, group, "scripts", rc->script, ctx, error))
        return FALSE;
    }
  if (cases[0] == NULL && groups[0] == NULL && scripts[0] == NULL)
    return tf_key_file_fail (kf, error, group, NULL, "no cases, groups or scripts");
  if (s->peer != NULL && tf_regress_plan_peer (plan, s->peer) == NULL)
    return tf_key_file_fail (kf, error, group, "peer", "no [peer %s] group", s->peer);
  return TRUE;
}

static gboolean
load_groups (TfRegressPlan *plan, TfKeyFile *kf, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (tf_key_file_get_keyfile (kf), NULL);
  static const char *const peer_keys[] = { "command", "uri", NULL };
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *kind = NULL, *name = NULL;
      if (g_strcmp0 (groups[i], "plan") == 0)
        continue;
      if (!tf_key_file_split_group (groups[i], &kind, &name) || !valid_name (name)
          || (g_strcmp0 (kind, "suite") != 0 && g_strcmp0 (kind, "peer") != 0))
        return tf_key_file_fail (kf, error, groups[i], NULL,
                                 "unknown group (plan, suite NAME, peer NAME)");
      if (g_strcmp0 (kind, "peer") == 0)
        {
          TfRegressPeer *p = g_new0 (TfRegressPeer, 1);
          p->name = g_strdup (name);
          g_ptr_array_add (plan->peers, p);
          if (!tf_key_file_check_keys (kf, groups[i], peer_keys, error)
              || !tf_key_file_get_string (kf, groups[i], "command", FALSE, NULL, &p->command, error)
              || !tf_key_file_get_string (kf, groups[i], "uri", FALSE, NULL, &p->uri, error))
            return FALSE;
          if (p->command == NULL && p->uri == NULL)
            return tf_key_file_fail (kf, error, groups[i], NULL, "needs 'command' or 'uri'");
        }
    }
  return TRUE;
}

static gboolean
get_priority (TfKeyFile *kf, gint *out, GError **error)
{
  g_autofree char *v = NULL;
  char *end = NULL;
  gint64 n;
  if (!tf_key_file_get_string (kf, "plan", "priority", FALSE, "0", &v, error))
    return FALSE;
  n = g_ascii_strtoll (v, &end, 10);
  if (end == v || *end != '\0' || n < -100 || n > 100)
    return tf_key_file_fail (kf, error, "plan", "priority", "'%s' is not a number in -100..100", v);
  *out = n;
  return TRUE;
}

static gboolean
parse_nightly (TfKeyFile *kf, TfRegressPlan *plan, GError **error)
{
  g_autofree char *v = NULL;
  guint h, m;
  char tail;
  plan->nightly_min = -1;
  if (!tf_key_file_get_string (kf, "plan", "nightly", FALSE, NULL, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  if (sscanf (v, "%2u:%2u%c", &h, &m, &tail) != 2 || h > 23 || m > 59 || strlen (v) != 5)
    return tf_key_file_fail (kf, error, "plan", "nightly", "'%s' is not HH:MM (UTC)", v);
  plan->nightly_min = h * 60 + m;
  return TRUE;
}

static gboolean
check_lab (TfRegressPlan *plan, TfKeyFile *kf, const TfRegressPlanContext *ctx, GError **error)
{
  for (guint i = 0; plan->boards[i] != NULL; i++)
    /* a farm coordinator's boards are its hosts': known once they announce them */
    if (tf_lab_config_find_board ((TfLabConfig *)ctx->lab, plan->boards[i]) == NULL
        && ((TfLabConfig *)ctx->lab)->role != TF_LAB_ROLE_COORDINATOR)
      return tf_key_file_fail (kf, error, "plan", "boards", "no board '%s' in the lab",
                               plan->boards[i]);
  for (guint i = 0; plan->board_types[i] != NULL; i++)
    if (g_hash_table_lookup (ctx->lab->types, plan->board_types[i]) == NULL)
      return tf_key_file_fail (kf, error, "plan", "board-types", "no board type '%s' in the lab",
                               plan->board_types[i]);
  for (guint i = 0; plan->images[i] != NULL && ctx->images != NULL; i++)
    {
      TfImage *img = tf_image_registry_get (ctx->images, plan->images[i]);
      if (img == NULL)
        return tf_key_file_fail (kf, error, "plan", "images", "no image '%s' in the images file",
                                 plan->images[i]);
      for (guint j = 0; plan->board_types[j] != NULL; j++)
        {
          TfBoardType *t = g_hash_table_lookup (ctx->lab->types, plan->board_types[j]);
          g_autoptr (GError) local = NULL;
          if (!tf_image_check_fits (img, t, &local))
            return tf_key_file_fail (kf, error, "plan", "images", "%s", local->message);
        }
    }
  if (plan->health_image != NULL && ctx->images != NULL
      && tf_image_registry_get (ctx->images, plan->health_image) == NULL)
    return tf_key_file_fail (kf, error, "plan", "health-image", "no image '%s' in the images file",
                             plan->health_image);
  return TRUE;
}

TfRegressPlan *
tf_regress_plan_load_data (const char *path, const char *data, gsize len,
                           const TfRegressPlanContext *ctx, GError **error)
{
  static const char *const allowed[]
      = { "name",           "board-types", "boards",   "images",       "suites",        "repeat",
          "budget-minutes", "nightly",     "priority", "health-image", "health-script", NULL };
  g_autoptr (TfRegressPlan) plan = g_new0 (TfRegressPlan, 1);
  g_autoptr (TfKeyFile) kf = NULL;
  g_autofree char *text = NULL;
  g_autofree char *health_script = NULL;
  g_auto (GStrv) suites = NULL;
  guint64 repeat = 1, budget = 0;

  if (len > TF_REGRESS_PLAN_MAX)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: larger than %u bytes", path,
                   TF_REGRESS_PLAN_MAX);
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "%s: not UTF-8 text", path);
      return NULL;
    }
  text = g_strndup (data, len);
  kf = tf_key_file_load_data (path, text, error);
  if (kf == NULL)
    return NULL;
  plan->path = g_strdup (path);
  plan->suites = g_ptr_array_new_with_free_func ((GDestroyNotify)suite_free);
  plan->peers = g_ptr_array_new_with_free_func ((GDestroyNotify)peer_free);
  if (!g_key_file_has_group (tf_key_file_get_keyfile (kf), "plan"))
    {
      tf_key_file_fail (kf, error, "plan", NULL, "no [plan] group");
      return NULL;
    }
  if (!tf_key_file_check_keys (kf, "plan", allowed, error)
      || !tf_key_file_get_string (kf, "plan", "name", TRUE, NULL, &plan->name, error))
    return NULL;
  if (!valid_name (plan->name))
    {
      tf_key_file_fail (kf, error, "plan", "name", "'%s': letters, digits, '.', '_', '-' only",
                        plan->name);
      return NULL;
    }
  if (!get_list (kf, "plan", "board-types", 100, &plan->board_types, error)
      || !get_list (kf, "plan", "boards", 1000, &plan->boards, error)
      || !get_list (kf, "plan", "images", 100, &plan->images, error)
      || !get_list (kf, "plan", "suites", 100, &suites, error)
      || !tf_key_file_get_uint (kf, "plan", "repeat", FALSE, 1, 1, 100, &repeat, error)
      || !tf_key_file_get_uint (kf, "plan", "budget-minutes", FALSE, 480, 1, 1440, &budget, error)
      || !get_priority (kf, &plan->priority, error)
      || !tf_key_file_get_string (kf, "plan", "health-image", FALSE, NULL, &plan->health_image,
                                  error)
      || !tf_key_file_get_string (kf, "plan", "health-script", FALSE, NULL, &health_script, error)
      || !parse_nightly (kf, plan, error) || !load_groups (plan, kf, error))
    return NULL;
  plan->repeat = repeat;
  plan->budget_min = budget;
  if (plan->board_types[0] == NULL && plan->boards[0] == NULL)
    {
      tf_key_file_fail (kf, error, "plan", NULL, "needs 'board-types' or 'boards'");
      return NULL;
    }
  if (suites[0] == NULL)
    {
      tf_key_file_fail (kf, error, "plan", "suites", "no suites");
      return NULL;
    }
  if (health_script != NULL)
    {
      plan->health_script = resolve_path (path, health_script);
      if (!check_script (kf, "plan", "health-script", plan->health_script, ctx, error))
        return NULL;
    }
  for (guint i = 0; suites[i] != NULL; i++)
    if (!valid_name (suites[i]))
      {
        tf_key_file_fail (kf, error, "plan", "suites", "'%s' is not a suite name", suites[i]);
        return NULL;
      }
    else if (!load_suite (plan, kf, suites[i], ctx, error))
      return NULL;
  if (ctx != NULL && plan->images[0] == NULL && !ctx->ci_image)
    {
      tf_key_file_fail (kf, error, "plan", "images", "no images (and none handed in with --image)");
      return NULL;
    }
  if (ctx != NULL && ctx->lab != NULL && !check_lab (plan, kf, ctx, error))
    return NULL;
  return g_steal_pointer (&plan);
}

TfRegressPlan *
tf_regress_plan_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return tf_regress_plan_load_data (path, data, len, NULL, error);
}

TfRegressSuite *
tf_regress_plan_suite (TfRegressPlan *plan, const char *name)
{
  for (guint i = 0; i < plan->suites->len; i++)
    {
      TfRegressSuite *s = g_ptr_array_index (plan->suites, i);
      if (g_strcmp0 (s->name, name) == 0)
        return s;
    }
  return NULL;
}

TfRegressPeer *
tf_regress_plan_peer (TfRegressPlan *plan, const char *name)
{
  for (guint i = 0; i < plan->peers->len; i++)
    {
      TfRegressPeer *p = g_ptr_array_index (plan->peers, i);
      if (g_strcmp0 (p->name, name) == 0)
        return p;
    }
  return NULL;
}

gboolean
tf_regress_plan_wants_board (TfRegressPlan *plan, const char *board, const char *type)
{
  return g_strv_contains ((const char *const *)plan->boards, board)
         || (type != NULL && g_strv_contains ((const char *const *)plan->board_types, type));
}
