/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcoap in the GLib main loop, its log in GLib's, and the decoded exchange log. */
#define G_LOG_DOMAIN "tf-coap"

#include "config.h"

#include "tf-coap-source.h"

#include "tf-lwm2m-codec.h"

#define MAX_DECODED_PAYLOAD 65536

typedef struct
{
  GSource parent;
  coap_context_t *ctx;
  gpointer fd_tag;
  gboolean paused;
} TfCoapSource;

static TfCoapDtlsFunc dtls_func;
static gpointer dtls_func_data;
static TfCoapExchangeFunc exchange_func;
static gpointer exchange_func_data;

/* libcoap's levels are syslog's. DTLS failures are warnings there: hand them on too, as they
 * are all a server ever learns of a peer with the wrong key. */
static void
on_coap_log (coap_log_t level, const char *message)
{
  g_autofree char *m = g_strchomp (g_strdup (message));
  if (dtls_func != NULL && strstr (m, "DTLS") != NULL
      && (strstr (m, "decrypt") != NULL || strstr (m, "Failed") != NULL
          || strstr (m, "failed") != NULL || strstr (m, "Alert") != NULL
          || strstr (m, "alert") != NULL || strstr (m, "handshake") != NULL))
    dtls_func (m, dtls_func_data);
  if (level <= LOG_ERR)
    g_warning ("%s", m);
  else if (level <= LOG_NOTICE)
    g_message ("%s", m);
  else
    g_debug ("%s", m);
}

void
tf_coap_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      coap_startup ();
      coap_set_log_handler (on_coap_log);
      /* WARNING keeps DTLS failures visible; libcoap's debug output only when asked for */
      coap_set_log_level (g_getenv ("TF_COAP_DEBUG") != NULL ? LOG_DEBUG : LOG_WARNING);
      coap_dtls_set_log_level (g_getenv ("TF_COAP_DEBUG") != NULL ? LOG_DEBUG : LOG_WARNING);
      g_once_init_leave (&done, 1);
    }
}

void
tf_coap_set_dtls_func (TfCoapDtlsFunc func, gpointer user_data)
{
  dtls_func = func;
  dtls_func_data = user_data;
}

static void
rearm (TfCoapSource *s)
{
  coap_tick_t now;
  guint ms;
  coap_ticks (&now);
  /* what coap_io_process does before waiting: retransmissions due, and the next deadline */
  ms = coap_io_prepare_epoll (s->ctx, now);
  g_source_set_ready_time ((GSource *)s,
                           ms == 0 ? -1 : g_get_monotonic_time () + (gint64)ms * 1000);
}

static gboolean
source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  TfCoapSource *s = (TfCoapSource *)source;
  if (s->paused)
    {
      g_source_set_ready_time (source, -1);
      return G_SOURCE_CONTINUE;
    }
  if (coap_io_process (s->ctx, COAP_IO_NO_WAIT) < 0)
    g_warning ("coap_io_process failed");
  rearm (s);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
  .dispatch = source_dispatch,
};

