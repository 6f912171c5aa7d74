/* json_span.h - internal to format/ (not a public header): a small scanner over one JSON object
 * that finds the spans of named fields without decoding them, for the changelog envelopes
 * (debezium.c owns it; changelog_json.c uses it). Values are checked only for their JSON
 * structure; the rows inside are decoded by the json format. */
#ifndef SLUICE_JSON_SPAN_H
#define SLUICE_JSON_SPAN_H

#include "format.h"

typedef struct fmt_span {
  const char *p;
  size_t n; /* 0: absent */
} fmt_span;

/* The spans of the fields named in keys[] of the object [p, e) (the last one of a repeated
 * name); false when it is not one JSON object. */
bool fmt_json_fields(const char *p, const char *e, const char *const *keys, fmt_span *out, int n);

#endif
