/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A session's traffic captured by the daemon on the simulated lab's mirror port: a board
 * running tf-lwm2m-client registers at a tf-lwm2m-server namespace across the lab bridge; the
 * daemon's pcapng of the session, downloaded by its client company through the "trace" verb,
 * is decoded by tshark into the messages the daemon's decoded trace lists; live messages reach
 * the session's companies' private topics only; a third company gets nothing; a daemon
 * restart leaves a gap that is said, in a new part; thousands of messages without loss. */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "tf-floor-fixture.h"

#define S TF_FIXTURE_SESSION
#define N_READS_BIG 5000

typedef struct
{
  TfHarness *h;
  TfReplies *replies;
  GPtrArray *topics; /* every topic seen */
  guint live_alpha, live_gamma;
  char *ctl_sock; /* tf-lwm2m-server's control socket */
  char *ifname;
} Fixture;

static void
on_message (TfBus *bus, const TfBusMessage *m, Fixture *fx)
{
  g_ptr_array_add (fx->topics, g_strdup (m->topic));
  if (g_str_has_suffix (m->topic, "/private/alpha/session/" S "/trace"))
    fx->live_alpha++;
  if (g_str_has_suffix (m->topic, "/private/gamma/session/" S "/trace"))
    fx->live_gamma++;
}

/* in/@company/@verb, or cmd/@verb as staff (@company NULL) */
static JsonObject *
request (Fixture *fx, const char *company, const char *verb, const char *json)
{
  return tf_replies_request (fx->replies, company, verb, json, 30000);
}

/* One JSON command to tf-lwm2m-server's control socket, its one-line answer. */
static char *
server_cmd (Fixture *fx, const char *json)
{
  g_autoptr (GSocketClient) c = g_socket_client_new ();
  g_autoptr (GSocketAddress) a = g_unix_socket_address_new (fx->ctl_sock);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect (c, G_SOCKET_CONNECTABLE (a), NULL, &error);
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree char *line = g_strdup_printf ("%s\n", json);
  char *answer;
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            line, strlen (line), NULL, NULL, &error));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  answer = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

static char *
trace_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->h->state_dir, "trace", S, name, NULL);
}

static guint
count_in_file (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  guint n = 0;
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return 0;
  for (const char *p = data; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

typedef struct
{
  char *path;
  const char *needle;
  guint count;
} FileWait;

static gboolean
file_has (TfHarness *h, gpointer data)
{
  FileWait *w = data;
  return count_in_file (w->path, w->needle) >= w->count;
}

static gboolean
wait_file (Fixture *fx, const char *name, const char *needle, guint count, guint timeout_ms)
{
  FileWait w = { trace_path (fx, name), needle, count };
  gboolean ok = tf_harness_wait (fx->h, file_has, &w, timeout_ms);
  g_free (w.path);
  return ok;
}

/* A whole file of the session's trace through the "trace" verb, as a company downloads it. */
static GBytes *
download (Fixture *fx, const char *company, const char *file, guint part)
{
  GByteArray *all = g_byte_array_new ();
  gint64 offset = 0;
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *args = g_strdup_printf (
          "{\"session\":\"" S "\",\"file\":\"%s\",\"part\":%u,\"offset\":%" G_GINT64_FORMAT "}",
          file, part, offset);
      g_autoptr (JsonObject) r = request (fx, company, "trace", args);
      gsize n = 0;
      g_autofree guchar *data = NULL;
      g_assert_true (json_object_get_boolean_member (r, "ok"));
      data = g_base64_decode (json_object_get_string_member (r, "data"), &n);
      g_byte_array_append (all, data, (guint)n);
      offset += (gint64)n;
      if (json_object_get_boolean_member (r, "eof"))
        break;
    }
  return g_byte_array_free_to_bytes (all);
}

/* "type|code|mid|token" of every CoAP message, in order: ours from the decoded trace */
static GPtrArray *
ours (const char *decoded, guint part)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (decoded, "\n", -1);
  static const char *types[] = { "CON", "NON", "ACK", "RST" };
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      const char *type, *code;
      guint t = 0, c = 0;
      if (*lines[i] == '\0' || !json_parser_load_from_data (p, lines[i], -1, NULL))
        continue;
      o = json_node_get_object (json_parser_get_root (p));
      if (!json_object_has_member (o, "type")
          || json_object_get_int_member_with_default (o, "part", 0) != part)
        continue;
      type = json_object_get_string_member (o, "type");
      code = json_object_get_string_member (o, "code");
      for (t = 0; t < 4 && !g_str_equal (types[t], type); t++)
        ;
      if (strchr (code, '.') != NULL)
        c = (guint)(atoi (code) * 32 + atoi (strchr (code, '.') + 1));
      else
        {
          static const char *methods[]
              = { "EMPTY", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH" };
          for (c = 0; c < 8 && !g_str_equal (methods[c], code); c++)
            ;
        }
      g_ptr_array_add (out, g_strdup_printf ("%u|%u|%" G_GINT64_FORMAT "|%s", t, c,
                                             json_object_get_int_member (o, "mid"),
                                             json_object_get_string_member (o, "token")));
    }
  return out;
}

