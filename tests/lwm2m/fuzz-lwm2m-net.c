/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target of the networking half's own parsing: a CoAP datagram decoded for the exchange
 * log (options, queries, paths, payload through the codecs), or a control command's values and
 * bootstrap description. The first byte chooses. */
#include "config.h"

#include <stdint.h>

#include "tf-coap-source.h"
#include "tf-lwm2m-control.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
coap_datagram (const uint8_t *data, size_t size)
{
  coap_pdu_t *pdu = coap_pdu_init (0, 0, 0, size + 16);
  if (pdu == NULL)
    return;
  if (coap_pdu_parse (COAP_PROTO_UDP, data, size, pdu))
    {
      g_autoptr (TfCoapMessage) m = tf_coap_message_new (NULL, pdu, FALSE, NULL);
      g_autoptr (JsonNode) n = tf_coap_message_to_json (m);
      g_autofree char *s = tf_coap_message_to_string (m);
      g_autoptr (GHashTable) q = tf_coap_pdu_queries (pdu);
      g_autofree char *p = tf_coap_pdu_uri_path (pdu);
      TfLwm2mPath path;
      if (tf_coap_pdu_lwm2m_path (pdu, &path))
        {
          g_autoptr (TfCoapMessage) m2 = tf_coap_message_new (NULL, pdu, TRUE, &path);
        }
      (void)tf_coap_pdu_uint_option (pdu, COAP_OPTION_OBSERVE, 0);
      tf_lwm2m_exchange_log (NULL, pdu, FALSE, NULL);
    }
  coap_delete_pdu (pdu);
}

static void
control_json (const uint8_t *data, size_t size)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  if (size > 65536 || !json_parser_load_from_data (parser, (const char *)data, (gssize)size, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  o = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (o, "values")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "values")))
    {
      g_autoptr (GPtrArray) recs
          = tf_control_records_from_json (json_object_get_object_member (o, "values"), NULL);
    }
  {
    g_autoptr (GPtrArray) steps = tf_control_bootstrap_steps (o, NULL);
  }
  (void)tf_control_format_from_string (
      json_object_get_string_member_with_default (o, "format", NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  tf_coap_init ();
  if (size < 1)
    return 0;
  if (data[0] & 1)
    control_json (data + 1, size - 1);
  else
    coap_datagram (data + 1, size - 1);
  return 0;
}
