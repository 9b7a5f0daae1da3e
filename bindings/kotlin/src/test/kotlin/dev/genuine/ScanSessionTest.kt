package dev.genuine

import java.awt.Color
import java.awt.image.BufferedImage
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The SDK's scan session driven as a camera analyzer drives it: frames
 * composed from the fixture photos, one `scanFrame` call each, through the
 * real library.
 */
class ScanSessionTest : DemoVerifierTest() {
    /** A 1280×720 frame with each fixture drawn at its size (pixels) and x offset. */
    private fun frame(vararg codes: Triple<String, Int, Int>): LumaFrame {
        val image = BufferedImage(1280, 720, BufferedImage.TYPE_BYTE_GRAY)
        val g = image.createGraphics()
        g.color = Color(200, 200, 200)
        g.fillRect(0, 0, 1280, 720)
        for ((name, size, x) in codes) {
            g.drawImage(DemoWorld.fixture(name), x, (720 - size) / 2, size, size, null)
        }
        g.dispose()
        return DemoWorld.luma(image)
    }

    @Test
    fun scanAndVerifyGivesEveryCodeOfAFrameWithItsVerdictAndCard() {
        val both = frame(Triple("genuine.png", 520, 60), Triple("tampered.png", 300, 800))
        val found = both.scanAndVerify(verifier)
        assertEquals(2, found.size)
        // The same verdicts as scanLuma and a verify per code.
        val oneByOne = both.scan(verifier).associate { it.text to verifier.verify(it.text) }
        for (code in found) {
            assertEquals(oneByOne[code.text], code.verdict)
            assertEquals(4, code.corners.size)
        }
        assertEquals(setOf(Tone.GENUINE, Tone.DANGER), found.map { it.card.tone }.toSet())
    }

    @Test
    fun theCardFollowsTheCodeAimedAtAndHistoryKeepsOneEntryPerCode() {
        val session = ScanSession(verifier, sameScanMillis = 3_000L)
        // Two codes in view: the bigger (nearer) one gets the card.
        val both = frame(Triple("genuine.png", 520, 60), Triple("tampered.png", 300, 800))
        val first = both.through(session, 0)
        assertEquals(2, first.codes.size)
        assertTrue(first.cardChanged && first.historyChanged)
        assertEquals("Genuine", session.card()?.card?.title)
        // Held in view: no new history entry, frame after frame.
        assertFalse(both.through(session, 1_000).historyChanged)
        assertFalse(both.through(session, 3_500).historyChanged) // the hold keeps it the same scan
        assertEquals(1, session.history().size)

        // The phone moves to the fake: its card, on top of the history.
        val fake = frame(Triple("tampered.png", 520, 400)).through(session, 4_000)
        assertTrue(fake.codes.single().verdict is Verdict.Forged)
        assertTrue(fake.historyChanged)
        assertEquals("Fake code", session.card()?.card?.title)
        assertEquals(listOf("Fake code", "Genuine"), session.history().map { it.card.title })

        // An empty frame leaves the card; closing it clears it.
        assertFalse(frame().through(session, 4_100).cardChanged)
        assertEquals("Fake code", session.card()?.card?.title)
        session.dismiss()
        assertNull(session.card())

        // The genuine code again after a pause: back on top, still one entry per code.
        assertTrue(both.through(session, 20_000).historyChanged)
        assertEquals(listOf("Genuine", "Fake code"), session.history().map { it.card.title })
        assertTrue(session.show(session.history()[1].text))
        assertEquals("Fake code", session.card()?.card?.title)
        assertFalse(session.show("a code never scanned"))
    }

    @Test
    fun theHistoryIsBounded() {
        val session = ScanSession(verifier, historySize = 3)
        val names = listOf("genuine.png", "tampered.png", "revoked-key.png", "other-brand.png", "plain-url.png")
        names.forEachIndexed { i, name -> frame(Triple(name, 520, 300)).through(session, i * 10_000L) }
        val texts = names.map { frame(Triple(it, 520, 300)).scan(verifier).single().text }
        assertEquals(texts.reversed().take(3), session.history().map { it.text })
    }
}
