/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ETS Firmware Update cases for a client under test (Object 5, Core E.6): the readable
 * resources (1.0 751), Package and Package URI written (755, 756), State observed (760), a
 * whole update pushed (770) or pulled over CoAP from the reference server (771), and Update
 * executed without a package (772), and the 1.0 error cases the lab can provoke: a corrupted
 * package (776), one of no firmware type (777), a URI that names nothing (778), a protocol
 * the client does not list (780), a download cut after its first block (775). The package is
 * the one the company gives the runner (--firmware), else the lab client's own ("TFFW <version>"
 * first line); the runner serves it block-wise for the pull. States: 0 Idle, 1 Downloading, 2
 * Downloaded, 3 Updating; Update Result 1 is Success. Waits for a state are Reads every 250 ms,
 * bounded by the answer wait. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-cases-private.h"
#include "tf-lwm2m-codec.h"

#include <string.h>

#define FW_LEAF "ets-package"
#define FW_PATH "fw/" FW_LEAF
#define POLL_MS 250

static TfLwm2mPath
FW (guint16 res)
{
  return tf_lwm2m_path_make (3, 5, 0, res, 0);
}

static GBytes *
package (TfEtsRun *run)
{
  GByteArray *body;
  g_autofree char *digest = NULL;
  g_autofree char *head = NULL;
  GByteArray *a;
  if (tf_ets_run_firmware (run) != NULL)
    return g_bytes_ref (tf_ets_run_firmware (run));
  /* larger than one block (1024), so that it travels block-wise */
  body = g_byte_array_sized_new (3000);
  for (guint i = 0; i < 3000; i++)
    {
      guint8 b = (guint8)(i * 13 + 7);
      g_byte_array_append (body, &b, 1);
    }
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, body->data, body->len);
  head = g_strdup_printf ("TFFW ets-2.0 %s\n", digest);
  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *)head, strlen (head));
  g_byte_array_append (a, body->data, body->len);
  g_byte_array_unref (body);
  return g_byte_array_free_to_bytes (a);
}

/* Reads /5/0/@res (an integer) as criterion @crit; G_MININT64 when it failed. */
static gint64
read_int (TfEtsRun *run, const char *crit, guint16 res)
{
  TfLwm2mPath p = FW (res);
  g_autofree char *what = g_strdup_printf ("Read /5/0/%u", res);
  g_autoptr (TfLwm2mResponse) r
      = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), crit, OK_CONTENT, -1, what);
  const TfLwm2mRecord *rec = r != NULL ? tf_ets_find_record (r, &p) : NULL;
  if (r == NULL)
    return G_MININT64;
  if (!tf_ets_check (run, crit, rec != NULL, "the answer to %s carries its value", what))
    return G_MININT64;
  return rec->type == TF_LWM2M_TYPE_UNSIGNED ? (gint64)rec->v.u : rec->v.i;
}

/* Criterion @crit: State (and Update Result, unless @result < 0) reach these values within
 * the answer wait. */
static gboolean
wait_state (TfEtsRun *run, const char *crit, gint64 state, gint64 result)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)tf_ets_run_answer_wait (run) * G_USEC_PER_SEC;
  gint64 s = -1, u = -1;
  for (;;)
    {
      if ((s = read_int (run, crit, 3)) == G_MININT64)
        return FALSE;
      if (result >= 0 && s == state && (u = read_int (run, crit, 5)) == G_MININT64)
        return FALSE;
      if (s == state && (result < 0 || u == result))
        break;
      if (g_get_monotonic_time () > deadline)
        break;
      tf_ets_run_sleep (run, POLL_MS);
    }
  if (result < 0)
    return tf_ets_check (run, crit, s == state,
                         "State /5/0/3 becomes %" G_GINT64_FORMAT " (it is %" G_GINT64_FORMAT ")",
                         state, s);
  return tf_ets_check (run, crit, s == state && u == result,
                       "State /5/0/3 becomes %" G_GINT64_FORMAT
                       " with Update Result /5/0/5 %" G_GINT64_FORMAT " (they are %" G_GINT64_FORMAT
                       ", %" G_GINT64_FORMAT ")",
                       state, result, s, u);
}

