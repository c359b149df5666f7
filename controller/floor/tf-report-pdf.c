/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tf-report-pdf.h"
#include "tf-error.h"
#include "tf-json.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>

#define PAGE_W 842.0 /* A4 landscape, in points */
#define PAGE_H 595.0
#define MARGIN 40.0

typedef struct
{
  cairo_surface_t *surface;
  cairo_t *cr;
  double y;
  guint page;
  const char *footer;
} Doc;

static void
footer (Doc *d)
{
  PangoLayout *l = pango_cairo_create_layout (d->cr);
  PangoFontDescription *fd = pango_font_description_from_string ("Sans 7");
  g_autofree char *text = g_strdup_printf ("%s — page %u", d->footer, d->page);
  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, text, -1);
  cairo_move_to (d->cr, MARGIN, PAGE_H - MARGIN + 10);
  pango_cairo_show_layout (d->cr, l);
  pango_font_description_free (fd);
  g_object_unref (l);
}

static void
new_page (Doc *d)
{
  footer (d);
  cairo_show_page (d->cr);
  d->page++;
  d->y = MARGIN;
}

/* One line of text at @x, @width wide (wrapped), in @font; returns its height. */
static double
text_at (Doc *d, double x, double width, const char *font, const char *text, gboolean draw)
{
  PangoLayout *l = pango_cairo_create_layout (d->cr);
  PangoFontDescription *fd = pango_font_description_from_string (font);
  int w, h;
  /* PDF user space is in points: 72 per inch */
  pango_cairo_context_set_resolution (pango_layout_get_context (l), 72);
  pango_layout_context_changed (l);
  pango_layout_set_font_description (l, fd);
  pango_layout_set_width (l, width * PANGO_SCALE);
  pango_layout_set_wrap (l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (l, text ? text : "", -1);
  pango_layout_get_pixel_size (l, &w, &h);
  if (draw)
    {
      cairo_move_to (d->cr, x, d->y);
      pango_cairo_show_layout (d->cr, l);
    }
  pango_font_description_free (fd);
  g_object_unref (l);
  return h;
}

/* The width of @text on one line, in points. */
static double
measure_width (Doc *d, const char *font, const char *text)
{
  PangoLayout *l = pango_cairo_create_layout (d->cr);
  PangoFontDescription *fd = pango_font_description_from_string (font);
  int w, h;
  pango_cairo_context_set_resolution (pango_layout_get_context (l), 72);
  pango_layout_context_changed (l);
  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, text, -1);
  pango_layout_get_pixel_size (l, &w, &h);
  pango_font_description_free (fd);
  g_object_unref (l);
  return w;
}

/* Room left on this page, in points. */
static double
room (Doc *d)
{
  return PAGE_H - MARGIN - d->y;
}

/* A heading never ends a page: it goes to the next one unless @keep more
 * points (what must follow it: a row, a line) fit under it. */
static void
heading (Doc *d, const char *font, const char *text, double keep)
{
  double h = text_at (d, MARGIN, PAGE_W - 2 * MARGIN, font, text, FALSE);
  if (h + 4 + keep > room (d))
    new_page (d);
  text_at (d, MARGIN, PAGE_W - 2 * MARGIN, font, text, TRUE);
  d->y += h + 4;
}

static void
para (Doc *d, const char *font, const char *text)
{
  double h = text_at (d, MARGIN, PAGE_W - 2 * MARGIN, font, text, FALSE);
  if (d->y + h > PAGE_H - MARGIN)
    new_page (d);
  text_at (d, MARGIN, PAGE_W - 2 * MARGIN, font, text, TRUE);
  d->y += h + 4;
}

/* The height a table row takes. */
static double
row_height (Doc *d, const double *cols, guint n, const char *const *cells, gboolean header)
{
  const char *font = header ? "Sans Bold 9" : "Sans 9";
  double tw = PAGE_W - 2 * MARGIN, h = 0;
  for (guint i = 0; i < n; i++)
    {
      double x0 = cols[i] * tw, x1 = (i + 1 < n ? cols[i + 1] : 1.0) * tw;
      h = MAX (h, text_at (d, 0, x1 - x0 - 4, font, cells[i], FALSE));
    }
  return h + 3 + (header ? 2 : 0);
}

