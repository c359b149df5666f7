/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of several lab hosts (issue 18): each host's own mosquitto is
 * bridged to the lab's central broker by mosquitto's own bridge. On the
 * central broker every host has an account (host-NAME) that may write only
 * its own subtree tf/LAB/host/NAME/... and read the requests the coordinator
 * (the central lab file's daemon account) writes to tf/LAB/host/NAME/in/...;
 * on the host, its broker keeps what the host publishes queued while the
 * link is down and sends it in order when the link returns. */
#define G_LOG_DOMAIN "tf-broker-config"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tf-broker-config.h"
#include "tf-broker-creds.h"
#include "tf-error.h"
#include "tf-json.h"

/* What a host publishes under tf/LAB/host/NAME/: the only topics its bridge
 * sends out and the only ones the central broker lets its account write
 * (plus the bridge's link notification). Requests come in on in/#. */
const char *const tf_broker_host_out_topics[] = { "status", "board/#", "reply/#", NULL };

/* How many messages a host's broker keeps for the central broker while the
 * link is down (mosquitto drops newer ones beyond it): an hour of 50 boards'
 * consoles at 5 lines a second, a few hundred MB at most. */
#define HOST_QUEUE_MESSAGES 1000000

static char *
host_account (const char *host)
{
  return g_strconcat ("host-", host, NULL);
}

gboolean
tf_broker_add_hosts (TfBrokerTool *t, GError **error)
{
  for (guint i = 0; t->hosts != NULL && t->hosts[i] != NULL; i++)
    {
      g_autofree char *user = NULL;
      if (!tf_json_valid_id (t->hosts[i], 64))
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "--host '%s': a host's name may hold only letters, digits, '-', '_' and "
                       "'.' (1 to 64)",
                       t->hosts[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_strcmp0 (t->hosts[i], t->hosts[j]) == 0)
          {
            g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "--host '%s' is given twice",
                         t->hosts[i]);
            return FALSE;
          }
      user = host_account (t->hosts[i]);
      if (!tf_broker_add_account (t, user, TF_BROKER_ROLE_HOST, t->hosts[i], error))
        return FALSE;
    }
  return TRUE;
}

/* The central broker's ACL lines of a farm, in @a's block. */
void
tf_broker_acl_farm (TfBrokerTool *t, GString *s, const TfBrokerAccount *a)
{
  const char *lab = t->lab->lab;
  if (t->hosts == NULL || t->hosts[0] == NULL)
    return;
  switch (a->role)
    {
    case TF_BROKER_ROLE_DAEMON:
      /* the coordinator: requests to every host, everything the hosts publish */
      g_string_append_printf (s, "topic write tf/%s/host/+/in/#\ntopic read tf/%s/host/#\n", lab,
                              lab);
      break;
    case TF_BROKER_ROLE_STAFF:
      g_string_append_printf (s, "topic read tf/%s/host/#\n", lab);
      break;
    case TF_BROKER_ROLE_HOST:
      /* its own subtree only, and never its own in/ (the coordinator's) */
      for (guint j = 0; tf_broker_host_out_topics[j] != NULL; j++)
        g_string_append_printf (s, "topic write tf/%s/host/%s/%s\n", lab, a->comment,
                                tf_broker_host_out_topics[j]);
      g_string_append_printf (s, "topic write tf/%s/host/%s/link\ntopic read tf/%s/host/%s/in/#\n",
                              lab, a->comment, lab, a->comment);
      break;
    case TF_BROKER_ROLE_COMPANY:
      break;
    }
}

/* DIR/hosts/NAME.credentials (0600): the one line a host needs, for staff
 * to copy to that host only. */
