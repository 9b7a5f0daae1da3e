#!/usr/bin/env bash
# The arm64 code paths on an x86_64 machine (run by tests/run): the core's
# tests and the end-to-end tests of the crypto and the scanner (signature
# vectors, verdicts, real images through the real decoders), cross-compiled
# for aarch64-unknown-linux-gnu — the ISA of arm64-v8a phones and iPhones —
# and run under qemu-user. Installs Debian's qemu-user-static and aarch64
# cross gcc when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-aarch64-static >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  apt-get update -qq && apt-get install -y -qq qemu-user-static gcc-aarch64-linux-gnu >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L /usr/aarch64-linux-gnu"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
target=aarch64-unknown-linux-gnu
# The format's and the store's own tests.
cargo test --locked --target "$target" -p genuine-format -p genuine-store --lib
# The scanner's (the 20-megapixel frame test is arithmetic, not ISA: 70 s
# under emulation, skipped here), with real images through the real decoders.
cargo test --locked --target "$target" -p genuine-scan --features images,rxing,compare --lib --test scanner -- \
  --skip a_long_thin_frame_stays_within_the_work_limits
# Signature vectors and verdicts end to end.
cargo test --locked --target "$target" -p genuine --test vectors --test verdicts
