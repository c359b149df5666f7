/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The three-host farm of the netns tests (tf-farm-netns-world.h). */
#include "tf-farm-netns-world.h"

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

World *
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

void
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

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* the main loop until @pred holds or @ms pass */
gboolean
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
JsonObject *
board_of (World *w, const char *prefix, const char *id)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/%sboard/%s/state", w->farm->lab, prefix, id);
  const char *json = g_hash_table_lookup (w->retained, t);
  g_autoptr (JsonParser) p = json_parser_new ();
  if (json == NULL || !json_parser_load_from_data (p, json, -1, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (p)));
}

char *
field (World *w, const char *id, const char *member)
{
  g_autoptr (JsonObject) o = board_of (w, "", id);
  if (o == NULL || !json_object_has_member (o, member))
    return NULL;
  return g_strdup (json_object_get_string_member (o, member));
}

gboolean
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
double
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
gboolean
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

gboolean
never (World *w, gconstpointer data)
{
  return FALSE;
}

/* the coordinator answers with every board of every host ready */
void
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
void
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

/* how often @id's state was published with @text in it */
guint
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

/* the last state published of a session has @text */
gboolean
session_now (World *w, gconstpointer data)
{
  const SessionWant *x = data;
  g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, x->id);
  const char *json = g_hash_table_lookup (w->retained, t);
  return json != NULL && strstr (json, x->text) != NULL;
}

/* host h2's own state of h2b1 names acme's session as its holder */
gboolean
h2b1_held (World *w, gconstpointer data)
{
  g_autoptr (JsonObject) o = board_of (w, "host/h2/", "h2b1");
  JsonNode *n = o != NULL ? json_object_get_member (o, "session") : NULL;
  return n != NULL && !json_node_is_null (n) && g_strcmp0 (json_node_get_string (n), S_RUN) == 0;
}

void
wait_session (World *w, const char *id, const char *text)
{
  g_autofree char *t = g_strdup_printf ("tf/%s/session/%s/state", w->farm->lab, id);
  if (!wait_for (w, session_now, &(SessionWant){ id, text }, WAIT_MS))
    g_error ("session %s never %s; it is %s (files in %s)", id, text,
             (char *)g_hash_table_lookup (w->retained, t), w->farm->dir);
}

/* ---- console lines across a link cut ---- */

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

char *
coord_console_log (World *w, const char *id)
{
  g_autofree char *path = g_strdup_printf ("%s/coord-state/console/%s.log", w->farm->dir, id);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* the coordinator's console log of h2b1 has line @n */
gboolean
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
void
console_lines_while_cut (World *w, const char *tag, guint from, guint to)
{
  for (guint i = from; i <= to; i++)
    {
      g_autofree char *line = numbered (tag, i);
      board_says (w, 1, "h2b1", line);
    }
}

void
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
