/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A farm host's credentials file, as the central broker's set-up writes it
 * (DIR/hosts/NAME.credentials): comment lines and "USER PASSWORD host NAME
 * LAB" lines. Also fuzzed (tests/fuzz-host-credentials.c). */
#include <glib.h>

G_BEGIN_DECLS

/* A host's credentials file is one line; anything this big is not one. */
#define TF_BROKER_MAX_CREDENTIALS_BYTES (64 * 1024)

/* The account of host @host of lab @lab in @data (@len bytes, read from
 * @path, named in errors as FILE:LINE). */
gboolean
tf_broker_parse_host_credentials (const char *path, const char *data, gsize len, const char *host,
                                  const char *lab, char **user, char **password, GError **error);

G_END_DECLS
