#!/usr/bin/env bash
# `sluice diff` semantics as data: every tests/diff/*.case (inputs, arguments, expected exit
# status and JSON report subset) run by diff_cases.py.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
python3 tests/e2e/diff_cases.py "$S" tests/diff/*.case
