// Genuine's Android demo: a camera scanner built on the SDK's public API only.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "genuine-demo"
include(":app")

// The SDK from source: dev.genuine:genuine-android resolves to bindings/android,
// exactly as a brand's app would consume the published AAR. Run
// bindings/android/build.sh once first (it builds the Rust library for each ABI).
includeBuild("../bindings/android")
