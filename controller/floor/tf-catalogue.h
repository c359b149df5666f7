/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-event.h"

G_BEGIN_DECLS

/* The ETS test catalogue (data/ets/NAME.conf): cases keyed by (ETS version, id),
 * since the same number means another test in another version. */
/* Which side under test the lab's runner decides on its own (catalogue key "automated"). */
typedef enum
{
  TF_CASE_AUTO_NONE = 0,
  TF_CASE_AUTO_CLIENT = 1 << 0, /* the lab's reference server judges a client */
  TF_CASE_AUTO_SERVER = 1 << 1, /* the lab's reference client judges a server */
  TF_CASE_AUTO_BOTH = TF_CASE_AUTO_CLIENT | TF_CASE_AUTO_SERVER,
} TfCaseAuto;

typedef struct
{
  gint id;
  char *name;
  char *group;
  GStrv features;        /* needed by both sides */
  GStrv client_features; /* needed by the client only */
  GStrv server_features;
  char *script; /* absolute path of an automation script, or NULL */
  TfCaseAuto automated;
  char *runner; /* the program that decides an automated case ("tf-ets-run"), or NULL */
  char *manual; /* why a person must run it, or NULL */
} TfCase;

typedef struct
{
  char *version; /* enabler version, "1.1" */
  char *name;    /* ETS file, "LightweightM2M-1.1-int-N" */
  char *path;
  GPtrArray *cases; /* TfCase, by id */
} TfEts;

typedef struct _TfCatalogue TfCatalogue;

/* Every *.conf of @dir; FILE:LINE errors. */
TfCatalogue *
tf_catalogue_load_dir (const char *dir, GError **error);
void
tf_catalogue_free (TfCatalogue *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfCatalogue, tf_catalogue_free)

const TfEts *
tf_catalogue_find (TfCatalogue *self, const char *version);
/* The highest enabler version both declare that has a catalogue, or NULL. */
const TfEts *
tf_catalogue_for_pair (TfCatalogue *self, const TfImpl *client, const TfImpl *server);
const TfCase *
tf_ets_find_case (const TfEts *ets, gint id);
/* Why @c cannot run between these two (a new string), or NULL when it can. */
char *
tf_case_not_applicable (const TfCase *c, const TfImpl *client, const TfImpl *server);

G_END_DECLS
