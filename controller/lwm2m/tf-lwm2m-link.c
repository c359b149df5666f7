/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CoRE link format (RFC 6690 §2): <uri>;name=ptoken;name="quoted";flag,<uri>... */
#define G_LOG_DOMAIN "TfLwm2m"

#include <string.h>

#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-link.h"

TfLwm2mLink *
tf_lwm2m_link_new (const char *uri)
{
  TfLwm2mLink *l = g_new0 (TfLwm2mLink, 1);
  l->uri = g_strdup (uri);
  l->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return l;
}

void
tf_lwm2m_link_free (TfLwm2mLink *l)
{
  if (l == NULL)
    return;
  g_free (l->uri);
  g_hash_table_unref (l->attrs);
  g_free (l);
}

void
tf_lwm2m_link_set (TfLwm2mLink *l, const char *name, const char *value)
{
  g_hash_table_replace (l->attrs, g_strdup (name), g_strdup (value));
}

static gboolean
is_tokenchar (char c) /* RFC 2616 token, as parmname */
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$&+-.^_`|~", c) != NULL);
}

static gboolean
is_ptokenchar (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'()*+-./:<=>?@[]^_`{|}~", c) != NULL);
}

typedef struct
{
  const char *s;
  gsize len, pos;
} Scan;

static void
skip_ws (Scan *sc)
{
  while (sc->pos < sc->len
         && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' || sc->s[sc->pos] == '\r'
             || sc->s[sc->pos] == '\n'))
    sc->pos++;
}

static gboolean
bad (Scan *sc, GError **error, const char *what)
{
  tf_lwm2m_bad (error, "link format at byte %" G_GSIZE_FORMAT ": %s", sc->pos, what);
  return FALSE;
}

static gboolean
parse_param (Scan *sc, TfLwm2mLink *l, GError **error)
{
  gsize start = sc->pos;
  g_autofree char *name = NULL;
  g_autoptr (GString) value = NULL;

  while (sc->pos < sc->len && is_tokenchar (sc->s[sc->pos]))
    sc->pos++;
  if (sc->pos == start)
    return bad (sc, error, "expected a parameter name");
  name = g_strndup (sc->s + start, sc->pos - start);
  if (sc->pos < sc->len && sc->s[sc->pos] == '=')
    {
      value = g_string_new (NULL);
      sc->pos++;
      if (sc->pos < sc->len && sc->s[sc->pos] == '"')
        {
          sc->pos++;
          for (;;)
            {
              char c;
              if (sc->pos >= sc->len)
                return bad (sc, error, "unterminated quoted string");
              c = sc->s[sc->pos++];
              if (c == '"')
                break;
              if (c == '\\')
                {
                  if (sc->pos >= sc->len)
                    return bad (sc, error, "unterminated quoted string");
                  c = sc->s[sc->pos++];
                }
              if ((guchar)c < 0x20 || c == 0x7f)
                return bad (sc, error, "control character in a quoted string");
              g_string_append_c (value, c);
            }
          if (!g_utf8_validate (value->str, (gssize)value->len, NULL))
            return bad (sc, error, "quoted string is not UTF-8");
        }
      else
        {
          start = sc->pos;
          while (sc->pos < sc->len && is_ptokenchar (sc->s[sc->pos]))
            sc->pos++;
          if (sc->pos == start)
            return bad (sc, error, "expected a value after '='");
          g_string_append_len (value, sc->s + start, (gssize)(sc->pos - start));
        }
    }
  tf_lwm2m_link_set (l, name, value != NULL ? value->str : NULL);
  return TRUE;
}

