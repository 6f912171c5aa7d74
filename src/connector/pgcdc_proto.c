/* pgcdc_proto.c - the pgoutput decoder (logical replication protocol version 1): Begin,
 * Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate and Message, with text tuple
 * data ('n' null, 'u' unchanged TOAST, 't' text), into changelog rows of the declared columns,
 * and PostgreSQL's text output of each type into sluice's cells. Relation messages are checked
 * against the declared columns (a column matched by name; a new column is ignored, a dropped
 * or retyped one stops the stream). No libpq: the fuzz target links it alone.
 * Must not touch: connections, batches, delivery (pgcdc.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcdc.h"

/* PostgreSQL type oids (pg_type.dat) */
enum {
  OID_BOOL = 16,
  OID_BYTEA = 17,
  OID_NAME = 19,
  OID_INT8 = 20,
  OID_INT2 = 21,
  OID_INT4 = 23,
  OID_TEXT = 25,
  OID_OID = 26,
  OID_JSON = 114,
  OID_FLOAT4 = 700,
  OID_FLOAT8 = 701,
  OID_BPCHAR = 1042,
  OID_VARCHAR = 1043,
  OID_DATE = 1082,
  OID_TIME = 1083,
  OID_TIMESTAMP = 1114,
  OID_TIMESTAMPTZ = 1184,
  OID_NUMERIC = 1700,
  OID_UUID = 2950,
  OID_JSONB = 3802,
};

void pgo_lsn_str(uint64_t lsn, char out[32]) {
  snprintf(out, 32, "%X/%X", (unsigned)(lsn >> 32), (unsigned)lsn);
}

static bool is_array_oid(uint32_t oid) {
  /* the array types of the built-in scalar types (pg_type.dat: typcategory 'A') */
  static const uint32_t arr[] = {143,  199,  1000, 1001, 1002, 1003, 1005, 1006, 1007, 1009,
                                 1013, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1183,
                                 1185, 1187, 1231, 1263, 1270, 2951, 3807, 4073, 3643, 3645};
  for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
    if (arr[i] == oid) return true;
  return false;
}

const char *pgo_type_check(uint32_t oid, sl_type t) {
  if (is_array_oid(oid)) return "arrays are not supported";
  bool ok;
  switch (t.id) {
  case T_BOOLEAN: ok = oid == OID_BOOL; break;
  case T_INT: ok = oid == OID_INT2 || oid == OID_INT4; break;
  case T_BIGINT:
    ok = oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_OID;
    break;
  case T_FLOAT:
  case T_DOUBLE:
    ok = oid == OID_FLOAT4 || oid == OID_FLOAT8 || oid == OID_INT2 || oid == OID_INT4 ||
         oid == OID_INT8 || oid == OID_NUMERIC;
    break;
  case T_DECIMAL:
    ok = oid == OID_NUMERIC || oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8;
    break;
  case T_STRING: ok = true; break; /* any type's text output */
  case T_DATE: ok = oid == OID_DATE; break;
  case T_TIMESTAMP: ok = oid == OID_TIMESTAMP; break;
  case T_TIMESTAMP_LTZ: ok = oid == OID_TIMESTAMPTZ; break;
  default: ok = false;
  }
  return ok ? NULL : "the column's PostgreSQL type cannot be read into its declared type";
}

bool pgo_text_value(const char *s, size_t n, uint32_t oid, sl_type t, sl_value *out, sl_arena *a,
                    char *why, size_t whyn) {
  if (t.id == T_STRING) {
    char *c = arena_alloc(a, n ? n : 1);
    if (n) memcpy(c, s, n);
    *out = value_str(c, (uint32_t)n);
    return true;
  }
  if (t.id == T_BOOLEAN && n == 1 && (s[0] == 't' || s[0] == 'f')) {
    *out = value_int(s[0] == 't');
    return true;
  }
  if ((t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ || t.id == T_DATE) && n > 3 &&
      (!memcmp(s + n - 3, " BC", 3) || (s[0] == 'i' || s[0] == '-'))) {
    snprintf(why, whyn, "cannot read '%.*s' as a %s (infinity and BC dates are not supported)",
             (int)(n > 40 ? 40 : n), s, t.id == T_DATE ? "date" : "timestamp");
    return false;
  }
  /* timestamptz comes in UTC ('2024-05-01 10:00:00.5+00': the connection sets TimeZone) */
  return fmt_text_to_value(s, n, t, out, why, whyn);
}

