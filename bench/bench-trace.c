/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-trace: the trace pipeline (issue 17) against tshark on the same pcapng.
 *
 * Writes a pcapng of N CoAP messages (a server's GET /3/0 Accept TLV and the client's 2.05
 * in TLV, round robin over S boards 192.0.2.10.. and one server 192.0.2.2), then
 *  - ours: reads it with libpcap, and per frame does what the floor does for a live frame
 *    (tf-floor-trace.c): the addresses, the session among S by its board's address, the
 *    session's pcapng written and flushed, the datagram decoded (TLV payload included), its
 *    JSON line written and flushed to the session's decoded trace. MQTT publishing is left
 *    out (the broker's cost, not ours);
 *  - tshark: the same file decoded by its CoAP dissector, printing the same fields
 *    (-T fields) and, second, the full dissection (-V).
 * Prints messages/s and CPU seconds of each. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "tf-coap-trace.h"
#include "tf-pcapng.h"

static double
cpu_self (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double
cpu_children (void)
{
  struct rusage ru;
  getrusage (RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static GByteArray *
frame (guint board, gboolean to_board, const guint8 *coap, gsize len)
{
  GByteArray *f = g_byte_array_new ();
  guint8 eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0 };
  guint8 ip[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 2, 192, 0, 2, 10 };
  guint8 udp[8] = { 0x16, 0x33, 0x9c, 0x40, 0, 0, 0, 0 }; /* 5683 → 40000 */
  guint16 total = (guint16)(20 + 8 + len);
  ip[2] = total >> 8;
  ip[3] = total & 255;
  ip[19] = (guint8)(10 + board);
  if (!to_board)
    {
      guint8 t[4];
      memcpy (t, ip + 12, 4);
      memcpy (ip + 12, ip + 16, 4);
      memcpy (ip + 16, t, 4);
      udp[0] = 0x9c, udp[1] = 0x40, udp[2] = 0x16, udp[3] = 0x33;
    }
  udp[4] = (guint8)((8 + len) >> 8);
  udp[5] = (guint8)(8 + len);
  g_byte_array_append (f, eth, 14);
  g_byte_array_append (f, ip, 20);
  g_byte_array_append (f, udp, 8);
  g_byte_array_append (f, coap, (guint)len);
  return f;
}

static void
write_input (const char *path, guint n, guint sessions)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfPcapng) w = tf_pcapng_create (path, "bench-trace input", "bench", 65535, &error);
  /* a TLV of /3/0: manufacturer, model, serial (resources 0, 1, 2) */
  static const guint8 tlv[]
      = { 0xc8, 0,   9,   'T', 'e', 's', 't',  'F', 'e', 's', 't', '!', 0xc8, 1,
          5,    'm', 'o', 'd', 'e', 'l', 0xc8, 2,   4,   '1', '2', '3', '4' };
  g_assert_no_error (error);
  for (guint i = 0; i < n; i += 2)
    {
      guint board = (i / 2) % sessions;
      guint mid = (i / 2) & 0xffff;
      guint8 get[] = { 0x42,
                       1,
                       (guint8)(mid >> 8),
                       (guint8)mid,
                       (guint8)(i >> 8),
                       (guint8)i,
                       0xb1,
                       '3',
                       0x01,
                       '0',
                       0x62,
                       0x2d,
                       0x16 };
      g_autoptr (GByteArray) ack = g_byte_array_new ();
      guint8 hdr[]
          = { 0x62, 69,  (guint8)(mid >> 8), (guint8)mid, (guint8)(i >> 8), (guint8)i, 0xc2, 0x2d,
              0x16, 0xff };
      g_autoptr (GByteArray) f1 = frame (board, TRUE, get, sizeof get);
      g_autoptr (GByteArray) f2 = NULL;
      g_byte_array_append (ack, hdr, sizeof hdr);
      g_byte_array_append (ack, tlv, sizeof tlv);
      f2 = frame (board, FALSE, ack->data, ack->len);
      g_assert_true (tf_pcapng_write_packet (w, 1700000000000000 + i * 100, f1->data, f1->len,
                                             f1->len, NULL, &error));
      g_assert_true (tf_pcapng_write_packet (w, 1700000000000000 + i * 100 + 50, f2->data, f2->len,
                                             f2->len, NULL, &error));
    }
  g_assert_true (tf_pcapng_close (g_steal_pointer (&w), n, 0, NULL, &error));
}

typedef struct
{
  char ip[48];
  TfPcapng *pcap;
  FILE *decoded;
  TfCoapTrace *trace;
} Session;

static guint64
ours (const char *input, const char *dir, guint sessions)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline (input, errbuf);
  Session *s = g_new0 (Session, sessions);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  guint64 messages = 0;
  g_assert_nonnull (p);
  for (guint i = 0; i < sessions; i++)
    {
      g_autofree char *pc = g_strdup_printf ("%s/s%u.pcapng", dir, i);
      g_autofree char *dj = g_strdup_printf ("%s/s%u.jsonl", dir, i);
      g_snprintf (s[i].ip, sizeof s[i].ip, "192.0.2.%u", 10 + i);
      s[i].pcap = tf_pcapng_create (pc, "bench session", "bench", 65535, NULL);
      s[i].decoded = fopen (dj, "w");
      s[i].trace = tf_coap_trace_new ();
      g_assert_nonnull (s[i].pcap);
    }
  while (pcap_next_ex (p, &h, &bytes) == 1)
    {
      gint64 t = (gint64)h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
      char src[48], dst[48];
      if (!tf_ip_addresses_from_frame (bytes, h->caplen, src, dst))
        continue;
      for (guint i = 0; i < sessions; i++)
        {
          g_autoptr (TfCoapTraceEntry) e = NULL;
          g_autoptr (JsonNode) n = NULL;
          g_autofree char *line = NULL;
          if (!g_str_equal (src, s[i].ip) && !g_str_equal (dst, s[i].ip))
            continue;
          tf_pcapng_write_packet (s[i].pcap, t, bytes, h->caplen, h->len, NULL, NULL);
          tf_pcapng_flush (s[i].pcap, NULL);
          e = tf_coap_trace_add_frame (s[i].trace, t, bytes, h->caplen);
          if (e == NULL || e->msg == NULL)
            continue;
          n = tf_coap_trace_entry_to_json (e);
          line = json_to_string (n, FALSE);
          fprintf (s[i].decoded, "%s\n", line);
          fflush (s[i].decoded);
          messages++;
        }
    }
  pcap_close (p);
  for (guint i = 0; i < sessions; i++)
    {
      tf_pcapng_close (s[i].pcap, 0, 0, NULL, NULL);
      fclose (s[i].decoded);
      tf_coap_trace_free (s[i].trace);
    }
  g_free (s);
  return messages;
}

