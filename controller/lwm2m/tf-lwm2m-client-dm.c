/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What servers ask of the client: device management (Read, Discover, Write, Write-Attributes,
 * Execute, Create, Delete, Read/Write-Composite), the bootstrap interface (Bootstrap-Write,
 * -Delete, -Discover, -Finish; its rules in tf-lwm2m-client-bs.c) and Observe (the
 * observations and their notifications in tf-lwm2m-client-obs.c). */
#define G_LOG_DOMAIN "tf-lwm2m-client"

#include "config.h"

#include <math.h>

#include "tf-error.h"
#include "tf-lwm2m-attrs.h"
#include "tf-lwm2m-client-private.h"
#include "tf-lwm2m-codec.h"

#define MAX_COMPOSITE_PATHS 64

static void
answer_error (coap_pdu_t *response, const GError *error)
{
  gsize len = strlen (error->message);
  coap_pdu_set_code (response, tf_lwm2m_error_to_coap (error));
  /* a diagnostic (RFC 7252 5.5.2) too long for the message: its start, and said so here */
  if (!coap_add_data (response, len, (const uint8_t *)error->message))
    {
      g_message ("the diagnostic of an answer is cut to 128 of %" G_GSIZE_FORMAT " bytes: %s", len,
                 error->message);
      coap_add_data (response, MIN (len, 128), (const uint8_t *)error->message);
    }
}

static gboolean
is_v10 (TfLwm2mClient *self)
{
  return g_strcmp0 (self->version, "1.0") == 0;
}

/* A format refused by a quirk (no-tlv, no-cbor, no-json) */
static gboolean
cf_refused (TfLwm2mClient *self, guint cf)
{
  return ((self->quirks & TF_LWM2M_QUIRK_NO_TLV)
          && (cf == TF_LWM2M_CF_TLV || cf == TF_LWM2M_CF_TLV_OLD))
         || ((self->quirks & TF_LWM2M_QUIRK_NO_CBOR)
             && (cf == TF_LWM2M_CF_CBOR || cf == TF_LWM2M_CF_SENML_CBOR))
         || ((self->quirks & TF_LWM2M_QUIRK_NO_JSON)
             && (cf == TF_LWM2M_CF_JSON || cf == TF_LWM2M_CF_SENML_JSON));
}

/* The format of an answer: what the server accepts, else plain text for one value and TLV (1.0)
 * or SenML JSON (1.1) for more (Core 7.1). */
gboolean
tf_lwm2m_client_choose_cf (TfLwm2mClient *self, const TfLwm2mPath *path, gint accept,
                           GPtrArray *records, guint *cf, GError **error)
{
  gboolean no_tlv = (self->quirks & TF_LWM2M_QUIRK_NO_TLV) != 0;
  if (accept >= 0)
    {
      if (cf_refused (self, (guint)accept)
          || ((self->quirks & TF_LWM2M_QUIRK_NO_TEXT) && accept == TF_LWM2M_CF_TEXT)
          || !tf_lwm2m_cf_supported ((guint)accept))
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                       "%s is not served here", tf_lwm2m_cf_to_string ((guint)accept));
          return FALSE;
        }
      *cf = (guint)accept;
      return TRUE;
    }
  if (path->len >= 3 && records->len == 1
      && ((TfLwm2mRecord *)records->pdata[0])->path.len == path->len)
    *cf = ((TfLwm2mRecord *)records->pdata[0])->type == TF_LWM2M_TYPE_OPAQUE ? TF_LWM2M_CF_OPAQUE
                                                                             : TF_LWM2M_CF_TEXT;
  else if (is_v10 (self))
    *cf = no_tlv ? TF_LWM2M_CF_JSON : TF_LWM2M_CF_TLV;
  else
    *cf = TF_LWM2M_CF_SENML_JSON;
  return TRUE;
}

/* A large payload leaves in Block2 parts, each block's GET answered here, not from libcoap's
 * cache (coap_add_data_large_response): every block in the exchange log. */
