/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The credentials file the central broker's set-up writes for a farm host. */
#define G_LOG_DOMAIN "tf-broker-config"

#include <string.h>

#include "tf-broker-creds.h"
#include "tf-error.h"
#include "tf-json.h"

/* "USER PASSWORD host NAME LAB" for this host; comments and blank lines
 * skipped; every other line refused with FILE:LINE. */
gboolean
tf_broker_parse_host_credentials (const char *path, const char *data, gsize len, const char *host,
                                  const char *lab, char **user, char **password, GError **error)
{
  g_autofree char *expected = g_strconcat ("host-", host, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) others = g_string_new (NULL);

  if (len > TF_BROKER_MAX_CREDENTIALS_BYTES || memchr (data, '\0', len) != NULL
      || !g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "%s: not a host's credentials file (over %u bytes, or not text)", path,
                   TF_BROKER_MAX_CREDENTIALS_BYTES);
      return FALSE;
    }
  text = g_strndup (data, len);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) f = g_ptr_array_new ();
      g_auto (GStrv) words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      for (guint w = 0; words[w] != NULL; w++)
        if (words[w][0] != '\0')
          g_ptr_array_add (f, words[w]);
      if (f->len != 5 || g_strcmp0 (f->pdata[2], "host") != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: expected 'USER PASSWORD host NAME LAB' (the file tf-broker-config "
                       "--host NAME writes on the central broker)",
                       path, i + 1);
          return FALSE;
        }
      /* the password goes into mosquitto.conf: nothing that could end its line */
      if (!tf_json_valid_id (f->pdata[1], 256) || !tf_json_valid_id (f->pdata[3], 64)
          || !tf_json_valid_id (f->pdata[4], 64))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: the password, host and lab may hold only letters, digits, '-', "
                       "'_' and '.'",
                       path, i + 1);
          return FALSE;
        }
      if (g_strcmp0 (f->pdata[3], host) != 0 || g_strcmp0 (f->pdata[4], lab) != 0)
        {
          g_string_append_printf (others, "%s'%s' of lab '%s'", others->len ? ", " : "",
                                  (char *)f->pdata[3], (char *)f->pdata[4]);
          continue;
        }
      if (g_strcmp0 (f->pdata[0], expected) != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                       "%s:%u: host '%s' has the account '%s', not '%s'", path, i + 1, host,
                       expected, (char *)f->pdata[0]);
          return FALSE;
        }
      *user = g_strdup (f->pdata[0]);
      *password = g_strdup (f->pdata[1]);
      return TRUE;
    }
  g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
               "%s: no account for host '%s' of lab '%s' (the lab file's [lab] host and name)%s%s",
               path, host, lab, others->len ? "; the file is for " : "", others->str);
  return FALSE;
}
