#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 12: the CI smoke run, about
# a minute in all) and fails on any crash, hang (over 1 s for one input) or,
# under AddressSanitizer, leak. SANITIZER (default address) is cargo-fuzz's
# -s: CI's smoke run passes none, because every crate the targets reach in
# this repository forbids unsafe code and the ASan build costs CI 1.5 of its
# 3.5 minutes; the long runs keep ASan for the dependencies' unsafe code.
#   fuzz/run.sh 600            # ten minutes a target, under ASan
#   fuzz/run.sh 12 none        # CI's smoke run
# New inputs go to fuzz/work/<target> (not committed); fuzz/corpus holds the seeds.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-12}"
sanitizer="${2:-address}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in $(cargo +nightly fuzz list); do
  mkdir -p "work/$target"
  echo "== fuzz $target for ${secs}s (sanitizer: $sanitizer)"
  log="work/$target.log"
  if ! cargo +nightly fuzz run -O -s "$sanitizer" "$target" "work/$target" "corpus/$target" -- \
      -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $target failed: see fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$log" || true
done
