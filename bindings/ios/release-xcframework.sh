#!/usr/bin/env bash
# Makes the iOS SDK installable by URL, on a Mac with Xcode, after
# build-xcframework.sh:
#   bindings/ios/release-xcframework.sh https://sdk.brand.example/genuine/0.1.0
# writes target/ios-release/GenuineFFIFFI.xcframework.zip (upload it under
# that base URL) and points Package.swift at it with its SwiftPM checksum.
# Commit Package.swift and Sources/Genuine/Generated/ on the release tag:
# an app then adds the package at that tag and SwiftPM fetches and verifies
# the binary.
set -euo pipefail
base_url="${1:?usage: release-xcframework.sh BASE_URL}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/ios-release"
rm -rf "$out" && mkdir -p "$out"
(cd "$here" && ditto -c -k --sequesterRsrc --keepParent GenuineFFIFFI.xcframework "$out/GenuineFFIFFI.xcframework.zip")
checksum=$(cd "$here" && swift package compute-checksum "$out/GenuineFFIFFI.xcframework.zip")
url="${base_url%/}/GenuineFFIFFI.xcframework.zip"
sed -i '' \
  -e "s|^let releasedXCFrameworkURL: String? = .*|let releasedXCFrameworkURL: String? = \"$url\"|" \
  -e "s|^let releasedXCFrameworkChecksum = .*|let releasedXCFrameworkChecksum = \"$checksum\"|" \
  "$here/Package.swift"
echo "upload $out/GenuineFFIFFI.xcframework.zip to $url (checksum $checksum)"
