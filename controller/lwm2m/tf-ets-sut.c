/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The frame of a server-under-test case: the reference client and its model, every CoAP
 * message it receives and sends recorded decoded (tf_lwm2m_exchange_log), the operator told
 * each step (and the company's driver run for it), bounded waits for what the step expects,
 * and the verdict from the first criterion that did not hold. The steps are in
 * tf-ets-sut-steps.c, the cases in tf-ets-sut-cases.c.
 *
 * Who is to blame for a silence: a server that answers no CoAP ping any more is gone, and
 * that proves nothing of its conformance: Inconclusive, saying so (tf_ets_sut_server_gone),
 * also where a step is judged on what the client sent alone (notifications). Else nothing
 * arriving while a person acts is Inconclusive (the operator did not do it in time); nothing
 * arriving after the company's driver said it had done it (exit 0) is the server's: a Fail
 * of the step's criterion (tf_ets_sut_silence). */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tf-coap-source.h"
#include "tf-ets-clock.h"
#include "tf-ets-sut-private.h"

#define MAX_MESSAGES 10000

typedef struct _TfEtsSutDriver
{
  GSubprocess *process;
  TfEtsSut *sut; /* NULL once the case is done with it */
  gboolean exited;
  gint status; /* the exit status, -1 killed */
  JsonObject *step;
} TfEtsSutDriver;

static void
msg_free (TfEtsSutMsg *m)
{
  g_free (m->token);
  g_free (m->path);
  g_free (m->query);
  g_clear_pointer (&m->payload, g_bytes_unref);
  g_free (m);
}

static void
on_exchange (const TfCoapMessage *m, gpointer user_data)
{
  TfEtsSut *s = user_data;
  TfEtsSutMsg *r;
  g_autoptr (GString) path = g_string_new (NULL);
  g_autoptr (GString) query = g_string_new (NULL);
  JsonNode *n;
  gint64 rx = -1;
  if (s->exchange->len >= MAX_MESSAGES && ++s->exchange_dropped > 0)
    return;
  n = tf_coap_message_to_json (m);
  if (m->local_port != 0)
    {
      /* a socket per session (bootstrap, server), its clock (receive stamps on) made at the
       * first message through it: the client's own request, before any answer arrives */
      TfEtsClock *c = g_hash_table_lookup (s->clocks, GUINT_TO_POINTER (m->local_port));
      if (c == NULL && g_hash_table_size (s->clocks) < 64)
        {
          c = tf_ets_clock_new (m->local_port);
          g_hash_table_insert (s->clocks, GUINT_TO_POINTER (m->local_port), c);
        }
      else if (c != NULL && !m->outgoing)
        tf_ets_clock_received (c, &rx);
    }
  tf_ets_exchange_set_rx (n, rx);
  g_ptr_array_add (s->exchange, n);
  r = g_new0 (TfEtsSutMsg, 1);
  r->out = m->outgoing;
  r->type = m->type;
  r->code = m->code;
  r->mid = m->mid;
  r->token = tf_coap_token_hex (m->token != NULL ? g_bytes_get_data (m->token, NULL) : NULL,
                                m->token != NULL ? g_bytes_get_size (m->token) : 0);
  r->cf = m->cf;
  r->accept = r->observe = -1;
  for (guint i = 0; i < m->options->len; i++)
    {
      TfCoapOption *o = g_ptr_array_index (m->options, i);
      if (o->number == COAP_OPTION_URI_PATH)
        g_string_append_printf (path, "/%s", o->value);
      else if (o->number == COAP_OPTION_URI_QUERY)
        g_string_append_printf (query, "%s%s", query->len > 0 ? "&" : "", o->value);
      else if (o->number == COAP_OPTION_ACCEPT)
        r->accept = (gint)g_ascii_strtoll (o->value, NULL, 10);
      else if (o->number == COAP_OPTION_OBSERVE)
        r->observe = (gint)g_ascii_strtoll (o->value, NULL, 10);
      else if (o->number == COAP_OPTION_LOCATION_PATH)
        r->location = TRUE;
    }
  r->path = g_strdup (path->str);
  r->payload = m->payload != NULL ? g_bytes_ref (m->payload) : NULL;
  r->query = query->len > 0 ? g_strdup (query->str) : NULL;
  g_ptr_array_add (s->msgs, r);
}

const TfEtsSutMsg *
tf_ets_sut_msg (TfEtsSut *s, gint i)
{
  return i >= 0 && (guint)i < s->msgs->len ? g_ptr_array_index (s->msgs, i) : NULL;
}

/* --- the reference client ------------------------------------------------------------ */

static void
add (GPtrArray *a, TfLwm2mRecord *r)
{
  g_ptr_array_add (a, r);
}

/* What the ETS's client carries: Security and Server accounts for the server under test,
 * Device with its mandatory resources (as tf-lwm2m-client's firmware). */
/* Whether a step of the case touches @obj (the model carries the object then). */
static gboolean
case_uses (TfEtsSut *s, const char *obj)
{
  for (const TfEtsSutStep *st = s->c != NULL ? s->c->steps : NULL; st != NULL && st->criterion;
       st++)
    if (st->path != NULL && g_str_has_prefix (st->path, obj))
      return TRUE;
  return FALSE;
}

/* Whether the case Deletes @path (the model holds it before). */
static gboolean
case_deletes (TfEtsSut *s, const char *path)
{
  for (const TfEtsSutStep *st = s->c != NULL ? s->c->steps : NULL; st != NULL && st->criterion;
       st++)
    if (st->kind == TF_ETS_SUT_DELETE && g_strcmp0 (st->path, path) == 0)
      return TRUE;
  return FALSE;
}

static TfLwm2mModel *
build_model (TfEtsSut *s)
{
  TfLwm2mModel *m = tf_lwm2m_model_new ();
  g_autoptr (GPtrArray) sec = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) srv = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) dev = tf_lwm2m_records_new ();
  TfLwm2mPath p;
