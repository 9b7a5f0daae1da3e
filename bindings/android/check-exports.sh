#!/usr/bin/env bash
# check-exports.sh LIB.so: fails unless every dynamic symbol the library
# defines is part of its uniffi API (uniffi_*, ffi_genuine_ffi_*, UNIFFI_META_*).
set -euo pipefail
lib="$1"
nm_tool=nm
command -v aarch64-linux-gnu-nm >/dev/null && nm_tool=aarch64-linux-gnu-nm
exported=$("$nm_tool" -D --defined-only "$lib" | awk '{print $3}')
others=$(grep -vE '^(uniffi_genuine_ffi_|ffi_genuine_ffi_|UNIFFI_META_)' <<<"$exported" || true)
if [ -n "$others" ]; then
  echo "$lib exports symbols outside its API:" >&2
  head -20 <<<"$others" >&2
  exit 1
fi
echo "$lib: $(wc -l <<<"$exported") exported symbols, all uniffi API (no sqlite3_*, no Rust internals)"
