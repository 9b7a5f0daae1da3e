// Mirrors bindings/kotlin's JUnit tests through the generated Swift bindings.
// Run on a Mac: bindings/ios/build-xcframework.sh, then
//   xcodebuild test -scheme Genuine -destination 'platform=iOS Simulator,name=iPhone 16'
// The sync test needs a local feed: `genuine feed serve` and GENUINE_FEED_URL.
import CoreGraphics
import Foundation
import ImageIO
import XCTest
@testable import Genuine

final class VerifierTests: XCTestCase {
    var dir: URL!
    var verifier: Verifier!

    func fixture(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!
    }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let anchor = try String(contentsOf: fixture("anchor.txt"))
        verifier = try Verifier.open(
            dbPath: dir.appendingPathComponent("genuine.db").path, anchorText: anchor,
            feedUrl: ProcessInfo.processInfo.environment["GENUINE_FEED_URL"])
        let report = try verifier.importBundle(bundle: Data(contentsOf: fixture("trust.bundle")))
        XCTAssertEqual(report.rootsAdded, [1])
    }

    override func tearDownWithError() throws {
        verifier = nil
        try? FileManager.default.removeItem(at: dir)
    }

    /// A fixture photo as luma with padded rows, like a camera plane.
    func luma(_ name: String, padding: Int = 16) throws -> (Data, Int, Int, Int) {
        let source = CGImageSourceCreateWithURL(fixture(name) as CFURL, nil)!
        let image = CGImageSourceCreateImageAtIndex(source, 0, nil)!
        let (w, h) = (image.width, image.height)
        let stride = w + padding
        var pixels = [UInt8](repeating: 0x5a, count: stride * h)
        let context = CGContext(
            data: &pixels, width: w, height: h, bitsPerComponent: 8, bytesPerRow: stride,
            space: CGColorSpaceCreateDeviceGray(), bitmapInfo: CGImageAlphaInfo.none.rawValue)!
        context.draw(image, in: CGRect(x: 0, y: 0, width: w, height: h))
        return (Data(pixels), w, h, stride)
    }

    func scan(_ name: String) throws -> String {
        let (data, w, h, stride) = try luma(name)
        let found = try verifier.scanLuma(buffer: data, width: Int32(w), height: Int32(h), rowStride: Int32(stride))
        XCTAssertEqual(found.count, 1, name)
        return found[0].text
    }

    func testEveryVerdictFromTheFixturePhotos() throws {
        guard case .authentic(let product, let issuer, _, let warnings) = try verifier.verify(text: scan("genuine.png"))
        else { return XCTFail("genuine.png") }
        XCTAssertEqual(product.gtin, "09506000134352")
        XCTAssertEqual(issuer.brandName, "Acme Foods")
        XCTAssertTrue(warnings.isEmpty)
        guard case .forged(_, .badSignature) = try verifier.verify(text: scan("tampered.png")) else { return XCTFail() }
        guard case .forged(_, .keyOutOfScope("acme")) = try verifier.verify(text: scan("other-brand.png")) else { return XCTFail() }
        guard case .revoked(_, _, .keyRevoked, _) = try verifier.verify(text: scan("revoked-key.png")) else { return XCTFail() }
        guard case .unknownIssuer = try verifier.verify(text: scan("unknown-issuer.png")) else { return XCTFail() }
        guard case .notSigned(false) = try verifier.verify(text: scan("plain-url.png")) else { return XCTFail() }
    }

    func testBadFramesAndBundlesThrowBadInput() throws {
        XCTAssertThrowsError(try verifier.scanLuma(buffer: Data(count: 10), width: 100, height: 100, rowStride: 100))
        XCTAssertThrowsError(try verifier.importBundle(bundle: Data([1, 2, 3])))
    }

    func testSyncFromAsync() async throws {
        guard ProcessInfo.processInfo.environment["GENUINE_FEED_URL"] != nil else {
            throw XCTSkip("start `genuine feed serve` and set GENUINE_FEED_URL")
        }
        let report = try await verifier.sync()
        XCTAssertGreaterThan(report.bytesFetched, 0)
        XCTAssertEqual(try verifier.status().freshness, .fresh)
    }

    func testEightThreadsVerifyAtOnce() throws {
        let code = try scan("genuine.png")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<200 {
                guard case .authentic = try? self.verifier.verify(text: code) else { return XCTFail() }
            }
        }
    }
}
