/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ETS cases whose server side the lab decides, as data: each a list of steps, the
 * operator's (or driver's) actions on the server under test and what the reference client
 * does by itself, each step deciding one pass criterion (tf-ets-sut.c runs them). Only cases
 * whose criteria are all visible at the client are here: what a server shows its user is not. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include "tf-ets-sut.h"
#include "tf-lwm2m-types.h"

#define END                                                                                        \
  {                                                                                                \
    0, NULL, NULL, NULL, NULL                                                                      \
  }
#define REG(c)                                                                                     \
  {                                                                                                \
    TF_ETS_SUT_REGISTER, c, NULL, NULL, NULL                                                       \
  }
/* the steps of 301-303: attributes, then the observation, then two notifications */
#define OBSERVE_13                                                                                 \
  REG ("A"), { TF_ETS_SUT_WRITE_ATTRS, "A", "/3/0/13", NULL, "pmin=1&pmax=3" },                    \
      { TF_ETS_SUT_OBSERVE, "B", "/3/0/13", NULL, NULL },                                          \
  {                                                                                                \
    TF_ETS_SUT_NOTIFIED, "C", "/3/0/13", NULL, NULL                                                \
  }

static const TfEtsSutStep s101[] = { REG ("A"), END };
static const TfEtsSutStep s102[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0/1", "text", "40" },
  { TF_ETS_SUT_UPDATE, "C", NULL, NULL, NULL },
  END,
};
static const TfEtsSutStep s103[] = {
  REG ("A"),
  { TF_ETS_SUT_DEREGISTER, "B", NULL, NULL, NULL },
  END,
};
static const TfEtsSutStep s104[] = {
  REG ("A"),
  { TF_ETS_SUT_EXECUTE, "B", "/1/0/8", NULL, NULL },
  { TF_ETS_SUT_UPDATE, "C", NULL, NULL, NULL },
  END,
};
static const TfEtsSutStep s201[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0/0", "text", NULL },
  { TF_ETS_SUT_READ, "C", "/3/0/1", "text", NULL },
  { TF_ETS_SUT_READ, "D", "/3/0/2", "text", NULL },
  END,
};
static const TfEtsSutStep s203[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0", "tlv", NULL },
  END,
};
static const TfEtsSutStep s204[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0", "json", NULL },
  END,
};
static const TfEtsSutStep s205[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0/1", "text", "71" },
  { TF_ETS_SUT_READ, "C", "/1/0/1", "text", NULL },
  END,
};
static const TfEtsSutStep s215[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0", "tlv", "1=72 6=true" },
  { TF_ETS_SUT_READ, "C", "/1/0", "tlv", NULL },
  END,
};
static const TfEtsSutStep s220[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0", "json", "1=73 6=true" },
  { TF_ETS_SUT_READ, "C", "/1/0", "json", NULL },
  END,
};
static const TfEtsSutStep s211[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0/0", "cbor", NULL },
  END,
};
static const TfEtsSutStep s231[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0", "senml-json", NULL },
  END,
};
static const TfEtsSutStep s232[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3/0", "senml-cbor", NULL },
  END,
};
static const TfEtsSutStep s233[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0", "senml-cbor", "1=74 6=true" },
  { TF_ETS_SUT_READ, "C", "/1/0", "senml-cbor", NULL },
  END,
};
static const TfEtsSutStep s234[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE, "B", "/1/0", "senml-json", "1=75 6=false" },
  { TF_ETS_SUT_READ, "C", "/1/0", "senml-json", NULL },
  END,
};
/* 229, 230, 235, 236: the composite operations, as the client side has them */
static const TfEtsSutStep s229[] = {
  REG ("A"),
  { TF_ETS_SUT_READ_COMPOSITE, "B", "/3,/1/0", "senml-json", NULL },
  { TF_ETS_SUT_READ_COMPOSITE, "C", "/1/0/1,/3/0/11/0", "senml-cbor", NULL },
  END,
};
static const TfEtsSutStep s230[] = {
  REG ("A"),
  { TF_ETS_SUT_WRITE_COMPOSITE, "B", "/1/0", "senml-json", "1=76 6=true" },
  { TF_ETS_SUT_READ_COMPOSITE, "C", "/1/0/1,/1/0/6", "senml-json", NULL },
  END,
};
static const TfEtsSutStep s235[] = {
  REG ("A"),
  { TF_ETS_SUT_READ_COMPOSITE, "B", "/", "senml-json", NULL },
  END,
};
/* 236: Object 4 and /3/0/21 are not on the client: the answer carries what is */
static const TfEtsSutStep s236[] = {
  REG ("A"),
  { TF_ETS_SUT_READ_COMPOSITE, "B", "/1/0/1,/4/0,/3/0/21", "senml-json", NULL },
  END,
};
static const TfEtsSutStep s237[] = {
  REG ("A"),
  { TF_ETS_SUT_READ, "B", "/3", NULL, NULL },
  END,
};
/* 310: Observe-Composite of /1/0/1 and /3/0, then pmax on the Device object: notifications
 * by that pmax (as the client side has it), each in SenML JSON with both paths and the values
 * the case started from */
