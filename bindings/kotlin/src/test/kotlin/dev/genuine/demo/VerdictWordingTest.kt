package dev.genuine.demo

import dev.genuine.DemoVerifierTest
import dev.genuine.DemoWorld
import dev.genuine.ForgeryReason
import dev.genuine.Freshness
import dev.genuine.GenuineException
import dev.genuine.Issuer
import dev.genuine.Product
import dev.genuine.RevocationReason
import dev.genuine.Verdict
import dev.genuine.Warning
import dev.genuine.demo.wording.Tone
import dev.genuine.demo.wording.VerdictText
import dev.genuine.demo.wording.VerdictWording
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** android-demo's verdict wording, fed real verdicts from the real library. */
class VerdictWordingTest : DemoVerifierTest() {
    /** The fixture photo through scanLuma and verify, as the demo's analyzer does it. */
    private fun verdictOf(name: String): Verdict =
        verifier.verify(DemoWorld.luma(DemoWorld.fixture(name)).scan(verifier).single().text)

    private fun assertWellFormed(t: VerdictText) {
        assertTrue(t.title.isNotBlank() && t.title.split(' ').size <= 4, "short title: ${t.title}")
        for (sentence in listOf(t.explanation, t.nextStep)) {
            // One sentence: capitalised, ends once, no placeholder left.
            assertTrue(sentence.first().isUpperCase(), sentence)
            assertTrue(sentence.endsWith("."), sentence)
            assertFalse(sentence.dropLast(1).contains(". "), "one sentence: $sentence")
            assertFalse(sentence.contains("null") || sentence.contains("\${"), sentence)
        }
    }

    @Test
    fun theFixturePhotosReadAsAShopperShouldSeeThem() {
        val genuine = VerdictWording.describe(verdictOf("genuine.png"))
        assertEquals("Genuine", genuine.title)
        assertEquals(Tone.GENUINE, genuine.tone)
        assertTrue(genuine.explanation.startsWith("Acme Foods "), genuine.explanation)
        assertTrue(genuine.details.any { it.label == "Product (GTIN)" && it.value == "09506000134352" })
        // Never synced: the card must not claim recalls were checked.
        assertTrue(genuine.notes.any { it.startsWith("Recalls not checked") }, "${genuine.notes}")

        val lookalike = VerdictWording.describe(verdictOf("lookalike-host.png"))
        assertEquals(Tone.CAUTION, lookalike.tone)
        val host = ((verdictOf("lookalike-host.png") as Verdict.Authentic).warnings.single() as Warning.UnregisteredHost).host
        assertTrue(lookalike.explanation.contains(host), lookalike.explanation)

        val tampered = VerdictWording.describe(verdictOf("tampered.png"))
        assertEquals("Fake code" to Tone.DANGER, tampered.title to tampered.tone)
        val other = VerdictWording.describe(verdictOf("other-brand.png"))
        assertEquals(Tone.DANGER, other.tone)
        assertTrue(other.explanation.contains("acme's key"), other.explanation)

        val revoked = VerdictWording.describe(verdictOf("revoked-key.png"))
        assertEquals("Revoked code" to Tone.DANGER, revoked.title to revoked.tone)
        assertTrue(revoked.explanation.contains("withdrew the key"), revoked.explanation)

        assertEquals(Tone.CAUTION, VerdictWording.describe(verdictOf("unknown-issuer.png")).tone)
        assertEquals("Not a product code", VerdictWording.describe(verdictOf("plain-url.png")).title)
        for (name in listOf("genuine.png", "lookalike-host.png", "tampered.png", "other-brand.png", "revoked-key.png",
                            "unknown-issuer.png", "plain-url.png")) {
            assertWellFormed(VerdictWording.describe(verdictOf(name)))
        }
    }

    private val product = Product("09506000134352", "S1", "L42", null, "2026-05-01", "id.acme.example")
    private val issuer = Issuer("acme", "Acme Foods", 1u)

    @Test
    fun everyVerdictAndReasonHasItsOwnWords() {
        val day = 86_400uL * 20_000uL // 2024-10-04
        val verdicts = listOf(
            Verdict.Authentic(product, issuer, Freshness.Fresh, emptyList()),
            Verdict.Authentic(product, issuer, Freshness.Fresh, listOf(Warning.ProductExpired("2026-05-01"))),
            Verdict.Authentic(product, issuer, Freshness.Fresh, listOf(Warning.UnregisteredHost("acme.example.evil"))),
        ) + RevocationReason.entries.map { Verdict.Revoked(product, issuer, it, day) } + listOf(
            ForgeryReason.BadSignature, ForgeryReason.KeyOutOfScope("globex"),
            ForgeryReason.KeyNotYetValid(day), ForgeryReason.KeyExpired(day),
        ).map { Verdict.Forged(product, it) } + listOf(
            Verdict.UnknownIssuer(product, 9u), Verdict.NotSigned(true), Verdict.NotSigned(false),
            Verdict.Malformed("bad sig"),
        )
        val texts = verdicts.map(VerdictWording::describe)
        texts.forEach(::assertWellFormed)
        // No two situations explained alike.
        assertEquals(texts.size, texts.map { it.explanation }.toSet().size)

        val byReason = RevocationReason.entries.zip(texts.subList(3, 7)).toMap()
        assertEquals("Recalled product", byReason[RevocationReason.BATCH_RECALLED]!!.title)
        assertTrue(byReason[RevocationReason.BATCH_RECALLED]!!.explanation.contains("batch L42 on 2024-10-04"))
        assertEquals("Copied code", byReason[RevocationReason.CODE_CLONED]!!.title)
        assertTrue(byReason.values.all { it.tone == Tone.DANGER })
        assertTrue(texts[1].explanation.contains("expired on 2026-05-01") && texts[1].tone == Tone.CAUTION)
        assertTrue(texts.subList(7, 11).all { it.title == "Fake code" && it.tone == Tone.DANGER })
        assertTrue(texts[8].explanation.contains("globex's key"))
        assertEquals(Tone.NEUTRAL, texts[12].tone)
        assertEquals(4, Tone.entries.map { it.argb }.toSet().size)
    }

    @Test
    fun freshnessAndProblemsInPlainWords() {
        assertEquals(
            "Recall lists last updated 1 day ago; connect to the internet to refresh them.",
            VerdictWording.freshness(Freshness.Stale(1u)),
        )
        assertTrue(VerdictWording.freshness(Freshness.Stale(12u)).contains("12 days ago"))
        assertTrue(VerdictWording.freshness(Freshness.Fresh).contains("last 24 hours"))
        val clock = VerdictWording.describe(
            Verdict.Authentic(product, issuer, Freshness.Stale(3u), listOf(Warning.ClockBehind(0uL, 86_400uL * 20_000uL))),
        )
        assertEquals(Tone.GENUINE, clock.tone)
        assertEquals(2, clock.notes.size)
        assertTrue(clock.notes[0].contains("1970-01-01") && clock.notes[0].contains("2024-10-04"), clock.notes[0])

        val status = VerdictWording.status(verifier.status())
        assertTrue(status.startsWith("Never updated."), status)
        assertTrue(VerdictWording.syncProblem(GenuineException.Network("x", true)).contains("try again later"))
        assertTrue(VerdictWording.syncProblem(GenuineException.FeedRefused("rollback")).contains("unchanged"))
    }
}
