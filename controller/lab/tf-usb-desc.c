/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-usb"

#include "tf-usb-desc.h"

#include <string.h>

#include "tf-error.h"

gboolean
tf_hub_descriptor_parse (const guint8 *data, gsize len, TfHubDescriptor *out, GError **error)
{
  if (len < 7 || data[0] < 7 || data[0] > len)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "hub descriptor of %" G_GSIZE_FORMAT " bytes (bLength %u) is too short", len,
                   len > 0 ? data[0] : 0);
      return FALSE;
    }
  if (data[1] != 0x29 && data[1] != 0x2A)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "hub descriptor has type 0x%02x, not 0x29 or 0x2a", data[1]);
      return FALSE;
    }
  if (data[2] == 0 || (data[1] == 0x2A && data[2] > 15))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "hub descriptor names %u ports", data[2]);
      return FALSE;
    }
  out->usb3 = data[1] == 0x2A;
  out->n_ports = data[2];
  out->characteristics = data[3] | (data[4] << 8);
  switch (out->characteristics & 0x3)
    {
    case 0:
      out->switching = TF_HUB_SWITCHING_GANGED;
      break;
    case 1:
      out->switching = TF_HUB_SWITCHING_PER_PORT;
      break;
    default:
      out->switching = TF_HUB_SWITCHING_NONE;
      break;
    }
  out->power_on_to_good_ms = data[5] * 2u;
  return TRUE;
}

const char *
tf_hub_switching_to_string (TfHubSwitching switching)
{
  switch (switching)
    {
    case TF_HUB_SWITCHING_GANGED:
      return "ganged (all ports at once)";
    case TF_HUB_SWITCHING_PER_PORT:
      return "per-port";
    default:
      return "none (no power switching)";
    }
}

gboolean
tf_hub_port_status_parse (const guint8 *data, gsize len, gboolean usb3, gboolean *powered,
                          GError **error)
{
  guint16 status;
  if (len != 4)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "port status of %" G_GSIZE_FORMAT " bytes, not 4", len);
      return FALSE;
    }
  status = data[0] | (data[1] << 8);
  *powered = (status & (usb3 ? 0x0200 : 0x0100)) != 0;
  return TRUE;
}

gboolean
tf_dfu_status_parse (const guint8 *data, gsize len, TfDfuStatus *out, GError **error)
{
  if (len != 6)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                   "DFU GETSTATUS answered %" G_GSIZE_FORMAT " bytes, not 6", len);
      return FALSE;
    }
  out->status = data[0];
  out->poll_timeout_ms = data[1] | (data[2] << 8) | ((guint32)data[3] << 16);
  out->state = data[4];
  out->istring = data[5];
  if (out->state > TF_DFU_STATE_ERROR)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "DFU state %u does not exist", out->state);
      return FALSE;
    }
  if (out->status > 0x0f)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "DFU status 0x%02x does not exist",
                   out->status);
      return FALSE;
    }
  return TRUE;
}

const char *
tf_dfu_state_to_string (guint8 state)
{
  static const char *const names[] = {
    "appIDLE",        "appDETACH",        "dfuIDLE",     "dfuDNLOAD-SYNC",         "dfuDNBUSY",
    "dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE",
    "dfuERROR",
  };
  return state < G_N_ELEMENTS (names) ? names[state] : "unknown state";
}

const char *
tf_dfu_status_to_string (guint8 status)
{
  static const char *const meanings[] = {
    "OK",
    "errTARGET: file is not targeted for use by this device",
    "errFILE: file is for this device but fails a vendor-specific verification test",
    "errWRITE: device is unable to write memory",
    "errERASE: memory erase function failed",
    "errCHECK_ERASED: memory erase check failed",
    "errPROG: program memory function failed",
    "errVERIFY: programmed memory failed verification",
    "errADDRESS: cannot program memory due to received address that is out of range",
    "errNOTDONE: received DFU_DNLOAD with wLength = 0, but device does not think it has all "
    "of the data yet",
    "errFIRMWARE: device's firmware is corrupt; it cannot return to run-time operations",
    "errVENDOR: iString indicates a vendor-specific error",
    "errUSBR: device detected unexpected USB reset signaling",
    "errPOR: device detected unexpected power on reset",
    "errUNKNOWN: something went wrong, but the device does not know what it was",
    "errSTALLEDPKT: device stalled an unexpected request",
  };
  return status < G_N_ELEMENTS (meanings) ? meanings[status] : "unknown status";
}

