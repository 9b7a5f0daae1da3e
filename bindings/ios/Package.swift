// swift-tools-version:5.9
// Genuine for iOS: the Rust library as an XCFramework, the generated Swift
// bindings and a small facade for camera frames.
//
// From a checkout: build-xcframework.sh builds the XCFramework next to this
// file and the package uses it by path. A release (release-xcframework.sh)
// zips it, computes its checksum and writes the two lines below, so an app
// adds the package by URL and SwiftPM downloads the binary and checks it.
import PackageDescription

let releasedXCFrameworkURL: String? = nil
let releasedXCFrameworkChecksum = ""

let binary: Target = releasedXCFrameworkURL.map {
    .binaryTarget(name: "GenuineFFIFFI", url: $0, checksum: releasedXCFrameworkChecksum)
} ?? .binaryTarget(name: "GenuineFFIFFI", path: "GenuineFFIFFI.xcframework")

let package = Package(
    name: "Genuine",
    // iOS only: the XCFramework has device and simulator slices, no macOS one.
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Genuine", targets: ["Genuine"]),
    ],
    targets: [
        binary,
        .target(
            name: "Genuine",
            dependencies: ["GenuineFFIFFI"],
            path: "Sources/Genuine",
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
        .testTarget(
            name: "GenuineTests",
            dependencies: ["Genuine"],
            path: "Tests/GenuineTests",
            resources: [.copy("Fixtures")]
        ),
    ]
)
