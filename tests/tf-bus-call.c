/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tf-bus-call.h"

#include <string.h>

typedef struct
{
  char *corr, *answer;
} Call;

static void
on_reply (TfBus *bus, const TfBusMessage *m, Call *c)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (m->payload, &len);
  if (m->correlation != NULL && c->answer == NULL
      && g_bytes_get_size (m->correlation) == strlen (c->corr)
      && memcmp (g_bytes_get_data (m->correlation, NULL), c->corr, strlen (c->corr)) == 0)
    c->answer = g_strndup (d, len);
}

static gboolean
on_expired (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

char *
tf_test_bus_call (const TfBusOptions *o, const char *topic, const char *reply, const char *json,
                  guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfBus) bus = tf_bus_new (o, &error);
  Call c = { g_strdup_printf ("c%08x", g_random_int ()), NULL };
  gboolean expired = FALSE, sent = FALSE;
  guint timer = g_timeout_add (timeout_ms, on_expired, &expired);

  g_assert_no_error (error);
  g_signal_connect (bus, "message", G_CALLBACK (on_reply), &c);
  tf_bus_subscribe_full (bus, reply, TF_BUS_SUBSCRIBE_EVENTS);
  tf_bus_start (bus);
  while (c.answer == NULL && !expired)
    {
      /* the subscription goes out on connecting, before the request */
      if (!sent && tf_bus_is_connected (bus))
        {
          g_assert_true (tf_bus_request (bus, topic, json, reply, c.corr, &error));
          g_assert_no_error (error);
          sent = TRUE;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (timer);
  g_signal_handlers_disconnect_by_data (bus, &c);
  tf_bus_shutdown (bus, NULL, NULL, 100);
  g_free (c.corr);
  return c.answer;
}
