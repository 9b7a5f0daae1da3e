plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
}

// Coordinates for apps that include this build from source (android-demo does,
// with includeBuild): `implementation("dev.genuine:genuine-android:0.1.0")`.
group = "dev.genuine"
version = "0.1.0"

android {
    namespace = "dev.genuine"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].kotlin.srcDir("src/main/kotlin-generated")
    // The SDK's own Kotlin (the default HttpURLConnection transport), shared with the JVM artifact.
    sourceSets["main"].kotlin.srcDir("../kotlin/src/main/kotlin")
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
}
