/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A company's request on tf/<lab>/in/<company>/<verb>: the company in the
 * topic is the identity (the broker's ACL lets only that company write there).
 * Everything is checked here, before any state is looked at. */
typedef struct
{
  char *company;
  char *verb; /* verdict, verify, sign, report, sessions, run */
  char *user; /* from the payload's "user", or NULL */
  char *session;
  gint case_id;  /* -1: none */
  char *verdict; /* verdict: a TfVerdict name */
  char *note;
  char *issue;
  gboolean agree; /* verify */
  gboolean all_automated; /* run: every automated case still to decide (case_id -1) */
  gboolean server_side;   /* run: "side": "server", the session's server under test */
} TfInRequest;

void
tf_in_request_free (TfInRequest *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfInRequest, tf_in_request_free)

extern const char *const tf_in_request_verbs[];

/* NULL with the reason when @args (read by TfRpc) is not a well-formed
 * @verb request of @company. */
TfInRequest *
tf_in_request_from_args (const char *company, const char *verb, JsonObject *args, GError **error);
/* The same from the topic (under @prefix, "tf/<lab>/") and the raw payload,
 * read as TfRpc reads it: for the fuzz target. */
TfInRequest *
tf_in_request_parse (const char *prefix, const char *topic, const void *payload, gsize len,
                     GError **error);
/* "company/user" or "company": who entered something. */
char *
tf_in_request_who (const TfInRequest *r);
/* Ids of sessions, companies, boards: letters, digits, '.', '_', '-' (at most 200). */
gboolean
tf_floor_valid_id (const char *s);

G_END_DECLS
