/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts proposed from a decoded trace. */
#define G_LOG_DOMAIN "tf-lwm2m"

#include "config.h"

#include "tf-lwm2m-verdicts-private.h"

#include <stdlib.h>
#include <string.h>

typedef TfVMsg Msg;

static void
msg_clear (Msg *m)
{
  g_free (m->path);
  g_free (m->query);
}

/* Members of the decoded trace as the types the trace writes; anything else (a trace edited or
 * damaged by hand) is as if absent. */
static const char *
str_member (JsonObject *o, const char *name, const char *def)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return def;
  return json_node_get_string (n);
}

static gint64
int_member (JsonObject *o, const char *name, gint64 def)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return def;
  return json_node_get_int (n);
}

/* an option [NUMBER, "VALUE"] */
static gboolean
option (JsonNode *n, gint64 *number, const char **value)
{
  JsonArray *a;
  JsonNode *num, *val;
  if (!JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (a = json_node_get_array (n)) != 2)
    return FALSE;
  num = json_array_get_element (a, 0);
  val = json_array_get_element (a, 1);
  if (!JSON_NODE_HOLDS_VALUE (num) || json_node_get_value_type (num) != G_TYPE_INT64
      || !JSON_NODE_HOLDS_VALUE (val) || json_node_get_value_type (val) != G_TYPE_STRING)
    return FALSE;
  *number = json_node_get_int (num);
  *value = json_node_get_string (val);
  return TRUE;
}

static gint
uint_value (const char *v)
{
  guint64 u = 0;
  return g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT32, &u, NULL) ? (gint)u : -1;
}

static gboolean
load (JsonObject *o, Msg *m)
{
  JsonNode *opts = json_object_get_member (o, "options");
  GString *path, *query;
  if (str_member (o, "type", NULL) == NULL || str_member (o, "code", NULL) == NULL)
    return FALSE;
  path = g_string_new (NULL);
  query = g_string_new (NULL);
  m->o = o;
  m->frame = (guint64)int_member (o, "frame", 0);
  m->src = str_member (o, "src", "");
  m->dst = str_member (o, "dst", "");
  m->type = str_member (o, "type", "");
  m->code = str_member (o, "code", "");
  m->token = str_member (o, "token", "");
  m->payload = str_member (o, "payload", NULL);
  m->cf = (gint)CLAMP (int_member (o, "cf", -1), -1, 65535);
  m->mid = int_member (o, "mid", -1);
  m->repeat = json_object_has_member (o, "mark");
  m->dtls = json_object_has_member (o, "dtls");
  m->accept = m->observe = -1;
  for (guint i = 0; opts != NULL && JSON_NODE_HOLDS_ARRAY (opts)
                    && i < json_array_get_length (json_node_get_array (opts));
       i++)
    {
      gint64 number;
      const char *v;
      if (!option (json_array_get_element (json_node_get_array (opts), i), &number, &v))
        continue;
      if (number == TF_VERDICT_OPT_URI_PATH)
        g_string_append_printf (path, "/%s", v);
      else if (number == TF_VERDICT_OPT_URI_QUERY)
        g_string_append_printf (query, "%s%s", query->len > 0 ? "&" : "", v);
      else if (number == TF_VERDICT_OPT_LOCATION_PATH)
        m->has_location = TRUE;
      else if (number == TF_VERDICT_OPT_ACCEPT)
        m->accept = uint_value (v);
      else if (number == TF_VERDICT_OPT_OBSERVE)
        m->observe = uint_value (v);
    }
  m->path = g_string_free (path, FALSE);
  m->query = g_string_free (query, FALSE);
  return TRUE;
}

gboolean
tf_vmsg_is_response (const Msg *m)
{
  return strchr (m->code, '.') != NULL;
}

/* the answer to @req: same token, the other way, a response code */
const Msg *
tf_vmsg_answer (GArray *msgs, guint req)
{
  gint i = g_array_index (msgs, Msg, req).answer;
  return i >= 0 ? &g_array_index (msgs, Msg, i) : NULL;
}

/* Each request's answer: the first response after it with its token, the other way. One pass
 * from the end (a trace of many unanswered requests costs no rescan each). */
