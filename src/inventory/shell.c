/* shell.c - shell commands and scripts for the inventory, followed as far as text allows:
 * words, quotes, $VAR / ${VAR:-default} / ${VAR:=default} with values known from the crontab,
 * assignments and sourced files, shell functions, && / || / ; / | chains, here-documents
 * (quoted and unquoted), scripts that run scripts, and the commands that touch the database
 * (psql -f / -c / stdin, pg_dump). Anything it cannot see into is an opaque step of the job.
 * Must not touch: SQL (psql.c), schedules (cron.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inv_int.h"

#include "shell_int.h"

/* ---- variables ---- */

const char *inv_sh_var_get(sctx *c, const char *n, size_t len) {
  if (len == 1 && isdigit((unsigned char)n[0])) {
    int k = n[0] - '0';
    if (k == 0) return c->file;
    return k <= c->nargs ? c->args[k - 1] : NULL;
  }
  for (int i = c->nv - 1; i >= 0; i--)
    if (strlen(c->vn[i]) == len && !memcmp(c->vn[i], n, len)) return c->vv[i];
  if (len == 4 && !memcmp(n, "HOME", 4) && c->job->user)
    return !strcmp(c->job->user, "root") ? "/root"
                                         : arena_printf(&c->es->a, "/home/%s", c->job->user);
  return NULL;
}

void inv_sh_var_set(sctx *c, const char *n, size_t len, const char *v) {
  if (c->nv == c->capv) {
    c->capv = c->capv ? c->capv * 2 : 32;
    c->vn = xrealloc(c->vn, sizeof *c->vn * (size_t)c->capv);
    c->vv = xrealloc(c->vv, sizeof *c->vv * (size_t)c->capv);
  }
  c->vn[c->nv] = arena_strndup(&c->es->a, n, len);
  c->vv[c->nv++] = arena_strdup(&c->es->a, v);
}

/* ---- tokens ---- */

static void push_tok(stok **t, int *n, int *cap, stok k) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    *t = xrealloc(*t, sizeof **t * (size_t)*cap);
  }
  (*t)[(*n)++] = k;
}

/* The end of a $( ... ) or ` ... ` or quoted part starting at s[i]. */
static size_t skip_part(const char *s, size_t i, size_t n) {
  char c = s[i];
  if (c == '\'') {
    i++;
    while (i < n && s[i] != '\'') i++;
    return i + 1;
  }
  if (c == '"' || c == '`') {
    i++;
    while (i < n && s[i] != c) {
      if (s[i] == '\\')
        i++;
      else if (c == '"' && s[i] == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
        i = skip_part(s, i, n);
        continue;
      }
      i++;
    }
    return i + 1;
  }
  if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
    char o = s[i + 1], cl = o == '(' ? ')' : '}';
    int d = 0;
    i++;
    while (i < n) {
      if (s[i] == o)
        d++;
      else if (s[i] == cl && --d == 0)
        return i + 1;
      else if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
        i = skip_part(s, i, n);
        continue;
      } else if (s[i] == '\\')
        i++;
      i++;
    }
    return n;
  }
  return i + 1;
}

/* The length of what is between a part's opener (open bytes at s[i]) and its closer at
 * s[*e - 1], when it has one (an unterminated part runs to the end); *e is kept within n. */
static size_t part_inner(const char *s, size_t n, size_t i, size_t *e, size_t open, char close) {
  if (*e > n) *e = n;
  if (*e <= i + open) return 0;
  size_t len = *e - i - open;
  return s[*e - 1] == close ? len - 1 : len;
}

