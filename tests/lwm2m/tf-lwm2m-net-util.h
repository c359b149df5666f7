/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* A tf-lwm2m-server under test, driven through its control socket. */
typedef struct
{
  GSubprocess *proc;
  char *dir;
  char *log;
  guint16 port, bs_port, psk_port;
  GSocketConnection *conn;
  GDataInputStream *in;
} TfTestServer;

/* A tf-lwm2m-client under test, with its console on pipes. */
typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  GOutputStream *in;
  GPtrArray *lines; /* console lines seen so far */
  guint consumed;   /* lines already matched by tf_test_client_expect */
  gboolean reading;
} TfTestClient;

guint16
tf_test_free_udp_port (void);
/* Spawns @argv (NULL-terminated) so that it dies with the test. */
GSubprocess *
tf_test_spawn (GPtrArray *argv, GSubprocessFlags flags);
/* Runs the default main context until @done is TRUE or @timeout_ms pass. */
gboolean
tf_test_run_until (gboolean *done, guint timeout_ms);

/* Extra arguments end with NULL. "--psk-port" etc. are added from @psk. */
TfTestServer *
tf_test_server_start (gboolean bootstrap, gboolean psk, const char *first_arg, ...);
void
tf_test_server_stop (TfTestServer *s);
/* Sends a command (printf-style JSON), returns the reply object (owned by the caller). */
JsonObject *
tf_test_server_cmd (TfTestServer *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* The "result" of a reply that must be ok. */
JsonObject *
tf_test_server_ok (TfTestServer *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

TfTestClient *
tf_test_client_start (const char *first_arg, ...) G_GNUC_NULL_TERMINATED;
/* Any program with its stdin/stdout on pipes (@argv is completed and consumed); waits for a
 * line containing @ready. */
TfTestClient *
tf_test_peer_start (GPtrArray *argv, const char *node_path, const char *ready);
void
tf_test_client_send (TfTestClient *c, const char *line);
/* Waits for a console line containing @needle after the last one matched; the line or NULL. */
const char *
tf_test_client_expect (TfTestClient *c, const char *needle, guint timeout_ms);
/* Kills it without warning (a power cut). */
void
tf_test_client_kill (TfTestClient *c);

#define T_REG 30000   /* a registration on loopback, generous for a loaded machine */
#define T_EVENT 60000 /* an event that needs lifetimes or pmax to pass */

/* "--server=coap://127.0.0.1:PORT" */
char *
tf_test_uri (guint16 port);
/* The reply to a wait for @event of @ep after event @since. */
JsonObject *
tf_test_wait_event (TfTestServer *s, const char *event, const char *ep, gint64 since,
                    guint timeout_ms);
/* The event of a wait that must come. */
JsonObject *
tf_test_must_wait (TfTestServer *s, const char *event, const char *ep, gint64 since,
                   guint timeout_ms);
/* An exchange log (--log: one JSON message a line), from message @from on. */
JsonArray *
tf_test_log_read (const char *file, guint from);
/* A result's value at @path ("values"). */
const char *
tf_test_value (JsonObject *result, const char *path);
JsonObject *
tf_test_read_as (TfTestServer *s, const char *ep, const char *path, const char *format);
/* Observes @path as text; the observation's id. */
gint64
tf_test_observe (TfTestServer *s, const char *ep, const char *path);
/* The next notification of @obs after *@since (moved on), or NULL after @timeout_ms. */
JsonObject *
tf_test_next_notification (TfTestServer *s, gint64 obs, gint64 *since, guint timeout_ms);
