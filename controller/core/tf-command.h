/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Expand {name} placeholders of a shell-quoted template into an argv.
 * Unknown placeholders are an error, so a typo cannot run a wrong command. */
GStrv
tf_command_expand (const char *tmpl, GHashTable *vars, GError **error);

/* Run @argv with a timeout; stdout and stderr are captured together. */
void
tf_command_run_async (const char *const *argv, guint timeout_ms, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data);
/* TRUE on exit status 0; @output (nullable) gets what it printed either way. */
gboolean
tf_command_run_finish (GAsyncResult *res, char **output, GError **error);

G_END_DECLS