stok *inv_sh_tokenize(sctx *c, const char *s, int line, int *ntok) {
  size_t n = strlen(s);
  stok *t = NULL;
  int cnt = 0, cap = 0;
  int pending[16], npend = 0; /* here-documents waiting for the end of the line */
  for (size_t i = 0; i < n;) {
    char ch = s[i];
    if (ch == '\\' && i + 1 < n && s[i + 1] == '\n') {
      i += 2;
      line++;
      continue;
    }
    if (ch != '\n' && isspace((unsigned char)ch)) { /* blanks, and \r \v \f */
      i++;
      continue;
    }
    if (ch == '#') {
      while (i < n && s[i] != '\n') i++;
      continue;
    }
    if (ch == '\n') {
      push_tok(&t, &cnt, &cap, (stok){T_NL, line, "\n", NULL, false});
      i++;
      line++;
      for (int k = 0; k < npend; k++) { /* read the documents */
        stok *h = &t[pending[k]];
        const char *d = h->here;
        bool strip = h->text[2] == '-';
        sl_buf b = {0};
        while (i < n) {
          size_t e = i;
          while (e < n && s[e] != '\n') e++;
          size_t ls = i;
          if (strip)
            while (ls < e && s[ls] == '\t') ls++;
          line++;
          if (e - ls == strlen(d) && !memcmp(s + ls, d, e - ls)) {
            i = e < n ? e + 1 : e;
            break;
          }
          buf_put(&b, s + ls, e - ls);
          buf_putc(&b, '\n');
          i = e < n ? e + 1 : e;
        }
        h->here = arena_strndup(&c->es->a, b.len ? buf_cstr(&b) : "", b.len);
        buf_free(&b);
      }
      npend = 0;
      continue;
    }
    static const char *const ops[] = {"<<<", "<<-", "&&", "||", ";;", "<<", ">>", ">&", "&>",
                                      "|",   ";",   "&",  "<",  ">",  "(",  ")",  NULL};
    const char *op = NULL;
    for (int k = 0; ops[k]; k++)
      if (!strncmp(s + i, ops[k], strlen(ops[k]))) {
        op = ops[k];
        break;
      }
    if (op) {
      i += strlen(op);
      stok k = {T_OP, line, op, NULL, false};
      if (!strcmp(op, "<<") || !strcmp(op, "<<-")) { /* the delimiter word */
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        size_t ws = i;
        bool q = false;
        sl_buf d = {0};
        while (i < n && !isspace((unsigned char)s[i]) && !strchr(";|&<>()", s[i])) {
          if (s[i] == '\'' || s[i] == '"') {
            q = true;
            size_t e = skip_part(s, i, n);
            buf_put(&d, s + i + 1, part_inner(s, n, i, &e, 1, s[i]));
            i = e;
          } else {
            if (s[i] == '\\') q = true, i++;
            buf_putc(&d, s[i++]);
          }
        }
        (void)ws;
        k.here = arena_strdup(&c->es->a, d.len ? buf_cstr(&d) : "EOF");
        k.here_quoted = q;
        buf_free(&d);
        push_tok(&t, &cnt, &cap, k);
        if (npend < 16) pending[npend++] = cnt - 1;
      } else {
        push_tok(&t, &cnt, &cap, k);
      }
      continue;
    }
    size_t st = i;
    while (i < n && !isspace((unsigned char)s[i]) && !strchr(";|&<>()", s[i])) {
      if (s[i] == '\'' || s[i] == '"' || s[i] == '`' ||
          (s[i] == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{'))) {
        i = skip_part(s, i, n);
        if (i > n) i = n;
      } else if (s[i] == '\\' && i + 1 < n) {
        i += 2;
      } else {
        i++;
      }
    }
    if (i == st) { /* nothing a word can start with: never loop on it */
      i++;
      continue;
    }
    bool digits = i > st;
    for (size_t k = st; k < i; k++) digits &= isdigit((unsigned char)s[k]) != 0;
    if (digits && i < n && (s[i] == '<' || s[i] == '>')) continue;        /* 2>&1: a descriptor */
    if (i < n && s[i] == '(' && i + 1 < n && s[i + 1] == ')' && i > st) { /* name() */
      push_tok(&t, &cnt, &cap,
               (stok){T_WORD, line, arena_strndup(&c->es->a, s + st, i - st), NULL, false});
      push_tok(&t, &cnt, &cap, (stok){T_OP, line, "()", NULL, false});
      i += 2;
      continue;
    }
    push_tok(&t, &cnt, &cap,
             (stok){T_WORD, line, arena_strndup(&c->es->a, s + st, i - st), NULL, false});
  }
  push_tok(&t, &cnt, &cap, (stok){T_NL, line, "\n", NULL, false});
  *ntok = cnt;
  return t;
}

/* ---- expansion ---- */

#define FS '\x1f' /* separates fields made by unquoted expansions */

static const char *dirname_of(sctx *c, const char *p) {
  const char *sl = strrchr(p, '/');
  if (!sl) return ".";
  if (sl == p) return "/";
  return arena_strndup(&c->es->a, p, (size_t)(sl - p));
}

char *inv_sh_expand(sctx *c, const char *s, bool split, bool in_dq);

/* $( ... ): a few are evaluated (dirname, basename, pwd, cd X && pwd); all are run for
 * their side effects on lineage (a psql inside counts). NULL when the value is unknown. */
static const char *cmdsubst(sctx *c, const char *body, int line) {
  inv_sh_text(c, body, c->file, line);
  const char *b = body;
  while (*b == ' ') b++;
  char *x = inv_sh_expand(c, b, false, false);
  for (char *p = x; *p; p++)
    if (*p == FS) *p = ' ';
  if (!strncmp(x, "dirname ", 8)) return dirname_of(c, x + 8);
  if (!strncmp(x, "basename ", 9)) {
    const char *sl = strrchr(x + 9, '/');
    return sl ? sl + 1 : x + 9;
  }
  if (!strcmp(x, "pwd")) return c->cwd;
  if (!strncmp(x, "cd ", 3)) {
    char *e = strstr(x, "&&");
    if (!e) e = strchr(x, ';');
    if (e && strstr(e, "pwd")) {
      while (e > x + 3 && e[-1] == ' ') e--;
      return arena_strndup(&c->es->a, x + 3, (size_t)(e - x - 3));
    }
  }
  return NULL;
}

static void put_value(sl_buf *b, const char *v, bool split) {
  for (; *v; v++) buf_putc(b, split && (*v == ' ' || *v == '\t' || *v == '\n') ? FS : *v);
}

/* Expands one word (quotes removed). Unknown variables stay as ${NAME}. */
char *inv_sh_expand(sctx *c, const char *s, bool split, bool in_dq) {
  sl_buf b = {0};
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    char ch = s[i];
    if (ch == '\'' && !in_dq) {
      size_t e = skip_part(s, i, n);
      buf_put(&b, s + i + 1, part_inner(s, n, i, &e, 1, '\''));
      i = e;
    } else if (ch == '"' && !in_dq) {
      size_t e = skip_part(s, i, n);
      char *in = arena_strndup(&c->es->a, s + i + 1, part_inner(s, n, i, &e, 1, '"'));
      if (!strcmp(in, "$@")) { /* "$@": one field per argument */
        for (int k = 0; k < c->nargs; k++) {
          if (k) buf_putc(&b, FS);
          buf_puts(&b, c->args[k]);
        }
      } else {
        buf_puts(&b, inv_sh_expand(c, in, false, true));
      }
      i = e;
    } else if (ch == '\\' && i + 1 < n) {
      buf_putc(&b, s[i + 1]);
      i += 2;
    } else if (ch == '$' && i + 1 < n && s[i + 1] == '(' && !(i + 2 < n && s[i + 2] == '(')) {
      size_t e = skip_part(s, i, n);
      const char *v =
          cmdsubst(c, arena_strndup(&c->es->a, s + i + 2, part_inner(s, n, i, &e, 2, ')')), 0);
      if (v)
        put_value(&b, v, split && !in_dq);
      else
        buf_put(&b, s + i, e - i);
      i = e;
    } else if (ch == '`') {
      size_t e = skip_part(s, i, n);
      const char *v =
          cmdsubst(c, arena_strndup(&c->es->a, s + i + 1, part_inner(s, n, i, &e, 1, '`')), 0);
      if (v)
        put_value(&b, v, split && !in_dq);
      else
        buf_put(&b, s + i, e - i);
      i = e;
    } else if (ch == '$' && i + 1 < n && s[i + 1] == '{') {
      size_t e = skip_part(s, i, n);
      const char *in = s + i + 2;
      size_t inl = part_inner(s, n, i, &e, 2, '}'), nl = 0;
      while (nl < inl && (isalnum((unsigned char)in[nl]) || in[nl] == '_')) nl++;
      const char *v = inv_sh_var_get(c, in, nl);
      const char *op = in + nl;
      if (nl < inl && (op[0] == ':' || op[0] == '-' || op[0] == '=')) {
        bool colon = op[0] == ':';
        char o = colon ? op[1] : op[0];
        const char *w = op + (colon ? 2 : 1);
        char *def =
            inv_sh_expand(c, arena_strndup(&c->es->a, w, (size_t)(in + inl - w)), false, in_dq);
        bool unset = !v || (colon && !*v);
        if ((o == '-' || o == '=') && unset) {
          if (o == '=') inv_sh_var_set(c, in, nl, def);
          v = def;
        } else if (o == '+') {
          v = unset ? "" : def;
        }
      }
      if (v)
        put_value(&b, v, split && !in_dq);
      else
        buf_put(&b, s + i, e - i);
      i = e;
    } else if (ch == '$' && i + 1 < n && (isalnum((unsigned char)s[i + 1]) || s[i + 1] == '_')) {
      size_t e = i + 1;
      if (isdigit((unsigned char)s[e]))
        e++;
      else
        while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_')) e++;
      const char *v = inv_sh_var_get(c, s + i + 1, e - i - 1);
      if (v)
        put_value(&b, v, split && !in_dq);
      else
        buf_printf(&b, "${%.*s}", (int)(e - i - 1), s + i + 1);
      i = e;
    } else if (ch == '$' && i + 1 < n && s[i + 1] == '@') {
      for (int k = 0; k < c->nargs; k++) {
        if (k) buf_putc(&b, FS);
        buf_puts(&b, c->args[k]);
      }
      i += 2;
    } else {
      buf_putc(&b, ch);
      i++;
    }
  }
  char *r = arena_strndup(&c->es->a, b.len ? buf_cstr(&b) : "", b.len);
  buf_free(&b);
  return r;
}

/* Here-document text: only $ and \ expansions (quotes are text). */
char *inv_sh_expand_doc(sctx *c, const char *s) {
  sl_buf b = {0};
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    if (s[i] == '$' || s[i] == '`' || (s[i] == '\\' && i + 1 < n && strchr("$`\\", s[i + 1]))) {
      size_t e = s[i] == '\\' ? i + 2
                 : s[i] == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')
                     ? skip_part(s, i, n)
                     : i + 1;
      if (s[i] == '$' && e == i + 1)
        while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_')) e++;
      if (s[i] == '`') e = skip_part(s, i, n);
      if (e > n) e = n;
      buf_puts(&b, inv_sh_expand(c, arena_strndup(&c->es->a, s + i, e - i), false, true));
      i = e;
    } else {
      buf_putc(&b, s[i++]);
    }
  }
  char *r = arena_strndup(&c->es->a, b.len ? buf_cstr(&b) : "", b.len);
  buf_free(&b);
  return r;
}

