/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-ets-run: decides an automated ETS case for a client under test. It runs the lab's
 * reference LwM2M server in-process on the address it is given, (re)starts the client under
 * test when told how (--client-cmd; otherwise provisioning pointed it here already), waits for
 * it to register, follows the case's procedure and prints the verdict with the decoded
 * exchange as JSON on stdout. Exit codes are those of the catalogue's script hook
 * (tf-floor-script.c): 0 Pass, 1 Fail, 77 Not Applicable, 2 Inconclusive. */
#define G_LOG_DOMAIN "tf-ets-run"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tf-coap-source.h"
#include "tf-ets-run.h"
#include "tf-ets-sut.h"

typedef struct
{
  GSubprocess *process;
  GOutputStream *console;
  gboolean exited; /* by itself: a crash is the implementation's, a signal is a power cut */
  gboolean signaled;
} Client;

static void
on_client_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  Client *c = data;
  GSubprocess *p = G_SUBPROCESS (source);
  if (!g_subprocess_wait_finish (p, res, NULL))
    return;
  c->exited = TRUE;
  c->signaled = g_subprocess_get_if_signaled (p);
}

/* Said on stderr for whoever watches the run (a test cutting the link once the client is in),
 * at each Register the reference server accepts. */
static void
on_registered (TfLwm2mServer *server, gpointer reg, gpointer data)
{
  g_printerr ("tf-ets-run: client registered\n");
}

/* The same when the reference server accepts a Bootstrap-Request (its 2.04 sent): a test
 * cuts the link there, in the middle of the bootstrap sequence. */
static void
on_bootstrapping (gpointer data)
{
  g_printerr ("tf-ets-run: client bootstrapping\n");
}

/* The lab's view of the client it started: powered while its process runs (a stopped process
 * is a link that carries nothing; a killed one, a power cut); an exit of its own (a crash)
 * leaves the power on, and the silence to the client. */
static gboolean
client_infra_up (gpointer data)
{
  Client *c = data;
  g_autofree char *stat = NULL;
  g_autofree char *path = NULL;
  const char *paren;
  if (c->process == NULL)
    return FALSE;
  if (c->exited)
    return !c->signaled;
  path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (c->process));
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  paren = strrchr (stat, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] != 'T' && paren[2] != 't';
}

static gboolean
console_write (const char *line, gpointer data)
{
  Client *c = data;
  g_autofree char *l = g_strdup_printf ("%s\r\n", line);
  if (c->console == NULL)
    return FALSE;
  return g_output_stream_write_all (c->console, l, strlen (l), NULL, NULL, NULL);
}

/* --console-fd: the lab's controller owns the client's console; it reads "listening URI" once,
 * then a "console LINE" for each line to say there (tf-floor-ets.c). */
static int console_fd_g = -1;