static void
answer_payload (TfLwm2mClient *self, coap_session_t *session, const coap_pdu_t *request,
                coap_pdu_t *response, const coap_string_t *query, guint cf, GBytes *payload)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (payload, &len);
  coap_block_t b;
  coap_pdu_set_code (response, COAP_RESPONSE_CODE (205));
  if (len > 1024 || coap_get_block (request, COAP_OPTION_BLOCK2, &b))
    coap_add_data_blocked_response (request, response, (uint16_t)cf, -1, len, data);
  else if (!tf_lwm2m_client_pdu_fits (session, response, (gint)cf, -1, -1, data, len))
    {
      /* no room for it whole beside the options: in Block2 parts after all */
      g_message ("an answer of %" G_GSIZE_FORMAT " bytes does not fit one message: Block2", len);
      coap_add_data_blocked_response (request, response, (uint16_t)cf, -1, len, data);
    }
  else
    {
      /* 0 (text/plain) too, an empty option: LwM2M servers want it said */
      if (!(self->quirks & TF_LWM2M_QUIRK_NO_CONTENT_FORMAT))
        tf_coap_pdu_add_uint_option (response, COAP_OPTION_CONTENT_FORMAT, cf);
      coap_add_data (response, len, data);
    }
}

/* ---- composite operations ---- */

/* ---- the request handler ---- */

static GPtrArray *
decode_request (TfLwm2mClient *self, const coap_pdu_t *request, const TfLwm2mPath *path,
                GError **error)
{
  size_t len = 0;
  const uint8_t *data = NULL;
  guint cf = tf_coap_pdu_uint_option (request, COAP_OPTION_CONTENT_FORMAT,
                                      path->len >= 3 ? TF_LWM2M_CF_TEXT : TF_LWM2M_CF_TLV);
  if (cf_refused (self, cf))
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_UNSUPPORTED_CF, "%s is not supported",
                   tf_lwm2m_cf_to_string (cf));
      return NULL;
    }
  tf_lwm2m_client_request_data (self, request, &len, &data);
  /* the numbers of LwM2M 1.0's drafts for text and opaque, still sent by lwm2m-node-lib */
  if (cf == 1541)
    cf = TF_LWM2M_CF_TEXT;
  else if (cf == 1544)
    cf = TF_LWM2M_CF_OPAQUE;
  return tf_lwm2m_decode (cf, path, data, len, error);
}

static GPtrArray *
queries_of (const coap_pdu_t *request)
{
  coap_opt_iterator_t it;
  coap_opt_t *opt;
  GPtrArray *q = g_ptr_array_new_with_free_func (g_free);
  coap_option_iterator_init (request, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next (&it)) != NULL && q->len < 16)
    if (it.number == COAP_OPTION_URI_QUERY)
      g_ptr_array_add (q, g_strndup ((const char *)coap_opt_value (opt), coap_opt_length (opt)));
  g_ptr_array_add (q, NULL);
  return q;
}

/* Observe-Composite (Core 6.4.3): a FETCH with Observe on the root. */
static void
observe_composite (TfLwm2mClient *self, coap_session_t *session, const coap_pdu_t *request,
                   coap_pdu_t *response, GArray *paths, gint accept, GPtrArray *recs)
{
  guint observe = tf_coap_pdu_uint_option (request, COAP_OPTION_OBSERVE, G_MAXUINT);
  coap_bin_const_t tok = coap_pdu_get_token (request);
  TfLwm2mClientObs *o = tf_lwm2m_client_obs_find (self, tok.s, tok.length);
  guint8 buf[4];
  if (observe == COAP_OBSERVE_CANCEL)
    {
      for (guint i = 0; i < self->observations->len && o == NULL; i++)
        {
          TfLwm2mClientObs *c = g_ptr_array_index (self->observations, i);
          if (c->session == session && c->paths != NULL)
            o = c;
        }
      if (o != NULL)
        tf_lwm2m_client_obs_cancel (self, o, "Observe=1");
      return;
    }
  if (observe != COAP_OBSERVE_ESTABLISH)
    return;
  if (o == NULL)
    {
      o = g_new0 (TfLwm2mClientObs, 1);
      o->client = self;
      o->session = coap_session_reference (session);
      o->token = g_bytes_new (tok.s, tok.length);
      g_ptr_array_add (self->observations, o);
    }
  if (o->paths != NULL)
    g_array_unref (o->paths);
  o->paths = g_array_ref (paths);
  o->path.len = 0;
  o->accept = accept;
  o->cancelled = FALSE;
  o->last_us = g_get_monotonic_time ();
  o->have_value = FALSE;
  tf_lwm2m_client_obs_arm_pmax (o);
  self->observe_seq = (self->observe_seq + 1) & 0xffffff;
  coap_add_option (response, COAP_OPTION_OBSERVE,
                   coap_encode_var_safe (buf, sizeof buf, self->observe_seq), buf);
}

