package dev.genuine.demo

import dev.genuine.DemoVerifierTest
import dev.genuine.DemoWorld
import dev.genuine.Verdict
import dev.genuine.demo.session.FoundCode
import dev.genuine.demo.session.ScanSession
import java.awt.Color
import java.awt.image.BufferedImage
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * android-demo's scan session driven as its analyzer drives it: frames
 * composed from the fixture photos, through scanLuma and verify.
 */
class ScanSessionTest : DemoVerifierTest() {
    /** A 1280×720 frame with each fixture drawn at its size (pixels) and x offset. */
    private fun frame(vararg codes: Triple<String, Int, Int>): List<FoundCode> {
        val image = BufferedImage(1280, 720, BufferedImage.TYPE_BYTE_GRAY)
        val g = image.createGraphics()
        g.color = Color(200, 200, 200)
        g.fillRect(0, 0, 1280, 720)
        for ((name, size, x) in codes) {
            g.drawImage(DemoWorld.fixture(name), x, (720 - size) / 2, size, size, null)
        }
        g.dispose()
        return DemoWorld.luma(image).scan(verifier).map { code ->
            FoundCode(code.text, verifier.verify(code.text), code.corners.map { it.x.toFloat() to it.y.toFloat() })
        }
    }

    @Test
    fun theCardFollowsTheCodeAimedAtAndHistoryKeepsOneEntryPerCode() {
        val session = ScanSession(sameScanMillis = 3_000)
        // Two codes in view: the bigger (nearer) one gets the card.
        val both = frame(Triple("genuine.png", 520, 60), Triple("tampered.png", 300, 800))
        assertEquals(2, both.size)
        assertTrue(session.onFrame(both, nowMillis = 0))
        assertEquals("Genuine", session.card?.card?.title)
        // Held in view: no new history entry, frame after frame.
        assertFalse(session.onFrame(both, nowMillis = 1_000))
        assertFalse(session.onFrame(both, nowMillis = 3_500)) // the hold keeps it the same scan
        assertEquals(1, session.history.size)

        // The phone moves to the fake: its card, on top of the history.
        val fake = frame(Triple("tampered.png", 520, 400))
        assertTrue(fake.single().verdict is Verdict.Forged)
        assertTrue(session.onFrame(fake, nowMillis = 4_000))
        assertEquals("Fake code", session.card?.card?.title)
        assertEquals(listOf("Fake code", "Genuine"), session.history.map { it.card.title })

        // An empty frame leaves the card; closing it clears it.
        assertFalse(session.onFrame(emptyList(), nowMillis = 4_100))
        assertEquals("Fake code", session.card?.card?.title)
        session.dismiss()
        assertNull(session.card)

        // The genuine code again after a pause: back on top, still one entry per code.
        assertTrue(session.onFrame(both, nowMillis = 20_000))
        assertEquals(listOf("Genuine", "Fake code"), session.history.map { it.card.title })
        session.show(session.history[1])
        assertEquals("Fake code", session.card?.card?.title)
    }

    @Test
    fun theHistoryIsBounded() {
        val session = ScanSession(historySize = 3)
        val product = (verifier.verify("https://example.com/x") as Verdict.NotSigned)
        for (i in 0 until 5) {
            session.onFrame(listOf(FoundCode("text $i", product, listOf(0f to 0f, 1f to 0f, 1f to 1f))), i * 10_000L)
        }
        assertEquals(listOf("text 4", "text 3", "text 2"), session.history.map { it.text })
    }
}
