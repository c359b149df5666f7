/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-console.h"

G_BEGIN_DECLS

/* A console script of send/expect steps, one per line:
 *   send TEXT                  write TEXT and a line end
 *   expect REGEX [TIMEOUT_MS]  wait for a console line matching REGEX (default 5000 ms)
 *   # comment
 * {name} placeholders are filled from @vars; an unknown one is an error. */
typedef struct _TfProvisionScript TfProvisionScript;

TfProvisionScript *
tf_provision_script_parse (const char *text, const char *origin, GHashTable *vars, GError **error);
void
tf_provision_script_free (TfProvisionScript *script);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfProvisionScript, tf_provision_script_free)
guint
tf_provision_script_len (TfProvisionScript *script);

/* The default: configure the server URI and endpoint, start LwM2M, wait for
 * the registration. */
extern const char tf_provision_default_script[];

/* Run @script on @console; takes @script. Fails with TF_ERROR_TIMED_OUT
 * naming the step that did not match. */
void
tf_provision_run_async (TfConsole *console, TfProvisionScript *script, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data);
gboolean
tf_provision_run_finish (GAsyncResult *res, GError **error);

G_END_DECLS
