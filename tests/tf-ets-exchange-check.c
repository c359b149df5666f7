/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks of a run's recorded exchange both runner tests share (tf-ets-exchange-check.h). */
#include "config.h"

#include "tf-ets-exchange-check.h"

#define OPT_BLOCK2 23
#define OPT_SIZE2 28
#define OPT_BLOCK1 27
#define OPT_SIZE1 60

static const char *
str (JsonObject *m, const char *name)
{
  return json_object_get_string_member_with_default (m, name, "");
}

/* The value of option @number of message @m as a number, -1 when absent. */
static gint64
option (JsonObject *m, guint number)
{
  JsonArray *opts = json_object_get_array_member (m, "options");
  for (guint i = 0; opts != NULL && i < json_array_get_length (opts); i++)
    {
      JsonArray *o = json_array_get_array_element (opts, i);
      if (json_array_get_int_element (o, 0) == number)
        return g_ascii_strtoll (json_array_get_string_element (o, 1), NULL, 10);
    }
  return -1;
}

guint
tf_ets_check_every_block (JsonArray *ex, const char *resp_dir)
{
  guint n = 0;
  gint64 size = -1, sum = 0, bs = 0;
  gboolean last = FALSE;
  for (guint i = 0; i < json_array_get_length (ex); i++)
    {
      JsonObject *m = json_array_get_object_element (ex, i);
      gint64 b2 = option (m, OPT_BLOCK2);
      gboolean asked = FALSE;
      if (!g_str_equal (str (m, "dir"), resp_dir) || !g_str_equal (str (m, "code"), "2.05")
          || b2 < 0)
        continue;
      g_assert_false (last); /* nothing after the block without More */
      g_assert_cmpint (b2 >> 4, ==, n);
      if (n == 0)
        {
          size = option (m, OPT_SIZE2);
          bs = 16 << (b2 & 7);
        }
      g_assert_cmpint (16 << (b2 & 7), ==, bs);
      last = (b2 & 8) == 0;
      sum += json_object_get_int_member_with_default (m, "payload_len", 0);
      /* the GET (or FETCH) it answers: same MID, the other way, before it, for this block */
      for (guint j = i; j > 0 && !asked; j--)
        {
          JsonObject *q = json_array_get_object_element (ex, j - 1);
          if (!g_str_equal (str (q, "dir"), resp_dir)
              && (g_str_equal (str (q, "code"), "GET") || g_str_equal (str (q, "code"), "FETCH"))
              && json_object_get_int_member (q, "mid") == json_object_get_int_member (m, "mid"))
            {
              gint64 qb = option (q, OPT_BLOCK2);
              g_assert_cmpint (qb < 0 ? 0 : qb >> 4, ==, n);
              asked = TRUE;
            }
        }
      g_assert_true (asked);
      n++;
    }
  g_assert_true (last);
  g_assert_cmpint (size, >, bs);
  g_assert_cmpint (sum, ==, size);
  g_assert_cmpint (n, ==, (size + bs - 1) / bs);
  return n;
}

/* The answer to request @i of @ex: the next message the other way with its MID. */
static JsonObject *
answer_of (JsonArray *ex, guint i)
{
  JsonObject *q = json_array_get_object_element (ex, i);
  for (guint j = i + 1; j < json_array_get_length (ex); j++)
    {
      JsonObject *a = json_array_get_object_element (ex, j);
      if (!g_str_equal (str (a, "dir"), str (q, "dir"))
          && json_object_get_int_member (a, "mid") == json_object_get_int_member (q, "mid"))
        return a;
    }
  return NULL;
}

guint
tf_ets_check_every_block1 (JsonArray *ex, const char *req_dir)
{
  guint n = 0;
  gint64 size = -1, sum = 0, bs = 0;
  gboolean last = FALSE;
  for (guint i = 0; i < json_array_get_length (ex); i++)
    {
      JsonObject *m = json_array_get_object_element (ex, i);
      gint64 b1 = option (m, OPT_BLOCK1);
      JsonObject *a;
      if (!g_str_equal (str (m, "dir"), req_dir) || b1 < 0
          || (!g_str_equal (str (m, "code"), "PUT") && !g_str_equal (str (m, "code"), "POST")))
        continue;
      g_assert_false (last);
      g_assert_cmpint (b1 >> 4, ==, n);
      if (n == 0)
        {
          size = option (m, OPT_SIZE1);
          bs = 16 << (b1 & 7);
        }
      g_assert_cmpint (16 << (b1 & 7), ==, bs);
      last = (b1 & 8) == 0;
      sum += json_object_get_int_member_with_default (m, "payload_len", 0);
      a = answer_of (ex, i);
      g_assert_nonnull (a);
      if (last)
        g_assert_true (g_str_equal (str (a, "code"), "2.04")
                       || g_str_equal (str (a, "code"), "2.01"));
      else
        {
          g_assert_cmpstr (str (a, "code"), ==, "2.31");
          g_assert_cmpint (option (a, OPT_BLOCK1) >> 4, ==, n);
        }
      n++;
    }
  g_assert_true (last);
  g_assert_cmpint (size, >, bs);
  g_assert_cmpint (sum, ==, size);
  g_assert_cmpint (n, ==, (size + bs - 1) / bs);
  return n;
}

void
tf_ets_check_rx_times (JsonArray *ex)
{
  gint64 prev = 0;
  guint in = 0;
  for (guint i = 0; i < json_array_get_length (ex); i++)
    {
      JsonObject *m = json_array_get_object_element (ex, i);
      gint64 t = json_object_get_int_member (m, "time_us");
      if (!g_str_equal (str (m, "dir"), "in"))
        {
          g_assert_cmpstr (str (m, "clock"), ==, "sent");
          continue;
        }
      in++;
      g_assert_cmpstr (str (m, "clock"), ==, "kernel-rx");
      g_assert_cmpint (t, >=, prev);
      prev = t;
      /* a request answered in its handler: the answer is made after the datagram arrived */
      if (g_str_equal (str (m, "type"), "CON") && !g_ascii_isdigit (str (m, "code")[0]))
        for (guint j = i + 1; j < json_array_get_length (ex); j++)
          {
            JsonObject *a = json_array_get_object_element (ex, j);
            if (g_str_equal (str (a, "dir"), "out") && g_str_equal (str (a, "type"), "ACK")
                && json_object_get_int_member (a, "mid") == json_object_get_int_member (m, "mid"))
              {
                g_assert_cmpint (json_object_get_int_member (a, "time_us"), >=, t);
                break;
              }
          }
    }
  g_assert_cmpuint (in, >, 0);
}