#define P(o, i, r) (p = tf_lwm2m_path_make (3, o, i, r, 0), &p)
#define PI(o, i, r, ri) (p = tf_lwm2m_path_make (4, o, i, r, ri), &p)
  for (guint16 o = 0; o <= 3; o++)
    if (o != 2)
      tf_lwm2m_model_add_object (m, o);
  add (sec, tf_lwm2m_record_new_string (P (0, 0, 0), s->server_uri));
  add (sec, tf_lwm2m_record_new_bool (P (0, 0, 1), FALSE));
  add (sec, tf_lwm2m_record_new_int (P (0, 0, 2), 3)); /* NoSec */
  add (sec, tf_lwm2m_record_new_int (P (0, 0, 10), 1));
  tf_lwm2m_model_create (m, 0, 0, sec, NULL);
  add (srv, tf_lwm2m_record_new_int (P (1, 0, 0), 1));
  add (srv, tf_lwm2m_record_new_int (P (1, 0, 1), s->lifetime_s));
  add (srv, tf_lwm2m_record_new_bool (P (1, 0, 6), FALSE));
  add (srv, tf_lwm2m_record_new_string (P (1, 0, 7), "U"));
  tf_lwm2m_model_create (m, 1, 0, srv, NULL);
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 0), "TestFest Lab"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 1), "tf-ets-run reference client"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 2), s->endpoint));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 3), s->version));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 6, 0), 1));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 7, 0), 3300));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 8, 0), 120));
  add (dev, tf_lwm2m_record_new_int (P (3, 0, 9), 100));
  add (dev, tf_lwm2m_record_new_int (P (3, 0, 10), 512));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 11, 0), 0));
  add (dev, tf_lwm2m_record_new_time (P (3, 0, 13), s->started_us / G_USEC_PER_SEC));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 14), "+00:00"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 16), "U"));
  tf_lwm2m_model_create (m, 3, 0, dev, NULL);
  if (tf_ets_sut_fw_wanted (s))
    tf_ets_sut_fw_add_object (m);
  if (case_uses (s, "/16"))
    {
      /* Portfolio as the ETS's Configuration C.12: /16/0 with four Identities (270, 290); an
       * instance the case deletes is there too (309's /16/1) */
      tf_lwm2m_model_add_object (m, 16);
      for (guint16 i = 0; i < 2; i++)
        {
          g_autoptr (GPtrArray) pf = tf_lwm2m_records_new ();
          g_autofree char *path = g_strdup_printf ("/16/%u", i);
          if (i > 0 && !case_deletes (s, path))
            continue;
          for (guint16 k = 0; k < 4; k++)
            {
              g_autofree char *v = g_strdup_printf ("c12-%c", (char)('a' + 4 * i + k));
              add (pf, tf_lwm2m_record_new_string (PI (16, i, 0, k), v));
            }
          tf_lwm2m_model_create (m, 16, i, pf, NULL);
        }
    }
