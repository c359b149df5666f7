/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each session's traffic from the lab's capture: split by its board's addresses, its server's
 * address and its live phases (preparing, running), written as pcapng parts and as the decoded
 * exchange (JSON lines) under STATE/trace/<session>/, published live to its two companies
 * only, downloadable through the "trace" verb by them and by staff. */
#define G_LOG_DOMAIN "tf-floor"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "tf-capture.h"
#include "tf-coap-trace.h"
#include "tf-error.h"
#include "tf-floor-ets-private.h"
#include "tf-floor-private.h"
#include "tf-floor-trace.h"
#include "tf-pcapng.h"

/* what one reply carries of a file: base64 of it stays well below the broker's 1 MiB */
#define TRACE_CHUNK (192 * 1024)
#define MAX_PARTS 10000

typedef struct
{
  char *id;
  GStrv board_ips;     /* or NULL: the session's board is not on the lab network */
  char *server_ip;     /* NULL: every frame of the board (a server named by host name) */
  guint16 runner_port; /* its server-side run: the lab client's ports on the [ets] address */
} Target;

typedef struct
{
  TfFloorTraces *traces;
  char *id;
  char *dir;
  guint part;
  TfPcapng *pcap;
  FILE *decoded;
  TfCoapTrace *decoder;
  guint64 bytes; /* all parts of this run */
  guint64 frames;
  guint64 over_cap;
  guint64 recv0, drop0;
  char *gap; /* the gap before this run, said on its first frame */
} Trace;

struct _TfFloorTraces
{
  TfFloor *f;
  TfCapture *capture;
  GPtrArray *targets; /* of Target; NULL: rebuild */
  GHashTable *open;   /* session id → Trace */
  guint64 rotate_bytes;
  guint64 max_bytes;
};

static void
target_free (Target *t)
{
  g_free (t->id);
  g_strfreev (t->board_ips);
  g_free (t->server_ip);
  g_free (t);
}

/* the host of coap://192.0.2.2:5683 or coaps://[2001:db8::2]:5684 when it is an address */
static char *
server_ip (const char *uri)
{
  g_autoptr (GUri) u = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  g_autoptr (GInetAddress) a = NULL;
  if (u == NULL || g_uri_get_host (u) == NULL)
    return NULL;
  a = g_inet_address_new_from_string (g_uri_get_host (u));
  return a != NULL ? g_inet_address_to_string (a) : NULL;
}

static GPtrArray *
build_targets (TfFloor *f)
{
  GPtrArray *targets = g_ptr_array_new_with_free_func ((GDestroyNotify)target_free);
  TfLabConfig *cfg = tf_lab_get_config (f->lab);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, f->sessions);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      TfSession *s = tf_floor_session (f, key);
      TfBoardConfig *b = s->board != NULL ? tf_lab_config_find_board (cfg, s->board) : NULL;
      const TfImpl *server = tf_floor_impl (f, s->server);
      Batch *run = f->ets_runs != NULL ? g_hash_table_lookup (f->ets_runs, s->id) : NULL;
      guint16 runner_port = run != NULL && run->server_side ? run->client_port : 0;
      Target *t;
      if ((s->phase != TF_PHASE_PREPARING && s->phase != TF_PHASE_RUNNING)
          || ((b == NULL || b->addresses == NULL) && runner_port == 0))
        continue;
      t = g_new0 (Target, 1);
      t->id = g_strdup (s->id);
      t->board_ips = b != NULL && b->addresses != NULL ? g_strdupv (b->addresses) : NULL;
      t->server_ip = server_ip (server != NULL ? server->server_uri : NULL);
      t->runner_port = runner_port;
      g_ptr_array_add (targets, t);
    }
  return targets;
}

static char *
trace_dir (TfFloor *f, const char *id)
{
  return g_build_filename (tf_lab_get_state_dir (f->lab), "trace", id, NULL);
}

static char *
part_path (const char *dir, guint part)
{
  g_autofree char *name = g_strdup_printf ("part-%04u.pcapng", part);
  return g_build_filename (dir, name, NULL);
}

static void
write_line (Trace *t, JsonNode *n)
{
  g_autofree char *s = json_to_string (n, FALSE);
  if (t->decoded != NULL && fprintf (t->decoded, "%s\n", s) < 0)
    g_warning ("trace of %s: %s", t->id, g_strerror (errno));
}

/* {"event": what, members...} in the decoded trace: where the capture opened, had a gap,
 * rotated, reached its cap or closed */
