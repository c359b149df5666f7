/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reference client's own requests larger than one CoAP message (about 1.1 KB): a Register
 * and an Update of 150 Temperature instances' links and a Send of their 300 values go to
 * tf-lwm2m-server in Block1 parts (RFC 7959 2.5), every block and its 2.31 Continue in both
 * ends' exchange logs, and arrive whole. Before the client did Block1 they went out with no
 * body at all (libcoap refuses data past the PDU's size). */
#include "config.h"

#include <string.h>

#include "../tf-ets-exchange-check.h"
#include "tf-lwm2m-net-client-block1.h"
#include "tf-lwm2m-net-util.h"

#define SENSORS 150

static guint
log_length (const char *file)
{
  g_autoptr (JsonArray) a = tf_test_log_read (file, 0);
  return json_array_get_length (a);
}

/* Every block of the one Block1 request in @file from message @from on, sent in @dir, and
 * the same number of blocks in @other (the other end's log) from @other_from, the other way. */
static guint
assert_blocks (const char *file, guint from, const char *other, guint other_from)
{
  g_autoptr (JsonArray) mine = tf_test_log_read (file, from);
  g_autoptr (JsonArray) theirs = tf_test_log_read (other, other_from);
  guint n = tf_ets_check_every_block1 (mine, "out");
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (tf_ets_check_every_block1 (theirs, "in"), ==, n);
  return n;
}

/* @links has </3303/i> for i in [@first, SENSORS), and the Device object. */
static void
assert_links (const char *links, guint first)
{
  g_auto (GStrv) l = g_strsplit (links, ",", -1);
  g_autoptr (GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; l[i] != NULL; i++)
    g_hash_table_add (set, l[i]);
  g_assert_true (g_hash_table_contains (set, "</3/0>"));
  for (guint i = 0; i < SENSORS; i++)
    {
      g_autofree char *want = g_strdup_printf ("</3303/%u>", i);
      if (g_hash_table_contains (set, want) != (i >= first))
        g_error ("%s %s in the registration's links", want, i >= first ? "missing" : "still");
    }
}

static void
test_client_block1 (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  g_autofree char *log = g_build_filename (s->dir, "client.jsonl", NULL);
  g_autofree char *log_arg = g_strdup_printf ("--log=%s", log);
  g_autofree char *sensors = g_strdup_printf ("--sensors=%u", SENSORS);
  TfTestClient *c
      = tf_test_client_start ("--endpoint=cblk-1", server, sensors, log_arg, "--start", NULL);
  g_autoptr (JsonObject) reg = NULL;
  g_autoptr (JsonObject) del = NULL;
  g_autoptr (JsonObject) upd = NULL;
  g_autoptr (JsonObject) now = NULL;
  g_autoptr (JsonObject) ev = NULL;
  g_autoptr (JsonObject) list = NULL;
  JsonObject *values;
  guint c0, s0, n;

  /* Register */
  reg = tf_test_must_wait (s, "registration", "cblk-1", 0, T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: registered", T_REG));
  g_assert_cmpuint (strlen (json_object_get_string_member (reg, "links")), >, 1200);
  assert_links (json_object_get_string_member (reg, "links"), 0);
  n = assert_blocks (log, 0, s->log, 0);
  g_test_message ("Register: %u blocks", n);

  /* Update after a change: the server deletes /3303/0, the client updates with its links */
  c0 = log_length (log);
  s0 = log_length (s->log);
  del = tf_test_server_ok (s, "{\"cmd\":\"delete\",\"ep\":\"cblk-1\",\"path\":\"/3303/0\"}");
  g_assert_cmpstr (json_object_get_string_member (del, "code"), ==, "2.02");
  tf_test_client_send (c, "lwm2m update");
  upd = tf_test_must_wait (s, "update", "cblk-1", json_object_get_int_member (reg, "seq"), T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: updated", T_REG));
  assert_links (json_object_get_string_member (upd, "links"), 1);
  /* what the server holds now, asked afterwards */
  list = tf_test_server_cmd (s, "{\"cmd\":\"list\"}");
  {
    JsonArray *a = json_object_get_array_member (list, "result");
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    assert_links (json_object_get_string_member (json_array_get_object_element (a, 0), "links"), 1);
  }
  n = assert_blocks (log, c0, s->log, s0);
  g_test_message ("Update: %u blocks", n);

  /* Send of every temperature: 298 values, each as the client has it */
  c0 = log_length (log);
  s0 = log_length (s->log);
  tf_test_client_send (c, "lwm2m send /3303");
  ev = tf_test_must_wait (s, "send", "cblk-1", 0, T_REG);
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: send answered 2.04", T_REG));
  g_assert_cmpstr (json_object_get_string_member (ev, "code"), ==, "2.04");
  g_assert_cmpint (json_object_get_int_member (ev, "payload_len"), >, 4096);
  values = json_object_get_object_member (ev, "values");
  g_assert_cmpuint (json_object_get_size (values), ==, 2 * (SENSORS - 1));
  for (guint i = 1; i < SENSORS; i++)
    {
      g_autofree char *t = g_strdup_printf ("/3303/%u/5700", i);
      g_autofree char *u = g_strdup_printf ("/3303/%u/5701", i);
      g_autofree char *uv = g_strdup_printf ("C%u", i);
      const char *tv = json_object_get_string_member (values, t);
      g_assert_nonnull (tv);
      g_assert_cmpfloat (g_ascii_strtod (tv, NULL), ==, 7.0 * i - 50);
      g_assert_cmpstr (json_object_get_string_member (values, u), ==, uv);
    }
  n = assert_blocks (log, c0, s->log, s0);
  g_test_message ("Send: %u blocks", n);

  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

void
tf_faults_client_block1_add_tests (void)
{
  g_test_add_func ("/lwm2m/faults/client-block1", test_client_block1);
}
