/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LwM2M through the floor: testfestd under tf-simlab, one board whose firmware is
 * tf-lwm2m-client on the lab network, one [server] namespace running tf-lwm2m-server; a
 * session started through the floor provisions the client with its server's URI, the
 * client really registers (asserted on tf-lwm2m-server's control socket, a unix socket
 * whose path every namespace shares), and cutting the board's power makes the registration
 * expire: no De-register ever reaches the server. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "tf-floor-util.h"

#define SESSION "alpha-client--gamma-server"

static const char *lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n"
      "[board sim1]\ntype = sim-l476-lwm2m\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n";

static const char *event
    = "[event]\nname = LwM2M TestFest\ndays = 2030-06-04\ntimezone = UTC\n"
      "slot-minutes = 60\nday-start = 09:00\nday-end = 17:00\ntables = 1\n\n"
      "[company alpha]\nname = Alpha Devices\n\n[company gamma]\nname = Gamma Cloud\n\n"
      "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim1\nprovision = provision.script\n"
      "entry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nserver-uri = coap://192.0.2.2:5683\n"
      "entry-criteria = yes\nentry-criteria-by = staff\n";

/* as fixtures/demo.provision, with a short lifetime for the expiry */
static const char *provision = "send config set server-uri {server_uri}\n"
                               "expect ^ok$ 3000\n"
                               "send config set endpoint {endpoint}\n"
                               "expect ^ok$ 3000\n"
                               "send config set lifetime 4\n"
                               "expect ^ok$ 3000\n"
                               "send lwm2m start\n"
                               "expect ^lwm2m: registered as / 30000\n";

