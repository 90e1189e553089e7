#!/bin/sh
# Runs every test script in this folder; fails if any fails.
dir=$(dirname "$0")
status=0
for t in "$dir"/*_test.sh; do
  [ -e "$t" ] || continue
  if sh "$t"; then echo "ok   $t"; else echo "FAIL $t"; status=1; fi
done
exit $status