static const TfEtsSutStep s310[] = {
  REG ("A"),
  { TF_ETS_SUT_OBSERVE_COMP, "B", "/1/0/1,/3/0", "senml-json", NULL },
  { TF_ETS_SUT_WRITE_ATTRS, "C", "/3", NULL, "pmin=1&pmax=3" },
  { TF_ETS_SUT_NOTIFIED, "C", "/1/0/1,/3/0", NULL, NULL },
  END,
};
/* 308: Observe-Composite of /16/0 and /16/1 (not there yet) from C.12, pmax on /16/0, Create
 * /16/1: the next notification carries it, and /16/0 as it was */
static const TfEtsSutStep s308[] = {
  REG ("A"),
  { TF_ETS_SUT_OBSERVE_COMP, "B", "/16/0,/16/1", "senml-json", NULL },
  { TF_ETS_SUT_WRITE_ATTRS, "B", "/16/0", NULL, "pmin=1&pmax=3" },
  { TF_ETS_SUT_NOTIFIED, "C", "/16/0,/16/1", NULL, NULL },
  { TF_ETS_SUT_CREATE, "D", "/16", "tlv", "1/0/0=308-a" },
  { TF_ETS_SUT_NOTIFIED_WITH, "D", "/16/1", NULL, NULL },
  END,
};
/* 309: as 308 from /16/0 and /16/1 (the client holds both), Delete /16/1: the next
 * notification carries /16/0 as it was and nothing of /16/1 */
static const TfEtsSutStep s309[] = {
  REG ("A"),
  { TF_ETS_SUT_OBSERVE_COMP, "B", "/16/0,/16/1", "senml-json", NULL },
  { TF_ETS_SUT_WRITE_ATTRS, "B", "/16/0", NULL, "pmin=1&pmax=3" },
  { TF_ETS_SUT_NOTIFIED, "C", "/16/0,/16/1", NULL, NULL },
  { TF_ETS_SUT_DELETE, "D", "/16/1", NULL, NULL },
  { TF_ETS_SUT_NOTIFIED_WITHOUT, "D", "/16/1", NULL, NULL },
  END,
};
static const TfEtsSutStep s241[] = {
  REG ("A"),
  { TF_ETS_SUT_EXECUTE, "B", "/3/0/4", NULL, NULL },
  { TF_ETS_SUT_REREGISTER, "C", NULL, NULL, NULL },
  END,
};
static const TfEtsSutStep s260[] = {
  REG ("A"),
  { TF_ETS_SUT_DISCOVER, "B", "/3/0", NULL, NULL },
  END,
};
static const TfEtsSutStep s301[] = { OBSERVE_13, END };
static const TfEtsSutStep s302[] = {
  OBSERVE_13,
  { TF_ETS_SUT_CANCEL_RESET, "D", "/3/0/13", NULL, NULL },
  END,
};
static const TfEtsSutStep s303[] = {
  OBSERVE_13,
  { TF_ETS_SUT_CANCEL_OBSERVE, "D", "/3/0/13", NULL, NULL },
  END,
};
static const TfEtsSutStep s306[] = {
  REG ("A"),
  { TF_ETS_SUT_SEND, "B", "/3/0/9 /3/0/13", NULL, NULL },
  END,
};
/* 270 and 290 (1.0) as the ETS's Portfolio cases 1630 and 1635 they defer to: from C.12
 * (/16/0 with four Identities), Discover /16, Create /16/1 with two Identities (or Delete
 * /16/0), Discover again; 270 Reads /16 back */
