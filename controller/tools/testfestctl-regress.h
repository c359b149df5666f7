/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `testfestctl regress ...`: argv as main() got it (argv[1] is "regress").
 * Returns the exit status. */
int
tf_ctl_regress (int argc, char **argv);

G_END_DECLS
