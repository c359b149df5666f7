/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shipped ETS catalogue, applicability, console scripts and the session
 * phases: no daemon needed. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tf-catalogue.h"
#include "tf-error.h"
#include "tf-provision.h"
#include "tf-session.h"

static void
test_shipped_catalogue (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCatalogue) cat = tf_catalogue_load_dir (dir, &error);
  const TfEts *ets;
  static const int ids[] = { 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   101, 102, 103, 104,
                             105, 107, 108, 109, 201, 203, 204, 205, 211, 212, 215, 220, 221, 222,
                             223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236,
                             237, 241, 256, 257, 260, 261, 280, 281, 301, 302, 303, 304, 305, 306,
                             307, 308, 309, 310, 311, 401, 770, 771, 772, 773 };
  g_assert_no_error (error);
  ets = tf_catalogue_find (cat, "1.1");
  g_assert_nonnull (ets);
  g_assert_cmpuint (ets->cases->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_nonnull (tf_ets_find_case (ets, ids[i]));
  g_assert_cmpstr (tf_ets_find_case (ets, 101)->name, ==, "Initial Registration");
  g_assert_cmpstr (tf_ets_find_case (ets, 773)->name, ==, "Error Case: not enough storage");
  g_assert_null (tf_catalogue_find (cat, "1.2"));
}

/* Every shipped case is automated (with its runner) or manual (with its reason). */
static void
test_shipped_automation (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCatalogue) cat = tf_catalogue_load_dir (dir, &error);
  static const char *const versions[] = { "1.0", "1.1" };
  g_assert_no_error (error);
  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      const TfEts *ets = tf_catalogue_find (cat, versions[v]);
      guint automated = 0;
      for (guint i = 0; i < ets->cases->len; i++)
        {
          const TfCase *c = g_ptr_array_index (ets->cases, i);
          g_assert_true ((c->automated != TF_CASE_AUTO_NONE) != (c->manual != NULL));
          if (c->automated != TF_CASE_AUTO_NONE)
            {
              g_assert_cmpstr (c->runner, ==, "tf-ets-run");
              automated++;
            }
          else
            g_assert_cmpuint (strlen (c->manual), >, 10);
        }
      g_assert_cmpuint (automated, >=, 15);
    }
  /* decided for a client and, with tf-ets-run --server-under-test, for a server */
  g_assert_cmpint (tf_ets_find_case (tf_catalogue_find (cat, "1.1"), 101)->automated, ==,
                   TF_CASE_AUTO_BOTH);
  g_assert_cmpint (tf_ets_find_case (tf_catalogue_find (cat, "1.1"), 107)->automated, ==,
                   TF_CASE_AUTO_CLIENT);
  g_assert_nonnull (strstr (tf_ets_find_case (tf_catalogue_find (cat, "1.1"), 2)->manual, "PKI"));
}

