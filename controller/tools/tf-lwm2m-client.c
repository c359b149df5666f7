/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-client: the lab's reference LwM2M client. Its console is stdin/stdout (a simulated
 * board connects it to its UART) and speaks the provisioning language of the lab:
 * "config set KEY VALUE" → "ok", "lwm2m start" → "lwm2m: registered ..." once it really is. */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "tf-coap-source.h"
#include "tf-lwm2m-client.h"
#include "tf-lwm2m-registry.h"

#define MAX_SETTINGS 32

typedef struct
{
  GMainLoop *loop;
  TfLwm2mModel *model;
  TfLwm2mClient *client;
  GDataInputStream *in;
  GHashTable *settings; /* "config set": endpoint, server-uri, bootstrap-uri, psk-id, psk-key,
                          lifetime, queue (on) */
  char *version;
  char *lwm2m_version;
  TfLwm2mQuirks quirks;
  gboolean queue;
  gint queue_window;
  gint large;
  gint sensors; /* instances of Temperature (3303): a long object list, a large Send */
  FILE *log;
  gboolean restart; /* "lwm2m start" while registered: de-register first, then start anew */
} App;

static void
lwm2m_start (App *app);

static gboolean
restart_idle (gpointer data)
{
  App *app = data;
  g_clear_object (&app->client);
  lwm2m_start (app);
  return G_SOURCE_REMOVE;
}

/* The old registration ended (or its De-register failed): start with the new settings. */
static void
restart_after (App *app)
{
  if (!app->restart)
    return;
  app->restart = FALSE;
  g_idle_add (restart_idle, app); /* not from inside the old client's signal */
}

static void
say (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* Lines end in CR LF, as on the boards' UARTs. */
static void
say (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *s = NULL;
  va_start (ap, fmt);
  s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stdout, "%s\r\n", s);
  fflush (stdout);
}

static GBytes *
hex_bytes (const char *hex)
{
  gsize n = hex != NULL ? strlen (hex) : 0;
  GByteArray *a;
  if (n == 0 || n % 2 != 0 || n > 256)
    return NULL;
  a = g_byte_array_new ();
  for (gsize i = 0; i < n; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]), lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 v = (guint8)(hi * 16 + lo);
      if (hi < 0 || lo < 0)
        {
          g_byte_array_unref (a);
          return NULL;
        }
      g_byte_array_append (a, &v, 1);
    }
  return g_byte_array_free_to_bytes (a);
}

static void
add (GPtrArray *recs, TfLwm2mRecord *r)
{
  g_ptr_array_add (recs, r);
}

/* The objects of the client (0, 1, 3, 4, 5) with plausible values. */
static void
build_model (App *app)
{
  const char *ep = g_hash_table_lookup (app->settings, "endpoint");
  const char *server = g_hash_table_lookup (app->settings, "server-uri");
  const char *bs = g_hash_table_lookup (app->settings, "bootstrap-uri");
  const char *psk_id = g_hash_table_lookup (app->settings, "psk-id");
  const char *psk_key = g_hash_table_lookup (app->settings, "psk-key");
  const char *lt = g_hash_table_lookup (app->settings, "lifetime");
  g_autoptr (GPtrArray) sec = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) srv = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) dev = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) con = tf_lwm2m_records_new ();
  g_autoptr (GPtrArray) fw = tf_lwm2m_records_new ();
  g_autoptr (GBytes) key = hex_bytes (psk_key);
  g_autoptr (GError) error = NULL;
  TfLwm2mPath p;
  const char *uri = bs != NULL ? bs : server;

  if (app->model != NULL)
    tf_lwm2m_model_free (app->model);
  app->model = tf_lwm2m_model_new ();
  for (guint16 o = 0; o <= 5; o++)
    if (o != 2)
      tf_lwm2m_model_add_object (app->model, o);
  /* Portfolio, without instances: what a server may create (the ETS's 308 and 309) */
  tf_lwm2m_model_add_object (app->model, 16);

