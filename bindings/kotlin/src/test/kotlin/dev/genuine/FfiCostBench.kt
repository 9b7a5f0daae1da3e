package dev.genuine

import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import org.junit.jupiter.api.Test

/**
 * Benchmark, not a test (excluded from `mvn test`; no timing is asserted):
 * the cost of the FFI for scanLuma on a 1080p frame and for verify, against
 * the same calls in Rust, and one scanAndVerify (or ScanSession.scanFrame)
 * per frame against scanLuma plus a verify per code, measured in one run.
 *
 *   mvn -B -ntp -f bindings/kotlin/pom.xml test -Dtest=FfiCostBench -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dcargo.profile=release -Dcargo.dir=release
 */
class FfiCostBench {
    private fun medianUs(rounds: Int, f: () -> Unit): Double {
        val times = DoubleArray(rounds) {
            val t = System.nanoTime()
            f()
            (System.nanoTime() - t) / 1000.0
        }
        times.sort()
        return times[rounds / 2]
    }

    private fun field(json: String, name: String): String =
        Regex("\"$name\":(\"[^\"]*\"|[0-9.]+)").find(json)!!.groupValues[1].trim('"')

    @Test
    fun ffiCost() {
        val dir = Files.createTempDirectory("genuine-bench").toFile()
        val baseline = File(System.getProperty("genuine.baseline"))
        val proc = ProcessBuilder(baseline.path, dir.path).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val json = proc.inputStream.bufferedReader().readText().trim()
        check(proc.waitFor() == 0) { "baseline failed" }

        val width = field(json, "width").toInt()
        val height = field(json, "height").toInt()
        val stride = field(json, "stride").toInt()
        val code = field(json, "code")
        val rustVerify = field(json, "verify_us").toDouble()

        fun plane(name: String): ByteBuffer {
            val bytes = File(dir, name).readBytes()
            return ByteBuffer.allocateDirect(bytes.size).put(bytes).rewind() as ByteBuffer
        }
        val frame = plane("frame.luma")
        val empty = plane("empty.luma")
        DemoWorld.open(File(dir, "b.db")).use { v ->
            v.importBundle(DemoWorld.bundle)
            check(v.scanLuma(frame, width, height, stride).size == 1)
            check(v.verify(code) is Verdict.Authentic)
            repeat(200) { v.verify(code) } // warm up the JIT
            println("| call | Rust (in-process) | Kotlin (through the bindings) | ratio |")
            println("|---|---|---|---|")
            for (effort in listOf(ScanEffort.PHOTO, ScanEffort.LIVE)) {
                v.setScanEffort(effort)
                val name = effort.name.lowercase()
                check(v.scanLuma(frame, width, height, stride).size == 1 && v.scanLuma(empty, width, height, stride).isEmpty())
                for ((what, plane, key) in listOf(Triple("with a code", frame, "scan"), Triple("without a code", empty, "empty"))) {
                    val rust = field(json, "${key}_${name}_us").toDouble()
                    val kt = medianUs(50) { v.scanLuma(plane, width, height, stride) }
                    println("| scanLuma (%s), 1920x1080 frame %s, row stride %d | %.0f µs | %.0f µs | %.3f× |".format(name, what, stride, rust, kt, kt / rust))
                }
            }
            v.setScanEffort(ScanEffort.PHOTO)
            val ktVerify = medianUs(2000) { v.verify(code) }
            println("| verify | %.1f µs | %.1f µs | %.2f× |".format(rustVerify, ktVerify, ktVerify / rustVerify))

            // One frame, every code verified: two crossings per code, or one per frame.
            val session = ScanSession(v)
            val separate = medianUs(50) { v.scanLuma(frame, width, height, stride).forEach { v.verify(it.text) } }
            val together = medianUs(50) { v.scanAndVerify(frame, width, height, stride) }
            val inSession = medianUs(50) { session.scanFrame(frame, width, height, stride, 0L) }
            println()
            println("| per frame, through the bindings | median | ratio to scanLuma + verify |")
            println("|---|---|---|")
            println("| scanLuma, then verify each code (baseline) | %.0f µs | 1.000× |".format(separate))
            println("| scanAndVerify | %.0f µs | %.3f× |".format(together, together / separate))
            println("| ScanSession.scanFrame (also picks the card, keeps history) | %.0f µs | %.3f× |".format(inSession, inSession / separate))
        }
        dir.deleteRecursively()
    }
}
