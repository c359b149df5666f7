/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "tf-regress"

#include "config.h"

#include "tf-error.h"
#include "tf-regress-private.h"

#include <string.h>

/* A run's results compared with what ran before, where LAVA needs external
 * tooling: for each (image, suite, case) the verdicts of its repeats and
 * boards are folded into pass, fail or mixed, then
 *  - flaky: mixed within the run, or a verdict that differs from the last run
 *    of the same image (sha256): the firmware did not change, the verdict did;
 *  - regression / fixed: pass before and fail now (fail before, pass now)
 *    against the previous run of the same plan, when the image changed;
 *  - suspect board: its failure rate in the run is at least one half and
 *    well above the other boards' on the same work (bad hardware, not bad
 *    firmware); its cases are left out of the folding when others ran them.
 * "fail" counts Fail and Inconclusive (the script contract's exit 1 and
 * anything but 0, 1, 77); exit 77 is skipped and never compared. */

#define HISTORY_RUNS 30

typedef struct
{
  guint pass, fail;
} Tally;

static char *
key_of (const char *sha, const char *suite, const char *name)
{
  return g_strdup_printf ("%s\n%s\n%s", sha ? sha : "*", suite, name);
}

static gboolean
is_fail (const char *v)
{
  return g_strcmp0 (v, "fail") == 0 || g_strcmp0 (v, "inconclusive") == 0;
}

/* key -> Tally, per image (sha) and over all images ("*"). */
static GHashTable *
fold (JsonArray *cases, GHashTable *exclude)
{
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      const char *v = json_object_get_string_member (o, "verdict");
      const char *sha = json_object_get_string_member_with_default (o, "sha256", NULL);
      const char *suite = json_object_get_string_member (o, "suite");
      const char *name = json_object_get_string_member (o, "name");
      if (g_strcmp0 (v, "skip") == 0
          || (exclude != NULL
              && g_hash_table_contains (exclude, json_object_get_string_member (o, "board"))))
        continue;
      for (int k = 0; k < 2; k++)
        {
          g_autofree char *key = key_of (k == 0 ? sha : NULL, suite, name);
          Tally *tl = g_hash_table_lookup (t, key);
          if (tl == NULL)
            {
              tl = g_new0 (Tally, 1);
              g_hash_table_insert (t, g_strdup (key), tl);
            }
          if (is_fail (v))
            tl->fail++;
          else
            tl->pass++;
        }
    }
  return t;
}

static const char *
folded (GHashTable *t, const char *sha, const char *suite, const char *name)
{
  g_autofree char *key = key_of (sha, suite, name);
  Tally *tl = t != NULL ? g_hash_table_lookup (t, key) : NULL;
  if (tl == NULL)
    return NULL;
  return tl->fail == 0 ? "pass" : tl->pass == 0 ? "fail" : "mixed";
}

/* Boards whose failures stand out: a failure is the board's when the same
 * case of the same image passed on another board, in this run or the ones
 * before it; a board with two such failures, half of what it ran or more,
 * is suspect (bad hardware, not bad firmware). */
