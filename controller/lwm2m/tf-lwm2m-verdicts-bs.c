/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts proposed from a decoded trace: bootstrap (0, 1, 4, 8), the Registration Update
 * Trigger (104), queue mode (108), Observe-Composite and its cancel (304, 305) and Send (306).
 * Criteria letters as the runner's (tf-ets-cases-bs.c, tf-ets-cases.c, tf-ets-cases-info.c). */
#define G_LOG_DOMAIN "tf-lwm2m"

#include "config.h"

#include "tf-lwm2m-link.h"
#include "tf-lwm2m-verdicts-private.h"

#include <stdio.h>
#include <string.h>

typedef TfVMsg Msg;

static gboolean
is (const Msg *m, const char *code)
{
  return g_str_equal (m->code, code);
}

static gboolean
request (const Msg *m)
{
  return !m->repeat && !tf_vmsg_is_response (m);
}

static gboolean
bootstrap_request (const Msg *m)
{
  return request (m) && is (m, "POST") && g_str_equal (m->path, "/bs")
         && (g_str_has_prefix (m->query, "ep=") || strstr (m->query, "&ep=") != NULL);
}

/* the same host: a client may talk to its LwM2M server from another port than to its
 * bootstrap server ("192.0.2.10:40000", "[2001:db8::10]:5683") */
static gboolean
same_host (const char *a, const char *b)
{
  const char *ca = strrchr (a, ':'), *cb = strrchr (b, ':');
  gsize la = ca != NULL ? (gsize)(ca - a) : strlen (a),
        lb = cb != NULL ? (gsize)(cb - b) : strlen (b);
  return la == lb && strncmp (a, b, la) == 0;
}

/* the same two endpoints, either way */
static gboolean
same_pair (const Msg *a, const Msg *b)
{
  return (g_str_equal (a->src, b->src) && g_str_equal (a->dst, b->dst))
         || (g_str_equal (a->src, b->dst) && g_str_equal (a->dst, b->src));
}

/* The Bootstrap-Finish of the sequence msgs[@req] opened (a POST /bs of the server), or -1 */
static gint
finish_of (GArray *msgs, guint req)
{
  const Msg *r = &g_array_index (msgs, Msg, req);
  for (guint i = req + 1; i < msgs->len; i++)
    {
      const Msg *m = &g_array_index (msgs, Msg, i);
      if (request (m) && g_str_equal (m->src, r->dst) && g_str_equal (m->dst, r->src)
          && is (m, "POST") && g_str_equal (m->path, "/bs"))
        return (gint)i;
      if (bootstrap_request (m) && g_str_equal (m->src, r->src))
        return -1;
    }
  return -1;
}

void
tf_lwm2m_mark_bootstrap (GArray *msgs)
{
  for (guint i = 0; i < msgs->len; i++)
    {
      Msg *r = &g_array_index (msgs, Msg, i);
      gint fin;
      const Msg *fa;
      guint end;
      if (!bootstrap_request (r))
        continue;
      fin = finish_of (msgs, i);
      fa = fin >= 0 ? tf_vmsg_answer (msgs, (guint)fin) : NULL;
      end = fa != NULL ? tf_vmsg_index (msgs, fa) : fin >= 0 ? (guint)fin : msgs->len - 1;
      for (guint k = i; k <= end; k++)
        if (same_pair (&g_array_index (msgs, Msg, k), r))
          g_array_index (msgs, Msg, k).bootstrap = TRUE;
    }
}

/* The client-initiated sequence from msgs[@i]: A Bootstrap-Request answered 2.04, B the
 * server's writes (and deletes) answered 2.04 (2.02), C Bootstrap-Finish answered 2.04, D the
 * client's Register after it. The case is @id; @extra checks what the case adds (4, 8). */
typedef gboolean (*ExtraCheck) (GArray *msgs, guint from, guint to, GPtrArray *out, gint id,
                                GString *held);

