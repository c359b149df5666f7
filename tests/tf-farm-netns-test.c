/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A farm of three lab hosts, each in its own network namespace on a bridge
 * (tf-farm-net.c): each its tf-simlab, its own mosquitto bridged to the
 * central one over its veth link, its testfestd (role = host); a coordinator
 * on the central broker. A link cut is a real one (the veth down): the
 * central broker notices the bridge gone after 1.5 x its keepalive (5 s),
 * fires the bridge's will, and the coordinator marks the host's boards
 * unknown; docs/farm.md states the bound this test holds it to. What a board
 * of the cut host prints meanwhile waits in its host's broker (QoS 1) and
 * reaches the coordinator after the return, once each and in order. */
#include "config.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tf-bus.h"
#include "tf-farm-net.h"
#include "tf-sim-client.h"
#include "tf-test-host.h"
#include <json-glib/json-glib.h>

#define N_HOSTS 3
#define N_BOARDS 2
#define WAIT_MS 120000 /* start-up on a loaded machine; a bridge's back-off is 30 s */
#define LINK_LOSS_S 30 /* docs/farm.md: 1.5 x the bridge keepalive (7.5 s) + 22.5 s */
#define WILL_LOSS_S 30 /* a host daemon's own will: its 5 s keepalive, generously */

typedef struct
{
  TfFarm *farm;
  TfBus *watch;
  GHashTable *retained;
  char *console_topic; /* the central broker's copy of h2b1's console lines ... */
  GPtrArray *console;  /* ... in the order it delivered them */
  GPtrArray *sessions; /* "topic payload" of every session state, in order */
} World;

static void
on_watch (TfBus *bus, const TfBusMessage *m, World *w)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (g_strcmp0 (m->topic, w->console_topic) == 0)
    {
      g_ptr_array_add (w->console, len > 0 ? g_strndup (d, len) : g_strdup (""));
      return;
    }
  if (strstr (m->topic, "/session/") != NULL)
    g_ptr_array_add (w->sessions, g_strdup_printf ("%s %.*s", m->topic, (int)len, d ? d : ""));
  if (len == 0)
    g_hash_table_remove (w->retained, m->topic);
  else
    g_hash_table_replace (w->retained, g_strdup (m->topic), g_strndup (d, len));
}

static World *
world_new (void)
{
  World *w = g_new0 (World, 1);
  g_autofree char *id = g_strdup_printf ("staff-watch-%08x", g_random_int ());
  g_autofree char *all = NULL;
  g_autoptr (GError) error = NULL;
  TfBusOptions o = { 0 };

  w->farm = tf_farm_new (g_getenv ("TF_BUILD_ROOT"), g_getenv ("TF_SOURCE_ROOT"), NULL, N_HOSTS,
                         N_BOARDS);
  w->retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->console_topic = g_strdup_printf ("tf/%s/host/h2/board/h2b1/console", w->farm->lab);
  w->console = g_ptr_array_new_with_free_func (g_free);
  w->sessions = g_ptr_array_new_with_free_func (g_free);
  tf_farm_start_brokers (w->farm);
  o = (TfBusOptions){ .host = w->farm->gateway,
                      .port = w->farm->central_port,
                      .user = "staff",
                      .password = w->farm->staff_pw,
                      .client_id = id,
                      .keepalive_s = 30 };
  w->watch = tf_bus_new (&o, &error);
  g_assert_no_error (error);
  g_signal_connect (w->watch, "message", G_CALLBACK (on_watch), w);
  all = g_strdup_printf ("tf/%s/#", w->farm->lab);
  tf_bus_subscribe (w->watch, all);
  tf_bus_start (w->watch);
  return w;
}