/* Quirks of the object model: a path the defective client does not have at all. */
static gboolean
quirk_missing (TfLwm2mClient *self, const TfLwm2mPath *p)
{
  return ((self->quirks & TF_LWM2M_QUIRK_NO_RESOURCE_INSTANCE_PATHS) && p->len == 4)
         || ((self->quirks & TF_LWM2M_QUIRK_NO_NOTIFICATION_STORING) && p->len >= 3
             && p->ids[0] == 1 && p->ids[2] == 6);
}

/* A server's read, unless the Security object is readable by a defect. */
static gboolean
server_op_for (TfLwm2mClient *self, const TfLwm2mPath *p, gboolean bootstrap)
{
  return !bootstrap
         && !((self->quirks & TF_LWM2M_QUIRK_SECURITY_READABLE) && p->len > 0 && p->ids[0] == 0);
}

/* A missing Notification Storing is out of the values of a wider read too. */
static void
quirk_filter (TfLwm2mClient *self, GPtrArray *recs)
{
  for (guint i = recs->len; i > 0; i--)
    if (quirk_missing (self, &((TfLwm2mRecord *)recs->pdata[i - 1])->path)
        && ((TfLwm2mRecord *)recs->pdata[i - 1])->path.len == 3)
      g_ptr_array_remove_index (recs, i - 1);
}

static gboolean
handle_get (TfLwm2mClient *self, coap_resource_t *resource, coap_session_t *session,
            const coap_pdu_t *request, const coap_string_t *query, coap_pdu_t *response,
            const TfLwm2mPath *path, gboolean bootstrap, GError **error)
{
  gint accept = (gint)tf_coap_pdu_uint_option (request, COAP_OPTION_ACCEPT, G_MAXUINT);
  guint observe = tf_coap_pdu_uint_option (request, COAP_OPTION_OBSERVE, G_MAXUINT);
  coap_bin_const_t tok = coap_pdu_get_token (request);
  g_autoptr (GPtrArray) recs = NULL;
  g_autoptr (GBytes) payload = NULL;
  TfLwm2mClientObs *o;
  guint cf = 0;

  if (accept == (gint)G_MAXUINT)
    accept = -1;
  /* Bootstrap-Discover; a Bootstrap-Read (1.1) names its data format in Accept */
  if (accept == TF_LWM2M_CF_LINK || (bootstrap && path->len <= 1 && accept < 0))
    {
      g_autoptr (GPtrArray) links = tf_lwm2m_model_discover (self->model, path);
      g_autofree char *s = NULL;
      if (links == NULL)
        {
          g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND, "nothing at this path");
          return FALSE;
        }
      /* quirk: the objects and instances only */
      for (guint i = links->len;
           i > 0 && !bootstrap && (self->quirks & TF_LWM2M_QUIRK_DISCOVER_NO_RESOURCES); i--)
        {
          guint n = 0;
          for (const char *c = ((TfLwm2mLink *)links->pdata[i - 1])->uri; *c != '\0'; c++)
            n += *c == '/';
          if (n >= 3)
            g_ptr_array_remove_index (links, i - 1);
        }
      s = tf_lwm2m_link_format (links);
      payload = g_bytes_new (s, strlen (s));
      answer_payload (self, session, request, response, query, TF_LWM2M_CF_LINK, payload);
      return TRUE;
    }
  if ((recs = tf_lwm2m_model_read (self->model, path, server_op_for (self, path, bootstrap), error))
      == NULL)
    return FALSE;
  if (!bootstrap)
    quirk_filter (self, recs);
  if (!tf_lwm2m_client_choose_cf (self, path, accept, recs, &cf, error)
      || (payload = tf_lwm2m_encode (cf, path, recs, error)) == NULL)
    return FALSE;
  o = tf_lwm2m_client_obs_find (self, tok.s, tok.length);
  if (o == NULL && observe == COAP_OBSERVE_CANCEL)
    {
      /* libcoap 4.3.1 as a server (block mode on) sends Observe=1 with a token of its own, not
       * the observation's: match the session and path then */
      for (guint i = 0; i < self->observations->len && o == NULL; i++)
        {
          TfLwm2mClientObs *c = g_ptr_array_index (self->observations, i);
          if (c->session == session && tf_lwm2m_path_equal (&c->path, path))
            o = c;
        }
    }
  if (observe == COAP_OBSERVE_ESTABLISH)
    {
      guint8 buf[4];
      if (o == NULL)
        {
          o = g_new0 (TfLwm2mClientObs, 1);
          o->client = self;
          o->session = coap_session_reference (session);
          o->token = g_bytes_new (tok.s, tok.length);
          g_ptr_array_add (self->observations, o);
        }
      o->path = *path;
      o->accept = accept;
      o->cancelled = FALSE;
      o->last_us = g_get_monotonic_time ();
      o->have_value = tf_lwm2m_client_numeric_value (recs, &o->last_value);
      tf_lwm2m_client_obs_arm_pmax (o);
      self->observe_seq = (self->observe_seq + 1) & 0xffffff;
      coap_add_option (response, COAP_OPTION_OBSERVE,
                       coap_encode_var_safe (buf, sizeof buf, self->observe_seq), buf);
    }
  else if (observe == COAP_OBSERVE_CANCEL && o != NULL)
    tf_lwm2m_client_obs_cancel (self, o, "Observe=1");
  answer_payload (self, session, request, response, query, cf, payload);
  return TRUE;
}