/* The automation keys: a value out of the list, both keys, an empty reason, a runner path. */
static void
test_bad_automation (void)
{
  static const struct
  {
    const char *body;
    const char *where;
  } bad[] = {
    { "automated = sometimes\n", "x.conf:7: [case 7] automated: 'sometimes' is not one of" },
    { "automated = client\nmanual = why\n", "x.conf:8: [case 7] manual: a case is either" },
    { "manual =  \n", "x.conf:7: [case 7] manual: say why" },
    { "automated = server\nrunner = /bin/sh\n", "x.conf:8: [case 7] runner:" },
    { "runner = tf-ets-run\n", "x.conf:7: [case 7] runner:" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *dir = g_dir_make_tmp ("tf-ets-XXXXXX", NULL);
      g_autofree char *f = g_build_filename (dir, "x.conf", NULL);
      g_autofree char *text = g_strdup_printf (
          "[ets]\nversion = 1.1\nname = x\n\n[case 7]\nname = a\n%s", bad[i].body);
      g_autoptr (GError) error = NULL;
      g_autoptr (TfCatalogue) cat = NULL;
      g_assert_true (g_file_set_contents (f, text, -1, NULL));
      cat = tf_catalogue_load_dir (dir, &error);
      g_assert_null (cat);
      g_assert_nonnull (error);
      if (strstr (error->message, bad[i].where) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, error->message, bad[i].where);
      g_unlink (f);
      g_rmdir (dir);
    }
  /* and a good one */
  {
    g_autofree char *dir = g_dir_make_tmp ("tf-ets-XXXXXX", NULL);
    g_autofree char *f = g_build_filename (dir, "x.conf", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (TfCatalogue) cat = NULL;
    const TfCase *c;
    g_assert_true (g_file_set_contents (
        f, "[ets]\nversion = 1.1\nname = x\n\n[case 7]\nname = a\nautomated = both\n"
           "runner = my-runner\n\n[case 8]\nname = b\nmanual = an operator presses a button\n",
        -1, NULL));
    cat = tf_catalogue_load_dir (dir, &error);
    g_assert_no_error (error);
    c = tf_ets_find_case (tf_catalogue_find (cat, "1.1"), 7);
    g_assert_cmpint (c->automated, ==, TF_CASE_AUTO_BOTH);
    g_assert_cmpstr (c->runner, ==, "my-runner");
    c = tf_ets_find_case (tf_catalogue_find (cat, "1.1"), 8);
    g_assert_cmpint (c->automated, ==, TF_CASE_AUTO_NONE);
    g_assert_cmpstr (c->manual, ==, "an operator presses a button");
    g_unlink (f);
    g_rmdir (dir);
  }
}

/* The 1.0 catalogue: its own cases under the same numbers as 1.1's. */
static void
test_shipped_1_0 (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCatalogue) cat = tf_catalogue_load_dir (dir, &error);
  const TfEts *v10, *v11;
  static const int ids[] = { 0,   1,   2,   3,   101, 102, 103, 104, 201, 202, 203, 204, 205, 210,
                             215, 220, 241, 260, 270, 271, 290, 301, 302, 303, 401, 751, 755, 756,
                             760, 770, 771, 772, 773, 774, 775, 776, 777, 778, 779, 780 };
  g_assert_no_error (error);
  v10 = tf_catalogue_find (cat, "1.0");
  v11 = tf_catalogue_find (cat, "1.1");
  g_assert_nonnull (v10);
  g_assert_true (v10 != v11);
  g_assert_cmpstr (v10->name, ==, "LightweightM2M-1.0-int-N");
  g_assert_cmpuint (v10->cases->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_nonnull (tf_ets_find_case (v10, ids[i]));
  /* the same id, another test */
  g_assert_cmpstr (tf_ets_find_case (v10, 772)->name, ==,
                   "Error Case 1: firmware installation without downloaded package");
  g_assert_cmpstr (tf_ets_find_case (v11, 772)->name, ==,
                   "Error Case: firmware package not downloaded");
  g_assert_cmpstr (tf_ets_find_case (v10, 773)->name, ==,
                   "Error Case 2: shortage of storage memory");
  g_assert_cmpstr (tf_ets_find_case (v11, 773)->name, !=, tf_ets_find_case (v10, 773)->name);
  g_assert_cmpstr (tf_ets_find_case (v10, 770)->name, !=, tf_ets_find_case (v11, 770)->name);
  /* the same id and test where the ETS kept it */
  g_assert_cmpstr (tf_ets_find_case (v10, 101)->name, ==, tf_ets_find_case (v11, 101)->name);
  /* numbers only one version has */
  g_assert_null (tf_ets_find_case (v10, 105));
  g_assert_nonnull (tf_ets_find_case (v11, 105));
  g_assert_nonnull (tf_ets_find_case (v10, 202));
  g_assert_null (tf_ets_find_case (v11, 202));
  /* 1.0 has no SenML, composite, Send or queue mode */
  for (guint i = 0; i < v10->cases->len; i++)
    {
      const TfCase *c = g_ptr_array_index (v10->cases, i);
      static const char *const not_in_1_0[] = { "senml", "composite", "send", "queue-mode" };
      for (guint k = 0; k < G_N_ELEMENTS (not_in_1_0); k++)
        g_assert_false (g_strv_contains ((const char *const *)c->features, not_in_1_0[k]));
    }
}

/* Implementations of an event file that declare LwM2M 1.0 get the 1.0 cases;
 * a pair that shares 1.1 as well gets 1.1, the highest both declare. */
static void
test_event_versions (void)
{
  static const char *event_text
      = "[event]\nname = Versions\ndays = 2030-06-04\ntimezone = UTC\nslot-minutes = 60\n"
        "day-start = 09:00\nday-end = 17:00\ntables = 1\n\n"
        "[company a]\n\n[company b]\n\n[company c]\n\n"
        "[implementation old-client]\ncompany = a\nrole = client\nversions = 1.0\n"
        "transports = udp\nsecurity = nosec\nfeatures = observe;tlv\n"
        "entry-criteria = yes\nentry-criteria-by = staff\n\n"
        "[implementation both-server]\ncompany = b\nrole = server\nversions = 1.0;1.1\n"
        "transports = udp\nsecurity = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n\n"
        "[implementation new-client]\ncompany = c\nrole = client\nversions = 1.1\n"
        "transports = udp\nsecurity = nosec\nentry-criteria = yes\nentry-criteria-by = staff\n";
  g_autofree char *dir = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCatalogue) cat = tf_catalogue_load_dir (dir, &error);
  g_autoptr (TfEvent) event = tf_event_load_data (event_text, -1, "versions.event", &error);
  const TfImpl *old_client, *server, *new_client;
  const TfEts *ets;
  g_autofree char *why = NULL;

  g_assert_no_error (error);
  old_client = tf_event_impl (event, tf_event_find_impl (event, "old-client"));
  server = tf_event_impl (event, tf_event_find_impl (event, "both-server"));
  new_client = tf_event_impl (event, tf_event_find_impl (event, "new-client"));
  ets = tf_catalogue_for_pair (cat, old_client, server);
  g_assert_nonnull (ets);
  g_assert_cmpstr (ets->version, ==, "1.0");
  g_assert_cmpstr (tf_ets_find_case (ets, 773)->name, ==,
                   "Error Case 2: shortage of storage memory");
  /* applicability works on the 1.0 cases as on 1.1's */
  why = tf_case_not_applicable (tf_ets_find_case (ets, 202), old_client, server);
  g_assert_cmpstr (why, ==, "client old-client does not support opaque");
  g_assert_null (tf_case_not_applicable (tf_ets_find_case (ets, 301), old_client, server));
  ets = tf_catalogue_for_pair (cat, new_client, server);
  g_assert_nonnull (ets);
  g_assert_cmpstr (ets->version, ==, "1.1");
  /* no common version: no catalogue */
  g_assert_null (tf_catalogue_for_pair (cat, old_client, new_client));
}

static void
test_applicability (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("TF_SOURCE_ROOT"), "data", "ets", NULL);
  g_autoptr (TfCatalogue) cat = tf_catalogue_load_dir (dir, NULL);
  const TfEts *ets = tf_catalogue_find (cat, "1.1");
  TfImpl client = { .id = "c", .versions = 0x3 }, server = { .id = "s", .versions = 0x6 };
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;

  client.features = g_ptr_array_new_with_free_func (g_free);
  server.features = g_ptr_array_new_with_free_func (g_free);
  /* the common version with a catalogue */
  g_assert_true (tf_catalogue_for_pair (cat, &client, &server) == ets);
  /* nothing declared: everything is supported */
  g_assert_null (tf_case_not_applicable (tf_ets_find_case (ets, 0), &client, &server));
  g_ptr_array_add (client.features, g_strdup ("observe"));
  r1 = tf_case_not_applicable (tf_ets_find_case (ets, 0), &client, &server);
  g_assert_cmpstr (r1, ==, "client c does not support bootstrap");
  g_ptr_array_add (client.features, g_strdup ("bootstrap"));
  g_ptr_array_add (server.features, g_strdup ("observe"));
  r2 = tf_case_not_applicable (tf_ets_find_case (ets, 0), &client, &server);
  g_assert_cmpstr (r2, ==, "server s does not support bootstrap-server");
  g_assert_null (tf_case_not_applicable (tf_ets_find_case (ets, 301), &client, &server));
  r3 = tf_case_not_applicable (tf_ets_find_case (ets, 203), &client, &server);
  g_assert_cmpstr (r3, ==, "client c does not support tlv");
  g_ptr_array_unref (client.features);
  g_ptr_array_unref (server.features);
}

