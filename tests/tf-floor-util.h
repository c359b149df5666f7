/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the session, crash and schedule integration tests: a simulated
 * TestFest floor (lab + event + images) and MQTT requests as staff or company. */
#include "tf-harness.h"

G_BEGIN_DECLS

extern const char *tf_test_sim;
extern const char *tf_test_lab_body;
extern const char *tf_test_event;
/* the images file's text (NULL: alpha-fw for sim1); paths in it may be absolute */
extern const char *tf_test_images;
/* provision.script of the lab directory, which the event's clients name */
extern const char *tf_test_provision;

typedef struct
{
  char *topic;
  char *payload;
} TfSeen;

typedef struct
{
  TfHarness *h;
  GPtrArray *seen;     /* TfSeen: every message on tf/<lab>/# */
  GHashTable *replies; /* correlation -> payload */
  char *reply_topic;   /* the prefix of our reply topics: tf/<lab>/reply/ */
  char *flash_out;
  guint seq;
} TfFloorTest;

/* Lab, event (@event, NULL: the default) and images; the daemon is started. */
TfFloorTest *
tf_floor_test_new (const char *event);
/* The same, the daemon's clock starting at @clock (see tf_harness_set_clock). */
TfFloorTest *
tf_floor_test_new_at (const char *event, const char *clock);
void
tf_floor_test_free (TfFloorTest *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfFloorTest, tf_floor_test_free)
void
tf_floor_test_restart (TfFloorTest *t, int sig);
void
tf_floor_test_start_daemon (TfFloorTest *t);
/* Until the daemon answers (requests sent before it connects are lost). */
void
tf_floor_wait_up (TfFloorTest *t);

/* A request on cmd/VERB (@company NULL) or in/COMPANY/VERB; waits for the answer. */
JsonObject *
tf_floor_request (TfFloorTest *t, const char *company, const char *verb, const char *json_fmt, ...)
    G_GNUC_PRINTF (4, 5);
/* Sends without waiting; returns the correlation to look for with tf_floor_reply. */
char *
tf_floor_send (TfFloorTest *t, const char *company, const char *verb, const char *json);
JsonObject *
tf_floor_reply (TfFloorTest *t, const char *correlation);
gboolean
tf_floor_ok (JsonObject *reply);

JsonObject *
tf_floor_session_state (TfFloorTest *t, const char *id);
gboolean
tf_floor_wait_phase (TfFloorTest *t, const char *id, const char *phase, guint timeout_ms);
int
tf_floor_flash_count (TfFloorTest *t, const char *board);

/* The retained schedule, and one of its sessions (NULL if not in it). */
JsonObject *
tf_floor_schedule (TfFloorTest *t);
JsonObject *
tf_floor_entry (JsonObject *schedule, const char *id);

G_END_DECLS