static void
sequence (GArray *msgs, GPtrArray *out, guint i, gint id, ExtraCheck extra)
{
  const Msg *r = &g_array_index (msgs, Msg, i);
  const Msg *ra = tf_vmsg_answer (msgs, i), *f, *fa;
  g_autoptr (GString) held = g_string_new (NULL);
  gint fin;
  if (ra == NULL)
    return;
  /* 4 and 8 are only proposed on the step they add; 0 and 1 decide the rest */
  if (!is (ra, "2.04") && extra != NULL)
    return;
  if (!is (ra, "2.04"))
    {
      tf_verdict_propose (out, id, FALSE, r->frame, ra->frame,
                          "A: the Bootstrap-Request (POST /bs?%s) answered %s (2.04 expected)",
                          r->query, ra->code);
      return;
    }
  if ((fin = finish_of (msgs, i)) < 0)
    return;
  f = &g_array_index (msgs, Msg, fin);
  for (guint k = i + 1; extra == NULL && k < (guint)fin; k++)
    {
      const Msg *w = &g_array_index (msgs, Msg, k), *wa;
      gboolean del = is (w, "DELETE");
      if (!request (w) || !g_str_equal (w->src, f->src) || !g_str_equal (w->dst, f->dst)
          || (!is (w, "PUT") && !del) || (wa = tf_vmsg_answer (msgs, k)) == NULL)
        continue;
      if (!is (wa, del ? "2.02" : "2.04"))
        {
          tf_verdict_propose (out, id, FALSE, w->frame, wa->frame,
                              "B: Bootstrap-%s %s answered %s (%s expected)",
                              del ? "Delete" : "Write", w->path[0] ? w->path : "/", wa->code,
                              del ? "2.02" : "2.04");
          return;
        }
    }
  if (extra != NULL && !extra (msgs, i, (guint)fin, out, id, held))
    return;
  if ((fa = tf_vmsg_answer (msgs, (guint)fin)) == NULL)
    return;
  if (!is (fa, "2.04"))
    {
      tf_verdict_propose (out, id, FALSE, f->frame, fa->frame,
                          "C: Bootstrap-Finish answered %s (2.04 expected)", fa->code);
      return;
    }
  for (guint k = tf_vmsg_index (msgs, fa) + 1; k < msgs->len; k++)
    {
      const Msg *reg = &g_array_index (msgs, Msg, k);
      if (bootstrap_request (reg) && same_host (reg->src, r->src))
        return;
      if (request (reg) && same_host (reg->src, r->src) && is (reg, "POST")
          && g_str_equal (reg->path, "/rd"))
        {
          tf_verdict_propose (
              out, id, TRUE, r->frame, reg->frame,
              "Bootstrap-Request answered 2.04, Bootstrap-Finish #%" G_GUINT64_FORMAT
              " answered 2.04, then a Register to the server given%s%s",
              f->frame, r->dtls ? " (over DTLS)" : "", held->str);
          return;
        }
    }
}

/* 4: Bootstrap-Delete / answered 2.02 (B), then the Bootstrap-Discovers before the next
 * Bootstrap-Write show the Bootstrap-Server account at most: one Security instance, no Server
 * instance (C) */
static gboolean
extra_4 (GArray *msgs, guint from, guint to, GPtrArray *out, gint id, GString *held)
{
  const Msg *del = NULL, *last = NULL, *last_q = NULL;
  guint security = 0, servers = 0;
  for (guint k = from + 1; k < to; k++)
    {
      const Msg *m = &g_array_index (msgs, Msg, k), *a;
      g_autoptr (GPtrArray) links = NULL;
      if (!request (m) || !m->bootstrap || (a = tf_vmsg_answer (msgs, k)) == NULL)
        continue;
      if (del == NULL && is (m, "DELETE") && (m->path[0] == '\0' || g_str_equal (m->path, "/")))
        {
          if (!is (a, "2.02"))
            {
              tf_verdict_propose (out, id, FALSE, m->frame, a->frame,
                                  "B: Bootstrap-Delete / answered %s (2.02 expected)", a->code);
              return FALSE;
            }
          del = m;
          continue;
        }
      if (del == NULL)
        continue;
      if (is (m, "PUT"))
        break;
      if (!is (m, "GET") || m->accept != 40)
        continue;
      links = is (a, "2.05") && a->payload != NULL
                  ? tf_lwm2m_link_parse (a->payload, strlen (a->payload), NULL)
                  : NULL;
      if (links == NULL)
        {
          tf_verdict_propose (out, id, FALSE, m->frame, a->frame,
                              "C: a Bootstrap-Discover answer is link format: %s %s", a->code,
                              a->payload ? a->payload : "");
          return FALSE;
        }
      for (guint j = 0; j < links->len; j++)
        {
          const char *uri = ((TfLwm2mLink *)g_ptr_array_index (links, j))->uri;
          guint o, i;
          char end;
          if (sscanf (uri, "/%u/%u%c", &o, &i, &end) != 2)
            continue;
          security += o == 0;
          servers += o == 1;
        }
      last_q = m;
      last = a;
    }
  if (last == NULL)
    return FALSE; /* no Bootstrap-Delete / and Discover after it: not this case */
  if (security > 1 || servers > 0)
    {
      tf_verdict_propose (out, id, FALSE, last_q->frame, last->frame,
                          "C: after the Delete, %u Security and %u Server instance(s) remain (at "
                          "most the Bootstrap-Server account)",
                          security, servers);
      return FALSE;
    }
  g_string_printf (
      held,
      "; Bootstrap-Delete / answered 2.02, the Discovers after it show %u Security and "
      "no Server instance",
      security);
  return TRUE;
}

