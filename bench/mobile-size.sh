#!/usr/bin/env bash
# Stripped size of the mobile library (genuine-ffi, release-mobile profile),
# printed as a table:
#   bench/mobile-size.sh [BASELINE_REV]
# - x86_64 Linux: the proxy docs/BENCHMARKS.md has always reported;
# - x86_64 with packed relative relocations (Android's linker packs them, and
#   iOS's chained fixups are compact too);
# - aarch64, the ISA of arm64-v8a phones and iPhones, linked by lld with the
#   relocation packing bindings/android/build.sh asks the NDK's lld for (the
#   figure held to the 2.5 MB target), without it, and with SQLite's unwind
#   tables kept; Debian's aarch64 cross compiler stands in for the NDK's C side;
# - x86_64 without rxing;
# - with BASELINE_REV, the x86_64 proxy and the packed aarch64 library at that
#   revision, built in the same run.
# Installs Debian's aarch64 cross gcc and lld if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/size
mkdir -p "$out"

if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v ld.lld >/dev/null; then
  apt-get update -qq && apt-get install -y -qq gcc-aarch64-linux-gnu lld >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1
# gcc finds `ld` first in a -B directory: lld, there.
mkdir -p "$out/lld" && ln -sf "$(command -v ld.lld)" "$out/lld/ld"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar

# build NAME DIR STRIP RUSTFLAGS [cargo args...]: prints the stripped size.
build() {
  local name=$1 dir=$2 strip=$3 flags=$4
  shift 4
  (cd "$dir" && RUSTFLAGS="$flags" CARGO_TARGET_DIR="$out/$name" \
    cargo build --quiet --locked --profile release-mobile -p genuine-ffi "$@")
  local lib
  lib=$(find "$out/$name" -path '*release-mobile/libgenuine_ffi.so' | head -1)
  "$strip" -o "$out/$name.so" "$lib"
  stat -c %s "$out/$name.so"
}

row() { python3 -c 'import sys; n=int(sys.argv[2]); print(f"| {sys.argv[1]} | {n:,} bytes ({n/1e6:.2f} MB) | {sys.argv[3]} |")' "$@"; }

packed="-C link-arg=-B$out/lld -C link-arg=-Wl,--pack-dyn-relocs=android"
arm=(--target aarch64-unknown-linux-gnu)
proxy=$(build x86_64 "$root" strip "")
echo "| configuration | stripped size | vs the x86_64 proxy |"
echo "|---|---|---|"
row "x86_64 Linux (the proxy)" "$proxy" "1.00×"
ratio() { python3 -c 'import sys; print(f"{int(sys.argv[1])/int(sys.argv[2]):.2f}×")' "$1" "$proxy"; }
if [ $# -ge 1 ]; then
  base=$out/baseline-src
  rm -rf "$base" && git worktree prune && git worktree add --quiet --detach "$base" "$1"
  size=$(build baseline "$base" strip "")
  row "x86_64 Linux at $1 (baseline)" "$size" "$(ratio "$size")"
  size=$(build baseline-aarch64-packed "$base" aarch64-linux-gnu-strip "$packed" "${arm[@]}")
  row "aarch64, packed, at $1 (baseline)" "$size" "$(ratio "$size")"
  git worktree remove --force "$base"
fi
size=$(build x86_64-relr "$root" strip "-C link-arg=-Wl,-z,pack-relative-relocs")
row "x86_64, packed relative relocations" "$size" "$(ratio "$size")"
size=$(build aarch64 "$root" aarch64-linux-gnu-strip "" "${arm[@]}")
row "aarch64 (arm64 ISA)" "$size" "$(ratio "$size")"
# SQLite with its unwind tables, as before .cargo/config.toml dropped them.
size=$(CFLAGS_aarch64_unknown_linux_gnu="" build aarch64-packed-unwind "$root" aarch64-linux-gnu-strip "$packed" "${arm[@]}")
row "aarch64, packed, SQLite with unwind tables" "$size" "$(ratio "$size")"
arm64=$(build aarch64-packed "$root" aarch64-linux-gnu-strip "$packed" "${arm[@]}")
row "**aarch64, lld with Android's relocation packing (as build.sh links it)**" "$arm64" "$(ratio "$arm64")"
size=$(build x86_64-no-rxing "$root" strip "" --no-default-features)
row "x86_64 without rxing (\`--no-default-features\`)" "$size" "$(ratio "$size")"
python3 -c 'import sys; n=int(sys.argv[1]); met="met" if n <= 2_500_000 else "NOT met"; print(f"\narm64: {n/1e6:.2f} MB; target at most 2.5 MB: {met}")' "$arm64"
