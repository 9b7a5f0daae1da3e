#!/usr/bin/env bash
# The SDK for Android's arm64 target, as far as a machine without the NDK can
# take it (run by tests/run): the Rust code — the JNI entry point for the
# platform verifier and rustls-platform-verifier's Android side included —
# type-checked and linted for aarch64-linux-android. The C parts (SQLite,
# ring) are compiled by Debian's aarch64 cross compiler against glibc's
# headers in place of the NDK's Bionic ones; nothing is linked, so this proves
# the Rust side builds for Android, not that the .so links (build.sh does that
# on a machine with the NDK).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  apt-get update -qq && apt-get install -y -qq gcc-aarch64-linux-gnu >/dev/null
fi
rustup target add aarch64-linux-android >/dev/null 2>&1
CC_aarch64_linux_android=aarch64-linux-gnu-gcc AR_aarch64_linux_android=aarch64-linux-gnu-ar \
  CARGO_TARGET_DIR=target/android-check \
  cargo clippy --locked --target aarch64-linux-android -p genuine-ffi -- -D warnings
