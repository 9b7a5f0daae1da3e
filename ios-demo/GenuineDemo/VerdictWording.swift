// What a shopper reads for each verdict. Foundation only, no UIKit or SwiftUI:
// the views lay it out and GenuineDemoTests checks it. android-demo's
// VerdictWording.kt says the same things in the same words.
import Foundation
import Genuine

/// The card's colour, by what the shopper should feel.
enum Tone: CaseIterable {
    /// The brand minted it and nothing is wrong.
    case genuine
    /// Genuine with something to know, or not checkable yet.
    case caution
    /// Revoked, recalled, copied or fake: do not trust the product.
    case danger
    /// Not a Genuine code at all.
    case neutral

    /// sRGB components, the same values as Android's ARGB.
    var rgb: (red: Double, green: Double, blue: Double) {
        switch self {
        case .genuine: return (0x1B / 255.0, 0x7F / 255.0, 0x3B / 255.0)
        case .caution: return (0xA1 / 255.0, 0x5C / 255.0, 0x00 / 255.0)
        case .danger: return (0xB3 / 255.0, 0x26 / 255.0, 0x1E / 255.0)
        case .neutral: return (0x5F / 255.0, 0x63 / 255.0, 0x68 / 255.0)
        }
    }
}

/// A labelled line of product data, e.g. "Serial" to "A1B2".
struct Detail: Equatable, Hashable {
    let label: String
    let value: String
}

/// Everything a verdict card shows.
struct VerdictText: Equatable, Hashable {
    /// Two to four words.
    let title: String
    let tone: Tone
    /// One sentence: what the check found.
    let explanation: String
    /// One sentence: what to do now.
    let nextStep: String
    /// The product as signed (or, for a fake, as claimed).
    let details: [Detail]
    /// Further things to know: warnings and how current the recall lists are.
    let notes: [String]
}

enum VerdictWording {
    static func describe(_ verdict: Verdict) -> VerdictText {
        switch verdict {
        case let .authentic(product, issuer, revocation, warnings):
            return authentic(product: product, brand: issuer.brandName, freshness: revocation, warnings: warnings)
        case let .revoked(product, issuer, reason, since):
            return revoked(product: product, brand: issuer.brandName, reason: reason, since: since)
        case let .forged(claimed, reason):
            return VerdictText(
                title: "Fake code", tone: .danger, explanation: forgery(reason),
                nextStep: "Don't buy or use this product, and report the seller to the brand.",
                details: details(claimed, brand: nil), notes: [])
        case let .unknownIssuer(claimed, _):
            return VerdictText(
                title: "Can't check yet", tone: .caution,
                explanation: "This code is signed by a brand key this phone doesn't know yet.",
                nextStep: "Connect to the internet and scan again: the app fetches new brand keys by itself.",
                details: details(claimed, brand: nil), notes: [])
        case let .notSigned(productLink):
            if productLink {
                return VerdictText(
                    title: "No brand signature", tone: .neutral,
                    explanation: "This product link carries no signature from the brand, so it can't be checked.",
                    nextStep: "Look for the brand's Genuine code elsewhere on the packaging.", details: [], notes: [])
            }
            return VerdictText(
                title: "Not a product code", tone: .neutral,
                explanation: "This QR code isn't a Genuine product code.",
                nextStep: "Scan the code printed on the product's packaging.", details: [], notes: [])
        case .malformed:
            return VerdictText(
                title: "Damaged code", tone: .caution,
                explanation: "This looks like a Genuine code, but its data is damaged or has been altered.",
                nextStep: "Scan again closer and in good light; if it still fails, treat the product with suspicion.",
                details: [], notes: [])
        }
    }

    private static func authentic(product: Product, brand: String, freshness: Freshness, warnings: [Warning]) -> VerdictText {
        var host: String?
        var expired: String?
        var notes: [String] = []
        for warning in warnings {
            switch warning {
            case let .unregisteredHost(h): host = host ?? h
            case let .productExpired(e): expired = expired ?? e
            case let .clockBehind(device, signedFloor):
                notes.append("Your phone's clock is behind (it says \(date(device))); the check used the later date \(date(signedFloor)).")
            }
        }
        notes.append(Self.freshness(freshness))
        let title, explanation, nextStep: String
        if let host {
            title = "Genuine, odd link"
            explanation = "\(brand) made this product, but the code's link points to \(host), a site \(brand) has not registered."
            nextStep = "Don't open the link or enter any details there; the product itself checks out."
        } else if let expired {
            title = "Genuine, expired"
            explanation = "\(brand) made this product, and it expired on \(expired)."
            nextStep = "Check the date on the pack before you use it."
        } else {
            title = "Genuine"
            explanation = "\(brand) made this product and signed this code."
            nextStep = "Nothing to do: this item is what the brand says it is."
        }
        return VerdictText(
            title: title, tone: host != nil || expired != nil ? .caution : .genuine, explanation: explanation,
            nextStep: nextStep, details: details(product, brand: brand), notes: notes)
    }