static const TfEtsSutStep s270[] = {
  REG ("A"),
  { TF_ETS_SUT_DISCOVER, "A", "/16", NULL, NULL },
  { TF_ETS_SUT_CREATE, "B", "/16", "tlv", "1/0/0=1630-a 1/0/1=1630-b" },
  { TF_ETS_SUT_DISCOVER, "C", "/16", NULL, NULL },
  { TF_ETS_SUT_READ, "D", "/16", "tlv", NULL },
  END,
};
static const TfEtsSutStep s290[] = {
  REG ("A"),
  { TF_ETS_SUT_DISCOVER, "A", "/16", NULL, NULL },
  { TF_ETS_SUT_DELETE, "B", "/16/0", NULL, NULL },
  { TF_ETS_SUT_DISCOVER, "C", "/16", NULL, NULL },
  END,
};
/* 770: the package pushed (or its URI written), Update executed, installed; the client then
 * updates its registration as a device back from its reboot */
static const TfEtsSutStep s770[] = {
  REG ("A"),
  { TF_ETS_SUT_FW_PACKAGE, "B", "/5/0/0", NULL, NULL },
  { TF_ETS_SUT_EXECUTE, "C", "/5/0/2", NULL, NULL },
  { TF_ETS_SUT_FW_UPDATED, "D", NULL, NULL, NULL },
  { TF_ETS_SUT_UPDATE, "D", NULL, NULL, NULL },
  END,
};

static const TfEtsSutCase cases[] = {
  { 101, "1.0 1.1", "Initial Registration", s101 },
  { 102, "1.0 1.1", "Registration Update", s102 },
  { 103, "1.0 1.1", "Deregistration", s103 },
  { 104, "1.0 1.1", "Registration Update Trigger", s104 },
  { 201, "1.0 1.1", "Querying basic information in Plain Text format", s201 },
  { 203, "1.0 1.1", "Querying basic information in TLV format", s203 },
  { 204, "1.0 1.1", "Querying basic information in JSON format", s204 },
  { 205, "1.0 1.1", "Setting basic information in Plain Text format", s205 },
  { 211, "1.1", "Querying basic information in CBOR format", s211 },
  { 215, "1.0 1.1", "Setting basic information in TLV format", s215 },
  { 220, "1.0 1.1", "Setting basic information in JSON format", s220 },
  { 229, "1.1", "Read-Composite Operation", s229 },
  { 230, "1.1", "Write-Composite Operation", s230 },
  { 231, "1.1", "Querying basic information in SenML JSON format", s231 },
  { 232, "1.1", "Querying basic information in SenML CBOR format", s232 },
  { 233, "1.1", "Setting basic information in SenML CBOR format", s233 },
  { 234, "1.1", "Setting basic information in SenML JSON format", s234 },
  { 235, "1.1", "Read-Composite Operation on root path", s235 },
  { 236, "1.1", "Read-Composite - Partial Presence", s236 },
  { 237, "1.1", "Read on Object without specifying Content-Type", s237 },
  { 241, "1.0 1.1", "Executable Resource: Rebooting the device", s241 },
  { 260, "1.0 1.1", "Discover Command", s260 },
  { 270, "1.0", "Create Object Instance", s270 },
  { 290, "1.0", "Delete Object Instance", s290 },
  { 301, "1.0 1.1", "Observation and Notification of parameter values", s301 },
  { 302, "1.0 1.1", "Cancel Observations using Reset Operation", s302 },
  { 303, "1.0 1.1", "Cancel observations using Observe with Cancel parameter", s303 },
  { 306, "1.1", "Send Operation", s306 },
  { 308, "1.1", "Observe-Composite and Creating Object Instance", s308 },
  { 309, "1.1", "Observe-Composite and Deleting Object Instance", s309 },
  { 310, "1.1", "Observe-Composite and modification of parameter values", s310 },
  { 770, "1.0 1.1", "Successful Firmware Update via CoAP", s770 },
  { 0, NULL, NULL, NULL },
};

const TfEtsSutCase *
tf_ets_sut_cases (void)
{
  return cases;
}

const TfEtsSutCase *
tf_ets_sut_case_find (const char *version, gint id)
{
  for (const TfEtsSutCase *c = cases; c->name != NULL; c++)
    {
      g_auto (GStrv) v = g_strsplit (c->versions, " ", -1);
      if (c->id == id && version != NULL && g_strv_contains ((const char *const *)v, version))
        return c;
    }
  return NULL;
}

