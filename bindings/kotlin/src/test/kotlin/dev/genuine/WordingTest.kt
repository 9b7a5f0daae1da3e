package dev.genuine

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The SDK's shopper-facing wording, fed real verdicts from the real library. */
class WordingTest : DemoVerifierTest() {
    private val wording = Wording.english()

    /** The fixture photo through scanAndVerify, as the demo's analyzer does it. */
    private fun cardOf(name: String): VerdictCard = DemoWorld.luma(DemoWorld.fixture(name)).scanAndVerify(verifier).single().card

    private fun verdictOf(name: String): Verdict = DemoWorld.luma(DemoWorld.fixture(name)).scanAndVerify(verifier).single().verdict

    private fun assertWellFormed(t: VerdictCard) {
        assertTrue(t.title.isNotBlank() && t.title.split(' ').size <= 4, "short title: ${t.title}")
        for (sentence in listOf(t.explanation, t.nextStep)) {
            // One sentence: capitalised, ends once, no placeholder left.
            assertTrue(sentence.first().isUpperCase(), sentence)
            assertTrue(sentence.endsWith("."), sentence)
            assertFalse(sentence.dropLast(1).contains(". "), "one sentence: $sentence")
            assertFalse(sentence.contains("null") || sentence.contains("{"), sentence)
        }
        assertTrue(t.toneLabel.isNotBlank())
    }

    @Test
    fun theFixturePhotosReadAsAShopperShouldSeeThem() {
        val genuine = cardOf("genuine.png")
        assertEquals("Genuine", genuine.title)
        assertEquals(Tone.GENUINE, genuine.tone)
        assertTrue(genuine.explanation.startsWith("Acme Foods "), genuine.explanation)
        assertTrue(genuine.details.any { it.label == "Product (GTIN)" && it.value == "09506000134352" })
        // Never synced: the card must not claim recalls were checked.
        assertTrue(genuine.notes.any { it.startsWith("Recalls not checked") }, "${genuine.notes}")

        // A real signature on a host the brand never registered: its own headline and tone.
        val lookalike = cardOf("lookalike-host.png")
        assertEquals("Check the link" to Tone.LOOK_ALIKE_LINK, lookalike.title to lookalike.tone)
        val host = ((verdictOf("lookalike-host.png") as Verdict.Authentic).warnings.single() as Warning.UnregisteredHost).host
        assertTrue(lookalike.explanation.contains(host), lookalike.explanation)
        assertTrue(lookalike.details.any { it.label == "Link" && it.value == host })

        val tampered = cardOf("tampered.png")
        assertEquals("Fake code" to Tone.DANGER, tampered.title to tampered.tone)
        val other = cardOf("other-brand.png")
        assertEquals(Tone.DANGER, other.tone)
        assertTrue(other.explanation.contains("acme's key"), other.explanation)

        val revoked = cardOf("revoked-key.png")
        assertEquals("Revoked code" to Tone.DANGER, revoked.title to revoked.tone)
        assertTrue(revoked.explanation.contains("withdrew the key"), revoked.explanation)

        assertEquals(Tone.CAUTION, cardOf("unknown-issuer.png").tone)
        assertEquals("Not a product code", cardOf("plain-url.png").title)
        for (name in listOf("genuine.png", "lookalike-host.png", "tampered.png", "other-brand.png", "revoked-key.png",
                            "unknown-issuer.png", "plain-url.png")) {
            assertWellFormed(cardOf(name))
            // The card scanAndVerify gives is the card the wording gives for that verdict.
            assertEquals(wording.describe(verdictOf(name)), cardOf(name))
        }
    }

    private val product = Product("09506000134352", "S1", "L42", null, "2026-05-01", "id.acme.example")
    private val issuer = Issuer("acme", "Acme Foods", 1)

