/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target of the trace decoder: every input is an Ethernet frame (as libpcap hands it
 * over), fed twice to one trace (the second time a repeat), its IP addresses read, its entry
 * turned into JSON and text; the decoded entries then go through the verdict proposals, and
 * the input is also read as one decoded-trace JSON object and as decoded-trace JSON lines for
 * them. */
#include "config.h"

#include <stdint.h>

#include "tf-coap-trace.h"
#include "tf-lwm2m-verdicts.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (TfCoapTrace) trace = tf_coap_trace_new ();
  g_autoptr (GPtrArray) entries
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  g_autoptr (GPtrArray) props = NULL;
  char src[48], dst[48];

  if (size > 70000)
    return 0;
  (void)tf_ip_addresses_from_frame (data, size, src, dst);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (TfCoapTraceEntry) e = tf_coap_trace_add_frame (trace, 1000 + i, data, size);
      g_autoptr (JsonNode) n = NULL;
      g_autofree char *s = NULL;
      if (e == NULL)
        break;
      if (i == 1 && e->msg != NULL)
        g_assert_cmpint (e->mark, !=, TF_COAP_TRACE_FIRST);
      n = tf_coap_trace_entry_to_json (e);
      s = tf_coap_trace_entry_to_string (e);
      g_ptr_array_add (entries, json_object_ref (json_node_get_object (n)));
    }
  {
    g_autoptr (JsonParser) p = json_parser_new ();
    if (json_parser_load_from_data (p, (const char *)data, (gssize)size, NULL)
        && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
      g_ptr_array_add (entries, json_object_ref (json_node_get_object (json_parser_get_root (p))));
  }
  {
    /* and as a decoded trace, one entry a line (the exchanges the proposals pair up) */
    g_autofree char *text = g_strndup ((const char *)data, size);
    g_auto (GStrv) lines = g_strsplit (text, "\n", 513);
    for (guint i = 0; lines[i] != NULL && i < 512; i++)
      {
        g_autoptr (JsonParser) p = json_parser_new ();
        if (json_parser_load_from_data (p, lines[i], -1, NULL) && json_parser_get_root (p) != NULL
            && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
          g_ptr_array_add (entries,
                           json_object_ref (json_node_get_object (json_parser_get_root (p))));
      }
  }
  props = tf_lwm2m_propose_verdicts (entries);
  for (guint i = 0; i < props->len; i++)
    {
      g_autoptr (JsonNode) n = tf_verdict_proposal_to_json (g_ptr_array_index (props, i));
    }
  return 0;
}