static gboolean
write_bytes (TfEtsRun *run, const char *crit, GBytes *b)
{
  TfLwm2mPath p = FW (0);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL;
  g_ptr_array_add (recs, tf_lwm2m_record_new_opaque (&p, b));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_OPAQUE, recs, TRUE, NULL), crit,
                     OK_CHANGED, -1, "Write /5/0/0 (Package)");
  return w != NULL;
}

static gboolean
write_uri (TfEtsRun *run, const char *crit, const char *uri)
{
  TfLwm2mPath p = FW (1);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) w = NULL;
  g_ptr_array_add (recs, tf_lwm2m_record_new_string (&p, uri));
  w = tf_ets_expect (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL), crit,
                     OK_CHANGED, -1, "Write /5/0/1 (Package URI)");
  return w != NULL;
}

static gboolean
write_package (TfEtsRun *run, const char *crit)
{
  g_autoptr (GBytes) b = package (run);
  return write_bytes (run, crit, b);
}

/* The Package URI of the package the reference server serves. */
static char *
served_uri (TfEtsRun *run)
{
  g_autoptr (GBytes) b = package (run);
  tf_lwm2m_server_serve (tf_ets_run_server (run), FW_PATH, b);
  return g_strdup_printf ("%s/%s", tf_ets_run_server_uri (run), FW_PATH);
}

/* Criterion @crit: the client fetched the package (a GET of it in the exchange). */
static gboolean
check_fetched (TfEtsRun *run, const char *crit)
{
  GPtrArray *ex = tf_ets_run_exchange (run);
  gboolean seen = FALSE;
  for (guint i = 0; i < ex->len && !seen; i++)
    {
      JsonObject *m = json_node_get_object (g_ptr_array_index (ex, i));
      JsonArray *opts = json_object_get_array_member (m, "options");
      if (g_strcmp0 (json_object_get_string_member_with_default (m, "dir", ""), "in") != 0
          || opts == NULL)
        continue;
      /* Uri-Path (11) "ets-package": the package's GET */
      for (guint k = 0; k < json_array_get_length (opts); k++)
        {
          JsonArray *o = json_array_get_array_element (opts, k);
          seen |= json_array_get_length (o) == 2 && json_array_get_int_element (o, 0) == 11
                  && g_strcmp0 (json_array_get_string_element (o, 1), FW_LEAF) == 0;
        }
    }
  return tf_ets_check (run, crit, seen, "the client fetched the package from its URI");
}

/* After the case: Idle again (an empty Package URI resets, E.6); not a criterion. */
static void
reset (TfEtsRun *run)
{
  TfLwm2mPath p = FW (1);
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_ptr_array_add (recs, tf_lwm2m_record_new_string (&p, ""));
  r = tf_ets_run_request (run, tf_lwm2m_request_write (&p, TF_LWM2M_CF_TEXT, recs, TRUE, NULL));
}

static gboolean
execute_update (TfEtsRun *run, const char *crit)
{
  TfLwm2mPath p = FW (2);
  g_autoptr (TfLwm2mResponse) r = tf_ets_expect (run, tf_lwm2m_request_execute (&p, NULL), crit,
                                                 OK_CHANGED, -1, "Execute /5/0/2 (Update)");
  return r != NULL;
}

/* 751: Read /5/0: its mandatory readable resources. */
static void
case_751 (TfEtsRun *run)
{
  TfLwm2mPath p = tf_lwm2m_path_make (2, 5, 0, 0, 0);
  g_autoptr (TfLwm2mResponse) r = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "A", OK_CONTENT, -1, "Read /5/0");
  /* an answer without its format cannot be decoded: A, not a resource missing in B */
  if (r == NULL
      || !tf_ets_check (run, "A", r->cf >= 0 && tf_lwm2m_cf_supported ((guint)r->cf),
                        "the answer to Read /5/0 names its content format (%d)", r->cf)
      || !tf_ets_check_mandatory (run, "B", r, 5, 0))
    return;
}

