/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config: the mosquitto set-up of a lab, written from the lab file
 * and the event file. Every company sees its own private subtree and nothing
 * of the others'; the floor is public only where the event allows it. */
#define G_LOG_DOMAIN "tf-broker-config"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <nettle/pbkdf2.h>

#include "tf-event.h"
#include "tf-key-lines.h"
#include "tf-config.h"
#include "tf-error.h"
#include "tf-keyfile.h"

/* What a page may read without an account: the floor, no results. */
static const char *const public_topics[]
    = { "host/+/status", "board/+/state", "schedule", "session/+/state", "summary", NULL };

/* What the daemon publishes: its host status, boards, the floor, the
 * companies' private reports, consoles and traces, and replies. */
static const char *const daemon_topics[] = { "host/+/status",
                                             "board/+/state",
                                             "schedule",
                                             "session/+/state",
                                             "summary",
                                             "private/+/session/+/report",
                                             "private/+/session/+/console",
                                             "private/+/session/+/trace",
                                             "regress/#",
                                             "private/+/regress/#",
                                             "reply/#",
                                             NULL };

/* The largest MQTT packet the broker takes from anyone: requests are capped
 * at 64 KiB by the daemon, reports with their evidence stay well below. */
#define MAX_PACKET_SIZE (1024 * 1024)

/* mosquitto_passwd's format for PBKDF2-SHA512 ("$7$"), with its defaults */
#define PW_ITERATIONS 101
#define PW_SALT_LEN 12
#define PW_HASH_LEN 64

typedef enum
{
  ROLE_DAEMON,
  ROLE_STAFF,
  ROLE_COMPANY,
} Role;

typedef struct
{
  char *user;
  char *password;
  Role role;
  char *comment; /* the company's name */
} Account;

static void
account_free (Account *a)
{
  g_free (a->user);
  g_free (a->password);
  g_free (a->comment);
  g_free (a);
}

typedef struct
{
  char *lab_path, *event_path, *out_dir;
  int ws_port, tls_port, wss_port;
  char *bind, *cert, *key, *cafile, *persistence, *log_file, *anonymous_read, *owner, *plugin;
  GStrv staff;
  gboolean renew;
  /* derived */
  TfLabConfig *lab;
  TfEvent *event;
  gboolean anonymous;
  char *daemon_user;
  char *daemon_password_file;
  GPtrArray *accounts; /* Account */
  GHashTable *known;   /* user -> password, from an earlier run */
} Tool;

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
static char *
password_line (const char *user, const char *password, GError **error)
{
  guint8 salt[PW_SALT_LEN], hash[PW_HASH_LEN];
  g_autofree char *salt64 = NULL, *hash64 = NULL;

  if (!random_bytes (salt, sizeof (salt), error))
    return NULL;
  /* PBKDF2-HMAC-SHA512 (RFC 8018) from nettle, as mosquitto_passwd computes it */
  pbkdf2_hmac_sha512 (strlen (password), (const uint8_t *)password, PW_ITERATIONS, sizeof (salt),
                      salt, sizeof (hash), hash);
  salt64 = g_base64_encode (salt, sizeof (salt));
  hash64 = g_base64_encode (hash, sizeof (hash));
  return g_strdup_printf ("%s:$7$%u$%s$%s\n", user, PW_ITERATIONS, salt64, hash64);
}

/* Write @path atomically with @mode, then give it to root and @group (when
 * we are root and the group exists) so that only that service can read it. */
static gboolean
write_file (const char *path, const char *text, int mode, const char *group, GError **error)
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
static gboolean
give_to_broker (Tool *t, const char *path, GError **error)
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
static void
load_known (Tool *t, const char *path)
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

