/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "trace": a session's pcapng parts and decoded trace, in base64 chunks, to staff and to the
 * session's two companies only (the ACL of the report). */
#define G_LOG_DOMAIN "tf-floor"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tf-floor-private.h"
#include "tf-json.h"

/* {"session":ID, "file":"pcap"|"decoded", "part":N (from 1), "offset":BYTES} → {"session",
 * "file","part","parts","size","offset","length","data" (base64),"eof","captured",
 * "dropped"} */
static void
cmd_trace (TfRpcRequest *req, JsonObject *args, gpointer user_data)
{
  TfFloor *f = user_data;
  const char *company = tf_rpc_request_get_company (req);
  const char *id = NULL, *what = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *buf = NULL;
  g_autofree char *b64 = NULL;
  JsonNode *res;
  JsonObject *o;
  TfSession *s;
  gint64 part, offset;
  guint64 received = 0, dropped = 0;
  struct stat st;
  ssize_t n;
  int fd;

  if (!tf_json_read_id (args, "session", TRUE, 256, &id, &error)
      || !tf_json_read_string (args, "file", FALSE, 16, &what, &error))
    {
      tf_rpc_request_fail (req, "%s", error->message);
      return;
    }
  what = what != NULL ? what : "pcap";
  part = tf_json_get_int (args, "part", 1);
  offset = tf_json_get_int (args, "offset", 0);
  s = tf_floor_session (f, id);
  /* a third company learns nothing, not even whether the session exists */
  if (s == NULL
      || (company != NULL && g_strcmp0 (company, s->client_company) != 0
          && g_strcmp0 (company, s->server_company) != 0))
    {
      tf_rpc_request_fail (req, "no session %s of yours", id);
      return;
    }
  if ((g_strcmp0 (what, "pcap") != 0 && g_strcmp0 (what, "decoded") != 0) || part < 1
      || part > 10000 || offset < 0)
    {
      tf_rpc_request_fail (req, "file is pcap or decoded, part from 1, offset from 0");
      return;
    }
  path = tf_floor_trace_file (f, id, what, (guint)part);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      if (fd >= 0)
        close (fd);
      tf_rpc_request_fail (req, "session %s has no trace%s (%s)", id,
                           g_str_equal (what, "pcap") ? " part" : "", g_strerror (errno));
      return;
    }
  buf = g_malloc (tf_floor_trace_chunk_size ());
  n = offset < st.st_size ? pread (fd, buf, tf_floor_trace_chunk_size (), offset) : 0;
  close (fd);
  if (n < 0)
    {
      tf_rpc_request_fail (req, "reading the trace of %s: %s", id, g_strerror (errno));
      return;
    }
  b64 = g_base64_encode (buf, (gsize)n);
  tf_floor_trace_stats (f, &received, &dropped);
  res = json_node_init_object (json_node_alloc (), json_object_new ());
  o = json_node_get_object (res);
  json_object_set_string_member (o, "session", id);
  json_object_set_string_member (o, "file", what);
  json_object_set_int_member (o, "part", part);
  json_object_set_int_member (o, "parts", tf_floor_trace_parts (f, id));
  json_object_set_int_member (o, "size", st.st_size);
  json_object_set_int_member (o, "offset", offset);
  json_object_set_int_member (o, "length", n);
  json_object_set_string_member (o, "data", b64);
  json_object_set_boolean_member (o, "eof", offset + n >= st.st_size);
  /* the lab's capture as a whole: a session's own loss is in its files */
  json_object_set_int_member (o, "captured", (gint64)received);
  json_object_set_int_member (o, "dropped", (gint64)dropped);
  tf_rpc_request_reply (req, res);
}

void
tf_floor_trace_add_verb (TfFloor *f)
{
  TfRpc *rpc = tf_lab_get_rpc (f->lab);
  tf_rpc_add_verb (rpc, TF_RPC_STAFF, "trace", cmd_trace, f);
  tf_rpc_add_verb (rpc, TF_RPC_COMPANY, "trace", cmd_trace, f);
}