static void
world_free (World *w)
{
  tf_bus_shutdown (w->watch, NULL, NULL, 100);
  g_clear_object (&w->watch);
  tf_farm_free (w->farm);
  g_hash_table_unref (w->retained);
  g_ptr_array_unref (w->console);
  g_ptr_array_unref (w->sessions);
  g_free (w->console_topic);
  g_free (w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

typedef gboolean (*Pred) (World *w, gconstpointer data);

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* the main loop until @pred holds or @ms pass */
static gboolean
wait_for (World *w, Pred pred, gconstpointer data, guint ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (ms, on_timeout, &expired);
  while (!pred (w, data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return !expired || pred (w, data);
}

/* a board's state as published on @prefix ("" for the coordinator's, "host/hN/" for its host's) */
static JsonObject *
board_of (World *w, const char *prefix, const char *id)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%sboard/%s/state", w->farm->lab, prefix, id);
  const char *json = g_hash_table_lookup (w->retained, t);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

static char *
field (World *w, const char *id, const char *member)
{
  g_autoptr (JsonObject) o = board_of (w, "", id);
  if (o == NULL || !json_object_has_member (o, member))
    return NULL;
  return g_strdup (json_object_get_string_member (o, member));
}

typedef struct
{
  guint host; /* every board of it */
  const char *state, *cause;
} Want;

static gboolean
host_boards_are (World *w, gconstpointer data)
{
  const Want *want = data;
  for (guint j = 1; j <= N_BOARDS; j++)
    {
      g_autofree char *id = tf_farm_board_id (w->farm, want->host, j);
      g_autofree char *state = field (w, id, "state");
      g_autofree char *cause = field (w, id, "cause");
      if (g_strcmp0 (state, want->state) != 0
          || (want->cause != NULL && g_strcmp0 (cause, want->cause) != 0))
        return FALSE;
    }
  return TRUE;
}

/* waits, returns the seconds it took */
static double
wait_host (World *w, guint host, const char *state, const char *cause, guint ms)
{
  Want want = { host, state, cause };
  gint64 t0 = g_get_monotonic_time ();
  if (!wait_for (w, host_boards_are, &want, ms))
    g_error ("host %s's boards never %s (%s) at the coordinator within %u s (files in %s)",
             tf_farm_host (w->farm, host)->name, state, cause ? cause : "any cause", ms / 1000,
             w->farm->dir);
  return (g_get_monotonic_time () - t0) / 1e6;
}

/* the coordinator shows each board of @host exactly as the host last published it */
static gboolean
as_host_says (World *w, gconstpointer data)
{
  guint host = GPOINTER_TO_UINT (data);
  g_autofree char *prefix = g_strdup_printf ("host/%s/", tf_farm_host (w->farm, host)->name);
  for (guint j = 1; j <= N_BOARDS; j++)
    {
      g_autofree char *id = tf_farm_board_id (w->farm, host, j);
      g_autoptr (JsonObject) own = board_of (w, prefix, id);
      g_autoptr (JsonObject) seen = board_of (w, "", id);
      if (own == NULL || seen == NULL
          || g_strcmp0 (json_object_get_string_member (own, "state"),
                        json_object_get_string_member (seen, "state"))
                 != 0
          || g_strcmp0 (json_object_get_string_member (own, "since"),
                        json_object_get_string_member (seen, "since"))
                 != 0)
        return FALSE;
    }
  return TRUE;
}

/* `testfestctl boards --json` as "id=host:state;" in its order */
static char *
listing (World *w)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GString) s = g_string_new ("");
  JsonArray *a;
  if (tf_farm_ctl (w->farm, &out, &err,
                   (const char *[]){ "boards", "--json", "--timeout", "5", NULL })
          != 0
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

static char *
all_ready (World *w)
{
  g_autoptr (GString) s = g_string_new ("");
  for (guint i = 0; i < N_HOSTS; i++)
    for (guint j = 1; j <= N_BOARDS; j++)
      {
        g_autofree char *id = tf_farm_board_id (w->farm, i, j);
        g_string_append_printf (s, "%s=%s:ready;", id, tf_farm_host (w->farm, i)->name);
      }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
never (World *w, gconstpointer data)
{
  return FALSE;
}

/* the coordinator answers with every board of every host ready */
static void
wait_listing_all_ready (World *w)
{
  g_autofree char *want = all_ready (w);
  g_autofree char *last = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64)WAIT_MS * 1000;
  while (g_strcmp0 (last, want) != 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("testfestctl boards: '%s', expected '%s'", last, want);
      g_free (last);
      last = listing (w);
      if (g_strcmp0 (last, want) != 0)
        wait_for (w, never, NULL, 300); /* one testfestctl at a time */
    }
}

typedef struct
{
  int connack, acked_mid, acked_rc;
} Pub;

static void
on_connack (struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p)
{
  ((Pub *)obj)->connack = rc;
}

static void
on_puback (struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *p)
{
  ((Pub *)obj)->acked_mid = mid;
  ((Pub *)obj)->acked_rc = rc;
}

/* QoS 1; the PUBACK's reason code */
static int
publish_rc (struct mosquitto *m, Pub *x, const char *topic, const char *payload)
{
  int mid = 0;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_assert_cmpint (mosquitto_publish_v5 (m, &mid, topic, strlen (payload), payload, 1, FALSE, NULL),
                   ==, MOSQ_ERR_SUCCESS);
  while (x->acked_mid != mid)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      mosquitto_loop (m, 50, 1);
    }
  return x->acked_rc;
}

/* Host h1's account on the central broker (what its bridge, or whoever has
 * its credentials, connects as) publishing h2's board state: the PUBACK
 * says not authorized, and the coordinator's view of h2b1 is unchanged.
 * The same connection may write h1's own subtree (the refusal is the ACL). */
static void
forge_other_host (World *w)
{
  g_autofree char *creds_path = g_strdup_printf ("%s/central/hosts/h1.credentials", w->farm->dir);
  g_autofree char *creds = NULL, *before = NULL, *after = NULL;
  g_auto (GStrv) words = NULL, lines = NULL;
  g_autofree char *other = g_strdup_printf ("tf/%s/host/h2/board/h2b1/state", w->farm->lab);
  g_autofree char *own = g_strdup_printf ("tf/%s/host/h1/reply/forger", w->farm->lab);
  Pub x = { -1, -1, -1 };
  struct mosquitto *m;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_assert_true (g_file_get_contents (creds_path, &creds, NULL, NULL));
  lines = g_strsplit (creds, "\n", -1);
  for (guint i = 0; lines[i] != NULL && words == NULL; i++)
    if (g_str_has_prefix (lines[i], "host-h1 "))
      words = g_strsplit (lines[i], " ", -1);
  g_assert_nonnull (words);
  before = field (w, "h2b1", "since");
  m = mosquitto_new ("host-h1-forger", TRUE, &x);
  mosquitto_int_option (m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_username_pw_set (m, words[0], words[1]);
  mosquitto_connect_v5_callback_set (m, on_connack);
  mosquitto_publish_v5_callback_set (m, on_puback);
  g_assert_cmpint (
      mosquitto_connect_bind_v5 (m, w->farm->gateway, w->farm->central_port, 30, NULL, NULL), ==,
      MOSQ_ERR_SUCCESS);
  while (x.connack < 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      mosquitto_loop (m, 50, 1);
    }
  g_assert_cmpint (x.connack, ==, 0);
  g_assert_cmpint (publish_rc (m, &x, own, "{}"), ==, 0);
  g_assert_cmpint (
      publish_rc (m, &x, other, "{\"schema\":1,\"id\":\"h2b1\",\"state\":\"faulted\"}"), ==,
      MQTT_RC_NOT_AUTHORIZED);
  mosquitto_disconnect (m);
  mosquitto_destroy (m);
  /* a round trip through the coordinator after it: nothing of the forgery there */
  wait_listing_all_ready (w);
  after = field (w, "h2b1", "since");
  g_assert_cmpstr (after, ==, before);
}

/* ---- sessions on h2's boards across its link cut ---- */

/* acme's client on h2b1 (started: running through the cut), beta's on h2b2
 * (planned ahead: re-planned when h2 is lost), zeta's server */
#define EVENT_TEXT                                                                                 \
  "[event]\nname = Farm netns\ndays = 2030-01-07\ntimezone = UTC\nslot-minutes = 60\n"             \
  "day-start = 09:00\nday-end = 17:00\ntables = 2\n\n"                                             \
  "[company acme]\nname = Acme IoT GmbH\n\n[company beta]\nname = Beta Sensors\n\n"                \
  "[company zeta]\nname = Zeta Cloud\n\n"                                                          \
  "[implementation acme-c]\ncompany = acme\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nboards = h2b1\nentry-criteria = yes\n"                      \
  "entry-criteria-by = staff\n\n"                                                                  \
  "[implementation beta-c]\ncompany = beta\nrole = client\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nboards = h2b2\nentry-criteria = yes\n"                      \
  "entry-criteria-by = staff\n\n"                                                                  \
  "[implementation zeta-s]\ncompany = zeta\nrole = server\nversions = 1.1\n"                       \
  "transports = udp\nsecurity = nosec\nserver-uri = coap://zeta.test:5683\n"                       \
  "entry-criteria = yes\nentry-criteria-by = staff\n"
#define S_RUN "acme-c--zeta-s"
#define S_AHEAD "beta-c--zeta-s"

/* how often @id's state was published with @text in it */
static guint
session_published (World *w, const char *id, const char *text)
{
  g_autofree char *prefix = g_strdup_printf ("tf/%s/session/%s/state ", w->farm->lab, id);
  guint n = 0;
  for (guint i = 0; i < w->sessions->len; i++)
    {
      const char *m = g_ptr_array_index (w->sessions, i);
      if (g_str_has_prefix (m, prefix) && strstr (m, text) != NULL)
        n++;
    }
  return n;
}

typedef struct
{
  const char *id, *text;
} SessionWant;

/* the last state published of a session has @text */
static gboolean
session_now (World *w, gconstpointer data)
{
  const SessionWant *x = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, x->id);
  const char *json = g_hash_table_lookup (w->retained, t);
  return json != NULL && strstr (json, x->text) != NULL;
}

/* host h2's own state of h2b1 names acme's session as its holder */
static gboolean
h2b1_held (World *w, gconstpointer data)
{
  g_autoptr (JsonObject) o = board_of (w, "host/h2/", "h2b1");
  JsonNode *n = o != NULL ? json_object_get_member (o, "session") : NULL;
  return n != NULL && !json_node_is_null (n) && g_strcmp0 (json_node_get_string (n), S_RUN) == 0;
}

static void
wait_session (World *w, const char *id, const char *text)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, id);
  if (!wait_for (w, session_now, &(SessionWant){ id, text }, WAIT_MS))
    g_error ("session %s never %s; it is %s (files in %s)", id, text,
             (char *)g_hash_table_lookup (w->retained, t), w->farm->dir);
}

/* ---- console lines across a link cut ---- */

#define CUT_LINES 24 /* half printed as the link goes down, half once h2 is lost */

/* board @id of host @host prints @text (tf-simlab's control socket) */
static void
board_says (World *w, guint host, const char *id, const char *text)
{
  g_autofree char *req = g_strdup_printf ("say %s %s", id, text);
  g_autofree char *answer = NULL;
  g_autoptr (GError) error = NULL;
  answer = tf_sim_client_request (tf_farm_host (w->farm, host)->control, req, 60, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "ok");
}

static char *
numbered (const char *tag, guint n)
{
  return g_strdup_printf ("farm-cut-%s-%03u.", tag, n);
}

static char *
coord_console_log (World *w, const char *id)
{
  g_autofree char *path = g_strdup_printf ("%s/coord-state/console/%s.log", w->farm->dir, id);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

typedef struct
{
  const char *tag;
  guint n;
} Numbered;

/* the coordinator's console log of h2b1 has line @n */
static gboolean
coord_logged (World *w, gconstpointer data)
{
  const Numbered *x = data;
  g_autofree char *text = coord_console_log (w, "h2b1");
  g_autofree char *line = numbered (x->tag, x->n);
  return strstr (text, line) != NULL;
}

/* the central broker delivered line @n of h2b1's console */
static gboolean
broker_delivered (World *w, gconstpointer data)
{
  const Numbered *x = data;
  g_autofree char *line = numbered (x->tag, x->n);
  for (guint i = 0; i < w->console->len; i++)
    if (strstr (g_ptr_array_index (w->console, i), line) != NULL)
      return TRUE;
  return FALSE;
}

/* lines 1..@n of @tag each exactly once in @text, in order, and no other of @tag */
static void
assert_once_in_order (const char *what, const char *text, const char *tag, guint n)
{
  g_autofree char *any = g_strdup_printf ("farm-cut-%s-", tag);
  const char *prev = text;
  guint seen = 0;
  for (const char *p = strstr (text, any); p != NULL; p = strstr (p + 1, any))
    seen++;
  if (seen != n)
    g_error ("%s: %u lines of the cut, expected %u:\n%s", what, seen, n, text);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *line = numbered (tag, i);
      const char *at = strstr (text, line);
      if (at == NULL || at < prev)
        g_error ("%s: line %u %s:\n%s", what, i, at == NULL ? "missing" : "out of order", text);
      prev = at;
    }
}

/* Host h2's link is down (the caller cut it): h2b1 prints numbered lines
 * while the bridge notices it and after h2 is lost at the coordinator; when
 * the link is back, each arrives at the coordinator once, in order, before a
 * line printed after the return. */
static void
console_lines_while_cut (World *w, const char *tag, guint from, guint to)
{
  for (guint i = from; i <= to; i++)
    {
      g_autofree char *line = numbered (tag, i);
      board_says (w, 1, "h2b1", line);
    }
}

static void
console_after_return (World *w, const char *tag)
{
  g_autofree char *log = NULL;
  g_autoptr (GString) delivered = g_string_new ("");
  Numbered last = { tag, CUT_LINES + 1 };

  console_lines_while_cut (w, tag, CUT_LINES + 1, CUT_LINES + 1);
  if (!wait_for (w, coord_logged, &last, WAIT_MS))
    g_error ("the coordinator never logged h2b1's line after the return (files in %s)",
             w->farm->dir);
  g_assert_true (wait_for (w, broker_delivered, &last, WAIT_MS));
  log = coord_console_log (w, "h2b1");
  assert_once_in_order ("coordinator's console log of h2b1", log, tag, CUT_LINES + 1);
  for (guint i = 0; i < w->console->len; i++)
    g_string_append_printf (delivered, "%s\n", (char *)g_ptr_array_index (w->console, i));
  assert_once_in_order ("central broker's h2b1 console topic", delivered->str, tag, CUT_LINES + 1);
}

static void
test_farm_netns (void)
{
  g_autoptr (World) w = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *since_h1 = NULL, *since_h3 = NULL, *after = NULL;
  g_autofree char *tag = g_strdup_printf ("%08x", g_random_int ());
  double s;

  if (getuid () != 0)
    {
      g_test_skip ("needs root (network namespaces)");
      return;
    }
  w = world_new ();
  tf_farm_set_event (w->farm, EVENT_TEXT);
  /* the running session through h2's cut keeps its board: a grace longer
   * than the cut can last (each wait below is bounded); the grace running out
   * is /farm-floor/host-loss-grace (tf-farm-floor-test.c) */
  {
    g_autofree char *conf = NULL, *more = NULL;
    g_assert_true (g_file_get_contents (w->farm->coord_conf, &conf, NULL, NULL));
    more = g_strconcat (conf, "\n[farm]\nhost-loss-grace-s = 1800\n", NULL);
    g_assert_true (g_file_set_contents (w->farm->coord_conf, more, -1, NULL));
  }
  for (guint i = 0; i < N_HOSTS; i++)
    tf_farm_start_host (w->farm, i);
  tf_farm_start_coordinator (w->farm);
  for (guint i = 0; i < N_HOSTS; i++)
    wait_host (w, i, "ready", NULL, WAIT_MS);
  wait_listing_all_ready (w);
  g_assert_cmpint (tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "boards", NULL }), ==, 0);
  g_assert_nonnull (strstr (out, "HOST"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* acme's session on h2b1 prepared through h2 (power cycle, provisioning
   * over its console) and running; beta's on h2b2 planned ahead */
  wait_session (w, S_AHEAD, "\"phase\":\"scheduled\"");
  wait_session (w, S_RUN, "\"phase\":\"scheduled\"");
  g_assert_cmpint (tf_farm_ctl (w->farm, &out, &err, (const char *[]){ "start", S_RUN, NULL }), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_session (w, S_RUN, "\"phase\":\"running\"");
  g_assert_cmpuint (session_published (w, S_AHEAD, "\"replanned\":true"), ==, 0);

  /* h2's link cut: its boards unknown (infrastructure), h1's and h3's untouched */
  since_h1 = field (w, "h1b1", "since");
  since_h3 = field (w, "h3b2", "since");
  tf_farm_set_link (w->farm, 1, FALSE);
  console_lines_while_cut (w, tag, 1, CUT_LINES / 2);
  s = wait_host (w, 1, "unknown", "host h2 lost", LINK_LOSS_S * 1000);
  g_test_message ("h2's link cut: its boards unknown after %.1f s", s);
  console_lines_while_cut (w, tag, CUT_LINES / 2 + 1, CUT_LINES);
  /* the session planned on h2's board: re-planned (an infrastructure matter,
   * never a verdict); the running one keeps its board within the grace
   * (docs/farm.md) */
  wait_session (w, S_AHEAD, "\"replanned\":true");
  wait_session (w, S_AHEAD, "\"phase\":\"scheduled\"");
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  {
    g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, S_AHEAD);
    g_test_message ("re-planned: %s", (char *)g_hash_table_lookup (w->retained, t));
  }
  /* nothing of it reached the coordinator while the link is down */
  g_assert_false (coord_logged (w, &(Numbered){ tag, CUT_LINES }));
  after = field (w, "h1b1", "since");
  g_assert_cmpstr (after, ==, since_h1);
  g_clear_pointer (&after, g_free);
  after = field (w, "h3b2", "since");
  g_assert_cmpstr (after, ==, since_h3);
  g_clear_pointer (&after, g_free);
  g_assert_true (host_boards_are (w, &(Want){ 0, "ready", NULL }));
  g_assert_true (host_boards_are (w, &(Want){ 2, "ready", NULL }));
  /* restored: the bridge reconnects, h2's boards as h2 itself says */
  tf_farm_set_link (w->farm, 1, TRUE);
  s = wait_host (w, 1, "ready", NULL, WAIT_MS);
  g_test_message ("h2's link restored: its boards ready again after %.1f s", s);
  g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (1), WAIT_MS));
  /* what h2b1 printed during the cut: at the coordinator, each line once, in order */
  console_after_return (w, tag);
  /* acme's session: still the one, running, prepared once, never aborted */
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"preparing\""), ==, 1);
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"aborted\""), ==, 0);

  /* h3's daemon killed -9: its will; restarted: its boards back */
  tf_farm_stop_host (w->farm, 2, SIGKILL);
  s = wait_host (w, 2, "unknown", "host h3 lost", WILL_LOSS_S * 1000);
  g_test_message ("h3 killed: its boards unknown after %.1f s", s);
  g_assert_true (host_boards_are (w, &(Want){ 0, "ready", NULL }));
  tf_farm_start_host (w->farm, 2);
  wait_host (w, 2, "ready", NULL, WAIT_MS);
  g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (2), WAIT_MS));

  /* the coordinator killed -9 and restarted: every board again from retained state */
  tf_farm_stop_coordinator (w->farm, SIGKILL);
  tf_farm_start_coordinator (w->farm);
  wait_listing_all_ready (w);
  for (guint i = 0; i < N_HOSTS; i++)
    g_assert_true (wait_for (w, as_host_says, GUINT_TO_POINTER (i), WAIT_MS));

  /* acme's session on h2b1 through the restart: h2 still records it as the
   * holder of h2b1 */
  g_assert_true (wait_for (w, h2b1_held, NULL, WAIT_MS));

  /* h1 writing h2's board state on the central broker is refused */
  forge_other_host (w);
  /* after the round trip in it: acme's session never aborted, prepared once */
  g_assert_true (session_now (w, &(SessionWant){ S_RUN, "\"phase\":\"running\"" }));
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"aborted\""), ==, 0);
  g_assert_cmpuint (session_published (w, S_RUN, "\"phase\":\"preparing\""), ==, 1);
}

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

