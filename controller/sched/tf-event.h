/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tf-key-lines.h"

G_BEGIN_DECLS

typedef enum
{
  TF_ROLE_CLIENT,
  TF_ROLE_SERVER,
} TfRole;

/* Enabler versions, transports and security modes are bit sets; bit i is
 * the i-th name of tf_event_*_names. */
extern const gchar *const tf_event_version_names[];
extern const gchar *const tf_event_transport_names[];
extern const gchar *const tf_event_security_names[];

/* A person who signs for a company: the `--as USER` (MQTT user "company/USER")
 * and how the report names them. */
typedef struct
{
  gchar *user;
  gchar *name;
  gchar *role; /* nullable */
} TfPerson;

typedef struct
{
  gchar *id;
  gchar *name;
  gboolean listing_consent; /* its results may appear in the product listing */
  GPtrArray *people;        /* TfPerson, from "people = USER: Name, Role; ..." */
} TfCompany;

typedef struct
{
  gchar *id;
  gchar *name;    /* product name, free text; defaults to the id */
  gchar *version; /* product version as declared, or NULL */
  guint company;  /* index into TfEvent.companies */
  TfRole role;
  guint versions;      /* bits of tf_event_version_names */
  guint transports;    /* bits of tf_event_transport_names */
  guint security;      /* bits of tf_event_security_names */
  guint team;          /* index into TfEvent.teams */
  guint capacity;      /* parallel sessions; always 1 for a client */
  GPtrArray *boards;   /* board ids (gchar *) of a client, in order of preference */
  GPtrArray *features; /* gchar * */
  guint8 *unavailable; /* one byte per slot: TRUE when absent */
  gboolean entry_passed;
  gchar *entry_by;
  /* test sessions */
  gchar *image;      /* client: image id from the lab's images file, or NULL */
  gchar *endpoint;   /* client: LwM2M endpoint name; defaults to the id */
  gchar *server_uri; /* server: where clients register */
  gchar *provision;  /* client: console script (absolute path) or NULL: the default */
  /* client: the scripts for the ETS set-ups the lab's runner needs besides a server URI (a
   * bootstrap server, queue mode, the PSK); NULL: those cases are left to a person */
  gchar *provision_bootstrap;
  gchar *provision_queue;
  gchar *provision_psk;
  /* server: the company's driver for the server-under-test runner (absolute path; nightly,
   * unattended), or NULL: the operator acts */
  gchar *ets_driver;

  /* client: the PSK the lab provisions (its trace is decrypted with it), or NULL */
  gchar *psk_identity;
  GBytes *psk_key; /* from psk-key-file; set together with psk_identity */
} TfImpl;

#define TF_EVENT_MAX_PSK 64 /* bytes of a PSK */

typedef struct
{
  gchar *id;
  guint company;
  GArray *impls; /* guint indices into TfEvent.impls */
} TfTeam;

typedef struct
{
  guint day;       /* index into TfEvent.days */
  guint start_min; /* minutes after local midnight */
  guint end_min;
} TfSlot;

typedef struct
{
  guint client;
  guint server;
} TfPair;

/* An event as described by its event file; immutable once loaded. The file
 * is read once: the event keeps where each key stood (for messages about it
 * later, e.g. a board the lab lacks) and the sha256 of the bytes parsed. */
typedef struct
{
  gint ref_count;
  gchar *filename;
  gchar *sha256;                 /* of exactly the bytes that were parsed */
  TfKeyLines *lines;             /* group and key lines of the file */
  gboolean allow_anonymous_read; /* [event] allow-anonymous-read: the public floor for anyone */
  gchar *name;
  gchar *timezone;
  GTimeZone *tz;
  GArray *days; /* GDate */
  guint slot_minutes;
  guint day_start; /* minutes after midnight */
  guint day_end;
  GArray *breaks; /* guint pairs: start, end minutes */
  guint n_tables;
  GArray *slots;        /* TfSlot, in time order */
  GPtrArray *companies; /* TfCompany */
  GPtrArray *impls;     /* TfImpl */
  GPtrArray *teams;     /* TfTeam */
  GPtrArray *boards;    /* gchar *: every board id named by a client */
  GArray *opt_out;      /* TfPair */
  GArray *must_meet;    /* TfPair */
  GHashTable *index;    /* "kind:id" -> index + 1 */
} TfEvent;

/* At most this many bytes: a bigger file is refused before it is read. */
#define TF_EVENT_MAX_BYTES (4 * 1024 * 1024)

TfEvent *
tf_event_load_file (const gchar *filename, GError **error);
TfEvent *
tf_event_load_data (const gchar *data, gssize len, const gchar *filename, GError **error);
TfEvent *
tf_event_ref (TfEvent *event);
void
tf_event_unref (TfEvent *event);

guint
tf_event_n_slots (const TfEvent *event);
const TfImpl *
tf_event_impl (const TfEvent *event, guint impl);
const TfTeam *
tf_event_team (const TfEvent *event, guint team);
gint
tf_event_find_impl (const TfEvent *event, const gchar *id);
gint
tf_event_find_company (const TfEvent *event, const gchar *id);
gint
tf_event_find_team (const TfEvent *event, const gchar *id);
gint
tf_event_find_board (const TfEvent *event, const gchar *id);
gboolean
tf_event_available (const TfEvent *event, guint impl, guint slot);
GPtrArray *
tf_person_array_new (void);
void
tf_person_free (TfPerson *p);
/* The person @who ("company/user" or "company") signs as, or NULL. */
const TfPerson *
tf_event_find_person (const TfEvent *event, const gchar *who);
const gchar *
tf_event_company_id_of (const TfEvent *event, guint impl);

GDateTime *
tf_event_slot_start (const TfEvent *event, guint slot);
GDateTime *
tf_event_slot_end (const TfEvent *event, guint slot);
gchar *
tf_event_slot_iso (const TfEvent *event, guint slot, gboolean end);
gchar *
tf_event_slot_label (const TfEvent *event, guint slot);

const gchar *
tf_role_to_string (TfRole role);

/* Internal to the loader. */
TfEvent *
tf_event_new (void);
void
tf_event_index_add (TfEvent *event, const gchar *kind, const gchar *id, guint idx);
gint
tf_event_index_lookup (const TfEvent *event, const gchar *kind, const gchar *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEvent, tf_event_unref)

G_END_DECLS