#define P(o, i, r) (p = tf_lwm2m_path_make (3, o, i, r, 0), &p)
#define PI(o, i, r, ri) (p = tf_lwm2m_path_make (4, o, i, r, ri), &p)
  if (uri != NULL)
    {
      add (sec, tf_lwm2m_record_new_string (P (0, 0, 0), uri));
      add (sec, tf_lwm2m_record_new_bool (P (0, 0, 1), bs != NULL));
      add (sec, tf_lwm2m_record_new_int (P (0, 0, 2), psk_id != NULL && key != NULL ? 0 : 3));
      if (psk_id != NULL && key != NULL)
        {
          g_autoptr (GBytes) id = g_bytes_new (psk_id, strlen (psk_id));
          add (sec, tf_lwm2m_record_new_opaque (P (0, 0, 3), id));
          add (sec, tf_lwm2m_record_new_opaque (P (0, 0, 5), key));
        }
      if (bs == NULL)
        add (sec, tf_lwm2m_record_new_int (P (0, 0, 10), 1));
      if (!tf_lwm2m_model_create (app->model, 0, 0, sec, &error))
        g_warning ("security: %s", error->message);
    }
  if (bs == NULL)
    {
      add (srv, tf_lwm2m_record_new_int (P (1, 0, 0), 1));
      add (srv, tf_lwm2m_record_new_int (P (1, 0, 1),
                                         lt != NULL ? g_ascii_strtoll (lt, NULL, 10) : 300));
      add (srv, tf_lwm2m_record_new_int (P (1, 0, 2), 1));
      add (srv, tf_lwm2m_record_new_int (P (1, 0, 3), 60));
      add (srv, tf_lwm2m_record_new (P (1, 0, 4), TF_LWM2M_TYPE_NONE)); /* Disable */
      add (srv, tf_lwm2m_record_new_int (P (1, 0, 5), 86400));
      add (srv, tf_lwm2m_record_new_bool (P (1, 0, 6), FALSE));
      add (srv, tf_lwm2m_record_new_string (P (1, 0, 7), app->queue ? "UQ" : "U"));
      if (!tf_lwm2m_model_create (app->model, 1, 0, srv, NULL))
        g_warning ("server object not created");
    }
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 0), "TestFest Lab"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 1), "tf-lwm2m-client"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 2), ep != NULL ? ep : "0"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 3), app->version));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 6, 0), 1));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 7, 0), 3300));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 8, 0), 120));
  add (dev, tf_lwm2m_record_new_int (P (3, 0, 9), 100));
  add (dev, tf_lwm2m_record_new_int (P (3, 0, 10), 512));
  add (dev, tf_lwm2m_record_new_int (PI (3, 0, 11, 0), 0));
  add (dev, tf_lwm2m_record_new_time (P (3, 0, 13), g_get_real_time () / G_USEC_PER_SEC));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 14), "+00:00"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 16),
                                        (app->quirks & TF_LWM2M_QUIRK_BINDING_NOT_U) ? "UQ" : "U"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 17), "simulated board"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 18), "1.0"));
  add (dev, tf_lwm2m_record_new_string (P (3, 0, 19), app->version));
  tf_lwm2m_model_create (app->model, 3, 0, dev, NULL);
  add (con, tf_lwm2m_record_new_int (P (4, 0, 0), 41)); /* Ethernet */
  add (con, tf_lwm2m_record_new_int (PI (4, 0, 1, 0), 41));
  add (con, tf_lwm2m_record_new_int (P (4, 0, 2), -70));
  add (con, tf_lwm2m_record_new_string (PI (4, 0, 4, 0), "127.0.0.1"));
  tf_lwm2m_model_create (app->model, 4, 0, con, NULL);
  add (fw, tf_lwm2m_record_new_string (P (5, 0, 1), ""));
  add (fw, tf_lwm2m_record_new_int (P (5, 0, 3), 0));
  add (fw, tf_lwm2m_record_new_int (P (5, 0, 5), 0));
  add (fw, tf_lwm2m_record_new_string (P (5, 0, 6), ""));
  add (fw, tf_lwm2m_record_new_string (P (5, 0, 7), ""));
  add (fw, tf_lwm2m_record_new_int (PI (5, 0, 8, 0), 0)); /* CoAP pulls */
  add (fw, tf_lwm2m_record_new_int (P (5, 0, 9), 2));     /* push and pull */
  tf_lwm2m_model_create (app->model, 5, 0, fw, NULL);
  if (app->large > 0)
    {
      /* a large opaque resource in a vendor object (10240+) for block-wise transfers */
      g_autoptr (GPtrArray) big = tf_lwm2m_records_new ();
      g_autofree guint8 *data = g_malloc (app->large);
      g_autoptr (GBytes) b = NULL;
      for (gint i = 0; i < app->large; i++)
        data[i] = (guint8)(i * 7 + 3);
      b = g_bytes_new (data, app->large);
      tf_lwm2m_model_add_object (app->model, 10240);
      add (big, tf_lwm2m_record_new_opaque (P (10240, 0, 0), b));
      add (big, tf_lwm2m_record_new_string (P (10240, 0, 1), "")); /* for large writes */
      tf_lwm2m_model_create (app->model, 10240, 0, big, NULL);
    }
  if (app->sensors > 0)
    tf_lwm2m_model_add_object (app->model, 3303);
  for (gint i = 0; i < app->sensors; i++)
    {
      /* Sensor Value 7i - 50, Sensor Units "C<i>": each value says which instance it is */
      g_autoptr (GPtrArray) t = tf_lwm2m_records_new ();
      g_autofree char *unit = g_strdup_printf ("C%d", i);
      add (t, tf_lwm2m_record_new_float (P (3303, (guint16)i, 5700), 7.0 * i - 50));
      add (t, tf_lwm2m_record_new_string (P (3303, (guint16)i, 5701), unit));
      tf_lwm2m_model_create (app->model, 3303, (guint16)i, t, NULL);
    }