static guint64
run_tshark (const char *input, gboolean verbose)
{
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  guint64 lines = 0;
  const char *fields[] = { "tshark", "-n",
                           "-r",     input,
                           "-Y",     "coap",
                           "-T",     "fields",
                           "-e",     "frame.number",
                           "-e",     "coap.type",
                           "-e",     "coap.code",
                           "-e",     "coap.mid",
                           "-e",     "coap.token",
                           "-e",     "coap.opt.uri_path_recon",
                           "-e",     "coap.opt.ctype",
                           NULL };
  const char *full[] = { "tshark", "-n", "-r", input, "-Y", "coap", "-V", NULL };
  g_assert_true (g_spawn_sync (NULL, (char **)(verbose ? full : fields), NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, &status, &error));
  for (const char *c = out; *c; c++)
    lines += *c == '\n';
  return lines;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi (argv[1]) : 100000;
  guint sessions = argc > 2 ? (guint)atoi (argv[2]) : 50;
  g_autofree char *dir = g_dir_make_tmp ("bench-trace-XXXXXX", NULL);
  g_autofree char *input = g_build_filename (dir, "input.pcapng", NULL);
  g_autofree char *cmd = NULL;
  gint64 t0, t1;
  double c0, c1;
  guint64 m, lines;

  if (sessions < 1 || sessions > 200 || n < 2)
    {
      g_printerr ("usage: bench-trace [MESSAGES] [SESSIONS (1-200)]\n");
      return 2;
    }
  write_input (input, n, sessions);
  t0 = g_get_monotonic_time ();
  c0 = cpu_self ();
  m = ours (input, dir, sessions);
  c1 = cpu_self ();
  t1 = g_get_monotonic_time ();
  g_print ("ours:           %u messages, %u sessions: %.0f messages/s, %.2f s wall, %.2f s CPU "
           "(%.1f us CPU a message)\n",
           (guint)m, sessions, m / ((t1 - t0) / 1e6), (t1 - t0) / 1e6, c1 - c0,
           (c1 - c0) * 1e6 / MAX (m, 1));
  for (guint v = 0; v < 2; v++)
    {
      t0 = g_get_monotonic_time ();
      c0 = cpu_children ();
      lines = run_tshark (input, v == 1);
      c1 = cpu_children ();
      t1 = g_get_monotonic_time ();
      g_print (
          "tshark %-8s %u messages: %.0f messages/s, %.2f s wall, %.2f s CPU (%" G_GUINT64_FORMAT
          " lines)\n",
          v ? "-V:" : "fields:", n, n / ((t1 - t0) / 1e6), (t1 - t0) / 1e6, c1 - c0, lines);
    }
  cmd = g_strdup_printf ("rm -rf %s", dir);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", dir);
  return 0;
}
