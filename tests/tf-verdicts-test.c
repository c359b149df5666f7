/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lab's proposals (tf-lwm2m-verdicts.h) on real exchanges: tf-lwm2m-client and
 * tf-lwm2m-server on loopback, the server driven through its control socket, its decoded
 * exchange log turned into trace entries (each message once, as a capture would hold it) and
 * proposed on. Each case passes with the clean client; the failing variant comes from a
 * declared quirk of the client (--quirk) or from a request the client rightly refuses (the
 * exchange then does not hold what the case needs). The bootstrap cases the reference
 * server cannot be told to run (Bootstrap-Discover, -Read, DTLS) are checked on decoded
 * entries written here. */
#include "config.h"

#include "lwm2m/tf-lwm2m-net-util.h"
#include "tf-lwm2m-verdicts.h"

#define LAB "127.0.0.1:1"

/* The server's exchange log as trace entries: "in" came from the peer to the lab. */
static GPtrArray *
entries_of_log (const char *log)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  g_assert_true (g_file_get_contents (log, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *o;
      const char *peer;
      gboolean in;
      if (*lines[i] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (p, lines[i], -1, NULL));
      o = json_node_get_object (json_parser_get_root (p));
      peer = json_object_get_string_member (o, "peer");
      in = g_str_equal (json_object_get_string_member (o, "dir"), "in");
      json_object_set_int_member (o, "frame", entries->len + 1);
      json_object_set_string_member (o, "src", in ? peer : LAB);
      json_object_set_string_member (o, "dst", in ? LAB : peer);
      g_ptr_array_add (entries, json_object_ref (o));
    }
  return entries;
}

/* the proposal for @id: "pass", "fail" or NULL, its reason printed */
static const char *
verdict (GPtrArray *props, gint id)
{
  for (guint i = 0; i < props->len; i++)
    {
      TfVerdictProposal *p = g_ptr_array_index (props, i);
      if (p->case_id != id)
        continue;
      g_test_message ("%d %s: %s (%u frames)", id, p->pass ? "pass" : "fail", p->reason,
                      p->frames->len);
      g_assert_cmpuint (p->frames->len, >, 0);
      return p->pass ? "pass" : "fail";
    }
  g_test_message ("%d: no proposal", id);
  return NULL;
}

static GPtrArray *
proposals (TfTestServer *s)
{
  g_autoptr (GPtrArray) entries = entries_of_log (s->log);
  /* TF_VERDICTS_DUMP=DIR keeps the entries (the fuzz corpus of fuzz-trace holds some) */
  if (g_getenv ("TF_VERDICTS_DUMP") != NULL)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      g_autofree char *base = g_path_get_basename (g_test_get_path ());
      g_autofree char *name = g_build_filename (g_getenv ("TF_VERDICTS_DUMP"), base, NULL);
      for (guint i = 0; i < entries->len; i++)
        {
          g_autoptr (JsonNode) n = json_node_init_object (json_node_alloc (), entries->pdata[i]);
          g_autofree char *line = json_to_string (n, FALSE);
          g_string_append_printf (out, "%s\n", line);
        }
      g_assert_true (g_file_set_contents (name, out->str, (gssize)out->len, NULL));
    }
  return tf_lwm2m_propose_verdicts (entries);
}

static void
cmd (TfTestServer *s, const char *code, const char *json)
{
  g_autoptr (JsonObject) r = tf_test_server_ok (s, "%s", json);
  g_assert_cmpstr (json_object_get_string_member (r, "code"), ==, code);
}

/* the path of a decoded entry ("/1/0/2", "" for none) */
static char *
path_of (JsonObject *o)
{
  GString *p = g_string_new (NULL);
  JsonArray *opts = json_object_get_array_member (o, "options");
  for (guint i = 0; i < json_array_get_length (opts); i++)
    {
      JsonArray *opt = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (opt, 0) == 11)
        g_string_append_printf (p, "/%s", json_array_get_string_element (opt, 1));
    }
  return g_string_free (p, FALSE);
}

