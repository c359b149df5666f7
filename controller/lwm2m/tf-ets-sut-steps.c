/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The steps of a server-under-test case, each judging its pass criterion from what reached
 * the reference client and what it answered: the request the ETS names (method, path,
 * content format, attributes, token), answered with success, and its effect on the client. */
#define G_LOG_DOMAIN "tf-ets"

#include "config.h"

#include <string.h>

#include "tf-coap-source.h"
#include "tf-ets-sut-private.h"
#include "tf-lwm2m-codec.h"
#include "tf-lwm2m-model.h"

#define CODE(c, d) ((c)*32 + (d))

static char *
code_str (guint code)
{
  return tf_coap_code_to_string (code);
}

/* --- what the client sends ----------------------------------------------------------- */

static gboolean
is_register (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  return m->out && m->code == COAP_REQUEST_CODE_POST && g_str_equal (m->path, "/rd");
}

static gboolean
is_client_req (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  guint method = GPOINTER_TO_UINT (data);
  /* an Update or De-register goes to the registration's location, wherever the server under
   * test put it: any path of the client's but Register's, Send's and Bootstrap's */
  return m->out && m->code == method && !g_str_equal (m->path, "/rd")
         && !g_str_equal (m->path, "/dp") && !g_str_equal (m->path, "/bs");
}

static gboolean
is_send (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  return m->out && m->code == COAP_REQUEST_CODE_POST && g_str_equal (m->path, "/dp");
}

/* The client Sends the values at the step's paths (LwM2M 1.1 Send, 6.4.2): criterion, 2.04.
 * A server that leaves it unanswered while it answers a CoAP ping fails it. */
static void
send_step (TfEtsSut *s, const TfEtsSutStep *st, guint from)
{
  g_auto (GStrv) ps = g_strsplit (st->path, " ", -1);
  g_autoptr (GArray) paths = g_array_new (FALSE, FALSE, sizeof (TfLwm2mPath));
  g_autoptr (GError) error = NULL;
  g_autofree char *got = NULL;
  gint req, ans;
  for (guint i = 0; ps[i] != NULL; i++)
    {
      TfLwm2mPath p;
      if (tf_lwm2m_path_parse (ps[i], &p, NULL))
        g_array_append_val (paths, p);
    }
  if (s->client == NULL
      || !tf_lwm2m_client_send (s->client, (const TfLwm2mPath *)paths->data, paths->len, &error))
    {
      tf_ets_sut_inconclusive (s, "the lab's client could not Send: %s",
                               error != NULL ? error->message : "not running");
      return;
    }
  req = tf_ets_sut_wait (s, from, is_send, NULL, 3000);
  if (req < 0)
    {
      tf_ets_sut_inconclusive (s, "the lab's client sent no Send");
      return;
    }
  ans = tf_ets_sut_wait_answer (s, req, s->answer_wait_s * 1000);
  if (ans < 0)
    {
      tf_ets_sut_silence (s, st->criterion, req, "the Send was not answered within %u s",
                          s->answer_wait_s);
      return;
    }
  got = code_str (tf_ets_sut_msg (s, ans)->code);
  tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, ans)->code == CODE (2, 4), ans,
                    "the Send was answered 2.04 (got %s)", got);
}

/* The client's request from @from on (made now when @make and none is there yet), its
 * answer awaited: the answer's index, or -1 with the case decided. */
static gint
client_exchange (TfEtsSut *s, const TfEtsSutStep *st, guint from, TfEtsSutMatch f, guint method,
                 guint want, const char *what)
{
  gint req = tf_ets_sut_wait (s, from, f, GUINT_TO_POINTER (method), 3000);
  gint ans;
  g_autofree char *got = NULL, *exp = code_str (want);
  if (req < 0 && st->kind == TF_ETS_SUT_UPDATE && s->client != NULL)
    {
      /* the step before did not make the client update: it does so now */
      tf_lwm2m_client_update (s->client);
      req = tf_ets_sut_wait (s, from, f, GUINT_TO_POINTER (method), 3000);
    }
  else if (req < 0 && st->kind == TF_ETS_SUT_REREGISTER)
    req = tf_ets_sut_wait (s, from, f, GUINT_TO_POINTER (method), 10000);
  if (req < 0)
    {
      tf_ets_sut_inconclusive (s, "the lab's client sent no %s", what);
      return -1;
    }
  ans = tf_ets_sut_wait_answer (s, req, s->answer_wait_s * 1000);
  /* after the first Register: a server that answered it and now answers nothing is gone */
  if (ans < 0 && st->kind != TF_ETS_SUT_REGISTER
      && tf_ets_sut_server_gone (s, "the server under test answered no %s within %u s", what,
                                 s->answer_wait_s))
    return -1;
  if (ans < 0)
    {
      tf_ets_sut_inconclusive (s,
                               "the server under test answered no %s within %u s: is it running "
                               "at %s? (link or server down, not a verdict)",
                               what, s->answer_wait_s, s->server_uri);
      return -1;
    }
  got = code_str (tf_ets_sut_msg (s, ans)->code);
  if (!tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, ans)->code == want, ans,
                         "the %s was answered %s (got %s)", what, exp, got))
    return -1;
  return ans;
}