#undef P
#undef PI
  return m;
}

static gboolean
on_reboot (gpointer data)
{
  tf_ets_sut_client_start (data);
  return G_SOURCE_REMOVE;
}

/* Device Reboot (/3/0/4): starts over after the 2.04 went out, without a De-register. */
static void
on_executed (TfLwm2mClient *c, const char *path, const char *args, TfEtsSut *s)
{
  if (g_strcmp0 (path, "/3/0/4") == 0)
    g_timeout_add (200, on_reboot, s);
}

static void
on_registered (TfLwm2mClient *c, const char *location, TfEtsSut *s)
{
  if (s->registered != NULL)
    s->registered (location, s->say_data);
}

static void
on_start_failed (TfLwm2mClient *c, const char *msg, char **why)
{
  g_free (*why);
  *why = g_strdup (msg);
}

void
tf_ets_sut_client_start (TfEtsSut *s)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  gboolean started;
  gulong id;
  g_clear_object (&s->client);
  g_clear_pointer (&s->model, tf_lwm2m_model_free);
  s->model = build_model (s);
  /* what the case started from, for the values notifications are to carry */
  g_clear_pointer (&s->initial, tf_lwm2m_model_free);
  s->initial = build_model (s);
  s->client = tf_lwm2m_client_new (s->endpoint, s->model);
  tf_lwm2m_client_set_version (s->client, s->version);
  tf_lwm2m_client_set_lifetime (s->client, s->lifetime_s);
  tf_lwm2m_client_set_local (s->client, s->client_address, s->client_port);
  g_signal_connect (s->client, "executed", G_CALLBACK (on_executed), s);
  g_signal_connect (s->client, "registered", G_CALLBACK (on_registered), s);
  /* its port taken by another process, say: the lab's, not the server's; the client tells
   * why on its "failed" signal (a GError only says it could not register) */
  id = g_signal_connect (s->client, "failed", G_CALLBACK (on_start_failed), &why);
  started = tf_lwm2m_client_start (s->client, &error);
  g_signal_handler_disconnect (s->client, id);
  if (!started)
    tf_ets_sut_inconclusive (s, "the lab's client could not start (%s): not a verdict",
                             why != NULL     ? why
                             : error != NULL ? error->message
                                             : "no reason given");
}

/* --- waits --------------------------------------------------------------------------- */

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static gint
scan (TfEtsSut *s, guint *next, TfEtsSutMatch f, gconstpointer data)
{
  for (; *next < s->msgs->len; (*next)++)
    if (f (s, g_ptr_array_index (s->msgs, *next), data))
      return (gint)*next;
  return -1;
}

gint
tf_ets_sut_wait (TfEtsSut *s, guint from, TfEtsSutMatch f, gconstpointer data, guint ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (ms, on_deadline, &expired);
  gint found;
  while ((found = scan (s, &from, f, data)) < 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return found;
}

static gboolean
is_answer (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  const TfEtsSutMsg *req = data;
  return m->out != req->out && m->code >= 64 && g_strcmp0 (m->token, req->token) == 0;
}

gint
tf_ets_sut_wait_answer (TfEtsSut *s, gint i, guint ms)
{
  const TfEtsSutMsg *req = tf_ets_sut_msg (s, i);
  if (req == NULL)
    return -1;
  return tf_ets_sut_wait (s, (guint)i + 1, is_answer, req, ms);
}

/* --- the operator and the driver ----------------------------------------------------- */

static void
on_driver_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  TfEtsSutDriver *d = data;
  GSubprocess *p = G_SUBPROCESS (source);
  g_subprocess_wait_finish (p, res, NULL);
  d->exited = TRUE;
  d->status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  json_object_set_int_member (d->step, "driver_exit", d->status);
  if (d->sut == NULL)
    {
      json_object_unref (d->step);
      g_object_unref (d->process);
      g_free (d);
    }
}