static void
link_answers (GArray *msgs)
{
  g_autoptr (GHashTable) first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = msgs->len; i-- > 0;)
    {
      Msg *m = &g_array_index (msgs, Msg, i);
      m->answer = -1;
      if (m->repeat)
        continue;
      if (tf_vmsg_is_response (m))
        g_hash_table_insert (first, g_strdup_printf ("%s %s %s", m->src, m->dst, m->token),
                             GINT_TO_POINTER (i + 1));
      else
        {
          g_autofree char *key = g_strdup_printf ("%s %s %s", m->dst, m->src, m->token);
          m->answer = GPOINTER_TO_INT (g_hash_table_lookup (first, key)) - 1;
        }
    }
}

TfVerdictProposal *
tf_verdict_propose (GPtrArray *out, gint id, gboolean pass, guint64 f1, guint64 f2, const char *fmt,
                    ...)
{
  TfVerdictProposal *p;
  va_list ap;
  /* the first evidence decides; a later fail overrides a pass (a defect seen once is one) */
  for (guint i = 0; i < out->len; i++)
    {
      p = g_ptr_array_index (out, i);
      if (p->case_id != id)
        continue;
      if (!p->pass || pass)
        return p;
      g_ptr_array_remove_index (out, i);
      break;
    }
  p = g_new0 (TfVerdictProposal, 1);
  p->case_id = id;
  p->pass = pass;
  va_start (ap, fmt);
  p->reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  p->frames = g_array_new (FALSE, FALSE, sizeof (guint64));
  if (f1 != 0)
    g_array_append_val (p->frames, f1);
  if (f2 != 0)
    g_array_append_val (p->frames, f2);
  g_ptr_array_add (out, p);
  return p;
}

gboolean
tf_vmsg_decides (const Msg *a, const char *expected)
{
  return g_str_equal (a->code, expected) || g_str_has_prefix (a->code, "2.")
         || g_str_equal (a->code, "4.06") || g_str_equal (a->code, "4.15")
         || g_str_has_prefix (a->code, "5.");
}

static guint
path_depth (const char *path)
{
  guint n = 0;
  for (const char *p = path; *p != '\0'; p++)
    n += *p == '/';
  return n;
}

guint
tf_vmsg_depth (const Msg *m)
{
  return path_depth (m->path);
}

guint
tf_vmsg_index (GArray *msgs, const Msg *m)
{
  return (guint)(m - (const Msg *)msgs->data);
}

/* Decoded payloads are "PATH=VALUE PATH=VALUE"; a record runs to the next " /". */
gboolean
tf_vmsg_values_in (const char *written, const char *read)
{
  const char *w = written;
  if (written == NULL || read == NULL || *written != '/')
    return FALSE;
  while (w != NULL && *w != '\0')
    {
      const char *next = strstr (w + 1, " /");
      gsize n = next != NULL ? (gsize)(next - w) : strlen (w);
      g_autofree char *one = g_strndup (w, n);
      gboolean found = FALSE;
      for (const char *r = strstr (read, one); r != NULL && !found; r = strstr (r + 1, one))
        found = (r == read || r[-1] == ' ') && (r[n] == '\0' || r[n] == ' ');
      if (!found)
        return FALSE;
      w = next != NULL ? next + 1 : NULL;
    }
  return TRUE;
}

const Msg *
tf_vmsg_notification_after (GArray *msgs, guint from, const char *token, const char *src)
{
  for (guint i = from + 1; i < msgs->len; i++)
    {
      const Msg *m = &g_array_index (msgs, Msg, i);
      if (!m->repeat && tf_vmsg_is_response (m) && m->observe >= 0 && g_str_equal (m->token, token)
          && g_str_equal (m->src, src))
        return m;
    }
  return NULL;
}

/* the supported content formats a Read may be answered in */
static gboolean
known_format (gint cf)
{
  return cf == 0 || cf == 60 || cf == 110 || cf == 112 || cf == 11542 || cf == 11543;
}

/* 201, 203, 204, 211, 231, 232: a Read in that format answered 2.05 in it, with a value; 237: a
 * Read of an object without Accept answered 2.05 naming its format */
