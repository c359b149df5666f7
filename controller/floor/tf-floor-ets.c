/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE /* setns */
#define G_LOG_DOMAIN "tf-session"

#include "config.h"

#include "tf-error.h"
#include "tf-floor-ets-private.h"
#include "tf-floor-trace.h"
#include "tf-json.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* Automated cases for a client under test, decided by the lab's runner (the catalogue's
 * `automated = client`, runner tf-ets-run): the runner plays the ETS's server on the
 * controller's own address on the lab network ([ets] address, in [ets] netns when the lab
 * network lives in a namespace of its own), tells us where it listens; we point the board's
 * client there through the board's console (the client's provisioning script, as for the
 * session), relay what the case asks to be typed on the console, and enter the verdict the
 * runner decided from the exchange, as "automation", with the exchange as its evidence.
 * A session's cases run one after another (one client); sessions run theirs at once. */

void
tf_floor_ets_batch_free (Batch *b)
{
  g_array_unref (b->todo);
  g_clear_object (&b->results);
  g_clear_object (&b->proc);
  g_clear_object (&b->ctl);
  g_clear_object (&b->cancel);
  g_clear_handle_id (&b->timeout_id, g_source_remove);
  g_clear_pointer (&b->out, g_bytes_unref);
  g_clear_pointer (&b->err, g_bytes_unref);
  g_free (b->why_stopped);
  g_free (b->session);
  g_free (b);
}