/* 755: Write Package; State becomes Downloaded. */
static void
case_755 (TfEtsRun *run)
{
  if (tf_ets_run_registration (run) == NULL || !write_package (run, "A")
      || !wait_state (run, "B", 2, -1))
    return;
  reset (run);
}

/* 756: Write Package URI; the client fetches it and State becomes Downloaded. */
static void
case_756 (TfEtsRun *run)
{
  g_autofree char *uri = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  uri = served_uri (run);
  if (!write_uri (run, "A", uri) || !wait_state (run, "B", 2, -1) || !check_fetched (run, "B"))
    return;
  reset (run);
}

/* 760: Observe State; Write Package; a notification carries State Downloaded. */
static void
case_760 (TfEtsRun *run)
{
  TfLwm2mPath p = FW (3);
  GPtrArray *ev = tf_ets_run_events (run);
  g_autoptr (TfLwm2mResponse) o = NULL;
  gboolean seen = FALSE;
  guint from;
  if (tf_ets_run_registration (run) == NULL)
    return;
  o = tf_ets_expect (run, tf_lwm2m_request_observe (&p, -1), "A", OK_CONTENT, -1, "Observe /5/0/3");
  if (o == NULL
      || !tf_ets_check (run, "A", o->observe_seq >= 0 && tf_ets_find_record (o, &p) != NULL,
                        "the answer carries the Observe option and the State"))
    return;
  from = ev->len;
  if (!write_package (run, "B"))
    return;
  while (!seen)
    {
      gint i = tf_ets_run_wait_event (run, 1u << TF_ETS_EVENT_NOTIFICATION, from,
                                      tf_ets_run_answer_wait (run) * 1000);
      TfEtsEvent *e;
      if (i < 0)
        break;
      e = g_ptr_array_index (ev, i);
      from = i + 1;
      for (guint k = 0;
           e->observation == o->observation && e->records != NULL && k < e->records->len; k++)
        {
          const TfLwm2mRecord *rec = g_ptr_array_index (e->records, k);
          seen |= tf_lwm2m_path_equal (&rec->path, &p) && rec->v.i == 2;
        }
    }
  if (!seen && !tf_ets_run_alive (run))
    return;
  if (!tf_ets_check (run, "C", seen, "a notification of /5/0/3 with State 2 (Downloaded)"))
    return;
  tf_ets_run_cancel (run, o->observation, FALSE);
  reset (run);
}

/* 770: Write Package (block-wise), Downloaded, Execute Update, then Idle with Success. */
static void
case_770 (TfEtsRun *run)
{
  if (tf_ets_run_registration (run) == NULL || !write_package (run, "A")
      || !wait_state (run, "B", 2, -1) || !execute_update (run, "C"))
    return;
  wait_state (run, "D", 0, 1);
}

/* 771: the same through Package URI, the client pulling the package over CoAP. */
static void
case_771 (TfEtsRun *run)
{
  g_autofree char *uri = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  uri = served_uri (run);
  if (!write_uri (run, "A", uri) || !wait_state (run, "B", 2, -1) || !check_fetched (run, "B")
      || !execute_update (run, "C"))
    return;
  wait_state (run, "D", 0, 1);
}

/* 772: Idle, no package: Execute Update is refused (4.05, E.6: only executable in
 * Downloaded) and nothing is installed. */