static GHashTable *
suspects (JsonArray *cases, GPtrArray *earlier_cases, JsonArray *out)
{
  g_autoptr (GHashTable) passed_on
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
  g_autoptr (GHashTable) per = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  const char *board;
  Tally *tl;

  for (guint r = 0; r <= earlier_cases->len; r++)
    {
      JsonArray *a = r == 0 ? cases : g_ptr_array_index (earlier_cases, r - 1);
      for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
        {
          JsonObject *o = json_array_get_object_element (a, i);
          g_autofree char *key = NULL;
          GHashTable *boards;
          if (g_strcmp0 (json_object_get_string_member (o, "verdict"), "pass") != 0)
            continue;
          key = key_of (json_object_get_string_member_with_default (o, "sha256", NULL),
                        json_object_get_string_member (o, "suite"),
                        json_object_get_string_member (o, "name"));
          boards = g_hash_table_lookup (passed_on, key);
          if (boards == NULL)
            {
              boards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
              g_hash_table_insert (passed_on, g_strdup (key), boards);
            }
          g_hash_table_add (boards, g_strdup (json_object_get_string_member (o, "board")));
        }
    }
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      const char *v = json_object_get_string_member (o, "verdict");
      const char *b = json_object_get_string_member (o, "board");
      g_autofree char *key = NULL;
      GHashTable *boards;
      if (g_strcmp0 (v, "skip") == 0)
        continue;
      tl = g_hash_table_lookup (per, b);
      if (tl == NULL)
        g_hash_table_insert (per, (gpointer)b, tl = g_new0 (Tally, 1));
      tl->pass++; /* ran */
      if (!is_fail (v))
        continue;
      key = key_of (json_object_get_string_member_with_default (o, "sha256", NULL),
                    json_object_get_string_member (o, "suite"),
                    json_object_get_string_member (o, "name"));
      boards = g_hash_table_lookup (passed_on, key);
      if (boards != NULL
          && (g_hash_table_size (boards) > 1
              || (g_hash_table_size (boards) == 1 && !g_hash_table_contains (boards, b))))
        tl->fail++; /* passes elsewhere: the board's */
    }
  g_hash_table_iter_init (&it, per);
  while (g_hash_table_iter_next (&it, (gpointer *)&board, (gpointer *)&tl))
    {
      double rate = (double)tl->fail / tl->pass;
      if (tl->fail >= 2 && rate >= 0.5)
        {
          JsonObject *s = json_object_new ();
          json_object_set_string_member (s, "board", board);
          json_object_set_int_member (s, "ran", tl->pass);
          json_object_set_int_member (s, "failed-where-others-pass", tl->fail);
          json_object_set_double_member (s, "rate", rate);
          json_array_add_object_element (out, s);
          g_hash_table_add (set, g_strdup (board));
        }
    }
  return set;
}

static JsonArray *
jobs_json (GPtrArray *jobs)
{
  JsonArray *a = json_array_new ();
  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    {
      TfRegressJob *j = g_ptr_array_index (jobs, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "id", j->id);
      json_object_set_int_member (o, "seq", j->seq);
      json_object_set_string_member (o, "image", j->image);
      json_object_set_string_member (o, "sha256", j->sha256);
      json_object_set_string_member (o, "suite", j->suite);
      json_object_set_string_member (o, "target", j->pinned ? j->pinned : j->board_type);
      json_object_set_string_member (o, "state", j->state);
      json_object_set_string_member (o, "board", j->board);
      json_object_set_int_member (o, "next", j->next);
      json_object_set_int_member (o, "attempts", j->attempts);
      json_object_set_int_member (o, "priority", j->priority);
      json_object_set_int_member (o, "started", j->started);
      json_object_set_int_member (o, "ended", j->ended);
      json_object_set_string_member (o, "error", j->error);
      json_array_add_object_element (a, o);
    }
  return a;
}

static void
add_finding (JsonArray *a, const char *image, const char *sha, const char *suite, const char *name,
             const char *now, const char *before, const char *before_run, const char *why)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "image", image);
  json_object_set_string_member (o, "sha256", sha);
  json_object_set_string_member (o, "suite", suite);
  json_object_set_string_member (o, "case", name);
  json_object_set_string_member (o, "now", now);
  json_object_set_string_member (o, "before", before);
  json_object_set_string_member (o, "before-run", before_run);
  json_object_set_string_member (o, "why", why);
  json_array_add_object_element (a, o);
}

/* The earlier runs of @plan, newest first, ended, before @created. */
static JsonArray *
earlier_runs (TfStore *st, const char *plan, gint64 created, const char *self)
{
  g_autoptr (JsonArray) all = tf_rdb_runs (st, plan, HISTORY_RUNS + 1, NULL);
  JsonArray *out = json_array_new ();
  for (guint i = 0; all != NULL && i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      if (g_strcmp0 (json_object_get_string_member (o, "id"), self) == 0
          || json_object_get_int_member (o, "created") > created
          || g_strcmp0 (json_object_get_string_member (o, "state"), "done") != 0)
        continue;
      json_array_add_object_element (out, json_object_ref (o));
    }
  return out;
}

