/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tf-lwm2m-model.h"

G_BEGIN_DECLS

/* Declared defects, so that tests see real failures with real reasons (README). 64 bits: one
 * per defect a client under test may show in an ETS case. */
typedef guint64 TfLwm2mQuirks;
#define TF_LWM2M_QUIRK_NONE ((TfLwm2mQuirks)0)
#define TF_LWM2M_QUIRK_BIT(n) (((TfLwm2mQuirks)1) << (n))
/* refuses TLV: 4.06 on read, 4.15 on write */
#define TF_LWM2M_QUIRK_NO_TLV TF_LWM2M_QUIRK_BIT (0)
/* keeps notifying after RST / Observe=1 */
#define TF_LWM2M_QUIRK_OBSERVE_CANCEL_IGNORED TF_LWM2M_QUIRK_BIT (1)
/* sends Update as PUT instead of POST */
#define TF_LWM2M_QUIRK_WRONG_UPDATE_CODE TF_LWM2M_QUIRK_BIT (2)
/* never sends Update before expiry */
#define TF_LWM2M_QUIRK_LIFETIME_IGNORED TF_LWM2M_QUIRK_BIT (3)
/* notifies 4 s after pmax, not at pmax */
#define TF_LWM2M_QUIRK_LATE_NOTIFY TF_LWM2M_QUIRK_BIT (4)
/* Firmware Update State stays Idle */
#define TF_LWM2M_QUIRK_FW_STATE_STUCK TF_LWM2M_QUIRK_BIT (5)
/* Update executes without a package */
#define TF_LWM2M_QUIRK_FW_UPDATE_ANYTIME TF_LWM2M_QUIRK_BIT (6)
/* Update Result stays 0 (Initial) */
#define TF_LWM2M_QUIRK_FW_NO_RESULT TF_LWM2M_QUIRK_BIT (7)
/* answers Delete 2.02 but keeps the instance */
#define TF_LWM2M_QUIRK_DELETE_KEPT TF_LWM2M_QUIRK_BIT (8)
/* Bootstrap-Finish 2.04 whatever was written */
#define TF_LWM2M_QUIRK_BOOTSTRAP_UNCHECKED TF_LWM2M_QUIRK_BIT (9)
/* never bootstraps after registration fails */
#define TF_LWM2M_QUIRK_NO_BOOTSTRAP_FALLBACK TF_LWM2M_QUIRK_BIT (10)
/* refuses plain text reads: 4.06 */
#define TF_LWM2M_QUIRK_NO_TEXT TF_LWM2M_QUIRK_BIT (11)
/* /3/0/16 says "UQ" though it binds U */
#define TF_LWM2M_QUIRK_BINDING_NOT_U TF_LWM2M_QUIRK_BIT (12)
/* a Register without "lt" */
#define TF_LWM2M_QUIRK_REGISTER_NO_LIFETIME TF_LWM2M_QUIRK_BIT (13)
/* Disable (/1/x/4) answered, not done */
#define TF_LWM2M_QUIRK_DISABLE_IGNORED TF_LWM2M_QUIRK_BIT (14)
/* restarts once when its Bootstrap-Request is accepted: that DTLS session dropped under the
 * server's first step, a new Bootstrap-Request */
#define TF_LWM2M_QUIRK_BOOTSTRAP_RESTART TF_LWM2M_QUIRK_BIT (15)
/* bits 16-27: content formats and bootstrap */
/* refuses CBOR and SenML CBOR: 4.06 on read, 4.15 on write */
#define TF_LWM2M_QUIRK_NO_CBOR TF_LWM2M_QUIRK_BIT (16)
/* refuses LwM2M JSON and SenML JSON: 4.06 on read, 4.15 on write */
#define TF_LWM2M_QUIRK_NO_JSON TF_LWM2M_QUIRK_BIT (17)
/* answers with a payload but no Content-Format option */
#define TF_LWM2M_QUIRK_NO_CONTENT_FORMAT TF_LWM2M_QUIRK_BIT (18)
/* a Register without "lwm2m" (the version) */
#define TF_LWM2M_QUIRK_REGISTER_NO_VERSION TF_LWM2M_QUIRK_BIT (19)
/* drops its registration without a De-register */
#define TF_LWM2M_QUIRK_DEREGISTER_SILENT TF_LWM2M_QUIRK_BIT (20)
/* Bootstrap-Delete "/" answered 2.02, the Server instances kept */
#define TF_LWM2M_QUIRK_BOOTSTRAP_DELETE_KEPT TF_LWM2M_QUIRK_BIT (21)
/* Bootstrap-Request Trigger (/1/x/9) answered 2.04, not done */
#define TF_LWM2M_QUIRK_BOOTSTRAP_TRIGGER_IGNORED TF_LWM2M_QUIRK_BIT (22)