/* --- what the server sends ----------------------------------------------------------- */

typedef struct
{
  const TfEtsSutStep *st;
  guint method; /* 0: GET or RST for the cancel steps */
} Want;

static gboolean
is_request (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  const Want *w = data;
  gboolean comp = w->st->kind == TF_ETS_SUT_READ_COMPOSITE
                  || w->st->kind == TF_ETS_SUT_WRITE_COMPOSITE
                  || w->st->kind == TF_ETS_SUT_OBSERVE_COMP;
  /* the composite operations go to the root (Core 6.3.1.1, 6.3.3.2) */
  if (m->out || m->code == 0 || m->code >= 32 || g_strcmp0 (m->path, comp ? "" : w->st->path) != 0)
    return FALSE;
  switch (w->st->kind)
    {
    case TF_ETS_SUT_READ_COMPOSITE:
      return m->code == COAP_REQUEST_CODE_FETCH && m->observe < 0;
    case TF_ETS_SUT_OBSERVE_COMP:
      return m->code == COAP_REQUEST_CODE_FETCH && m->observe == 0;
    case TF_ETS_SUT_WRITE_COMPOSITE:
      return m->code == COAP_REQUEST_CODE_IPATCH;
    case TF_ETS_SUT_READ:
    case TF_ETS_SUT_DISCOVER:
      return m->code == COAP_REQUEST_CODE_GET && m->observe < 0;
    case TF_ETS_SUT_OBSERVE:
      return m->code == COAP_REQUEST_CODE_GET && m->observe == 0;
    case TF_ETS_SUT_WRITE_ATTRS:
      return m->code == COAP_REQUEST_CODE_PUT && m->query != NULL;
    case TF_ETS_SUT_WRITE:
      return (m->code == COAP_REQUEST_CODE_PUT || m->code == COAP_REQUEST_CODE_POST)
             && m->query == NULL;
    case TF_ETS_SUT_EXECUTE:
    case TF_ETS_SUT_CREATE:
      return m->code == COAP_REQUEST_CODE_POST && m->query == NULL;
    case TF_ETS_SUT_DELETE:
      return m->code == COAP_REQUEST_CODE_DELETE;
    default:
      return FALSE;
    }
}

/* A cancel: a GET Observe=1 of the path, or an RST to a notification of the observation. */
static gboolean
is_cancel (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  const Want *w = data;
  if (m->out)
    return FALSE;
  if (m->type == COAP_MESSAGE_RST)
    {
      for (guint i = (guint)MAX (s->obs_answer, 0); i < s->msgs->len; i++)
        {
          const TfEtsSutMsg *n = tf_ets_sut_msg (s, (gint)i);
          if (n->out && n->mid == m->mid && g_strcmp0 (n->token, s->obs_token) == 0)
            return TRUE;
        }
      return FALSE;
    }
  return m->code == COAP_REQUEST_CODE_GET && m->observe == 1
         && g_strcmp0 (m->path, w->st->path) == 0;
}

/* The format named, and in the 1.0 ETS the numbers many 1.0 servers still send (1541-1543,
 * from before IANA registered 0, 11542, 11543). */
static gboolean
format_ok (TfEtsSut *s, const char *format, gint cf)
{
  gint want = tf_ets_sut_format_cf (format);
  if (cf == want)
    return TRUE;
  if (g_strcmp0 (s->version, "1.0") != 0)
    return FALSE;
  return (want == TF_LWM2M_CF_TEXT && cf == 1541) || (want == TF_LWM2M_CF_TLV && cf == 1542)
         || (want == TF_LWM2M_CF_JSON && cf == 1543);
}