/* the same by tshark from the pcapng file */
static GPtrArray *
theirs_with (const char *pcap, const char *pref)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *stdout_buf = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  /* @pref: a preference such as the DTLS PSK ("dtls.psk:HEX"), else a repeat of -n */
  const char *argv[] = { "tshark",
                         "-n",
                         "-r",
                         pcap,
                         "-Y",
                         "coap",
                         "-T",
                         "fields",
                         "-E",
                         "separator=|",
                         "-e",
                         "coap.type",
                         "-e",
                         "coap.code",
                         "-e",
                         "coap.mid",
                         "-e",
                         "coap.token",
                         pref ? "-o" : "-n",
                         pref,
                         NULL };
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &stdout_buf, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  lines = g_strsplit (stdout_buf, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (out, g_strdup (lines[i]));
  return out;
}

static GPtrArray *
theirs (const char *pcap)
{
  return theirs_with (pcap, NULL);
}

static void
assert_same_messages (Fixture *fx, guint part)
{
  g_autoptr (GBytes) pcap = download (fx, "alpha", "pcap", part);
  g_autoptr (GBytes) decoded = download (fx, "alpha", "decoded", 1);
  g_autofree char *local = g_build_filename (fx->h->dir, "download.pcapng", NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded));
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  g_assert_true (g_file_set_contents (local, g_bytes_get_data (pcap, NULL),
                                      (gssize)g_bytes_get_size (pcap), NULL));
  a = ours (text, part);
  b = theirs (local);
  g_test_message ("part %u: %u messages decoded, %u by tshark", part, a->len, b->len);
  g_assert_cmpuint (a->len, >, 0);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a, i), ==, g_ptr_array_index (b, i));
}

/* @psk: the client's key in hex for a session over DTLS (the event file's psk-identity
 * "alpha-1" and psk-key-file), NULL for plain CoAP */
