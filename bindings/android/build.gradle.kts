plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

// Coordinates for apps that include this build from source (android-demo does,
// with includeBuild): `implementation("dev.genuine:genuine-android:0.1.0")`.
group = "dev.genuine"
version = "0.1.0"

// The rustls-platform-verifier Kotlin component must match the crate in Cargo.lock.
val rustlsPlatformVerifierVersion: String = run {
    val lock = rootDir.resolve("../../Cargo.lock").readText()
    Regex("""name = "rustls-platform-verifier-android"\s+version = "([^"]+)"""").find(lock)?.groupValues?.get(1)
        ?: "0.1.1"
}

android {
    namespace = "dev.genuine"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].kotlin.srcDir("src/main/kotlin-generated")
    sourceSets["main"].jniLibs.srcDir("src/main/jniLibs")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    packaging {
        // 16 KB pages (Google Play, Android 15+): keep .so files uncompressed and aligned.
        jniLibs.useLegacyPackaging = false
    }
}

dependencies {
    // The @aar flavour of JNA carries its own native libraries for Android ABIs (≥ 5.17: 16 KB aligned).
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    implementation("rustls:rustls-platform-verifier:$rustlsPlatformVerifierVersion")
}