GSource *
tf_coap_source_new (coap_context_t *ctx)
{
  TfCoapSource *s;
  int fd = coap_context_get_coap_fd (ctx);
  g_return_val_if_fail (fd >= 0, NULL);
  s = (TfCoapSource *)g_source_new (&source_funcs, sizeof (TfCoapSource));
  s->ctx = ctx;
  g_source_set_name ((GSource *)s, "libcoap");
  s->fd_tag = g_source_add_unix_fd ((GSource *)s, fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_ready_time ((GSource *)s, 0);
  g_source_attach ((GSource *)s, g_main_context_get_thread_default ());
  return (GSource *)s;
}

void
tf_coap_source_set_paused (GSource *source, gboolean paused)
{
  TfCoapSource *s = (TfCoapSource *)source;
  s->paused = paused;
  g_source_modify_unix_fd (source, s->fd_tag, paused ? 0 : G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_ready_time (source, paused ? -1 : 0);
}

void
tf_coap_source_wakeup (GSource *source)
{
  if (source != NULL && !((TfCoapSource *)source)->paused)
    g_source_set_ready_time (source, 0);
}

/* ---- decoded messages ---- */

const char *
tf_coap_type_to_string (guint type)
{
  static const char *names[] = { "CON", "NON", "ACK", "RST" };
  return type < 4 ? names[type] : "?";
}

char *
tf_coap_code_to_string (guint code)
{
  static const char *methods[]
      = { "EMPTY", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH" };
  if (code < 8)
    return g_strdup (methods[code]);
  return g_strdup_printf ("%u.%02u", code >> 5, code & 31);
}

char *
tf_coap_session_peer (const coap_session_t *session)
{
  char buf[INET6_ADDRSTRLEN + 16] = "";
  const coap_address_t *a = session != NULL ? coap_session_get_addr_remote (session) : NULL;
  if (a == NULL)
    return g_strdup ("?");
  coap_print_addr (a, (unsigned char *)buf, sizeof buf);
  return g_strdup (buf);
}

static gboolean
option_is_uint (guint n)
{
  switch (n)
    {
    case COAP_OPTION_OBSERVE:
    case COAP_OPTION_URI_PORT:
    case COAP_OPTION_CONTENT_FORMAT:
    case COAP_OPTION_MAXAGE:
    case COAP_OPTION_ACCEPT:
    case COAP_OPTION_BLOCK2:
    case COAP_OPTION_BLOCK1:
    case COAP_OPTION_SIZE2:
    case COAP_OPTION_SIZE1:
    case COAP_OPTION_NORESPONSE:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
option_is_string (guint n)
{
  return n == COAP_OPTION_URI_HOST || n == COAP_OPTION_LOCATION_PATH || n == COAP_OPTION_URI_PATH
         || n == COAP_OPTION_URI_QUERY || n == COAP_OPTION_LOCATION_QUERY
         || n == COAP_OPTION_PROXY_URI || n == COAP_OPTION_PROXY_SCHEME;
}

static char *
decode_payload (gint cf, const TfLwm2mPath *path, const guint8 *data, gsize len)
{
  g_autoptr (GPtrArray) recs = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) s = NULL;
  TfLwm2mPath root = { .len = 0 };

  if (len == 0)
    return NULL;
  if (len > MAX_DECODED_PAYLOAD)
    return g_strdup_printf ("(%" G_GSIZE_FORMAT " bytes, not decoded)", len);
  /* text and link format as they are (no Content-Format: text when it is UTF-8) */
  if (cf == TF_LWM2M_CF_LINK
      || ((cf == TF_LWM2M_CF_TEXT || cf < 0) && g_utf8_validate ((const char *)data, len, NULL)))
    return g_strndup ((const char *)data, len);
  if (cf == TF_LWM2M_CF_OPAQUE || cf < 0)
    {
      s = g_string_new ("hex:");
      for (gsize i = 0; i < len && i < 64; i++)
        g_string_append_printf (s, "%02x", data[i]);
      if (len > 64)
        g_string_append_printf (s, "... (%" G_GSIZE_FORMAT " bytes)", len);
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  recs = tf_lwm2m_decode (cf, path != NULL ? path : &root, data, len, &error);
  if (recs == NULL)
    return g_strdup_printf ("(undecodable %s: %s)", tf_lwm2m_cf_to_string (cf), error->message);
  s = g_string_new (NULL);
  for (guint i = 0; i < recs->len; i++)
    {
      TfLwm2mRecord *r = g_ptr_array_index (recs, i);
      g_autofree char *p = tf_lwm2m_path_to_string (&r->path);
      g_autofree char *v = tf_lwm2m_record_value_to_string (r);
      g_string_append_printf (s, "%s%s=%s", i > 0 ? " " : "", p, v);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
option_free (TfCoapOption *o)
{
  g_free (o->value);
  g_free (o);
}

TfCoapMessage *
tf_coap_message_new (const coap_session_t *session, const coap_pdu_t *pdu, gboolean outgoing,
                     const TfLwm2mPath *path)
{
  TfCoapMessage *m = g_new0 (TfCoapMessage, 1);
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  coap_bin_const_t tok = coap_pdu_get_token (pdu);
  size_t len = 0;
  const uint8_t *data = NULL;
  TfLwm2mPath own;

  m->outgoing = outgoing;
  m->time_us = g_get_real_time ();
  m->peer = tf_coap_session_peer (session);
  if (session != NULL && coap_session_get_addr_local (session) != NULL)
    m->local_port = coap_address_get_port (coap_session_get_addr_local (session));
  m->type = coap_pdu_get_type (pdu);
  m->code = coap_pdu_get_code (pdu);
  m->mid = (guint)coap_pdu_get_mid (pdu);
  m->token = g_bytes_new (tok.s, tok.length);
  m->options = g_ptr_array_new_with_free_func ((GDestroyNotify)option_free);
  m->cf = -1;
  coap_option_iterator_init (pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    {
      TfCoapOption *o = g_new0 (TfCoapOption, 1);
      const guint8 *v = coap_opt_value (opt);
      guint l = coap_opt_length (opt);
      o->number = it.number;
      if (option_is_uint (it.number))
        o->value = g_strdup_printf ("%u", coap_decode_var_bytes (v, l));
      else if (option_is_string (it.number))
        o->value = g_strndup ((const char *)v, l);
      else
        {
          GString *h = g_string_new (NULL);
          for (guint i = 0; i < l; i++)
            g_string_append_printf (h, "%02x", v[i]);
          o->value = g_string_free (h, FALSE);
        }
      if (it.number == COAP_OPTION_CONTENT_FORMAT)
        m->cf = (gint)coap_decode_var_bytes (v, l);
      g_ptr_array_add (m->options, o);
    }
  if (coap_get_data (pdu, &len, &data) && len > 0)
    {
      m->payload = g_bytes_new (data, len);
      if (path == NULL && tf_coap_pdu_lwm2m_path (pdu, &own))
        path = &own;
      m->decoded = decode_payload (m->cf, path, data, len);
    }
  return m;
}

void
tf_coap_message_free (TfCoapMessage *m)
{
  if (m == NULL)
    return;
  g_free (m->peer);
  g_bytes_unref (m->token);
  g_ptr_array_unref (m->options);
  if (m->payload != NULL)
    g_bytes_unref (m->payload);
  g_free (m->decoded);
  g_free (m);
}

static char *
bytes_hex (GBytes *b)
{
  gsize n = 0;
  const guint8 *d = b != NULL ? g_bytes_get_data (b, &n) : NULL;
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

JsonNode *
tf_coap_message_to_json (const TfCoapMessage *m)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *code = tf_coap_code_to_string (m->code);
  g_autofree char *tok = bytes_hex (m->token);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dir");
  json_builder_add_string_value (b, m->outgoing ? "out" : "in");
  json_builder_set_member_name (b, "time_us");
  json_builder_add_int_value (b, m->time_us);
  /* which moment time_us is (README.md, the transcript): an ETS run sets "kernel-rx" */
  json_builder_set_member_name (b, "clock");
  json_builder_add_string_value (b, m->outgoing ? "sent" : "handled");
  json_builder_set_member_name (b, "peer");
  json_builder_add_string_value (b, m->peer);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, tf_coap_type_to_string (m->type));
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "mid");
  json_builder_add_int_value (b, m->mid);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, tok);
  json_builder_set_member_name (b, "options");
  json_builder_begin_array (b);
  for (guint i = 0; i < m->options->len; i++)
    {
      TfCoapOption *o = g_ptr_array_index (m->options, i);
      json_builder_begin_array (b);
      json_builder_add_int_value (b, o->number);
      json_builder_add_string_value (b, o->value);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  if (m->cf >= 0)
    {
      json_builder_set_member_name (b, "cf");
      json_builder_add_int_value (b, m->cf);
    }
  if (m->payload != NULL)
    {
      json_builder_set_member_name (b, "payload_len");
      json_builder_add_int_value (b, g_bytes_get_size (m->payload));
    }
  if (m->decoded != NULL)
    {
      json_builder_set_member_name (b, "payload");
      json_builder_add_string_value (b, m->decoded);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static const char *
option_name (guint n)
{
  switch (n)
    {
    case COAP_OPTION_OBSERVE:
      return "Observe";
    case COAP_OPTION_LOCATION_PATH:
      return "Location-Path";
    case COAP_OPTION_URI_PATH:
      return "Uri-Path";
    case COAP_OPTION_CONTENT_FORMAT:
      return "Content-Format";
    case COAP_OPTION_URI_QUERY:
      return "Uri-Query";
    case COAP_OPTION_ACCEPT:
      return "Accept";
    case COAP_OPTION_BLOCK2:
      return "Block2";
    case COAP_OPTION_BLOCK1:
      return "Block1";
    case COAP_OPTION_SIZE2:
      return "Size2";
    case COAP_OPTION_SIZE1:
      return "Size1";
    case COAP_OPTION_MAXAGE:
      return "Max-Age";
    case COAP_OPTION_URI_HOST:
      return "Uri-Host";
    case COAP_OPTION_URI_PORT:
      return "Uri-Port";
    default:
      return NULL;
    }
}

char *
tf_coap_message_to_string (const TfCoapMessage *m)
{
  g_autofree char *code = tf_coap_code_to_string (m->code);
  g_autofree char *tok = bytes_hex (m->token);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s %s %s %s mid=%u token=%s", m->outgoing ? "->" : "<-", m->peer,
                          tf_coap_type_to_string (m->type), code, m->mid, tok);
  for (guint i = 0; i < m->options->len; i++)
    {
      TfCoapOption *o = g_ptr_array_index (m->options, i);
      const char *n = option_name (o->number);
      if (n != NULL)
        g_string_append_printf (s, " %s=%s", n, o->value);
      else
        g_string_append_printf (s, " opt%u=%s", o->number, o->value);
    }
  if (m->decoded != NULL)
    g_string_append_printf (s, " payload[%s]: %s", m->cf >= 0 ? tf_lwm2m_cf_to_string (m->cf) : "-",
                            m->decoded);
  return g_string_free (s, FALSE);
}

void
tf_coap_set_exchange_func (TfCoapExchangeFunc func, gpointer user_data)
{
  exchange_func = func;
  exchange_func_data = user_data;
}

void
tf_lwm2m_exchange_log (const coap_session_t *session, const coap_pdu_t *pdu, gboolean outgoing,
                       const TfLwm2mPath *path)
{
  g_autoptr (TfCoapMessage) m = tf_coap_message_new (session, pdu, outgoing, path);
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      g_autofree char *s = tf_coap_message_to_string (m);
      g_debug ("%s", s);
    }
  if (exchange_func != NULL)
    exchange_func (m, exchange_func_data);
}

/* ---- small PDU helpers ---- */

char *
tf_coap_token_hex (const guint8 *data, gsize len)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

char *
tf_coap_token_key (const coap_session_t *session, const guint8 *data, gsize len)
{
  g_autofree char *hex = tf_coap_token_hex (data, len);
  return g_strdup_printf ("%p/%s", (const void *)session, hex);
}

static GHashTable *owners; /* coap_context_t → owner; main thread only */

void
tf_coap_context_set_owner (coap_context_t *ctx, gpointer owner)
{
  if (owners == NULL)
    owners = g_hash_table_new (NULL, NULL);
  if (owner != NULL)
    g_hash_table_insert (owners, ctx, owner);
  else
    g_hash_table_remove (owners, ctx);
}

gpointer
tf_coap_context_get_owner (const coap_context_t *ctx)
{
  return owners != NULL ? g_hash_table_lookup (owners, ctx) : NULL;
}

char *
tf_coap_pdu_uri_path (const coap_pdu_t *pdu)
{
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  GString *s = g_string_new (NULL);
  coap_option_iterator_init (pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    {
      if (it.number != COAP_OPTION_URI_PATH)
        continue;
      if (s->len > 0)
        g_string_append_c (s, '/');
      g_string_append_len (s, (const char *)coap_opt_value (opt), coap_opt_length (opt));
    }
  return g_string_free (s, FALSE);
}

GHashTable *
tf_coap_pdu_queries (const coap_pdu_t *pdu)
{
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  coap_option_iterator_init (pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL)
    {
      g_autofree char *q = NULL;
      char *eq;
      if (it.number != COAP_OPTION_URI_QUERY)
        continue;
      q = g_strndup ((const char *)coap_opt_value (opt), coap_opt_length (opt));
      eq = strchr (q, '=');
      if (eq != NULL)
        {
          *eq = '\0';
          g_hash_table_replace (h, g_strdup (q), g_strdup (eq + 1));
        }
      else
        g_hash_table_replace (h, g_strdup (q), g_strdup (""));
    }
  return h;
}

guint
tf_coap_pdu_uint_option (const coap_pdu_t *pdu, guint number, guint def)
{
  coap_opt_iterator_t it;
  coap_opt_t *opt = coap_check_option (pdu, number, &it);
  if (opt == NULL)
    return def;
  return coap_decode_var_bytes (coap_opt_value (opt), coap_opt_length (opt));
}

gboolean
tf_coap_pdu_lwm2m_path (const coap_pdu_t *pdu, TfLwm2mPath *path)
{
  g_autofree char *p = tf_coap_pdu_uri_path (pdu);
  g_autofree char *abs = g_strconcat ("/", p, NULL);
  if (*p == '\0')
    {
      path->len = 0;
      return TRUE;
    }
  return tf_lwm2m_path_parse (abs, path, NULL);
}

void
tf_coap_pdu_add_uri_path (coap_pdu_t *pdu, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      coap_add_option (pdu, COAP_OPTION_URI_PATH, strlen (parts[i]), (const uint8_t *)parts[i]);
}

void
tf_coap_pdu_add_uint_option (coap_pdu_t *pdu, guint number, guint value)
{
  guint8 buf[4];
  coap_add_option (pdu, number, coap_encode_var_safe (buf, sizeof buf, value), buf);
}

gboolean
tf_coap_pdu_add_block1 (coap_pdu_t *pdu, GBytes *payload, guint num, guint szx)
{
  gsize size = 0;
  const guint8 *d = g_bytes_get_data (payload, &size);
  gsize bs = (gsize)16 << szx, off = (gsize)num * bs;
  gboolean more = off + bs < size;
  if (size <= bs)
    {
      coap_add_data (pdu, size, d);
      return FALSE;
    }
  if (off >= size)
    return FALSE;
  tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_BLOCK1, num << 4 | (more ? 8 : 0) | szx);
  if (num == 0)
    tf_coap_pdu_add_uint_option (pdu, COAP_OPTION_SIZE1, (guint)size);
  coap_add_data (pdu, MIN (bs, size - off), d + off);
  return more;
}
