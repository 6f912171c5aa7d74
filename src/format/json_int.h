/* json_int.h - internal to format/ (not a public header): what the JSON decoder's files share.
 * The key tree (json_keys.c): the declared columns as the objects a record holds, so a ROW
 * column's leaves ("bid.auction", nest 1) are found inside the object value of "bid"; and the
 * decoder's cold text helpers (json_text.c): unescaping, compact text of nested JSON, exact
 * number conversions. json.c owns the record loop and the scanner. */
#ifndef SLUICE_JSON_INT_H
#define SLUICE_JSON_INT_H

#include "json_fast.h"

/* One field name an object of the schema knows: a leaf column, or a ROW (an object whose
 * fields are the members of group `sub`). */
typedef struct json_key {
  const char *name; /* the field's own name (one part of a column's path), NUL-terminated */
  uint32_t len;
  uint32_t hash;    /* json_hash of the name */
  int col;          /* the leaf column, -1 for a ROW */
  int sub;          /* ROW: its group */
  int group;        /* the group it is a member of */
  int pos;          /* its place among the group's members */
  bool plain;       /* printable ASCII without '"' or '\\': its raw JSON text is the name */
  const char *path; /* for messages: the column's name, or the ROW's dotted path */
  int path_col;     /* the column the ROW's path is a prefix of (for messages) */
} json_key;

/* One object of the schema: the record (group 0) or a ROW column's value. */
typedef struct json_group {
  int *members; /* key ids, in declaration order */
  int n;
  int *leaves; /* every leaf column below it (all depths): NULL when the ROW is null */
  int nleaves;
} json_group;

/* The schema's objects with only the needed leaves (a ROW none of whose leaves is needed is not
 * there at all, so its value is skipped), and an open-addressing table over (group, name). */
typedef struct json_keys {
  json_key *keys;
  int nkeys;
  json_group *groups;
  int ngroups;
  int32_t *table; /* key id + 1, 0 = empty */
  uint32_t mask;
  char *names; /* the names' storage */
} json_keys;

/* Builds the tree from a schema: column i's name is split at its first nest[i] dots. */
void json_keys_build(json_keys *k, const fmt_schema *s);
void json_keys_free(json_keys *k);
/* A cheap hash of a field name's bytes. */
uint32_t json_hash(const char *s, size_t n);
/* The key id of name [s, s+n) in group g, or -1. */
int json_keys_find(const json_keys *k, int g, const char *s, size_t n, uint32_t h);

/* ---- cold text helpers (json_text.c) ---- */

/* Unescapes a validated raw JSON string's content into the arena. */
const char *fmt_json_unescape(const char *s, size_t n, sl_arena *a, size_t *outn);
/* Compact text of a valid JSON object or array, as Flink (Jackson's toString) puts one into a
 * STRING column. */
const char *fmt_json_compact(const char *s, size_t n, sl_arena *a, size_t *outn);
/* Exactly rounded text (a valid JSON number) to double. */
double fmt_json_parse_double(const char *s, size_t n);
/* A JSON number into INT/BIGINT as Flink reads it (see json_text.c). */
bool fmt_json_num_to_int(const char *s, size_t n, bool is_int, sl_type t, sl_value *out, char *why,
                         size_t whyn);

#endif