static void
compare (JsonObject *report, JsonArray *cases, JsonArray *earlier, GPtrArray *earlier_cases,
         GHashTable *suspect)
{
  g_autoptr (GHashTable) now = fold (cases, suspect);
  g_autoptr (GPtrArray) before
      = g_ptr_array_new_with_free_func ((GDestroyNotify)g_hash_table_unref);
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *regressions = json_array_new (), *fixed = json_array_new (),
            *flaky = json_array_new ();
  const char *prev_id
      = json_array_get_length (earlier) > 0
            ? json_object_get_string_member (json_array_get_object_element (earlier, 0), "id")
            : NULL;

  for (guint i = 0; i < earlier_cases->len; i++)
    g_ptr_array_add (before, fold (g_ptr_array_index (earlier_cases, i), NULL));
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      const char *sha = json_object_get_string_member_with_default (o, "sha256", NULL);
      const char *image = json_object_get_string_member (o, "image");
      const char *suite = json_object_get_string_member (o, "suite");
      const char *name = json_object_get_string_member (o, "name");
      g_autofree char *key = key_of (sha, suite, name);
      const char *v = folded (now, sha, suite, name), *same = NULL, *prev = NULL;
      const char *same_run = NULL;
      if (v == NULL || !g_hash_table_add (done, g_steal_pointer (&key)))
        continue;
      for (guint k = 0; k < before->len && same == NULL; k++)
        if ((same = folded (g_ptr_array_index (before, k), sha, suite, name)) != NULL)
          same_run
              = json_object_get_string_member (json_array_get_object_element (earlier, k), "id");
      if (before->len > 0)
        prev = folded (g_ptr_array_index (before, 0), NULL, suite, name);
      if (g_strcmp0 (v, "mixed") == 0)
        add_finding (flaky, image, sha, suite, name, v, NULL, NULL,
                     "the verdict changed across repeats or boards");
      else if (same != NULL && g_strcmp0 (same, "mixed") != 0 && g_strcmp0 (same, v) != 0)
        add_finding (flaky, image, sha, suite, name, v, same, same_run,
                     "the verdict changed without an image change");
      else if (same == NULL && g_strcmp0 (prev, "pass") == 0 && g_strcmp0 (v, "fail") == 0)
        add_finding (regressions, image, sha, suite, name, v, prev, prev_id,
                     "failed after passing in the previous run");
      else if (same == NULL && g_strcmp0 (prev, "fail") == 0 && g_strcmp0 (v, "pass") == 0)
        add_finding (fixed, image, sha, suite, name, v, prev, prev_id,
                     "passes after failing in the previous run");
    }
  json_object_set_string_member (report, "previous-run", prev_id);
  json_object_set_array_member (report, "regressions", regressions);
  json_object_set_array_member (report, "fixed", fixed);
  json_object_set_array_member (report, "flaky", flaky);
}

