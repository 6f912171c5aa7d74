/* shell_run.c - the control flow of shell text for the inventory (lists, pipelines, if/for/
 * while/case, function definitions, redirections, here-documents) and the two commands that
 * touch the database: psql (-c, -f, -v, stdin, here-documents, -o) and pg_dump (-t, -n, -f).
 * Must not touch: word expansion (shell.c), SQL (psql.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "shell_int.h"

static bool wis(const stok *k, const char *w) { return k->kind == T_WORD && !strcmp(k->text, w); }
static bool ois(const stok *k, const char *o) { return k->kind == T_OP && !strcmp(k->text, o); }

static bool separator(const stok *k) {
  return k->kind == T_NL || ois(k, ";") || ois(k, "&&") || ois(k, "||") || ois(k, "&") ||
         ois(k, "|") || ois(k, ";;") || ois(k, ")") || ois(k, "(");
}

/* The index of the token closing a { } or ( ) group opened at t[i]. */
static int group_end(stok *t, int i, int hi) {
  bool brace = wis(&t[i], "{");
  int d = 0;
  for (int j = i; j < hi; j++) {
    if (brace ? wis(&t[j], "{") : ois(&t[j], "(")) d++;
    if ((brace ? wis(&t[j], "}") : ois(&t[j], ")")) && --d == 0) return j;
  }
  return hi;
}

static void define(sctx *c, const char *name, stok *t, int lo, int hi) {
  if (c->nfuncs == c->capfuncs) {
    c->capfuncs = c->capfuncs ? c->capfuncs * 2 : 16;
    c->funcs = xrealloc(c->funcs, sizeof *c->funcs * (size_t)c->capfuncs);
  }
  int n = hi - lo;
  stok *copy = arena_alloc(&c->es->a, sizeof *copy * (size_t)(n > 0 ? n : 1));
  if (n > 0) memcpy(copy, t + lo, sizeof *copy * (size_t)n);
  c->funcs[c->nfuncs++] = (sfunc){arena_strdup(&c->es->a, name), copy, n, c->file};
}

void inv_sh_tokens(sctx *c, stok *t, int lo, int hi) {
  const char *pipe_out = NULL;
  bool pipe_file = false, piped = false, case_pat = false;
  for (int i = lo; i < hi;) {
    stok *k = &t[i];
    if (case_pat) { /* a case pattern: up to its ')' */
      if (wis(k, "esac")) {
        case_pat = false;
        i++;
        continue;
      }
      if (ois(k, ")")) case_pat = false;
      i++;
      continue;
    }
    if (ois(k, ";;")) {
      case_pat = true;
      i++;
      continue;
    }
    if (separator(k)) {
      piped = ois(k, "|");
      if (!piped) pipe_out = NULL;
      i++;
      continue;
    }
    if (k->kind == T_WORD) {
      const char *w = k->text;
      if (!strcmp(w, "if") || !strcmp(w, "then") || !strcmp(w, "else") || !strcmp(w, "elif") ||
          !strcmp(w, "do") || !strcmp(w, "while") || !strcmp(w, "until") || !strcmp(w, "!") ||
          !strcmp(w, "{") || !strcmp(w, "}") || !strcmp(w, "fi") || !strcmp(w, "done") ||
          !strcmp(w, "esac")) {
        i++;
        continue;
      }
      if (!strcmp(w, "for") || !strcmp(w, "select")) {
        while (i < hi && !wis(&t[i], "do")) i++;
        continue;
      }
      if (!strcmp(w, "case")) {
        while (i < hi && !wis(&t[i], "in")) i++;
        i++;
        case_pat = true;
        continue;
      }
      if (!strcmp(w, "[[")) {
        while (i < hi && !wis(&t[i], "]]")) i++;
        i++;
        continue;
      }
      bool fn = false;
      const char *name = NULL;
      int b = i;
      if (!strcmp(w, "function") && i + 1 < hi && t[i + 1].kind == T_WORD) {
        name = t[i + 1].text;
        b = i + 2;
        if (b < hi && ois(&t[b], "()")) b++;
        fn = true;
      } else if (i + 1 < hi && ois(&t[i + 1], "()")) {
        name = w;
        b = i + 2;
        fn = true;
      }
      if (fn) {
        while (b < hi && t[b].kind == T_NL) b++;
        if (b < hi && (wis(&t[b], "{") || ois(&t[b], "("))) {
          int e = group_end(t, b, hi);
          define(c, name, t, b + 1, e);
          i = e + 1;
          continue;
        }
      }
    }
    /* a simple command: words and redirections up to a separator */
    scmd m = {0};
    m.line = k->line;
    while (i < hi && !separator(&t[i])) {
      stok *x = &t[i];
      if (x->kind == T_WORD) {
        if (m.n == 0 && (wis(x, "then") || wis(x, "do") || wis(x, "else"))) {
          i++;
          continue;
        }
        if (m.n == 0 && (wis(x, "fi") || wis(x, "done") || wis(x, "esac") || wis(x, "}"))) {
          i++;
          continue;
        }
        inv_sh_add_fields(c, &m, x->text);
        i++;
        continue;
      }
      const char *op = x->text;
      if (!strcmp(op, "<<") || !strcmp(op, "<<-")) {
        m.in_text = x->here_quoted ? x->here : inv_sh_expand_doc(c, x->here ? x->here : "");
        i++;
        continue;
      }
      const char *arg = i + 1 < hi && t[i + 1].kind == T_WORD
                            ? inv_sh_expand(c, t[i + 1].text, false, false)
                            : NULL;
      if (!strcmp(op, "<<<"))
        m.in_text = arg;
      else if (!strcmp(op, "<"))
        m.in_file = arg;
      else if ((!strcmp(op, ">") || !strcmp(op, ">>") || !strcmp(op, "&>")) && arg &&
               strcmp(arg, "/dev/null"))
        m.out_file = arg;
      i += arg ? 2 : 1;
    }
    if (piped && pipe_out && !m.in_file && !m.in_text) {
      if (pipe_file)
        m.in_file = pipe_out;
      else
        m.in_text = pipe_out;
    }
    bool is_file = false;
    pipe_out = m.n ? inv_sh_exec(c, &m, &is_file) : NULL;
    pipe_file = is_file;
    free(m.w);
  }
}