static void
test_bad_catalogue (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tf-ets-XXXXXX", NULL);
  g_autofree char *f = g_build_filename (dir, "x.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfCatalogue) cat = NULL;
  g_assert_true (g_file_set_contents (
      f, "[ets]\nversion = 1.1\nname = x\n\n[case 7]\nname = a\ncolour = red\n", -1, NULL));
  cat = tf_catalogue_load_dir (dir, &error);
  g_assert_null (cat);
  g_assert_nonnull (strstr (error->message, "x.conf:7"));
  g_unlink (f);
  g_rmdir (dir);
}

static void
test_provision_script (void)
{
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autoptr (TfProvisionScript) ok = NULL;
  g_autoptr (TfProvisionScript) bad = NULL;
  g_hash_table_insert (vars, "server_uri", "coap://s:5683");
  g_hash_table_insert (vars, "endpoint", "ep");
  ok = tf_provision_script_parse (tf_provision_default_script, "default", vars, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tf_provision_script_len (ok), ==, 6);
  bad = tf_provision_script_parse ("send x {nope}\n", "p.script", vars, &error);
  g_assert_null (bad);
  g_assert_cmpstr (error->message, ==, "p.script:1: unknown placeholder {nope}");
  g_clear_error (&error);
  bad = tf_provision_script_parse ("\n# c\nexpect ([ 100\n", "p.script", vars, &error);
  g_assert_null (bad);
  g_assert_true (g_str_has_prefix (error->message, "p.script:3: "));
  g_clear_error (&error);
  bad = tf_provision_script_parse ("wait 10\n", "p.script", vars, &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "p.script:1: a step is"));
}

