/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-link.h"
#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* A client's objects: objects -> instances -> resources with values (single, or resource
 * instances), the attributes written per path, and hooks for Execute and for changes (Observe).
 * Operations come from the registry (objects it does not know: every resource RW). Errors are
 * TF_LWM2M_ERROR with CoAP codes: 4.04 unknown path, 4.05 operation not allowed on the
 * resource, 4.00 bad payload, 4.01 the Security object for a server. */
typedef struct _TfLwm2mModel TfLwm2mModel;

typedef void (*TfLwm2mChangedFunc) (const TfLwm2mPath *path, gpointer data);
/* Runs Execute on @path (a resource) with the request's arguments (may be empty). */
typedef gboolean (*TfLwm2mExecuteFunc) (TfLwm2mModel *m, const TfLwm2mPath *path,
                                        const guint8 *args, gsize len, gpointer data,
                                        GError **error);

TfLwm2mModel *
tf_lwm2m_model_new (void);
void
tf_lwm2m_model_free (TfLwm2mModel *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLwm2mModel, tf_lwm2m_model_free)

/* Makes object @obj exist with no instance (it is then listed by Register as </obj>). */
void
tf_lwm2m_model_add_object (TfLwm2mModel *m, guint16 obj);
/* Object ids present, ascending (guint16 as GUINT_TO_POINTER). */
GPtrArray *
tf_lwm2m_model_objects (TfLwm2mModel *m);
/* Creates instance @inst of @obj with @records (may be NULL; records' instance id may be 65535,
 * "the new one"). 4.00 when the instance exists or a single-instance object already has one. */
gboolean
tf_lwm2m_model_create (TfLwm2mModel *m, guint16 obj, guint16 inst, GPtrArray *records,
                       GError **error);
/* The lowest free instance id of @obj. */
guint16
tf_lwm2m_model_next_instance (TfLwm2mModel *m, guint16 obj);
/* A local change (device side): no permission check; the instance must exist. */
gboolean
tf_lwm2m_model_set (TfLwm2mModel *m, const TfLwm2mRecord *r, GError **error);
/* The records under @p (sorted). @server_op: honours R permission (resources without it are
 * left out of instance reads, refused with 4.05 when named) and refuses /0 with 4.01. */
GPtrArray *
tf_lwm2m_model_read (TfLwm2mModel *m, const TfLwm2mPath *p, gboolean server_op, GError **error);
/* A server's Write on an instance, resource or resource instance: every record must be under
 * @p and writable (4.05 otherwise; nothing is changed then). @replace (PUT) replaces: writable
 * resources of the instance not in @records are removed, a multiple resource loses instances
 * not in @records. Partial (POST/iPATCH) updates what @records name only. */
gboolean
tf_lwm2m_model_write (TfLwm2mModel *m, const TfLwm2mPath *p, GPtrArray *records, gboolean replace,
                      GError **error);
/* Deletes an instance (/O/I), all instances of an object (/O) or all of them (/). */
gboolean
tf_lwm2m_model_delete (TfLwm2mModel *m, const TfLwm2mPath *p, GError **error);
/* Instance ids of @obj, ascending (guint16 as GUINT_TO_POINTER); empty when none. */
GPtrArray *
tf_lwm2m_model_instances (TfLwm2mModel *m, guint16 obj);
/* Discover (LwM2M 1.1 Core §5.4.2): TfLwm2mLink* for @p and what is below it, each with its
 * own stored attributes, dim= for multiple resources, ver= on an object whose version is not
 * 1.0. NULL when @p does not exist. */
GPtrArray *
tf_lwm2m_model_discover (TfLwm2mModel *m, const TfLwm2mPath *p);
/* Links for a Register/Update payload: </O/I> per instance, </O> for objects without one,
 * ver= where not 1.0; the Security object is left out. */
GPtrArray *
tf_lwm2m_model_register_links (TfLwm2mModel *m);
/* Stores @attrs (name -> value; NULL value removes) at @p, which must exist. */
gboolean
tf_lwm2m_model_write_attributes (TfLwm2mModel *m, const TfLwm2mPath *p, GHashTable *attrs,
                                 GError **error);
/* The effective attributes at @p: the object's, overridden by the instance's, overridden by
 * the resource's (a new table, may be empty). */
GHashTable *
tf_lwm2m_model_get_attributes (TfLwm2mModel *m, const TfLwm2mPath *p);
/* Called once per changed resource (and per created/deleted instance) after a change. */
void
tf_lwm2m_model_set_changed_func (TfLwm2mModel *m, void (*func) (const TfLwm2mPath *, gpointer),
                                 gpointer data);
void
tf_lwm2m_model_set_execute_func (TfLwm2mModel *m, TfLwm2mExecuteFunc func, gpointer data);
/* Execute on a resource: 4.04 unknown, 4.05 not executable, then the execute func's answer
 * (4.05 without one). */
gboolean
tf_lwm2m_model_execute (TfLwm2mModel *m, const TfLwm2mPath *p, const guint8 *args, gsize len,
                        GError **error);

G_END_DECLS
