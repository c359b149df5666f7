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