/* One path of a Read-Composite into @all: the root is every object but Security; a path that
 * does not exist or cannot be read is left out (LwM2M 1.1 Read-Composite: the answer carries
 * what could be read); other errors end the operation. */
gboolean
tf_lwm2m_client_composite_read_path (TfLwm2mClient *self, const TfLwm2mPath *p, GPtrArray *all,
                                     GError **error)
{
  g_autoptr (GPtrArray) objs = p->len == 0 ? tf_lwm2m_model_objects (self->model) : NULL;
  g_autoptr (GPtrArray) r = NULL;
  g_autoptr (GError) local = NULL;
  for (guint i = 0; objs != NULL && i < objs->len; i++)
    {
      TfLwm2mPath o = tf_lwm2m_path_make (1, (guint16)GPOINTER_TO_UINT (objs->pdata[i]), 0, 0, 0);
      if ((o.ids[0] != 0 || (self->quirks & TF_LWM2M_QUIRK_SECURITY_READABLE))
          && !tf_lwm2m_client_composite_read_path (self, &o, all, error))
        return FALSE;
    }
  if (objs != NULL)
    return TRUE;
  if (quirk_missing (self, p))
    g_set_error (&local, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND, "no such path");
  else
    r = tf_lwm2m_model_read (self->model, p, server_op_for (self, p, FALSE), &local);
  if (r == NULL)
    {
      /* quirk: one path that cannot be read fails them all */
      if ((self->quirks & TF_LWM2M_QUIRK_COMPOSITE_ALL_OR_NOTHING) == 0
          && (g_error_matches (local, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND)
              || g_error_matches (local, TF_LWM2M_ERROR, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED)))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  quirk_filter (self, r);
  for (guint j = 0; j < r->len; j++)
    g_ptr_array_add (all, tf_lwm2m_record_copy (r->pdata[j]));
  return TRUE;
}

static gboolean
handle (TfLwm2mClient *self, coap_resource_t *resource, coap_session_t *session,
        const coap_pdu_t *request, const coap_string_t *query, coap_pdu_t *response,
        const TfLwm2mPath *path, gboolean bootstrap, GError **error)
{
  guint method = coap_pdu_get_code (request);
  g_autoptr (GPtrArray) recs = NULL;
  size_t len = 0;
  const uint8_t *data = NULL;
  TfLwm2mPath root = { .len = 0 };
  g_autoptr (GError) local = NULL;
  /* quirk: a partial update that replaces the instance */
  gboolean partial_replaces = (self->quirks & TF_LWM2M_QUIRK_PARTIAL_WRITE_REPLACES) != 0;

  tf_lwm2m_client_request_data (self, request, &len, &data);
  if (!bootstrap && quirk_missing (self, path))
    {
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND, "no such path");
      return FALSE;
    }
  switch (method)
    {
    case COAP_REQUEST_CODE_GET:
      return handle_get (self, resource, session, request, query, response, path, bootstrap, error);
    case COAP_REQUEST_CODE_PUT:
      if (len == 0 && !bootstrap)
        {
          /* Write-Attributes (Core 6.3.4) */
          g_autoptr (GPtrArray) q = queries_of (request);
          g_autoptr (GHashTable) attrs
              = tf_lwm2m_attrs_parse_query ((const char *const *)q->pdata, q->len - 1, error);
          if (attrs == NULL || !tf_lwm2m_attrs_validate (path, attrs, error)
              || (!(self->quirks & TF_LWM2M_QUIRK_WRITE_ATTRIBUTES_IGNORED)
                  && !tf_lwm2m_model_write_attributes (self->model, path, attrs, error)))
            return FALSE;
          for (guint i = 0; i < self->observations->len; i++)
            tf_lwm2m_client_obs_arm_pmax (g_ptr_array_index (self->observations, i));
          coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
          return TRUE;
        }
      if ((recs = decode_request (self, request, path, error)) == NULL)
        return FALSE;
      if (!(bootstrap ? tf_lwm2m_client_bootstrap_write (self, path, recs, &local)
                      : tf_lwm2m_model_write (self->model, path, recs, TRUE, &local))
          /* quirk: a Write refused for a read-only resource answered as done */
          && (bootstrap || !(self->quirks & TF_LWM2M_QUIRK_READ_ONLY_WRITE_ACCEPTED)
              || !g_error_matches (local, TF_LWM2M_ERROR, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
      return TRUE;
    case COAP_REQUEST_CODE_POST:
      if (path->len == 1)
        {
          /* Create (Core 6.3.5): the instance id from the payload, else the next free one */
          guint16 inst;
          g_autofree char *iid = NULL;
          if ((recs = decode_request (self, request, path, error)) == NULL)
            return FALSE;
          inst = recs->len > 0 && ((TfLwm2mRecord *)recs->pdata[0])->path.len >= 2
                         && ((TfLwm2mRecord *)recs->pdata[0])->path.ids[1] != 65535
                     ? ((TfLwm2mRecord *)recs->pdata[0])->path.ids[1]
                     : tf_lwm2m_model_next_instance (self->model, path->ids[0]);
          if (!tf_lwm2m_model_create (self->model, path->ids[0], inst, recs, error))
            return FALSE;
          coap_pdu_set_code (response, COAP_RESPONSE_CODE (201));
          iid = g_strdup_printf ("%u", inst);
          {
            g_autofree char *oid = g_strdup_printf ("%u", path->ids[0]);
            coap_add_option (response, COAP_OPTION_LOCATION_PATH, strlen (oid),
                             (const uint8_t *)oid);
          }
          coap_add_option (response, COAP_OPTION_LOCATION_PATH, strlen (iid), (const uint8_t *)iid);
          return TRUE;
        }
      if (path->len == 2)
        {
          if ((recs = decode_request (self, request, path, error)) == NULL
              || !tf_lwm2m_model_write (self->model, path, recs, partial_replaces, error))
            return FALSE;
          coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
          return TRUE;
        }
      if (!(self->quirks & TF_LWM2M_QUIRK_EXECUTE_IGNORED)
          && !tf_lwm2m_model_execute (self->model, path, data, len, error))
        return FALSE;
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
      return TRUE;
    case COAP_REQUEST_CODE_DELETE:
      if (!bootstrap && (self->quirks & TF_LWM2M_QUIRK_DELETE_KEPT))
        g_debug ("Delete answered, instance kept (quirk)");
      else if (!(bootstrap ? tf_lwm2m_client_bootstrap_delete (self, path, error)
                           : tf_lwm2m_model_delete (self->model, path, error)))
        return FALSE;
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (202));
      return TRUE;
    case COAP_REQUEST_CODE_FETCH:
      {
        /* Read-Composite */
        g_autoptr (GArray) paths = NULL;
        g_autoptr (GPtrArray) all = tf_lwm2m_records_new ();
        g_autoptr (GBytes) payload = NULL;
        gint accept
            = (gint)tf_coap_pdu_uint_option (request, COAP_OPTION_ACCEPT, TF_LWM2M_CF_SENML_JSON);
        /* the paths in SenML JSON or CBOR (Core 6.3.1.1) */
        paths = tf_lwm2m_decode_paths (
            tf_coap_pdu_uint_option (request, COAP_OPTION_CONTENT_FORMAT, TF_LWM2M_CF_SENML_JSON),
            data, len, error);
        if (paths == NULL)
          return FALSE;
        for (guint i = 0; i < paths->len; i++)
          if (!tf_lwm2m_client_composite_read_path (self, &g_array_index (paths, TfLwm2mPath, i),
                                                    all, error))
            return FALSE;
        if (accept != TF_LWM2M_CF_SENML_JSON && accept != TF_LWM2M_CF_SENML_CBOR)
          {
            g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_ACCEPTABLE,
                         "composite answers are SenML");
            return FALSE;
          }
        if ((payload = tf_lwm2m_encode ((guint)accept, &root, all, error)) == NULL)
          return FALSE;
        observe_composite (self, session, request, response, paths, accept, all);
        answer_payload (self, session, request, response, query, (guint)accept, payload);
        return TRUE;
      }
    case COAP_REQUEST_CODE_IPATCH:
      /* Write-Composite: each record a partial write of its own path */
      if ((recs = decode_request (self, request, &root, error)) == NULL)
        return FALSE;
      for (guint i = 0; i < recs->len; i++)
        {
          TfLwm2mRecord *r = g_ptr_array_index (recs, i);
          g_autoptr (GPtrArray) one = tf_lwm2m_records_new ();
          TfLwm2mPath inst = tf_lwm2m_path_make (2, r->path.ids[0], r->path.ids[1], 0, 0);
          g_ptr_array_add (one, tf_lwm2m_record_copy (r));
          if (!tf_lwm2m_model_write (self->model, &inst, one, partial_replaces, error))
            return FALSE;
        }
      coap_pdu_set_code (response, COAP_RESPONSE_CODE (204));
      return TRUE;
    default:
      g_set_error (error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_METHOD_NOT_ALLOWED, "method not allowed");
      return FALSE;
    }
}

void
tf_lwm2m_client_on_request (coap_resource_t *resource, coap_session_t *session,
                            const coap_pdu_t *request, const coap_string_t *query,
                            coap_pdu_t *response)
{
  TfLwm2mClient *self = tf_coap_context_get_owner (coap_session_get_context (session));
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = tf_coap_pdu_uri_path (request);
  gboolean bootstrap = self != NULL && session == self->bs_session;
  TfLwm2mPath path = { .len = 0 };
  gboolean have_path = tf_coap_pdu_lwm2m_path (request, &path);

  tf_lwm2m_exchange_log (session, request, FALSE, have_path ? &path : NULL);
  if (self == NULL)
    return;
  tf_lwm2m_client_activity (self);
  if (tf_lwm2m_client_block1 (self, session, request, response))
    ; /* a block before the last: 2.31 Continue */
  else if (bootstrap && g_str_equal (uri, "bs")
           && coap_pdu_get_code (request) == COAP_REQUEST_CODE_POST)
    tf_lwm2m_client_bootstrap_finish (self, response); /* Core 6.1.7.6 */
  else if (!have_path)
    {
      g_set_error (&error, TF_LWM2M_ERROR, TF_LWM2M_STATUS_NOT_FOUND, "'%s' is not an LwM2M path",
                   uri);
      answer_error (response, error);
    }
  else if (!handle (self, resource, session, request, query, response, &path, bootstrap, &error))
    answer_error (response, error);
  g_clear_pointer (&self->block1.body, g_bytes_unref);
  tf_lwm2m_exchange_log (session, response, TRUE, have_path ? &path : NULL);
}
