/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tf-lwm2m-server's control interface: values, answers and registrations as JSON, and the
 * bootstrap sequence a "bootstrap" command describes. */
#include "config.h"

#include "tf-error.h"
#include "tf-lwm2m-control.h"
#include "tf-lwm2m-registry.h"

JsonObject *
tf_control_object_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
tf_control_array_member (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* json-glib's getters are critical about a member of another kind: commands come from
 * outside, so a wrong kind is the default here. */
const char *
tf_control_string (JsonObject *o, const char *name, const char *def)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return def;
  return json_node_get_string (n);
}

gint64
tf_control_int (JsonObject *o, const char *name, gint64 def)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return def;
  return json_node_get_int (n);
}

gboolean
tf_control_bool (JsonObject *o, const char *name, gboolean def)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return def;
  return json_node_get_boolean (n);
}

static void
step_free (TfLwm2mBootstrapStep *s)
{
  if (s->records != NULL)
    g_ptr_array_unref (s->records);
  g_free (s);
}

gint
tf_control_format_from_string (const char *s)
{
  static const struct
  {
    const char *name;
    guint cf;
  } names[] = {
    { "text", TF_LWM2M_CF_TEXT },
    { "link", TF_LWM2M_CF_LINK },
    { "opaque", TF_LWM2M_CF_OPAQUE },
    { "cbor", TF_LWM2M_CF_CBOR },
    { "senml-json", TF_LWM2M_CF_SENML_JSON },
    { "senml-cbor", TF_LWM2M_CF_SENML_CBOR },
    { "tlv", TF_LWM2M_CF_TLV },
    { "json", TF_LWM2M_CF_JSON },
  };
  guint64 v = 0;
  if (s == NULL)
    return -1;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (s, names[i].name))
      return (gint)names[i].cf;
  if (g_ascii_string_to_unsigned (s, 10, 0, 65535, &v, NULL))
    return (gint)v;
  return -2;
}

static void
add_records (JsonBuilder *b, GPtrArray *records)
{
  json_builder_set_member_name (b, "records");
  json_builder_begin_array (b);
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      TfLwm2mRecord *r = g_ptr_array_index (records, i);
      g_autofree char *p = tf_lwm2m_path_to_string (&r->path);
      g_autofree char *v = tf_lwm2m_record_value_to_string (r);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, p);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, tf_lwm2m_type_to_string (r->type));
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, v);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* the same as path → value, what most checks want */
  json_builder_set_member_name (b, "values");
  json_builder_begin_object (b);
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      TfLwm2mRecord *r = g_ptr_array_index (records, i);
      g_autofree char *p = tf_lwm2m_path_to_string (&r->path);
      g_autofree char *v = tf_lwm2m_record_value_to_string (r);
      json_builder_set_member_name (b, p);
      json_builder_add_string_value (b, v);
    }
  json_builder_end_object (b);
}

JsonNode *
tf_control_response_to_json (const TfLwm2mResponse *r, const char *endpoint)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *code = tf_coap_code_to_string (r->code);
  json_builder_begin_object (b);
  if (endpoint != NULL)
    {
      json_builder_set_member_name (b, "ep");
      json_builder_add_string_value (b, endpoint);
    }
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  if (r->cf >= 0)
    {
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, tf_lwm2m_cf_to_string ((guint)r->cf));
    }
  if (r->observation != 0)
    {
      json_builder_set_member_name (b, "observation");
      json_builder_add_int_value (b, r->observation);
    }
  if (r->observe_seq >= 0)
    {
      json_builder_set_member_name (b, "observe");
      json_builder_add_int_value (b, r->observe_seq);
    }
  if (r->after_cancel)
    {
      json_builder_set_member_name (b, "after_cancel");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (r->payload != NULL)
    {
      json_builder_set_member_name (b, "payload_len");
      json_builder_add_int_value (b, g_bytes_get_size (r->payload));
    }
  if (r->text != NULL)
    {
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, r->text);
    }
  if (r->records != NULL)
    add_records (b, r->records);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static TfLwm2mType
type_of (const TfLwm2mPath *p)
{
  const TfLwm2mResourceDef *d
      = p->len >= 3 ? tf_lwm2m_registry_resource (p->ids[0], p->ids[2]) : NULL;
  return d != NULL && d->type != TF_LWM2M_TYPE_NONE ? d->type : TF_LWM2M_TYPE_STRING;
}