gboolean
tf_dfu_functional_parse (const guint8 *data, gsize len, TfDfuFunctional *out, GError **error)
{
  if (len < 7 || data[0] < 7 || data[1] != 0x21)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "not a DFU functional descriptor");
      return FALSE;
    }
  out->attributes = data[2];
  out->detach_timeout_ms = data[3] | (data[4] << 8);
  out->transfer_size = data[5] | (data[6] << 8);
  out->dfu_version = data[0] >= 9 && len >= 9 ? (data[7] | (data[8] << 8)) : 0x0100;
  if (out->transfer_size == 0)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "DFU wTransferSize is 0");
      return FALSE;
    }
  return TRUE;
}

gboolean
tf_dfu_functional_find (const guint8 *data, gsize len, TfDfuFunctional *out, GError **error)
{
  gsize off = 0;
  while (off + 2 <= len)
    {
      guint8 dlen = data[off];
      if (dlen < 2 || dlen > len - off)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL,
                       "malformed class descriptor (bLength %u at offset %" G_GSIZE_FORMAT
                       " of %" G_GSIZE_FORMAT ")",
                       dlen, off, len);
          return FALSE;
        }
      if (data[off + 1] == 0x21)
        return tf_dfu_functional_parse (data + off, dlen, out, error);
      off += dlen;
    }
  g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "no DFU functional descriptor");
  return FALSE;
}

char *
tf_dfuse_alt_name (const char *layout)
{
  const char *p = layout[0] == '@' ? layout + 1 : layout;
  const char *slash = strchr (p, '/');
  g_autofree char *name = slash != NULL ? g_strndup (p, slash - p) : g_strdup (p);
  return g_strdup (g_strstrip (name));
}

/* --- DfuSe memory layout (ST UM0424) ----------------------------------------------- */

/* A device names thousands of sectors at most; more is a broken or hostile descriptor. */
#define MAX_SECTORS 8192

static gboolean
layout_fail (GError **error, const char *layout, const char *at)
{
  g_set_error (error, TF_ERROR, TF_ERROR_PROTOCOL, "'%s' is no DfuSe memory layout (at column %d)",
               layout, (int)(at - layout) + 1);
  return FALSE;
}

/* "/0xADDR/NN*SSSmt,NN*SSSmt..." after the name: m a multiplier (' ', K, M), t the
 * access type a..g; one or more such regions. */
static gboolean
parse_regions (const char *layout, const char *p, GArray *out, GError **error)
{
  while (*p == '/')
    {
      char *end;
      guint64 addr;

      p++;
      if (g_ascii_strncasecmp (p, "0x", 2) != 0)
        return layout_fail (error, layout, p);
      addr = g_ascii_strtoull (p + 2, &end, 16);
      if (end == p + 2 || addr > G_MAXUINT32 || *end != '/')
        return layout_fail (error, layout, end);
      p = end + 1;
      for (;;)
        {
          guint64 n = g_ascii_strtoull (p, &end, 10), size;
          if (end == p || n == 0 || n > MAX_SECTORS || *end != '*')
            return layout_fail (error, layout, end);
          p = end + 1;
          size = g_ascii_strtoull (p, &end, 10);
          if (end == p || size == 0 || size > G_MAXUINT32)
            return layout_fail (error, layout, end);
          p = end;
          if (*p == 'K' || *p == 'M')
            size *= *p++ == 'K' ? 1024 : 1024 * 1024;
          else if (*p == ' ')
            p++;
          if (*p < 'a' || *p > 'g' || size > G_MAXUINT32)
            return layout_fail (error, layout, p);
          p++;
          if (out->len + n > MAX_SECTORS || addr + n * size > (guint64)G_MAXUINT32 + 1)
            return layout_fail (error, layout, p);
          for (guint64 i = 0; i < n; i++, addr += size)
            {
              TfDfuSector sec = { (guint32)addr, (guint32)size };
              g_array_append_val (out, sec);
            }
          if (*p != ',')
            break;
          p++;
        }
    }
  while (g_ascii_isspace (*p))
    p++;
  return *p == '\0' ? TRUE : layout_fail (error, layout, p);
}

GArray *
tf_dfuse_layout_parse (const char *layout, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (TfDfuSector));
  const char *p = layout[0] == '@' ? strchr (layout, '/') : NULL;

  if (p == NULL)
    return layout_fail (error, layout, layout), NULL;
  if (!parse_regions (layout, p, out, error))
    return NULL;
  return g_steal_pointer (&out);
}
