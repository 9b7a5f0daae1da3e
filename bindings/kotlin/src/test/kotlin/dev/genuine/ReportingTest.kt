package dev.genuine

import java.io.File
import java.nio.file.Files
import java.util.concurrent.atomic.AtomicInteger
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Opt-in scan reports through the real bindings (docs/CLONES.md): off by
 * default, and off means not one request; on, a verified scan is queued for
 * its brand. The demo brand publishes no collector, so its reports wait.
 */
class ReportingTest {
    /** The SDK's own transport, counting every request it is asked to make. */
    private class Counting : HttpTransport {
        val requests = AtomicInteger()
        private val real = HttpUrlConnectionTransport()

        override fun `get`(request: HttpRequest): HttpResponse {
            requests.incrementAndGet()
            return real.get(request)
        }

        override fun `post`(request: PostRequest): HttpResponse {
            requests.incrementAndGet()
            return real.post(request)
        }
    }

    private lateinit var dir: File
    private lateinit var verifier: Verifier
    private val transport = Counting()

    @BeforeEach
    fun open() {
        dir = Files.createTempDirectory("genuine-reporting").toFile()
        verifier = DemoWorld.open(File(dir, "genuine.db"), transport = transport)
        verifier.importBundle(DemoWorld.bundle)
    }

    @AfterEach
    fun close() {
        verifier.close()
        dir.deleteRecursively()
    }

    private fun genuineCode(): String = DemoWorld.luma(DemoWorld.fixture("genuine.png")).scan(verifier)[0].text

    @Test
    fun reportingIsOffUntilTheAppTurnsItOnAndOffSendsNothing() {
        val code = genuineCode()
        assertFalse(verifier.reporting())
        assertFalse(verifier.reportScan(code, "u33dbxy"), "off by default: nothing queued")
        assertEquals(ReportUpload(0, 0, 0, 0), verifier.uploadReports())
        assertEquals(0, transport.requests.get(), "reporting off makes no request at all")

        verifier.setReporting(true)
        assertTrue(verifier.reporting())
        assertTrue(verifier.reportScan(code, "u33dbxy"))
        assertFalse(verifier.reportScan("https://example.com/not-a-code"), "only verified codes are reported")
        // The demo brand names no collector: the report waits, nothing is sent.
        assertEquals(ReportUpload(0, 0, 0, 1), verifier.uploadReports())
        assertEquals(0, transport.requests.get())

        verifier.setReporting(false)
        assertEquals(ReportUpload(0, 0, 0, 0), verifier.uploadReports(), "consent withdrawn drops the queue")
        assertEquals(0, transport.requests.get())
    }

    @Test
    fun aReportOfAFakeIsCheckedBeforeAnythingIsSent() {
        val code = genuineCode()
        val notJpeg = assertThrows<GenuineException.BadInput> {
            verifier.reportSuspectedFake(code, FakeReason.PRICE, photo = byteArrayOf(0x47, 0x49, 0x46))
        }
        assertTrue(notJpeg.detail.contains("JPEG"), notJpeg.detail)
        val forged = assertThrows<GenuineException.BadInput> {
            verifier.reportSuspectedFake("https://example.com/01/04012345000009/21/X", FakeReason.OTHER)
        }
        assertTrue(forged.detail.contains("not one a brand signed"), forged.detail)
        // The demo brand takes no reports: said plainly, nothing sent.
        val nowhere = assertThrows<GenuineException.BadInput> {
            verifier.reportSuspectedFake(code, FakeReason.PACKAGING, note = "blurry print")
        }
        assertTrue(nowhere.detail.contains("takes no reports"), nowhere.detail)
        assertEquals(0, transport.requests.get())
    }
}
