package dev.genuine

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.file.Files
import java.util.concurrent.Executors
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The real generated bindings over the real library, on a real JVM. */
class VerifierTest {
    private lateinit var dir: File
    private lateinit var verifier: Verifier

    private fun open(feedUrl: String? = null, timeoutSeconds: Int = 0): Verifier =
        DemoWorld.open(File(dir, "genuine.db"), feedUrl, timeoutSeconds)

    @BeforeEach
    fun setUp() {
        dir = Files.createTempDirectory("genuine-test").toFile()
        verifier = open()
        val report = verifier.importBundle(DemoWorld.bundle)
        assertEquals(listOf(1), report.rootsAdded)
    }

    @AfterEach
    fun tearDown() {
        verifier.close()
        dir.deleteRecursively()
    }

    private fun scanFixture(name: String): String {
        // Rows padded, as a camera hands them over.
        val found = DemoWorld.luma(DemoWorld.fixture(name), padding = 16).scan(verifier)
        assertEquals(1, found.size, name)
        assertEquals(4, found[0].corners.size)
        return found[0].text
    }

    @Test
    fun everyVerdictFromTheFixturePhotos() {
        val genuine = verifier.verify(scanFixture("genuine.png"))
        assertTrue(genuine is Verdict.Authentic, "$genuine")
        genuine as Verdict.Authentic
        assertEquals("Acme Foods", genuine.issuer.brandName)
        assertEquals("09506000134352", genuine.product.gtin)
        assertEquals(Freshness.Unknown, genuine.revocation)

        val lookalike = verifier.verify(scanFixture("lookalike-host.png")) as Verdict.Authentic
        assertTrue(lookalike.warnings.single() is Warning.UnregisteredHost)

        val tampered = verifier.verify(scanFixture("tampered.png")) as Verdict.Forged
        assertEquals(ForgeryReason.BadSignature, tampered.reason)
        val other = verifier.verify(scanFixture("other-brand.png")) as Verdict.Forged
        assertEquals(ForgeryReason.KeyOutOfScope("acme"), other.reason)
        val revoked = verifier.verify(scanFixture("revoked-key.png")) as Verdict.Revoked
        assertEquals(RevocationReason.KEY_REVOKED, revoked.reason)
        assertTrue(verifier.verify(scanFixture("unknown-issuer.png")) is Verdict.UnknownIssuer)
        val plain = verifier.verify(scanFixture("plain-url.png")) as Verdict.NotSigned
        assertEquals(false, plain.productLink)
        assertTrue(verifier.verify("https://id.acme.example/01/09506000134352?sig=short") is Verdict.Malformed)
    }

    @Test
    fun badFramesAndBadBundlesRaiseBadInput() {
        val small = ByteBuffer.allocateDirect(10)
        assertThrows<GenuineException.BadInput> { verifier.scanLuma(small, 100, 100, 100) }
        assertThrows<GenuineException.BadInput> { verifier.scanLuma(small, 0, 0, 0) }
        assertThrows<GenuineException.BadInput> { verifier.scanLuma(small, 10, 1, 9) }
        assertThrows<GenuineException.BadInput> { verifier.scanLuma(small, -1, 1, 1) }
        assertThrows<GenuineException.BadInput> { verifier.importBundle(byteArrayOf(1, 2, 3)) }
        val keys = DemoWorld.roots.rootKeys
        assertEquals(3, keys.size)
        assertThrows<GenuineException.BadInput> {
            Verifier.open(VerifierConfig(File(dir, "x.db").path, keys + "zz", 2, null, 0))
        }
        assertThrows<GenuineException.BadInput> { parseAnchor("threshold 2\nkey 00\n") }
        assertThrows<GenuineException.BadInput> { parseAnchor("key ${keys[0]}\n") } // no threshold
        // An error reads as words in logs and crash reports (toString), with its fields kept.
        val network = GenuineException.Network("timed out", true)
        assertEquals("could not fetch the feed: timed out (try again later)", network.toString())
        assertTrue(refusedKey(keys).toString().startsWith("bad input to the Genuine SDK: "))
        // Text is never an exception: it is a verdict.
        assertTrue(verifier.verify("\u0000".repeat(10_000)) is Verdict.NotSigned)
    }

