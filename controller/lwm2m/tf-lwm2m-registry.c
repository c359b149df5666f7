/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The objects a TestFest client and server must know: 0 Security, 1 Server, 3 Device,
 * 4 Connectivity Monitoring, 5 Firmware Update and 16 Portfolio. Written from the OMA LwM2M object
 * registry (github.com/OpenMobileAlliance/lwm2m-registry, files 0.xml 1.xml 3.xml 4.xml 5.xml at
 * commit b62ffc2): id, name, type, multiple, mandatory and operations of every resource. */
#define G_LOG_DOMAIN "TfLwm2m"

#include <string.h>

#include "tf-lwm2m-registry.h"

/* 0 LWM2M Security: 0.xml, ObjectVersion 1.2 */
static const TfLwm2mResourceDef res_security[] = {
  { 0, "LWM2M Server URI", TF_LWM2M_TYPE_STRING, FALSE, TRUE, "" },
  { 1, "Bootstrap-Server", TF_LWM2M_TYPE_BOOLEAN, FALSE, TRUE, "" },
  { 2, "Security Mode", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "" },
  { 3, "Public Key or Identity", TF_LWM2M_TYPE_OPAQUE, FALSE, TRUE, "" },
  { 4, "Server Public Key", TF_LWM2M_TYPE_OPAQUE, FALSE, TRUE, "" },
  { 5, "Secret Key", TF_LWM2M_TYPE_OPAQUE, FALSE, TRUE, "" },
  { 6, "SMS Security Mode", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 7, "SMS Binding Key Parameters", TF_LWM2M_TYPE_OPAQUE, FALSE, FALSE, "" },
  { 8, "SMS Binding Secret Key(s)", TF_LWM2M_TYPE_OPAQUE, FALSE, FALSE, "" },
  { 9, "LwM2M Server SMS Number", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "" },
  { 10, "Short Server ID", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 11, "Client Hold Off Time", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 12, "Bootstrap-Server Account Timeout", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 13, "Matching Type", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "" },
  { 14, "SNI", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "" },
  { 15, "Certificate Usage", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "" },
  { 16, "DTLS/TLS Ciphersuite", TF_LWM2M_TYPE_UNSIGNED, TRUE, FALSE, "" },
  { 17, "OSCORE Security Mode", TF_LWM2M_TYPE_OBJLNK, FALSE, FALSE, "" },
  { 18, "Groups To Use by Client", TF_LWM2M_TYPE_UNSIGNED, TRUE, FALSE, "" },
  { 19, "Signature Algorithms Supported by Server", TF_LWM2M_TYPE_UNSIGNED, TRUE, FALSE, "" },
  { 20, "Signature Algorithms To Use by Client", TF_LWM2M_TYPE_UNSIGNED, TRUE, FALSE, "" },
  { 21, "Signature Algorithm Certs Supported by Server", TF_LWM2M_TYPE_UNSIGNED, TRUE, FALSE, "" },
  { 22, "TLS 1.3 Features To Use by Client", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "" },
  { 23, "TLS Extensions Supported by Server", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "" },
  { 24, "TLS Extensions To Use by Client", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "" },
  { 25, "Secondary LwM2M Server URI", TF_LWM2M_TYPE_STRING, TRUE, FALSE, "" },
  { 26, "MQTT Server", TF_LWM2M_TYPE_OBJLNK, FALSE, FALSE, "" },
  { 27, "LwM2M COSE Security", TF_LWM2M_TYPE_OBJLNK, TRUE, FALSE, "" },
  { 28, "RDS Destination Port", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 29, "RDS Source Port", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "" },
  { 30, "RDS Application ID", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "" },
};