#undef P
#undef PI
}

static void
on_registered (TfLwm2mClient *c, const char *location, gpointer data)
{
  say ("lwm2m: registered as /%s", location);
}

static void
on_updated (TfLwm2mClient *c, gpointer data)
{
  say ("lwm2m: updated");
}

static void
on_deregistered (TfLwm2mClient *c, gpointer data)
{
  say ("lwm2m: deregistered");
  restart_after (data);
}

static void
on_bootstrapped (TfLwm2mClient *c, gpointer data)
{
  say ("lwm2m: bootstrapped");
}

static void
on_failed (TfLwm2mClient *c, const char *why, gpointer data)
{
  say ("lwm2m: error: %s", why);
  restart_after (data);
}

static void
lwm2m_start (App *app);

/* Device Reboot (/3/0/4): the firmware starts over, after the 2.04 went out; like a power
 * cycle there is no De-register, the new Register replaces the registration. */
static gboolean
reboot_cb (gpointer data)
{
  App *app = data;
  say ("lwm2m: rebooting");
  g_clear_object (&app->client);
  lwm2m_start (app);
  return G_SOURCE_REMOVE;
}

static void
on_executed (TfLwm2mClient *c, const char *path, const char *args, gpointer data)
{
  say ("lwm2m: executed %s%s%s", path, *args != '\0' ? " " : "", args);
  if (g_strcmp0 (path, "/3/0/4") == 0)
    g_timeout_add (200, reboot_cb, data);
}

static void
on_sent (TfLwm2mClient *c, guint code, gpointer data)
{
  g_autofree char *s = tf_coap_code_to_string (code);
  say ("lwm2m: send answered %s", s);
}

static void
on_sleep (TfLwm2mClient *c, gboolean asleep, gpointer data)
{
  say ("lwm2m: %s", asleep ? "sleeping (queue mode)" : "awake");
}

