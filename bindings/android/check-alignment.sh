#!/usr/bin/env bash
# Fails unless every LOAD segment of the shared library $1 is aligned to at
# least 16 KB (0x4000), as Android 15+ devices with 16 KB pages need.
set -euo pipefail
so=$1
aligns=$(readelf -lW "$so" | awk '$1 == "LOAD" { print $NF }')
[ -n "$aligns" ] || { echo "$so: no LOAD segments" >&2; exit 1; }
for a in $aligns; do
  if (( a < 0x4000 )); then
    echo "$so: a LOAD segment aligned to $a, under 16 KB" >&2
    exit 1
  fi
done
echo "$so: $(echo "$aligns" | wc -l) LOAD segments, each aligned to 16 KB or more"
