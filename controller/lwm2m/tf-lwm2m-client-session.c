/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The client's CoAP sessions: to its server, its bootstrap server, a package server; from
 * the kernel's choice of address or from one the caller set (a lab's runner, whose traffic
 * the capture must tell from other runs' on the same address). */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "tf-error.h"
#include "tf-lwm2m-client-private.h"

void
tf_lwm2m_client_set_local (TfLwm2mClient *self, const char *address, guint16 port)
{
  g_free (self->local_addr);
  self->local_addr = g_strdup (address);
  self->local_port = port;
}

/* @ctx's own port: a package download (a context of its own) from the next one, as a
 * second socket on the same port connected to the same server would take the datagrams
 * meant for the first (Linux delivers to the last one bound) */
static gboolean
local_address (TfLwm2mClient *self, coap_context_t *ctx, coap_address_t *out, GError **error)
{
  struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
  struct addrinfo *res = NULL;
  guint offset = self->local_port != 0 && ctx != self->ctx ? 1 : 0;
  g_autofree char *port = g_strdup_printf ("%u", MIN (self->local_port + offset, 65535u));
  if (getaddrinfo (self->local_addr, port, &hints, &res) != 0 || res == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "'%s' is not an address",
                   self->local_addr);
      return FALSE;
    }
  coap_address_init (out);
  out->size = res->ai_addrlen;
  memcpy (&out->addr.sa, res->ai_addr, res->ai_addrlen);
  freeaddrinfo (res);
  return TRUE;
}

/* coap://H:P or coaps://H:P → a client session (PSK for coaps). Names are resolved with
 * getaddrinfo (the lab uses literal addresses; a name costs one blocking lookup). */
coap_session_t *
tf_lwm2m_client_open_session (TfLwm2mClient *self, coap_context_t *ctx, const char *uri,
                              GError **error)
{
  coap_uri_t u;
  coap_address_t a, local;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
  coap_session_t *s;
  gboolean secure;

  if (uri == NULL || coap_split_uri ((const uint8_t *)uri, strlen (uri), &u) < 0
      || (u.scheme != COAP_URI_SCHEME_COAP && u.scheme != COAP_URI_SCHEME_COAPS))
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a coap:// or coaps:// URI", uri != NULL ? uri : "");
      return NULL;
    }
  secure = u.scheme == COAP_URI_SCHEME_COAPS;
  host = g_strndup ((const char *)u.host.s, u.host.length);
  port = g_strdup_printf ("%u", u.port);
  if (getaddrinfo (host, port, &hints, &res) != 0 || res == NULL)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_NOT_FOUND, "cannot resolve '%s'", host);
      return NULL;
    }
  coap_address_init (&a);
  a.size = res->ai_addrlen;
  memcpy (&a.addr.sa, res->ai_addr, res->ai_addrlen);
  freeaddrinfo (res);
  if (self->local_addr != NULL && !local_address (self, ctx, &local, error))
    return NULL;
  if (secure)
    {
      coap_dtls_cpsk_t cpsk = { 0 };
      if (self->psk_id == NULL || self->psk_key == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "%s needs a PSK identity and key", uri);
          return NULL;
        }
      cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
      cpsk.psk_info.identity.s = (const uint8_t *)self->psk_id;
      cpsk.psk_info.identity.length = strlen (self->psk_id);
      cpsk.psk_info.key.s = g_bytes_get_data (self->psk_key, NULL);
      cpsk.psk_info.key.length = g_bytes_get_size (self->psk_key);
      s = coap_new_client_session_psk2 (ctx, self->local_addr ? &local : NULL, &a, COAP_PROTO_DTLS,
                                        &cpsk);
    }
  else
    s = coap_new_client_session (ctx, self->local_addr ? &local : NULL, &a, COAP_PROTO_UDP);
  if (s == NULL)
    {
      /* bound where it was told (the floor's --listen): the usual why is another socket
       * there (libcoap only logs it) */
      g_autofree char *from
          = self->local_addr != NULL
                ? g_strdup_printf (" from %s:%u (that port in use, or the address not here)",
                                   self->local_addr, self->local_port)
                : g_strdup ("");
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "cannot open a session to %s%s", uri, from);
    }
  return s;
}
