/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A TestFest on all three hosts of the netns farm at once (each session prepared
 * and provisioned through its host, verdicts by the company, reports), and a
 * flash through the coordinator, also of a lost host's board. */
#include "tf-farm-netns-world.h"
#include "tf-bus-call.h"
#include "tf-test-host.h"

/* ---- a TestFest over all three hosts, and a flash through the coordinator ---- */

/* acme's three clients, one on a board of each host (the central broker's
 * accounts come from the fixture's event: acme has one), one server */
#define EVENT3_CLIENT(n, board)                                                                    \
  "[implementation acme-c" #n "]\ncompany = acme\nrole = client\nversions = 1.1\n"                 \
  "transports = udp\nsecurity = nosec\nboards = " board "\nentry-criteria = yes\n"                 \
  "entry-criteria-by = staff\n\n"
#define EVENT3_TEXT                                                                                \
  "[event]\nname = Farm netns three\ndays = 2030-01-07\ntimezone = UTC\nslot-minutes = 60\n"       \
  "day-start = 09:00\nday-end = 17:00\ntables = 3\n\n"                                             \
  "[company acme]\nname = Acme IoT GmbH\n\n[company zeta]\nname = Zeta Cloud\n\n" EVENT3_CLIENT (  \
      1, "h1b1") EVENT3_CLIENT (2, "h2b1")                                                         \
      EVENT3_CLIENT (                                                                              \
          3, "h3b1") "[implementation zeta-s]\ncompany = zeta\nrole = server\nversions = 1.1\n"    \
                     "transports = udp\nsecurity = nosec\nserver-uri = coap://zeta.test:5683\n"    \
                     "entry-criteria = yes\nentry-criteria-by = staff\n"
#define FLASH_IMAGE "farm-app-3.0.1"
#define FLASH_VERSION "3.0.1"

/* @company's request @verb on the central broker, as its own account; its answer */
static char *
company_request (World *w, const char *company, const char *verb, const char *json)
{
  g_autofree char *creds = g_build_filename (w->farm->dir, "central", "credentials", NULL);
  g_autofree char *pw = tf_test_credential (creds, company);
  g_autofree char *id = g_strdup_printf ("%s-%08x", company, g_random_int ());
  g_autofree char *reply = g_strdup_printf ("tf/%s/reply/%s/%s", w->farm->lab, company, id);
  g_autofree char *topic = g_strdup_printf ("tf/%s/in/%s/%s", w->farm->lab, company, verb);
  TfBusOptions o = { .host = w->farm->gateway,
                     .port = w->farm->central_port,
                     .user = (char *)company,
                     .password = pw,
                     .client_id = id,
                     .keepalive_s = 30 };
  char *answer = tf_test_bus_call (&o, topic, reply, json, WAIT_MS);
  if (answer == NULL)
    g_error ("%s's %s: no answer (files in %s)", company, verb, w->farm->dir);
  return answer;
}

/* the coordinator's state of @id runs firmware version @data */
typedef struct
{
  const char *board, *version;
} FwWant;

static gboolean
runs_firmware (World *w, gconstpointer data)
{
  const FwWant *x = data;
  g_autoptr (JsonObject) o = board_of (w, "", x->board);
  JsonObject *fw = o != NULL && json_object_has_member (o, "firmware")
                           && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "firmware"))
                       ? json_object_get_object_member (o, "firmware")
                       : NULL;
  return fw != NULL
         && g_strcmp0 (json_object_get_string_member_with_default (fw, "version", ""), x->version)
                == 0
         && g_strcmp0 (json_object_get_string_member (o, "state"), "ready") == 0;
}