static void
fixture_setup_psk (Fixture *fx, const char *quirk, const char *psk)
{
  g_autofree char *sim = NULL, *lab = NULL, *tail = NULL, *tmpdir = NULL, *srv_args = NULL;
  g_autofree char *event = NULL, *script = NULL;

  fx->topics = g_ptr_array_new_with_free_func (g_free);
  fx->ifname = g_strdup_printf ("tfm%08x", g_random_int ());
  /* the server's control socket lives in a directory of ours made before the harness */
  tmpdir = g_dir_make_tmp ("tf-trace-srv-XXXXXX", NULL);
  fx->ctl_sock = g_build_filename (tmpdir, "lwm2m.sock", NULL);
  srv_args = g_strdup_printf ("--control %s%s%s", fx->ctl_sock,
                              psk ? " --psk-port 5684 --psk alpha-1:" : "", psk ? psk : "");
  sim = tf_fixture_sim (quirk, "lwm2m1", srv_args);
  tail = g_strdup_printf ("[capture]\ninterface = %s\nrotate-bytes = 1048576\n", fx->ifname);
  lab = tf_fixture_lab ("192.0.2.10, 2001:db8::10", tail);
  fx->h = tf_fixture_harness_new (sim, lab, NULL, fx->ifname);
  event = g_strdup_printf (
      TF_FIXTURE_EVENT_HEAD (
          "Trace TestFest") "[company beta]\nname = Beta Sensors\n\n"
                            "[implementation alpha-client]\ncompany = alpha\nrole = "
                            "client\nversions = 1.1\n"
                            "transports = udp\nsecurity = %s\nboards = sim1\nendpoint = alpha-ep\n"
                            "provision = provision.script\nfeatures = tlv\nentry-criteria = yes\n"
                            "entry-criteria-by = staff\n%s\n"
                            "[implementation gamma-server]\ncompany = gamma\nrole = "
                            "server\nversions = 1.1\n"
                            "version = 4.2\ntransports = udp\nsecurity = %s\nserver-uri = %s\n"
                            "features = tlv\nentry-criteria = yes\nentry-criteria-by = staff\n",
      psk ? "psk" : "nosec", psk ? "psk-identity = alpha-1\npsk-key-file = alpha.psk\n" : "",
      psk ? "psk" : "nosec", psk ? "coaps://192.0.2.2:5684" : "coap://192.0.2.2:5683");
  tf_fixture_write (fx->h, "test.event", event, 0);
  if (psk != NULL)
    tf_fixture_write (fx->h, "alpha.psk", psk, 0600);
  script = g_strdup_printf (
      "send config set endpoint {endpoint}\nexpect ^ok 5000\n"
      "send config set server-uri {server_uri}\nexpect ^ok 5000\n%s%s%s"
      "send lwm2m start\nexpect ^lwm2m: (registered|error: already) 20000\n",
      psk ? "send config set psk-id alpha-1\nexpect ^ok 5000\nsend config set psk-key " : "",
      psk ? psk : "", psk ? "\nexpect ^ok 5000\n" : "");
  tf_fixture_write (fx->h, "provision.script", script, 0);
  fx->replies = tf_fixture_start_watched (fx->h, TRUE, "trace-test", G_CALLBACK (on_message), fx);
}

static void
fixture_setup (Fixture *fx, const char *quirk)
{
  fixture_setup_psk (fx, quirk, NULL);
}

static void
fixture_teardown (Fixture *fx)
{
  g_autofree char *dir = g_path_get_dirname (fx->ctl_sock);
  tf_fixture_stop (fx->h, fx->replies, fx, NULL);
  g_unlink (fx->ctl_sock);
  g_rmdir (dir);
  g_ptr_array_unref (fx->topics);
  g_free (fx->ctl_sock);
  g_free (fx->ifname);
}

static void
start_session (Fixture *fx)
{
  tf_fixture_start_session (fx->h);
  /* the registration and its answer, captured and decoded */
  g_assert_true (wait_file (fx, "decoded.jsonl", "\"code\":\"2.01\"", 1, 30000));
}

/* the lab's proposal for @case_id ("pass", "fail", NULL for none), its decision in @decision */
static char *
proposal (Fixture *fx, const char *company, gint case_id, char **decision)
{
  g_autoptr (JsonObject) r = request (fx, company, "proposals", "{\"session\":\"" S "\"}");
  JsonArray *a;
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  a = json_object_get_array_member (r, "proposals");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *p = json_array_get_object_element (a, i);
      if (json_object_get_int_member (p, "case") != case_id)
        continue;
      g_test_message ("proposal %d: %s (%s)", case_id, json_object_get_string_member (p, "verdict"),
                      json_object_get_string_member (p, "reason"));
      if (decision != NULL)
        *decision = g_strdup (json_object_get_string_member (p, "decision"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (p, "frames")), >, 0);
      return g_strdup (json_object_get_string_member (p, "verdict"));
    }
  return NULL;
}