/* The driver of the step before: given its time to exit, then stopped. */
static void
driver_finish (TfEtsSut *s)
{
  TfEtsSutDriver *d = s->drv;
  gboolean expired = FALSE;
  guint id;
  if (d == NULL)
    return;
  s->drv = NULL;
  id = g_timeout_add_seconds (s->answer_wait_s, on_deadline, &expired);
  while (!d->exited && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  if (!d->exited)
    {
      g_subprocess_force_exit (d->process);
      while (!d->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  json_object_unref (d->step);
  g_object_unref (d->process);
  g_free (d);
}

static void
driver_start (TfEtsSut *s, const char *command, JsonObject *step)
{
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) words = g_strsplit (command, " ", -1);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("%d", s->c->id);
  TfEtsSutDriver *d;
  gint err = dup (STDERR_FILENO);
  for (guint i = 0; s->driver[i] != NULL; i++)
    g_ptr_array_add (argv, s->driver[i]);
  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, words[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (l, "TF_ETS_STEP", command, TRUE);
  g_subprocess_launcher_setenv (l, "TF_ENDPOINT", s->endpoint, TRUE);
  g_subprocess_launcher_setenv (l, "TF_CASE_ID", id, TRUE);
  g_subprocess_launcher_setenv (l, "TF_ETS_VERSION", s->version, TRUE);
  g_subprocess_launcher_setenv (l, "TF_SERVER_URI", s->server_uri, TRUE);
  /* stdout is the verdict's JSON: the driver's output goes with the log */
  if (err >= 0)
    g_subprocess_launcher_take_stdout_fd (l, err);
  d = g_new0 (TfEtsSutDriver, 1);
  d->process = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, &error);
  d->step = json_object_ref (step);
  if (d->process == NULL)
    {
      json_object_set_string_member (step, "driver_error", error->message);
      json_object_unref (d->step);
      g_free (d);
      return;
    }
  d->sut = s;
  d->status = -1;
  s->drv = d;
  g_subprocess_wait_async (d->process, NULL, on_driver_exit, d);
}

/* @PACKAGE@ in a step's text: the file of the package the runner made */
static char *
with_package (TfEtsSut *s, char *text)
{
  g_auto (GStrv) parts = NULL;
  if (text == NULL || s->fw_file == NULL || strstr (text, "@PACKAGE@") == NULL)
    return text;
  parts = g_strsplit (text, "@PACKAGE@", -1);
  g_free (text);
  return g_strjoinv (s->fw_file, parts);
}

void
tf_ets_sut_tell (TfEtsSut *s, const TfEtsSutStep *st)
{
  g_autofree char *text = with_package (s, tf_ets_sut_step_instruction (st, s->endpoint));
  g_autofree char *command = with_package (s, tf_ets_sut_step_command (st));
  JsonObject *step = json_object_new ();
  json_object_set_string_member (step, "criterion", st->criterion);
  json_object_set_int_member (step, "time_us", g_get_real_time ());
  json_object_set_string_member (step, "operator", text);
  if (command != NULL)
    json_object_set_string_member (step, "command", command);
  g_ptr_array_add (s->steps, json_node_init_object (json_node_alloc (), step));
  if (s->say != NULL)
    s->say (text, s->say_data);
  driver_finish (s);
  if (command != NULL && s->driver != NULL)
    driver_start (s, command, step);
  json_object_unref (step);
}

static gboolean
on_readable (GSocket *sock, GIOCondition cond, gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Whether the server under test still answers: a CoAP ping (an empty CON) from a socket of
 * its own, which any CoAP endpoint answers with an RST (RFC 7252 4.3). Not through the
 * client's session: a server that ignores the client's notifications holds that session's
 * next request back (NSTART 1), and would look gone. */
gboolean
tf_ets_sut_server_alive (TfEtsSut *s)
{
  g_autoptr (GSocketConnectable) c = g_network_address_parse_uri (s->server_uri, 5683, NULL);
  g_autoptr (GSocketAddressEnumerator) e = c != NULL ? g_socket_connectable_enumerate (c) : NULL;
  g_autoptr (GSocketAddress) to
      = e != NULL ? g_socket_address_enumerator_next (e, NULL, NULL) : NULL;
  g_autoptr (GSocket) sock = NULL;
  guint16 mid = (guint16)g_random_int_range (1, 65535);
  guint8 ping[4] = { 0x40, 0x00, (guint8)(mid >> 8), (guint8)mid }, buf[64];
  gboolean expired = FALSE;
  guint id;
  if (to == NULL)
    return FALSE;
  sock = g_socket_new (g_socket_address_get_family (to), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, NULL);
  if (sock == NULL)
    return FALSE;
  g_socket_set_blocking (sock, FALSE);
  if (g_socket_send_to (sock, to, (const char *)ping, sizeof ping, NULL, NULL) < 0)
    return FALSE;
  id = g_timeout_add_seconds (s->answer_wait_s, on_deadline, &expired);
  while (!expired)
    {
      gboolean readable = FALSE;
      g_autoptr (GSource) src = g_socket_create_source (sock, G_IO_IN, NULL);
      gssize n;
      g_source_set_callback (src, (GSourceFunc)(void (*) (void))on_readable, &readable, NULL);
      g_source_attach (src, NULL);
      while (!readable && !expired)
        g_main_context_iteration (NULL, TRUE);
      g_source_destroy (src);
      n = readable ? g_socket_receive (sock, (char *)buf, sizeof buf, NULL, NULL) : -1;
      /* an RST (or an ACK) with the ping's MID */
      if (n >= 4 && ((buf[0] >> 4) & 3) >= 2 && buf[2] == ping[2] && buf[3] == ping[3])
        {
          g_source_remove (id);
          return TRUE;
        }
    }
  return FALSE;
}

/* The pmax the reference client was last given for @path by a Write-Attributes (0: none).
 * A Reset cancel goes out only with the observation's next notification (RFC 7641 3.6),
 * which is due up to pmax after the server acted. */
static guint
write_attrs_pmax (TfEtsSut *s, const char *path)
{
  for (guint i = s->msgs->len; i > 0; i--)
    {
      const TfEtsSutMsg *m = g_ptr_array_index (s->msgs, i - 1);
      g_auto (GStrv) attrs = NULL;
      if (m->out || m->code != COAP_REQUEST_CODE_PUT || m->query == NULL
          || g_strcmp0 (m->path, path) != 0)
        continue;
      attrs = g_strsplit (m->query, "&", -1);
      for (guint j = 0; attrs[j] != NULL; j++)
        if (g_str_has_prefix (attrs[j], "pmax="))
          {
            gdouble v = g_ascii_strtod (attrs[j] + 5, NULL);
            /* whole seconds, rounded up */
            return v > 0 && v <= 3600 ? (guint)v + (v > (guint)v) : 0;
          }
      return 0;
    }
  return 0;
}

gint
tf_ets_sut_operator (TfEtsSut *s, const TfEtsSutStep *st, TfEtsSutMatch f, gconstpointer data)
{
  g_autofree char *command = with_package (s, tf_ets_sut_step_command (st));
  guint next = s->msgs->len, grace = 0;
  gboolean expired = FALSE, graced = FALSE;
  /* what the protocol adds between the server's act and what reaches the client */
  guint extra = st->kind == TF_ETS_SUT_CANCEL_RESET ? write_attrs_pmax (s, st->path) : 0;
  guint id;
  gint found;
  TfEtsSutDriver *d;
  tf_ets_sut_tell (s, st);
  d = s->drv;
  id = g_timeout_add_seconds (s->operator_wait_s + extra, on_deadline, &expired);
  for (;;)
    {
      if ((found = scan (s, &next, f, data)) >= 0)
        break;
      /* a driver that says it is done: what it did arrives within an answer's time (and the
       * protocol's), however little of the operator's wait is left */
      if (d != NULL && d->exited && grace == 0)
        grace = g_timeout_add_seconds (s->answer_wait_s + extra, on_deadline, &graced);
      if (graced || (expired && grace == 0))
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (id);
  if (grace != 0 && !graced)
    g_source_remove (grace);
  if (found >= 0)
    {
      s->last_op = (guint)found;
      return found;
    }
  if (d != NULL && d->exited && d->status == 0)
    tf_ets_sut_silence (s, st->criterion, -1,
                        "the driver did '%s' (exit 0), yet nothing of it reached the client in %u "
                        "s after",
                        command, s->answer_wait_s + extra);
  /* the operator's or the driver's failure, unless the server is gone: then that is why */
  else if (tf_ets_sut_server_gone (s, "nothing arrived for '%s' (%s)", command,
                                   d == NULL       ? "no driver"
                                   : !d->exited    ? "its driver still at it"
                                   : d->status < 0 ? "its driver killed"
                                                   : "its driver failed"))
    ;
  else if (d != NULL && d->exited)
    tf_ets_sut_inconclusive (s, "the driver did not do '%s' (exit %d) and nothing arrived", command,
                             d->status);
  else
    tf_ets_sut_inconclusive (s, "nothing arrived within %u s for '%s': the operator did not act",
                             s->operator_wait_s + extra, command);
  return -1;
}

/* --- verdicts ------------------------------------------------------------------------ */

gboolean
tf_ets_sut_check (TfEtsSut *s, const char *criterion, gboolean ok, gint msg, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *what = NULL;
  JsonObject *o;
  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (s->decided)
    return FALSE;
  o = json_object_new ();
  json_object_set_string_member (o, "id", criterion);
  json_object_set_boolean_member (o, "ok", ok);
  json_object_set_string_member (o, "what", what);
  g_ptr_array_add (s->criteria, json_node_init_object (json_node_alloc (), o));
  json_object_unref (o);
  if (ok)
    return TRUE;
  s->decided = TRUE;
  s->verdict = TF_ETS_VERDICT_FAIL;
  s->criterion = g_strdup (criterion);
  s->reason = g_steal_pointer (&what);
  if (msg >= 0 && (guint)msg < s->exchange->len)
    s->message = json_node_copy (g_ptr_array_index (s->exchange, msg));
  return FALSE;
}

void
tf_ets_sut_inconclusive (TfEtsSut *s, const char *fmt, ...)
{
  va_list ap;
  if (s->decided)
    return;
  va_start (ap, fmt);
  s->reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  s->decided = TRUE;
  s->verdict = TF_ETS_VERDICT_INCONCLUSIVE;
}

/* Whether the server under test is gone (answers no CoAP ping): then the case is decided
 * Inconclusive with what was observed (@fmt), for a server that stopped answering proves
 * nothing of its conformance. */
gboolean
tf_ets_sut_server_gone (TfEtsSut *s, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *seen = NULL;
  if (s->decided || tf_ets_sut_server_alive (s))
    return FALSE;
  va_start (ap, fmt);
  seen = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  tf_ets_sut_inconclusive (s,
                           "%s, and the server under test answers no CoAP ping: it stopped "
                           "answering (server or link down, not a verdict)",
                           seen);
  return TRUE;
}

/* Something the server was to send did not come: the server's fault (a Fail of @criterion,
 * what was observed and that it answers a CoAP ping) only while it is there. */
void
tf_ets_sut_silence (TfEtsSut *s, const char *criterion, gint msg, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *seen = NULL;
  va_start (ap, fmt);
  seen = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (!tf_ets_sut_server_gone (s, "%s", seen))
    tf_ets_sut_check (s, criterion, FALSE, msg, "%s, while the server answers a CoAP ping", seen);
}

/* --- the run ------------------------------------------------------------------------- */

TfEtsSut *
tf_ets_sut_new (const TfEtsSutSetup *setup)
{
  TfEtsSut *s = g_new0 (TfEtsSut, 1);
  s->version = g_strdup (setup->version != NULL ? setup->version : "1.1");
  s->endpoint = g_strdup (setup->endpoint);
  s->server_uri = g_strdup (setup->server_uri);
  s->client_address = g_strdup (setup->client_address);
  s->client_port = setup->client_port;
  s->operator_wait_s = MAX (setup->operator_wait_s, 1);
  s->answer_wait_s = MAX (setup->answer_wait_s, 1);
  s->lifetime_s = setup->lifetime_s > 0 ? setup->lifetime_s : 300;
  s->driver = g_strdupv ((GStrv)setup->driver);
  s->say = setup->say;
  s->registered = setup->registered;
  s->say_data = setup->say_data;
  s->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)msg_free);
  s->exchange = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  s->criteria = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  s->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  s->clocks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)tf_ets_clock_free);
  s->obs_answer = -1;
  s->started_us = g_get_real_time ();
  tf_coap_set_exchange_func (on_exchange, s);
  return s;
}

