/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tf-floor-fixture.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

gboolean
tf_fixture_can_skip (const char *what)
{
  if (geteuid () != 0 || !g_file_test ("/dev/net/tun", G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("needs root and /dev/net/tun (%s)", what);
      g_test_skip (msg);
      return TRUE;
    }
  return FALSE;
}

char *
tf_fixture_sim (const char *quirk, const char *server, const char *server_args)
{
  const char *build = g_getenv ("TF_BUILD_ROOT");
  g_autofree char *client
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  g_autofree char *program
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  return g_strdup_printf (
      "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
      "[board sim1]\ntype = sim-l476\ntty = ttyACM1\nusb-path = 1-1\nserial = SIM00001\n"
      "power = relay1:1\nboot-ms = 100\naddress = 192.0.2.10\n"
      "firmware-program = %s\nfirmware-args = --version 1.0.0 --lifetime 600%s%s\n\n"
      "[server %s]\nprogram = %s\n%s%s%saddress = 192.0.2.2\n",
      client, quirk ? " --quirk " : "", quirk ? quirk : "", server, program,
      server_args ? "args = " : "", server_args ? server_args : "", server_args ? "\n" : "");
}

char *
tf_fixture_lab (const char *address, const char *tail)
{
  return g_strdup_printf (
      "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\n"
      "off-time-ms = 100\n\n"
      "[board sim1]\ntype = sim-lwm2m\nconsole = /dev/ttyACM1\n"
      "power = relay1:1\ntable = T1\naddress = %s\n\n%s",
      address, tail);
}

char *
tf_fixture_ets_group (const char *netns)
{
  g_autofree char *tools
      = g_build_filename (g_getenv ("TF_BUILD_ROOT"), "controller", "tools", NULL);
  return g_strdup_printf ("[ets]\naddress = 192.0.2.1\nnetns = %s\nrunner-path = %s\n", netns,
                          tools);
}

TfHarness *
tf_fixture_harness_new (const char *sim, const char *lab, const char *netns, const char *ifname)
{
  const char *args[5];
  guint n = 0;
  if (netns != NULL)
    {
      args[n++] = "--controller-netns";
      args[n++] = netns;
    }
  if (ifname != NULL)
    {
      args[n++] = "--mirror";
      args[n++] = ifname;
    }
  args[n] = NULL;
  return tf_harness_new_full (sim, lab, args);
}

void
tf_fixture_write (TfHarness *h, const char *name, const char *text, int mode)
{
  g_autofree char *path = tf_harness_path (h, name);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  if (mode != 0)
    g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/* @find's one occurrence in the lab file replaced by @repl */
static void
patch_lab (TfHarness *h, const char *find, const char *repl)
{
  g_autofree char *conf = NULL, *patched = NULL;
  g_auto (GStrv) parts = NULL;
  g_assert_true (g_file_get_contents (h->lab_path, &conf, NULL, NULL));
  parts = g_strsplit (conf, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (h->lab_path, patched, -1, NULL));
}

void
tf_fixture_start (TfHarness *h, gboolean test_ets)
{
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  g_autofree char *find = g_strdup_printf ("boards-dir = %s/boards\n", src);
  g_autofree char *repl
      = g_strdup_printf ("boards-dir = %s/boards;%s/tests/boards\nevent = test.event\n", src, src);
  patch_lab (h, find, repl);
  if (test_ets)
    {
      g_autofree char *ets = g_strdup_printf ("ets-dir = %s/data/ets\n", src);
      g_autofree char *ets_test = g_strdup_printf ("ets-dir = %s/tests/ets\n", src);
      patch_lab (h, ets, ets_test);
    }
  tf_harness_start_daemon (h);
  tf_harness_watch (h);
}

TfReplies *
tf_fixture_start_watched (TfHarness *h, gboolean test_ets, const char *tag, GCallback on_message,
                          gpointer data)
{
  TfReplies *r;
  tf_fixture_start (h, test_ets);
  r = tf_replies_new (h, tag);
  g_signal_connect (h->watch, "message", on_message, data);
  return r;
}

void
tf_fixture_stop (TfHarness *h, TfReplies *replies, gpointer data, const char *netns)
{
  tf_replies_free (replies);
  if (h->watch != NULL)
    g_signal_handlers_disconnect_by_data (h->watch, data);
  tf_harness_free (h);
  if (netns != NULL)
    tf_fixture_del_netns (netns);
}

gboolean
tf_fixture_in_phase (TfHarness *h, gpointer needle)
{
  const char *json = tf_harness_retained (h, "session/" TF_FIXTURE_SESSION "/state");
  return json != NULL && strstr (json, needle) != NULL;
}

void
tf_fixture_start_session (TfHarness *h)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_true (tf_harness_wait (h, tf_fixture_in_phase, "\"phase\":\"scheduled\"", 30000));
  g_assert_cmpint (tf_harness_ctl (h, &out, &err, "start", TF_FIXTURE_SESSION, NULL), ==, 0);
  g_assert_true (tf_harness_wait (h, tf_fixture_in_phase, "\"phase\":\"running\"", 90000));
}

char *
tf_fixture_console_text (const TfBusMessage *m)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (!g_str_has_suffix (m->topic, "/session/" TF_FIXTURE_SESSION "/console") || len >= 65536)
    return NULL;
  return g_strndup (d, len);
}

