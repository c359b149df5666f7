/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the floor: shared by tf-floor*.c only. */
#include "tf-catalogue.h"
#include "tf-floor.h"
#include "tf-floor-request.h"
#include "tf-floor-trace.h"
#include "tf-provision.h"
#include "tf-sched.h"
#include "tf-session-db.h"

G_BEGIN_DECLS

#define TF_LEASE_TTL_US (120 * G_USEC_PER_SEC)
#define TF_LEASE_REFRESH_S 20

/* What a preparing or running session holds at run time. */
typedef struct
{
  TfFloor *floor;
  char *id;
  GCancellable *cancel;
  TfConsole *console;
  gulong console_id;
  guint slot_timer;
  guint generation;         /* callbacks of an older preparation are ignored */
  gboolean waiting_ready;   /* resumed after a restart: the board is not ready yet */
  gboolean waiting_boot;    /* preparing: the board went away with its power and comes back */
  gboolean resuming;        /* running again after a restart: provisioned again, not re-planned */
  gboolean waiting_regress; /* a regression job yields the board at the end of its case */
  guint wait_timer;
} Live;

struct _TfFloor
{
  TfLab *lab; /* the lab the floor stands on */
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
  TfFloorTraces *traces; /* NULL without [capture] */
  GHashTable *ets_runs;  /* session id -> its automated cases running (tf-floor-ets.c) */
};

/* A callback's ticket: valid while its session still runs that preparation. */
typedef struct
{
  TfFloor *floor;
  char *id;
  guint generation;
} Ticket;

/* tf-floor-live.c */
Ticket *
tf_floor_ticket_new (Live *l);
void
tf_floor_ticket_free (Ticket *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ticket, tf_floor_ticket_free)
Live *
tf_floor_ticket_live (Ticket *t);
/* tf-floor-live.c: a console line (@operator: a step the lab asks a person to do) to both
 * companies of @s */
void
tf_floor_publish_console (TfFloor *f, TfSession *s, const char *line, gint64 at, gboolean operator);
Live *
tf_floor_live_new (TfFloor *f, TfSession *s);
void
tf_floor_live_attach_console (Live *l);

/* tf-floor-lease.c */
gboolean
tf_floor_refresh_leases (gpointer user_data);
TfSession *
tf_floor_lease_holder (TfFloor *f, const char *board);
void
tf_floor_take_board (TfFloor *f, TfSession *s);
void
tf_floor_free_board (TfFloor *f, TfSession *s);

/* tf-floor-prepare.c */
void
tf_floor_prepare (Live *l);
void
tf_floor_prepare_flash (Live *l);
void
tf_floor_prepare_provision (Live *l);
char *
tf_floor_psk_hex (const TfImpl *client);
TfProvisionScript *
tf_floor_provision_script (TfFloor *f, TfSession *s, const char *server_uri, const char *setup,
                           GError **error);
/* in tf-floor-run.c: abort the attempt as an infrastructure error, re-plan it */
void
tf_floor_prepare_failed (Live *l, const char *step, const GError *error);

/* tf-floor-run.c (with the public ones below) */
void
tf_floor_publish_after (TfFloor *f, TfSession *s);
void
tf_floor_replan_after_failure (TfFloor *f, TfSession *s, gboolean board_out);
void
tf_floor_arm_slot_end (Live *l, TfSession *s);

/* tf-floor.c */
TfSession *
tf_floor_session (TfFloor *f, const char *id);
const TfImpl *
tf_floor_impl (TfFloor *f, const char *id);
guint
tf_floor_now (TfFloor *f);
guint
tf_floor_now_in (TfFloor *f, TfEvent *event);
TfEntryState
tf_floor_entry_state (const TfSession *s);
void
tf_floor_sync_entry_states (TfFloor *f);
gboolean
tf_floor_check_boards (TfFloor *f, TfEvent *event, GError **error);
/* The sessions follow @next, stored then published; @event and @sha when the
 * event file was edited (NULL otherwise). Takes @next. */
gboolean
tf_floor_take_schedule (TfFloor *f, TfSchedule *next, TfEvent *event, const char *sha,
                        GError **error);
