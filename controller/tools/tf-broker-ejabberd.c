/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-broker-config --ejabberd: the lab's central broker as ejabberd's
 * mod_mqtt (MQTT 5, clustered by ejabberd itself) instead of mosquitto.
 *
 * The same accounts and the same topic rights, as far as mod_mqtt's
 * access_publish / access_subscribe can say them (docs/ejabberd.md lists
 * what they cannot). mod_mqtt checks a SUBSCRIBE's filter against the rules'
 * filters once, not each message against the reader's rights as mosquitto
 * does: a filter is allowed only when every topic it can match is readable,
 * so nothing is delivered that mosquitto would hold back. */
#define G_LOG_DOMAIN "tf-broker-config"

#include "config.h"

#include <string.h>

#include "tf-broker-config.h"
#include "tf-error.h"

/* YAML double-quoted scalar: our names are checked identifiers, but a
 * quote or backslash must never end the string early. */
static void
yaml_quoted (GString *s, const char *v)
{
  g_string_append_c (s, '"');
  for (const char *p = v; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static gboolean
has_role (TfBrokerTool *t, TfBrokerRole role)
{
  for (guint i = 0; i < t->accounts->len; i++)
    if (((TfBrokerAccount *)g_ptr_array_index (t->accounts, i))->role == role)
      return TRUE;
  return FALSE;
}

static void
acl_group (TfBrokerTool *t, GString *s, const char *name, TfBrokerRole role)
{
  if (!has_role (t, role))
    return;
  g_string_append_printf (s, "  %s:\n    user:\n", name);
  for (guint i = 0; i < t->accounts->len; i++)
    {
      TfBrokerAccount *a = g_ptr_array_index (t->accounts, i);
      if (a->role != role)
        continue;
      g_string_append (s, "      - ");
      yaml_quoted (s, a->user);
      g_string_append_c (s, '\n');
    }
}

/* One "FILTER: RULE" line of a topic map; a role without accounts has no
 * ACL, so its lines are left out (nobody holds that right). */
static void
rule (GString *s, const char *lab, const char *suffix, const char *who)
{
  g_autofree char *filter = g_strdup_printf ("tf/%s/%s", lab, suffix);
  g_string_append (s, "      ");
  yaml_quoted (s, filter);
  g_string_append_printf (s, ": %s\n", who);
}

/* A farm (--host): the coordinator (the daemon's account) and staff read
 * every host's subtree, the coordinator writes requests to any host; a
 * host's bridge writes its own subtree only and reads its own requests. */
static void
farm_rules (TfBrokerTool *t, GString *s, gboolean publish)
{
  const char *lab = t->lab->lab;
  if (t->hosts == NULL)
    return;
  if (!publish)
    rule (s, lab, "host/#", "tf_farm");
  else
    rule (s, lab, "host/+/in/#", "tf_daemon");
  for (guint i = 0; t->hosts[i] != NULL; i++)
    {
      g_autofree char *who = g_strdup_printf ("tf_host_%u", i);
      g_autofree char *in = g_strdup_printf ("host/%s/in/#", t->hosts[i]);
      g_autofree char *link = g_strdup_printf ("host/%s/link", t->hosts[i]);
      if (!publish)
        {
          rule (s, lab, in, who);
          continue;
        }
      for (guint j = 0; tf_broker_host_out_topics[j] != NULL; j++)
        {
          g_autofree char *out
              = g_strdup_printf ("host/%s/%s", t->hosts[i], tf_broker_host_out_topics[j]);
          rule (s, lab, out, who);
        }
      /* the bridge's own notification (retained, its will) */
      rule (s, lab, link, who);
    }
}

static void
mqtt_listener (GString *s, guint port, const char *bind, gboolean tls)
{
  g_string_append_printf (s, "  -\n    port: %u\n    ip: ", port);
  yaml_quoted (s, bind);
  g_string_append (s, "\n    module: mod_mqtt\n");
  if (tls)
    g_string_append (s, "    tls: true\n");
  /* oversized packets are refused before anyone parses them */
  g_string_append_printf (s, "    max_payload_size: %u\n", TF_BROKER_MAX_PACKET_SIZE);
}

static char *
yml_text (TfBrokerTool *t)
{
  const char *lab = t->lab->lab;
  gboolean companies = has_role (t, TF_BROKER_ROLE_COMPANY);
  const char *bind = t->bind != NULL ? t->bind : "::";
  GString *s = g_string_new (NULL);

  g_string_append_printf (s,
                          "# Written by tf-broker-config --ejabberd from %s and %s: run it again "
                          "rather than editing.\n# Lab '%s' on ejabberd's mod_mqtt (see "
                          "docs/ejabberd.md). Start ejabberd with this file, then run\n"
                          "# %s/ejabberd-accounts to create or update the accounts.\n\n",
                          t->lab_path, t->event_path, lab, t->out_dir);
  g_string_append (s, "hosts:\n  - ");
  yaml_quoted (s, t->ejabberd);
  g_string_append (s, "\n\nloglevel: info\n");
  /* passwords are stored as SCRAM hashes, not in clear */
  g_string_append (s, "auth_method: internal\nauth_password_format: scram\n\n");

  if (t->cert != NULL)
    {
      /* ejabberd picks a listener's certificate among these */
      g_string_append (s, "certfiles:\n");
      for (const char *const *f = (const char *const[]){ t->cert, t->key, t->cafile, NULL };
           *f != NULL; f++)
        {
          g_string_append (s, "  - ");
          yaml_quoted (s, *f);
          g_string_append_c (s, '\n');
        }
      g_string_append_c (s, '\n');
    }

  /* MQTT only: no XMPP client or server listener is opened */
  g_string_append (s, "listen:\n");
  if (t->cert != NULL && !t->lab->broker_tls)
    {
      /* as for mosquitto: with a certificate nothing in clear leaves this
       * host, plain MQTT only on loopback for the daemon beside the broker */
      mqtt_listener (s, t->lab->broker_port, "127.0.0.1", FALSE);
      mqtt_listener (s, t->tls_port, bind, TRUE);
    }
  else
    mqtt_listener (s, t->lab->broker_port, bind, t->lab->broker_tls);
  /* the dashboard's MQTT over websockets on ejabberd's HTTP listener (over
   * TLS with a certificate); tf-web --mqtt serves them otherwise */
  if (t->cert == NULL ? t->ws_port > 0 : t->wss_port > 0)
    {
      g_string_append_printf (
          s, "  -\n    port: %d\n    ip: ", t->cert == NULL ? t->ws_port : t->wss_port);
      yaml_quoted (s, bind);
      g_string_append (s, "\n    module: ejabberd_http\n");
      if (t->cert != NULL)
        g_string_append (s, "    tls: true\n");
      g_string_append (s, "    request_handlers:\n      /mqtt: mod_mqtt\n");
    }

  g_string_append (s, "\nacl:\n");
  acl_group (t, s, "tf_daemon", TF_BROKER_ROLE_DAEMON);
  acl_group (t, s, "tf_staff", TF_BROKER_ROLE_STAFF);
  acl_group (t, s, "tf_company", TF_BROKER_ROLE_COMPANY);
  /* a farm's hosts: one ACL each (their names are not their accounts') */
  for (guint i = 0; t->hosts != NULL && t->hosts[i] != NULL; i++)
    g_string_append_printf (s, "  tf_host_%u:\n    user:\n      - \"host-%s\"\n", i, t->hosts[i]);
  g_string_append (s, "\naccess_rules:\n  tf_daemon:\n    allow: tf_daemon\n"
                      "  tf_staff:\n    allow: tf_staff\n");
  if (companies)
    g_string_append (s, "  tf_company:\n    allow: tf_company\n"
                        "  tf_member:\n    - allow: tf_staff\n    - allow: tf_company\n");
  else
    g_string_append (s, "  tf_member:\n    allow: tf_staff\n");
  if (t->hosts != NULL)
    g_string_append (s, "  tf_farm:\n    - allow: tf_daemon\n    - allow: tf_staff\n");
  for (guint i = 0; t->hosts != NULL && t->hosts[i] != NULL; i++)
    g_string_append_printf (s, "  tf_host_%u:\n    allow: tf_host_%u\n", i, i);

  g_string_append (s, "\nmodules:\n  mod_mqtt:\n");
  /* a dashboard that connects late takes every retained board at once */
  g_string_append (s, "    max_queue: 100000\n");
  /* a topic no line allows is refused: an empty map would allow all */
  g_string_append (s, "    access_subscribe:\n");
  /* the floor for every account (ejabberd has no anonymous MQTT here: a watcher needs one) */
  for (guint i = 0; tf_broker_floor_topics[i] != NULL; i++)
    rule (s, lab, tf_broker_floor_topics[i], "tf_member");
  rule (s, lab, "private/#", "tf_staff");
  rule (s, lab, "regress/#", "tf_staff");
  /* a farm coordinator's summary of its hosts: staff only, as for mosquitto */
  rule (s, lab, "hosts", "tf_staff");
  if (companies)
    /* %u: the subscriber's own account name, nothing wider */
    rule (s, lab, "private/%u/#", "tf_company");
  /* requests reach the daemon only */
  rule (s, lab, "cmd/+", "tf_daemon");
  rule (s, lab, "in/+/+", "tf_daemon");
  /* replies: only those addressed to the reader's account and client id
   * (%c: mod_mqtt's resource, the client id) */
  rule (s, lab, "reply/%u/%c/#", "all");
  farm_rules (t, s, FALSE);

  g_string_append (s, "    access_publish:\n");
  for (guint i = 0; tf_broker_daemon_topics[i] != NULL; i++)
    rule (s, lab, tf_broker_daemon_topics[i], "tf_daemon");
  rule (s, lab, "hosts", "tf_daemon");
  rule (s, lab, "cmd/#", "tf_staff");
  if (companies)
    rule (s, lab, "in/%u/#", "tf_company");
  farm_rules (t, s, TRUE);
  return g_string_free (s, FALSE);
}

/* A shell script that creates each account, or sets its password when it
 * exists: ejabberd keeps its accounts in its own database, not in a file. */
static char *
accounts_text (TfBrokerTool *t)
{
  GString *s = g_string_new (NULL);
  g_autofree char *domain = g_shell_quote (t->ejabberd);
  g_string_append_printf (s,
                          "#!/bin/sh\n# Written by tf-broker-config --ejabberd: the MQTT accounts "
                          "of lab '%s' in ejabberd.\n# Run it on a running node "
                          "(EJABBERDCTL: another ejabberdctl command line).\n"
                          "# It holds every password: mode 0700, for the broker's "
                          "administrator only.\nset -eu\nctl=${EJABBERDCTL:-ejabberdctl}\n"
                          "account() {\n"
                          "  $ctl register \"$1\" %s \"$2\" >/dev/null 2>&1 ||\n"
                          "    $ctl change_password \"$1\" %s \"$2\"\n}\n",
                          t->lab->lab, domain, domain);
  for (guint i = 0; i < t->accounts->len; i++)
    {
      TfBrokerAccount *a = g_ptr_array_index (t->accounts, i);
      g_autofree char *u = g_shell_quote (a->user);
      g_autofree char *p = g_shell_quote (a->password);
      g_string_append_printf (s, "account %s %s\n", u, p);
    }
  g_string_append (s, "echo \"accounts of lab in ejabberd: done\"\n");
  return g_string_free (s, FALSE);
}

gboolean
tf_broker_run_ejabberd (TfBrokerTool *t, const char *creds, GError **error)
{
  g_autofree char *yml = g_build_filename (t->out_dir, "ejabberd.yml", NULL);
  g_autofree char *script = g_build_filename (t->out_dir, "ejabberd-accounts", NULL);
  g_autofree char *yml_data = NULL, *script_data = NULL, *title = NULL;

  if (t->anonymous)
    g_printerr ("tf-broker-config: the event allows anonymous reading of the floor; the "
                "ejabberd set-up has no anonymous MQTT client: watchers need an account\n");
  yml_data = yml_text (t);
  script_data = accounts_text (t);
  title = g_strdup_printf ("lab '%s' (%s) on ejabberd", t->lab->lab, t->event->name);
  /* ejabberd's own user reads its configuration (group ejabberd) */
  if (!tf_broker_write_accounts (t, NULL, creds, title, error)
      || !tf_broker_write_file (yml, yml_data, 0640, "ejabberd", error)
      || !tf_broker_write_file (script, script_data, 0700, NULL, error)
      || !tf_broker_write_host_credentials (t, error))
    return FALSE;
  g_print ("%s\n%s (mode 0700: %u accounts)\n%s (mode 0600)\n", yml, script, t->accounts->len,
           creds);
  if (t->daemon_password_file != NULL)
    g_print ("%s (the daemon's password)\n", t->daemon_password_file);
  return TRUE;
}
