// Mirrors bindings/kotlin's SyncLabTest: the misbehaving-server suite
// (tests/src/lab.rs) through URLSessionTransport and the generated Swift
// bindings. It needs a process to run the lab, so it runs on macOS only:
//   cargo build -p genuine-tests --bin sync-lab
//   GENUINE_SYNC_LAB=$PWD/target/debug/sync-lab swift test --package-path bindings/ios
// (This repository's CI has no Mac and cannot run it; the Kotlin suite runs
// the same steps on a real JVM.)
import Foundation
import XCTest
@testable import Genuine

#if os(macOS)
final class SyncLabTests: XCTestCase {
    /// The `sync-lab` binary: a loopback feed the test drives step by step.
    final class Lab {
        let process = Process()
        let input = Pipe()
        let url: String

        init(binary: String) throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: binary)
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line.append(byte)
            }
            url = String(decoding: line, as: UTF8.self)
        }

        func ask(_ path: String) throws -> String {
            let (data, response) = try SyncLabTests.blockingGet(URL(string: url + "_lab/" + path)!)
            XCTAssertEqual(response.statusCode, 200, path)
            return String(decoding: data, as: UTF8.self)
        }

        func dump(_ db: URL) throws -> String {
            try ask("dump?db=" + db.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        }

        deinit {
            try? input.fileHandleForWriting.close()
            process.terminate()
        }
    }

    static func blockingGet(_ url: URL) throws -> (Data, HTTPURLResponse) {
        let done = DispatchSemaphore(value: 0)
        var result: Result<(Data, HTTPURLResponse), Error> = .failure(URLError(.unknown))
        URLSession.shared.dataTask(with: url) { data, response, error in
            if let data, let http = response as? HTTPURLResponse { result = .success((data, http)) }
            else if let error { result = .failure(error) }
            done.signal()
        }.resume()
        done.wait()
        return try result.get()
    }

    func testEveryStepThroughURLSessionTransport() async throws {
        guard let binary = ProcessInfo.processInfo.environment["GENUINE_SYNC_LAB"] else {
            throw XCTSkip("set GENUINE_SYNC_LAB to the sync-lab binary")
        }
        let lab = try Lab(binary: binary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("genuine.db")
        let fixtures = Bundle.module
        let anchor = try String(contentsOf: fixtures.url(forResource: "anchor.txt", withExtension: nil, subdirectory: "Fixtures")!)
        let v = try Verifier.open(dbPath: db.path, anchorText: anchor, feedUrl: lab.url, requestTimeoutSeconds: 1)
        _ = try v.importBundle(bundle: Data(contentsOf: fixtures.url(forResource: "trust.bundle", withExtension: nil, subdirectory: "Fixtures")!))

        for line in try lab.ask("steps").split(separator: "\n") {
            let name = String(line.split(separator: " ")[0])
            let expect = String(line.split(separator: " ", maxSplits: 1)[1])
            XCTAssertEqual(try lab.ask("step/" + name), expect)
            let before = try lab.dump(db)
            if expect == "cancelled" {
                let pending = Task { try await v.syncCancellable() }
                try await Task.sleep(nanoseconds: 300_000_000)
                pending.cancel()
                _ = await pending.result
                XCTAssertEqual(before, try lab.dump(db), name)
                continue
            }
            let outcome: Result<SyncReport, Error>
            do { outcome = .success(try await v.sync()) } catch { outcome = .failure(error) }
            let kind = expect.split(separator: ":", maxSplits: 1).first.map(String.init) ?? expect
            let words = expect.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            switch (kind, outcome) {
            case ("synced", .success(let r)): XCTAssertTrue(!r.notModified && r.refused.isEmpty, name)
            case ("not-modified", .success(let r)): XCTAssertTrue(r.notModified, name)
            case ("delta", .success(let r)): XCTAssertEqual(r.revocationEntries, 1, name)
            case ("base", .success(let r)): XCTAssertGreaterThan(r.revocationEntries, 1, name)
            case ("network", .failure(GenuineError.Network(let detail, _))),
                 ("feed-refused", .failure(GenuineError.FeedRefused(let detail))):
                XCTAssertTrue(words.isEmpty || detail.contains(words), "\(name): \(detail)")
                XCTAssertEqual(before, try lab.dump(db), "\(name) changed the store: \(detail)")
            default: XCTFail("\(name): expected \(expect), got \(outcome)")
            }
        }
    }
}

#endif
