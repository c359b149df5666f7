/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config: the mosquitto set-up of a lab, written from the lab file
 * and the event file. Every company sees its own private subtree and nothing
 * of the others'; the floor is public only where the event allows it. With
 * --bridge-to it writes a farm host's own broker instead (tf-broker-host.c). */
#define G_LOG_DOMAIN "tf-broker-config"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "tf-broker-config.h"
#include "tf-error.h"
#include "tf-key-lines.h"
#include "tf-keyfile.h"

/* What a page may read without an account: the floor, no results. */
const char *const tf_broker_floor_topics[]
    = { "host/+/status", "board/+/state", "schedule", "session/+/state", "summary", NULL };

const char *const tf_broker_daemon_topics[] = { "host/+/status",
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
load_event (TfBrokerTool *t, GError **error)
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
  for (guint i = 0; tf_broker_floor_topics[i] != NULL; i++)
    g_string_append_printf (s, "topic read tf/%s/%s\n", lab, tf_broker_floor_topics[i]);
}

static char *
acl_text (TfBrokerTool *t)
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
      TfBrokerAccount *a = g_ptr_array_index (t->accounts, i);
      g_string_append_printf (s, "\nuser %s\n", a->user);
      switch (a->role)
        {
        case TF_BROKER_ROLE_DAEMON:
          /* what it publishes, and nothing else: never a request in a
           * company's in/ or a staff cmd/, which it only reads */
          for (guint j = 0; tf_broker_daemon_topics[j] != NULL; j++)
            g_string_append_printf (s, "topic write tf/%s/%s\n", lab, tf_broker_daemon_topics[j]);
          /* a farm's coordinator: the staff summary of its hosts */
          g_string_append_printf (s, "topic write tf/%s/hosts\n", lab);
          g_string_append_printf (s, "topic read tf/%s/cmd/+\ntopic read tf/%s/in/+/+\n", lab, lab);
          break;
        case TF_BROKER_ROLE_STAFF:
          acl_public (s, lab);
          g_string_append_printf (s, "topic read tf/%s/private/#\ntopic write tf/%s/cmd/#\n", lab,
                                  lab);
          /* the regression queue's progress and board health, and a farm's
           * hosts (staff only) */
          g_string_append_printf (s, "topic read tf/%s/regress/#\ntopic read tf/%s/hosts\n", lab,
                                  lab);
          break;
        case TF_BROKER_ROLE_COMPANY:
          acl_public (s, lab);
          g_string_append_printf (s, "topic read tf/%s/private/%s/#\ntopic write tf/%s/in/%s/#\n",
                                  lab, a->user, lab, a->user);
          break;
        case TF_BROKER_ROLE_HOST:
          break;
        }
      /* a farm's hosts and the coordinator's requests to them */
      tf_broker_acl_farm (t, s, a);
    }
  return g_string_free (s, FALSE);
}

static void
tls_lines (TfBrokerTool *t, GString *s)
{
  g_string_append_printf (s, "certfile %s\nkeyfile %s\ntls_version tlsv1.2\n", t->cert, t->key);
  if (t->cafile != NULL)
    g_string_append_printf (s, "cafile %s\n", t->cafile);
}

static char *
conf_text (TfBrokerTool *t, const char *passwd, const char *acl)
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
  g_string_append_printf (s, "max_packet_size %u\n", TF_BROKER_MAX_PACKET_SIZE);
  /* requests and answers are small: no Nagle delay behind a delayed ACK */
  g_string_append (s, "set_tcp_nodelay true\n");
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

