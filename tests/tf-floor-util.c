/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-floor-util.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define SIM_BOARD(id, n, power)                                                                    \
  "[board " id "]\ntype = sim-l476\nchip = STM32L476RG\ntty = ttyACM" #n "\nusb-path = 1-" #n      \
  "\nvid = 0483\npid = 374b\nserial = SIM0000" #n "\npower = " power                               \
  "\nfirmware-name = lwm2m-client-" id "\nfirmware-version = 1.0." #n "\nboot-ms = 100\n\n"

const char *tf_test_sim
    = "[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n" SIM_BOARD (
        "sim1", 1, "relay1:1") SIM_BOARD ("sim2", 2, "relay1:2") SIM_BOARD ("sim3", 3, "relay1:3")
        SIM_BOARD ("sim4", 4, "relay1:4");

const char *tf_test_lab_body
    = "[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = "
      "100\n\n"
      "[board sim1]\ntype = sim-l476-cmd\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n\n"
      "[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = relay1:2\ntable = T2\n\n"
      "[board sim3]\ntype = sim-l476\nconsole = /dev/ttyACM3\npower = relay1:3\ntable = T1\n\n"
      "[board sim4]\ntype = sim-l476\nconsole = /dev/ttyACM4\npower = relay1:4\ntable = T2\n";

/* 2 clients x 2 servers of four companies; alpha's image goes on sim1 by a command. */
const char *tf_test_event
    = "[event]\nname = Test TestFest\ndays = 2030-06-04;2030-06-05\ntimezone = UTC\n"
      "slot-minutes = 60\nday-start = 09:00\nday-end = 17:00\ntables = 2\n\n"
      "[company alpha]\nname = Alpha Devices\nlisting-consent = yes\n\n[company beta]\nname = Beta "
      "Sensors\n\n"
      "[company gamma]\nname = Gamma Cloud\n\n[company delta]\nname = Delta Platforms\n\n"
      "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim1\nimage = alpha-fw\n"
      "provision = provision.script\nfeatures = registration;observe;tlv\n"
      "entry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation beta-client]\ncompany = beta\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = sim2;sim4\nprovision = provision.script\n"
      "entry-criteria = yes\nentry-criteria-by = staff\n\n"
      "[implementation gamma-server]\nname = Gamma LwM2M Server\nversion = 4.2\ncompany = gamma\n"
      "role = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nserver-uri = coap://gamma.test:5683\n"
      "features = registration;observe;tlv;json\nentry-criteria = yes\nentry-criteria-by = "
      "staff\n\n"
      "[implementation delta-server]\ncompany = delta\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n";

/* NULL: the default images.conf below (alpha-fw) */
const char *tf_test_images = NULL;

const char *tf_test_provision
    = "# what the simulated console understands today, plus the placeholders\n"
      "send config set endpoint {endpoint}\n"
      "expect ^(ok|unknown command: config set endpoint {endpoint})$ 3000\n"
      "send version\n"
      "expect ^Firmware: 3000\n";

static void
on_message (TfBus *bus, const TfBusMessage *m, TfFloorTest *t)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  TfSeen *s = g_new0 (TfSeen, 1);
  s->topic = g_strdup (m->topic);
  s->payload = g_strndup (d, len);
  g_ptr_array_add (t->seen, s);
  if (g_str_has_prefix (m->topic, t->reply_topic) && g_str_has_suffix (m->topic, "/floor-test")
      && m->correlation != NULL)
    g_hash_table_replace (
        t->replies,
        g_strndup (g_bytes_get_data (m->correlation, NULL), g_bytes_get_size (m->correlation)),
        g_strndup (d, len));
}

static void
seen_free (TfSeen *s)
{
  g_free (s->topic);
  g_free (s->payload);
  g_free (s);
}

static gboolean
has_schedule (TfHarness *h, gpointer data)
{
  return tf_harness_retained (h, "schedule") != NULL;
}

void
tf_floor_test_start_daemon (TfFloorTest *t)
{
  tf_harness_start_daemon (t->h);
}