static gboolean
add_account (Tool *t, const char *user, Role role, const char *comment, const char *password,
             GError **error)
{
  Account *a;
  const char *known = g_hash_table_lookup (t->known, user);
  for (guint i = 0; i < t->accounts->len; i++)
    if (g_strcmp0 (((Account *)g_ptr_array_index (t->accounts, i))->user, user) == 0)
      {
        g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                     "account '%s' would be given twice (staff, daemon and company names must "
                     "differ)",
                     user);
        return FALSE;
      }
  a = g_new0 (Account, 1);
  a->user = g_strdup (user);
  a->role = role;
  a->comment = g_strdup (comment);
  a->password = g_strdup (known != NULL ? known : password);
  g_ptr_array_add (t->accounts, a);
  if (a->password == NULL && (a->password = new_password (error)) == NULL)
    return FALSE;
  return TRUE;
}

/* The lab file names the daemon's account and where its password lives; that
 * file must exist before tf_lab_config_load accepts the lab file, so it is
 * looked at (and written, when missing) first. */
static gboolean
prepare_daemon_account (Tool *t, GError **error)
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
    return write_file (t->daemon_password_file, "", 0640, "testfest", error);
  return TRUE;
}

static gboolean
parse_bool (const char *v, gboolean *out)
{
  if (g_strcmp0 (v, "yes") == 0 || g_strcmp0 (v, "true") == 0 || g_strcmp0 (v, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (v, "no") == 0 || g_strcmp0 (v, "false") == 0 || g_strcmp0 (v, "0") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* The event file (read once, by the event loader): its companies become
 * accounts, and [event] allow-anonymous-read opens the public floor. */
static gboolean
load_event (Tool *t, GError **error)
{
  t->event = tf_event_load_file (t->event_path, error);
  if (t->event == NULL)
    return FALSE;
  t->anonymous = t->event->allow_anonymous_read;
  if (t->anonymous_read != NULL && !parse_bool (t->anonymous_read, &t->anonymous))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "--anonymous-read: '%s' is not yes or no", t->anonymous_read);
      return FALSE;
    }
  /* company ids become account names: they must not collide with ours */
  {
    TfKeyLines *kl = t->event->lines;
    for (guint i = 0; i < t->event->companies->len; i++)
      {
        const TfCompany *c = g_ptr_array_index (t->event->companies, i);
        g_autofree char *group = g_strdup_printf ("company %s", c->id);
        gboolean clash = g_strcmp0 (c->id, t->daemon_user) == 0;
        for (guint s = 0; t->staff[s] != NULL; s++)
          clash = clash || g_strcmp0 (c->id, t->staff[s]) == 0;
        if (clash)
          return tf_key_lines_fail (kl, error, group, NULL,
                                    "'%s' is also the name of a staff or daemon account: rename "
                                    "the company or give --staff another name",
                                    c->id);
      }
  }
  return TRUE;
}

static void
acl_public (GString *s, const char *lab)
{
  for (guint i = 0; public_topics[i] != NULL; i++)
    g_string_append_printf (s, "topic read tf/%s/%s\n", lab, public_topics[i]);
}

static char *
acl_text (Tool *t)
{
  const char *lab = t->lab->lab;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s,
                          "# Written by tf-broker-config from %s and %s: run it again rather "
                          "than editing.\n"
                          "# Lab '%s'. Anonymous clients: %s.\n\n",
                          t->lab_path, t->event_path, lab,
                          t->anonymous ? "read of the public floor" : "refused");
  g_string_append (s, "# Anonymous clients (only when allow_anonymous is true)\n");
  if (t->anonymous)
    acl_public (s, lab);
  /* deny comes first: no anonymous client takes a reply meant for another */
  g_string_append_printf (s, "topic deny tf/%s/reply/#\n\n", lab);
  g_string_append_printf (s,
                          "# Request/response: a client reads only the replies addressed to "
                          "its own account and client id\npattern read tf/%s/reply/%%u/%%c/#\n",
                          lab);
  for (guint i = 0; i < t->accounts->len; i++)
    {
      Account *a = g_ptr_array_index (t->accounts, i);
      g_string_append_printf (s, "\nuser %s\n", a->user);
      switch (a->role)
        {
        case ROLE_DAEMON:
          /* what it publishes, and nothing else: never a request in a
           * company's in/ or a staff cmd/, which it only reads */
          for (guint j = 0; daemon_topics[j] != NULL; j++)
            g_string_append_printf (s, "topic write tf/%s/%s\n", lab, daemon_topics[j]);
          g_string_append_printf (s, "topic read tf/%s/cmd/+\ntopic read tf/%s/in/+/+\n", lab,
                                  lab);
          break;
        case ROLE_STAFF:
          acl_public (s, lab);
          g_string_append_printf (s, "topic read tf/%s/private/#\ntopic write tf/%s/cmd/#\n", lab,
                                  lab);
          /* the regression queue's progress and board health (staff only) */
          g_string_append_printf (s, "topic read tf/%s/regress/#\n", lab);
          break;
        case ROLE_COMPANY:
          acl_public (s, lab);
          g_string_append_printf (s, "topic read tf/%s/private/%s/#\ntopic write tf/%s/in/%s/#\n",
                                  lab, a->user, lab, a->user);
          break;
        }
    }
  return g_string_free (s, FALSE);
}

