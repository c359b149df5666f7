/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdicts proposed from a decoded trace: device management beyond the basic reads (writes in
 * each format read back, Discover, Write-Attributes, Create, Delete, the composite operations).
 * The criteria and their letters are the runner's (tf-ets-cases*.c), so that a proposal and an
 * automated verdict of the same case agree. */
#define G_LOG_DOMAIN "tf-lwm2m"

#include "config.h"

#include "tf-lwm2m-link.h"
#include "tf-lwm2m-registry.h"
#include "tf-lwm2m-verdicts-private.h"

#include <stdio.h>
#include <string.h>

typedef TfVMsg Msg;

#define CF_TEXT 0
#define CF_LINK 40
#define CF_CBOR 60
#define CF_SENML_JSON 110
#define CF_SENML_CBOR 112
#define CF_TLV 11542
#define CF_JSON 11543

static gboolean
is (const Msg *m, const char *code)
{
  return g_str_equal (m->code, code);
}

/* a request of the LwM2M server to the client: not registration, bootstrap or Send */
static gboolean
is_dm (const Msg *q)
{
  return !g_str_has_prefix (q->path, "/rd") && !g_str_has_prefix (q->path, "/bs")
         && !g_str_has_prefix (q->path, "/dp") && !tf_vmsg_is_response (q) && !q->repeat;
}

static gboolean
decoded (const Msg *m)
{
  return m->payload != NULL && *m->payload == '/';
}