static const struct
{
  const char *name, *human;
  guint cf;
} formats[] = {
  { "text", "Plain Text", TF_LWM2M_CF_TEXT },
  { "tlv", "TLV", TF_LWM2M_CF_TLV },
  { "json", "JSON (application/vnd.oma.lwm2m+json)", TF_LWM2M_CF_JSON },
  { "cbor", "CBOR", TF_LWM2M_CF_CBOR },
  { "senml-json", "SenML JSON", TF_LWM2M_CF_SENML_JSON },
  { "senml-cbor", "SenML CBOR", TF_LWM2M_CF_SENML_CBOR },
};

gint
tf_ets_sut_format_cf (const char *format)
{
  if (format == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (format, formats[i].name))
      return (gint)formats[i].cf;
  return -2;
}

static const char *
format_human (const char *format)
{
  for (guint i = 0; format != NULL && i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (format, formats[i].name))
      return formats[i].human;
  return "any format";
}

/* "1=72 6=true" on /1/0 → "/1/0/1 = 72, /1/0/6 = true" */
static char *
values_human (const char *path, const char *arg)
{
  g_auto (GStrv) kv = g_strsplit (arg, " ", -1);
  g_autoptr (GString) s = g_string_new (NULL);
  if (strchr (arg, '=') == NULL)
    return g_strdup_printf ("%s = %s", path, arg);
  for (guint i = 0; kv[i] != NULL; i++)
    {
      g_auto (GStrv) p = g_strsplit (kv[i], "=", 2);
      g_string_append_printf (s, "%s%s/%s = %s", i > 0 ? ", " : "", path, p[0],
                              p[1] != NULL ? p[1] : "");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
tf_ets_sut_step_instruction (const TfEtsSutStep *st, const char *endpoint)
{
  g_autofree char *v = NULL;
  char **p;
  switch (st->kind)
    {
    case TF_ETS_SUT_REGISTER:
      return g_strdup_printf ("nothing to do: the lab's client registers as '%s' now; accept it "
                              "(your server must know no other set-up)",
                              endpoint);
    case TF_ETS_SUT_UPDATE:
      return g_strdup_printf ("nothing to do: '%s' sends a Registration Update now", endpoint);
    case TF_ETS_SUT_DEREGISTER:
      return g_strdup_printf ("nothing to do: '%s' de-registers now; it should leave your "
                              "server's list",
                              endpoint);
    case TF_ETS_SUT_REREGISTER:
      return g_strdup_printf ("nothing to do: '%s' reboots and registers again", endpoint);
    case TF_ETS_SUT_READ:
      if (st->format == NULL)
        return g_strdup_printf ("on your server: Read %s of '%s' without naming a format (no "
                                "Accept)",
                                st->path, endpoint);
      return g_strdup_printf ("on your server: Read %s of '%s' in %s", st->path, endpoint,
                              format_human (st->format));
    case TF_ETS_SUT_READ_COMPOSITE:
      v = g_strjoinv (", ", (p = g_strsplit (st->path, ",", -1)));
      g_strfreev (p);
      return g_strdup_printf ("on your server: Read-Composite %s of '%s' in %s", v, endpoint,
                              format_human (st->format));
    case TF_ETS_SUT_OBSERVE_COMP:
      v = g_strjoinv (", ", (p = g_strsplit (st->path, ",", -1)));
      g_strfreev (p);
      return g_strdup_printf ("on your server: Observe-Composite %s of '%s' in %s", v, endpoint,
                              format_human (st->format));
    case TF_ETS_SUT_WRITE_COMPOSITE:
      v = values_human (st->path, st->arg);
      return g_strdup_printf ("on your server: Write-Composite on '%s' in %s: %s", endpoint,
                              format_human (st->format), v);
    case TF_ETS_SUT_WRITE:
      v = values_human (st->path, st->arg);
      return g_strdup_printf ("on your server: Write %s of '%s' in %s%s: %s", st->path, endpoint,
                              format_human (st->format),
                              strchr (st->arg, '=') != NULL ? " (partial update)" : "", v);
    case TF_ETS_SUT_EXECUTE:
      return g_strdup_printf ("on your server: Execute %s of '%s' (no arguments)", st->path,
                              endpoint);
    case TF_ETS_SUT_CREATE:
      v = values_human (st->path, st->arg);
      return g_strdup_printf ("on your server: Create an Object Instance of %s on '%s' in %s: %s",
                              st->path, endpoint, format_human (st->format), v);
    case TF_ETS_SUT_DELETE:
      return g_strdup_printf ("on your server: Delete %s of '%s'", st->path, endpoint);
    case TF_ETS_SUT_DISCOVER:
      return g_strdup_printf ("on your server: Discover %s of '%s'", st->path, endpoint);
    case TF_ETS_SUT_WRITE_ATTRS:
      return g_strdup_printf ("on your server: Write-Attributes %s?%s on '%s'", st->path, st->arg,
                              endpoint);
    case TF_ETS_SUT_OBSERVE:
      return g_strdup_printf ("on your server: Observe %s of '%s'", st->path, endpoint);
    case TF_ETS_SUT_NOTIFIED:
      return g_strdup_printf ("nothing to do: '%s' notifies %s every few seconds; your server "
                              "should show the values (keep the observation)",
                              endpoint, st->path);
    case TF_ETS_SUT_SEND:
      return g_strdup_printf ("nothing to do: '%s' Sends %s (SenML JSON, POST /dp) now; your "
                              "server should show the values",
                              endpoint, st->path);
    case TF_ETS_SUT_NOTIFIED_WITH:
      return g_strdup_printf ("nothing to do: '%s' notifies the observation with %s now; your "
                              "server should show it",
                              endpoint, st->path);
    case TF_ETS_SUT_NOTIFIED_WITHOUT:
      return g_strdup_printf ("nothing to do: '%s' notifies the observation without %s now; "
                              "your server should show it gone",
                              endpoint, st->path);
    case TF_ETS_SUT_CANCEL_RESET:
      return g_strdup_printf ("on your server: cancel the observation of %s of '%s' by Reset "
                              "(RST to its next notification)",
                              st->path, endpoint);
    case TF_ETS_SUT_FW_PACKAGE:
      return g_strdup_printf ("on your server: give '%s' the firmware package @PACKAGE@: Write it "
                              "to Package /5/0/0 (opaque, block-wise as your server does), or "
                              "serve it over CoAP and Write its URI to Package URI /5/0/1",
                              endpoint);
    case TF_ETS_SUT_FW_UPDATED:
      return g_strdup_printf ("nothing to do: '%s' installs the firmware (State 3, then 0) with "
                              "Update Result 1; your server may Read /5/0/3 and /5/0/5",
                              endpoint);
    case TF_ETS_SUT_CANCEL_OBSERVE:
    default:
      return g_strdup_printf ("on your server: cancel the observation of %s of '%s' with a GET "
                              "Observe=1",
                              st->path, endpoint);
    }
}

char *
tf_ets_sut_step_command (const TfEtsSutStep *st)
{
  switch (st->kind)
    {
    case TF_ETS_SUT_READ:
      if (st->format == NULL)
        return g_strdup_printf ("read %s", st->path);
      return g_strdup_printf ("read %s %s", st->path, st->format);
    case TF_ETS_SUT_READ_COMPOSITE:
      return g_strdup_printf ("read-composite %s %s", st->path, st->format);
    case TF_ETS_SUT_OBSERVE_COMP:
      return g_strdup_printf ("observe-composite %s %s", st->path, st->format);
    case TF_ETS_SUT_WRITE_COMPOSITE:
      return g_strdup_printf ("write-composite %s %s %s", st->path, st->format, st->arg);
    case TF_ETS_SUT_WRITE:
      return g_strdup_printf ("write %s %s %s", st->path, st->format, st->arg);
    case TF_ETS_SUT_EXECUTE:
      return g_strdup_printf ("execute %s", st->path);
    case TF_ETS_SUT_CREATE:
      return g_strdup_printf ("create %s %s %s", st->path, st->format, st->arg);
    case TF_ETS_SUT_DELETE:
      return g_strdup_printf ("delete %s", st->path);
    case TF_ETS_SUT_DISCOVER:
      return g_strdup_printf ("discover %s", st->path);
    case TF_ETS_SUT_WRITE_ATTRS:
      return g_strdup_printf ("write-attributes %s %s", st->path, st->arg);
    case TF_ETS_SUT_OBSERVE:
      return g_strdup_printf ("observe %s", st->path);
    case TF_ETS_SUT_CANCEL_RESET:
      return g_strdup_printf ("cancel-reset %s", st->path);
    case TF_ETS_SUT_CANCEL_OBSERVE:
      return g_strdup_printf ("cancel-observe %s", st->path);
    case TF_ETS_SUT_FW_PACKAGE:
      return g_strdup_printf ("write-package %s @PACKAGE@", st->path);
    default:
      return NULL;
    }
}