static gint
answer_of (TfEtsSut *s, gint req)
{
  gint a = tf_ets_sut_wait_answer (s, req, 2000);
  if (a < 0)
    tf_ets_sut_inconclusive (s, "the lab's client did not answer the request");
  return a;
}

static gboolean
check_answer (TfEtsSut *s, const TfEtsSutStep *st, gint a, guint want, const char *what)
{
  const TfEtsSutMsg *m = tf_ets_sut_msg (s, a);
  g_autofree char *got = code_str (m->code), *exp = code_str (want);
  /* the reference client answers well-formed requests with success: anything else is the
   * request's fault */
  return tf_ets_sut_check (s, st->criterion, m->code == want, a,
                           "the client answered the %s %s (got %s: the request was not one it "
                           "could serve)",
                           what, exp, got);
}

/* The values a Write left on the client: "71" at the path, or "1=72 6=true" under it. */
static void
check_written (TfEtsSut *s, const TfEtsSutStep *st, gint req)
{
  g_auto (GStrv) kv = g_strsplit (st->arg, " ", -1);
  for (guint i = 0; kv[i] != NULL; i++)
    {
      g_auto (GStrv) p = g_strsplit (kv[i], "=", 2);
      g_autofree char *path_s
          = p[1] != NULL ? g_strdup_printf ("%s/%s", st->path, p[0]) : g_strdup (st->path);
      const char *want = p[1] != NULL ? p[1] : p[0];
      const char *want_v = g_str_equal (want, "true")    ? "1"
                           : g_str_equal (want, "false") ? "0"
                                                         : want;
      g_autoptr (GPtrArray) recs = NULL;
      g_autofree char *got = NULL;
      TfLwm2mPath path;
      if (tf_lwm2m_path_parse (path_s, &path, NULL))
        recs = tf_lwm2m_model_read (s->model, &path, FALSE, NULL);
      if (recs != NULL && recs->len == 1)
        got = tf_lwm2m_record_value_to_string (g_ptr_array_index (recs, 0));
      if (!tf_ets_sut_check (s, st->criterion, g_strcmp0 (got, want_v) == 0, req,
                             "%s holds %s after the %s (holds %s)", path_s, want,
                             st->kind == TF_ETS_SUT_CREATE            ? "Create"
                             : st->kind == TF_ETS_SUT_WRITE_COMPOSITE ? "Write-Composite"
                                                                      : "Write",
                             got != NULL ? got : "nothing"))
        return;
    }
}

/* The paths a Read-Composite names are the step's ("/3,/1/0"), in any order. */
static gboolean
check_paths (TfEtsSut *s, const TfEtsSutStep *st, gint req)
{
  const TfEtsSutMsg *m = tf_ets_sut_msg (s, req);
  g_auto (GStrv) want = g_strsplit (st->path, ",", -1);
  g_autoptr (GArray) got = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok;
  gsize len = 0;
  const guint8 *d = m->payload != NULL ? g_bytes_get_data (m->payload, &len) : NULL;
  const char *what = st->kind == TF_ETS_SUT_OBSERVE_COMP ? "Observe-Composite" : "Read-Composite";
  if (m->cf == TF_LWM2M_CF_SENML_JSON || m->cf == TF_LWM2M_CF_SENML_CBOR)
    got = tf_lwm2m_decode_paths ((guint)m->cf, d, len, &error);
  if (!tf_ets_sut_check (s, st->criterion, got != NULL, req,
                         "the %s's body is a SenML path list (Content-Format %d%s%s)", what, m->cf,
                         got != NULL ? "" : ": ",
                         got != NULL     ? ""
                         : error != NULL ? error->message
                                         : "not SenML JSON or CBOR"))
    return FALSE;
  for (guint i = 0; i < got->len; i++)
    {
      g_autofree char *p = tf_lwm2m_path_to_string (&g_array_index (got, TfLwm2mPath, i));
      g_string_append_printf (names, "%s%s", i > 0 ? "," : "", p);
    }
  ok = got->len == g_strv_length (want);
  for (guint i = 0; ok && want[i] != NULL; i++)
    {
      TfLwm2mPath p;
      gboolean found = FALSE;
      if (!tf_lwm2m_path_parse (want[i], &p, NULL))
        return FALSE;
      for (guint k = 0; k < got->len; k++)
        found |= tf_lwm2m_path_equal (&p, &g_array_index (got, TfLwm2mPath, k));
      ok = found;
    }
  return tf_ets_sut_check (s, st->criterion, ok, req, "the %s names %s (it names %s)", what,
                           st->path, names->str);
}

