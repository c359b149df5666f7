/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-sched"

#include "config.h"

#include "tf-error.h"
#include "tf-sched.h"

#include <glib/gstdio.h>

/* A small valid event; the error cases below edit it line by line. */
static const gchar *const base[] = { "[event]",             /* 1 */
                                     "name=T",              /* 2 */
                                     "days=2025-10-14",     /* 3 */
                                     "slot-minutes=60",     /* 4 */
                                     "day-start=09:00",     /* 5 */
                                     "day-end=12:00",       /* 6 */
                                     "tables=2",            /* 7 */
                                     "",                    /* 8 */
                                     "[company a]",         /* 9 */
                                     "[company b]",         /* 10 */
                                     "",                    /* 11 */
                                     "[implementation c1]", /* 12 */
                                     "company=a",           /* 13 */
                                     "role=client",         /* 14 */
                                     "versions=1.1",        /* 15 */
                                     "transports=udp",      /* 16 */
                                     "security=psk",        /* 17 */
                                     "boards=b1",           /* 18 */
                                     "entry-criteria=yes",  /* 19 */
                                     "entry-criteria-by=X", /* 20 */
                                     "",                    /* 21 */
                                     "[implementation s1]", /* 22 */
                                     "company=b",           /* 23 */
                                     "role=server",         /* 24 */
                                     "versions=1.1",        /* 25 */
                                     "transports=udp",      /* 26 */
                                     "security=psk",        /* 27 */
                                     "entry-criteria=yes",  /* 28 */
                                     "entry-criteria-by=X", /* 29 */
                                     NULL };

typedef struct
{
  guint line[3];        /* lines to replace, 0: none; 99: append at the end */
  const gchar *text[3]; /* their replacement (may hold several lines, or be NULL: delete) */
  const gchar *message;
} Case;

