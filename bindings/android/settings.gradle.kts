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
    }
}

rootProject.name = "genuine-android"
