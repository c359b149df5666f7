/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: MQTT command payloads through the daemon's real dispatch.
 * The input's first line is the verb, the rest the payload. With no broker
 * the answers cannot be sent; what matters is that every input is handled. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

#include "tf-lab.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static TfLab *
get_lab (void)
{
  static TfLab *lab = NULL;
  if (lab == NULL)
    {
      g_autofree char *dir = g_dir_make_tmp ("tf-fuzz-cmd-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "lab.conf", NULL);
      g_autofree char *text = g_strdup_printf (
          "[lab]\nname = fuzz\nstate-dir = %s\nboards-dir = " TF_SOURCE_BOARDSDIR
          "\n[broker]\nport = 9\n"
          "[switch s]\ntype = command\non = true\noff = true\nchannels = 2\n"
          "[board b1]\ntype = sim-l476\nconsole = /dev/tf-fuzz-none\npower = s:1\n",
          dir);
      g_autoptr (GError) error = NULL;
      TfLabConfig *cfg;
      g_file_set_contents (path, text, -1, NULL);
      cfg = tf_lab_config_load (path, &error);
      g_assert_no_error (error);
      lab = tf_lab_new (cfg, NULL, &error);
      g_assert_no_error (error);
    }
  return lab;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  TfLab *lab = get_lab ();
  const uint8_t *nl = memchr (data, '\n', size);
  g_autofree char *verb = g_strndup ((const char *)data, nl ? (gsize)(nl - data) : size);
  g_autofree char *topic = g_strdup_printf ("tf/fuzz/cmd/%s", verb);
  TfBusMessage m = { 0 };

  m.topic = topic;
  m.payload = nl ? g_bytes_new (nl + 1, size - (nl + 1 - data)) : g_bytes_new (NULL, 0);
  m.response_topic = "tf/fuzz/reply/staff/fuzzer";
  tf_rpc_handle (tf_lab_get_rpc (lab), &m);
  /* let asynchronous handlers (power, flash) reach their end */
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_bytes_unref (m.payload);
  return 0;
}