static void
lwm2m_start (App *app)
{
  const char *ep = g_hash_table_lookup (app->settings, "endpoint");
  const char *server = g_hash_table_lookup (app->settings, "server-uri");
  const char *bs = g_hash_table_lookup (app->settings, "bootstrap-uri");
  const char *psk_id = g_hash_table_lookup (app->settings, "psk-id");
  const char *lt = g_hash_table_lookup (app->settings, "lifetime");
  g_autoptr (GBytes) key = hex_bytes (g_hash_table_lookup (app->settings, "psk-key"));
  g_autoptr (GError) error = NULL;

  if (ep == NULL || (server == NULL && bs == NULL))
    {
      say ("lwm2m: error: config endpoint and server-uri first");
      return;
    }
  /* provisioned again (a board without a power switch, a new session): a firmware that is
   * told to start while registered de-registers first, as a reboot by command would */
  if (app->client != NULL && app->restart)
    {
      say ("lwm2m: error: restarting already");
      return;
    }
  if (app->client != NULL && tf_lwm2m_client_is_registered (app->client))
    {
      app->restart = TRUE;
      say ("lwm2m: restarting: de-registering /%s first",
           tf_lwm2m_client_get_location (app->client));
      tf_lwm2m_client_deregister (app->client);
      return;
    }
  g_clear_object (&app->client);
  build_model (app);
  app->client = tf_lwm2m_client_new (ep, app->model);
  tf_lwm2m_client_set_quirks (app->client, app->quirks);
  tf_lwm2m_client_set_version (app->client, app->lwm2m_version);
  /* queue mode from the command line, or provisioned ("config set queue on") */
  tf_lwm2m_client_set_queue_mode (
      app->client,
      app->queue || g_strcmp0 (g_hash_table_lookup (app->settings, "queue"), "on") == 0);
  if (g_hash_table_lookup (app->settings, "queue-window") != NULL)
    tf_lwm2m_client_set_queue_window (
        app->client,
        (guint)CLAMP (
            g_ascii_strtoull (g_hash_table_lookup (app->settings, "queue-window"), NULL, 10), 1,
            3600));
  else if (app->queue_window > 0)
    tf_lwm2m_client_set_queue_window (app->client, (guint)app->queue_window);
  if (lt != NULL)
    tf_lwm2m_client_set_lifetime (app->client, (guint)g_ascii_strtoull (lt, NULL, 10));
  if (psk_id != NULL)
    tf_lwm2m_client_set_psk (app->client, psk_id, key);
  if (bs != NULL)
    tf_lwm2m_client_set_bootstrap (app->client, bs);
  else
    tf_lwm2m_client_set_server (app->client, server);
  g_signal_connect (app->client, "registered", G_CALLBACK (on_registered), app);
  g_signal_connect (app->client, "updated", G_CALLBACK (on_updated), app);
  g_signal_connect (app->client, "deregistered", G_CALLBACK (on_deregistered), app);
  g_signal_connect (app->client, "bootstrapped", G_CALLBACK (on_bootstrapped), app);
  g_signal_connect (app->client, "failed", G_CALLBACK (on_failed), app);
  g_signal_connect (app->client, "executed", G_CALLBACK (on_executed), app);
  g_signal_connect (app->client, "sent", G_CALLBACK (on_sent), app);
  g_signal_connect (app->client, "sleep", G_CALLBACK (on_sleep), app);
  say ("lwm2m: %s %s at %s", bs != NULL ? "bootstrapping" : "registering", ep,
       bs != NULL ? bs : server);
  if (!tf_lwm2m_client_start (app->client, &error))
    say ("lwm2m: error: %s", error->message);
}

/* "set /3/0/9 80": a change on the device side (what observations see). */
static void
set_value (App *app, const char *args)
{
  g_auto (GStrv) w = g_strsplit (args, " ", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfLwm2mRecord) r = NULL;
  const TfLwm2mResourceDef *d;
  TfLwm2mPath p;
  if (app->model == NULL || g_strv_length (w) != 2 || !tf_lwm2m_path_parse (w[0], &p, &error)
      || p.len < 3)
    {
      say ("error: usage: set /O/I/R VALUE (after lwm2m start)%s%s", error != NULL ? ": " : "",
           error != NULL ? error->message : "");
      return;
    }
  d = tf_lwm2m_registry_resource (p.ids[0], p.ids[2]);
  r = tf_lwm2m_record_new (&p, TF_LWM2M_TYPE_NONE);
  if (!tf_lwm2m_record_set_from_string (
          r, d != NULL && d->type != TF_LWM2M_TYPE_NONE ? d->type : TF_LWM2M_TYPE_STRING, w[1],
          &error)
      || !tf_lwm2m_model_set (app->model, r, &error))
    say ("error: %s", error->message);
  else
    say ("ok");
}

