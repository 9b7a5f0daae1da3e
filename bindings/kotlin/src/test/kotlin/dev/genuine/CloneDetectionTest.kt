package dev.genuine

import dev.genuine.examples.OkHttpTransport
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO
import javax.net.SocketFactory
import okhttp3.OkHttpClient
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

/**
 * Copied codes end to end through the real bindings (docs/CLONES.md): a
 * brand made with the real `genuine` CLI, its collector and feed served on
 * 127.0.0.1; two phones on two networks, one in Berlin and one in Paris,
 * scan the same box through a `ScanSession` within the hour with reporting
 * on; the collector flags the serial; the brand approves it and publishes;
 * a third phone's next `sync()` turns the serial's verdict into REVOKED
 * (copied).
 */
class CloneDetectionTest {
    private lateinit var dir: File
    private val servers = mutableListOf<Process>()

    @BeforeEach
    fun makeDir() {
        dir = Files.createTempDirectory("genuine-clones").toFile()
    }

    @AfterEach
    fun stop() {
        servers.forEach { it.destroy(); it.waitFor(5, TimeUnit.SECONDS) }
        dir.deleteRecursively()
    }

    /** Runs the brand's CLI in [dir]; its standard output. */
    private fun genuine(vararg args: String): String {
        val process = ProcessBuilder(listOf(System.getProperty("genuine.cli")) + args)
            .directory(dir)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val out = process.inputStream.bufferedReader().readText()
        assertEquals(0, process.waitFor(), "genuine ${args.joinToString(" ")}: $out")
        return out
    }

    /** Starts a CLI server; the URL it prints first. */
    private fun serve(vararg args: String): String {
        val process = ProcessBuilder(listOf(System.getProperty("genuine.cli")) + args)
            .directory(dir)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        servers += process
        val line = process.inputStream.bufferedReader().readLine() ?: error("${args[0]} printed nothing")
        val url = line.trim().substringAfterLast(' ').trimEnd('/')
        assertTrue(url.startsWith("http://127.0.0.1:"), line)
        return url
    }

    /**
     * A phone's own HTTP stack (OkHttp) on its own network: every
     * connection leaves from 127.0.[network].1, so the collector sees two
     * phones as two network origins, as it would see two cities.
     */
    private fun onNetwork(network: Int): HttpTransport {
        val local = InetAddress.getByName("127.0.$network.1")
        val sockets = object : SocketFactory() {
            override fun createSocket(): Socket = Socket().apply { bind(InetSocketAddress(local, 0)) }
            override fun createSocket(host: String, port: Int): Socket =
                createSocket().apply { connect(InetSocketAddress(host, port)) }
            override fun createSocket(host: String, port: Int, localHost: InetAddress, localPort: Int): Socket =
                createSocket(host, port)
            override fun createSocket(host: InetAddress, port: Int): Socket =
                createSocket().apply { connect(InetSocketAddress(host, port)) }
            override fun createSocket(address: InetAddress, port: Int, localAddress: InetAddress, localPort: Int): Socket =
                createSocket(address, port)
        }
        return OkHttpTransport(OkHttpClient.Builder().socketFactory(sockets).build())
    }

    private fun phone(name: String, feedUrl: String, transport: HttpTransport): Verifier {
        val roots = parseAnchor(File(dir, "anchor.txt").readText())
        val config = VerifierConfig(File(dir, "$name.db").path, roots.rootKeys, roots.rootThreshold, feedUrl, 10)
        // As an app ships it: the bundle of the first release (made before the
        // brand named its collector; the phone learns that at its first sync).
        return Verifier.open(config, transport).apply { importBundle(File(dir, "trust.bundle").readBytes()) }
    }

    @Test
    fun aBoxScannedInTwoCitiesBecomesRevokedOnEveryPhone() {
        genuine("root", "init")
        genuine("brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example")
        genuine("key", "new", "--brand", "tea")
        val code = genuine("issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "COPIED234", "--out", "box.png").trim()
        genuine("bundle")
        val collector = serve("collect", "serve", "--addr", "127.0.0.1:0", "--db", "collector-trust.db",
            "--anchor", "anchor.txt", "--bundle", "trust.bundle")
        // The collector's address goes in the brand's root-signed record, which phones sync.
        genuine("brand", "edit", "--brand", "tea", "--collector", collector)
        genuine("feed", "publish", "--out", "feed")
        val feed = serve("feed", "serve", "feed", "--addr", "127.0.0.1:0")
        // A third phone, which will never scan the box: GENUINE for now.
        val third = phone("third", feed, HttpUrlConnectionTransport())
        third.syncBlocking()
        assertTrue(third.verify(code) is Verdict.Authentic)

        // The box as a camera sees it, through each phone's scanner screen.
        val box = DemoWorld.luma(ImageIO.read(File(dir, "box.png")))
        for ((network, city, place) in listOf(Triple(1, "berlin", "u33dbf9"), Triple(2, "paris", "u09tvw"))) {
            phone(city, feed, onNetwork(network)).use { verifier ->
                verifier.syncBlocking()
                verifier.setReporting(true)
                val session = ScanSession(verifier)
                session.setPlace(place)
                var now = 1_000L
                repeat(5) { box.through(session, now); now += 33 } // a code held in view is one scan
                assertEquals(code, session.card()?.text)
                assertEquals(ReportUpload(1, 0, 0, 0), verifier.uploadReports(), city)
            }
        }

        val listed = genuine("clones", "list")
        assertTrue(listed.contains("04012345000009/COPIED234 (tea): impossible-travel"), listed)
        assertTrue(listed.contains("2 installs on 2 networks"), listed)
        genuine("clones", "approve", "--serial", "04012345000009/COPIED234")
        genuine("feed", "publish", "--out", "feed")

        // The third phone learns it at its next sync.
        third.use { verifier ->
            verifier.syncBlocking()
            val verdict = verifier.verify(code) as Verdict.Revoked
            assertEquals(RevocationReason.CODE_CLONED, verdict.reason)
        }
    }
}
