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
/* TRUE on exit status 0; @output (nullable) gets what it printed either way
 * (UTF-8, bad bytes replaced). A timeout is TF_ERROR_TIMED_OUT, a
 * cancellation G_IO_ERROR_CANCELLED; either way the child's whole process
 * group is ended (SIGTERM, SIGKILL after a grace period) and the child reaped
 * before the callback runs. */
gboolean
tf_command_run_finish (GAsyncResult *res, char **output, GError **error);

/* The same runner for callers that judge the exit status themselves
 * (automated test scripts): @env holds NAME, VALUE pairs added to the
 * environment (NULL-terminated). The result is the raw output; @exit_status
 * is -1 when it was killed (timed out, or by a signal). */
void
tf_command_spawn_async (const char *const *argv, const char *const *env, guint timeout_ms,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data);
GBytes *
tf_command_spawn_finish (GAsyncResult *res, int *exit_status, GError **error);

G_END_DECLS
