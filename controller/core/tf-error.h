/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TF_ERROR (tf_error_quark ())

/* One error domain for the whole project; codes read as sentences. */
typedef enum
{
  TF_ERROR_FAILED,           /* generic failure */
  TF_ERROR_INVALID_CONFIG,   /* a config/event/sim file is wrong */
  TF_ERROR_INVALID_ARGUMENT, /* a request or argument is wrong */
  TF_ERROR_NOT_FOUND,        /* a board, device, image... does not exist */
  TF_ERROR_BUSY,             /* the object is in use */
  TF_ERROR_TIMED_OUT,        /* something did not answer in time */
  TF_ERROR_IO,               /* a read or write failed */
  TF_ERROR_NOT_SUPPORTED,    /* the hardware cannot do that */
  TF_ERROR_PROTOCOL,         /* a peer answered outside its protocol */
  TF_ERROR_INFRASTRUCTURE, /* a switch/adapter/hub is unreachable: never a board or test failure */
  /* cancellation is G_IO_ERROR_CANCELLED, as everywhere in GIO */
  TF_ERROR_PERMISSION_DENIED,
  TF_ERROR_INFEASIBLE, /* a schedule cannot be made from this input */
} TfError;

GQuark
tf_error_quark (void);

G_END_DECLS
