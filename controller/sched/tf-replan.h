/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-schedule.h"

G_BEGIN_DECLS

#define TF_REPLAN_SCHEMA "testfest-replan/1"

typedef enum
{
  TF_DISRUPTION_BOARD_FAULT, /* a board is out for slots from..to */
  TF_DISRUPTION_ABSENT,      /* a team (or one implementation) is away for slots from..to */
  TF_DISRUPTION_OVERRUN,     /* a session holds its place for @slots more slots */
} TfDisruptionKind;

typedef struct
{
  TfDisruptionKind kind;
  gchar *what; /* board id, team or implementation id, session id */
  guint from;
  gint to;     /* inclusive; -1: to the end of the event */
  guint slots; /* overrun only */
} TfDisruption;

typedef struct
{
  guint now;           /* the current slot: nothing before it moves */
  GArray *disruptions; /* TfDisruption */
} TfReplanRequest;

typedef struct
{
  guint moved;      /* sessions given another slot */
  guint reboarded;  /* sessions kept in their slot on another board */
  GPtrArray *lines; /* gchar *: one per change, with its reason */
} TfReplanReport;

TfReplanRequest *
tf_replan_request_new (guint now);
void
tf_replan_request_add (TfReplanRequest *request, TfDisruptionKind kind, const gchar *what,
                       guint from, gint to, guint slots);
void
tf_replan_request_free (TfReplanRequest *request);
TfReplanRequest *
tf_replan_request_from_json (TfEvent *event, const gchar *data, gssize len, TfSchedule **schedule,
                             GError **error);
void
tf_replan_report_free (TfReplanReport *report);
gchar *
tf_replan_report_to_string (const TfReplanReport *report);

TfSchedule *
tf_scheduler_replan (TfEvent *event, const TfSchedule *current, const TfReplanRequest *request,
                     TfReplanReport **report, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfReplanRequest, tf_replan_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfReplanReport, tf_replan_report_free)

G_END_DECLS
