/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GKeyFile that remembers where each group and key stands in the file, so
 * that every complaint can say FILE:LINE: [group] key: what is wrong. */
typedef struct _TfKeyFile TfKeyFile;

TfKeyFile *
tf_key_file_load (const char *path, GError **error);
TfKeyFile *
tf_key_file_load_data (const char *path_for_messages, const char *data, GError **error);
void
tf_key_file_free (TfKeyFile *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfKeyFile, tf_key_file_free)

GKeyFile *
tf_key_file_get_keyfile (TfKeyFile *self);
const char *
tf_key_file_get_path (TfKeyFile *self);
guint
tf_key_file_line (TfKeyFile *self, const char *group, const char *key);

/* Set @error to "FILE:LINE: [group] key: message" (key may be NULL). Returns FALSE. */
gboolean
tf_key_file_fail (TfKeyFile *self, GError **error, const char *group, const char *key,
                  const char *fmt, ...) G_GNUC_PRINTF (5, 6);

/* Reject keys of @group that are not in the NULL-terminated @allowed list. */
gboolean
tf_key_file_check_keys (TfKeyFile *self, const char *group, const char *const *allowed,
                        GError **error);

/* Typed getters: a missing optional key yields @def; a malformed one fails with FILE:LINE. */
gboolean
tf_key_file_get_string (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        const char *def, char **out, GError **error);
gboolean
tf_key_file_get_uint (TfKeyFile *self, const char *group, const char *key, gboolean required,
                      guint64 def, guint64 min, guint64 max, guint64 *out, GError **error);
/* Decimal or 0x-prefixed hex, as datasheets write addresses and sizes. */
gboolean
tf_key_file_get_number (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        guint64 def, guint64 min, guint64 max, guint64 *out, GError **error);
/* VVVV:PPPP (hex); a missing optional key leaves @vid and @pid alone. */
gboolean
tf_key_file_get_usb_id (TfKeyFile *self, const char *group, const char *key, gboolean required,
                        guint16 *vid, guint16 *pid, GError **error);
gboolean
tf_key_file_get_bool (TfKeyFile *self, const char *group, const char *key, gboolean def,
                      gboolean *out, GError **error);

/* Split "kind name" group names: "board sim1" -> "board", "sim1". */
gboolean
tf_key_file_split_group (const char *group, char **kind, char **name);

G_END_DECLS
