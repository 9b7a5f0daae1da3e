package dev.genuine

import dev.genuine.examples.OkHttpTransport
import java.io.BufferedReader
import java.io.File
import java.net.HttpURLConnection
import java.net.URI
import java.net.URLEncoder
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
    /** The `sync-lab` binary: a loopback feed the test drives step by step. */
    private class Lab : AutoCloseable {
        private val process: Process = ProcessBuilder(System.getProperty("genuine.syncLab"))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val url: String = process.inputStream.bufferedReader().readLine()
            ?: error("sync-lab printed no URL")

        fun ask(path: String): String {
            val connection = URI("${url}_lab/$path").toURL().openConnection() as HttpURLConnection
            val status = connection.responseCode
            val text = (if (status == 200) connection.inputStream else connection.errorStream)
                .bufferedReader().use(BufferedReader::readText)
            check(status == 200) { "lab $path: $status $text" }
            return text
        }

        fun steps(): List<Pair<String, String>> =
            ask("steps").lines().map { it.substringBefore(' ') to it.substringAfter(' ') }

        /** The store at `db`, as the Rust suite dumps it. */
        fun dump(db: File): String = ask("dump?db=" + URLEncoder.encode(db.path, Charsets.UTF_8))

        override fun close() {
            process.outputStream.close()
            process.destroy()
        }
    }

    private fun runSuite(transport: HttpTransport) {
        val dir = Files.createTempDirectory("genuine-lab").toFile()
        try {
            Lab().use { lab ->
                val db = File(dir, "genuine.db")
                DemoWorld.open(db, lab.url, timeoutSeconds = 1u, transport = transport).use { v ->
                    v.importBundle(DemoWorld.bundle)
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
                            "delta" -> assertEquals(1uL, report?.revocationEntries, "$name: $outcome")
                            "base" -> assertTrue((report?.revocationEntries ?: 0uL) > 1uL, "$name: $outcome")
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
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun everyStepThroughTheDefaultHttpUrlConnectionTransport() = runSuite(HttpUrlConnectionTransport())

    @Test
    fun everyStepThroughAnAppsOwnOkHttpClient() = runSuite(OkHttpTransport(OkHttpClient()))
}
