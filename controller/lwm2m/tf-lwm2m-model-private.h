/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside the model: shared by tf-lwm2m-model.c and tf-lwm2m-model-attrs.c. */
#include "tf-lwm2m-attrs.h"
#include "tf-lwm2m-codec-private.h"
#include "tf-lwm2m-model.h"
#include "tf-lwm2m-registry.h"

G_BEGIN_DECLS

/* A resource: one value, or resource instances by id. An executable has neither. */
typedef struct
{
  gboolean multiple;
  TfLwm2mRecord *single;
  GTree *insts; /* riid -> TfLwm2mRecord*, when multiple */
} TfModelRes;

struct _TfLwm2mModel
{
  GTree *objs;       /* obj -> GTree (inst -> GTree (res -> TfModelRes*)) */
  GHashTable *attrs; /* path string -> GHashTable (name -> value) */
  TfLwm2mChangedFunc changed;
  gpointer changed_data;
  TfLwm2mExecuteFunc execute;
  gpointer execute_data;
};

GTree *
tf_model_obj (TfLwm2mModel *m, guint16 obj);
GTree *
tf_model_inst (TfLwm2mModel *m, guint16 obj, guint16 inst);
TfModelRes *
tf_model_res (TfLwm2mModel *m, const TfLwm2mPath *p);
gboolean
tf_model_exists (TfLwm2mModel *m, const TfLwm2mPath *p, GError **error);
gboolean
tf_model_set_error (GError **error, guint code, const TfLwm2mPath *p, const char *what);
/* The same, returning NULL for functions that return a pointer. */
gpointer
tf_model_null_error (GError **error, guint code, const TfLwm2mPath *p, const char *what);
gboolean
tf_model_allows (guint16 obj, guint16 res, char op);
const TfLwm2mResourceDef *
tf_model_def (guint16 obj, guint16 res, gboolean *known_obj);
TfLwm2mRecord *
tf_model_prepare (const TfLwm2mRecord *r, GError **error);
void
tf_model_store (GTree *inst, TfLwm2mRecord *r, GArray *changed);
void
tf_model_note (GArray *paths, const TfLwm2mPath *p);
void
tf_model_emit (TfLwm2mModel *m, GArray *paths);
GTree *
tf_model_inst_new (void);
/* Forgets the attributes stored at @p and below it. */
void
tf_model_drop_attributes (TfLwm2mModel *m, const TfLwm2mPath *p);

G_END_DECLS