gboolean
tf_broker_write_host_credentials (TfBrokerTool *t, GError **error)
{
  g_autofree char *dir = g_build_filename (t->out_dir, "hosts", NULL);
  gboolean any = FALSE;

  for (guint i = 0; i < t->accounts->len; i++)
    any = any || ((TfBrokerAccount *)t->accounts->pdata[i])->role == TF_BROKER_ROLE_HOST;
  if (!any)
    return TRUE;
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < t->accounts->len; i++)
    {
      TfBrokerAccount *a = g_ptr_array_index (t->accounts, i);
      g_autofree char *name = NULL, *path = NULL, *text = NULL;
      if (a->role != TF_BROKER_ROLE_HOST)
        continue;
      name = g_strdup_printf ("%s.credentials", a->comment);
      path = g_build_filename (dir, name, NULL);
      text = g_strdup_printf ("# The central broker's account of lab host '%s' of lab '%s', "
                              "written by tf-broker-config.\n# Copy it to that host only, then "
                              "there: tf-broker-config --lab LAB.conf --out DIR --bridge-to "
                              "ADDR:PORT --bridge-credentials %s\n"
                              "# USER PASSWORD host NAME LAB\n%s %s host %s %s\n",
                              a->comment, t->lab->lab, name, a->user, a->password, a->comment,
                              t->lab->lab);
      if (!tf_broker_write_file (path, text, 0600, NULL, error))
        return FALSE;
      g_print ("%s (mode 0600: host %s's account)\n", path, a->comment);
    }
  return TRUE;
}

/* The password of this host's account, from the file the central broker's
 * set-up wrote for it. */
static gboolean
read_host_credentials (TfBrokerTool *t, char **user, char **password, GError **error)
{
  const char *path = t->bridge_credentials;
  g_autofree char *data = NULL;
  struct stat st;
  gsize len = 0;

  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > TF_BROKER_MAX_CREDENTIALS_BYTES
      || !g_file_get_contents (path, &data, &len, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "%s: not a host's credentials file (a readable file under %u bytes)", path,
                   TF_BROKER_MAX_CREDENTIALS_BYTES);
      return FALSE;
    }
  return tf_broker_parse_host_credentials (path, data, len, t->lab->host, t->lab->lab, user,
                                           password, error);
}

/* "ADDR:PORT" of the central broker (the port always: after an IPv6
 * address mosquitto needs it); nothing that could end a config line. */
static gboolean
parse_bridge_to (TfBrokerTool *t, char **address, GError **error)
{
  const char *v = t->bridge_to;
  const char *colon = strrchr (v, ':');
  guint64 port = 0;

  for (const char *p = v; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (".-:", *p) == NULL)
      colon = NULL;
  if (colon == NULL || colon == v)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "--bridge-to '%s': expected ADDR:PORT (a name or address, then the port)", v);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "--bridge-to '%s': '%s' is not a port", v, colon + 1);
      return FALSE;
    }
  *address = g_strdup_printf ("%.*s:%" G_GUINT64_FORMAT, (int)(colon - v), v, port);
  return TRUE;
}

static char *
host_acl_text (TfBrokerTool *t)
{
  const char *lab = t->lab->lab, *host = t->lab->host;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s,
                          "# Written by tf-broker-config from %s: run it again rather than "
                          "editing.\n# Lab '%s', host '%s': the daemon beside this broker "
                          "writes only its host's subtree, which the bridge carries to the "
                          "central broker.\n\nuser %s\n",
                          t->lab_path, lab, host, t->daemon_user);
  for (guint j = 0; tf_broker_host_out_topics[j] != NULL; j++)
    g_string_append_printf (s, "topic write tf/%s/host/%s/%s\n", lab, host,
                            tf_broker_host_out_topics[j]);
  /* the coordinator's requests, and whether the link to it is up */
  g_string_append_printf (s, "topic read tf/%s/host/%s/in/#\ntopic read tf/%s/host/%s/link\n", lab,
                          host, lab, host);
  return g_string_free (s, FALSE);
}