static void
case_772 (TfEtsRun *run)
{
  TfLwm2mPath p = FW (2);
  g_autoptr (TfLwm2mResponse) r = NULL;
  gint64 u;
  if (tf_ets_run_registration (run) == NULL || !wait_state (run, "A", 0, -1))
    return;
  r = tf_ets_run_request_for (run, tf_lwm2m_request_execute (&p, NULL), "B");
  if (r == NULL
      || !tf_ets_check (run, "B", r->code == TF_LWM2M_COAP_CODE (4, 5),
                        "Execute /5/0/2 without a package is refused 4.05 (code %u.%02u)",
                        r->code >> 5, r->code & 31))
    return;
  tf_ets_run_sleep (run, 1000);
  if ((u = read_int (run, "C", 5)) == G_MININT64)
    return;
  tf_ets_check (run, "C", u != 1, "Update Result /5/0/5 is not 1 (Success): %" G_GINT64_FORMAT, u);
}

/* 775's package server: a UDP socket of the runner's own (not the reference server, whose
 * libcoap would serve every block from its cache) that answers the package's first block,
 * block 0 of 1024 bytes with More set, and closes at the request for the next: the connection
 * is lost mid-transfer (the client's retransmissions meet a closed port). */
typedef struct
{
  GSocket *socket;
  GSource *source;
  GBytes *package;
  guint served, cut;
} CutServer;

#define CUT_SZX 6 /* 1024-byte blocks */

static void
cut_close (CutServer *c)
{
  if (c->source != NULL)
    {
      g_source_destroy (c->source);
      g_clear_pointer (&c->source, g_source_unref);
    }
  if (c->socket != NULL)
    g_socket_close (c->socket, NULL);
  g_clear_object (&c->socket);
}

/* The Block2 number a request asks for (0 when it has none); -1 for what is not a GET. */
gint
tf_ets_coap_block2_requested (const guint8 *buf, gsize n)
{
  gsize tkl, i;
  guint number = 0;
  if (n < 4)
    return -1;
  tkl = buf[0] & 0x0f;
  i = 4 + tkl;
  if (buf[1] != 1 || tkl > 8 || n < i)
    return -1;
  while (i < n && buf[i] != 0xff)
    {
      guint delta = buf[i] >> 4, len = buf[i] & 0x0f;
      i++;
      if (delta == 15 || len == 15)
        return -1;
      if (delta >= 13)
        {
          if (i + (delta - 12) > n)
            return -1;
          delta = delta == 13 ? 13u + buf[i] : 269u + ((guint)buf[i] << 8 | buf[i + 1]);
          i += delta >= 269 ? 2 : 1;
        }
      if (len >= 13)
        {
          if (i + (len - 12) > n)
            return -1;
          len = len == 13 ? 13u + buf[i] : 269u + ((guint)buf[i] << 8 | buf[i + 1]);
          i += len >= 269 ? 2 : 1;
        }
      if (i + len > n)
        return -1;
      number += delta;
      if (number == 23) /* Block2 */
        {
          guint v = 0;
          for (guint k = 0; k < len && k < 3; k++)
            v = v << 8 | buf[i + k];
          return (gint)(v >> 4);
        }
      i += len;
    }
  return 0;
}