static void
run_command (App *app, const char *line)
{
  if (*line == '\0')
    return;
  if (g_str_equal (line, "help"))
    say ("commands: help, version, config set KEY VALUE, config get KEY, config unset KEY, lwm2m "
         "start|update|stop|status, "
         "lwm2m send PATH..., set PATH VALUE");
  else if (g_str_equal (line, "version"))
    say ("Firmware: tf-lwm2m-client %s", app->version);
  else if (g_str_has_prefix (line, "config set "))
    {
      g_auto (GStrv) w = g_strsplit (line + strlen ("config set "), " ", 2);
      if (g_strv_length (w) != 2 || *w[0] == '\0')
        say ("usage: config set KEY VALUE | config get KEY");
      else if (g_hash_table_size (app->settings) >= MAX_SETTINGS
               && !g_hash_table_contains (app->settings, w[0]))
        say ("error: too many settings");
      else
        {
          g_hash_table_replace (app->settings, g_strdup (w[0]), g_strdup (g_strstrip (w[1])));
          say ("ok");
        }
    }
  else if (g_str_has_prefix (line, "config unset "))
    {
      /* a board provisioned again for another set-up (no bootstrap server this time) */
      g_hash_table_remove (app->settings, line + strlen ("config unset "));
      say ("ok");
    }
  else if (g_str_has_prefix (line, "config get "))
    {
      const char *v = g_hash_table_lookup (app->settings, line + strlen ("config get "));
      say ("%s", v != NULL ? v : "unset");
    }
  else if (g_str_equal (line, "lwm2m start"))
    lwm2m_start (app);
  else if (g_str_equal (line, "lwm2m update") && app->client != NULL)
    tf_lwm2m_client_update (app->client);
  else if (g_str_equal (line, "lwm2m stop") && app->client != NULL)
    tf_lwm2m_client_deregister (app->client);
  else if (g_str_equal (line, "lwm2m status"))
    say ("lwm2m: %s%s",
         app->client != NULL && tf_lwm2m_client_is_registered (app->client) ? "registered as /"
                                                                            : "not registered",
         app->client != NULL && tf_lwm2m_client_is_registered (app->client)
             ? tf_lwm2m_client_get_location (app->client)
             : "");
  else if (g_str_has_prefix (line, "lwm2m send ") && app->client != NULL)
    {
      g_auto (GStrv) w = g_strsplit (line + strlen ("lwm2m send "), " ", 16);
      g_autofree TfLwm2mPath *paths = g_new0 (TfLwm2mPath, g_strv_length (w) + 1);
      g_autoptr (GError) error = NULL;
      guint n = 0;
      for (guint i = 0; w[i] != NULL; i++)
        if (*w[i] != '\0' && !tf_lwm2m_path_parse (w[i], &paths[n++], &error))
          break;
      if (error != NULL || !tf_lwm2m_client_send (app->client, paths, n, &error))
        say ("lwm2m: error: %s", error->message);
    }
  else if (g_str_has_prefix (line, "set "))
    set_value (app, line + 4);
  else
    say ("unknown command: %s", line);
}

static void
on_line (GObject *source, GAsyncResult *res, gpointer user_data)
{
  App *app = user_data;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (app->in, res, &len, NULL);
  if (line == NULL)
    return; /* the console is gone; the firmware runs on */
  g_strdelimit (line, "\r", ' ');
  if (len <= 4096)
    run_command (app, g_strstrip (line));
  g_data_input_stream_read_line_async (app->in, G_PRIORITY_DEFAULT, NULL, on_line, app);
}

