/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the floor: shared by tf-floor*.c only. */
#include "tf-catalogue.h"
#include "tf-floor.h"
#include "tf-floor-request.h"
#include "tf-sched.h"
#include "tf-session-db.h"

G_BEGIN_DECLS

#define TF_LEASE_TTL_US (120 * G_USEC_PER_SEC)
#define TF_LEASE_REFRESH_S 20

/* What a preparing or running session holds at run time. */
typedef struct {
  TfFloor *floor;
  char *id;
  GCancellable *cancel;
  TfConsole *console;
  gulong console_id;
  guint slot_timer;
  guint generation; /* callbacks of an older preparation are ignored */
  gboolean waiting_ready; /* resumed after a restart: the board is not ready yet */
} Live;

struct _TfFloor {
  TfLab *lab; /* not owned: the lab owns the floor */
  TfStore *store;
  TfBus *bus;
  char *prefix;
  TfEvent *event;
  TfSchedule *schedule;
  TfCatalogue *catalogue;
  char *event_sha;
  GHashTable *sessions; /* id -> TfSession */
  GHashTable *live;     /* id -> Live */
  GHashTable *faulted;  /* board ids whose fault was re-planned already */
  guint lease_timer;
  guint generation;
};

/* tf-floor.c */
TfSession *tf_floor_session (TfFloor *f, const char *id);
const TfImpl *tf_floor_impl (TfFloor *f, const char *id);
guint tf_floor_now (TfFloor *f);
/* Store first (inside the caller's transaction), then publish: */
gboolean tf_floor_set_phase (TfFloor *f, TfSession *s, TfPhase to, const char *reason,
                             GError **error);
void tf_floor_publish_session (TfFloor *f, TfSession *s);  /* state and both reports */
void tf_floor_publish_schedule (TfFloor *f);
void tf_floor_publish_summary (TfFloor *f);
void tf_floor_publish_all (TfFloor *f);
GPtrArray *tf_floor_sessions_sorted (TfFloor *f);
JsonNode *tf_floor_report (TfFloor *f, TfSession *s, GError **error);
JsonNode *tf_floor_summary (TfFloor *f, GError **error);
JsonNode *tf_floor_consolidated (TfFloor *f, GError **error);
/* Re-plan from tf_floor_now(); sessions done or running never move. */
TfReplanReport *tf_floor_replan (TfFloor *f, TfReplanRequest *req, GError **error);
JsonNode *tf_replan_report_json (const TfReplanReport *report);

/* tf-floor-run.c */
gboolean tf_floor_start_session (TfFloor *f, const char *id, GError **error);
gboolean tf_floor_end_session (TfFloor *f, const char *id, const char *reason, GError **error);
gboolean tf_floor_abort_session (TfFloor *f, const char *id, const char *reason, gboolean replan,
                                 GError **error);
gboolean tf_floor_release_lease (TfFloor *f, const char *board, GError **error);
void tf_floor_resume (TfFloor *f);
void tf_floor_live_free (Live *l);
void tf_floor_run_case_async (TfFloor *f, const char *session, gint case_id,
                              GAsyncReadyCallback cb, gpointer user_data);
gboolean tf_floor_run_case_finish (GAsyncResult *res, char **verdict, GError **error);
void tf_floor_on_board_changed (TfBoard *board, TfFloor *f);

/* tf-floor-verbs.c */
void tf_floor_add_verbs (TfFloor *f);
void tf_floor_handle_in (TfFloor *f, const TfBusMessage *msg);

G_END_DECLS
