/* lexer.c - turns pipeline text into tokens (kind + byte span). Keywords are not decided here:
 * the parser matches bare identifiers against keywords, so a dialect can add or drop them. */
#include <stdlib.h>
#include <string.h>

#include "sql.h"

static bool ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
static bool ident_char(unsigned char c) {
  return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* PostgreSQL-only tokens at s[*i]: dollar-quoted strings ($$..$$, $tag$..$tag$) and E'..'
 * escape strings are TK_STRING (TK_EOF when unterminated), $1 parameters TK_PUNCT. */
static bool pg_special(const char *s, size_t n, size_t *i, uint8_t *kind) {
  size_t p = *i;
  if (s[p] == '$') {
    size_t q = p + 1;
    if (q < n && s[q] >= '0' && s[q] <= '9') {
      while (q < n && s[q] >= '0' && s[q] <= '9') q++;
      *kind = TK_PUNCT;
      *i = q;
      return true;
    }
    while (q < n && ident_start((unsigned char)s[q])) q++;
    if (q >= n || s[q] != '$') return false;
    size_t tl = q + 1 - p; /* the tag with both dollars */
    for (size_t r = q + 1; r + tl <= n; r++)
      if (memcmp(s + r, s + p, tl) == 0) {
        *kind = TK_STRING;
        *i = r + tl;
        return true;
      }
    *kind = TK_EOF;
    return true;
  }
  if ((s[p] == 'E' || s[p] == 'e') && p + 1 < n && s[p + 1] == '\'') {
    size_t q = p + 2;
    while (q < n && s[q] != '\'') q += s[q] == '\\' ? 2 : 1;
    *kind = q < n ? TK_STRING : TK_EOF;
    *i = q + 1;
    return true;
  }
  return false;
}

sl_status sql_lex(const sl_source *src, sql_dialect d, sl_arena *a, sql_token **toks, int *ntoks,
                  sl_error *e) {
  const char *s = src->text;
  size_t n = src->len, i = 0;
  int cap = 256, cnt = 0;
  sql_token *t = xmalloc(sizeof *t * (size_t)cap);
  sl_status st = SL_OK;
  bool in_hint = false; /* between a hint's opening and its closing */
  size_t hint_off = 0;
  while (1) {
    while (i < n) {
      unsigned char c = (unsigned char)s[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        i++;
      } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
        while (i < n && s[i] != '\n') i++;
      } else if (c == '/' && i + 2 < n && s[i + 1] == '*' && s[i + 2] == '+' && !in_hint &&
                 cnt > 0 && t[cnt - 1].kind == TK_IDENT &&
                 str_nieq(s + t[cnt - 1].off, t[cnt - 1].len, "SELECT")) {
        break; /* a hint right after SELECT: lexed as tokens between TK_HINT and TK_HINT_END */
      } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
        size_t start = i;
        i += 2;
        while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) i++;
        if (i + 1 >= n) {
          st = err_at(e, SL_ESQL, src, start, "unterminated comment: '/*' has no matching '*/'");
          goto out;
        }
        i += 2;
      } else {
        break;
      }
    }
    if (cnt + 1 >= cap) {
      cap *= 2;
      t = xrealloc(t, sizeof *t * (size_t)cap);
    }
    sql_token *k = &t[cnt++];
    k->off = (uint32_t)i;
    if (i >= n && in_hint) {
      st = err_at(e, SL_ESQL, src, hint_off, "unterminated hint: '/*+' has no matching '*/'");
      goto out;
    }
    if (i >= n) {
      k->kind = TK_EOF;
      k->len = 0;
      break;
    }
    unsigned char c = (unsigned char)s[i];
    size_t start = i;
    if (c == '/' && !in_hint && i + 2 < n && s[i + 1] == '*' && s[i + 2] == '+') { /* a hint */
      k->kind = TK_HINT;
      k->len = 3;
      hint_off = i;
      i += 3;
      in_hint = true;
      continue;
    }
    if (in_hint && c == '*' && i + 1 < n && s[i + 1] == '/') {
      k->kind = TK_HINT_END;
      k->len = 2;
      i += 2;
      in_hint = false;
      continue;
    }
    if (d == SQL_POSTGRES && pg_special(s, n, &i, &k->kind)) {
      if (k->kind == TK_EOF) {
        st = err_at(e, SL_ESQL, src, start, "unterminated string literal");
        goto out;
      }
    } else if (ident_start(c)) {
      while (i < n && ident_char((unsigned char)s[i])) i++;
      k->kind = TK_IDENT;
    } else if ((c == '`' && d == SQL_FLINK) || (c == '"' && d == SQL_POSTGRES)) {
      i++;
      while (1) {
        if (i >= n) {
          st = err_at(e, SL_ESQL, src, start, "unterminated quoted identifier");
          goto out;
        }
        if (s[i] == (char)c) {
          if (i + 1 < n && s[i + 1] == (char)c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      k->kind = TK_QIDENT;
    } else if (c == '\'') {
      i++;
      while (1) {
        if (i >= n) {
          st = err_at(e, SL_ESQL, src, start, "unterminated string literal");
          err_hint(e, "a string starts and ends with ' and a ' inside is written ''");
          goto out;
        }
        if (s[i] == '\'') {
          if (i + 1 < n && s[i + 1] == '\'') {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      k->kind = TK_STRING;
    } else if ((c >= '0' && c <= '9') ||
               (c == '.' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')) {
      bool frac = false, ex = false;
      while (i < n && s[i] >= '0' && s[i] <= '9') i++;
      if (i < n && s[i] == '.' && !(i + 1 < n && s[i + 1] == '.')) {
        frac = true;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && s[j] >= '0' && s[j] <= '9') {
          ex = true;
          i = j;
          while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        }
      }
      if (i < n && ident_start((unsigned char)s[i])) {
        st = err_at(e, SL_ESQL, src, start, "malformed number");
        goto out;
      }
      k->kind = (frac || ex) ? TK_NUMBER : TK_INTEGER;
    } else {
      static const char *two[] = {"<=", ">=", "<>", "!=", "||", "::", "=>"};
      k->kind = TK_PUNCT;
      i++;
      for (size_t j = 0; j < sizeof two / sizeof two[0]; j++)
        if (start + 1 < n && s[start] == two[j][0] && s[start + 1] == two[j][1]) {
          i = start + 2;
          break;
        }
      if (i == start + 1 && !strchr("(),.;+-*/%=<>[]:", c) &&
          !(d == SQL_POSTGRES && strchr("~!@#^&|?{}`\\", c))) {
        st = err_at(e, SL_ESQL, src, start, "unexpected character '%c'", c);
        if (c == '"')
          err_hint(e, "strings use single quotes; quote identifiers with backticks: `name`");
        goto out;
      }
    }
    k->len = (uint32_t)(i - start);
  }
out:
  if (st != SL_OK) {
    free(t);
    return st;
  }
  sql_token *r = arena_alloc(a, sizeof *r * (size_t)cnt);
  memcpy(r, t, sizeof *r * (size_t)cnt);
  free(t);
  *toks = r;
  *ntoks = cnt;
  return SL_OK;
}