    private static func revoked(product: Product, brand: String, reason: RevocationReason, since: UInt64) -> VerdictText {
        let since = date(since)
        let title, explanation, nextStep: String
        switch reason {
        case .keyRevoked:
            title = "Revoked code"
            explanation = "\(brand) withdrew the key that signed this code on \(since), so the code no longer vouches for the product."
            nextStep = "Don't rely on this code; ask the seller or contact \(brand)."
        case .codeRevoked:
            title = "Revoked code"
            explanation = "\(brand) cancelled this code on \(since)."
            nextStep = "Ask the seller about it, or contact \(brand) with the serial number below."
        case .batchRecalled:
            title = "Recalled product"
            explanation = "\(brand) recalled batch \(product.batch ?? "(unknown)") on \(since)."
            nextStep = "Stop using the product and follow \(brand)'s recall instructions."
        case .codeCloned:
            title = "Copied code"
            explanation = "This genuine code has been found copied onto other items since \(since), so this item may be a fake."
            nextStep = "Buy only from an authorised seller, and report where you found this one to \(brand)."
        }
        return VerdictText(
            title: title, tone: .danger, explanation: explanation, nextStep: nextStep,
            details: details(product, brand: brand), notes: [])
    }

    private static func forgery(_ reason: ForgeryReason) -> String {
        switch reason {
        case .badSignature:
            return "The product data in this code doesn't match its signature: it was made or altered by someone other than the brand."
        case let .keyOutOfScope(signerBrand):
            return "This code is signed by \(signerBrand)'s key, which may not vouch for this product."
        case let .keyNotYetValid(signFrom):
            return "This code is signed by a key that may only sign from \(date(signFrom))."
        case let .keyExpired(verifyUntil):
            return "This code is signed by a key that stopped vouching on \(date(verifyUntil))."
        }
    }

    /// How current the recall and revocation lists are, in plain words.
    static func freshness(_ f: Freshness) -> String {
        switch f {
        case .fresh: return "Checked against the brand's recall lists from the last 24 hours."
        case let .stale(days):
            return "Recall lists last updated \(days == 1 ? "1 day" : "\(days) days") ago; connect to the internet to refresh them."
        case .unknown: return "Recalls not checked: this phone has no recall lists from the last 30 days."
        }
    }

    /// The status line under the scanner: when the phone last heard from the feed.
    static func status(_ s: TrustStatus) -> String {
        guard let last = s.lastSync else { return "Never updated. " + freshness(s.freshness) }
        return "Updated \(date(last)). " + freshness(s.freshness)
    }

    /// Why an update failed, and whether it is worth pulling again.
    static func syncProblem(_ error: Error) -> String {
        switch error as? GenuineError {
        case let .Network(_, retryable)?:
            return retryable
                ? "Couldn't reach the update server; the app will try again later."
                : "The update server answered with something unusable; the app will try again later."
        case .FeedRefused?:
            return "An update was refused because it failed a safety check; the keys and lists you have are unchanged."
        case .Storage?: return "The app's storage failed; free some space and restart the app."
        case let .BadInput(detail)?: return "The app is set up wrongly: \(detail)."
        case .Internal?, nil: return "Something went wrong inside the app; please report it."
        }
    }

    private static func details(_ p: Product, brand: String?) -> [Detail] {
        var lines: [Detail] = []
        if let brand { lines.append(Detail(label: "Brand", value: brand)) }
        lines.append(Detail(label: "Product (GTIN)", value: p.gtin))
        if let v = p.serial { lines.append(Detail(label: "Serial", value: v)) }
        if let v = p.batch { lines.append(Detail(label: "Batch", value: v)) }
        if let v = p.variant { lines.append(Detail(label: "Variant", value: v)) }
        if let v = p.expiry { lines.append(Detail(label: "Expires", value: v)) }
        return lines
    }

    /// A unix time as an ISO date (UTC): unambiguous in every locale.
    static func date(_ unixSeconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }
}
