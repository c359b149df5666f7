/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of two lab hosts and a coordinator (issue 18, first piece), all on
 * loopback: a central mosquitto; per host its own tf-simlab, its own
 * mosquitto bridged to the central one by tf-broker-config's host mode and
 * its own testfestd (role = host); one testfestd (role = coordinator, no
 * boards) on the central broker. Staff use testfestctl against the
 * coordinator only. No network namespaces here: every process listens on
 * 127.0.0.1 (the per-host namespaces are a later piece). */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "tf-farm-util.h"
#include "tf-test-host.h"

#define SIM_BOARD(id, n, power)                                                                    \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = " power "\nfirmware-name = fw-" id    \
  "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n\n"
#define SIM_RELAY "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
#define LAB_RELAY                                                                                  \
  "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = 100\n\n"

/* host a: a1 on a relay, a2 always powered; host b: b1, and an a2 of its own */
static const char *const sim_text[]
    = { SIM_RELAY SIM_BOARD ("a1", 1, "relay1:1") SIM_BOARD ("a2", 2, "always"),
        SIM_RELAY SIM_BOARD ("b1", 1, "relay1:1") SIM_BOARD ("a2", 2, "always") };
static const char *const lab_body[]
    = { LAB_RELAY "[board a1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n\n"
                  "[board a2]\ntype = sim-l476\nconsole = /dev/ttyACM2\n",
        LAB_RELAY "[board b1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\n\n"
                  "[board a2]\ntype = sim-l476\nconsole = /dev/ttyACM2\n" };

#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm\ndays = 2030-01-07\nslot-minutes = 60\nday-start = 09:00\n"                \
  "day-end = 12:00\ntables = 1\n\n[company acme]\nname = Acme IoT GmbH\n\n"                        \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = psk\nentry-criteria = yes\nentry-criteria-by = staff\n"

static Farm *
farm_start (void)
{
  const FarmSetup setup = { sim_text, lab_body, EVENT_TEXT, FALSE, NULL };
  return farm_new (&setup);
}

/* ---- what staff see ---- */

/* The coordinator shows board data[1] exactly as host a's daemon last published it. */
static gboolean
as_host_says (TfHarness *h, gpointer data)
{
  Farm *f = ((gpointer *)data)[0];
  const char *id = ((gpointer *)data)[1];
  g_autoptr (JsonObject) own = board_of (f, "host/a/", id);
  g_autoptr (JsonObject) seen = board_of (f, "", id);
  return own != NULL && seen != NULL
         && g_strcmp0 (json_object_get_string_member (own, "state"),
                       json_object_get_string_member (seen, "state"))
                == 0
         && g_strcmp0 (json_object_get_string_member (own, "since"),
                       json_object_get_string_member (seen, "since"))
                == 0;
}

