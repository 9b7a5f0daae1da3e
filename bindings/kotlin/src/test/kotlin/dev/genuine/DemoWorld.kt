package dev.genuine

import java.awt.image.BufferedImage
import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import javax.imageio.ImageIO
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach

/** A luma plane as a camera hands it over: a direct buffer, `stride` bytes a row. */
data class LumaFrame(val buffer: ByteBuffer, val width: Int, val height: Int, val stride: Int) {
    fun scan(verifier: Verifier): List<ScanResult> =
        verifier.scanLuma(buffer, width, height, stride)

    fun scanAndVerify(verifier: Verifier): List<ScannedVerdict> =
        verifier.scanAndVerify(buffer, width, height, stride)

    fun through(session: ScanSession, nowMillis: Long): FrameReport =
        session.scanFrame(buffer, width, height, stride, nowMillis)
}

/** The demo world's files (cli/demo, tests/fixtures) for the JVM tests. */
object DemoWorld {
    val repo = File(System.getProperty("genuine.repo") ?: "../..")

    val bundle: ByteArray
        get() = File(repo, "cli/demo/trust.bundle").readBytes()

    val roots: PinnedRoots
        get() = parseAnchor(File(repo, "cli/demo/anchor.txt").readText())

    /** A verifier on `db`, pinned to the demo roots, syncing through `transport`; no bundle imported yet. */
    fun open(
        db: File,
        feedUrl: String? = null,
        timeoutSeconds: Int = 0,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): Verifier {
        val roots = roots
        val config = VerifierConfig(db.path, roots.rootKeys, roots.rootThreshold, feedUrl, timeoutSeconds)
        return Verifier.open(config, transport)
    }

    fun fixture(name: String): BufferedImage = ImageIO.read(File(repo, "tests/fixtures/$name"))

    /** `image` as luma (BT.601), each row followed by `padding` bytes a camera might leave there. */
    fun luma(image: BufferedImage, padding: Int = 0): LumaFrame {
        val stride = image.width + padding
        val buffer = ByteBuffer.allocateDirect(stride * image.height)
        for (y in 0 until image.height) {
            for (x in 0 until stride) {
                val luma = if (x < image.width) {
                    val rgb = image.getRGB(x, y)
                    (((rgb shr 16) and 0xff) * 299 + ((rgb shr 8) and 0xff) * 587 + (rgb and 0xff) * 114) / 1000
                } else {
                    0x5a
                }
                buffer.put(y * stride + x, luma.toByte())
            }
        }
        return LumaFrame(buffer, image.width, image.height, stride)
    }
}

/** Each test gets a fresh store in a temporary directory with the demo bundle imported. */
abstract class DemoVerifierTest {
    protected lateinit var dir: File
    protected lateinit var verifier: Verifier

    @BeforeEach
    fun openDemoVerifier() {
        dir = Files.createTempDirectory("genuine-test").toFile()
        verifier = DemoWorld.open(File(dir, "genuine.db"))
        verifier.importBundle(DemoWorld.bundle)
    }

    @AfterEach
    fun closeDemoVerifier() {
        verifier.close()
        dir.deleteRecursively()
    }
}