/* Store first (inside the caller's transaction), then publish: */
gboolean
tf_floor_set_phase (TfFloor *f, TfSession *s, TfPhase to, const char *reason, GError **error);
void
tf_floor_publish_session (TfFloor *f, TfSession *s); /* state and both reports */
void
tf_floor_publish_schedule (TfFloor *f);
void
tf_floor_publish_summary (TfFloor *f);
void
tf_floor_publish_all (TfFloor *f);
GPtrArray *
tf_floor_sessions_sorted (TfFloor *f);
/* tf-floor-listing.c: the product listing of the companies that consented */
JsonNode *
tf_floor_listing (TfFloor *f, GError **error);
JsonNode *
tf_floor_report (TfFloor *f, TfSession *s, GError **error);
JsonNode *
tf_floor_summary (TfFloor *f, GError **error);
JsonNode *
tf_floor_consolidated (TfFloor *f, GError **error);
/* Re-plan from tf_floor_now(); sessions done or running never move. */
TfReplanReport *
tf_floor_replan (TfFloor *f, TfReplanRequest *req, GError **error);
JsonNode *
tf_replan_report_json (const TfReplanReport *report);

/* tf-floor-reload.c: an edited event file, boards a lab reload added or removed */
TfSchedule *
tf_floor_carry_over (TfFloor *f, TfEvent *next, const char *old_json, TfReplanReport **report,
                     GError **error);
void
tf_floor_watch_boards (TfFloor *f);

/* tf-floor-release.c: the anonymised results, public only once released */
gboolean
tf_floor_release_check (const TfEvent *event, GPtrArray *added, guint min, GError **error);
JsonNode *
tf_floor_released_summary (TfFloor *f, GError **error);
void
tf_floor_release_add_verb (TfFloor *f);
void
tf_floor_count_impls (TfFloor *f, guint *clients, guint *servers);
void
tf_floor_unwatch_boards (TfFloor *f);

/* tf-floor-run.c */
gboolean
tf_floor_start_session (TfFloor *f, const char *id, GError **error);
gboolean
tf_floor_end_session (TfFloor *f, const char *id, const char *reason, GError **error);
gboolean
tf_floor_abort_session (TfFloor *f, const char *id, const char *reason, gboolean replan,
                        GError **error);
gboolean
tf_floor_release_lease (TfFloor *f, const char *board, GError **error);
void
tf_floor_resume (TfFloor *f);
void
tf_floor_live_free (Live *l);
void
tf_floor_run_case_async (TfFloor *f, const char *session, gint case_id, GAsyncReadyCallback cb,
                         gpointer user_data);
/* the listening window (s) of a client the runner's queue-mode set-up provisions; short, so
 * that 109 waits only as long as the protocol makes it (tf-floor-ets.c, {queue_window}) */
#define TF_ETS_QUEUE_WINDOW "5"
/* tf-floor-ets.c: @case_id, or every automated case still to decide (-1), for the session's
 * client under test or (@server_side) its server */
void
tf_floor_ets_run_async (TfFloor *f, const char *session, gint case_id, gboolean server_side,
                        GAsyncReadyCallback cb, gpointer user_data);
JsonNode *
tf_floor_ets_run_finish (GAsyncResult *res, GError **error);
void
tf_floor_ets_stop_all (TfFloor *f);
gboolean
tf_floor_run_case_finish (GAsyncResult *res, char **verdict, GError **error);
void
tf_floor_on_board_changed (TfBoard *board, TfFloor *f);

/* tf-floor-reply.c: a request of staff (cmd/) or of a company (in/) and its answer */
typedef struct
{
  TfFloor *f;
  TfRpcRequest *req;
  TfInRequest *in; /* in/ */
} Req;

Req *
tf_floor_req_new (TfFloor *f, TfRpcRequest *req);

void
tf_floor_req_free (Req *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Req, tf_floor_req_free)
void
tf_floor_req_ok (Req *r, JsonNode *result);
void
tf_floor_req_fail (Req *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
JsonNode *
tf_floor_wrap (const char *member, JsonNode *value);
JsonNode *
tf_floor_state_of (TfFloor *f, TfSession *s);
/* done cases of @cases (TfCaseRow), *@total those to run: pre-set Not
 * Applicable ones count as neither */
guint
tf_floor_progress (GPtrArray *cases, guint *total);
TfSession *
tf_floor_need_session (Req *r, const char *id);
JsonNode *
tf_floor_sessions_json (TfFloor *f, const char *company);

/* tf-floor-cmd.c */
void
tf_floor_add_verbs (TfFloor *f);
/* tf-floor-in.c */
void
tf_floor_add_in_verbs (TfFloor *f);

G_END_DECLS
