/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testfestctl trace: a session's pcapng parts and decoded trace, downloaded in chunks. */
#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testfestctl-trace.h"

typedef struct
{
  GMainLoop *loop;
  TfBus *bus;
  const char *lab, *company, *session;
  char *reply_topic;
  char *correlation;
  gboolean connected;
  /* what is being fetched */
  const char *file; /* "pcap" or "decoded" */
  guint part;
  gint64 offset;
  FILE *out;
  char *out_path;
  /* the queue: (file, part, path) */
  GPtrArray *todo;
  guint parts;
  char *failure;
  int status;
  gint64 captured, dropped;
} Trace;

typedef struct
{
  char *file;
  guint part;
  char *path;
} Item;

static void
item_free (Item *i)
{
  g_free (i->file);
  g_free (i->path);
  g_free (i);
}

static void
fail (Trace *t, int status, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
fail (Trace *t, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (t->failure == NULL)
    t->failure = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  t->status = status;
  g_main_loop_quit (t->loop);
}

static void
send_next (Trace *t)
{
  g_autofree char *topic = NULL;
  g_autofree char *args = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) n = NULL;

  topic = t->company != NULL ? g_strdup_printf ("tf/%s/in/%s/trace", t->lab, t->company)
                             : g_strdup_printf ("tf/%s/cmd/trace", t->lab);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, t->session);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, t->file);
  json_builder_set_member_name (b, "part");
  json_builder_add_int_value (b, t->part);
  json_builder_set_member_name (b, "offset");
  json_builder_add_int_value (b, t->offset);
  json_builder_end_object (b);
  n = json_builder_get_root (b);
  args = json_to_string (n, FALSE);
  g_free (t->correlation);
  t->correlation = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  if (!tf_bus_request (t->bus, topic, args, t->reply_topic, t->correlation, &error))
    fail (t, 3, "%s", error->message);
}

/* the next item of the queue, or the end */
static void
start_item (Trace *t)
{
  Item *i;
  if (t->out != NULL)
    {
      fclose (t->out);
      t->out = NULL;
      g_print ("%s\n", t->out_path);
    }
  if (t->todo->len == 0)
    {
      g_main_loop_quit (t->loop);
      return;
    }
  i = g_ptr_array_index (t->todo, 0);
  t->file = g_intern_string (i->file);
  t->part = i->part;
  t->offset = 0;
  g_free (t->out_path);
  t->out_path = g_strdup (i->path);
  g_ptr_array_remove_index (t->todo, 0);
  t->out = fopen (t->out_path, "wb");
  if (t->out == NULL)
    {
      fail (t, 1, "%s: %s", t->out_path, g_strerror (errno));
      return;
    }
  send_next (t);
}

