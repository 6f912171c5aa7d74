/* html.c - the inventory's self-contained HTML report: the job graph laid out by Graphviz
 * (libgvc, from the DOT output) and embedded as SVG, hazards highlighted (red edges and a
 * list), the jobs sorted by score with their reasons, external sources and dead ends. No
 * script, no external resource: readable offline. Must not touch: the analysis. */
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

static void esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    if (*s == '<')
      fputs("&lt;", f);
    else if (*s == '>')
      fputs("&gt;", f);
    else if (*s == '&')
      fputs("&amp;", f);
    else if (*s == '"')
      fputs("&quot;", f);
    else
      fputc(*s, f);
  }
}

static void names(FILE *f, const sql_names *l) {
  for (int i = 0; i < l->n; i++) {
    if (i) fputs(", ", f);
    esc(f, l->v[i]);
  }
}

static int by_score(const void *a, const void *b) {
  const inv_job *x = *(inv_job *const *)a, *y = *(inv_job *const *)b;
  return x->score != y->score ? y->score - x->score : strcmp(x->id, y->id);
}

/* The graph as SVG text (malloc'd), or NULL. */
static char *svg_of(const inv_estate *es) {
  char *dot = NULL;
  size_t dl = 0;
  FILE *m = open_memstream(&dot, &dl);
  if (!m) return NULL;
  inv_write_dot(m, es);
  fclose(m);
  GVC_t *gvc = gvContext();
  Agraph_t *g = agmemread(dot);
  free(dot);
  char *out = NULL;
  if (g && gvLayout(gvc, g, "dot") == 0) {
    char *r = NULL;
    unsigned int n = 0;
    if (gvRenderData(gvc, g, "svg", &r, &n) == 0 && r) {
      out = xstrndup(r, n);
      gvFreeRenderData(r);
    }
    gvFreeLayout(gvc, g);
  }
  if (g) agclose(g);
  gvFreeContext(gvc);
  return out;
}

int inv_write_html(FILE *f, const inv_estate *es) {
  char *svg = svg_of(es);
  if (!svg) return -1;
  const char *body = strstr(svg, "<svg"); /* drop the XML prolog and doctype */
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<title>sluice inventory</title>\n<style>\n"
        "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}\n"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px "
        "6px;vertical-align:top;text-align:left}th{background:#f0f0f0}\n"
        ".stream-now{background:#c8e6c9}.stream-with-rethinking{background:#fff3c4}"
        ".keep-batch{background:#eeeeee}\n.hazard{background:#ffebee;border-left:4px solid "
        "#c62828;padding:6px 10px;margin:6px 0}\n#graph svg{max-width:100%;height:auto}\n"
        "ul.reasons{margin:0;padding-left:1.2em}\n</style></head><body>\n"
        "<h1>sluice inventory</h1>\n",
        f);
  int ext = 0, dead = 0;
  for (int i = 0; i < es->ntables; i++) {
    ext += !es->tables[i].writers.n;
    dead += !es->tables[i].readers.n;
  }
  fprintf(f,
          "<p id=\"summary\">%d jobs, %d tables (%d external sources, %d dead ends), %d "
          "edges, %d hazards</p>\n",
          es->njobs, es->ntables, ext, dead, es->nedges, es->nhazards);
  fputs("<h2>Dependency graph</h2>\n<div id=\"graph\">\n", f);
  fputs(body ? body : svg, f);
  fputs("</div>\n<h2>Hazards</h2>\n<div id=\"hazards\">\n", f);
  if (!es->nhazards) fputs("<p>none</p>\n", f);
  for (int i = 0; i < es->nhazards; i++) {
    const inv_hazard *h = &es->hazards[i];
    fputs("<div class=\"hazard\"><b>", f);
    esc(f, h->kind);
    fputs("</b>: ", f);
    esc(f, es->jobs[h->a]->id);
    fputs(", ", f);
    esc(f, es->jobs[h->b]->id);
    fputs(" on ", f);
    names(f, &h->tables);
    fputs("<br>", f);
    esc(f, h->detail);
    fputs("</div>\n", f);
  }
  fputs("</div>\n<h2>Jobs by score</h2>\n<table id=\"jobs\"><tr><th>score</th><th>job</th>"
        "<th>class</th><th>schedule</th><th>reads</th><th>writes</th><th>opaque "
        "steps</th><th>reasons</th></tr>\n",
        f);
  inv_job **sorted = xmalloc(sizeof *sorted * (size_t)(es->njobs + 1));
  if (es->njobs) memcpy(sorted, es->jobs, sizeof *sorted * (size_t)es->njobs);
  if (es->njobs) qsort(sorted, (size_t)es->njobs, sizeof *sorted, by_score);
  for (int i = 0; i < es->njobs; i++) {
    const inv_job *j = sorted[i];
    fprintf(f, "<tr class=\"%s\"><td>%d</td><td>", j->cls, j->score);
    esc(f, j->id);
    fputs("<br><small>", f);
    esc(f, j->origin);
    fputs("</small></td><td>", f);
    esc(f, j->cls);
    fputs("</td><td>", f);
    esc(f, j->scheduled ? j->schedule : "");
    fputs("</td><td>", f);
    names(f, &j->reads);
    fputs("</td><td>", f);
    names(f, &j->writes);
    fputs("</td><td>", f);
    names(f, &j->opaque);
    fputs("</td><td><ul class=\"reasons\">", f);
    for (int r = 0; r < j->reasons.n; r++) {
      fputs("<li>", f);
      esc(f, j->reasons.v[r]);
      fputs("</li>", f);
    }
    fputs("</ul></td></tr>\n", f);
  }
  free(sorted);
  fputs("</table>\n<h2>Tables</h2>\n<table id=\"tables\"><tr><th>table</th><th>written "
        "by</th><th>read by</th><th></th></tr>\n",
        f);
  for (int i = 0; i < es->ntables; i++) {
    const inv_table *t = &es->tables[i];
    fputs("<tr><td>", f);
    esc(f, t->name);
    fputs("</td><td>", f);
    names(f, &t->writers);
    fputs("</td><td>", f);
    names(f, &t->readers);
    fprintf(f, "</td><td>%s%s</td></tr>\n", t->writers.n ? "" : "external source",
            t->readers.n ? "" : "dead end");
  }
  fputs("</table>\n", f);
  if (es->ndisabled || es->diagnostics.n) fputs("<h2>Notes</h2>\n<ul>\n", f);
  for (int i = 0; i < es->ndisabled; i++) {
    fputs("<li>disabled: ", f);
    esc(f, es->disabled[i].origin);
    fputs(": <code>", f);
    esc(f, es->disabled[i].line);
    fputs("</code></li>\n", f);
  }
  for (int i = 0; i < es->diagnostics.n; i++) {
    fputs("<li>", f);
    esc(f, es->diagnostics.v[i]);
    fputs("</li>\n", f);
  }
  if (es->ndisabled || es->diagnostics.n) fputs("</ul>\n", f);
  fputs("</body></html>\n", f);
  free(svg);
  return 0;
}