static void
server_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  Want w = { st, 0 };
  gint req = tf_ets_sut_operator (s, st, is_request, &w), a;
  const TfEtsSutMsg *m;
  gint want_cf = tf_ets_sut_format_cf (st->format);
  if (req < 0 || (a = answer_of (s, req)) < 0)
    return;
  m = tf_ets_sut_msg (s, req);
  switch (st->kind)
    {
    case TF_ETS_SUT_READ_COMPOSITE:
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->accept), req,
                            "the Read-Composite asks for %s (Accept %d; got %d)", st->format,
                            want_cf, m->accept)
          && check_paths (s, st, req) && check_answer (s, st, a, CODE (2, 5), "Read-Composite"))
        tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->cf == m->accept, a,
                          "the content came in the format asked (%d)", m->accept);
      break;
    case TF_ETS_SUT_OBSERVE_COMP:
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->accept), req,
                            "the Observe-Composite asks for %s (Accept %d; got %d)", st->format,
                            want_cf, m->accept)
          && check_paths (s, st, req) && check_answer (s, st, a, CODE (2, 5), "Observe-Composite")
          && tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->observe >= 0, a,
                               "the composite observation of %s was established (Observe in the "
                               "answer)",
                               st->path))
        {
          g_free (s->obs_token);
          s->obs_token = g_strdup (m->token);
          s->obs_answer = a;
          s->obs_paths = st->path;
          s->obs_cf = m->accept;
        }
      break;
    case TF_ETS_SUT_WRITE_COMPOSITE:
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->cf), req,
                            "the Write-Composite is in %s (Content-Format %d; got %d)", st->format,
                            want_cf, m->cf)
          && check_answer (s, st, a, CODE (2, 4), "Write-Composite"))
        check_written (s, st, req);
      break;
    case TF_ETS_SUT_READ:
      if (st->format == NULL)
        {
          /* 237: no Accept; the client answers in a format of its choice */
          if (tf_ets_sut_check (s, st->criterion, m->accept < 0, req,
                                "the Read of %s names no format (Accept %d)", st->path, m->accept))
            check_answer (s, st, a, CODE (2, 5), "Read");
          break;
        }
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->accept), req,
                            "the Read of %s asks for %s (Accept %d; got %d)", st->path, st->format,
                            want_cf, m->accept)
          && check_answer (s, st, a, CODE (2, 5), "Read"))
        tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->cf == m->accept, a,
                          "the content came in the format asked (%d)", m->accept);
      break;
    case TF_ETS_SUT_DISCOVER:
      if (tf_ets_sut_check (s, st->criterion, m->accept < 0 || m->accept == TF_LWM2M_CF_LINK, req,
                            "the Discover of %s asks for link format, if anything (Accept %d)",
                            st->path, m->accept))
        check_answer (s, st, a, CODE (2, 5), "Discover");
      break;
    case TF_ETS_SUT_WRITE:
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->cf), req,
                            "the Write of %s is in %s (Content-Format %d; got %d)", st->path,
                            st->format, want_cf, m->cf)
          && check_answer (s, st, a, CODE (2, 4), "Write"))
        check_written (s, st, req);
      break;
    case TF_ETS_SUT_EXECUTE:
      check_answer (s, st, a, CODE (2, 4), "Execute");
      break;
    case TF_ETS_SUT_CREATE:
      if (tf_ets_sut_check (s, st->criterion, format_ok (s, st->format, m->cf), req,
                            "the Create on %s is in %s (Content-Format %d; got %d)", st->path,
                            st->format, want_cf, m->cf)
          && check_answer (s, st, a, CODE (2, 1), "Create"))
        check_written (s, st, req);
      break;
    case TF_ETS_SUT_DELETE:
      if (check_answer (s, st, a, CODE (2, 2), "Delete"))
        {
          TfLwm2mPath p;
          g_autoptr (GPtrArray) left = NULL;
          if (tf_lwm2m_path_parse (st->path, &p, NULL))
            left = tf_lwm2m_model_read (s->model, &p, FALSE, NULL);
          tf_ets_sut_check (s, st->criterion, left == NULL || left->len == 0, req,
                            "the client holds no %s after the Delete (it holds %u values)",
                            st->path, left != NULL ? left->len : 0);
        }
      break;
    case TF_ETS_SUT_WRITE_ATTRS:
      {
        g_auto (GStrv) want = g_strsplit (st->arg, "&", -1);
        g_auto (GStrv) got = g_strsplit (m->query, "&", -1);
        for (guint i = 0; want[i] != NULL; i++)
          if (!tf_ets_sut_check (
                  s, st->criterion, g_strv_contains ((const char *const *)got, want[i]), req,
                  "the Write-Attributes on %s sets %s (it sets %s)", st->path, want[i], m->query))
            return;
        check_answer (s, st, a, CODE (2, 4), "Write-Attributes");
        break;
      }
    case TF_ETS_SUT_OBSERVE:
      if (check_answer (s, st, a, CODE (2, 5), "Observe")
          && tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->observe >= 0, a,
                               "the observation of %s was established (Observe in the answer)",
                               st->path))
        {
          g_free (s->obs_token);
          s->obs_token = g_strdup (m->token);
          s->obs_answer = a;
          s->obs_paths = NULL;
        }
      break;
    default:
      break;
    }
}

