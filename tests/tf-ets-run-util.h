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
} Result;

char *
tool (const char *name);
guint16
free_udp_port (void);
void
result_clear (Result *r);
const char *
member (Result *r, const char *name);
char *
node_dir (void);
GSubprocess *
spawn_case (const char *version, gint id, const char *client_args, const char *extra,
            GError **error);
void
finish (GSubprocess *p, Result *r);
void
run_case (const char *version, gint id, const char *client_args, const char *extra, Result *r);
GArray *
automated_cases (const char *version);
