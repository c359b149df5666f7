/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-serial"

#include "tf-serial.h"
#include "tf-error.h"

#include <errno.h>

gboolean
tf_serial_set_error (GError **error, enum sp_return rc, const char *what)
{
  g_autofree char *msg = NULL;
  int code = TF_ERROR_FAILED;

  switch (rc)
    {
    case SP_OK:
      return TRUE;
    case SP_ERR_ARG:
      code = TF_ERROR_INVALID_ARGUMENT;
      msg = g_strdup ("invalid argument");
      break;
    case SP_ERR_FAIL:
      {
        char *m = sp_last_error_message ();
        int err = sp_last_error_code ();
        code = err == ENOENT || err == ENODEV || err == ENXIO ? TF_ERROR_NOT_FOUND
               : err == EACCES || err == EPERM                ? TF_ERROR_PERMISSION_DENIED
               : err == EBUSY                                 ? TF_ERROR_BUSY
                                                              : TF_ERROR_IO;
        msg = g_strdup (m != NULL ? m : "failed");
        g_strchomp (msg);
        sp_free_error_message (m);
        break;
      }
    case SP_ERR_MEM:
      msg = g_strdup ("out of memory");
      break;
    case SP_ERR_SUPP:
      code = TF_ERROR_NOT_SUPPORTED;
      msg = g_strdup ("not supported by this port");
      break;
    default:
      msg = g_strdup_printf ("error %d", (int)rc);
      break;
    }
  g_set_error (error, TF_ERROR, code, "%s: %s", what, msg);
  return FALSE;
}

struct sp_port *
tf_serial_open (const char *device, guint baud, guint bits, char parity, guint stop_bits,
                GError **error)
{
  g_autoptr (TfSerialPort) port = NULL;
  enum sp_return rc;

  rc = sp_get_port_by_name (device, &port);
  if (rc != SP_OK)
    {
      tf_serial_set_error (error, rc, device);
      return NULL;
    }
  rc = sp_open (port, SP_MODE_READ_WRITE);
  if (rc != SP_OK)
    {
      tf_serial_set_error (error, rc, device);
      return NULL;
    }
  /* one call per setting: libserialport applies each as it goes */
  if ((rc = sp_set_baudrate (port, baud)) != SP_OK || (rc = sp_set_bits (port, bits)) != SP_OK
      || (rc = sp_set_parity (port, parity == 'E'   ? SP_PARITY_EVEN
                                    : parity == 'O' ? SP_PARITY_ODD
                                                    : SP_PARITY_NONE))
             != SP_OK
      || (rc = sp_set_stopbits (port, stop_bits)) != SP_OK
      || (rc = sp_set_flowcontrol (port, SP_FLOWCONTROL_NONE)) != SP_OK)
    {
      tf_serial_set_error (error, rc, device);
      return NULL;
    }
  return g_steal_pointer (&port);
}