static void
write_event (Trace *t, const char *what, const char *note)
{
  g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), json_object_new ());
  JsonObject *o = json_node_get_object (n);
  json_object_set_string_member (o, "event", what);
  json_object_set_int_member (o, "time_us", g_get_real_time ());
  json_object_set_int_member (o, "part", t->part);
  json_object_set_int_member (o, "frames", (gint64)t->frames);
  if (note != NULL)
    json_object_set_string_member (o, "note", note);
  write_line (t, n);
}

static char *
section_comment (TfFloor *f, Trace *t)
{
  TfSession *s = tf_floor_session (f, t->id);
  const TfImpl *c = s != NULL ? tf_floor_impl (f, s->client) : NULL;
  const TfImpl *v = s != NULL ? tf_floor_impl (f, s->server) : NULL;
  if (s == NULL)
    return g_strdup_printf ("session %s", t->id);
  return g_strdup_printf (
      "TestFest %s, session %s, part %u\nboard %s, firmware %s %s\nclient %s %s (%s)\n"
      "server %s %s (%s) at %s%s%s",
      f->event->name, s->id, t->part, s->board, s->fw_name ? s->fw_name : "?",
      s->fw_version ? s->fw_version : "", s->client, c && c->version ? c->version : "",
      s->client_company, s->server, v && v->version ? v->version : "", s->server_company,
      v && v->server_uri ? v->server_uri : "?", t->gap ? "\n" : "", t->gap ? t->gap : "");
}

static gboolean
open_part (Trace *t, GError **error)
{
  TfFloor *f = t->traces->f;
  g_autofree char *path = part_path (t->dir, t->part);
  g_autofree char *comment = section_comment (f, t);
  t->pcap = tf_pcapng_create (path, comment, tf_capture_get_interface (t->traces->capture),
                              TF_CAPTURE_SNAPLEN, error);
  return t->pcap != NULL;
}

static void
close_part (Trace *t, const char *why)
{
  guint64 recv = 0, drop = 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *comment = NULL;
  if (t->pcap == NULL)
    return;
  tf_capture_get_stats (t->traces->capture, &recv, &drop, NULL);
  comment = g_strdup_printf ("%s; capture loss while open: %" G_GUINT64_FORMAT
                             " frames dropped by the kernel%s",
                             why, drop - t->drop0, t->over_cap ? "; size cap reached" : "");
  if (!tf_pcapng_close (g_steal_pointer (&t->pcap), recv - t->recv0, drop - t->drop0, comment,
                        &error))
    g_warning ("trace of %s: %s", t->id, error->message);
}

static void
trace_free (Trace *t)
{
  guint64 recv = 0, drop = 0;
  if (t->traces->capture != NULL)
    tf_capture_get_stats (t->traces->capture, &recv, &drop, NULL);
  close_part (t, "closed");
  {
    g_autofree char *note = g_strdup_printf (
        "dropped=%" G_GUINT64_FORMAT " over_cap=%" G_GUINT64_FORMAT, drop - t->drop0, t->over_cap);
    write_event (t, "closed", note);
  }
  if (t->decoded != NULL)
    fclose (t->decoded);
  tf_coap_trace_free (t->decoder);
  g_free (t->id);
  g_free (t->dir);
  g_free (t->gap);
  g_free (t);
}

/* The PSK the lab provisioned the session's client with (event file: psk-identity,
 * psk-key-file) decrypts its DTLS in the decoded trace; the pcapng stays as captured. */
static void
set_keys (TfFloor *f, Trace *t)
{
  TfSession *s = tf_floor_session (f, t->id);
  const TfImpl *c = s != NULL ? tf_floor_impl (f, s->client) : NULL;
  g_autoptr (TfDtlsKeys) keys = NULL;
  g_autoptr (GError) error = NULL;
  if (c == NULL || c->psk_identity == NULL || c->psk_key == NULL)
    return;
  keys = tf_dtls_keys_new ();
  if (!tf_dtls_keys_add_psk (keys, c->psk_identity, g_bytes_get_data (c->psk_key, NULL),
                             g_bytes_get_size (c->psk_key), &error))
    {
      g_warning ("trace of %s: %s", t->id, error->message);
      return;
    }
  tf_coap_trace_set_dtls_keys (t->decoder, keys);
}

/* A session's trace opens at its first frame of a run: a new part after those a former run
 * (a daemon that stopped, a session prepared again) left, the gap said, not hidden. */
