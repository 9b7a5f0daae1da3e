#!/usr/bin/env bash
# Builds the Genuine AAR on a machine with the Android NDK (r28+), cargo-ndk and Gradle:
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#   cargo install cargo-ndk
#   bindings/android/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# 16 KB pages and packed relocations: see link-flags.sh (check.sh checks the result).
. "$here/link-flags.sh"
export RUSTFLAGS="${RUSTFLAGS:-} $ANDROID_LINK_FLAGS"
cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 \
  -o "$here/src/main/jniLibs" build --locked --profile release-mobile -p genuine-ffi

# Bindings from a library that still has its uniffi metadata (release-mobile
# strips debug info only), with the workspace's own bindgen.
cargo build --locked --release -p uniffi-bindgen
rm -rf "$here/src/main/kotlin-generated"
target/release/uniffi-bindgen generate --no-format \
  --library "$here/src/main/jniLibs/arm64-v8a/libgenuine_ffi.so" \
  --config "$here/uniffi-android.toml" \
  --language kotlin --out-dir "$here/src/main/kotlin-generated"

# Every LOAD segment 16 KB aligned, or Play refuses the app on 16 KB devices.
for so in "$here"/src/main/jniLibs/*/libgenuine_ffi.so; do
  "$here/check-alignment.sh" "$so"
done

cd "$here"
gradle --no-daemon assembleRelease
echo "AAR: $here/build/outputs/aar/"