/* One command on a new connection to tf-lwm2m-server's control socket; its reply. */
static JsonObject *
control (const char *sock, const char *json)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketAddress) a = g_unix_socket_address_new (sock);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autofree char *line = g_strdup_printf ("%s\n", json);
  g_autofree char *reply = NULL;

  /* bounded: a wait carries its own timeout_ms, the socket's is above every one used here */
  g_socket_client_set_timeout (c, 90);
  conn = g_socket_client_connect (c, G_SOCKET_CONNECTABLE (a), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            line, strlen (line), NULL, NULL, &error));
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  reply = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_true (json_parser_load_from_data (p, reply, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static gboolean
server_up (TfHarness *h, gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
console_says (TfFloorTest *t, const char *needle)
{
  for (guint i = 0; i < t->seen->len; i++)
    {
      TfSeen *m = g_ptr_array_index (t->seen, i);
      if (g_str_has_suffix (m->topic, "/session/" SESSION "/console")
          && strstr (m->payload, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_register_and_power_cut (gconstpointer data)
{
  gboolean node = GPOINTER_TO_INT (data);
  const char *build = g_getenv ("TF_BUILD_ROOT");
  g_autofree char *dir = NULL, *sock = NULL, *log = NULL, *client = NULL, *server = NULL;
  g_autofree char *sim = NULL, *out = NULL, *err = NULL, *logtext = NULL;
  g_autoptr (TfFloorTest) t = NULL;
  g_autoptr (JsonObject) r = NULL, list = NULL, gone = NULL, dereg = NULL;
  JsonObject *reg;

  if (geteuid () != 0)
    {
      g_test_skip ("the lab network (a namespace per board and server) needs root");
      return;
    }
  dir = g_dir_make_tmp ("tf-lwm2m-lab-XXXXXX", NULL);
  sock = g_build_filename (dir, "lwm2m.sock", NULL);
  log = g_build_filename (dir, "lwm2m.log", NULL);
  if (node)
    {
      /* lwm2m-node-lib's client behind its provisioning console (scripts/lwm2m-deps) */
      g_autofree char *lib = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "lwm2m",
                                               "interop", "node_modules", "lwm2m-node-lib", NULL);
      g_autofree char *nodejs = g_find_program_in_path ("node");
      if (!g_file_test (lib, G_FILE_TEST_IS_DIR) || nodejs == NULL)
        {
          g_test_skip ("no lwm2m-node-lib (scripts/lwm2m-deps) or no node");
          return;
        }
      client = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "tests", "lwm2m", "interop",
                                 "lwm2m-node-firmware", NULL);
    }
  else
    client = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  server = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  sim = g_strdup_printf (
      "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
      "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM1\nusb-path = 1-1\n"
      "vid = 0483\npid = 374b\nserial = SIM00001\npower = relay1:1\n"
      "firmware-name = lwm2m-client-a\nfirmware-version = 1.0.0\nboot-ms = 100\n"
      "firmware-program = %s\nfirmware-args = --version 1.0.0\naddress = 192.0.2.10\n\n"
      "[server gamma]\nprogram = %s\nargs = --control %s --log %s\naddress = 192.0.2.2\n",
      client, server, sock, log);
  tf_test_sim = sim;
  tf_test_lab_body = lab_body;
  tf_test_provision = provision;
  t = tf_floor_test_new (event);
  g_assert_true (tf_harness_wait (t->h, server_up, sock, 30000));

  /* the session through the floor: provisioning waits for the real registration */
  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 30000));
  r = tf_floor_request (t, NULL, "start", "{\"session\":\"" SESSION "\"}");
  g_assert_true (tf_floor_ok (r));
  g_assert_true (tf_floor_wait_phase (t, SESSION, "running", 60000));

  /* the server saw it: from the client's own address on the bridge */
  list = control (sock, "{\"cmd\":\"list\"}");
  g_assert_true (json_object_get_boolean_member (list, "ok"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 1);
  reg = json_array_get_object_element (json_object_get_array_member (list, "result"), 0);
  g_assert_cmpstr (json_object_get_string_member (reg, "ep"), ==, "alpha-client");
  g_assert_cmpint (json_object_get_int_member (reg, "lifetime"), ==, 4);
  /* which stack registered: lwm2m-node-lib speaks LwM2M 1.0 */
  g_assert_cmpstr (json_object_get_string_member (reg, "version"), ==, node ? "1.0" : "1.1");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (reg, "peer"), "192.0.2.10:"));
  /* a Server object registered, its lifetime the one provisioned (text/plain: what
   * lwm2m-node-lib serves) */
  g_assert_nonnull (strstr (json_object_get_string_member (reg, "links"), "</1/0>"));
  {
    g_autofree char *lt = g_strdup_printf (
        "{\"cmd\":\"read\",\"ep\":\"alpha-client\",\"path\":\"/1/0/1\",\"format\":\"%s\"}",
        node ? "text" : "tlv");
    g_autoptr (JsonObject) a = control (sock, lt);
    JsonObject *res = json_object_get_object_member (a, "result");
    g_assert_true (json_object_get_boolean_member (a, "ok"));
    g_assert_cmpstr (json_object_get_string_member (res, "code"), ==, "2.05");
    g_assert_cmpstr (json_object_get_string_member_with_default (
                         json_object_get_object_member (res, "values"), "/1/0/1", NULL),
                     ==, "4");
  }
  /* and the session's console showed it to the companies */
  g_assert_true (console_says (t, "lwm2m: registered as /rd/"));

  /* the session ends (the board is no longer leased, the client keeps running), then a
   * power cut: the client dies with its board; the registration runs out */
  g_clear_pointer (&r, json_object_unref);
  r = tf_floor_request (t, NULL, "end", "{\"session\":\"" SESSION "\"}");
  g_assert_true (tf_floor_ok (r));
  g_assert_true (tf_harness_wait_board_state (t->h, "sim1", "ready", 30000));
  g_clear_pointer (&list, json_object_unref);
  list = control (sock, "{\"cmd\":\"list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 1);
  if (tf_harness_ctl (t->h, &out, &err, "power", "off", "sim1", NULL) != 0)
    g_error ("power off: %s%s", out, err);
  gone = control (sock, "{\"cmd\":\"wait\",\"event\":\"expiry\",\"ep\":\"alpha-client\","
                        "\"timeout_ms\":60000}");
  if (!json_object_get_boolean_member (gone, "ok"))
    g_error ("no expiry: %s", json_object_get_string_member (gone, "error"));
  /* never de-registered (the history is kept: a wait after the fact answers at once) */
  dereg = control (sock, "{\"cmd\":\"wait\",\"event\":\"deregistration\",\"timeout_ms\":1}");
  g_assert_false (json_object_get_boolean_member (dereg, "ok"));
  g_assert_cmpstr (json_object_get_string_member (dereg, "error"), ==, "timeout");
  g_clear_pointer (&list, json_object_unref);
  list = control (sock, "{\"cmd\":\"list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 0);
  /* the decoded log has the Register from the board */
  g_assert_true (g_file_get_contents (log, &logtext, NULL, NULL));
  tf_harness_assert_contains (logtext, "alpha-client");

  g_clear_pointer (&t, tf_floor_test_free);
  g_unlink (sock);
  g_unlink (log);
  g_rmdir (dir);
}

/* ---- a board the daemon can flash (BOOT0 on relay1:2), for the two tests below ---- */

static const char *flash_lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n"
      "[board sim1]\ntype = sim-l476-lwm2m\nconsole = /dev/ttyACM1\npower = relay1:1\n"
      "boot-mode = relay1:2\ntable = T1\n";

/* a lifetime no busy or lossy machine outlasts between two reads, and a registration wait
 * that covers CoAP's retransmissions (about 93 s for one request) and the client's retry */
static const char *patient_provision = "send config set server-uri {server_uri}\n"
                                       "expect ^ok$ 3000\n"
                                       "send config set endpoint {endpoint}\n"
                                       "expect ^ok$ 3000\n"
                                       "send config set lifetime 600\n"
                                       "expect ^ok$ 3000\n"
                                       "send lwm2m start\n"
                                       "expect ^lwm2m: registered as / 240000\n";

typedef struct
{
  char *dir, *sock, *log, *image, *sim, *images;
  TfFloorTest *t;
} FlashLab;

/* tf-lwm2m-client 1.0.0 without quirks as sim1's factory firmware, the server, the daemon;
 * the registry holds "quirk-fw": tf-lwm2m-client 2.0.0 --quirk no-tlv, made by tf-mkimage. */
static FlashLab *
flash_lab_up (void)
{
  const char *build = g_getenv ("TF_BUILD_ROOT");
  FlashLab *l = g_new0 (FlashLab, 1);
  g_autofree char *client
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-client", NULL);
  g_autofree char *server
      = g_build_filename (build, "controller", "tools", "tf-lwm2m-server", NULL);
  g_autofree char *mk = g_build_filename (build, "fixtures", "tf-mkimage", NULL);
  g_autoptr (GError) error = NULL;
  int status = 0;

  l->dir = g_dir_make_tmp ("tf-lwm2m-lab-XXXXXX", NULL);
  l->sock = g_build_filename (l->dir, "lwm2m.sock", NULL);
  l->log = g_build_filename (l->dir, "lwm2m.log", NULL);
  l->image = g_build_filename (l->dir, "quirk-fw.bin", NULL);
  {
    const char *argv[]
        = { mk,     "tf-lwm2m-client", "2.0.0",       "8192",          l->image,       "--program",
            client, "--arg=--version", "--arg=2.0.0", "--arg=--quirk", "--arg=no-tlv", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
  }
  l->images = g_strdup_printf ("[image quirk-fw]\npath = %s\nboard-types = sim-l476-lwm2m\n"
                               "implementation = tf-lwm2m-client\nversion = 2.0.0\n",
                               l->image);
  l->sim = g_strdup_printf (
      "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n"
      "[board sim1]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM1\nusb-path = 1-1\n"
      "vid = 0483\npid = 374b\nserial = SIM00001\npower = relay1:1\nboot-mode = relay1:2\n"
      "firmware-name = lwm2m-client-a\nfirmware-version = 1.0.0\nboot-ms = 100\n"
      "adapter-latency-ms = 0\n"
      "firmware-program = %s\nfirmware-args = --version 1.0.0\naddress = 192.0.2.10\n\n"
      "[server gamma]\nprogram = %s\nargs = --control %s --log %s\naddress = 192.0.2.2\n",
      client, server, l->sock, l->log);
  tf_test_sim = l->sim;
  tf_test_lab_body = flash_lab_body;
  tf_test_provision = patient_provision;
  tf_test_images = l->images;
  l->t = tf_floor_test_new (event);
  tf_test_images = NULL;
  g_assert_true (tf_harness_wait (l->t->h, server_up, l->sock, 30000));
  g_assert_true (tf_harness_wait_board_state (l->t->h, "sim1", "ready", 30000));
  return l;
}

static void
flash_lab_free (FlashLab *l)
{
  g_clear_pointer (&l->t, tf_floor_test_free);
  g_unlink (l->sock);
  g_unlink (l->log);
  g_unlink (l->image);
  g_rmdir (l->dir);
  g_free (l->dir);
  g_free (l->sock);
  g_free (l->log);
  g_free (l->image);
  g_free (l->sim);
  g_free (l->images);
  g_free (l);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlashLab, flash_lab_free)

/* The firmware the daemon believes sim1 runs: "name version". */
static char *
board_firmware (TfHarness *h)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, "sim1");
  JsonObject *fw;
  g_assert_nonnull (b);
  fw = json_object_get_object_member (b, "firmware");
  g_assert_nonnull (fw);
  return g_strdup_printf ("%s %s", json_object_get_string_member (fw, "name"),
                          json_object_get_string_member (fw, "version"));
}

static gboolean
runs_firmware (TfHarness *h, gpointer data)
{
  g_autoptr (JsonObject) b = tf_harness_board (h, "sim1");
  g_autofree char *fw = NULL;
  if (b == NULL || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (b, "firmware"))
      || g_strcmp0 (json_object_get_string_member (b, "state"), "ready") != 0)
    return FALSE;
  fw = board_firmware (h);
  return g_str_equal (fw, data);
}

/* A Read of @path in @format by the server; the CoAP code of the client's answer. */
static char *
server_read (const char *sock, const char *path, const char *format)
{
  g_autofree char *cmd = g_strdup_printf (
      "{\"cmd\":\"read\",\"ep\":\"alpha-client\",\"path\":\"%s\",\"format\":\"%s\"}", path, format);
  g_autoptr (JsonObject) r = control (sock, cmd);
  if (!json_object_get_boolean_member (r, "ok"))
    return g_strdup_printf ("error: %s", json_object_get_string_member (r, "error"));
  return g_strdup (
      json_object_get_string_member (json_object_get_object_member (r, "result"), "code"));
}

static void
start_session (TfFloorTest *t)
{
  g_autoptr (JsonObject) r = tf_floor_request (t, NULL, "start", "{\"session\":\"" SESSION "\"}");
  g_assert_true (tf_floor_ok (r));
  /* provisioning waits for the registration (patient_provision) */
  g_assert_true (tf_floor_wait_phase (t, SESSION, "running", 300000));
}

static void
test_flashed_quirk (void)
{
  g_autoptr (FlashLab) l = NULL;
  g_autofree char *out = NULL, *err = NULL, *fw = NULL, *tlv = NULL, *senml = NULL;
  g_autofree char *info = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("the lab network (a namespace per board and server) needs root");
      return;
    }
  l = flash_lab_up ();
  fw = board_firmware (l->t->h);
  g_assert_cmpstr (fw, ==, "tf-lwm2m-client 1.0.0");

  /* staff flash the quirky build through the daemon (STM32 bootloader over the console) */
  if (tf_harness_ctl (l->t->h, &out, &err, "flash", "sim1", "quirk-fw", NULL) != 0)
    g_error ("flash: %s%s", out, err);
  /* testfestctl answered once the board booted it; its retained state follows on the bus */
  if (!tf_harness_wait (l->t->h, runs_firmware, "tf-lwm2m-client 2.0.0", 60000))
    {
      g_clear_pointer (&fw, g_free);
      fw = board_firmware (l->t->h);
      g_error ("sim1 runs %s, not tf-lwm2m-client 2.0.0 (flash said: %s%s)", fw, out, err);
    }
  /* the simulated part really holds it and runs it */
  info = tf_harness_sim (l->t->h, "board sim1");
  tf_harness_assert_contains (info, "program=running");

  /* the session provisions the new firmware, which registers */
  start_session (l->t);
  g_assert_true (console_says (l->t, "lwm2m: registered as /rd/"));
  g_assert_true (console_says (l->t, "tf-lwm2m-client 2.0.0"));

  /* the quirk, seen from the server: no TLV (4.06 Not Acceptable), SenML JSON fine */
  tlv = server_read (l->sock, "/3/0", "tlv");
  g_assert_cmpstr (tlv, ==, "4.06");
  senml = server_read (l->sock, "/3/0", "senml-json");
  g_assert_cmpstr (senml, ==, "2.05");
}

static void
test_lossy_link (void)
{
  g_autoptr (FlashLab) l = NULL;
  g_autofree char *ans = NULL, *info = NULL;
  g_autoptr (JsonObject) list = NULL;
  guint good = 0, tries = 0;

  if (geteuid () != 0)
    {
      g_test_skip ("the lab network (a namespace per board and server) needs root");
      return;
    }
  l = flash_lab_up ();
  /* a fifth of the frames each way lost on the bridge from before the first Register */
  ans = tf_harness_sim (l->t->h, "link sim1 loss 20");
  g_assert_cmpstr (ans, ==, "ok");
  info = tf_harness_sim (l->t->h, "board sim1");
  tf_harness_assert_contains (info, "loss=20");

  start_session (l->t);
  list = control (l->sock, "{\"cmd\":\"list\"}");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "result")), ==, 1);

  /* reads across the lossy link: CoAP retransmits; a request whose five transmissions all
   * drop (about 0.6 %) times out, so three successes are asked of at most eight tries */
  for (tries = 0; tries < 8 && good < 3; tries++)
    {
      g_autofree char *code = server_read (l->sock, (tries % 2) ? "/3/0" : "/1/0", "tlv");
      if (g_str_equal (code, "2.05"))
        good++;
      else
        g_test_message ("read %u: %s", tries, code);
    }
  g_assert_cmpuint (good, ==, 3);

  g_clear_pointer (&ans, g_free);
  ans = tf_harness_sim (l->t->h, "link sim1 loss 0");
  g_assert_cmpstr (ans, ==, "ok");
  g_clear_pointer (&info, g_free);
  info = tf_harness_sim (l->t->h, "board sim1");
  tf_harness_assert_contains (info, "loss=0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/lwm2m-lab/register-and-power-cut", GINT_TO_POINTER (FALSE),
                        test_register_and_power_cut);
  /* the independent stack as a board's firmware, through the same provisioning */
  g_test_add_data_func ("/lwm2m-lab/node-client", GINT_TO_POINTER (TRUE),
                        test_register_and_power_cut);
  /* a quirky build arriving by flashing, and retransmission over a lossy link */
  g_test_add_func ("/lwm2m/lab/flashed-quirk", test_flashed_quirk);
  g_test_add_func ("/lwm2m/lab/lossy-link", test_lossy_link);
  return g_test_run ();
}
