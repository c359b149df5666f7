/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-console.h"
#include "tf-remote-host.h"

G_BEGIN_DECLS

/* provisioning commands, not bulk data */
#define TF_CONSOLE_REMOTE_MAX_WRITE 4096

/* The console of @opts->board on one of @remote's hosts (tf-console-remote.c). */
TfConsole *
tf_console_new_remote (const TfConsoleOptions *opts, TfRemoteHosts *remote);
/* A line its host published (without its end of line). */
void
tf_console_remote_line (TfConsole *console, const void *line, gsize len);

G_END_DECLS
