/* pgcdc.h - what the postgres-cdc connector's files share: the pgoutput decoder
 * (pgcdc_proto.c: logical replication messages to changelog rows, no libpq) and the source
 * (pgcdc.c: connections, snapshot, streaming, delivery). Internal to connector/. */
#ifndef SLUICE_CONNECTOR_PGCDC_H
#define SLUICE_CONNECTOR_PGCDC_H

#include "connector.h"

/* A column of a table as a Relation message describes it. */
typedef struct pgo_col {
  char *name;
  uint32_t oid;
  bool key;
} pgo_col;

typedef struct pgo_rel {
  uint32_t id;
  char *nsp, *name;
  char ident; /* replica identity: 'd' default, 'f' full, 'i' index, 'n' nothing */
  int ncols;
  pgo_col *cols;
  int *map;  /* declared column i -> its index in cols */
  bool ours; /* the table this source reads */
} pgo_rel;

/* The decoder of one source: the declared columns, the relations seen, the transaction. */
typedef struct pgo_dec {
  int ncols;
  const char *const *names;
  const sl_type *types;
  const char *nsp, *table; /* the table read; changes of other tables are skipped */
  pgo_rel *rels;
  int nrels;
  bool in_txn;
  uint64_t txn_final_lsn; /* Begin: the LSN of the transaction's commit record */
  uint64_t commit_end;    /* the end LSN of the last Commit decoded (0: none) */
  uint64_t ncommits, nchanges;
} pgo_dec;

/* The rows one message gives: none, one (+I, -D) or two (-U, +U). Strings are in `a`. */
typedef struct pgo_out {
  int nrows;
  uint8_t kind[2];
  sl_value *row[2]; /* caller-provided, ncols cells each */
} pgo_out;

void pgo_init(pgo_dec *d, int ncols, const char *const *names, const sl_type *types,
              const char *nsp, const char *table);
void pgo_free(pgo_dec *d);
/* Decodes one pgoutput message (the payload of an XLogData). SL_OK: out->nrows rows (0 for
 * Begin, Commit, Relation, other tables ...). SL_EDATA: a value cannot be converted to its
 * declared column (the row is dead-lettered; why says which); SL_ERUNTIME: the stream cannot
 * go on (a malformed message, a dropped or retyped declared column, an unchanged TOAST value
 * with no previous value): why says what. */
sl_status pgo_decode(pgo_dec *d, const uint8_t *p, size_t n, pgo_out *out, sl_arena *a, char *why,
                     size_t whyn);
/* Checks that a column of PostgreSQL type `oid` can be read into declared type t; NULL if so,
 * else what is wrong. */
const char *pgo_type_check(uint32_t oid, sl_type t);
/* PostgreSQL's text output of a value of type oid into a cell of type t (strings copied into
 * a). false with why on a bad value. */
bool pgo_text_value(const char *s, size_t n, uint32_t oid, sl_type t, sl_value *out, sl_arena *a,
                    char *why, size_t whyn);
/* "16/B374D848" */
void pgo_lsn_str(uint64_t lsn, char out[32]);

#endif
