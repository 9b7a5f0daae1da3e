package dev.genuine

import java.io.BufferedReader
import java.io.File
import java.net.HttpURLConnection
import java.net.URI
import java.net.URLEncoder

/**
 * The `sync-lab` binary (tests/src/bin/sync-lab.rs): a loopback feed that a
 * test drives step by step, the same steps the Rust suite runs. With
 * `bench`, the sync speed benchmark's feed (a 1,000,000-entry base).
 */
class SyncLab(bench: Boolean = false) : AutoCloseable {
    private val process: Process =
        ProcessBuilder(listOf(System.getProperty("genuine.syncLab")) + if (bench) listOf("--bench") else emptyList())
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
