/* json_fast.h - internal to format/ (not a public header): the JSON decoder's fast paths for
 * timestamps and DECIMAL numbers (json_fast.c; json.c uses them). */
#ifndef SLUICE_JSON_FAST_H
#define SLUICE_JSON_FAST_H

#include "format.h"

/* The date part of the last timestamp read and its day number, kept by the decoder. */
typedef struct fmt_ts_cache {
  char date[10];
  int64_t days;
} fmt_ts_cache;

/* "yyyy-MM-dd HH:mm:ss.SSS" (or with 'T') into milliseconds, as ts_parse reads it; false for
 * any other text. */
bool fmt_json_fast_ts(fmt_ts_cache *c, const char *s, size_t n, int64_t *ms);
/* A JSON number without exponent, at most 18 digits and no more fraction digits than t's
 * scale, into a DECIMAL of type t, as dec_parse reads it; false otherwise (including too many
 * digits for the type). */
bool fmt_json_fast_dec(const char *s, size_t n, sl_type t, sl_value *out);

#endif