    /**
     * A plane is read from the buffer's position, whatever the buffer: a frame
     * inside a larger direct buffer (a pool, a ring) scans as itself, and a
     * heap buffer, which has no native address, is a clear BadInput.
     */
    @Test
    fun aFrameIsReadFromTheBuffersPositionAndHeapBuffersAreRefused() {
        val frame = DemoWorld.luma(DemoWorld.fixture("genuine.png"), padding = 8)
        val expected = frame.scan(verifier).single().text
        val plane = ByteArray(frame.buffer.capacity()).also { frame.buffer.duplicate().get(it) }
        // The same plane 4099 bytes into a pool, with junk before and after it.
        val pool = ByteBuffer.allocateDirect(4099 + plane.size + 100)
        repeat(pool.capacity()) { pool.put(it, 0x33) }
        pool.position(4099)
        pool.put(plane)
        pool.position(4099)
        val atOffset = LumaFrame(pool, frame.width, frame.height, frame.stride)
        assertEquals(expected, atOffset.scan(verifier).single().text)
        assertEquals(expected, atOffset.scanAndVerify(verifier).single().text)
        assertEquals(4099, pool.position(), "the caller's buffer is left as it was")

        val heap = ByteBuffer.wrap(plane)
        val refused = assertThrows<GenuineException.BadInput> {
            verifier.scanLuma(heap, frame.width, frame.height, frame.stride)
        }
        assertTrue(refused.detail.contains("allocateDirect"), refused.detail)
        assertThrows<GenuineException.BadInput> {
            ScanSession(verifier).scanFrame(heap, frame.width, frame.height, frame.stride, 0)
        }
    }

    private fun refusedKey(keys: List<String>): GenuineException =
        assertThrows<GenuineException.BadInput> { Verifier.open(VerifierConfig(File(dir, "y.db").path, keys + "zz", 2, null, 0)) }

