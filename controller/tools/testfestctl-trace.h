/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-bus.h"

G_BEGIN_DECLS

/* testfestctl trace SESSION [--pcap FILE] [--decoded FILE] [--company C]: a session's
 * capture through the "trace" verb, chunk by chunk (staff, or one of the session's two
 * companies). Part 1 goes to FILE, part N to FILE.partN. Returns the exit status. */
int
testfestctl_trace (const TfBusOptions *bo, const char *lab, const char *company,
                   const char *session, const char *pcap, const char *decoded, int timeout_s);

G_END_DECLS