static gboolean
has_option (JsonObject *o, gint64 number, const char *value)
{
  JsonArray *opts = json_object_get_array_member (o, "options");
  for (guint i = 0; i < json_array_get_length (opts); i++)
    {
      JsonArray *opt = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (opt, 0) == number
          && (value == NULL || g_str_equal (json_array_get_string_element (opt, 1), value)))
        return TRUE;
    }
  return FALSE;
}

/* The answer to the first request @code on @path (NULL: any) with option @number (0: any) =
 * @value: the entry a failing variant edits. */
static JsonObject *
answer_to (GPtrArray *entries, const char *code, const char *path, gint64 number, const char *value)
{
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *q = entries->pdata[i];
      g_autofree char *qp = path_of (q);
      if (!g_str_equal (json_object_get_string_member (q, "code"), code)
          || (path != NULL && !g_str_equal (qp, path))
          || (number != 0 && !has_option (q, number, value)))
        continue;
      for (guint k = i + 1; k < entries->len; k++)
        {
          JsonObject *a = entries->pdata[k];
          if (g_str_equal (json_object_get_string_member (a, "token"),
                           json_object_get_string_member (q, "token"))
              && g_str_equal (json_object_get_string_member (a, "src"),
                              json_object_get_string_member (q, "dst"))
              && strchr (json_object_get_string_member (a, "code"), '.') != NULL)
            return a;
        }
    }
  g_assert_not_reached ();
}

/* the proposal for @id once @edit(@entries) changed what the client answered */
static const char *
edited (TfTestServer *s, gint id, void (*edit) (GPtrArray *entries))
{
  g_autoptr (GPtrArray) entries = entries_of_log (s->log);
  g_autoptr (GPtrArray) props = NULL;
  edit (entries);
  props = tf_lwm2m_propose_verdicts (entries);
  return verdict (props, id);
}

#define SET(member, value) json_object_set_string_member (a, member, value)
#define EDIT(name, find, what)                                                                     \
  static void name (GPtrArray *e)                                                                  \
  {                                                                                                \
    JsonObject *a = answer_to find;                                                                \
    what;                                                                                          \
  }
EDIT (tlv_refused, (e, "POST", "/1/0", 12, "11542"), SET ("code", "4.15"))
EDIT (json_read_other, (e, "GET", "/1/0", 17, "11543"), SET ("payload", "/1/0/2=99"))
EDIT (senml_cbor_read_json, (e, "GET", "/1/0", 17, "112"),
      json_object_set_int_member (a, "cf", 110))
EDIT (senml_json_error, (e, "POST", "/1/0", 12, "110"), SET ("code", "5.00"))
EDIT (cbor_read_other, (e, "GET", "/1/0/2", 17, "60"), SET ("payload", "/1/0/2=10"))
EDIT (composite_cbor_json, (e, "FETCH", NULL, 17, "112"), json_object_set_int_member (a, "cf", 110))
EDIT (composite_write_refused, (e, "iPATCH", NULL, 12, "110"), SET ("code", "4.15"))
EDIT (discover_no_mandatory, (e, "GET", "/3/0", 17, "40"),
      SET ("payload", "</3/0>,</3/0/9>;pmin=2;pmax=30"))
EDIT (discover_no_attrs, (e, "GET", "/3/0", 17, "40"), SET ("payload", "</3/0>,</3/0/9>"))
EDIT (create_changed, (e, "POST", "/1", 0, NULL), SET ("code", "2.04"))
EDIT (delete_changed, (e, "DELETE", "/1/5", 0, NULL), SET ("code", "2.04"))
EDIT (observe_composite_plain, (e, "FETCH", NULL, 6, "0"),
      json_object_set_array_member (a, "options", json_array_new ()))
EDIT (send_refused, (e, "POST", "/dp", 0, NULL), SET ("code", "4.00"))
EDIT (instance_read_other, (e, "GET", "/1/0/25/0", 0, NULL), SET ("payload", "1.0"))
EDIT (cbor_read_empty, (e, "GET", "/1/0/0", 17, "60"), json_object_remove_member (a, "payload"))
EDIT (object_read_unnamed, (e, "GET", "/1", 0, NULL), json_object_remove_member (a, "cf"))
EDIT (senml_json_read_tlv, (e, "GET", "/1/0", 17, "110"),
      json_object_set_int_member (a, "cf", 11542))