/* The report of the session as the client company fetches it (testfestctl report --pdf
 * --junit): case @case_id marked as the lab's proposal, @decision (accepted or overridden). */
static void
assert_report_marks (Fixture *fx, gint case_id, const char *decision)
{
  g_autofree char *out = NULL, *err = NULL, *text = NULL, *xml = NULL;
  g_autofree char *pdf = g_build_filename (fx->h->dir, "report.pdf", NULL);
  g_autofree char *junit = g_build_filename (fx->h->dir, "report.xml", NULL);
  g_autofree char *line = g_strdup_printf ("%d ", case_id);
  g_autofree char *prop
      = g_strdup_printf ("<property name=\"lab_proposal_decision\" value=\"%s\"/>", decision);
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  gboolean accepted = g_str_equal (decision, "accepted");
  char **lines;
  gboolean found = FALSE;
  g_assert_cmpint (tf_harness_ctl (fx->h, &out, &err, "report", S, "--company", "alpha", "--pdf",
                                   pdf, "--junit", junit, NULL),
                   ==, 0);
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &text,
                               NULL, NULL, NULL));
  tf_harness_assert_contains (text, "Verdicts proposed by the lab from the trace");
  /* the case's line in that section says what became of the proposal */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), line) && strstr (lines[i], "lab proposed") != NULL)
      {
        found = TRUE;
        tf_harness_assert_contains (lines[i], accepted
                                                  ? "proposed by the lab from the trace, accepted"
                                                  : "the team overrode the lab's proposal");
      }
  g_strfreev (lines);
  g_assert_true (found);
  tf_harness_assert_contains (text, accepted ? "Pass*" : "†");
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  tf_harness_assert_contains (xml, prop);
}