static Trace *
trace_open (TfFloorTraces *tr, const char *id, GError **error)
{
  g_autoptr (GDir) d = NULL;
  g_autofree char *decoded = NULL;
  Trace *t = g_new0 (Trace, 1);
  GStatBuf st;
  int fd;

  t->traces = tr;
  t->id = g_strdup (id);
  t->dir = trace_dir (tr->f, id);
  t->decoder = tf_coap_trace_new ();
  set_keys (tr->f, t);
  tf_capture_get_stats (tr->capture, &t->recv0, &t->drop0, NULL);
  if (g_mkdir_with_parents (t->dir, 0750) < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", t->dir, g_strerror (errno));
      trace_free (t);
      return NULL;
    }
  for (t->part = 1; t->part < MAX_PARTS; t->part++)
    {
      g_autofree char *p = part_path (t->dir, t->part);
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        break;
    }
  decoded = g_build_filename (t->dir, "decoded.jsonl", NULL);
  if (t->part > 1 && g_stat (decoded, &st) == 0)
    t->gap
        = g_strdup_printf ("capture gap: nothing captured for this session from %" G_GINT64_FORMAT
                           " to %" G_GINT64_FORMAT " (Unix s): the previous part ended there",
                           (gint64)st.st_mtime, g_get_real_time () / G_USEC_PER_SEC);
  fd = open (decoded, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0 || (t->decoded = fdopen (fd, "a")) == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", decoded, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      trace_free (t);
      return NULL;
    }
  if (!open_part (t, error))
    {
      trace_free (t);
      return NULL;
    }
  write_event (t, t->gap != NULL ? "gap" : "opened", t->gap);
  g_hash_table_replace (tr->open, t->id, t);
  g_info ("trace of %s: part %u", id, t->part);
  return t;
}

static void
publish (TfFloor *f, const char *id, JsonNode *n)
{
  TfSession *s = tf_floor_session (f, id);
  g_autofree char *json = NULL;
  const char *companies[2];
  if (s == NULL)
    return;
  json = json_to_string (n, FALSE);
  companies[0] = s->client_company;
  companies[1] = s->server_company;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *topic = NULL;
      if (i == 1 && g_strcmp0 (companies[0], companies[1]) == 0)
        break;
      topic = g_strdup_printf ("%sprivate/%s/session/%s/trace", f->prefix, companies[i], id);
      tf_bus_publish (f->bus, topic, json, strlen (json), FALSE, NULL);
    }
}

static void
record (TfFloorTraces *tr, Target *target, gint64 time_us, const guint8 *frame, gsize caplen,
        gsize len)
{
  Trace *t = g_hash_table_lookup (tr->open, target->id);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCoapTraceEntry) e = NULL;
  g_autoptr (JsonNode) n = NULL;

  if (t == NULL && (t = trace_open (tr, target->id, &error)) == NULL)
    {
      g_warning ("trace of %s: %s", target->id, error->message);
      return;
    }
  if (t->bytes >= tr->max_bytes)
    {
      if (t->over_cap++ == 0)
        write_event (t, "cap", "the session's size cap is reached: frames no longer kept");
      return;
    }
  if (tf_pcapng_get_size (t->pcap) >= tr->rotate_bytes)
    {
      guint64 before = tf_pcapng_get_size (t->pcap);
      close_part (t, "rotated");
      t->bytes += before;
      t->part++;
      g_clear_pointer (&t->gap, g_free);
      if (!open_part (t, &error))
        {
          g_warning ("trace of %s: %s", t->id, error->message);
          g_hash_table_remove (tr->open, t->id);
          return;
        }
      write_event (t, "rotated", NULL);
    }
  t->frames++;
  if (!tf_pcapng_write_packet (t->pcap, time_us, frame, caplen, len, t->frames == 1 ? t->gap : NULL,
                               &error)
      || !tf_pcapng_flush (t->pcap, &error))
    g_warning ("trace of %s: %s", t->id, error->message);
  e = tf_coap_trace_add_frame (t->decoder, time_us, frame, caplen);
  if (e == NULL)
    return;
  n = tf_coap_trace_entry_to_json (e);
  json_object_set_int_member (json_node_get_object (n), "part", t->part);
  json_object_set_int_member (json_node_get_object (n), "pcap_frame",
                              (gint64)tf_pcapng_get_packets (t->pcap));
  write_line (t, n);
  fflush (t->decoded);
  json_object_set_string_member (json_node_get_object (n), "session", target->id);
  publish (tr->f, target->id, n);
}

static gboolean
in_list (const char *ip, GStrv list)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_str_equal (ip, list[i]))
      return TRUE;
  return FALSE;
}

/* the run's client port, or the next one (its package download) */
static gboolean
runner_port_of (const Target *t, guint16 port)
{
  return port == t->runner_port || port == t->runner_port + 1;
}