    @Test
    fun everyVerdictAndReasonHasItsOwnWords() {
        val day = 86_400L * 20_000L // 2024-10-04
        val verdicts = listOf(
            Verdict.Authentic(product, issuer, Freshness.Fresh, emptyList()),
            Verdict.Authentic(product, issuer, Freshness.Fresh, listOf(Warning.ProductExpired("2026-05-01"))),
            Verdict.Authentic(product, issuer, Freshness.Fresh, listOf(Warning.UnregisteredHost("acme.example.evil"))),
        ) + RevocationReason.entries.map { Verdict.Revoked(product, issuer, it, day) } + listOf(
            ForgeryReason.BadSignature, ForgeryReason.KeyOutOfScope("globex"),
            ForgeryReason.KeyNotYetValid(day), ForgeryReason.KeyExpired(day),
        ).map { Verdict.Forged(product, it) } + listOf(
            Verdict.UnknownIssuer(product, 9), Verdict.NotSigned(true), Verdict.NotSigned(false),
            Verdict.Malformed("bad sig"),
        )
        val cards = verdicts.map(wording::describe)
        cards.forEach(::assertWellFormed)
        // No two situations explained alike.
        assertEquals(cards.size, cards.map { it.explanation }.toSet().size)

        val byReason = RevocationReason.entries.zip(cards.subList(3, 7)).toMap()
        assertEquals("Recalled product", byReason[RevocationReason.BATCH_RECALLED]!!.title)
        assertTrue(byReason[RevocationReason.BATCH_RECALLED]!!.explanation.contains("batch L42 on 2024-10-04"))
        assertEquals("Copied code", byReason[RevocationReason.CODE_CLONED]!!.title)
        assertTrue(byReason.values.all { it.tone == Tone.DANGER })
        assertTrue(cards[1].explanation.contains("expired on 2026-05-01") && cards[1].tone == Tone.CAUTION)
        assertEquals(Tone.LOOK_ALIKE_LINK, cards[2].tone)
        assertTrue(cards.subList(7, 11).all { it.title == "Fake code" && it.tone == Tone.DANGER })
        assertTrue(cards[8].explanation.contains("globex's key"))
        assertEquals(Tone.NEUTRAL, cards[12].tone)
        // Every tone its own colour and name.
        val tones = cards.map { it.tone }.toSet()
        assertEquals(Tone.entries.toSet(), tones)
        assertEquals(tones.size, cards.map { it.toneArgb }.toSet().size)
        assertEquals(tones.size, cards.map { it.toneLabel }.toSet().size)
    }

    @Test
    fun freshnessStatusAndProblemsInPlainWords() {
        val clock = wording.describe(
            Verdict.Authentic(product, issuer, Freshness.Stale(3), listOf(Warning.ClockBehind(0L, 86_400L * 20_000L))),
        )
        assertEquals(Tone.GENUINE, clock.tone)
        assertEquals(2, clock.notes.size)
        assertTrue(clock.notes[0].contains("1970-01-01") && clock.notes[0].contains("2024-10-04"), clock.notes[0])
        assertTrue(clock.notes[1].contains("3 days ago"), clock.notes[1])
        val oneDay = wording.describe(Verdict.Authentic(product, issuer, Freshness.Stale(1), emptyList()))
        assertEquals("Recall lists last updated 1 day ago; connect to the internet to refresh them.", oneDay.notes.last())

        val status = wording.status(verifier.status())
        assertTrue(status.startsWith("Never updated."), status)
        assertTrue(wording.syncProblem(GenuineException.Network("x", true)).contains("try again later"))
        assertTrue(wording.syncProblem(GenuineException.FeedRefused("rollback")).contains("unchanged"))
        assertTrue(wording.syncProblem(GenuineException.BadInput("no feed_url")).contains("no feed_url"))
    }

    @Test
    fun aTranslationMustCarryEveryMessageWithItsPlaceholders() {
        val english = java.io.File(DemoWorld.repo, "core/genuine/wording/en.txt").readText()
        // The shipped table parses as a translation of itself.
        assertEquals(wording.describe(verdictOf("genuine.png")), Wording.parse(english).describe(verdictOf("genuine.png")))
        // A translated line is used...
        val pirate = english.replace("authentic.title = Genuine", "authentic.title = Aye, genuine")
        assertEquals("Aye, genuine", Wording.parse(pirate).describe(verdictOf("genuine.png")).title)
        // ...but a missing message, a lost placeholder or an unknown id is refused.
        assertThrows(GenuineException.BadInput::class.java) {
            Wording.parse(english.lines().filterNot { it.startsWith("forged.title") }.joinToString("\n"))
        }
        assertThrows(GenuineException.BadInput::class.java) {
            Wording.parse(english.replace("{brand} made this product and", "Someone made this product and"))
        }
        assertThrows(GenuineException.BadInput::class.java) { Wording.parse(english + "\nnew.id = Hello\n") }
    }
}
