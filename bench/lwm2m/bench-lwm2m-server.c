/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registrations per second, notifications per second and resident memory per registration of
 * tf-lwm2m-server and of lwm2m-node-lib's server, side by side in one run, under the same load:
 * N simulated clients multiplexed in this one process (one UDP socket each, one GLib loop).
 *
 *   bench-lwm2m-server [--clients 1000] [--notifications 10] [--skip-node]
 *
 * Each client sends Register (CON, retransmitted after 2 s like RFC 7252 without the random
 * factor), answers the server's Observe of /3/0/9, then sends its notifications one after the
 * other (CON, the next one when the previous is acknowledged). */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>

typedef struct _Bench Bench;

/* Requests in flight at once: a burst of 1000 datagrams overflows a socket's receive buffer
 * and measures the kernel's drops instead of the server. */
#define WINDOW 64

typedef struct
{
  Bench *b;
  guint index;
  GSocket *sock;
  GSource *src;
  guint16 mid;
  gboolean registered;
  guint8 obs_token[8];
  gsize obs_token_len;
  gboolean observed;
  GSocketAddress *obs_from; /* where the Observe came from: notifications go there */
  guint notes_acked;
  gboolean note_pending; /* sent, not acknowledged yet */
  gint64 sent_us;
} Client;

struct _Bench
{
  guint n_clients, n_notes;
  GSocketAddress *server;
  Client *clients;
  guint registered, observed, notes_done;
  gboolean notifying;
  gboolean unpaced;          /* notifications counted by the server's reports, not by ACKs */
  guint next_reg, next_note; /* the window: at most WINDOW requests in flight */
  guint lost, last_done;     /* unpaced: notifications given up after 2 s without progress */
  guint retransmit_id;
};

static void
put_u16 (GByteArray *a, guint v)
{
  guint8 b[2] = { v >> 8, v & 0xff };
  g_byte_array_append (a, b, 2);
}

/* One option (numbers ascending, deltas < 13, lengths < 269). */
static void
opt (GByteArray *a, guint *last, guint num, const void *val, gsize len)
{
  guint delta = num - *last;
  guint8 h;
  *last = num;
  g_assert (delta < 13);
  if (len < 13)
    {
      h = (guint8)((delta << 4) | len);
      g_byte_array_append (a, &h, 1);
    }
  else
    {
      guint8 ext = (guint8)(len - 13);
      h = (guint8)((delta << 4) | 13);
      g_byte_array_append (a, &h, 1);
      g_byte_array_append (a, &ext, 1);
    }
  g_byte_array_append (a, val, (guint)len);
}

static void
send_bytes (Client *c, GByteArray *a)
{
  g_socket_send_to (c->sock, c->b->server, (const char *)a->data, a->len, NULL, NULL);
  c->sent_us = g_get_monotonic_time ();
}

static void
send_register (Client *c)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  g_autofree char *ep = g_strdup_printf ("ep=bench-%u", c->index);
  guint8 hdr[2] = { 0x41, 0x02 }, tok = 0x01, cf = 40, mark = 0xff;
  guint last = 0;
  const char *links = "</1/0>,</3/0>";
  g_byte_array_append (a, hdr, 2);
  put_u16 (a, c->mid);
  g_byte_array_append (a, &tok, 1);
  opt (a, &last, 11, "rd", 2);
  opt (a, &last, 12, &cf, 1);
  opt (a, &last, 15, ep, strlen (ep));
  opt (a, &last, 15, "lt=3600", 7);
  opt (a, &last, 15, "lwm2m=1.0", 9);
  opt (a, &last, 15, "b=U", 3);
  g_byte_array_append (a, &mark, 1);
  g_byte_array_append (a, (const guint8 *)links, strlen (links));
  send_bytes (c, a);
}

static void
send_notification (Client *c)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  guint8 hdr[2] = { (guint8)(0x40 | c->obs_token_len), 69 /* 2.05 */ }, mark = 0xff;
  guint8 seq[2] = { 0, (guint8)(2 + c->notes_acked) };
  guint last = 0;
  g_autofree char *value = g_strdup_printf ("%u", 50 + c->notes_acked);
  g_byte_array_append (a, hdr, 2);
  put_u16 (a, ++c->mid);
  g_byte_array_append (a, c->obs_token, (guint)c->obs_token_len);
  opt (a, &last, 6, seq, 2);
  opt (a, &last, 12, "", 0); /* text/plain */
  g_byte_array_append (a, &mark, 1);
  g_byte_array_append (a, (const guint8 *)value, strlen (value));
  g_socket_send_to (c->sock, c->obs_from, (const char *)a->data, a->len, NULL, NULL);
  c->sent_us = g_get_monotonic_time ();
}

