/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-trace-decode: a capture file (pcapng or pcap, read with libpcap) decoded as the lab
 * decodes a session's traffic: one JSON object (or, with --text, one line) per UDP datagram,
 * CoAP decoded, DTLS records named, retransmissions and duplicates marked. DTLS 1.2 flows are
 * decrypted with --psk IDENTITY:HEX (plain PSK suites) or --keylog FILE (an NSS key log, as
 * SSLKEYLOGFILE makes GnuTLS write; any suite the trace knows). With --pcapng OUT the frames
 * are also written again by the lab's own pcapng writer (tests, benchmark). */
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "tf-coap-trace.h"
#include "tf-pcapng.h"

int
main (int argc, char **argv)
{
  gboolean text = FALSE;
  gboolean quiet = FALSE;
  g_autofree char *out = NULL;
  g_autofree char *keylog = NULL;
  g_auto (GStrv) psks = NULL;
  const GOptionEntry entries[] = {
    { "psk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &psks, "Decrypt DTLS with this PSK (repeatable)",
      "IDENTITY:HEX" },
    { "keylog", 0, 0, G_OPTION_ARG_FILENAME, &keylog, "Decrypt DTLS with this NSS key log",
      "FILE" },
    { "text", 0, 0, G_OPTION_ARG_NONE, &text, "One line per message instead of JSON", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only the counts at the end (stderr)", NULL },
    { "pcapng", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write the frames to OUT (pcapng)", "OUT" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE");
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCoapTrace) trace = tf_coap_trace_new ();
  g_autoptr (TfPcapng) writer = NULL;
  g_autoptr (TfDtlsKeys) keys = tf_dtls_keys_new ();
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  struct pcap_pkthdr *h;
  const u_char *bytes;
  pcap_t *p;
  guint64 frames = 0, coap = 0, marked = 0;
  int rc;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("tf-trace-decode: %s\n", error != NULL ? error->message : "one FILE");
      return 2;
    }
  for (guint i = 0; psks != NULL && psks[i] != NULL; i++)
    if (!tf_dtls_keys_add_psk_arg (keys, psks[i], &error))
      {
        g_printerr ("tf-trace-decode: --psk %s\n", error->message);
        return 2;
      }
  if (keylog != NULL && !tf_dtls_keys_load_keylog (keys, keylog, &error))
    {
      g_printerr ("tf-trace-decode: --keylog %s\n", error->message);
      return 2;
    }
  tf_coap_trace_set_dtls_keys (trace, keys);
  p = pcap_open_offline (argv[1], errbuf);
  if (p == NULL)
    {
      g_printerr ("tf-trace-decode: %s\n", errbuf);
      return 1;
    }
  if (pcap_datalink (p) != DLT_EN10MB)
    {
      g_printerr ("tf-trace-decode: %s: not Ethernet\n", argv[1]);
      pcap_close (p);
      return 1;
    }
  if (out != NULL
      && (writer = tf_pcapng_create (out, argv[1], "tf-trace-decode", 65535, &error)) == NULL)
    {
      g_printerr ("tf-trace-decode: %s\n", error->message);
      pcap_close (p);
      return 1;
    }
  while ((rc = pcap_next_ex (p, &h, &bytes)) == 1)
    {
      gint64 t = (gint64)h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
      g_autoptr (TfCoapTraceEntry) e = tf_coap_trace_add_frame (trace, t, bytes, h->caplen);
      frames++;
      if (writer != NULL
          && !tf_pcapng_write_packet (writer, t, bytes, h->caplen, h->len, NULL, &error))
        {
          g_printerr ("tf-trace-decode: %s\n", error->message);
          pcap_close (p);
          return 1;
        }
      if (e == NULL)
        continue;
      coap += e->msg != NULL;
      marked += e->mark != TF_COAP_TRACE_FIRST;
      if (quiet)
        continue;
      if (text)
        {
          g_autofree char *s = tf_coap_trace_entry_to_string (e);
          printf ("%s\n", s);
        }
      else
        {
          g_autoptr (JsonNode) n = tf_coap_trace_entry_to_json (e);
          g_autofree char *s = json_to_string (n, FALSE);
          printf ("%s\n", s);
        }
    }
  if (rc == PCAP_ERROR)
    g_printerr ("tf-trace-decode: %s\n", pcap_geterr (p));
  pcap_close (p);
  if (writer != NULL && !tf_pcapng_close (g_steal_pointer (&writer), frames, 0, NULL, &error))
    {
      g_printerr ("tf-trace-decode: %s\n", error->message);
      return 1;
    }
  g_printerr ("frames=%" G_GUINT64_FORMAT " datagrams=%" G_GUINT64_FORMAT " coap=%" G_GUINT64_FORMAT
              " marked=%" G_GUINT64_FORMAT "\n",
              frames, tf_coap_trace_get_count (trace), coap, marked);
  return rc == PCAP_ERROR ? 1 : 0;
}