/* @a is @b or one of its parents */
static gboolean
covers (const char *a, const char *b)
{
  gsize n = strlen (a);
  return strncmp (a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* The first Read after msgs[@w] (GET or FETCH from the same side) whose path covers what
 * msgs[@w] wrote (@path; "" for a composite write: any Read); its answer in *@a. */
static const Msg *
read_back (GArray *msgs, guint w, const char *path, const Msg **a)
{
  const Msg *wm = &g_array_index (msgs, Msg, w);
  for (guint i = w + 1; i < msgs->len; i++)
    {
      const Msg *q = &g_array_index (msgs, Msg, i);
      if (!is_dm (q) || !g_str_equal (q->src, wm->src) || q->observe >= 0 || q->accept == CF_LINK)
        continue;
      /* another write of those values first: the Read would be its read-back */
      if ((is (q, "PUT") || is (q, "POST") || is (q, "iPATCH")) && q->payload != NULL
          && (*path == '\0' || is (q, "iPATCH") || covers (q->path, path)
              || covers (path, q->path)))
        return NULL;
      /* a composite write is read back by any Read (its values are checked) */
      if ((is (q, "GET") && covers (q->path, path))
          || ((is (q, "FETCH") || is (q, "GET")) && *path == '\0'))
        {
          *a = tf_vmsg_answer (msgs, i);
          return *a != NULL ? q : NULL;
        }
    }
  return NULL;
}

/* A Write (@what) as criterion @wc, read back as @rc: FALSE when the trace cannot tell. */
static gboolean
write_read_back (GArray *msgs, guint w, const char *wc, const char *rc, gint read_cf,
                 const char *what, gboolean *pass, GArray *frames, GString *why)
{
  const Msg *q = &g_array_index (msgs, Msg, w);
  const Msg *a = tf_vmsg_answer (msgs, w), *r, *ra = NULL;
  if (a == NULL || !tf_vmsg_decides (a, "2.04"))
    return FALSE;
  g_array_append_vals (frames, (guint64[]){ q->frame, a->frame }, 2);
  if (!is (a, "2.04"))
    {
      g_string_printf (why, "%s: %s answered %s (2.04 expected)", wc, what, a->code);
      *pass = FALSE;
      return TRUE;
    }
  r = read_back (msgs, w, g_str_equal (q->code, "iPATCH") ? "" : q->path, &ra);
  if (r == NULL)
    return FALSE;
  g_array_append_vals (frames, (guint64[]){ r->frame, ra->frame }, 2);
  if (!is (ra, "2.05") || (read_cf >= 0 && ra->cf != read_cf))
    g_string_printf (why, "%s: Read back %s answered %s in format %d (2.05 in %d expected)", rc,
                     r->path[0] ? r->path : "/", ra->code, ra->cf, read_cf >= 0 ? read_cf : ra->cf);
  else if (decoded (q)
               ? !tf_vmsg_values_in (q->payload, ra->payload)
               : !g_str_equal (r->path, q->path) || g_strcmp0 (q->payload, ra->payload) != 0)
    g_string_printf (why, "%s: the values read back as written (wrote %s, read %s)", rc,
                     q->payload ? q->payload : "none", ra->payload ? ra->payload : "none");
  else
    {
      g_string_printf (why, "%s answered 2.04; %s reads back as written (%s)", what,
                       r->path[0] ? r->path : "the Read-Composite", q->payload);
      *pass = TRUE;
      return TRUE;
    }
  *pass = FALSE;
  return TRUE;
}

static void
propose_frames (GPtrArray *out, gint id, gboolean pass, GArray *frames, const char *why)
{
  TfVerdictProposal *p = tf_verdict_propose (out, id, pass, 0, 0, "%s", why);
  /* a proposal already decided by an earlier fail keeps its frames */
  if (p->frames->len == 0 && g_str_equal (p->reason, why))
    g_array_append_vals (p->frames, frames->data, frames->len);
}

static gint
format_case (gint cf)
{
  switch (cf)
    {
    case CF_CBOR:
      return 212;
    case CF_TLV:
      return 215;
    case CF_JSON:
      return 220;
    case CF_SENML_CBOR:
      return 233;
    case CF_SENML_JSON:
      return 234;
    default:
      return 0;
    }
}

static void
write_cases (GArray *msgs, GPtrArray *out, guint i)
{
  const Msg *q = &g_array_index (msgs, Msg, i);
  guint depth = tf_vmsg_depth (q);
  gboolean pass = FALSE;
  g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GString) why = g_string_new (NULL);
  g_autofree char *what = NULL;
  gboolean partial = is (q, "POST") && depth == 2;
  gboolean replace = is (q, "PUT") && (depth == 2 || depth == 3 || depth == 4);
  gint id = format_case (q->cf);

  if (q->payload == NULL || (!partial && !replace) || q->query[0] != '\0')
    return;
  what = g_strdup_printf ("Write%s %s in format %d", partial ? " (partial update)" : "", q->path,
                          q->cf);
  /* 212-234: the Server object's values written in one format, read back in it */
  if (id != 0 && g_str_has_prefix (q->path, "/1/"))
    {
      if (write_read_back (msgs, i, "A", "B", q->cf, what, &pass, frames, why))
        propose_frames (out, id, pass, frames, why->str);
      g_array_set_size (frames, 0);
    }
  /* 226: Write (Partial Update) on an Object Instance; 227: Write (replace) on a Resource,
   * read back as written (the runner's C; its B, the Update a new lifetime causes, is 102's);
   * 228: Write on a Resource Instance, read back (B) */
  if (partial || (replace && depth >= 3))
    {
      id = partial ? 226 : depth == 3 ? 227 : 228;
      if (write_read_back (msgs, i, "A", id == 227 ? "C" : "B", -1, what, &pass, frames, why))
        propose_frames (out, id, pass, frames, why->str);
    }
}

/* 260: Discover answered 2.05 in link format (A) listing the mandatory resources (B) */
static void
discover_case (GPtrArray *out, const Msg *q, const Msg *a)
{
  g_autoptr (GPtrArray) links = NULL;
  const TfLwm2mObjectDef *d;
  guint obj, inst;
  if (!tf_vmsg_decides (a, "2.05"))
    return;
  if (!is (a, "2.05") || a->cf != CF_LINK)
    {
      tf_verdict_propose (out, 260, FALSE, q->frame, a->frame,
                          "A: Discover %s answered %s in content format %d (2.05 in 40 expected)",
                          q->path, a->code, a->cf);
      return;
    }
  links = a->payload != NULL ? tf_lwm2m_link_parse (a->payload, strlen (a->payload), NULL) : NULL;
  if (links == NULL || links->len == 0)
    {
      tf_verdict_propose (out, 260, FALSE, q->frame, a->frame, "B: the answer is link format: %s",
                          a->payload ? a->payload : "(empty)");
      return;
    }
  /* the mandatory resources of a known object's instance */
  if (tf_vmsg_depth (q) == 2 && sscanf (q->path, "/%u/%u", &obj, &inst) == 2 && obj <= G_MAXUINT16
      && (d = tf_lwm2m_registry_object ((guint16)obj)) != NULL)
    for (guint i = 0; i < d->n_res; i++)
      {
        g_autofree char *want = g_strdup_printf ("%s/%u", q->path, d->res[i].id);
        gboolean found = FALSE;
        if (!d->res[i].mandatory)
          continue;
        for (guint j = 0; j < links->len && !found; j++)
          found = g_str_equal (((TfLwm2mLink *)g_ptr_array_index (links, j))->uri, want);
        if (!found)
          {
            tf_verdict_propose (out, 260, FALSE, q->frame, a->frame,
                                "B: the mandatory resource <%s> is listed", want);
            return;
          }
      }
  tf_verdict_propose (out, 260, TRUE, q->frame, a->frame,
                      "Discover %s answered 2.05 in link format, %u links", q->path, links->len);
}

/* 261: Write-Attributes answered 2.04 (A), a later Discover shows the attributes (B) */
static void
attributes_case (GArray *msgs, GPtrArray *out, guint i)
{
  const Msg *q = &g_array_index (msgs, Msg, i);
  const Msg *a = tf_vmsg_answer (msgs, i);
  g_auto (GStrv) attrs = NULL;
  if (a == NULL || !tf_vmsg_decides (a, "2.04"))
    return;
  if (!is (a, "2.04"))
    {
      tf_verdict_propose (out, 261, FALSE, q->frame, a->frame,
                          "A: Write-Attributes %s %s answered %s (2.04 expected)", q->path,
                          q->query, a->code);
      return;
    }
  attrs = g_strsplit (q->query, "&", -1);
  for (guint k = i + 1; k < msgs->len; k++)
    {
      const Msg *d = &g_array_index (msgs, Msg, k), *da;
      g_autoptr (GPtrArray) links = NULL;
      TfLwm2mLink *l = NULL;
      /* new attributes for that path first: the Discover would show those */
      if (is_dm (d) && is (d, "PUT") && d->payload == NULL && g_str_equal (d->path, q->path))
        return;
      if (!is_dm (d) || !is (d, "GET") || d->accept != CF_LINK || !covers (d->path, q->path)
          || (da = tf_vmsg_answer (msgs, k)) == NULL)
        continue;
      links = da->payload != NULL && is (da, "2.05")
                  ? tf_lwm2m_link_parse (da->payload, strlen (da->payload), NULL)
                  : NULL;
      for (guint j = 0; links != NULL && j < links->len && l == NULL; j++)
        if (g_str_equal (((TfLwm2mLink *)g_ptr_array_index (links, j))->uri, q->path))
          l = g_ptr_array_index (links, j);
      for (guint j = 0; l != NULL && attrs[j] != NULL; j++)
        {
          g_auto (GStrv) kv = g_strsplit (attrs[j], "=", 2);
          if (kv[1] != NULL && g_strcmp0 (g_hash_table_lookup (l->attrs, kv[0]), kv[1]) != 0)
            l = NULL;
        }
      tf_verdict_propose (out, 261, l != NULL, q->frame, da->frame,
                          l != NULL ? "Write-Attributes %s %s answered 2.04; Discover shows them"
                                    : "B: Discover %s carries %s (the answer: %s)",
                          q->path, q->query, da->payload ? da->payload : da->code);
      return;
    }
}

/* 229 and 230: the composite operation in SenML JSON (A) and SenML CBOR (B); a case is proposed
 * once both were seen, or at the first that failed */
typedef struct
{
  gint id;
  gboolean seen[2], ok[2];
  guint64 frames[2][4];
  char *why[2];
} Composite;

static void
composite_note (Composite *c, gint cf, gboolean ok, const guint64 *frames, guint n, const char *why)
{
  guint k = cf == CF_SENML_JSON ? 0 : cf == CF_SENML_CBOR ? 1 : 2;
  /* the first exchange decides, unless a later one fails */
  if (k > 1 || (c->seen[k] && (!c->ok[k] || ok)))
    return;
  c->seen[k] = TRUE;
  c->ok[k] = ok;
  memset (c->frames[k], 0, sizeof c->frames[k]);
  memcpy (c->frames[k], frames, MIN (n, 4) * sizeof (guint64));
  g_free (c->why[k]);
  c->why[k] = g_strdup_printf ("%s: %s", k == 0 ? "A" : "B", why);
}

static void
add_frames (TfVerdictProposal *p, const guint64 *frames, guint max)
{
  for (guint f = 0; f < 4 && frames[f] != 0 && p->frames->len < max; f++)
    g_array_append_val (p->frames, frames[f]);
}

static void
composite_propose (GPtrArray *out, Composite *c)
{
  gint failed = c->seen[0] && !c->ok[0] ? 0 : c->seen[1] && !c->ok[1] ? 1 : -1;
  if (failed >= 0)
    add_frames (tf_verdict_propose (out, c->id, FALSE, 0, 0, "%s", c->why[failed]),
                c->frames[failed], 4);
  else if (c->seen[0] && c->seen[1])
    {
      TfVerdictProposal *p
          = tf_verdict_propose (out, c->id, TRUE, 0, 0, "%s; %s", c->why[0], c->why[1]);
      add_frames (p, c->frames[0], 8);
      add_frames (p, c->frames[1], 8);
    }
  g_free (c->why[0]);
  g_free (c->why[1]);
}

void
tf_lwm2m_propose_dm (GArray *msgs, GPtrArray *out)
{
  Composite rc = { .id = 229 }, wc = { .id = 230 };
  for (guint i = 0; i < msgs->len; i++)
    {
      const Msg *q = &g_array_index (msgs, Msg, i);
      const Msg *a;
      if (!is_dm (q) || q->bootstrap)
        continue;
      a = tf_vmsg_answer (msgs, i);
      if (is (q, "GET") && q->accept == CF_LINK && a != NULL)
        discover_case (out, q, a);
      else if (is (q, "PUT") && q->payload == NULL && q->query[0] != '\0')
        attributes_case (msgs, out, i);
      else if (is (q, "PUT") || (is (q, "POST") && tf_vmsg_depth (q) == 2))
        write_cases (msgs, out, i);
      else if (is (q, "POST") && tf_vmsg_depth (q) == 1 && a != NULL && tf_vmsg_decides (a, "2.01"))
        tf_verdict_propose (out, 270, is (a, "2.01"), q->frame, a->frame,
                            is (a, "2.01") ? "Create on %s answered 2.01 Created"
                                           : "A: Create on %s answered %s (2.01 expected)",
                            q->path, a->code);
      else if (is (q, "DELETE") && tf_vmsg_depth (q) == 2 && a != NULL
               && tf_vmsg_decides (a, "2.02"))
        tf_verdict_propose (out, 290, is (a, "2.02"), q->frame, a->frame,
                            is (a, "2.02") ? "Delete %s answered 2.02 Deleted"
                                           : "A: Delete %s answered %s (2.02 expected)",
                            q->path, a->code);
      /* an empty 2.05 is right for paths the client has not (Partial Presence): the trace
       * does not hold the paths asked for (the request's payload has no values to decode) */
      else if (is (q, "FETCH") && q->observe < 0 && a != NULL && tf_vmsg_decides (a, "2.05")
               && !(is (a, "2.05") && (a->payload == NULL || *a->payload == '\0')))
        {
          gboolean ok = is (a, "2.05") && a->cf == q->accept && decoded (a);
          g_autofree char *why
              = ok ? g_strdup_printf ("Read-Composite in format %d answered 2.05: %s", q->accept,
                                      a->payload)
                   : g_strdup_printf ("Read-Composite in format %d answered %s in format %d%s%s",
                                      q->accept, a->code, a->cf, a->payload ? ": " : "",
                                      a->payload ? a->payload : "");
          composite_note (&rc, q->accept, ok, (guint64[]){ q->frame, a->frame }, 2, why);
        }
      else if (is (q, "iPATCH"))
        {
          g_autoptr (GArray) frames = g_array_new (FALSE, FALSE, sizeof (guint64));
          g_autoptr (GString) why = g_string_new (NULL);
          gboolean pass = FALSE;
          if (write_read_back (msgs, i, "", "", -1, "Write-Composite", &pass, frames, why))
            composite_note (&wc, q->cf, pass, (guint64 *)(void *)frames->data, frames->len,
                            g_str_has_prefix (why->str, ": ") ? why->str + 2 : why->str);
        }
    }
  composite_propose (out, &rc);
  composite_propose (out, &wc);
}