static void
on_frame (gint64 time_us, const guint8 *frame, gsize caplen, gsize len, gpointer user_data)
{
  TfFloorTraces *tr = user_data;
  const char *ets = tf_lab_get_config (tr->f->lab)->ets_address;
  char src[48], dst[48];
  TfUdpDatagram d;
  guint16 lab_port = 0; /* the [ets] address's port in this frame: a server-side run's client */
  if (!tf_ip_addresses_from_frame (frame, caplen, src, dst))
    return;
  if (ets != NULL && (g_str_equal (src, ets) || g_str_equal (dst, ets))
      && tf_udp_datagram_from_frame (frame, caplen, &d))
    lab_port = g_str_equal (d.src_ip, ets) ? d.src_port : d.dst_port;
  if (tr->targets == NULL)
    tr->targets = build_targets (tr->f);
  for (guint i = 0; i < tr->targets->len; i++)
    {
      Target *t = g_ptr_array_index (tr->targets, i);
      gboolean from_board = in_list (src, t->board_ips);
      gboolean to_board = in_list (dst, t->board_ips);
      const char *other = from_board ? dst : src;
      if (!from_board && !to_board)
        {
          /* the server side: the lab's client, on its run's own ports, and the server */
          if (t->runner_port != 0 && lab_port != 0 && runner_port_of (t, lab_port))
            record (tr, t, time_us, frame, caplen, len);
          continue;
        }
      /* the session's server, or the lab's own runner deciding its automated cases */
      if (t->server_ip != NULL && !g_str_equal (other, t->server_ip) && g_strcmp0 (other, ets) != 0)
        continue;
      record (tr, t, time_us, frame, caplen, len);
    }
}

void
tf_floor_trace_targets_changed (TfFloor *f)
{
  if (f->traces != NULL)
    g_clear_pointer (&f->traces->targets, g_ptr_array_unref);
}

void
tf_floor_trace_phase_changed (TfFloor *f, TfSession *s)
{
  if (f->traces == NULL)
    return;
  g_clear_pointer (&f->traces->targets, g_ptr_array_unref);
  if (s->phase != TF_PHASE_PREPARING && s->phase != TF_PHASE_RUNNING
      && g_hash_table_remove (f->traces->open, s->id))
    {
      /* the trace is whole: what it decides is proposed now */
      g_autoptr (GError) error = NULL;
      if (!tf_floor_proposals_refresh (f, s->id, &error))
        g_warning ("proposals of %s: %s", s->id, error->message);
    }
}

gboolean
tf_floor_trace_start (TfFloor *f, GError **error)
{
  TfLabConfig *cfg = tf_lab_get_config (f->lab);
  TfFloorTraces *tr;
  /* what an earlier capture kept stays downloadable with the capture off: the verb says
   * "no trace" rather than "unknown request" */
  tf_floor_trace_add_verb (f);
  if (cfg->capture_interface == NULL)
    return TRUE;
  tr = g_new0 (TfFloorTraces, 1);
  tr->f = f;
  tr->rotate_bytes = cfg->capture_rotate_bytes;
  tr->max_bytes = cfg->capture_max_bytes;
  tr->open = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)trace_free);
  /* IP only: ARP and the like name no session */
  tr->capture = tf_capture_new (cfg->capture_interface, "ip or ip6", on_frame, tr, error);
  if (tr->capture == NULL)
    {
      tf_floor_trace_stop (tr);
      return FALSE;
    }
  f->traces = tr;
  tf_floor_proposals_add_verbs (f);
  g_message ("capturing the boards' traffic on %s", cfg->capture_interface);
  return TRUE;
}

void
tf_floor_trace_stop (TfFloorTraces *tr)
{
  if (tr == NULL)
    return;
  g_clear_pointer (&tr->open, g_hash_table_unref);
  g_clear_pointer (&tr->targets, g_ptr_array_unref);
  g_clear_pointer (&tr->capture, tf_capture_free);
  g_free (tr);
}

/* --- the verb: a session's files, in base64 chunks --------------------------------------- */

guint
tf_floor_trace_parts (TfFloor *f, const char *id)
{
  g_autofree char *dir = trace_dir (f, id);
  guint n = 0;
  while (n < MAX_PARTS)
    {
      g_autofree char *p = part_path (dir, n + 1);
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        break;
      n++;
    }
  return n;
}

char *
tf_floor_trace_file (TfFloor *f, const char *id, const char *what, guint part)
{
  g_autofree char *dir = trace_dir (f, id);
  if (g_strcmp0 (what, "decoded") == 0)
    return g_build_filename (dir, "decoded.jsonl", NULL);
  return part_path (dir, part);
}

void
tf_floor_trace_stats (TfFloor *f, guint64 *received, guint64 *dropped)
{
  *received = *dropped = 0;
  if (f->traces != NULL && f->traces->capture != NULL)
    tf_capture_get_stats (f->traces->capture, received, dropped, NULL);
}

gsize
tf_floor_trace_chunk_size (void)
{
  return TRACE_CHUNK;
}
