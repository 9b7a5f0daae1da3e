// The Genuine Android SDK: an AAR with the Rust library for arm64-v8a,
// armeabi-v7a and x86_64 and the generated Kotlin bindings. Build with
// ./build.sh (needs the Android NDK and cargo-ndk), then `gradle assembleRelease`.
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
        // rustls-platform-verifier's small Kotlin component, published by the
        // rustls project; the version must match Cargo.lock (see build.gradle.kts).
        maven { url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/") }
    }
}

rootProject.name = "genuine-android"
