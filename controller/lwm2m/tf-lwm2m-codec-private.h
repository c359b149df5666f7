/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the content-format codecs; not for users of the library. */
#include <json-glib/json-glib.h>

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

#define TF_LWM2M_MAX_PAYLOAD (1024 * 1024)
#define TF_LWM2M_MAX_DEPTH 16
#define TF_LWM2M_MAX_RECORDS 4096
/* An instance id a Create payload left for the client to choose. */
#define TF_LWM2M_ID_NONE 65535

#define tf_lwm2m_bad(error, ...)                                                                   \
  g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST, __VA_ARGS__)

/* The registry's type for a resource path (len >= 3), NONE when unknown. */
TfLwm2mType
tf_lwm2m_codec_registry_type (const TfLwm2mPath *p);
/* Converts a decoded value to the registry's type of its resource where that is lossless
 * (a JSON number to INTEGER, a string to OPAQUE by base64...); an error names the path. */
gboolean
tf_lwm2m_codec_coerce (TfLwm2mRecord *r, GError **error);
/* Records must be resources or resource instances under @path; at most MAX_RECORDS. */
gboolean
tf_lwm2m_codec_check_records (const TfLwm2mPath *path, GPtrArray *records, GError **error);
/* A copy of @records (not owning) sorted by path. */
GPtrArray *
tf_lwm2m_codec_sorted (GPtrArray *records);
/* Fails unless JSON text is one array or object (nothing but space after it) nested at most
 * MAX_DEPTH deep; strings are skipped. Checked before json-glib parses anything. */
gboolean
tf_lwm2m_codec_json_depth_ok (const guint8 *data, gsize len, GError **error);
/* SenML/LwM2M JSON text of a name relative to a base name, parsed as a path. */
gboolean
tf_lwm2m_codec_join_path (const char *base, const char *name, TfLwm2mPath *out, GError **error);

/* Every record has a value (type not NONE), else NOT_ACCEPTABLE. */
gboolean
tf_lwm2m_codec_check_values (GPtrArray *records, GError **error);
/* Parses bounded JSON text (depth, UTF-8) into a root node; LwM2M JSON and SenML JSON. */
JsonNode *
tf_lwm2m_json_load (const guint8 *data, gsize len, GError **error);
/* The name of @p below the base @path ("" when equal). */
char *
tf_lwm2m_json_relative_name (const TfLwm2mPath *path, const TfLwm2mPath *p);
/* The base name for @records under @path: the path itself for a single value there, else the
 * path with a trailing '/'. */
char *
tf_lwm2m_json_base_name (const TfLwm2mPath *path, GPtrArray *records);

/* Resolves a SenML record's name against its base name (the request path when neither says),
 * checks it is a resource under @path and coerces its value to the registry's type. */
gboolean
tf_lwm2m_senml_resolve (const TfLwm2mPath *path, const char *bn, const char *n, guint index,
                        TfLwm2mRecord *r, GError **error);
/* base64url (RFC 4648 §5) without padding, as SenML "vd" carries it. */
GBytes *
tf_lwm2m_base64url_decode (const char *s, gsize len, GError **error);
char *
tf_lwm2m_base64url_encode (GBytes *bytes);

G_END_DECLS
