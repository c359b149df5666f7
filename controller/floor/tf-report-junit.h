/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A Test Session Report (the report payload) as JUnit XML, for CI systems that
 * read nightly regression runs: one <testcase> per ETS case; fail is a
 * <failure>, inconclusive an <error>, not-applicable / out-of-time / not run
 * are <skipped>. Who entered each verdict ("automation" for scripts) goes in
 * its properties; the evidence of an automated run (the report's bounded
 * output) in its <system-out>, valid XML 1.0 whatever bytes the script wrote. */
char *
tf_report_junit (JsonObject *report, GError **error);

G_END_DECLS