JsonObject *
tf_fixture_report_case (TfHarness *h, const char *company, gint id)
{
  g_autofree char *topic
      = g_strdup_printf ("private/%s/session/" TF_FIXTURE_SESSION "/report", company);
  const char *rep = tf_harness_retained (h, topic);
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonArray *cases;
  if (rep == NULL)
    return NULL;
  g_assert_true (json_parser_load_from_data (p, rep, -1, NULL));
  cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (json_object_get_int_member (c, "id") == id)
        return json_object_ref (c);
    }
  return NULL;
}

void
tf_fixture_del_netns (const char *netns)
{
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", netns);
  /* tf-simlab removes the controller's namespace with the others when it exits cleanly; a
   * tf-simlab that ends on umockdev's shutdown critical (fatal here) leaves them, its own are
   * removed by the next one as stale, this one by its name */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      const char *argv[] = { "ip", "netns", "del", netns, NULL };
      g_test_message ("tf-simlab left %s", path);
      g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
}

struct _TfReplies
{
  TfHarness *h;
  GHashTable *replies; /* correlation → payload */
  char *tag;
  guint seq;
  gulong handler;
};

static void
on_message (TfBus *bus, const TfBusMessage *m, TfReplies *r)
{
  if (strstr (m->topic, "/reply/") != NULL && m->correlation != NULL)
    g_hash_table_replace (
        r->replies,
        g_strndup (g_bytes_get_data (m->correlation, NULL), g_bytes_get_size (m->correlation)),
        g_strndup (g_bytes_get_data (m->payload, NULL), g_bytes_get_size (m->payload)));
}

TfReplies *
tf_replies_new (TfHarness *h, const char *tag)
{
  TfReplies *r = g_new0 (TfReplies, 1);
  g_assert_nonnull (h->watch);
  r->h = h;
  r->tag = g_strdup (tag);
  r->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->handler = g_signal_connect (h->watch, "message", G_CALLBACK (on_message), r);
  return r;
}

void
tf_replies_free (TfReplies *r)
{
  if (r == NULL)
    return;
  if (r->h->watch != NULL)
    g_signal_handler_disconnect (r->h->watch, r->handler);
  g_hash_table_unref (r->replies);
  g_free (r->tag);
  g_free (r);
}

char *
tf_replies_send (TfReplies *r, const char *company, const char *verb, const char *json)
{
  g_autofree char *topic = company ? g_strdup_printf ("tf/%s/in/%s/%s", r->h->lab, company, verb)
                                   : g_strdup_printf ("tf/%s/cmd/%s", r->h->lab, verb);
  g_autofree char *reply
      = g_strdup_printf ("tf/%s/reply/%s/%s", r->h->lab, company ? company : "staff", r->tag);
  char *corr = g_strdup_printf ("%s%u-%08x", r->tag, ++r->seq, g_random_int ());
  g_autoptr (GError) error = NULL;
  g_assert_true (tf_bus_request (r->h->watch, topic, json, reply, corr, &error));
  return corr;
}

static gboolean
has_key (TfHarness *h, gpointer data)
{
  TfReplies *r = ((gpointer *)data)[0];
  return g_hash_table_contains (r->replies, ((gpointer *)data)[1]);
}

JsonObject *
tf_replies_wait (TfReplies *r, const char *corr, guint timeout_ms)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  gpointer w[2] = { r, (gpointer)corr };
  g_assert_true (tf_harness_wait (r->h, has_key, w, timeout_ms));
  g_assert_true (json_parser_load_from_data (p, g_hash_table_lookup (r->replies, corr), -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

JsonObject *
tf_replies_request (TfReplies *r, const char *company, const char *verb, const char *json,
                    guint timeout_ms)
{
  g_autofree char *corr = tf_replies_send (r, company, verb, json);
  return tf_replies_wait (r, corr, timeout_ms);
}
