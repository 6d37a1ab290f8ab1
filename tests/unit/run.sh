#!/bin/sh
# Runs each Check unit-test binary; prints a total line; fails if any failed.
set -u
pass=0 fail=0
for t in "$@"; do
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "unit test binaries: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
