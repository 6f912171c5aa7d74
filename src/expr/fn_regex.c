/* fn_regex.c - regular expression functions (REGEXP_EXTRACT, REGEXP_REPLACE) and their
 * per-node compiled state. Must not touch: rows, batches, operators, the SQL front end. */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "fn.h"

typedef struct regex_aux {
  regex_t re;
  bool ok;
} regex_aux;

static char *regex_translate(const char *p, size_t n) {
  sl_buf b = {0};
  bool in_class = false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '\\' && i + 1 < n) {
      char d = p[++i];
      const char *rep = NULL;
      switch (d) {
      case 'd': rep = in_class ? "0-9" : "[0-9]"; break;
      case 'D': rep = "[^0-9]"; break;
      case 'w': rep = in_class ? "[:alnum:]_" : "[[:alnum:]_]"; break;
      case 'W': rep = "[^[:alnum:]_]"; break;
      case 's': rep = in_class ? "[:space:]" : "[[:space:]]"; break;
      case 'S': rep = "[^[:space:]]"; break;
      case 't': rep = "\t"; break;
      case 'n': rep = "\n"; break;
      default: break;
      }
      if (rep)
        buf_puts(&b, rep);
      else {
        if (in_class)
          buf_putc(&b, d); /* a literal inside [...] */
        else {
          buf_putc(&b, '\\');
          buf_putc(&b, d);
        }
      }
      continue;
    }
    if (c == '[' && !in_class)
      in_class = true;
    else if (c == ']' && in_class)
      in_class = false;
    buf_putc(&b, c);
  }
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

static bool regex_compile(regex_t *re, const char *p, size_t n) {
  char *t = regex_translate(p, n);
  int rc = regcomp(re, t, REG_EXTENDED);
  free(t);
  return rc == 0;
}

static regex_t *regex_for(const sl_expr *call, const sl_value *pat, regex_t *tmp, bool *owned) {
  regex_aux *ra = call->aux;
  *owned = false;
  if (ra) return ra->ok ? &ra->re : NULL;
  if (!regex_compile(tmp, pat->u.s, pat->len)) return NULL;
  *owned = true;
  return tmp;
}

sl_status f_regexp_extract(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  regex_t tmp, *re;
  bool owned;
  if (!(re = regex_for(call, &v[1], &tmp, &owned)))
    return fn_fail(ctx, "invalid regular expression");
  int64_t idx = call->nargs > 2 ? v[2].u.i : 1;
  regmatch_t m[10];
  char *s = arena_strndup(ctx->arena, v[0].u.s, v[0].len);
  *out = value_null();
  if (idx >= 0 && idx < 10 && (size_t)idx <= re->re_nsub && regexec(re, s, 10, m, 0) == 0 &&
      m[idx].rm_so >= 0)
    *out = value_str(s + m[idx].rm_so, (size_t)(m[idx].rm_eo - m[idx].rm_so));
  if (owned) regfree(re);
  return SL_OK;
}

sl_status f_regexp_replace(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  regex_t tmp, *re;
  bool owned;
  if (!(re = regex_for(call, &v[1], &tmp, &owned)))
    return fn_fail(ctx, "invalid regular expression");
  char *s = arena_strndup(ctx->arena, v[0].u.s, v[0].len);
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  regmatch_t m[10];
  size_t pos = 0;
  int flags = 0;
  while (pos <= v[0].len && regexec(re, s + pos, 10, m, flags) == 0) {
    buf_put(b, s + pos, (size_t)m[0].rm_so);
    for (uint32_t i = 0; i < v[2].len; i++) { /* $n group references, \$ escapes */
      char c = v[2].u.s[i];
      if (c == '\\' && i + 1 < v[2].len) {
        buf_putc(b, v[2].u.s[++i]);
      } else if (c == '$' && i + 1 < v[2].len && isdigit((unsigned char)v[2].u.s[i + 1])) {
        int g = v[2].u.s[++i] - '0';
        if ((size_t)g <= re->re_nsub && m[g].rm_so >= 0)
          buf_put(b, s + pos + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
      } else {
        buf_putc(b, c);
      }
    }
    if (m[0].rm_eo == m[0].rm_so) { /* empty match: copy one char and move on */
      if (pos + (size_t)m[0].rm_eo < v[0].len) buf_putc(b, s[pos + (size_t)m[0].rm_eo]);
      pos += (size_t)m[0].rm_eo + 1;
    } else {
      pos += (size_t)m[0].rm_eo;
    }
    flags = REG_NOTBOL;
  }
  if (pos < v[0].len) buf_put(b, s + pos, v[0].len - pos);
  *out = fn_done(ctx, b, &local);
  if (owned) regfree(re);
  return SL_OK;
}

void *fn_regex_prepare(const sl_expr *call, const char **err, sl_arena *a) {
  if (call->args[1]->kind != E_LIT || call->args[1]->lit.null) return NULL;
  regex_aux *ra = xcalloc(1, sizeof *ra);
  ra->ok = regex_compile(&ra->re, call->args[1]->lit.u.s, call->args[1]->lit.len);
  if (!ra->ok) *err = "invalid regular expression";
  return ra;
}

void fn_regex_free(void *aux) {
  regex_aux *ra = aux;
  if (ra->ok) regfree(&ra->re);
  free(ra);
}