GPtrArray *
tf_lwm2m_link_parse (const char *s, gsize len, GError **error)
{
  g_autoptr (GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_lwm2m_link_free);
  Scan sc = { s, len, 0 };

  if (len > TF_LWM2M_MAX_PAYLOAD)
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "link format of %" G_GSIZE_FORMAT " bytes (at most %u)", len,
                   TF_LWM2M_MAX_PAYLOAD);
      return NULL;
    }
  skip_ws (&sc);
  if (sc.pos == len)
    return g_steal_pointer (&links);
  for (;;)
    {
      g_autoptr (TfLwm2mLink) l = NULL;
      gsize start;

      skip_ws (&sc);
      if (sc.pos >= len || s[sc.pos] != '<')
        {
          bad (&sc, error, "expected '<'");
          return NULL;
        }
      start = ++sc.pos;
      while (sc.pos < len && s[sc.pos] != '>')
        {
          guchar c = (guchar)s[sc.pos];
          if (c <= 0x20 || c >= 0x7f || c == '<')
            {
              bad (&sc, error, "bad character in a URI");
              return NULL;
            }
          sc.pos++;
        }
      if (sc.pos >= len)
        {
          bad (&sc, error, "unterminated '<'");
          return NULL;
        }
      l = tf_lwm2m_link_new (NULL);
      l->uri = g_strndup (s + start, sc.pos - start);
      sc.pos++;
      skip_ws (&sc);
      while (sc.pos < len && s[sc.pos] == ';')
        {
          sc.pos++;
          skip_ws (&sc);
          if (!parse_param (&sc, l, error))
            return NULL;
          skip_ws (&sc);
        }
      if (links->len >= TF_LWM2M_MAX_RECORDS)
        {
          bad (&sc, error, "too many links");
          return NULL;
        }
      g_ptr_array_add (links, g_steal_pointer (&l));
      if (sc.pos == len)
        break;
      if (s[sc.pos] != ',')
        {
          bad (&sc, error, "expected ',' or ';'");
          return NULL;
        }
      sc.pos++;
    }
  return g_steal_pointer (&links);
}

static gint
attr_rank (const char *name)
{
  static const char *const order[]
      = { "rt", "ct", "ver", "dim",   "ssid",  "uri",  "pmin", "pmax",
          "gt", "lt", "st",  "epmin", "epmax", "edge", "con",  "hqmax" };
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (name, order[i]))
      return (gint)i;
  return G_N_ELEMENTS (order);
}

static gint
cmp_attr (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *)a;
  const char *y = *(const char *const *)b;
  gint rx = attr_rank (x), ry = attr_rank (y);
  return rx != ry ? rx - ry : strcmp (x, y);
}

static gboolean
needs_quotes (const char *name, const char *value)
{
  if (value[0] == '\0' || g_str_equal (name, "rt") || g_str_equal (name, "if")
      || g_str_equal (name, "title") || g_str_equal (name, "anchor"))
    return TRUE;
  for (const char *c = value; *c; c++)
    if (!is_ptokenchar (*c))
      return TRUE;
  return FALSE;
}

char *
tf_lwm2m_link_format (GPtrArray *links)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < links->len; i++)
    {
      const TfLwm2mLink *l = g_ptr_array_index (links, i);
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      GHashTableIter it;
      gpointer key;

      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append_printf (s, "<%s>", l->uri);
      if (l->attrs == NULL)
        continue;
      g_hash_table_iter_init (&it, l->attrs);
      while (g_hash_table_iter_next (&it, &key, NULL))
        g_ptr_array_add (names, key);
      g_ptr_array_sort (names, cmp_attr);
      for (guint k = 0; k < names->len; k++)
        {
          const char *name = g_ptr_array_index (names, k);
          const char *value = g_hash_table_lookup (l->attrs, name);
          g_string_append_printf (s, ";%s", name);
          if (value == NULL)
            continue;
          g_string_append_c (s, '=');
          if (!needs_quotes (name, value))
            {
              g_string_append (s, value);
              continue;
            }
          g_string_append_c (s, '"');
          for (const char *c = value; *c; c++)
            {
              if (*c == '"' || *c == '\\')
                g_string_append_c (s, '\\');
              g_string_append_c (s, *c);
            }
          g_string_append_c (s, '"');
        }
    }
  return g_string_free (s, FALSE);
}