/* --- observation --------------------------------------------------------------------- */

static gboolean
is_notification (TfEtsSut *s, const TfEtsSutMsg *m, gconstpointer data)
{
  return m->out && m->code == CODE (2, 5) && m->observe >= 0
         && g_strcmp0 (m->token, s->obs_token) == 0;
}

/* Values alike: the same text, or the same number (SenML carries 300 where TLV had an
 * integer). */
static gboolean
same_value (const char *a, const char *b)
{
  char *ea, *eb;
  gdouble da, db;
  if (g_strcmp0 (a, b) == 0)
    return TRUE;
  if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
    return FALSE;
  da = g_ascii_strtod (a, &ea);
  db = g_ascii_strtod (b, &eb);
  return *ea == '\0' && *eb == '\0' && da == db;
}

/* The value of @path in @recs, or NULL. */
static char *
value_at (GPtrArray *recs, const TfLwm2mPath *path)
{
  for (guint i = 0; recs != NULL && i < recs->len; i++)
    if (tf_lwm2m_path_equal (&((TfLwm2mRecord *)recs->pdata[i])->path, path))
      return tf_lwm2m_record_value_to_string (recs->pdata[i]);
  return NULL;
}

/* Every part of a notification of the composite observation the ETS names (Core 6.4.2): in
 * the format its Observe-Composite asked for; each of its paths the client holds there, with
 * every value the case started from (or, for what the case created, the value it holds); a
 * path the client does not hold (not created yet, deleted) not there. */
static gboolean
check_notification (TfEtsSut *s, const TfEtsSutStep *st, gint n, const char *which)
{
  const TfEtsSutMsg *m = tf_ets_sut_msg (s, n);
  g_auto (GStrv) paths = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (GError) error = NULL;
  TfLwm2mPath root = { .len = 0 };
  gsize len = 0;
  const guint8 *d = m->payload != NULL ? g_bytes_get_data (m->payload, &len) : NULL;
  if (s->obs_paths == NULL)
    return TRUE;
  if (!tf_ets_sut_check (s, st->criterion, m->cf == s->obs_cf, n,
                         "%s notification is in the format the Observe-Composite asked for "
                         "(Content-Format %d; got %d)",
                         which, s->obs_cf, m->cf))
    return FALSE;
  if (d != NULL)
    got = tf_lwm2m_decode ((guint)m->cf, &root, d, len, &error);
  if (!tf_ets_sut_check (s, st->criterion, got != NULL, n, "%s notification decodes%s%s", which,
                         got != NULL ? "" : ": ",
                         got != NULL     ? ""
                         : error != NULL ? error->message
                                         : "no payload"))
    return FALSE;
  paths = g_strsplit (s->obs_paths, ",", -1);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      TfLwm2mPath p;
      g_autoptr (GPtrArray) want = NULL;
      guint under = 0;
      if (!tf_lwm2m_path_parse (paths[i], &p, NULL))
        continue;
      for (guint k = 0; k < got->len; k++)
        under += tf_lwm2m_path_is_prefix (&p, &((TfLwm2mRecord *)got->pdata[k])->path);
      want = tf_lwm2m_model_read (s->model, &p, TRUE, NULL);
      if (want == NULL || want->len == 0)
        {
          if (!tf_ets_sut_check (s, st->criterion, under == 0, n,
                                 "%s notification carries nothing of %s, which the client does "
                                 "not hold (it carries %u values)",
                                 which, paths[i], under))
            return FALSE;
          continue;
        }
      if (!tf_ets_sut_check (s, st->criterion, under > 0, n, "%s notification carries %s", which,
                             paths[i]))
        return FALSE;
      for (guint k = 0; k < want->len; k++)
        {
          const TfLwm2mRecord *r = want->pdata[k];
          g_autoptr (GPtrArray) was = tf_lwm2m_model_read (s->initial, &r->path, FALSE, NULL);
          g_autofree char *exp = was != NULL && was->len == 1
                                     ? tf_lwm2m_record_value_to_string (was->pdata[0])
                                     : tf_lwm2m_record_value_to_string (r);
          g_autofree char *v = value_at (got, &r->path);
          g_autofree char *ps = tf_lwm2m_path_to_string (&r->path);
          if (!same_value (v, exp))
            return tf_ets_sut_check (s, st->criterion, FALSE, n,
                                     "%s notification carries %s = %s (it carries %s)", which, ps,
                                     exp, v != NULL ? v : "nothing");
        }
      if (!tf_ets_sut_check (s, st->criterion, TRUE, n,
                             "%s notification carries every value of %s as the case set it (%u)",
                             which, paths[i], want->len))
        return FALSE;
    }
  return TRUE;
}