static void
tls_lines (Tool *t, GString *s)
{
  g_string_append_printf (s, "certfile %s\nkeyfile %s\ntls_version tlsv1.2\n", t->cert, t->key);
  if (t->cafile != NULL)
    g_string_append_printf (s, "cafile %s\n", t->cafile);
}

static char *
conf_text (Tool *t, const char *passwd, const char *acl)
{
  GString *s = g_string_new (NULL);
  /* " ADDR" after a listener's port, or nothing: every interface */
  g_autofree char *bind = t->bind != NULL ? g_strconcat (" ", t->bind, NULL) : g_strdup ("");
  gboolean lab_tls = t->lab->broker_tls;

  g_string_append_printf (s,
                          "# Written by tf-broker-config from %s and %s: run it again rather "
                          "than editing.\n# Start: mosquitto -c %s/mosquitto.conf; after a new "
                          "run, SIGHUP reloads the accounts and the ACL.\n\n",
                          t->lab_path, t->event_path, t->out_dir);
  g_string_append_printf (s,
                          "per_listener_settings false\nallow_anonymous %s\npassword_file %s\n"
                          "acl_file %s\n",
                          t->anonymous ? "true" : "false", passwd, acl);
  /* client ids belong to accounts: nobody takes over the daemon's session */
  g_string_append_printf (s, "plugin %s\nplugin_opt_password_file %s\n", t->plugin, passwd);
  /* oversized packets are refused by the broker before anyone parses them */
  g_string_append_printf (s, "max_packet_size %u\n", MAX_PACKET_SIZE);
  /* retained reports and the schedule survive a broker restart */
  g_string_append_printf (s, "persistence true\npersistence_location %s/\n", t->persistence);
  if (t->log_file != NULL)
    g_string_append_printf (s, "log_dest file %s\n", t->log_file);
  else
    g_string_append (s, "log_dest syslog\n");
  g_string_append (s, "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
                      "connection_messages true\n");
  /* mosquitto queues at most this many QoS 1 messages per client: a
   * dashboard that connects late takes every retained board at once */
  g_string_append (s, "max_queued_messages 100000\n");

  if (t->cert != NULL && !lab_tls)
    /* with a certificate, nothing in clear leaves this host: plain MQTT
     * only on loopback, for the daemon beside the broker */
    g_string_append_printf (s,
                            "\n# MQTT in clear: this host's testfestd only (loopback)\n"
                            "listener %u 127.0.0.1\n",
                            t->lab->broker_port);
  else
    g_string_append_printf (s,
                            "\n# MQTT%s: testfestd on every lab host, testfestctl, bridges\n"
                            "listener %u%s\n",
                            lab_tls ? " over TLS" : "", t->lab->broker_port, bind);
  if (lab_tls)
    tls_lines (t, s);
  if (t->cert != NULL && !lab_tls)
    {
      g_string_append_printf (s, "\n# MQTT over TLS\nlistener %d%s\n", t->tls_port, bind);
      tls_lines (t, s);
    }
  /* mosquitto 2.0.11's websockets listener binds every interface whatever
   * it is told (libwebsockets is handed no address), so none is written
   * unless asked for: the dashboard's websockets are tf-web's /mqtt (tf-web
   * --mqtt), which binds where it is told and carries them to the TCP
   * listener above. With a certificate, only the secure one is written. */
  if (t->cert == NULL && t->ws_port > 0)
    {
      g_string_append_printf (s,
                              "\n# MQTT over websockets: the dashboard (every interface, see "
                              "README)\nlistener %d\nprotocol websockets\n",
                              t->ws_port);
    }
  if (t->cert != NULL && t->wss_port > 0)
    {
      g_string_append_printf (s,
                              "\n# MQTT over secure websockets: the dashboard served over "
                              "https\nlistener %d\nprotocol websockets\n",
                              t->wss_port);
      tls_lines (t, s);
    }
  return g_string_free (s, FALSE);
}

