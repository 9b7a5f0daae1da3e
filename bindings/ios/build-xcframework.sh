#!/usr/bin/env bash
# Builds GenuineFFIFFI.xcframework and the Swift bindings on a Mac with Xcode:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   bindings/ios/build-xcframework.sh && (cd bindings/ios && swift build)
# Tests: xcodebuild test -scheme Genuine -destination 'platform=iOS Simulator,name=iPhone 16'
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --locked --profile release-mobile --target "$target" -p genuine-ffi
done
out="$root/target/ios"
rm -rf "$out" && mkdir -p "$out/sim" "$out/headers"
lipo -create \
  target/aarch64-apple-ios-sim/release-mobile/libgenuine_ffi.a \
  target/x86_64-apple-ios/release-mobile/libgenuine_ffi.a \
  -output "$out/sim/libgenuine_ffi.a"

# Bindings from a library that keeps its uniffi metadata, with the workspace's bindgen.
cargo build --locked --release -p uniffi-bindgen
target/release/uniffi-bindgen generate \
  --library target/aarch64-apple-ios/release-mobile/libgenuine_ffi.a \
  --language swift --out-dir "$out/bindings"
cp "$out/bindings/GenuineFFIFFI.h" "$out/headers/"
cp "$out/bindings/GenuineFFIFFI.modulemap" "$out/headers/module.modulemap"
mkdir -p "$here/Sources/Genuine/Generated"
cp "$out/bindings/GenuineFFI.swift" "$here/Sources/Genuine/Generated/"

rm -rf "$here/GenuineFFIFFI.xcframework"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release-mobile/libgenuine_ffi.a -headers "$out/headers" \
  -library "$out/sim/libgenuine_ffi.a" -headers "$out/headers" \
  -output "$here/GenuineFFIFFI.xcframework"

# Test fixtures: the demo photos and trust.
mkdir -p "$here/Tests/GenuineTests/Fixtures"
cp tests/fixtures/*.png cli/demo/anchor.txt cli/demo/trust.bundle "$here/Tests/GenuineTests/Fixtures/"
echo "built $here/GenuineFFIFFI.xcframework"
