/* shell_int.h - what shell.c (words, expansion, commands) and shell_run.c (control flow,
 * psql and pg_dump) share. Internal to src/inventory/. */
#ifndef SLUICE_INV_SHELL_INT_H
#define SLUICE_INV_SHELL_INT_H

#include "inv_int.h"

enum { T_WORD, T_OP, T_NL };
typedef struct stok {
  int kind, line;
  const char *text; /* word: raw (quotes kept); op: the operator */
  const char *here; /* << and <<-: the document; NULL otherwise */
  bool here_quoted;
} stok;

typedef struct sfunc {
  const char *name;
  stok *t;
  int n;
  const char *file;
} sfunc;

typedef struct sctx {
  inv_estate *es;
  inv_job *job;
  const char *file;   /* for messages and $0 */
  const char *origin; /* the crontab line of a cron command (its own "file:line") */
  const char *cwd;    /* NULL: unknown */
  const char **vn, **vv;
  int nv, capv;
  const char **args; /* $1.. */
  int nargs;
  sfunc *funcs;
  int nfuncs, capfuncs;
  int depth;
} sctx;

typedef struct scmd {
  const char **w;
  int n, cap;
  const char *in_file, *in_text, *out_file;
  int line;
} scmd;

#define INV_FS '\x1f' /* separates the fields made by unquoted expansions */

const char *inv_sh_var_get(sctx *c, const char *n, size_t len);
void inv_sh_var_set(sctx *c, const char *n, size_t len, const char *v);
stok *inv_sh_tokenize(sctx *c, const char *s, int line, int *ntok);
char *inv_sh_expand(sctx *c, const char *s, bool split, bool in_dq);
char *inv_sh_expand_doc(sctx *c, const char *s);
void inv_sh_add_word(scmd *m, const char *w);
void inv_sh_add_fields(sctx *c, scmd *m, const char *raw);
const char *inv_sh_where(sctx *c, int line);
const char *inv_sh_cmd_text(sctx *c, const scmd *m, int from);
void inv_sh_opaque(sctx *c, const scmd *m, int from, const char *why);
const char *inv_sh_find_file(sctx *c, const char *p);
const char *inv_sh_exec(sctx *c, scmd *m, bool *out_is_file);
void inv_sh_script(sctx *c, const char *path, const scmd *m, int argi, bool source);
void inv_sh_text(sctx *c, const char *text, const char *file, int line);
void inv_sh_tokens(sctx *c, stok *t, int lo, int hi);
void inv_sh_psql(sctx *c, const scmd *m, int i0);
void inv_sh_pg_dump(sctx *c, const scmd *m, int i0);

#endif
