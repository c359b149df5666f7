/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-web: serves the dashboard's files with their content types (mosquitto's
 * http_dir sends none, and browsers refuse ES modules without one) and the
 * page's settings as /config.json. It holds no data: the page reads
 * everything from the broker over websockets, with the visitor's own MQTT
 * account, so the broker's ACL is the only gatekeeper. */
#define G_LOG_DOMAIN "tf-web"

#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tf-error.h"
#include "tf-web-mqtt.h"

typedef struct
{
  char *root;
  char *config_json;
} Web;

static const struct
{
  const char *suffix, *type;
} content_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".txt", "text/plain; charset=utf-8" },
  { ".map", "application/json" },
};

static const char *
content_type (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    if (g_str_has_suffix (path, content_types[i].suffix))
      return content_types[i].type;
  return NULL; /* not served: only known kinds of files leave the folder */
}

/* The file under the root for a URL path, or NULL (no "..", no dot files). */
static char *
resolve (Web *w, const char *url_path)
{
  g_auto (GStrv) parts = NULL;
  if (url_path == NULL || url_path[0] != '/')
    return NULL;
  if (g_strcmp0 (url_path, "/") == 0)
    url_path = "/index.html";
  parts = g_strsplit (url_path + 1, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || parts[i][0] == '.' || strchr (parts[i], '\\') != NULL)
      return NULL;
  return g_build_filenamev ((char *[]){ w->root, (char *)url_path + 1, NULL });
}

static void
set_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "Cache-Control", "no-cache");
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (h, "Referrer-Policy", "no-referrer");
  /* the page talks to the broker only; nothing inline, nothing from elsewhere (mqtt.js
   * runs its keep-alive timers in a worker made from a blob) */
  soup_message_headers_replace (h, "Content-Security-Policy",
                                "default-src 'self'; connect-src 'self' ws: wss:; "
                                "img-src 'self' data:; worker-src 'self' blob:; "
                                "frame-ancestors 'none'");
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  Web *w = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *file = NULL;
  g_autofree char *data = NULL;
  const char *type;
  gsize len = 0;

  set_headers (msg);
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  if (g_strcmp0 (path, "/config.json") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, w->config_json,
                                        strlen (w->config_json));
      return;
    }
  file = resolve (w, path);
  type = file != NULL ? content_type (file) : NULL;
  if (type == NULL || !g_file_get_contents (file, &data, &len, NULL))
    {
      static const char not_found[] = "not found\n";
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                        not_found, strlen (not_found));
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, g_steal_pointer (&data), len);
}

static gboolean
on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* "ADDR:PORT" (IPv6 as [ADDR]:PORT); port 0 picks a free one. */
static GSocketAddress *
parse_listen (const char *text, GError **error)
{
  const char *colon = strrchr (text, ':');
  g_autofree char *host = NULL;
  g_autoptr (GInetAddress) ia = NULL;
  guint64 port = 0;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "--listen: '%s' is not ADDR:PORT",
                   text);
      return NULL;
    }
  host = g_strndup (text, colon - text);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      memmove (host, host + 1, strlen (host) - 1);
      host[strlen (host) - 2] = '\0';
    }
  ia = g_inet_address_new_from_string (host);
  if (ia == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "--listen: '%s' is not a numeric address", host);
      return NULL;
    }
  return g_inet_socket_address_new (ia, port);
}