/* bits 28-39: object model operations */
/* a server may Read the Security object (/0), the root's Read-Composite included */
#define TF_LWM2M_QUIRK_SECURITY_READABLE TF_LWM2M_QUIRK_BIT (28)
/* knows no resource instance path (/3/0/11/0): 4.04, left out of a Read-Composite */
#define TF_LWM2M_QUIRK_NO_RESOURCE_INSTANCE_PATHS TF_LWM2M_QUIRK_BIT (29)
/* answers an Execute 2.04 and does nothing (Reboot, Disable, Update Trigger, ...) */
#define TF_LWM2M_QUIRK_EXECUTE_IGNORED TF_LWM2M_QUIRK_BIT (30)
/* answers a Write on a read-only resource 2.04 (keeps the value) */
#define TF_LWM2M_QUIRK_READ_ONLY_WRITE_ACCEPTED TF_LWM2M_QUIRK_BIT (31)
/* a Discover lists objects and instances, never their resources */
#define TF_LWM2M_QUIRK_DISCOVER_NO_RESOURCES TF_LWM2M_QUIRK_BIT (32)
/* answers Write-Attributes 2.04 and keeps none */
#define TF_LWM2M_QUIRK_WRITE_ATTRIBUTES_IGNORED TF_LWM2M_QUIRK_BIT (33)
/* a Read-Composite with one path it cannot read fails whole (4.04/4.05) */
#define TF_LWM2M_QUIRK_COMPOSITE_ALL_OR_NOTHING TF_LWM2M_QUIRK_BIT (34)
/* a partial update (POST on an instance, Write-Composite) replaces the instance: the writable
 * resources it does not name are gone */
#define TF_LWM2M_QUIRK_PARTIAL_WRITE_REPLACES TF_LWM2M_QUIRK_BIT (35)
/* Notification Storing (/1/x/6) not implemented: 4.04, absent from reads of /1 */
#define TF_LWM2M_QUIRK_NO_NOTIFICATION_STORING TF_LWM2M_QUIRK_BIT (36)
/* a written Lifetime (/1/x/1) stays in the resource: no Update with it, the registration's
 * lifetime unchanged */
#define TF_LWM2M_QUIRK_LIFETIME_WRITE_KEPT TF_LWM2M_QUIRK_BIT (37)

/* bits 40-51: information reporting, queue mode, Send */
/* queue mode kept (it sleeps) but not said in its Register: neither Q (1.1) nor UQ (1.0) */
#define TF_LWM2M_QUIRK_QUEUE_NOT_ANNOUNCED TF_LWM2M_QUIRK_BIT (40)
/* queue mode: stops listening as soon as its own request (Register, Update) is answered */
#define TF_LWM2M_QUIRK_QUEUE_NO_LISTEN TF_LWM2M_QUIRK_BIT (41)
/* an Observe-Composite notified with the values of its first path only */
#define TF_LWM2M_QUIRK_COMPOSITE_NOTIFY_FIRST_PATH TF_LWM2M_QUIRK_BIT (42)
/* Sends while Mute Send (/1/x/23) is true */
#define TF_LWM2M_QUIRK_MUTE_SEND_IGNORED TF_LWM2M_QUIRK_BIT (43)
/* Sends in LwM2M JSON (11543), not SenML */
#define TF_LWM2M_QUIRK_SEND_LWM2M_JSON TF_LWM2M_QUIRK_BIT (44)

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