/* Keeps WINDOW registrations, then WINDOW notifications in flight (one per client at a time:
 * the k-th round of notifications goes after the (k-1)-th). */
static void
pump (Bench *b)
{
  while (b->next_reg < b->n_clients && b->next_reg - b->registered < WINDOW)
    send_register (&b->clients[b->next_reg++]);
  while (b->notifying && b->next_note < b->n_clients * b->n_notes
         && b->next_note - b->notes_done - b->lost < WINDOW)
    {
      Client *c = &b->clients[b->next_note % b->n_clients];
      guint k = b->next_note / b->n_clients;
      if (c->note_pending)
        break; /* its previous one is still out */
      b->next_note++;
      if (!c->observed)
        {
          b->notes_done++;
          continue;
        }
      c->notes_acked = k;
      c->note_pending = !b->unpaced;
      send_notification (c);
    }
}

/* A request from the server: an Observe of /3/0/9 (anything else gets 4.04). */
static void
answer_request (Client *c, GSocketAddress *from, const guint8 *d, gsize n)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  guint tkl = d[0] & 0x0f;
  gboolean observe = FALSE;
  gsize i = 4 + tkl;
  guint num = 0;
  guint8 hdr[2] = { (guint8)(0x60 | tkl), 69 }, mark = 0xff, seq = 1;
  guint last = 0;
  while (i < n && d[i] != 0xff)
    {
      guint delta = d[i] >> 4, len = d[i] & 0x0f;
      i++;
      if (delta == 13)
        delta = 13 + d[i++];
      if (len == 13)
        len = 13 + d[i++];
      num += delta;
      observe |= num == 6;
      i += len;
    }
  if (!observe || tkl > 8)
    hdr[1] = 132; /* 4.04 */
  g_byte_array_append (a, hdr, 2);
  g_byte_array_append (a, d + 2, 2);
  g_byte_array_append (a, d + 4, tkl);
  if (observe && tkl <= 8)
    {
      memcpy (c->obs_token, d + 4, tkl);
      c->obs_token_len = tkl;
      g_clear_object (&c->obs_from);
      c->obs_from = g_object_ref (from);
      opt (a, &last, 6, &seq, 1);
      opt (a, &last, 12, "", 0);
      g_byte_array_append (a, &mark, 1);
      g_byte_array_append (a, (const guint8 *)"50", 2);
      if (!c->observed)
        c->b->observed++;
      c->observed = TRUE;
    }
  g_socket_send_to (c->sock, from, (const char *)a->data, a->len, NULL, NULL);
}