static gchar *
edited (const Case *c)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint n = 1; base[n - 1] != NULL; n++)
    {
      gboolean replaced = FALSE;
      for (guint k = 0; k < 3; k++)
        {
          if (c->line[k] == n)
            {
              replaced = TRUE;
              if (c->text[k] != NULL)
                g_string_append_printf (out, "%s\n", c->text[k]);
            }
        }
      if (!replaced)
        g_string_append_printf (out, "%s\n", base[n - 1]);
    }
  for (guint k = 0; k < 3; k++)
    {
      if (c->line[k] == 99)
        g_string_append_printf (out, "%s\n", c->text[k]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const Case cases[] = {
  { { 4 },
    { "slot-minutes=abc" },
    "t.event:4: [event] slot-minutes: 'abc' is not a whole number from 5 to 1440" },
  { { 3 },
    { "days=2025-13-01" },
    "t.event:3: [event] days: '2025-13-01' is not a date (YYYY-MM-DD)" },
  { { 3 },
    { "days=2025-10-15;2025-10-14" },
    "t.event:3: [event] days: '2025-10-14' does not come after the day before it" },
  { { 6 }, { "day-end=08:00" }, "t.event:6: [event] day-end: 08:00 is not after day-start 09:00" },
  { { 5 }, { "day-start=9h" }, "t.event:5: [event] day-start: '9h' is not a time (HH:MM)" },
  { { 7 },
    { "tables=2\nbreaks=13:00-14:00" },
    "t.event:8: [event] breaks: '13:00-14:00' is not within day-start and day-end" },
  { { 7 },
    { "tables=2\nbreaks=09:00-10:00;09:30-10:30" },
    "t.event:8: [event] breaks: '09:30-10:30' overlaps or comes before the break before it" },
  { { 7 },
    { "tables=2\ntimezone=Mars/Olympus" },
    "t.event:8: [event] timezone: 'Mars/Olympus' is not a time zone (e.g. Europe/Paris, UTC, "
    "+02:00)" },
  { { 4 },
    { "slot-minutes=240" },
    "t.event:4: [event] slot-minutes: no slot fits between day-start, day-end and the breaks" },
  { { 7 }, { "tables=0" }, "t.event:7: [event] tables: '0' is not a whole number from 1 to 1000" },
  { { 2 }, { NULL }, "t.event:1: [event] name: missing" },
  { { 2 }, { "name=" }, "t.event:2: [event] name: empty value" },
  { { 7 }, { "tables=2\ncolour=red" }, "t.event:8: [event] colour: unknown key" },
  { { 10 },
    { "[vendor b]" },
    "t.event:10: [vendor b]: unknown group (expected [event], [company ID], [implementation ID] or "
    "[pairs])" },
  { { 9 },
    { "[company a b]" },
    "t.event:9: [company a b]: invalid id 'a b' (letters, digits, '.', '_', '-')" },
  { { 10 }, { "[company a]" }, "t.event:10: [company a]: duplicate group (first at line 9)" },
  { { 7 }, { "tables=2\ntables=3" }, "t.event:8: [event] tables: duplicate key (first at line 7)" },
  { { 8 }, { "hello" }, "t.event:8: not a group header, key=value pair or comment" },
  { { 1 }, { "x=1\n[event]" }, "t.event:1: key before the first [group]" },
  { { 10 }, { "[company b" }, "t.event:10: unterminated group header" },
  { { 8 }, { "; note" }, "t.event:8: not a group header, key=value pair or comment" },
  { { 13 }, { "company=zzz" }, "t.event:13: [implementation c1] company: unknown company 'zzz'" },
  { { 14 },
    { "role=both" },
    "t.event:14: [implementation c1] role: 'both' is not 'client' or 'server'" },
  { { 15 },
    { "versions=1.3" },
    "t.event:15: [implementation c1] versions: unknown value '1.3' (one of 1.0, 1.1, 1.2)" },
  { { 16 },
    { "transports=carrier-pigeon" },
    "t.event:16: [implementation c1] transports: unknown value 'carrier-pigeon' (one of udp, tcp, "
    "sms, nidd, lorawan, mqtt, http)" },
  { { 17 }, { "security=" }, "t.event:17: [implementation c1] security: names none" },
  { { 18 },
    { "boards=b1\ncapacity=2" },
    "t.event:19: [implementation c1] capacity: only a server has a capacity (a client meets one "
    "server at a time)" },
  { { 27 },
    { "security=psk\nboards=x" },
    "t.event:28: [implementation s1] boards: only a client has boards" },
  { { 27 },
    { "security=psk\ncapacity=0" },
    "t.event:28: [implementation s1] capacity: '0' is not a whole number from 1 to 64" },
  { { 18 },
    { "boards=b 1" },
    "t.event:18: [implementation c1] boards: invalid board id 'b 1' (letters, digits, '.', '_', "
    "'-')" },
  { { 18 },
    { "boards=b1\nunavailable=soon" },
    "t.event:19: [implementation c1] unavailable: 'soon' is not a slot, slot range (N-M), date or "
    "'DATE HH:MM-HH:MM'" },
  { { 18 },
    { "boards=b1\nunavailable=2-9" },
    "t.event:19: [implementation c1] unavailable: slot 9 is past the last slot (2)" },
  { { 18 },
    { "boards=b1\nunavailable=2-1" },
    "t.event:19: [implementation c1] unavailable: slot range '2-1' ends before it starts" },
  { { 18 },
    { "boards=b1\nunavailable=2025-10-20" },
    "t.event:19: [implementation c1] unavailable: 2025-10-20 is not a day of the event" },
  { { 18 },
    { "boards=b1\nunavailable=2025-10-14 11:00-10:00" },
    "t.event:19: [implementation c1] unavailable: '11:00-10:00' is not a time range "
    "(HH:MM-HH:MM)" },
  { { 9 },
    { "[company a]\nlisting-consent=perhaps" },
    "t.event:10: [company a] listing-consent: 'perhaps' is not 'yes' or 'no'" },
  { { 19 },
    { "entry-criteria=maybe" },
    "t.event:19: [implementation c1] entry-criteria: 'maybe' is not 'yes' or 'no'" },
  { { 20 }, { NULL }, "t.event:12: [implementation c1] entry-criteria-by: missing" },
  { { 14 }, { NULL }, "t.event:12: [implementation c1] role: missing" },
  { { 18, 27 },
    { "boards=b1\nteam=shared", "security=psk\nteam=shared" },
    "t.event:29: [implementation s1] team: team 'shared' belongs to company 'a', not 'b'" },
  { { 99 },
    { "[pairs]\nopt-out=c1:zz" },
    "t.event:31: [pairs] opt-out: unknown implementation 'zz'" },
  { { 99 }, { "[pairs]\nmust-meet=s1:c1" }, "t.event:31: [pairs] must-meet: 's1' is not a client" },
  { { 99 }, { "[pairs]\nopt-out=c1" }, "t.event:31: [pairs] opt-out: 'c1' is not CLIENT:SERVER" },
  { { 99 },
    { "[pairs]\nopt-out=c1:s1\nmust-meet=c1:s1" },
    "t.event:32: [pairs] must-meet: 'c1:s1' is also opted out" },
  { { 23, 99 },
    { "company=a", "[pairs]\nmust-meet=c1:s1" },
    "t.event:31: [pairs] must-meet: 'c1' and 's1' are of the same company" },
};

static void
test_errors (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree gchar *text = edited (&cases[k]);
      g_autoptr (GError) error = NULL;
      g_autoptr (TfEvent) event = tf_event_load_data (text, -1, "t.event", &error);
      g_assert_null (event);
      g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (error->message, ==, cases[k].message);
    }
}

static void
test_missing_event (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = tf_event_load_data ("[company a]\n", -1, "t.event", &error);
  g_assert_null (event);
  g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, "t.event:1: [event]: missing group");
}