JsonObject *
tf_regress_report (TfStore *store, const char *run_id, gboolean with_output, gboolean history,
                   GError **error)
{
  g_autoptr (JsonObject) run = tf_rdb_run (store, run_id, error);
  g_autoptr (JsonArray) cases = NULL;
  g_autoptr (GPtrArray) jobs = NULL;
  g_autoptr (GHashTable) suspect = NULL;
  g_autoptr (JsonArray) earlier = NULL;
  g_autoptr (GPtrArray) earlier_cases
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_array_unref);
  g_autoptr (GString) summary = g_string_new (NULL);
  JsonObject *report;
  JsonArray *suspects_a;
  guint counts[4] = { 0 }, passed = 0, failed = 0, incomplete = 0, cancelled = 0, open = 0;
  static const char *const verdicts[] = { "pass", "fail", "inconclusive", "skip" };

  if (run == NULL)
    return NULL;
  cases = tf_rdb_cases (store, run_id, with_output, error);
  jobs = tf_rdb_jobs (store, run_id, error);
  if (cases == NULL || jobs == NULL)
    return NULL;
  report = json_object_new ();
  json_object_set_int_member (report, "schema", 1);
  json_object_set_object_member (report, "run", json_object_ref (run));
  for (guint i = 0; i < jobs->len; i++)
    {
      const char *st = ((TfRegressJob *)g_ptr_array_index (jobs, i))->state;
      passed += g_strcmp0 (st, "passed") == 0;
      failed += g_strcmp0 (st, "failed") == 0;
      incomplete += g_strcmp0 (st, "incomplete") == 0;
      cancelled += g_strcmp0 (st, "cancelled") == 0;
      open += g_strcmp0 (st, "queued") == 0 || g_strcmp0 (st, "running") == 0;
    }
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      const char *v
          = json_object_get_string_member (json_array_get_object_element (cases, i), "verdict");
      for (guint k = 0; k < G_N_ELEMENTS (verdicts); k++)
        counts[k] += g_strcmp0 (v, verdicts[k]) == 0;
    }
  json_object_set_int_member (report, "jobs-total", jobs->len);
  json_object_set_int_member (report, "completed", passed + failed);
  json_object_set_int_member (report, "passed", passed);
  json_object_set_int_member (report, "failed", failed);
  json_object_set_int_member (report, "incomplete", incomplete);
  json_object_set_int_member (report, "cancelled", cancelled);
  json_object_set_int_member (report, "open", open);
  for (guint k = 0; k < G_N_ELEMENTS (verdicts); k++)
    json_object_set_int_member (report, verdicts[k], counts[k]);
  /* the comparison reads the earlier runs: not for each progress message */
  earlier = history ? earlier_runs (store, json_object_get_string_member (run, "plan"),
                                    json_object_get_int_member (run, "created"),
                                    json_object_get_string_member (run, "id"))
                    : json_array_new ();
  for (guint i = 0; i < json_array_get_length (earlier); i++)
    g_ptr_array_add (
        earlier_cases,
        tf_rdb_cases (
            store, json_object_get_string_member (json_array_get_object_element (earlier, i), "id"),
            FALSE, NULL));
  suspects_a = json_array_new ();
  suspect = suspects (cases, earlier_cases, suspects_a);
  json_object_set_array_member (report, "suspect-boards", suspects_a);
  compare (report, cases, earlier, earlier_cases, suspect);
  /* pass rate per suite, for the dashboard's history */
  {
    JsonObject *suites = json_object_new ();
    for (guint i = 0; i < json_array_get_length (cases); i++)
      {
        JsonObject *c = json_array_get_object_element (cases, i);
        const char *suite = json_object_get_string_member (c, "suite");
        const char *v = json_object_get_string_member (c, "verdict");
        JsonObject *so;
        if (!json_object_has_member (suites, suite))
          json_object_set_object_member (suites, suite, json_object_new ());
        so = json_object_get_object_member (suites, suite);
        json_object_set_int_member (so, v, json_object_get_int_member_with_default (so, v, 0) + 1);
      }
    json_object_set_object_member (report, "suites", suites);
  }
  json_object_set_array_member (report, "jobs", jobs_json (jobs));
  json_object_set_array_member (report, "cases", g_steal_pointer (&cases));
  /* "3 regressions, 1 fixed, 2 flaky, board sim7 suspect" */
  {
    guint nr = json_array_get_length (json_object_get_array_member (report, "regressions"));
    guint nf = json_array_get_length (json_object_get_array_member (report, "fixed"));
    guint nk = json_array_get_length (json_object_get_array_member (report, "flaky"));
    g_string_append_printf (summary, "%u regression%s, %u fixed, %u flaky", nr, nr == 1 ? "" : "s",
                            nf, nk);
    for (guint i = 0; i < json_array_get_length (suspects_a); i++)
      g_string_append_printf (
          summary, ", board %s suspect",
          json_object_get_string_member (json_array_get_object_element (suspects_a, i), "board"));
    if (incomplete + cancelled > 0)
      g_string_append_printf (summary, ", %u job%s without a verdict (infrastructure)",
                              incomplete + cancelled, incomplete + cancelled == 1 ? "" : "s");
  }
  json_object_set_string_member (report, "summary", summary->str);
  /* what CI gates on: 1 a test failed, else 2 when infrastructure kept a verdict away */
  json_object_set_int_member (report, "exit",
                              failed > 0                            ? 1
                              : (incomplete + cancelled + open) > 0 ? 2
                                                                    : 0);
  return report;
}

/* --- JUnit ------------------------------------------------------------------------- */

static void
attr (GString *s, const char *name, const char *value)
{
  g_autofree char *e = g_markup_escape_text (value ? value : "", -1);
  g_string_append_printf (s, " %s=\"%s\"", name, e);
}