/* A table row: cells at the given x offsets (fractions of the text width).
 * @keep: points that must fit after it on the same page (the table's last
 * row, so that a page never holds a lone last row). */
static void
row_keep (Doc *d, const double *cols, guint n, const char *const *cells, gboolean header,
          double keep)
{
  const char *font = header ? "Sans Bold 9" : "Sans 9";
  double tw = PAGE_W - 2 * MARGIN, h = row_height (d, cols, n, cells, header) - 3;
  if (header)
    h -= 2;
  if (d->y + h > PAGE_H - MARGIN || (keep > 0 && d->y + h + 3 + keep > PAGE_H - MARGIN))
    new_page (d);
  for (guint i = 0; i < n; i++)
    {
      double x0 = cols[i] * tw, x1 = (i + 1 < n ? cols[i + 1] : 1.0) * tw;
      text_at (d, MARGIN + x0, x1 - x0 - 4, font, cells[i], TRUE);
    }
  d->y += h + 3;
  if (header)
    {
      cairo_set_line_width (d->cr, 0.5);
      cairo_move_to (d->cr, MARGIN, d->y - 1);
      cairo_line_to (d->cr, PAGE_W - MARGIN, d->y - 1);
      cairo_stroke (d->cr);
      d->y += 2;
    }
}

static void
row (Doc *d, const double *cols, guint n, const char *const *cells, gboolean header)
{
  row_keep (d, cols, n, cells, header, 0);
}

static gboolean
doc_open (Doc *d, const char *path, const char *footer_text, GError **error)
{
  d->surface = cairo_pdf_surface_create (path, PAGE_W, PAGE_H);
  if (cairo_surface_status (d->surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", path,
                   cairo_status_to_string (cairo_surface_status (d->surface)));
      cairo_surface_destroy (d->surface);
      return FALSE;
    }
  d->cr = cairo_create (d->surface);
  d->y = MARGIN;
  d->page = 1;
  d->footer = footer_text;
  return TRUE;
}

static gboolean
doc_close (Doc *d, const char *path, GError **error)
{
  cairo_status_t st;
  footer (d);
  cairo_show_page (d->cr);
  cairo_destroy (d->cr);
  cairo_surface_finish (d->surface);
  st = cairo_surface_status (d->surface);
  cairo_surface_destroy (d->surface);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, TF_ERROR, TF_ERROR_IO, "%s: %s", path, cairo_status_to_string (st));
      return FALSE;
    }
  return TRUE;
}

/* the text of a member, "" when absent: the page prints it as it is */
static const char *
s (JsonObject *o, const char *key)
{
  const char *v = tf_json_get_string (o, key);
  return v != NULL ? v : "";
}

/* short names for tf-json's null-safe getters: the page code reads better */
static JsonObject *
obj (JsonObject *o, const char *key)
{
  return tf_json_get_object (o, key);
}

static JsonArray *
arr (JsonObject *o, const char *key)
{
  return tf_json_get_array (o, key);
}

static gint64
num (JsonObject *o, const char *key)
{
  return tf_json_get_int (o, key, 0);
}

static const char *
verdict_label (const char *v)
{
  static const char *const map[][2] = { { "pass", "Pass" },
                                        { "fail", "Fail" },
                                        { "inconclusive", "Inconclusive" },
                                        { "not-applicable", "Not Applicable" },
                                        { "out-of-time", "Out of Time" } };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (v, map[i][0]) == 0)
      return map[i][1];
  return v && *v ? v : "—";
}

/* A URL in lines of at most @width points, broken only after '/', '?', '&',
 * '#', '=', '.', '-' or '_' (never inside a word), joined by newlines. */