/* ---- commands ---- */

void inv_sh_add_word(scmd *m, const char *w) {
  if (m->n + 1 >= m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    m->w = xrealloc(m->w, sizeof *m->w * (size_t)m->cap);
  }
  m->w[m->n++] = w;
  m->w[m->n] = NULL;
}

void inv_sh_add_fields(sctx *c, scmd *m, const char *raw) {
  char *x = inv_sh_expand(c, raw, true, false);
  bool quoted = strchr(raw, '\'') || strchr(raw, '"');
  char *p = x;
  for (;;) {
    char *e = strchr(p, FS);
    if (e) *e = 0;
    if (*p || (quoted && !e && p == x)) inv_sh_add_word(m, p);
    if (!e) break;
    p = e + 1;
  }
}

const char *inv_sh_where(sctx *c, int line) {
  return line && c->file != c->origin ? arena_printf(&c->es->a, "%s:%d", c->file, line) : c->file;
}

const char *inv_sh_cmd_text(sctx *c, const scmd *m, int from) {
  sl_buf b = {0};
  for (int i = from; i < m->n; i++) {
    if (i > from) buf_putc(&b, ' ');
    buf_puts(&b, m->w[i]);
  }
  const char *r = arena_strndup(&c->es->a, b.len ? buf_cstr(&b) : "", b.len > 300 ? 300 : b.len);
  buf_free(&b);
  return r;
}