void inv_sh_text(sctx *c, const char *text, const char *file, int line) {
  if (c->depth > 24) return;
  c->depth++;
  int n;
  stok *t = inv_sh_tokenize(c, text, line ? line : 1, &n);
  const char *sf = c->file;
  c->file = file;
  inv_sh_tokens(c, t, 0, n);
  c->file = sf;
  free(t);
  c->depth--;
}

/* ---- psql and pg_dump ---- */

static const char *opt_arg(const scmd *m, int *k, const char *lng, char shrt, const char **cl) {
  const char *w = m->w[*k];
  size_t ll = strlen(lng);
  if (!strncmp(w, lng, ll) && w[ll] == '=') return w + ll + 1;
  if (!strcmp(w, lng)) return *k + 1 < m->n ? m->w[++*k] : NULL;
  (void)shrt;
  (void)cl;
  return NULL;
}

void inv_sh_psql(sctx *c, const scmd *m, int i0) {
  inv_estate *es = c->es;
  inv_psql *s = inv_psql_begin(es, c->job);
  const char *where = inv_sh_where(c, m->line);
  bool any = false;
  /* first pass: variables (psql sets them before running anything) */
  for (int k = i0; k < m->n; k++) {
    const char *w = m->w[k], *v = NULL;
    if ((v = opt_arg(m, &k, "--set", 0, NULL)) || (v = opt_arg(m, &k, "--variable", 0, NULL)) ||
        (!strcmp(w, "-v") && k + 1 < m->n && (v = m->w[++k])) ||
        (!strncmp(w, "-v", 2) && w[2] && (v = w + 2))) {
      const char *eq = strchr(v, '=');
      if (eq) inv_psql_var(s, arena_strndup(&es->a, v, (size_t)(eq - v)), eq + 1);
    }
  }
  for (int k = i0; k < m->n; k++) {
    const char *w = m->w[k], *v;
    if ((v = opt_arg(m, &k, "--command", 0, NULL))) {
      inv_psql_text(s, v, strlen(v), where, 0, c->cwd);
      any = true;
    } else if ((v = opt_arg(m, &k, "--file", 0, NULL))) {
      inv_psql_file(s, v, c->cwd, where, 0);
      any = true;
    } else if ((v = opt_arg(m, &k, "--output", 0, NULL))) {
      sql_names_add(&es->a, &c->job->files_out, v);
    } else if (w[0] == '-' && w[1] != '-' && w[1]) {
      for (int j = 1; w[j]; j++) { /* clustered short options: -qtAc "..." */
        char o = w[j];
        if (!strchr("cdfFhLopPRTUv", o)) continue;
        const char *a = w[j + 1] ? w + j + 1 : (k + 1 < m->n ? m->w[++k] : NULL);
        if (!a) break;
        if (o == 'c') {
          inv_psql_text(s, a, strlen(a), where, 0, c->cwd);
          any = true;
        } else if (o == 'f') {
          if (strcmp(a, "-")) inv_psql_file(s, a, c->cwd, where, 0);
          any = strcmp(a, "-") != 0;
        } else if (o == 'o') {
          sql_names_add(&es->a, &c->job->files_out, a);
        }
        break;
      }
    }
  }
  if (!any) {
    if (m->in_text) {
      inv_psql_text(s, m->in_text, strlen(m->in_text), where, 0, c->cwd);
    } else if (m->in_file) {
      inv_psql_file(s, m->in_file, c->cwd, where, 0);
    } else {
      inv_sh_opaque(c, m, i0 - 1, "psql without -c, -f or input the inventory can see");
    }
  }
  if (m->out_file) sql_names_add(&es->a, &c->job->files_out, m->out_file);
}