void
tf_ets_sut_free (TfEtsSut *s)
{
  driver_finish (s);
  g_clear_object (&s->client);
  g_clear_pointer (&s->model, tf_lwm2m_model_free);
  g_clear_pointer (&s->initial, tf_lwm2m_model_free);
  tf_ets_sut_fw_clear (s);
  tf_coap_set_exchange_func (NULL, NULL);
  g_strfreev (s->driver);
  g_ptr_array_unref (s->msgs);
  g_ptr_array_unref (s->exchange);
  g_ptr_array_unref (s->criteria);
  g_ptr_array_unref (s->steps);
  g_hash_table_unref (s->clocks);
  g_clear_pointer (&s->message, json_node_unref);
  g_free (s->criterion);
  g_free (s->reason);
  g_free (s->obs_token);
  g_free (s->version);
  g_free (s->endpoint);
  g_free (s->client_address);
  g_free (s->server_uri);
  g_free (s);
}

static gboolean
is_deregister (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  return m->out && m->code == COAP_REQUEST_CODE_DELETE;
}

TfEtsVerdict
tf_ets_sut_run_case (TfEtsSut *s, const TfEtsSutCase *c)
{
  s->c = c;
  for (const TfEtsSutStep *st = c->steps; st->criterion != NULL && !s->decided; st++)
    tf_ets_sut_step (s, st);
  if (!s->decided)
    {
      s->decided = TRUE;
      s->verdict = TF_ETS_VERDICT_PASS;
    }
  s->finished_us = g_get_real_time ();
  driver_finish (s);
  /* leave the server as found: de-registered (bounded, not judged) */
  if (s->client != NULL && tf_lwm2m_client_is_registered (s->client))
    {
      guint from = s->msgs->len;
      gint d;
      tf_lwm2m_client_deregister (s->client);
      d = tf_ets_sut_wait (s, from, is_deregister, NULL, 1000);
      if (d >= 0)
        tf_ets_sut_wait_answer (s, d, 5000);
    }
  return s->verdict;
}

