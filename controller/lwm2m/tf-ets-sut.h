/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tf-ets-run.h"

G_BEGIN_DECLS

/* One ETS interoperability case run against a SERVER under test: the lab's reference client
 * (TfLwm2mClient, in this process) plays the ETS's client and registers at the server's URI.
 * For every step of the case the operator (the server's company) is told what to do on its
 * server, or a driver command it supplies does it (nightly runs); the runner waits, bounded,
 * for that operation to arrive and judges the pass criteria from the messages the client
 * received and sent. The lab judges, the operator acts. */

typedef enum
{
  TF_ETS_SUT_REGISTER,         /* the client registers: 2.01 with a Location-Path */
  TF_ETS_SUT_UPDATE,           /* the client updates (told to, or after the step before): 2.04 */
  TF_ETS_SUT_DEREGISTER,       /* the client de-registers: 2.02 */
  TF_ETS_SUT_REREGISTER,       /* the client registers again after a reboot: 2.01 */
  TF_ETS_SUT_READ,             /* operator: Read @path in @format */
  TF_ETS_SUT_WRITE,            /* operator: Write @arg ("71", or "1=72 6=true" on an instance) */
  TF_ETS_SUT_EXECUTE,          /* operator: Execute @path */
  TF_ETS_SUT_DISCOVER,         /* operator: Discover @path */
  TF_ETS_SUT_WRITE_ATTRS,      /* operator: Write-Attributes @arg ("pmin=1&pmax=3") on @path */
  TF_ETS_SUT_OBSERVE,          /* operator: Observe @path */
  TF_ETS_SUT_NOTIFIED,         /* the client notifies twice; the server must not refuse them */
  TF_ETS_SUT_NOTIFIED_WITH,    /* after the step before, a notification carries @path */
  TF_ETS_SUT_NOTIFIED_WITHOUT, /* after the step before, a notification carries nothing of @path */
  TF_ETS_SUT_CANCEL_RESET,     /* operator: cancel; the server answers a notification with RST */
  TF_ETS_SUT_CANCEL_OBSERVE,   /* operator: cancel with a GET Observe=1 */
  TF_ETS_SUT_SEND,             /* the client Sends @path ("/3/0/9 /3/0/13") in SenML JSON: 2.04 */
  TF_ETS_SUT_READ_COMPOSITE,   /* operator: Read-Composite of @path ("/3,/1/0") in @format */
  TF_ETS_SUT_WRITE_COMPOSITE,  /* operator: Write-Composite of @arg ("1=75 6=false") under @path */
  TF_ETS_SUT_OBSERVE_COMP,     /* operator: Observe-Composite of @path ("/1/0/1,/3/0") */
  TF_ETS_SUT_CREATE,           /* operator: Create under @path in @format with @arg ("1/0/0=x") */
  TF_ETS_SUT_DELETE,           /* operator: Delete @path (an Object Instance) */
  TF_ETS_SUT_FW_PACKAGE,       /* operator: the runner's firmware package to Package or Package URI;
                                  the client reaches Downloaded */
  TF_ETS_SUT_FW_UPDATED,       /* the client installs it: Idle, Update Result 1, its version */
} TfEtsSutStepKind;

typedef struct
{
  TfEtsSutStepKind kind;
  const char *criterion; /* "A": the ETS pass criterion the step decides */
  const char *path;      /* "/3/0" */
  const char *format;    /* "text", "tlv", "json", "cbor", "senml-json", "senml-cbor" or NULL:
                            none named (a Read without Accept) */
  const char *arg;       /* the value(s) written, the attributes */
} TfEtsSutStep;

typedef struct
{
  gint id;
  const char *versions; /* "1.0 1.1" */
  const char *name;
  const TfEtsSutStep *steps; /* ended by a step with criterion NULL */
} TfEtsSutCase;

/* tf-ets-sut-cases.c: the cases whose server side the lab decides (NULL-terminated by name). */
const TfEtsSutCase *
tf_ets_sut_cases (void);
const TfEtsSutCase *
tf_ets_sut_case_find (const char *version, gint id);
/* The operator's instruction for @step ("on your server: Read /3/0 in TLV ..."), and the
 * driver's machine form of it ("read /3/0 tlv"; NULL for a step the client takes alone). */
char *
tf_ets_sut_step_instruction (const TfEtsSutStep *step, const char *endpoint);
char *
tf_ets_sut_step_command (const TfEtsSutStep *step);
/* The Content-Format @format names for ETS @version; -1 for none, -2 for an unknown name. */
gint
tf_ets_sut_format_cf (const char *format);

typedef void (*TfEtsSutSayFunc) (const char *text, gpointer user_data);

typedef struct
{
  const char *version;        /* "1.0" or "1.1" */
  const char *endpoint;       /* the endpoint name the reference client registers with */
  const char *server_uri;     /* the server under test: coap://HOST:PORT */
  const char *client_address; /* the client's own address and port, or NULL (any) */
  guint16 client_port;
  guint operator_wait_s;      /* how long a step waits for the operator's operation (120) */
  guint answer_wait_s;        /* how long a message waits for the server's answer */
  guint lifetime_s;           /* the client's registration lifetime (300) */
  const char *const *driver;  /* argv of the driver run for each operator step, or NULL */
  TfEtsSutSayFunc say;        /* the operator's next step, as it is decided */
  TfEtsSutSayFunc registered; /* the client's registration's location, at each 2.01, or NULL */
  gpointer say_data;
} TfEtsSutSetup;

typedef struct _TfEtsSut TfEtsSut;

TfEtsSut *
tf_ets_sut_new (const TfEtsSutSetup *setup);
void
tf_ets_sut_free (TfEtsSut *sut);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfEtsSut, tf_ets_sut_free)

/* Runs @c to its verdict (iterating the thread-default main context); the client
 * de-registers at the end when it is still registered. */
TfEtsVerdict
tf_ets_sut_run_case (TfEtsSut *sut, const TfEtsSutCase *c);
/* As tf_ets_run_to_json, with "side": "server" and the operator's "steps". */
JsonNode *
tf_ets_sut_to_json (TfEtsSut *sut);

G_END_DECLS
