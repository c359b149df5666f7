/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Write-Attributes parameters: parsing and validation (the model stores them). */
#define G_LOG_DOMAIN "TfLwm2m"

#include <math.h>
#include <string.h>

#include "tf-lwm2m-attrs.h"

typedef enum
{
  KIND_UINT,
  KIND_NUMBER,
  KIND_FLAG,
} Kind;

static const struct
{
  const char *name;
  Kind kind;
  gboolean resource_only;
} known[] = {
  { "pmin", KIND_UINT, FALSE },  { "pmax", KIND_UINT, FALSE },  { "epmin", KIND_UINT, FALSE },
  { "epmax", KIND_UINT, FALSE }, { "hqmax", KIND_UINT, FALSE }, { "gt", KIND_NUMBER, TRUE },
  { "lt", KIND_NUMBER, TRUE },   { "st", KIND_NUMBER, TRUE },   { "edge", KIND_FLAG, TRUE },
  { "con", KIND_FLAG, FALSE },
};

GHashTable *
tf_lwm2m_attrs_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

gboolean
tf_lwm2m_attrs_get_double (GHashTable *attrs, const char *name, gdouble *out)
{
  const char *v = attrs != NULL ? g_hash_table_lookup (attrs, name) : NULL;
  char *end = NULL;
  if (v == NULL)
    return FALSE;
  *out = g_ascii_strtod (v, &end);
  return end != v && *end == '\0' && isfinite (*out);
}

static gboolean
check_one (const TfLwm2mPath *p, const char *name, const char *value, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      gdouble d;
      char *end = NULL;
      if (!g_str_equal (known[i].name, name))
        continue;
      if (known[i].resource_only && p != NULL && p->len < 3)
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "attribute %s applies to resources only", name);
          return FALSE;
        }
      if (value == NULL)
        return TRUE;
      switch (known[i].kind)
        {
        case KIND_UINT:
          if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, NULL, NULL))
            break;
          return TRUE;
        case KIND_NUMBER:
          d = g_ascii_strtod (value, &end);
          if (end == value || *end != '\0' || !isfinite (d) || (g_str_equal (name, "st") && d < 0))
            break;
          return TRUE;
        case KIND_FLAG:
          if (!g_str_equal (value, "0") && !g_str_equal (value, "1"))
            break;
          return TRUE;
        }
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                   "attribute %s: bad value \"%.32s\"", name, value);
      return FALSE;
    }
  g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, "unknown attribute \"%.32s\"",
               name);
  return FALSE;
}

gboolean
tf_lwm2m_attrs_validate (const TfLwm2mPath *p, GHashTable *attrs, GError **error)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, attrs);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (!check_one (p, k, v, error))
      return FALSE;
  return TRUE;
}

gboolean
tf_lwm2m_attrs_check_consistent (GHashTable *attrs, GError **error)
{
  gdouble gt, lt, st = 0;
  if (tf_lwm2m_attrs_get_double (attrs, "gt", &gt) && tf_lwm2m_attrs_get_double (attrs, "lt", &lt))
    {
      tf_lwm2m_attrs_get_double (attrs, "st", &st);
      if (!(lt < gt) || !(lt + 2 * st < gt))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST,
                       "attributes need lt < gt and lt + 2*st < gt (lt %g, gt %g, st %g)", lt, gt,
                       st);
          return FALSE;
        }
    }
  return TRUE;
}

GHashTable *
tf_lwm2m_attrs_parse_query (const char *const *queries, guint n_queries, GError **error)
{
  g_autoptr (GHashTable) attrs = tf_lwm2m_attrs_new ();
  for (guint i = 0; i < n_queries; i++)
    {
      const char *q = queries[i];
      const char *eq = strchr (q, '=');
      g_autofree char *name = eq != NULL ? g_strndup (q, (gsize)(eq - q)) : g_strdup (q);
      const char *value = eq != NULL ? eq + 1 : NULL;
      if (!check_one (NULL, name, value, error))
        return NULL;
      g_hash_table_replace (attrs, g_steal_pointer (&name), g_strdup (value));
    }
  return g_steal_pointer (&attrs);
}