static void
notified_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  guint from = (guint)s->obs_answer + 1;
  gint n1, n2, rst;
  tf_ets_sut_tell (s, st);
  n1 = tf_ets_sut_wait (s, from, is_notification, NULL, (3 + s->answer_wait_s) * 1000);
  n2 = n1 >= 0 ? tf_ets_sut_wait (s, (guint)n1 + 1, is_notification, NULL,
                                  (3 + s->answer_wait_s) * 1000)
               : -1;
  /* an RST to a notification while the case keeps the observation: the server dropped it */
  rst = tf_ets_sut_wait (s, from, is_cancel, &(Want){ st, 0 }, 1);
  if (rst >= 0
      && !tf_ets_sut_check (s, st->criterion, FALSE, rst,
                            "the server kept the observation of %s (it refused a "
                            "notification with RST or cancelled it)",
                            st->path))
    return;
  /* the client's notifications go out whoever is there (their ACKs are not in the exchange):
   * they reached a server only if it still answers */
  if (tf_ets_sut_server_gone (s, "the lab's client sent %s notification%s of %s",
                              n2 >= 0   ? "two"
                              : n1 >= 0 ? "one"
                                        : "no",
                              n2 >= 0 ? "s" : "", st->path))
    return;
  if (n2 < 0)
    {
      tf_ets_sut_inconclusive (s, "the lab's client sent fewer than two notifications of %s",
                               st->path);
      return;
    }
  if (check_notification (s, st, n1, "the first") && check_notification (s, st, n2, "the second"))
    tf_ets_sut_check (s, st->criterion, TRUE, n2, "two notifications of %s went to the server",
                      st->path);
}

/* Whether notification @m carries values under @path. */
static gboolean
carries (const TfEtsSutMsg *m, const char *path)
{
  TfLwm2mPath root = { .len = 0 };
  g_autoptr (GPtrArray) recs = NULL;
  gsize len = 0;
  const guint8 *d = m->payload != NULL ? g_bytes_get_data (m->payload, &len) : NULL;
  if (d == NULL || m->cf < 0)
    return FALSE;
  recs = tf_lwm2m_decode ((guint)m->cf, &root, d, len, NULL);
  for (guint i = 0; recs != NULL && i < recs->len; i++)
    {
      g_autofree char *p = tf_lwm2m_path_to_string (&((TfLwm2mRecord *)recs->pdata[i])->path);
      if (g_str_has_prefix (p, path) && (p[strlen (path)] == '/' || p[strlen (path)] == '\0'))
        return TRUE;
    }
  return FALSE;
}

/* 308 (@with), 309: the observation's notifications after the operation of the step before (a
 * Create, a Delete) carry @path, or nothing of it: the server kept the observation and got the
 * new instance, or the news of its end; that notification carries every other part too. */