/* {"/3/0/14": "+02", ...} → records typed by the registry (strings elsewhere). */
GPtrArray *
tf_control_records_from_json (JsonObject *values, GError **error)
{
  g_autoptr (GPtrArray) recs = tf_lwm2m_records_new ();
  g_autoptr (GList) members = json_object_get_members (values);
  for (GList *l = members; l != NULL; l = l->next)
    {
      TfLwm2mPath p;
      TfLwm2mRecord *r;
      JsonNode *n = json_object_get_member (values, l->data);
      g_autofree char *s = NULL;
      if (!tf_lwm2m_path_parse (l->data, &p, error))
        return NULL;
      if (p.len < 3)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "%s: a value needs a resource path", (char *)l->data);
          return NULL;
        }
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        s = g_strdup (json_node_get_string (n));
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN)
        s = g_strdup (json_node_get_boolean (n) ? "1" : "0"); /* LwM2M's text form */
      else if (JSON_NODE_HOLDS_VALUE (n))
        s = json_to_string (n, FALSE);
      else
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "%s: the value is not a scalar",
                       (char *)l->data);
          return NULL;
        }
      r = tf_lwm2m_record_new (&p, TF_LWM2M_TYPE_NONE);
      g_ptr_array_add (recs, r);
      if (!tf_lwm2m_record_set_from_string (r, type_of (&p), s, error))
        return NULL;
    }
  return g_steal_pointer (&recs);
}

JsonNode *
tf_control_registration_json (const char *event, const TfLwm2mRegistration *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (event != NULL)
    {
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, event);
    }
  json_builder_set_member_name (b, "ep");
  json_builder_add_string_value (b, r->endpoint);
  json_builder_set_member_name (b, "location");
  json_builder_add_string_value (b, r->location);
  json_builder_set_member_name (b, "lifetime");
  json_builder_add_int_value (b, r->lifetime);
  json_builder_set_member_name (b, "binding");
  json_builder_add_string_value (b, r->binding);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, r->version);
  json_builder_set_member_name (b, "queue");
  json_builder_add_boolean_value (b, r->queue);
  json_builder_set_member_name (b, "peer");
  json_builder_add_string_value (b, r->peer);
  json_builder_set_member_name (b, "links");
  json_builder_add_string_value (b, r->links != NULL ? r->links : "");
  if (r->psk_identity != NULL)
    {
      json_builder_set_member_name (b, "psk_identity");
      json_builder_add_string_value (b, r->psk_identity);
    }
  json_builder_set_member_name (b, "updates");
  json_builder_add_int_value (b, r->updates);
  json_builder_set_member_name (b, "registered_us");
  json_builder_add_int_value (b, r->registered_us);
  json_builder_set_member_name (b, "updated_us");
  json_builder_add_int_value (b, r->updated_us);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GBytes *
tf_control_bytes_from_hex (const char *hex, GError **error)
{
  gsize n = hex != NULL ? strlen (hex) : 0;
  g_autoptr (GByteArray) a = g_byte_array_new ();
  if (n == 0 || n % 2 != 0 || n > 256)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "a key is 1-128 bytes in hex");
      return NULL;
    }
  for (gsize i = 0; i < n; i += 2)
    {
      gint hi = g_ascii_xdigit_value (hex[i]), lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 v;
      if (hi < 0 || lo < 0)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "'%s' is not hex", hex);
          return NULL;
        }
      v = (guint8)(hi * 16 + lo);
      g_byte_array_append (a, &v, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&a));
}

/* The Security and Server instances of "bootstrap": either given as "instances"
 * [{"path":"/0/1","values":{...}}] or built from server_uri, psk_id/psk_key, lifetime. */
