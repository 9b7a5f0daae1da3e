package dev.genuine.demo.wording

import dev.genuine.ForgeryReason
import dev.genuine.Freshness
import dev.genuine.GenuineException
import dev.genuine.Product
import dev.genuine.RevocationReason
import dev.genuine.TrustStatus
import dev.genuine.Verdict
import dev.genuine.Warning
import java.time.LocalDate

// What a shopper reads for each verdict. Plain Kotlin over the SDK's types, no
// Android or Compose import: the screens only lay it out, and the JVM tests
// (bindings/kotlin) check it against real verdicts. ios-demo's
// VerdictWording.swift says the same things in the same words.

/** The card's colour (ARGB), by what the shopper should feel. */
enum class Tone(val argb: Long) {
    /** The brand minted it and nothing is wrong. */
    GENUINE(0xFF1B7F3BL),

    /** Genuine with something to know, or not checkable yet. */
    CAUTION(0xFFA15C00L),

    /** Revoked, recalled, copied or fake: do not trust the product. */
    DANGER(0xFFB3261EL),

    /** Not a Genuine code at all. */
    NEUTRAL(0xFF5F6368L),
}

/** A labelled line of product data, e.g. "Serial" to "A1B2". */
data class Detail(val label: String, val value: String)

/** Everything a verdict card shows. */
data class VerdictText(
    /** Two or three words. */
    val title: String,
    val tone: Tone,
    /** One sentence: what the check found. */
    val explanation: String,
    /** One sentence: what to do now. */
    val nextStep: String,
    /** The product as signed (or, for a fake, as claimed). */
    val details: List<Detail>,
    /** Further things to know: warnings and how current the recall lists are. */
    val notes: List<String>,
)

object VerdictWording {
    fun describe(verdict: Verdict): VerdictText = when (verdict) {
        is Verdict.Authentic -> authentic(verdict)
        is Verdict.Revoked -> revoked(verdict)
        is Verdict.Forged -> VerdictText(
            title = "Fake code",
            tone = Tone.DANGER,
            explanation = forgery(verdict.reason),
            nextStep = "Don't buy or use this product, and report the seller to the brand.",
            details = details(verdict.claimed, brand = null),
            notes = emptyList(),
        )
        is Verdict.UnknownIssuer -> VerdictText(
            title = "Can't check yet",
            tone = Tone.CAUTION,
            explanation = "This code is signed by a brand key this phone doesn't know yet.",
            nextStep = "Connect to the internet and scan again: the app fetches new brand keys by itself.",
            details = details(verdict.claimed, brand = null),
            notes = emptyList(),
        )
        is Verdict.NotSigned -> if (verdict.productLink) {
            VerdictText(
                title = "No brand signature",
                tone = Tone.NEUTRAL,
                explanation = "This product link carries no signature from the brand, so it can't be checked.",
                nextStep = "Look for the brand's Genuine code elsewhere on the packaging.",
                details = emptyList(),
                notes = emptyList(),
            )
        } else {
            VerdictText(
                title = "Not a product code",
                tone = Tone.NEUTRAL,
                explanation = "This QR code isn't a Genuine product code.",
                nextStep = "Scan the code printed on the product's packaging.",
                details = emptyList(),
                notes = emptyList(),
            )
        }
        is Verdict.Malformed -> VerdictText(
            title = "Damaged code",
            tone = Tone.CAUTION,
            explanation = "This looks like a Genuine code, but its data is damaged or has been altered.",
            nextStep = "Scan again closer and in good light; if it still fails, treat the product with suspicion.",
            details = emptyList(),
            notes = emptyList(),
        )
    }

    private fun authentic(v: Verdict.Authentic): VerdictText {
        val brand = v.issuer.brandName
        val host = v.warnings.filterIsInstance<Warning.UnregisteredHost>().firstOrNull()
        val expired = v.warnings.filterIsInstance<Warning.ProductExpired>().firstOrNull()
        val (title, explanation, nextStep) = when {
            host != null -> Triple(
                "Genuine, odd link",
                "$brand made this product, but the code's link points to ${host.host}, a site $brand has not registered.",
                "Don't open the link or enter any details there; the product itself checks out.",
            )
            expired != null -> Triple(
                "Genuine, expired",
                "$brand made this product, and it expired on ${expired.expiry}.",
                "Check the date on the pack before you use it.",
            )
            else -> Triple(
                "Genuine",
                "$brand made this product and signed this code.",
                "Nothing to do: this item is what the brand says it is.",
            )
        }
        val notes = v.warnings.filterIsInstance<Warning.ClockBehind>().map {
            "Your phone's clock is behind (it says ${date(it.device)}); the check used the later date ${date(it.signedFloor)}."
        } + freshness(v.revocation)
        return VerdictText(
            title = title,
            tone = if (host != null || expired != null) Tone.CAUTION else Tone.GENUINE,
            explanation = explanation,
            nextStep = nextStep,
            details = details(v.product, brand),
            notes = notes,
        )
    }