static char *
wrap_url (Doc *d, const char *font, double width, const char *url)
{
  GString *out = g_string_new (NULL);
  GString *line = g_string_new (NULL);
  const char *p = url, *piece = url;

  while (*p != '\0')
    {
      gboolean brk = strchr ("/?&#=.-_", *p) != NULL;
      p++;
      if (brk || *p == '\0')
        {
          g_autofree char *seg = g_strndup (piece, p - piece);
          g_autofree char *trial = g_strconcat (line->str, seg, NULL);
          /* "https:" and "//" stay with what follows */
          if (line->len > 0 && measure_width (d, font, trial) > width
              && !g_str_has_suffix (line->str, "//") && !g_str_has_suffix (line->str, ":/"))
            {
              g_string_append (out, line->str);
              g_string_append_c (out, '\n');
              g_string_assign (line, seg);
            }
          else
            g_string_append (line, seg);
          piece = p;
        }
    }
  g_string_append (out, line->str);
  g_string_free (line, TRUE);
  return g_string_free (out, FALSE);
}

/* Evidence is bounded on paper too: the last lines of the report's output,
 * each cut to what fits one line of the page in 7 pt monospace. */
#define EVIDENCE_LINES 40
#define EVIDENCE_LINE_CHARS 140

/* One line of a script's output as a terminal would have left it: what
 * follows the last carriage return, tabs expanded, other control characters
 * written \xHH (the fonts have no glyph for them). */
static char *
printable_line (const char *line)
{
  GString *out = g_string_new (NULL);
  gsize len = strlen (line);
  guint col = 0;
  const char *p, *end;

  if (len > 0 && line[len - 1] == '\r')
    len--;
  end = line + len;
  for (p = end; p > line && p[-1] != '\r'; p--)
    ;
  for (; p < end && col < EVIDENCE_LINE_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '\t')
        do
          g_string_append_c (out, ' ');
        while (++col % 8 != 0);
      else if (c < 0x20 || c == 0x7f)
        {
          g_string_append_printf (out, "\\x%02x", c);
          col += 4;
        }
      else
        {
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
          col++;
        }
    }
  if (p < end)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

static void
evidence (Doc *d, JsonObject *k, JsonObject *run)
{
  JsonNode *st = json_object_get_member (run, "exit_status");
  g_autofree char *status
      = st != NULL && JSON_NODE_HOLDS_VALUE (st) && json_node_get_value_type (st) == G_TYPE_INT64
            ? g_strdup_printf ("exit status %" G_GINT64_FORMAT, json_node_get_int (st))
            : g_strdup ("did not exit");
  g_autofree char *title
      = g_strdup_printf ("%" G_GINT64_FORMAT " %s", tf_json_get_int (k, "id", 0), s (k, "name"));
  gboolean truncated = json_object_get_boolean_member_with_default (run, "truncated", FALSE);
  gboolean summary = json_object_get_boolean_member_with_default (run, "summary", FALSE);
  g_autofree char *facts
      = g_strdup_printf ("%s, %s, finished %s, %" G_GINT64_FORMAT " bytes of output%s",
                         *s (run, "script") ? s (run, "script") : "script", status,
                         s (run, "ran_at"), tf_json_get_int (run, "output_bytes", 0),
                         summary     ? " (a Pass: its criteria; every message exchanged is in the "
                                       "session store)"
                         : truncated ? " (its end shown; all of it is in the session store)"
                                     : "");
  g_auto (GStrv) lines = g_strsplit (s (run, "output"), "\n", -1);
  guint n = g_strv_length (lines), first;
  double tw = PAGE_W - 2 * MARGIN - 8;

  if (n > 0 && lines[n - 1][0] == '\0')
    n--; /* the output's last newline ends a line, it starts none */
  /* the lab's runner's transcript is shown whole (a Pass is only its head already);
   * a script's output by its end */
  first = g_strcmp0 (s (run, "script"), "tf-ets-run") == 0 ? 0
          : n > EVIDENCE_LINES                             ? n - EVIDENCE_LINES
                                                           : 0;
  heading (d, "Sans Bold 9", title, 24);
  para (d, "Sans 8", facts);
  if (first > 0)
    {
      g_autofree char *skip = g_strdup_printf ("(%u earlier lines not shown)", first);
      para (d, "Sans Italic 7", skip);
    }
  for (guint i = first; i < n; i++)
    {
      g_autofree char *l = printable_line (lines[i]);
      double h = text_at (d, MARGIN + 8, tw, "Monospace 7", l, FALSE);
      if (d->y + h > PAGE_H - MARGIN)
        new_page (d);
      text_at (d, MARGIN + 8, tw, "Monospace 7", l, TRUE);
      d->y += h;
    }
  d->y += 6;
}