static void
on_message (TfBus *bus, const TfBusMessage *m, Trace *t)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  gsize len = 0, n = 0;
  const char *data = g_bytes_get_data (m->payload, &len);
  g_autofree guchar *chunk = NULL;
  JsonObject *o;

  if (g_strcmp0 (m->topic, t->reply_topic) != 0 || m->correlation == NULL
      || g_bytes_get_size (m->correlation) != strlen (t->correlation)
      || memcmp (g_bytes_get_data (m->correlation, NULL), t->correlation, strlen (t->correlation))
             != 0)
    return;
  if (!json_parser_load_from_data (p, data, (gssize)len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
    {
      fail (t, 1, "testfestd answered something that is not a JSON object");
      return;
    }
  o = json_node_get_object (json_parser_get_root (p));
  if (!json_object_get_boolean_member_with_default (o, "ok", FALSE))
    {
      fail (t, 1, "%s", json_object_get_string_member_with_default (o, "error", "refused"));
      return;
    }
  chunk = g_base64_decode (json_object_get_string_member_with_default (o, "data", ""), &n);
  if (n > 0 && fwrite (chunk, 1, n, t->out) != n)
    {
      fail (t, 1, "%s: %s", t->out_path, g_strerror (errno));
      return;
    }
  t->offset += (gint64)n;
  t->parts = (guint)json_object_get_int_member_with_default (o, "parts", 0);
  t->captured = json_object_get_int_member_with_default (o, "captured", 0);
  t->dropped = json_object_get_int_member_with_default (o, "dropped", 0);
  if (!json_object_get_boolean_member_with_default (o, "eof", TRUE))
    {
      send_next (t);
      return;
    }
  start_item (t);
}

static void
on_connected (TfBus *bus, Trace *t)
{
  if (t->connected)
    return;
  t->connected = TRUE;
  start_item (t);
}

static gboolean
on_timeout (gpointer user_data)
{
  fail (user_data, 3, "no answer from testfestd in time (is it running?)");
  return G_SOURCE_REMOVE;
}

int
testfestctl_trace (const TfBusOptions *bo, const char *lab, const char *company,
                   const char *session, const char *pcap, const char *decoded, int timeout_s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = NULL;
  g_autofree char *client_id = g_strdup_printf ("testfestctl-%d-%08x", getpid (), g_random_int ());
  TfBusOptions o = *bo;
  Trace t = { 0 };
  guint timer;

  if (pcap == NULL && decoded == NULL)
    {
      g_printerr ("testfestctl: trace SESSION needs --pcap FILE and/or --decoded FILE\n");
      return 2;
    }
  o.client_id = client_id;
  bus = tf_bus_new (&o, &error);
  if (bus == NULL)
    {
      g_printerr ("testfestctl: %s\n", error->message);
      return 3;
    }
  t.loop = g_main_loop_new (NULL, FALSE);
  t.bus = bus;
  t.lab = lab;
  t.company = company;
  t.session = session;
  t.todo = g_ptr_array_new_with_free_func ((GDestroyNotify)item_free);
  t.reply_topic = g_strdup_printf ("tf/%s/reply/%s/%s", lab,
                                   company != NULL  ? company
                                   : o.user != NULL ? o.user
                                                    : "staff",
                                   client_id);
  if (decoded != NULL)
    {
      Item *i = g_new0 (Item, 1);
      i->file = g_strdup ("decoded");
      i->part = 1;
      i->path = g_strdup (decoded);
      g_ptr_array_add (t.todo, i);
    }
  if (pcap != NULL)
    {
      Item *i = g_new0 (Item, 1);
      i->file = g_strdup ("pcap");
      i->part = 1;
      i->path = g_strdup (pcap);
      g_ptr_array_add (t.todo, i);
    }
  tf_bus_subscribe (bus, t.reply_topic);
  g_signal_connect (bus, "connected", G_CALLBACK (on_connected), &t);
  g_signal_connect (bus, "message", G_CALLBACK (on_message), &t);
  timer = g_timeout_add_seconds ((guint)timeout_s, on_timeout, &t);
  tf_bus_start (bus);
  g_main_loop_run (t.loop);
  /* the parts after the first, now that the count is known */
  for (guint part = 2; t.failure == NULL && pcap != NULL && part <= t.parts; part++)
    {
      Item *i = g_new0 (Item, 1);
      i->file = g_strdup ("pcap");
      i->part = part;
      i->path = g_strdup_printf ("%s.part%u", pcap, part);
      g_ptr_array_add (t.todo, i);
      if (part == t.parts)
        {
          start_item (&t);
          g_main_loop_run (t.loop);
        }
    }
  g_source_remove (timer);
  tf_bus_shutdown (bus, NULL, NULL, 200);
  if (t.out != NULL)
    fclose (t.out);
  if (t.failure == NULL)
    g_printerr ("session %s: %u pcapng part%s; the lab's capture: %" G_GINT64_FORMAT
                " frames, %" G_GINT64_FORMAT " dropped\n",
                session, t.parts, t.parts == 1 ? "" : "s", t.captured, t.dropped);
  else
    g_printerr ("testfestctl: %s\n", t.failure);
  g_ptr_array_unref (t.todo);
  g_main_loop_unref (t.loop);
  g_free (t.reply_topic);
  g_free (t.correlation);
  g_free (t.out_path);
  g_free (t.failure);
  return t.failure != NULL ? (t.status != 0 ? t.status : 1) : 0;
}
