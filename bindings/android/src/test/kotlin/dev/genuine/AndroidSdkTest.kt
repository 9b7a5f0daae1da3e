package dev.genuine

import android.os.Build
import java.io.File
import java.nio.ByteBuffer
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/**
 * The Android-flavoured bindings and the SDK's Kotlin on the Android 14
 * framework (Robolectric), with the real library: what an app's process runs,
 * short of the device's ABI.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AndroidSdkTest {
    private val repo = File(System.getProperty("genuine.repo") ?: "../..")

    @Test
    fun theAndroidBindingsOpenImportScanAndVerifyOnTheAndroidFramework() {
        assertEquals(34, Build.VERSION.SDK_INT)
        val dir = kotlin.io.path.createTempDirectory("genuine-android").toFile()
        val roots = parseAnchor(File(repo, "cli/demo/anchor.txt").readText())
        val config = VerifierConfig(File(dir, "g.db").path, roots.rootKeys, roots.rootThreshold)
        // Verifier.open with the SDK's HttpURLConnection transport, as an app does.
        Verifier.open(config, HttpUrlConnectionTransport()).use { verifier ->
            verifier.importBundle(File(repo, "cli/demo/trust.bundle").readBytes())
            assertEquals(1, verifier.status().rootVersion)
            // A blank frame at a non-zero position of a direct buffer: no code, no error.
            val pool = ByteBuffer.allocateDirect(64 + 320 * 240)
            repeat(pool.capacity()) { pool.put(it, 0xC8.toByte()) }
            pool.position(64)
            assertTrue(verifier.scanAndVerify(pool, 320, 240, 320).isEmpty())
            val text = Regex("\"name\": \"genuine\",\\s*\"text\": \"([^\"]+)\"")
                .find(File(repo, "docs/test-vectors/vectors.json").readText())!!.groupValues[1]
            val verdict = verifier.verify(text)
            assertTrue("$verdict", verdict is Verdict.Authentic)
            assertEquals("Genuine", Wording.english().describe(verdict).title)
        }
        dir.deleteRecursively()
    }
}
