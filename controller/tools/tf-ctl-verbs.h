/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* testfestctl's verbs: one table gives the help (global and per verb) and
 * the argument checks, so every usage error is found before connecting. */
#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  const char *args;       /* the synopsis after the verb, "" for none */
  const char *summary;    /* one line */
  const char *detail;     /* the verb's own help: options, outcome, exit status */
  int min_args, max_args; /* words after the verb */
} TfCtlVerb;

const TfCtlVerb *
tf_ctl_verb_lookup (const char *name);
/* The "Commands:" part of the global help: one verb per line. */
char *
tf_ctl_verbs_summary (void);
/* testfestctl VERB --help */
char *
tf_ctl_verb_help (const TfCtlVerb *v);
/* Arity and values of @argv (argv[0] the verb); FALSE with a message that
 * names the verb and what is wrong. Exit status 2 for the caller. */
gboolean
tf_ctl_verb_check (int argc, char **argv, GError **error);

/* @text cut to @width characters (UTF-8), "…" marking a cut, padded with
 * spaces to @width characters: printf's %-50.50s counts bytes and cuts silently. */
char *
tf_ctl_fit (const char *text, guint width);

G_END_DECLS