typedef struct
{
  char *corr, *answer;
} Call;

static void
on_call_reply (TfBus *bus, const TfBusMessage *m, Call *c)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (m->correlation != NULL && c->answer == NULL
      && g_bytes_get_size (m->correlation) == strlen (c->corr)
      && memcmp (g_bytes_get_data (m->correlation, NULL), c->corr, strlen (c->corr)) == 0)
    c->answer = g_strndup (d, len);
}

static gboolean
call_answered (World *w, gconstpointer data)
{
  return ((const Call *)data)->answer != NULL;
}

static gboolean
bus_connected (World *w, gconstpointer data)
{
  return tf_bus_is_connected ((TfBus *)data);
}

/* the password after @user at the start of a line of the credentials file @path */
static char *
password_after (const char *path, const char *user)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], " ", 3);
      if (g_strcmp0 (f[0], user) == 0 && f[1] != NULL)
        return g_strdup (f[1]);
    }
  g_error ("no %s in %s", user, path);
  return NULL;
}

/* @company's request @verb on the central broker, as its own account; its answer */
static char *
company_request (World *w, const char *company, const char *verb, const char *json)
{
  g_autofree char *creds = g_build_filename (w->farm->dir, "central", "credentials", NULL);
  g_autofree char *pw = password_after (creds, company);
  g_autofree char *id = g_strdup_printf ("%s-%08x", company, g_random_int ());
  g_autofree char *reply = g_strdup_printf ("tf/%s/reply/%s/%s", w->farm->lab, company, id);
  g_autofree char *topic = g_strdup_printf ("tf/%s/in/%s/%s", w->farm->lab, company, verb);
  TfBusOptions o = { .host = w->farm->gateway,
                     .port = w->farm->central_port,
                     .user = (char *)company,
                     .password = pw,
                     .client_id = id,
                     .keepalive_s = 30 };
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = tf_bus_new (&o, &error);
  Call c = { g_strdup_printf ("c%08x", g_random_int ()), NULL };

  g_assert_no_error (error);
  g_signal_connect (bus, "message", G_CALLBACK (on_call_reply), &c);
  tf_bus_subscribe_full (bus, reply, TF_BUS_SUBSCRIBE_EVENTS);
  tf_bus_start (bus);
  g_assert_true (wait_for (w, bus_connected, bus, WAIT_MS));
  g_assert_true (tf_bus_request (bus, topic, json, reply, c.corr, &error));
  g_assert_no_error (error);
  if (!wait_for (w, call_answered, &c, WAIT_MS))
    g_error ("%s's %s: no answer (files in %s)", company, verb, w->farm->dir);
  g_signal_handlers_disconnect_by_data (bus, &c);
  tf_bus_shutdown (bus, NULL, NULL, 100);
  g_free (c.corr);
  return c.answer;
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
  g_test_add_func ("/farm-netns/three-hosts", test_farm_netns);
  g_test_add_func ("/farm-netns/testfest-and-flash-over-three", test_farm_testfest_three);
  return g_test_run ();
}