static void
on_exchange (const TfCoapMessage *m, gpointer user_data)
{
  App *app = user_data;
  g_autoptr (JsonNode) n = tf_coap_message_to_json (m);
  g_autofree char *s = json_to_string (n, FALSE);
  fprintf (app->log, "%s\n", s);
  fflush (app->log);
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (((App *)data)->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  g_autofree char *endpoint = NULL, *server = NULL, *bs = NULL, *psk_id = NULL, *psk_key = NULL;
  g_autofree char *log_file = NULL, *version = NULL, *lwm2m_version = NULL;
  g_auto (GStrv) quirks = NULL;
  gint lifetime = 0;
  gboolean start = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) octx = g_option_context_new ("- the lab's reference LwM2M client");
  GOptionEntry entries[] = {
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &endpoint, "endpoint name", "NAME" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "LwM2M server", "coap://H:P" },
    { "bootstrap", 0, 0, G_OPTION_ARG_STRING, &bs, "bootstrap server", "coap://H:P" },
    { "psk-id", 0, 0, G_OPTION_ARG_STRING, &psk_id, "PSK identity", "ID" },
    { "psk-key", 0, 0, G_OPTION_ARG_STRING, &psk_key, "PSK key in hex", "HEX" },
    { "lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "registration lifetime (300)", "S" },
    { "version", 0, 0, G_OPTION_ARG_STRING, &version, "firmware version", "STR" },
    { "lwm2m", 0, 0, G_OPTION_ARG_STRING, &lwm2m_version, "LwM2M version: 1.0 or 1.1 (1.1)", "V" },
    { "queue", 0, 0, G_OPTION_ARG_NONE, &app.queue, "queue mode", NULL },
    { "queue-window", 0, 0, G_OPTION_ARG_INT, &app.queue_window,
      "queue mode: seconds it listens after an exchange (93)", "S" },
    { "quirk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &quirks, "a declared defect (README)", "NAME" },
    { "large-resource", 0, 0, G_OPTION_ARG_INT, &app.large,
      "an opaque /10240/0/0 of N bytes (and a string /10240/0/1)", "N" },
    { "sensors", 0, 0, G_OPTION_ARG_INT, &app.sensors,
      "N instances of Temperature /3303 (a long object list, a large Send)", "N" },
    { "start", 0, 0, G_OPTION_ARG_NONE, &start, "lwm2m start at once", NULL },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file, "decoded exchanges, one JSON per line",
      "FILE" },
    { NULL },
  };
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      g_printerr ("tf-lwm2m-client: %s\n", error->message);
      return 2;
    }
  for (guint i = 0; quirks != NULL && quirks[i] != NULL; i++)
    {
      TfLwm2mQuirks q = tf_lwm2m_quirk_from_string (quirks[i]);
      if (q == TF_LWM2M_QUIRK_NONE)
        {
          g_printerr ("tf-lwm2m-client: unknown quirk '%s'\n", quirks[i]);
          return 2;
        }
      app.quirks |= q;
    }
  if (app.large < 0 || app.large > 1024 * 1024)
    {
      g_printerr ("tf-lwm2m-client: --large-resource is 0..1048576\n");
      return 2;
    }
  if (app.sensors < 0 || app.sensors > 10000)
    {
      g_printerr ("tf-lwm2m-client: --sensors is 0..10000\n");
      return 2;
    }
  app.version = version != NULL ? g_strdup (version) : g_strdup (TF_VERSION);
  app.lwm2m_version = g_strdup (lwm2m_version != NULL ? lwm2m_version : "1.1");
  app.settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
#define SET(k, v)                                                                                  \
  if ((v) != NULL)                                                                                 \
  g_hash_table_replace (app.settings, g_strdup (k), g_strdup (v))
  SET ("endpoint", endpoint);
  SET ("server-uri", server);
  SET ("bootstrap-uri", bs);
  SET ("psk-id", psk_id);
  SET ("psk-key", psk_key);
#undef SET
  if (lifetime > 0)
    g_hash_table_replace (app.settings, g_strdup ("lifetime"), g_strdup_printf ("%d", lifetime));
  if (log_file != NULL)
    {
      app.log = fopen (log_file, "a");
      if (app.log == NULL)
        {
          g_printerr ("tf-lwm2m-client: cannot open %s: %s\n", log_file, g_strerror (errno));
          return 1;
        }
      tf_coap_set_exchange_func (on_exchange, &app);
    }
  app.loop = g_main_loop_new (NULL, FALSE);
  app.in = g_data_input_stream_new (g_unix_input_stream_new (0, FALSE));
  g_data_input_stream_set_newline_type (app.in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  /* a console or control peer that went away is no reason to die */
  signal (SIGPIPE, SIG_IGN);
  g_unix_signal_add (SIGTERM, on_signal, &app);
  g_unix_signal_add (SIGINT, on_signal, &app);
  say ("tf-lwm2m-client %s", app.version);
  if (start)
    lwm2m_start (&app);
  g_data_input_stream_read_line_async (app.in, G_PRIORITY_DEFAULT, NULL, on_line, &app);
  g_main_loop_run (app.loop);
  /* a SIGTERM is a power cut: no De-register */
  tf_coap_set_exchange_func (NULL, NULL);
  g_clear_object (&app.client);
  if (app.model != NULL)
    tf_lwm2m_model_free (app.model);
  g_object_unref (app.in);
  g_hash_table_unref (app.settings);
  if (app.log != NULL)
    fclose (app.log);
  g_main_loop_unref (app.loop);
  g_free (app.version);
  g_free (app.lwm2m_version);
  return 0;
}