static const char *
role_name (Role r)
{
  return r == ROLE_DAEMON ? "daemon" : r == ROLE_STAFF ? "staff" : "company";
}

static gboolean
run (Tool *t, GError **error)
{
  g_autofree char *passwd = NULL, *acl = NULL, *conf = NULL, *creds = NULL;
  g_autofree char *acl_data = NULL, *conf_data = NULL;
  g_autoptr (GString) pw = g_string_new (NULL);
  g_autoptr (GString) cr = g_string_new (NULL);

  if (g_mkdir_with_parents (t->out_dir, 0755) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", t->out_dir, g_strerror (errno));
      return FALSE;
    }
  passwd = g_build_filename (t->out_dir, "passwd", NULL);
  acl = g_build_filename (t->out_dir, "acl", NULL);
  conf = g_build_filename (t->out_dir, "mosquitto.conf", NULL);
  creds = g_build_filename (t->out_dir, "credentials", NULL);
  load_known (t, creds);

  if (!prepare_daemon_account (t, error))
    return FALSE;
  t->lab = tf_lab_config_load (t->lab_path, error);
  if (t->lab == NULL)
    return FALSE;
  if (t->event_path == NULL)
    {
      if (t->lab->event == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "%s names no event file ([lab] event): give --event", t->lab_path);
          return FALSE;
        }
      t->event_path = g_strdup (t->lab->event);
    }
  if (t->lab->broker_tls && t->cert == NULL)
    {
      g_autoptr (TfKeyFile) kf = tf_key_file_load (t->lab_path, NULL);
      return tf_key_file_fail (kf, error, "broker", "tls",
                               "the lab's broker speaks TLS: give --cert and --key");
    }
  if (!load_event (t, error))
    return FALSE;
  {
    const char *tls_files[] = { t->cert, t->key, t->cafile };
    for (guint i = 0; i < G_N_ELEMENTS (tls_files); i++)
      if (tls_files[i] != NULL && !g_file_test (tls_files[i], G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "no such file %s", tls_files[i]);
          return FALSE;
        }
  }

  if (!add_account (t, t->daemon_user, ROLE_DAEMON, NULL, NULL, error))
    return FALSE;
  for (guint i = 0; t->staff[i] != NULL; i++)
    if (!add_account (t, t->staff[i], ROLE_STAFF, NULL, NULL, error))
      return FALSE;
  for (guint i = 0; i < t->event->companies->len; i++)
    {
      const TfCompany *c = g_ptr_array_index (t->event->companies, i);
      if (!add_account (t, c->id, ROLE_COMPANY, c->name, NULL, error))
        return FALSE;
    }

  g_string_append_printf (cr,
                          "# MQTT accounts of lab '%s' (%s), written by tf-broker-config.\n"
                          "# Hand each line to its owner only. USER PASSWORD ROLE [NAME]\n",
                          t->lab->lab, t->event->name);
  for (guint i = 0; i < t->accounts->len; i++)
    {
      Account *a = g_ptr_array_index (t->accounts, i);
      g_autofree char *line = password_line (a->user, a->password, error);
      if (line == NULL)
        return FALSE;
      g_string_append (pw, line);
      g_string_append_printf (cr, "%s %s %s%s%s\n", a->user, a->password, role_name (a->role),
                              a->comment ? " " : "", a->comment ? a->comment : "");
    }

  if (t->persistence == NULL)
    t->persistence = g_strdup ("/var/lib/mosquitto");
  else if (g_mkdir_with_parents (t->persistence, 0750) != 0 || g_chmod (t->persistence, 0750) != 0
           || !give_to_broker (t, t->persistence, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", t->persistence, g_strerror (errno));
      return FALSE;
    }
  if (t->log_file != NULL)
    {
      /* it names client ids and addresses: an existing log is fixed, not trusted */
      if (!g_file_test (t->log_file, G_FILE_TEST_EXISTS)
          && !write_file (t->log_file, "", 0640, NULL, error))
        return FALSE;
      if (g_chmod (t->log_file, 0640) != 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: chmod: %s", t->log_file,
                       g_strerror (errno));
          return FALSE;
        }
      if (!give_to_broker (t, t->log_file, error))
        return FALSE;
    }

  acl_data = acl_text (t);
  conf_data = conf_text (t, passwd, acl);
  if (!write_file (passwd, pw->str, 0640, t->owner, error)
      || !write_file (acl, acl_data, 0640, t->owner, error)
      || !write_file (conf, conf_data, 0644, NULL, error)
      || !write_file (creds, cr->str, 0600, NULL, error))
    return FALSE;
  if (t->daemon_password_file != NULL)
    {
      g_autofree char *line
          = g_strdup_printf ("%s\n", ((Account *)t->accounts->pdata[0])->password);
      if (!write_file (t->daemon_password_file, line, 0640, "testfest", error))
        return FALSE;
    }
  g_print ("%s\n%s\n%s\n%s (mode 0600: %u accounts)\n", conf, passwd, acl, creds, t->accounts->len);
  if (t->daemon_password_file != NULL)
    g_print ("%s (the daemon's password)\n", t->daemon_password_file);
  return TRUE;
}

