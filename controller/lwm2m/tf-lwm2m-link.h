/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-lwm2m-types.h"

G_BEGIN_DECLS

/* One link of CoRE link format (RFC 6690), as Register payloads and Discover answers carry
 * them: </3/0>;ver=1.1, </1/0/1>;pmin=10;pmax=60, </>;rt="oma.lwm2m";ct=11543. */
typedef struct
{
  char *uri;
  GHashTable *attrs; /* char* -> char* (NULL for a flag without value); quotes removed */
} TfLwm2mLink;

TfLwm2mLink *
tf_lwm2m_link_new (const char *uri);
void
tf_lwm2m_link_free (TfLwm2mLink *l);
/* Sets (or with @value NULL, sets a flag) attribute @name. */
void
tf_lwm2m_link_set (TfLwm2mLink *l, const char *name, const char *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfLwm2mLink, tf_lwm2m_link_free)

/* Parses @len bytes of link format into TfLwm2mLink* (free func set). At most 1 MiB and
 * 4096 links; errors name the byte offset. */
GPtrArray *
tf_lwm2m_link_parse (const char *s, gsize len, GError **error);
/* Formats links: attributes in a fixed order (LwM2M ones first, then by name); values that are
 * not tokens, and rt/if/title/anchor values, are quoted. */
char *
tf_lwm2m_link_format (GPtrArray *links);

G_END_DECLS
