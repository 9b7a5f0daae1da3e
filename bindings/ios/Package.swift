// swift-tools-version:5.9
// Genuine for iOS: the Rust library as an XCFramework (built by
// build-xcframework.sh on a Mac with Xcode), the generated Swift bindings and a
// small facade for camera frames.
import PackageDescription

let package = Package(
    name: "Genuine",
    platforms: [.iOS(.v15), .macOS(.v13)],
    products: [
        .library(name: "Genuine", targets: ["Genuine"]),
    ],
    targets: [
        .binaryTarget(name: "GenuineFFIFFI", path: "GenuineFFIFFI.xcframework"),
        .target(
            name: "Genuine",
            dependencies: ["GenuineFFIFFI"],
            path: "Sources/Genuine"
        ),
        .testTarget(
            name: "GenuineTests",
            dependencies: ["Genuine"],
            path: "Tests/GenuineTests",
            resources: [.copy("Fixtures")]
        ),
    ]
)