/* "Company Name (id): product version" for a party of the session */
static char *
party_line (const char *role, JsonObject *p)
{
  return g_strdup_printf ("%s: %s (%s) — %s%s%s [%s]", role,
                          *s (p, "company_name") ? s (p, "company_name") : s (p, "company"),
                          s (p, "company"), *s (p, "name") ? s (p, "name") : s (p, "impl"),
                          *s (p, "version") ? " " : "", s (p, "version"), s (p, "impl"));
}

/* "signed by Alice Martin, Test lead (acme/alice) at TIME": the person's
 * name and role come from the event file's [company] people (see
 * controller/session/README.md); an account the file does not name is shown
 * as it signed. */
static char *
signoff (JsonObject *sig, const char *team)
{
  g_autofree char *by = g_strdup_printf ("%s_by", team);
  g_autofree char *at = g_strdup_printf ("%s_at", team);
  g_autofree char *name = g_strdup_printf ("%s_name", team);
  g_autofree char *role = g_strdup_printf ("%s_role", team);
  g_autofree char *who = NULL;
  if (sig == NULL || !json_object_get_boolean_member_with_default (sig, team, FALSE))
    return g_strdup ("not signed");
  if (*s (sig, name))
    who = g_strdup_printf ("%s%s%s (%s)", s (sig, name), *s (sig, role) ? ", " : "", s (sig, role),
                           *s (sig, by) ? s (sig, by) : "?");
  else
    who = g_strdup_printf ("%s (no name in the event file)", *s (sig, by) ? s (sig, by) : "?");
  return g_strdup_printf ("signed by %s at %s", who, *s (sig, at) ? s (sig, at) : "?");
}

/* The lab's proposal of a case (from its trace), NULL when it has none. */
static JsonObject *
lab_proposal (JsonObject *k)
{
  JsonObject *p = tf_json_get_object (k, "lab_proposal");
  return p != NULL && tf_json_get_string (p, "verdict") != NULL ? p : NULL;
}

/* The mark after a case's verdict: '*' taken from the lab, '†' the lab overridden. */
static const char *
proposal_mark (JsonObject *k)
{
  JsonObject *p = lab_proposal (k);
  const char *decision = p != NULL ? tf_json_get_string (p, "decision") : NULL;
  if (g_strcmp0 (decision, "accepted") == 0)
    return "*";
  if (g_strcmp0 (decision, "overridden") == 0)
    return "†";
  return "";
}

/* One line per proposal: what the lab proposed, why, and what the teams made of it. */
static char *
proposal_line (JsonObject *k)
{
  JsonObject *p = lab_proposal (k);
  const char *decision = s (p, "decision");
  g_autofree char *by
      = *s (p, "decided_by") ? g_strdup_printf (" by %s", s (p, "decided_by")) : g_strdup ("");
  g_autofree char *what = NULL;
  if (g_strcmp0 (decision, "accepted") == 0)
    what = g_strdup_printf ("proposed by the lab from the trace, accepted%s", by);
  else if (g_strcmp0 (decision, "overridden") == 0)
    what = g_strdup_printf ("the team overrode the lab's proposal%s: entered %s", by,
                            verdict_label (s (k, "verdict")));
  else
    what = g_strdup ("proposed by the lab from the trace, not decided yet");
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s: lab proposed %s — %s%s%s", num (k, "id"),
                          s (k, "name"), verdict_label (s (p, "verdict")), what,
                          *s (p, "reason") ? "; trace: " : "", s (p, "reason"));
}