static void
test_capture (void)
{
  Fixture fx = { 0 };
  g_autofree char *answer = NULL;
  g_autofree char *part1 = NULL;
  GStatBuf st;
  if (tf_fixture_can_skip ("a lab network and a mirror port"))
    return;
  fixture_setup (&fx, NULL);
  start_session (&fx);
  {
    /* the mirror port in our namespace: no address (IPv4, IPv6, not even link-local), no
     * route, ARP off */
    g_autofree char *addrs = NULL, *routes = NULL, *link = NULL;
    const char *a[] = { "ip", "-o", "addr", "show", "dev", fx.ifname, NULL };
    const char *r[] = { "ip", "-o", "route", "show", "dev", fx.ifname, NULL };
    const char *l[] = { "ip", "-o", "link", "show", "dev", fx.ifname, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)a, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &addrs,
                                 NULL, NULL, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **)r, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &routes,
                                 NULL, NULL, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **)l, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &link,
                                 NULL, NULL, NULL));
    g_assert_cmpstr (addrs, ==, "");
    g_assert_cmpstr (routes, ==, "");
    tf_harness_assert_contains (link, "NOARP");
  }
  answer = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0\"}");
  tf_harness_assert_contains (answer, "\"ok\":true");
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"code\":\"2.05\"", 1, 30000));

  /* proposed verdicts of a clean client: registration and a TLV read pass; the client team
   * accepts 203, the report says so; the server team may see proposals, not accept them */
  g_free (answer);
  answer = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0\","
                            "\"format\":\"tlv\"}");
  tf_harness_assert_contains (answer, "\"ok\":true");
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"cf\":11542", 1, 30000));
  {
    g_autofree char *v101 = proposal (&fx, "gamma", 101, NULL);
    g_autofree char *v203 = proposal (&fx, "alpha", 203, NULL);
    g_autofree char *decision = NULL;
    g_autofree char *again = NULL;
    g_autoptr (JsonObject) refused
        = request (&fx, "gamma", "accept", "{\"session\":\"" S "\",\"case\":203}");
    g_autoptr (JsonObject) ok = NULL;
    g_assert_cmpstr (v101, ==, "pass");
    g_assert_cmpstr (v203, ==, "pass");
    g_assert_false (json_object_get_boolean_member (refused, "ok"));
    ok = request (&fx, "alpha", "accept", "{\"session\":\"" S "\",\"case\":203}");
    g_assert_true (json_object_get_boolean_member (ok, "ok"));
    again = proposal (&fx, "alpha", 203, &decision);
    g_assert_cmpstr (decision, ==, "accepted");
    {
      const char *rep = tf_harness_retained (fx.h, "private/alpha/session/" S "/report");
      g_assert_nonnull (rep);
      tf_harness_assert_contains (rep, "\"lab_proposal\"");
      tf_harness_assert_contains (rep, "\"decision\":\"accepted\"");
    }
    assert_report_marks (&fx, 203, "accepted");
  }

  /* the files: 0640, tshark lists what we list */
  part1 = trace_path (&fx, "part-0001.pcapng");
  g_assert_cmpint (g_stat (part1, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  assert_same_messages (&fx, 1);

  /* live to the two companies, nothing of it on a public topic */
  g_assert_cmpuint (fx.live_alpha, >, 0);
  g_assert_cmpuint (fx.live_gamma, >, 0);
  for (guint i = 0; i < fx.topics->len; i++)
    {
      const char *topic = g_ptr_array_index (fx.topics, i);
      /* our own requests (in/COMPANY/trace, cmd/trace) aside */
      if (g_str_has_suffix (topic, "/trace") && strstr (topic, "/in/") == NULL
          && strstr (topic, "/cmd/") == NULL)
        g_assert_nonnull (strstr (topic, "/private/"));
    }
  {
    /* a third company: nothing, not even that the session exists */
    g_autoptr (JsonObject) r = request (&fx, "beta", "trace", "{\"session\":\"" S "\"}");
    g_assert_false (json_object_get_boolean_member (r, "ok"));
    tf_harness_assert_contains (json_object_get_string_member (r, "error"), "no session");
  }

  /* a restart: the next traffic goes to part 2, the gap said in the decoded trace and in the
   * pcapng (the first packet's comment) */
  tf_harness_stop_daemon (fx.h, SIGTERM);
  tf_harness_start_daemon (fx.h);
  g_assert_true (tf_harness_wait (fx.h, tf_fixture_in_phase, "\"phase\":\"running\"", 90000));
  g_free (answer);
  answer = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0/0\"}");
  tf_harness_assert_contains (answer, "\"ok\":true");
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"event\":\"gap\"", 1, 30000));
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"part\":2", 2, 30000));
  {
    g_autofree char *p2 = trace_path (&fx, "part-0002.pcapng");
    g_autofree char *out = NULL;
    const char *argv[] = { "tshark", "-r", p2, "-T", "fields", "-e", "frame.comment", NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                                 NULL, NULL, NULL));
    tf_harness_assert_contains (out, "capture gap");
  }
  /* part 1 was closed by the stopping daemon: its statistics block says no loss */
  g_assert_true (wait_file (&fx, "decoded.jsonl", "dropped=0", 1, 1000));
  assert_same_messages (&fx, 2);

  /* testfestctl trace: both parts and the decoded trace, as the client company; not for a
   * third company */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *f = g_build_filename (fx.h->dir, "ctl.pcapng", NULL);
    g_autofree char *f2 = g_strdup_printf ("%s.part2", f);
    g_autofree char *dec = g_build_filename (fx.h->dir, "ctl.jsonl", NULL);
    g_autoptr (GPtrArray) a = NULL;
    g_assert_cmpint (tf_harness_ctl (fx.h, &out, &err, "trace", S, "--pcap", f, "--decoded", dec,
                                     "--company", "alpha", NULL),
                     ==, 0);
    tf_harness_assert_contains (err, "2 pcapng parts");
    a = theirs (f2);
    g_assert_cmpuint (a->len, >, 0);
    g_assert_cmpuint (count_in_file (dec, "\"event\":\"gap\""), ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (
        tf_harness_ctl (fx.h, &out, &err, "trace", S, "--pcap", f, "--company", "beta", NULL), ==,
        1);
    tf_harness_assert_contains (err, "no session");
  }
  fixture_teardown (&fx);
}

