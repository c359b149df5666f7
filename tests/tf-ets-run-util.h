/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting tf-ets-run against tf-lwm2m-client for the tests (tf-ets-run-test,
 * tf-ets-linkcut-test): the lab's provisioning for each case, the verdict's JSON. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct
{
  int status;
  JsonNode *root;
  char *err;
} TfEtsResult;

char *
tf_ets_tool (const char *name);
guint16
tf_ets_free_udp_port (void);
void
tf_ets_result_clear (TfEtsResult *r);
const char *
tf_ets_member (TfEtsResult *r, const char *name);
char *
tf_ets_node_dir (void);
GSubprocess *
tf_ets_spawn_case (const char *version, gint id, const char *client_args, const char *extra,
                   GError **error);
void
tf_ets_finish (GSubprocess *p, TfEtsResult *r);
void
tf_ets_run_case (const char *version, gint id, const char *client_args, const char *extra,
                 TfEtsResult *r);
GArray *
tf_ets_automated_cases (const char *version);

/* A case run against a declared client defect that must Fail at @criterion, its reason
 * holding @reason and (unless @no_message) the message that broke it. @quirk, when set, is
 * given to the client as --quirk; @client and @runner are further arguments of each. */
typedef struct
{
  const char *version;
  gint id;
  const char *quirk, *client, *runner, *criterion, *reason;
  gboolean no_message;
} TfEtsFailRow;

/* Runs @rows three at a time, each bounded (then killed), and asserts every one. The
 * environment's TF_QUIRK_ROWS ("1.1:226,1.0:241") runs only those rows, by hand. */
void
tf_ets_assert_fail_rows (const TfEtsFailRow *rows, guint n);
