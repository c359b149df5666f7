/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config's accounts and files: passwords (mosquitto's $7$ format,
 * PBKDF2 from nettle), files written atomically with their modes, the
 * passwords of an earlier run kept. */
#define G_LOG_DOMAIN "tf-broker-config"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <nettle/pbkdf2.h>

#include "tf-broker-config.h"
#include "tf-error.h"
#include "tf-keyfile.h"

void
tf_broker_account_free (TfBrokerAccount *a)
{
  g_free (a->user);
  g_free (a->password);
  g_free (a->comment);
  g_free (a);
}

const char *
tf_broker_role_name (TfBrokerRole r)
{
  switch (r)
    {
    case TF_BROKER_ROLE_DAEMON:
      return "daemon";
    case TF_BROKER_ROLE_STAFF:
      return "staff";
    case TF_BROKER_ROLE_COMPANY:
      return "company";
    case TF_BROKER_ROLE_HOST:
      return "host";
    }
  return "?";
}

static gboolean
random_bytes (guint8 *buf, gsize n, GError **error)
{
  gsize done = 0;
  while (done < n)
    {
      ssize_t r = getrandom (buf + done, n - done, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "getrandom: %s", g_strerror (errno));
          return FALSE;
        }
      done += r;
    }
  return TRUE;
}

/* 20 characters of an alphabet without look-alikes: about 116 bits. */
static char *
new_password (GError **error)
{
  static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const guint n = sizeof (alphabet) - 1;
  GString *s = g_string_new (NULL);
  while (s->len < 20)
    {
      guint8 b;
      if (!random_bytes (&b, 1, error))
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      if (b < 256 - 256 % n) /* no modulo bias */
        g_string_append_c (s, alphabet[b % n]);
    }
  return g_string_free (s, FALSE);
}

/* One line of a mosquitto password file: "user:$7$101$SALT$HASH". */
char *
tf_broker_password_line (const char *user, const char *password, GError **error)
{
  guint8 salt[TF_BROKER_PW_SALT_LEN], hash[TF_BROKER_PW_HASH_LEN];
  g_autofree char *salt64 = NULL, *hash64 = NULL;

  if (!random_bytes (salt, sizeof (salt), error))
    return NULL;
  /* PBKDF2-HMAC-SHA512 (RFC 8018) from nettle, as mosquitto_passwd computes it */
  pbkdf2_hmac_sha512 (strlen (password), (const uint8_t *)password, TF_BROKER_PW_ITERATIONS,
                      sizeof (salt), salt, sizeof (hash), hash);
  salt64 = g_base64_encode (salt, sizeof (salt));
  hash64 = g_base64_encode (hash, sizeof (hash));
  return g_strdup_printf ("%s:$7$%u$%s$%s\n", user, TF_BROKER_PW_ITERATIONS, salt64, hash64);
}

/* Write @path atomically with @mode, then give it to root and @group (when
 * we are root and the group exists) so that only that service can read it. */
gboolean
tf_broker_write_file (const char *path, const char *text, int mode, const char *group,
                      GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &local))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  if (group != NULL && geteuid () == 0)
    {
      struct group *gr = getgrnam (group);
      if (gr != NULL && chown (path, 0, gr->gr_gid) != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: chown: %s", path, g_strerror (errno));
          return FALSE;
        }
      if (gr == NULL)
        mode &= 0600;
    }
  if (g_chmod (path, mode) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: chmod: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* A file or folder the broker writes (its log, its persistence): owned by its user. */
gboolean
tf_broker_give_to_broker (TfBrokerTool *t, const char *path, GError **error)
{
  struct passwd *pw;
  if (geteuid () != 0 || (pw = getpwnam (t->owner)) == NULL)
    return TRUE;
  if (chown (path, pw->pw_uid, pw->pw_gid) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: chown: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static char *
first_line (const char *path)
{
  g_autofree char *data = NULL;
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  data[strcspn (data, "\r\n")] = '\0';
  return data[0] != '\0' ? g_steal_pointer (&data) : NULL;
}

/* The passwords of an earlier run (DIR/credentials), kept unless --renew. */
void
tf_broker_load_known (TfBrokerTool *t, const char *path)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  if (t->renew || !g_file_get_contents (path, &data, NULL, NULL))
    return;
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", 3);
      if (f[0] == NULL || f[0][0] == '#' || f[0][0] == '\0' || f[1] == NULL || f[1][0] == '\0')
        continue;
      g_hash_table_replace (t->known, g_strdup (f[0]), g_strdup (f[1]));
    }
}

gboolean
tf_broker_add_account (TfBrokerTool *t, const char *user, TfBrokerRole role, const char *comment,
                       GError **error)
{
  TfBrokerAccount *a;
  const char *known = g_hash_table_lookup (t->known, user);
  for (guint i = 0; i < t->accounts->len; i++)
    if (g_strcmp0 (((TfBrokerAccount *)g_ptr_array_index (t->accounts, i))->user, user) == 0)
      {
        g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                     "account '%s' would be given twice (staff, daemon, company and host "
                     "account names must differ)",
                     user);
        return FALSE;
      }
  a = g_new0 (TfBrokerAccount, 1);
  a->user = g_strdup (user);
  a->role = role;
  a->comment = g_strdup (comment);
  a->password = g_strdup (known);
  g_ptr_array_add (t->accounts, a);
  if (a->password == NULL && (a->password = new_password (error)) == NULL)
    return FALSE;
  return TRUE;
}