void inv_sh_opaque(sctx *c, const scmd *m, int from, const char *why) {
  sql_names_add(&c->es->a, &c->job->opaque,
                arena_printf(&c->es->a, "%s (%s, %s)", inv_sh_cmd_text(c, m, from), why,
                             inv_sh_where(c, m->line)));
}

/* A path as the script would open it: absolute, or relative to the current directory, else
 * to the script's own directory. The path without --root, or NULL when no such file. */
const char *inv_sh_find_file(sctx *c, const char *p) {
  struct stat sb;
  if (strstr(p, "${") || strstr(p, "$(")) return NULL;
  const char *cands[3] = {p[0] == '/' ? p : NULL, NULL, NULL};
  if (p[0] != '/') {
    if (c->cwd) cands[1] = arena_printf(&c->es->a, "%s/%s", c->cwd, p);
    cands[2] = arena_printf(&c->es->a, "%s/%s", dirname_of(c, c->file), p);
  }
  for (int k = 0; k < 3; k++) {
    if (!cands[k]) continue;
    const char *q = cands[k];
    while (!strncmp(q, "./", 2)) q += 2;
    char *norm = arena_strdup(&c->es->a, q);
    for (char *d; (d = strstr(norm, "/./"));) memmove(d, d + 2, strlen(d + 2) + 1);
    if (stat(inv_path(c->es, norm), &sb) == 0 && S_ISREG(sb.st_mode)) return norm;
  }
  return NULL;
}

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