/* "Totals: Pass 20 · Fail 1 · ... (of 41 cases)" */
static char *
totals_line (JsonArray *cases)
{
  static const char *const keys[]
      = { "pass", "fail", "inconclusive", "not-applicable", "out-of-time" };
  guint n[G_N_ELEMENTS (keys) + 1] = { 0 }, all = 0;
  GString *t = g_string_new ("Totals: ");
  for (guint i = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonNode *cn = json_array_get_element (cases, i);
      JsonObject *k = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
      guint v = 0;
      if (k == NULL)
        continue;
      while (v < G_N_ELEMENTS (keys) && g_strcmp0 (s (k, "verdict"), keys[v]) != 0)
        v++;
      n[v]++;
      all++;
    }
  for (guint v = 0; v < G_N_ELEMENTS (keys); v++)
    g_string_append_printf (t, "%s%s %u", v ? " · " : "", verdict_label (keys[v]), n[v]);
  g_string_append_printf (t, " · no verdict yet %u (of %u cases)", n[G_N_ELEMENTS (keys)], all);
  return g_string_free (t, FALSE);
}

gboolean
tf_report_pdf_session (JsonObject *r, const char *path, GError **error)
{
  Doc d = { 0 };
  JsonObject *c = tf_json_get_object (r, "client"), *sv = tf_json_get_object (r, "server"),
             *sig = tf_json_get_object (r, "signed");
  JsonObject *fw = tf_json_get_object (r, "firmware");
  JsonArray *cases = tf_json_get_array (r, "cases");
  g_autofree char *title = g_strdup_printf ("Test Session Report — %s", s (r, "session"));
  g_autofree char *event
      = g_strdup_printf ("%s — session %" G_GINT64_FORMAT ", %s, %s to %s", s (r, "event"),
                         num (r, "number"), s (r, "date"), s (r, "start"), s (r, "end"));
  g_autofree char *where = g_strdup_printf (
      "Table %" G_GINT64_FORMAT ", board %s, firmware %s %s, sha256 %s", num (r, "table"),
      s (r, "board"), *s (fw, "name") ? s (fw, "name") : "not reported", s (fw, "version"),
      *s (fw, "sha256") ? s (fw, "sha256") : "not reported");
  g_autofree char *client = party_line ("Client", c);
  g_autofree char *server = party_line ("Server", sv);
  g_autofree char *ets = g_strdup_printf ("ETS: %s", s (r, "ets"));
  g_autofree char *sc = signoff (sig, "client"), *ss = signoff (sig, "server");
  gboolean final = sig && json_object_get_boolean_member_with_default (sig, "client", FALSE)
                   && json_object_get_boolean_member_with_default (sig, "server", FALSE);
  /* one line per team: a name and a role do not fit both on one */
  g_autofree char *signed_client = g_strdup_printf ("Client team: %s.", sc);
  g_autofree char *signed_server
      = g_strdup_printf ("Server team: %s.  %s", ss, final ? "(final)" : "(not final)");
  g_autofree char *totals = totals_line (cases);
  guint n_cases = cases != NULL ? json_array_get_length (cases) : 0;
  static const double cols[] = { 0.0, 0.04, 0.35, 0.46, 0.54, 0.66 };
  static const char *const head[]
      = { "ID", "Test case", "Verdict", "Verified", "Entered by", "Note" };
  const char *group = NULL;
  guint n_proposed = 0;

  if (!doc_open (&d, path, "CONFIDENTIAL to the two companies of this session", error))
    return FALSE;
  para (&d, "Sans Bold 14", title);
  para (&d, "Sans 9", event);
  para (&d, "Sans 9", where);
  para (&d, "Sans 9", client);
  para (&d, "Sans 9", server);
  para (&d, "Sans 9", ets);
  para (&d, "Sans 9", signed_client);
  para (&d, "Sans 9", signed_server);
  para (&d, "Sans Bold 9", totals);
  d.y += 6;
  {
    /* the rows first, measured, so that headings and the last row keep
     * company (no heading alone at a page's foot, no lone last row) */
    g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
    g_autoptr (GArray) heights = g_array_new (FALSE, FALSE, sizeof (double));
    double note_w = (1.0 - cols[5]) * (PAGE_W - 2 * MARGIN) - 4;
    for (guint i = 0; i < n_cases; i++)
      {
        JsonNode *cn = json_array_get_element (cases, i);
        JsonObject *k = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
        g_autofree char *url
            = k && *s (k, "issue") ? wrap_url (&d, "Sans 9", note_w - 30, s (k, "issue")) : NULL;
        char **cells = g_new0 (char *, 8);
        double h;
        if (k == NULL)
          {
            g_ptr_array_add (rows, cells);
            g_array_append_val (heights, (double){ 0 });
            continue;
          }
        cells[0] = g_strdup_printf ("%" G_GINT64_FORMAT, num (k, "id"));
        cells[1] = g_strdup (s (k, "name"));
        cells[2] = g_strconcat (verdict_label (s (k, "verdict")), proposal_mark (k), NULL);
        n_proposed += lab_proposal (k) != NULL;
        cells[3] = g_strdup (*s (k, "verification") ? s (k, "verification") : "—");
        cells[4] = g_strdup (s (k, "entered_by"));
        /* the issue link on lines of its own, broken only between its parts */
        cells[5] = g_strjoin (
            "", s (k, "note"), *s (k, "verify_note") ? " / server: " : "", s (k, "verify_note"),
            url ? (*s (k, "note") || *s (k, "verify_note") ? "\nissue: " : "issue: ") : "",
            url ? url : "", NULL);
        cells[6] = g_strdup (s (k, "group"));
        h = row_height (&d, cols, 6, (const char *const *)cells, FALSE);
        g_ptr_array_add (rows, cells);
        g_array_append_val (heights, h);
      }
    row_keep (&d, cols, G_N_ELEMENTS (cols), head, TRUE,
              n_cases > 0 ? g_array_index (heights, double, 0) + 16 : 0);
    for (guint i = 0; i < n_cases; i++)
      {
        char **cells = g_ptr_array_index (rows, i);
        /* the last two rows go together */
        double keep = i + 2 == n_cases ? g_array_index (heights, double, i + 1) : 0;
        if (cells[0] == NULL)
          continue;
        /* grouped as the ETS groups them: a heading where the group changes,
         * kept with the row under it (and that row's keep) */
        if (*cells[6] && g_strcmp0 (cells[6], group) != 0)
          {
            group = cells[6];
            d.y += 3;
            heading (&d, "Sans Bold 9", group, g_array_index (heights, double, i) + keep);
          }
        row_keep (&d, cols, 6, (const char *const *)cells, FALSE, keep);
      }
  }
  /* the verdicts the lab proposed from the trace, and what the client team made of each */
  if (n_proposed > 0)
    {
      d.y += 10;
      heading (&d, "Sans Bold 11", "Verdicts proposed by the lab from the trace", 40);
      para (&d, "Sans 8",
            "* proposed by the lab from the trace and accepted; † the team overrode the lab's "
            "proposal. The messages that decided each are in the session's decoded trace.");
      for (guint i = 0; i < n_cases; i++)
        {
          JsonNode *cn = json_array_get_element (cases, i);
          JsonObject *k = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
          g_autofree char *line = NULL;
          if (lab_proposal (k) == NULL)
            continue;
          line = proposal_line (k);
          para (&d, "Sans 8", line);
        }
    }
  /* the disputes, each with its whole story: who entered or verified what, when, why */
  for (guint i = 0, shown = 0; i < n_cases; i++)
    {
      JsonNode *cn = json_array_get_element (cases, i);
      JsonObject *k = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
      JsonArray *hist = arr (k, "history");
      g_autofree char *title = NULL;
      if (hist == NULL || json_array_get_length (hist) == 0)
        continue;
      if (shown++ == 0)
        {
          d.y += 10;
          heading (&d, "Sans Bold 11", "Dispute history", 40);
        }
      title = g_strdup_printf ("%" G_GINT64_FORMAT " %s", num (k, "id"), s (k, "name"));
      heading (&d, "Sans Bold 9", title, 14);
      for (guint j = 0; j < json_array_get_length (hist); j++)
        {
          JsonNode *en = json_array_get_element (hist, j);
          JsonObject *e = JSON_NODE_HOLDS_OBJECT (en) ? json_node_get_object (en) : NULL;
          gboolean verdict = g_strcmp0 (s (e, "what"), "verdict") == 0;
          g_autofree char *line = g_strdup_printf (
              "%s  %s %s %s%s%s", *s (e, "at") ? s (e, "at") : "?",
              *s (e, "who") ? s (e, "who") : "?", verdict ? "entered" : "verified:",
              verdict ? verdict_label (s (e, "value")) : s (e, "value"),
              *s (e, "note") ? " — " : "", s (e, "note"));
          para (&d, "Sans 8", line);
        }
    }
  /* the automated cases' evidence, after the table it supports */
  for (guint i = 0, shown = 0; cases != NULL && i < json_array_get_length (cases); i++)
    {
      JsonNode *cn = json_array_get_element (cases, i);
      JsonObject *k = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
      JsonObject *run = tf_json_get_object (k, "automation");
      if (run == NULL)
        continue;
      if (shown++ == 0)
        {
          d.y += 10;
          /* with the first case's title and facts under it */
          heading (&d, "Sans Bold 11", "Automation evidence", 40);
        }
      evidence (&d, k, run);
    }
  return doc_close (&d, path, error);
}