/* 8: a Bootstrap-Read of /1 answered 2.05 (B) */
static gboolean
extra_8 (GArray *msgs, guint from, guint to, GPtrArray *out, gint id, GString *held)
{
  for (guint k = from + 1; k < to; k++)
    {
      const Msg *m = &g_array_index (msgs, Msg, k), *a;
      if (!request (m) || !m->bootstrap || !is (m, "GET") || !g_str_has_prefix (m->path, "/1")
          || m->accept == 40 || (a = tf_vmsg_answer (msgs, k)) == NULL)
        continue;
      if (!is (a, "2.05") || a->payload == NULL || *a->payload != '/')
        {
          tf_verdict_propose (out, id, FALSE, m->frame, a->frame,
                              "B: the Bootstrap-Read of %s answered %s with %s", m->path, a->code,
                              a->payload ? a->payload : "no values");
          return FALSE;
        }
      g_string_printf (held, "; Bootstrap-Read of %s answered 2.05", m->path);
      return TRUE;
    }
  return FALSE;
}

static void
observe_composite (GArray *msgs, GPtrArray *out, const Msg *q, const Msg *a)
{
  const Msg *n = tf_vmsg_notification_after (msgs, tf_vmsg_index (msgs, a), q->token, a->src);
  /* Not Found and the like: the paths did not fit the client (tf-lwm2m-verdicts-dm.c) */
  if (!is (a, "2.05") && !is (a, "4.06") && !is (a, "4.15") && !g_str_has_prefix (a->code, "5."))
    return;
  if (q->observe == 0)
    {
      if (!is (a, "2.05") || a->observe < 0)
        tf_verdict_propose (out, 304, FALSE, q->frame, a->frame,
                            "B: Observe-Composite answered %s without the Observe option", a->code);
      else if (n != NULL)
        tf_verdict_propose (out, 304, TRUE, q->frame, n->frame,
                            "Observe-Composite answered 2.05 with Observe, then notified: %s",
                            n->payload ? n->payload : "");
    }
  else if (q->observe == 1)
    {
      if (n != NULL)
        tf_verdict_propose (out, 305, FALSE, q->frame, n->frame,
                            "B: notified again after the cancel (Observe=1) of the composite "
                            "observation");
      else if (is (a, "2.05"))
        tf_verdict_propose (out, 305, TRUE, q->frame, a->frame,
                            "Cancel (Observe=1) of the composite observation answered 2.05, no "
                            "notification after");
    }
}