JsonNode *
tf_ets_sut_to_json (TfEtsSut *s)
{
  JsonObject *o = json_object_new ();
  JsonArray *a;
  json_object_set_string_member (o, "ets", s->version);
  json_object_set_string_member (o, "side", "server");
  if (s->c != NULL)
    {
      json_object_set_int_member (o, "case", s->c->id);
      json_object_set_string_member (o, "name", s->c->name);
    }
  json_object_set_string_member (o, "endpoint", s->endpoint);
  json_object_set_string_member (o, "server_uri", s->server_uri);
  json_object_set_string_member (o, "verdict", tf_ets_verdict_to_string (s->verdict));
  if (s->criterion != NULL)
    json_object_set_string_member (o, "criterion", s->criterion);
  if (s->reason != NULL)
    json_object_set_string_member (o, "reason", s->reason);
  if (s->message != NULL)
    json_object_set_member (o, "message", json_node_copy (s->message));
  json_object_set_int_member (o, "started_us", s->started_us);
  json_object_set_int_member (
      o, "duration_ms",
      ((s->finished_us ? s->finished_us : g_get_real_time ()) - s->started_us) / 1000);
  a = json_array_new ();
  for (guint i = 0; i < s->steps->len; i++)
    json_array_add_element (a, json_node_copy (g_ptr_array_index (s->steps, i)));
  json_object_set_array_member (o, "steps", a);
  a = json_array_new ();
  for (guint i = 0; i < s->criteria->len; i++)
    json_array_add_element (a, json_node_copy (g_ptr_array_index (s->criteria, i)));
  json_object_set_array_member (o, "criteria", a);
  a = json_array_new ();
  for (guint i = 0; i < s->exchange->len; i++)
    json_array_add_element (a, json_node_copy (g_ptr_array_index (s->exchange, i)));
  json_object_set_array_member (o, "exchange", a);
  json_object_set_int_member (o, "exchange_dropped", s->exchange_dropped);
  return json_node_init_object (json_node_alloc (), o);
}
