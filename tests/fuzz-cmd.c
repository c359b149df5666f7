/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: requests through the daemon's real request path (TfRpc) to the
 * lab's, the floor's and the regression queue's verbs. The input's first line is the topic after
 * "tf/fuzz/" when it starts with "cmd/" or "in/", else a staff verb; the rest
 * is the payload. With no broker the answers cannot be sent; what matters is
 * that every input is handled, and bounded before json-glib sees it. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

#include "tf-floor.h"
#include "tf-lab.h"
#include "tf-regress.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *event
    = "[event]\nname = Fuzz\ndays = 2030-06-04\ntimezone = UTC\nslot-minutes = 60\n"
      "day-start = 09:00\nday-end = 12:00\ntables = 1\n\n"
      "[company alpha]\nname = Alpha\n\n[company gamma]\nname = Gamma\n\n"
      "[implementation alpha-client]\ncompany = alpha\nrole = client\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nboards = b1\nentry-criteria = yes\n"
      "entry-criteria-by = staff\n\n"
      "[implementation gamma-server]\ncompany = gamma\nrole = server\nversions = 1.1\n"
      "transports = udp\nsecurity = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n";

static TfRpc *
get_rpc (void)
{
  static TfLab *lab = NULL;
  static TfFloor *floor = NULL;
  static TfRegress *regress = NULL;
  if (lab == NULL)
    {
      g_autofree char *dir = g_dir_make_tmp ("tf-fuzz-cmd-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "lab.conf", NULL);
      g_autofree char *ev = g_build_filename (dir, "fuzz.event", NULL);
      g_autofree char *text = g_strdup_printf (
          "[lab]\nname = fuzz\nstate-dir = %s\nboards-dir = " TF_SOURCE_BOARDSDIR
          "\nets-dir = " TF_SOURCE_BOARDSDIR "/../tests/ets\nevent = %s\n[broker]\nport = 9\n"
          "[switch s]\ntype = command\non = true\noff = true\nchannels = 2\n"
          "[board b1]\ntype = sim-l476\nconsole = /dev/tf-fuzz-none\npower = s:1\n",
          dir, ev);
      g_autoptr (GError) error = NULL;
      TfLabConfig *cfg;
      g_file_set_contents (path, text, -1, NULL);
      g_file_set_contents (ev, event, -1, NULL);
      cfg = tf_lab_config_load (path, &error);
      g_assert_no_error (error);
      lab = tf_lab_new (cfg, NULL, &error);
      g_assert_no_error (error);
      /* the floor adds its staff verbs and the companies' */
      floor = tf_floor_new (lab, &error);
      g_assert_no_error (error);
      g_assert_nonnull (floor);
      /* and the regression queue its verbs (regress-*) */
      regress = tf_regress_new (lab, &error);
      g_assert_no_error (error);
      g_assert_nonnull (regress);
    }
  return tf_lab_get_rpc (lab);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  TfRpc *rpc = get_rpc ();
  const uint8_t *nl = memchr (data, '\n', size);
  g_autofree char *first = g_strndup ((const char *)data, nl ? (gsize)(nl - data) : size);
  gboolean full = g_str_has_prefix (first, "cmd/") || g_str_has_prefix (first, "in/");
  g_autofree char *topic
      = full ? g_strdup_printf ("tf/fuzz/%s", first) : g_strdup_printf ("tf/fuzz/cmd/%s", first);
  g_auto (GStrv) parts = g_strsplit (first, "/", 3);
  g_autofree char *reply
      = g_strdup_printf ("tf/fuzz/reply/%s/fuzzer",
                         g_str_has_prefix (first, "in/") && parts[1] != NULL ? parts[1] : "staff");
  TfBusMessage m = { 0 };

  m.topic = topic;
  m.payload = nl ? g_bytes_new (nl + 1, size - (nl + 1 - data)) : g_bytes_new (NULL, 0);
  m.response_topic = reply;
  tf_rpc_handle (rpc, &m);
  /* let asynchronous handlers (power, flash) reach their end */
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_bytes_unref (m.payload);
  return 0;
}