/* `testfestctl boards --json`: id -> host, state ("id=host:state;" sorted) */
static char *
listing (Farm *f)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GString) s = g_string_new ("");
  JsonArray *a;
  /* a request sent before the daemon has subscribed is lost: ask again soon */
  if (ctl (f, &out, &err, (const char *[]){ "boards", "--json", "--timeout", "5", NULL }) != 0
      || !json_parser_load_from_data (p, out, -1, NULL))
    return g_strdup_printf ("(testfestctl: %s)", err);
  a = json_node_get_array (json_parser_get_root (p));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      g_string_append_printf (s, "%s=%s:%s;", json_object_get_string_member (o, "id"),
                              json_object_get_string_member (o, "host"),
                              json_object_get_string_member (o, "state"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

typedef struct
{
  Farm *f;
  const char *want;
  char *last;
} Listing;

static gboolean
listing_is (TfHarness *h, gpointer data)
{
  Listing *l = data;
  g_free (l->last);
  l->last = listing (l->f);
  if (g_strcmp0 (l->last, l->want) == 0)
    return TRUE;
  tf_harness_sleep (h, 300); /* one testfestctl run at a time, not a busy loop */
  return FALSE;
}

static void
wait_listing (Farm *f, const char *want)
{
  Listing l = { f, want, NULL };
  if (!tf_harness_wait (f->host[0], listing_is, &l, WAIT_MS))
    g_error ("testfestctl boards: '%s', expected '%s'", l.last, want);
  g_free (l.last);
}

/* the coordinator's own retained status says host b's a2 was refused */
static gboolean
a2_refused (TfHarness *h, gpointer data)
{
  Farm *f = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/host/coord/status", f->lab);
  const char *json = g_hash_table_lookup (f->retained, t);
  return json != NULL && strstr (json, "\"b\":{") != NULL
         && strstr (json, "\"refused\":{\"a2\":\"board id already host a's\"}") != NULL;
}

static gboolean
b_told (TfHarness *h, gpointer data)
{
  Farm *f = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/host/b/status", f->lab);
  const char *json = g_hash_table_lookup (f->retained, t);
  return json != NULL
         && strstr (json, "\"refused\":{\"a2\":\"board id already host a's\"}") != NULL;
}

static char *
sim_power (Farm *f, guint host, const char *board)
{
  g_autofree char *get = tf_harness_sim (f->host[host], "get %s", board);
  g_auto (GStrv) w = g_strsplit (get, " ", -1);
  for (guint i = 0; w[i] != NULL; i++)
    if (g_str_has_prefix (w[i], "power="))
      return g_strdup (w[i] + strlen ("power="));
  g_error ("no power= in '%s'", get);
  return NULL;
}

/* ---- the test ---- */

static void
test_farm (void)
{
  g_autoptr (Farm) f = farm_start ();
  g_autofree char *out = NULL, *err = NULL, *pw = NULL;
  g_autoptr (JsonObject) b1_before = NULL, b1_after = NULL;
  int rc;

  coord_start (f);
  tf_harness_start_daemon (f->host[0]);
  /* host a's boards reach the coordinator through a's broker, its bridge and the central one */
  wait_board (f, "a1", "ready", NULL);
  wait_board (f, "a2", "ready", NULL);
  /* host b joins: b1 is taken, its a2 is refused (a's since it joined first), never merged */
  tf_harness_start_daemon (f->host[1]);
  wait_board (f, "b1", "ready", NULL);
  g_assert_true (tf_harness_wait (f->host[0], a2_refused, f, WAIT_MS));
  /* and host b hears it: its own retained status says so */
  g_assert_true (tf_harness_wait (f->host[0], b_told, f, WAIT_MS));
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");
  rc = ctl (f, &out, &err, (const char *[]){ "boards", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "HOST");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* staff see the hosts and the refused id in the coordinator's status */
  rc = ctl (f, &out, &err, (const char *[]){ "status", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "role coordinator");
  tf_harness_assert_contains (out, "refused a2: board id already host a's");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* staff power a remote board through the coordinator: host a's relay switches it */
  rc = ctl (f, &out, &err, (const char *[]){ "power", "off", "a1", NULL });
  if (rc != 0)
    g_error ("power off a1: %s%s", out, err);
  tf_harness_assert_contains (out, "a1");
  pw = sim_power (f, 0, "a1");
  g_assert_cmpstr (pw, ==, "off");
  wait_board (f, "a1", "off", NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a host's console tail and its refusals reach staff through the coordinator */
  rc = ctl (f, &out, &err, (const char *[]){ "board", "b1", NULL });
  g_assert_cmpint (rc, ==, 0);
  tf_harness_assert_contains (out, "  | ");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  rc = ctl (f, &out, &err, (const char *[]){ "release", "b1", NULL });
  g_assert_cmpint (rc, !=, 0);
  tf_harness_assert_contains (err, "board b1 is ready, not quarantined or faulted");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* b's own a2 stays b's: nothing of it reaches a's a2 */
  g_clear_pointer (&pw, g_free);
  pw = sim_power (f, 1, "b1");
  g_assert_cmpstr (pw, ==, "on");

  /* host a's daemon killed: its will makes its boards unknown (infrastructure), b untouched */
  b1_before = board_of (f, "", "b1");
  tf_harness_stop_daemon (f->host[0], SIGKILL);
  wait_board (f, "a1", "unknown", "host a lost");
  wait_board (f, "a2", "unknown", "host a lost");
  b1_after = board_of (f, "", "b1");
  g_assert_cmpstr (json_object_get_string_member (b1_after, "state"), ==, "ready");
  g_assert_cmpstr (json_object_get_string_member (b1_after, "since"), ==,
                   json_object_get_string_member (b1_before, "since"));
  wait_listing (f, "a1=a:unknown;a2=a:unknown;b1=b:ready;");
  /* a request for a lost host's board fails at once, as an infrastructure error */
  rc = ctl (f, &out, &err, (const char *[]){ "power", "on", "a1", NULL });
  g_assert_cmpint (rc, !=, 0);
  tf_harness_assert_contains (err, "host a lost");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* host a back: its boards come back with the state its daemon reports */
  tf_harness_start_daemon (f->host[0]);
  wait_board (f, "a2", "ready", NULL);
  wait_board (f, "a1", "ready", NULL);
  g_assert_true (tf_harness_wait (f->host[0], as_host_says, (gpointer[]){ f, "a1" }, WAIT_MS));
  g_assert_true (tf_harness_wait (f->host[0], as_host_says, (gpointer[]){ f, "a2" }, WAIT_MS));
  g_clear_pointer (&pw, g_free);
  pw = sim_power (f, 0, "a1");
  g_assert_cmpstr (pw, ==, "on");

  /* the coordinator killed and restarted: it learns every board again from
   * the retained states, and refuses b's a2 again (the store remembers whose it is) */
  stop (&f->coord, SIGKILL);
  {
    g_autofree char *t = g_strdup_printf ("tf/%s/host/coord/status", f->lab);
    g_hash_table_remove (f->retained, t);
  }
  coord_start (f);
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");
  g_assert_true (tf_harness_wait (f->host[0], a2_refused, f, WAIT_MS));
  rc = ctl (f, &out, &err, (const char *[]){ "power", "cycle", "b1", NULL });
  if (rc != 0)
    g_error ("power cycle b1: %s%s", out, err);
  g_assert_cmpint (tf_harness_boots (f->host[1], "b1"), >=, 2);

  /* host b's link cut (its broker dies; its bridge's will on the central
   * broker says so): b's boards unknown, a's untouched; back when it returns */
  stop (&f->host_broker[1], SIGKILL);
  wait_board (f, "b1", "unknown", "host b lost");
  wait_board (f, "a1", "ready", NULL);
  {
    g_autofree char *hconf = tf_harness_path (f->host[1], "broker/mosquitto.conf");
    f->host_broker[1] = broker_start (f, hconf, f->host[1]->port);
  }
  wait_board (f, "b1", "ready", NULL);
  wait_listing (f, "a1=a:ready;a2=a:ready;b1=b:ready;");

  /* host b's daemon silent (stopped, its connection open): its will fires
   * when the keepalive (5 s) runs out; back when it wakes up */
  {
    pid_t pid = atoi (g_subprocess_get_identifier (f->host[1]->daemon));
    gint64 t0 = g_get_monotonic_time ();
    kill (pid, SIGSTOP);
    wait_board (f, "b1", "unknown", "host b lost");
    g_test_message ("host b silent: lost after %.1f s (keepalive 5 s)",
                    (g_get_monotonic_time () - t0) / 1e6);
    wait_board (f, "a1", "ready", NULL);
    kill (pid, SIGCONT);
    wait_board (f, "b1", "ready", NULL);
  }
}

/* The roles are checked when the lab file is read, with FILE:LINE. */
static void
test_role_config (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-farm-conf-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "lab.conf", NULL);
  g_autofree char *d = exe ("testfestd");
  g_autofree char *boards = g_build_filename (src (), "boards", NULL);
  const struct
  {
    const char *body, *error;
  } cases[] = {
    { "role = coordinator\n\n[board x1]\ntype = sim-l476\nconsole = /dev/ttyACM1\n",
      "lab.conf:8: [board x1]: a coordinator owns no boards" },
    { "role = hosts\n", "lab.conf:6: [lab] role: 'hosts' is not host, coordinator or both" },
    { "role = host\nevent = some.event\n", "[lab] event: a host runs no event" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text
          = g_strdup_printf ("[lab]\nname = l\nhost = h\nstate-dir = %s\nboards-dir = %s\n%s", dir,
                             boards, cases[i].body);
      g_autofree char *out = NULL, *err = NULL;
      int status = 0;
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      g_assert_true (g_spawn_sync (NULL, (char *[]){ d, "--config", path, NULL }, NULL,
                                   G_SPAWN_DEFAULT, tf_test_child_setup, NULL, &out, &err, &status,
                                   NULL));
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 2);
      tf_harness_assert_contains (err, cases[i].error);
    }
  tf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/farm/role-config", test_role_config);
  g_test_add_func ("/farm/hosts-and-coordinator", test_farm);
  return g_test_run ();
}