static gboolean
run (TfBrokerTool *t, GError **error)
{
  g_autofree char *passwd = NULL, *acl = NULL, *conf = NULL, *creds = NULL, *title = NULL;
  g_autofree char *acl_data = NULL, *conf_data = NULL;

  if (g_mkdir_with_parents (t->out_dir, 0755) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", t->out_dir, g_strerror (errno));
      return FALSE;
    }
  if (t->bridge_to != NULL)
    return tf_broker_run_host (t, error);
  passwd = g_build_filename (t->out_dir, "passwd", NULL);
  acl = g_build_filename (t->out_dir, "acl", NULL);
  conf = g_build_filename (t->out_dir, "mosquitto.conf", NULL);
  creds = g_build_filename (t->out_dir, "credentials", NULL);
  tf_broker_load_known (t, creds);

  if (!tf_broker_prepare_daemon_account (t, error))
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

  if (!tf_broker_add_account (t, t->daemon_user, TF_BROKER_ROLE_DAEMON, NULL, error))
    return FALSE;
  for (guint i = 0; t->staff[i] != NULL; i++)
    if (!tf_broker_add_account (t, t->staff[i], TF_BROKER_ROLE_STAFF, NULL, error))
      return FALSE;
  for (guint i = 0; i < t->event->companies->len; i++)
    {
      const TfCompany *c = g_ptr_array_index (t->event->companies, i);
      if (!tf_broker_add_account (t, c->id, TF_BROKER_ROLE_COMPANY, c->name, error))
        return FALSE;
    }
  if (!tf_broker_add_hosts (t, error))
    return FALSE;
  if (t->ejabberd != NULL)
    return tf_broker_run_ejabberd (t, creds, error);
  if (!tf_broker_prepare_dirs (t, error))
    return FALSE;

  acl_data = acl_text (t);
  conf_data = conf_text (t, passwd, acl);
  title = g_strdup_printf ("lab '%s' (%s)", t->lab->lab, t->event->name);
  if (!tf_broker_write_accounts (t, passwd, creds, title, error)
      || !tf_broker_write_file (acl, acl_data, 0640, t->owner, error)
      || !tf_broker_write_file (conf, conf_data, 0644, NULL, error)
      || !tf_broker_write_host_credentials (t, error))
    return FALSE;
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
  TfBrokerTool t = { .ws_port = 0, .tls_port = 8883, .wss_port = 0 };
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
    { "host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &t.hosts,
      "A lab host of the farm bridged to this central broker (repeat): its account host-NAME "
      "writes only tf/LAB/host/NAME/..., its password in DIR/hosts/NAME.credentials",
      "NAME" },
    { "bridge-to", 0, 0, G_OPTION_ARG_STRING, &t.bridge_to,
      "Write this lab host's own broker instead, bridged to the central broker at ADDR:PORT "
      "(the host's name and lab come from --lab)",
      "ADDR:PORT" },
    { "bridge-credentials", 0, 0, G_OPTION_ARG_FILENAME, &t.bridge_credentials,
      "With --bridge-to: this host's NAME.credentials, from the central broker's set-up", "FILE" },
    { "bridge-cafile", 0, 0, G_OPTION_ARG_FILENAME, &t.bridge_cafile,
      "With --bridge-to: the central broker speaks TLS, its CA chain", "FILE" },
    { "ejabberd", 0, 0, G_OPTION_ARG_STRING, &t.ejabberd,
      "Write DIR/ejabberd.yml and DIR/ejabberd-accounts for ejabberd's mod_mqtt instead of "
      "mosquitto, its accounts in the XMPP domain DOMAIN (see docs/ejabberd.md)",
      "DOMAIN" },
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
           "usable by that account alone (the tf-broker-plugin mosquitto plugin).\n"
           "Several hosts: --host NAME (repeat) on the central broker; on each host,\n"
           "--bridge-to ADDR:PORT --bridge-credentials NAME.credentials writes its own broker,\n"
           "bridged to the central one (see README, \"Several hosts: the broker\").\n");
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
  if (t.bridge_to == NULL && (t.bridge_credentials != NULL || t.bridge_cafile != NULL))
    {
      g_printerr ("tf-broker-config: --bridge-credentials and --bridge-cafile go with "
                  "--bridge-to\n");
      return 2;
    }
  if (t.bridge_to != NULL
      && (t.bridge_credentials == NULL || t.hosts != NULL || t.event_path != NULL || t.staff != NULL
          || t.cert != NULL))
    {
      g_printerr ("tf-broker-config: --bridge-to writes a lab host's own broker: it needs "
                  "--bridge-credentials and takes no --host, --event, --staff or --cert\n");
      return 2;
    }
  if (t.ejabberd != NULL && (t.bridge_to != NULL || t.persistence != NULL || t.log_file != NULL))
    {
      /* a host's own broker is mosquitto (its bridge); ejabberd keeps its
       * spool and log where its own command line says */
      g_printerr ("tf-broker-config: --ejabberd writes one lab's central broker: it takes no "
                  "--bridge-to, --persistence or --log\n");
      return 2;
    }
  if (t.ejabberd != NULL && (t.ejabberd[0] == '\0' || strpbrk (t.ejabberd, "@/\"' \t\n") != NULL))
    {
      g_printerr ("tf-broker-config: --ejabberd '%s': not a domain name\n", t.ejabberd);
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
  absolutize (&t.bridge_credentials);
  absolutize (&t.bridge_cafile);
  t.accounts = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_broker_account_free);
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
  g_strfreev (t.hosts);
  g_free (t.bridge_to);
  g_free (t.bridge_credentials);
  g_free (t.bridge_cafile);
  g_free (t.ejabberd);
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