int
main (int argc, char **argv)
{
  g_autofree char *root = NULL, *listen = NULL, *lab = NULL, *lab_file = NULL, *broker = NULL;
  g_autofree char *mqtt = NULL, *cert = NULL, *key = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (JsonBuilder) jb = NULL;
  g_autoptr (JsonNode) jn = NULL;
  GSList *uris;
  Web w = { 0 };
  const GOptionEntry entries[] = {
    { "root", 'r', 0, G_OPTION_ARG_FILENAME, &root,
      "The dashboard's files (default " TF_WEB_ROOT ")", "DIR" },
    { "listen", 'L', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port (default 0.0.0.0:8080; port 0: any free one)", "ADDR:PORT" },
    { "lab", 0, 0, G_OPTION_ARG_STRING, &lab, "The lab's name (topics tf/LAB/...)", "NAME" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &lab_file, "Take the lab's name from this lab file",
      "LAB.conf" },
    { "broker", 'b', 0, G_OPTION_ARG_STRING, &broker,
      "The broker's websockets URL for the page; {host} is the page's own host (default "
      "ws://{host}:9001/, or {origin}/mqtt with --mqtt)",
      "URL" },
    { "mqtt", 'm', 0, G_OPTION_ARG_STRING, &mqtt,
      "Serve MQTT over websockets at /mqtt, carried to this broker address (its plain TCP "
      "listener, e.g. 127.0.0.1:1883): the broker needs no websockets listener",
      "HOST:PORT" },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert,
      "Serve https (and wss at /mqtt) with this certificate (PEM)", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "The certificate's private key (PEM)", "FILE" },
    { NULL },
  };

  setlocale (LC_ALL, "");
  ctx = g_option_context_new ("- serve the TestFest dashboard");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("tf-web: %s\n", error->message);
      return 2;
    }
  if (lab == NULL && lab_file != NULL)
    {
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (!g_key_file_load_from_file (kf, lab_file, G_KEY_FILE_NONE, &error)
          || (lab = g_key_file_get_string (kf, "lab", "name", &error)) == NULL)
        {
          g_printerr ("tf-web: %s: %s\n", lab_file, error->message);
          return 2;
        }
    }
  if (lab == NULL)
    {
      g_printerr ("tf-web: give --lab NAME or --config LAB.conf\n");
      return 2;
    }
  w.root = g_strdup (root != NULL ? root : TF_WEB_ROOT);
  if (!g_file_test (w.root, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("tf-web: %s: not a folder\n", w.root);
      return 2;
    }
  addr = parse_listen (listen != NULL ? listen : "0.0.0.0:8080", &error);
  if (addr == NULL)
    {
      g_printerr ("tf-web: %s\n", error->message);
      return 2;
    }

  jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "schema");
  json_builder_add_int_value (jb, 1);
  json_builder_set_member_name (jb, "lab");
  json_builder_add_string_value (jb, lab);
  json_builder_set_member_name (jb, "broker");
  json_builder_add_string_value (jb, broker != NULL ? broker
                                     : mqtt != NULL ? "{origin}/mqtt"
                                                    : "ws://{host}:9001/");
  json_builder_end_object (jb);
  jn = json_builder_get_root (jb);
  w.config_json = json_to_string (jn, FALSE);

  if ((cert == NULL) != (key == NULL))
    {
      g_printerr ("tf-web: --cert and --key go together\n");
      return 2;
    }
  if (cert != NULL)
    {
      g_autoptr (GTlsCertificate) tls = g_tls_certificate_new_from_files (cert, key, &error);
      if (tls == NULL)
        {
          g_printerr ("tf-web: %s\n", error->message);
          return 2;
        }
      server = soup_server_new ("server-header", "tf-web", "tls-certificate", tls, NULL);
    }
  else
    server = soup_server_new ("server-header", "tf-web", NULL);
  soup_server_add_handler (server, NULL, handle, &w, NULL);
  if (mqtt != NULL)
    {
      g_autoptr (GSocketConnectable) to = g_network_address_parse (mqtt, 1883, &error);
      if (to == NULL)
        {
          g_printerr ("tf-web: --mqtt: %s\n", error->message);
          return 2;
        }
      tf_web_mqtt_add (server, to);
    }
  if (!soup_server_listen (server, addr, cert != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error))
    {
      g_printerr ("tf-web: listen: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  for (GSList *u = uris; u != NULL; u = u->next)
    {
      g_autofree char *s = g_uri_to_string (u->data);
      g_print ("tf-web: %s\n", s);
    }
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  g_free (w.root);
  g_free (w.config_json);
  return 0;
}