/* 1 LwM2M Server: 1.xml, ObjectVersion 1.2 */
static const TfLwm2mResourceDef res_server[] = {
  { 0, "Short Server ID", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 1, "Lifetime", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "RW" },
  { 2, "Default Minimum Period", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "RW" },
  { 3, "Default Maximum Period", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "RW" },
  { 4, "Disable", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 5, "Disable Timeout", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "RW" },
  { 6, "Notification Storing When Disabled or Offline", TF_LWM2M_TYPE_BOOLEAN, FALSE, TRUE, "RW" },
  { 7, "Binding", TF_LWM2M_TYPE_STRING, FALSE, TRUE, "RW" },
  { 8, "Registration Update Trigger", TF_LWM2M_TYPE_NONE, FALSE, TRUE, "E" },
  { 9, "Bootstrap-Request Trigger", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 10, "APN Link", TF_LWM2M_TYPE_OBJLNK, FALSE, FALSE, "RW" },
  { 11, "TLS-DTLS Alert Code", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "R" },
  { 12, "Last Bootstrapped", TF_LWM2M_TYPE_TIME, FALSE, FALSE, "R" },
  { 13, "Registration Priority Order", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "R" },
  { 14, "Initial Registration Delay Timer", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 15, "Registration Failure Block", TF_LWM2M_TYPE_BOOLEAN, FALSE, FALSE, "R" },
  { 16, "Bootstrap on Registration Failure", TF_LWM2M_TYPE_BOOLEAN, FALSE, FALSE, "R" },
  { 17, "Communication Retry Count", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 18, "Communication Retry Timer", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 19, "Communication Sequence Delay Timer", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 20, "Communication Sequence Retry Count", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 21, "Trigger", TF_LWM2M_TYPE_BOOLEAN, FALSE, FALSE, "RW" },
  { 22, "Preferred Transport", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "RW" },
  { 23, "Mute Send", TF_LWM2M_TYPE_BOOLEAN, FALSE, FALSE, "RW" },
  { 24, "Alternate APN Links", TF_LWM2M_TYPE_OBJLNK, TRUE, FALSE, "RW" },
  { 25, "Supported Server Versions", TF_LWM2M_TYPE_STRING, TRUE, FALSE, "RW" },
  { 26, "Default Notification Mode", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "RW" },
  { 27, "Profile ID Hash Algorithm", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
};

/* 3 Device: 3.xml, ObjectVersion 1.2 */
static const TfLwm2mResourceDef res_device[] = {
  { 0, "Manufacturer", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 1, "Model Number", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 2, "Serial Number", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 3, "Firmware Version", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 4, "Reboot", TF_LWM2M_TYPE_NONE, FALSE, TRUE, "E" },
  { 5, "Factory Reset", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 6, "Available Power Sources", TF_LWM2M_TYPE_INTEGER, TRUE, FALSE, "R" },
  { 7, "Power Source Voltage", TF_LWM2M_TYPE_INTEGER, TRUE, FALSE, "R" },
  { 8, "Power Source Current", TF_LWM2M_TYPE_INTEGER, TRUE, FALSE, "R" },
  { 9, "Battery Level", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 10, "Memory Free", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 11, "Error Code", TF_LWM2M_TYPE_INTEGER, TRUE, TRUE, "R" },
  { 12, "Reset Error Code", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 13, "Current Time", TF_LWM2M_TYPE_TIME, FALSE, FALSE, "RW" },
  { 14, "UTC Offset", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "RW" },
  { 15, "Timezone", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "RW" },
  { 16, "Supported Binding and Modes", TF_LWM2M_TYPE_STRING, FALSE, TRUE, "R" },
  { 17, "Device Type", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 18, "Hardware Version", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 19, "Software Version", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 20, "Battery Status", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 21, "Memory Total", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 22, "ExtDevInfo", TF_LWM2M_TYPE_OBJLNK, TRUE, FALSE, "R" },
};

/* 4 Connectivity Monitoring: 4.xml, ObjectVersion 1.3 */
static const TfLwm2mResourceDef res_connmon[] = {
  { 0, "Network Bearer", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 1, "Available Network Bearer", TF_LWM2M_TYPE_INTEGER, TRUE, TRUE, "R" },
  { 2, "Radio Signal Strength", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 3, "Link Quality", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 4, "IP Addresses", TF_LWM2M_TYPE_STRING, TRUE, TRUE, "R" },
  { 5, "Router IP Addresses", TF_LWM2M_TYPE_STRING, TRUE, FALSE, "R" },
  { 6, "Link Utilization", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 7, "APN", TF_LWM2M_TYPE_STRING, TRUE, FALSE, "R" },
  { 8, "Cell ID", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 9, "SMNC", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 10, "SMCC", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 11, "SignalSNR", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 12, "LAC", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
  { 13, "Coverage Enhancement Level", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
};

/* 5 Firmware Update: 5.xml, ObjectVersion 1.2 */
static const TfLwm2mResourceDef res_firmware[] = {
  { 0, "Package", TF_LWM2M_TYPE_OPAQUE, FALSE, TRUE, "W" },
  { 1, "Package URI", TF_LWM2M_TYPE_STRING, FALSE, TRUE, "RW" },
  { 2, "Update", TF_LWM2M_TYPE_NONE, FALSE, TRUE, "E" },
  { 3, "State", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 5, "Update Result", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 6, "PkgName", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 7, "PkgVersion", TF_LWM2M_TYPE_STRING, FALSE, FALSE, "R" },
  { 8, "Firmware Update Protocol Support", TF_LWM2M_TYPE_INTEGER, TRUE, FALSE, "R" },
  { 9, "Firmware Update Delivery Method", TF_LWM2M_TYPE_INTEGER, FALSE, TRUE, "R" },
  { 10, "Cancel", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 11, "Severity", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "RW" },
  { 12, "Last State Change Time", TF_LWM2M_TYPE_TIME, FALSE, FALSE, "R" },
  { 13, "Maximum Defer Period", TF_LWM2M_TYPE_UNSIGNED, FALSE, FALSE, "RW" },
  { 14, "Automatic Upgrade at Download", TF_LWM2M_TYPE_BOOLEAN, FALSE, FALSE, "RW" },
};

/* 16 Portfolio (LWM2M_Portfolio-v1_0, as the OMA registry lists it): the object instances
 * the ETS's Observe-Composite cases create and delete. */
static const TfLwm2mResourceDef res_portfolio[] = {
  { 0, "Identity", TF_LWM2M_TYPE_STRING, TRUE, TRUE, "RW" },
  { 1, "GetAuthData", TF_LWM2M_TYPE_NONE, FALSE, FALSE, "E" },
  { 2, "AuthData", TF_LWM2M_TYPE_STRING, TRUE, FALSE, "R" },
  { 3, "AuthStatus", TF_LWM2M_TYPE_INTEGER, FALSE, FALSE, "R" },
};

static const TfLwm2mObjectDef objects[] = {
  { 0, "LWM2M Security", "urn:oma:lwm2m:oma:0:1.2", TRUE, TRUE, res_security,
    G_N_ELEMENTS (res_security), "1.2" },
  { 1, "LwM2M Server", "urn:oma:lwm2m:oma:1:1.2", TRUE, TRUE, res_server, G_N_ELEMENTS (res_server),
    "1.2" },
  { 3, "Device", "urn:oma:lwm2m:oma:3:1.2", FALSE, TRUE, res_device, G_N_ELEMENTS (res_device),
    "1.2" },
  { 4, "Connectivity Monitoring", "urn:oma:lwm2m:oma:4:1.3", FALSE, FALSE, res_connmon,
    G_N_ELEMENTS (res_connmon), "1.3" },
  { 5, "Firmware Update", "urn:oma:lwm2m:oma:5:1.2", FALSE, FALSE, res_firmware,
    G_N_ELEMENTS (res_firmware), "1.2" },
  { 16, "Portfolio", "urn:oma:lwm2m:oma:16", TRUE, FALSE, res_portfolio,
    G_N_ELEMENTS (res_portfolio), "1.0" },
};

const TfLwm2mObjectDef *
tf_lwm2m_registry_object (guint16 obj)
{
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    if (objects[i].id == obj)
      return &objects[i];
  return NULL;
}

const TfLwm2mResourceDef *
tf_lwm2m_registry_resource (guint16 obj, guint16 res)
{
  const TfLwm2mObjectDef *o = tf_lwm2m_registry_object (obj);
  if (o == NULL)
    return NULL;
  for (guint i = 0; i < o->n_res; i++)
    if (o->res[i].id == res)
      return &o->res[i];
  return NULL;
}

gboolean
tf_lwm2m_resource_def_allows (const TfLwm2mResourceDef *def, char op)
{
  return def != NULL && def->ops != NULL && strchr (def->ops, op) != NULL;
}
