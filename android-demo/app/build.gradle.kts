plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

// The pinned roots (anchor.txt) and trust bundle (trust.bundle) the app ships
// as assets: the demo world's by default (the CLI's embedded ones), or your own
// from `genuine bundle --out trust.bundle --anchor-out anchor.txt` with
// -Pgenuine.trustDir=DIR. Only those two files are copied: a state file with
// secret seeds in the same directory never reaches the APK.
val trustDir = providers.gradleProperty("genuine.trustDir").map { rootProject.file(it) }
    .orElse(rootProject.layout.projectDirectory.dir("../cli/demo").asFile)
val trustAssets = layout.buildDirectory.dir("generated/trust-assets")
val copyTrustAssets = tasks.register<Copy>("copyTrustAssets") {
    from(trustDir) { include("anchor.txt", "trust.bundle") }
    into(trustAssets)
    doLast {
        for (name in listOf("anchor.txt", "trust.bundle")) {
            check(trustAssets.get().file(name).asFile.isFile) { "$name missing from ${trustDir.get()}" }
        }
    }
}
tasks.named("preBuild") { dependsOn(copyTrustAssets) }

android {
    namespace = "dev.genuine.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.genuine.demo"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        val feedUrl = providers.gradleProperty("genuine.feedUrl").get()
        buildConfigField("String", "FEED_URL", "\"$feedUrl\"")
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    sourceSets["main"].assets.srcDir(trustAssets)

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
            // A demo: signed with the debug key so `installRelease` works anywhere.
            signingConfig = signingConfigs.getByName("debug")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    // Kotlin 2.2's Gradle plugin: compilerOptions (kotlinOptions was removed).
    compilerOptions { jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17) }
}

dependencies {
    implementation("dev.genuine:genuine-android:0.1.0")

    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")

    val camerax = "1.4.1"
    implementation("androidx.camera:camera-camera2:$camerax")
    implementation("androidx.camera:camera-lifecycle:$camerax")
    implementation("androidx.camera:camera-view:$camerax")

    implementation("androidx.work:work-runtime-ktx:2.10.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
