/* inventory.h - `sluice inventory`: reads a cron + shell + PostgreSQL batch estate (crontabs,
 * the scripts they run, the SQL those run), derives each job's lineage, the job graph, schedule
 * hazards and a streaming-migration score, and writes them as text, JSON, DOT or HTML.
 * Public header of the inventory subsystem (prefix inv_). */
#ifndef SLUICE_INVENTORY_H
#define SLUICE_INVENTORY_H

#include <stdio.h>

#include "../base/base.h"

typedef struct inv_opts {
  const char *root;   /* --root DIR: absolute paths are read under DIR (NULL: "/") */
  const char *runs;   /* --runs FILE: run log */
  const char *config; /* --config FILE: scoring weights */
  const char **paths; /* crontabs, cron.d directories, scripts, SQL files */
  int npaths;
} inv_opts;

typedef struct inv_estate inv_estate;

/* Reads everything and analyses it. NULL with e set when an input cannot be read at all
 * (a missing path, a bad config or run log); problems inside the estate (a statement that
 * does not parse, a script that is not there) are diagnostics in the result. */
inv_estate *inv_read(const inv_opts *o, sl_error *e);
void inv_free(inv_estate *es);

void inv_write_text(FILE *f, const inv_estate *es);
void inv_write_json(FILE *f, const inv_estate *es);
void inv_write_dot(FILE *f, const inv_estate *es);
/* Self-contained HTML with the graph as SVG (Graphviz). 0, or -1 when Graphviz fails. */
int inv_write_html(FILE *f, const inv_estate *es);
/* Per job: reads, writes, temporaries, diagnostics - the form of the lineage test cases. */
void inv_write_lineage(FILE *f, const inv_estate *es);

#endif
