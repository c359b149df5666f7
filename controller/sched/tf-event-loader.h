/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-event.h"
#include "tf-key-lines.h"

G_BEGIN_DECLS

/* Private to the event file loader (tf-event-load.c, tf-event-time.c). */
typedef struct
{
  GKeyFile *kf;
  TfKeyLines *lines;
  TfEvent *event;
} Loader;

gboolean
tf_loader_valid_id (const gchar *id);
gboolean
tf_loader_has_key (Loader *ld, const gchar *group, const gchar *key);
gboolean
tf_loader_get_string (Loader *ld, const gchar *group, const gchar *key, gboolean required,
                      gchar **out, GError **error);
GPtrArray *
tf_loader_get_list (Loader *ld, const gchar *group, const gchar *key);
gboolean
tf_loader_get_uint (Loader *ld, const gchar *group, const gchar *key, guint64 min, guint64 max,
                    gboolean required, guint *out, GError **error);
gboolean
tf_loader_parse_date (const gchar *text, GDate *date);
gboolean
tf_loader_parse_clock_range (const gchar *text, guint *start, guint *end);
gboolean
tf_loader_load_event_group (Loader *ld, GError **error);
gboolean
tf_loader_parse_unavailable (Loader *ld, const gchar *group, TfImpl *impl, GError **error);

G_END_DECLS
