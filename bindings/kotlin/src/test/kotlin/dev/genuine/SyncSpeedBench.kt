package dev.genuine

import dev.genuine.examples.OkHttpTransport
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Test

/**
 * Sync speed through each transport, in one run against one loopback feed:
 * a base of 1,000,000 revoked serials, then a delta of 10,000 (the figures of
 * docs/BENCHMARKS.md's "Sync at scale"). reqwest is timed inside the Rust
 * lab process (the CLI's path); the Kotlin transports through the generated
 * bindings, the whole `sync()` call. Runs only when named:
 *
 *     mvn -B -ntp -f bindings/kotlin/pom.xml test -Dtest=SyncSpeedBench -Dsurefire.failIfNoSpecifiedTests=false \
 *         -Dcargo.profile=release -Dcargo.dir=release
 */
class SyncSpeedBench {
    private fun timeSync(v: Verifier): Double {
        val start = System.nanoTime()
        runBlocking { v.sync() }
        return (System.nanoTime() - start) / 1e6
    }

    @Test
    fun syncSpeedThroughEachTransport() {
        val dir = Files.createTempDirectory("genuine-sync-bench").toFile()
        try {
            SyncLab(bench = true).use { lab ->
                val kotlin = listOf(
                    "HttpURLConnection (SDK default)" to HttpUrlConnectionTransport(),
                    "OkHttp (INTEGRATION.md example)" to OkHttpTransport(OkHttpClient()),
                ).map { (name, transport) ->
                    val v = DemoWorld.open(File(dir, "$name.db"), lab.url, timeoutSeconds = 60, transport = transport)
                    v.importBundle(DemoWorld.bundle)
                    name to v
                }
                val base = mutableListOf("reqwest (Rust, CLI)" to lab.ask("bench/reqwest-sync").toDouble())
                kotlin.forEach { (name, v) -> base += name to timeSync(v) }
                lab.ask("bench/delta")
                val delta = mutableListOf("reqwest (Rust, CLI)" to lab.ask("bench/reqwest-sync").toDouble())
                kotlin.forEach { (name, v) -> delta += name to timeSync(v) }
                kotlin.forEach { it.second.close() }

                println("| transport | base of 1,000,000 entries | vs reqwest | delta of 10,000 entries | vs reqwest |")
                println("|---|---|---|---|---|")
                for (i in base.indices) {
                    val (name, b) = base[i]
                    val d = delta[i].second
                    println(
                        "| $name | %.0f ms | %.2f× | %.1f ms | %.2f× |".format(b, b / base[0].second, d, d / delta[0].second),
                    )
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
