/* output.c - the inventory's text, JSON (schema in docs/inventory.md), DOT and lineage
 * outputs. Must not touch: the analysis (it only prints the estate). */
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

static void jstr(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void jlist(FILE *f, const sql_names *l) {
  fputc('[', f);
  for (int i = 0; i < l->n; i++) {
    if (i) fputs(", ", f);
    jstr(f, l->v[i]);
  }
  fputc(']', f);
}

void inv_write_json(FILE *f, const inv_estate *es) {
  fputs("{\n  \"version\": 1,\n  \"jobs\": [", f);
  for (int i = 0; i < es->njobs; i++) {
    const inv_job *j = es->jobs[i];
    fputs(i ? ",\n    {" : "\n    {", f);
    fputs("\"id\": ", f), jstr(f, j->id);
    fputs(", \"origin\": ", f), jstr(f, j->origin);
    fputs(", \"schedule\": ", f), jstr(f, j->scheduled ? j->schedule : NULL);
    fputs(", \"user\": ", f), jstr(f, j->user);
    fputs(", \"command\": ", f), jstr(f, j->command);
    fputs(",\n     \"scripts\": ", f), jlist(f, &j->scripts);
    fputs(",\n     \"reads\": ", f), jlist(f, &j->reads);
    fputs(", \"writes\": ", f), jlist(f, &j->writes);
    fputs(",\n     \"files_in\": ", f), jlist(f, &j->files_in);
    fputs(", \"files_out\": ", f), jlist(f, &j->files_out);
    fputs(",\n     \"opaque\": ", f), jlist(f, &j->opaque);
    fprintf(f, ",\n     \"statements\": %d, \"unparsed\": %d, \"runs_per_day\": %.4g", j->nstmts,
            j->nunparsed, j->runs_per_day);
    fputs(",\n     \"class\": ", f), jstr(f, j->cls);
    fprintf(f, ", \"score\": %d, \"reasons\": ", j->score);
    jlist(f, &j->reasons);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"edges\": [", f);
  for (int i = 0; i < es->nedges; i++) {
    fputs(i ? ",\n    {\"from\": " : "\n    {\"from\": ", f);
    jstr(f, es->jobs[es->edges[i].from]->id);
    fputs(", \"to\": ", f), jstr(f, es->jobs[es->edges[i].to]->id);
    fputs(", \"tables\": ", f), jlist(f, &es->edges[i].tables);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"hazards\": [", f);
  for (int i = 0; i < es->nhazards; i++) {
    const inv_hazard *h = &es->hazards[i];
    fputs(i ? ",\n    {\"kind\": " : "\n    {\"kind\": ", f);
    jstr(f, h->kind);
    fputs(", \"jobs\": [", f), jstr(f, es->jobs[h->a]->id), fputs(", ", f);
    jstr(f, es->jobs[h->b]->id);
    fputs("], \"tables\": ", f), jlist(f, &h->tables);
    fputs(", \"detail\": ", f), jstr(f, h->detail);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"tables\": [", f);
  for (int i = 0; i < es->ntables; i++) {
    const inv_table *t = &es->tables[i];
    fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
    jstr(f, t->name);
    fputs(", \"writers\": ", f), jlist(f, &t->writers);
    fputs(", \"readers\": ", f), jlist(f, &t->readers);
    fprintf(f, ", \"external\": %s, \"dead_end\": %s}", t->writers.n ? "false" : "true",
            t->readers.n ? "false" : "true");
  }
  fputs("\n  ],\n  \"disabled\": [", f);
  for (int i = 0; i < es->ndisabled; i++) {
    fputs(i ? ",\n    {\"origin\": " : "\n    {\"origin\": ", f);
    jstr(f, es->disabled[i].origin);
    fputs(", \"line\": ", f), jstr(f, es->disabled[i].line);
    fputc('}', f);
  }
  fputs("\n  ],\n  \"diagnostics\": ", f);
  jlist(f, &es->diagnostics);
  fputs("\n}\n", f);
}

static void list_line(FILE *f, const char *label, const sql_names *l) {
  if (!l->n) return;
  fprintf(f, "    %-9s", label);
  for (int i = 0; i < l->n; i++) fprintf(f, "%s%s", i ? ", " : "", l->v[i]);
  fputc('\n', f);
}

static int by_score(const void *a, const void *b) {
  const inv_job *x = *(inv_job *const *)a, *y = *(inv_job *const *)b;
  return x->score != y->score ? y->score - x->score : strcmp(x->id, y->id);
}

void inv_write_text(FILE *f, const inv_estate *es) {
  int ext = 0, dead = 0;
  for (int i = 0; i < es->ntables; i++) {
    ext += !es->tables[i].writers.n;
    dead += !es->tables[i].readers.n;
  }
  fprintf(f, "%d jobs, %d tables (%d external sources, %d dead ends), %d edges, %d hazards\n",
          es->njobs, es->ntables, ext, dead, es->nedges, es->nhazards);
  inv_job **sorted = xmalloc(sizeof *sorted * (size_t)(es->njobs + 1));
  if (es->njobs) memcpy(sorted, es->jobs, sizeof *sorted * (size_t)es->njobs);
  if (es->njobs) qsort(sorted, (size_t)es->njobs, sizeof *sorted, by_score);
  fputs("\njobs (by score):\n", f);
  for (int i = 0; i < es->njobs; i++) {
    const inv_job *j = sorted[i];
    fprintf(f, "  %3d  %-24s %-22s %s\n", j->score, j->id, j->cls,
            j->scheduled ? j->schedule : "(not scheduled)");
    fprintf(f, "    %-9s%s\n", "from", j->origin);
    list_line(f, "reads", &j->reads);
    list_line(f, "writes", &j->writes);
    list_line(f, "exports", &j->files_out);
    list_line(f, "opaque", &j->opaque);
    for (int r = 0; r < j->reasons.n; r++) fprintf(f, "    - %s\n", j->reasons.v[r]);
  }
  free(sorted);
  if (es->nhazards) fputs("\nhazards:\n", f);
  for (int i = 0; i < es->nhazards; i++) {
    const inv_hazard *h = &es->hazards[i];
    fprintf(f, "  %s: %s, %s on", h->kind, es->jobs[h->a]->id, es->jobs[h->b]->id);
    for (int t = 0; t < h->tables.n; t++) fprintf(f, "%s %s", t ? "," : "", h->tables.v[t]);
    fprintf(f, "\n    %s\n", h->detail);
  }
  if (es->nedges) fputs("\nedges:\n", f);
  for (int i = 0; i < es->nedges; i++) {
    fprintf(f, "  %s -> %s:", es->jobs[es->edges[i].from]->id, es->jobs[es->edges[i].to]->id);
    for (int t = 0; t < es->edges[i].tables.n; t++)
      fprintf(f, "%s %s", t ? "," : "", es->edges[i].tables.v[t]);
    fputc('\n', f);
  }
  if (ext) fputs("\nexternal sources (nobody in the estate writes them):\n", f);
  for (int i = 0; i < es->ntables; i++)
    if (!es->tables[i].writers.n) fprintf(f, "  %s\n", es->tables[i].name);
  if (dead) fputs("\ndead ends (nobody in the estate reads them):\n", f);
  for (int i = 0; i < es->ntables; i++)
    if (!es->tables[i].readers.n) fprintf(f, "  %s\n", es->tables[i].name);
  if (es->ndisabled) fputs("\ndisabled (commented out):\n", f);
  for (int i = 0; i < es->ndisabled; i++)
    fprintf(f, "  %s: %s\n", es->disabled[i].origin, es->disabled[i].line);
  if (es->diagnostics.n) fputs("\ndiagnostics:\n", f);
  for (int i = 0; i < es->diagnostics.n; i++) fprintf(f, "  %s\n", es->diagnostics.v[i]);
}

static void dot_id(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void inv_write_dot(FILE *f, const inv_estate *es) {
  fputs("digraph inventory {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n", f);
  for (int i = 0; i < es->njobs; i++) {
    fputs("  ", f);
    dot_id(f, es->jobs[i]->id);
    fprintf(f, " [shape=box, style=filled, fillcolor=\"%s\", label=\"%s\\n%s %d\"];\n",
            !strcmp(es->jobs[i]->cls, "stream-now")   ? "#c8e6c9"
            : !strcmp(es->jobs[i]->cls, "keep-batch") ? "#eeeeee"
                                                      : "#fff3c4",
            es->jobs[i]->id, es->jobs[i]->cls, es->jobs[i]->score);
  }
  for (int i = 0; i < es->nedges; i++) {
    fputs("  ", f);
    dot_id(f, es->jobs[es->edges[i].from]->id);
    fputs(" -> ", f);
    dot_id(f, es->jobs[es->edges[i].to]->id);
    fputs(" [label=\"", f);
    for (int t = 0; t < es->edges[i].tables.n; t++)
      fprintf(f, "%s%s", t ? "\\n" : "", es->edges[i].tables.v[t]);
    bool hz = false;
    for (int h = 0; h < es->nhazards; h++)
      if ((es->hazards[h].a == es->edges[i].to && es->hazards[h].b == es->edges[i].from) ||
          (!strcmp(es->hazards[h].kind, "write-race") && es->hazards[h].a == es->edges[i].from &&
           es->hazards[h].b == es->edges[i].to))
        hz = true; /* the edge of a hazard (both edges between racing writers) */
    fprintf(f, "\"%s];\n", hz ? ", color=red, penwidth=2" : "");
  }
  fputs("}\n", f);
}

void inv_write_lineage(FILE *f, const inv_estate *es) {
  for (int i = 0; i < es->njobs; i++) {
    const inv_job *j = es->jobs[i];
    const char *pre = es->njobs > 1 ? arena_printf((sl_arena *)&es->a, "[%s] ", j->id) : "";
    fprintf(f, "%sreads:", pre);
    for (int k = 0; k < j->reads.n; k++) fprintf(f, " %s", j->reads.v[k]);
    fprintf(f, "\n%swrites:", pre);
    for (int k = 0; k < j->writes.n; k++) fprintf(f, " %s", j->writes.v[k]);
    fputc('\n', f);
  }
  for (int i = 0; i < es->diagnostics.n; i++) {
    const char *d = es->diagnostics.v[i];
    const char *c = strstr(d, ": ");
    const char *colon = strchr(d, ':');
    /* "file:line: msg" prints as "error line N: msg" (the file varies between runs) */
    if (colon && c && colon < c)
      fprintf(f, "error line %.*s\n", (int)(strlen(colon + 1)), colon + 1);
    else
      fprintf(f, "error %s\n", d);
  }
}