/* The lab file names the daemon's account and where its password lives; that
 * file must exist before tf_lab_config_load accepts the lab file, so it is
 * looked at (and written, when missing) first. */
gboolean
tf_broker_prepare_daemon_account (TfBrokerTool *t, GError **error)
{
  g_autoptr (TfKeyFile) kf = tf_key_file_load (t->lab_path, error);
  g_autofree char *pwf = NULL, *user = NULL, *dir = NULL, *password = NULL;
  if (kf == NULL)
    return FALSE;
  if (!tf_key_file_get_string (kf, "broker", "user", FALSE, NULL, &user, error)
      || !tf_key_file_get_string (kf, "broker", "password-file", FALSE, NULL, &pwf, error))
    return FALSE;
  if (user == NULL)
    {
      guint line = tf_key_file_line (kf, "broker", NULL);
      g_printerr ("%s:%u: [broker] user: not set, so testfestd connects without an account and "
                  "is refused; its account here is 'testfestd' (set user = testfestd and "
                  "password-file)\n",
                  t->lab_path, line ? line : 1);
      user = g_strdup ("testfestd");
    }
  else if (pwf == NULL)
    return tf_key_file_fail (kf, error, "broker", "user",
                             "'%s' needs password-file (where testfestd finds its password)", user);
  t->daemon_user = g_steal_pointer (&user);
  if (pwf == NULL)
    return TRUE;
  dir = g_path_get_dirname (t->lab_path);
  t->daemon_password_file = g_canonicalize_filename (pwf, dir);
  /* an earlier run's password stays, so a running daemon is not locked out */
  if (g_hash_table_lookup (t->known, t->daemon_user) == NULL && !t->renew
      && (password = first_line (t->daemon_password_file)) != NULL)
    g_hash_table_replace (t->known, g_strdup (t->daemon_user), g_steal_pointer (&password));
  if (!g_file_test (t->daemon_password_file, G_FILE_TEST_EXISTS))
    return tf_broker_write_file (t->daemon_password_file, "", 0640, "testfest", error);
  return TRUE;
}

/* The broker's persistence folder and log (it names client ids and
 * addresses: an existing log is fixed, not trusted). */
gboolean
tf_broker_prepare_dirs (TfBrokerTool *t, GError **error)
{
  if (t->persistence == NULL)
    t->persistence = g_strdup ("/var/lib/mosquitto");
  else if (g_mkdir_with_parents (t->persistence, 0750) != 0 || g_chmod (t->persistence, 0750) != 0
           || !tf_broker_give_to_broker (t, t->persistence, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", t->persistence, g_strerror (errno));
      return FALSE;
    }
  if (t->log_file == NULL)
    return TRUE;
  if (!g_file_test (t->log_file, G_FILE_TEST_EXISTS)
      && !tf_broker_write_file (t->log_file, "", 0640, NULL, error))
    return FALSE;
  if (g_chmod (t->log_file, 0640) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: chmod: %s", t->log_file, g_strerror (errno));
      return FALSE;
    }
  return tf_broker_give_to_broker (t, t->log_file, error);
}

/* DIR/passwd (mosquitto's, 0640; none when @passwd is NULL) and
 * DIR/credentials (staff's, 0600), and the daemon's own password file named
 * in the lab file. */
gboolean
tf_broker_write_accounts (TfBrokerTool *t, const char *passwd, const char *creds, const char *title,
                          GError **error)
{
  g_autoptr (GString) pw = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);

  g_string_append_printf (cr,
                          "# MQTT accounts of %s, written by tf-broker-config.\n"
                          "# Hand each line to its owner only. USER PASSWORD ROLE [NAME]\n",
                          title);
  for (guint i = 0; i < t->accounts->len; i++)
    {
      TfBrokerAccount *a = g_ptr_array_index (t->accounts, i);
      if (passwd != NULL)
        {
          g_autofree char *line = tf_broker_password_line (a->user, a->password, error);
          if (line == NULL)
            return FALSE;
          g_string_append (pw, line);
        }
      g_string_append_printf (cr, "%s %s %s%s%s\n", a->user, a->password,
                              tf_broker_role_name (a->role), a->comment ? " " : "",
                              a->comment ? a->comment : "");
    }
  if ((passwd != NULL && !tf_broker_write_file (passwd, pw->str, 0640, t->owner, error))
      || !tf_broker_write_file (creds, cr->str, 0600, NULL, error))
    return FALSE;
  if (t->daemon_password_file != NULL)
    {
      g_autofree char *line
          = g_strdup_printf ("%s\n", ((TfBrokerAccount *)t->accounts->pdata[0])->password);
      if (!tf_broker_write_file (t->daemon_password_file, line, 0640, "testfest", error))
        return FALSE;
    }
  return TRUE;
}