static void
notified_with_step (TfEtsSut *s, const TfEtsSutStep *st, gboolean with)
{
  guint from = s->last_op + 1;
  gint n = -1, last = -1;
  tf_ets_sut_tell (s, st);
  for (guint k = 0; k < 3; k++)
    {
      n = tf_ets_sut_wait (s, from, is_notification, NULL, (3 + s->answer_wait_s) * 1000);
      if (n < 0)
        break;
      last = n;
      if (carries (tf_ets_sut_msg (s, n), st->path) == with)
        break;
      from = (guint)n + 1;
    }
  if (tf_ets_sut_server_gone (s, "the lab's client sent %s notification of %s after the operation",
                              last >= 0 ? "a" : "no", st->path))
    return;
  if (last < 0)
    {
      tf_ets_sut_inconclusive (s, "the lab's client sent no notification after the operation");
      return;
    }
  if (tf_ets_sut_check (
          s, st->criterion, n >= 0 && carries (tf_ets_sut_msg (s, n), st->path) == with, last,
          "a notification after the operation carries %s%s", with ? "" : "nothing of ", st->path))
    check_notification (s, st, n, "that");
}

static void
cancel_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  Want w = { st, 0 };
  gint c = tf_ets_sut_operator (s, st, is_cancel, &w), a;
  const TfEtsSutMsg *m;
  gboolean reset = st->kind == TF_ETS_SUT_CANCEL_RESET;
  if (c < 0)
    return;
  m = tf_ets_sut_msg (s, c);
  if (!tf_ets_sut_check (s, st->criterion, (m->type == COAP_MESSAGE_RST) == reset, c,
                         "the observation of %s was cancelled %s (it was cancelled %s)", st->path,
                         reset ? "by Reset" : "with a GET Observe=1",
                         m->type == COAP_MESSAGE_RST ? "by Reset" : "with a GET Observe=1"))
    return;
  if (reset)
    return;
  if (!tf_ets_sut_check (s, st->criterion, g_strcmp0 (m->token, s->obs_token) == 0, c,
                         "the cancel carries the observation's token %s (it carries %s)",
                         s->obs_token, m->token))
    return;
  if ((a = answer_of (s, c)) >= 0)
    check_answer (s, st, a, CODE (2, 5), "cancelling GET");
}

void
tf_ets_sut_step (TfEtsSut *s, const TfEtsSutStep *st)
{
  guint from = s->msgs->len;
  gint a;
  switch (st->kind)
    {
    case TF_ETS_SUT_REGISTER:
    case TF_ETS_SUT_REREGISTER:
      tf_ets_sut_tell (s, st);
      if (st->kind == TF_ETS_SUT_REGISTER)
        tf_ets_sut_client_start (s);
      a = client_exchange (s, st, from, is_register, 0, CODE (2, 1), "Register");
      if (a >= 0)
        tf_ets_sut_check (s, st->criterion, tf_ets_sut_msg (s, a)->location, a,
                          "the 2.01 carries the registration's Location-Path");
      break;
    case TF_ETS_SUT_UPDATE:
      tf_ets_sut_tell (s, st);
      /* the Update the step before caused counts: look back to that step's start */
      client_exchange (s, st, MAX (s->last_op, 1), is_client_req, COAP_REQUEST_CODE_POST,
                       CODE (2, 4), "Update");
      break;
    case TF_ETS_SUT_DEREGISTER:
      tf_ets_sut_tell (s, st);
      if (s->client != NULL)
        tf_lwm2m_client_deregister (s->client);
      client_exchange (s, st, from, is_client_req, COAP_REQUEST_CODE_DELETE, CODE (2, 2),
                       "De-register");
      break;
    case TF_ETS_SUT_NOTIFIED:
      notified_step (s, st);
      break;
    case TF_ETS_SUT_NOTIFIED_WITH:
    case TF_ETS_SUT_NOTIFIED_WITHOUT:
      notified_with_step (s, st, st->kind == TF_ETS_SUT_NOTIFIED_WITH);
      break;
    case TF_ETS_SUT_SEND:
      tf_ets_sut_tell (s, st);
      send_step (s, st, from);
      break;
    case TF_ETS_SUT_CANCEL_RESET:
    case TF_ETS_SUT_CANCEL_OBSERVE:
      cancel_step (s, st);
      break;
    case TF_ETS_SUT_FW_PACKAGE:
    case TF_ETS_SUT_FW_UPDATED:
      tf_ets_sut_fw_step (s, st);
      break;
    default:
      server_step (s, st);
      break;
    }
}