static void
read_case (GPtrArray *out, const Msg *q, const Msg *a)
{
  gint id;
  const char *name;
  gboolean valued;
  if (q->accept == 11542)
    id = 203, name = "TLV";
  else if (q->accept == 11543)
    id = 204, name = "JSON";
  else if (q->accept == 60)
    id = 211, name = "CBOR";
  else if (q->accept == 110)
    id = 231, name = "SenML JSON";
  else if (q->accept == 112)
    id = 232, name = "SenML CBOR";
  else if ((q->accept == 0 || q->accept < 0) && path_depth (q->path) == 3)
    id = 201, name = "plain text";
  else if (q->accept < 0 && path_depth (q->path) == 1)
    id = 237, name = "no Accept";
  else
    return;
  if (a == NULL || !tf_vmsg_decides (a, "2.05"))
    return;
  /* text is shown as it is, the other formats as "PATH=VALUE ..." */
  valued
      = a->payload != NULL && (id == 201 || id == 237 ? *a->payload != '\0' : *a->payload == '/');
  if (id == 237 && g_str_equal (a->code, "2.05") && !known_format (a->cf))
    tf_verdict_propose (out, id, FALSE, q->frame, a->frame,
                        "A: the answer names its content format (%d)", a->cf);
  else if (id == 237 && g_str_equal (a->code, "2.05") && valued)
    tf_verdict_propose (out, id, TRUE, q->frame, a->frame,
                        "Read %s without Accept answered 2.05 in format %d", q->path, a->cf);
  else if (g_str_equal (a->code, "2.05") && (a->cf == q->accept || (id == 201 && a->cf == 0))
           && valued)
    tf_verdict_propose (out, id, TRUE, q->frame, a->frame,
                        "Read %s in %s answered 2.05 in that format", q->path, name);
  else if (g_str_equal (a->code, "2.05") && (a->cf == q->accept || (id == 201 && a->cf == 0)))
    tf_verdict_propose (out, id, FALSE, q->frame, a->frame,
                        "A: the answer to Read %s decodes to values (%s)", q->path,
                        a->payload ? a->payload : "empty");
  else
    tf_verdict_propose (out, id, FALSE, q->frame, a->frame,
                        "A: Read %s in %s answered %s in format %d (2.05 in that format expected)",
                        q->path, name, a->code, a->cf);
}

static gint
by_case (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort hands pointers to the elements */
  return (*(TfVerdictProposal *const *)a)->case_id - (*(TfVerdictProposal *const *)b)->case_id;
}