/* 104: Execute /1/x/8 answered 2.04 (A), then the client's Update (B) */
static void
trigger (GArray *msgs, GPtrArray *out, const Msg *q, const Msg *a)
{
  if (!is (a, "2.04") && !g_str_has_prefix (a->code, "5."))
    return;
  if (!is (a, "2.04"))
    {
      tf_verdict_propose (out, 104, FALSE, q->frame, a->frame,
                          "A: Execute %s (Registration Update Trigger) answered %s", q->path,
                          a->code);
      return;
    }
  for (guint k = tf_vmsg_index (msgs, a) + 1; k < msgs->len; k++)
    {
      const Msg *u = &g_array_index (msgs, Msg, k);
      if (!request (u) || !g_str_equal (u->src, q->dst) || !g_str_has_prefix (u->path, "/rd"))
        continue;
      if (g_str_equal (u->path, "/rd"))
        tf_verdict_propose (out, 104, FALSE, q->frame, u->frame,
                            "B: the client sent an Update, not a new Register");
      else if (!is (u, "POST"))
        tf_verdict_propose (out, 104, FALSE, q->frame, u->frame,
                            "B: the Update is a POST on the registration (sent as %s)", u->code);
      else
        tf_verdict_propose (out, 104, TRUE, q->frame, u->frame,
                            "Execute %s answered 2.04, then an Update followed", q->path);
      return;
    }
}

/* 108: a Register announcing queue mode (A: 1.1 "Q", 1.0 binding "UQ"), then a Read answered
 * while the client listens (B) */
static void
queue_mode (GArray *msgs, GPtrArray *out, guint i, const Msg *reg)
{
  g_auto (GStrv) q = g_strsplit (reg->query, "&", -1);
  gboolean queue = FALSE;
  for (guint k = 0; q[k] != NULL; k++)
    queue |= g_str_equal (q[k], "Q") || g_str_equal (q[k], "b=UQ");
  if (!queue)
    return;
  for (guint k = i + 1; k < msgs->len; k++)
    {
      const Msg *r = &g_array_index (msgs, Msg, k), *a;
      if (!request (r) || !g_str_equal (r->dst, reg->src) || !is (r, "GET") || r->observe >= 0
          || (a = tf_vmsg_answer (msgs, k)) == NULL
          || (!is (a, "2.05") && !g_str_has_prefix (a->code, "5.")))
        continue;
      if (is (a, "2.05"))
        tf_verdict_propose (out, 108, TRUE, reg->frame, a->frame,
                            "the Register announces queue mode (%s); Read %s answered 2.05 while "
                            "the client listens",
                            reg->query, r->path);
      else
        tf_verdict_propose (out, 108, FALSE, reg->frame, a->frame,
                            "B: Read %s while the client listens answered %s", r->path, a->code);
      return;
    }
}

void
tf_lwm2m_propose_bs (GArray *msgs, GPtrArray *out)
{
  for (guint i = 0; i < msgs->len; i++)
    {
      const Msg *q = &g_array_index (msgs, Msg, i);
      const Msg *a;
      if (!request (q))
        continue;
      a = tf_vmsg_answer (msgs, i);
      if (bootstrap_request (q))
        {
          sequence (msgs, out, i, q->dtls ? 1 : 0, NULL);
          sequence (msgs, out, i, 4, extra_4);
          sequence (msgs, out, i, 8, extra_8);
        }
      else if (q->bootstrap)
        continue;
      else if (is (q, "FETCH") && q->observe >= 0 && a != NULL)
        observe_composite (msgs, out, q, a);
      else if (is (q, "POST") && g_str_has_prefix (q->path, "/1/") && tf_vmsg_depth (q) == 3
               && g_str_has_suffix (q->path, "/8") && a != NULL)
        trigger (msgs, out, q, a);
      else if (is (q, "POST") && g_str_equal (q->path, "/rd"))
        queue_mode (msgs, out, i, q);
      else if (is (q, "POST") && g_str_equal (q->path, "/dp") && a != NULL)
        {
          gboolean senml = q->cf == 110 || q->cf == 112;
          if (!is (a, "2.04"))
            tf_verdict_propose (out, 306, FALSE, q->frame, a->frame,
                                "A: a Send (POST /dp, SenML) the server accepted: answered %s",
                                a->code);
          else
            tf_verdict_propose (out, 306, senml && q->payload != NULL && *q->payload == '/',
                                q->frame, a->frame,
                                senml && q->payload != NULL && *q->payload == '/'
                                    ? "a Send (POST /dp, SenML) the server accepted: %s"
                                    : "B: the Send carries SenML values: %s",
                                q->payload ? q->payload : "(no payload)");
        }
    }
}
