/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the command line asked for besides the verb. */
typedef struct
{
  gboolean json, csv;
  const char *ics, *pdf, *junit;
} TfCtlOutput;

/* A string member, "-" when absent or not a string. */
const char *
tf_ctl_str_member (JsonObject *o, const char *key);
/* The lab verbs (boards, board, power, release, flash, images, status). */
void
tf_ctl_print_answer (const TfCtlOutput *out, const char *verb, JsonObject *o);
/* The session and schedule verbs; returns the exit status (report --junit:
 * 1 when any case is Fail). */
int
tf_ctl_print_session_answer (const TfCtlOutput *out, const char *verb, JsonObject *o);

G_END_DECLS
