#!/usr/bin/env bash
# Builds the browser's verifier into bindings/wasm/pkg/ (the npm package
# @genuine/verify): the .wasm, its JS glue and TypeScript types. The result is
# committed: the CLI embeds it for `genuine site build`, so a release CLI
# writes a landing page with no Rust toolchain. tests/run builds it again and
# fails if the committed files differ from what the source builds.
#
# Reproducible: paths are remapped (the .wasm names no clone's directory),
# and the glue comes from the workspace's wasm-bindgen (wasm-bindgen-local),
# which the lock file pins to the crate's exact version.
set -euo pipefail
cd "$(dirname "$0")/../.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=$PWD=/genuine --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$(rustc --print sysroot)=/rust"
cargo build --locked -q -p genuine-wasm --target wasm32-unknown-unknown --profile wasm
# WASM_BINDGEN: a wasm-bindgen-local already built (tests/run: the workspace's build).
if [ -z "${WASM_BINDGEN:-}" ]; then
  cargo build --locked -q -p wasm-bindgen-local
  WASM_BINDGEN=target/debug/wasm-bindgen-local
fi
"$WASM_BINDGEN" target/wasm32-unknown-unknown/wasm/genuine_wasm.wasm bindings/wasm/pkg
# Its own description of itself, for the package; nothing a page loads.
rm -f bindings/wasm/pkg/genuine_wasm_bg.wasm.d.ts
gzip -9 -n -c bindings/wasm/pkg/genuine_wasm_bg.wasm | wc -c | xargs printf 'genuine_wasm_bg.wasm: %s bytes gzipped\n'
