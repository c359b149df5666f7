/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* LwM2M paths: /O, /O/I, /O/I/R, /O/I/R/RI. Ids are 0..65534 (65535 is reserved). */
#define TF_LWM2M_ID_MAX 65534
typedef struct
{
  guint16 ids[4];
  guint8 len; /* 0 root, 1 /O, 2 /O/I, 3 /O/I/R, 4 /O/I/R/RI */
} TfLwm2mPath;

gboolean
tf_lwm2m_path_parse (const char *s, TfLwm2mPath *out, GError **error);
char *
tf_lwm2m_path_to_string (const TfLwm2mPath *p);
gboolean
tf_lwm2m_path_is_prefix (const TfLwm2mPath *prefix, const TfLwm2mPath *p);
gboolean
tf_lwm2m_path_equal (const TfLwm2mPath *a, const TfLwm2mPath *b);
/* Builds a path of @len ids (the unused ones are ignored). */
TfLwm2mPath
tf_lwm2m_path_make (guint8 len, guint16 o, guint16 i, guint16 r, guint16 ri);

typedef enum
{
  TF_LWM2M_TYPE_NONE,
  TF_LWM2M_TYPE_STRING,
  TF_LWM2M_TYPE_INTEGER,
  TF_LWM2M_TYPE_UNSIGNED,
  TF_LWM2M_TYPE_FLOAT,
  TF_LWM2M_TYPE_BOOLEAN,
  TF_LWM2M_TYPE_OPAQUE,
  TF_LWM2M_TYPE_TIME,
  TF_LWM2M_TYPE_OBJLNK,
  TF_LWM2M_TYPE_CORELNK,
} TfLwm2mType;

const char *
tf_lwm2m_type_to_string (TfLwm2mType t);

/* One value at a resource (len 3) or resource instance (len 4). */
typedef struct
{
  TfLwm2mPath path;
  TfLwm2mType type;
  union
  {
    gint64 i; /* INTEGER, TIME (seconds since the epoch) */
    guint64 u;
    gdouble f;
    gboolean b;
    struct
    {
      guint16 obj, inst;
    } lnk;
  } v;
  GBytes *bytes; /* STRING (UTF-8), OPAQUE, CORELNK */
  gdouble time;  /* SenML time, 0 when absent */
} TfLwm2mRecord;

TfLwm2mRecord *
tf_lwm2m_record_new (const TfLwm2mPath *path, TfLwm2mType type);
TfLwm2mRecord *
tf_lwm2m_record_new_string (const TfLwm2mPath *path, const char *s);
TfLwm2mRecord *
tf_lwm2m_record_new_corelnk (const TfLwm2mPath *path, const char *s);
TfLwm2mRecord *
tf_lwm2m_record_new_int (const TfLwm2mPath *path, gint64 i);
TfLwm2mRecord *
tf_lwm2m_record_new_unsigned (const TfLwm2mPath *path, guint64 u);
TfLwm2mRecord *
tf_lwm2m_record_new_float (const TfLwm2mPath *path, gdouble f);
TfLwm2mRecord *
tf_lwm2m_record_new_bool (const TfLwm2mPath *path, gboolean b);
TfLwm2mRecord *
tf_lwm2m_record_new_opaque (const TfLwm2mPath *path, GBytes *bytes);
TfLwm2mRecord *
tf_lwm2m_record_new_objlnk (const TfLwm2mPath *path, guint16 obj, guint16 inst);
TfLwm2mRecord *
tf_lwm2m_record_new_time (const TfLwm2mPath *path, gint64 t);
TfLwm2mRecord *
tf_lwm2m_record_copy (const TfLwm2mRecord *r);
void
tf_lwm2m_record_free (TfLwm2mRecord *r);
/* Same path, type and value (time ignored). */
gboolean
tf_lwm2m_record_equal (const TfLwm2mRecord *a, const TfLwm2mRecord *b);
/* A GPtrArray with tf_lwm2m_record_free as its free function. */
GPtrArray *
tf_lwm2m_records_new (void);
/* The value as text (strings as they are, opaque as base64, objlnk as "O:I"). */
char *
tf_lwm2m_record_value_to_string (const TfLwm2mRecord *r);
/* Converts @s to a value of @type into @r (the control API's way to write). */
gboolean
tf_lwm2m_record_set_from_string (TfLwm2mRecord *r, TfLwm2mType type, const char *s, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLwm2mRecord, tf_lwm2m_record_free)