static void
test_base (void)
{
  Case c = { { 0 }, { NULL }, NULL };
  g_autofree gchar *text = edited (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = tf_event_load_data (text, -1, "t.event", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tf_event_n_slots (event), ==, 3);
  g_assert_cmpuint (event->impls->len, ==, 2);
  g_assert_cmpint (tf_event_find_board (event, "b1"), ==, 0);
}

/* The shipped example: every field the way it reads. */
static void
test_example (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = tf_event_load_file (TF_SCHED_SRCDIR "/example.event", &error);
  g_autoptr (TfPairings) pairings = NULL;
  g_autofree gchar *slot2 = NULL;
  g_autofree gchar *slot5 = NULL;
  const TfImpl *nordlys, *lumen, *orbis;
  gint kiwi;

  g_assert_no_error (error);
  g_assert_cmpuint (event->companies->len, ==, 5);
  g_assert_cmpuint (event->impls->len, ==, 7);
  g_assert_cmpuint (tf_event_n_slots (event), ==, 15);
  slot2 = tf_event_slot_iso (event, 2, FALSE);
  g_assert_cmpstr (slot2, ==, "2025-10-14T13:30:00+02:00");
  slot5 = tf_event_slot_iso (event, 5, TRUE);
  g_assert_cmpstr (slot5, ==, "2025-10-15T10:30:00+02:00");
  nordlys = tf_event_impl (event, tf_event_find_impl (event, "nordlys-sdk"));
  for (guint s = 0; s < 15; s++)
    g_assert_cmpint (nordlys->unavailable[s], ==, s >= 12);
  lumen = tf_event_impl (event, tf_event_find_impl (event, "lumen-lamp"));
  for (guint s = 0; s < 15; s++)
    g_assert_cmpint (lumen->unavailable[s], ==, s <= 4);
  orbis = tf_event_impl (event, tf_event_find_impl (event, "orbis-dm"));
  g_assert_cmpuint (orbis->capacity, ==, 2);
  kiwi = tf_event_find_team (event, "kiwi-lab");
  g_assert_cmpint (kiwi, >=, 0);
  g_assert_cmpuint (tf_event_team (event, kiwi)->impls->len, ==, 2);

  pairings = tf_pairings_compute (event, &error);
  g_assert_no_error (error);
  /* 4 clients x 3 servers, minus same company (acme, kiwi), minus
   * incompatible and the opt-out, plus the must-meet */
  g_assert_cmpuint (pairings->pairs->len, ==, 9);
}

static void
test_excluded (void)
{
  Case c = { { 19, 20 }, { "entry-criteria=no", NULL }, NULL };
  g_autofree gchar *text = edited (&c);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = tf_event_load_data (text, -1, "t.event", &error);
  g_autoptr (TfPairings) pairings = NULL;
  g_assert_no_error (error);
  pairings = tf_pairings_compute (event, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pairings->pairs->len, ==, 0);
  g_assert_cmpuint (pairings->notes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (pairings->notes, 0), ==,
                   "client c1 is left out: entry criteria not passed");
}

/* One read: the event holds the sha256 of the bytes it parsed, the lines of
 * its keys, and every key of [event] (allow-anonymous-read included). */
static void
test_one_read (void)
{
  Case c = { { 7 }, { "tables=2\nallow-anonymous-read=yes" }, NULL };
  Case bad = { { 7 }, { "tables=2\nallow-anonymous-read=maybe" }, NULL };
  Case plain = { { 0 }, { NULL }, NULL };
  g_autofree gchar *plain_text = edited (&plain);
  g_autofree gchar *text = edited (&c);
  g_autofree gchar *bad_text = edited (&bad);
  g_autofree gchar *dir = g_dir_make_tmp ("tf-event-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "t.event", NULL);
  g_autofree gchar *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  g_autofree gchar *big = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TfEvent) event = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  event = tf_event_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event->sha256, ==, sha);
  g_assert_true (event->allow_anonymous_read);
  g_assert_nonnull (event->lines);
  g_assert_cmpuint (tf_key_lines_key (event->lines, "implementation c1", "boards"), ==, 19);
  g_clear_pointer (&event, tf_event_unref);

  /* the default is no */
  event = tf_event_load_data (plain_text, -1, "t.event", &error);
  g_assert_no_error (error);
  g_assert_false (event->allow_anonymous_read);
  g_clear_pointer (&event, tf_event_unref);

  event = tf_event_load_data (bad_text, -1, "t.event", &error);
  g_assert_null (event);
  g_assert_cmpstr (error->message, ==,
                   "t.event:8: [event] allow-anonymous-read: 'maybe' is not true or false");
  g_clear_error (&error);

  /* bounded before parsing: one byte too many is refused */
  big = g_strnfill (TF_EVENT_MAX_BYTES + 1, '#');
  g_assert_true (g_file_set_contents (path, big, -1, NULL));
  event = tf_event_load_file (path, &error);
  g_assert_null (event);
  expected = g_strdup_printf ("%s:1: more than the %u bytes an event file may have", path,
                              (guint)TF_EVENT_MAX_BYTES);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  g_assert_true (g_file_set_contents (path, "[event]\nname=T\n\0x", 17, NULL));
  event = tf_event_load_file (path, &error);
  g_assert_null (event);
  expected = g_strdup_printf ("%s:3: a NUL byte", path);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_remove (path);
  g_rmdir (dir);
}