static void
absolutize (char **path)
{
  char *absolute;
  if (*path == NULL)
    return;
  absolute = g_canonicalize_filename (*path, NULL);
  g_free (*path);
  *path = absolute;
}

/* Beside this program when it runs from a build tree, else where meson
 * installs it. */
static char *
find_plugin (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *here = g_build_filename (dir, "tf-broker-plugin.so", NULL);
      if (g_file_test (here, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&here);
    }
  return g_build_filename (TF_PLUGINDIR, "tf-broker-plugin.so", NULL);
}

int
main (int argc, char **argv)
{
  Tool t = { .ws_port = 0, .tls_port = 8883, .wss_port = 0 };
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  const GOptionEntry entries[] = {
    { "lab", 'l', 0, G_OPTION_ARG_FILENAME, &t.lab_path,
      "Lab file (lab name, broker port, the daemon's account)", "LAB.conf" },
    { "event", 'e', 0, G_OPTION_ARG_FILENAME, &t.event_path,
      "Event file (the companies; default: the lab file's [lab] event)", "EVENT" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &t.out_dir,
      "Where to write mosquitto.conf, passwd, acl and credentials", "DIR" },
    { "ws-port", 0, 0, G_OPTION_ARG_INT, &t.ws_port,
      "mosquitto's own websockets listener (default none: it binds every interface; serve the "
      "dashboard's websockets with tf-web --mqtt instead)",
      "PORT" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &t.bind,
      "Address of the MQTT (TCP) listeners (default: every interface)", "ADDR" },
    { "staff", 0, 0, G_OPTION_ARG_STRING_ARRAY, &t.staff,
      "A staff account (repeat; default: staff)", "NAME" },
    { "anonymous-read", 0, 0, G_OPTION_ARG_STRING, &t.anonymous_read,
      "yes: anyone may read the public floor (default: the event's allow-anonymous-read, else no)",
      "yes|no" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &t.cert,
      "TLS certificate: adds TLS and secure websockets listeners", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &t.key, "TLS private key", "FILE" },
    { "cafile", 0, 0, G_OPTION_ARG_FILENAME, &t.cafile, "CA chain for the certificate", "FILE" },
    { "tls-port", 0, 0, G_OPTION_ARG_INT, &t.tls_port, "MQTT over TLS listener (default 8883)",
      "PORT" },
    { "wss-port", 0, 0, G_OPTION_ARG_INT, &t.wss_port,
      "mosquitto's own secure websockets listener, with --cert (default none: tf-web --cert serves "
      "wss)",
      "PORT" },
    { "persistence", 0, 0, G_OPTION_ARG_FILENAME, &t.persistence,
      "Where the broker keeps retained messages (default /var/lib/mosquitto)", "DIR" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &t.log_file, "The broker's log file (default: syslog)",
      "FILE" },
    { "plugin", 0, 0, G_OPTION_ARG_FILENAME, &t.plugin,
      "The client-id plugin (default: beside this program, else " TF_PLUGINDIR ")", "FILE" },
    { "broker-user", 0, 0, G_OPTION_ARG_STRING, &t.owner,
      "The user the broker runs as (default mosquitto)", "USER" },
    { "renew", 0, 0, G_OPTION_ARG_NONE, &t.renew,
      "New passwords for every account (default: keep an earlier run's); restart testfestd after "
      "it",
      NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- write the mosquitto set-up of a TestFest lab");
  g_option_context_set_description (
      ctx, "Writes DIR/mosquitto.conf, DIR/passwd and DIR/acl (readable by the broker only),\n"
           "DIR/credentials (every account's password, mode 0600, for staff to hand out) and\n"
           "the daemon's password file named in the lab file. Companies read\n"
           "tf/LAB/private/COMPANY/# and write tf/LAB/in/COMPANY/#; staff read every private\n"
           "subtree and write cmd/; the daemon writes what it publishes (never in/ or cmd/)\n"
           "and reads cmd/ and in/. A client id that names an account (NAME or NAME-...) is\n"
           "usable by that account alone (the tf-broker-plugin mosquitto plugin).\n");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("tf-broker-config: %s\n", error->message);
      return 2;
    }
  if (t.lab_path == NULL || t.out_dir == NULL)
    {
      g_printerr ("tf-broker-config: --lab and --out are required (see --help)\n");
      return 2;
    }
  if ((t.cert == NULL) != (t.key == NULL))
    {
      g_printerr ("tf-broker-config: --cert and --key go together\n");
      return 2;
    }
  if (t.staff == NULL)
    t.staff = g_strdupv ((char *[]){ "staff", NULL });
  if (t.owner == NULL)
    t.owner = g_strdup ("mosquitto");
  if (t.plugin == NULL)
    t.plugin = find_plugin ();
  if (!g_file_test (t.plugin, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("tf-broker-config: %s: the client-id plugin is missing (--plugin FILE)\n",
                  t.plugin);
      return 2;
    }
  /* the broker runs elsewhere (its own working directory): absolute paths only */
  absolutize (&t.lab_path);
  absolutize (&t.event_path);
  absolutize (&t.out_dir);
  absolutize (&t.persistence);
  absolutize (&t.log_file);
  absolutize (&t.plugin);
  absolutize (&t.cert);
  absolutize (&t.key);
  absolutize (&t.cafile);
  t.accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)account_free);
  t.known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  status = 0;
  if (!run (&t, &error))
    {
      g_printerr ("tf-broker-config: %s\n", error->message);
      status = g_error_matches (error, TF_ERROR, TF_ERROR_IO) ? 1 : 2;
    }
  g_clear_pointer (&t.lab, tf_lab_config_free);
  g_clear_pointer (&t.event, tf_event_unref);
  g_ptr_array_unref (t.accounts);
  g_hash_table_unref (t.known);
  g_strfreev (t.staff);
  g_free (t.lab_path);
  g_free (t.event_path);
  g_free (t.out_dir);
  g_free (t.bind);
  g_free (t.cert);
  g_free (t.key);
  g_free (t.cafile);
  g_free (t.persistence);
  g_free (t.log_file);
  g_free (t.plugin);
  g_free (t.anonymous_read);
  g_free (t.owner);
  g_free (t.daemon_user);
  g_free (t.daemon_password_file);
  return status;
}