/* CoAP content formats an LwM2M endpoint meets. */
enum
{
  TF_LWM2M_CF_TEXT = 0,
  TF_LWM2M_CF_LINK = 40,
  TF_LWM2M_CF_OPAQUE = 42,
  TF_LWM2M_CF_CBOR = 60,
  TF_LWM2M_CF_SENML_JSON = 110,
  TF_LWM2M_CF_SENML_CBOR = 112,
  TF_LWM2M_CF_TLV_OLD = 1542,
  TF_LWM2M_CF_JSON_OLD = 1543,
  TF_LWM2M_CF_TLV = 11542,
  TF_LWM2M_CF_JSON = 11543,
};

const char *
tf_lwm2m_cf_to_string (guint cf);

/* Errors of the LwM2M layer: the codes ARE CoAP response codes (class * 32 + detail), so a
 * failed operation maps straight onto its answer. */
#define TF_LWM2M_ERROR (tf_lwm2m_error_quark ())
#define TF_LWM2M_COAP_CODE(c, d) ((c)*32 + (d))
typedef enum
{
  TF_LWM2M_STATUS_BAD_REQUEST = TF_LWM2M_COAP_CODE (4, 0),
  TF_LWM2M_STATUS_UNAUTHORIZED = TF_LWM2M_COAP_CODE (4, 1),
  TF_LWM2M_STATUS_BAD_OPTION = TF_LWM2M_COAP_CODE (4, 2),
  TF_LWM2M_STATUS_FORBIDDEN = TF_LWM2M_COAP_CODE (4, 3),
  TF_LWM2M_STATUS_NOT_FOUND = TF_LWM2M_COAP_CODE (4, 4),
  TF_LWM2M_STATUS_METHOD_NOT_ALLOWED = TF_LWM2M_COAP_CODE (4, 5),
  TF_LWM2M_STATUS_NOT_ACCEPTABLE = TF_LWM2M_COAP_CODE (4, 6),
  TF_LWM2M_STATUS_REQUEST_ENTITY_INCOMPLETE = TF_LWM2M_COAP_CODE (4, 8),
  TF_LWM2M_STATUS_PRECONDITION_FAILED = TF_LWM2M_COAP_CODE (4, 12),
  TF_LWM2M_STATUS_REQUEST_ENTITY_TOO_LARGE = TF_LWM2M_COAP_CODE (4, 13),
  TF_LWM2M_STATUS_UNSUPPORTED_CF = TF_LWM2M_COAP_CODE (4, 15),
  TF_LWM2M_STATUS_INTERNAL = TF_LWM2M_COAP_CODE (5, 0),
  TF_LWM2M_STATUS_NOT_IMPLEMENTED = TF_LWM2M_COAP_CODE (5, 1),
} TfLwm2mStatus;

GQuark
tf_lwm2m_error_quark (void);
/* The CoAP response code for @e: TF_LWM2M_ERROR codes as they are, TF_ERROR codes mapped
 * (INVALID_ARGUMENT 4.00, NOT_FOUND 4.04, NOT_SUPPORTED 4.05, PERMISSION_DENIED 4.01),
 * anything else 5.00. */
guint
tf_lwm2m_error_to_coap (const GError *e);
/* "4.04" for 132. */
char *
tf_lwm2m_coap_code_to_string (guint code);

G_END_DECLS
