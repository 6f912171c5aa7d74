/* format.c - the format table, option lookup and validation helpers, text-to-value conversion
 * shared by the decoders, and the UTF-8 rules every output follows (byte-order mark, U+FFFD for
 * invalid sequences, JSON string escaping). Owns no format's framing. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static const fmt_def *const formats[] = {&fmt_json_def, &fmt_csv_def, &fmt_debezium_json_def,
                                         &fmt_changelog_json_def};

const fmt_def *fmt_lookup(const char *name) {
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (str_ieq(formats[i]->name, name)) return formats[i];
  return NULL;
}

const fmt_def *const *fmt_table(int *n) {
  *n = (int)(sizeof formats / sizeof formats[0]);
  return formats;
}

const char *opt_get(const opt_list *o, const opt_def *defs, const char *key) {
  for (int i = 0; o && i < o->n; i++)
    if (!strcmp(o->v[i].key, key)) return o->v[i].value;
  for (int i = 0; defs && defs[i].key; i++)
    if (!strcmp(defs[i].key, key)) return defs[i].def;
  return NULL;
}

bool opt_get_bool(const opt_list *o, const opt_def *defs, const char *key) {
  const char *v = opt_get(o, defs, key);
  return v && str_ieq(v, "true");
}

/* A number followed by an optional unit from units (name, factor), case-insensitive, with
 * optional spaces between. */
typedef struct unit_def {
  const char *name;
  int64_t factor;
} unit_def;

static sl_status parse_with_units(const char *s, const unit_def *units, int64_t *out) {
  while (isspace((unsigned char)*s)) s++;
  if (!isdigit((unsigned char)*s)) return SL_ESQL;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  size_t n = strlen(end);
  while (n && isspace((unsigned char)end[n - 1])) n--;
  if (n == 0) {
    *out = (int64_t)v * units[0].factor;
    return SL_OK;
  }
  for (const unit_def *u = units; u->name; u++)
    if (strlen(u->name) == n && str_nieq(end, n, u->name)) {
      if (v > (unsigned long long)(INT64_MAX / u->factor)) return SL_ESQL;
      *out = (int64_t)v * u->factor;
      return SL_OK;
    }
  return SL_ESQL;
}

sl_status opt_parse_duration(const char *s, int64_t *ms) {
  static const unit_def units[] = {{"ms", 1},          {"milli", 1},        {"millis", 1},
                                   {"millisecond", 1}, {"milliseconds", 1}, {"s", 1000},
                                   {"sec", 1000},      {"secs", 1000},      {"second", 1000},
                                   {"seconds", 1000},  {"min", 60000},      {"m", 60000},
                                   {"minute", 60000},  {"minutes", 60000},  {"h", 3600000},
                                   {"hour", 3600000},  {"hours", 3600000},  {"d", 86400000},
                                   {"day", 86400000},  {"days", 86400000},  {NULL, 0}};
  return parse_with_units(s, units, ms);
}

sl_status opt_parse_size(const char *s, int64_t *bytes) {
  static const unit_def units[] = {{"b", 1},           {"bytes", 1},
                                   {"k", 1 << 10},     {"kb", 1 << 10},
                                   {"kib", 1 << 10},   {"kibibytes", 1 << 10},
                                   {"m", 1 << 20},     {"mb", 1 << 20},
                                   {"mib", 1 << 20},   {"mebibytes", 1 << 20},
                                   {"g", 1 << 30},     {"gb", 1 << 30},
                                   {"gib", 1 << 30},   {"gibibytes", 1 << 30},
                                   {"t", 1LL << 40},   {"tb", 1LL << 40},
                                   {"tib", 1LL << 40}, {NULL, 0}};
  return parse_with_units(s, units, bytes);
}

const char *opt_check_value(const opt_def *d, const char *v, sl_arena *a) {
  switch (d->kind) {
  case OPT_BOOL:
    if (!str_ieq(v, "true") && !str_ieq(v, "false"))
      return arena_printf(a, "option '%s' must be 'true' or 'false', not '%s'", d->key, v);
    break;
  case OPT_INT: {
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < 0)
      return arena_printf(a, "option '%s' must be a non-negative integer, not '%s'", d->key, v);
    break;
  }
  case OPT_DURATION: {
    int64_t ms;
    if (opt_parse_duration(v, &ms) != SL_OK)
      return arena_printf(
          a, "option '%s' must be a duration such as '1s', '500 ms' or '10 min', not '%s'", d->key,
          v);
    break;
  }
  case OPT_SIZE: {
    int64_t n;
    if (opt_parse_size(v, &n) != SL_OK)
      return arena_printf(
          a, "option '%s' must be a size such as '64mb', '1 kb' or '1048576', not '%s'", d->key, v);
    break;
  }
  case OPT_CHAR:
    if (strlen(v) != 1 && strcmp(v, "\\t"))
      return arena_printf(a, "option '%s' must be a single character, not '%s'", d->key, v);
    break;
  case OPT_ENUM: {
    const char *c = d->choices;
    size_t vl = strlen(v);
    while (c && *c) {
      const char *bar = strchr(c, '|');
      size_t l = bar ? (size_t)(bar - c) : strlen(c);
      if (l == vl && !strncasecmp(c, v, l)) return NULL;
      c = bar ? bar + 1 : NULL;
    }
    return arena_printf(a, "option '%s' must be one of %s, not '%s'", d->key, d->choices, v);
  }
  default: break;
  }
  return NULL;
}

