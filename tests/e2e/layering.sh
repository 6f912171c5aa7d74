#!/usr/bin/env bash
# The runtime (expr/, format/, ops/, pipeline/, connector/, state/, value/) must not include the SQL front
# end's header, directly or through another runtime header. Checked with the preprocessor:
# every runtime source is expanded and must not pull in src/sql/sql.h.
set -u
cd "${ROOT:-$(dirname "$0")/../..}"
bad=0
for f in src/expr/*.c src/format/*.c src/ops/*.c src/pipeline/*.c src/connector/*.c src/state/*.c \
  src/value/*.c; do
  if gcc -std=c11 -D_GNU_SOURCE -M "$f" 2>/dev/null | tr ' \\' '\n\n' | grep -q 'sql/sql\.h$'; then
    echo "$f includes src/sql/sql.h"
    bad=1
  fi
done
exit $bad