/* [company] people: who signs, named in the reports */
static void
test_people (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *data = NULL;
  g_autoptr (TfEvent) event = NULL;
  g_autoptr (GString) bad = NULL;
  g_autoptr (TfEvent) none = NULL;
  const TfPerson *p;

  g_assert_true (g_file_get_contents (TF_SCHED_SRCDIR "/example.event", &data, NULL, &error));
  event = tf_event_load_data (data, -1, "example.event", &error);
  g_assert_no_error (error);
  p = tf_event_find_person (event, "acme/anna");
  g_assert_nonnull (p);
  g_assert_cmpstr (p->name, ==, "Anna Berger");
  g_assert_cmpstr (p->role, ==, "Test lead");
  p = tf_event_find_person (event, "acme/tom");
  g_assert_cmpstr (p->role, ==, "Firmware engineer");
  g_assert_null (tf_event_find_person (event, "acme/zed"));
  g_assert_null (tf_event_find_person (event, "kiwi/anna"));
  g_assert_null (tf_event_find_person (event, "acme"));
  bad = g_string_new (data);
  g_string_replace (bad, "people=anna: Anna Berger", "people=anna Anna Berger", 1);
  none = tf_event_load_data (bad->str, -1, "bad.event", &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (
      error->message,
      "[company acme] people: 'anna Anna Berger, Test lead' is not 'USER: Full Name[, Role]'"));
}

/* The PSK the lab provisions a client with: identity in the event file, key in a file of its
 * own that others may not read. */