/* the end of the batch: its answer, and the board's client back to the session's server */
static void
batch_done (Batch *b, GError *error)
{
  TfFloor *f = b->floor;
  GTask *task = g_steal_pointer (&b->task);
  TfSession *s = f != NULL ? tf_floor_session (f, b->session) : NULL;
  Live *l = f != NULL ? g_hash_table_lookup (f->live, b->session) : NULL;

  if (f != NULL)
    {
      g_hash_table_remove (f->ets_runs, b->session);
      tf_floor_trace_targets_changed (f);
    }
  /* the server side never touched the board */
  if (s != NULL && l != NULL && l->console != NULL && s->phase == TF_PHASE_RUNNING
      && !b->server_side)
    {
      const TfImpl *server = tf_floor_impl (f, s->server);
      g_autoptr (GError) local = NULL;
      TfProvisionScript *script = tf_floor_provision_script (
          f, s, server && server->server_uri ? server->server_uri : "", NULL, &local);
      if (script != NULL)
        tf_provision_run_async (l->console, script, l->cancel, NULL, NULL);
      else
        g_warning ("session %s: the client back to its server: %s", b->session, local->message);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    {
      json_builder_end_array (b->results);
      g_task_return_pointer (task, json_builder_get_root (b->results),
                             (GDestroyNotify)json_node_unref);
    }
  g_object_unref (task);
  tf_floor_ets_batch_free (b);
}

void
tf_floor_ets_add_result (Batch *b, gint case_id, const char *verdict, const char *note)
{
  json_builder_begin_object (b->results);
  json_builder_set_member_name (b->results, "case");
  json_builder_add_int_value (b->results, case_id);
  json_builder_set_member_name (b->results, "verdict");
  if (verdict != NULL)
    json_builder_add_string_value (b->results, verdict);
  else
    json_builder_add_null_value (b->results);
  json_builder_set_member_name (b->results, "note");
  json_builder_add_string_value (b->results, note);
  json_builder_end_object (b->results);
}

void
tf_floor_ets_run_next (Batch *b)
{
  TfFloor *f = b->floor;
  TfSession *s = tf_floor_session (f, b->session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  g_autoptr (GError) error = NULL;

  while (b->next < b->todo->len)
    {
      gint id = g_array_index (b->todo, gint, b->next++);
      const TfCase *c = ets ? tf_ets_find_case (ets, id) : NULL;
      if (s == NULL || s->phase != TF_PHASE_RUNNING)
        {
          batch_done (b, g_error_new (TF_ERROR, TF_ERROR_BUSY, "session %s is no longer running",
                                      b->session));
          return;
        }
      if (c == NULL)
        continue;
      if (b->server_side)
        {
          g_autofree char *why = tf_floor_ets_sut_refusal (f, s);
          if (why != NULL)
            {
              tf_floor_ets_add_result (b, id, NULL, why);
              continue;
            }
        }
      else if (tf_floor_ets_case_needs_psk (c))
        {
          const TfImpl *client = tf_floor_impl (f, s->client);
          if (client == NULL || client->psk_identity == NULL || client->psk_key == NULL)
            {
              g_autofree char *why = g_strdup_printf (
                  "left to a person: the event names no lab PSK (psk-identity, psk-key-file) "
                  "for %s",
                  s->client);
              tf_floor_ets_add_result (b, id, NULL, why);
              continue;
            }
        }
      if (tf_floor_ets_spawn (b, s, c, &error))
        return;
      batch_done (b, g_steal_pointer (&error));
      return;
    }
  batch_done (b, NULL);
}

/* --- the verb's side ------------------------------------------------------------------ */

static gboolean
case_runs (const TfCase *c, gboolean server_side)
{
  if (server_side)
    return c != NULL && (c->automated & TF_CASE_AUTO_SERVER) && c->runner != NULL;
  return c != NULL && (c->automated & TF_CASE_AUTO_CLIENT) && c->runner != NULL
         && c->script == NULL;
}

/* Whether another process holds UDP @port on the [ets] address (in [ets] netns), where the
 * runner's client is to bind it: a socket made in that namespace (setns switches this thread
 * only, and back at once) and bound there. Anything but "in use" says nothing: the runner
 * tries, and says what it finds. */
static gboolean
port_held (const TfLabConfig *cfg, guint16 port)
{
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new_from_string (cfg->ets_address, port);
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GError) error = NULL;
  int here = -1, there = -1;
  if (addr == NULL)
    return FALSE;
  if (cfg->ets_netns != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/run/netns/%s", cfg->ets_netns);
      here = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      there = open (path, O_RDONLY | O_CLOEXEC);
      if (here < 0 || there < 0 || setns (there, CLONE_NEWNET) != 0)
        {
          if (here >= 0)
            close (here);
          if (there >= 0)
            close (there);
          return FALSE;
        }
    }
  sock = g_socket_new (g_socket_address_get_family (addr), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, NULL);
  if (here >= 0)
    {
      if (setns (here, CLONE_NEWNET) != 0)
        g_critical ("back from the lab network's namespace %s: %s", cfg->ets_netns,
                    g_strerror (errno));
      close (here);
      close (there);
    }
  return sock != NULL && !g_socket_bind (sock, addr, FALSE, &error)
         && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

/* The first pair of ports of [ets] client-ports that no server-side run holds and no other
 * process on the lab network's address either (the client's sessions from the first, a
 * package download from the second); 0 when none is free, with @why saying what holds them. */
static guint16
free_client_port (TfFloor *f, char **why)
{
  const TfLabConfig *cfg = tf_lab_get_config (f->lab);
  g_autoptr (GString) runs = g_string_new (NULL);
  g_autoptr (GString) others = g_string_new (NULL);
  for (guint p = cfg->ets_client_ports[0]; p != 0 && p + 1 <= cfg->ets_client_ports[1]; p += 2)
    {
      GHashTableIter it;
      gpointer k, v;
      const char *taken = NULL;
      g_hash_table_iter_init (&it, f->ets_runs);
      while (taken == NULL && g_hash_table_iter_next (&it, &k, &v))
        if (((Batch *)v)->client_port == p)
          taken = k;
      if (taken != NULL)
        g_string_append_printf (runs, "%s%u-%u (session %s)", runs->len ? ", " : "", p, p + 1,
                                taken);
      else if (port_held (cfg, (guint16)p) || port_held (cfg, (guint16)(p + 1)))
        g_string_append_printf (others, "%s%u-%u", others->len ? ", " : "", p, p + 1);
      else
        return (guint16)p;
    }
  *why = g_strdup_printf (
      "every pair of ports of [ets] client-ports (%u-%u) is taken%s%s%s%s%s%s%s",
      cfg->ets_client_ports[0], cfg->ets_client_ports[1], runs->len ? ": by server-side runs " : "",
      runs->str, others->len ? (runs->len ? "; " : ": ") : "",
      others->len ? "by another process on " : "", others->len ? cfg->ets_address : "",
      others->len ? ": " : "", others->str);
  return 0;
}

/* The cases "all automated" means: the session's cases the runner decides for the side
 * under test, except those found Not Applicable and those a person gave a verdict (theirs
 * stands; a single case asked by its id runs again whatever it holds). */
static GArray *
all_automated (TfFloor *f, TfSession *s, const TfEts *ets, gboolean server_side, GError **error)
{
  g_autoptr (GPtrArray) rows = tf_sdb_cases (f->store, s->id, error);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint));
  if (rows == NULL)
    {
      g_array_unref (ids);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TfCaseRow *r = g_ptr_array_index (rows, i);
      if (!case_runs (tf_ets_find_case (ets, r->id), server_side))
        continue;
      if (g_strcmp0 (r->verdict, "not-applicable") == 0
          || (r->verdict != NULL && g_strcmp0 (r->entered_by, "automation") != 0))
        continue;
      g_array_append_val (ids, r->id);
    }
  return ids;
}

