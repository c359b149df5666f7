/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-capture"

#include "config.h"

#include "tf-capture.h"

#include <glib-unix.h>
#include <pcap/pcap.h>

#include "tf-error.h"

/* frames handled per wake-up: the main loop gets back control between bursts */
#define FRAMES_PER_DISPATCH 512

struct _TfCapture
{
  char *interface;
  pcap_t *pcap;
  guint watch;
  TfCaptureFunc func;
  gpointer user_data;
};

static void
on_packet (u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
  TfCapture *c = (TfCapture *)user;
  gint64 t = (gint64)h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
  c->func (t, bytes, h->caplen, h->len, c->user_data);
}

static gboolean
on_readable (int fd, GIOCondition cond, gpointer user_data)
{
  TfCapture *c = user_data;
  int n = pcap_dispatch (c->pcap, FRAMES_PER_DISPATCH, on_packet, (u_char *)c);
  if (n == PCAP_ERROR)
    g_warning ("capture on %s: %s", c->interface, pcap_geterr (c->pcap));
  /* the interface went away (tf-simlab ended, a cable): say so once and stop watching */
  if (n == PCAP_ERROR || (cond & (G_IO_ERR | G_IO_HUP)) != 0)
    {
      g_warning ("capture on %s stopped", c->interface);
      c->watch = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
pcap_failed (TfCapture *c, int rc, const char *what, GError **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, TF_ERROR, TF_ERROR_IO, "capture on %s: %s: %s", c->interface, what,
               pcap_geterr (c->pcap));
  return TRUE;
}

TfCapture *
tf_capture_new (const char *interface, const char *filter, TfCaptureFunc func, gpointer user_data,
                GError **error)
{
  g_autoptr (TfCapture) c = g_new0 (TfCapture, 1);
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  int fd;

  c->interface = g_strdup (interface);
  c->func = func;
  c->user_data = user_data;
  c->pcap = pcap_create (interface, errbuf);
  if (c->pcap == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "capture on %s: %s", interface, errbuf);
      return NULL;
    }
  if (pcap_failed (c, pcap_set_snaplen (c->pcap, TF_CAPTURE_SNAPLEN), "snaplen", error)
      || pcap_failed (c, pcap_set_promisc (c->pcap, 1), "promiscuous", error)
      || pcap_failed (c, pcap_set_immediate_mode (c->pcap, 1), "immediate mode", error)
      || pcap_failed (c, pcap_set_buffer_size (c->pcap, TF_CAPTURE_BUFFER), "buffer", error))
    return NULL;
  if (pcap_activate (c->pcap) < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "capture on %s: %s (needs CAP_NET_RAW)", interface,
                   pcap_geterr (c->pcap));
      return NULL;
    }
  if (pcap_datalink (c->pcap) != DLT_EN10MB)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG,
                   "capture on %s: not an Ethernet interface (link type %s)", interface,
                   pcap_datalink_val_to_name (pcap_datalink (c->pcap)));
      return NULL;
    }
  if (filter != NULL)
    {
      struct bpf_program prog;
      if (pcap_compile (c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG, "capture filter '%s': %s", filter,
                       pcap_geterr (c->pcap));
          return NULL;
        }
      if (pcap_setfilter (c->pcap, &prog) < 0)
        {
          pcap_freecode (&prog);
          pcap_failed (c, -1, "filter", error);
          return NULL;
        }
      pcap_freecode (&prog);
    }
  if (pcap_failed (c, pcap_setnonblock (c->pcap, 1, errbuf), "non-blocking", error))
    return NULL;
  fd = pcap_get_selectable_fd (c->pcap);
  if (fd < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "capture on %s: no selectable fd", interface);
      return NULL;
    }
  c->watch = g_unix_fd_add (fd, G_IO_IN | G_IO_ERR | G_IO_HUP, on_readable, c);
  return g_steal_pointer (&c);
}

const char *
tf_capture_get_interface (TfCapture *c)
{
  return c->interface;
}

gboolean
tf_capture_get_stats (TfCapture *c, guint64 *received, guint64 *dropped, GError **error)
{
  struct pcap_stat st = { 0 };
  if (pcap_stats (c->pcap, &st) < 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "capture on %s: %s", c->interface,
                   pcap_geterr (c->pcap));
      return FALSE;
    }
  *received = st.ps_recv;
  *dropped = (guint64)st.ps_drop + st.ps_ifdrop;
  return TRUE;
}

void
tf_capture_free (TfCapture *c)
{
  if (c == NULL)
    return;
  g_clear_handle_id (&c->watch, g_source_remove);
  if (c->pcap != NULL)
    pcap_close (c->pcap);
  g_free (c->interface);
  g_free (c);
}