static bool set_why(char *why, size_t whyn, const char *s, size_t n, sl_type t) {
  char tn[48];
  snprintf(why, whyn, "cannot read '%.*s' as %s", (int)(n > 60 ? 60 : n), s,
           type_name(t, tn, sizeof tn));
  return false;
}

bool fmt_text_to_value(const char *s, size_t n, sl_type t, sl_value *out, char *why, size_t whyn) {
  switch (t.id) {
  case T_STRING: *out = value_str(s, n); return true;
  case T_BOOLEAN:
    if (str_nieq(s, n, "true"))
      *out = value_int(1);
    else if (str_nieq(s, n, "false"))
      *out = value_int(0);
    else
      return set_why(why, whyn, s, n, t);
    return true;
  case T_INT:
  case T_BIGINT: {
    int64_t i;
    if (!text_to_int64(s, n, &i) || (t.id == T_INT && (i < INT32_MIN || i > INT32_MAX)))
      return set_why(why, whyn, s, n, t);
    *out = value_int(i);
    return true;
  }
  case T_FLOAT:
  case T_DOUBLE: {
    double d;
    if (!text_to_double(s, n, &d)) return set_why(why, whyn, s, n, t);
    *out = value_double(t.id == T_FLOAT ? (double)(float)d : d);
    return true;
  }
  case T_DECIMAL: {
    __int128 x;
    if (!dec_parse(s, n, t.prec, t.scale, &x)) {
      char tn[48];
      snprintf(why, whyn, "cannot read '%.*s' as %s (bad number or too many digits)",
               (int)(n > 60 ? 60 : n), s, type_name(t, tn, sizeof tn));
      return false;
    }
    *out = value_decimal(x);
    return true;
  }
  case T_DATE: {
    int64_t d;
    if (!date_parse(s, n, &d)) return set_why(why, whyn, s, n, t);
    *out = value_int(d);
    return true;
  }
  case T_TIMESTAMP:
  case T_TIMESTAMP_LTZ: {
    int64_t ms, off;
    bool z;
    if (!ts_parse(s, n, &ms, &z, &off)) return set_why(why, whyn, s, n, t);
    *out = value_int(ms - off);
    return true;
  }
  default: return set_why(why, whyn, s, n, t);
  }
}

size_t fmt_bom(const char *p, size_t n) { return n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3) ? 3 : 0; }

/* Length of the valid UTF-8 sequence at p (p[0] >= 0x80) as a positive number, or minus the
 * length of its maximal invalid subpart (the bytes one U+FFFD replaces, as Java's and the
 * Unicode standard's decoders count them). */
static int utf8_at(const unsigned char *p, const unsigned char *e) {
  unsigned c = p[0];
  int need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    need = 1;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return -1;
  for (int k = 1; k <= need; k++) {
    if (p + k >= e || p[k] < lo || p[k] > hi) return -k;
    lo = 0x80, hi = 0xBF;
  }
  return need + 1;
}

static const char REPL[3] = {(char)0xEF, (char)0xBF, (char)0xBD}; /* U+FFFD */

bool fmt_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  while (p < e) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    int k = utf8_at(p, e);
    if (k < 0) return false;
    p += k;
  }
  return true;
}

void fmt_utf8_sanitize(const char *s, size_t n, sl_buf *out) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n, *start = p;
  while (p < e) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    int k = utf8_at(p, e);
    if (k > 0) {
      p += k;
      continue;
    }
    buf_put(out, (const char *)start, (size_t)(p - start));
    buf_put(out, REPL, 3);
    p += -k;
    start = p;
  }
  buf_put(out, (const char *)start, (size_t)(p - start));
}

void fmt_json_escape(const char *s, size_t n, sl_buf *out) {
  static const char hex[] = "0123456789abcdef";
  buf_reserve(out, n + 2);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) continue;
    if (c >= 0x80) {
      int k = utf8_at((const unsigned char *)s + i, (const unsigned char *)s + n);
      if (k > 0) {
        i += (size_t)k - 1;
        continue;
      }
      buf_put(out, s + start, i - start);
      buf_put(out, REPL, 3); /* invalid UTF-8: U+FFFD, as Java's decoders do */
      i += (size_t)-k - 1;
      start = i + 1;
      continue;
    }
    buf_put(out, s + start, i - start);
    start = i + 1;
    switch (c) {
    case '"': buf_put(out, "\\\"", 2); break;
    case '\\': buf_put(out, "\\\\", 2); break;
    case '\n': buf_put(out, "\\n", 2); break;
    case '\r': buf_put(out, "\\r", 2); break;
    case '\t': buf_put(out, "\\t", 2); break;
    case '\b': buf_put(out, "\\b", 2); break;
    case '\f': buf_put(out, "\\f", 2); break;
    default: {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      buf_put(out, u, 6);
    }
    }
  }
  buf_put(out, s + start, n - start);
}
