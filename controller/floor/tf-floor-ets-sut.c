/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-floor-ets-private.h"

#include <string.h>

/* The server side of a session (`run --side server`, asked by the server's company): the
 * lab's runner (tf-ets-run --server-under-test) plays the ETS's client from the controller's
 * address on the lab network and registers at the session's server implementation (its
 * server-uri in the event). Each step the server's operator must take ("on your server: Read
 * /3/0 ...") reaches the session's console topic of both companies (and the dashboard); in
 * nightly runs the event's `ets-driver` of that implementation takes it instead. The runner
 * judges what reached its client: the verdict judges the server implementation, entered as
 * "automation" with the run's side "server" (tf-session-db.c), and verified by the client's
 * company. */

/* the reference client's endpoint: the session's, so the server's operator sees whose it is */
static char *
sut_endpoint (TfSession *s)
{
  return g_strdup_printf ("testfest-%s", s->id);
}

void
tf_floor_ets_sut_args (Batch *b, TfSession *s, const TfCase *c, GPtrArray *argv)
{
  TfFloor *f = b->floor;
  const TfLabConfig *cfg = tf_lab_get_config (f->lab);
  const TfImpl *server = tf_floor_impl (f, s->server);

  g_ptr_array_add (argv, g_strdup ("--server-under-test"));
  g_ptr_array_add (argv, g_strdup ("--case"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", c->id));
  g_ptr_array_add (argv, g_strdup ("--ets"));
  g_ptr_array_add (argv, g_strdup (s->ets_version));
  g_ptr_array_add (argv, g_strdup ("--server"));
  g_ptr_array_add (argv, g_strdup (server->server_uri));
  g_ptr_array_add (argv, g_strdup ("--endpoint"));
  g_ptr_array_add (argv, sut_endpoint (s));
  /* its client's own port: how the capture tells this run's traffic from another's */
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup_printf (strchr (cfg->ets_address, ':') ? "[%s]:%u" : "%s:%u",
                                          cfg->ets_address, b->client_port));
  g_ptr_array_add (argv, g_strdup ("--console-fd"));
  g_ptr_array_add (argv, g_strdup ("3"));
  g_ptr_array_add (argv, g_strdup ("--answer-wait"));
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GUINT64_FORMAT, cfg->ets_answer_wait_s));
  g_ptr_array_add (argv, g_strdup ("--operator-wait"));
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GUINT64_FORMAT, cfg->ets_operator_wait_s));
  if (server->ets_driver != NULL)
    {
      /* the runner reads its --driver as a shell would: the path as one word */
      g_ptr_array_add (argv, g_strdup ("--driver"));
      g_ptr_array_add (argv, g_shell_quote (server->ets_driver));
    }
}

/* Why the lab cannot run the server side of @s at all (NULL: it can): the runner's client
 * speaks CoAP over UDP without security. */
char *
tf_floor_ets_sut_refusal (TfFloor *f, TfSession *s)
{
  const TfImpl *server = tf_floor_impl (f, s->server);
  if (server == NULL || server->server_uri == NULL)
    return g_strdup_printf ("the event names no server-uri for %s", s->server);
  if (!g_str_has_prefix (server->server_uri, "coap://"))
    return g_strdup_printf ("left to a person: the lab's client registers over coap:// only, "
                            "%s's server-uri is %s",
                            s->server, server->server_uri);
  return NULL;
}

void
tf_floor_ets_tell_operator (Batch *b, TfSession *s, const char *text)
{
  g_autofree char *line
      = g_strdup_printf ("operator (%s, case %d): %s", s->server, b->case_id, text);
  g_info ("session %s case %d: %s", s->id, b->case_id, line);
  tf_floor_publish_console (b->floor, s, line, g_get_real_time (), TRUE);
}
