/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for a farm coordinator's reading of its hosts' topics
 * (tf-remote-host.c): each line of an input is one message, "TOPIC<TAB>PAYLOAD"
 * with TOPIC after "tf/fuzz/" (a payload may be empty: a cleared retained
 * message). After every message: no crash, every board listed once (board
 * ids are unique lab-wide), each with its host, and the host the view names
 * as its owner; a console line relayed is a string of a board its host has. */
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tf-remote-host.h"

/* A relayed console line: always a string, of a board its host has. */
static void
on_console (TfRemoteHosts *view, const char *id, const char *line, gpointer data)
{
  g_assert_nonnull (line);
  g_assert_nonnull (tf_remote_hosts_owner (view, id));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *dir;

static void
cleanup (void)
{
  const char *const names[] = { "farm.db", "farm.db-wal", "farm.db-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static TfStore *
store_once (void)
{
  static TfStore *store;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  if (store != NULL)
    return store;
  dir = g_dir_make_tmp ("fuzz-farm-XXXXXX", NULL);
  g_assert_nonnull (dir);
  atexit (cleanup);
  path = g_build_filename (dir, "farm.db", NULL);
  store = tf_store_open (path, &error);
  g_assert_no_error (error);
  return store;
}

static void
check (TfRemoteHosts *view)
{
  g_autoptr (GPtrArray) boards = tf_remote_hosts_list (view);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (JsonNode) summary = tf_remote_hosts_to_json (view);
  /* the staff summary (tf/<lab>/hosts): the same hosts, each board under its own */
  g_autoptr (JsonNode) staff = tf_remote_hosts_summary_json (view, 0);
  JsonObject *hosts;
  guint listed = 0;
  g_assert_true (JSON_NODE_HOLDS_OBJECT (summary));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (staff));
  hosts = json_object_get_object_member (json_node_get_object (staff), "hosts");
  g_assert_nonnull (hosts);
  g_assert_cmpuint (json_object_get_size (hosts), ==,
                    json_object_get_size (json_node_get_object (summary)));
  for (guint i = 0; i < boards->len; i++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (boards, i));
      const char *id = json_object_get_string_member (o, "id");
      const char *host = json_object_get_string_member (o, "host");
      JsonObject *h;
      g_assert_nonnull (id);
      g_assert_nonnull (host);
      g_assert_true (g_hash_table_add (seen, (gpointer)id));
      g_assert_cmpstr (tf_remote_hosts_owner (view, id), ==, host);
      h = json_object_get_object_member (hosts, host);
      g_assert_nonnull (h);
      g_assert_cmpstr (
          json_object_get_string_member (h, "state"), ==,
          json_object_get_string_member (
              json_object_get_object_member (json_node_get_object (summary), host), "state"));
    }
  {
    g_autoptr (GList) names = json_object_get_members (hosts);
    for (GList *l = names; l != NULL; l = l->next)
      listed += json_array_get_length (
          json_object_get_array_member (json_object_get_object_member (hosts, l->data), "ids"));
  }
  g_assert_cmpuint (listed, ==, boards->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  TfBusOptions bo = { .host = "127.0.0.1", .port = 1, .client_id = "coord", .keepalive_s = 30 };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = tf_bus_new (&bo, &error);
  g_autoptr (TfRemoteHosts) view = NULL;
  g_autofree char *text = g_strndup ((const char *)data, MIN (size, 64 * 1024));
  g_auto (GStrv) lines = g_strsplit (text, "\n", 256);
  TfStore *store = store_once ();

  g_assert_no_error (error);
  /* each input starts from an empty lab (the table is there from the second input on) */
  tf_store_run (store, NULL, "DELETE FROM farm_board", "");
  view = tf_remote_hosts_new (bus, store, "tf/fuzz/", "coord", "coord", &error);
  g_assert_no_error (error);
  g_signal_connect (view, "board-console", G_CALLBACK (on_console), NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *tab = strchr (lines[i], '\t');
      g_autofree char *topic = NULL;
      g_autoptr (GBytes) payload = NULL;
      g_autoptr (GBytes) corr = g_bytes_new_static ("x", 1);
      TfBusMessage m = { 0 };
      if (tab != NULL)
        *tab = '\0';
      topic = g_strdup_printf ("tf/fuzz/%s", lines[i]);
      payload = g_bytes_new (tab != NULL ? tab + 1 : "", tab != NULL ? strlen (tab + 1) : 0);
      m.topic = topic;
      m.payload = payload;
      m.correlation = corr;
      tf_remote_hosts_handle (view, &m);
      check (view);
    }
  return 0;
}