static gboolean
write_fd_line (const char *kind, const char *text)
{
  g_autofree char *l = g_strdup_printf ("%s %s\n", kind, text);
  gsize off = 0, len = strlen (l);
  while (off < len)
    {
      ssize_t n = write (console_fd_g, l + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      off += (gsize)n;
    }
  return TRUE;
}

static gboolean
console_fd_write (const char *line, gpointer data)
{
  /* one line, one message: a line end inside would be a second command */
  if (strpbrk (line, "\r\n") != NULL)
    return FALSE;
  return write_fd_line ("console", line);
}

/* --console-fd: the lab's view of a client it cannot see the process of: its board's link
 * and IP stack answer an ICMP echo (the controller is on the lab network), whatever its
 * LwM2M client does; no answer, no verdict on the implementation. */
typedef struct
{
  TfLwm2mServer *server;
  const char *endpoint;
} Probe;

static gboolean
board_answers_ping (gpointer data)
{
  Probe *p = data;
  const TfLwm2mRegistration *r = tf_lwm2m_server_lookup (p->server, p->endpoint);
  g_autofree char *host = NULL;
  const char *colon;
  gint status = -1;
  if (r == NULL || r->peer == NULL || (colon = strrchr (r->peer, ':')) == NULL)
    return FALSE;
  host = r->peer[0] == '[' ? g_strndup (r->peer + 1, colon - r->peer - 2)
                           : g_strndup (r->peer, colon - r->peer);
  {
    const char *argv[] = { "ping", "-n", "-q", "-c", "1", "-W", "3", host, NULL };
    if (!g_spawn_sync (NULL, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                           | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, NULL))
      return FALSE;
  }
  return g_spawn_check_wait_status (status, NULL);
}

/* for the client command's placeholders */
static const char *psk_id_g, *psk_key_g;

static char *
expand (const char *arg, const char *uri, const char *endpoint)
{
  g_autoptr (GString) s = g_string_new (arg);
  g_string_replace (s, "{server_uri}", uri, 0);
  g_string_replace (s, "{endpoint}", endpoint, 0);
  g_string_replace (s, "{psk_id}", psk_id_g != NULL ? psk_id_g : "", 0);
  g_string_replace (s, "{psk_key}", psk_key_g != NULL ? psk_key_g : "", 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
client_start (Client *c, const char *cmd, const char *uri, const char *endpoint, GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  if (!g_shell_parse_argv (cmd, NULL, &argv, error))
    return FALSE;
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, expand (argv[i], uri, endpoint));
  g_ptr_array_add (args, NULL);
  /* stdout silenced: this program's stdout is the JSON verdict */
  c->process = g_subprocess_newv ((const char *const *)args->pdata,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                  error);
  if (c->process == NULL)
    return FALSE;
  c->console = g_object_ref (g_subprocess_get_stdin_pipe (c->process));
  g_subprocess_wait_async (c->process, NULL, on_client_exit, c);
  g_printerr ("tf-ets-run: client pid %s\n", g_subprocess_get_identifier (c->process));
  return TRUE;
}

static gboolean
on_stop_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* SIGTERM (a power cut for the lab's client), bounded, then SIGKILL. */
static void
client_stop (Client *c)
{
  gboolean expired = FALSE;
  guint id;
  if (c->process == NULL)
    return;
  g_clear_object (&c->console);
  g_subprocess_send_signal (c->process, SIGTERM);
  /* a stopped process takes SIGTERM only once continued */
  g_subprocess_send_signal (c->process, SIGCONT);
  id = g_timeout_add_seconds (5, on_stop_deadline, &expired);
  while (!c->exited && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  if (!c->exited)
    {
      g_subprocess_force_exit (c->process);
      while (!c->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  g_clear_object (&c->process);
}

static GBytes *
hex_bytes (const char *hex)
{
  gsize n = strlen (hex);
  g_autoptr (GByteArray) a = g_byte_array_new ();
  if (n == 0 || n % 2 != 0 || n > 128)
    return NULL;
  for (gsize i = 0; i < n; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]), lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 v = (guint8)(hi * 16 + lo);
      if (hi < 0 || lo < 0)
        return NULL;
      g_byte_array_append (a, &v, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&a));
}

static gboolean
parse_listen (const char *s, char **addr, guint16 *port)
{
  const char *colon = strrchr (s, ':');
  guint64 p;
  if (colon == NULL || colon == s)
    return FALSE;
  /* port 0: the kernel's choice, told on --console-fd */
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    return FALSE;
  *addr = s[0] == '[' && colon[-1] == ']' ? g_strndup (s + 1, colon - s - 2)
                                          : g_strndup (s, colon - s);
  *port = (guint16)p;
  return TRUE;
}

/* --server-under-test: the operator's next step on stderr (and the console descriptor) */
static void
say_operator (const char *text, gpointer data)
{
  g_printerr ("operator: %s\n", text);
  if (console_fd_g >= 0)
    write_fd_line ("operator", text);
}

/* the same line as the client-side mode's: the case is under way, the server has the client */
static void
say_registered (const char *location, gpointer data)
{
  g_printerr ("tf-ets-run: client registered\n");
}

static int
run_server_under_test (const char *version, gint case_id, const char *endpoint, const char *uri,
                       const char *driver, gint operator_wait, gint answer_wait, const char *listen)
{
  g_autofree char *addr = NULL;
  guint16 port = 0;
  const TfEtsSutCase *c = tf_ets_sut_case_find (version, case_id);
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEtsSut) sut = NULL;
  g_autoptr (JsonNode) out = NULL;
  g_autofree char *json = NULL;
  TfEtsVerdict verdict;
  if (c == NULL)
    {
      g_printerr ("tf-ets-run: case %d of %s is not one this runner decides for a server\n",
                  case_id, version);
      return 2;
    }
  if (uri == NULL || (!g_str_has_prefix (uri, "coap://")) || operator_wait < 1
      || operator_wait > 3600)
    {
      g_printerr ("tf-ets-run: --server coap://HOST:PORT and --operator-wait 1-3600 needed\n");
      return 2;
    }
  /* the client's own address: the lab's capture tells this run's traffic by it */
  if (listen != NULL && !parse_listen (listen, &addr, &port))
    {
      g_printerr ("tf-ets-run: bad --listen '%s' (ADDR:PORT)\n", listen);
      return 2;
    }
  if (driver != NULL && !g_shell_parse_argv (driver, NULL, &argv, &error))
    {
      g_printerr ("tf-ets-run: --driver: %s\n", error->message);
      return 2;
    }
  tf_coap_init ();
  {
    TfEtsSutSetup setup = {
      .version = version,
      .endpoint = endpoint,
      .server_uri = uri,
      .client_address = addr,
      .client_port = port,
      .operator_wait_s = (guint)operator_wait,
      .answer_wait_s = (guint)answer_wait,
      .driver = (const char *const *)argv,
      .say = say_operator,
      .registered = say_registered,
    };
    sut = tf_ets_sut_new (&setup);
  }
  verdict = tf_ets_sut_run_case (sut, c);
  out = tf_ets_sut_to_json (sut);
  json = json_to_string (out, TRUE);
  printf ("%s\n", json);
  fflush (stdout);
  return tf_ets_verdict_exit_code (verdict);
}

static int
usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *s = NULL;
  va_start (ap, fmt);
  s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("tf-ets-run: %s\n", s);
  return 2; /* Inconclusive for the hook: the run could not be set up */
}

int
main (int argc, char **argv)
{
  g_autofree char *listen = NULL, *endpoint = NULL, *version = NULL, *client_cmd = NULL;
  g_autofree char *send_line = NULL, *send_res_line = NULL;
  g_autofree char *dereg = NULL, *addr = NULL, *uri = NULL, *psk_id = NULL, *psk_key = NULL;
  gint console_fd = -1;
  gint case_id = -1, register_wait = 60, answer_wait = 45, lifetime = 10, pmin = 1, pmax = 3;
  gint queue_window = 93, operator_wait = 120;
  gboolean sut = FALSE;
  g_autofree char *sut_uri = NULL, *driver = NULL, *firmware = NULL;
  g_autoptr (GBytes) firmware_b = NULL;
  guint16 port = 0;
  gboolean list = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) octx = g_option_context_new ("- decide an ETS case for a client");
  g_autoptr (TfLwm2mServer) server = NULL;
  g_autoptr (TfEtsRun) run = NULL;
  g_autoptr (JsonNode) out = NULL;
  g_autofree char *json = NULL;
  const TfEtsCase *c;
  TfEtsVerdict verdict;
  Client client = { 0 };
  Probe probe = { 0 };
  GOptionEntry entries[] = {
    { "case", 0, 0, G_OPTION_ARG_INT, &case_id, "the ETS case id ($TF_CASE_ID)", "ID" },
    { "ets", 0, 0, G_OPTION_ARG_STRING, &version, "the ETS version: 1.0 or 1.1 (1.1)", "V" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      "the reference server's address (with --server-under-test: the reference client's own)",
      "ADDR:PORT" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &endpoint, "the client's endpoint ($TF_ENDPOINT)",
      "EP" },
    { "client-cmd", 0, 0, G_OPTION_ARG_STRING, &client_cmd,
      "starts the client under test ({server_uri}, {endpoint}); its stdin is its console", "CMD" },
    { "console-fd", 0, 0, G_OPTION_ARG_INT, &console_fd,
      "the client's console is the caller's: 'listening URI' then 'console LINE' lines go to "
      "this file descriptor",
      "FD" },
    { "deregister-line", 0, 0, G_OPTION_ARG_STRING, &dereg,
      "console line that makes the client de-register (lwm2m stop; 1.1 case 103)", "LINE" },
    { "send-line", 0, 0, G_OPTION_ARG_STRING, &send_line,
      "console line that makes the client Send /3/0/9 and /3/0/13 (lwm2m send /3/0/9 /3/0/13)",
      "LINE" },
    { "send-res-line", 0, 0, G_OPTION_ARG_STRING, &send_res_line,
      "console line that makes the client Send /1/0/1 and /3/0/11 (lwm2m send /1/0/1 /3/0/11)",
      "LINE" },
    { "register-wait", 0, 0, G_OPTION_ARG_INT, &register_wait, "seconds to wait for Register (60)",
      "S" },
    { "answer-wait", 0, 0, G_OPTION_ARG_INT, &answer_wait, "seconds to wait for an answer (45)",
      "S" },
    { "lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "short lifetime of case 107 (10)", "S" },
    { "pmin", 0, 0, G_OPTION_ARG_INT, &pmin, "pmin of the observation cases (1)", "S" },
    { "pmax", 0, 0, G_OPTION_ARG_INT, &pmax, "pmax of the observation cases (3)", "S" },
    { "queue-window", 0, 0, G_OPTION_ARG_INT, &queue_window,
      "seconds a queue-mode client listens after an exchange (93)", "S" },
    { "psk-id", 0, 0, G_OPTION_ARG_STRING, &psk_id, "listen on DTLS with this PSK identity", "ID" },
    { "psk-key", 0, 0, G_OPTION_ARG_STRING, &psk_key, "the PSK in hex (or $TF_PSK_KEY)", "HEX" },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, "list the cases this runner decides", NULL },
    { "server-under-test", 0, 0, G_OPTION_ARG_NONE, &sut,
      "the side under test is a server: the lab's client registers at --server, the operator "
      "(or --driver) acts",
      NULL },
    { "server", 0, 0, G_OPTION_ARG_STRING, &sut_uri, "the server under test", "coap://HOST:PORT" },
    { "driver", 0, 0, G_OPTION_ARG_STRING, &driver,
      "run for each operator step with the step as arguments and in TF_ETS_STEP", "CMD" },
    { "operator-wait", 0, 0, G_OPTION_ARG_INT, &operator_wait,
      "seconds a step waits for the operator's operation (120)", "S" },
    { "firmware", 0, 0, G_OPTION_ARG_FILENAME, &firmware,
      "the client's firmware package for the Firmware Update cases (the lab client's)", "FILE" },
    { NULL },
  };

  /* stdout is the verdict's JSON: every log line to stderr, debug ones included */
  g_log_writer_default_set_use_stderr (TRUE);
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    return usage_error ("%s", error->message);
  if (list && sut)
    {
      for (const TfEtsSutCase *k = tf_ets_sut_cases (); k->name != NULL; k++)
        printf ("%d\t%s\t%s\n", k->id, k->versions, k->name);
      return 0;
    }
  if (list)
    {
      for (const TfEtsCase *k = tf_ets_cases (); k->func != NULL; k++)
        printf ("%d\t%s\t%s\n", k->id, k->versions, k->name);
      return 0;
    }
  if (case_id < 0 && g_getenv ("TF_CASE_ID") != NULL)
    case_id = (gint)g_ascii_strtoll (g_getenv ("TF_CASE_ID"), NULL, 10);
  if (endpoint == NULL && g_getenv ("TF_ENDPOINT") != NULL)
    endpoint = g_strdup (g_getenv ("TF_ENDPOINT"));
  if (version == NULL)
    version = g_strdup (g_getenv ("TF_ETS_VERSION") != NULL ? g_getenv ("TF_ETS_VERSION") : "1.1");
  if (endpoint == NULL || *endpoint == '\0')
    return usage_error ("%s", "--endpoint (or TF_ENDPOINT) is needed");
  if (sut)
    {
      if (console_fd >= 0 && fcntl (console_fd, F_GETFD) < 0)
        return usage_error ("%s", "--console-fd is not an open descriptor");
      console_fd_g = console_fd;
      signal (SIGPIPE, SIG_IGN);
      return run_server_under_test (version, case_id, endpoint, sut_uri, driver, operator_wait,
                                    CLAMP (answer_wait, 1, 600), listen);
    }
  if (!parse_listen (listen != NULL ? listen : "127.0.0.1:5683", &addr, &port))
    return usage_error ("bad --listen '%s' (ADDR:PORT)", listen);
  if (register_wait < 1 || register_wait > 3600 || answer_wait < 1 || answer_wait > 600
      || lifetime < 1 || lifetime > 3600 || pmin < 0 || pmax <= pmin || pmax > 600)
    return usage_error ("%s", "a wait, lifetime or period is out of range");
  if (firmware != NULL)
    {
      g_autoptr (GMappedFile) f = g_mapped_file_new (firmware, FALSE, &error);
      if (f == NULL)
        return usage_error ("%s", error->message);
      firmware_b = g_mapped_file_get_bytes (f);
    }
  c = tf_ets_case_find (version, case_id);
  if (c == NULL)
    {
      return usage_error ("case %d is not one this runner decides (--list)", case_id);
    }

  if (console_fd >= 0 && (client_cmd != NULL || fcntl (console_fd, F_GETFD) < 0))
    return usage_error ("%s", "--console-fd is an open descriptor, and not with --client-cmd");
  console_fd_g = console_fd;
  if (console_fd >= 0)
    signal (SIGPIPE, SIG_IGN); /* a controller gone: EPIPE, and the run ends Inconclusive */
  /* the key may come in the environment (a controller keeps it out of the command line) */
  if (psk_id != NULL && psk_key == NULL && g_getenv ("TF_PSK_KEY") != NULL)
    psk_key = g_strdup (g_getenv ("TF_PSK_KEY"));
  if ((psk_id == NULL) != (psk_key == NULL))
    return usage_error ("%s", "--psk-id and --psk-key go together");
  tf_coap_init ();
  server = tf_lwm2m_server_new ();
  g_signal_connect (server, "registered", G_CALLBACK (on_registered), NULL);
  if (psk_id != NULL)
    {
      g_autoptr (GBytes) key = hex_bytes (psk_key);
      if (key == NULL)
        return usage_error ("%s", "--psk-key is 1-64 bytes in hex");
      tf_lwm2m_server_set_psk (server, psk_id, key);
    }
  if (!tf_lwm2m_server_listen (server, addr, port, psk_id != NULL, &error))
    return usage_error ("%s", error->message);
  port = tf_lwm2m_server_get_port (server);
  if (port == 0)
    return usage_error ("cannot tell the port bound on %s", addr);
  uri = g_strdup_printf (strchr (addr, ':') != NULL ? "%s://[%s]:%u" : "%s://%s:%u",
                         psk_id != NULL ? "coaps" : "coap", addr, port);
  if (console_fd >= 0)
    {
      /* what the client must be provisioned with besides the server URI: the ETS's set-up
       * of the case (a bootstrap server for the Bootstrap group, queue mode for 108 and 109, the
       * PSK for the security cases), which only the caller can give the client */
      const char *setup = case_id < 100                      ? " bootstrap"
                          : case_id == 108 || case_id == 109 ? " queue"
                          : psk_id != NULL                   ? " psk"
                                                             : "";
      g_autofree char *l = g_strconcat (uri, setup, NULL);
      if (!write_fd_line ("listening", l))
        return usage_error ("%s", "the console descriptor is closed");
    }
  {
    TfEtsSetup setup = {
      .version = version,
      .endpoint = endpoint,
      .server_uri = uri,
      .register_wait_s = (guint)register_wait,
      .answer_wait_s = (guint)answer_wait,
      .short_lifetime_s = (guint)lifetime,
      .pmin_s = (guint)pmin,
      .pmax_s = (guint)pmax,
      .deregister_line = dereg,
      .send_line = send_line,
      .send_res_line = send_res_line,
      .queue_window_s = (guint)CLAMP (queue_window, 1, 3600),
      .firmware = firmware_b,
      .console = client_cmd != NULL ? console_write
                 : console_fd >= 0  ? console_fd_write
                                    : NULL,
      .console_data = client_cmd != NULL ? (gpointer)&client : (gpointer)&probe,
      .infra_up = client_cmd != NULL ? client_infra_up
                  : console_fd >= 0  ? board_answers_ping
                                     : NULL,
      .bootstrapping = on_bootstrapping,
    };
    probe.server = server;
    probe.endpoint = endpoint;
    run = tf_ets_run_new (server, &setup);
  }
  psk_id_g = psk_id;
  psk_key_g = psk_key;
  if (client_cmd != NULL && !client_start (&client, client_cmd, uri, endpoint, &error))
    return usage_error ("cannot start the client: %s", error->message);
  verdict = tf_ets_run_case (run, c);
  client_stop (&client);
  out = tf_ets_run_to_json (run);
  json = json_to_string (out, TRUE);
  printf ("%s\n", json);
  fflush (stdout);
  if (console_fd >= 0)
    {
      /* the client stays (it is the lab's board): asked to de-register while this server
       * still answers (a client told to start again later would otherwise spend its
       * retransmissions on a De-register to a server that is gone), bounded; then libcoap
       * finishes the exchanges under way (the ACK of a last request holds its session) */
      gboolean expired = FALSE;
      guint id;
      if (tf_lwm2m_server_lookup (server, endpoint) != NULL
          && console_fd_write (dereg != NULL ? dereg : "lwm2m stop", NULL))
        {
          id = g_timeout_add_seconds (5, on_stop_deadline, &expired);
          while (!expired && tf_lwm2m_server_lookup (server, endpoint) != NULL)
            g_main_context_iteration (NULL, TRUE);
          if (!expired)
            g_source_remove (id);
        }
      expired = FALSE;
      g_timeout_add (200, on_stop_deadline, &expired);
      while (!expired)
        g_main_context_iteration (NULL, TRUE);
    }
  g_clear_pointer (&run, tf_ets_run_free);
  return tf_ets_verdict_exit_code (verdict);
}
