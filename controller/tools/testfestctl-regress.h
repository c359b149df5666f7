/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `testfestctl regress ...`: argv as main() got it (argv[1] is "regress").
 * Returns the exit status. */
/* Whether the command (the first argument that is not an option or an
 * option's value) is "regress". */
gboolean
tf_ctl_is_regress (int argc, char **argv);
int
tf_ctl_regress (int argc, char **argv);

G_END_DECLS
