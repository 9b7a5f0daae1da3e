plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.2.21"
    `maven-publish`
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
    packaging {
        // 16 KB pages (Google Play, Android 15+): keep .so files uncompressed and aligned.
        jniLibs.useLegacyPackaging = false
    }
    publishing {
        singleVariant("release") { withSourcesJar() }
    }
}

kotlin {
    // Kotlin 2.2's Gradle plugin: compilerOptions (kotlinOptions was removed).
    compilerOptions { jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17) }
}

// `gradle publishReleasePublicationToGenuineRepository` writes the AAR with a
// POM that names its dependencies (JNA's AAR, coroutines, androidx.annotation)
// to build/repo; a brand serves that folder as a Maven repository
// (docs/INTEGRATION.md, "Hosting the SDK").
publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = "dev.genuine"
            artifactId = "genuine-android"
            version = project.version.toString()
            afterEvaluate { from(components["release"]) }
        }
    }
    repositories {
        maven {
            name = "genuine"
            url = uri(layout.buildDirectory.dir("repo"))
        }
    }
}

dependencies {
    // The @aar flavour of JNA carries its own native libraries for Android ABIs (≥ 5.17: 16 KB aligned).
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // The Android-flavoured bindings use @RequiresApi (android.system.SystemCleaner on API 33+).
    implementation("androidx.annotation:annotation:1.9.1")
}
