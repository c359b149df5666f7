/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-lwm2m-model.h"

G_BEGIN_DECLS

/* Declared defects, so that tests see real failures with real reasons (README). */
typedef enum
{
  TF_LWM2M_QUIRK_NONE = 0,
  TF_LWM2M_QUIRK_NO_TLV = 1 << 0,                 /* refuses TLV: 4.06 on read, 4.15 on write */
  TF_LWM2M_QUIRK_OBSERVE_CANCEL_IGNORED = 1 << 1, /* keeps notifying after RST / Observe=1 */
  TF_LWM2M_QUIRK_WRONG_UPDATE_CODE = 1 << 2,      /* sends Update as PUT instead of POST */
  TF_LWM2M_QUIRK_LIFETIME_IGNORED = 1 << 3,       /* never sends Update before expiry */
  TF_LWM2M_QUIRK_LATE_NOTIFY = 1 << 4,            /* notifies 4 s after pmax, not at pmax */
  TF_LWM2M_QUIRK_FW_STATE_STUCK = 1 << 5,         /* Firmware Update State stays Idle */
  TF_LWM2M_QUIRK_FW_UPDATE_ANYTIME = 1 << 6,      /* Update executes without a package */
  TF_LWM2M_QUIRK_FW_NO_RESULT = 1 << 7,           /* Update Result stays 0 (Initial) */
  TF_LWM2M_QUIRK_DELETE_KEPT = 1 << 8,            /* answers Delete 2.02 but keeps the instance */
  TF_LWM2M_QUIRK_BOOTSTRAP_UNCHECKED = 1 << 9,    /* Bootstrap-Finish 2.04 whatever was written */
  TF_LWM2M_QUIRK_NO_BOOTSTRAP_FALLBACK = 1 << 10, /* never bootstraps after registration fails */
  TF_LWM2M_QUIRK_NO_TEXT = 1 << 11,               /* refuses plain text reads: 4.06 */
  TF_LWM2M_QUIRK_BINDING_NOT_U = 1 << 12,         /* /3/0/16 says "UQ" though it binds U */
  TF_LWM2M_QUIRK_REGISTER_NO_LIFETIME = 1 << 13,  /* a Register without "lt" */
  TF_LWM2M_QUIRK_DISABLE_IGNORED = 1 << 14,       /* Disable (/1/x/4) answered, not done */
  TF_LWM2M_QUIRK_BOOTSTRAP_RESTART = 1 << 15,     /* restarts once when its Bootstrap-Request is
                                                     accepted: that DTLS session dropped under the
                                                     server's first step, a new Bootstrap-Request */
} TfLwm2mQuirks;

/* "no-tlv" → TF_LWM2M_QUIRK_NO_TLV; 0 for an unknown name. */
TfLwm2mQuirks
tf_lwm2m_quirk_from_string (const char *name);

#define TF_TYPE_LWM2M_CLIENT (tf_lwm2m_client_get_type ())
G_DECLARE_FINAL_TYPE (TfLwm2mClient, tf_lwm2m_client, TF, LWM2M_CLIENT, GObject)

/* A client of @endpoint serving @model (borrowed: it must outlive the client). */
TfLwm2mClient *
tf_lwm2m_client_new (const char *endpoint, TfLwm2mModel *model);
/* "coap://H:P" or "coaps://H:P" (PSK); the Security/Server instances of the model are used
 * when no server is set, the bootstrap server's when one is set. */
void
tf_lwm2m_client_set_server (TfLwm2mClient *self, const char *uri);
void
tf_lwm2m_client_set_bootstrap (TfLwm2mClient *self, const char *uri);
void
tf_lwm2m_client_set_psk (TfLwm2mClient *self, const char *identity, GBytes *key);
void
tf_lwm2m_client_set_lifetime (TfLwm2mClient *self, guint seconds);
/* Every session from a literal @address and @port (0: any), a package download from @port + 1,
 * so that a capture can tell this client's traffic from others' on the same address; NULL:
 * the kernel's choice. */
void
tf_lwm2m_client_set_local (TfLwm2mClient *self, const char *address, guint16 port);
/* "1.0" or "1.1" (the lwm2m= of Register, and the default content formats) */
void
tf_lwm2m_client_set_version (TfLwm2mClient *self, const char *version);
void
tf_lwm2m_client_set_queue_mode (TfLwm2mClient *self, gboolean queue);
/* Queue mode: it stops listening @seconds after its last exchange with the server (93,
 * MAX_TRANSMIT_WAIT) until it has something to send; "sleep" (gboolean asleep) says so. */
void
tf_lwm2m_client_set_queue_window (TfLwm2mClient *self, guint seconds);
void
tf_lwm2m_client_set_quirks (TfLwm2mClient *self, TfLwm2mQuirks quirks);
const char *
tf_lwm2m_client_get_location (TfLwm2mClient *self);
gboolean
tf_lwm2m_client_is_registered (TfLwm2mClient *self);

/* Bootstraps (when a bootstrap server is set) then registers; "registered" or "failed" follow. */
gboolean
tf_lwm2m_client_start (TfLwm2mClient *self, GError **error);
/* Registration Update now (the object list too when it changed). */
void
tf_lwm2m_client_update (TfLwm2mClient *self);
/* De-register; "deregistered" follows. */
void
tf_lwm2m_client_deregister (TfLwm2mClient *self);
/* Send (LwM2M 1.1, POST /dp) of the values at @paths in SenML JSON. */
gboolean
tf_lwm2m_client_send (TfLwm2mClient *self, const TfLwm2mPath *paths, guint n_paths, GError **error);

/* The lab client's firmware package: a first line "TFFW <version> <SHA-256 of the rest, hex>"
 * then the rest. Its version, or NULL with the Firmware Update Result saying why not (6: not
 * a package of this kind, 5: its digest does not match); @result is 0 with a version. */
char *
tf_lwm2m_fw_package_version (GBytes *package, gint *result);

G_END_DECLS