static void
test_phases (void)
{
  TfVerdict v;
  g_assert_true (tf_phase_transition_allowed (TF_PHASE_SCHEDULED, TF_PHASE_PREPARING));
  g_assert_true (tf_phase_transition_allowed (TF_PHASE_PREPARING, TF_PHASE_RUNNING));
  g_assert_true (tf_phase_transition_allowed (TF_PHASE_RUNNING, TF_PHASE_REPORTING));
  g_assert_true (tf_phase_transition_allowed (TF_PHASE_REPORTING, TF_PHASE_VERIFIED));
  g_assert_true (tf_phase_transition_allowed (TF_PHASE_VERIFIED, TF_PHASE_CLOSED));
  /* a session that ran never runs again */
  g_assert_false (tf_phase_transition_allowed (TF_PHASE_REPORTING, TF_PHASE_SCHEDULED));
  g_assert_false (tf_phase_transition_allowed (TF_PHASE_RUNNING, TF_PHASE_PREPARING));
  g_assert_false (tf_phase_transition_allowed (TF_PHASE_CLOSED, TF_PHASE_ABORTED));
  g_assert_true (tf_verdict_from_string ("out-of-time", &v));
  g_assert_cmpint (v, ==, TF_VERDICT_OUT_OF_TIME);
  g_assert_false (tf_verdict_from_string ("Pass", &v));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/catalogue/shipped", test_shipped_catalogue);
  g_test_add_func ("/catalogue/shipped-1.0", test_shipped_1_0);
  g_test_add_func ("/catalogue/event-versions", test_event_versions);
  g_test_add_func ("/catalogue/applicability", test_applicability);
  g_test_add_func ("/catalogue/bad", test_bad_catalogue);
  g_test_add_func ("/catalogue/shipped-automation", test_shipped_automation);
  g_test_add_func ("/catalogue/bad-automation", test_bad_automation);
  g_test_add_func ("/provision/script", test_provision_script);
  g_test_add_func ("/session/phases", test_phases);
  return g_test_run ();
}