GPtrArray *
tf_lwm2m_propose_verdicts (GPtrArray *entries)
{
  g_autoptr (GArray) msgs = g_array_new (FALSE, TRUE, sizeof (Msg));
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)tf_verdict_proposal_free);
  g_array_set_clear_func (msgs, (GDestroyNotify)msg_clear);

  for (guint i = 0; i < entries->len; i++)
    {
      Msg m = { 0 };
      if (load (g_ptr_array_index (entries, i), &m))
        g_array_append_val (msgs, m);
    }
  link_answers (msgs);
  tf_lwm2m_mark_bootstrap (msgs);
  for (guint i = 0; i < msgs->len; i++)
    {
      const Msg *q = &g_array_index (msgs, Msg, i);
      const Msg *a;
      if (q->repeat || tf_vmsg_is_response (q) || q->bootstrap)
        continue;
      a = tf_vmsg_answer (msgs, i);
      if (g_str_equal (q->code, "POST") && g_str_equal (q->path, "/rd"))
        {
          if (a != NULL && g_str_equal (a->code, "2.01") && a->has_location)
            tf_verdict_propose (out, 101, TRUE, q->frame, a->frame,
                                "Register answered 2.01 Created");
          else if (a != NULL)
            tf_verdict_propose (out, 101, FALSE, q->frame, a->frame, "Register answered %s",
                                a->code);
        }
      else if (g_str_has_prefix (q->path, "/rd/") && path_depth (q->path) == 2)
        {
          if (g_str_equal (q->code, "DELETE"))
            {
              if (a != NULL && g_str_equal (a->code, "2.02"))
                tf_verdict_propose (out, 103, TRUE, q->frame, a->frame,
                                    "De-register answered 2.02 Deleted");
              else if (a != NULL)
                tf_verdict_propose (out, 103, FALSE, q->frame, a->frame, "De-register answered %s",
                                    a->code);
            }
          else if (!g_str_equal (q->code, "POST"))
            tf_verdict_propose (out, 102, FALSE, q->frame, a ? a->frame : 0,
                                "Update sent as %s (Transport 6.4.2: POST)", q->code);
          else if (a != NULL && g_str_equal (a->code, "2.04"))
            tf_verdict_propose (out, 102, TRUE, q->frame, a->frame, "Update answered 2.04 Changed");
          else if (a != NULL)
            tf_verdict_propose (out, 102, FALSE, q->frame, a->frame, "Update answered %s", a->code);
        }
      else if (g_str_equal (q->code, "GET") && q->observe == 0)
        {
          const Msg *n;
          if (a == NULL)
            continue;
          if (!g_str_equal (a->code, "2.05") || a->observe < 0)
            {
              tf_verdict_propose (out, 301, FALSE, q->frame, a->frame,
                                  "Observe %s answered %s without an Observe option", q->path,
                                  a->code);
              continue;
            }
          n = tf_vmsg_notification_after (msgs, (guint)(a - (const Msg *)msgs->data), q->token,
                                          a->src);
          if (n != NULL)
            tf_verdict_propose (out, 301, TRUE, q->frame, n->frame,
                                "Observe %s answered 2.05 with Observe, then notified", q->path);
        }
      else if (g_str_equal (q->code, "GET") && q->observe == 1)
        {
          const Msg *n;
          if (a == NULL)
            continue;
          n = tf_vmsg_notification_after (msgs, (guint)(a - (const Msg *)msgs->data), q->token,
                                          a->src);
          if (n != NULL)
            tf_verdict_propose (out, 303, FALSE, q->frame, n->frame,
                                "notified again after the cancel (Observe=1) of %s", q->path);
          else if (g_str_equal (a->code, "2.05"))
            tf_verdict_propose (out, 303, TRUE, q->frame, a->frame,
                                "Cancel (Observe=1) of %s answered 2.05, no notification after",
                                q->path);
        }
      else if (g_str_equal (q->code, "GET"))
        read_case (out, q, a);
      else if (g_str_equal (q->code, "PUT") && path_depth (q->path) == 3 && q->cf == 0 && a != NULL
               && tf_vmsg_decides (a, "2.04"))
        tf_verdict_propose (out, 205, g_str_equal (a->code, "2.04"), q->frame, a->frame,
                            "Write %s in plain text answered %s", q->path, a->code);
      else if (g_str_equal (q->code, "POST") && g_str_equal (q->path, "/3/0/4") && a != NULL)
        tf_verdict_propose (out, 241, g_str_equal (a->code, "2.04"), q->frame, a->frame,
                            "Execute /3/0/4 answered %s", a->code);
    }
  /* 302: a Reset in answer to a notification, then no notification of its token */
  for (guint i = 0; i < msgs->len; i++)
    {
      const Msg *r = &g_array_index (msgs, Msg, i);
      const Msg *notif = NULL, *n;
      if (!g_str_equal (r->type, "RST") || r->repeat)
        continue;
      for (guint k = i; k-- > 0;)
        {
          const Msg *m = &g_array_index (msgs, Msg, k);
          if (g_str_equal (m->type, "CON") && m->observe >= 0 && tf_vmsg_is_response (m)
              && g_str_equal (m->src, r->dst) && m->mid == r->mid)
            {
              notif = m;
              break;
            }
        }
      if (notif == NULL)
        continue;
      n = tf_vmsg_notification_after (msgs, i, notif->token, notif->src);
      if (n != NULL)
        tf_verdict_propose (out, 302, FALSE, r->frame, n->frame,
                            "notified again after the Reset of notification #%" G_GUINT64_FORMAT,
                            notif->frame);
      else
        tf_verdict_propose (out, 302, TRUE, notif->frame, r->frame,
                            "Reset of a notification, no notification of that token after");
    }
  tf_lwm2m_propose_dm (msgs, out);
  tf_lwm2m_propose_bs (msgs, out);
  g_ptr_array_sort (out, by_case);
  return out;
}

void
tf_verdict_proposal_free (TfVerdictProposal *p)
{
  if (p == NULL)
    return;
  g_free (p->reason);
  g_array_unref (p->frames);
  g_free (p);
}

JsonNode *
tf_verdict_proposal_to_json (const TfVerdictProposal *p)
{
  JsonNode *n = json_node_init_object (json_node_alloc (), json_object_new ());
  JsonObject *o = json_node_get_object (n);
  JsonArray *frames = json_array_new ();
  json_object_set_int_member (o, "case", p->case_id);
  json_object_set_string_member (o, "verdict", p->pass ? "pass" : "fail");
  json_object_set_string_member (o, "reason", p->reason);
  for (guint i = 0; i < p->frames->len; i++)
    json_array_add_int_element (frames, (gint64)g_array_index (p->frames, guint64, i));
  json_object_set_array_member (o, "frames", frames);
  return n;
}