/* Write @values on /1/0 in @format (partial update), then read /1/0 back in it. */
static void
write_read (TfTestServer *s, const char *ep, const char *format, const char *wcode,
            const char *value)
{
  g_autofree char *w = g_strdup_printf (
      "{\"cmd\":\"write\",\"ep\":\"%s\",\"path\":\"/1/0\",\"format\":\"%s\",\"replace\":false,"
      "\"values\":{\"/1/0/2\":\"%s\"}}",
      ep, format, value);
  g_autofree char *r = g_strdup_printf (
      "{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1/0\",\"format\":\"%s\"}", ep, format);
  cmd (s, wcode, w);
  if (g_str_equal (wcode, "2.04"))
    cmd (s, "2.05", r);
}

/* The device management session of the ETS cases, as a server team would run it by hand. */
static void
run_dm (TfTestServer *s, TfTestClient *c, const char *ep)
{
  const char *tlv_code = strstr (ep, "quirky") ? "4.15" : "2.04";
  g_autofree char *x = NULL;
  g_autoptr (JsonObject) oc = NULL;
  gint64 obs;

  json_object_unref (tf_test_must_wait (s, "registration", ep, 0, T_REG));
  write_read (s, ep, "tlv", tlv_code, "3");
  write_read (s, ep, "json", "2.04", "4");
  write_read (s, ep, "senml-json", "2.04", "5");
  write_read (s, ep, "senml-cbor", "2.04", "6");
  /* 228: a resource instance in text, read back; 211: a resource in CBOR; 237: an object
   * without Accept */
  x = g_strdup_printf ("{\"cmd\":\"write\",\"ep\":\"%s\",\"path\":\"/1/0/25/0\",\"format\":"
                       "\"text\",\"values\":{\"/1/0/25/0\":\"1.1\"}}",
                       ep);
  cmd (s, "2.04", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf (
      "{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1/0/25/0\",\"format\":\"text\"}", ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1/0/0\",\"format\":\"cbor\"}",
                       ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1\"}", ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  /* 212: CBOR holds one value: replace /1/0/2, read it back */
  x = g_strdup_printf ("{\"cmd\":\"write\",\"ep\":\"%s\",\"path\":\"/1/0/2\",\"format\":\"cbor\","
                       "\"values\":{\"/1/0/2\":\"9\"}}",
                       ep);
  cmd (s, "2.04", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1/0/2\",\"format\":\"cbor\"}",
                       ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  /* 227: replace a resource in plain text, read back */
  x = g_strdup_printf ("{\"cmd\":\"write\",\"ep\":\"%s\",\"path\":\"/1/0/3\",\"format\":\"text\","
                       "\"values\":{\"/1/0/3\":\"31\"}}",
                       ep);
  cmd (s, "2.04", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"read\",\"ep\":\"%s\",\"path\":\"/1/0/3\",\"format\":\"text\"}",
                       ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"write-attributes\",\"ep\":\"%s\",\"path\":\"/3/0/9\","
                       "\"attrs\":\"pmin=2&pmax=30\"}",
                       ep);
  cmd (s, "2.04", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"discover\",\"ep\":\"%s\",\"path\":\"/3/0\"}", ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf (
      "{\"cmd\":\"create\",\"ep\":\"%s\",\"path\":\"/1\",\"format\":\"senml-json\","
      "\"values\":{\"/1/5/0\":\"5\",\"/1/5/1\":\"60\",\"/1/5/6\":false,\"/1/5/"
      "7\":\"U\"}}",
      ep);
  cmd (s, "2.01", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"delete\",\"ep\":\"%s\",\"path\":\"/1/5\"}", ep);
  cmd (s, "2.02", x);
  g_clear_pointer (&x, g_free);
  /* 229: Read-Composite in SenML JSON and CBOR; 230: Write-Composite in both, read back */
  x = g_strdup_printf ("{\"cmd\":\"read-composite\",\"ep\":\"%s\",\"paths\":[\"/3/0/0\",\"/1/0/"
                       "1\"]}",
                       ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  x = g_strdup_printf ("{\"cmd\":\"read-composite\",\"ep\":\"%s\",\"format\":\"senml-cbor\","
                       "\"paths\":[\"/3/0/1\",\"/1/0\"]}",
                       ep);
  cmd (s, "2.05", x);
  g_clear_pointer (&x, g_free);
  for (guint k = 0; k < 2; k++)
    {
      x = g_strdup_printf ("{\"cmd\":\"write-composite\",\"ep\":\"%s\",\"format\":\"%s\","
                           "\"values\":{\"/1/0/2\":\"%u\",\"/3/0/14\":\"+0%u:00\"}}",
                           ep, k ? "senml-cbor" : "senml-json", 7 + k, k);
      cmd (s, "2.04", x);
      g_clear_pointer (&x, g_free);
      x = g_strdup_printf ("{\"cmd\":\"read-composite\",\"ep\":\"%s\",\"paths\":[\"/1/0/2\",\"/3/"
                           "0/14\"]}",
                           ep);
      cmd (s, "2.05", x);
      g_clear_pointer (&x, g_free);
    }
  /* 304/305: Observe-Composite, a notification, its cancel (Observe=1), a change after it */
  oc = tf_test_server_ok (s,
                          "{\"cmd\":\"observe-composite\",\"ep\":\"%s\",\"paths\":[\"/3/0/9\","
                          "\"/3/0/14\"]}",
                          ep);
  obs = json_object_get_int_member (oc, "observation");
  {
    gint64 since = 0;
    JsonObject *n;
    tf_test_client_send (c, "set /3/0/9 33");
    n = tf_test_next_notification (s, obs, &since, T_EVENT);
    g_assert_nonnull (n);
    json_object_unref (n);
    json_object_unref (tf_test_server_ok (
        s, "{\"cmd\":\"cancel\",\"observation\":%" G_GINT64_FORMAT ",\"mode\":\"observe\"}", obs));
    tf_test_client_send (c, "set /3/0/9 34");
    g_assert_nonnull (tf_test_client_expect (c, "ok", T_REG));
    /* the quirky client notifies anyway: wait for it (the clean one is not waited for) */
    if (strstr (ep, "quirky") != NULL)
      {
        n = tf_test_next_notification (s, obs, &since, T_EVENT);
        g_assert_nonnull (n);
        json_object_unref (n);
      }
  }
  /* 306: Send */
  tf_test_client_send (c, "lwm2m send /3/0/9 /3/0/0");
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: send answered 2.04", T_EVENT));
  /* 104: the Registration Update Trigger, then the Update (a PUT from the quirky client) */
  x = g_strdup_printf ("{\"cmd\":\"execute\",\"ep\":\"%s\",\"path\":\"/1/0/8\"}", ep);
  cmd (s, "2.04", x);
  g_clear_pointer (&x, g_free);
  if (strstr (ep, "quirky") == NULL)
    json_object_unref (tf_test_must_wait (s, "update", ep, 0, T_EVENT));
  else
    g_assert_nonnull (tf_test_client_expect (c, "4.05", T_EVENT));
}

static void
test_dm_clean (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=clean-1", server, "--start", NULL);
  g_autoptr (GPtrArray) props = NULL;
  const gint pass[] = { 104, 203, 204, 211, 212, 215, 220, 226, 227, 228, 229, 230,
                        231, 232, 233, 234, 237, 260, 261, 270, 290, 304, 305, 306 };
  /* the failing variants: this exchange with one answer of the client changed */
  const struct
  {
    gint id;
    void (*edit) (GPtrArray *entries);
  } fails[] = {
    { 215, tlv_refused },
    { 226, tlv_refused },
    { 220, json_read_other },
    { 233, senml_cbor_read_json },
    { 234, senml_json_error },
    { 212, cbor_read_other },
    { 227, cbor_read_other },
    { 229, composite_cbor_json },
    { 230, composite_write_refused },
    { 260, discover_no_mandatory },
    { 261, discover_no_attrs },
    { 270, create_changed },
    { 290, delete_changed },
    { 304, observe_composite_plain },
    { 306, send_refused },
    { 228, instance_read_other },
    { 211, cbor_read_empty },
    { 237, object_read_unnamed },
    { 231, senml_json_read_tlv },
  };

  run_dm (s, c, "clean-1");
  props = proposals (s);
  for (guint i = 0; i < G_N_ELEMENTS (pass); i++)
    g_assert_cmpstr (verdict (props, pass[i]), ==, "pass");
  /* no bootstrap, no queue mode: nothing proposed */
  g_assert_null (verdict (props, 0));
  g_assert_null (verdict (props, 108));
  for (guint i = 0; i < G_N_ELEMENTS (fails); i++)
    g_assert_cmpstr (edited (s, fails[i].id, fails[i].edit), ==, "fail");
  /* the other cases of an edited exchange stand */
  g_assert_cmpstr (edited (s, 261, discover_no_mandatory), ==, "pass");
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

static void
test_dm_quirky (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=quirky-1", server, "--start", "--quirk",
                                          "no-tlv", "--quirk", "observe-cancel-ignored", "--quirk",
                                          "wrong-update-code", NULL);
  g_autoptr (GPtrArray) props = NULL;

  run_dm (s, c, "quirky-1");
  props = proposals (s);
  /* the TLV Write refused (4.15): 215 and the partial update in it fail at A */
  g_assert_cmpstr (verdict (props, 215), ==, "fail");
  g_assert_cmpstr (verdict (props, 226), ==, "fail");
  /* notified after the composite cancel; the triggered Update sent as PUT */
  g_assert_cmpstr (verdict (props, 305), ==, "fail");
  g_assert_cmpstr (verdict (props, 104), ==, "fail");
  /* what the quirks leave alone still passes */
  g_assert_cmpstr (verdict (props, 234), ==, "pass");
  g_assert_cmpstr (verdict (props, 304), ==, "pass");
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* Requests the client rightly refuses (a path it has not, a read-only resource) say nothing of
 * the cases they were sent for: no proposal (never a guess). */
static void
test_dm_refused (void)
{
  TfTestServer *s = tf_test_server_start (FALSE, FALSE, NULL);
  g_autofree char *server = tf_test_uri (s->port);
  TfTestClient *c = tf_test_client_start ("--endpoint=ref-1", server, "--start", NULL);
  g_autoptr (GPtrArray) props = NULL;
  const gint none[] = { 212, 227, 229, 230, 260, 261, 270, 290 };

  json_object_unref (tf_test_must_wait (s, "registration", "ref-1", 0, T_REG));
  cmd (s, "4.05",
       "{\"cmd\":\"write\",\"ep\":\"ref-1\",\"path\":\"/1/0/0\",\"format\":\"cbor\","
       "\"values\":{\"/1/0/0\":\"9\"}}");
  cmd (s, "4.05",
       "{\"cmd\":\"write\",\"ep\":\"ref-1\",\"path\":\"/1/0/0\",\"format\":\"text\","
       "\"values\":{\"/1/0/0\":\"9\"}}");
  cmd (s, "4.04", "{\"cmd\":\"discover\",\"ep\":\"ref-1\",\"path\":\"/9/0\"}");
  cmd (s, "4.04",
       "{\"cmd\":\"write-attributes\",\"ep\":\"ref-1\",\"path\":\"/3/0/99\",\"attrs\":"
       "\"pmin=1\"}");
  cmd (s, "4.04", "{\"cmd\":\"delete\",\"ep\":\"ref-1\",\"path\":\"/1/9\"}");
  cmd (s, "4.00",
       "{\"cmd\":\"create\",\"ep\":\"ref-1\",\"path\":\"/3\",\"format\":\"senml-json\","
       "\"values\":{\"/3/1/0\":\"x\"}}");
  /* Partial Presence: nothing for a path the client has not */
  cmd (s, "2.05", "{\"cmd\":\"read-composite\",\"ep\":\"ref-1\",\"paths\":[\"/9/0\"]}");
  cmd (s, "4.05", "{\"cmd\":\"write-composite\",\"ep\":\"ref-1\",\"values\":{\"/1/0/0\":\"4\"}}");
  props = proposals (s);
  for (guint i = 0; i < G_N_ELEMENTS (none); i++)
    g_assert_null (verdict (props, none[i]));
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* the index of the first request @code on @path sent by @src (NULL: anyone) */
static guint
request_at (GPtrArray *e, const char *src, const char *code, const char *path)
{
  for (guint i = 0; i < e->len; i++)
    {
      JsonObject *q = e->pdata[i];
      g_autofree char *qp = path_of (q);
      if (g_str_equal (json_object_get_string_member (q, "code"), code) && g_str_equal (qp, path)
          && (src == NULL || g_str_equal (json_object_get_string_member (q, "src"), src)))
        return i;
    }
  g_assert_not_reached ();
}

/* @json (@PEER@: the client's bootstrap address) inserted at @at */
static void
insert (GPtrArray *e, guint at, const char *json)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autofree char *peer = g_strdup (json_object_get_string_member (e->pdata[0], "src"));
  g_auto (GStrv) parts = g_strsplit (json, "@PEER@", -1);
  g_autofree char *text = g_strjoinv (peer, parts);
  g_assert_true (json_parser_load_from_data (p, text, -1, NULL));
  g_ptr_array_insert (e, (gint)at,
                      json_object_ref (json_node_get_object (json_parser_get_root (p))));
}

/* a Bootstrap-Discover of / and a Bootstrap-Read of /1 after the Delete, answered as given */
static void
discover_read (GPtrArray *e, const char *links, const char *read_code)
{
  guint at = request_at (e, LAB, "DELETE", "") + 2;
  g_autofree char *d = g_strdup_printf (
      "{\"frame\":101,\"src\":\"@PEER@\",\"dst\":\"" LAB "\",\"type\":\"ACK\",\"code\":\"2.05\","
      "\"mid\":901,\"token\":\"d1\",\"options\":[[12,\"40\"]],\"cf\":40,\"payload\":\"%s\"}",
      links);
  g_autofree char *r = g_strdup_printf (
      "{\"frame\":103,\"src\":\"@PEER@\",\"dst\":\"" LAB "\",\"type\":\"ACK\",\"code\":\"%s\","
      "\"mid\":902,\"token\":\"d2\",\"options\":[[12,\"11542\"]],\"cf\":11542,"
      "\"payload\":\"/1/0/0=1 /1/0/1=45\"}",
      read_code);
  insert (e, at,
          "{\"frame\":100,\"src\":\"" LAB "\",\"dst\":\"@PEER@\",\"type\":\"CON\","
          "\"code\":\"GET\",\"mid\":901,\"token\":\"d1\",\"options\":[[17,\"40\"]]}");
  insert (e, at + 1, d);
  insert (e, at + 2,
          "{\"frame\":102,\"src\":\"" LAB "\",\"dst\":\"@PEER@\",\"type\":\"CON\","
          "\"code\":\"GET\",\"mid\":902,\"token\":\"d2\",\"options\":[[11,\"1\"],["
          "17,\"11542\"]]}");
  insert (e, at + 3, r);
}

static void
bs_steps (GPtrArray *e)
{
  discover_read (e, "</>;lwm2m=1.1,</0/0>,</1>,</3/0>", "2.05");
}

static void
bs_server_left (GPtrArray *e)
{
  discover_read (e, "</>;lwm2m=1.1,</0/0>,</1/0>,</3/0>", "2.05");
}

static void
bs_read_refused (GPtrArray *e)
{
  discover_read (e, "</>;lwm2m=1.1,</0/0>,</1>,</3/0>", "4.05");
}

static void
bs_finish_refused (GPtrArray *e)
{
  guint fin = request_at (e, LAB, "POST", "/bs");
  json_object_set_string_member (e->pdata[fin + 1], "code", "4.00");
}

static void
bs_write_refused (GPtrArray *e)
{
  guint w = request_at (e, LAB, "PUT", "/1/1");
  json_object_set_string_member (e->pdata[w + 1], "code", "4.00");
}

/* the same exchange over DTLS, decrypted */
static void
bs_dtls (GPtrArray *e)
{
  for (guint i = 0; i < e->len; i++)
    json_object_set_string_member (e->pdata[i], "dtls", "DTLS 1.2 application_data");
}

static void
queue_read_error (GPtrArray *e)
{
  guint r = request_at (e, LAB, "GET", "/3/0/0");
  json_object_set_string_member (e->pdata[r + 1], "code", "5.03");
}

/* 0: the reference bootstrap server's sequence, then the Register; 108: queue mode */
static void
test_bootstrap_queue (void)
{
  TfTestServer *s = tf_test_server_start (TRUE, FALSE, NULL);
  g_autofree char *bs = g_strdup_printf ("--bootstrap=coap://127.0.0.1:%u", s->bs_port);
  TfTestClient *c;
  g_autoptr (GPtrArray) props = NULL;

  json_object_unref (tf_test_server_ok (s,
                                        "{\"cmd\":\"bootstrap\",\"ep\":\"bsq-1\",\"server_uri\":"
                                        "\"coap://127.0.0.1:%u\",\"lifetime\":45}",
                                        s->port));
  c = tf_test_client_start ("--endpoint=bsq-1", bs, "--queue", "--start", NULL);
  json_object_unref (tf_test_must_wait (s, "registration", "bsq-1", 0, T_REG));
  cmd (s, "2.05", "{\"cmd\":\"read\",\"ep\":\"bsq-1\",\"path\":\"/3/0/0\"}");
  props = proposals (s);
  g_assert_cmpstr (verdict (props, 0), ==, "pass");
  g_assert_cmpstr (verdict (props, 108), ==, "pass");
  /* the reference server's sequence has no Bootstrap-Discover or -Read: not 4 or 8 */
  g_assert_null (verdict (props, 4));
  g_assert_null (verdict (props, 8));
  g_assert_null (verdict (props, 1));
  /* the same with a Bootstrap-Discover and -Read added after the Delete: 4 and 8 */
  g_assert_cmpstr (edited (s, 4, bs_steps), ==, "pass");
  g_assert_cmpstr (edited (s, 8, bs_steps), ==, "pass");
  g_assert_cmpstr (edited (s, 0, bs_steps), ==, "pass");
  g_assert_cmpstr (edited (s, 4, bs_server_left), ==, "fail");
  g_assert_cmpstr (edited (s, 8, bs_server_left), ==, "pass");
  g_assert_cmpstr (edited (s, 8, bs_read_refused), ==, "fail");
  /* the failing variants of 0 at B and C, of 108 at B; decrypted DTLS makes it 1 */
  g_assert_cmpstr (edited (s, 0, bs_write_refused), ==, "fail");
  g_assert_cmpstr (edited (s, 0, bs_finish_refused), ==, "fail");
  g_assert_cmpstr (edited (s, 108, queue_read_error), ==, "fail");
  g_assert_cmpstr (edited (s, 1, bs_dtls), ==, "pass");
  g_assert_null (edited (s, 0, bs_dtls));
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

/* an endpoint the bootstrap server does not know: its Bootstrap-Request is refused */
static void
test_bootstrap_refused (void)
{
  TfTestServer *s = tf_test_server_start (TRUE, FALSE, NULL);
  g_autofree char *bs = g_strdup_printf ("--bootstrap=coap://127.0.0.1:%u", s->bs_port);
  TfTestClient *c = tf_test_client_start ("--endpoint=bs-unknown", bs, "--start", NULL);
  g_autoptr (GPtrArray) props = NULL;
  g_assert_nonnull (tf_test_client_expect (c, "lwm2m: error:", T_REG));
  props = proposals (s);
  g_assert_cmpstr (verdict (props, 0), ==, "fail");
  tf_test_client_kill (c);
  tf_test_server_stop (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/verdicts/dm/clean", test_dm_clean);
  g_test_add_func ("/verdicts/dm/quirky", test_dm_quirky);
  g_test_add_func ("/verdicts/dm/refused", test_dm_refused);
  g_test_add_func ("/verdicts/bootstrap-queue", test_bootstrap_queue);
  g_test_add_func ("/verdicts/bootstrap-refused", test_bootstrap_refused);
  return g_test_run ();
}
