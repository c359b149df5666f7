/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tf-ets-sut.h"
#include "tf-lwm2m-client.h"

G_BEGIN_DECLS

/* One CoAP message the reference client received ("in") or sent, as the steps match it. */
typedef struct
{
  gboolean out;
  guint type, code, mid;
  char *token;  /* hex */
  char *path;   /* "/3/0/13", "/rd/5"; "" without Uri-Path */
  char *query;  /* "pmin=1&pmax=3" or NULL */
  gint accept;  /* -1: none */
  gint cf;      /* -1: none */
  gint observe; /* -1: none */
  gboolean location;
  GBytes *payload; /* or NULL */
} TfEtsSutMsg;

struct _TfEtsSut
{
  char *version, *endpoint, *server_uri;
  char *client_address; /* the client's own, or NULL */
  guint16 client_port;
  guint operator_wait_s, answer_wait_s, lifetime_s;
  GStrv driver;
  TfEtsSutSayFunc say, registered;
  gpointer say_data;
  TfLwm2mModel *model;
  TfLwm2mClient *client;
  GPtrArray *msgs;        /* TfEtsSutMsg */
  GPtrArray *exchange;    /* JsonNode, in the order sent and received */
  guint exchange_dropped; /* messages past its bound, not recorded */
  GHashTable *clocks;     /* local port → TfEtsClock: the kernel's receive times */
  GPtrArray *criteria;    /* JsonNode {"id","ok","what"} */
  GPtrArray *steps;       /* JsonNode: what the operator was told, and the driver's exit */
  const TfEtsSutCase *c;
  TfEtsVerdict verdict;
  gboolean decided;
  char *criterion, *reason;
  JsonNode *message;
  gint64 started_us, finished_us;
  TfLwm2mModel *initial; /* the client's model as the case started: the values it expects */
  char *obs_token;       /* the observation of the case (hex) */
  const char *obs_paths; /* a composite observation's paths ("/1/0/1,/3/0"), or NULL */
  gint obs_cf;           /* the Accept its Observe-Composite asked for */
  gint obs_answer;       /* index of its 2.05 */
  guint last_op;         /* index of the last operation the operator's server sent */
  struct _TfEtsSutDriver *drv;
  char *fw_dir, *fw_file; /* the firmware package the runner made for the operator */
};

/* tf-ets-sut.c: the frame */
typedef gboolean (*TfEtsSutMatch) (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data);
const TfEtsSutMsg *
tf_ets_sut_msg (TfEtsSut *s, gint i);
/* The first message at index >= @from matching, waiting up to @ms; -1 when none came. */
gint
tf_ets_sut_wait (TfEtsSut *s, guint from, TfEtsSutMatch f, gconstpointer data, guint ms);
/* The answer to the message at @i (the other direction, same token, a response code). */
gint
tf_ets_sut_wait_answer (TfEtsSut *s, gint i, guint ms);
/* Tells the operator @st (and runs the driver), then waits for the operation: its index, or
 * -1 with the case decided (Inconclusive, or a Fail when the driver said it was done). */
gint
tf_ets_sut_operator (TfEtsSut *s, const TfEtsSutStep *st, TfEtsSutMatch f, gconstpointer data);
void
tf_ets_sut_tell (TfEtsSut *s, const TfEtsSutStep *st);
/* The reference client starts over (a reboot: no De-register). */
void
tf_ets_sut_client_start (TfEtsSut *s);
gboolean
tf_ets_sut_check (TfEtsSut *s, const char *criterion, gboolean ok, gint msg, const char *fmt, ...)
    G_GNUC_PRINTF (5, 6);
void
tf_ets_sut_inconclusive (TfEtsSut *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean
tf_ets_sut_server_gone (TfEtsSut *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
void
tf_ets_sut_silence (TfEtsSut *s, const char *criterion, gint msg, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);
/* Whether the server answers a CoAP ping from a socket of its own (within the answer wait). */
gboolean
tf_ets_sut_server_alive (TfEtsSut *s);

/* tf-ets-sut-fw.c: Firmware Update (Object 5) on the reference client */
gboolean
tf_ets_sut_fw_wanted (TfEtsSut *s);
void
tf_ets_sut_fw_add_object (TfLwm2mModel *m);
void
tf_ets_sut_fw_step (TfEtsSut *s, const TfEtsSutStep *st);
void
tf_ets_sut_fw_clear (TfEtsSut *s);

/* tf-ets-sut-steps.c: one step run and judged */
void
tf_ets_sut_step (TfEtsSut *s, const TfEtsSutStep *st);

G_END_DECLS