static char *
host_conf_text (TfBrokerTool *t, const char *passwd, const char *acl, const char *address,
                const char *user, const char *password)
{
  const char *lab = t->lab->lab, *host = t->lab->host;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s,
                          "# Written by tf-broker-config from %s: run it again rather than "
                          "editing.\n# Lab '%s', host '%s', bridged to the central broker at "
                          "%s. It holds the bridge's password.\n\n",
                          t->lab_path, lab, host, address);
  g_string_append_printf (s,
                          "per_listener_settings false\nallow_anonymous false\npassword_file %s\n"
                          "acl_file %s\nplugin %s\nplugin_opt_password_file %s\n"
                          "max_packet_size %u\nset_tcp_nodelay true\n",
                          passwd, acl, t->plugin, passwd, TF_BROKER_MAX_PACKET_SIZE);
  /* the queue for the central broker survives a restart of this broker */
  g_string_append_printf (s, "persistence true\npersistence_location %s/\n", t->persistence);
  if (t->log_file != NULL)
    g_string_append_printf (s, "log_dest file %s\n", t->log_file);
  else
    g_string_append (s, "log_dest syslog\n");
  g_string_append (s, "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
                      "connection_messages true\n");
  /* while the link is down the bridge is a disconnected persistent client
   * of this broker: everything the host publishes waits in its queue, QoS 0
   * console lines included */
  g_string_append_printf (s, "max_queued_messages %u\nqueue_qos0_messages true\n",
                          HOST_QUEUE_MESSAGES);
  /* only the daemon beside it connects here */
  g_string_append_printf (s, "\nlistener %u 127.0.0.1\n", t->lab->broker_port);

  g_string_append_printf (s,
                          "\n# The bridge: this host's subtree out, the coordinator's requests "
                          "in\nconnection %s\naddress %s\nremote_clientid %s\n"
                          "remote_username %s\nremote_password %s\n",
                          user, address, user, user, password);
  if (t->bridge_cafile != NULL)
    g_string_append_printf (s, "bridge_cafile %s\nbridge_insecure false\n", t->bridge_cafile);
  /* a persistent session on both sides: nothing is lost while the link is
   * down, and requests queued on the central broker arrive afterwards; a 5 s
   * keepalive: the central broker fires the bridge's will (link 0) 7.5 s after
   * a cut, so a lost host is an infrastructure error within seconds */
  g_string_append (s, "bridge_protocol_version mqttv50\ncleansession false\n"
                      "restart_timeout 2 30\nkeepalive_interval 5\n");
  /* retained "1" on both brokers while the link is up, "0" (the bridge's
   * will) on the central broker when it is lost */
  g_string_append_printf (s, "notifications true\nnotification_topic tf/%s/host/%s/link\n", lab,
                          host);
  for (guint j = 0; tf_broker_host_out_topics[j] != NULL; j++)
    g_string_append_printf (s, "topic tf/%s/host/%s/%s out 1\n", lab, host,
                            tf_broker_host_out_topics[j]);
  g_string_append_printf (s, "topic tf/%s/host/%s/in/# in 1\n", lab, host);
  return g_string_free (s, FALSE);
}

/* --bridge-to: this lab host's own broker, for its daemon, bridged. */
gboolean
tf_broker_run_host (TfBrokerTool *t, GError **error)
{
  g_autofree char *passwd = g_build_filename (t->out_dir, "passwd", NULL);
  g_autofree char *acl = g_build_filename (t->out_dir, "acl", NULL);
  g_autofree char *conf = g_build_filename (t->out_dir, "mosquitto.conf", NULL);
  g_autofree char *creds = g_build_filename (t->out_dir, "credentials", NULL);
  g_autofree char *user = NULL, *password = NULL, *address = NULL, *title = NULL;
  g_autofree char *acl_data = NULL, *conf_data = NULL;

  tf_broker_load_known (t, creds);
  if (!tf_broker_prepare_daemon_account (t, error))
    return FALSE;
  t->lab = tf_lab_config_load (t->lab_path, error);
  if (t->lab == NULL)
    return FALSE;
  if (t->bridge_cafile != NULL && !g_file_test (t->bridge_cafile, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "no such file %s", t->bridge_cafile);
      return FALSE;
    }
  if (!parse_bridge_to (t, &address, error) || !read_host_credentials (t, &user, &password, error))
    return FALSE;
  if (!tf_broker_add_account (t, t->daemon_user, TF_BROKER_ROLE_DAEMON, NULL, error)
      || !tf_broker_prepare_dirs (t, error))
    return FALSE;

  acl_data = host_acl_text (t);
  conf_data = host_conf_text (t, passwd, acl, address, user, password);
  title = g_strdup_printf ("lab host '%s' of lab '%s'", t->lab->host, t->lab->lab);
  if (!tf_broker_write_accounts (t, passwd, creds, title, error)
      || !tf_broker_write_file (acl, acl_data, 0640, t->owner, error)
      /* it holds the bridge's password: the broker's group reads it, nobody else */
      || !tf_broker_write_file (conf, conf_data, 0640, t->owner, error))
    return FALSE;
  g_print ("%s (mode 0640: holds the bridge's password)\n%s\n%s\n%s (mode 0600)\n", conf, passwd,
           acl, creds);
  if (t->daemon_password_file != NULL)
    g_print ("%s (the daemon's password)\n", t->daemon_password_file);
  return TRUE;
}