    /** Serves a feed directory on 127.0.0.1 (the misbehaving server is SyncLabTest's). */
    private fun serveFeed(
        feed: File,
        seen: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf()),
        delayMillis: Long = 0,
    ): HttpServer {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.executor = Executors.newCachedThreadPool()
        server.createContext("/") { exchange ->
            val path = exchange.requestURI.path.trimStart('/')
            seen.add(path)
            Thread.sleep(delayMillis)
            val file = File(feed, path)
            if (file.isFile) {
                val body = file.readBytes()
                exchange.sendResponseHeaders(200, body.size.toLong())
                exchange.responseBody.use { it.write(body) }
            } else {
                exchange.sendResponseHeaders(404, -1)
                exchange.close()
            }
        }
        server.start()
        return server
    }

    private fun publishDemoFeed(rotateRoot: Boolean = false): File {
        val feed = File(dir, "feed")
        val tool = System.getProperty("genuine.feedTool")
        val args = listOf(tool, feed.path) + if (rotateRoot) listOf("--rotate-root") else emptyList()
        val process = ProcessBuilder(args).inheritIO().start()
        assertEquals(0, process.waitFor())
        return feed
    }

    @Test
    fun syncFromACoroutineAgainstALoopbackFeed() {
        val server = serveFeed(publishDemoFeed())
        val events = java.util.concurrent.CopyOnWriteArrayList<LogEvent>()
        setLogger(object : GenuineLogger {
            override fun log(event: LogEvent) {
                events.add(event)
            }
        })
        try {
            val url = "http://127.0.0.1:${server.address.port}/"
            open(url).use { v ->
                val before = v.verify(scanFixture("genuine-full.png"))
                assertTrue(before is Verdict.Authentic, "$before")
                val statuses = java.util.concurrent.LinkedBlockingQueue<TrustStatus>()
                runBlocking {
                    // The status as it is, then the one the sync leaves behind.
                    val watching = launch(Dispatchers.IO) { v.statusUpdates().collect { statuses.put(it) } }
                    assertEquals(null, statuses.poll(10, java.util.concurrent.TimeUnit.SECONDS).lastSync)
                    val report = v.sync()
                    assertEquals(1L, report.timestampVersion)
                    assertTrue(report.bytesFetched > 0)
                    val after = statuses.poll(10, java.util.concurrent.TimeUnit.SECONDS)
                    assertEquals(1L, after.timestampVersion)
                    assertEquals(Freshness.Fresh, after.freshness)
                    watching.cancelAndJoin()
                }
                val after = v.verify(scanFixture("genuine-full.png")) as Verdict.Revoked
                assertEquals(RevocationReason.BATCH_RECALLED, after.reason)
                assertEquals(Freshness.Fresh, v.status().freshness)
                // The app's logger heard about the sync, with its duration.
                val synced = events.single { it.topic == "sync" }
                assertEquals(LogLevel.INFO, synced.level)
                assertTrue(synced.message.startsWith("synced: timestamp v1"), synced.message)
                assertTrue((synced.millis ?: -1) >= 0)
            }
        } finally {
            setLogger(null)
            server.stop(0)
        }
    }

    /** Two syncs at once (a pull-to-refresh during the periodic job) make one fetch and share its report. */
    @Test
    fun concurrentSyncsJoinOneFetch() {
        val seen = java.util.Collections.synchronizedList(mutableListOf<String>())
        // Each answer takes 100 ms, so the second sync starts while the first runs.
        val server = serveFeed(publishDemoFeed(), seen, delayMillis = 100)
        try {
            open("http://127.0.0.1:${server.address.port}/").use { v ->
                val (a, b) = runBlocking {
                    val first = async(Dispatchers.IO) { v.sync() }
                    val second = async(Dispatchers.IO) { v.sync() }
                    first.await() to second.await()
                }
                assertEquals(a, b)
                assertEquals(1L, a.timestampVersion)
                assertEquals(1, seen.count { it == "v1/timestamp" }, "one fetch for both: $seen")
            }
        } finally {
            server.stop(0)
        }
    }

    /**
     * Security review finding 4: an app that imports its shipped bundle at every
     * launch (the Android demo does) stopped opening after the operator's first
     * root rotation. The shipped bundle is older than the store: skipped, never an error.
     */
    @Test
    fun reImportingTheShippedBundleAfterARootRotationIsHarmless() {
        val server = serveFeed(publishDemoFeed(rotateRoot = true))
        try {
            val url = "http://127.0.0.1:${server.address.port}/"
            open(url).use { v ->
                val synced = runBlocking { v.sync() }
                assertEquals(listOf(2), synced.rootsAdded)
                assertTrue(synced.refused.isEmpty(), "${synced.refused}")
                repeat(2) { // two more launches
                    val again = v.importBundle(DemoWorld.bundle)
                    assertTrue(again.rootsAdded.isEmpty())
                    assertTrue(again.refused.isEmpty(), "${again.refused}")
                }
                assertEquals(2, v.status().rootVersion)
                assertTrue(v.verify(scanFixture("genuine.png")) is Verdict.Authentic)
            }
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun eightThreadsVerifyAtOnce() {
        val code = scanFixture("genuine.png")
        val pool = Executors.newFixedThreadPool(8)
        val results = (0 until 8).map {
            pool.submit<Int> { (0 until 200).count { verifier.verify(code) is Verdict.Authentic } }
        }
        assertEquals(8 * 200, results.sumOf { it.get() })
        pool.shutdown()
    }

    @Test
    fun aDamagedStoreIsRebuiltNotACrash() {
        verifier.close()
        val db = File(dir, "genuine.db")
        db.writeBytes(ByteArray(db.length().toInt()) { 0x42 })
        verifier = open()
        val status = verifier.status()
        assertTrue(status.rebuiltAfterCorruption)
        assertNull(status.rootVersion)
        verifier.importBundle(DemoWorld.bundle)
        assertTrue(verifier.verify(scanFixture("genuine.png")) is Verdict.Authentic)
    }

    @Test
    fun closeFreesTheVerifier() {
        val v = open()
        v.close()
        assertThrows<IllegalStateException> { v.verify("x") }
    }

    /**
     * The scan effort reaches the scanner: live, a 1080p frame is decoded at
     * half size, so the code's corners come back on the half-size grid
     * (even pixels); photo decodes it whole. Both read the code.
     */
    @Test
    fun theLiveEffortScansA1080pFrameAtHalfSize() {
        val code = DemoWorld.luma(DemoWorld.fixture("genuine.png"))
        val (width, height) = 1920 to 1080
        val frame = ByteBuffer.allocateDirect(width * height)
        for (i in 0 until width * height) frame.put(i, 200.toByte())
        for (y in 0 until code.height) {
            for (x in 0 until code.width) frame.put((301 + y) * width + 701 + x, code.buffer.get(y * code.stride + x))
        }
        val text = code.scan(verifier).single().text
        fun corners() = verifier.scanLuma(frame, width, height, width).single().also { assertEquals(text, it.text) }
            .corners.flatMap { listOf(it.x, it.y) }
        assertTrue(corners().all { it % 2 == 0 }, "live (the default) decodes it at half size")
        verifier.setScanEffort(ScanEffort.PHOTO)
        assertTrue(corners().any { it % 2 != 0 }, "photo decodes the frame whole")
        verifier.setScanEffort(ScanEffort.LIVE)
        assertTrue(corners().all { it % 2 == 0 })
    }
}