static bool is_shell_file(sctx *c, const char *path) {
  if (has_suffix(path, ".sh") || has_suffix(path, ".bash")) return true;
  size_t n;
  char *t = inv_read_file(c->es, path, &n);
  if (t) c->es->files_read.n--;
  if (!t || strncmp(t, "#!", 2)) return false;
  const char *nl = strchr(t, '\n');
  char *first = arena_strndup(&c->es->a, t, nl ? (size_t)(nl - t) : strlen(t));
  return strstr(first, "sh") && !strstr(first, "python") && !strstr(first, "perl");
}

void inv_sh_script(sctx *c, const char *path, const scmd *m, int argi, bool source);

void inv_sh_psql(sctx *c, const scmd *m, int i0);
void inv_sh_pg_dump(sctx *c, const scmd *m, int i0);

static const char *const ignored[] = {
    "echo",      "printf",     "cd",       "set",     "exit",     "return",   "test",     "[",
    "true",      "false",      "mkdir",    "rm",      "mv",       "cp",       "date",     "sleep",
    "local",     "trap",       "wait",     "shift",   "read",     "gzip",     "gunzip",   "find",
    "cat",       "grep",       "awk",      "sed",     "touch",    "ln",       "chmod",    "chown",
    "logger",    "mail",       "mailx",    "sort",    "uniq",     "head",     "tail",     "wc",
    "cut",       "tr",         "tee",      "xargs",   "basename", "dirname",  "pwd",      "umask",
    "ulimit",    "unset",      ":",        "zcat",    "tar",      "bzip2",    "xz",       "md5sum",
    "sha256sum", "stat",       "ls",       "du",      "df",       "hostname", "id",       "whoami",
    "kill",      "pgrep",      "pkill",    "getopts", "let",      "eval",     "shopt",    "exec",
    "mktemp",    "seq",        "expr",     "sync",    "rmdir",    "realpath", "readlink", "which",
    "type",      "pg_isready", "vacuumdb", "gpg",     "openssl",  "sendmail", "column",   "paste",
    "diff",      "cmp",        NULL};
static const char *const wrappers[] = {"nohup",   "nice",   "ionice",  "time", "command",
                                       "builtin", "stdbuf", "chronic", NULL};

static bool in_list(const char *const *l, const char *s) {
  for (int i = 0; l[i]; i++)
    if (!strcmp(l[i], s)) return true;
  return false;
}

static bool assignment(const char *w, size_t *nl) {
  size_t k = 0;
  if (!isalpha((unsigned char)w[0]) && w[0] != '_') return false;
  while (isalnum((unsigned char)w[k]) || w[k] == '_') k++;
  *nl = k;
  return w[k] == '=';
}