gboolean
tf_report_pdf_consolidated (JsonObject *r, const char *path, GError **error)
{
  Doc d = { 0 };
  JsonObject *impls = tf_json_get_object (r, "implementations"),
             *legend = tf_json_get_object (r, "legend");
  JsonArray *companies = tf_json_get_array (r, "companies"),
            *sessions = tf_json_get_array (r, "sessions");
  JsonArray *cases = tf_json_get_array (r, "cases"), *ets = tf_json_get_array (r, "ets");
  g_autofree char *title = g_strdup_printf ("Consolidated TestFest Report — %s", s (r, "event"));
  g_autofree char *counts = g_strdup_printf (
      "Implementations tested: %" G_GINT64_FORMAT " servers, %" G_GINT64_FORMAT " clients",
      tf_json_get_int (impls, "servers", 0), tf_json_get_int (impls, "clients", 0));
  GString *list = g_string_new ("Companies that attended: ");
  GString *etsl = g_string_new ("ETS used: ");
  static const double scols[] = { 0.0, 0.2, 0.6 };
  static const char *const shead[] = { "Session", "Start", "Submissions" };
  static const double ccols[] = { 0.0, 0.06, 0.52, 0.60, 0.68, 0.78, 0.89 };
  static const char *const chead[]
      = { "ID", "Test case", "Pass", "Fail", "Inconcl.", "Not Appl.", "Out of Time" };
  static const char *const vkeys[]
      = { "pass", "fail", "inconclusive", "not-applicable", "out-of-time" };

  for (guint i = 0; companies != NULL && i < json_array_get_length (companies); i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "",
                            json_array_get_string_element (companies, i));
  for (guint i = 0; ets != NULL && i < json_array_get_length (ets); i++)
    g_string_append_printf (etsl, "%s%s", i ? ", " : "", json_array_get_string_element (ets, i));
  if (!doc_open (&d, path, "Anonymised consolidated results", error))
    {
      g_string_free (list, TRUE);
      g_string_free (etsl, TRUE);
      return FALSE;
    }
  para (&d, "Sans Bold 14", title);
  para (&d, "Sans 9", counts);
  para (&d, "Sans 9", list->str);
  para (&d, "Sans 9", etsl->str);
  g_string_free (list, TRUE);
  g_string_free (etsl, TRUE);
  d.y += 6;
  heading (&d, "Sans Bold 11", "Sessions", 40);
  row_keep (&d, scols, 3, shead, TRUE, 14);
  for (guint i = 0, n_s = sessions ? json_array_get_length (sessions) : 0; i < n_s; i++)
    {
      JsonObject *o = json_array_get_object_element (sessions, i);
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, tf_json_get_int (o, "session", 0));
      g_autofree char *sub
          = g_strdup_printf ("%" G_GINT64_FORMAT, tf_json_get_int (o, "submissions", 0));
      const char *cells[] = { n, s (o, "start"), sub };
      /* one line each: the last two go together */
      row_keep (&d, scols, 3, cells, FALSE, i + 2 == n_s ? 14 : 0);
    }
  {
    JsonArray *issues = tf_json_get_array (r, "issues");
    if (issues != NULL && json_array_get_length (issues) > 0)
      {
        d.y += 6;
        heading (&d, "Sans Bold 11", "Spec issues raised", 14);
        for (guint i = 0; i < json_array_get_length (issues); i++)
          {
            g_autofree char *u = wrap_url (&d, "Sans 8", PAGE_W - 2 * MARGIN,
                                           json_array_get_string_element (issues, i));
            para (&d, "Sans 8", u);
          }
      }
  }
  d.y += 6;
  heading (&d, "Sans Bold 11", "Verdicts", 60);
  for (guint i = 0; i < G_N_ELEMENTS (vkeys); i++)
    {
      g_autofree char *l
          = g_strdup_printf ("%s: %s", verdict_label (vkeys[i]), s (legend, vkeys[i]));
      para (&d, "Sans 8", l);
    }
  d.y += 6;
  heading (&d, "Sans Bold 11", "Results by Test Case", 40);
  row_keep (&d, ccols, 7, chead, TRUE, 14);
  {
    gint64 total[5] = { 0 }, all = 0;
    guint n_c = cases != NULL ? json_array_get_length (cases) : 0;
    for (guint i = 0; i < n_c; i++)
      {
        JsonObject *o = json_array_get_object_element (cases, i);
        g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, num (o, "id"));
        char n[5][24];
        const char *cells[7];
        cells[0] = id;
        cells[1] = s (o, "name");
        for (guint v = 0; v < 5; v++)
          {
            g_snprintf (n[v], sizeof n[v], "%" G_GINT64_FORMAT, num (o, vkeys[v]));
            cells[2 + v] = n[v];
            total[v] += num (o, vkeys[v]);
            all += num (o, vkeys[v]);
          }
        /* the last case stays with the totals under it */
        row_keep (&d, ccols, 7, cells, FALSE, i + 1 == n_c ? 40 : 0);
      }
    {
      char n[5][24], pct[5][24];
      const char *tcells[7] = { "", "Total (all cases, all sessions)" };
      const char *pcells[7] = { "", "Share of all verdicts" };
      for (guint v = 0; v < 5; v++)
        {
          g_snprintf (n[v], sizeof n[v], "%" G_GINT64_FORMAT, total[v]);
          if (all > 0)
            g_snprintf (pct[v], sizeof pct[v], "%.1f %%", 100.0 * total[v] / all);
          else
            g_strlcpy (pct[v], "—", sizeof pct[v]);
          tcells[2 + v] = n[v];
          pcells[2 + v] = pct[v];
        }
      row_keep (&d, ccols, 7, tcells, TRUE, 14);
      row (&d, ccols, 7, pcells, FALSE);
    }
  }
  return doc_close (&d, path, error);
}
