/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* PDF renderings of the JSON reports (cairo's PDF surface, pango text): the
 * JSON is the record, the PDF is for people. */
gboolean
tf_report_pdf_session (JsonObject *report, const char *path, GError **error);
gboolean
tf_report_pdf_consolidated (JsonObject *consolidated, const char *path, GError **error);

G_END_DECLS