TfFloorTest *
tf_floor_test_new (const char *event)
{
  return tf_floor_test_new_at (event, NULL);
}

TfFloorTest *
tf_floor_test_new_at (const char *event, const char *clock)
{
  TfFloorTest *t = g_new0 (TfFloorTest, 1);
  const char *src = g_getenv ("TF_SOURCE_ROOT");
  g_autofree char *lab = NULL, *patched = NULL, *ev = NULL, *images = NULL, *img = NULL;
  g_autofree char *prov = NULL, *ets = NULL, *boards = NULL, *tboards = NULL;
  g_autofree char *find = NULL, *repl = NULL;
  g_auto (GStrv) parts = NULL;

  t->h = tf_harness_new (tf_test_sim, tf_test_lab_body);
  t->seen = g_ptr_array_new_with_free_func ((GDestroyNotify)seen_free);
  t->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->flash_out = tf_harness_path (t->h, "flashed");
  g_mkdir (t->flash_out, 0755);
  ev = tf_harness_path (t->h, "test.event");
  images = tf_harness_path (t->h, "images.conf");
  img = tf_harness_path (t->h, "alpha-fw.bin");
  prov = tf_harness_path (t->h, "provision.script");
  g_assert_true (g_file_set_contents (ev, event ? event : tf_test_event, -1, NULL));
  g_assert_true (g_file_set_contents (img, "ALPHA FIRMWARE 1.0.1\n", -1, NULL));
  g_assert_true (g_file_set_contents (prov, tf_test_provision, -1, NULL));
  g_assert_true (g_file_set_contents (images,
                                      tf_test_images != NULL
                                          ? tf_test_images
                                          : "[image alpha-fw]\npath = alpha-fw.bin\n"
                                            "board-types = sim-l476-cmd\n"
                                            "implementation = lwm2m-client-sim1\nversion = 1.0.1\n",
                                      -1, NULL));
  /* the event, the images and the tests' board types go into [lab] */
  g_assert_true (g_file_get_contents (t->h->lab_path, &lab, NULL, NULL));
  boards = g_build_filename (src, "boards", NULL);
  tboards = g_build_filename (src, "tests", "boards", NULL);
  ets = g_build_filename (src, "tests", "ets", NULL);
  find = g_strdup_printf ("boards-dir = %s\nets-dir = %s/data/ets\n", boards, src);
  repl = g_strdup_printf ("boards-dir = %s;%s\nets-dir = %s\nevent = test.event\n"
                          "images = images.conf\n",
                          boards, tboards, ets);
  parts = g_strsplit (lab, find, 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  patched = g_strjoin (repl, parts[0], parts[1], NULL);
  g_assert_true (g_file_set_contents (t->h->lab_path, patched, -1, NULL));
  g_setenv ("TF_FLASH_OUT", t->flash_out, TRUE);

  if (clock != NULL)
    tf_harness_set_clock (t->h, clock);
  tf_harness_start_daemon (t->h);
  tf_harness_watch (t->h);
  g_signal_connect (t->h->watch, "message", G_CALLBACK (on_message), t);
  t->reply_topic = g_strdup_printf ("tf/%s/reply/", t->h->lab); /* + <account>/floor-test */
  g_assert_true (tf_harness_wait (t->h, has_schedule, NULL, 20000));
  return t;
}

void
tf_floor_test_free (TfFloorTest *t)
{
  if (t == NULL)
    return;
  if (t->h != NULL && t->h->watch != NULL)
    g_signal_handlers_disconnect_by_data (t->h->watch, t);
  tf_harness_free (t->h);
  g_ptr_array_unref (t->seen);
  g_hash_table_unref (t->replies);
  g_free (t->reply_topic);
  g_free (t->flash_out);
  g_free (t);
}

void
tf_floor_test_restart (TfFloorTest *t, int sig)
{
  tf_harness_stop_daemon (t->h, sig);
  tf_harness_start_daemon (t->h);
}

char *
tf_floor_send (TfFloorTest *t, const char *company, const char *verb, const char *json)
{
  g_autofree char *topic = company ? g_strdup_printf ("tf/%s/in/%s/%s", t->h->lab, company, verb)
                                   : g_strdup_printf ("tf/%s/cmd/%s", t->h->lab, verb);
  char *corr = g_strdup_printf ("c%u-%08x", ++t->seq, g_random_int ());
  g_autoptr (GError) error = NULL;
  /* a company's answers go under its own name: reply/<company>/<client id> */
  g_autofree char *reply_topic
      = g_strdup_printf ("tf/%s/reply/%s/floor-test", t->h->lab, company ? company : "staff");
  g_assert_true (tf_bus_request (t->h->watch, topic, json, reply_topic, corr, &error));
  g_assert_no_error (error);
  return corr;
}

typedef struct
{
  TfFloorTest *t;
  const char *corr;
} Wait;

static gboolean
replied (TfHarness *h, gpointer data)
{
  Wait *w = data;
  return g_hash_table_contains (w->t->replies, w->corr);
}

JsonObject *
tf_floor_reply (TfFloorTest *t, const char *corr)
{
  Wait w = { t, corr };
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!tf_harness_wait (t->h, replied, &w, 20000))
    return NULL;
  g_assert_true (json_parser_load_from_data (p, g_hash_table_lookup (t->replies, corr), -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

JsonObject *
tf_floor_request (TfFloorTest *t, const char *company, const char *verb, const char *fmt, ...)
{
  g_autofree char *json = NULL;
  g_autofree char *corr = NULL;
  JsonObject *o;
  va_list ap;
  va_start (ap, fmt);
  json = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  corr = tf_floor_send (t, company, verb, json);
  o = tf_floor_reply (t, corr);
  g_assert_nonnull (o);
  return o;
}

gboolean
tf_floor_ok (JsonObject *reply)
{
  return reply != NULL && json_object_get_boolean_member_with_default (reply, "ok", FALSE);
}

JsonObject *
tf_floor_session_state (TfFloorTest *t, const char *id)
{
  g_autofree char *suffix = g_strdup_printf ("session/%s/state", id);
  const char *json = tf_harness_retained (t->h, suffix);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

typedef struct
{
  TfFloorTest *t;
  const char *id, *phase;
} PhaseWait;

static gboolean
in_phase (TfHarness *h, gpointer data)
{
  PhaseWait *w = data;
  g_autoptr (JsonObject) st = tf_floor_session_state (w->t, w->id);
  return st != NULL && g_strcmp0 (json_object_get_string_member (st, "phase"), w->phase) == 0;
}

gboolean
tf_floor_wait_phase (TfFloorTest *t, const char *id, const char *phase, guint timeout_ms)
{
  PhaseWait w = { t, id, phase };
  return tf_harness_wait (t->h, in_phase, &w, timeout_ms);
}

int
tf_floor_flash_count (TfFloorTest *t, const char *board)
{
  g_autofree char *name = g_strdup_printf ("%s.count", board);
  g_autofree char *path = g_build_filename (t->flash_out, name, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return atoi (text);
}

void
tf_floor_wait_up (TfFloorTest *t)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *corr = tf_floor_send (t, NULL, "status", "{}");
      for (guint j = 0; j < 20 && !g_hash_table_contains (t->replies, corr); j++)
        tf_harness_sleep (t->h, 10);
      if (g_hash_table_contains (t->replies, corr))
        return;
    }
  g_assert_not_reached ();
}

JsonObject *
tf_floor_schedule (TfFloorTest *t)
{
  const char *json = tf_harness_retained (t->h, "schedule");
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_nonnull (json);
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

JsonObject *
tf_floor_entry (JsonObject *schedule, const char *id)
{
  JsonArray *a = json_object_get_array_member (schedule, "sessions");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *e = json_array_get_object_element (a, i);
      if (g_strcmp0 (json_object_get_string_member (e, "id"), id) == 0)
        return e;
    }
  return NULL;
}
