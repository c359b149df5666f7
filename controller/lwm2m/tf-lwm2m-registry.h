/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* One resource of an object as the OMA LwM2M registry defines it. @ops is "R", "W", "RW", "E"
 * or "" (the Security object: reachable by the bootstrap server only). */
typedef struct
{
  guint16 id;
  const char *name;
  TfLwm2mType type; /* NONE for executable resources */
  gboolean multiple, mandatory;
  const char *ops;
} TfLwm2mResourceDef;

typedef struct
{
  guint16 id;
  const char *name;
  const char *urn;
  gboolean multiple, mandatory;
  const TfLwm2mResourceDef *res;
  guint n_res;
  const char *version; /* ObjectVersion, "1.0" when absent */
} TfLwm2mObjectDef;

/* NULL for an object or resource this registry does not know. */
const TfLwm2mObjectDef *
tf_lwm2m_registry_object (guint16 obj);
const TfLwm2mResourceDef *
tf_lwm2m_registry_resource (guint16 obj, guint16 res);
/* TRUE when @def allows operation @op ('R', 'W' or 'E'). */
gboolean
tf_lwm2m_resource_def_allows (const TfLwm2mResourceDef *def, char op);

G_END_DECLS
