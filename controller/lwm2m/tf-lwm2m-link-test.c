/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CoRE link format: Register payloads and Discover answers, parsed and formatted. */
#include <string.h>

#include "tf-lwm2m-link.h"

/* RFC 6690 §5 and LwM2M 1.1.1 Core §6.2.1 (Register payload), §5.4.2 (Discover) */
static void
test_link (void)
{
  const char *reg = "</>;rt=\"oma.lwm2m\";ct=11543, </1/0>,</3/0>;ver=1.1,</5>";
  const char *disc = "</3/0/7>;dim=2;pmin=10;pmax=60;gt=50.5";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) l = tf_lwm2m_link_parse (reg, strlen (reg), &error);
  g_autoptr (GPtrArray) d = NULL;
  g_autofree char *s = NULL;
  g_autofree char *s2 = NULL;
  const TfLwm2mLink *root;

  g_assert_no_error (error);
  g_assert_cmpuint (l->len, ==, 4);
  root = g_ptr_array_index (l, 0);
  g_assert_cmpstr (root->uri, ==, "/");
  g_assert_cmpstr (g_hash_table_lookup (root->attrs, "rt"), ==, "oma.lwm2m");
  g_assert_cmpstr (g_hash_table_lookup (root->attrs, "ct"), ==, "11543");
  g_assert_cmpstr (((TfLwm2mLink *)g_ptr_array_index (l, 2))->uri, ==, "/3/0");
  s = tf_lwm2m_link_format (l);
  g_assert_cmpstr (s, ==, "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>;ver=1.1,</5>");
  d = tf_lwm2m_link_parse (disc, strlen (disc), &error);
  g_assert_no_error (error);
  s2 = tf_lwm2m_link_format (d);
  g_assert_cmpstr (s2, ==, disc);
  {
    const char *flag = "</a>;obs;title=\"x\\\"y\",</b>";
    g_autoptr (GPtrArray) f = tf_lwm2m_link_parse (flag, strlen (flag), &error);
    g_autofree char *back = NULL;
    TfLwm2mLink *a;
    g_assert_no_error (error);
    a = g_ptr_array_index (f, 0);
    g_assert_true (g_hash_table_contains (a->attrs, "obs"));
    g_assert_null (g_hash_table_lookup (a->attrs, "obs"));
    g_assert_cmpstr (g_hash_table_lookup (a->attrs, "title"), ==, "x\"y");
    back = tf_lwm2m_link_format (f);
    g_assert_cmpstr (back, ==, flag);
  }
  {
    const char *bad[] = { "/1/0",    "</1/0",  "</1/0>;", "</1/0>;a=", "</1/0>;a=\"x",
                          "</1/0>x", "</1 0>", "</1/0>,", "<>;=1" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (GPtrArray) r = tf_lwm2m_link_parse (bad[i], strlen (bad[i]), &e);
        g_assert_null (r);
        g_assert_error (e, TF_LWM2M_ERROR, TF_LWM2M_STATUS_BAD_REQUEST);
        g_assert_nonnull (strstr (e->message, "at byte"));
      }
  }
  {
    g_autoptr (GPtrArray) empty = tf_lwm2m_link_parse ("", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (empty->len, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lwm2m/link", test_link);
  return g_test_run ();
}