void
tf_floor_ets_run_async (TfFloor *f, const char *session, gint case_id, gboolean server_side,
                        GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, cb, user_data);
  TfSession *s = tf_floor_session (f, session);
  const TfEts *ets = s && s->ets_version ? tf_catalogue_find (f->catalogue, s->ets_version) : NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  Batch *b;

  if (s == NULL || ets == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_FOUND, "no session %s with an ETS",
                               session);
      return;
    }
  if (s->phase != TF_PHASE_RUNNING)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "session %s is %s, not running",
                               session, tf_phase_to_string (s->phase));
      return;
    }
  if (tf_lab_get_config (f->lab)->ets_address == NULL)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                               "the lab has no runner: its lab file names no [ets] address on "
                               "the lab network");
      return;
    }
  if (g_hash_table_contains (f->ets_runs, s->id))
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY,
                               "session %s runs automated cases already", session);
      return;
    }
  b = g_new0 (Batch, 1);
  if (server_side && (b->client_port = free_client_port (f, &why)) == 0)
    {
      g_task_return_new_error (task, TF_ERROR, TF_ERROR_BUSY, "%s; try again when one is free",
                               why);
      g_free (b);
      return;
    }
  if (case_id >= 0)
    {
      if (!case_runs (tf_ets_find_case (ets, case_id), server_side))
        {
          g_task_return_new_error (task, TF_ERROR, TF_ERROR_NOT_SUPPORTED,
                                   "case %d is not automated for a %s under test", case_id,
                                   server_side ? "server" : "client");
          g_free (b);
          return;
        }
      b->todo = g_array_new (FALSE, FALSE, sizeof (gint));
      g_array_append_val (b->todo, case_id);
    }
  else if ((b->todo = all_automated (f, s, ets, server_side, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_free (b);
      return;
    }
  b->floor = f;
  b->server_side = server_side;
  b->session = g_strdup (s->id);
  b->results = json_builder_new ();
  json_builder_begin_array (b->results);
  b->task = g_steal_pointer (&task);
  g_hash_table_insert (f->ets_runs, b->session, b);
  tf_floor_trace_targets_changed (f);
  g_info ("session %s: %u automated case(s) to run, %s under test", s->id, b->todo->len,
          server_side ? s->server : s->client);
  tf_floor_ets_run_next (b);
}

/* An array of {case, verdict, note}, in the order run. */
JsonNode *
tf_floor_ets_run_finish (GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* The floor goes: every runner killed; their callbacks find no floor. */
void
tf_floor_ets_stop_all (TfFloor *f)
{
  GHashTableIter it;
  gpointer v;
  if (f->ets_runs == NULL)
    return;
  g_hash_table_iter_init (&it, f->ets_runs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Batch *b = v;
      b->floor = NULL;
      if (b->proc != NULL)
        g_subprocess_force_exit (b->proc);
    }
  g_hash_table_remove_all (f->ets_runs);
}