/* the daemon's CPU seconds so far (/proc/PID/stat utime + stime) */
static double
daemon_cpu (Fixture *fx)
{
  g_autofree char *path
      = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (fx->h->daemon));
  g_autofree char *stat = NULL;
  g_auto (GStrv) f = NULL;
  const char *after;
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after = strrchr (stat, ')')) == NULL)
    return 0;
  f = g_strsplit (after + 2, " ", -1);
  /* fields 14 and 15 of the line, 12 and 13 after "(comm) " */
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

/* thousands of messages: every one in the pcapng and decoded, the kernel dropped none */
static void
test_no_loss (void)
{
  Fixture fx = { 0 };
  g_autoptr (GString) cmds = g_string_new (NULL);
  guint before;
  g_autofree char *decoded = NULL;
  double cpu0;
  gint64 t0;
  if (tf_fixture_can_skip ("a lab network and a mirror port"))
    return;
  fixture_setup (&fx, NULL);
  start_session (&fx);
  decoded = trace_path (&fx, "decoded.jsonl");
  before = count_in_file (decoded, "\"type\":");
  cpu0 = daemon_cpu (&fx);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_READS_BIG; i++)
    {
      g_autofree char *a
          = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0/1\"}");
      g_assert_nonnull (strstr (a, "\"ok\":true"));
    }
  /* a request and its answer each (asserted below, once the session's trace is closed and
   * says what the capture dropped) */
  wait_file (&fx, "decoded.jsonl", "\"type\":", before + 2 * N_READS_BIG, 120000);
  /* a figure for the README, not an assertion: the machine is shared */
  g_test_message ("daemon CPU for %u messages in %.1f s: %.2f s (%.0f us a message)",
                  2 * N_READS_BIG, (g_get_monotonic_time () - t0) / 1e6, daemon_cpu (&fx) - cpu0,
                  (daemon_cpu (&fx) - cpu0) * 1e6 / (2 * N_READS_BIG));
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (tf_harness_ctl (fx.h, &out, &err, "end", S, NULL), ==, 0);
  }
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"event\":\"closed\"", 1, 30000));
  {
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (decoded, &text, NULL, NULL));
    g_test_message ("%s", strstr (text, "{\"event\":\"closed\""));
  }
  g_assert_cmpuint (count_in_file (decoded, "\"type\":"), ==, before + 2 * N_READS_BIG);
  g_assert_cmpuint (count_in_file (decoded, "dropped=0 "), ==, 1);
  g_assert_cmpuint (count_in_file (decoded, "\"mark\":"), ==, 0);
  fixture_teardown (&fx);
}

/* a client with a declared defect: no TLV. The lab proposes 203 fail; the client team
 * overrides it, the proposal stays beside its verdict */
static void
test_quirky (void)
{
  Fixture fx = { 0 };
  g_autofree char *answer = NULL, *v203 = NULL, *v101 = NULL, *decision = NULL, *after = NULL;
  g_autoptr (JsonObject) r = NULL;
  if (tf_fixture_can_skip ("a lab network and a mirror port"))
    return;
  fixture_setup (&fx, "no-tlv");
  start_session (&fx);
  answer = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0\","
                            "\"format\":\"tlv\"}");
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"code\":\"4.06\"", 1, 30000));
  v101 = proposal (&fx, "alpha", 101, NULL);
  v203 = proposal (&fx, "alpha", 203, NULL);
  g_assert_cmpstr (v101, ==, "pass");
  g_assert_cmpstr (v203, ==, "fail");
  r = request (&fx, "alpha", "verdict",
               "{\"session\":\"" S "\",\"case\":203,\"verdict\":\"pass\",\"user\":\"eve\"}");
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  after = proposal (&fx, "alpha", 203, &decision);
  g_assert_cmpstr (after, ==, "fail");
  g_assert_cmpstr (decision, ==, "overridden");
  assert_report_marks (&fx, 203, "overridden");
  fixture_teardown (&fx);
}