/* @after in the file @path followed by @text */
static void
insert_after (const char *path, const char *after, const char *text)
{
  g_autofree char *data = NULL, *patched = NULL, *with = g_strconcat (after, text, NULL);
  g_auto (GStrv) parts = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  parts = g_strsplit (data, after, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (with, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (path, patched, -1, NULL));
}

/* host @i's images file in its [lab] (a host flashes its own images) and its
 * second board's BOOT0 on the relay's last channel (stm32-uart needs it) */
static void
give_host_image (World *w, guint i, const char *images)
{
  TfFarmHost *h = tf_farm_host (w->farm, i);
  g_autofree char *line = g_strdup_printf ("images = %s\n", images);
  g_autofree char *board = tf_farm_board_id (w->farm, i, 2);
  g_autofree char *section = g_strdup_printf ("[board %s]\n", board);
  insert_after (h->lab_path, "[lab]\n", line);
  insert_after (h->lab_path, section, "boot-mode = relay1:8\n");
  insert_after (h->sim_path, section, "boot-mode = relay1:8\n");
}

/* how often tf-simlab of host @i booted board @id */
static guint64
boots_of (World *w, guint i, const char *id)
{
  g_autofree char *req = g_strdup_printf ("get %s", id);
  g_autofree char *answer = NULL;
  g_autoptr (GError) error = NULL;
  guint64 boots = 0;
  answer = tf_sim_client_request (tf_farm_host (w->farm, i)->control, req, 60, &error);
  g_assert_no_error (error);
  if (!tf_sim_client_field (answer, "boots", &boots))
    g_error ("no boots= in '%s'", answer);
  return boots;
}

static void
test_farm_testfest_three (void)
{
  g_autoptr (World) w = NULL;
  g_autofree char *image = NULL, *images = NULL, *cmd = NULL, *info = NULL;
  const char *sessions[] = { "acme-c1--zeta-s", "acme-c2--zeta-s", "acme-c3--zeta-s" };
  const guint cases[] = { 101, 102, 203 }; /* of tests/ets: one each */
  guint64 boots[N_HOSTS];
  int status = 0;
  gint64 t0;

  if (getuid () != 0)
    {
      g_test_skip ("needs root (network namespaces)");
      return;
    }
  w = world_new ();
  /* an image in h1's images file only */
  image = g_build_filename (w->farm->dir, FLASH_IMAGE ".bin", NULL);
  cmd = g_strdup_printf ("%s/fixtures/tf-mkimage --seed 7 farm-app " FLASH_VERSION " 65536 %s",
                         w->farm->build, image);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  images = g_build_filename (tf_farm_host (w->farm, 0)->dir, "images.conf", NULL);
  {
    g_autofree char *text
        = g_strdup_printf ("[image " FLASH_IMAGE "]\npath = %s\nboard-types = sim-l476\n"
                           "implementation = farm-app\nversion = " FLASH_VERSION "\n",
                           image);
    g_assert_true (g_file_set_contents (images, text, -1, NULL));
  }
  give_host_image (w, 0, images);
  tf_farm_set_event (w->farm, EVENT3_TEXT);
  for (guint i = 0; i < N_HOSTS; i++)
    tf_farm_start_host (w->farm, i);
  tf_farm_start_coordinator (w->farm);
  for (guint i = 0; i < N_HOSTS; i++)
    wait_host (w, i, "ready", NULL, WAIT_MS);

  /* each client's session on its board, on its host; all three started */
  for (guint i = 0; i < N_HOSTS; i++)
    wait_session (w, sessions[i], "\"phase\":\"scheduled\"");
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autofree char *board = tf_farm_board_id (w->farm, i, 1);
      boots[i] = boots_of (w, i, board);
    }
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int rc = tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "start", sessions[i], NULL });
      if (rc != 0)
        g_error ("start %s: %s%s", sessions[i], out, err);
    }
  /* prepared through its host (power cycle, provisioning over its console) */
  for (guint i = 0; i < N_HOSTS; i++)
    wait_session (w, sessions[i], "\"phase\":\"running\"");
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autofree char *board = tf_farm_board_id (w->farm, i, 1);
      g_autofree char *want = g_strdup_printf ("\"board\":\"%s\"", board);
      g_autofree char *endpoint = g_strdup_printf ("config set endpoint acme-c%u", i + 1);
      g_autofree char *log = coord_console_log (w, board);
      /* all three at once */
      g_assert_true (session_now (w, &(SessionWant){ sessions[i], "\"phase\":\"running\"" }));
      g_assert_true (session_now (w, &(SessionWant){ sessions[i], want }));
      g_assert_cmpuint (session_published (w, sessions[i], "\"phase\":\"preparing\""), ==, 1);
      /* the power cycle: its host's tf-simlab booted the board again */
      g_assert_cmpuint (boots_of (w, i, board), >, boots[i]);
      if (strstr (log, endpoint) == NULL)
        g_error ("%s's provisioning is not in the coordinator's console log of %s:\n%s",
                 sessions[i], board, log);
    }

  /* acme's account enters a verdict in each, then each ends: its report has it */
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autofree char *json = g_strdup_printf (
          "{\"session\":\"%s\",\"case\":%u,\"verdict\":\"pass\",\"user\":\"tester\"}", sessions[i],
          cases[i]);
      g_autofree char *answer = company_request (w, "acme", "verdict", json);
      if (strstr (answer, "\"ok\":true") == NULL)
        g_error ("verdict in %s: %s", sessions[i], answer);
    }
  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autofree char *out = NULL, *err = NULL, *low = NULL;
      g_autofree char *id = g_strdup_printf ("%u", cases[i]);
      g_assert_cmpint (
          tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "end", sessions[i], NULL }), ==, 0);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      wait_session (w, sessions[i], "\"phase\":\"reporting\"");
      g_assert_cmpint (
          tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "report", sessions[i], NULL }), ==,
          0);
      low = g_ascii_strdown (out, -1);
      if (strstr (low, id) == NULL || strstr (low, "pass") == NULL)
        g_error ("report of %s has no pass for case %s:\n%s", sessions[i], id, out);
    }

  /* h1b2 flashed from the coordinator: h1 flashes it, the board boots the image */
  {
    g_autofree char *out = NULL, *err = NULL;
    int rc
        = tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "flash", "h1b2", FLASH_IMAGE, NULL });
    if (rc != 0)
      g_error ("flash h1b2 through the coordinator: %d %s%s", rc, out, err);
  }
  if (!wait_for (w, runs_firmware, &(FwWant){ "h1b2", FLASH_VERSION }, WAIT_MS))
    g_error ("h1b2 never ready with firmware " FLASH_VERSION " at the coordinator (files in %s)",
             w->farm->dir);
  {
    g_autoptr (GError) error = NULL;
    info
        = tf_sim_client_request (tf_farm_host (w->farm, 0)->control, "flash-info h1b2", 60, &error);
    g_assert_no_error (error);
    if (strstr (info, "running=" FLASH_VERSION) == NULL)
      g_error ("h1b2 does not run the image: %s", info);
  }

  /* a board of a lost host: the flash fails at once, an infrastructure matter */
  tf_farm_stop_host (w->farm, 2, SIGKILL);
  wait_host (w, 2, "unknown", "host h3 lost", WILL_LOSS_S * 1000);
  t0 = g_get_monotonic_time ();
  {
    g_autofree char *out = NULL, *err = NULL;
    int rc
        = tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "flash", "h3b2", FLASH_IMAGE, NULL });
    g_test_message ("flash of a lost host's board: %d %s%s", rc, out, err);
    g_assert_cmpint (rc, !=, 0);
    g_assert_nonnull (strstr (err, "host h3 lost"));
  }
  /* far below the forwarded flash's 30 minutes and testfestctl's 10 */
  g_assert_cmpint ((g_get_monotonic_time () - t0) / G_USEC_PER_SEC, <, 60);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();
  g_test_add_func ("/farm-netns/testfest-and-flash-over-three", test_farm_testfest_three);
  return g_test_run ();
}