    private fun revoked(v: Verdict.Revoked): VerdictText {
        val brand = v.issuer.brandName
        val since = date(v.since)
        val (title, explanation, nextStep) = when (v.reason) {
            RevocationReason.KEY_REVOKED -> Triple(
                "Revoked code",
                "$brand withdrew the key that signed this code on $since, so the code no longer vouches for the product.",
                "Don't rely on this code; ask the seller or contact $brand.",
            )
            RevocationReason.CODE_REVOKED -> Triple(
                "Revoked code",
                "$brand cancelled this code on $since.",
                "Ask the seller about it, or contact $brand with the serial number below.",
            )
            RevocationReason.BATCH_RECALLED -> Triple(
                "Recalled product",
                "$brand recalled batch ${v.product.batch ?: "(unknown)"} on $since.",
                "Stop using the product and follow $brand's recall instructions.",
            )
            RevocationReason.CODE_CLONED -> Triple(
                "Copied code",
                "This genuine code has been found copied onto other items since $since, so this item may be a fake.",
                "Buy only from an authorised seller, and report where you found this one to $brand.",
            )
        }
        return VerdictText(title, Tone.DANGER, explanation, nextStep, details(v.product, brand), emptyList())
    }

    private fun forgery(reason: ForgeryReason): String = when (reason) {
        is ForgeryReason.BadSignature ->
            "The product data in this code doesn't match its signature: it was made or altered by someone other than the brand."
        is ForgeryReason.KeyOutOfScope ->
            "This code is signed by ${reason.signerBrand}'s key, which may not vouch for this product."
        is ForgeryReason.KeyNotYetValid ->
            "This code is signed by a key that may only sign from ${date(reason.signFrom)}."
        is ForgeryReason.KeyExpired ->
            "This code is signed by a key that stopped vouching on ${date(reason.verifyUntil)}."
    }

    /** How current the recall and revocation lists are, in plain words. */
    fun freshness(f: Freshness): String = when (f) {
        is Freshness.Fresh -> "Checked against the brand's recall lists from the last 24 hours."
        is Freshness.Stale -> "Recall lists last updated ${days(f.days)} ago; connect to the internet to refresh them."
        is Freshness.Unknown -> "Recalls not checked: this phone has no recall lists from the last 30 days."
    }

    /** The status line under the scanner: when the phone last heard from the feed. */
    fun status(s: TrustStatus): String {
        val last = s.lastSync ?: return "Never updated. " + freshness(s.freshness)
        return "Updated ${date(last)}. " + freshness(s.freshness)
    }

    /** Why an update failed, and whether it is worth pulling again. */
    fun syncProblem(e: GenuineException): String = when (e) {
        is GenuineException.Network ->
            if (e.retryable) "Couldn't reach the update server; the app will try again later."
            else "The update server answered with something unusable; the app will try again later."
        is GenuineException.FeedRefused ->
            "An update was refused because it failed a safety check; the keys and lists you have are unchanged."
        is GenuineException.Storage -> "The app's storage failed; free some space and restart the app."
        is GenuineException.BadInput -> "The app is set up wrongly: ${e.detail}."
        is GenuineException.Internal -> "Something went wrong inside the app; please report it."
    }

    private fun details(p: Product, brand: String?): List<Detail> = listOfNotNull(
        brand?.let { Detail("Brand", it) },
        Detail("Product (GTIN)", p.gtin),
        p.serial?.let { Detail("Serial", it) },
        p.batch?.let { Detail("Batch", it) },
        p.variant?.let { Detail("Variant", it) },
        p.expiry?.let { Detail("Expires", it) },
    )

    private fun days(n: UInt) = if (n == 1u) "1 day" else "$n days"

    /** A unix time as an ISO date (UTC): unambiguous in every locale. */
    fun date(unixSeconds: ULong): String = LocalDate.ofEpochDay((unixSeconds / 86_400u).toLong()).toString()
}
