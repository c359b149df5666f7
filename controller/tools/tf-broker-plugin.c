/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A mosquitto 2.0 plugin (API v5) that makes client ids belong to accounts.
 *
 * MQTT lets any client that connects with a client id already in use take
 * that session over and disconnect its holder. testfestd's id can be read
 * off the public host topic, and replies are delivered on
 * tf/<lab>/reply/<client id>: an id must not be usable by whoever knows it.
 *
 * The rule: a client id that names an account — the account's name itself,
 * or the name followed by '-' — is usable by that account alone; every other
 * id is free for anyone (anonymous watchers included). The accounts are the
 * users of the broker's password file (plugin_opt_password_file), re-read on
 * a broker reload (SIGHUP). A refused CONNECT gets "not authorised" and is
 * logged with the id and the account that tried it.
 *
 * It also refuses a retained publish on a request topic (tf/LAB/in/...,
 * tf/LAB/cmd/... and a farm host's tf/LAB/host/HOST/in/...): requests are
 * events, and a retained one would be handed to the daemon again at every
 * reconnection (the daemon ignores them too).
 *
 * The plugin answers only refusals; for everything else it defers, so the
 * password file and the ACL file still decide. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define MAX_ACCOUNTS 4096
#define MAX_NAME 256

typedef struct
{
  mosquitto_plugin_id_t *id;
  char *password_file;
  char **accounts;
  int n_accounts;
} Plugin;

static Plugin plugin;

static void
free_accounts (void)
{
  for (int i = 0; i < plugin.n_accounts; i++)
    free (plugin.accounts[i]);
  free (plugin.accounts);
  plugin.accounts = NULL;
  plugin.n_accounts = 0;
}

/* "user:hash" lines; comments and blank lines skipped, as mosquitto does. */
static int
load_accounts (void)
{
  FILE *f;
  char line[4096];

  free_accounts ();
  f = fopen (plugin.password_file, "r");
  if (f == NULL)
    {
      mosquitto_log_printf (MOSQ_LOG_ERR, "tf-broker-plugin: %s: %s", plugin.password_file,
                            strerror (errno));
      return MOSQ_ERR_UNKNOWN;
    }
  plugin.accounts = calloc (MAX_ACCOUNTS, sizeof (char *));
  if (plugin.accounts == NULL)
    {
      fclose (f);
      return MOSQ_ERR_NOMEM;
    }
  while (fgets (line, sizeof line, f) != NULL && plugin.n_accounts < MAX_ACCOUNTS)
    {
      char *colon = strchr (line, ':');
      size_t len;
      if (line[0] == '#' || colon == NULL)
        continue;
      len = (size_t)(colon - line);
      if (len == 0 || len >= MAX_NAME)
        continue;
      plugin.accounts[plugin.n_accounts] = strndup (line, len);
      if (plugin.accounts[plugin.n_accounts] != NULL)
        plugin.n_accounts++;
    }
  fclose (f);
  mosquitto_log_printf (MOSQ_LOG_INFO, "tf-broker-plugin: %d accounts own their client ids",
                        plugin.n_accounts);
  return MOSQ_ERR_SUCCESS;
}

/* The account whose name @client_id claims, or NULL. The longest name
 * wins: a company 'host' does not own the id of the account 'host-a' (a
 * farm host's bridge). */
static const char *
owner_of (const char *client_id)
{
  const char *best = NULL;
  size_t best_n = 0;
  for (int i = 0; i < plugin.n_accounts; i++)
    {
      const char *a = plugin.accounts[i];
      size_t n = strlen (a);
      if (n > best_n && strncmp (client_id, a, n) == 0
          && (client_id[n] == '\0' || client_id[n] == '-'))
        {
          best = a;
          best_n = n;
        }
    }
  return best;
}

static int
on_basic_auth (int event, void *event_data, void *userdata)
{
  struct mosquitto_evt_basic_auth *ed = event_data;
  const char *client_id = mosquitto_client_id (ed->client);
  const char *owner;

  if (client_id == NULL)
    return MOSQ_ERR_PLUGIN_DEFER;
  owner = owner_of (client_id);
  if (owner == NULL || (ed->username != NULL && strcmp (ed->username, owner) == 0))
    return MOSQ_ERR_PLUGIN_DEFER;
  mosquitto_log_printf (MOSQ_LOG_NOTICE,
                        "tf-broker-plugin: client id '%s' belongs to account '%s'; refused "
                        "to %s from %s",
                        client_id, owner, ed->username != NULL ? ed->username : "anonymous",
                        mosquitto_client_address (ed->client));
  return MOSQ_ERR_AUTH;
}

/* "tf/<lab>/in/...", "tf/<lab>/cmd/..." or a farm host's
 * "tf/<lab>/host/<host>/in/..." (the coordinator's requests) */
static bool
is_request_topic (const char *topic)
{
  const char *lab_end, *host_end;
  if (strncmp (topic, "tf/", 3) != 0)
    return false;
  lab_end = strchr (topic + 3, '/');
  if (lab_end == NULL)
    return false;
  if (strncmp (lab_end, "/in/", 4) == 0 || strncmp (lab_end, "/cmd/", 5) == 0)
    return true;
  if (strncmp (lab_end, "/host/", 6) != 0)
    return false;
  host_end = strchr (lab_end + 6, '/');
  return host_end != NULL && strncmp (host_end, "/in/", 4) == 0;
}

static int
on_acl_check (int event, void *event_data, void *userdata)
{
  struct mosquitto_evt_acl_check *ed = event_data;
  if (ed->access == MOSQ_ACL_WRITE && ed->retain && ed->topic != NULL
      && is_request_topic (ed->topic))
    {
      const char *user = mosquitto_client_username (ed->client);
      mosquitto_log_printf (MOSQ_LOG_NOTICE,
                            "tf-broker-plugin: retained request on %s refused (from %s)", ed->topic,
                            user != NULL ? user : "anonymous");
      return MOSQ_ERR_ACL_DENIED;
    }
  return MOSQ_ERR_PLUGIN_DEFER;
}

static int
on_reload (int event, void *event_data, void *userdata)
{
  load_accounts ();
  return MOSQ_ERR_SUCCESS;
}

int
mosquitto_plugin_version (int supported_version_count, const int *supported_versions)
{
  for (int i = 0; i < supported_version_count; i++)
    if (supported_versions[i] == 5)
      return 5;
  return -1;
}

int
mosquitto_plugin_init (mosquitto_plugin_id_t *identifier, void **userdata,
                       struct mosquitto_opt *options, int option_count)
{
  int rc;

  memset (&plugin, 0, sizeof plugin);
  plugin.id = identifier;
  for (int i = 0; i < option_count; i++)
    if (strcmp (options[i].key, "password_file") == 0)
      plugin.password_file = strdup (options[i].value);
  if (plugin.password_file == NULL)
    {
      mosquitto_log_printf (MOSQ_LOG_ERR, "tf-broker-plugin: plugin_opt_password_file is required");
      return MOSQ_ERR_INVAL;
    }
  rc = load_accounts ();
  if (rc != MOSQ_ERR_SUCCESS)
    return rc;
  rc = mosquitto_callback_register (identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, NULL);
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_callback_register (identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL);
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_callback_register (identifier, MOSQ_EVT_RELOAD, on_reload, NULL, NULL);
  return rc;
}

int
mosquitto_plugin_cleanup (void *userdata, struct mosquitto_opt *options, int option_count)
{
  mosquitto_callback_unregister (plugin.id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
  mosquitto_callback_unregister (plugin.id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
  mosquitto_callback_unregister (plugin.id, MOSQ_EVT_RELOAD, on_reload, NULL);
  free_accounts ();
  free (plugin.password_file);
  return MOSQ_ERR_SUCCESS;
}
