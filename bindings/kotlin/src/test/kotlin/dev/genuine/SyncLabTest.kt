package dev.genuine

import dev.genuine.examples.OkHttpTransport
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail

/**
 * The misbehaving-server suite (tests/src/lab.rs, the same steps the Rust
 * suite runs through reqwest) through the real generated bindings on a real
 * JVM: one device syncs through every step — first sync, 304, delta, base,
 * rollback, mix-and-match, endless data, a chunk size of 2^64-1, an
 * oversized head, slow retrieval, truncation, 404, 500, cancellation,
 * recovery, freeze — and each refusal leaves its store byte for byte as it was.
 */
class SyncLabTest {
    /** A fresh lab and a verifier with the demo bundle syncing from it through `transport`. */
    private fun withLab(transport: HttpTransport, timeoutSeconds: Int, body: (SyncLab, File, Verifier) -> Unit) {
        val dir = Files.createTempDirectory("genuine-lab").toFile()
        try {
            SyncLab().use { lab ->
                val db = File(dir, "genuine.db")
                DemoWorld.open(db, lab.url, timeoutSeconds, transport).use { v ->
                    v.importBundle(DemoWorld.bundle)
                    body(lab, db, v)
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun runSuite(transport: HttpTransport) =
        withLab(transport, timeoutSeconds = 1) { lab, db, v ->
            for ((name, expect) in lab.steps()) {
                assertEquals(expect, lab.ask("step/$name"))
                val before = lab.dump(db)
                if (expect == "cancelled") {
                    runBlocking {
                        val pending = async(Dispatchers.IO) { v.sync() }
                        delay(300)
                        pending.cancelAndJoin()
                    }
                    assertEquals(before, lab.dump(db), "$name changed the store")
                    continue
                }
                val outcome = runCatching { runBlocking { v.sync() } }
                val report = outcome.getOrNull()
                val error = outcome.exceptionOrNull()
                when (expect.substringBefore(':')) {
                    "synced" -> assertTrue(report != null && !report.notModified && report.refused.isEmpty(), "$name: $outcome")
                    "not-modified" -> assertTrue(report?.notModified == true, "$name: $outcome")
                    "delta" -> assertEquals(1L, report?.revocationEntries, "$name: $outcome")
                    "base" -> assertTrue((report?.revocationEntries ?: 0L) > 1L, "$name: $outcome")
                    "network", "feed-refused" -> {
                        val words = expect.substringAfter(':')
                        val detail = when (error) {
                            is GenuineException.Network -> if (expect.startsWith("network")) error.detail else null
                            is GenuineException.FeedRefused -> if (expect.startsWith("feed")) error.detail else null
                            else -> null
                        } ?: fail("$name: expected $expect, got $outcome")
                        assertTrue(detail.contains(words), "$name: $detail")
                        assertEquals(before, lab.dump(db), "$name changed the store: $detail")
                    }
                    else -> fail("$name: unknown expectation $expect")
                }
            }
        }

    /**
     * A cancel stops a request stalled mid-body at once, not at its deadline
     * (60 s here): `cancelSync()` from another thread (Swift's path), then a
     * coroutine cancel (Kotlin's).
     */
    private fun cancelStopsAStalledRequest(transport: HttpTransport) =
        withLab(transport, timeoutSeconds = 60) { lab, db, v ->
            assertEquals("cancelled", lab.ask("step/cancelled")) // the snapshot stalls
            val before = lab.dump(db)
            val started = System.nanoTime()
            Thread { Thread.sleep(300); v.cancelSync() }.start()
            val error = assertThrows<GenuineException.Network> { runBlocking { v.sync() } }
            val seconds = (System.nanoTime() - started) / 1e9
            assertTrue(error.detail.contains("cancelled") && seconds < 5, "${error.detail} after $seconds s")
            assertEquals(before, lab.dump(db))

            // A coroutine cancel: the sync's own thread must stop too, or the
            // next sync would wait for it (one sync at a time) until the deadline.
            runBlocking {
                val pending = async(Dispatchers.IO) { v.sync() }
                delay(300)
                pending.cancelAndJoin()
            }
            assertEquals(before, lab.dump(db))
            lab.ask("step/recovered")
            val next = System.nanoTime()
            runBlocking { v.sync() }
            val waited = (System.nanoTime() - next) / 1e9
            assertTrue(waited < 5, "the next sync waited $waited s for the cancelled one")
        }

    @Test
    fun everyStepThroughTheDefaultHttpUrlConnectionTransport() = runSuite(HttpUrlConnectionTransport())

    @Test
    fun cancelSyncStopsTheDefaultTransportAtOnce() = cancelStopsAStalledRequest(HttpUrlConnectionTransport())

    @Test
    fun cancelSyncStopsAnOkHttpCallAtOnce() = cancelStopsAStalledRequest(OkHttpTransport(OkHttpClient()))

    @Test
    fun everyStepThroughAnAppsOwnOkHttpClient() = runSuite(OkHttpTransport(OkHttpClient()))
}