static gboolean
on_datagram (GSocket *s, GIOCondition cond, gpointer data)
{
  Client *c = data;
  guint8 d[1500];
  g_autoptr (GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (s, &from, (char *)d, sizeof d, NULL, NULL);
  guint type, code;
  if (n < 4)
    return G_SOURCE_CONTINUE;
  type = (d[0] >> 4) & 3;
  code = d[1];
  if (g_getenv ("BENCH_DEBUG") != NULL)
    g_printerr ("client %u: type %u code %u mid %u (mine %u)\n", c->index, type, code,
                (d[2] << 8) | d[3], c->mid);
  if (code >= 1 && code <= 31)
    answer_request (c, from, d, (gsize)n);
  else if (type == 2 && !c->registered && code == 65 /* 2.01 */)
    {
      c->registered = TRUE;
      c->b->registered++;
      pump (c->b);
    }
  else if (type == 2 && c->b->notifying && code == 0 && c->note_pending
           && ((d[2] << 8) | d[3]) == c->mid)
    {
      /* the ACK of the current notification */
      c->note_pending = FALSE;
      c->b->notes_done++;
      pump (c->b);
    }
  return G_SOURCE_CONTINUE;
}

/* Whatever went unanswered for 2 s goes again. */
static gboolean
on_retransmit (gpointer data)
{
  Bench *b = data;
  gint64 now = g_get_monotonic_time ();
  static gint64 progress_us;
  if (b->notifying && b->unpaced)
    {
      /* no ACKs to retransmit on: what did not arrive in 2 s is lost */
      if (b->notes_done != b->last_done)
        {
          b->last_done = b->notes_done;
          progress_us = now;
        }
      else if (now - progress_us > 2 * G_USEC_PER_SEC)
        {
          b->lost = b->next_note - b->notes_done;
          progress_us = now;
          pump (b);
        }
    }
  for (guint i = 0; i < b->n_clients; i++)
    {
      Client *c = &b->clients[i];
      if (c->sent_us == 0 || now - c->sent_us < 2 * G_USEC_PER_SEC)
        continue;
      if (!c->registered)
        send_register (c);
      else if (c->note_pending)
        {
          c->mid--;
          send_notification (c);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
tick (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
run_until (guint *counter, guint target, guint timeout_s)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, tick, &expired);
  while (*counter < target && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return *counter >= target;
}

static glong
rss_kib (GSubprocess *p)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (p));
  g_autofree char *s = NULL;
  const char *v;
  if (!g_file_get_contents (path, &s, NULL, NULL) || (v = strstr (s, "VmRSS:")) == NULL)
    return -1;
  return strtol (v + 6, NULL, 10);
}

/* Reads and drops what a server says (its pipe or control socket must not fill up). */
static void
on_drain (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autofree char *line
      = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  Bench *b = data;
  /* lwm2m-node-lib acknowledges no notification: its server's own report of each is counted */
  if (line != NULL && b != NULL && strstr (line, "\"event\":\"notification\"") != NULL)
    {
      b->notes_done++;
      pump (b);
    }
  if (line != NULL)
    g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_LOW, NULL,
                                         on_drain, data);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct
{
  const char *name;
  double reg_per_s, notes_per_s;
  glong rss_before, rss_after;
  guint registered, notes, lost;
} Result;

static gboolean
wait_line (GDataInputStream *in, const char *needle, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_s * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      if (line == NULL)
        return FALSE;
      if (strstr (line, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
run (Bench *b, const char *name, GSubprocess *server, GOutputStream *commands, gboolean node,
     Result *r)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GString) cmds = g_string_new (NULL);
  gint64 t0, t1;

  r->name = name;
  b->registered = b->observed = b->notes_done = 0;
  b->notifying = FALSE;
  b->clients = g_new0 (Client, b->n_clients);
  for (guint i = 0; i < b->n_clients; i++)
    {
      Client *c = &b->clients[i];
      c->b = b;
      c->index = i;
      c->mid = (guint16)g_random_int ();
      c->sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                              NULL);
      g_assert_true (g_socket_bind (c->sock, any, FALSE, NULL));
      g_socket_set_blocking (c->sock, FALSE);
      c->src = g_socket_create_source (c->sock, G_IO_IN, NULL);
      g_source_set_callback (c->src, (GSourceFunc)(void (*) (void))on_datagram, c, NULL);
      g_source_attach (c->src, NULL);
    }
  b->retransmit_id = g_timeout_add (500, on_retransmit, b);

  r->rss_before = rss_kib (server);
  t0 = g_get_monotonic_time ();
  b->next_reg = 0;
  pump (b);
  run_until (&b->registered, b->n_clients, 300);
  t1 = g_get_monotonic_time ();
  r->registered = b->registered;
  g_printerr ("%s: %u/%u registered\n", name, b->registered, b->n_clients);
  r->reg_per_s = b->registered / ((t1 - t0) / 1e6);
  /* let the server settle before its memory is read */
  {
    guint zero = 0;
    run_until (&zero, 1, 1);
  }
  r->rss_after = rss_kib (server);

  for (guint i = 0; i < b->n_clients; i++)
    if (node)
      g_string_append_printf (
          cmds, "{\"cmd\":\"observe\",\"ep\":\"bench-%u\",\"obj\":3,\"inst\":0,\"res\":9}\n", i);
    else
      g_string_append_printf (cmds,
                              "{\"cmd\":\"observe\",\"ep\":\"bench-%u\",\"path\":\"/3/0/9\"}\n", i);
  g_output_stream_write_all (commands, cmds->str, cmds->len, NULL, NULL, NULL);
  run_until (&b->observed, b->registered, 300);
  g_printerr ("%s: %u observed\n", name, b->observed);

  b->notifying = TRUE;
  t0 = g_get_monotonic_time ();
  b->next_note = b->lost = b->last_done = 0;
  pump (b);
  while (b->notes_done + b->lost < b->n_clients * b->n_notes)
    {
      guint target = b->notes_done + 1;
      if (!run_until (&b->notes_done, target, 10) && b->lost == 0 && !b->unpaced)
        break;
      if (g_get_monotonic_time () - t0 > 300 * G_USEC_PER_SEC)
        break;
    }
  t1 = g_get_monotonic_time ();
  r->notes = b->notes_done;
  r->lost = b->lost;
  r->notes_per_s = b->notes_done / ((t1 - t0) / 1e6);

  g_source_remove (b->retransmit_id);
  for (guint i = 0; i < b->n_clients; i++)
    {
      g_source_destroy (b->clients[i].src);
      g_source_unref (b->clients[i].src);
      g_object_unref (b->clients[i].sock);
      g_clear_object (&b->clients[i].obs_from);
    }
  g_free (b->clients);
}

static guint16
free_port (void)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_socket_bind (s, a, FALSE, NULL);
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
print (const Result *r, guint n_notes)
{
  g_print ("%-22s %9u %10.0f %12u %6u %10.0f %10ld %10ld %8.2f\n", r->name, r->registered,
           r->reg_per_s, r->notes, r->lost, r->notes_per_s, r->rss_before, r->rss_after,
           r->registered > 0 ? (double)(r->rss_after - r->rss_before) / r->registered : 0.0);
}

int
main (int argc, char **argv)
{
  Bench b = { .n_clients = 1000, .n_notes = 10 };
  gint clients = 1000, notes = 10;
  gboolean skip_node = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) octx = g_option_context_new ("- LwM2M server load");
  g_autofree char *dir = g_dir_make_tmp ("bench-lwm2m-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "control", NULL);
  Result tf = { 0 }, node = { 0 };
  GOptionEntry entries[] = {
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "simulated clients (1000)", "N" },
    { "notifications", 0, 0, G_OPTION_ARG_INT, &notes, "notifications per client (10)", "N" },
    { "skip-node", 0, 0, G_OPTION_ARG_NONE, &skip_node, "tf-lwm2m-server only", NULL },
    { NULL },
  };
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || clients < 1 || clients > 10000
      || notes < 0)
    {
      g_printerr ("bench-lwm2m-server: %s\n", error != NULL ? error->message : "bad numbers");
      return 2;
    }
  b.n_clients = (guint)clients;
  b.n_notes = (guint)notes;

  /* tf-lwm2m-server, driven on its control socket */
  {
    guint16 port = free_port ();
    g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
    g_autofree char *ctl_arg = g_strdup_printf ("--control=%s", sock);
    g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
    g_autoptr (GSubprocess) p = NULL;
    g_autoptr (GSocketConnection) conn = NULL;
    g_autoptr (GDataInputStream) in = NULL;
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
    p = g_subprocess_launcher_spawn (l, &error, TF_LWM2M_SERVER_PATH, port_arg, "--bind=127.0.0.1",
                                     ctl_arg, NULL);
    g_assert_no_error (error);
    for (guint i = 0; i < 100 && conn == NULL; i++)
      {
        g_autoptr (GSocketClient) sc = g_socket_client_new ();
        g_autoptr (GSocketAddress) a = g_unix_socket_address_new (sock);
        conn = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (a), NULL, NULL);
        if (conn == NULL)
          g_usleep (50000);
      }
    g_assert_nonnull (conn);
    in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
    g_data_input_stream_read_line_async (in, G_PRIORITY_LOW, NULL, on_drain, NULL);
    b.server = g_inet_socket_address_new (lo, port);
    run (&b, "tf-lwm2m-server", p, g_io_stream_get_output_stream (G_IO_STREAM (conn)), FALSE, &tf);
    g_clear_object (&b.server);
    g_subprocess_send_signal (p, SIGTERM);
    g_subprocess_wait (p, NULL, NULL);
  }
  if (!skip_node)
    {
      guint16 port = free_port ();
      g_autofree char *port_s = g_strdup_printf ("%u", port);
      g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
          G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
          | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr (GSubprocess) p = NULL;
      g_autoptr (GDataInputStream) in = NULL;
      g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
      g_subprocess_launcher_setenv (l, "NODE_PATH", TF_INTEROP_DIR "/node_modules", TRUE);
      p = g_subprocess_launcher_spawn (l, &error, "node", TF_INTEROP_DIR "/node-lwm2m.js", "server",
                                       port_s, NULL);
      g_assert_no_error (error);
      in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
      if (!wait_line (in, "\"listening\"", 60))
        g_printerr ("lwm2m-node-lib's server did not start (scripts/lwm2m-deps?)\n");
      else
        {
          g_data_input_stream_read_line_async (in, G_PRIORITY_LOW, NULL, on_drain, &b);
          b.unpaced = TRUE;
          b.server = g_inet_socket_address_new (lo, port);
          run (&b, "lwm2m-node-lib server", p, g_subprocess_get_stdin_pipe (p), TRUE, &node);
          g_clear_object (&b.server);
        }
      g_subprocess_force_exit (p);
      g_subprocess_wait (p, NULL, NULL);
    }
  g_print ("%u simulated clients in one process, %u notifications each, loopback\n", b.n_clients,
           b.n_notes);
  g_print ("%-22s %9s %10s %12s %6s %10s %10s %10s %8s\n", "server", "registered", "reg/s",
           "notifications", "lost", "notif/s", "RSS0 KiB", "RSS1 KiB", "KiB/reg");
  print (&tf, b.n_notes);
  if (node.name != NULL)
    print (&node, b.n_notes);
  g_unlink (sock);
  g_rmdir (dir);
  return 0;
}
