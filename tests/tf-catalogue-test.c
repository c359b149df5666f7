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
  static const int ids[] = { 0,   1,   2,   4,   5,   6,   7,   101, 102, 103, 104, 105, 107,
                             108, 109, 201, 203, 204, 205, 215, 220, 221, 222, 229, 230, 241,
                             260, 261, 301, 302, 303, 304, 306, 401, 770, 771, 772, 773 };
  g_assert_no_error (error);
  ets = tf_catalogue_find (cat, "1.1");
  g_assert_nonnull (ets);
  g_assert_cmpuint (ets->cases->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_nonnull (tf_ets_find_case (ets, ids[i]));
  g_assert_cmpstr (tf_ets_find_case (ets, 101)->name, ==, "Initial Registration");
  g_assert_cmpstr (tf_ets_find_case (ets, 773)->name, ==, "Error Case: not enough storage");
  g_assert_null (tf_catalogue_find (cat, "1.0"));
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
  g_test_add_func ("/catalogue/applicability", test_applicability);
  g_test_add_func ("/catalogue/bad", test_bad_catalogue);
  g_test_add_func ("/provision/script", test_provision_script);
  g_test_add_func ("/session/phases", test_phases);
  return g_test_run ();
}