static void
test_psk (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("tf-event-psk-XXXXXX", NULL);
  g_autofree gchar *ev = g_build_filename (dir, "t.event", NULL);
  g_autofree gchar *key = g_build_filename (dir, "acme.psk", NULL);
  const struct
  {
    const gchar *file; /* the key file's content, NULL: none */
    guint mode;
    const gchar *lines; /* in place of line 18 */
    const gchar *message;
  } cases[] = {
    { "0102030405060708090a0b0c0d0e0f10\n", 0600,
      "boards=b1\npsk-identity=dev-1\npsk-key-file=acme.psk", NULL },
    { "0102030405060708\n", 0644, "boards=b1\npsk-identity=dev-1\npsk-key-file=acme.psk",
      "@E@:20: [implementation c1] psk-key-file: @K@ holds a key and others may read it (mode "
      "0644): chmod o-rwx" },
    { "01020g\n", 0640, "boards=b1\npsk-identity=dev-1\npsk-key-file=acme.psk",
      "@E@:20: [implementation c1] psk-key-file: @K@: not a key of 1 to 64 bytes in hex" },
    { NULL, 0, "boards=b1\npsk-identity=dev-1\npsk-key-file=acme.psk",
      "@E@:20: [implementation c1] psk-key-file: no such file @K@" },
    { NULL, 0, "boards=b1\npsk-identity=dev-1",
      "@E@:19: [implementation c1] psk-identity: psk-identity and psk-key-file go together" },
    { NULL, 0, "boards=b1\npsk-key=0102",
      "@E@:19: [implementation c1] psk-key: the key goes in a file of its own (psk-key-file), "
      "not in the event file" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      Case c = { { 18 }, { cases[k].lines }, NULL };
      g_autofree gchar *text = edited (&c);
      g_autoptr (GError) error = NULL;
      g_autoptr (TfEvent) event = NULL;
      g_unlink (key);
      if (cases[k].file != NULL)
        {
          g_assert_true (g_file_set_contents (key, cases[k].file, -1, NULL));
          g_assert_cmpint (g_chmod (key, cases[k].mode), ==, 0);
        }
      event = tf_event_load_data (text, -1, ev, &error);
      if (cases[k].message == NULL)
        {
          const TfImpl *c1;
          g_assert_no_error (error);
          c1 = tf_event_impl (event, (guint)tf_event_find_impl (event, "c1"));
          g_assert_cmpstr (c1->psk_identity, ==, "dev-1");
          g_assert_cmpuint (g_bytes_get_size (c1->psk_key), ==, 16);
          g_assert_cmphex (((const guint8 *)g_bytes_get_data (c1->psk_key, NULL))[15], ==, 0x10);
        }
      else
        {
          g_autoptr (GString) want = g_string_new (cases[k].message);
          g_string_replace (want, "@E@", ev, 0);
          g_string_replace (want, "@K@", key, 0);
          g_assert_null (event);
          g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
          g_assert_cmpstr (error->message, ==, want->str);
        }
    }
  {
    /* a server provisions no PSK of its own here */
    Case c = { { 29 }, { "entry-criteria-by=X\npsk-identity=srv" }, NULL };
    g_autofree gchar *text = edited (&c);
    g_autoptr (GError) error = NULL;
    g_autoptr (TfEvent) event = tf_event_load_data (text, -1, "t.event", &error);
    g_assert_null (event);
    g_assert_cmpstr (error->message, ==,
                     "t.event:30: [implementation s1] psk-identity: only a client has this key");
  }
  g_unlink (key);
  g_rmdir (dir);
}

/* A server's driver for the server-under-test runner: a program beside the event file, checked
 * when the event is read; a client has none. */
static void
test_ets_driver (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("tf-event-drv-XXXXXX", NULL);
  g_autofree gchar *ev = g_build_filename (dir, "t.event", NULL);
  g_autofree gchar *drv = g_build_filename (dir, "drv.sh", NULL);
  const struct
  {
    guint mode; /* 0: no file */
    guint line;
    const gchar *lines;
    const gchar *message;
  } cases[] = {
    { 0755, 29, "entry-criteria-by=X\nets-driver=drv.sh", NULL },
    { 0644, 29, "entry-criteria-by=X\nets-driver=drv.sh",
      "@E@:30: [implementation s1] ets-driver: @D@ is not executable" },
    { 0, 29, "entry-criteria-by=X\nets-driver=drv.sh",
      "@E@:30: [implementation s1] ets-driver: no such file @D@" },
    { 0755, 18, "boards=b1\nets-driver=drv.sh",
      "@E@:19: [implementation c1] ets-driver: only a server has this key" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      Case c = { { cases[k].line }, { cases[k].lines }, NULL };
      g_autofree gchar *text = edited (&c);
      g_autoptr (GError) error = NULL;
      g_autoptr (TfEvent) event = NULL;
      g_unlink (drv);
      if (cases[k].mode != 0)
        {
          g_assert_true (g_file_set_contents (drv, "#!/bin/sh\nexit 0\n", -1, NULL));
          g_assert_cmpint (g_chmod (drv, cases[k].mode), ==, 0);
        }
      event = tf_event_load_data (text, -1, ev, &error);
      if (cases[k].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (
              tf_event_impl (event, (guint)tf_event_find_impl (event, "s1"))->ets_driver, ==, drv);
        }
      else
        {
          g_autoptr (GString) want = g_string_new (cases[k].message);
          g_string_replace (want, "@E@", ev, 0);
          g_string_replace (want, "@D@", drv, 0);
          g_assert_null (event);
          g_assert_error (error, TF_ERROR, TF_ERROR_INVALID_CONFIG);
          g_assert_cmpstr (error->message, ==, want->str);
        }
    }
  g_unlink (drv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched/event/base", test_base);
  g_test_add_func ("/sched/event/errors", test_errors);
  g_test_add_func ("/sched/event/missing-event", test_missing_event);
  g_test_add_func ("/sched/event/example", test_example);
  g_test_add_func ("/sched/event/excluded", test_excluded);
  g_test_add_func ("/sched/event/one-read", test_one_read);
  g_test_add_func ("/sched/event/people", test_people);
  g_test_add_func ("/sched/event/psk", test_psk);
  g_test_add_func ("/sched/event/ets-driver", test_ets_driver);
  return g_test_run ();
}