char *
tf_regress_junit (JsonObject *report)
{
  JsonObject *run = json_object_get_object_member (report, "run");
  JsonArray *jobs = json_object_get_array_member (report, "jobs");
  JsonArray *cases = json_object_get_array_member (report, "cases");
  GString *s = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
  attr (s, "name", json_object_get_string_member (run, "id"));
  g_string_append_printf (s, " tests=\"%u\">\n", json_array_get_length (cases));
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *j = json_array_get_object_element (jobs, i);
      const char *jid = json_object_get_string_member (j, "id");
      g_autofree char *name = g_strdup_printf (
          "%s on %s (%s)", json_object_get_string_member (j, "suite"),
          json_object_get_string_member (j, "target"), json_object_get_string_member (j, "image"));
      g_autofree char *cls = g_strdup_printf ("%s.%s", json_object_get_string_member (j, "suite"),
                                              json_object_get_string_member (j, "image"));
      g_autoptr (GString) body = g_string_new (NULL);
      guint n = 0, nfail = 0, nerr = 0, nskip = 0;
      for (guint k = 0; k < json_array_get_length (cases); k++)
        {
          JsonObject *c = json_array_get_object_element (cases, k);
          const char *v = json_object_get_string_member (c, "verdict");
          g_autofree char *cname = NULL;
          double secs;
          if (g_strcmp0 (json_object_get_string_member (c, "job"), jid) != 0)
            continue;
          n++;
          cname
              = g_strdup_printf ("%s #%" G_GINT64_FORMAT, json_object_get_string_member (c, "name"),
                                 json_object_get_int_member (c, "repeat"));
          secs = (json_object_get_int_member (c, "ended")
                  - json_object_get_int_member (c, "started"))
                 / 1e6;
          g_string_append (body, "    <testcase");
          attr (body, "classname", cls);
          attr (body, "name", cname);
          g_string_append_printf (body, " time=\"%.3f\">\n", secs);
          {
            g_autofree char *msg
                = g_strdup_printf ("%s on %s, exit status %" G_GINT64_FORMAT, v,
                                   json_object_get_string_member (c, "board"),
                                   json_object_get_int_member_with_default (c, "status", -1));
            /* Fail is a failure; Inconclusive an error (no verdict); exit 77 skipped */
            const char *el = g_strcmp0 (v, "fail") == 0           ? "failure"
                             : g_strcmp0 (v, "inconclusive") == 0 ? "error"
                                                                  : NULL;
            nfail += g_strcmp0 (v, "fail") == 0;
            nerr += g_strcmp0 (v, "inconclusive") == 0;
            if (el != NULL)
              {
                g_string_append_printf (body, "      <%s", el);
                attr (body, "message", msg);
                g_string_append (body, "/>\n");
              }
            else if (g_strcmp0 (v, "skip") == 0)
              {
                nskip++;
                g_string_append (body, "      <skipped/>\n");
              }
          }
          if (json_object_has_member (c, "output") && !json_object_get_null_member (c, "output"))
            {
              g_autofree char *e
                  = g_markup_escape_text (json_object_get_string_member (c, "output"), -1);
              g_string_append_printf (body, "      <system-out>%s</system-out>\n", e);
            }
          g_string_append (body, "    </testcase>\n");
        }
      if (g_strcmp0 (json_object_get_string_member (j, "state"), "incomplete") == 0
          || g_strcmp0 (json_object_get_string_member (j, "state"), "cancelled") == 0)
        {
          /* no verdict was reached: an error, never a failure */
          n++;
          nerr++;
          g_string_append (body, "    <testcase");
          attr (body, "classname", cls);
          attr (body, "name", "infrastructure");
          g_string_append (body, ">\n      <error");
          attr (body, "type", json_object_get_string_member (j, "state"));
          attr (body, "message", json_object_get_string_member (j, "error"));
          g_string_append (body, "/>\n    </testcase>\n");
        }
      g_string_append (s, "  <testsuite");
      attr (s, "name", name);
      attr (s, "id", jid);
      g_string_append_printf (s, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", n,
                              nfail, nerr, nskip);
      g_string_append (s, body->str);
      g_string_append (s, "  </testsuite>\n");
    }
  g_string_append (s, "</testsuites>\n");
  return g_string_free (s, FALSE);
}