void pgo_init(pgo_dec *d, int ncols, const char *const *names, const sl_type *types,
              const char *nsp, const char *table) {
  memset(d, 0, sizeof *d);
  d->ncols = ncols;
  d->names = names;
  d->types = types;
  d->nsp = nsp;
  d->table = table;
}

static void rel_clear(pgo_rel *r) {
  for (int i = 0; i < r->ncols; i++) free(r->cols[i].name);
  free(r->cols);
  free(r->map);
  free(r->nsp);
  free(r->name);
  memset(r, 0, sizeof *r);
}

void pgo_free(pgo_dec *d) {
  for (int i = 0; i < d->nrels; i++) rel_clear(&d->rels[i]);
  free(d->rels);
  d->rels = NULL;
  d->nrels = 0;
}

/* ---- reading the message ---- */

typedef struct rd {
  const uint8_t *p, *e;
  bool bad;
} rd;

static uint64_t get(rd *r, int bytes) {
  if (r->bad || r->e - r->p < bytes) {
    r->bad = true;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = v << 8 | *r->p++;
  return v;
}

/* A NUL-terminated string (points into the message). */
static const char *get_str(rd *r, size_t *len) {
  const uint8_t *z = r->bad ? NULL : memchr(r->p, 0, (size_t)(r->e - r->p));
  if (!z) {
    r->bad = true;
    *len = 0;
    return "";
  }
  const char *s = (const char *)r->p;
  *len = (size_t)(z - r->p);
  r->p = z + 1;
  return s;
}

static pgo_rel *rel_find(pgo_dec *d, uint32_t id) {
  for (int i = 0; i < d->nrels; i++)
    if (d->rels[i].id == id) return &d->rels[i];
  return NULL;
}

static sl_status fail(char *why, size_t whyn, const char *msg) {
  snprintf(why, whyn, "%s", msg);
  return SL_ERUNTIME;
}

static sl_status relation(pgo_dec *d, rd *r, char *why, size_t whyn) {
  uint32_t id = (uint32_t)get(r, 4);
  size_t nl, tl;
  const char *nsp = get_str(r, &nl), *name = get_str(r, &tl);
  char ident = (char)get(r, 1);
  int ncols = (int)get(r, 2);
  if (r->bad) return fail(why, whyn, "malformed Relation message");
  pgo_rel *x = rel_find(d, id);
  if (!x) {
    d->rels = xrealloc(d->rels, sizeof(pgo_rel) * (size_t)(d->nrels + 1));
    x = &d->rels[d->nrels++];
    memset(x, 0, sizeof *x);
  } else {
    rel_clear(x);
  }
  x->id = id;
  x->nsp = xstrndup(nsp, nl);
  x->name = xstrndup(name, tl);
  x->ident = ident;
  x->cols = xcalloc((size_t)ncols + 1, sizeof(pgo_col));
  for (int i = 0; i < ncols && !r->bad; i++) {
    uint8_t flags = (uint8_t)get(r, 1);
    size_t cl;
    const char *cn = get_str(r, &cl);
    x->cols[i].oid = (uint32_t)get(r, 4);
    get(r, 4); /* typmod */
    x->cols[i].name = xstrndup(cn, cl);
    x->cols[i].key = flags & 1;
    x->ncols = i + 1;
  }
  if (r->bad) return fail(why, whyn, "malformed Relation message");
  x->ours = !strcmp(x->nsp, d->nsp) && !strcmp(x->name, d->table);
  if (!x->ours) return SL_OK;
  /* every declared column by name, with a type it can be read as; new columns are ignored */
  x->map = xcalloc((size_t)d->ncols + 1, sizeof(int));
  for (int i = 0; i < d->ncols; i++) {
    int found = -1;
    for (int j = 0; j < x->ncols; j++)
      if (!strcmp(x->cols[j].name, d->names[i])) found = j;
    if (found < 0) {
      snprintf(why, whyn,
               "table %s.%s no longer has the declared column '%s' (dropped or renamed): the "
               "source stops rather than shift values",
               x->nsp, x->name, d->names[i]);
      return SL_ERUNTIME;
    }
    const char *bad = pgo_type_check(x->cols[found].oid, d->types[i]);
    if (bad) {
      snprintf(why, whyn, "table %s.%s: column '%s' now has PostgreSQL type oid %u: %s", x->nsp,
               x->name, d->names[i], x->cols[found].oid, bad);
      return SL_ERUNTIME;
    }
    x->map[i] = found;
  }
  return SL_OK;
}

/* One tuple's cells: kind ('n', 'u', 't') and text span per relation column. */
typedef struct tup {
  int n;
  char *kind;
  const char **s;
  uint32_t *len;
} tup;

static bool tuple(rd *r, tup *t, int max) {
  int n = (int)get(r, 2);
  if (r->bad || n < 0) return false;
  t->n = n;
  t->kind = xcalloc((size_t)n + 1, 1);
  t->s = xcalloc((size_t)n + 1, sizeof(char *));
  t->len = xcalloc((size_t)n + 1, sizeof(uint32_t));
  for (int i = 0; i < n; i++) {
    char k = (char)get(r, 1);
    t->kind[i] = k;
    if (k == 't' || k == 'b') {
      uint32_t l = (uint32_t)get(r, 4);
      if (r->bad || (size_t)(r->e - r->p) < l) return r->bad = true, false;
      t->s[i] = (const char *)r->p;
      t->len[i] = l;
      r->p += l;
    } else if (k != 'n' && k != 'u') {
      return r->bad = true, false;
    }
  }
  (void)max;
  return !r->bad;
}

static void tup_free(tup *t) {
  free(t->kind);
  free(t->s);
  free(t->len);
  memset(t, 0, sizeof *t);
}

/* The declared columns of one tuple into row. `prev` gives unchanged TOAST values (NULL: none
 * known); key_only: a 'K' tuple (only the key columns are set, the others NULL). */
static sl_status fill(pgo_dec *d, pgo_rel *x, const tup *t, const tup *prev, sl_value *row,
                      sl_arena *a, char *why, size_t whyn) {
  for (int i = 0; i < d->ncols; i++) {
    int j = x->map[i];
    row[i] = value_null();
    if (j >= t->n) {
      snprintf(why, whyn, "a tuple of %s.%s has %d columns, its Relation %d", x->nsp, x->name, t->n,
               x->ncols);
      return SL_ERUNTIME;
    }
    char k = t->kind[j];
    const char *s = t->s[j];
    uint32_t len = t->len[j];
    if (k == 'u') {
      if (!prev || j >= prev->n || prev->kind[j] == 'u') {
        snprintf(why, whyn,
                 "column '%s' of %s.%s is an unchanged TOAST value whose previous value is not in "
                 "the change: set REPLICA IDENTITY FULL on the table",
                 d->names[i], x->nsp, x->name);
        return SL_ERUNTIME;
      }
      k = prev->kind[j];
      s = prev->s[j];
      len = prev->len[j];
    }
    if (k == 'n') continue;
    if (k == 'b') {
      snprintf(why, whyn, "column '%s': binary tuple data is not supported", d->names[i]);
      return SL_ERUNTIME;
    }
    if (!pgo_text_value(s, len, x->cols[j].oid, d->types[i], &row[i], a, why, whyn)) {
      char col[200];
      snprintf(col, sizeof col, "column '%s': ", d->names[i]);
      size_t cl = strlen(col), wl = strlen(why);
      if (cl + wl + 1 < whyn) {
        memmove(why + cl, why, wl + 1);
        memcpy(why, col, cl);
      }
      return SL_EDATA;
    }
  }
  return SL_OK;
}

static sl_status change(pgo_dec *d, char tag, rd *r, pgo_out *out, sl_arena *a, char *why,
                        size_t whyn) {
  uint32_t id = (uint32_t)get(r, 4);
  if (r->bad) return fail(why, whyn, "malformed change message");
  pgo_rel *x = rel_find(d, id);
  if (!x) return fail(why, whyn, "a change of a relation that no Relation message described");
  tup old = {0}, neu = {0};
  char oldk = 0;
  sl_status st = SL_OK;
  char sub = (char)get(r, 1);
  if (tag != 'I' && (sub == 'K' || sub == 'O')) {
    oldk = sub;
    if (!tuple(r, &old, x->ncols)) goto bad;
    if (tag == 'U') sub = (char)get(r, 1);
  }
  if (tag != 'D') {
    if (sub != 'N' || !tuple(r, &neu, x->ncols)) goto bad;
  } else if (!oldk) {
    goto bad;
  }
  if (r->p != r->e) goto bad;
  if (!x->ours) goto done;
  d->nchanges++;
  if (tag == 'I') {
    out->kind[0] = RK_INSERT;
    st = fill(d, x, &neu, NULL, out->row[0], a, why, whyn);
    if (!st) out->nrows = 1;
  } else if (tag == 'D') {
    /* 'O' (FULL): the whole row; 'K': the key columns, the others NULL */
    out->kind[0] = RK_DELETE;
    for (int i = 0; i < d->ncols; i++) out->row[0][i] = value_null();
    st = oldk == 'O' ? fill(d, x, &old, NULL, out->row[0], a, why, whyn) : SL_OK;
    for (int i = 0; !st && oldk == 'K' && i < d->ncols; i++) {
      int j = x->map[i];
      if (j < old.n && old.kind[j] == 't' &&
          !pgo_text_value(old.s[j], old.len[j], x->cols[j].oid, d->types[i], &out->row[0][i], a,
                          why, whyn))
        st = SL_EDATA;
    }
    if (!st) out->nrows = 1;
  } else {
    /* the new row first (its TOAST values may come from the old one) */
    out->kind[0] = RK_UPDATE_BEFORE;
    out->kind[1] = RK_UPDATE_AFTER;
    st = fill(d, x, &neu, oldk == 'O' ? &old : NULL, out->row[1], a, why, whyn);
    if (!st && oldk == 'O') {
      st = fill(d, x, &old, NULL, out->row[0], a, why, whyn);
    } else if (!st) {
      /* no full before-image: the key columns (from 'K' when the key changed, else the new
       * row's), the others NULL */
      for (int i = 0; i < d->ncols; i++) {
        int j = x->map[i];
        out->row[0][i] = value_null();
        if (!x->cols[j].key) continue;
        if (oldk == 'K') {
          if (j < old.n && old.kind[j] == 't' &&
              !pgo_text_value(old.s[j], old.len[j], x->cols[j].oid, d->types[i], &out->row[0][i], a,
                              why, whyn))
            st = SL_EDATA;
        } else {
          out->row[0][i] = out->row[1][i];
        }
      }
    }
    if (!st) out->nrows = 2;
  }
done:
  tup_free(&old);
  tup_free(&neu);
  return st;
bad:
  tup_free(&old);
  tup_free(&neu);
  return fail(why, whyn, "malformed change message");
}

sl_status pgo_decode(pgo_dec *d, const uint8_t *p, size_t n, pgo_out *out, sl_arena *a, char *why,
                     size_t whyn) {
  out->nrows = 0;
  if (!n) return fail(why, whyn, "empty pgoutput message");
  rd r = {p + 1, p + n, false};
  switch (p[0]) {
  case 'B':
    d->txn_final_lsn = get(&r, 8);
    get(&r, 8);
    get(&r, 4);
    d->in_txn = true;
    break;
  case 'C': {
    get(&r, 1);
    get(&r, 8);
    uint64_t end = get(&r, 8);
    get(&r, 8);
    if (!r.bad) {
      d->commit_end = end;
      d->in_txn = false;
      d->ncommits++;
    }
    break;
  }
  case 'O': {
    size_t l;
    get(&r, 8);
    get_str(&r, &l);
    break;
  }
  case 'Y': {
    size_t l;
    get(&r, 4);
    get_str(&r, &l);
    get_str(&r, &l);
    break;
  }
  case 'M': r.p = r.e; break; /* a logical message: nothing to emit */
  case 'R': return relation(d, &r, why, whyn);
  case 'I':
  case 'U':
  case 'D': return change(d, (char)p[0], &r, out, a, why, whyn);
  case 'T': {
    int nrel = (int)get(&r, 4);
    get(&r, 1);
    for (int i = 0; i < nrel && !r.bad; i++) {
      pgo_rel *x = rel_find(d, (uint32_t)get(&r, 4));
      if (x && x->ours && !r.bad) {
        snprintf(why, whyn,
                 "table %s.%s was truncated: a TRUNCATE does not say which rows it removed, so "
                 "the changelog cannot follow it",
                 x->nsp, x->name);
        return SL_ERUNTIME;
      }
    }
    break;
  }
  default:
    snprintf(why, whyn, "unknown pgoutput message '%c' (0x%02x)",
             p[0] >= 32 && p[0] < 127 ? p[0] : '?', p[0]);
    return SL_ERUNTIME;
  }
  if (r.bad) {
    snprintf(why, whyn, "malformed pgoutput message '%c'", p[0]);
    return SL_ERUNTIME;
  }
  return SL_OK;
}
