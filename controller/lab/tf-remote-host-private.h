/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside TfRemoteHosts: shared by tf-remote-host.c (the view) and
 * tf-remote-host-request.c (requests to the hosts) only. */
#include "tf-remote-host.h"

G_BEGIN_DECLS

/* a USB host serves a few dozen boards; the benchmark 100 */
#define TF_REMOTE_HOST_MAX_BOARDS 1000
#define RECONCILE_TIMEOUT_S 30
/* a console line relayed from a host; longer ones are dropped */
#define TF_REMOTE_HOST_MAX_LINE 8192
#define RECONCILE_RETRY_S 5

typedef struct
{
  TfRemoteHosts *owner; /* not a reference: hosts live as long as the view */
  char *name;
  gboolean online;     /* its retained status says online */
  gboolean link_down;  /* its bridge's will on the central broker said 0 */
  GHashTable *boards;  /* id -> JsonNode, as the host published it (host member set) */
  GHashTable *refused; /* id -> the host that owns it */
  GHashTable *fresh;   /* ids whose state was heard since the host was last up */
  guint retry_id;      /* the next attempt to confirm its boards */
  gboolean too_many;   /* said once: it announced more than TF_REMOTE_HOST_MAX_BOARDS */
  /* for staff (tf-remote-host-summary.c): since when, as this coordinator saw it */
  gint64 since;      /* it came up or was lost (or was first heard of) */
  int link;          /* its bridge's link: -1 never heard (no bridge), 0 down, 1 up */
  gint64 link_since; /* the link's last change */
  char *started;     /* from its status: its daemon's start, */
  char *version;     /* version */
  char *reason;      /* and why it is offline */
} TfRemoteHost;

struct _TfRemoteHosts
{
  GObject parent_instance;
  TfBus *bus;
  TfStore *store;
  char *prefix;    /* tf/<lab>/ */
  char *self_host; /* our own name */
  char *client_id;
  char *nonce;         /* correlation data of this run */
  GHashTable *hosts;   /* name -> TfRemoteHost */
  GHashTable *claims;  /* board -> host name (the store's farm_board) */
  GHashTable *pending; /* correlation -> GTask */
  guint seq;
  guint summary_id; /* the staff summary's publication, once the changes settle */
};

gboolean
tf_remote_host_up (TfRemoteHost *h);
/* A board's state from its host (a retained message, or its answer to "boards"). */
void
tf_remote_hosts_apply_board (TfRemoteHosts *self, TfRemoteHost *h, const char *id, JsonObject *o);

/* tf-remote-host-summary.c: the staff-only retained summary tf/<lab>/hosts,
 * published once the current burst of changes is handled */
void
tf_remote_hosts_summary_changed (TfRemoteHosts *self);
void
tf_remote_hosts_summary_publish (TfRemoteHosts *self);

/* tf-remote-host-request.c */
void
tf_remote_hosts_on_reply (TfRemoteHosts *self, const TfBusMessage *msg);
/* End the requests waiting on @host (NULL: all, as cancelled). */
void
tf_remote_hosts_fail_pending (TfRemoteHosts *self, const char *host);
/* Ask @h for its boards and take the answer (again later while unanswered). */
void
tf_remote_host_reconcile (TfRemoteHost *h);
void
tf_remote_hosts_tell_refused (TfRemoteHosts *self, TfRemoteHost *h, const char *id,
                              const char *owner);

G_END_DECLS