static sfunc *func_of(sctx *c, const char *name) {
  for (int i = c->nfuncs - 1; i >= 0; i--)
    if (!strcmp(c->funcs[i].name, name)) return &c->funcs[i];
  return NULL;
}

void inv_sh_tokens(sctx *c, stok *t, int lo, int hi);

/* Runs one simple command; returns what it writes on stdout when that is known text or a
 * file (for `cat f.sql | psql`), else NULL. *out_is_file tells which. */
const char *inv_sh_exec(sctx *c, scmd *m, bool *out_is_file) {
  *out_is_file = false;
  int i = 0;
  size_t nl;
  while (i < m->n && assignment(m->w[i], &nl)) {
    if (m->n == i + 1 || true) inv_sh_var_set(c, m->w[i], nl, m->w[i] + nl + 1);
    i++;
  }
  for (;;) { /* wrappers */
    if (i >= m->n) return NULL;
    const char *w = m->w[i];
    const char *b = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
    if (in_list(wrappers, b)) {
      i++;
      while (i < m->n && m->w[i][0] == '-') i++;
    } else if (!strcmp(b, "env")) {
      i++;
      while (i < m->n && (m->w[i][0] == '-' || assignment(m->w[i], &nl))) i++;
    } else if (!strcmp(b, "timeout")) {
      i++;
      while (i < m->n && m->w[i][0] == '-')
        i += (!strcmp(m->w[i], "-s") || !strcmp(m->w[i], "-k")) ? 2 : 1;
      i++; /* the duration */
    } else if (!strcmp(b, "sudo")) {
      i++;
      while (i < m->n && m->w[i][0] == '-')
        i += (!strcmp(m->w[i], "-u") || !strcmp(m->w[i], "-g")) ? 2 : 1;
    } else if (!strcmp(b, "flock")) {
      i++;
      while (i < m->n && m->w[i][0] == '-' && strcmp(m->w[i], "-c"))
        i += (!strcmp(m->w[i], "-w") || !strcmp(m->w[i], "-E")) ? 2 : 1;
      i++; /* the lock file */
      if (i + 1 < m->n && !strcmp(m->w[i], "-c")) {
        inv_sh_text(c, m->w[i + 1], c->file, m->line);
        return NULL;
      }
    } else {
      break;
    }
  }
  const char *w = m->w[i];
  const char *b = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
  if (!strcmp(b, "export") || !strcmp(b, "readonly") || !strcmp(b, "declare") ||
      !strcmp(b, "typeset") || !strcmp(b, "local")) {
    for (int k = i + 1; k < m->n; k++)
      if (assignment(m->w[k], &nl)) inv_sh_var_set(c, m->w[k], nl, m->w[k] + nl + 1);
    return NULL;
  }
  if (!strcmp(w, "source") || !strcmp(w, ".")) {
    if (i + 1 >= m->n) return NULL;
    const char *p = inv_sh_find_file(c, m->w[i + 1]);
    if (!p) {
      inv_diag(c->es, "%s: cannot find the sourced file %s", inv_sh_where(c, m->line), m->w[i + 1]);
      sql_names_add(&c->es->a, &c->job->opaque,
                    arena_printf(&c->es->a, "source %s (not found, %s)", m->w[i + 1],
                                 inv_sh_where(c, m->line)));
      return NULL;
    }
    inv_sh_script(c, p, m, i + 2, true);
    return NULL;
  }
  if (!strcmp(w, "cd")) {
    const char *d = i + 1 < m->n ? m->w[i + 1] : inv_sh_var_get(c, "HOME", 4);
    if (d && !strstr(d, "${") && strcmp(d, "-"))
      c->cwd = d[0] == '/' || !c->cwd ? d : arena_printf(&c->es->a, "%s/%s", c->cwd, d);
    else
      c->cwd = NULL;
    return NULL;
  }
  if (!strcmp(b, "cat") && i + 1 < m->n && m->w[i + 1][0] != '-') {
    *out_is_file = true;
    return m->w[i + 1];
  }
  if ((!strcmp(b, "echo") || !strcmp(b, "printf")) && i + 1 < m->n)
    return inv_sh_cmd_text(c, m, i + 1 + (m->w[i + 1][0] == '-'));
  sfunc *f = func_of(c, w);
  if (f) {
    const char **sa = c->args;
    int sn = c->nargs;
    const char *sf = c->file;
    c->args = m->w + i + 1;
    c->nargs = m->n - i - 1;
    c->file = f->file;
    if (++c->depth < 32) inv_sh_tokens(c, f->t, 0, f->n);
    c->depth--;
    c->args = sa;
    c->nargs = sn;
    c->file = sf;
    return NULL;
  }
  if (!strcmp(b, "psql")) {
    inv_sh_psql(c, m, i + 1);
    return NULL;
  }
  if (!strcmp(b, "pg_dump")) {
    inv_sh_pg_dump(c, m, i + 1);
    return NULL;
  }
  if (!strcmp(b, "bash") || !strcmp(b, "sh") || !strcmp(b, "dash") || !strcmp(b, "ksh") ||
      !strcmp(b, "zsh")) {
    int k = i + 1;
    while (k < m->n && m->w[k][0] == '-' && strcmp(m->w[k], "-c")) k++;
    if (k + 1 < m->n && !strcmp(m->w[k], "-c")) {
      inv_sh_text(c, m->w[k + 1], c->file, m->line);
      return NULL;
    }
    if (k >= m->n) {
      if (m->in_text) inv_sh_text(c, m->in_text, c->file, m->line);
      return NULL;
    }
    const char *p = inv_sh_find_file(c, m->w[k]);
    if (p)
      inv_sh_script(c, p, m, k + 1, false);
    else
      inv_sh_opaque(c, m, i, "script not found");
    return NULL;
  }
  if (!strcmp(b, "su")) {
    for (int k = i + 1; k + 1 < m->n; k++)
      if (!strcmp(m->w[k], "-c")) {
        inv_sh_text(c, m->w[k + 1], c->file, m->line);
        return NULL;
      }
  }
  if (!strcmp(b, "run-parts")) { /* every script of a directory */
    int k = i + 1;
    while (k < m->n && m->w[k][0] == '-') k++;
    if (k < m->n) inv_sh_opaque(c, m, i, "the scripts of a directory, run by run-parts");
    return NULL;
  }
  if (in_list(ignored, b)) return NULL;
  if (strchr(w, '/') || has_suffix(w, ".sh")) {
    const char *p = inv_sh_find_file(c, w);
    if (p && is_shell_file(c, p)) {
      inv_sh_script(c, p, m, i + 1, false);
      return NULL;
    }
    inv_sh_opaque(c, m, i, p ? "a program the inventory cannot read" : "not found");
    return NULL;
  }
  static const char *const remote[] = {"ssh", "scp",  "rsync", "curl", "wget",    "aws", "gsutil",
                                       "az",  "sftp", "ftp",   "lftp", "kubectl", NULL};
  static const char *const interp[] = {"python", "python3",      "python2", "perl",
                                       "ruby",   "node",         "java",    "Rscript",
                                       "php",    "spark-submit", NULL};
  inv_sh_opaque(c, m, i,
                in_list(remote, b)   ? "a remote call"
                : in_list(interp, b) ? "a program the inventory cannot read"
                                     : "a command the inventory does not know");
  return NULL;
}

void inv_sh_script(sctx *c, const char *path, const scmd *m, int argi, bool source) {
  size_t n;
  char *t = inv_read_file(c->es, path, &n);
  if (!t || c->depth > 24) {
    inv_diag(c->es, "%s: cannot read %s", inv_sh_where(c, m ? m->line : 0), path);
    return;
  }
  if (!source) sql_names_add(&c->es->a, &c->job->scripts, path);
  const char *sf = c->file, *scwd = c->cwd;
  const char **sa = c->args;
  int sn = c->nargs, snv = c->nv;
  if (m) {
    c->args = m->w + argi;
    c->nargs = m->n > argi ? m->n - argi : 0;
  }
  c->file = path;
  c->depth++;
  inv_sh_text(c, t, path, 1);
  c->depth--;
  c->file = sf;
  if (!source) { /* a child process: its variables and directory do not come back */
    c->cwd = scwd;
    c->nv = snv;
  }
  c->args = sa;
  c->nargs = sn;
}
