// The iOS verdict wording for every verdict and reason, mirroring
// bindings/kotlin's VerdictWordingTest (which CI runs on the JVM against real verdicts).
// Run on a Mac: xcodebuild test -scheme GenuineDemo -destination 'platform=iOS Simulator,name=iPhone 16'
import CoreGraphics
import Genuine
import XCTest
@testable import GenuineDemo

final class VerdictWordingTests: XCTestCase {
    let product = Product(
        gtin: "09506000134352", serial: "S1", batch: "L42", variant: nil, expiry: "2026-05-01", host: "id.acme.example")
    let issuer = Issuer(brandId: "acme", brandName: "Acme Foods", kid: 1)
    let day: UInt64 = 86_400 * 20_000 // 2024-10-04

    func assertWellFormed(_ t: VerdictText, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(t.title.isEmpty, file: file, line: line)
        XCTAssertLessThanOrEqual(t.title.split(separator: " ").count, 4, t.title, file: file, line: line)
        for sentence in [t.explanation, t.nextStep] {
            XCTAssertTrue(sentence.first?.isUppercase ?? false, sentence, file: file, line: line)
            XCTAssertTrue(sentence.hasSuffix("."), sentence, file: file, line: line)
            XCTAssertFalse(sentence.dropLast().contains(". "), sentence, file: file, line: line)
        }
    }

    func testEveryVerdictAndReasonHasItsOwnWords() {
        let verdicts: [Verdict] = [
            .authentic(product: product, issuer: issuer, revocation: .fresh, warnings: []),
            .authentic(product: product, issuer: issuer, revocation: .fresh, warnings: [.productExpired(expiry: "2026-05-01")]),
            .authentic(product: product, issuer: issuer, revocation: .fresh, warnings: [.unregisteredHost(host: "acme.example.evil")]),
            .revoked(product: product, issuer: issuer, reason: .keyRevoked, since: day),
            .revoked(product: product, issuer: issuer, reason: .codeRevoked, since: day),
            .revoked(product: product, issuer: issuer, reason: .batchRecalled, since: day),
            .revoked(product: product, issuer: issuer, reason: .codeCloned, since: day),
            .forged(claimed: product, reason: .badSignature),
            .forged(claimed: product, reason: .keyOutOfScope(signerBrand: "globex")),
            .forged(claimed: product, reason: .keyNotYetValid(signFrom: day)),
            .forged(claimed: product, reason: .keyExpired(verifyUntil: day)),
            .unknownIssuer(claimed: product, kid: 9),
            .notSigned(productLink: true),
            .notSigned(productLink: false),
            .malformed(reason: "bad sig"),
        ]
        let texts = verdicts.map(VerdictWording.describe)
        texts.forEach { assertWellFormed($0) }
        XCTAssertEqual(Set(texts.map(\.explanation)).count, texts.count)
        XCTAssertEqual(texts[0].tone, .genuine)
        XCTAssertEqual(texts[1].tone, .caution)
        XCTAssertTrue(texts[2].explanation.contains("acme.example.evil"))
        XCTAssertEqual(texts[5].title, "Recalled product")
        XCTAssertTrue(texts[5].explanation.contains("batch L42 on 2024-10-04"))
        XCTAssertEqual(texts[6].title, "Copied code")
        XCTAssertTrue(texts[3...10].allSatisfy { $0.tone == .danger })
        XCTAssertTrue(texts[8].explanation.contains("globex's key"))
        XCTAssertEqual(texts[13].tone, .neutral)
    }

    func testFreshnessInPlainWords() {
        XCTAssertEqual(
            VerdictWording.freshness(.stale(days: 1)),
            "Recall lists last updated 1 day ago; connect to the internet to refresh them.")
        XCTAssertTrue(VerdictWording.freshness(.stale(days: 12)).contains("12 days ago"))
        let clock = VerdictWording.describe(.authentic(
            product: product, issuer: issuer, revocation: .stale(days: 3),
            warnings: [.clockBehind(device: 0, signedFloor: day)]))
        XCTAssertEqual(clock.notes.count, 2)
        XCTAssertTrue(clock.notes[0].contains("1970-01-01") && clock.notes[0].contains("2024-10-04"))
        XCTAssertTrue(VerdictWording.syncProblem(GenuineError.Network(detail: "x", retryable: true)).contains("try again later"))
        XCTAssertTrue(VerdictWording.syncProblem(GenuineError.FeedRefused(detail: "rollback")).contains("unchanged"))
    }

    func testTheSessionFollowsTheCodeAimedAtAndKeepsOneEntryPerCode() {
        func code(_ text: String, _ verdict: Verdict, size: CGFloat) -> FoundCode {
            FoundCode(text: text, verdict: verdict, corners: [
                CGPoint(x: 0, y: 0), CGPoint(x: size, y: 0), CGPoint(x: size, y: size), CGPoint(x: 0, y: size),
            ])
        }
        let genuine = code("g", .authentic(product: product, issuer: issuer, revocation: .fresh, warnings: []), size: 0.5)
        let fake = code("f", .forged(claimed: product, reason: .badSignature), size: 0.2)
        var session = ScanSession()
        let t0 = Date(timeIntervalSince1970: 0)
        session.onFrame([fake, genuine], now: t0)
        XCTAssertEqual(session.card?.card.title, "Genuine")
        session.onFrame([fake, genuine], now: t0.addingTimeInterval(1))
        session.onFrame([fake, genuine], now: t0.addingTimeInterval(3.5))
        XCTAssertEqual(session.history.count, 1)
        session.onFrame([fake], now: t0.addingTimeInterval(4))
        XCTAssertEqual(session.history.map(\.card.title), ["Fake code", "Genuine"])
        session.dismiss()
        XCTAssertNil(session.card)
        session.onFrame([genuine], now: t0.addingTimeInterval(20))
        XCTAssertEqual(session.history.map(\.card.title), ["Genuine", "Fake code"])
    }
}
