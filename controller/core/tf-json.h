/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the daemon reads off the bus is hostile until checked. Every payload
 * goes through tf_json_parse_object(): its size, its nesting, its encoding
 * and its keys are checked by a small scanner BEFORE json-glib (whose parser
 * recurses once per level) sees a byte of it. */
#define TF_JSON_MAX_SIZE (64 * 1024)
#define TF_JSON_MAX_DEPTH 32

/* Size at most @max_size bytes, nesting at most @max_depth levels, UTF-8
 * without NUL (raw or escaped as \u0000) or lone surrogates, one JSON object
 * with no key twice in any object. An empty payload reads as {}. Returns a
 * new reference, or NULL with the reason (TF_ERROR_INVALID_ARGUMENT). */
JsonObject *
tf_json_parse_object (const void *data, gsize len, gsize max_size, guint max_depth, GError **error);
/* Only the scanner's part (size, depth, encoding): for fuzzing and for callers
 * that hand the text on unparsed. */
gboolean
tf_json_check (const void *data, gsize len, gsize max_size, guint max_depth, GError **error);

/* "a string", "a number", "an object", ...: for messages. */
const char *
tf_json_node_kind (JsonNode *n);

/* Null-safe getters for trusted documents (reports, stored JSON): @o may be
 * NULL, a missing member or one of another type reads as absent. */
const char *
tf_json_get_string (JsonObject *o, const char *key); /* NULL when absent */
gint64
tf_json_get_int (JsonObject *o, const char *key, gint64 def);
gboolean
tf_json_get_bool (JsonObject *o, const char *key, gboolean def);
JsonObject *
tf_json_get_object (JsonObject *o, const char *key);
JsonArray *
tf_json_get_array (JsonObject *o, const char *key);

/* Checked getters for requests: a member of the wrong type is an error that
 * names it ("session: expected a string, got a number"); absent (or null) is
 * an error only when @required, else *out is left as it was. */
gboolean
tf_json_read_string (JsonObject *o, const char *key, gboolean required, gsize max_len,
                     const char **out, GError **error);
/* A string that is an id: letters, digits, '.', '_', '-', 1..@max_len bytes. */
gboolean
tf_json_read_id (JsonObject *o, const char *key, gboolean required, gsize max_len, const char **out,
                 GError **error);
gboolean
tf_json_read_int (JsonObject *o, const char *key, gboolean required, gint64 min, gint64 max,
                  gint64 *out, GError **error);
gboolean
tf_json_read_bool (JsonObject *o, const char *key, gboolean required, gboolean *out,
                   GError **error);
/* Ids of sessions, companies, boards, clients: letters, digits, '.', '_', '-'. */
gboolean
tf_json_valid_id (const char *s, gsize max_len);

G_END_DECLS