GPtrArray *
tf_control_bootstrap_steps (JsonObject *o, GError **error)
{
  g_autoptr (GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_free);
  TfLwm2mBootstrapStep *del = g_new0 (TfLwm2mBootstrapStep, 1);
  del->method = COAP_REQUEST_CODE_DELETE; /* Bootstrap-Delete "/" first (Core 6.1.7.3) */
  g_ptr_array_add (steps, del);
  if (json_object_has_member (o, "instances"))
    {
      JsonArray *a = tf_control_array_member (o, "instances");
      for (guint i = 0; a != NULL && i < json_array_get_length (a) && i < 64; i++)
        {
          JsonNode *n = json_array_get_element (a, i);
          JsonObject *inst = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
          TfLwm2mBootstrapStep *s = g_new0 (TfLwm2mBootstrapStep, 1);
          g_ptr_array_add (steps, s);
          s->method = COAP_REQUEST_CODE_PUT;
          s->cf = TF_LWM2M_CF_TLV;
          if (inst == NULL
              || !tf_lwm2m_path_parse (tf_control_string (inst, "path", ""), &s->path, error))
            return NULL;
          if (tf_control_object_member (inst, "values") == NULL)
            {
              g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT, "an instance needs values");
              return NULL;
            }
          if ((s->records
               = tf_control_records_from_json (tf_control_object_member (inst, "values"), error))
              == NULL)
            return NULL;
        }
    }
  else
    {
      const char *uri = tf_control_string (o, "server_uri", NULL);
      const char *psk_id = tf_control_string (o, "psk_id", NULL);
      const char *psk_key = tf_control_string (o, "psk_key", NULL);
      gint64 lifetime = tf_control_int (o, "lifetime", 300);
      gint64 ssid = tf_control_int (o, "short_id", 1);
      TfLwm2mBootstrapStep *sec = g_new0 (TfLwm2mBootstrapStep, 1);
      TfLwm2mBootstrapStep *srv = g_new0 (TfLwm2mBootstrapStep, 1);
      TfLwm2mPath p;
      if (uri == NULL)
        {
          g_set_error (error, TF_ERROR, TF_ERROR_INVALID_ARGUMENT,
                       "bootstrap needs server_uri or instances");
          return NULL;
        }
      g_ptr_array_add (steps, sec);
      g_ptr_array_add (steps, srv);
      sec->method = srv->method = COAP_REQUEST_CODE_PUT;
      sec->cf = srv->cf = TF_LWM2M_CF_TLV;
      sec->path = tf_lwm2m_path_make (2, 0, 1, 0, 0);
      srv->path = tf_lwm2m_path_make (2, 1, 1, 0, 0);
      sec->records = tf_lwm2m_records_new ();
      srv->records = tf_lwm2m_records_new ();
      p = tf_lwm2m_path_make (3, 0, 1, 0, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_string (&p, uri));
      p = tf_lwm2m_path_make (3, 0, 1, 1, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_bool (&p, FALSE));
      p = tf_lwm2m_path_make (3, 0, 1, 2, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, psk_id != NULL ? 0 : 3));
      if (psk_id != NULL)
        {
          g_autoptr (GBytes) id = g_bytes_new (psk_id, strlen (psk_id));
          g_autoptr (GBytes) key = tf_control_bytes_from_hex (psk_key, error);
          if (key == NULL)
            return NULL;
          p = tf_lwm2m_path_make (3, 0, 1, 3, 0);
          g_ptr_array_add (sec->records, tf_lwm2m_record_new_opaque (&p, id));
          p = tf_lwm2m_path_make (3, 0, 1, 5, 0);
          g_ptr_array_add (sec->records, tf_lwm2m_record_new_opaque (&p, key));
        }
      p = tf_lwm2m_path_make (3, 0, 1, 10, 0);
      g_ptr_array_add (sec->records, tf_lwm2m_record_new_int (&p, ssid));
      p = tf_lwm2m_path_make (3, 1, 1, 0, 0);
      g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, ssid));
      p = tf_lwm2m_path_make (3, 1, 1, 1, 0);
      g_ptr_array_add (srv->records, tf_lwm2m_record_new_int (&p, lifetime));
      p = tf_lwm2m_path_make (3, 1, 1, 6, 0);
      g_ptr_array_add (srv->records, tf_lwm2m_record_new_bool (&p, FALSE));
      p = tf_lwm2m_path_make (3, 1, 1, 7, 0);
      g_ptr_array_add (srv->records,
                       tf_lwm2m_record_new_string (&p, tf_control_string (o, "binding", "U")));
    }
  return g_steal_pointer (&steps);
}
