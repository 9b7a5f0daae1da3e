#!/usr/bin/env bash
# The SDK for Android's arm64 target, as far as a machine without the NDK can
# take it (run by tests/run):
# 1. the Rust code type-checked and linted for aarch64-linux-android (the C
#    parts, SQLite, compiled by Debian's aarch64 cross compiler against
#    glibc's headers in place of the NDK's Bionic ones; nothing linked);
# 2. no HTTP or TLS code in the library: apps move the bytes (their own
#    HttpTransport), so none of rustls, ring, webpki, hyper, reqwest, httparse;
# 3. the library linked with build.sh's flags (link-flags.sh) for the
#    aarch64-linux-gnu stand-in, by lld as the NDK links, and every LOAD
#    segment checked for 16 KB alignment (build.sh checks the real .so files).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v ld.lld >/dev/null; then
  apt-get update -qq && apt-get install -y -qq gcc-aarch64-linux-gnu lld >/dev/null
fi
rustup target add aarch64-linux-android aarch64-unknown-linux-gnu >/dev/null 2>&1

CC_aarch64_linux_android=aarch64-linux-gnu-gcc AR_aarch64_linux_android=aarch64-linux-gnu-ar \
  CARGO_TARGET_DIR=target/android-check \
  cargo clippy --locked --target aarch64-linux-android -p genuine-ffi -- -D warnings

tls=$(cargo tree --locked -p genuine-ffi -e normal --target aarch64-linux-android --prefix none \
  | grep -E '^(rustls|ring|rustls-webpki|webpki|hyper|reqwest|httparse) ' || true)
if [ -n "$tls" ]; then
  echo "the mobile library carries HTTP/TLS code:" >&2
  echo "$tls" >&2
  exit 1
fi
echo "genuine-ffi: no HTTP or TLS crates"

. "$here/link-flags.sh"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# gcc finds `ld` first in a -B directory: lld, there.
lld_dir=target/android-check/lld
mkdir -p "$lld_dir" && ln -sf "$(command -v ld.lld)" "$lld_dir/ld"
# shellcheck disable=SC2086 # the flags are words
cargo rustc --locked --target aarch64-unknown-linux-gnu -p genuine-ffi --lib --crate-type cdylib -- \
  -C link-arg=-B"$PWD/$lld_dir" $ANDROID_LINK_FLAGS
"$here/check-alignment.sh" target/aarch64-unknown-linux-gnu/debug/libgenuine_ffi.so
# The library exports only its uniffi API: the bundled SQLite (a trimmed
# build) and every Rust symbol stay inside, so they can never take over the
# app's own SQLite, SQLCipher or another Rust library's symbols.
"$here/check-exports.sh" target/aarch64-unknown-linux-gnu/debug/libgenuine_ffi.so