void inv_sh_pg_dump(sctx *c, const scmd *m, int i0) {
  inv_estate *es = c->es;
  bool any = false;
  for (int k = i0; k < m->n; k++) {
    const char *w = m->w[k], *v = NULL;
    bool table = false, schema = false, file = false;
    if ((v = opt_arg(m, &k, "--table", 0, NULL)))
      table = true;
    else if ((v = opt_arg(m, &k, "--schema", 0, NULL)))
      schema = true;
    else if ((v = opt_arg(m, &k, "--file", 0, NULL)))
      file = true;
    else if (w[0] == '-' && w[1] && strchr("tnfTNdFhpUjZE", w[1])) {
      v = w[2] ? w + 2 : (k + 1 < m->n ? m->w[++k] : NULL);
      table = w[1] == 't';
      schema = w[1] == 'n';
      file = w[1] == 'f';
    }
    if (!v) continue;
    if (table || schema) {
      char *n = arena_strdup(&es->a, v);
      bool q = n[0] == '"';
      if (q) {
        n++;
        n[strlen(n) - 1] = 0;
      } else {
        for (char *p = n; *p; p++) *p = (char)tolower((unsigned char)*p);
      }
      if (!strncmp(n, "public.", 7)) n += 7;
      sql_names_add(&es->a, &c->job->reads, schema ? arena_printf(&es->a, "%s.*", n) : n);
      any = true;
    }
    if (file) sql_names_add(&es->a, &c->job->files_out, v);
  }
  if (m->out_file) sql_names_add(&es->a, &c->job->files_out, m->out_file);
  c->job->flags |= SQL_PG_EXPORT;
  if (!any) inv_sh_opaque(c, m, i0 - 1, "pg_dump of a whole database");
}

/* ---- entry points ---- */

static void ctx_free(sctx *c) {
  free(c->vn);
  free(c->vv);
  free(c->funcs);
}

void inv_shell_command(inv_estate *es, inv_job *job, const char *cmd, const char *input,
                       const sql_names *env_names, const sql_names *env_values,
                       const char *origin) {
  sctx c = {0};
  c.es = es;
  c.job = job;
  c.file = origin;
  c.origin = origin;
  c.cwd = NULL;
  for (int i = 0; env_names && i < env_names->n; i++)
    inv_sh_var_set(&c, env_names->v[i], strlen(env_names->v[i]), env_values->v[i]);
  const char *home = inv_sh_var_get(&c, "HOME", 4);
  c.cwd = home; /* cron runs a job in its user's home directory */
  if (input) {  /* crontab %: the command's standard input */
    int n;
    stok *t = inv_sh_tokenize(&c, cmd, 1, &n);
    /* attach the input as a here-string to the last command */
    stok *t2 = xrealloc(t, sizeof *t * (size_t)(n + 2));
    t2[n - 1] = (stok){T_OP, 1, "<<-", input, true};
    t2[n] = (stok){T_NL, 1, "\n", NULL, false};
    inv_sh_tokens(&c, t2, 0, n + 1);
    free(t2);
  } else {
    inv_sh_text(&c, cmd, origin, 0);
  }
  ctx_free(&c);
}

void inv_shell_script(inv_estate *es, inv_job *job, const char *path, const char *origin) {
  sctx c = {0};
  c.es = es;
  c.job = job;
  c.file = origin;
  const char *sl = strrchr(path, '/');
  c.cwd = sl ? arena_strndup(&es->a, path, (size_t)(sl - path)) : ".";
  inv_sh_script(&c, path, NULL, 0, false);
  ctx_free(&c);
}