/* A session over DTLS: the daemon's decoded trace has the CoAP inside, decrypted with the PSK
 * the event file names for the client, the same messages tshark finds in the session's pcapng
 * given that key (and none without it). The board's client offers the plain PSK suites only, as
 * many devices do: left to itself ours negotiates ECDHE-PSK, which no PSK alone decrypts. */
static void
test_dtls (void)
{
  Fixture fx = { 0 };
  g_autofree char *dir = NULL, *prio = NULL, *answer = NULL, *decoded = NULL, *local = NULL;
  g_autoptr (GBytes) pcap = NULL;
  g_autoptr (GBytes) text = NULL;
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  g_autoptr (GPtrArray) none = NULL;
  if (tf_fixture_can_skip ("a lab network and a mirror port"))
    return;
  dir = g_dir_make_tmp ("tf-trace-gnutls-XXXXXX", NULL);
  prio = g_build_filename (dir, "gnutls.conf", NULL);
  g_assert_true (g_file_set_contents (
      prio,
      "[overrides]\ntls-disabled-kx = ECDHE-PSK\ntls-disabled-kx = DHE-PSK\n"
      "tls-disabled-cipher = CHACHA20-POLY1305\ntls-disabled-cipher = AES-256-GCM\n"
      "tls-disabled-cipher = AES-256-CCM\ntls-disabled-cipher = AES-256-CBC\n"
      "tls-disabled-cipher = AES-128-GCM\ntls-disabled-cipher = AES-128-CCM\n"
      "tls-disabled-cipher = AES-128-CBC\n",
      -1, NULL));
  g_setenv ("GNUTLS_SYSTEM_PRIORITY_FILE", prio, TRUE);
  fixture_setup_psk (&fx, NULL, "00112233445566778899aabbccddeeff");
  g_unsetenv ("GNUTLS_SYSTEM_PRIORITY_FILE");
  /* the Register's 2.01 decoded: decrypted in the daemon */
  start_session (&fx);
  answer = server_cmd (&fx, "{\"cmd\":\"read\",\"ep\":\"alpha-ep\",\"path\":\"/3/0/0\"}");
  g_assert_nonnull (strstr (answer, "\"ok\":true"));
  g_assert_true (wait_file (&fx, "decoded.jsonl", "\"code\":\"2.05\"", 1, 30000));
  decoded = trace_path (&fx, "decoded.jsonl");
  g_assert_cmpuint (count_in_file (decoded, "decrypted: TLS_PSK_WITH_AES_128_CCM_8, PSK of "
                                            "identity 'alpha-1'"),
                    >=, 4);
  pcap = download (&fx, "alpha", "pcap", 1);
  text = download (&fx, "alpha", "decoded", 1);
  local = g_build_filename (fx.h->dir, "download.pcapng", NULL);
  g_assert_true (g_file_set_contents (local, g_bytes_get_data (pcap, NULL),
                                      (gssize)g_bytes_get_size (pcap), NULL));
  {
    g_autofree char *t = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
    a = ours (t, 1);
  }
  b = theirs_with (local, "dtls.psk:00112233445566778899aabbccddeeff");
  none = theirs (local);
  g_test_message ("%u messages decrypted, %u by tshark with the key, %u without", a->len, b->len,
                  none->len);
  g_assert_cmpuint (a->len, >=, 4);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (g_ptr_array_index (a, i), ==, g_ptr_array_index (b, i));
  g_assert_cmpuint (none->len, ==, 0);
  fixture_teardown (&fx);
  g_unlink (prio);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace/daemon/capture-restart", test_capture);
  g_test_add_func ("/trace/daemon/quirky-client", test_quirky);
  g_test_add_func ("/trace/daemon/no-loss", test_no_loss);
  g_test_add_func ("/trace/daemon/dtls", test_dtls);
  return g_test_run ();
}