static gboolean
on_cut_server (GSocket *socket, GIOCondition cond, gpointer data)
{
  CutServer *c = data;
  guint8 buf[1500], out[4 + 8 + 3 + 1 + 1024];
  g_autoptr (GSocketAddress) from = NULL;
  gssize n = g_socket_receive_from (socket, &from, (gchar *)buf, sizeof buf, NULL, NULL);
  gsize size = 0, tkl, o;
  const guint8 *body = g_bytes_get_data (c->package, &size);
  gint block;
  if (n < 4 || (buf[0] >> 6) != 1 || (block = tf_ets_coap_block2_requested (buf, (gsize)n)) < 0)
    return G_SOURCE_CONTINUE;
  if (block > 0)
    {
      /* the transfer is under way: the connection goes */
      c->cut++;
      cut_close (c);
      return G_SOURCE_REMOVE;
    }
  tkl = buf[0] & 0x0f;
  out[0] = (guint8)(0x40 | ((buf[0] >> 4 & 0x3) == 0 ? 0x20 : 0x10) | tkl);
  out[1] = (2 << 5) | 5; /* 2.05 */
  out[2] = buf[2];
  out[3] = buf[3];
  memcpy (out + 4, buf + 4, tkl);
  o = 4 + tkl;
  out[o++] = (13 << 4) | 1; /* Block2 (23 = 13 + 10), one byte: NUM 0, M, SZX */
  out[o++] = 23 - 13;
  out[o++] = (guint8)((size > 1024 ? 0x08 : 0) | CUT_SZX);
  out[o++] = 0xff;
  memcpy (out + o, body, MIN (size, 1024));
  o += MIN (size, 1024);
  c->served++;
  g_socket_send_to (socket, from, (const gchar *)out, o, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

/* The package server on the host of the runner's own server: the Package URI, or NULL. */
static char *
cut_start (TfEtsRun *run, CutServer *c)
{
  g_autoptr (GUri) uri = g_uri_parse (tf_ets_run_server_uri (run), G_URI_FLAGS_NONE, NULL);
  g_autoptr (GInetAddress) host = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *h = NULL;
  if (uri == NULL || (host = g_inet_address_new_from_string (g_uri_get_host (uri))) == NULL)
    return NULL;
  any = g_inet_socket_address_new (host, 0);
  c->socket = g_socket_new (g_inet_address_get_family (host), G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, NULL);
  if (c->socket == NULL || !g_socket_bind (c->socket, any, FALSE, NULL)
      || (bound = g_socket_get_local_address (c->socket, NULL)) == NULL)
    return NULL;
  c->package = package (run);
  c->source = g_socket_create_source (c->socket, G_IO_IN, NULL);
  g_source_set_callback (c->source, G_SOURCE_FUNC (on_cut_server), c, NULL);
  g_source_attach (c->source, NULL);
  h = g_inet_address_to_string (host);
  return g_strdup_printf (
      g_inet_address_get_family (host) == G_SOCKET_FAMILY_IPV6 ? "coap://[%s]:%u/%s"
                                                               : "coap://%s:%u/%s",
      h, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), FW_PATH);
}

/* 775: Connection lost during download (package URI): the client pulls the package from a
 * server that serves the first block and is gone at the second. A: the Write of the Package URI;
 * B: State back to Idle (0) with Update Result 4 (connection lost during downloading, Core E.6)
 * within the answer wait, after a transfer that was cut. */
static void
case_775 (TfEtsRun *run)
{
  CutServer c = { 0 };
  g_autofree char *uri = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  uri = cut_start (run, &c);
  if (uri == NULL)
    {
      cut_close (&c);
      g_clear_pointer (&c.package, g_bytes_unref);
      tf_ets_inconclusive (run, "case 775: no socket for the package server next to %s",
                           tf_ets_run_server_uri (run));
      return;
    }
  /* B: Idle with Update Result 4, and it followed the cut (evidence, not a Pass by itself) */
  if (write_uri (run, "A", uri) && wait_state (run, "B", 0, 4)
      && tf_ets_check (run, "B", c.served > 0 && c.cut > 0,
                       "the download was cut: block 0 served (%u time(s)), the request for "
                       "block 1 met a closed port",
                       c.served))
    reset (run);
  cut_close (&c);
  g_clear_pointer (&c.package, g_bytes_unref);
}

/* 776: a corrupted package (bytes at its start, middle and end inverted): Idle, Update
 * Result 5 (integrity check failure). */
static void
case_776 (TfEtsRun *run)
{
  g_autoptr (GBytes) good = package (run);
  gsize n = 0;
  guint8 *d = g_memdup2 (g_bytes_get_data (good, &n), g_bytes_get_size (good));
  g_autoptr (GBytes) bad = NULL;
  for (gsize i = 0; n > 0 && i < 3; i++)
    d[i == 0 ? MIN (n - 1, 100) : i == 1 ? n / 2 : n - 1] ^= 0xff;
  bad = g_bytes_new_take (d, n);
  if (tf_ets_run_registration (run) == NULL || !write_bytes (run, "A", bad))
    return;
  wait_state (run, "B", 0, 5);
}

/* 777: a package of no firmware type at all (text): Idle, Update Result 6. */
static void
case_777 (TfEtsRun *run)
{
  static const char text[] = "This is not a firmware package; it is a text file.\n";
  g_autoptr (GBytes) b = g_bytes_new_static (text, sizeof text - 1);
  if (tf_ets_run_registration (run) == NULL || !write_bytes (run, "A", b))
    return;
  wait_state (run, "B", 0, 6);
}

/* 778: a Package URI that names nothing (a path the reference server does not serve, 4.04):
 * Idle, Update Result 7 (invalid URI). */
static void
case_778 (TfEtsRun *run)
{
  g_autofree char *uri = NULL;
  if (tf_ets_run_registration (run) == NULL)
    return;
  uri = g_strdup_printf ("%s/fw/no-such-package", tf_ets_run_server_uri (run));
  if (!write_uri (run, "A", uri))
    return;
  wait_state (run, "B", 0, 7);
}

/* 780: a Package URI in a protocol the client does not list in Firmware Update Protocol
 * Support (/5/0/8): Idle, Update Result 9 (unsupported protocol). */
static void
case_780 (TfEtsRun *run)
{
  static const char *const schemes[]
      = { "coap", "coaps", "http", "https", "coap+tcp", "coaps+tcp" };
  TfLwm2mPath p = FW (8);
  g_autoptr (TfLwm2mResponse) r = NULL;
  g_autofree char *uri = NULL;
  gboolean listed[G_N_ELEMENTS (schemes)] = { FALSE };
  gint pick = -1;
  if (tf_ets_run_registration (run) == NULL)
    return;
  r = tf_ets_expect (run, tf_lwm2m_request_read (&p, -1), "A", OK_CONTENT, -1, "Read /5/0/8");
  if (r == NULL)
    return;
  for (guint i = 0; r->records != NULL && i < r->records->len; i++)
    {
      const TfLwm2mRecord *rec = g_ptr_array_index (r->records, i);
      if (rec->v.i >= 0 && rec->v.i < (gint64)G_N_ELEMENTS (schemes))
        listed[rec->v.i] = TRUE;
    }
  for (guint i = G_N_ELEMENTS (schemes); i-- > 0;)
    if (!listed[i])
      pick = (gint)i;
  if (pick < 0)
    {
      tf_ets_inconclusive (run, "the client lists every protocol the lab knows in /5/0/8");
      return;
    }
  uri = g_strdup_printf ("%s://192.0.2.1/fw/package", schemes[pick]);
  if (!write_uri (run, "A", uri))
    return;
  wait_state (run, "B", 0, 9);
}

static const TfEtsCase cases[] = {
  { 751, "1.0", "Querying the readable resources", case_751 },
  { 755, "1.0", "Setting the writable Resource Package", case_755 },
  { 756, "1.0", "Setting the writable Resource Package URI", case_756 },
  { 760, "1.0", "Basic Observation and notification on Firmware Update Object Resources",
    case_760 },
  { 770, "1.0 1.1", "Successful Firmware update (via COAP)", case_770 },
  { 771, "1.0 1.1", "Successful Firmware update (via alternative mechanism)", case_771 },
  { 772, "1.0 1.1", "Error Case: firmware installation without downloaded package", case_772 },
  { 775, "1.0", "Error Case 4: Connection lost during download (package URI)", case_775 },
  { 776, "1.0", "Error Case 5: Package Integrity check failure", case_776 },
  { 777, "1.0", "Error Case 6: unsupported package type", case_777 },
  { 778, "1.0", "Error Case 7: invalid URI (package URI)", case_778 },
  { 780, "1.0", "Error Case 9: Unsupported protocol", case_780 },
  { 0, NULL, NULL, NULL },
};

const TfEtsCase *
tf_ets_cases_fw (void)
{
  return cases;
}
